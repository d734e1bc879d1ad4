"""The e-book edition: the shared HTML as EPUB 3 XHTML, packaged with EbookLib, images derived for screens."""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ebooklib import epub
from lxml import etree
from PIL import Image, ImageCms, ImageOps

from publish.editions.deterministic import zip_bytes
from publish.editions.epub.cover import fit_cover
from publish.editions.epub.pagelist import place_markers
from publish.editions.pagemap import PageStart, PrintPage
from publish.manuscript.containment import Gate
from publish.manuscript.photos import fitting_profile, plain, plain_copy
from publish.model import credits
from publish.model.document import Photo, Publication
from publish.model.editions import edition_identifier
from publish.model.typography import catalogue_text
from publish.render.fonts import Sheet, subset_stylesheet
from publish.render.html import Renderer
from publish.render.styles import Styles
from publish.runtime.jobs import parallel_map
from publish.runtime.store import derived_file

STYLESHEET = "style.css"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CODE_TAGS = tuple(f"{{http://www.w3.org/1999/xhtml}}{tag}" for tag in ("code", "kbd", "samp", "pre"))
COVER_PX = (1600, 2560)  # the 1:1.6 portrait most e-book stores ask for
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"


@dataclass
class EpubReport:
    images: list[tuple[str, int, int]] = field(default_factory=list)  # name, bytes, long edge
    fonts: list[tuple[str, int]] = field(default_factory=list)
    pages: list[PageStart] = field(default_factory=list)  # the page-list, in reading (spine) order
    cover: str = ""  # "manuscript" or "generated"


@derived_file("epub-screen-image")  # a rebuild reuses the screen copies of unchanged photos
def screen_image(path: Path, max_px: int, quality: int) -> tuple[bytes, str]:
    """A copy of a print master for screens: sRGB, downscaled, metadata stripped; the master is only read."""
    with Image.open(path) as source:
        fmt = source.format
        if fmt == "JPEG":  # decode at a reduced scale that is still at least max_px on each side
            source.draft(source.mode, (max_px, max_px))
        icc = fitting_profile(source)  # a profile for other colours is left out (the loader warned)
        image = plain(ImageOps.exif_transpose(source))
        has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
        if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
            src_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            grey = image.mode == "L"
            image = ImageCms.profileToProfile(image, src_profile, ImageCms.createProfile("sRGB"),
                                              outputMode=out_mode)
            if grey:
                image = image.convert("L")
        elif image.mode == "CMYK":
            image = image.convert("RGB")
        elif image.mode not in ("RGB", "L", "RGBA"):
            image = image.convert("RGBA" if has_alpha else "RGB")
        image.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if fmt == "PNG" or has_alpha:
            image.save(out, "PNG", compress_level=6)  # level 9 or optimize=True: 3× the time for 2 %
            return out.getvalue(), "png"
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
        return out.getvalue(), "jpg"


def screen_copies(publication: Publication, gate: Gate) -> list[tuple[Path, int, int]]:
    """What screen_image is given for each photo of the e-book, in order, the cover's last."""
    epub = publication.metadata.epub
    paths = [photo.path for photo in publication.photos]
    if publication.metadata.cover:
        paths.append(publication.metadata.cover)
    return [(gate.admit(path), epub.max_image_px, epub.jpeg_quality) for path in paths]


def image_name(name: str, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name).with_suffix("").as_posix()).strip("-")
    return f"images/{stem or 'photo'}.{extension}"


def stylesheets(styles: Styles, gate: Gate) -> list[Sheet]:
    """The e-book's cascade, each file read through the gate (a link out of the manuscript is refused)."""
    return [Sheet(name, path, gate.admit(path).read_text(encoding="utf-8"))
            for name in ("fonts.css", "base.css", "epub.css") for path in styles.css(name)]


