"""The e-book edition: the shared HTML as EPUB 3 XHTML, packaged with EbookLib, images derived for screens."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ebooklib import epub
from lxml import etree
from PIL import Image, ImageCms, ImageOps

from publish.fonts import subset_stylesheet
from publish.model import Photo, Publication
from publish.render import Renderer, Styles
from publish.resources import Gate

STYLESHEET = "style.css"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class PageStart:
    """Where a print page begins, for the EPUB's page-list and page-break markers."""

    label: str
    href: str  # chapter file and anchor


@dataclass
class EpubReport:
    images: list[tuple[str, int, int]] = field(default_factory=list)  # name, bytes, long edge
    fonts: list[tuple[str, int]] = field(default_factory=list)


def screen_image(photo: Photo, max_px: int, quality: int) -> tuple[bytes, str]:
    """A copy of the print master for screens: sRGB, downscaled, metadata stripped."""
    with Image.open(photo.path) as source:
        image = ImageOps.exif_transpose(source)
        icc = source.info.get("icc_profile")
        has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
        if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
            src_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            image = ImageCms.profileToProfile(image, src_profile, ImageCms.createProfile("sRGB"),
                                              outputMode=out_mode)
        elif image.mode == "CMYK":
            image = image.convert("RGB")
        elif image.mode not in ("RGB", "L", "RGBA"):
            image = image.convert("RGBA" if has_alpha else "RGB")
        image.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if photo.format == "PNG" or has_alpha:
            image.save(out, "PNG", optimize=True)
            return out.getvalue(), "png"
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
        return out.getvalue(), "jpg"


def image_name(photo: Photo, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(photo.name).with_suffix("").as_posix()).strip("-")
    return f"images/{stem or 'photo'}.{extension}"


def stylesheet(styles: Styles) -> str:
    parts = []
    for name in ("fonts.css", "base.css", "epub.css"):
        for path in styles.css(name):
            parts.append(f"/* {name} */\n" + path.read_text(encoding="utf-8"))
    return "\n".join(parts)


def used_characters(*texts: str) -> set[str]:
    characters = {chr(c) for c in range(0x20, 0x7F)}
    for text in texts:
        for char in text:
            characters.update((char, char.upper(), char.lower()))
    return characters


def build_epub(publication: Publication, styles: Styles, target: Path, modified: dt.datetime,
               pages: list[PageStart] | None = None) -> EpubReport:
    meta = publication.metadata
    gate = Gate(publication.root, *styles.roots)
    report = EpubReport()
    book = epub.EpubBook()
    book.set_identifier(meta.identifier)
    book.set_title(meta.title)
    book.set_language(meta.language)
    book.add_metadata("DC", "date", meta.date)
    _metadata(book, publication)

    images: dict[str, str] = {}
    for photo in publication.photos:
        gate.admit(photo.path)
        data, extension = screen_image(photo, meta.epub.max_image_px, meta.epub.jpeg_quality)
        name = image_name(photo, extension)
        images[photo.name] = name
        media_type = "image/png" if extension == "png" else "image/jpeg"
        book.add_item(epub.EpubItem(uid=_uid(name), file_name=name, media_type=media_type, content=data))
        with Image.open(io.BytesIO(data)) as derived:
            report.images.append((name, len(data), max(derived.size)))

    renderer = Renderer(publication, styles, "epub", image_src=lambda photo: images[photo.name])
    for article in publication.articles:
        renderer.link_targets[article.id] = f"{article.id}.xhtml"
        for heading in article.headings:
            renderer.link_targets[heading.id] = f"{article.id}.xhtml"

    documents: list[tuple[str, str, str]] = []  # file name, title, xhtml
    common = {"stylesheet": STYLESHEET}
    documents.append(("titlepage.xhtml", meta.title, renderer.render(
        "epub-page.xhtml", title=meta.title, page="titlepage.html", epub_type="frontmatter", **common)))
    for article in publication.articles:
        documents.append((f"{article.id}.xhtml", article.title, renderer.render(
            "epub-page.xhtml", title=article.title, article=article, epub_type="bodymatter", **common)))
    documents.append(("imprint.xhtml", "Imprint", renderer.render(
        "epub-page.xhtml", title="Imprint", page="imprint.html", epub_type="backmatter", **common)))

    css = stylesheet(styles)
    all_text = "".join(xhtml for _, _, xhtml in documents)
    css, fonts = subset_stylesheet(css, styles.default, used_characters(_text_of(all_text), css))
    for font in fonts:
        name = "fonts/" + Path(font.href).name
        css = css.replace(font.href, name)
        book.add_item(epub.EpubItem(uid=_uid(name), file_name=name, media_type="font/ttf"
                                    if name.endswith(".ttf") else "font/otf", content=font.data))
        report.fonts.append((name, len(font.data)))
    book.add_item(epub.EpubItem(uid="style", file_name=STYLESHEET, media_type="text/css", content=css.encode()))

    spine = []
    for file_name, _title, xhtml in documents:
        item = epub.EpubItem(uid=_uid(file_name), file_name=file_name, media_type="application/xhtml+xml",
                             content=xhtml.encode("utf-8"))
        book.add_item(item)
        spine.append(item)
    nav_xhtml = renderer.render("epub-nav.xhtml", pages=pages or [], **common)
    nav = epub.EpubItem(uid="nav", file_name="nav.xhtml", media_type="application/xhtml+xml",
                        content=nav_xhtml.encode("utf-8"))
    nav.properties = ["nav"]
    book.add_item(nav)
    book.toc = [epub.Link(f"{a.id}.xhtml", a.title, _uid(a.id)) for a in publication.articles]
    book.add_item(epub.EpubNcx())
    book.spine = [spine[0], nav, *spine[1:]]

    raw = io.BytesIO()
    epub.write_epub(raw, book, {"mtime": modified, "epub3_pages": False, "spine_direction": False,
                                "package_direction": False})
    target.write_bytes(_normalise(raw.getvalue(), meta.language, modified))
    return report


