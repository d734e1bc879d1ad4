"""Every broken manuscript of the corpus ends with its expected diagnostic, exit 2, before anything is
laid out, without a traceback and without touching the edition already in the output folder."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import NO_LAYOUT_ENV, epubcheck_messages, make_photo

from publish.cli.main import main
from publish.runtime.output import LOCK_NAME

BROKEN = Path(__file__).resolve().parents[1] / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if (p / "expected.txt").is_file())
# What an author already has in the output folder: a failed build must leave it byte for byte.
PREVIOUS = {
    "a-small-feature.pdf": b"%PDF-1.7\n% the print edition built yesterday\n",
    "a-small-feature.epub": b"PK\x03\x04 the e-book built yesterday",
}
# A few cases also run as a user runs them: a separate process, nothing shared with the tests.
AS_SUBPROCESS = ("photo-decompression-bomb", "outside-symlink-photo", "text-invalid-utf8", "raw-html-script")
# Root reads any file, so "unreadable" needs the capabilities that let it do so taken away.
NEEDS_UNPRIVILEGED = {"unreadable-file"}


def prepare(name: str, parent: Path) -> Path:
    """The case copied into parent (symlinks kept), completed by its make.py when it has one."""
    source = BROKEN / name
    case = parent / name
    shutil.copytree(source, case, symlinks=True,
                    ignore=shutil.ignore_patterns("expected.txt", "make.py", "__pycache__"))
    maker = source / "make.py"
    if maker.exists():
        spec = importlib.util.spec_from_file_location(f"broken_{name.replace('-', '_')}", maker)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.make(case)
    return case


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of the output folder but the (empty) lock file a build that got as far as writing takes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink() and p.name != LOCK_NAME}


def previous_edition(parent: Path) -> dict[str, bytes]:
    output = parent / "output"
    output.mkdir()
    for name, data in PREVIOUS.items():
        (output / name).write_bytes(data)
    return snapshot(output)


def expected_lines(name: str) -> list[str]:
    return (BROKEN / name / "expected.txt").read_text(encoding="utf-8").splitlines()


def unprivileged() -> list[str]:
    """A prefix that runs a command as root without the power to read every file."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: an unreadable file cannot be made")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def run_process(name: str, parent: Path, prefix: list[str] = ()) -> tuple[int, str]:
    """The command as a user runs it, in a process where a WeasyPrint layout is an error (exit 1)."""
    done = subprocess.run([*prefix, sys.executable, "-m", "publish", "pdf", name, "-o", "output"],
                          cwd=parent, capture_output=True, text=True, timeout=60, env={**os.environ, **NO_LAYOUT_ENV})
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    """The CLI in-process (with the `no_layout` fixture, a layout fails the test)."""

    return CliRunner()


def check(name: str, code: int, stderr: str, everything: str) -> None:
    lines = stderr.splitlines()
    missing = [line for line in expected_lines(name) if line not in lines]
    assert not missing, f"{name}: expected lines missing from:\n{stderr}"
    assert code == 2, f"{name}: exit {code}\n{everything}"
    assert "Traceback" not in everything
    assert "nothing was written" in stderr


@pytest.mark.parametrize("name", CASES)
def test_broken_manuscript_gets_its_diagnostic_and_harms_nothing(
        name: str, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch, no_layout: list[str]) -> None:
    prepare(name, tmp_path)
    before = previous_edition(tmp_path)
    monkeypatch.chdir(tmp_path)
    if name in NEEDS_UNPRIVILEGED and os.geteuid() == 0:
        code, text = run_process(name, tmp_path, unprivileged())
        check(name, code, text, text)
    else:
        result = runner.invoke(main, ["pdf", name, "-o", "output"])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        check(name, result.exit_code, result.stderr, result.output)
    assert no_layout == [], f"{name}: laid out before it was refused"
    assert snapshot(tmp_path / "output") == before


@pytest.mark.parametrize("command", ["epub", "all"])
@pytest.mark.parametrize("name", ["remote-css-import", "photo-truncated", "nested-quotes-500-deep"])
def test_every_edition_command_answers_the_same(name: str, command: str, tmp_path: Path, runner: CliRunner,
                                               monkeypatch: pytest.MonkeyPatch, no_layout: list[str]) -> None:
    prepare(name, tmp_path)
    before = previous_edition(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, [command, name, "-o", "output"])
    check(name, result.exit_code, result.stderr, result.output)
    assert no_layout == [], f"{name}: laid out before it was refused"
    assert snapshot(tmp_path / "output") == before


