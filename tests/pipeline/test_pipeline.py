"""The pipeline end to end (issue 2): loader and model units, error reporting, both editions built."""

from __future__ import annotations

import contextlib
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from conftest import (
    BUNDLED,
    MINIMAL_TOML,
    REPO,
    BundledBuild,
    epubcheck_messages,
    render_pages,
    run_publish,
    write_manuscript,
)
from lxml import etree

from publish import __version__
from publish.cli.main import main
from publish.manuscript.loader import load
from publish.manuscript.markdown import read_markdown
from publish.manuscript.schema import identifier, isbn_checksum_ok, trim
from publish.manuscript.tomlfile import parse
from publish.model.diagnostics import ManuscriptError
from publish.model.document import Aside, Element, Figure, NoteRef

FIXTURES = REPO / "tests" / "fixtures"
OPF_NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


def pdf_text(path: Path) -> str:
    """The PDF's text as a reader would copy it: lines joined, soft hyphens at line ends undone."""
    import re

    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        raw = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    raw = re.sub(r"[\u2010\u00ad]\r?\n", "", raw)  # hyphens the layout added
    raw = re.sub(r"-\r?\n", "-", raw)  # real hyphens that fell at a line end
    return re.sub(r"\s+", " ", raw)


# Units: TOML locations, schema checks, Markdown reading -----------------------------------


def test_toml_keys_remember_their_lines() -> None:
    doc = parse('title = "T"\n\n[[contributors]]\nname = "A"\n\n[[contributors]]\nname = "B"\n'
                '[print]\ntrim = "A5"\n["photo.jpg"]\nalt = "x"\n')
    assert doc.line_of(("title",)) == 1
    assert doc.line_of(("contributors", 1, "name")) == 7
    assert doc.line_of(("print", "trim")) == 9
    assert doc.line_of(("photo.jpg", "alt")) == 11
    assert doc.line_of(("print", "missing")) == 8  # falls back to the table's header


def test_a_value_over_several_lines_does_not_move_the_keys_after_it() -> None:
    """A nested array on its own line (no trailing comma) is part of the value, not a [table] header."""
    doc = parse('title = "T"\ntexts = [\n  ["a.md", "b.md"]\n]\nlanguage = "en"\n'
                'note = """\n[not a table]\nx = 1\n"""\ndate = 2020  # ]\n[print]\ntrim = "A5"\n'
                'marks = [ "]" , \'a]\' ,\n  { a = 1 },\n]\nbleed = 3\n')
    assert doc.line_of(("language",)) == 5
    assert doc.line_of(("date",)) == 10
    assert doc.line_of(("print", "trim")) == 12
    assert doc.line_of(("print", "bleed")) == 16
    assert ("not a table",) not in doc.lines and ("x",) not in doc.lines


@pytest.mark.parametrize("isbn, ok", [
    ("9781566199094", True), ("9781566199095", False), ("0306406152", True), ("0306406153", False),
    ("080442957X", True),
])
def test_isbn_checksums(isbn: str, ok: bool) -> None:
    assert isbn_checksum_ok(isbn) is ok


def test_identifier_normalises_isbn_and_accepts_urns() -> None:
    assert identifier("978-1-56619-909-4") == "urn:isbn:9781566199094"
    assert identifier("urn:uuid:12345678-1234-5678-1234-567812345678").startswith("urn:uuid:")
    with pytest.raises(ValueError, match="wrong check digit"):
        identifier("978-1-56619-909-5")


def test_trim_presets_and_custom_sizes() -> None:
    assert trim("A5")[1:] == (148, 210)
    assert trim("7x10 in")[1:] == pytest.approx((177.8, 254.0))
    with pytest.raises(ValueError):
        trim("A17")


def test_markdown_reads_notes_pullquotes_spans_and_lines() -> None:
    source = ('Intro "quoted" text.[^n]\n\n::: pullquote\n"Words."\n\n— Someone\n:::\n\n'
              'A [つばさ橋]{lang=ja} bridge.\n\n[^n]: The note.\n')
    parsed = read_markdown(source, "t", "en", line_offset=10)
    first, aside, third = parsed.blocks
    assert isinstance(first, Element) and first.line == 11
    assert any(isinstance(c, NoteRef) for c in first.children)
    assert "“quoted”" in first.children[0].text  # type: ignore[union-attr]
    assert isinstance(aside, Aside) and aside.kind == "pullquote"
    assert dict(aside.children[-1].attrs)["class"] == "attribution"  # type: ignore[union-attr]
    span = third.children[1]  # type: ignore[union-attr]
    assert span.tag == "span" and span.attrs == (("lang", "ja"),)
    assert parsed.footnotes[0].number == 1 and not parsed.problems


