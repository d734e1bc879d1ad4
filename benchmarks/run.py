"""Measures publish at feature and book scale in one run and writes benchmarks/RESULTS.md.

Why one run: the machine is shared, so absolute times drift; ratios of runs made side by side are
what can be compared. Every measurement is a fresh subprocess (as a user runs it), timed for wall
clock, CPU (user + system, children included) and peak RSS (getrusage(RUSAGE_CHILDREN) in a small
parent process that runs only that command).

    python benchmarks/run.py [--repeat 3] [--book-repeat 3] [--texts 40] [--largest 160] [--work /tmp/publish-bench]

Runs that are compared are made side by side, alternating (A, B, A, B…), and their medians compared,
so that a change in the machine's load between them weighs on both.

Every subprocess runs the publish package that sits beside this script (PYTHONPATH), so a frozen
copy measures a fixed commit while the working tree keeps changing:
    git archive HEAD | tar -x -C /tmp/snap && python /tmp/snap/benchmarks/run.py --results benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from make_book import make_book, make_notes_book  # noqa: E402
from peers import pandoc_weasyprint, peer_markdown, peer_versions, subsetter, vivliostyle  # noqa: E402

from publish.model.limits import MAX_NOTES_NEARBY  # noqa: E402 - the notes one paragraph may call

BUNDLED = REPO / "manuscript"
# What `weasyprint -s CSS HTML OUT` does. The stylesheet goes in by its name, so WeasyPrint reads it with
# the document's font configuration: a CSS object made beforehand without one drops every @font-face
# rule, and the "floor" was then laid out in the system's DejaVu faces (5 font programs, no Khmer or
# Japanese faces) instead of the bundled Noto faces publish lays out with.
FLOOR = """
import sys
from weasyprint import HTML
html, css, out = sys.argv[1:4]
HTML(filename=html).write_pdf(out, stylesheets=[css])
"""


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    returncode: int
    stdout: str


@dataclass
class Row:
    name: str
    samples: list[Sample]
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss(self) -> float:
        return max(s.rss_mb for s in self.samples)


# A small process between the runner and the measured command: a forked child starts with its
# parent's resident memory, so peak RSS is only meaningful under a parent as light as this one.
PROBE = """
import json, resource, subprocess, sys, time
report, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
code = subprocess.call(argv)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(report, "w") as out:
    json.dump({"code": code, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_kb": usage.ru_maxrss}, out)
"""


def measure(argv: list[str], env: dict[str, str] | None = None, expect: int = 0) -> Sample:
    """One subprocess: wall clock, CPU and peak RSS from getrusage(RUSAGE_CHILDREN) in a light parent.

    `expect`: the exit code the command should end with (2: a manuscript refused with a diagnostic).
    """
    import json
    import tempfile

    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    full_env = {**os.environ, "SOURCE_DATE_EPOCH": "1526256000", "PYTHONPATH": path, **(env or {})}
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        done = subprocess.run([sys.executable, "-S", "-c", PROBE, report.name, *argv], env=full_env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        numbers = json.loads(Path(report.name).read_text() or "{}")
    if done.returncode != 0 or numbers.get("code") != expect:
        print(done.stdout, file=sys.stderr)
        raise SystemExit(f"benchmark command failed: {' '.join(argv)}")
    return Sample(numbers["wall"], numbers["cpu"], numbers["rss_kb"] / 1024, 0, done.stdout)


def publish(*args: str) -> list[str]:
    return [sys.executable, "-m", "publish", *args]


def fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    return folder


def repeat(times: int, argv_for: callable, before: callable | None = None) -> list[Sample]:
    samples = []
    for _ in range(times):
        if before:
            before()
        samples.append(measure(argv_for()))
    return samples


def pages_of(stdout: str) -> int:
    """The page count publish reports on the PDF's line: '/out/book.pdf (34.1 MB, 430 pages)'."""
    import re

    found = re.search(r"\.pdf \([^)]*?(\d+) pages\)", stdout)
    return int(found.group(1)) if found else 0


def edit_one_paragraph(text: str) -> str:
    """Adds a sentence to the third paragraph of the body, as an editor's correction would."""
    lines = text.split("\n")
    body = lines.index("+++", 1) + 1
    paragraphs = [i for i in range(body, len(lines)) if lines[i] and lines[i][0].isupper()]
    lines[paragraphs[2]] = "An edited sentence opens this paragraph. " + lines[paragraphs[2]]
    return "\n".join(lines)


def profile_lines(stats_file: Path, total_wall: float, limit: int = 20) -> list[str]:
    """Where the time goes: publish's own functions and WeasyPrint's main steps, by cumulative time."""
    import pstats

    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    steps = {"render", "write_pdf", "layout_document", "make_all_pages", "generate_pdf", "draw_page",
             "get_all_computed_styles", "build_formatting_structure", "open_image", "get_image_from_uri"}
    rows = []
    for (filename, line, function), (_cc, calls, _tt, cumulative, _callers) in stats.items():
        ours = "/publish/" in filename and not filename.endswith(("cli.py", "__main__.py", "cache.py"))
        theirs = "/weasyprint/" in filename and function in steps
        if ours or theirs:
            where = filename.split("/site-packages/")[-1] if theirs else "publish/" + filename.split("/publish/")[-1]
            rows.append((cumulative, calls, f"{where}:{line} {function}"))
    rows.sort(reverse=True)
    lines = ["| function | calls | cumulative s | share of wall |", "|---|---:|---:|---:|"]
    for cumulative, calls, name in rows[:limit]:
        lines.append(f"| `{name}` | {calls} | {cumulative:.1f} | {100 * cumulative / total_wall:.0f}% |")
    return lines


def per_page_target(growth: list[tuple[int, int, float]]) -> str:
    """Time per page must not grow with the book: the largest book's ms per page at most 1.3× the smallest's.

    It may fall: a build's fixed costs (starting processes, the front matter, the report) spread over
    more pages. The marginal cost of a page (between the smallest and the largest book) is shown too.
    """
    rates = [wall / pages for _texts, pages, wall in growth if pages]
    growth_ratio = rates[-1] / rates[0] if rates else float("nan")
    (_, small_pages, small_wall), (_, large_pages, large_wall) = growth[0], growth[-1]
    marginal = 1000 * (large_wall - small_wall) / (large_pages - small_pages) if large_pages > small_pages else 0.0
    return (f"| time per page roughly constant as the book grows (does not grow) | "
            f"{', '.join(f'{1000 * r:.0f}' for r in rates)} ms per page (largest/smallest {growth_ratio:.2f}); "
            f"{marginal:.0f} ms for each page added | {'yes' if growth_ratio <= 1.3 else 'no'} |")


def epub_target(ours: Row, size: int, pandoc: Row | None, pandoc_size: int) -> str:
    """The EPUB target: no slower than Pandoc's EPUB of the same text, and a tenth of its size."""
    if pandoc is None:
        ref_wall, ref_size, source = 5.0, 90e6, "the issue's figures (Pandoc not installed here)"
    else:
        ref_wall, ref_size, source = pandoc.wall, pandoc_size, "Pandoc measured in this run"
    met = ours.wall <= ref_wall and size <= ref_size / 10
    return (f"| EPUB of the book no slower than Pandoc's and a tenth of its size | {ours.wall:.2f} s, "
            f"{size / 1e6:.1f} MB vs {ref_wall:.2f} s, {ref_size / 1e6:.1f} MB ({source}) | "
            f"{'yes' if met else 'no'} |")


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GB"
    except (OSError, ValueError, IndexError):
        pass
    import weasyprint

    load = os.getloadavg()
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores; RAM {memory}",
        f"- {platform.platform()}; Python {platform.python_version()}; WeasyPrint {weasyprint.__version__}",
        f"- load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        "(other builds and test suites were running on the same machine)",
    ]


def alternate(commands: dict[str, tuple[list[str], Path | None]], times: int) -> dict[str, list[Sample]]:
    """Each command `times` times, round robin (A, B, C, A, B, C…): side-by-side runs share the machine's load."""
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    for _ in range(times):
        for name, (argv, output) in commands.items():
            if output is not None:
                fresh(output)
            samples[name].append(measure(argv))
    return samples


def font_data(pdf: Path) -> tuple[int, int]:
    """Embedded font programs in a PDF and their bytes (as stored, compressed)."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    size = 0
    with pikepdf.open(pdf) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.FontDescriptor:
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj and obj[key].objgen not in seen:
                        seen.add(obj[key].objgen)
                        size += len(obj[key].read_raw_bytes())
    return len(seen), size


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def verdict(ok: bool) -> str:
    return "yes" if ok else "no"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per bundled-feature measurement")
    parser.add_argument("--book-repeat", type=int, default=3, help="runs per compared book measurement")
    parser.add_argument("--texts", type=int, default=40, help="texts in the book the peers are measured on")
    parser.add_argument("--largest", type=int, default=160, help="texts in the largest book of the per-page table")
    parser.add_argument("--profile", action="store_true", help="also profile publish pdf and epub --jobs 1")
    parser.add_argument("--issue19", action="store_true",
                        help="only issue 19's measurements (leave out the EPUB and the edits), for a short run")
    parser.add_argument("--crowd", type=int, default=500, help="note calls in the one crowded paragraph")
    parser.add_argument("--work", type=Path, default=Path("/tmp/publish-bench"))
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    header = machine()
    rows: list[Row] = []

    def row(name: str, samples: list[Sample], note: str = "") -> Row:
        made = Row(name, samples, note)
        print(f"{name}: {made.wall:.2f} s wall, {made.cpu:.2f} s CPU, {made.rss:.0f} MB", flush=True)
        rows.append(made)
        return made

    def run(name: str, times: int, argv: list[str], output: Path | None = None) -> Row:
        print(f"{name} …", flush=True)
        return row(name, repeat(times, lambda: argv, (lambda: fresh(output)) if output else None))

    # publish's own modules compiled once, as `pip install .` compiles an installed package (WeasyPrint's,
    # the floor's, are compiled in site-packages): run from the source tree with PYTHONDONTWRITEBYTECODE
    # set, each measured process compiled all of publish again, 0.13 s of the bundled feature's 2 s.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "publish")], check=True)
    print("generating books …", flush=True)
    sizes = sorted({args.texts // 2, args.texts, args.largest // 2, args.largest})
    books = {texts: make_book(work / f"book-{texts}", texts=texts, photos=max(3, 60 * texts // 40))
             for texts in sizes}
    book = books[args.texts]
    out = work / "out"

    # The bundled feature: publish against WeasyPrint alone on the same HTML, side by side.
    measure(publish("pdf", str(BUNDLED), "-o", str(fresh(out)), "--keep-html"))
    feature_html, feature_css = work / "feature.print.html", work / "feature.print.css"
    shutil.copyfile(next(out.glob("*.print.html")), feature_html)
    shutil.copyfile(next(out.glob("*.print.css")), feature_css)
    print("feature: publish pdf and WeasyPrint alone, alternating …", flush=True)
    pair = alternate({"ours": (publish("pdf", str(BUNDLED), "-o", str(out)), out),
                      "floor": ([sys.executable, "-c", FLOOR, str(feature_html), str(feature_css),
                                 str(work / "feature-floor.pdf")], None)}, args.repeat)
    feature_pdf = row("feature: publish pdf", pair["ours"])
    feature_floor = row("feature: WeasyPrint alone, same HTML + CSS", pair["floor"])
    run("feature: publish epub", args.repeat, publish("epub", str(BUNDLED), "-o", str(out)), out)
    run("feature: publish all", args.repeat, publish("all", str(BUNDLED), "-o", str(out)), out)

    # The book: publish against the peers, side by side, on the same texts and photos.
    sources = peer_markdown(book, work / "peer")
    peer_commands = {"pandoc": pandoc_weasyprint(work / "peer", sources, work / "pandoc-weasyprint.pdf"),
                     "vivliostyle": vivliostyle(work / "peer", sources, work / "vivliostyle.pdf")}
    commands: dict[str, tuple[list[str], Path | None]] = {
        "ours": (publish("pdf", str(book), "-o", str(out), "--keep-html"), out)}
    commands.update({name: (argv, None) for name, argv in peer_commands.items() if argv is not None})
    print(f"book: publish pdf and {', '.join(commands.keys() - {'ours'}) or 'no peer'}, alternating …", flush=True)
    peers = alternate(commands, args.book_repeat)
    book_pdf = row(f"book: publish pdf (default --jobs, {os.cpu_count()} cores)", peers["ours"])
    book_bytes = sha256(next(out.glob("*.pdf")))
    html, css = work / "book.print.html", work / "book.print.css"
    shutil.copyfile(next(out.glob("*.print.html")), html)
    shutil.copyfile(next(out.glob("*.print.css")), css)
    pandoc = row("book: Pandoc → WeasyPrint (plain CSS)", peers["pandoc"]) if "pandoc" in peers else None
    viv = row("book: Vivliostyle CLI (plain CSS, Chromium)", peers["vivliostyle"]) if "vivliostyle" in peers else None

    print("book: publish pdf --jobs 1 and WeasyPrint alone, alternating …", flush=True)
    single_out = work / "out-single"
    pair = alternate({"ours": (publish("pdf", str(book), "-o", str(single_out), "--jobs", "1"), single_out),
                      "floor": ([sys.executable, "-c", FLOOR, str(html), str(css), str(work / "floor.pdf")], None)},
                     args.book_repeat)
    single = row("book: publish pdf --jobs 1 (one process)", pair["ours"])
    floor = row("book: WeasyPrint alone, same HTML + CSS", pair["floor"])
    same_bytes = sha256(next(single_out.glob("*.pdf"))) == book_bytes
    fonts_ours, fonts_floor = font_data(next(single_out.glob("*.pdf"))), font_data(work / "floor.pdf")

    print("book: publish all and publish pdf, cold, alternating …", flush=True)
    all_out = work / "out-all"
    pair = alternate({"all": (publish("all", str(book), "-o", str(all_out)), all_out),
                      "pdf": (publish("pdf", str(book), "-o", str(out)), out)}, max(1, args.book_repeat - 1))
    book_all = row("book: publish all, cold", pair["all"])
    book_pdf_cold = row("book: publish pdf, cold (beside publish all)", pair["pdf"])
    unchanged = run("book: publish all, no change", args.repeat, publish("all", str(book), "-o", str(all_out)))
    book_epub = one_edit = one_edit_pdf = pandoc_epub = None
    epub_size = pandoc_size = 0
    if not args.issue19:
        book_epub = run("book: publish epub", 1, publish("epub", str(book), "-o", str(out)), out)
        epub_size = next(out.glob("*.epub")).stat().st_size
        if shutil.which("pandoc"):
            pandoc_out = work / "pandoc.epub"
            pandoc_epub = run("book: Pandoc → EPUB, same texts and photos", 1,
                              ["sh", "-c", f"cd {work / 'peer'} && pandoc --from markdown -o {pandoc_out} "
                               + " ".join(p.name for p in sources)])
            pandoc_size = pandoc_out.stat().st_size

        edited = work / "book-edited"
        fresh(edited)
        shutil.copytree(book, edited)
        edit_out = work / "out-edited"
        measure(publish("all", str(edited), "-o", str(fresh(edit_out))))
        chapter = edited / f"chapter-{(args.texts + 1) // 2:02d}.md"
        chapter.write_text(edit_one_paragraph(chapter.read_text(encoding="utf-8")), encoding="utf-8")
        one_edit = run("book: publish all, one paragraph edited", 1,
                       publish("all", str(edited), "-o", str(edit_out)))
        chapter.write_text(edit_one_paragraph(chapter.read_text(encoding="utf-8")), encoding="utf-8")
        one_edit_pdf = run("book: publish pdf, one paragraph edited", 1,
                           publish("pdf", str(edited), "-o", str(edit_out)))

    # Notes: the same paragraphs with three notes each and with none, one process each, side by side.
    plain_book = make_notes_book(work / "notes-none", 60, 0)
    notes_book = make_notes_book(work / "notes-three", 60, 3)
    crowd_book = make_notes_book(work / "notes-crowd", 0, 0, one_paragraph=args.crowd)
    print("notes: pages with and without notes, alternating …", flush=True)
    pair = alternate({"none": (publish("pdf", str(plain_book), "-o", str(out), "--jobs", "1"), out),
                      "three": (publish("pdf", str(notes_book), "-o", str(work / "out-notes"), "--jobs", "1"),
                                work / "out-notes")}, args.book_repeat)
    no_notes = row("notes: a text without notes (--jobs 1)", pair["none"])
    with_notes = row("notes: the same text, three notes a paragraph (--jobs 1)", pair["three"])
    # Over model/limits.py's MAX_NOTES_NEARBY the manuscript is refused at its line, before layout (exit 2).
    crowd_refused = args.crowd > MAX_NOTES_NEARBY
    print(f"notes: {args.crowd} notes called in one paragraph …", flush=True)
    crowd = row(f"notes: {args.crowd} notes called in one paragraph (--jobs 1"
                f"{', refused at its line' if crowd_refused else ''})",
                [measure(publish("pdf", str(crowd_book), "-o", str(fresh(out)), "--jobs", "1"),
                         expect=2 if crowd_refused else 0)])
    startup = feature_pdf.cpu  # a build's fixed cost, at most: what a page costs is what is left
    rate_none = max(no_notes.cpu - startup, 1e-3) / max(pages_of(no_notes.samples[-1].stdout), 1)
    rate_notes = max(with_notes.cpu - startup, 1e-3) / max(pages_of(with_notes.samples[-1].stdout), 1)

    book_pages = pages_of(book_pdf.samples[-1].stdout)
    profiles: dict[str, list[str]] = {}
    for edition in ("pdf", "epub") if args.profile else ():
        print(f"profiling publish {edition} on the book …", flush=True)
        stats_file = work / f"book-{edition}.prof"
        sample = measure([sys.executable, "-m", "cProfile", "-o", str(stats_file), "-m", "publish", edition,
                          str(book), "-o", str(fresh(work / "out-profile")), "--jobs", "1"])
        profiles[edition] = [f"`publish {edition} --jobs 1` (one process, so the profile sees all the work) under "
                             f"cProfile: {sample.wall:.1f} s wall, {sample.cpu:.1f} s CPU "
                             "(profiling slows Python code, not the C libraries).", "",
                             *profile_lines(stats_file, sample.wall)]

    def write_results(growth: list[tuple[int, int, float, float | None]]) -> None:
        command = (f"python benchmarks/run.py --repeat {args.repeat} --book-repeat {args.book_repeat} "
                   f"--texts {args.texts} --largest {args.largest}" + (" --profile" if args.profile else ""))
        lines = [
            "# Benchmarks",
            "",
            f"Measured {started:%Y-%m-%d %H:%M} UTC with `{command}` (one command; it regenerates the books with "
            "`benchmarks/make_book.py` and the peers' inputs with `benchmarks/peers.py`).",
            "",
            "## Machine",
            "",
            *header,
            "- Font subsetter: publish always cuts fonts with the locked uharfbuzz's HarfBuzz "
            "(publish/engine/fonts.py, the same bytes "
            f"with or without HarfBuzz-Subset); WeasyPrint alone and the Pandoc peer here use {subsetter()} "
            "(with libharfbuzz-subset0, which Chromium's package pulls in, WeasyPrint subsets with HarfBuzz)",
            *(f"- {line}" for line in peer_versions()),
            "",
            "How to read the numbers: the machine is shared (see the load average), so absolute times drift "
            "by a factor of two or more between runs. Compared runs were made side by side, alternating, and "
            "their medians are compared. CPU time (user + system, children included) is what a target on one "
            "process is judged by; wall time is what the user waits and what the peers are compared on. "
            "Instruction counts were not available (`perf stat` has no hardware counters in this VM; "
            "callgrind is too slow for book runs).",
            "",
            f"The book: {args.texts} texts of ~2,500 words, {max(3, 60 * args.texts // 40)} photos of 2.4 to 6 "
            "megapixels (one RGBA PNG, one greyscale scan, one CMYK JPEG), footnotes, tables, Khmer and Japanese "
            f"passages; A5, {book_pages} pages. The peers get the same texts and photos as plain Markdown "
            "(title, standfirst, byline, captions) with one plain stylesheet and the same bundled faces "
            "(`benchmarks/peers.py`).",
            "",
            "## Results",
            "",
            "| measurement | runs | wall s | CPU s | peak RSS MB |",
            "|---|---:|---:|---:|---:|",
        ]
        for made in rows:
            lines.append(f"| {made.name} | {len(made.samples)} | {made.wall:.2f} | {made.cpu:.2f} | {made.rss:.0f} |")

        def ratio(a: float, b: float) -> float:
            return a / b if b else float("nan")

        targets = ["", "## Targets (issue 19)", "", "| target | measured | met |", "|---|---|---|"]
        for peer, limit in ((pandoc, 0.8), (viv, 0.7)):
            if peer is None:
                continue
            r = ratio(book_pdf.wall, peer.wall)
            targets.append(f"| book PDF ≤ {limit}× {peer.name.split(': ', 1)[1]} in wall time | {r:.2f}× "
                           f"({book_pdf.wall:.1f} s vs {peer.wall:.1f} s) | {verdict(r <= limit)} |")
        r_cpu, r_wall = ratio(single.cpu, floor.cpu), ratio(single.wall, floor.wall)
        targets.append(f"| book, one process (`--jobs 1`) ≤ 1.10× WeasyPrint alone on the same HTML | "
                       f"{r_cpu:.2f}× CPU, {r_wall:.2f}× wall | {verdict(r_cpu <= 1.10)} (judged on CPU) |")
        f_cpu = ratio(feature_pdf.cpu, feature_floor.cpu)
        targets.append(f"| bundled feature ≤ 1.15× WeasyPrint alone on its HTML | {f_cpu:.2f}× CPU, "
                       f"{ratio(feature_pdf.wall, feature_floor.wall):.2f}× wall | {verdict(f_cpu <= 1.15)} |")
        a_wall = ratio(book_all.wall, book_pdf_cold.wall)
        targets.append(f"| cold `publish all` ≤ 1.5× cold `publish pdf` | {a_wall:.2f}× wall "
                       f"({ratio(book_all.cpu, book_pdf_cold.cpu):.2f}× CPU) | {verdict(a_wall <= 1.5)} |")
        f_ratio = ratio(fonts_ours[1], fonts_floor[1])
        targets.append(f"| the book's font data within 10 % of one layout's | {fonts_ours[0]} font programs, "
                       f"{fonts_ours[1] / 1e6:.2f} MB vs {fonts_floor[0]}, {fonts_floor[1] / 1e6:.2f} MB "
                       f"({f_ratio:.2f}×) | {verdict(f_ratio <= 1.10)} |")
        n_ratio = ratio(rate_notes, rate_none)
        targets.append(f"| a page with notes ≤ 3× a page without | {n_ratio:.2f}× ({1000 * rate_notes:.0f} vs "
                       f"{1000 * rate_none:.0f} ms CPU a page, the feature's CPU taken as the fixed cost) | "
                       f"{verdict(n_ratio <= 3)} |")
        targets.append(f"| thousands of notes in one paragraph refused or fast | {args.crowd} calls in one paragraph: "
                       f"{'refused at its line in ' if crowd_refused else 'laid out in '}"
                       f"{crowd.wall:.1f} s wall, {crowd.cpu:.1f} s CPU | "
                       f"{'yes (refused)' if crowd_refused else 'see notes'} |")
        targets.append(f"| same bytes for any `--jobs` | `--jobs 1` and the default give "
                       f"{'the same' if same_bytes else 'different'} PDF bytes | {verdict(same_bytes)} |")
        targets.append(f"| no-change rebuild ≤ 0.5 s | {unchanged.wall:.2f} s | {verdict(unchanged.wall <= 0.5)} |")
        if one_edit is not None and one_edit_pdf is not None:
            edit_pdf, edit_all = ratio(one_edit_pdf.wall, book_pdf_cold.wall), ratio(one_edit.wall, book_all.wall)
            targets.append(f"| one-paragraph edit re-renders only what it must (at most half a full build) | "
                           f"print: {edit_pdf:.2f}×, all editions: {edit_all:.2f}× | "
                           f"{verdict(max(edit_pdf, edit_all) <= 0.5)} |")
        targets.append(f"| peak RSS ≤ 1.5 GB | {max(r.rss for r in rows):.0f} MB | "
                       f"{verdict(max(r.rss for r in rows) <= 1536)} |")
        if book_epub is not None:
            targets.append(epub_target(book_epub, epub_size, pandoc_epub, pandoc_size))
        targets.append(per_page_target([(t, p, w) for t, p, w, _ in growth]))
        lines += targets
        lines += ["", "## Time per page as the book grows", "",
                  "| texts | pages | publish pdf wall s | ms per page | Pandoc → WeasyPrint wall s | ratio |",
                  "|---:|---:|---:|---:|---:|---:|"]
        for texts, pages, wall, theirs in growth:
            per_page = 1000 * wall / pages if pages else float("nan")
            peer = f"{theirs:.2f} | {wall / theirs:.2f}×" if theirs else "– | –"
            lines.append(f"| {texts} | {pages} | {wall:.2f} | {per_page:.0f} | {peer} |")
            print(f"{pages} pages: {per_page:.0f} ms per page", flush=True)
        lines += ["", f"Feature PDF for scale: {feature_pdf.wall:.2f} s wall, {feature_pdf.cpu:.2f} s CPU.", ""]
        for edition, profile in profiles.items():
            lines += [f"## Where the time goes: `publish {edition} --jobs 1` on the book", "", *profile, ""]
        notes = args.results.parent / "NOTES.md"  # beside the results, so a frozen copy reads the current notes
        if notes.exists():
            lines += ["## Notes", "", notes.read_text(encoding="utf-8").strip(), ""]
        args.results.write_text("\n".join(lines), encoding="utf-8")
        print(f"wrote {args.results}")

    # Written now and again once the larger books are measured: a run stopped on the way keeps what it had.
    growth: list[tuple[int, int, float, float | None]] = [
        (args.texts, book_pages, book_pdf.wall, pandoc.wall if pandoc else None)]
    write_results(growth)
    # Time per page as the book grows, with Pandoc → WeasyPrint beside it when installed.
    for texts, folder in books.items():
        if texts == args.texts:
            continue
        times = 1 if texts >= args.largest else max(1, args.book_repeat - 1)
        commands = {"ours": (publish("pdf", str(folder), "-o", str(out)), out)}
        peer_folder = work / f"peer-{texts}"
        argv = pandoc_weasyprint(peer_folder, peer_markdown(folder, peer_folder), work / f"pandoc-{texts}.pdf")
        if argv is not None:
            commands["pandoc"] = (argv, None)
        print(f"book of {texts} texts: publish pdf{' and Pandoc → WeasyPrint' if argv else ''} …", flush=True)
        found = alternate(commands, times)
        ours = row(f"book, {texts} texts: publish pdf", found["ours"])
        theirs = row(f"book, {texts} texts: Pandoc → WeasyPrint", found["pandoc"]) if "pandoc" in found else None
        growth.append((texts, pages_of(ours.samples[-1].stdout), ours.wall, theirs.wall if theirs else None))
    growth.sort()
    write_results(growth)


if __name__ == "__main__":
    main()
