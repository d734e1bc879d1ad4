"""Manuscripts nobody had tried: a multi-text book with notes, lists and deep headings, odd inputs.

Each test is a regression for something a red-team build found broken; one shared build.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pikepdf
import pytest
from conftest import MINIMAL_TEXT, epubcheck_messages, make_photo, run_publish, write_manuscript

from publish.editions.archive.pdfa import pdfua_gaps
from publish.model.text import slugify

pytestmark = pytest.mark.slow  # one shared build of a multi-text book, every edition

CHAPTER = """\
+++
title = "Chapter {n}: On things"
id = "ch{n}"
+++

Opening of chapter {n} with a note.[^a] The same note again.[^a]

## Section {n}.1 {{#sec{n}}}

### Sub {n}.1.1

#### Subsub {n}.1.1.1

##### Deep {n}.1.1.1.1

See [the next chapter](#ch{m}) and [this section](#sec{n}).

5. five{n}
6. six{n}
   > a quote inside a list
7. seven{n}

Paragraph{n} calls a note holding a list.[^b]

[^a]: A note of two paragraphs.

    Its second paragraph.

[^b]: Notelist{n} starts:

    - listitem{n}one
    - listitem{n}two
"""


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three chapters with notes (one cited twice, one holding a list), h2–h5, a list starting at 5."""
    root = tmp_path_factory.mktemp("unseen")
    files: dict[str, str | bytes | None] = {
        f"ch{n}.md": CHAPTER.format(n=n, m=n % 3 + 1) for n in (1, 2, 3)}
    files.update({"feature.md": None, "photos/captions.toml": ""})
    manuscript = write_manuscript(root / "book", files, {"photos/harbour.jpg": None})
    output = root / "out"
    run = run_publish("all", str(manuscript), "-o", str(output),
                      env={"SOURCE_DATE_EPOCH": "1600000000"})
    assert run.returncode == 0, run.stderr
    (output / "stderr.txt").write_text(run.stderr, encoding="utf-8")
    return output


def _pages_text(pdf: Path) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    try:
        return [" ".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document))]
    finally:
        document.close()


def _print_pdf(output: Path) -> Path:
    return next(p for p in output.glob("*.pdf") if not p.name.endswith(".archive.pdf"))


def test_footnotes_print_on_the_page_of_their_call(book: Path) -> None:
    """WeasyPrint pushed every note to a page of its own after its call (a rounding error)."""
    pages = _pages_text(_print_pdf(book))
    for n in (1, 2, 3):
        calls = [i for i, text in enumerate(pages) if f"Paragraph{n} calls" in text]
        notes = [i for i, text in enumerate(pages) if f"Notelist{n} starts" in text]
        assert calls and notes == calls, (n, calls, notes)


def test_a_list_in_a_footnote_stays_in_the_note_in_print(book: Path) -> None:
    """A <ul> inside the note's paragraph used to close it and spill the items into the text."""
    for text in _pages_text(_print_pdf(book)):
        if "Notelist1 starts" in text:
            note = text[text.index("Notelist1 starts"):]
            assert "listitem1one" in note and "listitem1two" in note
            assert text.count("listitem1one") == 1


def test_an_ordered_list_starting_at_5_prints_5_6_7(book: Path) -> None:
    text = " ".join(_pages_text(_print_pdf(book)))  # markers come out after the page's text
    assert "5. 6. 7." in text and "1. 2. 3." not in text


def test_the_archive_sees_nested_headings_in_reading_order(book: Path) -> None:
    """h2–h5 under each chapter's h1 made no gap, but a reversed walk read H1, H5, H4… as one."""
    archive = next(book.glob("*.archive.pdf"))
    with pikepdf.open(archive) as pdf:
        assert not any("heading levels skip" in gap for gap in pdfua_gaps(pdf))
    assert "heading levels skip" not in (book / "stderr.txt").read_text(encoding="utf-8")


def test_the_book_passes_epubcheck(book: Path) -> None:
    epub = next(book.glob("*.epub"))
    problems = [m for m in epubcheck_messages(epub) if not m.startswith("USAGE CSS-028")]
    assert problems == []
    with zipfile.ZipFile(epub) as zipped:
        ch1 = zipped.read("EPUB/ch1.xhtml").decode("utf-8")
    assert '<ol start="5"' in ch1 and "listitem1one" in ch1


def test_a_photo_too_small_for_any_min_ppi_gets_no_min_ppi_hint(tmp_path: Path) -> None:
    """An icon-sized PNG at column width prints at 5 ppi; min_ppi below 30 is refused, so the
    hint must not offer one."""
    manuscript = write_manuscript(tmp_path / "m", {
        "feature.md": "+++\ntitle = \"Icon\"\n+++\n\nText.\n\n![](photos/icon.png)\n",
        "photos/captions.toml": '["icon.png"]\nalt = "An icon."\n'}, {"photos/harbour.jpg": None})
    make_photo(manuscript / "photos" / "icon.png", size=(16, 16), fmt="PNG")
    run = run_publish("pdf", str(manuscript), "-o", str(tmp_path / "out"))
    assert run.returncode == 2, run.stderr
    assert "feature.md:7:5: error: photo 'photos/icon.png' prints at 5 ppi" in run.stderr
    assert "min_ppi = 5" not in run.stderr and "Traceback" not in run.stderr


def test_a_very_long_title_makes_a_slug_without_a_trailing_hyphen() -> None:
    slug = slugify(" ".join(["Extraordinarily"] * 40))
    assert len(slug) <= 80 and not slug.endswith("-") and not slug.startswith("-")


