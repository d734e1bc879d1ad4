"""A book laid out text by text, in parallel processes, is the book one layout would give.

editions/print/book/texts.py lays each text out alone and binding.py joins them; these tests compare the
joined PDF with WeasyPrint laying the whole book out at once (the archive's path): pages, folios and
every other word on them, page labels, outline, named destinations and links, including links from
one text into another and the contents' page numbers.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from conftest import run_publish, write_manuscript
from helpers.books import CAPTIONS, THREE_TEXTS_TOML, text
from helpers.books import pdf_facts as _pdf_facts

from publish.editions.print.book.pagination import Place, places
from publish.editions.print.layout import lay_out, write_pdf
from publish.engine.pages import FrontShape, Shape
from publish.manuscript.loader import load
from publish.model.diagnostics import Diagnostics
from publish.render.styles import Styles

EPOCH = {"SOURCE_DATE_EPOCH": "1600000000"}


def test_places_follow_sides_and_page_counters() -> None:
    front = FrontShape(pages=5, counter_last=5)
    shapes = [
        Shape(parity=0, pages=3, counter_first=1, counter_last=3, restarts=True, resets_inside=False),
        Shape(parity=0, pages=4, counter_first=4, counter_last=7, restarts=False, resets_inside=False),
        Shape(parity=1, pages=2, counter_first=5, counter_last=6, restarts=False, resets_inside=False),
        Shape(parity=-1, pages=2, counter_first=9, counter_last=10, restarts=False, resets_inside=False),
    ]
    assert places(front, shapes) == [
        Place(first=6, blank=True, counter_first=1, offset=0),  # page 5 is a verso: a blank, then the recto
        Place(first=10, blank=True, counter_first=5, offset=1),  # ends on page 8 (folio 3) → blank (4) → 5
        Place(first=15, blank=True, counter_first=10, offset=5),  # must start on a verso: 14 is a recto
        Place(first=17, blank=False, counter_first=12, offset=3),  # no side asked: straight after
    ]


FOUR_TEXTS_TOML = THREE_TEXTS_TOML.replace('texts = ["one.md", "two.md", "three.md"]',
                                           'texts = ["one.md", "two.md", "three.md", "four.md"]')


def four_texts(root: Path) -> Path:
    """Photos, an opener photo, notes, headings, a link from the last text into the first and back."""
    four = text("A fourth, pointing back", 5) + "\nSee [the first text](#one) and [its heading](#three).\n"
    write_manuscript(root, {
        "publication.toml": FOUR_TEXTS_TOML,
        "feature.md": None,
        "one.md": text("The first text", 9, notes=True, photo="photos/harbour.jpg")
        + "\nOn to [the fourth](#four).\n",
        "two.md": text("The second text", 6, lead="photos/opener.jpg"),
        "three.md": text("A short third", 3, photo="photos/logo.png"),
        "four.md": four,
        "photos/captions.toml": CAPTIONS,
    }, photos={"photos/opener.jpg": {"size": (1800, 2500)},
               "photos/logo.png": {"size": (900, 600), "mode": "RGBA", "fmt": "PNG"}})
    return root


@pytest.fixture(scope="module")
def book_both_ways(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, object]:
    root = four_texts(tmp_path_factory.mktemp("chapters") / "book")
    publication, diags = load(root)
    styles = Styles.for_manuscript(root)
    created = "2020-09-13T12:26:40Z"
    made = {}
    for name, options in (("parts", {"jobs": 2}), ("whole", {"whole": True})):
        layout = lay_out(publication, styles, created, Diagnostics(root), **options)
        if name == "parts":
            parts = layout.parts
        target = root.parent / f"{name}.pdf"
        write_pdf(layout, publication, target)
        made[name] = {**_pdf_facts(target), "path": target}
    return made["parts"], made["whole"], parts


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_the_book_was_laid_out_text_by_text(book_both_ways: tuple[dict, dict, object]) -> None:
    parts = book_both_ways[2]
    assert parts is not None and len(parts.texts) == 4
    assert parts.places[1].first % 2 == 1  # the text led by a full-page photo starts on a verso


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
@pytest.mark.parametrize("fact", ["pages", "labels", "outline", "dests", "links", "boxes"])
def test_text_by_text_matches_one_layout(book_both_ways: tuple[dict, dict, object], fact: str) -> None:
    parts, whole, _ = book_both_ways
    assert parts[fact] == whole[fact]


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_every_page_has_the_same_words_and_folios(book_both_ways: tuple[dict, dict, object]) -> None:
    parts, whole, _ = book_both_ways
    for number, (mine, theirs) in enumerate(zip(parts["words"], whole["words"], strict=True), start=1):
        assert mine == theirs, f"page {number}"
    contents = " ".join(whole["words"][2] + whole["words"][3])
    assert "The first text" in contents and "pointing back" in contents


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_links_between_texts_survive(book_both_ways: tuple[dict, dict, object]) -> None:
    parts, _, _ = book_both_ways
    targets = {dest for _, dest, _ in parts["links"]}
    assert {"one", "three", "four"} <= targets
    assert {"one", "three", "four"} <= set(parts["dests"])
    # each link lands on the page where its text begins
    starts = {name: page for name, page in parts["dests"].items()}
    assert starts["one"] < starts["three"] < starts["four"]


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_any_number_of_processes_and_any_folder_give_the_same_bytes(tmp_path: Path) -> None:
    built = {}
    for jobs, folder in (("1", tmp_path / "book"), ("3", tmp_path / "elsewhere" / "deeper" / "book")):
        root = four_texts(folder)
        output = tmp_path / f"out-{jobs}"
        run = run_publish("all", str(root), "-o", str(output), "--jobs", jobs, env=EPOCH)
        assert run.returncode == 0, run.stderr
        built[jobs] = [(output / name).read_bytes() for name in ("three-texts.pdf", "three-texts.archive.pdf")]
    assert built["1"] == built["3"]


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_styles_that_print_page_numbers_inside_texts_lay_the_book_out_whole(tmp_path: Path) -> None:
    """target-counter() inside a text needs the book's page numbers while laying it out."""
    root = four_texts(tmp_path / "book")
    (root / "styles").mkdir()
    (root / "styles" / "print.css").write_text(
        '.body a[href^="#"]::after { content: " (page " target-counter(attr(href url), page) ")"; }\n')
    publication, _ = load(root)
    layout = lay_out(publication, Styles.for_manuscript(root), "2020-09-13T12:26:40Z", Diagnostics(root), jobs=2)
    assert layout.parts is None and layout.document is not None
    write_pdf(layout, publication, tmp_path / "book.pdf")
    facts = _pdf_facts(tmp_path / "book.pdf")
    words = " ".join(facts["words"][-1])  # type: ignore[index]
    assert facts["dests"]["one"] == 4 and "(page 1)" in words  # type: ignore[index] # the first text: folio 1


