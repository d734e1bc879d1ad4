"""The author's loop: `publish new`, `check`, `preview` (with --watch), the build report, the docs."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from conftest import REPO, run_publish, write_manuscript

from publish.cli.main import main
from publish.manuscript.scaffold import table_keys
from publish.manuscript.schema import TOP

SLUG = "a-small-feature"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small manuscript built once with the real command: (manuscript, output folder)."""
    root = tmp_path_factory.mktemp("workflow")
    manuscript = write_manuscript(root / "feature")
    output = root / "output"
    code, _, err = invoke("all", str(manuscript), "-o", str(output))
    assert code == 0, err
    return manuscript, output


# publish new ---------------------------------------------------------------------------------


def test_new_scaffolds_a_manuscript_that_builds_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "my-feature"
    code, out, err = invoke("new", str(folder), "--title", "Harbour Lights", "--author", "Ada Writer")
    assert code == 0, err
    assert f"created {folder / 'publication.toml'}" in out
    meta_text = (folder / "publication.toml").read_text(encoding="utf-8")
    meta = tomllib.loads(meta_text)
    assert meta["title"] == "Harbour Lights" and meta["contributors"] == [{"name": "Ada Writer", "role": "author"}]
    for key in TOP:  # every key and table the schema knows, set or commented, with its documentation
        assert f"# {key.doc}" in meta_text
        keys = table_keys(key.name)
        if key.doc.startswith("["):
            assert keys and re.search(rf"^(# )?\[+{key.name}\]+$", meta_text, re.M), key.name
        for inner in keys or (key,):
            assert re.search(rf"^(# )?{inner.name} = ", meta_text, re.M), inner.name
            assert f"# {inner.doc}" in meta_text
    captions = tomllib.loads((folder / "photos" / "captions.toml").read_text(encoding="utf-8"))
    assert captions["stand-in.jpg"]["alt"]
    assert (folder / "photos" / "stand-in.jpg").stat().st_size > 10_000

    output = tmp_path / "output"
    code, out, err = invoke("all", str(folder), "-o", str(output))
    assert code == 0, err
    assert "warning" not in err
    assert (output / "harbour-lights.pdf").is_file() and (output / "harbour-lights.epub").is_file()


def test_new_refuses_a_folder_with_files_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "existing"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    run = run_publish("new", str(folder))
    assert run.returncode == 2
    assert "already exists and is not empty" in run.stderr and "Traceback" not in run.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    code, _, err = invoke("new", str(tmp_path / "fresh"), "--language", "English")
    assert code == 2 and "--language: 'English' is not a BCP 47 language tag" in err
    assert not (tmp_path / "fresh").exists()


# publish check -------------------------------------------------------------------------------

BROKEN_TEXT = """\
+++
title = "A Small Feature"
+++

A call to a note that is missing.[^gone]

![](photos/harbour.jpg)

See [the end](#the-end).

[^unused]: A note nobody calls.
"""


def test_check_groups_every_problem_by_file_with_a_summary(tmp_path: Path) -> None:
    manuscript = write_manuscript(tmp_path / "feature", {
        "feature.md": BROKEN_TEXT,
        "photos/captions.toml": '["harbour.jpg"]\ncaption = "Boats."\n',
    })
    code, out, _ = invoke("check", str(manuscript), "-o", str(tmp_path / "output"))
    assert code == 2
    text, captions = f"{manuscript}/feature.md", f"{manuscript}/photos/captions.toml"
    assert f"{text}:5:34: error: footnote [^gone] is cited but never defined" in out
    assert f"{text}:9:15: error: link to '#the-end', but no heading or element has that id" in out
    assert f"{text}:11: error: footnote [^unused] is never referenced in the text" in out
    assert f"{captions}:1:1: error: photo 'photos/harbour.jpg' has no alt text" in out
    # grouped: each file named once on its own line, its findings indented under it
    assert out.splitlines().count(text) == 1 and out.splitlines().count(captions) == 1
    assert out.index(captions) < out.index(f"  {captions}:1:")
    assert f"{manuscript}: 4 errors, 0 warnings in 2 files" in out
    assert "not checked: built editions" in out


