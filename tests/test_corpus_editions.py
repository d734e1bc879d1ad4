"""Every edition of every corpus manuscript, judged by validators we did not write.

The corpus (tests/manuscripts/) was written by people who did not build publish: a magazine feature,
a 12-chapter book, an anthology in four scripts, a photo essay, an every-option file, an A5 edge case,
tables and heavy notes. Each is built once with `publish all`; its EPUB must pass EPUBCheck and DAISY
Ace, its archive PDF veraPDF and outloud (the autouse fixture in conftest.py checks every archive a
test leaves), and its print PDF must say what it is (PDF/X, boxes) for a printer.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from conftest import BUNDLED, CORPUS, MANUSCRIPTS, REPO, epubcheck_messages, run_publish
from validators import ace_available, ace_violations

pytestmark = pytest.mark.slow

NAMES = ("bundled", *CORPUS)


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory):
    """`publish all` of a corpus manuscript, once per module: its output folder."""
    built: dict[str, Path] = {}

    def build(name: str) -> Path:
        if name not in built:
            source = BUNDLED if name == "bundled" else MANUSCRIPTS / name
            output = tmp_path_factory.mktemp(f"{name}-all")
            run = run_publish("all", str(source), "-o", str(output), cwd=REPO, timeout=2400)
            assert run.returncode == 0, run.stderr
            built[name] = output
        return built[name]

    return build


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("name", NAMES)
def test_each_epub_passes_epubcheck_and_ace(editions, name: str) -> None:
    epub = _one(editions(name), "*.epub")
    problems = [m for m in epubcheck_messages(epub) if not m.startswith(("INFO", "USAGE CSS-028"))]
    assert problems == [], f"{name}: EPUBCheck\n" + "\n".join(problems)
    if not ace_available():
        pytest.skip("DAISY Ace (npm @daisy/ace-cli) or Chromium is not installed; .ci/run installs them")
    violations = ace_violations(epub)
    assert violations == [], f"{name}: DAISY Ace\n" + "\n".join(violations)


@pytest.mark.parametrize("name", NAMES)
def test_each_print_pdf_says_what_it_is_to_a_printer(editions, name: str) -> None:
    """PDF/X-4 (or X-1a) named in the XMP and in the output intent; every page trimmed inside its bleed."""
    pdf = next(p for p in editions(name).glob("*.pdf") if not p.name.endswith(".archive.pdf"))
    with pikepdf.open(pdf) as document:
        with document.open_metadata() as xmp:
            version = xmp.get("pdfxid:GTS_PDFXVersion") or ""
        assert version.startswith("PDF/X-"), version
        intents = [str(i.get("/S")) for i in document.Root.get("/OutputIntents", [])]
        assert intents == ["/GTS_PDFX"], intents
        for number, page in enumerate(document.pages, start=1):
            trim = [float(v) for v in page.obj.TrimBox]
            bleed = [float(v) for v in page.obj.BleedBox]
            media = [float(v) for v in page.obj.MediaBox]
            assert bleed[0] <= trim[0] and bleed[1] <= trim[1] and bleed[2] >= trim[2] and bleed[3] >= trim[3], number
            assert media[0] <= bleed[0] and media[2] >= bleed[2], number


@pytest.mark.parametrize("name", NAMES)
def test_each_archive_claims_pdfa_and_pdfua(editions, name: str) -> None:
    """The claims the autouse validators then hold it to: PDF/A-3a and PDF/UA-1 for every manuscript."""
    archive = _one(editions(name), "*.archive.pdf")
    with pikepdf.open(archive) as document, document.open_metadata() as xmp:
        assert (xmp.get("pdfaid:part"), xmp.get("pdfaid:conformance")) == ("3", "A")
        assert xmp.get("pdfuaid:part") == "1"
