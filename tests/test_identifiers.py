"""Issue 13: one identifier per edition, the same in its file (XMP, OPF), its imprint, the build record and the deposit.

model/editions.py edition_identifier is the one source; each edition's imprint prints its own ISBN,
hyphenated by the ISBN Agency's ranges, and the publication's ISBN as "(publication)".
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import MINIMAL_TOML, run_publish, write_manuscript
from lxml import etree

from publish.model.editions import hyphenated

EPOCH = {"SOURCE_DATE_EPOCH": "1588291200"}
SLUG = "a-small-feature"
ISBNS = MINIMAL_TOML.replace(
    'date = 2020-05-01\n', 'date = 2020-05-01\nidentifier = "9780306406157"\nedition = "First edition"\n') + """
[print]
isbn = "978-1-56619-909-4"

[epub]
isbn = "9784101010014"
"""


def _pdf_text(path: Path) -> str:
    document = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def _xmp_and_info(path: Path) -> tuple[dict, dict]:
    with pikepdf.open(path) as pdf:
        xmp = pdf.open_metadata()
        return ({key: xmp.get(key) for key in ("dc:identifier", "xmpMM:DocumentID", "dc:title", "pdf:Producer",
                                                "xmp:CreatorTool", "xmp:CreateDate", "xmp:ModifyDate", "pdf:Keywords")},
                {str(key): str(value) for key, value in pdf.docinfo.items()})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("identifiers")
    manuscript = write_manuscript(root / "ms", {"publication.toml": ISBNS},
                                  photos={"photos/harbour.jpg": {"size": (900, 600), "dpi": 72}})
    run = run_publish("deposit", str(manuscript), "-o", str(root / "out"), env=EPOCH)
    assert run.returncode == 0, run.stderr
    return root / "out"


def test_isbns_are_hyphenated_by_the_agencys_ranges() -> None:
    assert hyphenated("9780306406157") == "978-0-306-40615-7"
    assert hyphenated("9781566199094") == "978-1-56619-909-4"
    assert hyphenated("9784101010014") == "978-4-10-101001-4"  # Japan: a two-digit registrant


def test_each_edition_carries_and_prints_its_own_identifier(built: Path) -> None:
    expected = {"pdf": "urn:isbn:9781566199094", "epub": "urn:isbn:9784101010014"}
    record = json.loads((built / f"{SLUG}.build.json").read_text(encoding="utf-8"))
    identifiers = {o["edition"]: o["identifier"] for o in record["outputs"] if "identifier" in o}
    assert {k: identifiers[k] for k in expected} == expected
    archive_id = identifiers["archive"]
    assert archive_id.startswith("urn:uuid:")

    for edition, path in (("pdf", built / f"{SLUG}.pdf"), ("archive", built / f"{SLUG}.archive.pdf")):
        xmp, info = _xmp_and_info(path)
        assert xmp["dc:identifier"] == xmp["xmpMM:DocumentID"] == identifiers[edition]
        # one writer: the Info dictionary says what the XMP says, in the same date form
        assert info["/Title"] == xmp["dc:title"] and info["/Producer"] == xmp["pdf:Producer"]
        assert info["/Creator"] == xmp["xmp:CreatorTool"]
        assert info["/CreationDate"] == "D:20200501000000Z" and xmp["xmp:CreateDate"] == "2020-05-01T00:00:00Z"
        assert info["/ModDate"] == "D:20200501000000Z" and xmp["xmp:ModifyDate"] == xmp["xmp:CreateDate"]
    assert _xmp_and_info(built / f"{SLUG}.pdf")[1]["/GTS_PDFXVersion"] == "PDF/X-4"  # each keeps its claims
    with pikepdf.open(built / f"{SLUG}.archive.pdf") as pdf:
        assert pdf.open_metadata()["pdfaid:part"] == "3" and "/GTS_PDFXVersion" not in pdf.docinfo

    printed = _pdf_text(built / f"{SLUG}.pdf")
    assert "ISBN 978-1-56619-909-4 (print edition)" in printed and "First edition, print edition" in printed
    assert "ISBN 978-0-306-40615-7 (publication)" in printed
    assert "978-4-10-101001-4" not in printed  # another edition's number is not this edition's
    archived = _pdf_text(built / f"{SLUG}.archive.pdf")
    assert archive_id in archived.replace("\r\n", "").replace("\n", "")
    assert "First edition, archival edition" in archived
    assert "ISBN 978-0-306-40615-7 (publication)" in archived

    with zipfile.ZipFile(built / f"{SLUG}.epub") as book:
        opf = etree.fromstring(book.read("EPUB/content.opf"))
        imprint = "".join(book.read(n).decode() for n in book.namelist() if n.endswith("imprint.xhtml"))
    unique = opf.get("unique-identifier")
    assert opf.xpath(f"//*[@id='{unique}']/text()") == [expected["epub"]]
    assert "ISBN 978-4-10-101001-4 (e-book edition)" in imprint and "(publication)" in imprint
    assert "978-1-56619-909-4" not in imprint


def test_the_deposits_records_name_the_same_identifiers(built: Path) -> None:
    record = json.loads((built / f"{SLUG}.build.json").read_text(encoding="utf-8"))
    identifiers = {o["identifier"] for o in record["outputs"] if "identifier" in o}
    metadata = built / f"{SLUG}-deposit" / "metadata"
    dublin_core = (metadata / "dublin-core.xml").read_text(encoding="utf-8")
    assert all(identifier in dublin_core for identifier in identifiers)
    marc = (metadata / "marc.xml").read_text(encoding="utf-8")
    assert "9781566199094" in marc and "9784101010014" in marc
    onix = (metadata / "onix.xml").read_text(encoding="utf-8")
    assert re.search(r"<IDValue>9781566199094</IDValue>", onix) and re.search(r"<IDValue>9784101010014</IDValue>", onix)


def test_without_isbns_the_print_imprint_prints_the_identifier_its_file_carries(bundled) -> None:
    """The bundled feature has no ISBN: its print imprint printed the publication's UUID, its XMP another."""
    xmp, _ = _xmp_and_info(bundled.pdf)
    assert xmp["dc:identifier"] in _pdf_text(bundled.pdf).replace("\r\n", "").replace("\n", "")