def test_check_json_for_ci(tmp_path: Path) -> None:
    manuscript = write_manuscript(tmp_path / "feature", {"feature.md": BROKEN_TEXT})
    code, out, _ = invoke("check", str(manuscript), "-o", str(tmp_path / "output"), "--format", "json")
    assert code == 2
    report = json.loads(out)
    assert report["summary"]["errors"] == 3 and report["summary"]["warnings"] == 0
    (text_file,) = report["files"]
    assert text_file["path"] == f"{manuscript}/feature.md"
    assert [(d["line"], d["severity"]) for d in text_file["diagnostics"]] == [
        (5, "error"), (9, "error"), (11, "error")]
    assert all(d["hint"] for d in text_file["diagnostics"])


def test_check_runs_the_photo_preflight_of_the_print_build(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write_manuscript(tmp_path / "feature", photos={"photos/harbour.jpg": {"size": (300, 200), "dpi": 72}})
    monkeypatch.chdir(tmp_path)  # paths are shown as the author typed them
    code, out, _ = invoke("check", "feature")
    assert code == 2
    assert re.search(r"^  feature/feature.md:8:5: error: photo 'photos/harbour.jpg' prints at \d+ ppi", out,
                     re.M), out
    assert "checked: photo preflight" in out and "checked: glyph coverage" in out


def test_check_validates_built_editions_as_a_subprocess(built: tuple[Path, Path]) -> None:
    manuscript, output = built
    assert manuscript.parent == output.parent
    run = run_publish("check", manuscript.name, "-o", output.name, cwd=output.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"checked: print PDF structure ({output.name}/{SLUG}.pdf)" in run.stdout
    if shutil.which("java"):
        assert f"checked: EPUBCheck ({output.name}/{SLUG}.epub)" in run.stdout
    else:
        assert "not checked: EPUBCheck (Java is not installed" in run.stdout
    assert f"{manuscript.name}: no problems found" in run.stdout
    assert re.search(r"^preflight: photos/harbour\.jpg: RGB .* \d+ ppi at \d+×\d+ mm", run.stdout, re.M)
    report = (output / f"{SLUG}.report.html").read_text(encoding="utf-8")
    assert "W3C EPUBCheck found no errors and no warnings" in report or "Java is not installed" in report


def test_check_says_when_epubcheck_cannot_run_and_finds_a_damaged_pdf(
        built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manuscript, output = built
    damaged = tmp_path / "output"
    damaged.mkdir()
    shutil.copy(output / f"{SLUG}.epub", damaged)
    data = (output / f"{SLUG}.pdf").read_bytes()
    (damaged / f"{SLUG}.pdf").write_bytes(data[: len(data) // 3])
    monkeypatch.setattr("publish.checks.command.shutil.which", lambda name: None)
    code, out, _ = invoke("check", str(manuscript), "-o", str(damaged))
    assert code == 2
    assert "not checked: EPUBCheck (Java is not installed, and EPUBCheck needs it" in out
    assert f"{damaged}/{SLUG}.pdf: error:" in out


def test_check_finds_a_pdf_that_breaks_its_pdfx_promise(built: tuple[Path, Path], tmp_path: Path) -> None:
    manuscript, output = built
    altered = tmp_path / "output"
    altered.mkdir()
    with pikepdf.open(output / f"{SLUG}.pdf") as pdf:
        claim = str(pdf.trailer.Info.get("/GTS_PDFXVersion", ""))
        assert claim.startswith("PDF/X"), "the print edition claims PDF/X"
        del pdf.Root["/OutputIntents"]
        del pdf.pages[1].obj["/BleedBox"]
        pdf.save(altered / f"{SLUG}.pdf")
    code, out, _ = invoke("check", str(manuscript), "-o", str(altered), "--no-epubcheck")
    assert code == 2
    assert f"{altered}/{SLUG}.pdf: error: the PDF claims {claim} but has no PDF/X output intent" in out
    assert (f"{altered}/{SLUG}.pdf: error: page 2 has no bleed box around the trim, though "
            f"{manuscript}/publication.toml asks for 3 mm of bleed") in out


def test_check_still_validates_the_editions_of_a_manuscript_that_does_not_load(
        built: tuple[Path, Path], tmp_path: Path) -> None:
    manuscript, output = built
    broken = shutil.copytree(manuscript, tmp_path / "feature")
    (broken / "photos" / "captions.toml").write_text('["harbour.jpg"]\ncaption = "Boats."\n', encoding="utf-8")
    code, out, _ = invoke("check", str(broken), "-o", str(output), "--no-epubcheck")
    assert code == 2
    assert f"{broken}/photos/captions.toml:1:1: error: photo 'photos/harbour.jpg' has no alt text" in out
    assert f"checked: print PDF structure ({output}/{SLUG}.pdf)" in out


def test_an_output_folder_inside_the_manuscript_is_refused(tmp_path: Path) -> None:
    """`publish all . -o output` run inside the manuscript would put each build's editions into the next archive."""
    manuscript = write_manuscript(tmp_path / "feature")
    for output in (manuscript / "output", manuscript):
        code, out, err = invoke("epub", str(manuscript), "-o", str(output))
        assert code == 2 and f"the output folder {output} is inside the manuscript" in err, err
        assert "hint: choose an output folder beside the manuscript" in err
    assert not (manuscript / "output").exists()


def test_check_after_a_build_finds_nothing_stale_until_the_manuscript_changes(tmp_path: Path) -> None:
    manuscript = write_manuscript(tmp_path / "feature")
    output = tmp_path / "output"
    assert invoke("epub", str(manuscript), "-o", str(output))[0] == 0
    code, out, _ = invoke("check", str(manuscript), "-o", str(output), "--no-epubcheck")
    assert code == 0 and f"{manuscript}: no problems found" in out, out
    assert "not checked: EPUBCheck (switched off with --no-epubcheck)" in out
    text = manuscript / "feature.md"
    text.write_text(text.read_text(encoding="utf-8") + "\nA late addition.\n", encoding="utf-8")
    code, out, _ = invoke("check", str(manuscript), "-o", str(output), "--no-epubcheck")
    assert code == 0 and f"{output}/{SLUG}.epub: warning: this edition is older than the manuscript" in out


def test_a_bug_in_check_is_reported_as_ours_not_the_authors(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise ValueError("simulated defect")

    monkeypatch.setattr("publish.checks.command.load", broken)
    code, out, err = invoke("check", str(write_manuscript(tmp_path / "feature")))
    assert code == 1
    assert "publish: internal error: ValueError: simulated defect" in err
    assert "This is a bug in publish, not in your manuscript" in err and "Traceback" not in err + out


# The build report ----------------------------------------------------------------------------


def test_build_writes_a_report_linked_from_the_summary(built: tuple[Path, Path]) -> None:
    _, output = built
    report_file = output / f"{SLUG}.report.html"
    html = report_file.read_text(encoding="utf-8")
    with pikepdf.open(output / f"{SLUG}.pdf") as pdf:
        pages = len(pdf.pages)
    thumbnails = re.findall(r'<img src="data:image/jpeg;base64,[^"]+" alt="Page (\d+) of the print edition"', html)
    assert thumbnails == [str(n) for n in range(1, pages + 1)]
    assert f'href="{SLUG}.pdf"' in html and f'href="{SLUG}.epub"' in html
    size_kb = (output / f"{SLUG}.pdf").stat().st_size / 1024
    assert f"{size_kb:.1f} KB" in html
    assert 'alt="The photo photos/harbour.jpg"' in html


def test_report_shows_a_preflight_finding_with_its_photo(tmp_path: Path) -> None:
    manuscript = write_manuscript(tmp_path / "feature", photos={"photos/harbour.jpg": {"size": (800, 533)}})
    output = tmp_path / "output"
    code, out, err = invoke("pdf", str(manuscript), "-o", str(output))
    assert code == 0, err
    report_file = output / f"{SLUG}.report.html"
    assert f"report: {report_file.resolve().as_uri()}" in out
    html = report_file.read_text(encoding="utf-8")
    finding = re.search(r'<li class="finding finding-warning">(.*?)</li>', html, re.S)
    assert finding, html
    assert 'src="data:image/jpeg;base64,' in finding.group(1)
    assert "photo &#39;photos/harbour.jpg&#39; prints at" in finding.group(1)
    assert "feature.md:8" in finding.group(1)


# publish preview -----------------------------------------------------------------------------


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def test_preview_serves_pages_and_chapters_and_rebuilds_on_change(tmp_path: Path) -> None:
    from publish.cli.preview import Preview

    manuscript = write_manuscript(tmp_path / "feature")
    output = tmp_path / "output"
    preview = Preview(manuscript, output, port=0, watch=True)
    assert preview.server.server_address[0] == "127.0.0.1"
    assert preview.rebuild()
    assert preview.rebuild() and "from the cache" in preview.status.message  # the cached pipeline
    preview.start()
    try:
        url = preview.url
        status, kind, body = fetch(url)
        assert status == 200 and kind.startswith("text/html")
        page_count = len(re.findall(r'<img src="/pages/\d+\.png', body.decode()))
        assert page_count >= 1
        status, kind, png = fetch(url + "pages/1.png?width=240")
        assert (status, kind) == (200, "image/png") and png.startswith(b"\x89PNG")
        assert fetch(url + f"pages/{page_count + 1}.png")[0] == 404

        status, _, body = fetch(url + "ebook/")
        chapter = re.search(r'href="(/epub/[^"]+/feature\.xhtml)"', body.decode())
        assert status == 200 and chapter
        status, kind, xhtml = fetch(url.rstrip("/") + chapter.group(1))
        assert kind.startswith("application/xhtml+xml")
        assert b"The first paragraph of a small feature." in xhtml
        assert b'<script src="/_preview.js"></script></body>' in xhtml
        assert fetch(url + "epub/META-INF/container.xml")[0] == 404

        version = json.loads(fetch(url + "version")[2])["version"]
        text = manuscript / "feature.md"
        text.write_text(text.read_text(encoding="utf-8").replace("first paragraph", "revised paragraph"),
                        encoding="utf-8")
        deadline = time.monotonic() + 120
        while json.loads(fetch(url + "version")[2])["version"] == version:
            assert time.monotonic() < deadline, "no rebuild after the text changed"
            time.sleep(0.3)
        state = json.loads(fetch(url + "version")[2])
        assert state["message"].startswith("built"), state
        assert b"The revised paragraph" in fetch(url.rstrip("/") + chapter.group(1))[2]

        (manuscript / "publication.toml").write_text('title = "A Small Feature"\nlanguage = "en"\n',
                                                     encoding="utf-8")
        version = state["version"]
        while (state := json.loads(fetch(url + "version")[2]))["version"] == version:
            assert time.monotonic() < deadline, "no rebuild after the metadata changed"
            time.sleep(0.3)
        assert state["message"].startswith("1 error in"), state
        assert any("missing required key 'date'" in p for p in state["problems"])
        assert b"missing required key" in fetch(url)[2]  # the page says why, over the last good pages
    finally:
        preview.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "version", timeout=5)


def test_preview_reads_the_manuscript_and_draws_pages_once_per_build(built: tuple[Path, Path],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests read what the last build left: no manuscript file read, no PDF opened again, no page drawn twice."""
    import pypdfium2

    from publish.cli.preview import Preview

    manuscript, output = built
    preview = Preview(manuscript, output, port=0)
    assert preview.rebuild()
    reads, opened = [], []
    real_read, real_bytes, real_document = Path.read_text, Path.read_bytes, pypdfium2.PdfDocument

    def read_text(path: Path, *args: object, **kwargs: object) -> str:
        reads.append(path)
        return real_read(path, *args, **kwargs)

    def read_bytes(path: Path) -> bytes:
        reads.append(path)
        return real_bytes(path)

    monkeypatch.setattr(Path, "read_text", read_text)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(pypdfium2, "PdfDocument", lambda *a, **k: opened.append(a) or real_document(*a, **k))
    preview.start()
    try:
        for _ in range(3):
            assert fetch(preview.url)[0] == 200
            assert fetch(preview.url + "ebook/")[0] == 200
            assert fetch(preview.url + "pages/1.png?width=240")[0] == 200
    finally:
        preview.stop()
    assert not [p for p in reads if p.resolve().is_relative_to(manuscript.resolve())]  # the manuscript: not read
    assert len(opened) == 1  # to draw page 1 at 240 px, once (the pages were counted by the build's end)


def test_preview_watches_with_watchfiles_and_ignores_its_own_output(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import watchfiles

    from publish.cli.preview import Preview, change_filter, watched_folders

    manuscript = write_manuscript(tmp_path / "feature")
    output = manuscript / "output"  # inside the manuscript: the build's own writes are no change
    wanted = change_filter(output)
    assert wanted(None, str(manuscript / "feature.md"))
    assert not wanted(None, str(output / "a-small-feature.pdf"))
    assert not wanted(None, str(output / ".publish-cache" / "builds" / "x.json"))
    assert not wanted(None, str(manuscript / ".feature.md.swp")) and not wanted(None, str(manuscript / "x~"))
    assert manuscript in watched_folders(manuscript)

    calls: list[tuple[tuple, dict]] = []

    def fake_watch(*paths: Path, **options: object):  # one burst of saves, then the watcher is stopped
        calls.append((paths, options))
        yield {(watchfiles.Change.modified, str(manuscript / "feature.md"))}

    preview = Preview(manuscript, output, port=0, watch=True)
    rebuilds: list[int] = []
    monkeypatch.setattr(watchfiles, "watch", fake_watch)
    monkeypatch.setattr(preview, "rebuild", lambda: rebuilds.append(1) or True)
    try:
        preview._watch()
    finally:
        preview.server.server_close()
    assert rebuilds == [1]
    (paths, options), = calls
    assert manuscript in paths and options["stop_event"] is preview.stopping


def test_preview_command_as_a_subprocess_and_in_chromium(built: tuple[Path, Path]) -> None:
    manuscript, output = built
    process = subprocess.Popen([sys.executable, "-m", "publish", "preview", str(manuscript), "-o", str(output),
                                "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        assert match, line + process.stderr.read()  # type: ignore[union-attr]
        url = match.group(1)
        assert json.loads(fetch(url + "version")[2])["version"] == 1  # editions were current: no rebuild
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium:
            done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                                   "--virtual-time-budget=5000", url], capture_output=True, text=True,
                                  timeout=120)
            dom = done.stdout
            assert 'data-preview-version="1"' in dom, done.stderr[-2000:]  # the refresh script ran
            assert re.search(r'<img src="/pages/1\.png[^"]*" srcset="[^"]+" alt="Page 1 of the print edition"', dom)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        finally:
            process.kill()
    assert process.returncode == 0
    if not chromium:
        pytest.skip("chromium is not installed: the page was fetched but not rendered in a browser")


def test_preview_refuses_a_missing_manuscript_and_a_busy_port(tmp_path: Path) -> None:
    code, _, err = invoke("preview", str(tmp_path / "nowhere"))
    assert code == 2 and "manuscript folder does not exist" in err
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        manuscript = write_manuscript(tmp_path / "feature")
        code, _, err = invoke("preview", str(manuscript), "--port", str(port))
    assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err


# Docs ----------------------------------------------------------------------------------------


def test_command_reference_is_current() -> None:
    sys.path.insert(0, str(REPO / "docs"))
    try:
        from make_commands import TARGET, render
    finally:
        sys.path.pop(0)
    assert TARGET.read_text(encoding="utf-8") == render(main), \
        "docs/commands.md is out of date: run `python docs/make_commands.py`"
    for name in ("check", "new", "preview", "pdf", "epub", "all"):
        assert f"## publish {name}\n" in TARGET.read_text(encoding="utf-8")


def test_styling_guide_names_hooks_the_editions_really_have() -> None:
    guide = (REPO / "docs" / "styling.md").read_text(encoding="utf-8")
    sources = [*(REPO / "publish" / "styles" / "templates").glob("*"), REPO / "publish" / "render" / "html.py",
               REPO / "publish" / "manuscript" / "markdown.py"]  # the renderer marks .initial, Markdown .align-*
    templates = "".join(p.read_text(encoding="utf-8") for p in sources)
    classes = set(re.findall(r"`\.([a-z][a-z0-9-]+)`", guide))
    assert len(classes) >= 15
    # photo-{{ photo.placement }} gives .photo-wide, kind-{{ article.kind }} .kind-about-the-author
    composed = set(re.findall(r"[\"' ]([a-z][a-z0-9-]*-)\{\{", templates))
    for name in classes:
        assert re.search(rf"[\"' -]{re.escape(name)}[\"' {{]", templates) \
            or name.rsplit("-", 1)[0] + "-{" in templates or any(name.startswith(prefix) for prefix in composed) \
            or name in ("kicker", "smallcaps"), f"docs/styling.md names .{name}, which no template provides"

