"""The e-book edition (issue 4): valid, accessible, cites the print pages, opens in another reader."""

from __future__ import annotations

import hashlib
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from bs4 import BeautifulSoup
from conftest import (
    MINIMAL_CAPTIONS,
    MINIMAL_TEXT,
    MINIMAL_TOML,
    BundledBuild,
    epubcheck_messages,
    run_publish,
    write_manuscript,
)
from PIL import Image

from publish.editions.epub.pagelist import place_markers
from publish.editions.pagemap import PrintPage, page_labels, roman
from publish.manuscript.containment import Gate
from publish.render.fonts import Sheet, primary_families, subset_stylesheet

OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# EPUBCheck reports every declaration inside an @font-face rule as USAGE CSS-028 ("Use of Font-face
# declaration"): a record, not a problem, and unavoidable when fonts are embedded as issue 4 asks.
FONT_FACE_RECORD = "USAGE CSS-028"


# Reading an EPUB without the code that wrote it: zipfile, ElementTree and BeautifulSoup ------------


@dataclass
class Book:
    path: Path
    opf: ET.Element
    opf_dir: str
    spine: list[str]  # content document paths inside the zip, in reading order
    files: dict[str, bytes]

    def doc(self, name: str) -> BeautifulSoup:
        return BeautifulSoup(self.files[self.opf_dir + name].decode("utf-8"), "html.parser")

    def meta(self, prop: str) -> list[str]:
        return [m.text or "" for m in self.opf.iter(f"{OPF}meta") if m.get("property") == prop]

    def manifest(self) -> list[ET.Element]:
        return list(self.opf.iter(f"{OPF}item"))


def open_book(path: Path) -> Book:
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    container = ET.fromstring(files["META-INF/container.xml"])
    opf_path = next(e.get("full-path") for e in container.iter() if e.tag.endswith("rootfile"))
    opf = ET.fromstring(files[opf_path])
    opf_dir = opf_path.rsplit("/", 1)[0] + "/" if "/" in opf_path else ""
    hrefs = {item.get("id"): item.get("href") for item in opf.iter(f"{OPF}item")}
    spine = [hrefs[ref.get("idref")] for ref in opf.iter(f"{OPF}itemref")]
    return Book(path, opf, opf_dir, spine, files)


def words(text: str) -> str:
    """Letters and digits only, lower case: compares text across PDF and EPUB extraction."""
    return "".join(c for c in text.lower() if c.isalnum())


def pdf_pages(path: Path) -> tuple[list[str], list[str]]:
    """Each page's label (pikepdf, from /PageLabels) and text (pdfium): two readers of the print PDF."""
    import pypdfium2 as pdfium

    with pikepdf.open(path) as pdf:
        labels = [page.label for page in pdf.pages]
    document = pdfium.PdfDocument(str(path))
    try:
        texts = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    return labels, texts


def around_marker(book: Book, href: str, length: int = 30) -> tuple[str, str]:
    """The words just before a page-list link's marker in its document, and those a reader sees after it."""
    name, anchor = href.split("#")
    soup = book.doc(name)
    marker = soup.find(id=anchor)
    assert marker is not None, href
    assert marker.get("role") == "doc-pagebreak" and marker.get("epub:type") == "pagebreak", href

    def read(pieces: object, backwards: bool) -> str:
        collected = ""
        for piece in pieces:  # type: ignore[attr-defined]
            if piece.find_parent("body") is None or piece.find_parent(attrs={"aria-hidden": "true"}):
                continue
            collected = words(piece) + collected if backwards else collected + words(piece)
            if len(collected) >= length:
                break
        return collected[-length:] if backwards else collected[:length]

    return read(marker.find_all_previous(string=True), True), read(marker.find_all_next(string=True), False)


# Fixture manuscripts -------------------------------------------------------------------------------


TREES = ("alder", "birch", "cedar", "date palm", "elm", "fig", "ginkgo", "hawthorn", "ironwood", "juniper",
         "kapok", "larch", "maple", "neem", "oak", "pine", "quince", "rowan", "sal", "teak", "umbrella pine",
         "vine maple", "willow", "yew")  # so that no two paragraphs end alike


