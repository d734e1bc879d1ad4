"""The pipeline, top to bottom, for every command: load the manuscript, lay it out, write, commit.

`publish pdf`, `epub`, `all`, `archive`, `deposit`, the preview and catalogue builds all run
`build()`: the same checks, the same cache, the same edition bytes. A build writes its whole set of
files (editions, report, record, bag) into a staging folder and commits them at once
(runtime/output.py): the output folder holds the new set or the old one, never a mix. A build whose
inputs did not change is answered from the cache (build/cache.py) through the same commit.
Edition builders are imported only when their edition is asked for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from publish.build.cache import BuildCache, build_key
from publish.model.diagnostics import Diagnostic, Diagnostics, ManuscriptError
from publish.model.document import EDITIONS, Publication
from publish.model.editions import BUILD_NAMES, OutputFiles, edition_identifier
from publish.render.styles import Styles
from publish.runtime.clock import build_date
from publish.runtime.folders import list_folder
from publish.runtime.output import OutputError, locked, output_problem, staged
from publish.runtime.progress import Progress, reporting, stage
from publish.runtime.store import deriving_into, forget_hashes, prune_derived

ORDER = ("pdf", "epub", "archive", "deposit")  # the order editions are made in: each may use the one before


@dataclass
class Built:
    """One file the build made, as the command reports it."""

    edition: str
    path: Path
    size: int
    pages: int | None = None


@dataclass
class BuildResult:
    """What a build made and said; a cache hit gives back the same, with `cached` set."""

    built: list[Built] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    preflight: list[str] = field(default_factory=list)  # one line per photo: ppi, colour, what print did
    report: Path | None = None  # the HTML report beside the editions (build/report.py)
    record: Path | None = None  # the JSON build record beside the editions (build/record.py)
    claims: str | None = None  # what the archival PDF claims (editions/archive/pdfa.py)
    withheld: list[str] = field(default_factory=list)  # … and why a stronger claim was not made
    deposit: Path | None = None  # the BagIt bag (editions/archive/deposit.py)
    cached: bool = False

    def as_dict(self, output: Path) -> dict:
        def relative(path: Path | None) -> str | None:
            return path.relative_to(output).as_posix() if path else None

        return {"built": [{"edition": b.edition, "path": relative(b.path), "size": b.size, "pages": b.pages}
                          for b in self.built],
                "warnings": [d.as_dict() for d in self.warnings], "preflight": self.preflight,
                "report": relative(self.report), "record": relative(self.record), "claims": self.claims,
                "withheld": self.withheld, "deposit": relative(self.deposit)}

    @classmethod
    def from_dict(cls, data: dict, output: Path, cached: bool = False) -> BuildResult:
        def absolute(name: str | None) -> Path | None:
            return output / name if name else None

        return cls([Built(b["edition"], output / b["path"], b["size"], b["pages"]) for b in data["built"]],
                   [Diagnostic.from_dict(d) for d in data["warnings"]], list(data["preflight"]),
                   absolute(data["report"]), absolute(data["record"]), data["claims"], list(data["withheld"]),
                   absolute(data["deposit"]), cached)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during a build; `committed` says whether the new editions were already in place."""

    def __init__(self, committed: bool):
        super().__init__()
        self.committed = committed


def check_folders(manuscript: Path, output: Path) -> None:
    """The output folder may not be the manuscript or lie inside it: each build would archive the last."""
    inside = manuscript.resolve()
    if manuscript.is_dir() and (output.resolve() == inside or output.resolve().is_relative_to(inside)):
        raise OutputError(f"the output folder {output} is inside the manuscript {manuscript}",
                          "choose an output folder beside the manuscript, e.g. -o output next to it")


