"""Issue 6: the archival PDF/A-3, the BagIt deposit, catalogue records, reproducible builds, build record."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import bagit
import pikepdf
import pytest
from click.testing import CliRunner
from conftest import BundledBuild, make_photo, run_publish, write_manuscript
from lxml import etree

from publish.cli.main import main
from publish.editions.archive.bibliographic import dublin_core, marcxml, onix
from publish.editions.archive.pdfa import level_a_gaps, manuscript_sources, pdfua_gaps
from publish.manuscript.loader import load
from publish.model.editions import make_edition

pytestmark = pytest.mark.slow  # builds archive editions and bags (veraPDF checks each)

EPOCH = "1700000000"  # 2023-11-14T22:13:20Z
SLUG = "a-small-feature"
TOML = """\
title = "A Small Feature"
subtitle = "Boats at dawn"
language = "en"
date = 2020-05-01
identifier = "urn:uuid:0b5a3c52-8d0e-4b43-9a47-1f2d3c4b5a69"
publisher = "Harbour Press"
rights = "© 2020 Harbour Press"
description = "A short feature about a harbour."
subjects = ["Harbours", "Fishing"]

[print]
isbn = "978-0-306-40615-7"

[epub]
isbn = "978-1-56619-909-4"

[[contributors]]
name = "Ada Writer"
role = "author"