def varied_manuscript(root: Path, cover: bool) -> Path:
    """Two texts, a footnote, a table, a Japanese span, PNG with alpha, greyscale and CMYK photos."""
    toml = MINIMAL_TOML.replace(
        'date = 2020-05-01\n',
        'date = 2020-05-01\ntexts = ["one.md", "two.md"]\n' + ('cover = "cover.jpg"\n' if cover else ""))
    paragraphs = "\n\n".join(
        f"Paragraph {i} of the first text tells how boat number {i} came in while the town slept and the "
        f"gulls waited on the harbour wall by the {tree} tree.{'[^1]' if i == 3 else ''}"
        for i, tree in enumerate(TREES[:24], start=1))
    one = f"""+++
title = "The Harbour at Dawn"
byline = "by Ada Writer"
+++

![](photos/harbour.jpg)

{paragraphs}

The bridge is called [つばさ橋]{{lang=ja}} in Japanese.

## Numbers

| Year | Boats |
|------|------:|
| 2019 | 12 |
| 2020 | 15 |

![](photos/chart.png)

[^1]: The harbour master kept the count in a ledger.
"""
    second = "\n\n".join(f"Paragraph {i} of the second text, in which morning {i} turns grey to bright over "
                         f"the water and the nets are hung to dry on the {tree}." for i, tree in
                         enumerate(reversed(TREES[:11]), start=1))
    two = f"""+++
title = "A Second Text"
byline = "by Ada Writer"
+++

{second}

![](photos/grey.jpg)

![](photos/cmyk.jpg)

The end of the second text.
"""
    captions = MINIMAL_CAPTIONS + """
["chart.png"]
caption = "A chart with transparency."
alt = "A colour gradient chart on a transparent background."

["grey.jpg"]
caption = "The same harbour in grey."
alt = "A greyscale gradient."

["cmyk.jpg"]
caption = "Printed colours."
alt = "A gradient separated for print in CMYK."
"""
    photos = {"photos/chart.png": {"mode": "RGBA", "fmt": "PNG", "size": (1200, 800)},
              "photos/grey.jpg": {"mode": "L"}, "photos/cmyk.jpg": {"mode": "CMYK", "size": (3000, 2000)}}
    if cover:
        photos["cover.jpg"] = {"size": (1800, 2700)}
    files = {"publication.toml": toml, "feature.md": None, "one.md": one, "two.md": two,
             "photos/captions.toml": captions}
    return write_manuscript(root, files, photos)


@dataclass
class Varied:
    root: Path
    pdf: Path
    epub: Path
    masters: dict[str, str]  # photo file → sha256 before the build
    stdout: str


def _masters(root: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.*"))
            if p.suffix in (".jpg", ".png")}


def _build_varied(factory: pytest.TempPathFactory, name: str, cover: bool, command: str) -> Varied:
    root = varied_manuscript(factory.mktemp(name) / "ms", cover=cover)
    masters = _masters(root)
    out = root.parent / "out"
    run = run_publish(command, str(root), "-o", str(out))
    assert run.returncode == 0, run.stderr
    return Varied(root, out / "a-small-feature.pdf", out / "a-small-feature.epub", masters, run.stdout)


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Varied:
    """Built with `publish all`: no cover in the manuscript, so the EPUB generates one."""
    return _build_varied(tmp_path_factory, "varied", cover=False, command="all")


@pytest.fixture(scope="module")
def covered(tmp_path_factory: pytest.TempPathFactory) -> Varied:
    """Built with `publish epub` alone: the manuscript's own cover; print is laid out for the page-list."""
    return _build_varied(tmp_path_factory, "covered", cover=True, command="epub")


# 1. Valid ------------------------------------------------------------------------------------------


