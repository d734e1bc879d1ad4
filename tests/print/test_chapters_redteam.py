"""Red-team cases: small books where laying out text by text could differ from one layout of the whole book.

Each case builds a tiny manuscript, lays it out both ways (publish/chapters.py + merge.py, and WeasyPrint
at once), and compares what a reader meets (test_chapters._pdf_facts). Styles that only a layout of the
whole book can honour (texts starting on any side, counters or running strings carried from text to
text, :nth() page positions, target-text()) make publish lay the book out whole: those cases check
that it did. Notes overflowing a text's last page are the one intended difference: they stay with
their text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.books import PARAGRAPH, text
from helpers.books import assert_same as _assert_same
from helpers.books import book as _book
from helpers.books import both_ways as _both_ways

pytestmark = pytest.mark.slow  # lays books out text by text and whole


def _notes_at_end(title: str, notes: int = 8) -> str:
    """A text ending in short paragraphs, each with a long note: the last notes overflow to another page."""
    body = f'+++\ntitle = "{title}"\n+++\n\n' + (PARAGRAPH + "\n\n") * 6
    body += "".join(f"Short paragraph with a note.[^e{k}]\n\n" for k in range(notes))
    body += "".join(f"[^e{k}]: " + "An extended footnote text that goes on for a while. " * 3 + "\n\n"
                    for k in range(notes))
    return body


def test_a_plain_two_text_book_matches(tmp_path: Path) -> None:
    """The control: nothing unusual, the same book both ways."""
    parts, whole = _both_ways(_book(tmp_path / "book", {"a.md": text("Alpha", 6), "b.md": text("Beta", 2)}))
    _assert_same(parts, whole)


def test_notes_overflowing_at_a_texts_end_stay_with_their_text(tmp_path: Path) -> None:
    """One layout of the whole book would set them at the foot of the next text's opener."""
    root = _book(tmp_path / "book", {"a.md": _notes_at_end("Notes one"), "b.md": text("Beta", 1)})
    parts, _ = _both_ways(root)
    notes = [page for name, page in parts["dests"].items() if name.startswith("a-fn")]
    assert len(notes) == 8 and max(notes) < parts["dests"]["b"]


def test_notes_overflowing_at_the_books_end_are_all_printed(tmp_path: Path) -> None:
    """One layout of the whole book loses them (WeasyPrint stops at the last page of text)."""
    root = _book(tmp_path / "book", {"a.md": text("Alpha", 1), "b.md": _notes_at_end("Notes last")})
    parts, _ = _both_ways(root)
    assert len([name for name in parts["dests"] if name.startswith("b-fn")]) == 8
    assert "extended" in " ".join(parts["words"][-1])


WHOLE_BOOK_DESIGNS = {
    "texts that start on any side": (".article { break-before: page; }\n", 2, 7),
    "texts that run on without a page break": (".article { break-before: auto; page: auto; }\n"
                                               ".imprint + .article, .contents + .article { page: auto; }\n", 1, 1),
    "a counter across texts": ("body { counter-reset: chap; }\n.article { counter-increment: chap; }\n"
                               ".article .title::before { content: 'Chapter ' counter(chap) ': '; }\n", 1, 1),
    "page selectors by position": ("@page :nth(3n) { @bottom-center { content: 'third'; } }\n", 6, 6),
    "contents with target-text": (".contents li a::after { content: leader('.') target-text(attr(href url), "
                                  "first-letter) ' ' target-counter(attr(href url), page); }\n", 1, 1),
}


@pytest.mark.parametrize("design", list(WHOLE_BOOK_DESIGNS))
def test_designs_only_one_layout_honours_lay_the_book_out_whole(tmp_path: Path, design: str) -> None:
    css, first, second = WHOLE_BOOK_DESIGNS[design]
    root = _book(tmp_path / "book", {"a.md": text("Alpha", first), "b.md": text("Beta", second)}, css=css)
    parts, whole = _both_ways(root, text_by_text=False)
    _assert_same(parts, whole)


def test_a_running_string_carried_into_the_next_text(tmp_path: Path) -> None:
    css = ".body h2 { string-set: sec content(); }\n@page { @top-center { content: string(sec); } }\n"
    plain = '+++\ntitle = "Beta"\n+++\n\n' + (PARAGRAPH + "\n\n") * 8
    root = _book(tmp_path / "book", {"a.md": text("Alpha", 4), "b.md": plain}, css=css)
    parts, whole = _both_ways(root, text_by_text=False)
    _assert_same(parts, whole)


def test_a_string_set_in_the_imprint_reaches_every_text(tmp_path: Path) -> None:
    """Texts are laid out with the front matter pieces that set strings (here the imprint), not the others."""
    css = ".imprint .imprint-role { string-set: edition content(); }\n" \
          "@page :right { @bottom-center { content: string(edition); font-size: 6pt; } }\n"
    root = _book(tmp_path / "book", {"a.md": text("Alpha", 6), "b.md": text("Beta", 6), "c.md": text("Gamma", 3)},
                 css=css)
    parts, whole = _both_ways(root)
    _assert_same(parts, whole)
    front = parts["dests"]["a"]  # the first text's page: what follows is laid out text by text
    assert sum("Author" in words for words in parts["words"][front:]) >= 2