def test_markdown_refuses_raw_html_and_unsafe_links_with_lines() -> None:
    parsed = read_markdown("Fine.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n", "t", "en")
    messages = [(p.line, p.message) for p in parsed.problems]
    assert (3, "raw HTML is not allowed: <script>alert(1)</script>") in messages
    # javascript: links are refused with a diagnostic (not silently left as text), and never become a link.
    assert (5, "links with 'javascript:' are not allowed") in messages
    last = parsed.blocks[-1]
    assert [getattr(c, "tag", None) for c in last.children] == ["span"]  # type: ignore[union-attr]
    parsed = read_markdown("[x](ftp://example.org/file)\n", "t", "en")
    assert [(p.line, p.message) for p in parsed.problems] == [(1, "links with 'ftp:' are not allowed")]


# The loader on the bundled manuscript and on fixtures ------------------------------------


def test_bundled_manuscript_loads_into_the_model() -> None:
    publication, diags = load(BUNDLED)
    assert not diags.items
    meta = publication.metadata
    assert meta.title == "Ties that bind" and meta.language == "en" and meta.publisher == "Phnom Penh Post"
    assert meta.authors == ("David Hutt",) and meta.names("photographer") == ("Heng Chivoan",)
    (article,) = publication.articles
    assert article.byline == "by David Hutt"
    assert isinstance(article.lead, Figure)
    photo = article.lead.photo
    assert photo.credit == "Heng Chivoan" and photo.caption.startswith("Motorists travel across")
    assert photo.alt.startswith("Stand-in image") and photo.width_px >= 3000 and photo.dpi == 300
    assert any(isinstance(b, Aside) and b.kind == "pullquote" for b in article.blocks)
    assert photo.stand_in  # a drawn stand-in for Heng Chivoan's photograph (NOTES.md)
    assert publication.credits == ()
    assert publication.stand_in_credits == (("Heng Chivoan", ("photos/tsubasa-bridge.jpg",)),)


def test_texts_follow_file_names_when_not_declared(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "ms", {
        "feature.md": None,
        "photos/captions.toml": None,
        "02-second.md": "# Second\n\nText two.\n",
        "01-first.md": "# First\n\nText one.\n\n## A part\n\n#### A deep part\n",
    }, photos={"photos/harbour.jpg": None})
    publication, _ = load(root)
    assert [a.title for a in publication.articles] == ["First", "Second"]
    assert [h.level for h in publication.articles[0].headings] == [2, 3]  # no gap in the outline


def test_every_error_of_a_manuscript_is_reported_at_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURES / "errors-all", "errors-all")
    output = Path("output")
    output.mkdir()
    (output / "errors-all.pdf").write_bytes(b"previous edition")
    result = CliRunner().invoke(main, ["all", "errors-all", "-o", "output"])
    assert (output / "errors-all.pdf").read_bytes() == b"previous edition"
    assert sorted(p.name for p in output.iterdir() if not p.name.startswith(".")) == ["errors-all.pdf"]
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if ": error: " in line]
    assert lines == [
        "errors-all/feature.md:7:5: error: photo: file 'photos/missing.jpg' does not exist",
        "errors-all/photos/captions.toml:1:1: error: photo 'photos/no-alt.jpg' has no alt text",
        "errors-all/photos/captions.toml:5:1: error: caption for 'unused.jpg', but no text uses that photo",
        "errors-all/publication.toml: error: missing required key 'date'",  # missing: no line of its own
        # (no "missing required key 'title'": the mistyped 'tittle' says it)
        "errors-all/publication.toml:2:1: error: unknown key 'tittle'",
        "errors-all/publication.toml:11:1: error: unknown key 'print.colour'",
    ]
    assert "hint: did you mean 'title'?" in result.output
    assert "Traceback" not in result.output


def test_loader_raises_with_all_diagnostics(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "ms", {"publication.toml": 'title = "X"\nlanguage = "en"\n'
                                              'date = "2019-13"\nidentifier = "978-1-56619-909-5"\n'})
    with pytest.raises(ManuscriptError) as raised:
        load(root)
    found = {(d.line, d.message.split(":")[0]) for d in raised.value.diagnostics}
    assert (3, "date") in found and (4, "identifier") in found


# The CLI ----------------------------------------------------------------------------------


def test_cli_version_and_help() -> None:
    runner = CliRunner()
    assert __version__ in runner.invoke(main, ["--version"]).output
    for command in ("pdf", "epub", "all"):
        result = runner.invoke(main, [command, "--help"])
        assert result.exit_code == 0 and "MANUSCRIPT" in result.output


