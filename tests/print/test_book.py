"""Books and anthologies (issue 15): front matter, parts, numbered chapters, back matter, each text's people.

Two fixture manuscripts are built once each with the real command: a book (dedication, epigraph,
foreword by another author, preface, two parts, numbered chapters, appendix, afterword, about
the author) and an anthology (an editor, texts by several authors, one translated, one with its
own photographer). The tests read what a reader, a reading system and a library meet: the PDF's
page labels, outline, sides and folios; the EPUB's spine, semantics, landmarks and EPUBCheck;
the archive's structure tree; the OPF, MARC and ONIX credits.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import epubcheck_messages, render_pages, run_publish, write_manuscript
from helpers.layout_fixtures import every_page_problems
from lxml import etree

from publish.manuscript.loader import load
from publish.model import credits
from publish.model.diagnostics import ManuscriptError
from publish.render.labels import numeral

pytestmark = pytest.mark.slow  # builds whole books in every edition

EPOCH = {"SOURCE_DATE_EPOCH": "1600000000"}
PARAGRAPH = ("The river runs brown after the rains, and the ferry waits at the landing while the "
             "drivers argue about the price of the crossing. On the far bank the market opens early; "
             "by noon the stalls are folded and the boats have gone back upstream with the current. ")

BOOK_TOML = """\
title = "The River Book"
subtitle = "Essays on a delta"
language = "en"
date = "2021-03-01"
publisher = "Delta Press"
texts = ["dedication.md", "epigraph.md", "foreword.md", "preface.md", "part-one.md", "ch-ferry.md",
         "ch-market.md", "part-two.md", "ch-bridge.md", "appendix.md", "afterword.md", "glossary.md",
         "about.md"]

[[contributors]]
name = "Ada Writer"
role = "author"

[book]
numbering = true

[print]
trim = "A5"
"""


def _paragraphs(count: int) -> str:
    return "\n\n".join(PARAGRAPH * 2 for _ in range(count)) + "\n"


def _text(front: str, body: str) -> str:
    return f"+++\n{front.strip()}\n+++\n\n{body}"


BOOK_FILES: dict[str, str | None] = {
    "publication.toml": BOOK_TOML,
    "feature.md": None,
    "photos/captions.toml": None,
    "dedication.md": _text('kind = "dedication"', "For my mother, who crossed the river every morning.\n"),
    "epigraph.md": _text('kind = "epigraph"', "A river is the report card for its watershed.\n\n— Alan Levere\n"),
    "foreword.md": _text('kind = "foreword"\ntitle = "Foreword"\n\n[[contributors]]\nname = "Bea Forewright"\n'
                         'role = "author"', _paragraphs(6)),
    "preface.md": _text('kind = "preface"\ntitle = "Preface"', _paragraphs(2)),
    "part-one.md": _text('kind = "part"\ntitle = "Upstream"', "Where the river is narrow.\n"),
    "ch-ferry.md": _text('title = "The ferry"', _paragraphs(6) + "\n## The landing\n\n" + _paragraphs(3)),
    "ch-market.md": _text('title = "The market"', _paragraphs(4)),
    "part-two.md": _text('kind = "part"\ntitle = "Downstream"', ""),
    "ch-bridge.md": _text('title = "The bridge"', _paragraphs(5)),
    "appendix.md": _text('kind = "appendix"\ntitle = "Water levels, 1990–2020"', _paragraphs(1)),
    "afterword.md": _text('kind = "afterword"', _paragraphs(1)),
    "glossary.md": _text('kind = "glossary"', "Ferry\n: A boat that carries people across.\n\n"
                         "Landing\n: Where the ferry ties up.\n"),
    "about.md": _text('kind = "about the author"', "Ada Writer lives by the river.\n"),
}

ANTHOLOGY_TOML = """\
title = "Voices from the Delta"
language = "en"
date = "2022"
publisher = "Delta Press"
texts = ["introduction.md", "heron.md", "salt.md", "flood.md"]

