"""Problems found in a manuscript, as values with a location, collected and shown together."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, pointing the author at a file and line they can open."""

    path: str
    line: int | None
    column: int | None
    severity: Severity
    message: str
    hint: str = ""

    def format(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.severity.value}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Diagnostic:
        return cls(data["path"], data["line"], data["column"], Severity(data["severity"]), data["message"],
                   data.get("hint", ""))


class ManuscriptError(Exception):
    """Raised when a manuscript cannot be built; carries every diagnostic of the run."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=_sort_key)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


def _sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.path, d.line or 0, d.column or 0, d.message)


class Diagnostics:
    """Collects problems with paths shown relative to where the author works."""

    def __init__(self, root: Path):
        self.root = root
        self.items: list[Diagnostic] = []

    def display_path(self, path: Path | str) -> str:
        """The path as the author named it: under the manuscript folder as given on the command line."""
        path = Path(path)
        try:
            inside = path.relative_to(self.root)
        except ValueError:
            try:
                inside = path.resolve().relative_to(self.root.resolve())
            except ValueError:
                return path.as_posix()
        return (self.root / inside).as_posix()

    def add(
        self,
        path: Path | str,
        line: int | None,
        message: str,
        hint: str = "",
        *,
        column: int | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.items.append(
            Diagnostic(self.display_path(path), line, column, severity, message, hint)
        )

    def error(self, path: Path | str, line: int | None, message: str, hint: str = "",
              column: int | None = None) -> None:
        self.add(path, line, message, hint, column=column)

    def warning(self, path: Path | str, line: int | None, message: str, hint: str = "",
                column: int | None = None) -> None:
        self.add(path, line, message, hint, column=column, severity=Severity.WARNING)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ManuscriptError(self.items)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...], known: str = "keys") -> str:
    """A hint naming the closest known word, or the list of known words."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"known {known}: " + ", ".join(sorted(choices))
