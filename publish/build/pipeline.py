"""The pipeline, top to bottom: load the manuscript, lay it out, write the editions asked for."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from publish.build.record import describe, describe_bag, write_build_record
from publish.build.report import result_diagnostics as report_diagnostics
from publish.build.report import write_report
from publish.editions.archive.deposit import write_deposit
from publish.editions.archive.pdfa import ArchiveReport, lay_out_archive, write_archive
from publish.editions.epub.builder import build_epub
from publish.editions.pagemap import PrintPage
from publish.editions.print.layout import geometry_css, lay_out, print_pages, print_pages_for_epub, write_pdf
from publish.manuscript.loader import load
from publish.model.diagnostics import Diagnostic, Diagnostics
from publish.model.document import EDITIONS, Publication
from publish.model.editions import OutputFiles
from publish.render.glyphs import check_glyphs
from publish.render.styles import Styles
from publish.runtime.output import atomic_path, locked
from publish.runtime.progress import stage


@dataclass
class Built:
    edition: str
    path: Path
    size: int
    pages: int | None = None


@dataclass
class BuildResult:
    publication: Publication
    built: list[Built] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    report: Path | None = None  # the HTML report beside the editions (publish/report.py)
    preflight: list[str] = field(default_factory=list)  # one line per photo: ppi, colour, what print did
    archive: ArchiveReport | None = None  # what the archival PDF claims (publish/archive.py)
    deposit: Path | None = None  # the BagIt bag (publish/deposit.py)
    record: Path | None = None  # the JSON build record beside the editions (publish/buildrecord.py)


def build_date(publication: Publication) -> dt.datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the publication date, never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    parts = [int(p) for p in publication.metadata.date.split("-")]
    year, month, day = (parts + [1, 1])[:3]
    return dt.datetime(year, month, day, tzinfo=dt.UTC)


def print_css(publication: Publication, styles: Styles) -> str:
    """The print cascade as one file of @imports, in pdf.stylesheets' order, beside --keep-html's HTML.

    So a designer (or the benchmark's WeasyPrint-alone floor) lays out exactly what publish lays out:
    `weasyprint -s slug.print.css slug.print.html out.pdf`.
    """
    sheets = [p.as_uri() for name in ("fonts.css", "base.css") for p in styles.css(name)]
    sheets.append("data:text/css;charset=utf-8," + quote(geometry_css(publication)))
    sheets += [p.as_uri() for p in styles.css("print.css")]
    return "".join(f'@import url("{sheet}");\n' for sheet in sheets)


def build(manuscript: Path, output: Path, editions: tuple[str, ...] = EDITIONS,
          keep_html: bool = False, standard: str | None = None) -> BuildResult:
    stage("reading the manuscript")
    publication, diags = load(manuscript)
    styles = Styles.for_manuscript(manuscript)
    check_glyphs(publication, styles, diags)  # no tofu: every character has a font, or we stop here
    diags.raise_if_errors()
    result = BuildResult(publication, warnings=diags.warnings)
    when = build_date(publication)
    created = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    files = OutputFiles(output, publication.slug)
    pages: list[PrintPage] = []
    with locked(output):
        if "pdf" in editions:
            stage("laying out the print edition")
            layout = lay_out(publication, styles, created, diags, standard)  # preflight: may refuse
            for url in layout.refused:  # a template or stylesheet reached out; the gate fetched nothing
                diags.error(manuscript / "styles", None, f"the layout asked for '{url}', which was refused",
                            "builds are offline and read only the manuscript folder and styles/")
            diags.raise_if_errors()
            pages = print_pages(layout)  # where each print page begins, for the EPUB's page-list
            result.warnings = diags.warnings
            result.preflight = [report.format() for report in layout.reports.values()]
            if keep_html:
                files.print_html.write_text(layout.html, encoding="utf-8")
                files.print_css.write_text(print_css(publication, styles), encoding="utf-8")
            stage("writing the PDF")
            with atomic_path(files.pdf) as temp:
                write_pdf(layout, publication, temp)
            result.built.append(Built("pdf", files.pdf, files.pdf.stat().st_size, layout.page_count))
        if "epub" in editions:
            if "pdf" not in editions:
                stage("paginating for the EPUB's page list")
                pages = print_pages_for_epub(publication, styles, created, diags)
                result.warnings = diags.warnings
            stage("building the EPUB")
            with atomic_path(files.epub) as temp:
                build_epub(publication, styles, temp, when, pages)
            result.built.append(Built("epub", files.epub, files.epub.stat().st_size))
        if "archive" in editions:  # PDF/A-3 with the sources and the EPUB inside
            own = Diagnostics(diags.root)  # print's layout may have said the same already: say it once
            try:
                layout = lay_out_archive(publication, styles, created, own)
            finally:
                diags.items.extend(d for d in own.items if d not in diags.items)
            page_count = layout.page_count
            with tempfile.TemporaryDirectory(prefix="publish-archive-") as scratch:
                epub_file = files.epub
                if "epub" not in editions:  # an archive-only build: the e-book it carries is made for it
                    epub_file = Path(scratch) / files.epub.name
                    build_epub(publication, styles, epub_file, when, pages or print_pages(layout))
                with atomic_path(files.archive) as temp:
                    result.archive = write_archive(layout, publication, temp, when, epub_file, exclude=(output,))
            result.warnings = diags.warnings
            result.built.append(Built("archive", files.archive, files.archive.stat().st_size, page_count))
        if "deposit" in editions:  # the library's BagIt bag of every edition built above
            result.deposit = write_deposit(output, publication,
                                           [(b.edition, b.path, b.pages) for b in result.built], when)
        outputs = [describe(b.edition, b.path, output) for b in result.built]
        if result.deposit is not None:
            outputs.append(describe_bag(result.deposit, output))
        result.record = write_build_record(output, publication, when, outputs)
        stage("writing the report")
        result.report = write_report(publication, styles, output, manuscript, report_diagnostics(result),
                                     when.date().isoformat(), preflight=result.preflight)
    return result