[[contributors]]
name = "Maya Editor"
role = "editor"
"""

ANTHOLOGY_FILES: dict[str, str | None] = {
    "publication.toml": ANTHOLOGY_TOML,
    "feature.md": None,
    "introduction.md": _text('kind = "introduction"\n\n[[contributors]]\nname = "Maya Editor"\nrole = "author"',
                             _paragraphs(2)),
    "heron.md": _text('title = "The heron"\n\n[[contributors]]\nname = "Chan Sok"\nrole = "author"\n\n'
                      '[[contributors]]\nname = "Tom Translator"\nrole = "translator"', _paragraphs(3)),
    "salt.md": _text('title = "Salt"\n\n[[contributors]]\nname = "Lina Rivers"\nrole = "author"\n\n'
                     '[[contributors]]\nname = "Test Photographer"\nrole = "photographer"',
                     _paragraphs(2) + "\n![](photos/harbour.jpg)\n\n" + _paragraphs(1)),
    "flood.md": _text('title = "After the flood"\nbyline = "by Chan Sok and Lina Rivers"\n\n'
                      '[[contributors]]\nname = "Chan Sok"\nrole = "author"\n\n'
                      '[[contributors]]\nname = "Lina Rivers"\nrole = "author"', _paragraphs(2)),
}


def write_book(root: Path) -> Path:
    return write_manuscript(root, BOOK_FILES, photos={"photos/harbour.jpg": None})


def write_anthology(root: Path) -> Path:
    return write_manuscript(root, ANTHOLOGY_FILES)


@dataclass(frozen=True)
class Built:
    root: Path
    output: Path
    slug: str

    @property
    def pdf(self) -> Path:
        return self.output / f"{self.slug}.pdf"

    @property
    def epub(self) -> Path:
        return self.output / f"{self.slug}.epub"

    @property
    def archive(self) -> Path:
        return self.output / f"{self.slug}.archive.pdf"

    @property
    def deposit(self) -> Path:
        return self.output / f"{self.slug}-deposit"


def _build(tmp_path_factory: pytest.TempPathFactory, name: str, writer, slug: str) -> Built:
    root = writer(tmp_path_factory.mktemp(name) / "manuscript")
    output = root.parent / "output"
    run = run_publish("deposit", str(root), "-o", str(output), env=EPOCH)
    assert run.returncode == 0, run.stderr
    return Built(root, output, slug)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "book", write_book, "the-river-book")


@pytest.fixture(scope="module")
def anthology(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory, "anthology", write_anthology, "voices-from-the-delta")


# The model ------------------------------------------------------------------------------------


def test_the_loader_orders_numbers_and_groups_the_texts(tmp_path: Path) -> None:
    publication, _ = load(write_book(tmp_path / "m"))
    kinds = [(a.id, a.kind, a.number, a.part) for a in publication.articles]
    assert kinds == [
        ("dedication", "dedication", None, ""), ("epigraph", "epigraph", None, ""),
        ("foreword", "foreword", None, ""), ("preface", "preface", None, ""),
        ("part-one", "part", 1, ""), ("ch-ferry", "chapter", 1, "part-one"), ("ch-market", "chapter", 2, "part-one"),
        ("part-two", "part", 2, ""), ("ch-bridge", "chapter", 3, "part-two"),
        ("appendix", "appendix", None, ""), ("afterword", "afterword", None, ""),
        ("glossary", "glossary", None, ""), ("about", "about-the-author", None, ""),
    ]
    titles = {a.id: a.title for a in publication.articles}
    assert titles["dedication"] == "Dedication" and titles["afterword"] == "Afterword"  # named by their kind
    assert titles["about"] == "About the author"
    assert publication.body_start.id == "part-one"
    assert [a.id for a in publication.before_contents] == ["dedication", "epigraph"]


def test_back_matter_listed_first_is_set_after_the_chapters_with_a_warning(tmp_path: Path) -> None:
    toml = BOOK_TOML.replace('texts = ["dedication.md"', 'texts = ["about.md", "dedication.md"').replace(
        '"glossary.md",\n         "about.md"]', '"glossary.md"]')
    publication, diags = load(write_manuscript(tmp_path / "m", {**BOOK_FILES, "publication.toml": toml},
                                               photos={"photos/harbour.jpg": None}))
    assert [a.id for a in publication.articles][-5:] == ["ch-bridge", "about", "appendix", "afterword", "glossary"]
    warnings = [d for d in diags.items if "is listed before" in d.message]
    assert len(warnings) == 1 and "after the chapters" in warnings[0].message
    assert warnings[0].line == 6  # the texts = [...] line


def test_a_misspelt_kind_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "m", {"feature.md": _text('kind = "forword"\ntitle = "A"', "Text.\n")})
    with pytest.raises(ManuscriptError) as caught:
        load(root)
    (problem,) = [d for d in caught.value.diagnostics if "kind" in d.message]
    assert problem.line == 2 and "'forword' is not a kind of text" in problem.message
    assert "foreword" in problem.hint


def test_an_untitled_part_needs_numbering(tmp_path: Path) -> None:
    toml = ANTHOLOGY_TOML.replace('texts = ["introduction.md"', 'texts = ["part.md", "introduction.md"')
    root = write_manuscript(tmp_path / "m", {**ANTHOLOGY_FILES, "publication.toml": toml,
                                            "part.md": _text('kind = "part"', "")})
    with pytest.raises(ManuscriptError) as caught:
        load(root)
    assert any("the part has no title" in d.message for d in caught.value.diagnostics)


def test_people_are_credited_by_what_they_made(tmp_path: Path) -> None:
    publication, _ = load(write_book(tmp_path / "book"))
    people = {p.name: p.codes for p in credits.people(publication)}
    assert people == {"Ada Writer": ("aut",), "Bea Forewright": ("aui",)}
    anthology, _ = load(write_anthology(tmp_path / "anthology"))
    people = {p.name: p.codes for p in credits.people(anthology)}
    assert people == {"Maya Editor": ("edt", "aui"), "Chan Sok": ("aut",), "Tom Translator": ("trl",),
                      "Lina Rivers": ("aut",), "Test Photographer": ("pht",)}
    assert credits.creators(anthology) == (("Maya Editor",), "editor")


@pytest.mark.parametrize(("language", "number", "style", "expected"), [
    ("en", 3, "decimal", "3"), ("km", 12, "decimal", "១២"), ("ar", 3, "decimal", "٣"), ("fr", 4, "roman", "IV"),
    ("en", 2, "words", "Two"), ("en", 24, "words", "XXIV"), ("de", 2, "words", "II"), ("ja", 3, "decimal", "3"),
])
def test_numbers_are_spelt_as_the_language_writes_them(language: str, number: int, style: str, expected: str) -> None:
    assert numeral(number, language, style) == expected


@pytest.mark.parametrize(("language", "chapter", "part"), [
    ("en", "Chapter 3", "Part Two"), ("fr", "Chapitre 3", "Partie II"), ("de", "Kapitel 3", "Teil II"),
    ("es", "Capítulo 3", "Parte II"), ("it", "Capitolo 3", "Parte II"), ("pt", "Capítulo 3", "Parte II"),
    ("nl", "Hoofdstuk 3", "Deel II"), ("ja", "第3章", "第2部"), ("km", "ជំពូកទី៣", "ផ្នែកទី២"),
    ("ar", "الفصل ٣", "القسم ٢"), ("sv", "3", "II"), ("pt-BR", "Capítulo 3", "Parte II"),
])
def test_labels_in_the_books_language(tmp_path: Path, language: str, chapter: str, part: str) -> None:
    from publish.render.html import Renderer
    from publish.render.styles import Styles

    toml = BOOK_TOML.replace('language = "en"', f'language = "{language}"')
    titled = {name: _text(f'kind = "{kind}"\ntitle = "T"', "Text.\n")  # no kind names known in every language
              for name, kind in (("afterword.md", "afterword"), ("glossary.md", "glossary"),
                                 ("about.md", "about-the-author"))}
    root = write_manuscript(tmp_path / "m", {**BOOK_FILES, **titled, "publication.toml": toml},
                            photos={"photos/harbour.jpg": None})
    publication, _ = load(root)
    renderer = Renderer(publication, Styles.for_manuscript(root), "print", image_src=lambda p: "")
    by_id = {a.id: a for a in publication.articles}
    assert renderer.label(by_id["ch-bridge"]) == chapter
    assert renderer.label(by_id["part-two"]) == part
    assert renderer.label(by_id["foreword"]) == ""


@pytest.mark.parametrize("language", ["ja", "km", "ar"])
def test_labels_in_other_scripts_have_their_glyphs(tmp_path: Path, language: str) -> None:
    from publish.model.diagnostics import Diagnostics
    from publish.render.glyphs import check_glyphs
    from publish.render.styles import Styles

    toml = BOOK_TOML.replace('language = "en"', f'language = "{language}"')
    root = write_manuscript(tmp_path / "m", {**BOOK_FILES, "publication.toml": toml},
                            photos={"photos/harbour.jpg": None})
    publication, _ = load(root)
    assert check_glyphs(publication, Styles.for_manuscript(root), Diagnostics(root)) == []


def test_a_designers_label_without_a_glyph_is_reported(tmp_path: Path) -> None:
    from publish.model.diagnostics import Diagnostics
    from publish.render.glyphs import check_glyphs
    from publish.render.styles import DEFAULT_STYLES, Styles

    labels = (DEFAULT_STYLES / "templates" / "labels.html").read_text(encoding="utf-8")
    labels = labels.replace('"en": "Chapter {n}"', '"en": "\u13e3 {n}"')  # CHEROKEE LETTER TSA: no bundled face
    root = write_manuscript(tmp_path / "m", {**BOOK_FILES, "styles/templates/labels.html": labels},
                            photos={"photos/harbour.jpg": None})
    publication, _ = load(root)
    problems = check_glyphs(publication, Styles.for_manuscript(root), Diagnostics(root))
    assert problems and problems[0].path.endswith("ch-ferry.md") and "U+13E3" in problems[0].message


# The print edition ----------------------------------------------------------------------------


def _labels(pdf: pikepdf.Pdf) -> list[str]:
    """Each page's label as a viewer shows it, from the /PageLabels number tree."""
    nums = list(pdf.Root.PageLabels.Nums)
    ranges = [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2)]
    out = []
    for index in range(len(pdf.pages)):
        start, spec = [r for r in ranges if r[0] <= index][-1]
        value = int(spec.get("/St", 1)) + index - start
        out.append(_roman(value) if spec.get("/S") == "/r" else str(value))
    return out