def _check(path: Path) -> None:
    messages = epubcheck_messages(path)
    assert [m for m in messages if not m.startswith(FONT_FACE_RECORD)] == []
    assert all("style.css" in m for m in messages)  # font-face records come from our one stylesheet


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_bundled_epub_passes_epubcheck_with_usage(bundled: BundledBuild) -> None:
    _check(bundled.epub)


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_fixture_epubs_pass_epubcheck(varied: Varied, covered: Varied) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:  # two Java processes side by side
        list(pool.map(_check, (varied.epub, covered.epub)))


# 2. Accessible -------------------------------------------------------------------------------------


def test_package_metadata_describes_the_book(bundled: BundledBuild) -> None:
    book = open_book(bundled.epub)
    assert book.opf.get(XML_LANG) == "en"  # EbookLib leaves it out; Ace calls that serious
    metadata = book.opf.find(f"{OPF}metadata")
    assert metadata.findtext(f"{DC}title") == "Ties that bind"
    assert metadata.findtext(f"{DC}language") == "en"
    assert metadata.findtext(f"{DC}identifier") == "urn:uuid:6f1d3c7e-3b0e-5c55-9a0e-65a1953c2018"
    creator = metadata.find(f"{DC}creator")
    assert creator.text == "David Hutt"
    roles = {m.get("refines"): m.text for m in metadata.iter(f"{OPF}meta") if m.get("property") == "role"}
    assert roles[f"#{creator.get('id')}"] == "aut"
    contributor = metadata.find(f"{DC}contributor")
    assert (contributor.text, roles[f"#{contributor.get('id')}"]) == ("Heng Chivoan", "pht")
    assert book.meta("dcterms:modified") == ["2018-01-01T00:00:00Z"]  # the publication date, not the clock


def test_accessibility_metadata_claims_what_the_content_has(bundled: BundledBuild) -> None:
    book = open_book(bundled.epub)
    assert set(book.meta("schema:accessMode")) == {"textual", "visual"}
    assert book.meta("schema:accessModeSufficient") == ["textual"]
    features = set(book.meta("schema:accessibilityFeature"))
    assert {"alternativeText", "tableOfContents", "readingOrder", "structuralNavigation",
            "pageNavigation", "printPageNumbers", "pageBreakMarkers"} <= features
    assert book.meta("schema:accessibilityHazard") == ["none"]
    assert "WCAG 2.1 Level AA" in book.meta("schema:accessibilitySummary")[0]
    assert book.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert book.meta("a11y:certifiedBy") == ["Phnom Penh Post"]
    # pageNavigation is true: the nav has a page-list; tableOfContents and landmarks too
    nav = book.doc("nav.xhtml")
    kinds = {n.get("epub:type") for n in nav.find_all("nav")}
    assert {"toc", "landmarks", "page-list"} <= kinds
    assert len(nav.find("nav", attrs={"epub:type": "page-list"}).find_all("a")) >= 4
    # the page numbers name their source: the print edition
    source = next(s for s in book.opf.iter(f"{DC}source") if s.get("id"))
    assert "print edition" in source.text
    refines = [m.text for m in book.opf.iter(f"{OPF}meta") if m.get("refines") == f"#{source.get('id')}"]
    assert refines == ["pagination"]


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_every_image_has_alt_text_and_the_cover_is_declared(bundled: BundledBuild, varied: Varied) -> None:
    for path in (bundled.epub, varied.epub):
        book = open_book(path)
        images = [img for name in book.spine for img in book.doc(name).find_all("img")]
        assert len(images) >= 2
        assert all((img.get("alt") or "").strip() for img in images), path
        covers = [i for i in book.manifest() if "cover-image" in (i.get("properties") or "")]
        assert len(covers) == 1
        assert book.spine[0] == "cover.xhtml"
        cover_img = book.doc("cover.xhtml").find("img")
        assert cover_img.get("src") == covers[0].get("href")
        assert cover_img.get("role") == "doc-cover"


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_languages_notes_and_headings_are_marked(varied: Varied) -> None:
    book = open_book(varied.epub)
    one = book.doc("one.xhtml")
    assert one.find("html").get("xml:lang") == "en" and one.find("html").get("lang") == "en"
    span = one.find("span", attrs={"lang": "ja"})
    assert span.get("xml:lang") == "ja" and span.text == "つばさ橋"
    ref = one.find("a", attrs={"role": "doc-noteref"})
    note = one.find(id=ref["href"].lstrip("#"))
    assert note.get("role") == "doc-footnote"
    assert note.find("a", attrs={"role": "doc-backlink"})["href"] == f"#{ref['id']}"
    levels = [int(h.name[1]) for h in one.find_all(re.compile(r"^h[1-6]$"))]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


