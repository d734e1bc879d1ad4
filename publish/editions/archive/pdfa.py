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
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from lxml import etree
from weasyprint import Attachment

from publish import __version__
from publish.editions.archive.structure import tag_book
from publish.editions.archive.tagtree import repair_structure
from publish.editions.deterministic import save_deterministic, stable_image_names, zip_bytes
from publish.editions.print.layout import PrintLayout, join_parts, lay_out
from publish.editions.print.pdfx import page_labels
from publish.editions.print.preflight import ARCHIVE
from publish.engine.actualtext import actual_text
from publish.model import credits
from publish.model.diagnostics import Diagnostics
from publish.model.document import Metadata, Publication
from publish.model.editions import edition_identifier
from publish.render.styles import Styles
from publish.runtime.folders import list_folder

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


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
                  epub: Path, exclude: tuple[Path, ...] = ()) -> ArchiveReport:
    """Writes the archival PDF/A-3 file from the print layout, the EPUB and the manuscript sources."""
    meta = publication.metadata
    slug = publication.slug
    sources = source_zip(publication, when, exclude)
    attachments = [
        Attached(f"{slug}-manuscript.zip", sources, "application/zip", "Source",
                 "The manuscript this file was built from (Markdown, metadata, photos)"),
        Attached(epub.name, epub.read_bytes(), "application/epub+zip", "Alternative",
                 "The same publication as an EPUB 3 e-book"),
    ]
    opened: list[pikepdf.Pdf] = []
    try:
        if layout.parts is not None:  # the texts' tagged PDFs, joined with their structure trees
            pdf, opened = join_parts(layout.parts, tagged=True)  # type: ignore[assignment]
            date = when.strftime("D:%Y%m%d%H%M%SZ")
            for attachment in attachments:
                pdf.attachments[attachment.name] = pikepdf.AttachedFileSpec(
                    pdf, attachment.data, description=attachment.description, filename=attachment.name,
                    mime_type=attachment.mime_type, creation_date=date, mod_date=date,
                    relationship=pikepdf.Name("/" + attachment.relationship))
        else:
            with actual_text():  # complex scripts (Khmer) extract as written: PDF/A-3a wants real Unicode
                raw = layout.document.write_pdf(  # type: ignore[attr-defined]
                    **PDF_OPTIONS,  # tagged; the level finally claimed is measured below
                    pdf_identifier=uuid.uuid5(uuid.NAMESPACE_URL, meta.identifier).hex.encode(),
                    attachments=[Attachment(string=a.data, name=a.name, created=when, modified=when,
                                            description=a.description, relationship=a.relationship)
                                 for a in attachments],
                    attachment_relationships=[a.relationship for a in attachments],
                )
            pdf = pikepdf.open(io.BytesIO(raw))
        front_matter = layout.settings.front_matter_pages if layout.settings is not None else 0
        return _finish_archive(pdf, publication, target, when, attachments, front_matter, layout.html)
    finally:
        for part in opened:
            part.close()
        layout.close()


def _finish_archive(pdf: pikepdf.Pdf, publication: Publication, target: Path, when: dt.datetime,
                    attachments: list, front_matter: int, html: str = "") -> ArchiveReport:
    """PDF/A and PDF/UA details, the claims the file can support, and the deterministic save."""
    meta = publication.metadata
    with pdf:
        if html:
            tag_book(pdf, publication, html)  # parts, chapters, foreword… as elements of their kind
        page_labels(pdf, front_matter)  # the print edition's page numbers: a citation finds its page
        stable_image_names(pdf)
        _no_interpolation(pdf)
        _associated_files(pdf)
        _crop_to_trim(pdf)
        _link_descriptions(pdf)
        repair_structure(pdf)  # list bodies, one Link element per link (editions/archive/tagtree.py)
        pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        pdf.Root.Lang = pikepdf.String(meta.language)
        a_gaps = level_a_gaps(pdf)
        ua_gaps = a_gaps + pdfua_gaps(pdf)
        conformance = "U" if a_gaps else "A"
        producer = str(pdf.docinfo.get("/Producer", "WeasyPrint"))
        xmp = xmp_packet(publication, when, conformance, not ua_gaps, producer)
        pdf.Root.Metadata = pikepdf.Stream(pdf, xmp, Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)
        _document_info(pdf, publication, when, producer)
        save_deterministic(pdf, target)
    return ArchiveReport(3, conformance, not ua_gaps, tuple(dict.fromkeys(ua_gaps)),
                         tuple(a.name for a in attachments))  # type: ignore[misc]


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


def _el(parent: etree._Element, prefix: str, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}")
    if text is not None:
        element.text = text
    return element


def _container(parent: etree._Element, prefix: str, name: str, kind: str, values: list[str],
               lang: bool = False) -> None:
    if not values:
        return
    holder = _el(_el(parent, prefix, name), "rdf", kind)
    for value in values:
        item = _el(holder, "rdf", "li", value)
        if lang:
            item.set(XML_LANG, "x-default")