def _roman(value: int) -> str:
    from publish.editions.pagemap import roman

    return roman(value)


def _page_texts(path: Path) -> list[str]:
    document = pdfium.PdfDocument(str(path))
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def _outline(pdf: pikepdf.Pdf) -> list[tuple[int, str, int]]:
    index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    found: list[tuple[int, str, int]] = []
    with pdf.open_outline() as outline:
        def walk(items: list, depth: int) -> None:
            for item in items:
                destination = item.destination
                found.append((depth, str(item.title), index[destination[0].objgen]))
                walk(item.children, depth + 1)
        walk(outline.root, 0)
    return found


def _page_of(pdf: pikepdf.Pdf, name: str) -> int:
    index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    return index[pikepdf.NameTree(pdf.Root.Names.Dests)[name][0].objgen]


def test_the_book_is_laid_out_text_by_text(book: Built) -> None:
    """Front matter, part pages and back matter keep the book splittable: each text is a kept part."""
    kept = [json.loads(path.read_text(encoding="utf-8"))
            for path in (book.output / ".publish-cache" / "parts").glob("*.json") if ".front." not in path.name]
    texts = [a for a in BOOK_FILES if a.endswith(".md") and a not in ("feature.md", "dedication.md", "epigraph.md")]
    # the print edition's parts and the archive's, one per text each, and the front matter's of both
    assert len([k for k in kept if k["index"] >= 0]) == 2 * len(texts)


