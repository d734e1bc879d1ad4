"""Red-team cases, second round: front matter that reaches into the texts in ways laying out text by text misses.

Each book is laid out as publish lays it out (text by text, or whole if it finds why it must) and whole,
and what a reader meets must be the same (test_chapters._pdf_facts). Publish once laid these texts out
alone and got them wrong: a running element kept by the imprint (WeasyPrint takes running elements out
of the page's boxes), a string set by the contents (hidden in a text's own document), footnote numbers
running on from text to text (notes count without a counter-increment).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.books import CREATED, text
from helpers.books import assert_same as _assert_same
from helpers.books import book as _book
from helpers.books import pdf_facts as _pdf_facts

from publish.editions.print.layout import lay_out, write_pdf
from publish.manuscript.loader import load
from publish.model.diagnostics import Diagnostics
from publish.render.styles import Styles

pytestmark = pytest.mark.slow  # lays books out text by text and whole


def _as_published_and_whole(root: Path) -> tuple[dict, dict]:
    publication, _ = load(root)
    styles = Styles.for_manuscript(root)
    made = {}
    for name, options in (("parts", {"jobs": 1}), ("whole", {"whole": True})):
        layout = lay_out(publication, styles, CREATED, Diagnostics(root), **options)
        target = root.parent / f"{name}.pdf"
        write_pdf(layout, publication, target)
        made[name] = _pdf_facts(target)
    return made["parts"], made["whole"]


def test_a_running_element_in_the_imprint_reaches_every_text(tmp_path: Path) -> None:
    css = (".imprint .imprint-role { position: running(who); }\n"
           "@page :left { @bottom-center { content: element(who); } }\n")
    root = _book(tmp_path / "book", {"a.md": text("Alpha", 6), "b.md": text("Beta", 6)}, css=css)
    parts, whole = _as_published_and_whole(root)
    _assert_same(parts, whole)


def test_a_string_set_in_the_contents_reaches_every_text(tmp_path: Path) -> None:
    css = ".contents-title { string-set: left-head content(); }\n"
    root = _book(tmp_path / "book", {"a.md": text("Alpha", 6), "b.md": text("Beta", 6)}, css=css)
    parts, whole = _as_published_and_whole(root)
    _assert_same(parts, whole)


def test_footnote_numbers_running_on_from_text_to_text(tmp_path: Path) -> None:
    css = ".article { counter-reset: none; }\n"
    root = _book(tmp_path / "book", {"a.md": text("Alpha", 4, notes=True), "b.md": text("Beta", 4, notes=True)},
                 css=css)
    parts, whole = _as_published_and_whole(root)
    _assert_same(parts, whole)