def xmp_date(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pdf_date(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%SZ")


def _author_line(publication: Publication) -> list[str]:
    """dc:creator: the authors, or the editors of an anthology (model/credits.py), or whoever comes first."""
    meta = publication.metadata
    return list(credits.creators(publication)[0]) or [c.name for c in meta.contributors[:1]]


def xmp_packet(publication: Publication, when: dt.datetime, conformance: str, pdfua: bool,
               producer: str) -> bytes:
    """Complete XMP: PDF/A (and PDF/UA) identification and the Dublin Core a catalogue reads."""
    meta = publication.metadata
    root = etree.Element(f"{{{NS['x']}}}xmpmeta", nsmap={"x": NS["x"]})
    rdf = _el(root, "rdf", "RDF")
    desc = etree.SubElement(rdf, f"{{{NS['rdf']}}}Description", nsmap={
        k: v for k, v in NS.items() if k not in ("x", "rdf")})
    desc.set(f"{{{NS['rdf']}}}about", "")
    _el(desc, "pdfaid", "part", "3")
    _el(desc, "pdfaid", "conformance", conformance)
    if pdfua:
        _el(desc, "pdfuaid", "part", "1")
    title = meta.title + (f": {meta.subtitle}" if meta.subtitle else "")
    _container(desc, "dc", "title", "Alt", [title], lang=True)
    _container(desc, "dc", "creator", "Seq", _author_line(publication))
    others = [p.name for p in credits.people(publication) if p.name not in _author_line(publication)]
    _container(desc, "dc", "contributor", "Bag", others)
    _container(desc, "dc", "description", "Alt", [meta.description] if meta.description else [], lang=True)
    _container(desc, "dc", "rights", "Alt", [meta.rights] if meta.rights else [], lang=True)
    _container(desc, "dc", "publisher", "Bag", [meta.publisher] if meta.publisher else [])
    _container(desc, "dc", "subject", "Bag", list(meta.subjects))
    _container(desc, "dc", "language", "Bag", [meta.language])
    _container(desc, "dc", "date", "Seq", [meta.date])
    _el(desc, "dc", "identifier", archive_identifier(meta))
    _el(desc, "dc", "format", "application/pdf")
    _el(desc, "dc", "source", meta.identifier)
    _el(desc, "xmp", "CreatorTool", f"publish {__version__}")
    _el(desc, "xmp", "CreateDate", xmp_date(when))
    _el(desc, "xmp", "ModifyDate", xmp_date(when))
    _el(desc, "xmp", "MetadataDate", xmp_date(when))
    _el(desc, "pdf", "Producer", producer)
    if meta.subjects:
        _el(desc, "pdf", "Keywords", ", ".join(meta.subjects))
    _el(desc, "xmpMM", "DocumentID", archive_identifier(meta).replace("urn:uuid:", "uuid:"))
    instance = uuid.uuid5(uuid.NAMESPACE_URL, f"{archive_identifier(meta)}@{xmp_date(when)}")
    _el(desc, "xmpMM", "InstanceID", f"uuid:{instance}")
    if pdfua:
        _pdfua_extension_schema(desc)
    body = etree.tostring(root, encoding="utf-8")
    return (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' + body
            + b"\n" + b" " * 512 + b'\n<?xpacket end="r"?>')


def _pdfua_extension_schema(desc: etree._Element) -> None:
    """PDF/A admits properties outside its predefined schemas only when the file describes them."""
    bag = _el(_el(desc, "pdfaExtension", "schemas"), "rdf", "Bag")
    schema = _el(bag, "rdf", "li")
    schema.set(f"{{{NS['rdf']}}}parseType", "Resource")
    _el(schema, "pdfaSchema", "schema", "PDF/UA Universal Accessibility Schema")
    _el(schema, "pdfaSchema", "namespaceURI", NS["pdfuaid"])
    _el(schema, "pdfaSchema", "prefix", "pdfuaid")
    prop = _el(_el(_el(schema, "pdfaSchema", "property"), "rdf", "Seq"), "rdf", "li")
    prop.set(f"{{{NS['rdf']}}}parseType", "Resource")
    _el(prop, "pdfaProperty", "name", "part")
    _el(prop, "pdfaProperty", "valueType", "Integer")
    _el(prop, "pdfaProperty", "category", "internal")
    _el(prop, "pdfaProperty", "description", "Indicates which part of ISO 14289 the file conforms to")


def _document_info(pdf: pikepdf.Pdf, publication: Publication, when: dt.datetime, producer: str) -> None:
    """The Info dictionary, kept equal to the XMP as PDF/A requires (Author only when it maps one to one)."""
    meta = publication.metadata
    info = pikepdf.Dictionary()
    info.Title = pikepdf.String(meta.title + (f": {meta.subtitle}" if meta.subtitle else ""))
    authors = _author_line(publication)
    if len(authors) == 1:
        info.Author = pikepdf.String(authors[0])
    if meta.description:
        info.Subject = pikepdf.String(meta.description)
    if meta.subjects:
        info.Keywords = pikepdf.String(", ".join(meta.subjects))
    info.Creator = pikepdf.String(f"publish {__version__}")
    info.Producer = pikepdf.String(producer)
    info.CreationDate = pikepdf.String(pdf_date(when))
    info.ModDate = pikepdf.String(pdf_date(when))
    pdf.trailer.Info = pdf.make_indirect(info)