def test_cli_usage_error_exits_2() -> None:
    result = CliRunner().invoke(main, ["pdf", "--no-such-option"])
    assert result.exit_code == 2


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_small_manuscript_builds_both_editions(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "ms")
    run = run_publish("all", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    assert str(tmp_path / "out" / "a-small-feature.pdf") in run.stdout
    assert str(tmp_path / "out" / "a-small-feature.epub") in run.stdout
    assert "Traceback" not in run.stderr


# The bundled feature, end to end ----------------------------------------------------------


def test_bundled_pdf_carries_metadata_fonts_and_the_feature(bundled: BundledBuild) -> None:
    with pikepdf.open(bundled.pdf) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]).startswith("Ties that bind")
        assert str(info["/Author"]) == "David Hutt"
        assert str(pdf.Root.Lang) == "en"
        fonts = {}
        for page in pdf.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                fonts[str(font.get("/BaseFont"))] = font
        assert fonts, "no fonts found"
        for base, font in fonts.items():
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font.DescendantFonts[0].FontDescriptor
            assert descriptor is not None, base
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f"{base} not embedded"
        assert any("NotoSerif" in base.replace("-", "") for base in fonts)
    text = pdf_text(bundled.pdf)
    for expected in ("Ties that bind", "David Hutt", "Motorists travel across the 1.73-kilometre",
                     "Heng Chivoan", "combine patient persuasion with sustained pressure",
                     "Phnom Penh Post"):
        assert expected.lower() in text.lower(), expected
    assert "MOST VIEWED" not in text
    pages = render_pages(bundled.pdf, "bundled")
    assert len(pages) >= 3


