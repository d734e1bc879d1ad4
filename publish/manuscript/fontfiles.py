"""Opens a font a stylesheet names, to know that it is one and which characters it draws."""

from __future__ import annotations

from pathlib import Path

from fontTools.ttLib import TTFont


def font_cmap(path: Path) -> set[int]:
    """The code points the font draws; FontProblem when the file is not a font fontTools can read."""
    try:
        return set(TTFont(str(path), lazy=True).getBestCmap() or {})
    except Exception:  # noqa: BLE001 - fontTools raises anything from struct.error to TTLibError
        raise FontProblem(f"'{path.name}' is not a font file (TrueType, OpenType or WOFF)") from None


class FontProblem(Exception):
    """A font source that is not a font (the author named the wrong file)."""
