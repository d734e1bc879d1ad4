"""The print edition: the shared HTML laid out by WeasyPrint with base.css + print.css, then made PDF/X.

Order of work: resolve the output condition, preflight the photos (X-1a: derive CMYK copies),
lay out, measure every photo at its placed size, write WeasyPrint's PDF, and let prepress.py
turn it into the PDF/X file a printer accepts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from weasyprint import CSS, HTML

from publish.editions.deterministic import Description
from publish.editions.pagemap import PrintPage, page_labels
from publish.editions.print import pdfx as prepress
from publish.editions.print.book.binding import Source, join
from publish.editions.print.book.division import split
from publish.editions.print.book.texts import BookParts, Setting, Twin, book_starts, lay_out_book
from publish.editions.print.composition import Composer, compose, report, words_per_column
from publish.editions.print.pages import page_starts
from publish.editions.print.preflight import ARCHIVE, PhotoReport, check_resolution, prepare
from publish.editions.print.tablefit import check_tables
from publish.editions.print.transparency import transparencies
from publish.engine.actualtext import actual_text
from publish.engine.columns import install_footnotes, notes_below_columns
from publish.engine.fetcher import GateFetcher
from publish.engine.fonts import font_configuration
from publish.engine.pages import Unsplittable
from publish.engine.typesetting import install as install_typesetting
from publish.manuscript.containment import Gate, Refused
from publish.manuscript.schema import METADATA_FILE
from publish.model.diagnostics import Diagnostic, Diagnostics, ManuscriptError, Severity, did_you_mean
from publish.model.document import Publication
from publish.render.html import Renderer
from publish.render.styles import Styles
from publish.runtime.jobs import default_jobs
from publish.runtime.store import parts_folder


@dataclass
class PrintLayout:
    """The laid-out print edition, before it is written: pages are known, the book's bytes are not yet.

    A book of several texts is laid out text by text (`parts`, editions/print/book/texts.py); a single text,
    or the archive's tagged PDF, as one WeasyPrint `document`.
    """

    document: object | None  # weasyprint.document.Document
    html: str
    refused: tuple[str, ...]
    created: str = ""
    settings: prepress.PrepressSettings | None = None
    reports: dict[str, PhotoReport] = field(default_factory=dict)
    workdir: tempfile.TemporaryDirectory | None = None  # derived photos live here until written
    parts: BookParts | None = None

    @property
    def page_count(self) -> int:
        if self.parts is not None:
            return self.parts.page_count
        return len(self.document.pages)  # type: ignore[attr-defined]

    def page_starts(self, labels: list[str]) -> list[PrintPage]:
        """Where each page begins (editions/pagemap.py), whichever way the book was laid out."""
        if self.parts is not None:
            return book_starts(self.parts, labels)
        return page_starts(self.document, labels)

    def close(self) -> None:
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None


def geometry_css(publication: Publication) -> str:
    """Page size and bleed from [print] in the metadata, so a new trim needs no stylesheet edit.

    WeasyPrint's own marks are RGB in transparency groups; prepress.py draws them instead.
    """
    settings = publication.metadata.print
    return (
        f"@page {{ size: {settings.width_mm:g}mm {settings.height_mm:g}mm; "
        f"bleed: {settings.bleed_mm:g}mm; marks: none; }}\n"
        f":root {{ --bleed: {settings.bleed_mm:g}mm; --trim-width: {settings.width_mm:g}mm; "
        f"--trim-height: {settings.height_mm:g}mm; }}\n"
    )


def print_html(publication: Publication, styles: Styles, created: str,
               derived: dict[Path, Path] | None = None, edition_name: str = "print") -> str:
    derived = derived or {}
    renderer = Renderer(publication, styles, "print",
                        image_src=lambda photo: derived.get(photo.path, photo.path).as_uri(), edition_name=edition_name)
    return renderer.render("print.html", created=created)


def style_sources(publication: Publication, styles: Styles) -> tuple[tuple[str, str], ...]:
    """The print cascade in order: ("file", path) or ("string", css)."""
    sources = [("file", str(path)) for name in ("fonts.css", "base.css") for path in styles.css(name)]
    sources.append(("string", geometry_css(publication)))
    sources += [("file", str(path)) for path in styles.css("print.css")]
    return tuple(sources)


def stylesheets(publication: Publication, styles: Styles, gate: Gate,
                font_config: object) -> list[CSS]:
    fetcher = GateFetcher(gate)
    return [CSS(filename=value, url_fetcher=fetcher, font_config=font_config) if kind == "file"
            else CSS(string=value, font_config=font_config) for kind, value in style_sources(publication, styles)]


def output_condition(publication: Publication, styles: Styles,
                     diags: Diagnostics) -> prepress.OutputCondition | None:
    """The CMYK condition [print] output_profile names: a bundled one, or an .icc in the manuscript."""
    name = publication.metadata.print.output_profile
    where = (publication.root / METADATA_FILE, publication.metadata_line("print", "output_profile"))
    if name.lower().endswith((".icc", ".icm")):
        try:
            path = Gate(publication.root).reference(name, publication.root)
            return prepress.custom_condition(path)
        except Refused as exc:
            diags.error(*where, f"print.output_profile: {exc}", exc.hint)
        except prepress.ProfileProblem as exc:
            diags.error(*where, f"print.output_profile: {exc}", exc.hint)
        return None
    condition = prepress.built_in_condition(name, styles.file)
    if condition is None:
        known = ("FOGRA39", "GRACoL", "SNAP")
        diags.error(*where, f"print.output_profile: unknown printing condition '{name}'",
                    did_you_mean(name, known) + "; or give the printer's .icc file inside the manuscript")
    return condition


def _front_matter_pages(publication: Publication, document: object) -> int:
    """Pages before the body's first text (title, imprint, contents, foreword…): they are numbered in roman."""
    start = publication.body_start
    if start is None:
        return 0
    first = start.id
    for index, page in enumerate(document.pages):  # type: ignore[attr-defined]
        if first in page.anchors:
            return index
    return 0


