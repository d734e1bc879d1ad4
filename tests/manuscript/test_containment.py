"""Containment and safety, proved from outside: builds need no network, never reach outside the
manuscript, and a build that fails, is interrupted, is killed or collides with another never costs
the author the edition already in the output folder."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MINIMAL_TEXT, make_photo, write_manuscript

from publish.cli.main import main
from publish.runtime.output import LOCK_NAME, locked

LINKS = "\n\nThe agency's site is [example.com](https://example.com/) and [its archive](http://example.org/).\n"
LONG_TEXT = MINIMAL_TEXT + LINKS + "".join(
    f"\nParagraph {n}: the harbour master counted the boats again, because the tide had turned "
    "and the light was going, and nobody trusted the morning's list any more.\n" for n in range(160))


class NetworkGuard:
    """Replaces every way Python opens a connection; records who tried."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.attempts: list[str] = []

        def refuse(what: object) -> None:
            self.attempts.append(repr(what))
            raise OSError("network disabled by the test")

        monkeypatch.setattr(socket.socket, "connect", lambda sock, address: refuse(address))
        monkeypatch.setattr(socket.socket, "connect_ex", lambda sock, address: refuse(address))
        monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(address))
        monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: refuse(host))


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> NetworkGuard:
    return NetworkGuard(monkeypatch)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_build_succeeds_with_the_network_disabled(tmp_path: Path, network: NetworkGuard) -> None:
    root = write_manuscript(tmp_path / "m", {"feature.md": MINIMAL_TEXT + LINKS})
    code, output = invoke("all", str(root), "-o", str(tmp_path / "out"))
    assert code == 0, output
    assert (tmp_path / "out" / "a-small-feature.pdf").stat().st_size > 0
    assert (tmp_path / "out" / "a-small-feature.epub").stat().st_size > 0
    assert network.attempts == []


