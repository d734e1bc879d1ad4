"""The pipeline, top to bottom: load the manuscript, lay it out, write the editions asked for."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from publish.archive import ArchiveReport, build_archive
from publish.buildrecord import describe, describe_bag, write_build_record
from publish.deposit import write_deposit
from publish.diagnostics import Diagnostic
from publish.epub import build_epub
from publish.glyphs import check_glyphs
from publish.loader import load
from publish.model import EDITIONS, Publication
from publish.output import atomic_path, locked
from publish.pagemap import PrintPage, print_pages, print_pages_for_epub
from publish.pdf import lay_out, write_pdf
from publish.progress import stage
from publish.render import Styles
from publish.report import result_diagnostics as report_diagnostics
from publish.report import write_report
from publish.templatecheck import template_diagnostics


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
    from urllib.parse import quote

    from publish.pdf import geometry_css

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
    diags.items += template_diagnostics(publication, styles)  # a template that would fail late fails now
    diags.raise_if_errors()
    result = BuildResult(publication, warnings=diags.warnings)
    when = build_date(publication)
    created = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    slug = publication.slug
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
                (output / f"{slug}.print.html").write_text(layout.html, encoding="utf-8")
                (output / f"{slug}.print.css").write_text(print_css(publication, styles), encoding="utf-8")
            target = output / f"{slug}.pdf"
            stage("writing the PDF")
            with atomic_path(target) as temp:
                write_pdf(layout, publication, temp)
            result.built.append(Built("pdf", target, target.stat().st_size, layout.page_count))
        if "epub" in editions:
            if "pdf" not in editions:
                stage("paginating for the EPUB's page list")
                pages = print_pages_for_epub(publication, styles, created, diags)
                result.warnings = diags.warnings
            target = output / f"{slug}.epub"
            stage("building the EPUB")
            with atomic_path(target) as temp:
                build_epub(publication, styles, temp, when, pages)
            result.built.append(Built("epub", target, target.stat().st_size))
        if "archive" in editions:  # PDF/A-3 with the sources and the EPUB inside
            epub_file = output / f"{slug}.epub" if "epub" in editions else None
            target, page_count, result.archive = build_archive(
                publication, styles, output, created, when, diags, epub_file, pages if pages else None)
            result.warnings = diags.warnings
            result.built.append(Built("archive", target, target.stat().st_size, page_count))
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