def build(manuscript: Path, output: Path, editions: tuple[str, ...] = EDITIONS, keep_html: bool = False,
          standard: str | None = None, use_cache: bool = True) -> BuildResult:
    """Builds `editions` of the manuscript into `output`, or restores an identical earlier build."""
    check_folders(manuscript, output)
    editions = tuple(e for e in ORDER if e in editions)
    forget_hashes()
    stage("checking what changed since the last build")
    listing = list_folder(manuscript, skip=(output,))
    cache = BuildCache(output)
    key = ""
    if use_cache and not listing.outside:  # a link out of the manuscript is the loader's to refuse, every time
        key = build_key(listing, editions, {"keep_html": keep_html, "standard": standard})
    committed = False
    try:
        with locked(output):
            if key and (entry := cache.lookup(key)) is not None:
                if not cache.in_place(entry):
                    with staged(output) as staging:
                        cache.restore(entry, staging.folder)
                        staging.commit()
                committed = True
                return BuildResult.from_dict(entry["result"], output, cached=True)
            from publish.engine.progress import layout_pages  # WeasyPrint: only a build that lays out imports it

            started = time.time_ns()
            with staged(output) as staging, _disk_problems(output), layout_pages(), \
                    deriving_into(cache.derived if use_cache else None):
                result = make(manuscript, output, staging.folder, editions, keep_html, standard)
                written = {path.relative_to(staging.folder).as_posix(): output / path.relative_to(staging.folder)
                           for path in sorted(staging.folder.rglob("*")) if path.is_file()}
                staging.commit()
                committed = True
            if use_cache and "epub" in editions:
                prune_derived(cache.derived, started)
            if key:
                with contextlib.suppress(OSError):  # a full disk must not fail a build that succeeded
                    cache.store(key, result.as_dict(output), written)
            return result
    except KeyboardInterrupt:
        raise Interrupted(committed) from None


@contextlib.contextmanager
def _disk_problems(output: Path) -> Iterator[None]:
    """A full disk or a folder that cannot be written is the author's to fix (exit 2), not a bug of ours."""
    try:
        yield
    except OSError as exc:
        problem = output_problem(exc, output)
        if problem is None:
            raise
        raise problem from None


def make(manuscript: Path, output: Path, staging: Path, editions: tuple[str, ...], keep_html: bool = False,
         standard: str | None = None) -> BuildResult:
    """The real build: every file written into `staging`, reported where the commit will put it in `output`."""
    # Imported here, not above: a cache hit (build()) needs none of the loader, the glyph check or the
    # report's templates and Pillow, and importing them was a third of a no-change rebuild.
    from publish.build.templatecheck import template_diagnostics
    from publish.manuscript.loader import load
    from publish.render.glyphs import check_glyphs

    stage("reading the manuscript")
    publication, diags = load(manuscript)
    styles = Styles.for_manuscript(manuscript)
    check_glyphs(publication, styles, diags)  # no tofu: every character has a font, or we stop here
    diags.items += template_diagnostics(publication, styles)  # a template that would fail late fails now
    diags.raise_if_errors()
    job = _Job(publication, styles, diags, OutputFiles(staging, publication.slug),
               OutputFiles(output, publication.slug), build_date(publication.metadata.date), standard)
    with contextlib.ExitStack() as running:  # what runs beside the stages is waited for, however they end
        sheet_ready: Callable[[], None] = _no_wait
        try:
            screens_ended = running.enter_context(_screens_ahead(job)) if "epub" in editions else _no_wait
            if "pdf" in editions:
                _print(job, keep_html, archive_next="archive" in editions)
                if len(editions) > 1:
                    sheet_ready = running.enter_context(_report_drawn_ahead(job))
            epub_ready = None
            if "epub" in editions:
                epub_ready = running.enter_context(_epub(job, alongside="archive" in editions,
                                                         screens_ended=screens_ended))
            if "archive" in editions:
                _archive(job, epub_built="epub" in editions, epub_ready=epub_ready)
            if epub_ready is not None:
                epub_ready()
            if "deposit" in editions:
                _deposit(job)
        except ManuscriptError as exc:  # a stage that collected its own: paths as the author gave them
            shown = Diagnostics(manuscript)
            shown.adopt(exc.diagnostics)
            raise ManuscriptError(shown.items) from None
        sheet_ready()
    _record_and_report(job, manuscript)
    return job.result


def _no_wait() -> None:
    """Nothing is being drawn ahead: the report draws its pages itself."""


@contextlib.contextmanager
def _report_drawn_ahead(job: _Job) -> Iterator[Callable[[], None]]:
    """The report's contact sheet and photo previews drawn beside the editions that follow the print PDF.

    In the build's cache, where the report finds them (build/report.py draw_ahead); a build without a
    cache would draw them twice, so there they are left to the report.
    """
    from publish.build.report import draw_ahead
    from publish.runtime.jobs import alongside
    from publish.runtime.store import keeping_derivatives

    if not keeping_derivatives():
        yield _no_wait
        return
    with alongside(draw_ahead, job.staged.pdf, job.publication.photos) as drawn:
        yield drawn


