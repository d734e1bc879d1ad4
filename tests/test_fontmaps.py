"""publish/fontmaps.py on the bundled fonts: each glyph's own text, CID-keyed CFF keyed by glyph id."""

from __future__ import annotations

import io
import time
from types import SimpleNamespace

import pytest
from fontTools import subset
from fontTools.ttLib import TTFont

from publish.engine.cffcharset import keyed_by_glyph_id
from publish.engine.fontmaps import cid_keyed_by_glyph_id, complete_to_unicode, glyph_texts, recompiled_by_glyph_id
from publish.render.styles import DEFAULT_STYLES

FONTS = DEFAULT_STYLES / "fonts"


def _font(name: str, to_unicode: dict[int, str]) -> SimpleNamespace:
    """What WeasyPrint's Font holds that the map reads."""
    return SimpleNamespace(file_content=(FONTS / name).read_bytes(), index=0, to_unicode=dict(to_unicode),
                           missing={})


def _glyph(name: str, codepoint: int) -> int:
    font = TTFont(FONTS / name, lazy=True)
    return font.getGlyphID(font.getBestCmap()[codepoint])


def test_glyphs_reached_only_by_shaping_get_the_characters_they_are_made_from() -> None:
    content = (FONTS / "NotoSerifKhmer-Regular.ttf").read_bytes()
    texts = glyph_texts("khmer", content, 0)
    font = TTFont(io.BytesIO(content), lazy=True)
    reached = {font.getGlyphID(name) for name in font.getBestCmap().values()}
    shaped = {glyph: found for glyph, found in texts.items() if glyph not in reached}
    assert len(shaped) > 50  # subscript consonants, ligatures, contextual vowel forms
    assert any("\u17d2\u1780" in found for found in shaped.values())  # coeng + KA: the subscript KA


def test_a_cluster_split_over_glyphs_gives_each_glyph_its_own_text() -> None:
    """WeasyPrint's map for "ស្ពាន"-like clusters: the first glyphs empty, the last the whole cluster."""
    sa, aa = _glyph("NotoSerifKhmer-Regular.ttf", 0x179F), _glyph("NotoSerifKhmer-Regular.ttf", 0x17B6)
    font = _font("NotoSerifKhmer-Regular.ttf", {sa: "", aa: "សា", 1: "a"})
    complete_to_unicode(font)
    assert font.to_unicode == {sa: "ស", aa: "ា", 1: "a"}


def test_a_ligature_keeps_its_whole_cluster() -> None:
    """A glyph alone in its cluster (Noto Khmer draws KA with its AA as one glyph) keeps the cluster's text."""
    texts = glyph_texts("khmer", (FONTS / "NotoSerifKhmer-Regular.ttf").read_bytes(), 0)
    ligature = next(glyph for glyph, found in sorted(texts.items()) if "\u1780\u17b6" in found)
    font = _font("NotoSerifKhmer-Regular.ttf", {ligature: "\u1780\u17b6"})
    complete_to_unicode(font)
    assert font.to_unicode == {ligature: "\u1780\u17b6"}


def _japanese_subset() -> bytes:
    """A CID-keyed subset like the ones WeasyPrint embeds: glyph ids renumbered, CIDs kept."""
    font = TTFont(FONTS / "NotoSerifCJKjp-Regular.otf")
    options = subset.Options(retain_gids=True, notdef_outline=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in "日本とカンボジア\u2002"])
    subsetter.subset(font)
    output = io.BytesIO()
    font.save(output)
    return output.getvalue()


@pytest.mark.parametrize("rewrite", [cid_keyed_by_glyph_id, recompiled_by_glyph_id])
def test_cid_keyed_cff_is_keyed_by_glyph_id_with_the_same_outlines_and_bytes(monkeypatch, rewrite) -> None:
    """In place (publish/cffcharset.py) or recompiled by fontTools: the same font, CIDs equal to glyph ids."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    program = _japanese_subset()
    before = TTFont(io.BytesIO(program))
    charset = before["CFF "].cff.topDictIndex[0].charset
    assert charset[len(charset) - 1] != f"cid{len(charset) - 1:05d}"  # the bundled face's CIDs are not its ids
    if rewrite is cid_keyed_by_glyph_id:
        assert keyed_by_glyph_id(program) is not None  # the fast way was taken
    renamed = rewrite(program)
    time.sleep(1.1)
    assert rewrite(program) == renamed  # no clock in the bytes
    after = TTFont(io.BytesIO(renamed), checkChecksums=2)  # table checksums and the font's adjustment right
    top = after["CFF "].cff.topDictIndex[0]
    assert list(top.charset) == [".notdef", *(f"cid{i:05d}" for i in range(1, len(charset)))]
    old, new = before["CFF "].cff.topDictIndex[0].CharStrings, top.CharStrings
    for number, name in enumerate(charset):
        old[name].decompile()
        new[top.charset[number]].decompile()
        assert old[name].program == new[top.charset[number]].program, name
    assert cid_keyed_by_glyph_id(renamed) == renamed  # already keyed by glyph id: left as it is
