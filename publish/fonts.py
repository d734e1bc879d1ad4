"""Finds the styles' font files and subsets them to the characters a publication uses."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.S)
_SRC_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


@dataclass(frozen=True)
class FontFile:
    href: str  # as written in the CSS, relative to the stylesheet
    path: Path
    data: bytes


def font_faces(css: str) -> list[tuple[str, str]]:
    """Each @font-face rule of a stylesheet with the URL of its font file."""
    faces = []
    for rule in _FONT_FACE.findall(css):
        match = _SRC_URL.search(rule)
        if match:
            faces.append((rule, match.group(1)))
    return faces


def subset_font(path: Path, characters: set[str]) -> bytes | None:
    """The font cut down to the glyphs for these characters, or None when it draws none of them."""
    font = TTFont(str(path), lazy=True)
    cmap = font.getBestCmap() or {}
    wanted = {ord(c) for c in characters} & set(cmap)
    if not {cp for cp in wanted if cp > 0x20}:
        return None
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = False
    options.drop_tables += ["DSIG"]
    font = TTFont(str(path))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def subset_stylesheet(css: str, base: Path, characters: set[str]) -> tuple[str, list[FontFile]]:
    """The @font-face rules for fonts the text uses, with the subset files they point at."""
    kept: list[FontFile] = []
    for rule, href in font_faces(css):
        path = (base / href).resolve()
        data = subset_font(path, characters) if path.is_file() else None
        if data is None:
            css = css.replace(rule, "")
        else:
            kept.append(FontFile(href, path, data))
    return css, kept