def _text_of(xhtml: str) -> str:
    return re.sub(r"<[^>]+>", " ", xhtml)


def _uid(name: str) -> str:
    return "id-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def _metadata(book: epub.EpubBook, publication: Publication) -> None:
    meta = publication.metadata
    creators = 0
    for contributor in meta.contributors:
        creators += 1
        uid = f"creator{creators}"
        element = "creator" if contributor.role == "author" else "contributor"
        book.add_metadata("DC", element, contributor.name, {"id": uid})
        book.add_metadata(None, "meta", contributor.marc_code,
                          {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"})
    if meta.subtitle:
        book.add_metadata(None, "meta", meta.subtitle, {"property": "dcterms:alternative"})
    for key, value in (("publisher", meta.publisher), ("rights", meta.rights),
                       ("description", meta.description), ("source", meta.source)):
        if value:
            book.add_metadata("DC", key, value)
    for subject in meta.subjects:
        book.add_metadata("DC", "subject", subject)
    features = ["alternativeText", "structuralNavigation", "tableOfContents", "readingOrder",
                "displayTransformability"]
    for mode in ("textual", "visual") if publication.photos else ("textual",):
        book.add_metadata(None, "meta", mode, {"property": "schema:accessMode"})
    book.add_metadata(None, "meta", "textual", {"property": "schema:accessModeSufficient"})
    for feature in features:
        book.add_metadata(None, "meta", feature, {"property": "schema:accessibilityFeature"})
    book.add_metadata(None, "meta", "none", {"property": "schema:accessibilityHazard"})
    book.add_metadata(None, "meta",
                      "Every photo has a text alternative and a caption; headings, contents and landmarks "
                      "give structure; text can be resized and restyled by the reading system.",
                      {"property": "schema:accessibilitySummary"})


def _normalise(data: bytes, language: str, modified: dt.datetime) -> bytes:
    """Stable zip (fixed order and times, mimetype first, stored) and xml:lang on the package."""
    stamp = modified.timetuple()[:6]
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        names = source.namelist()
        ordered = ["mimetype"] + sorted(n for n in names if n != "mimetype")
        for name in ordered:
            content = source.read(name)
            if name.endswith(".opf"):
                content = _package_lang(content, language)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content, compresslevel=9 if name != "mimetype" else None)
    return out.getvalue()


def _package_lang(opf: bytes, language: str) -> bytes:
    root = etree.fromstring(opf)
    root.set(XML_LANG, language)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