# 3. Print page equivalents -------------------------------------------------------------------------


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
@pytest.mark.parametrize("which", ["bundled", "varied"])
def test_page_list_cites_the_print_pages(which: str, bundled: BundledBuild, varied: Varied) -> None:
    """Labels are the PDF's own, for every page that holds text; each link lands on that page's text."""
    pdf, epub = (bundled.pdf, bundled.epub) if which == "bundled" else (varied.pdf, varied.epub)
    labels, texts = pdf_pages(pdf)
    book = open_book(epub)
    links = book.doc("nav.xhtml").find("nav", attrs={"epub:type": "page-list"}).find_all("a")
    listed = [a.text for a in links]
    assert sorted(listed, key=labels.index) == [label for label, text in zip(labels, texts, strict=True)
                                                if words(text)]
    for link in links:
        index = labels.index(link.text)
        before, after = around_marker(book, link["href"])
        page = words(texts[index])
        if link["href"].startswith("nav.xhtml"):  # the e-book's contents lists more than print's: the heading
            after = after[:8]
        # the page's text follows the marker (a floated drop cap may come out of the PDF out of order)
        assert after and any(after[:i] + after[i + 1:] in page for i in range(len(after) + 1)), (link.text, after)
        assert not before or before not in page, (link.text, before)  # and the previous page's precedes it
    # the page-list is in reading order (issue 16): the spine, then the position in each document, so
    # print's page ii (the imprint, the e-book's last document) comes after the text's pages
    order = [(book.spine.index(a["href"].split("#")[0]), str(book.doc(a["href"].split("#")[0])).index(
        f'id="{a["href"].split("#")[1]}"')) for a in links]
    assert order == sorted(order)


def test_markers_never_split_a_word() -> None:
    from lxml import etree

    root = etree.fromstring('<p xmlns="http://www.w3.org/1999/xhtml" id="x">one <b>two</b> three-four five</p>')
    pages = place_markers({"a.xhtml": root}, [PrintPage("7", "x", 10)])  # "onetwothre|efour"
    assert pages[0].href == "a.xhtml#page-7"
    marker = root.find(".//{http://www.w3.org/1999/xhtml}span")
    assert marker.tail == "three-four five" and root.find("{*}b").tail == " "
    assert page_labels(5, 2) == ["i", "ii", "1", "2", "3"] and roman(14) == "xiv"
    assert page_labels(5, 3) == ["i", "ii", "iii", "2", "3"]  # a body opening on a verso: odd folios stay rectos
    taken = etree.fromstring('<div xmlns="http://www.w3.org/1999/xhtml"><h2 id="page-1">x</h2><p id="p">y</p></div>')
    assert place_markers({"b.xhtml": taken}, [PrintPage("1", "p", 0)])[0].href == "b.xhtml#page-1-2"
    # print-only content opens the page: the marker goes into the enclosing element both editions share
    shared = etree.fromstring('<div xmlns="http://www.w3.org/1999/xhtml" id="s"><p>hello world</p></div>')
    assert place_markers({"c.xhtml": shared}, [PrintPage("9", "print-only", 3, (("s", 5),))])
    assert shared.find("{*}p").text == "hello " and shared.find("{*}p/{*}span").tail == "world"