[[contributors]]
name = "Test Photographer"
role = "photographer"
"""


@dataclass(frozen=True)
class Deposit:
    output: Path
    twin: Path  # the same manuscript, copied to another folder, built later into another output
    manuscript: Path

    @property
    def bag(self) -> Path:
        return self.output / f"{SLUG}-deposit"

    @property
    def archive(self) -> Path:
        return self.output / f"{SLUG}.archive.pdf"


@pytest.fixture(scope="module")
def deposit(tmp_path_factory: pytest.TempPathFactory) -> Deposit:
    """`publish deposit` run twice on one manuscript copied to two folders, at two different times."""
    first = write_manuscript(tmp_path_factory.mktemp("site-a") / "manuscript", {"publication.toml": TOML})
    (first / ".DS_Store").write_bytes(b"finder junk")  # hidden files stay out of the deposit
    second = tmp_path_factory.mktemp("elsewhere") / "deep" / "copy"
    shutil.copytree(first, second)
    outputs = []
    for manuscript in (first, second):
        output = manuscript.parent / "out"
        run = run_publish("deposit", str(manuscript), "-o", str(output), env={"SOURCE_DATE_EPOCH": EPOCH})
        assert run.returncode == 0, run.stderr
        assert "archive claims: PDF/A-3a + PDF/UA-1" in run.stdout
        outputs.append(output)
    return Deposit(outputs[0], outputs[1], first)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# Reproducible builds ----------------------------------------------------------------------------------


def test_two_folders_two_times_give_the_same_bytes(deposit: Deposit) -> None:
    first, second = files_of(deposit.output), files_of(deposit.twin)
    editions = [f"{SLUG}.pdf", f"{SLUG}.epub", f"{SLUG}.archive.pdf", f"{SLUG}.build.json"]
    bag = [name for name in first if name.startswith(f"{SLUG}-deposit/")]
    assert all(name in first for name in editions)
    assert len(bag) > 10
    for name in editions + bag:
        assert name in second, f"{name} missing from the second build"
        assert first[name] == second[name], f"{name} differs between the two builds"


def test_the_date_comes_from_the_manuscript_without_source_date_epoch(bundled: BundledBuild) -> None:
    """The one check on the bundled build: its record, read against the files and the manuscript."""
    record = json.loads((bundled.output / "ties-that-bind.build.json").read_text(encoding="utf-8"))
    assert record["build_date"] == "2018-01-01T00:00:00Z"  # publication.toml says date = "2018"
    assert record["build_date_source"] == "publication date"
    by_edition = {o["edition"]: o for o in record["outputs"]}
    assert set(by_edition) >= {"pdf", "epub"}
    with pikepdf.open(bundled.pdf) as pdf:
        assert by_edition["pdf"]["pages"] == len(pdf.pages)
        assert pdf.open_metadata().get("xmp:CreateDate", "").startswith("2018-01-01")
    import hashlib

    for output in record["outputs"]:
        path = bundled.output / output["path"]
        assert output["size"] == path.stat().st_size
        assert output["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_book_from_before_1980_builds_dated_by_its_publication(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """No SOURCE_DATE_EPOCH: the date is the manuscript's own, even one zip files cannot hold."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    manuscript = write_manuscript(tmp_path / "ms", {"publication.toml": TOML.replace("date = 2020-05-01",
                                                                                      'date = "1953-11"')})
    run = run_publish("archive", str(manuscript), "-o", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    with pikepdf.open(tmp_path / "out" / f"{SLUG}.archive.pdf") as pdf:
        meta = pdf.open_metadata()
        assert meta["xmp:CreateDate"] == "1953-11-01T00:00:00Z"
        assert meta["dc:date"] == ["1953-11"]
        assert str(pdf.docinfo.CreationDate) == "D:19531101000000Z"
        sources = next(s for s in pdf.Root.AF if str(s.AFRelationship) == "/Source")
        with zipfile.ZipFile(io.BytesIO(sources.EF.F.read_bytes())) as archive:
            assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    record = json.loads((tmp_path / "out" / f"{SLUG}.build.json").read_text(encoding="utf-8"))
    assert record["build_date"] == "1953-11-01T00:00:00Z"
    assert record["build_date_source"] == "publication date"


# Build record -----------------------------------------------------------------------------------------


def test_build_record_describes_every_output_and_the_tools(deposit: Deposit) -> None:
    import hashlib

    record = json.loads((deposit.output / f"{SLUG}.build.json").read_text(encoding="utf-8"))
    assert record["build_date"] == "2023-11-14T22:13:20Z"
    assert record["build_date_source"] == "SOURCE_DATE_EPOCH"
    outputs = {o["edition"]: o for o in record["outputs"]}
    assert set(outputs) == {"pdf", "epub", "archive", "deposit"}
    for edition in ("pdf", "epub", "archive"):
        path = deposit.output / outputs[edition]["path"]
        assert not Path(outputs[edition]["path"]).is_absolute()
        assert outputs[edition]["size"] == path.stat().st_size
        assert outputs[edition]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    with pikepdf.open(deposit.archive) as pdf:
        assert outputs["archive"]["pages"] == len(pdf.pages)
    assert outputs["archive"]["standard"] == "PDF/A-3a + PDF/UA-1"
    assert outputs["pdf"]["standard"].startswith("PDF/X")
    assert outputs["epub"]["standard"].startswith("EPUB 3")
    assert outputs["deposit"]["standard"] == "BagIt 1.0 (RFC 8493)"
    for tool in ("python", "publish", "weasyprint", "pikepdf", "qpdf", "ebooklib", "bagit"):
        assert record["tools"][tool]


# The archival PDF -------------------------------------------------------------------------------------


def test_archive_identifies_as_pdfa3a_with_dublin_core(deposit: Deposit) -> None:
    with pikepdf.open(deposit.archive) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3"
        assert meta["pdfaid:conformance"] == "A"
        assert meta["pdfuaid:part"] == "1"
        assert meta["dc:title"] == "A Small Feature: Boats at dawn"
        assert meta["dc:creator"] == ["Ada Writer"]
        assert meta["dc:language"] == {"en"}
        assert meta["dc:date"] == ["2020-05-01"]
        assert meta["dc:rights"] == "© 2020 Harbour Press"
        assert meta["dc:identifier"].startswith("urn:uuid:")
        assert meta["xmp:CreateDate"] == "2023-11-14T22:13:20Z"
        # PDF/A: the Info dictionary says what the XMP says
        assert str(pdf.docinfo.Title) == meta["dc:title"]
        assert str(pdf.docinfo.Author) == "Ada Writer"
        assert str(pdf.docinfo.Producer) == meta["pdf:Producer"]
        assert "/Filter" not in pdf.Root.Metadata  # left readable for tools that do not inflate
        assert len(pdf.trailer.ID) == 2


def test_archive_is_tagged_with_output_intent_and_language(deposit: Deposit) -> None:
    with pikepdf.open(deposit.archive) as pdf:
        intents = pdf.Root.OutputIntents
        assert [str(i.S) for i in intents] == ["/GTS_PDFA1"]
        assert "/DestOutputProfile" in intents[0]
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert level_a_gaps(pdf) == [] and pdfua_gaps(pdf) == []
        kinds = [str(e.S) for e in _walk(pdf.Root.StructTreeRoot)]
        assert {"/H1", "/P", "/Figure", "/Caption"} <= set(kinds)
        assert kinds.index("/H1") < kinds.index("/Figure")  # reading order: the headline, then the photo
        figure = next(e for e in _walk(pdf.Root.StructTreeRoot) if str(e.S) == "/Figure")
        assert str(figure.Alt) == "Three fishing boats moored in a calm harbour."
        for page in pdf.pages:  # readers see the trimmed page, not the bleed
            assert list(page.CropBox) == list(page.TrimBox)


def _fonts(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    fonts = []
    for page in pdf.pages:
        for font in page.Resources.get("/Font", {}).values():
            fonts.extend(font.DescendantFonts if "/DescendantFonts" in font else [font])
    return fonts


def test_archive_embeds_every_font_and_interpolates_no_image(deposit: Deposit) -> None:
    with pikepdf.open(deposit.archive) as pdf:
        fonts = _fonts(pdf)
        assert fonts
        for font in fonts:
            descriptor = font.FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont
        images = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]
        assert images
        assert all(o.get("/Interpolate") is not True for o in images)


def test_archive_carries_its_sources_and_its_ebook(deposit: Deposit) -> None:
    with pikepdf.open(deposit.archive) as pdf:
        specs = {str(spec.UF): spec for spec in pdf.Root.AF}
        assert len(pdf.Root.AF) == len(specs) == 2  # each associated file listed once
        assert {name: str(spec.AFRelationship) for name, spec in specs.items()} == {
            f"{SLUG}-manuscript.zip": "/Source", f"{SLUG}.epub": "/Alternative"}
        epub = specs[f"{SLUG}.epub"].EF.F.read_bytes()
        assert epub == (deposit.output / f"{SLUG}.epub").read_bytes()
        sources = zipfile.ZipFile(io.BytesIO(specs[f"{SLUG}-manuscript.zip"].EF.F.read_bytes()))
        names = sources.namelist()
        assert names == sorted(names)
        assert f"{SLUG}-manuscript/publication.toml" in names
        assert not any(".DS_Store" in n for n in names)
        toml = sources.read(f"{SLUG}-manuscript/publication.toml")
        assert toml == (deposit.manuscript / "publication.toml").read_bytes()
        assert sources.read(f"{SLUG}-manuscript/photos/harbour.jpg") == \
            (deposit.manuscript / "photos/harbour.jpg").read_bytes()
        for spec in specs.values():
            assert str(spec.EF.F.Params.ModDate) == "D:20231114221320Z"


@pytest.mark.slow  # builds all three editions of a book
def test_a_books_archive_carries_its_files_whole_and_its_photos_stored_not_deflated_again(tmp_path: Path) -> None:
    """A book's archive attaches its files after the join (editions/archive/pdfa.py): each reads back
    byte for byte with the size and MD5 its file specification states; the photos in the sources' zip
    are stored as the compressed files they are, the text deflated; and the attached zips are not
    deflated a second time (their streams hold about their own size)."""
    import hashlib

    from helpers.books import three_texts

    root = three_texts(tmp_path / "book")
    out = tmp_path / "out"
    run = run_publish("all", str(root), "-o", str(out), env={"SOURCE_DATE_EPOCH": "1600000000"})
    assert run.returncode == 0, run.stderr
    with pikepdf.open(out / "three-texts.archive.pdf") as pdf:
        specs = {str(spec.UF): spec for spec in pdf.Root.AF}
        assert set(specs) == {"three-texts-manuscript.zip", "three-texts.epub"}
        for spec in specs.values():
            stream = spec.EF.F
            data = stream.read_bytes()
            assert int(stream.Params.Size) == len(data)
            assert bytes(stream.Params.CheckSum) == hashlib.md5(data).digest()
            assert len(stream.read_raw_bytes()) >= len(data)  # not deflated again: it would gain nothing
        assert specs["three-texts.epub"].EF.F.read_bytes() == (out / "three-texts.epub").read_bytes()
        sources = zipfile.ZipFile(io.BytesIO(specs["three-texts-manuscript.zip"].EF.F.read_bytes()))
    kinds = {Path(info.filename).suffix: info.compress_type for info in sources.infolist()}
    assert kinds[".jpg"] == kinds[".png"] == zipfile.ZIP_STORED
    assert kinds[".md"] == kinds[".toml"] == zipfile.ZIP_DEFLATED
    assert sources.read("three-texts-manuscript/photos/logo.png") == (root / "photos" / "logo.png").read_bytes()


def test_structure_checks_withdraw_claims_a_file_does_not_earn(deposit: Deposit) -> None:
    """Strip a figure's alt text and untag the content: the checks that decide level A and PDF/UA object."""
    with pikepdf.open(deposit.archive) as pdf:
        figures = [e for e in _walk(pdf.Root.StructTreeRoot) if str(e.S) == "/Figure"]
        assert figures
        del figures[0].Alt
        assert "a figure in the structure tree has no /Alt text" in level_a_gaps(pdf)
        page = pdf.pages[0]
        page.Contents = pdf.make_stream(b"BT /F1 12 Tf (untagged) Tj ET")
        assert any("outside the structure" in gap for gap in level_a_gaps(pdf))
        del pdf.Root.ViewerPreferences
        assert any("DisplayDocTitle" in gap for gap in pdfua_gaps(pdf))


def _walk(node: pikepdf.Object) -> list[pikepdf.Object]:
    kids = node.get("/K")
    children = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    found = []
    for child in children:
        if isinstance(child, pikepdf.Dictionary) and "/S" in child:
            found.append(child)
            found.extend(_walk(child))
    return found


def test_publish_archive_alone_writes_the_same_file(deposit: Deposit, tmp_path: Path) -> None:
    """`publish archive` makes its EPUB in a scratch folder; the archive must not depend on that."""
    run = run_publish("archive", str(deposit.manuscript), "-o", str(tmp_path / "out"),
                      env={"SOURCE_DATE_EPOCH": EPOCH})
    assert run.returncode == 0, run.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith("."))
    assert f"{SLUG}.archive.pdf" in written and f"{SLUG}.epub" not in written
    assert (tmp_path / "out" / f"{SLUG}.archive.pdf").read_bytes() == deposit.archive.read_bytes()


