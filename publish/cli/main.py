"""The `publish` command: parses arguments, runs the pipeline, and speaks to authors, not to programmers."""

from __future__ import annotations

import contextlib
import shlex
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from publish import __version__
from publish.manuscript.scaffold import KINDS as SCAFFOLD_KINDS
from publish.model.diagnostics import Diagnostic, ManuscriptError
from publish.model.document import ALL_EDITIONS
from publish.model.text import human_size
from publish.runtime.output import OutputError
from publish.runtime.progress import Progress, reporting, summary

ISSUES_URL = "the publish maintainers (include the command, this message and the traceback from --debug)"

manuscript_argument = click.argument(
    "manuscript", required=False, default="manuscript",
    type=click.Path(path_type=Path, file_okay=True, dir_okay=True))
output_option = click.option(
    "-o", "--output", default="output", show_default=True,
    type=click.Path(path_type=Path, file_okay=False), help="Folder the editions are written to.")


def _set_quiet(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["publish.quiet"] = True


quiet_option = click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_set_quiet,
                            help="No progress and no summary; only problems are printed.")
jobs_option = click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                           help="Processes laying out a book's texts side by side (default: one per core); "
                                "the editions' bytes are the same for any number.")


def _print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)


@contextlib.contextmanager
def _terminate_unwinds() -> Iterator[None]:
    """SIGTERM (kill, a closing terminal) unwinds like Ctrl-C, so no temporary file is left behind."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(ctx: click.Context, manuscript: Path, output: Path, editions: tuple[str, ...],
         keep_html: bool = False, standard: str | None = None, jobs: int | None = None) -> None:
    from publish.build.pipeline import Interrupted, build
    from publish.runtime.jobs import layout_jobs

    debug = ctx.find_root().params.get("debug", False)
    quiet = ctx.meta.get("publish.quiet", False)
    started = time.monotonic()
    try:
        with _terminate_unwinds(), reporting(Progress(enabled=False if quiet else None)), layout_jobs(jobs):
            result = build(manuscript, output, editions, keep_html=keep_html, standard=standard)
    except ManuscriptError as exc:
        _print_diagnostics(exc.diagnostics)
        errors = sum(1 for d in exc.diagnostics if d.severity.value == "error")
        click.echo(f"publish: {errors} error{'s' if errors != 1 else ''} in {manuscript}; "
                   "nothing was written", err=True)
        ctx.exit(2)
    except OutputError as exc:
        click.echo(f"publish: {exc}" + (f"\n    hint: {exc.hint}" if exc.hint else ""), err=True)
        ctx.exit(2)
    except Interrupted as exc:
        click.echo(f"publish: interrupted after the new editions were put in {output}" if exc.committed
                   else f"publish: interrupted; nothing in {output} was changed", err=True)
        ctx.exit(130)
    except KeyboardInterrupt:
        click.echo(f"publish: interrupted; nothing in {output} was changed", err=True)
        ctx.exit(130)
    except Exception as exc:  # a bug of ours: say so, and where to report it
        if debug:
            traceback.print_exc()
        click.echo(f"publish: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo(f"This is a bug in publish, not in your manuscript. Please report it to {ISSUES_URL}.",
                   err=True)
        if not debug:
            click.echo("Run again with --debug to see the traceback.", err=True)
        ctx.exit(1)
    _print_diagnostics(result.warnings)
    if quiet:
        return
    for line in result.preflight:
        click.echo(f"preflight: {line}", err=True)
    for built in result.built:
        pages = f", {built.pages} pages" if built.pages else ""
        click.echo(f"{built.path} ({human_size(built.size)}{pages})")
    if result.report:
        click.echo(f"report: {result.report.resolve().as_uri()}")
    if result.claims:
        click.echo(f"archive claims: {result.claims}")
        for reason in result.withheld:
            click.echo(f"archive: a stronger claim was withheld: {reason}", err=True)
    if result.deposit:
        click.echo(f"{result.deposit}/ (BagIt bag; check it with `publish verify {result.deposit}`)")
    if result.record:
        click.echo(f"build record: {result.record}")
    click.echo(summary(result.built, time.monotonic() - started, cached=result.cached))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="publish")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def main(debug: bool) -> None:
    """Build a print edition (PDF) and an e-book edition (EPUB 3) from one manuscript folder.

    MANUSCRIPT is a folder holding publication.toml, the texts in Markdown and the photos
    with their captions file; it defaults to ./manuscript. Builds never use the network.
    """


@main.command()
@manuscript_argument
@output_option
@click.option("--keep-html", is_flag=True, help="Also write the HTML laid out for print, to debug CSS.")
@click.option("--standard", type=click.Choice(["pdf/x-4", "pdf/x-1a"], case_sensitive=False), default=None,
              help="PDF/X flavour, overriding [print] standard in publication.toml.")
@quiet_option
@jobs_option
@click.pass_context
def pdf(ctx: click.Context, manuscript: Path, output: Path, keep_html: bool, standard: str | None,
        jobs: int | None) -> None:
    """Build the print edition: a print-ready PDF/X file."""
    _run(ctx, manuscript, output, ("pdf",), keep_html, standard.lower() if standard else None, jobs)


@main.command()
@manuscript_argument
@output_option
@quiet_option
@jobs_option
@click.pass_context
def epub(ctx: click.Context, manuscript: Path, output: Path, jobs: int | None) -> None:
    """Build the e-book edition: an EPUB 3."""
    _run(ctx, manuscript, output, ("epub",), jobs=jobs)


@main.command(name="all")
@click.argument("manuscripts", nargs=-1, type=click.Path(path_type=Path, file_okay=True, dir_okay=True))
@output_option
@quiet_option
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Manuscripts built at once in a catalogue build (default: half the cores); for one "
                   "manuscript, processes laying out its texts (default: one per core).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run a catalogue build on this Dask cluster (needs the dask extra).")
@click.pass_context
def all_editions(ctx: click.Context, manuscripts: tuple[Path, ...], output: Path, jobs: int | None,
                 scheduler: str | None) -> None:
    """Build every edition of the manuscript, or of several (a catalogue) given as folders or a folder of them."""
    from publish.build.catalogue import is_catalogue

    paths = list(manuscripts) or [Path("manuscript")]
    if not is_catalogue(paths) and not scheduler:
        _run(ctx, paths[0], output, ALL_EDITIONS, jobs=jobs)
        return
    _run_catalogue(ctx, paths, output, ALL_EDITIONS, jobs, scheduler)


def _run_catalogue(ctx: click.Context, paths: list[Path], output: Path, editions: tuple[str, ...],
                   jobs: int | None, scheduler: str | None) -> None:
    """Builds each manuscript into output/<folder name>/, then lists every result; failures do not stop others."""
    from publish.build.catalogue import ClusterProblem, build_catalogue, find_manuscripts, summary_line

    quiet = ctx.meta.get("publish.quiet", False)
    started = time.monotonic()
    manuscripts = find_manuscripts(paths)
    progress = Progress(enabled=False if quiet else None)
    progress.stage("building the catalogue")

    def done(count: int, total: int, outcome: object) -> None:
        progress.item(count, total, f"{getattr(outcome, 'manuscript', '')}: {getattr(outcome, 'status', '')}")

    try:
        outcomes = build_catalogue(manuscripts, output, editions, jobs, scheduler, on_done=done)
    except ClusterProblem as exc:
        progress.clear()
        click.echo(f"publish: {exc}", err=True)
        ctx.exit(2)
    except KeyboardInterrupt:
        progress.clear()
        click.echo("publish: interrupted; editions already in the output folders are unchanged", err=True)
        ctx.exit(130)
    progress.clear()
    for outcome in outcomes:
        for message in outcome.messages:
            click.echo(f"{outcome.manuscript}: {message}" if outcome.status != "manuscript errors" else message,
                       err=True)
    failed = [o for o in outcomes if not o.ok]
    for outcome in outcomes:
        if not quiet or not outcome.ok:
            click.echo(summary_line(outcome))
    if not quiet:
        click.echo(f"catalogue: {len(outcomes) - len(failed)} of {len(outcomes)} manuscripts built into "
                   f"{output} in {time.monotonic() - started:.1f} s"
                   + (f"; {len(failed)} failed" if failed else ""))
    if any(o.status == "internal error" for o in failed):
        ctx.exit(1)
    if failed:
        ctx.exit(2)


@main.command()
@manuscript_argument
@output_option
@click.option("--bag", is_flag=True, help="Also write the library deposit (as `publish deposit` does).")
@quiet_option
@click.pass_context
def archive(ctx: click.Context, manuscript: Path, output: Path, bag: bool) -> None:
    """Build the archive edition: a tagged PDF/A-3 holding the manuscript and the EPUB.

    See docs/archive.md for what the file claims and how a library validates it.
    """
    _run(ctx, manuscript, output, ("pdf", "epub", "archive", "deposit") if bag else ("archive",))


@main.command()
@manuscript_argument
@output_option
@quiet_option
@click.pass_context
def deposit(ctx: click.Context, manuscript: Path, output: Path) -> None:
    """Build every edition and the library deposit: a BagIt 1.0 bag with catalogue records.

    The bag (OUTPUT/<slug>-deposit) holds the print PDF, the archival PDF, the EPUB and the
    manuscript under data/, Dublin Core, MARCXML and ONIX records under metadata/, and SHA-256
    and SHA-512 manifests. Hand the folder to the repository as it is.
    """
    _run(ctx, manuscript, output, ("pdf", "epub", "archive", "deposit"))


@main.command()
@click.argument("bag", type=click.Path(path_type=Path, file_okay=False))
@click.pass_context
def verify(ctx: click.Context, bag: Path) -> None:
    """Validate a BagIt bag: every file present, none altered, none added. Exits 2 when it is not valid."""
    from publish.editions.archive.deposit import verify as verify_bag

    verdict = verify_bag(bag)
    if not verdict.valid:
        for problem in verdict.problems:
            click.echo(problem, err=True)
        count = len(verdict.problems)
        click.echo(f"publish: {bag} is NOT a valid bag: {count} problem{'s' if count != 1 else ''}", err=True)
        ctx.exit(2)
    click.echo(f"{bag}: valid BagIt {verdict.version} bag, {verdict.files} payload files, "
               f"checksums {' and '.join(verdict.algorithms)} all match")


@main.command()
@click.argument("bag", type=click.Path(path_type=Path, file_okay=False))
@click.pass_context
def reproduce(ctx: click.Context, bag: Path) -> None:
    """Rebuild every edition of a deposit bag from the bag alone and compare them byte for byte.

    Uses the bag's manuscript, its build record (metadata/build.json: build date, options,
    checksums, tool versions) and nothing of the machine's but publish and its libraries; the
    rebuild happens in a temporary folder. Names each file that differs and, when this machine's
    tools are not the ones the record names, which ones. Exits 0 when every file is identical,
    2 when not.
    """
    from publish.build.reproduce import BagProblem, explain
    from publish.build.reproduce import reproduce as rebuild

    def work() -> int:
        try:
            with reporting(Progress(enabled=None)):
                result = rebuild(bag)
        except BagProblem as exc:
            click.echo(f"publish: {exc}" + (f"\n    hint: {exc.hint}" if exc.hint else ""), err=True)
            return 2
        except ManuscriptError as exc:
            _print_diagnostics(exc.diagnostics)
            click.echo(f"publish: the manuscript in {bag} does not build; its editions cannot be reproduced",
                       err=True)
            return 2
        for line in explain(result, bag):
            click.echo(line)
        if not result.identical:
            differ = sum(1 for f in result.files if not f.identical)
            click.echo(f"publish: {differ} of {len(result.files)} files differ from a rebuild of {bag}"
                       + ("; the bag's own checksums do not match either" if result.bag_problems else ""), err=True)
            return 2
        return 0

    ctx.exit(_guarded(ctx, work))


def _guarded(ctx: click.Context, work: Callable[[], int]) -> int:
    """Runs a command's work; a bug of ours is reported as one (exit 1), never as the author's fault."""
    try:
        return work()
    except KeyboardInterrupt:
        click.echo("publish: interrupted", err=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug of ours: say so, and where to report it
        if ctx.find_root().params.get("debug", False):
            traceback.print_exc()
        click.echo(f"publish: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo(f"This is a bug in publish, not in your manuscript. Please report it to {ISSUES_URL}.",
                   err=True)
        return 1


@main.command()
@manuscript_argument
@output_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: one document on stdout, for CI systems.")
@click.option("--no-epubcheck", is_flag=True, help="Skip EPUBCheck on the built EPUB (it needs Java).")
@click.pass_context
def check(ctx: click.Context, manuscript: Path, output: Path, fmt: str, no_epubcheck: bool) -> None:
    """Check the manuscript and the built editions without building anything.

    Reports every problem as path:line, grouped by file: metadata, texts, links, footnotes, alt
    text, photo preflight and glyph coverage, then EPUBCheck and the PDF's structure for the
    editions already in the output folder. Exits 2 when there are errors, 0 otherwise.
    """
    from publish.checks.command import run_check

    ctx.exit(_guarded(ctx, lambda: run_check(manuscript, output, fmt, epubcheck=not no_epubcheck)))


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--title", default="Untitled", show_default=True, help="The publication's title.")
@click.option("--language", default="en", show_default=True, help="BCP 47 tag of its main language.")
@click.option("--author", default="The Author", show_default=True,
              help="The author's name (an anthology's editor, a photo essay's photographer).")
@click.option("--kind", default="feature", show_default=True, type=click.Choice(list(SCAFFOLD_KINDS)),
              help="feature: one text with a lead photo; photo-essay: a page per photo on a square page; "
                   "book: front matter, parts, numbered chapters, back matter; anthology: an editor and "
                   "texts by several authors, one translated.")
@click.pass_context
def new(ctx: click.Context, folder: Path, title: str, language: str, author: str, kind: str) -> None:
    """Create a new manuscript folder that builds at once.

    FOLDER must not exist yet (or be empty). It receives publication.toml with every key
    explained and the texts of the kind asked for: a text with stand-in photos and their
    captions entries (feature, photo-essay), the front matter, parts, chapters and back matter
    of a book, or an anthology's introduction and contributed texts, each kind of text explained.
    """
    from publish.manuscript.scaffold import ScaffoldError, scaffold

    written: list[Path] = []

    def write() -> int:
        try:
            written.extend(scaffold(folder, title=title, language=language, author=author, kind=kind))
        except ScaffoldError as exc:
            click.echo(f"publish: {exc}\n    hint: {exc.hint}", err=True)
            return 2
        return 0

    status = _guarded(ctx, write)
    if status:
        ctx.exit(status)
    for path in written:
        click.echo(f"created {path}")
    # The editions go beside the new folder, named after it: without -o they would land in ./output,
    # wherever the author happens to stand (and -o inside the manuscript is refused).
    shown, editions = shlex.quote(str(folder)), shlex.quote(str(_beside(folder, "-output")))
    steps = ((f"publish preview {shown} -o {editions} --watch", "see it laid out, refreshed as you save"),
             (f"publish check {shown} -o {editions}", "find problems before printing"),
             (f"publish all {shown} -o {editions}", "build the print and e-book editions"))
    width = max(len(command) for command, _ in steps)
    click.echo("Next:\n" + "\n".join(f"  {command.ljust(width)}   {what}" for command, what in steps))


def _beside(folder: Path, suffix: str) -> Path:
    """A sibling of `folder` named after it, written as the author wrote the folder."""
    if folder.name in ("", ".."):  # "." or "..": name the sibling after the folder they stand for
        return folder / ".." / f"{folder.resolve().name}{suffix}"
    return folder.with_name(folder.name + suffix)


@main.command()
@manuscript_argument
@output_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default lets only this computer connect.")
@click.option("--port", default=8737, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--watch", is_flag=True,
              help="Rebuild when the manuscript or styles change, and refresh the browser.")
@click.pass_context
def preview(ctx: click.Context, manuscript: Path, output: Path, host: str, port: int, watch: bool) -> None:
    """Serve the editions on this computer: print pages as pictures, the e-book's chapters as web pages.

    Builds first when the editions are missing or older than the manuscript. With --watch, every
    saved change rebuilds and the open browser page refreshes itself. Stop with Ctrl-C.
    """
    from publish.cli.preview import serve

    ctx.exit(_guarded(ctx, lambda: serve(manuscript, output, host=host, port=port, watch=watch)))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