def used_characters(*texts: str) -> set[str]:
    characters = {chr(c) for c in range(0x20, 0x7F)}
    for text in texts:
        for char in text:
            characters.add(char)
            characters.update(char.upper() + char.lower())  # "ß".upper() is "SS": add each character
    return characters


def generated_cover(publication: Publication, styles: Styles) -> bytes:
    """A cover drawn from the title, the publication's authors or editors and the lead photo by
    templates/epub-cover.html and epub-cover.css.

    WeasyPrint lays the page out with the same fonts.css and base.css as both editions, fitted to its
    words (editions/epub/cover.py); pdfium turns it into pixels. Both are deterministic, so the cover
    is the same bytes on every build.
    """
    import pypdfium2 as pdfium

    photo = cover_photo(publication)
    with tempfile.TemporaryDirectory(prefix="publish-cover-") as scratch:
        # A photo WeasyPrint cannot draw as it is (16-bit grey) is drawn from a plain copy, as print is.
        copy = plain_copy(photo.path, Path(scratch)) if photo else None
        replaced = {photo.path: copy} if photo and copy else {}
        fit = fit_cover(publication, styles, cover_html(publication, styles, replaced), photo,
                        tuple({copy.parent} if copy else ()))
    document = pdfium.PdfDocument(fit.pdf)
    try:
        page = document[0]
        scale = COVER_PX[0] / page.get_width()
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    if image.size != COVER_PX:
        image = image.resize(COVER_PX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=publication.metadata.epub.jpeg_quality, optimize=True, progressive=True)
    return out.getvalue()


def build_epub(publication: Publication, styles: Styles, target: Path, modified: dt.datetime,
               pages: Sequence[PrintPage] = ()) -> EpubReport:
    """Writes the EPUB; `pages` are the print edition's page starts, for its page-list and markers."""
    meta = publication.metadata
    gate = Gate(publication.root, *styles.roots)
    report = EpubReport()
    book = epub.EpubBook()
    book.set_identifier(edition_identifier(meta, "epub"))  # its own ISBN ([epub] isbn) when given
    book.set_title(catalogue_text(meta.title))  # typographic quotes as printed; no invisible word joiner
    book.set_language(meta.language)
    rtl = meta.direction == "rtl"
    # Texts all set vertically (Japanese tategaki) turn their pages right to left too, but their
    # text is not right-to-left: the spine says so, the package's dir does not.
    vertical = bool(publication.articles) and all(a.writing == "vertical" for a in publication.articles)
    if rtl or vertical:  # pages turn right to left: the spine's page-progression-direction, the package's dir
        book.set_direction("rtl")
    book.add_metadata("DC", "date", meta.date)

    images: dict[str, str] = {}
    copies = screen_copies(publication, gate)
    screen = parallel_map(screen_image, copies[:len(publication.photos)])
    for photo, (data, extension) in zip(publication.photos, screen, strict=True):
        name = image_name(photo.name, extension)
        images[photo.name] = name
        _add_image(book, report, name, data)

    if meta.cover:
        data, extension = screen_image(*copies[-1])
        cover_name = image_name("cover", extension)
        report.cover = "manuscript"
    else:
        data, cover_name = generated_cover(publication, styles), "images/cover.jpg"
        report.cover = "generated"
    taken, stem, suffix = set(images.values()), cover_name.rsplit(".", 1)[0], cover_name.rsplit(".", 1)[1]
    for number in range(1, len(taken) + 2):  # a photo of the text may be called cover.jpg too
        if cover_name not in taken:
            break
        cover_name = f"{stem}-{number}.{suffix}"
    cover_item = _add_image(book, report, cover_name, data)
    cover_item.properties = ["cover-image"]

    renderer, documents = epub_documents(publication, styles, images, cover_name)

    # Markers first, to learn the page-list; then again with the nav that lists them (same positions).
    report.pages = place_markers(_parse(documents), pages)
    documents["nav.xhtml"] = renderer.render("epub-nav.xhtml", pages=report.pages, stylesheet=STYLESHEET)
    trees = _parse(documents)
    if place_markers(trees, pages) != report.pages:
        raise RuntimeError("page-break markers moved when the page-list was added")
    content = {name: _serialise(tree) for name, tree in trees.items()}

    all_text = " ".join(_text_of(tree) for tree in trees.values())
    code_text = " ".join(" ".join(element.itertext()) for tree in trees.values() for element in tree.iter(*CODE_TAGS))
    css, fonts = subset_stylesheet(stylesheets(styles, gate), gate, used_characters(all_text),
                                   used_characters(code_text) if code_text.strip() else set())
    for font in fonts:
        name = font.name
        book.add_item(epub.EpubItem(uid=_uid(name), file_name=name, media_type="font/ttf"
                                    if name.endswith(".ttf") else "font/otf", content=font.data))
        report.fonts.append((name, len(font.data)))
    book.add_item(epub.EpubItem(uid="style", file_name=STYLESHEET, media_type="text/css",
                                content=css.encode()))

    spine = []
    for file_name, data in content.items():
        uid = "nav" if file_name == "nav.xhtml" else _uid(file_name)
        item = epub.EpubItem(uid=uid, file_name=file_name, media_type="application/xhtml+xml", content=data)
        if file_name == "nav.xhtml":
            item.properties = ["nav"]
        book.add_item(item)
        spine.append(item)
    book.spine = spine
    book.toc = _toc(publication, renderer)
    book.add_item(epub.EpubNcx())
    _metadata(book, publication, cover_item.id, bool(report.pages))

    raw = io.BytesIO()
    epub.write_epub(raw, book, {"mtime": modified, "epub3_pages": False, "spine_direction": rtl or vertical,
                                "package_direction": rtl})
    target.write_bytes(_normalise(raw.getvalue(), meta.language, modified, report.pages))
    return report