def test_text_by_text_the_book_is_the_book_one_layout_gives(tmp_path: Path) -> None:
    """Part pages, their blank versos, roman folios, the nested outline: the same laid out apart as whole."""
    from helpers.books import assert_same as _assert_same
    from helpers.books import both_ways as _both_ways

    parts, whole = _both_ways(write_book(tmp_path / "book"))
    _assert_same(parts, whole)


def test_front_matter_is_numbered_in_roman_and_the_body_from_1(book: Built) -> None:
    with pikepdf.open(book.pdf) as pdf:
        labels = _labels(pdf)
        body = _page_of(pdf, "part-one")
        foreword = _page_of(pdf, "foreword")
        assert labels[body] == "1" and labels[body - 1] != "1" and not labels[body - 1].isdigit()
        assert labels[foreword] == _roman(foreword + 1)
        appendix = _page_of(pdf, "appendix")
        assert labels[appendix].isdigit()  # back matter runs on in arabic


def test_texts_part_pages_and_back_matter_start_on_rectos(book: Built) -> None:
    with pikepdf.open(book.pdf) as pdf:
        for name in ("dedication", "epigraph", "foreword", "preface", "part-one", "ch-ferry", "ch-market",
                     "part-two", "ch-bridge", "appendix", "afterword", "glossary", "about"):
            assert _page_of(pdf, name) % 2 == 0, f"{name} starts on a verso"
        texts = _page_texts(book.pdf)
        for part, chapter in (("part-one", "ch-ferry"), ("part-two", "ch-bridge")):
            page = _page_of(pdf, part)
            assert _page_of(pdf, chapter) == page + 2  # the part page, its blank verso, the chapter
            assert texts[page + 1].strip() == ""  # the verso after a part page is blank


def test_no_folio_or_running_head_on_dedication_epigraph_and_part_pages(book: Built) -> None:
    with pikepdf.open(book.pdf) as pdf:
        pages = {name: _page_of(pdf, name) for name in ("dedication", "epigraph", "part-one", "ch-ferry", "foreword")}
        labels = _labels(pdf)
    texts = _page_texts(book.pdf)
    words = lambda page: set(texts[page].split())  # noqa: E731
    assert "mother," in words(pages["dedication"])
    for name in ("dedication", "epigraph", "part-one"):
        assert labels[pages[name]] not in words(pages[name]), f"a folio on the {name} page"
        assert "RIVER" not in words(pages[name]) and "BOOK" not in words(pages[name])
    # A chapter's second page and the foreword's second page do carry theirs: arabic, and roman.
    assert labels[pages["ch-ferry"] + 1] in words(pages["ch-ferry"] + 1)
    assert labels[pages["foreword"] + 1] in words(pages["foreword"] + 1)
    assert labels[pages["foreword"] + 1].isalpha()


def test_chapter_labels_drop_caps_and_bylines_on_the_pages(book: Built) -> None:
    with pikepdf.open(book.pdf) as pdf:
        ferry, foreword, part = _page_of(pdf, "ch-ferry"), _page_of(pdf, "foreword"), _page_of(pdf, "part-one")
    texts = [re.sub(r"\s+", "", text).lower() for text in _page_texts(book.pdf)]  # letter-spaced labels
    assert "chapter1thefer" in texts[ferry]
    assert "partoneupstream" in texts[part]
    assert "bybeaforewright" in texts[foreword]  # a foreword's byline shows its author
    # The chapter's drop cap is drawn apart from its word, beside the first lines; the foreword's first
    # letter is not. Both read as written: the drop cap with its word (engine/actualtext.py).
    assert len(_initials_beside(book.pdf, ferry, "The river runs")) == 1
    assert _initials_beside(book.pdf, foreword, "The river runs") == []
    assert "theferrytheriverruns" in texts[ferry] and "bybeaforewrighttheriverruns" in texts[foreword]