# 4. Cover ------------------------------------------------------------------------------------------


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_generated_cover_comes_from_the_templates(varied: Varied) -> None:
    book = open_book(varied.epub)
    cover = next(i for i in book.manifest() if "cover-image" in (i.get("properties") or ""))
    with Image.open(io.BytesIO(book.files[book.opf_dir + cover.get("href")])) as image:
        assert image.size == (1600, 2560) and image.format == "JPEG"
        top, bottom = image.crop((0, 0, 1600, 1200)), image.crop((0, 1700, 1600, 2560))
        assert max(top.convert("L").getextrema()) - min(top.convert("L").getextrema()) > 100  # the photo
        assert bottom.convert("L").getextrema()[0] < 80  # dark title type on the light panel


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_manuscript_cover_is_used_and_derived_for_screens(covered: Varied) -> None:
    book = open_book(covered.epub)
    cover = next(i for i in book.manifest() if "cover-image" in (i.get("properties") or ""))
    with Image.open(io.BytesIO(book.files[book.opf_dir + cover.get("href")])) as image:
        assert image.size == (1365, 2048)  # the 1800 × 2700 cover, long edge brought to 2048
    assert _masters(covered.root) == covered.masters
    # built alone, the EPUB still lays print out for its page-list, and writes no PDF
    assert not covered.pdf.exists()
    assert open_book(covered.epub).doc("nav.xhtml").find("nav", attrs={"epub:type": "page-list"})


# 5. Images for screens, 6. fonts, 7. navigation, size ------------------------------------------------


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_screen_images_are_srgb_downscaled_and_stripped(varied: Varied) -> None:
    book = open_book(varied.epub)
    kinds = {}
    for item in book.manifest():
        if not item.get("media-type").startswith("image/") or item.get("properties") == "cover-image":
            continue  # the generated cover is drawn at the 1600 × 2560 the stores ask for
        with Image.open(io.BytesIO(book.files[book.opf_dir + item.get("href")])) as image:
            assert max(image.size) <= 2048
            assert image.mode in ("RGB", "RGBA", "L"), item.get("href")
            assert "exif" not in image.info and "icc_profile" not in image.info
            kinds[Path(item.get("href")).stem] = (image.format, image.mode)
    assert kinds["photos-chart"] == ("PNG", "RGBA")  # transparency kept
    assert kinds["photos-cmyk"] == ("JPEG", "RGB")
    assert kinds["photos-grey"] == ("JPEG", "L")
    assert _masters(varied.root) == varied.masters  # print masters untouched


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_fonts_are_embedded_subset_and_declared(varied: Varied) -> None:
    book = open_book(varied.epub)
    css = book.files[book.opf_dir + "style.css"].decode()
    fonts = {i.get("href"): i.get("media-type") for i in book.manifest() if i.get("href").startswith("fonts/")}
    sources = set(re.findall(r'url\("?(fonts/[^")]+)"?\)', css))
    assert sources == set(fonts)
    assert all(kind in ("font/ttf", "font/otf") for kind in fonts.values())
    assert "fonts/NotoSerif-Regular.ttf" in fonts and "fonts/NotoSerifCJKjp-Regular.otf" in fonts  # ja span
    assert not any("Khmer" in name for name in fonts)  # no Khmer text, no Khmer face
    fonts = Path(__file__).resolve().parents[2] / "publish" / "styles" / "fonts"
    full = (fonts / "NotoSerif-Regular.ttf").stat().st_size
    assert len(book.files[book.opf_dir + "fonts/NotoSerif-Regular.ttf"]) < full / 4
    assert re.search(r"html\s*\{[^}]*font-family", css)  # generic fallbacks stay in the stacks


def test_script_faces_follow_the_text() -> None:
    css = '@font-face { font-family: "Latin"; src: url("fonts/NotoSerif-Regular.ttf"); }\n' \
          '@font-face { font-family: "Khmer"; src: url("fonts/NotoSerifKhmer-Regular.ttf"); }\n' \
          'body { font-family: "Latin", "Khmer", serif; }\n:lang(km) { font-family: "Khmer", serif; }\n'
    base = Path(__file__).resolve().parents[2] / "publish" / "styles"  # the default styles
    sheets, gate = [Sheet("fonts.css", base / "fonts.css", css)], Gate(base)
    assert primary_families(css) == {"Latin"}
    _, latin_only = subset_stylesheet(sheets, gate, set("Hello"))
    assert [f.href for f in latin_only] == ["fonts/NotoSerif-Regular.ttf"]
    _, with_khmer = subset_stylesheet(sheets, gate, set("Hello ខ្មែរ"))
    assert [f.href for f in with_khmer] == ["fonts/NotoSerif-Regular.ttf", "fonts/NotoSerifKhmer-Regular.ttf"]