# Kept parts: an edit lays out again only the texts it changes ------------------------------------------


def _laid_out(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    import publish.editions.print.book.texts as chapters

    seen: list[int] = []
    original = chapters.lay_out_text

    def counting(index: int, html: str, *twin: bool) -> object:
        seen.append(index)
        return original(index, html, *twin)

    monkeypatch.setattr(chapters, "lay_out_text", counting)
    return seen


def _build(root: Path, output: Path) -> bytes:
    from publish.build.pipeline import build as cached_build
    from publish.runtime.jobs import layout_jobs

    with layout_jobs(1):
        cached_build(root, output, ("pdf",))
    return (output / "three-texts.pdf").read_bytes()


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_an_edit_lays_out_again_only_the_texts_it_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH["SOURCE_DATE_EPOCH"])
    root = four_texts(tmp_path / "book")
    output = tmp_path / "out"
    seen = _laid_out(monkeypatch)
    _build(root, output)
    assert seen == [0, 1, 2, 3]

    seen.clear()  # a word changed in the third text: its pages, and only its, are laid out again
    three = root / "three.md"
    three.write_text(three.read_text().replace("continue to deepen", "continue to grow", 1))
    edited = _build(root, output)
    assert seen == [2]
    assert edited == _build(root, tmp_path / "fresh")  # the same bytes as a build from nothing

    seen.clear()  # the first text grows by pages: the texts after it move, so their folios are redrawn
    one = root / "one.md"
    one.write_text(one.read_text() + "\n" + "\n\n".join(["A paragraph added at the end. " * 12] * 6) + "\n")
    grown = _build(root, output)
    assert seen[:1] == [0]  # and each later text whose folios moved
    assert grown == _build(root, tmp_path / "fresh-2")

    seen.clear()  # a photo replaced under the same name: the text that shows it
    from conftest import make_photo

    make_photo(root / "photos" / "logo.png", (900, 600), "RGB", "PNG")
    _build(root, output)
    assert seen == [2]

    seen.clear()  # a stylesheet changed: every text
    (root / "styles").mkdir()
    (root / "styles" / "print.css").write_text(".body p { letter-spacing: 0.01em; }\n")
    _build(root, output)
    assert seen == [0, 1, 2, 3]


