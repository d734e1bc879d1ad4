"""Complex-script text that copies, searches and reads aloud as written: /ActualText in the print PDF.

WeasyPrint maps each glyph to the characters of its cluster once per font (ToUnicode). For scripts
whose glyphs are reordered, stacked or merged (Khmer vowels drawn before their consonant, subscript
consonants, marks above), text extractors then return characters out of order, split by stray spaces
or replaced by another cluster's characters. PDF's answer is a marked-content span with /ActualText
holding the real text (ISO 32000-1, 14.9.4), which pdfium, poppler, Acrobat and screen readers use
instead of the glyphs. While the PDF is written, every line of text containing combining marks is
wrapped in such a span; other lines are left as WeasyPrint draws them. U+200B, which segment.py
inserted only as a line-break opportunity, is left out of the actual text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pydyf
import weasyprint.draw.text as weasy_text
import weasyprint.pdf.tags as weasy_tags

from publish.fontmaps import complete_font_maps
from publish.segment import ZWSP


def needs_actual_text(text: str) -> bool:
    """Lines whose glyphs may not map back to their characters in order: any combining mark.

    Not lines of right-to-left text (Arabic, Hebrew): pdfium and poppler read the /ActualText of such
    a line as if it were in visual order and return it reversed (letters or words), while they put its
    glyphs back in reading order themselves; only a vowel mark may then come out beside its letter.
    """
    if text.isascii():  # most lines of most books: no combining mark, decided at C speed
        return False
    return (any(unicodedata.category(c).startswith("M") for c in text)
            and not any(unicodedata.bidirectional(c) in ("R", "AL") for c in text))


def _wrapped(draw_first_line: Any) -> Any:
    def draw_with_actual_text(stream: Any, textbox: Any, *args: Any, **kwargs: Any) -> Any:
        text = textbox.text
        if not text.strip() or not needs_actual_text(text):
            return draw_first_line(stream, textbox, *args, **kwargs)
        actual = pydyf.Dictionary({"ActualText": pydyf.String(text.replace(ZWSP, ""))})
        stream.begin_marked_content("Span", actual)
        try:
            return draw_first_line(stream, textbox, *args, **kwargs)
        finally:
            stream.end_marked_content()

    draw_with_actual_text.wrapped = draw_first_line  # type: ignore[attr-defined]
    return draw_with_actual_text


def _with_lang(build_box_tree: Any) -> Any:
    """Structure elements of elements with a lang attribute get /Lang (tagged PDF, ISO 32000-1 14.9.2)."""

    def build_with_lang(box: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        element = getattr(box, "element", None)
        lang = element.get("lang") if element is not None and getattr(box, "element_tag", "") not in (
            "html", "body") else None
        for item in build_box_tree(box, *args, **kwargs):
            if lang and isinstance(item, pydyf.Dictionary) and "S" in item and "Lang" not in item:
                item["Lang"] = pydyf.String(lang)
            yield item

    build_with_lang.wrapped = build_box_tree  # type: ignore[attr-defined]
    return build_with_lang


@contextmanager
def actual_text() -> Iterator[None]:
    """While WeasyPrint writes a PDF, lines of complex-script text carry their /ActualText, and,
    when the PDF is tagged, the structure elements of language-tagged text their /Lang; every glyph
    maps to Unicode (publish/fontmaps.py)."""
    original, original_tree = weasy_text.draw_first_line, weasy_tags._build_box_tree
    if hasattr(original, "wrapped"):  # already active (nested writes)
        yield
        return
    weasy_text.draw_first_line = _wrapped(original)
    weasy_tags._build_box_tree = _with_lang(original_tree)
    try:
        with complete_font_maps():
            yield
    finally:
        weasy_text.draw_first_line = original
        weasy_tags._build_box_tree = original_tree
