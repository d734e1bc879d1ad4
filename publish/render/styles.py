"""The designer's surface on disk: the default styles/ folder, overridden file by file by the manuscript's own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_STYLES = Path(__file__).resolve().parent.parent / "styles"


@dataclass(frozen=True)
class Styles:
    """The designer's surface: default styles/, overridden file by file by the manuscript's own styles/."""

    default: Path = DEFAULT_STYLES
    override: Path | None = None

    @classmethod
    def for_manuscript(cls, root: Path) -> Styles:
        own = root / "styles"
        return cls(DEFAULT_STYLES, own if own.is_dir() else None)

    @property
    def roots(self) -> tuple[Path, ...]:
        return (self.default,) + ((self.override,) if self.override else ())

    def css(self, name: str) -> list[Path]:
        """A stylesheet and, after it so it wins the cascade, the manuscript's file of the same name."""
        found = [root / name for root in self.roots if (root / name).is_file()]
        return found

    def file(self, name: str) -> Path:
        """One resource (font, profile…): the manuscript's own copy wins."""
        for root in reversed(self.roots):
            if (root / name).is_file():
                return root / name
        return self.default / name