def _body_start_page(publication: Publication, texts: list[str], parts: BookParts) -> int:
    """The page index of the body's first text in a book laid out text by text: the first arabic folio."""
    start = publication.body_start
    return parts.places[texts.index(start.id)].first if start is not None and start.id in texts \
        else parts.front_matter_pages


def lay_out(publication: Publication, styles: Styles, created: str, diags: Diagnostics | None = None,
            standard: str | None = None, jobs: int | None = None, whole: bool = False,
            pdf_options: tuple[tuple[str, object], ...] = (("pdf_version", "1.6"),),
            archive_options: tuple[tuple[str, object], ...] | None = None) -> PrintLayout:
    """Paginates the print edition after preflight; ManuscriptError when a photo cannot be printed.

    A book of several texts is laid out text by text in `jobs` processes (default: one per core),
    each text's PDF written there with `pdf_options` (the archive's are tagged PDF/A), unless `whole`
    or the book cannot be cut. `archive_options`: the archive is built next (publish all), and each
    text whose archive HTML is the same is written for it too, from the same layout (book/texts.py's Twin).
    """
    diags = diags if diags is not None else Diagnostics(publication.root)
    settings = publication.metadata.print
    standard = standard or settings.standard
    condition = output_condition(publication, styles, diags)
    if condition is None:
        raise ManuscriptError(diags.items)
    workdir = tempfile.TemporaryDirectory(prefix="publish-print-")
    try:
        derived, reports = prepare(publication, standard, condition, Path(workdir.name), diags)
        gate = Gate(publication.root, *styles.roots, Path(workdir.name))
        html = print_html(publication, styles, created, derived,  # the archive's imprint names its edition
                          edition_name="archive" if standard == ARCHIVE else "print")
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        # The texts laid out side by side: all but a dedication and an epigraph, which are set with
        # the front matter before the contents (one page each), as the contents page follows them.
        texts = [article.id for article in publication.after_contents]
        cut = None if whole else split(html, texts)
        if cut is not None:
            with _archive_twin(publication, styles, created, condition, texts, archive_options) as twin:
                setting = Setting(publication, style_sources(publication, styles), gate.roots, tuple(styles.roots),
                                  publication.root.as_uri() + "/", Path(workdir.name), reports, pdf_options, twin)
                try:
                    parts = lay_out_book(cut, setting, jobs or default_jobs())
                except Unsplittable:
                    parts = None
            if parts is not None:
                refused: list[str] = []
                for part in (parts.front, *parts.texts):
                    diags.adopt(part.diagnostics)  # each part's paths as the author gave the manuscript
                    refused += [url for url in part.refused if url not in refused]
                    for name, placements in part.placements.items():
                        if name in reports:
                            reports[name].placements.extend(placements)
                diags.raise_if_errors()
                prepress_settings = prepress.PrepressSettings(
                    standard=standard, condition=condition, bleed_mm=settings.bleed_mm, marks=settings.marks,
                    front_matter_pages=_body_start_page(publication, texts, parts))
                return PrintLayout(None, html, tuple(refused), created, prepress_settings, reports, workdir,
                                   parts)
        install_footnotes()
        fetcher = GateFetcher(gate)
        font_config = font_configuration()
        sheets = stylesheets(publication, styles, gate, font_config)
        install_typesetting()  # shrinkable word spaces, no hyphen ladders, RTL column rules (engine/typesetting.py)

        def render(markup: str) -> object:
            with notes_below_columns():  # columns after a pull quote keep clear of the notes (engine/columns.py)
                return HTML(string=markup, base_url=publication.root.as_uri() + "/", url_fetcher=fetcher).render(
                    stylesheets=sheets, font_config=font_config)

        composer = Composer(html, column_words=words_per_column(settings.width_mm, settings.height_mm))
        document = compose(render, composer)
        html = composer.html
        report(publication, composer.problems, diags)
        check_resolution(publication, document, reports, diags)
        check_tables(publication, document, diags)
        diags.raise_if_errors()
    except BaseException:
        workdir.cleanup()
        raise
    prepress_settings = prepress.PrepressSettings(
        standard=standard, condition=condition, bleed_mm=settings.bleed_mm, marks=settings.marks,
        front_matter_pages=_front_matter_pages(publication, document))
    return PrintLayout(document, html, tuple(fetcher.refused), created, prepress_settings, reports, workdir)


