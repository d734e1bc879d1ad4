"""Finds the styles' font files and subsets them to the characters a publication uses."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from publish.runtime.jobs import parallel_map
from publish.runtime.store import derived_bytes

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


@derived_bytes("epub-font-subset")  # an edit that brings no new character reuses the subsets
def subset_font(path: Path, characters: set[str]) -> bytes | None:
    """The font cut down to the glyphs for these characters, or None when it draws none of them."""
    font = TTFont(str(path), lazy=True)
    cmap = font.getBestCmap() or {}
    wanted = {ord(c) for c in characters} & set(cmap)
    if not {cp for cp in wanted if cp > 0x20}:
        return None
    options = subset.Options()  # fontTools' default layout features: kerning, ligatures, script shaping
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = False
    options.drop_tables += ["DSIG"]
    font = TTFont(str(path), recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


_RULE = re.compile(r"([^{}]*)\{([^{}]*)\}")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)  # a comment naming :lang() must not hide the rule after it
_FAMILY_DECL = re.compile(r"(?:font-family|--[\w-]*font[\w-]*)\s*:\s*([^;}]+)")
_FAMILY_NAME = re.compile(r"""font-family\s*:\s*["']?([^"';]+?)["']?\s*;""")


def primary_families(css: str) -> set[str]:
    """Families a stylesheet asks for first, outside :lang() rules: the book's own typefaces.

    Families that only appear as fallbacks, or first only for a language, are script fallbacks
    (Khmer, Japanese): the e-book carries them only when its text has characters only they draw.
    """
    families: set[str] = set()
    for selector, body in _RULE.findall(_FONT_FACE.sub("", _COMMENT.sub("", css))):
        if ":lang(" in selector:
            continue
        for value in _FAMILY_DECL.findall(body):
            first = value.split(",")[0].strip().strip("\"'")
            if first and not first.startswith("var("):
                families.add(first)
    return families


CODE_STACK = "--code-font"  # base.css's stack for code: its first face serves code, nothing else
_CODE_DECL = re.compile(CODE_STACK + r"\s*:\s*([^;}]+)")


def code_families(css: str) -> set[str]:
    """The faces a stylesheet sets code in first (the first family of each --code-font)."""
    families = set()
    for selector, body in _RULE.findall(_FONT_FACE.sub("", _COMMENT.sub("", css))):
        if ":lang(" not in selector:
            families.update(v.split(",")[0].strip().strip("\"'") for v in _CODE_DECL.findall(body))
    return families - {""}


def root_stacks(css: str) -> list[list[str]]:
    """The font stacks set outside :lang() rules (--text-font, --label-font…), each in its order."""
    found: dict[str, list[str]] = {}
    for selector, body in _RULE.findall(_FONT_FACE.sub("", _COMMENT.sub("", css))):
        if ":lang(" not in selector:
            for name, value in re.findall(r"(--[\w-]*font[\w-]*)\s*:\s*([^;}]+)", body):
                found[name] = [family.strip().strip("\"'") for family in value.split(",")]
    return list(found.values())


def subset_stylesheet(css: str, base: Path, characters: set[str],
                      code_characters: set[str] | None = None) -> tuple[str, list[FontFile]]:
    """The @font-face rules for fonts the text uses, with the subset files they point at.

    `code_characters`, when given, are those of the text's code: the code faces are cut to them, and
    left out when the text has no code (every e-book would otherwise carry a mono face).
    """
    code = code_families(css) if code_characters is not None else set()
    primary = primary_families(css) - code
    faces = []
    for rule, href in font_faces(css):
        path = (base / href).resolve()
        family = _FAMILY_NAME.search(rule)
        cmap = set(TTFont(str(path), lazy=True).getBestCmap() or {}) if path.is_file() else set()
        faces.append((rule, href, path, family.group(1) if family else "", cmap))
    drawn = set().union(*(cmap for _, _, _, family, cmap in faces if family in primary)) if faces else set()
    asked = {ord(c) for c in characters if ord(c) > 0x20}  # some faces map control characters
    families: dict[str, set[int]] = {}
    for _, _, _, family, cmap in faces:
        families.setdefault(family, set()).update(cmap)
    # A fallback face is needed for what the faces before it in a stack leave undrawn: the math face,
    # early in every stack, draws ∞ and →, so the Japanese face is not carried for them alone.
    stacked, used = set(), set(primary)
    for stack in root_stacks(css):
        covered: set[int] = set()
        for family in stack:
            stacked.add(family)
            if family not in families or family in code:
                continue
            if family in used or (asked & families[family]) - covered:
                used.add(family)
                covered |= families[family]
    used |= {family for family, cmap in families.items()
             if family not in stacked and family not in code and (asked & cmap) - drawn}
    needed = [(bool(code_characters) if family in code else family in used) and bool(cmap)
              for _, _, _, family, cmap in faces]
    subsets = iter(parallel_map(subset_font, [(face[2], code_characters if face[3] in code else characters)
                                              for face, wanted in zip(faces, needed, strict=True) if wanted]))
    kept: list[FontFile] = []
    for (rule, href, path, _, _), wanted in zip(faces, needed, strict=True):
        data = next(subsets) if wanted else None
        if data is None:
            css = css.replace(rule, "")
        else:
            kept.append(FontFile(href, path, data))
    return css, kept
