"""The build record: a small JSON file beside the editions: what was made, from what, with which tools.

Every value is read back from the written files (size, checksum, pages, the standard the file itself
claims), so the record describes what is on disk rather than what the build intended.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from lxml import etree

from publish.model.document import Publication
from publish.model.editions import OutputFiles
from publish.render.styles import DEFAULT_STYLES
from publish.runtime.clock import date_source
from publish.runtime.folders import list_folder
from publish.runtime.output import write_atomic
from publish.runtime.store import code_digest, file_hash
from publish.runtime.toolchain import versions

FORMAT = "publish-build-record/1"


@dataclass(frozen=True)
class OutputRecord:
    edition: str
    path: str  # relative to the output folder
    size: int
    sha256: str
    pages: int | None
    standard: str | None
    identifier: str | None = None  # the edition's own (model/editions.py), as its file and records carry it

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"edition": self.edition, "path": self.path, "size": self.size,
                                    "sha256": self.sha256, "pages": self.pages, "standard": self.standard}
        if self.identifier:
            found["identifier"] = self.identifier
        return found


def pdf_facts(path: Path) -> tuple[int, str]:
    """Page count and the standards the PDF claims in its XMP (PDF/A, PDF/UA, PDF/X), else its version."""
    with pikepdf.open(path) as pdf:
        claims: list[str] = []
        meta = pdf.open_metadata()
        part = meta.get("pdfaid:part")
        if part:
            claims.append(f"PDF/A-{part}{str(meta.get('pdfaid:conformance', '')).lower()}")
        ua = meta.get("pdfuaid:part")
        if ua:
            claims.append(f"PDF/UA-{ua}")
        pdfx = meta.get("pdfxid:GTS_PDFXVersion") or meta.get("pdfx:GTS_PDFXVersion")
        if pdfx:
            claims.append(str(pdfx))
        if not claims and "/GTS_PDFXVersion" in pdf.docinfo:
            claims.append(str(pdf.docinfo.GTS_PDFXVersion))
        return len(pdf.pages), " + ".join(claims) or f"PDF {pdf.pdf_version}"


def epub_standard(path: Path) -> str:
    """The EPUB version its package document declares, with any conformance it claims (dcterms:conformsTo)."""
    with zipfile.ZipFile(path) as archive:
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        rootfile = container.find(".//{*}rootfile")
        opf = etree.fromstring(archive.read(rootfile.get("full-path") if rootfile is not None else ""))
    claims = [f"EPUB {opf.get('version', '?')}"]
    for meta in opf.iter("{*}meta"):
        if meta.get("property") == "dcterms:conformsTo" and meta.text:
            claims.append(meta.text.strip())
    for link in opf.iter("{*}link"):
        if link.get("rel") == "dcterms:conformsTo" and link.get("href"):
            claims.append(link.get("href", ""))
    return " + ".join(claims)


def describe(edition: str, path: Path, output: Path, identifier: str | None = None) -> OutputRecord:
    """One output as found on disk."""
    pages: int | None = None
    standard: str | None = None
    if path.suffix == ".pdf":
        pages, standard = pdf_facts(path)
    elif path.suffix == ".epub":
        standard = epub_standard(path)
    return OutputRecord(edition, path.relative_to(output).as_posix(), path.stat().st_size,
                        file_hash(path), pages, standard, identifier)


def describe_bag(bag: Path, output: Path) -> OutputRecord:
    """A bag is a folder: its size is the payload's, its checksum that of its SHA-256 tag manifest."""
    payload = sum(p.stat().st_size for p in (bag / "data").rglob("*") if p.is_file())
    return OutputRecord("deposit", bag.relative_to(output).as_posix() + "/", payload,
                        file_hash(bag / "tagmanifest-sha256.txt"), None, "BagIt 1.0 (RFC 8493)")


def build_record(publication: Publication, when: dt.datetime, outputs: list[OutputRecord],
                 options: dict[str, object] | None = None) -> bytes:
    """The record as JSON: everything `publish reproduce` needs besides the sources (build/reproduce.py).

    The date and what it came from, the options that shape the editions, every output's checksum and
    identifier, and the toolchain: the versions of everything that shapes the bytes, and digests of
    publish's own code and default styles (its version number alone does not change with every edit).
    """
    meta = publication.metadata
    record = {
        "format": FORMAT,
        "publication": {"title": meta.title, "identifier": meta.identifier, "date": meta.date,
                        "slug": publication.slug},
        "build_date": when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "build_date_source": date_source(),
        "options": {key: value for key, value in sorted((options or {}).items()) if value is not None},
        "outputs": [o.as_dict() for o in sorted(outputs, key=lambda o: o.path)],
        "tools": versions(),
        "publish_code": {"python": code_digest(), "styles": styles_digest()},
    }
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def styles_digest() -> str:
    """The default styles' files (templates, CSS, fonts, profiles), as one digest."""
    listing = list_folder(DEFAULT_STYLES)
    digest = hashlib.sha256()
    for name, path in zip(listing.files, listing.paths(), strict=True):
        digest.update(f"{name} {file_hash(path)}\n".encode())
    return digest.hexdigest()


def write_build_record(output: Path, publication: Publication, when: dt.datetime,
                       outputs: list[OutputRecord], options: dict[str, object] | None = None) -> Path:
    """Writes <slug>.build.json; its bytes change only when an output or a tool version changes."""
    target = OutputFiles(output, publication.slug).record
    write_atomic(target, build_record(publication, when, outputs, options))
    return target