def test_ncx_and_cli_size(bundled: BundledBuild) -> None:
    book = open_book(bundled.epub)
    ncx = next(i for i in book.manifest() if i.get("media-type") == "application/x-dtbncx+xml")
    ncx_root = ET.fromstring(book.files[book.opf_dir + ncx.get("href")])
    assert "Ties that bind" in "".join(ncx_root.itertext())
    targets = [t for t in ncx_root.iter() if t.tag.endswith("pageTarget")]
    nav_pages = book.doc("nav.xhtml").find("nav", attrs={"epub:type": "page-list"}).find_all("a")
    assert [("".join(t.itertext()).strip(), next(c for c in t if c.tag.endswith("content")).get("src"))
            for t in targets] == [(a.text, a["href"]) for a in nav_pages]  # same pages for older readers
    size = bundled.epub.stat().st_size
    line = next(line for line in bundled.stdout.splitlines() if line.startswith(str(bundled.epub)))
    assert f"({size / 1024:.1f} KB" in line or f"({size / 1024 / 1024:.1f} MB" in line


# 8. A second, independent reader ----------------------------------------------------------------------


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_epub_opens_and_reads_in_spine_order(varied: Varied) -> None:
    book = open_book(varied.epub)
    assert book.files["mimetype"] == b"application/epub+zip"
    text = " ".join(book.doc(name).get_text(" ") for name in book.spine)
    flat = " ".join(text.split())
    order = ["A Small Feature", "The Harbour at Dawn", "Paragraph 1 of the first text",
             "Paragraph 24 of the first text", "つばさ橋", "A Second Text", "The end of the second text",
             "Ada Writer"]
    position = 0
    for expected in order:  # each found after the one before: the spine reads in the manuscript's order
        position = flat.index(expected, position) + len(expected)


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_epub_alone_survives_a_print_only_problem(tmp_path: Path) -> None:
    """A photo too coarse to print stops `publish pdf`, not the e-book: no page numbers, no claim of them."""
    root = write_manuscript(tmp_path / "ms", photos={"photos/harbour.jpg": {"size": (300, 200)}})
    run = run_publish("epub", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    assert re.search(r"feature\.md:8:\d+: warning: the e-book has no print page numbers.*91 ppi", run.stderr)
    book = open_book(tmp_path / "out" / "a-small-feature.epub")
    assert book.doc("nav.xhtml").find("nav", attrs={"epub:type": "page-list"}) is None
    assert not {"pageNavigation", "printPageNumbers", "pageBreakMarkers"} & set(
        book.meta("schema:accessibilityFeature"))
    assert not any(book.doc(name).find(attrs={"role": "doc-pagebreak"}) for name in book.spine)
    assert not [s for s in book.opf.iter(f"{DC}source") if s.get("id")]  # no pagination source either


def test_a_text_cannot_take_the_id_of_an_edition_page(tmp_path: Path) -> None:
    """A text called cover.md would overwrite the e-book's cover page: refused at its line, with a way out."""
    from publish.manuscript.loader import load
    from publish.model.diagnostics import ManuscriptError

    root = write_manuscript(tmp_path / "ms", {"feature.md": None, "cover.md": MINIMAL_TEXT})
    with pytest.raises(ManuscriptError) as refused:
        load(root)
    assert any(d.path.endswith("cover.md") and d.line == 1 and "taken by the edition's own cover page" in d.message
               for d in refused.value.diagnostics)
    renamed = MINIMAL_TEXT.replace('+++\ntitle', '+++\nid = "cover-text"\ntitle', 1)
    (root / "cover.md").write_text(renamed, encoding="utf-8")
    publication, _ = load(root)
    assert publication.articles[0].id == "cover-text"