# The archive: tagged parts joined into one structure tree ------------------------------------------------


def _structure(path: Path) -> dict[str, object]:
    """The tagged PDF as a screen reader walks it, and whether every marked content finds its element."""
    with pikepdf.open(path) as pdf:
        root = pdf.Root.StructTreeRoot
        kinds: list[str] = []
        nested_links = 0  # PDF/UA: one Link element per link

        def walk(node: object) -> None:
            nonlocal nested_links
            if isinstance(node, pikepdf.Dictionary) and "/S" in node:
                kinds.append(str(node.S))
                kids = node.get("/K")
                for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                    nested_links += str(node.S) == "/Link" and isinstance(kid, pikepdf.Dictionary) \
                        and str(kid.get("/S")) == "/Link"
                    walk(kid)

        walk(root.K[0] if isinstance(root.K, pikepdf.Array) else root.K)
        parents = pikepdf.NumberTree(root.ParentTree)
        orphans = 0
        for page in pdf.pages:
            marked = [int(operands[1].MCID) for operands, operator in pikepdf.parse_content_stream(page)
                      if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary)
                      and "/MCID" in operands[1]]
            owners = parents.get(int(page.obj.StructParents)) if "/StructParents" in page.obj else None
            orphans += sum(1 for mcid in marked if owners is None or mcid >= len(owners)
                           or owners[mcid].Pg.objgen != page.obj.objgen)
            for annotation in page.obj.get("/Annots", []):
                orphans += "/StructParent" in annotation and parents.get(int(annotation.StructParent)) is None
        files = [(str(spec.F), str(spec.AFRelationship)) for spec in pdf.Root.AF]
    return {"kinds": kinds, "orphans": orphans, "files": files, "nested links": nested_links}


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_the_archive_joins_tagged_parts_into_one_structure_tree(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    import publish.editions.archive.pdfa as archive

    root = four_texts(tmp_path / "book")
    publication, _ = load(root)
    styles = Styles.for_manuscript(root)
    when = dt.datetime(2020, 9, 13, tzinfo=dt.UTC)
    made, claims = {}, {}
    for mode in ("parts", "whole"):
        output = tmp_path / mode
        output.mkdir()
        original = archive.lay_out
        monkeypatch.setattr(archive, "lay_out", lambda *args, _mode=mode, _lay_out=original, **options:
                            _lay_out(*args, **options, whole=_mode == "whole"))
        target = output / "three-texts.archive.pdf"
        layout = archive.lay_out_archive(publication, styles, "2020-09-13T12:26:40Z", Diagnostics(root))
        epub = output / "three-texts.epub"
        epub.write_bytes(b"stand-in for the EPUB the archive carries")
        claims[mode] = archive.write_archive(layout, publication, target, when, epub)
        monkeypatch.setattr(archive, "lay_out", original)
        made[mode] = (_pdf_facts(target), _structure(target))
    assert claims["parts"] == claims["whole"] and claims["parts"].pdfua
    for fact in ("pages", "words", "labels", "outline", "dests", "links"):
        assert made["parts"][0][fact] == made["whole"][0][fact], fact
    assert made["parts"][1] == made["whole"][1]
    assert made["parts"][1]["orphans"] == 0 and made["parts"][1]["kinds"].count("/H1") >= 4
    assert made["parts"][1]["nested links"] == 0 and made["parts"][1]["kinds"].count("/Link") >= 4


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_all_editions_keep_their_parts_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Print and archive parts are written differently, from one layout of each text (the archive's
    texts are print's, written tagged); a build of both keeps both for the next."""
    from publish.build.pipeline import build as cached_build
    from publish.runtime.jobs import layout_jobs

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH["SOURCE_DATE_EPOCH"])
    root = four_texts(tmp_path / "book")
    output = tmp_path / "out"
    seen = _laid_out(monkeypatch)
    with layout_jobs(1):
        cached_build(root, output, ("pdf", "epub", "archive"))
        assert seen == [0, 1, 2, 3]  # laid out once, for both editions
        archived = (output / "three-texts.archive.pdf").read_bytes()
        cached_build(root, output, ("archive",))  # the archive alone finds its parts kept
        assert seen == [0, 1, 2, 3]
        cached_build(root, tmp_path / "alone", ("archive",), use_cache=False)  # laid out for itself
        assert seen == [0, 1, 2, 3] * 2
        assert (tmp_path / "alone" / "three-texts.archive.pdf").read_bytes() == archived
        seen.clear()
        three = root / "three.md"
        three.write_text(three.read_text().replace("continue to deepen", "continue to grow", 1))
        cached_build(root, output, ("pdf", "epub", "archive"))
        assert seen == [2]  # the third text, once for print and archive
        seen.clear()
        cached_build(root, output, ("pdf",))
        assert seen == []  # answered from the build cache


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_a_weasyprint_without_the_hooks_lays_the_book_out_whole(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """If WeasyPrint keeps its pages' state differently one day, publish still builds the book, in one layout."""
    import publish.engine.pages

    def changed(context: object, index: int) -> int:
        raise KeyError("page")  # what reading another WeasyPrint's page state would raise

    root = four_texts(tmp_path / "book")
    publication, _ = load(root)
    monkeypatch.setattr(publish.engine.pages, "_counter", changed)
    layout = lay_out(publication, Styles.for_manuscript(root), "2020-09-13T12:26:40Z", Diagnostics(root), jobs=2)
    try:
        assert layout.parts is None and layout.page_count > 8
    finally:
        layout.close()


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_the_archive_numbers_its_pages_as_print_does(tmp_path: Path) -> None:
    """A citation of 'p. 3' finds the same page in the library's copy as in the printed book."""
    root = four_texts(tmp_path / "book")
    output = tmp_path / "out"
    run = run_publish("all", str(root), "-o", str(output), env=EPOCH)
    assert run.returncode == 0, run.stderr
    printed, archived = _pdf_facts(output / "three-texts.pdf"), _pdf_facts(output / "three-texts.archive.pdf")
    assert archived["labels"] == printed["labels"] and "/r" in str(archived["labels"])
    assert archived["pages"] == printed["pages"] and archived["outline"] == printed["outline"]


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_each_font_subset_has_its_own_name(book_both_ways: tuple[dict, dict, object]) -> None:
    """Parts subset the same font differently; a RIP caching fonts by name must not mix them up."""
    import hashlib

    programs: dict[str, set[str]] = {}
    with pikepdf.open(book_both_ways[0]["path"]) as pdf:
        for font in pdf.objects:
            if isinstance(font, pikepdf.Dictionary) and font.get("/Type") == "/FontDescriptor":
                data = next(font[key] for key in ("/FontFile2", "/FontFile3", "/FontFile") if key in font)
                programs.setdefault(str(font.FontName), set()).add(hashlib.sha256(data.read_raw_bytes()).hexdigest())
    assert len(programs) > 4 and all(len(found) == 1 for found in programs.values())


# The archive's texts written from print's layout (texts.py Twin), photos shown from the archive's files


def test_a_part_whose_photos_alone_differ_maps_print_files_to_the_archives(tmp_path: Path) -> None:
    from publish.editions.print.book.partcache import photo_files

    ours, theirs = tmp_path / "print", tmp_path / "archive"
    for folder in (ours, theirs):
        folder.mkdir()
    (tmp_path / "kept.jpg").write_bytes(b"the same photo for both")
    (ours / "press.jpg").write_bytes(b"CMYK")
    (theirs / "press.jpg").write_bytes(b"sRGB")
    page = ('<p>Text</p><img src="{press}" alt="A press."><img src="{kept}" alt="Kept.">'
            '<a href="#one">one</a>')
    kept = (tmp_path / "kept.jpg").as_uri()
    html = page.format(press=(ours / "press.jpg").as_uri(), kept=kept)
    (tmp_path / "press-master.jpg").write_bytes(b"the manuscript's CMYK master")
    master = page.format(press=(tmp_path / "press-master.jpg").as_uri(), kept=kept)

    archive = page.format(press=(theirs / "press.jpg").as_uri(), kept=kept)  # the same name, other bytes
    assert photo_files(html, ours, archive, theirs) == {(ours / "press.jpg").as_uri(): (theirs / "press.jpg").as_uri()}
    assert photo_files(master, ours, master, theirs) == {}  # nothing differs
    assert photo_files(master, ours, archive, theirs) == {(tmp_path / "press-master.jpg").as_uri():
                                                          (theirs / "press.jpg").as_uri()}
    assert photo_files(page.format(press=kept, kept=kept), ours, archive, theirs) is None  # one file, two of theirs
    assert photo_files(html, ours, archive.replace("<p>Text</p>", "<p>Other text</p>"), theirs) is None
    linked = html + f'<a href="{(ours / "press.jpg").as_uri()}">the file</a>'  # not only shown: a link too
    assert photo_files(linked, ours, archive + f'<a href="{(theirs / "press.jpg").as_uri()}">the file</a>',
                       theirs) is None


@pytest.mark.slow  # builds every edition
def test_publish_all_writes_the_archives_cmyk_photo_text_from_prints_layout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CMYK master is print's as it is and the archive's in an sRGB copy of the same size: the
    archive's part is print's layout written again with the copy, where the archive laid the text
    out again; the archive's bytes are those of a build that lays every text out for the archive."""
    from publish.build.pipeline import build
    from publish.runtime.jobs import layout_jobs

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH["SOURCE_DATE_EPOCH"])
    root = four_texts(tmp_path / "book")
    from conftest import make_photo

    make_photo(root / "photos" / "harbour.jpg", mode="CMYK")
    seen = _laid_out(monkeypatch)
    with layout_jobs(1):
        build(root, tmp_path / "twins", ("pdf", "archive"))
        assert seen == [0, 1, 2, 3]  # print's layout, and nothing again for the archive
        seen.clear()
        build(root, tmp_path / "own", ("pdf", "archive"), use_cache=False)
    assert seen == [0, 1, 2, 3, 0, 1, 2, 3]  # without the parts kept, the archive lays out its own
    name = "three-texts.archive.pdf"
    assert (tmp_path / "twins" / name).read_bytes() == (tmp_path / "own" / name).read_bytes()
    with pikepdf.open(tmp_path / "twins" / name) as pdf:
        spaces = {str(obj.get("/ColorSpace")) for obj in pdf.objects
                  if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image}
    assert "/DeviceCMYK" not in spaces  # the archive shows the sRGB copy, not print's CMYK master