def _toc(publication: Publication, renderer: Renderer) -> list[object]:
    """The NCX's contents (EPUB 2 reading systems), as the nav lists them: chapters nested under their parts."""
    def link(article: object) -> epub.Link:
        return epub.Link(f"{article.id}.xhtml", renderer.entry(article), _uid(article.id))  # type: ignore[attr-defined]

    toc: list[object] = []
    for article in publication.after_contents:
        if article.part:
            continue
        chapters = [link(a) for a in publication.articles if a.part == article.id]
        toc.append((link(article), chapters) if article.kind == "part" and chapters else link(article))
    return toc


def epub_documents(publication: Publication, styles: Styles, images: dict[str, str],
                   cover_name: str) -> tuple[Renderer, dict[str, str]]:
    """Every XHTML document of the e-book from the templates (the nav without its page-list yet).

    `publish check` renders them too, so a mistake in a manuscript's template is found without a build.
    """
    meta = publication.metadata
    renderer = Renderer(publication, styles, "epub", image_src=lambda photo: images[photo.name])
    for article in publication.articles:  # a link to any id of another text names that text's file
        for anchor in article.anchors:
            renderer.link_targets.setdefault(anchor, f"{article.id}.xhtml")

    common = {"stylesheet": STYLESHEET}
    documents: dict[str, str] = {
        "cover.xhtml": renderer.render("epub-cover.xhtml", title=meta.title, cover=cover_name,
                                       epub_type="cover", **common),
        "titlepage.xhtml": renderer.render("epub-page.xhtml", title=meta.title, page="titlepage.html",
                                           epub_type="frontmatter", **common),
    }
    # The spine in the print edition's order: a dedication and an epigraph before the contents.
    matter = {"front": "frontmatter", "body": "bodymatter", "back": "backmatter"}
    for group in (publication.before_contents, None, publication.after_contents):
        if group is None:
            documents["nav.xhtml"] = renderer.render("epub-nav.xhtml", pages=[], **common)
            continue
        for article in group:
            documents[f"{article.id}.xhtml"] = renderer.render(
                "epub-page.xhtml", title=renderer.heading(article), article=article,
                epub_type=matter[article.division], **common)
    documents["imprint.xhtml"] = renderer.render(
        "epub-page.xhtml", title=renderer.words("word", "imprint", meta.language), page="imprint.html",
        epub_type="backmatter", **common)
    return renderer, documents