def test_bundled_epub_is_clean_and_described(bundled: BundledBuild) -> None:
    serious = [m for m in epubcheck_messages(bundled.epub) if not m.startswith(("USAGE", "INFO"))]
    assert serious == []
    with zipfile.ZipFile(bundled.epub) as archive:
        assert archive.namelist()[0] == "mimetype"
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = etree.fromstring(archive.read(opf_path))
        texts = "".join(etree.fromstring(archive.read(name)).xpath("string()")
                        for name in archive.namelist() if name.endswith(".xhtml"))
    metadata = opf.find("opf:metadata", OPF_NS)
    assert metadata.findtext("dc:title", namespaces=OPF_NS) == "Ties that bind"
    assert metadata.findtext("dc:creator", namespaces=OPF_NS) == "David Hutt"
    assert metadata.findtext("dc:language", namespaces=OPF_NS) == "en"
    assert metadata.findtext("dc:identifier", namespaces=OPF_NS).startswith("urn:")
    modified = metadata.xpath("opf:meta[@property='dcterms:modified']/text()", namespaces=OPF_NS)
    assert modified and modified[0].endswith("Z")
    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    for expected in ("Relations between Japan and Cambodia", "by David Hutt", "Heng Chivoan",
                     "Motorists travel across"):
        assert expected in texts


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_editions_do_not_depend_on_the_working_directory(tmp_path: Path, bundled: BundledBuild) -> None:
    """Built from another folder, with a copy of the manuscript, the EPUB is the same bytes."""
    copy = tmp_path / "elsewhere" / "manuscript"
    shutil.copytree(BUNDLED, copy)
    run = run_publish("epub", str(copy), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "ties-that-bind.epub").read_bytes() == bundled.epub.read_bytes()


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_notes_number_from_one_in_each_text_in_both_editions(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "ms", {
        "feature.md": None, "photos/captions.toml": None,
        "publication.toml": MINIMAL_TOML_TWO_TEXTS,
        "a.md": "# One\n\nText one.[^1] More.[^2]\n\n[^1]: First note.\n[^2]: Second note.\n",
        "b.md": "# Two\n\nText two.[^1]\n\n[^1]: Other note.\n",
    }, photos={"photos/harbour.jpg": None})
    run = run_publish("all", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    printed = pdf_text(tmp_path / "out" / "notes.pdf")
    assert "1 Other note." in printed and "3 Other note." not in printed
    with zipfile.ZipFile(tmp_path / "out" / "notes.epub") as archive:
        second = archive.read("EPUB/b.xhtml").decode()
    assert 'id="b-fn1"' in second and ">1</a>" in second


MINIMAL_TOML_TWO_TEXTS = """\
title = "Notes"
language = "en"
date = 2020
texts = ["a.md", "b.md"]

[[contributors]]
name = "Ada Writer"
role = "author"
"""


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_a_long_title_is_cut_to_one_line_for_the_running_heads(tmp_path: Path) -> None:
    long = "The Extraordinarily Long and Winding Title of a Feature About Sixty-Five Years of Relations"
    root = write_manuscript(tmp_path / "ms", {"publication.toml": MINIMAL_TOML.replace("A Small Feature", long)})
    run = run_publish("pdf", str(root), "-o", str(tmp_path / "out"), "--keep-html")
    assert run.returncode == 0, run.stderr
    (html,) = (tmp_path / "out").glob("*.print.html")
    heads = etree.HTML(html.read_bytes()).xpath("//@data-running-head")
    title_page_head = heads[0]  # the publication title, on the title page
    assert len(title_page_head) <= 61 and title_page_head.endswith("…")


@pytest.mark.slow  # builds every edition
def test_publish_all_draws_the_reports_pages_beside_the_editions_not_after_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """build/pipeline.py: in `publish all` the report's contact sheet is drawn by a process of its own
    while the e-book and the archive are made; the report, last, in the build's own process, only
    reads it from the build's cache, and shows every print page."""
    import os

    from publish.build import report

    drawn_by = tmp_path / "drawn-by"
    original = report._thumbnails

    def noted(pdf_path: Path, width: int, start: int, stop: int) -> list[bytes]:
        with drawn_by.open("a", encoding="utf-8") as note:
            note.write(f"{os.getpid()} {stop - start}\n")
        return original(pdf_path, width, start, stop)

    monkeypatch.setattr(report, "_thumbnails", noted)
    root = write_manuscript(tmp_path / "m")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["all", str(root), "-o", str(out), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    calls = [line.split() for line in drawn_by.read_text(encoding="utf-8").splitlines()]
    assert calls and all(pid != str(os.getpid()) for pid, _ in calls)
    with pikepdf.open(out / "a-small-feature.pdf") as pdf:
        pages = len(pdf.pages)
    assert sum(int(count) for _, count in calls) == pages
    assert (out / "a-small-feature.report.html").read_text(encoding="utf-8").count(".pdf#page=") == pages


@pytest.mark.slow  # builds every edition
def test_publish_all_makes_ahead_the_screen_copies_the_e_book_then_asks_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """build/pipeline.py _screens_ahead: what is made in idle time (runtime/jobs.in_idle_time) is the
    e-book's own screen copies, by the same arguments, so the e-book finds them in the build's cache;
    the editions are the same bytes whether anything was made ahead or not."""
    from publish.editions.epub import builder
    from publish.runtime import jobs

    ahead: list[tuple] = []
    asked = tmp_path / "asked"  # the e-book is written in a process of its own

    @contextlib.contextmanager
    def at_once(calls: list) -> Iterator:
        for function, args in calls:  # made before the layout, here, so the e-book must find them all
            ahead.append((function.__name__, args))
            function(*args)
        yield lambda: None

    real_map = builder.parallel_map

    def noted_map(function: Callable, calls: list, least: int = 4) -> list:
        with asked.open("a", encoding="utf-8") as note:
            note.writelines(f"{function.__name__} {args!r}\n" for args in calls)
        return real_map(function, calls, least)

    root = write_manuscript(tmp_path / "m", photos={"photos/ferry.jpg": {}})
    (root / "feature.md").write_text((root / "feature.md").read_text(encoding="utf-8")
                                     + "\n![The ferry.](photos/ferry.jpg)\n", encoding="utf-8")
    captions = root / "photos/captions.toml"
    captions.write_text(captions.read_text(encoding="utf-8")
                        + '\n["ferry.jpg"]\ncaption = "The ferry."\nalt = "A ferry."\ncredit = "A. Photographer"\n',
                        encoding="utf-8")
    plain = CliRunner().invoke(main, ["all", str(root), "-o", str(tmp_path / "plain"), "--jobs", "2"])
    assert plain.exit_code == 0, plain.output
    monkeypatch.setattr(jobs, "in_idle_time", at_once)
    monkeypatch.setattr(builder, "parallel_map", noted_map)
    made = CliRunner().invoke(main, ["all", str(root), "-o", str(tmp_path / "ahead"), "--jobs", "2"])
    assert made.exit_code == 0, made.output
    screens = [call for call in ahead if call[0] == "screen_image"]
    assert len(screens) == 2
    assert [f"{name} {args!r}" for name, args in screens] == asked.read_text(encoding="utf-8").splitlines()
    for edition in ("a-small-feature.pdf", "a-small-feature.epub", "a-small-feature.archive.pdf"):
        assert (tmp_path / "plain" / edition).read_bytes() == (tmp_path / "ahead" / edition).read_bytes()
