"""The archive edition: the print layout as a tagged PDF/A-3 carrying its own sources and its e-book.

WeasyPrint writes the PDF/A-3 file from a layout made by the print edition's own machinery
(publish.pdf.lay_out: same templates, styles and pagination, but the photos' own sRGB colours);
pikepdf then adds what WeasyPrint leaves out: complete XMP, clean associated files, no image
interpolation, the view cropped to the trim, and level A and PDF/UA-1 claims only when the
structure checks below hold on the written file.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from weasyprint import Attachment

from publish.editions.archive.structure import tag_book
from publish.editions.archive.tagtree import repair_structure
from publish.editions.deterministic import (
    Claims,
    Description,
    pdf_date,
    save_deterministic,
    stable_image_names,
    write_description,
    zip_bytes,
)
from publish.editions.print.layout import PrintLayout, join_parts, lay_out
from publish.editions.print.pdfx import page_labels
from publish.editions.print.preflight import ARCHIVE
from publish.engine.actualtext import actual_text
from publish.model.diagnostics import Diagnostics
from publish.model.document import Metadata, Publication
from publish.model.editions import edition_identifier
from publish.render.styles import Styles
from publish.runtime.folders import list_folder


@dataclass(frozen=True)
class ArchiveReport:
    """What the archival file claims, and why a stronger claim was not made."""

    part: int
    conformance: str  # "A" (accessible) or "U" (Unicode)
    pdfua: bool
    withheld: tuple[str, ...]  # reasons a claim was not made, for the author
    attachments: tuple[str, ...]

    @property
    def standard(self) -> str:
        claim = f"PDF/A-{self.part}{self.conformance.lower()}"
        return claim + (" + PDF/UA-1" if self.pdfua else "")


def archive_identifier(meta: Metadata) -> str:
    """The archival file's own identifier, derived from the publication's so rebuilds keep it."""
    return edition_identifier(meta, "archive")


def manuscript_sources(publication: Publication, exclude: tuple[Path, ...] = ()) -> list[tuple[str, Path]]:
    """Every file of the manuscript folder (its own styles included), by relative path, in sorted order.

    The same list the build cache keys on (runtime/folders.py): tools' folders and publish's own
    output folders are left out, and a symlink pointing out of the manuscript is never followed.
    """
    listing = list_folder(publication.root, skip=exclude)
    return list(zip(listing.files, listing.paths(), strict=True))


def source_zip(publication: Publication, when: dt.datetime, exclude: tuple[Path, ...] = ()) -> bytes:
    """The manuscript as one zip, the same bytes wherever the folder lies and whenever it is built."""
    folder = publication.slug + "-manuscript"
    return zip_bytes(((f"{folder}/{name}", path.read_bytes())
                      for name, path in manuscript_sources(publication, exclude)), when)


def lay_out_archive(publication: Publication, styles: Styles, created: str,
                    diags: Diagnostics) -> PrintLayout:
    """The print layout without print's CMYK conversions: PDF/A shows photos in sRGB."""
    return lay_out(publication, styles, created, diags, standard=ARCHIVE, pdf_options=tuple(PDF_OPTIONS.items()))


# How the archive's pages are written (each text's part, or the whole book): tagged PDF/A-3 in sRGB.
PDF_OPTIONS: dict[str, object] = {"pdf_variant": "pdf/a-3a", "pdf_tags": True, "output_intent": "srgb"}


@dataclass(frozen=True)
class Attached:
    """A file carried inside the archive (PDF/A-3 associated file)."""

    name: str
    data: bytes
    mime_type: str
    relationship: str  # Source, Alternative…
    description: str