def cover_photo(publication: Publication) -> Photo | None:
    """The generated cover's photo: the first text's lead photo, or the publication's first photo."""
    lead = next((a.lead.photo for a in publication.articles if a.lead), None)
    return lead or (publication.photos[0] if publication.photos else None)


def cover_html(publication: Publication, styles: Styles, replaced: dict[Path, Path] | None = None) -> str:
    """The generated cover's page (templates/epub-cover.html), before WeasyPrint lays it out; `replaced`
    photos are drawn from the copies given instead of their masters."""
    photo = cover_photo(publication)
    copies = replaced or {}
    renderer = Renderer(publication, styles, "cover", image_src=lambda p: copies.get(p.path, p.path).as_uri())
    return renderer.render("epub-cover.html", photo=photo)  # credits the publication's authors or editors


def _add_image(book: epub.EpubBook, report: EpubReport, name: str, data: bytes) -> epub.EpubItem:
    media_type = "image/png" if name.endswith(".png") else "image/jpeg"
    item = epub.EpubItem(uid=_uid(name), file_name=name, media_type=media_type, content=data)
    book.add_item(item)
    with Image.open(io.BytesIO(data)) as derived:
        report.images.append((name, len(data), max(derived.size)))
    return item


def _parse(documents: dict[str, str]) -> dict[str, etree._Element]:
    return {name: etree.fromstring(xhtml.encode("utf-8")) for name, xhtml in documents.items()}


def _serialise(tree: etree._Element) -> bytes:
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>")


def _text_of(tree: etree._Element) -> str:
    return " ".join(tree.itertext()) + " " + " ".join(
        value for element in tree.iter() for key, value in element.attrib.items()
        if key in ("alt", "aria-label", "title"))


def _uid(name: str) -> str:
    return "id-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def print_source(publication: Publication) -> str:
    """The print edition this e-book's page numbers come from, as dc:source names it."""
    meta = publication.metadata
    parts = [f"{catalogue_text(meta.title)}, print edition"]
    if meta.edition:
        parts.append(meta.edition)
    if meta.publisher:
        parts.append(f"{meta.publisher}, {meta.date[:4]}")
    return "; ".join(parts) + f" ({edition_identifier(meta, 'print')})"


