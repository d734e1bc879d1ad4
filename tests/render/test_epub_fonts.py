"""The e-book's font subsets (render/fonts.py): cut by the locked HarfBuzz, with what a reading system
needs to set the text as print does, and the licence the fonts are distributed under."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont

from publish.render import fonts
from publish.render.styles import DEFAULT_STYLES

FONTS = DEFAULT_STYLES / "fonts"
TEXT = {
    "NotoSerif-Regular.ttf": "Ties that bind: office, affine — 1953–2018 “quoted”",
    "NotoSerifKhmer-Regular.ttf": "ចំណងមិត្តភាពកម្ពុជា និងជប៉ុន",
    "NotoSerifCJKjp-Regular.otf": "日本とカンボジアを結ぶ絆",
}


@pytest.mark.parametrize("name", sorted(TEXT))
def test_an_epub_subset_keeps_the_characters_shaping_and_licence(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = FONTS / name
    characters = set(TEXT[name])
    cut = fonts.subset_font.__wrapped__(path, characters)  # the derivation itself, not the build's store
    assert cut is not None
    font, whole = TTFont(io.BytesIO(cut)), TTFont(str(path))
    wanted = {ord(c) for c in characters} & set(whole.getBestCmap())
    assert wanted <= set(font.getBestCmap())
    assert len(font.getGlyphOrder()) < len(whole.getGlyphOrder()) / 4
    for table in ("GSUB", "GPOS"):  # ligatures, kerning, Khmer and Japanese shaping
        assert (table in font) == (table in whole), table
    assert font["name"].getDebugName(13) == whole["name"].getDebugName(13)  # the licence (OFL)
    assert font["name"].getDebugName(1) == whole["name"].getDebugName(1)  # the family the CSS names
    # fontTools cuts what HarfBuzz cannot, with the same contents.
    monkeypatch.setattr(fonts, "_harfbuzz_subset", lambda *args: None)
    fallback = TTFont(io.BytesIO(fonts.subset_font.__wrapped__(path, characters)))
    assert set(fallback.getBestCmap()) == set(font.getBestCmap())
    assert fallback["name"].getDebugName(13) == font["name"].getDebugName(13)


def test_a_font_that_draws_none_of_the_characters_is_left_out() -> None:
    assert fonts.subset_font.__wrapped__(FONTS / "NotoSerifKhmer-Regular.ttf", set("日本とカンボジア")) is None