@contextlib.contextmanager
def _archive_twin(publication: Publication, styles: Styles, created: str, condition: prepress.OutputCondition,
                  texts: list[str], options: tuple[tuple[str, object], ...] | None) -> Iterator[Twin | None]:
    """The archive's cut of the book, its photos prepared as the archive prepares them, while print lays out.

    None when no archive follows, or when the parts are not kept (the archive's layout finds its
    parts there): then each edition lays its texts out itself.
    """
    if options is None or parts_folder() is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="publish-archive-twin-") as folder:
        unheard = Diagnostics(publication.root)  # the archive's own layout says what its preflight finds
        derived, reports = prepare(publication, ARCHIVE, condition, Path(folder), unheard)
        cut = split(print_html(publication, styles, created, derived, edition_name="archive"), texts)
        yield None if cut is None else Twin(cut, Path(folder), reports, options)


def document_info(publication: Publication, created: str) -> Description:
    """What the print PDF says about itself (editions/deterministic.py), as of the build date."""
    when = dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC) if created \
        else dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
    return Description.of(publication, "print", when)


def join_parts(parts: BookParts, tagged: bool = False) -> tuple[object, list[object]]:
    """The book's PDF joined from its parts (editions/print/book/binding.py), and the parts, open until it is saved."""
    sources = [Source(parts.front.pdf, 0, parts.front.stop)] + [
        Source(text.pdf, text.first, None, place.blank, text.outline_level - 1)
        for text, place in zip(parts.texts, parts.places, strict=True)]
    return join(sources, tagged, parts.fonts)


def write_pdf(layout: PrintLayout, publication: Publication, target: Path) -> None:
    """WeasyPrint writes the pages; prepress makes them the PDF/X file at `target`."""
    try:
        if layout.settings is None or layout.workdir is None:
            raise RuntimeError("the layout was already written or not preflighted")
        info = document_info(publication, layout.created)
        try:
            if layout.parts is not None:  # the texts' PDFs, written where they were laid out, joined
                book, opened = join_parts(layout.parts)
                try:
                    prepress.finish(book, target, layout.settings, info)
                finally:
                    for pdf in (book, *opened):
                        pdf.close()
            else:
                raw = Path(layout.workdir.name) / "weasyprint.pdf"
                with actual_text():  # Khmer and other complex scripts extract as written (engine/actualtext.py)
                    layout.document.write_pdf(raw, pdf_version="1.6")  # type: ignore[attr-defined]
                prepress.finish(raw, target, layout.settings, info)
        except prepress.PrepressError as exc:  # the stylesheets ask for what the chosen PDF/X forbids
            diags = Diagnostics(publication.root)
            line = publication.metadata_line("print", "standard")
            name = prepress.STANDARDS[layout.settings.standard]
            diags.error(publication.root / METADATA_FILE, line, f"{name}: {exc}",
                        'remove opacity and rgba() colours from the print stylesheet, or use standard = "pdf/x-4"')
            if "transparen" in str(exc) or "mask" in str(exc) or "blend" in str(exc):
                sheets = [Path(value) for kind, value in
                          style_sources(publication, Styles.for_manuscript(publication.root)) if kind == "file"]
                for found in transparencies(sheets):  # the declarations that ask for it, where they are
                    diags.error(found.path, found.line, f"{name}: '{found.what}' is transparent",
                                'use an opaque colour, or standard = "pdf/x-4" in publication.toml, which '
                                'keeps transparency', column=found.column)
            raise ManuscriptError(diags.items) from None
    finally:
        layout.close()


def print_pages(layout: object) -> list[PrintPage]:
    """The page starts of a print layout , labelled as the PDF labels them."""
    settings = getattr(layout, "settings", None)
    front_matter = settings.front_matter_pages if settings is not None else 0
    return layout.page_starts(page_labels(layout.page_count, front_matter))  # type: ignore[attr-defined]


def print_pages_for_epub(publication: Publication, styles: Styles, created: str,
                         diags: Diagnostics) -> list[PrintPage]:
    """An EPUB-only build still lays out the print edition, for the page-list and page-break markers.

    A problem that only stops the print edition (a photo too coarse to print) must not stop the
    e-book: it becomes a warning, and the EPUB goes without print page numbers.
    """
    scratch = Diagnostics(diags.root)
    try:
        layout = lay_out(publication, styles, created, scratch)
    except ManuscriptError as exc:
        errors = [d for d in exc.diagnostics if d.severity is Severity.ERROR] or [
            Diagnostic(str(publication.root), None, None, Severity.ERROR, "the print edition cannot be laid out")]
        for error in errors:  # each at its own place, as a warning: the e-book itself is fine
            diags.items.append(replace(
                error, severity=Severity.WARNING,
                message=f"the e-book has no print page numbers, because the print edition stops here: "
                        f"{error.message}",
                hint=error.hint or "run `publish pdf` to see what stops the print edition"))
        return []
    try:
        return print_pages(layout)
    finally:
        layout.close()  # type: ignore[attr-defined]
