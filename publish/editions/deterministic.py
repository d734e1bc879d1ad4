"""Writing PDFs that depend only on the manuscript and the build date: stable names, IDs, profiles, zips,
and one writer of what a PDF says about itself (XMP and Info) for the print and archive editions."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from lxml import etree

from publish import __version__
from publish.model import credits
from publish.model.document import Publication
from publish.model.editions import edition_identifier
from publish.model.typography import catalogue_text
from publish.runtime.toolchain import versions

# WeasyPrint names an image XObject after the md5 of its absolute URL, so the print file would change
# with the folder the manuscript sits in; the name is rewritten from the image's own bytes instead.
_IMAGE_NAME = re.compile(rb"/i[0-9a-f]{32}[0-9a-z]*")


def stable_image_names(pdf: pikepdf.Pdf) -> int:
    """Renames WeasyPrint's path-derived image resource names after the image content; returns how many.

    Pages and form XObjects (transparency groups, patterns) are both visited, resources and content.
    """
    forms = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Form"]
    holders = [page.obj for page in pdf.pages] + forms
    resources = [h.Resources for h in holders if "/Resources" in h and "/XObject" in h.Resources]
    renames: dict[bytes, bytes] = {}
    for res in resources:
        for name, xobject in res.XObject.items():
            if _IMAGE_NAME.fullmatch(name.encode()) and name.encode() not in renames:
                digest = hashlib.md5(xobject.read_raw_bytes(), usedforsecurity=False).hexdigest()
                renames[name.encode()] = b"/i" + digest.encode() + name.encode()[34:]
    renames = {old: new for old, new in renames.items() if old != new}
    if not renames:
        return 0
    for res in _unique(resources):
        xobjects = res.XObject
        for old, new in renames.items():
            if old.decode() in xobjects:
                xobjects[new.decode()] = xobjects[old.decode()]
                del xobjects[old.decode()]
    pattern = re.compile(b"|".join(re.escape(old) for old in renames) + rb"(?![0-9A-Za-z])")
    streams: list[pikepdf.Object] = list(forms)
    for page in pdf.pages:
        contents = page.obj.get("/Contents")
        streams.extend(contents if isinstance(contents, pikepdf.Array) else [contents] if contents else [])
    for stream in _unique(streams):
        data = stream.read_bytes()
        fixed = pattern.sub(lambda m: renames[m.group(0)], data)
        if fixed != data:
            stream.write(fixed)
    return len(renames)


def _unique(objects: Iterable[pikepdf.Object]) -> list[pikepdf.Object]:
    """Each indirect object once (pages share resource dictionaries), direct ones as they come."""
    seen: set[tuple[int, int]] = set()
    unique = []
    for obj in objects:
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        unique.append(obj)
    return unique


def save_deterministic(pdf: pikepdf.Pdf, target: Path | io.BytesIO) -> None:
    """qpdf's save with an /ID computed from the content, not from the clock."""
    pdf.save(target, deterministic_id=True, fix_metadata_version=False,
             object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)


def srgb_profile() -> bytes:
    """Little CMS's sRGB profile with its creation date fixed: lcms stamps the clock into the header."""
    from PIL import ImageCms

    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    if not any(data[84:100]):  # no profile ID (an MD5 over the header) that a new date would falsify
        data[24:36] = bytes.fromhex("07d0" "0001" "0001" "0000" "0000" "0000")  # 2000-01-01 00:00:00
    return bytes(data)


# Files whose own format is compressed: deflating them again saved 2 % of a book's 35 MB of photos and
# took 0.9 s of the archive's serial work, so they are stored as they are (an EPUB's images too).
COMPRESSED_ALREADY = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".woff", ".woff2", ".zip", ".epub", ".gz")


def zip_bytes(members: Iterable[tuple[str, bytes]], when: dt.datetime, stored_first: str = "") -> bytes:
    """A zip whose bytes depend on its members only: sorted names, one timestamp, fixed permissions.

    `stored_first`: a member that must come first, uncompressed (an EPUB's mimetype, OCF 4.3). Members in a
    compressed format of their own are stored (COMPRESSED_ALREADY), the rest deflated.
    """
    stamp = max(when.timetuple()[:6], (1980, 1, 1, 0, 0, 0))  # zip has no earlier dates (a 1953 book)
    found = dict(members)
    names = ([stored_first] if stored_first in found else []) + sorted(n for n in found if n != stored_first)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name == stored_first or name.lower().endswith(COMPRESSED_ALREADY):
                info.compress_type = zipfile.ZIP_STORED
                archive.writestr(info, found[name])
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, found[name], compresslevel=9)
    return out.getvalue()