def _metadata(book: epub.EpubBook, publication: Publication, cover_id: str, paginated: bool) -> None:
    meta = publication.metadata
    # The publication's authors (or, without any, its editors) are its creators; everyone else credited,
    # the texts' own authors, translators and photographers included, a contributor; each with every
    # MARC role they played (model/credits.py): the author of the foreword is `aui`.
    creators, _ = credits.creators(publication)
    people = sorted(credits.people(publication), key=lambda person: person.name not in creators)
    for number, person in enumerate(people, start=1):
        uid = f"creator{number}"
        element = "creator" if person.name in creators else "contributor"
        book.add_metadata("DC", element, person.name, {"id": uid})
        for code in person.codes:
            book.add_metadata(None, "meta", code, {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"})
    if meta.subtitle:
        book.add_metadata(None, "meta", catalogue_text(meta.subtitle), {"property": "dcterms:alternative"})
    for key, value in (("publisher", meta.publisher), ("rights", meta.rights),
                       ("description", meta.description), ("source", meta.source)):
        if value:
            book.add_metadata("DC", key, catalogue_text(value))
    for subject in meta.subjects:
        book.add_metadata("DC", "subject", subject)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": cover_id})
    if paginated:
        book.add_metadata("DC", "source", print_source(publication), {"id": "print-source"})
        book.add_metadata(None, "meta", "pagination", {"refines": "#print-source", "property": "source-of"})

    # Accessibility (EPUB Accessibility 1.1): each claim below is made true by the build, see docs/epub.md.
    for mode in ("textual", "visual"):  # every edition has photos or at least its cover image
        book.add_metadata(None, "meta", mode, {"property": "schema:accessMode"})
    book.add_metadata(None, "meta", "textual", {"property": "schema:accessModeSufficient"})
    features = ["alternativeText", "structuralNavigation", "tableOfContents", "readingOrder",
                "displayTransformability", "ARIA"]
    if paginated:
        features += ["pageNavigation", "pageBreakMarkers", "printPageNumbers"]
    for feature in features:
        book.add_metadata(None, "meta", feature, {"property": "schema:accessibilityFeature"})
    book.add_metadata(None, "meta", "none", {"property": "schema:accessibilityHazard"})
    summary = ("This publication meets WCAG 2.1 Level AA. Every image has a text alternative and photos have "
               "captions; headings, a table of contents and landmarks give structure, and the reading order "
               "follows the text. Pull quotes repeat the text and are hidden from screen readers; footnotes "
               "link to their notes and back. Text can be resized and restyled by the reading system.")
    if paginated:
        summary += " Page-break markers and a page list give the page numbers of the print edition."
    book.add_metadata(None, "meta", summary, {"property": "schema:accessibilitySummary"})
    book.add_metadata(None, "meta", CONFORMS_TO, {"property": "dcterms:conformsTo"})
    certifier = meta.publisher or (creators[0] if creators else "")
    if certifier:
        book.add_metadata(None, "meta", certifier, {"property": "a11y:certifiedBy"})


def _normalise(data: bytes, language: str, modified: dt.datetime, pages: Sequence[PageStart] = ()) -> bytes:
    """Stable zip (editions/deterministic.zip_bytes, mimetype first and stored), xml:lang on the package, NCX pages."""
    source = zipfile.ZipFile(io.BytesIO(data))
    members = []
    for name in source.namelist():
        content = source.read(name)
        if name.endswith(".opf"):
            content = _package_lang(content, language)
        elif name.endswith(".ncx") and pages:
            content = _ncx_page_list(content, pages)
        members.append((name, content))
    return zip_bytes(members, modified, stored_first="mimetype")


def _ncx_page_list(ncx: bytes, pages: Sequence[PageStart]) -> bytes:
    """The print pages in the NCX too, for reading systems that only read EPUB 2 navigation."""
    ns = "{http://www.daisy.org/z3986/2005/ncx/}"
    root = etree.fromstring(ncx)
    numbers = [int(page.label) for page in pages if page.label.isdigit()]
    for meta in root.iter(f"{ns}meta"):
        if meta.get("name") == "dtb:totalPageCount":
            meta.set("content", str(len(pages)))
        elif meta.get("name") == "dtb:maxPageNumber":
            meta.set("content", str(max(numbers, default=0)))
    page_list = etree.SubElement(root, f"{ns}pageList")
    label = etree.SubElement(etree.SubElement(page_list, f"{ns}navLabel"), f"{ns}text")
    label.text = "Pages of the print edition"
    for number, page in enumerate(pages, start=1):
        target = etree.SubElement(page_list, f"{ns}pageTarget", id=f"page-target-{number}",
                                  type="normal" if page.label.isdigit() else "front")
        if page.label.isdigit():
            target.set("value", page.label)
        text = etree.SubElement(etree.SubElement(target, f"{ns}navLabel"), f"{ns}text")
        text.text = page.label
        etree.SubElement(target, f"{ns}content", src=page.href)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _package_lang(opf: bytes, language: str) -> bytes:
    root = etree.fromstring(opf)
    root.set(XML_LANG, language)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