def write_archive(layout: PrintLayout, publication: Publication, target: Path, when: dt.datetime,
                  epub: Path, exclude: tuple[Path, ...] = (),
                  epub_ready: Callable[[], None] | None = None) -> ArchiveReport:
    """Writes the archival PDF/A-3 file from the print layout, the EPUB and the manuscript sources.

    `epub_ready` waits for the EPUB file: `publish all` writes it in a process of its own meanwhile
    (build/pipeline.py), so a book's archive reads it only when it attaches it, just before saving.
    """
    meta = publication.metadata
    slug = publication.slug
    sources = source_zip(publication, when, exclude)
    names = (f"{slug}-manuscript.zip", epub.name)

    def attachments() -> list[Attached]:
        if epub_ready is not None:
            epub_ready()
        return [
            Attached(names[0], sources, "application/zip", "Source",
                     "The manuscript this file was built from (Markdown, metadata, photos)"),
            Attached(names[1], epub.read_bytes(), "application/epub+zip", "Alternative",
                     "The same publication as an EPUB 3 e-book"),
        ]

    opened: list[pikepdf.Pdf] = []
    attach: Callable[[pikepdf.Pdf], None] | None = None
    try:
        if layout.parts is not None:  # the texts' tagged PDFs, joined with their structure trees
            pdf, opened = join_parts(layout.parts, tagged=True)  # type: ignore[assignment]
            date = pdf_date(when)

            def attach(pdf: pikepdf.Pdf) -> None:
                for attachment in attachments():
                    pdf.attachments[attachment.name] = pikepdf.AttachedFileSpec(
                        pdf, attachment.data, description=attachment.description, filename=attachment.name,
                        mime_type=attachment.mime_type, creation_date=date, mod_date=date,
                        relationship=pikepdf.Name("/" + attachment.relationship))
                    # Both are zips, whose photos are stored as the compressed files they are: deflating
                    # the zip again gains nothing, and qpdf's save deflates every unfiltered stream (0.9 s
                    # for the 35 MB of a 40-text book's photos). Flate of stored blocks is taken as it is.
                    stream = pdf.attachments[attachment.name].obj.EF.F
                    stream.write(zlib.compress(attachment.data, 0), filter=pikepdf.Name.FlateDecode)
        else:
            files = attachments()
            with actual_text():  # complex scripts (Khmer) extract as written: PDF/A-3a wants real Unicode
                raw = layout.document.write_pdf(  # type: ignore[attr-defined]
                    **PDF_OPTIONS,  # tagged; the level finally claimed is measured below
                    pdf_identifier=uuid.uuid5(uuid.NAMESPACE_URL, meta.identifier).hex.encode(),
                    attachments=[Attachment(string=a.data, name=a.name, created=when, modified=when,
                                            description=a.description, relationship=a.relationship)
                                 for a in files],
                    attachment_relationships=[a.relationship for a in files],
                )
            pdf = pikepdf.open(io.BytesIO(raw))
        front_matter = layout.settings.front_matter_pages if layout.settings is not None else 0
        return _finish_archive(pdf, publication, target, when, names, front_matter, layout.html, attach)
    finally:
        for part in opened:
            part.close()
        layout.close()


def _finish_archive(pdf: pikepdf.Pdf, publication: Publication, target: Path, when: dt.datetime,
                    names: tuple[str, ...], front_matter: int, html: str = "",
                    attach: Callable[[pikepdf.Pdf], None] | None = None) -> ArchiveReport:
    """PDF/A and PDF/UA details, the claims the file can support, and the deterministic save.

    `attach` adds the attached files, last: no step before it reads them, and the EPUB may still be
    being written until then. The saved bytes do not depend on when an object was made (qpdf
    numbers the objects as it writes them).
    """
    meta = publication.metadata
    with pdf:
        if html:
            tag_book(pdf, publication, html)  # parts, chapters, foreword… as elements of their kind
        page_labels(pdf, front_matter)  # the print edition's page numbers: a citation finds its page
        stable_image_names(pdf)
        _no_interpolation(pdf)
        _crop_to_trim(pdf)
        _link_descriptions(pdf)
        repair_structure(pdf)  # list bodies, one Link element per link (editions/archive/tagtree.py)
        pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        pdf.Root.Lang = pikepdf.String(meta.language)
        a_gaps = level_a_gaps(pdf)
        ua_gaps = a_gaps + pdfua_gaps(pdf)
        conformance = "U" if a_gaps else "A"
        if attach is not None:
            attach(pdf)
        _associated_files(pdf)
        write_description(pdf, Description.of(publication, "archive", when), archive_claims(conformance, not ua_gaps))
        save_deterministic(pdf, target)
    return ArchiveReport(3, conformance, not ua_gaps, tuple(dict.fromkeys(ua_gaps)), names)


def _no_interpolation(pdf: pikepdf.Pdf) -> None:
    """PDF/A forbids /Interpolate true, which WeasyPrint sets under the default image-rendering."""
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image \
                and "/Interpolate" in obj:
            del obj.Interpolate


def _associated_files(pdf: pikepdf.Pdf) -> None:
    """One /AF entry per embedded file (WeasyPrint lists each twice), each with /UF and /Desc."""
    names = pdf.Root.Names.EmbeddedFiles.Names
    specs = [names[i + 1] for i in range(0, len(names), 2)]
    for spec in specs:
        if "/UF" not in spec:
            spec.UF = spec.F
        if "/Desc" not in spec:
            spec.Desc = spec.F
    pdf.Root.AF = pikepdf.Array(specs)