@pytest.mark.parametrize(("title", "slug"), [("Auf der Alten Salzstraße", "auf-der-alten-salzstrasse"),
                                             ("Łódź Kaliska", "lodz-kaliska"), ("Ærø og Øresund", "aero-og-oresund"),
                                             ("Þingvellir", "thingvellir"), ("Café Noël", "cafe-noel")])
def test_a_slug_spells_latin_letters_without_marks_rather_than_dropping_them(title: str, slug: str) -> None:
    """A German book's file was auf-der-alten-salzstrae: ß, ł, ø, æ, þ have no mark to take off."""
    assert slugify(title) == slug


def test_contents_numbers_match_page_labels_when_the_first_text_opens_with_a_photo(tmp_path: Path) -> None:
    """The contents said 'One 4, Two 3': the folio counter restarted after the opener photo, the
    page labels at it. And odd folios are rectos: the photo spread the body opens with is 2–3."""
    manuscript = write_manuscript(tmp_path / "m", {
        "feature.md": "+++\ntitle = \"One\"\n+++\n\n![](photos/harbour.jpg)\n\nText one.\n",
        "second.md": "+++\ntitle = \"Two\"\n+++\n\nText two.\n",
        "photos/captions.toml": '["harbour.jpg"]\nalt = "Boats."\ncaption = "Boats at dawn."\n'
                                'placement = "opener"\nmin_ppi = 100\n'})
    run = run_publish("pdf", str(manuscript), "-o", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    pdf = _print_pdf(tmp_path / "out")
    pages = _pages_text(pdf)
    with pikepdf.open(pdf) as document:
        nums = list(document.Root.PageLabels.Nums)
    first_numbered, start = int(nums[-2]), int(nums[-1].get("/St", 1))

    def label(text: str) -> int:
        return next(i for i, page in enumerate(pages) if text in page) - first_numbered + start

    contents = next(page for page in pages if page.startswith("Contents"))
    assert f"One {label('Boats at dawn.')}" in contents
    assert f"Two {label('ext two.')}" in contents
    photo = next(i for i, page in enumerate(pages) if "Boats at dawn." in page)
    assert photo % 2 == 1 and label("Boats at dawn.") == 2  # a verso (the first PDF page is a recto), page 2
    assert all((index - first_numbered + start) % 2 == (index + 1) % 2 for index in range(first_numbered, len(pages)))


@pytest.mark.parametrize(("body", "expected"), [
    ("::: pullquote\nA quote that never closes.\n\nThe rest of the text.\n",
     "feature.md:12: error: '::: pullquote' is never closed"),
    ("::: warning\nCareful.\n:::\n", "feature.md:12: error: unknown block '::: warning'"),
    ("::: sidebar\nOuter.\n\n::: pullquote\nInner.\n:::\n\n:::\n",
     "feature.md:19: error: a ':::' that closes nothing"),
])
def test_aside_fences_that_would_swallow_or_print_text_are_diagnostics(tmp_path: Path, body: str,
                                                                       expected: str) -> None:
    """An unclosed pull quote hid the rest of the text from screen readers (aria-hidden); an unknown
    or stray fence was printed as ':::' text."""
    manuscript = write_manuscript(tmp_path / "m", {"feature.md": MINIMAL_TEXT + "\n" + body})
    run = run_publish("check", str(manuscript), "-o", str(tmp_path / "out"))
    assert run.returncode == 2, run.stdout + run.stderr
    assert expected in run.stdout + run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(("files", "expected"), [
    ({"feature.md": "+++\ntitle = \"Never closed\"\n\nThe body.\n\n![](photos/harbour.jpg)\n"},
     "feature.md:1: error: the front matter opened with +++ is never closed"),
    ({"publication.toml": "title = \"T\"\nlanguage = \"en\"\ndate = \"2020\"\ntexts = []\n"},
     "publication.toml:4:9: error: texts: the list is empty"),
])
def test_a_manuscript_mistake_is_named_at_its_line(tmp_path: Path, files: dict, expected: str) -> None:
    """Unclosed front matter was printed as body text; texts = [] was reported only as unused photos."""
    manuscript = write_manuscript(tmp_path / "m", files)
    run = run_publish("pdf", str(manuscript), "-o", str(tmp_path / "out"))
    assert run.returncode == 2, run.stderr
    assert expected in run.stderr and "Traceback" not in run.stderr



def test_a_footnote_or_link_in_a_pull_quote_is_a_diagnostic(tmp_path: Path) -> None:
    """The pull quote is aria-hidden: a note called only there, or a link, could not be reached."""
    body = "::: pullquote\nA quote with a note.[^p]\n:::\n\n[^p]: The note.\n"
    manuscript = write_manuscript(tmp_path / "m", {"feature.md": MINIMAL_TEXT + "\n" + body})
    run = run_publish("pdf", str(manuscript), "-o", str(tmp_path / "out"))
    assert run.returncode == 2, run.stderr
    assert "feature.md:12: error: a pull quote cannot hold a link or a footnote" in run.stderr


def test_the_first_text_opens_inside_the_page_margins(book: Path) -> None:
    """A broken selector once gave the first text's opener page the full-bleed photo page's zero margins."""
    import pypdfium2 as pdfium
    from PIL import ImageOps

    pages = _pages_text(_print_pdf(book))
    first = next(i for i, text in enumerate(pages) if "Chapter 1: On things" in text and "Contents" not in text)
    document = pdfium.PdfDocument(str(_print_pdf(book)))
    try:
        image = document[first].render(scale=30 / 72).to_pil().convert("L")
    finally:
        document.close()
    left = ImageOps.invert(image).getbbox()[0]
    assert left > image.width * 0.06, left
