"""Every glyph WeasyPrint embeds maps to Unicode, and CID-keyed CFF fonts are addressed by glyph id.

WeasyPrint maps each glyph to text once per font, when it first draws it: to the text of the glyph's
cluster. When HarfBuzz draws one cluster with several glyphs (a Khmer consonant with its subscript and
vowel sign, a Devanagari i-matra before its consonant, a mark over an Arabic letter), the first glyphs
get no text at all and the last one the whole cluster. PDF/A-3 level A (ISO 19005-3, 6.2.11.7.2) and
PDF/UA-1 (ISO 14289-1, 7.21.7) want every glyph to map to Unicode, and a glyph mapped to a whole
cluster extracts that cluster wherever else it is drawn. So, while the PDF is written and before the
fonts are subset, such glyphs get the characters the font itself says they stand for: those its cmap
maps to them, or, for glyphs reached only by shaping, the characters of the glyphs a substitution
(GSUB: single, multiple, alternate, ligature, reverse chaining, also inside contextual lookups) makes
them from. The text as written still comes from the lines' /ActualText (engine/actualtext.py); the
map makes each glyph say what it depicts.

WeasyPrint also writes the glyph id as the CID of a CFF font, and CID-keyed CFF programs find a glyph
by the CID their charset names (ISO 32000-1, 9.7.4.2). In a subset font (the bundled Japanese faces),
glyph 190 is named CID 257: viewers that follow the charset draw another glyph or .notdef. The
embedded subset is renamed so that each glyph's CID is its glyph id.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import weasyprint.pdf as weasy_pdf
import weasyprint.pdf.fonts as weasy_fonts
from fontTools.ttLib import TTFont

from publish.engine.cffcharset import keyed_by_glyph_id

_MAX_CANDIDATES = 6  # texts kept per glyph while the substitution closure is computed


def _best(candidates: set[str], cluster: str = "") -> str:
    """The shortest text (then the first in code point order), one found in the cluster first."""
    inside = [text for text in candidates if text and text in cluster]
    return min(inside or [t for t in candidates if t], key=lambda text: (len(text), text), default="")


def _add(found: dict[int, set[str]], glyph: int, texts: set[str] | str) -> bool:
    known = found.setdefault(glyph, set())
    new = {texts} if isinstance(texts, str) else texts
    if not new or new <= known or len(known) >= _MAX_CANDIDATES:
        return False
    known |= set(sorted(new - known, key=lambda text: (len(text), text))[:_MAX_CANDIDATES - len(known)])
    return True


def _substitutions(font: TTFont) -> Iterator[tuple[int, Any]]:
    """Every GSUB subtable with its lookup type, extension subtables unwrapped."""
    if "GSUB" not in font:
        return
    table = font["GSUB"].table
    if table.LookupList is None:
        return
    for lookup in table.LookupList.Lookup:
        for subtable in lookup.SubTable:
            kind = lookup.LookupType
            if kind == 7:
                subtable, kind = subtable.ExtSubTable, subtable.ExtSubTable.LookupType
            yield kind, subtable


@functools.lru_cache(maxsize=32)
def glyph_texts(content_digest: str, content: bytes, index: int) -> dict[int, frozenset[str]]:
    """The texts each glyph of a font stands for, by glyph id: cmap, then the GSUB closure."""
    font = TTFont(io.BytesIO(content), fontNumber=index, lazy=True)
    ids = {name: number for number, name in enumerate(font.getGlyphOrder())}
    found: dict[int, set[str]] = {}
    for codepoint, name in sorted((font.getBestCmap() or {}).items()):
        if name in ids:
            _add(found, ids[name], chr(codepoint))
    rules = list(_substitutions(font))
    for _round in range(8):  # substitutions feed each other (a ligature of substituted glyphs): to a fixpoint
        changed = False
        for kind, subtable in rules:
            if kind == 1:
                for source, target in subtable.mapping.items():
                    if source in ids and target in ids and ids[source] in found:
                        changed |= _add(found, ids[target], found[ids[source]])
            elif kind in (2, 3):
                pairs = subtable.mapping if kind == 2 else subtable.alternates
                for source, targets in pairs.items():
                    if source in ids and ids[source] in found:
                        for target in targets:
                            if target in ids:
                                changed |= _add(found, ids[target], found[ids[source]])
            elif kind == 4:
                for first, ligatures in subtable.ligatures.items():
                    for ligature in ligatures:
                        parts = [first, *ligature.Component]
                        if ligature.LigGlyph in ids and all(p in ids and ids[p] in found for p in parts):
                            changed |= _add(found, ids[ligature.LigGlyph],
                                            "".join(_best(found[ids[p]]) for p in parts))
            elif kind == 8:
                for source, target in zip(subtable.Coverage.glyphs, subtable.Substitute, strict=False):
                    if source in ids and target in ids and ids[source] in found:
                        changed |= _add(found, ids[target], found[ids[source]])
        if not changed:
            break
    return {glyph: frozenset(texts) for glyph, texts in found.items()}


def complete_to_unicode(font: Any) -> None:
    """Glyphs WeasyPrint mapped to nothing, or to the whole cluster they were only part of, get their own text."""
    suspect = [glyph for glyph, text in font.to_unicode.items()
               if glyph not in font.missing.values() and len(text) != 1]
    if not suspect:
        return
    content = font.file_content
    texts = glyph_texts(hashlib.sha256(content).hexdigest(), content, font.index)
    for glyph in suspect:
        cluster = font.to_unicode[glyph]
        own = _best(set(texts.get(glyph, ())), cluster)
        if own and (not cluster or (own != cluster and all(char in cluster for char in own))):
            font.to_unicode[glyph] = own


def cid_keyed_by_glyph_id(program: bytes) -> bytes:
    """A CFF OpenType font whose CID-keyed charset names each glyph by its glyph id; other fonts as given."""
    if program[:4] != b"OTTO":
        return program
    rewritten = keyed_by_glyph_id(program)  # in place, in a few bytes (engine/cffcharset.py)
    return rewritten if rewritten is not None else recompiled_by_glyph_id(program)


def recompiled_by_glyph_id(program: bytes) -> bytes:
    """The same through fontTools, for a charset the in-place rewrite does not take (half a second)."""
    font = TTFont(io.BytesIO(program), lazy=True, recalcTimestamp=False)  # same bytes at any time
    top = font["CFF "].cff.topDictIndex[0]
    if not hasattr(top, "ROS"):
        return program
    old = list(top.charset)
    new = [".notdef", *(f"cid{number:05d}" for number in range(1, len(old)))]
    if old == new:
        return program
    strings = top.CharStrings  # name → charstring (or its index in the program): renamed, in order
    strings.charStrings = {new[number]: strings.charStrings[name] for number, name in enumerate(old)}
    top.charset = new
    font.setGlyphOrder(new)
    output = io.BytesIO()
    font.save(output)
    return output.getvalue()


def _building_fonts(build_fonts_dictionary: Any) -> Any:
    def build_with_complete_maps(pdf: Any, fonts: dict, *args: Any, **kwargs: Any) -> Any:
        for font in fonts.values():
            if not font.bitmap:
                complete_to_unicode(font)
        return build_fonts_dictionary(pdf, fonts, *args, **kwargs)

    build_with_complete_maps.wrapped = build_fonts_dictionary  # type: ignore[attr-defined]
    return build_with_complete_maps


def _cleaning(clean: Any) -> Any:
    def clean_and_key_by_glyph_id(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = clean(self, *args, **kwargs)
        self.file_content = cid_keyed_by_glyph_id(self.file_content)
        return result

    clean_and_key_by_glyph_id.wrapped = clean  # type: ignore[attr-defined]
    return clean_and_key_by_glyph_id


@contextmanager
def complete_font_maps() -> Iterator[None]:
    """While WeasyPrint writes a PDF: every glyph maps to its text, every CFF glyph is found by its id."""
    original_build, original_clean = weasy_pdf.build_fonts_dictionary, weasy_fonts.Font.clean
    if hasattr(original_build, "wrapped"):  # already active (nested writes)
        yield
        return
    weasy_pdf.build_fonts_dictionary = _building_fonts(original_build)
    weasy_fonts.Font.clean = _cleaning(original_clean)  # type: ignore[method-assign]
    try:
        yield
    finally:
        weasy_pdf.build_fonts_dictionary = original_build
        weasy_fonts.Font.clean = original_clean  # type: ignore[method-assign]