def _initials_beside(path: Path, page: int, opening: str) -> list[tuple[float, ...]]:
    """Text drawn at least two lines tall to the left of the first line that starts with `opening`,
    reaching its top: a drop cap, measured where it is drawn (its text is given with its word's)."""
    import pypdfium2.raw as pdfium_raw

    document = pdfium.PdfDocument(str(path))
    try:
        drawn = document[page]
        words = drawn.get_textpage()
        boxes = [obj.get_bounds() for obj in drawn.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_TEXT])]
        line = max((box for box in boxes if words.get_text_bounded(*box).startswith(opening)),
                   key=lambda box: box[3])
        height = line[3] - line[1]
        return [box for box in boxes if box[3] - box[1] >= 2 * height and box[2] <= line[0] + 1
                and line[1] <= box[3] <= line[3] + height]
    finally:
        document.close()


def test_the_outline_and_contents_follow_the_structure(book: Built) -> None:
    with pikepdf.open(book.pdf) as pdf:
        outline = _outline(pdf)
        pages = {name: _page_of(pdf, name) for name in ("part-one", "ch-ferry", "part-two", "ch-bridge", "foreword")}
    titles = [(depth, title) for depth, title, _ in outline]
    assert (0, "Part One: Upstream") in titles and (0, "Part Two: Downstream") in titles
    assert (1, "Chapter 1: The ferry") in titles and (1, "Chapter 3: The bridge") in titles
    assert (2, "The landing") in titles  # a chapter's section under the chapter, under its part
    index = [t for _, t in titles]
    assert index.index("Part One: Upstream") < index.index("Chapter 1: The ferry") < index.index("Part Two: Downstream")
    assert ("Dedication" not in index) and ("Foreword" in index)
    assert [p for d, t, p in outline if t == "Chapter 3: The bridge"] == [pages["ch-bridge"]]
    contents = next(t for t in _page_texts(book.pdf) if "Contents" in t)
    order = [contents.index(entry) for entry in ("Foreword", "Preface", "Upstream", "The ferry", "Downstream",
                                                 "The bridge", "Water levels", "Afterword", "Glossary",
                                                 "About the author")]
    assert order == sorted(order)
    assert "Dedication" not in contents and "Epigraph" not in contents


def test_the_pages_are_pictured_for_people(book: Built, anthology: Built) -> None:
    for built in (book, anthology):
        pictures = render_pages(built.pdf, f"book-structure-{built.slug}", dpi=50)
        assert len(pictures) >= 8


# The e-book -----------------------------------------------------------------------------------

OPS = "{http://www.idpf.org/2007/ops}"
XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"