@pytest.mark.slow  # a fresh interpreter per case (the in-process test covers every case)
@pytest.mark.parametrize("name", AS_SUBPROCESS)
def test_broken_manuscript_as_a_user_runs_it(name: str, tmp_path: Path) -> None:
    prepare(name, tmp_path)
    before = previous_edition(tmp_path)
    code, text = run_process(name, tmp_path)
    check(name, code, text, text)
    assert snapshot(tmp_path / "output") == before


def test_corpus_covers_every_kind_of_problem_the_issue_names() -> None:
    named = {
        "malformed TOML": "toml-malformed", "missing required field": "toml-missing-required",
        "unknown key with did-you-mean": "toml-unknown-key", "invalid date": "date-invalid",
        "ISBN with a bad checksum": "isbn-bad-checksum", "missing photo": "photo-missing",
        "photo never referenced": "photo-never-referenced", "truncated JPEG": "photo-truncated",
        "extension lies": "photo-extension-lies", "decompression bomb": "photo-decompression-bomb",
        "zero-byte text": "text-zero-bytes", "invalid UTF-8": "text-invalid-utf8",
        "empty manuscript": "manuscript-empty", "duplicate ids": "duplicate-ids",
        "../../etc/passwd": "outside-dotdot", "absolute path": "outside-absolute",
        "escaping symlink": "outside-symlink-photo", "http: image": "remote-image-http",
        "https: image": "remote-image-https", "ftp: image": "remote-image-ftp", "ftp: link": "remote-link-ftp",
        "remote CSS": "remote-css-import", "<script>": "raw-html-script", "<iframe>": "raw-html-iframe",
        "event handler": "raw-html-event-handler", "file: URL": "raw-html-file-url",
        "10,000-character word": "word-10000-characters", "nested lists": "nested-lists-300-deep",
        "nested quotes": "nested-quotes-500-deep", "thousands of footnotes": "footnotes-thousands",
        "path that is a directory": "text-is-a-folder", "unreadable file": "unreadable-file",
    }
    assert len(CASES) >= 30
    assert not [kind for kind, case in named.items() if case not in CASES]
    for name in CASES:
        assert all(": error: " in line or line.startswith("    hint: ") for line in expected_lines(name))
        assert expected_lines(name)[0].startswith(f"{name}/"), "paths as printed from the corpus folder"


def test_bomb_is_a_real_bomb(tmp_path: Path) -> None:
    """The bomb case is a valid PNG tens of thousands of pixels square that is small on disk."""
    from PIL import Image

    bomb = prepare("photo-decompression-bomb", tmp_path) / "photos" / "bomb.png"
    Image.MAX_IMAGE_PIXELS = None
    with Image.open(bomb) as image:
        assert min(image.size) >= 20_000
    assert bomb.stat().st_size < 1_000_000


# Odd but valid manuscripts: these must simply build --------------------------------------------

ODD_TOML = """\
title = "Braces {{ 7 * 7 }} & <Angles>"
language = "en"
date = 2020-05-01
description = "<script>alert(1)</script> ]]> <!-- x --> &amp;"

[[contributors]]
name = "Ada {% if true %}Writer{% endif %}"
role = "author"
"""
ODD_TEXT = """\
# Braces {{ 7 * 7 }} in a headline

The template said {{ 7 * 7 }} and {% for x in y %}loop{% endfor %} and {# a comment #}, printed as written.

A comparison: a < b & c > d, which is not HTML.

{% include "/etc/passwd" %}

![Three fishing boats in a calm harbour.](photos/harbour.jpg)

The last paragraph.
"""