@contextlib.contextmanager
def _screens_ahead(job: _Job) -> Iterator[Callable[[], None]]:
    """The e-book's screen copies of the photos, and the report's previews, made on a core the layout leaves idle.

    Into the build's cache, where the e-book and the report find them (runtime/jobs.py in_idle_time);
    a build without a cache would make them twice, so there nothing is made ahead.
    """
    from publish.runtime.store import keeping_derivatives

    if not keeping_derivatives():
        yield _no_wait
        return
    from publish.build.report import photo_thumbnail
    from publish.editions.epub.builder import screen_copies, screen_image
    from publish.manuscript.containment import Gate, Refused
    from publish.runtime.jobs import in_idle_time

    try:
        copies = screen_copies(job.publication, Gate(job.publication.root, *job.styles.roots))
    except Refused:  # the e-book's own stage says so, at its cause
        copies = []
    calls = [(screen_image, args) for args in copies]
    calls += [(photo_thumbnail, (photo,)) for photo in job.publication.photos]
    with in_idle_time(calls) as ended:
        yield ended


@dataclass
class _Job:
    """One build in progress: what it reads, where it writes (`staged`), where that will be (`final`)."""

    publication: Publication
    styles: Styles
    diags: Diagnostics
    staged: OutputFiles
    final: OutputFiles
    when: dt.datetime
    standard: str | None
    pages: list = field(default_factory=list)  # where each print page begins, for the EPUB's page list
    result: BuildResult = field(default_factory=BuildResult)
    made: list[tuple[str, Path, int | None]] = field(default_factory=list)  # edition, staged file, pages
    described: list = field(default_factory=list)  # build/record.py OutputRecords of `made`, once read

    @property
    def created(self) -> str:
        return self.when.strftime("%Y-%m-%dT%H:%M:%SZ")

    def add(self, edition: str, pages: int | None = None) -> None:
        staged, final = self.staged.edition(edition), self.final.edition(edition)
        self.made.append((edition, staged, pages))
        self.result.built.append(Built(edition, final, staged.stat().st_size, pages))
        self.result.warnings = self.diags.warnings


def _print(job: _Job, keep_html: bool, archive_next: bool = False) -> None:
    """The print edition; `archive_next`: its layout writes the archive's parts too where they are the same."""
    from publish.editions.print.layout import lay_out, print_pages, write_pdf

    archive_options = None
    if archive_next:
        from publish.editions.archive.pdfa import PDF_OPTIONS

        archive_options = tuple(PDF_OPTIONS.items())

    stage("laying out the print edition")
    layout = lay_out(job.publication, job.styles, job.created, job.diags, job.standard,  # preflight: may refuse
                     archive_options=archive_options)
    refusals(job.diags, job.publication, layout.refused)
    job.diags.raise_if_errors()
    job.pages = print_pages(layout)
    job.result.preflight = [report.format() for report in layout.reports.values()]
    if keep_html:
        job.staged.print_html.write_text(layout.html, encoding="utf-8")
        job.staged.print_css.write_text(print_css(job.publication, job.styles), encoding="utf-8")
    stage("writing the PDF")
    page_count = layout.page_count
    write_pdf(layout, job.publication, job.staged.pdf)
    job.add("pdf", page_count)


def refusals(diags: Diagnostics, publication: Publication, refused: tuple[str, ...]) -> None:
    """What a template or stylesheet asked the layout to fetch and the gate refused (it fetched nothing)."""
    for url in refused:
        diags.error(publication.root / "styles", None, f"the layout asked for '{url}', which was refused",
                    "builds are offline and read only the manuscript folder and styles/")


@contextlib.contextmanager
def _epub(job: _Job, alongside: bool = False, screens_ended: Callable[[], None] = _no_wait
          ) -> Iterator[Callable[[], None]]:
    """The e-book; gives what waits for it to be written (and adds it to the build's files).

    `alongside`: written in a process of its own while the block goes on (the archive, which carries
    it, waits for it only when it attaches it, just before saving): in `publish all` both are mostly
    serial work, so on two cores they overlap instead of following each other.
    """
    from publish.editions.epub.builder import build_epub

    if not job.pages:
        from publish.editions.print.layout import print_pages_for_epub

        stage("paginating for the EPUB's page list")
        job.pages = print_pages_for_epub(job.publication, job.styles, job.created, job.diags)
    stage("building the EPUB")
    screens_ended()  # what was made ahead is kept; the e-book makes the rest itself
    calls = (job.publication, job.styles, job.staged.epub, job.when, job.pages)
    if not alongside:
        build_epub(*calls)
        job.add("epub")
        yield lambda: None
        return
    from publish.runtime.jobs import alongside as in_parallel

    added = False

    def ready() -> None:
        nonlocal added
        written()
        if not added:
            job.add("epub")
            added = True

    with in_parallel(_quiet_epub, *calls) as written:
        yield ready


