"""Finds the styles' font files and subsets them to the characters a publication uses."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import tinycss2
from fontTools import subset
from fontTools.ttLib import TTFont

from publish.manuscript.containment import Gate, Refused
from publish.manuscript.cssrefs import font_faces as css_font_faces
from publish.manuscript.cssrefs import normalise, with_url
from publish.manuscript.fontfiles import FontProblem, font_cmap
from publish.model.diagnostics import Diagnostics
from publish.runtime.jobs import parallel_map
from publish.runtime.store import derived_bytes


@dataclass(frozen=True)
class Sheet:
    """One stylesheet of the e-book's cascade: its name in styles/, its file, its text."""

    name: str
    path: Path
    text: str


@dataclass(frozen=True)
class FontFile:
    href: str  # as written in the CSS, relative to the stylesheet
    path: Path
    data: bytes
    name: str = ""  # its name in the EPUB: fonts/<file name>, made unique


@derived_bytes("epub-font-subset")  # an edit that brings no new character reuses the subsets
def subset_font(path: Path, characters: set[str]) -> bytes | None:
    """The font cut down to the glyphs for these characters, or None when it draws none of them.

    Cut by the HarfBuzz of the locked uharfbuzz wheel (a Japanese face in a fifth of a second where
    fontTools took four), keeping what a reading system shapes with: the layout tables for the
    characters kept (kerning, ligatures, script shaping), every name record, .notdef's outline;
    no hinting, no glyph names. fontTools (locked too) cuts a face HarfBuzz cannot.
    """
    font = TTFont(str(path), lazy=True)
    cmap = font.getBestCmap() or {}
    wanted = {ord(c) for c in characters} & set(cmap)
    if not {cp for cp in wanted if cp > 0x20}:
        return None
    data = path.read_bytes()
    try:
        cut = _harfbuzz_subset(data, wanted)
    except (ValueError, TypeError, RuntimeError):
        cut = None
    return cut if cut is not None else _fonttools_subset(path, wanted)


def _harfbuzz_subset(data: bytes, wanted: set[int]) -> bytes | None:
    import uharfbuzz

    request = uharfbuzz.SubsetInput()
    request.unicode_set.update(sorted(wanted))
    request.flags = uharfbuzz.SubsetFlags.NOTDEF_OUTLINE | uharfbuzz.SubsetFlags.NO_HINTING
    # Every name record, in every language: the copyright and the licence travel with the font (OFL).
    request.sets(uharfbuzz.SubsetInputSets.NAME_ID).add_range(0, 0x7FFF)
    request.sets(uharfbuzz.SubsetInputSets.NAME_LANG_ID).add_range(0, 0xFFFF)
    request.sets(uharfbuzz.SubsetInputSets.DROP_TABLE_TAG).add(int.from_bytes(b"DSIG", "big"))
    cut = uharfbuzz.subset(uharfbuzz.Face(uharfbuzz.Blob(data)), request)
    blob = None if cut is None else cut.blob.data
    return bytes(blob) if blob else None


def _fonttools_subset(path: Path, wanted: set[int]) -> bytes:
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


_FONT_PROPERTY = re.compile(r"^--[\w-]*font[\w-]*$")


def primary_families(css: str) -> set[str]:
    """Families a stylesheet asks for first, outside :lang() rules: the book's own typefaces.

    Families that only appear as fallbacks, or first only for a language, are script fallbacks
    (Khmer, Japanese): the e-book carries them only when its text has characters only they draw.
    """
    families: set[str] = set()
    for selector, declarations in _style_rules(tinycss2.parse_stylesheet(css, skip_comments=True,
                                                                         skip_whitespace=True)):
        if ":lang(" in selector:
            continue
        for decl in declarations:
            if decl.lower_name == "font-family" or _FONT_PROPERTY.match(decl.name):
                first = _first_family(decl.value)
                if first:
                    families.add(first)
    return families


def _style_rules(rules: list) -> list[tuple[str, list]]:
    """(selector, declarations) of every style rule, inside @media and the like too; not @font-face."""
    found = []
    for rule in rules:
        if rule.type == "qualified-rule":
            declarations = [d for d in tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                                       skip_whitespace=True)
                            if d.type == "declaration"]
            found.append((tinycss2.serialize(rule.prelude), declarations))
        elif rule.type == "at-rule" and rule.content is not None and rule.lower_at_keyword != "font-face":
            found += _style_rules(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True))
    return found


def _first_family(tokens: list) -> str:
    """The first family of a font-family value: `"Noto Serif"` or `Noto Serif`; none for var()."""
    first = []
    for token in tokens:
        if token.type == "literal" and token.value == ",":
            break
        if token.type != "whitespace":
            first.append(token)
    if not first or first[0].type == "function":
        return ""
    if first[0].type == "string":
        return first[0].value
    return " ".join(t.value for t in first if t.type == "ident")


CODE_STACK = "--code-font"  # base.css's stack for code: its first face serves code, nothing else