def test_a_cmyk_master_is_archived_in_srgb_and_printed_in_cmyk(tmp_path: Path) -> None:
    """PDF/A's output intent is sRGB: the archive shows a CMYK master through an sRGB copy, print keeps CMYK."""
    manuscript = write_manuscript(tmp_path / "ms", photos={"photos/harbour.jpg": {"mode": "CMYK"}})
    master = (manuscript / "photos" / "harbour.jpg").read_bytes()
    run = run_publish("deposit", str(manuscript), "-o", str(tmp_path / "out"), env={"SOURCE_DATE_EPOCH": EPOCH})
    assert run.returncode == 0, run.stderr
    assert (manuscript / "photos" / "harbour.jpg").read_bytes() == master  # the master is never touched

    def image_spaces(path: Path) -> set[str]:
        with pikepdf.open(path) as pdf:
            return {str(obj.get("/ColorSpace")) for obj in pdf.objects
                    if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"}

    archived = image_spaces(tmp_path / "out" / f"{SLUG}.archive.pdf")
    assert archived and not any("CMYK" in space for space in archived), archived
    assert any("CMYK" in space for space in image_spaces(tmp_path / "out" / f"{SLUG}.pdf"))


# The BagIt deposit ------------------------------------------------------------------------------------


def test_the_bag_is_valid_bagit_1_0_for_the_bagit_library(deposit: Deposit) -> None:
    bag = bagit.Bag(str(deposit.bag))
    bag.validate()  # raises on any problem
    assert bag.version_info == (1, 0)
    assert set(bag.algorithms) == {"sha256", "sha512"}
    for name in ("tagmanifest-sha256.txt", "tagmanifest-sha512.txt", "manifest-sha256.txt"):
        assert (deposit.bag / name).is_file()
    payload = set(bag.payload_files())
    assert {f"data/editions/{SLUG}.pdf", f"data/editions/{SLUG}.archive.pdf", f"data/editions/{SLUG}.epub",
            "data/manuscript/publication.toml", "data/manuscript/feature.md",
            "data/manuscript/photos/captions.toml", "data/manuscript/photos/harbour.jpg"} == payload
    tagged = (deposit.bag / "tagmanifest-sha512.txt").read_text(encoding="utf-8")
    for record in ("metadata/dublin-core.xml", "metadata/marc.xml", "metadata/onix.xml", "bag-info.txt"):
        assert record in tagged
    info = bag.info
    assert info["Source-Organization"] == "Harbour Press"
    assert info["External-Identifier"] == "urn:uuid:0b5a3c52-8d0e-4b43-9a47-1f2d3c4b5a69"
    assert "A Small Feature" in info["External-Description"]
    assert info["Bagging-Date"] == "2023-11-14"
    files = [p for p in (deposit.bag / "data").rglob("*") if p.is_file()]
    assert info["Payload-Oxum"] == f"{sum(p.stat().st_size for p in files)}.{len(files)}"
    assert (deposit.bag / f"data/editions/{SLUG}.archive.pdf").read_bytes() == deposit.archive.read_bytes()


def verify(bag: Path) -> tuple[int, str, str]:
    """`publish verify BAG` in this process (it needs no build, so no interpreter start-up per call)."""
    result = CliRunner().invoke(main, ["verify", str(bag)])
    return result.exit_code, result.stdout, result.stderr


def test_verify_names_an_altered_and_a_missing_file(deposit: Deposit, tmp_path: Path) -> None:
    code, out, err = verify(deposit.bag)
    assert code == 0, err
    assert "valid BagIt 1.0 bag" in out

    altered = shutil.copytree(deposit.bag, tmp_path / "altered")
    target = altered / "data" / "manuscript" / "feature.md"
    data = bytearray(target.read_bytes())
    data[10] ^= 0x01  # one bit of one byte
    target.write_bytes(bytes(data))
    assert len(data) == (deposit.bag / "data/manuscript/feature.md").stat().st_size
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(altered)).validate()
    code, _, err = verify(altered)
    assert code == 2
    assert "data/manuscript/feature.md: altered" in err
    assert "harbour.jpg" not in err  # only the file that changed is named

    missing = shutil.copytree(deposit.bag, tmp_path / "missing")
    (missing / "data" / "editions" / f"{SLUG}.epub").unlink()
    code, _, err = verify(missing)
    assert code == 2
    assert f"data/editions/{SLUG}.epub: missing" in err

    code, _, err = verify(tmp_path)
    assert code == 2 and "not a BagIt bag" in err


