"""The build report: one self-contained HTML file beside the editions, to look at rather than read.

It shows a contact sheet of every print page, the findings about the manuscript with the photo each
one concerns, EPUBCheck's verdict when `publish check` ran it, and what the editions weigh. Its markup
and styling live in styles/ (templates/report.html, report.css) like every edition's.
"""

from __future__ import annotations

import base64
import contextlib
import io
import re
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageOps

from publish.manuscript import templates as templating
from publish.manuscript.photos import plain
from publish.model.diagnostics import Diagnostic, Diagnostics, Severity
from publish.model.document import Photo, Publication
from publish.model.editions import OutputFiles
from publish.model.text import human_size
from publish.render.styles import Styles
from publish.runtime.output import write_atomic
from publish.runtime.store import derived_bytes

THUMB_WIDTH = 180  # pixels: a contact sheet, not a proof
PAGES_PER_PROCESS = 48  # below this a process costs more than it saves
PHOTO_WIDTH = 240


def _data_uri(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def page_thumbnails(pdf_path: Path, width: int) -> list[bytes]:
    """Every page of the PDF as a JPEG `width` pixels wide (the trim plus bleed, as printed).

    Kept in the build cache by the PDF's content hash: an e-book build beside an unchanged PDF, or a
    rebuild that wrote the same PDF, does not draw its pages again.
    """
    with zipfile.ZipFile(io.BytesIO(_contact_sheet(pdf_path, width) or b"")) as sheet:
        return [sheet.read(name) for name in sorted(sheet.namelist())]


@derived_bytes("report-contact-sheet")
def _contact_sheet(pdf_path: Path, width: int) -> bytes:
    """The thumbnails in one uncompressed zip, drawn from a proxy of the PDF, in several processes for a book.

    pdfium decodes every photo at full size, 20–30 ms for a print photo: drawn from a copy whose
    JPEG photos are cut down to thumbnail size first (decoded at 1/8 scale), a 400-page book's
    contact sheet takes a second instead of several.
    """
    from publish.runtime.jobs import default_jobs, parallel_map

    with tempfile.TemporaryDirectory(prefix="publish-report-") as scratch:
        proxy = Path(scratch) / "proxy.pdf"
        count = _proxy(pdf_path, proxy, width)
        chunks = max(1, min(default_jobs(), count // PAGES_PER_PROCESS))
        bounds = [count * i // chunks for i in range(chunks + 1)]
        ranges = [(proxy, width, bounds[i], bounds[i + 1]) for i in range(chunks)]
        drawn = parallel_map(_thumbnails, ranges, least=2)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as sheet:
        for number, thumbnail in enumerate((t for chunk in drawn for t in chunk), start=1):
            sheet.writestr(zipfile.ZipInfo(f"{number:05d}.jpg", (1980, 1, 1, 0, 0, 0)), thumbnail)
    return out.getvalue()


def _proxy(pdf_path: Path, target: Path, width: int) -> int:
    """A copy of the PDF whose opaque JPEG photos are small RGB JPEGs, for drawing thumbnails only; its page count."""
    import pikepdf

    with pikepdf.open(pdf_path) as pdf:
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Stream) or obj.get("/Subtype") != pikepdf.Name.Image \
                    or obj.get("/Filter") != pikepdf.Name.DCTDecode or "/SMask" in obj or "/Mask" in obj:
                continue
            try:
                with Image.open(io.BytesIO(obj.read_raw_bytes())) as image:
                    image.draft("RGB", (width, width))
                    small = image.convert("RGB")
                    small.thumbnail((width * 2, width * 2))
                    data = jpeg_bytes(small, 70)
            except (OSError, ValueError):
                continue  # drawn at full size, as in the PDF
            obj.write(data, filter=pikepdf.Name.DCTDecode)
            obj.Width, obj.Height, obj.BitsPerComponent = small.width, small.height, 8
            obj.ColorSpace = pikepdf.Name.DeviceRGB
            for key in ("/Decode", "/DecodeParms"):
                if key in obj:
                    del obj[key]
        pdf.save(target, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return len(pdf.pages)


def _thumbnails(pdf_path: Path, width: int, start: int, stop: int) -> list[bytes]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf_path))
    try:
        out = []
        for index in range(start, stop):
            page = document[index]
            page_width, _ = page.get_size()
            out.append(jpeg_bytes(page.render(scale=width / page_width).to_pil().convert("RGB")))
            page.close()
        return out
    finally:
        document.close()


def jpeg_bytes(image: Image.Image, quality: int = 80) -> bytes:
    """JPEG for thumbnails: a 400-page contact sheet encodes in a fraction of a second (PNG takes ~15 s)."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def photo_thumbnail(photo: Photo, width: int = PHOTO_WIDTH) -> bytes:
    """A small sRGB-ish preview of a print master (CMYK and greyscale included), never altering it."""
    return _preview(photo.path, width) or b""


@derived_bytes("report-photo")  # kept by the photo's content: the next report reuses it
def _preview(path: Path, width: int) -> bytes:
    with Image.open(path) as source:
        source.draft("RGB", (width, width))  # a JPEG decodes at 1/2…1/8 scale: ten times faster
        image = plain(ImageOps.exif_transpose(source))  # a 16-bit grey photo too (manuscript/photos.py)
        image.thumbnail((width, width * 2))
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGBA").convert("RGB") if "A" in image.mode else image.convert("RGB")
        return jpeg_bytes(image)


def photo_of(diagnostic: Diagnostic, publication: Publication, manuscript: Path) -> Photo | None:
    """The photo a finding is about: named in it, its own file, or its entry in a captions file."""
    diags = Diagnostics(manuscript)  # findings show paths as the author gave the manuscript
    for photo in publication.photos:
        shown = diags.display_path(photo.path)
        if diagnostic.path == shown or re.search(rf"(^|[\s'\"/]){re.escape(photo.name)}($|[\s'\":,])",
                                                 diagnostic.message):
            return photo
        captions = diags.display_path(photo.path.parent / "captions.toml")
        if diagnostic.path == captions and photo.line is not None and diagnostic.line == photo.line:
            return photo
    return None


def epub_parts(epub_path: Path) -> list[tuple[str, str]]:
    """What the EPUB's bytes are spent on: photos, fonts, text and the rest, as compressed."""
    totals = {"photos": 0, "fonts": 0, "text and styles": 0, "package": 0}
    with zipfile.ZipFile(epub_path) as archive:
        for info in archive.infolist():
            suffix = Path(info.filename).suffix.lower()
            kind = ("photos" if suffix in (".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg") else
                    "fonts" if suffix in (".ttf", ".otf", ".woff", ".woff2") else
                    "text and styles" if suffix in (".xhtml", ".html", ".css") else "package")
            totals[kind] += info.compress_size
    return [(kind, human_size(size)) for kind, size in totals.items() if size]


def preview_page(styles: Styles, view: str, title: str, status: dict[str, object], **context: object) -> bytes:
    """A page of `publish preview` (templates/preview.html); a template mistake is a ManuscriptError."""
    with templating.diagnosed(styles):
        return templating.environment(styles).get_template("preview.html").render(
            view=view, title=title, status=status, **context).encode("utf-8")


def draw_ahead(pdf_path: Path, photos: Sequence[Photo]) -> None:
    """Draws the contact sheet and the photos' previews into the build's cache, for the report to find.

    Why: in `publish all` the report came last, alone on one core (2 s of a 40-text book, its 400
    pages drawn by pdfium), while the e-book and the archive had been made two at a time. Drawn in
    a process of its own as soon as the print PDF is written (build/pipeline.py), it is done while
    they are; the report then reads the same bytes from the cache (keyed by the PDF's content).
    Drawn in this one process: it runs beside the others. What fails here is left for the report to
    meet and show, as it would without this.
    """
    from publish.runtime.jobs import layout_jobs

    with layout_jobs(1), contextlib.suppress(Exception):
        page_thumbnails(pdf_path, THUMB_WIDTH)
        for photo in photos:
            photo_thumbnail(photo)


def render_report(publication: Publication, styles: Styles, output: Path, manuscript: Path,
                  diagnostics: list[Diagnostic], date: str, preflight: list[str] | None = None,
                  epubcheck: list[Diagnostic] | None = None, skipped: Sequence[str] = ()) -> str:
    """The report's HTML, from the editions of this publication found in `output`.

    `epubcheck`: EPUBCheck's verdict when `publish check` ran it; `skipped`: the checks it could not run.
    """
    editions = OutputFiles(output, publication.slug).existing()
    sheet = []
    unreadable = set()
    if "pdf" in editions:
        try:
            thumbnails = page_thumbnails(editions["pdf"], THUMB_WIDTH)
        except Exception:  # noqa: BLE001 - pdfium's errors: a damaged PDF is shown as such, not fatal
            thumbnails = []
            unreadable.add("pdf")
        for number, thumbnail in enumerate(thumbnails, start=1):
            sheet.append({"number": number, "href": f"{editions['pdf'].name}#page={number}",
                          "src": _data_uri(thumbnail, "image/jpeg")})
    parts = []
    if "epub" in editions:
        try:
            parts = epub_parts(editions["epub"])
        except (zipfile.BadZipFile, OSError):
            unreadable.add("epub")
    rows = [{"edition": "Print (PDF)" if edition == "pdf" else "E-book (EPUB 3)", "file": path.name,
             "size": human_size(path.stat().st_size), "pages": len(sheet) if edition == "pdf" else None,
             "unreadable": edition in unreadable} for edition, path in editions.items()]
    findings = []
    thumbnails: dict[str, str] = {}
    for diagnostic in diagnostics:
        photo = photo_of(diagnostic, publication, manuscript)
        if photo is not None and photo.name not in thumbnails:
            thumbnails[photo.name] = _data_uri(photo_thumbnail(photo), "image/jpeg")
        findings.append({"where": diagnostic.path + (f":{diagnostic.line}" if diagnostic.line else ""),
                         "severity": diagnostic.severity.value, "message": diagnostic.message,
                         "hint": diagnostic.hint, "photo": photo.name if photo else None,
                         "photo_src": thumbnails.get(photo.name) if photo else None})
    photos = []
    for photo in publication.photos:
        if photo.name not in thumbnails:
            thumbnails[photo.name] = _data_uri(photo_thumbnail(photo), "image/jpeg")
        line = next((entry for entry in preflight or [] if entry.startswith(f"{photo.name}: ")), "")
        concerns = [f for f in findings if f["photo"] == photo.name]
        photos.append({"name": photo.name, "src": thumbnails[photo.name],
                       "preflight": line[len(photo.name) + 2:],
                       "size": f"{photo.width_px} × {photo.height_px} px", "mode": photo.mode,
                       "findings": len(concerns),
                       "worst": "error" if any(f["severity"] == "error" for f in concerns)
                       else "warning" if concerns else "ok"})
    verdict = None
    if epubcheck is not None:
        verdict = [{"where": d.path + (f":{d.line}" if d.line else ""), "severity": d.severity.value,
                    "message": d.message} for d in epubcheck]
    css = "\n".join(path.read_text(encoding="utf-8") for path in styles.css("report.css"))
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    with templating.diagnosed(styles):
        return templating.environment(styles).get_template("report.html").render(
            meta=publication.metadata, manuscript=str(manuscript), date=date, editions=rows, sheet=sheet,
            epub_parts=parts, findings=findings, photos=photos, errors=errors,
            warnings=len(diagnostics) - errors, epubcheck=verdict, skipped=list(skipped),
            css=css)


def write_report(publication: Publication, styles: Styles, output: Path, manuscript: Path,
                 diagnostics: list[Diagnostic], date: str, preflight: list[str] | None = None,
                 epubcheck: list[Diagnostic] | None = None, skipped: Sequence[str] = ()) -> Path | None:
    """Writes the report beside the editions (atomically: a reader never sees half a report);
    None when the output folder holds neither a print PDF nor an EPUB of this publication."""
    files = OutputFiles(output, publication.slug)
    if not files.existing():
        return None
    html = render_report(publication, styles, output, manuscript, diagnostics, date, preflight, epubcheck, skipped)
    target = files.report
    write_atomic(target, html.encode("utf-8"))
    return target