def _families(tokens: list) -> list[str]:
    """Every family of a font-family value, in order (var() and generic names kept as written)."""
    names: list[str] = []
    current: list[str] = []
    for token in [*tokens, None]:
        if token is None or (token.type == "literal" and token.value == ","):
            if current:
                names.append(" ".join(current))
            current = []
        elif token.type in ("string", "ident"):
            current.append(token.value)
    return names


def _root_declarations(css: str) -> list:
    return [decl for selector, declarations in _style_rules(
        tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
        if ":lang(" not in selector for decl in declarations]


def code_families(css: str) -> set[str]:
    """The faces a stylesheet sets code in first (the first family of each --code-font)."""
    return {_first_family(d.value) for d in _root_declarations(css) if d.name == CODE_STACK} - {""}


def root_stacks(css: str) -> list[list[str]]:
    """The font stacks set outside :lang() rules (--text-font, --label-font…), each in its order."""
    found: dict[str, list[str]] = {}
    for decl in _root_declarations(css):
        if _FONT_PROPERTY.match(decl.name):
            found[decl.name] = _families(decl.value)
    return list(found.values())


def _needed_families(css: str, families: dict[str, set[int]], characters: set[str],
                     code: set[str]) -> set[str]:
    """The families the text needs: the primary ones, and a fallback for what the faces before it in
    a stack leave undrawn (the math face, early in every stack, draws ∞ and →, so the Japanese face
    is not carried for them alone); a face in no stack, for what the primary faces leave undrawn."""
    primary = primary_families(css) - code
    asked = {ord(c) for c in characters if ord(c) > 0x20}  # some faces map control characters
    drawn = set().union(*(families.get(f, set()) for f in primary))
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
    return used | {family for family, cmap in families.items()
                   if family not in stacked and family not in code and (asked & cmap) - drawn}


def subset_stylesheet(sheets: Sequence[Sheet], gate: Gate, characters: set[str],
                      code_characters: set[str] | None = None) -> tuple[str, list[FontFile]]:
    """The e-book's stylesheet (the sheets in order) less the @font-face rules for fonts the text does
    not use, each kept rule pointing at its subset in fonts/, with the subset files.

    `code_characters`, when given, are those of the text's code: the code faces (--code-font's first)
    are cut to them, and left out when the text has no code (every e-book would otherwise carry one).

    The rules are read by a CSS parser (manuscript/cssrefs.py) and every font goes through the gate: a
    url() in a comment is no source, and a source outside the manuscript and styles is refused. The
    loader has vetted the manuscript's stylesheets already; a refusal here is a diagnostic all the same.
    """
    texts = [normalise(sheet.text) for sheet in sheets]
    css = "\n".join(texts)
    code = code_families(css) if code_characters is not None else set()
    faces = []  # (sheet index, face, path, cmap)
    problems = Diagnostics(gate.roots[0])
    for index, (sheet, text) in enumerate(zip(sheets, texts, strict=True)):
        for face in css_font_faces(text):
            if face.url is None:
                continue
            try:
                path = gate.reference(face.url, sheet.path.parent)
                cmap = font_cmap(path)
            except (Refused, FontProblem) as exc:
                problems.error(sheet.path, face.line, f"stylesheet: @font-face: {exc}",
                               getattr(exc, "hint", "") or "point src: url() at a TrueType or OpenType file",
                               column=face.column)
                continue
            faces.append((index, face, path, cmap))
    problems.raise_if_errors()
    families: dict[str, set[int]] = {}
    for _, face, _, cmap in faces:
        families.setdefault(face.family, set()).update(cmap)
    used = _needed_families(css, families, characters, code)
    needed = [(bool(code_characters) if face.family in code else face.family in used) and bool(cmap)
              for _, face, _, cmap in faces]
    subsets = iter(parallel_map(subset_font, [(path, code_characters if face.family in code else characters)
                                              for (_, face, path, _), wanted in zip(faces, needed, strict=True)
                                              if wanted]))
    edits: list[list[tuple[int, int, str]]] = [[] for _ in sheets]
    kept: list[FontFile] = []
    names: dict[str, Path] = {}
    for (index, face, path, _), wanted in zip(faces, needed, strict=True):
        data = next(subsets) if wanted else None
        if data is None:
            edits[index].append((face.start, face.end, ""))
            continue
        name = _unique_name(path, names)
        if name != face.url:
            edits[index].append((face.start, face.end, with_url(face, face.url or "", name)))
        kept.append(FontFile(face.url or "", path, data, name))
    parts = []
    for sheet, text, changes in zip(sheets, texts, edits, strict=True):
        for start, end, replacement in sorted(changes, reverse=True):
            text = text[:start] + replacement + text[end:]
        parts.append(f"/* {sheet.name} */\n" + text)
    return "\n".join(parts), kept


def _unique_name(path: Path, names: dict[str, Path]) -> str:
    """fonts/<file name>; a second font file of the same name gets -2, -3…"""
    stem, suffix = path.stem, path.suffix
    candidate, number = f"fonts/{path.name}", 1
    while names.get(candidate, path) != path:
        number += 1
        candidate = f"fonts/{stem}-{number}{suffix}"
    names[candidate] = path
    return candidate