# Catalogue records ------------------------------------------------------------------------------------

DC_NS = {"dc": "http://purl.org/dc/elements/1.1/"}
MARC_NS = {"m": "http://www.loc.gov/MARC21/slim"}
ONIX_NS = {"o": "http://ns.editeur.org/onix/3.0/reference"}


def test_records_in_the_bag_carry_title_creator_language_date_identifier(deposit: Deposit) -> None:
    records = deposit.bag / "metadata"
    dc = etree.parse(str(records / "dublin-core.xml"))
    assert dc.findtext("dc:title", namespaces=DC_NS) == "A Small Feature: Boats at dawn"
    assert dc.findtext("dc:creator", namespaces=DC_NS) == "Ada Writer"
    assert dc.findtext("dc:language", namespaces=DC_NS) == "en"
    assert dc.findtext("dc:date", namespaces=DC_NS) == "2020-05-01"
    identifiers = [e.text for e in dc.findall("dc:identifier", namespaces=DC_NS)]
    assert "urn:uuid:0b5a3c52-8d0e-4b43-9a47-1f2d3c4b5a69" in identifiers
    assert "urn:isbn:9780306406157" in identifiers  # the print edition's own ISBN

    marc = etree.parse(str(records / "marc.xml"))
    recs = marc.findall("m:record", namespaces=MARC_NS)
    assert len(recs) == 3  # one per edition

    def sub(record: etree._Element, tag: str, code: str) -> list[str]:
        return record.xpath(f"m:datafield[@tag='{tag}']/m:subfield[@code='{code}']/text()", namespaces=MARC_NS)

    for record in recs:
        assert sub(record, "245", "a") == ["A Small Feature"]
        assert sub(record, "100", "a") == ["Ada Writer"]
        assert sub(record, "041", "a") == ["eng"]
        assert sub(record, "264", "c") == ["2020"]
        control = record.xpath("m:controlfield[@tag='008']/text()", namespaces=MARC_NS)[0]
        assert len(control) == 40 and control[7:11] == "2020" and control[35:38] == "eng"
    assert sub(recs[0], "020", "a") == ["9780306406157"]
    assert sub(recs[1], "020", "a") == ["9781566199094"]
    assert sub(recs[2], "024", "a") == identifiers[-1:]  # the archival file's derived identifier

    onix_doc = etree.parse(str(records / "onix.xml"))
    products = onix_doc.findall("o:Product", namespaces=ONIX_NS)
    assert len(products) == 3
    ids = [p.findtext("o:ProductIdentifier/o:IDValue", namespaces=ONIX_NS) for p in products]
    assert len(set(ids)) == 3  # each edition its own identifier
    assert ids[:2] == ["9780306406157", "9781566199094"]
    for product in products:
        assert product.findtext(".//o:TitleText", namespaces=ONIX_NS) == "A Small Feature"
        assert product.findtext(".//o:Contributor/o:PersonName", namespaces=ONIX_NS) == "Ada Writer"
        assert product.findtext(".//o:LanguageCode", namespaces=ONIX_NS) == "eng"
        date = product.find(".//o:PublishingDate/o:Date", namespaces=ONIX_NS)
        assert date.text == "20200501" and date.get("dateformat") == "00"
    forms = [p.findtext(".//o:ProductFormDetail", namespaces=ONIX_NS) for p in products]
    assert forms == [None, "E101", "E107"]


