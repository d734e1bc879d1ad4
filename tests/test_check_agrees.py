"""`publish check` and the build say the same about a manuscript (issue 16): for each mistake the build can
find, check reports the same diagnostics, word for word, and says which checks only a build makes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import MINIMAL_TOML, run_publish, write_manuscript

from publish.checks.command import NEEDS_A_BUILD
from publish.model.diagnostics import Diagnostic, Severity

X1A = MINIMAL_TOML + '\n[print]\nstandard = "pdf/x-1a"\n'
PNG_WITH_ALPHA = {"mode": "RGBA", "fmt": "PNG", "size": (2400, 1600)}
CAPTION_PNG = '["harbour.png"]\ncaption = "A chart."\nalt = "A gradient on a transparent ground."\n'
TEXT_PNG = '+++\ntitle = "A Small Feature"\n+++\n\nThe first paragraph.\n\n![](photos/harbour.png)\n'

MISTAKES: dict[str, tuple[dict, dict]] = {  # name: (files, photos)
    "pdf-x-1a with rgba() in print.css": (
        {"publication.toml": X1A, "styles/print.css": ".byline { color: rgba(155, 28, 28, 0.5); }\n"}, {}),
    "pdf-x-1a with opacity in base.css": (
        {"publication.toml": X1A, "styles/base.css": "figure img { opacity: 0.8; }\n"}, {}),
    "pdf-x-1a with a transparent photo": (
        {"publication.toml": X1A, "feature.md": TEXT_PNG, "photos/captions.toml": CAPTION_PNG},
        {"photos/harbour.jpg": None, "photos/harbour.png": PNG_WITH_ALPHA}),
    "a font that is no font": (
        {"styles/fonts.css": '@font-face { font-family: "Broken"; src: url("broken.ttf"); }\n'
                             'html { font-family: "Broken", serif; }\n', "styles/broken.ttf": "not a font"}, {}),
    "a template that fetches": (
        {"styles/templates/titlepage.html": '<section class="titlepage" id="titlepage"><img alt="logo" '
                                            'src="https://example.com/logo.png"/>{{ meta.title }}</section>\n'}, {}),
    "a stylesheet image that is missing": ({"styles/print.css": '.titlepage { background: url("paper.png"); }\n'}, {}),
    "an unknown printing condition": (
        {"publication.toml": MINIMAL_TOML + '\n[print]\noutput_profile = "FOGRA99"\n'}, {}),
    "a photo too coarse to print": ({}, {"photos/harbour.jpg": {"size": (480, 320), "dpi": 72}}),
}

_DIAGNOSTIC = re.compile(r"^(?P<where>\S.*?): (?P<severity>error|warning): (?P<message>.*)$")


def build_diagnostics(stderr: str) -> set[str]:
    """The diagnostics a build printed, each as Diagnostic.format() gives it (its hint included)."""
    found, lines = [], stderr.splitlines()
    for index, line in enumerate(lines):
        if _DIAGNOSTIC.match(line):
            hint = lines[index + 1] if index + 1 < len(lines) and lines[index + 1].startswith("    hint: ") else ""
            found.append(line + ("\n" + hint if hint else ""))
    return set(found)


def check_report(root: Path, output: Path) -> dict:
    run = run_publish("check", str(root), "-o", str(output), "--format", "json", "--no-epubcheck")
    assert run.returncode in (0, 2), run.stderr
    return json.loads(run.stdout)


def check_diagnostics(report: dict) -> set[str]:
    return {Diagnostic.from_dict(d).format() for file in report["files"] for d in file["diagnostics"]}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_check_and_the_build_report_the_same(mistake: str, tmp_path: Path) -> None:
    files, photos = MISTAKES[mistake]
    root = write_manuscript(tmp_path / "ms", files, photos)
    report = check_report(root, tmp_path / "checked")
    build = run_publish("all", str(root), "-o", str(tmp_path / "out"), "--jobs", "1")
    built = build_diagnostics(build.stderr)
    assert built, f"the build found nothing wrong with {mistake}: {build.stderr}"
    assert check_diagnostics(report) == built
    errors = any(f": {Severity.ERROR.value}: " in line for line in built)
    assert (build.returncode == 2) == errors and (report["summary"]["errors"] > 0) == errors


def test_pdf_x_1a_points_at_the_transparent_declaration(tmp_path: Path) -> None:
    files, photos = MISTAKES["pdf-x-1a with rgba() in print.css"]
    report = check_report(write_manuscript(tmp_path / "ms", files, photos), tmp_path / "checked")
    where = {(Path(d["path"]).name, d["line"], d["column"]) for f in report["files"] for d in f["diagnostics"]}
    assert ("print.css", 1, 18) in where and ("publication.toml", 10, None) in where
    assert any(line.startswith("PDF/X-1a on the written pages") for line in report["checked"])


def test_check_says_what_only_a_build_decides(tmp_path: Path) -> None:
    """A PDF/X-4 manuscript's pages are not written by check, nor is any archive: check says so."""
    report = check_report(write_manuscript(tmp_path / "ms"), tmp_path / "checked")
    assert report["summary"]["errors"] == 0
    assert NEEDS_A_BUILD["pdf/x-4"] in report["not_checked"]
    assert NEEDS_A_BUILD["archive"] in report["not_checked"]
    assert not any(line.startswith("PDF/X-1a") for line in report["checked"])