def _crop_to_trim(pdf: pikepdf.Pdf) -> None:
    """Readers of the archive see the page as printed and trimmed, not the bleed around it."""
    for page in pdf.pages:
        if "/TrimBox" in page.obj:
            page.obj.CropBox = page.obj.TrimBox


def _link_descriptions(pdf: pikepdf.Pdf) -> None:
    """PDF/UA wants every link annotation described in words (/Contents)."""
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            if annot.get("/Subtype") != pikepdf.Name.Link or "/Contents" in annot:
                continue
            action = annot.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            annot.Contents = pikepdf.String(f"Link to {uri}" if uri else "Link within this document")


def _struct_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return []
    found: list[pikepdf.Dictionary] = []
    stack = [root]
    while stack:  # depth first, in reading order: the heading-level check depends on it
        node = stack.pop()
        if node is not root:
            found.append(node)
        kids = node.get("/K")
        children = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        stack.extend(child for child in reversed(children)
                     if isinstance(child, pikepdf.Dictionary) and "/S" in child)
    return found


_SHOWS = {"Tj", "TJ", "'", '"', "Do", "sh", "BI"}


def _untagged_content(pdf: pikepdf.Pdf) -> int:
    """Painting operators outside any marked-content sequence: content a screen reader would skip."""
    untagged = 0
    for page in pdf.pages:
        depth = 0
        for _operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op in ("BDC", "BMC"):
                depth += 1
            elif op == "EMC":
                depth = max(0, depth - 1)
            elif op in _SHOWS and depth == 0:
                untagged += 1
    return untagged


def level_a_gaps(pdf: pikepdf.Pdf) -> list[str]:
    """Why the file cannot claim PDF/A level A: it must be tagged, every figure described, all text
    in the structure (Unicode mapping and language WeasyPrint always writes). Empty when all hold."""
    gaps: list[str] = []
    if "/StructTreeRoot" not in pdf.Root or pdf.Root.get("/MarkInfo", {}).get("/Marked") is not True:
        gaps.append("the file is not tagged")
    if "/Lang" not in pdf.Root:
        gaps.append("the file declares no language")
    for element in _struct_elements(pdf):
        if str(element.S) == "/Figure" and not str(element.get("/Alt", "")).strip():
            gaps.append("a figure in the structure tree has no /Alt text")
            break
    untagged = _untagged_content(pdf)
    if untagged:
        gaps.append(f"{untagged} painting operations lie outside the structure (neither tagged nor artifact)")
    return gaps


def pdfua_gaps(pdf: pikepdf.Pdf) -> list[str]:
    """The PDF/UA-1 requirements beyond level A this build can check without a validator."""
    gaps: list[str] = []
    elements = _struct_elements(pdf)
    if not str(pdf.open_metadata().get("dc:title", "") or pdf.docinfo.get("/Title", "")).strip():
        gaps.append("the file has no title")
    if pdf.Root.get("/ViewerPreferences", {}).get("/DisplayDocTitle") is not True:
        gaps.append("viewers are not told to show the title (DisplayDocTitle)")
    for page in pdf.pages:
        if any(a.get("/Subtype") == pikepdf.Name.Link and "/Contents" not in a
               for a in page.obj.get("/Annots", [])):
            gaps.append("a link has no description (/Contents)")
            break
    levels = [int(str(e.S)[2:]) for e in elements if str(e.S)[:2] == "/H" and str(e.S)[2:].isdigit()]
    for before, after in zip([0, *levels], levels, strict=False):
        if after > before + 1:
            gaps.append(f"heading levels skip from H{before} to H{after}")
            break
    return gaps


def archive_claims(conformance: str, pdfua: bool) -> Claims:
    """What the archival file claims in its XMP: PDF/A-3 at the level its checks allow, PDF/UA-1 when they hold.

    pdfuaid is not one of PDF/A's predefined schemas, so the file describes it (an extension schema).
    """
    xmp = [("pdfaid", "part", "3"), ("pdfaid", "conformance", conformance)]
    if not pdfua:
        return Claims(xmp=tuple(xmp))
    return Claims(xmp=(*xmp, ("pdfuaid", "part", "1")), schemas=(
        ("pdfuaid", "PDF/UA Universal Accessibility Schema",
         (("part", "Integer", "Indicates which part of ISO 14289 the file conforms to"),)),))