# What a PDF says about itself ---------------------------------------------------------------------

XMP_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfx": "http://ns.adobe.com/pdfx/1.3/",
    "pdfxid": "http://www.npes.org/pdfx/ns/id/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class Description:
    """What an edition's PDF says about itself, once; written to its XMP and its Info dictionary alike.

    Why one writer: PDF/X and PDF/A validators both require the Info dictionary and the XMP to agree,
    and a catalogue reads the identifier from the XMP: the print and archive files say it the same way.
    """

    title: str
    authors: tuple[str, ...]  # dc:creator, in order; Info /Author only when there is one (it must equal it)
    contributors: tuple[str, ...]
    description: str
    subjects: tuple[str, ...]
    rights: str
    publisher: str
    language: str
    date: str  # the publication's date (dc:date)
    identifier: str  # the edition's own (model/editions.py): dc:identifier and xmpMM:DocumentID
    source: str  # the publication's identifier, when the edition has another (dc:source)
    created: dt.datetime

    @classmethod
    def of(cls, publication: Publication, edition: str, created: dt.datetime) -> Description:
        """dc:creator: the publication's authors, or the editors of an anthology (model/credits.py)."""
        meta = publication.metadata
        authors = tuple(credits.creators(publication)[0]) or tuple(c.name for c in meta.contributors[:1])
        own = edition_identifier(meta, edition)
        title = catalogue_text(meta.title + (f": {meta.subtitle}" if meta.subtitle else ""))  # no word joiner
        return cls(title=title, authors=authors,
                   contributors=tuple(dict.fromkeys(p.name for p in credits.people(publication)
                                                    if p.name not in authors)),
                   description=catalogue_text(meta.description), subjects=meta.subjects, rights=meta.rights,
                   publisher=meta.publisher, language=meta.language, date=meta.date, identifier=own,
                   source=meta.identifier if own != meta.identifier else "", created=created)


@dataclass(frozen=True)
class Claims:
    """What a standard adds to the description: identification in the XMP and keys in the Info dictionary.

    `xmp` holds (prefix, property, value), `info` (key, value); `schemas` describes properties outside
    PDF/A's predefined schemas (prefix, schema name, [(property, value type, description)]).
    """

    xmp: tuple[tuple[str, str, str], ...] = ()
    info: tuple[tuple[str, object], ...] = ()
    schemas: tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...] = ()