def _unshare() -> list[str]:
    """The command prefix that runs a process in a network namespace of its own (only loopback, down)."""
    if shutil.which("unshare") is None:
        return []
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):  # as root; as a user, with a user namespace
        if subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
            return prefix
    return []


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
@pytest.mark.skipif(not _unshare(), reason="unshare -n is not available here")
def test_build_succeeds_in_a_process_without_a_network(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "m", {"feature.md": MINIMAL_TEXT + LINKS})
    done = subprocess.run([*_unshare(), sys.executable, "-m", "publish", "pdf", str(root), "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "a-small-feature.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("css", [
    '@import url("http://example.com/fonts.css");\n',
    "body {\n  background: url(https://example.com/paper.png);\n}\n",
    "@font-face { font-family: X; src: url('ftp://example.com/x.woff2'); }\n",
])
def test_remote_urls_in_the_manuscript_css_are_refused_and_nothing_is_fetched(
        tmp_path: Path, network: NetworkGuard, css: str) -> None:
    root = write_manuscript(tmp_path / "m", {"styles/base.css": "/* house style */\n" + css})
    code, output = invoke("pdf", str(root), "-o", str(tmp_path / "out"))
    assert code == 2
    assert f"{root.as_posix()}/styles/base.css:" in output
    assert "is not allowed: builds are offline" in output
    assert network.attempts == []
    assert not list((tmp_path / "out").glob("*.pdf"))


@pytest.mark.parametrize("command", ["pdf", "epub"])
def test_a_template_naming_a_remote_image_is_refused_before_anything_is_laid_out(
        tmp_path: Path, network: NetworkGuard, command: str) -> None:
    root = write_manuscript(tmp_path / "m", {
        "styles/templates/titlepage.html":
            '<section class="titlepage" id="titlepage"><p>{{ meta.title }}</p>\n'
            '<img src="https://example.com/logo.png" alt="The logo"/></section>\n'})
    code, text = invoke(command, str(root), "-o", str(tmp_path / "out"))
    assert code == 2, text
    assert (f"{root.as_posix()}/styles/templates/titlepage.html:2: error: template: the resource "
            "'https://example.com/logo.png' would be fetched, but builds are offline") in text
    assert network.attempts == []


def test_a_template_building_a_remote_url_is_refused_by_the_gate_and_nothing_is_fetched(
        tmp_path: Path, network: NetworkGuard) -> None:
    """A URL put together by template code escapes the loader's reading; the layout's gate still stops it."""
    root = write_manuscript(tmp_path / "m", {
        "styles/templates/titlepage.html":
            '<section class="titlepage" id="titlepage"><p>{{ meta.title }}</p>'
            '<img src="{{ "https" }}://example.com/logo.png" alt="The logo"/></section>\n'})
    output = tmp_path / "out"
    output.mkdir()
    (output / "a-small-feature.pdf").write_bytes(b"%PDF-1.7 yesterday's edition")
    code, text = invoke("pdf", str(root), "-o", str(output))
    assert code == 2, text
    assert "the layout asked for 'https://example.com/logo.png', which was refused" in text
    assert network.attempts == []
    assert (output / "a-small-feature.pdf").read_bytes() == b"%PDF-1.7 yesterday's edition"


def test_a_symlinked_folder_leading_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    make_photo(outside / "harbour.jpg", size=(600, 400))
    root = write_manuscript(tmp_path / "m", photos={"photos/harbour.jpg": None})
    (root / "photos" / "harbour.jpg").unlink(missing_ok=True)
    shutil.rmtree(root / "photos")
    (root / "photos").symlink_to(outside, target_is_directory=True)
    code, output = invoke("pdf", str(root), "-o", str(tmp_path / "out"))
    assert code == 2
    assert "'photos/harbour.jpg' is a symbolic link to a file outside the manuscript" in output


# Nothing lost ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, bytes]:
    """A manuscript and the print edition already built from it: what the author must never lose."""
    parent = tmp_path_factory.mktemp("edition")
    root = write_manuscript(parent / "m", {"feature.md": LONG_TEXT})
    output = parent / "out"
    code, text = invoke("pdf", str(root), "-o", str(output))
    assert code == 0, text
    return root, output, (output / "a-small-feature.pdf").read_bytes()


def _holds_lock(pid: int, lock: Path) -> bool:
    """True once process pid holds the output folder's lock (Linux /proc/locks)."""
    inode = lock.stat().st_ino
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 5 and fields[1] == "FLOCK" and fields[4] == str(pid) \
                and fields[5].rsplit(":", 1)[-1] == str(inode):
            return True
    return False


def _start_build(root: Path, output: Path, note: str) -> subprocess.Popen:
    """A real build in its own process (SIGINT handled as at a terminal), started once the text changed."""
    text = root / "feature.md"
    text.write_text(LONG_TEXT + f"\n{note}\n", encoding="utf-8")  # a new build, not a cache hit
    process = subprocess.Popen(
        [sys.executable, "-m", "publish", "pdf", str(root), "-o", str(output)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not _holds_lock(process.pid, output / LOCK_NAME):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the build never took the lock"
        time.sleep(0.02)
    return process


pytestmark_proc = pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc/locks")


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
@pytestmark_proc
def test_a_second_build_is_told_and_ctrl_c_leaves_the_edition(edition: tuple[Path, Path, bytes]) -> None:
    root, output, before = edition
    first = _start_build(root, output, "A late correction.")
    try:
        code, text = invoke("pdf", str(root), "-o", str(output))
        assert code == 2
        assert f"another build is writing to {output}\n    hint: wait for it to finish and run again" in text
        assert first.poll() is None, "the first build finished before it could be interrupted"
        time.sleep(0.3)  # well into the layout
        first.send_signal(signal.SIGINT)
        _, stderr = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    # 130, or death by the SIGINT itself when it lands while the interpreter exits after reporting
    # (seen on a loaded machine): a shell reports both as 130; the report and the edition are what count.
    assert first.returncode in (130, -signal.SIGINT), stderr
    assert f"interrupted; nothing in {output} was changed" in stderr
    assert "Traceback" not in stderr
    assert (output / "a-small-feature.pdf").read_bytes() == before
    assert not list(output.glob(".*.part")) and not list(output.glob(".publish-staging-*"))


@pytest.mark.slow  # builds an edition, then kills a second build mid-render
@pytestmark_proc
def test_a_build_killed_mid_render_leaves_the_edition_byte_identical(edition: tuple[Path, Path, bytes]) -> None:
    root, output, before = edition
    build = _start_build(root, output, "Another late correction.")
    time.sleep(0.3)
    build.kill()
    build.wait(timeout=30)
    assert build.returncode == -signal.SIGKILL
    assert (output / "a-small-feature.pdf").read_bytes() == before
    with locked(output):  # the next build, once it holds the lock, clears what the killed one left
        assert not list(output.glob(".*.part")) and not list(output.glob(".publish-staging-*"))
    assert (output / "a-small-feature.pdf").read_bytes() == before


def test_a_second_build_while_the_lock_is_held_exits_2(tmp_path: Path) -> None:
    """The same collision without timing: this test holds the lock as another build would."""
    root = write_manuscript(tmp_path / "m")
    output = tmp_path / "out"
    with locked(output):
        code, text = invoke("pdf", str(root), "-o", str(output))
    assert code == 2
    assert "another build is writing to" in text


def test_an_output_folder_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "m")
    (tmp_path / "out").write_text("not a folder")
    code, text = invoke("pdf", str(root), "-o", str(tmp_path / "out" / "sub"))
    assert code == 2
    assert "Traceback" not in text and "internal error" not in text
    assert os.path.isfile(tmp_path / "out")