def test_each_file_carries_the_identifier_its_records_give(deposit: Deposit) -> None:
    """The ISBNs of [print] and [epub] reach the files themselves, so catalogue and file agree."""
    with pikepdf.open(deposit.output / f"{SLUG}.pdf") as pdf:
        assert pdf.open_metadata()["dc:identifier"] == "urn:isbn:9780306406157"
    with zipfile.ZipFile(deposit.output / f"{SLUG}.epub") as epub:
        opf = next(n for n in epub.namelist() if n.endswith(".opf"))
        package = etree.fromstring(epub.read(opf))
    unique = package.get("unique-identifier")
    assert package.xpath(f"//dc:identifier[@id='{unique}']/text()", namespaces=DC_NS) == \
        ["urn:isbn:9781566199094"]
    dc = etree.parse(str(deposit.bag / "metadata" / "dublin-core.xml"))
    with pikepdf.open(deposit.archive) as pdf:
        archive_id = pdf.open_metadata()["dc:identifier"]
    assert archive_id in [e.text for e in dc.findall("dc:identifier", namespaces=DC_NS)]


def test_manuscript_text_cannot_inject_markup_into_records(tmp_path: Path) -> None:
    title = 'Tides & <b>Harbours</b> "quoted"]]>'
    toml = TOML.replace('title = "A Small Feature"', f"title = '{title}'").replace(
        'name = "Ada Writer"', 'name = "Ada </dc:creator><dc:creator>Mallory"')
    publication, _ = load(write_manuscript(tmp_path / "ms", {"publication.toml": toml}))
    title = title.replace(' "quoted"', " “quoted”")  # set as printed on the title page (the loader's typography)
    meta = publication.metadata
    editions = [make_edition(meta, "print", "x.pdf", 3), make_edition(meta, "epub", "x.epub")]
    when = dt.datetime(2020, 5, 1, tzinfo=dt.UTC)
    dc = etree.fromstring(dublin_core(publication, editions))
    assert dc.findtext("dc:title", namespaces=DC_NS) == f"{title}: Boats at dawn"
    assert [e.text for e in dc.findall("dc:creator", namespaces=DC_NS)] == ["Ada </dc:creator><dc:creator>Mallory"]
    marc = etree.fromstring(marcxml(publication, editions, when))
    assert marc.xpath("//m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces=MARC_NS)[0] == title
    message = etree.fromstring(onix(publication, editions, when))
    assert message.findtext(".//o:TitleText", namespaces=ONIX_NS) == title


def test_sources_leave_out_hidden_files_and_an_output_folder_inside(tmp_path: Path) -> None:
    manuscript = write_manuscript(tmp_path / "ms")
    (manuscript / ".git").mkdir()
    (manuscript / ".git" / "HEAD").write_text("ref", encoding="utf-8")
    (manuscript / "build").mkdir()
    (manuscript / "build" / "old.pdf").write_bytes(b"%PDF")
    make_photo(manuscript / "photos" / "spare.jpg", size=(40, 30))
    outside = tmp_path / "secret.txt"
    outside.write_text("not part of the manuscript", encoding="utf-8")
    (manuscript / "link.txt").symlink_to(outside)
    publication, _ = load(manuscript)
    names = [name for name, _ in manuscript_sources(publication, exclude=(manuscript / "build",))]
    assert names == sorted(names)
    assert "photos/spare.jpg" in names and "publication.toml" in names
    assert not any(n.startswith((".git", "build/")) or n == "link.txt" for n in names)