def pdf_date(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%SZ")


def xmp_date(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def producer() -> str:
    return f"publish {__version__} (WeasyPrint {versions().get('weasyprint', '?')}, pikepdf {pikepdf.__version__})"


def write_description(pdf: pikepdf.Pdf, description: Description, claims: Claims) -> None:
    """Sets the PDF's XMP packet and Info dictionary from one description and the standard's claims."""
    pdf.Root.Metadata = pikepdf.Stream(pdf, xmp_packet(description, claims), Type=pikepdf.Name.Metadata,
                                       Subtype=pikepdf.Name.XML)
    pdf.trailer.Info = pdf.make_indirect(_info(description, claims))


def _info(d: Description, claims: Claims) -> pikepdf.Dictionary:
    info = pikepdf.Dictionary(Title=pikepdf.String(d.title))
    if len(d.authors) == 1:
        info.Author = pikepdf.String(d.authors[0])
    if d.description:
        info.Subject = pikepdf.String(d.description)
    if d.subjects:
        info.Keywords = pikepdf.String(", ".join(d.subjects))
    info.Creator = pikepdf.String(f"publish {__version__}")
    info.Producer = pikepdf.String(producer())
    info.CreationDate = pikepdf.String(pdf_date(d.created))
    info.ModDate = pikepdf.String(pdf_date(d.created))
    for key, value in claims.info:
        info[key] = value
    return info


def xmp_packet(d: Description, claims: Claims) -> bytes:
    """The XMP: the claims' identification first, then Dublin Core, XMP basic, media management, PDF."""
    root = etree.Element(f"{{{XMP_NS['x']}}}xmpmeta", nsmap={"x": XMP_NS["x"]})
    rdf = _el(root, "rdf", "RDF")
    used = {"dc", "xmp", "xmpMM", "pdf"} | {prefix for prefix, _, _ in claims.xmp}
    if claims.schemas:
        used |= {"pdfaExtension", "pdfaSchema", "pdfaProperty"}
    desc = etree.SubElement(rdf, f"{{{XMP_NS['rdf']}}}Description",
                            nsmap={k: v for k, v in XMP_NS.items() if k in used})
    desc.set(f"{{{XMP_NS['rdf']}}}about", "")
    for prefix, name, value in claims.xmp:
        _el(desc, prefix, name, value)
    _container(desc, "title", "Alt", [d.title], lang=True)
    _container(desc, "creator", "Seq", list(d.authors))
    _container(desc, "contributor", "Bag", list(d.contributors))
    _container(desc, "description", "Alt", [d.description] if d.description else [], lang=True)
    _container(desc, "rights", "Alt", [d.rights] if d.rights else [], lang=True)
    _container(desc, "publisher", "Bag", [d.publisher] if d.publisher else [])
    _container(desc, "subject", "Bag", list(d.subjects))
    _container(desc, "language", "Bag", [d.language])
    _container(desc, "date", "Seq", [d.date])
    _el(desc, "dc", "identifier", d.identifier)
    _el(desc, "dc", "format", "application/pdf")
    if d.source:
        _el(desc, "dc", "source", d.source)
    _el(desc, "xmp", "CreatorTool", f"publish {__version__}")
    for name in ("CreateDate", "ModifyDate", "MetadataDate"):
        _el(desc, "xmp", name, xmp_date(d.created))
    _el(desc, "xmpMM", "DocumentID", d.identifier)
    instance = uuid.uuid5(uuid.NAMESPACE_URL, f"{d.identifier}@{xmp_date(d.created)}")
    _el(desc, "xmpMM", "InstanceID", f"uuid:{instance}")
    _el(desc, "pdf", "Producer", producer())
    if d.subjects:
        _el(desc, "pdf", "Keywords", ", ".join(d.subjects))
    if claims.schemas:
        _extension_schemas(desc, claims.schemas)
    body = etree.tostring(root, encoding="utf-8")
    return (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' + body
            + b"\n" + b" " * 512 + b'\n<?xpacket end="w"?>')


def _el(parent: etree._Element, prefix: str, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{XMP_NS[prefix]}}}{name}")
    if text is not None:
        element.text = text
    return element


def _container(parent: etree._Element, name: str, kind: str, values: list[str], lang: bool = False) -> None:
    if not values:
        return
    holder = _el(_el(parent, "dc", name), "rdf", kind)
    for value in values:
        item = _el(holder, "rdf", "li", value)
        if lang:
            item.set(_XML_LANG, "x-default")


def _extension_schemas(desc: etree._Element, schemas: tuple) -> None:
    """PDF/A admits properties outside its predefined schemas only when the file describes them."""
    bag = _el(_el(desc, "pdfaExtension", "schemas"), "rdf", "Bag")
    for prefix, title, properties in schemas:
        schema = _el(bag, "rdf", "li")
        schema.set(f"{{{XMP_NS['rdf']}}}parseType", "Resource")
        _el(schema, "pdfaSchema", "schema", title)
        _el(schema, "pdfaSchema", "namespaceURI", XMP_NS[prefix])
        _el(schema, "pdfaSchema", "prefix", prefix)
        sequence = _el(_el(schema, "pdfaSchema", "property"), "rdf", "Seq")
        for name, value_type, description in properties:
            prop = _el(sequence, "rdf", "li")
            prop.set(f"{{{XMP_NS['rdf']}}}parseType", "Resource")
            _el(prop, "pdfaProperty", "name", name)
            _el(prop, "pdfaProperty", "valueType", value_type)
            _el(prop, "pdfaProperty", "category", "internal")
            _el(prop, "pdfaProperty", "description", description)
