"""The build record: a small JSON file beside the editions: what was made, from what, with which tools.

Every value is read back from the written files (size, checksum, pages, the standard the file itself
claims), so the record describes what is on disk rather than what the build intended.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from lxml import etree

from publish.model.document import Publication
from publish.model.editions import OutputFiles
from publish.runtime.clock import date_source
from publish.runtime.output import write_atomic
from publish.runtime.store import file_hash
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

    def as_dict(self) -> dict[str, object]:
        return {"edition": self.edition, "path": self.path, "size": self.size, "sha256": self.sha256,
                "pages": self.pages, "standard": self.standard}


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


def describe(edition: str, path: Path, output: Path) -> OutputRecord:
    """One output as found on disk."""
    pages: int | None = None
    standard: str | None = None
    if path.suffix == ".pdf":
        pages, standard = pdf_facts(path)
    elif path.suffix == ".epub":
        standard = epub_standard(path)
    return OutputRecord(edition, path.relative_to(output).as_posix(), path.stat().st_size,
                        file_hash(path), pages, standard)


def describe_bag(bag: Path, output: Path) -> OutputRecord:
    """A bag is a folder: its size is the payload's, its checksum that of its SHA-256 tag manifest."""
    payload = sum(p.stat().st_size for p in (bag / "data").rglob("*") if p.is_file())
    return OutputRecord("deposit", bag.relative_to(output).as_posix() + "/", payload,
                        file_hash(bag / "tagmanifest-sha256.txt"), None, "BagIt 1.0 (RFC 8493)")


def write_build_record(output: Path, publication: Publication, when: dt.datetime,
                       outputs: list[OutputRecord]) -> Path:
    """Writes <slug>.build.json; its bytes change only when an output or a tool version changes."""
    meta = publication.metadata
    record = {
        "format": FORMAT,
        "publication": {"title": meta.title, "identifier": meta.identifier, "date": meta.date},
        "build_date": when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "build_date_source": date_source(),
        "outputs": [o.as_dict() for o in sorted(outputs, key=lambda o: o.path)],
        "tools": versions(),
    }
    target = OutputFiles(output, publication.slug).record
    write_atomic(target, (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return target
