"""Text that copies, searches and reads aloud as written: /ActualText in the print and archive PDFs.

WeasyPrint maps each glyph to the characters of its cluster once per font (ToUnicode). For scripts
whose glyphs are reordered, stacked or merged (Khmer vowels drawn before their consonant, subscript
consonants, marks above), text extractors then return characters out of order, split by stray spaces
or replaced by another cluster's characters. PDF's answer is a marked-content span with /ActualText
holding the real text (ISO 32000-1, 14.9.4), which pdfium, poppler, Acrobat and screen readers use
instead of the glyphs. While the PDF is written, every line of text containing combining marks is
wrapped in such a span; so are lines that end in a hyphenation hyphen (in the actual text a soft
hyphen, U+00AD, as tagged PDF wants: "dip\u00ad" + "lomatic" is one word), letter-spaced lines (the
running heads: extractors read the gaps as spaces, "T I E S"), and the drop cap, whose letter is
given to its paragraph's first line ("This", not "T his"); other lines are left as WeasyPrint draws
them. U+200B, which segment.py inserted only as a line-break opportunity, and U+2060, the word joiner
model/typography.py puts in a number range only to forbid one, are left out of the actual text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pydyf
import weasyprint.draw.text as weasy_text
import weasyprint.pdf.tags as weasy_tags

from publish.engine.fontmaps import complete_font_maps
from publish.manuscript.segment import ZWSP
from publish.model.typography import WJ


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


def _right_to_left(text: str) -> bool:
    return not text.isascii() and any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def _hyphenated(textbox: Any) -> bool:
    """WeasyPrint broke the word at the line's end and drew the hyphenate character (its own test)."""
    hyphen = textbox.style["hyphenate_character"]
    text = textbox.text
    return bool(hyphen) and text.endswith(hyphen) and len(text) > len(hyphen) and text[-len(hyphen) - 1].isalpha()


def _letter_spaced(textbox: Any) -> bool:
    """Tracked out (the computed value is in px); tight negative tracking opens no gap."""
    spacing = textbox.style["letter_spacing"]
    return spacing != "normal" and spacing > 0


def _is_initial(textbox: Any) -> bool:
    """The drop cap publish.render.with_initial sets apart: <span class="initial">."""
    element = getattr(textbox, "element", None)
    return element is not None and element.tag == "span" and element.get("class") == "initial"


def _wrapped(draw_first_line: Any) -> Any:
    initials: dict[Any, str] = {}  # drop cap's span → its letter, until its paragraph's first line is drawn

    def draw_with_actual_text(stream: Any, textbox: Any, *args: Any, **kwargs: Any) -> Any:
        """Lines that would not extract as written get their text as /ActualText: complex scripts,
        hyphenated words (the hyphen becomes U+00AD, ISO 32000-1 14.8.2.2.3), letter-spaced lines
        (extractors see the gaps as spaces), and a drop cap, which reads with its word's first line."""
        text = textbox.text
        if not text.strip() or _right_to_left(text):
            return draw_first_line(stream, textbox, *args, **kwargs)
        actual = text.replace(ZWSP, "").replace(WJ, "")
        element = getattr(textbox, "element", None)
        if _is_initial(textbox):
            # Its letter is read with the first line; the float itself reads as a space. Not as an empty
            # /ActualText: pdfium ignores one and returns the letter where the float was drawn (first).
            initials[element] = actual
            actual, wanted = " ", True
        else:
            wanted = needs_actual_text(text) or _letter_spaced(textbox)
            if _hyphenated(textbox):
                actual, wanted = actual[:-len(textbox.style["hyphenate_character"])] + "\u00ad", True
            initial = next((child for child in (element if element is not None and initials else ())
                            if child in initials), None)  # the paragraph's own text, after its drop cap
            if initial is not None:
                actual, wanted = initials.pop(initial) + actual, True
        if not wanted:
            return draw_first_line(stream, textbox, *args, **kwargs)
        stream.begin_marked_content("Span", pydyf.Dictionary({"ActualText": pydyf.String(actual)}))
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
    maps to Unicode (engine/fontmaps.py)."""
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