def crlf_bom(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")


@pytest.fixture(scope="module")
def odd_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A manuscript saved by Windows Notepad (BOM, CRLF) whose text looks like template code."""
    root = tmp_path_factory.mktemp("odd") / "odd"
    root.mkdir()
    (root / "publication.toml").write_bytes(crlf_bom(ODD_TOML))
    (root / "feature.md").write_bytes(crlf_bom(ODD_TEXT))
    (root / "photos").mkdir()
    (root / "photos" / "captions.toml").write_bytes(crlf_bom(
        '["harbour.jpg"]\ncaption = "Boats {{ at }} dawn."\nalt = "Three boats {% raw %}."\n'))
    make_photo(root / "photos" / "harbour.jpg", size=(900, 600))
    output = root.parent / "output"
    result = CliRunner().invoke(main, ["all", str(root), "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return output


@pytest.mark.slow  # the odd manuscript built in every edition
def test_bom_and_crlf_simply_build(odd_build: Path) -> None:
    import pikepdf

    pdf = next(odd_build.glob("*.pdf"))
    with pikepdf.open(pdf) as document:
        assert len(document.pages) >= 1
    with zipfile.ZipFile(next(odd_build.glob("*.epub"))) as book:
        text = "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xhtml"))
    assert "\ufeff" not in text and "\r" not in text


@pytest.mark.slow  # the odd manuscript built in every edition
def test_template_syntax_in_the_text_prints_literally(odd_build: Path) -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(next(odd_build.glob("*.pdf"))))
    printed = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    document.close()
    flat = " ".join(printed.split())
    assert "{{ 7 * 7 }}" in flat
    assert "{% for x in y %}loop{% endfor %}" in flat
    assert "{# a comment #}" in flat
    assert '{% include "/etc/passwd" %}' in flat.replace("“", '"').replace("”", '"')
    with zipfile.ZipFile(next(odd_build.glob("*.epub"))) as book:
        xhtml = "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xhtml"))
        opf = "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".opf"))
    assert "{{ 7 * 7 }}" in xhtml and "{% for x in y %}loop{% endfor %}" in xhtml
    assert "{% include" in xhtml and "root:" not in xhtml
    assert "Boats {{ at }} dawn." in xhtml and "Three boats {% raw %}." in xhtml
    assert "a &lt; b &amp; c &gt; d" in xhtml
    assert "Braces {{ 7 * 7 }} &amp; &lt;Angles&gt;" in opf
    assert "Ada {% if true %}Writer{% endif %}" in opf
    assert "<Angles>" not in xhtml + opf
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; &lt;!-- x --&gt; &amp;amp;" in opf
    assert "<script" not in opf


@pytest.mark.slow  # the odd manuscript built in every edition
def test_markup_in_the_metadata_reaches_the_pdf_metadata_as_text(odd_build: Path) -> None:
    import pikepdf

    with pikepdf.open(next(odd_build.glob("*.pdf"))) as document:
        xmp = document.open_metadata()
        assert xmp.get("dc:title") == "Braces {{ 7 * 7 }} & <Angles>"
        assert list(xmp.get("dc:creator")) == ["Ada {% if true %}Writer{% endif %}"]
        assert str(document.docinfo["/Title"]) == "Braces {{ 7 * 7 }} & <Angles>"
        assert xmp.get("dc:description") == "<script>alert(1)</script> ]]> <!-- x --> &amp;"


@pytest.mark.slow  # the odd manuscript built in every edition
def test_markup_in_the_metadata_cannot_break_the_epub(odd_build: Path) -> None:
    messages = epubcheck_messages(next(odd_build.glob("*.epub")))
    assert [m for m in messages if not m.startswith("USAGE")] == []


# Our own bugs ------------------------------------------------------------------------------------


def test_an_internal_error_says_where_to_report_it_and_hides_the_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import publish.build.pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug planted by the test")

    monkeypatch.setattr(publish.build.pipeline, "build", broken)
    root = prepare("toml-malformed", tmp_path)
    (root / "publication.toml").write_text('title = "T"\nlanguage = "en"\ndate = 2020\n', encoding="utf-8")
    plain = CliRunner().invoke(main, ["pdf", str(root), "-o", str(tmp_path / "out")])
    assert plain.exit_code == 1
    assert "internal error: RuntimeError: a bug planted by the test" in plain.stderr
    assert "This is a bug in publish, not in your manuscript" in plain.stderr
    assert "Traceback" not in plain.output
    debug = CliRunner().invoke(main, ["--debug", "pdf", str(root), "-o", str(tmp_path / "out")])
    assert debug.exit_code == 1
    assert "Traceback" in debug.stderr