def _quiet_epub(*calls: object) -> None:
    """build_epub in a process of its own, its stages not drawn over the parent's status line."""
    from publish.editions.epub.builder import build_epub

    with reporting(Progress(enabled=False)):
        build_epub(*calls)  # type: ignore[arg-type]


def _archive(job: _Job, epub_built: bool, epub_ready: Callable[[], None] | None = None) -> None:
    """PDF/A-3 with the sources and the EPUB inside; an archive-only build makes the EPUB it carries.

    `epub_ready` waits for the EPUB the build is writing meanwhile (see _epub)."""
    from publish.editions.archive.pdfa import lay_out_archive, write_archive
    from publish.editions.print.layout import print_pages

    stage("laying out the archive edition")
    own = Diagnostics(job.diags.root)  # print's layout may have said the same already: say it once
    try:
        layout = lay_out_archive(job.publication, job.styles, job.created, own)
    finally:
        job.diags.items.extend(d for d in own.items if d not in job.diags.items)
    page_count = layout.page_count
    with tempfile.TemporaryDirectory(prefix="publish-archive-") as scratch:
        epub = job.staged.epub
        if not epub_built:
            from publish.editions.epub.builder import build_epub

            epub = Path(scratch) / job.staged.epub.name
            build_epub(job.publication, job.styles, epub, job.when, job.pages or print_pages(layout))
        stage("writing the archive edition")
        report = write_archive(layout, job.publication, job.staged.archive, job.when, epub,
                               exclude=(job.final.folder,), epub_ready=epub_ready if epub_built else None)
    job.result.claims, job.result.withheld = report.standard, list(report.withheld)
    job.add("archive", page_count)


def _deposit(job: _Job) -> None:
    """The library's BagIt bag of every edition built above, with what `publish reproduce` needs to rebuild
    them from the bag alone: the build record of those editions and the lock of the libraries."""
    from publish.build.record import build_record
    from publish.editions.archive.deposit import write_deposit

    stage("writing the deposit")
    tags = {"build.json": build_record(job.publication, job.when, _outputs(job), {"standard": job.standard})}
    if LOCK.is_file():
        tags[LOCK.name] = LOCK.read_bytes()
    write_deposit(job.staged.folder, job.publication, job.made, job.when, tags)
    job.result.deposit = job.final.deposit


LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"  # the libraries the editions are made with


def _outputs(job: _Job) -> list:
    """Each edition as written (read back once: the bag's record and the output folder's both use it)."""
    from publish.build.record import describe

    if len(job.described) != len(job.made):
        meta = job.publication.metadata
        job.described = [describe(edition, path, job.staged.folder, edition_identifier(meta, BUILD_NAMES[edition]))
                         for edition, path, _ in job.made]
    return list(job.described)


def _record_and_report(job: _Job, manuscript: Path) -> None:
    from publish.build.record import describe_bag, write_build_record
    from publish.build.report import write_report

    outputs = _outputs(job)
    if job.result.deposit is not None:
        outputs.append(describe_bag(job.staged.deposit, job.staged.folder))
    write_build_record(job.staged.folder, job.publication, job.when, outputs, {"standard": job.standard})
    job.result.record = job.final.record
    stage("writing the report")
    diagnostics = sorted(set(job.result.warnings), key=lambda d: (d.path, d.line or 0, d.column or 0, d.message))
    if write_report(job.publication, job.styles, job.staged.folder, manuscript, diagnostics,
                    job.when.date().isoformat(), preflight=job.result.preflight) is not None:
        job.result.report = job.final.report


def print_css(publication: Publication, styles: Styles) -> str:
    """The print cascade as one file of @imports, in the layout's order, beside --keep-html's HTML.

    So a designer (or the benchmark's WeasyPrint-alone floor) lays out exactly what publish lays out:
    `weasyprint -s slug.print.css slug.print.html out.pdf`.
    """
    from publish.editions.print.layout import geometry_css

    sheets = [p.as_uri() for name in ("fonts.css", "base.css") for p in styles.css(name)]
    sheets.append("data:text/css;charset=utf-8," + quote(geometry_css(publication)))
    sheets += [p.as_uri() for p in styles.css("print.css")]
    return "".join(f'@import url("{sheet}");\n' for sheet in sheets)