def _epub_file(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        member = next(n for n in archive.namelist() if n.endswith(name))
        return etree.fromstring(archive.read(member))


def test_the_epubs_pass_epubcheck(book: Built, anthology: Built) -> None:
    for built in (book, anthology):
        problems = [m for m in epubcheck_messages(built.epub) if not m.startswith("USAGE CSS-028")
                    and not m.startswith("INFO")]
        assert problems == [], built.slug


def test_each_text_carries_its_semantics(book: Built) -> None:
    expected = {"dedication": ("frontmatter", "dedication", "doc-dedication"),
                "foreword": ("frontmatter", "foreword", "doc-foreword"),
                "part-one": ("bodymatter", "part", "doc-part"),
                "ch-ferry": ("bodymatter", "chapter", "doc-chapter"),
                "appendix": ("backmatter", "appendix", "doc-appendix"),
                "afterword": ("backmatter", "afterword", "doc-afterword"),
                "glossary": ("backmatter", "glossary", "doc-glossary"),
                "about": ("backmatter", None, None)}
    for name, (matter, kind, role) in expected.items():
        root = _epub_file(book.epub, f"{name}.xhtml")
        body = root.find(f"{XHTML}body")
        section = body.find(f"{XHTML}section")
        assert body.get(f"{OPS}type") == matter, name
        assert section.get(f"{OPS}type") == kind and section.get("role") == role, name


def test_the_spine_and_the_nav_follow_the_book(book: Built) -> None:
    package = _epub_file(book.epub, ".opf")
    items = {item.get("id"): item.get("href") for item in package.iter(f"{OPF}item")}
    spine = [items[ref.get("idref")] for ref in package.iter(f"{OPF}itemref")]
    assert spine[:5] == ["cover.xhtml", "titlepage.xhtml", "dedication.xhtml", "epigraph.xhtml", "nav.xhtml"]
    assert spine[-2:] == ["about.xhtml", "imprint.xhtml"]
    nav = _epub_file(book.epub, "nav.xhtml")
    toc = next(n for n in nav.iter(f"{XHTML}nav") if n.get(f"{OPS}type") == "toc")
    part = next(li for li in toc.iter(f"{XHTML}li") if li.find(f"{XHTML}a").get("href") == "part-one.xhtml")
    nested = [a.get("href") for a in part.find(f"{XHTML}ol").iter(f"{XHTML}a")]
    assert nested[:1] == ["ch-ferry.xhtml"] and "ch-market.xhtml" in nested and "ch-bridge.xhtml" not in nested
    assert "".join(part.find(f"{XHTML}a").itertext()) == "Part One: Upstream"
    assert all(a.get("href") != "dedication.xhtml" for a in toc.iter(f"{XHTML}a"))
    landmarks = next(n for n in nav.iter(f"{XHTML}nav") if n.get(f"{OPS}type") == "landmarks")
    marks = {a.get(f"{OPS}type"): a.get("href") for a in landmarks.iter(f"{XHTML}a")}
    assert marks["bodymatter"] == "part-one.xhtml"
    assert marks["frontmatter"] == "dedication.xhtml" and marks["backmatter"] == "appendix.xhtml"
    assert marks["toc"] == "nav.xhtml#toc"
    page_list = next(n for n in nav.iter(f"{XHTML}nav") if n.get(f"{OPS}type") == "page-list")
    labels = ["".join(a.itertext()) for a in page_list.iter(f"{XHTML}a")]
    assert "1" in labels and "iii" in labels  # front matter pages in roman, as printed


def _opf_people(path: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    metadata = _epub_file(path, ".opf").find(f"{OPF}metadata")
    roles: dict[str, list[str]] = {}
    for meta in metadata.iter(f"{OPF}meta"):
        if meta.get("property") == "role":
            roles.setdefault(meta.get("refines")[1:], []).append(meta.text)
    people = {}
    for element in (*metadata.iter(f"{DC}creator"), *metadata.iter(f"{DC}contributor")):
        people[element.text] = (etree.QName(element).localname, tuple(roles.get(element.get("id"), ())))
    return people


def test_the_opf_credits_everyone_with_their_roles(book: Built, anthology: Built) -> None:
    assert _opf_people(book.epub) == {"Ada Writer": ("creator", ("aut",)), "Bea Forewright": ("contributor", ("aui",))}
    assert _opf_people(anthology.epub) == {
        "Maya Editor": ("creator", ("edt", "aui")), "Chan Sok": ("contributor", ("aut",)),
        "Tom Translator": ("contributor", ("trl",)), "Lina Rivers": ("contributor", ("aut",)),
        "Test Photographer": ("contributor", ("pht",))}


def test_the_title_page_and_cover_credit_the_editor_not_a_byline(anthology: Built) -> None:
    title_page = _epub_file(anthology.epub, "titlepage.xhtml")
    text = " ".join(title_page.itertext())
    assert "Edited by Maya Editor" in text and "Chan Sok" not in text
    cover = _epub_file(anthology.epub, "cover.xhtml")
    alt = next(cover.iter(f"{XHTML}img")).get("alt")
    assert alt.endswith("Edited by Maya Editor")
    first_page = _page_texts(anthology.pdf)[0]
    assert "EDITED BY MAYA EDITOR" in first_page  # set in capitals by base.css


def test_bylines_translators_and_photographers_where_readers_look(anthology: Built) -> None:
    heron = " ".join(_epub_file(anthology.epub, "heron.xhtml").itertext())
    assert "by Chan Sok" in heron and "Translated by Tom Translator" in heron
    salt = " ".join(_epub_file(anthology.epub, "salt.xhtml").itertext())
    assert "Photographs by Test Photographer" in salt
    flood = " ".join(_epub_file(anthology.epub, "flood.xhtml").itertext())
    assert "by Chan Sok and Lina Rivers" in flood  # as written in the front matter
    imprint = " ".join(_epub_file(anthology.epub, "imprint.xhtml").itertext())
    for line in ("Editor Maya Editor", "Introduction Maya Editor", "Authors Chan Sok and Lina Rivers",
                 "Translator Tom Translator", "Photographer Test Photographer"):
        assert line in re.sub(r"\s+", " ", imprint), line


def test_the_imprint_lists_a_publication_contributor(tmp_path: Path) -> None:
    from publish.render.html import Renderer
    from publish.render.styles import Styles

    toml = BOOK_TOML.replace("[book]", '[[contributors]]\nname = "Fay Foreword"\nrole = "contributor"\n\n[book]')
    root = write_manuscript(tmp_path / "m", {**BOOK_FILES, "publication.toml": toml},
                            photos={"photos/harbour.jpg": None})
    publication, _ = load(root)
    html = Renderer(publication, Styles.for_manuscript(root), "print", image_src=lambda p: "").render("imprint.html")
    assert "Contributor</span> Fay Foreword" in html


# The archive and the records -------------------------------------------------------------------


def _structure(pdf: pikepdf.Pdf) -> list[tuple[int, str, str]]:
    """The structure tree's elements down to the texts: depth, type, title."""
    found: list[tuple[int, str, str]] = []

    def walk(node: pikepdf.Object, depth: int) -> None:
        kids = node.get("/K")
        for kid in (list(kids) if isinstance(kids, pikepdf.Array) else [kids]):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                found.append((depth, str(kid.S)[1:], str(kid.get("/T", ""))))
                if str(kid.S) in ("/Document", "/Part"):
                    walk(kid, depth + 1)

    walk(pdf.Root.StructTreeRoot, 0)
    return found


def test_the_archive_tags_parts_and_kinds(book: Built) -> None:
    with pikepdf.open(book.archive) as pdf:
        tree = _structure(pdf)
        role_map = {str(k)[1:]: str(v)[1:] for k, v in pdf.Root.StructTreeRoot.RoleMap.items()}
        xmp = pdf.open_metadata()
        claims = (xmp.get("pdfaid:conformance"), xmp.get("pdfuaid:part"))
    texts = [(depth, kind, title) for depth, kind, title in tree if depth >= 1 and title]
    assert (1, "Part", "Part One: Upstream") in texts
    assert (2, "Chapter", "Chapter 1: The ferry") in texts and (2, "Chapter", "Chapter 2: The market") in texts
    assert (1, "Foreword", "Foreword") in texts and (1, "Appendix", "Water levels, 1990–2020") in texts
    assert (1, "Dedication", "Dedication") in texts and (1, "Glossary", "Glossary") in texts
    part = texts.index((1, "Part", "Part One: Upstream"))
    assert texts[part + 1][:2] == (2, "Chapter") and texts[part + 3][:2] == (1, "Part")
    assert role_map["Chapter"] == "Sect" and role_map["Foreword"] == "Sect" and "Part" not in role_map
    assert claims == ("A", "1")  # the tagged structure still holds every claim


def _records(built: Built) -> tuple[etree._Element, etree._Element]:
    metadata = built.deposit / "metadata"
    marc = etree.parse(str(next(metadata.glob("*marc*.xml"))))
    onix = etree.parse(str(next(metadata.glob("*onix*.xml"))))
    return marc.getroot(), onix.getroot()


MARC_NS = {"m": "http://www.loc.gov/MARC21/slim"}
ONIX_NS = {"o": "http://ns.editeur.org/onix/3.0/reference"}


def test_marc_and_onix_carry_every_contributor_with_roles(anthology: Built) -> None:
    marc, onix = _records(anthology)
    record = marc.find("m:record", MARC_NS)
    added = [(f.findtext("m:subfield[@code='a']", namespaces=MARC_NS),
              [s.text for s in f.findall("m:subfield[@code='4']", MARC_NS)],
              [s.text for s in f.findall("m:subfield[@code='e']", MARC_NS)],
              f.findtext("m:subfield[@code='t']", namespaces=MARC_NS))
             for f in record.findall("m:datafield[@tag='700']", MARC_NS)]
    assert ("Maya Editor", ["edt", "aui"], ["editor,", "author of introduction, etc."], None) in added
    assert ("Tom Translator", ["trl"], ["translator."], "The heron") in added
    assert ("Chan Sok", ["aut"], ["author."], "The heron") in added
    assert record.find("m:datafield[@tag='100']", MARC_NS) is None  # no author: the title is the main entry
    statement = record.find("m:datafield[@tag='245']/m:subfield[@code='c']", MARC_NS).text
    assert statement == "edited by Maya Editor"
    contents = record.find("m:datafield[@tag='505']", MARC_NS)
    entries = [(s.get("code"), s.text) for s in contents.findall("m:subfield", MARC_NS)]
    assert entries[:4] == [("t", "Introduction /"), ("r", "Maya Editor --"), ("t", "The heron /"),
                           ("r", "Chan Sok ; translated by Tom Translator --")]
    assert entries[-1][1].endswith(".")
    product = onix.find("o:Product", ONIX_NS)
    people = [(c.findtext("o:SequenceNumber", namespaces=ONIX_NS), c.findtext("o:PersonName", namespaces=ONIX_NS),
               [r.text for r in c.findall("o:ContributorRole", ONIX_NS)])
              for c in product.iter("{http://ns.editeur.org/onix/3.0/reference}Contributor")]
    assert people[0] == ("1", "Maya Editor", ["B01", "A24"])
    assert ("3", "Tom Translator", ["B06"]) in people and ("5", "Test Photographer", ["A13"]) in people


def test_the_book_records_credit_the_foreword(book: Built) -> None:
    marc, onix = _records(book)
    record = marc.find("m:record", MARC_NS)
    assert record.findtext("m:datafield[@tag='100']/m:subfield[@code='a']", namespaces=MARC_NS) == "Ada Writer"
    fields = {f.findtext("m:subfield[@code='a']", namespaces=MARC_NS): f.findtext("m:subfield[@code='4']",
              namespaces=MARC_NS) for f in record.findall("m:datafield[@tag='700']", MARC_NS)}
    assert fields == {"Bea Forewright": "aui"}
    roles = [r.text for r in onix.iter("{http://ns.editeur.org/onix/3.0/reference}ContributorRole")]
    assert roles[:2] == ["A01", "A23"]  # the author, then "Foreword by"


# publish new --kind --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["book", "anthology"])
def test_publish_new_writes_a_book_or_an_anthology_that_loads_clean(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / kind
    run = run_publish("new", str(folder), "--kind", kind, "--title", "A Test", "--author", "Ada Writer")
    assert run.returncode == 0, run.stderr
    publication, diags = load(folder)
    assert diags.items == []  # not even a warning
    kinds = [a.kind for a in publication.articles]
    if kind == "book":
        assert kinds == ["dedication", "epigraph", "foreword", "acknowledgements", "part", "chapter", "chapter",
                         "part", "chapter", "appendix", "about-the-author"]
        assert [a.number for a in publication.articles if a.kind == "chapter"] == [1, 2, 3]
        assert {p.name: p.codes for p in credits.people(publication)} == {"Ada Writer": ("aut",),
                                                                         "The Foreword Writer": ("aui",)}
    else:
        assert credits.creators(publication) == (("Ada Writer",), "editor")
        codes = {p.name: p.codes for p in credits.people(publication)}
        assert codes["Ada Writer"] == ("edt", "aui") and codes["The Translator"] == ("trl",)


def test_the_scaffolded_book_builds_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "book"
    assert run_publish("new", str(folder), "--kind", "book", "--title", "A Test").returncode == 0
    run = run_publish("pdf", str(folder), "-o", str(tmp_path / "out"), env=EPOCH)
    assert run.returncode == 0 and "warning" not in run.stderr, run.stderr
    with pikepdf.open(tmp_path / "out" / "a-test.pdf") as pdf:
        labels = _labels(pdf)
        assert labels[_page_of(pdf, "part-one")] == "1" and labels[_page_of(pdf, "foreword")].isalpha()


def test_an_unknown_kind_of_publication_is_refused() -> None:
    from publish.manuscript.scaffold import KINDS, ScaffoldError, scaffold

    with pytest.raises(ScaffoldError) as caught:
        scaffold(Path("/nonexistent/never-written"), kind="novel")
    assert "unknown kind 'novel'" in str(caught.value)
    assert all(kind in caught.value.hint for kind in KINDS)


def test_a_khmer_book_sets_its_labels_and_credits_whole(tmp_path: Path) -> None:
    """Tracked labels pulled Khmer vowels off their consonants (drawn on dotted circles): they are set untracked."""
    from publish.editions.print.layout import lay_out
    from publish.engine.boxes import descendants, own_element, page_root
    from publish.model.diagnostics import Diagnostics
    from publish.render.styles import Styles

    toml = ('title = "សៀវភៅទន្លេ"\nlanguage = "km"\ndate = "2021"\ntexts = ["part.md", "one.md", "two.md"]\n\n'
            '[[contributors]]\nname = "Ada Writer"\nrole = "editor"\n\n[book]\nnumbering = true\n')
    root = write_manuscript(tmp_path / "m", {
        "publication.toml": toml, "feature.md": None, "photos/captions.toml": None,
        "part.md": _text('kind = "part"', ""),
        "one.md": _text('title = "ទន្លេ"\n\n[[contributors]]\nname = "Sok Chan"\nrole = "translator"',
                        "ទន្លេមេគង្គហូរកាត់ប្រទេសកម្ពុជា។\n"),
        "two.md": _text('title = "ស្ពាន"', "ស្ពានថ្មីនៅភ្នំពេញ។\n"),
    }, photos={"photos/harbour.jpg": None})
    run = run_publish("pdf", str(root), "-o", str(tmp_path / "out"), "--jobs", "1", env=EPOCH)
    assert run.returncode == 0, run.stderr
    words = "".join(re.sub(r"\s+", "", text) for text in _page_texts(next((tmp_path / "out").glob("*.pdf"))))
    assert "ជំពូកទី១" in words and "ផ្នែកទី១" in words and "បកប្រែដោយ" in words and "រៀបរៀងដោយ" in words
    publication, _ = load(root)
    layout = lay_out(publication, Styles.for_manuscript(root), "", Diagnostics(root), whole=True)
    try:
        tracked = {}
        for page in layout.document.pages:
            for box in descendants(page_root(page)):
                element = own_element(box)
                classes = set((element.get("class") or "").split()) if element is not None else set()
                if classes & {"label", "article-credit", "publication-authors"}:
                    tracked[" ".join(sorted(classes))] = box.style["letter_spacing"]
    finally:
        layout.close()
    assert set(tracked) == {"label", "article-credit article-translators", "publication-authors publication-editors"}
    assert set(tracked.values()) <= {"normal", 0}


def test_the_book_and_the_anthology_pass_the_layout_check(book: Built, anthology: Built) -> None:
    """Parts, numbered chapters, front and back matter in four scripts, held to issue 14's targets that
    every page must meet: no text over text, rules or photos, none in the safe zone, no word cut, no ladder."""
    for built in (book, anthology):
        found = every_page_problems(built.pdf)
        assert not found, f"{built.pdf.name}: " + "; ".join(found[:8])
