"""Hostile moments for the output folder: kill -9 with workers running, a full disk, Ctrl-C after the PDF
was written; and what the author is told: a bag with a deleted file, the next commands after `new`.

Each must leave the editions of the last good build in place, byte for byte, with no live worker, no
held lock and nothing half-written; the next build must just work.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import (
    MINIMAL_TOML,
    alive,
    children_of,
    cli,
    diagnostics_of,
    output_snapshot,
    previous_set,
    write_manuscript,
)

from publish.runtime.output import STAGING_PREFIX, OutputBusy, locked

LINUX = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
PARAGRAPH = ("The harbour wakes before the town does, and the boats go out in the grey light while the "
             "gulls argue over the nets. ") * 6


def _book(root: Path, texts: int = 3, paragraphs: int = 40) -> Path:
    """A book of several texts: laid out side by side, one worker process per text at --jobs 2."""
    files: dict[str, str | bytes | None] = {
        "publication.toml": f"texts = {[f'text-{i}.md' for i in range(texts)]}\n" + MINIMAL_TOML,
        "feature.md": None, "photos/captions.toml": None}
    for i in range(texts):
        files[f"text-{i}.md"] = f"# Text {i}\n\n" + "".join(f"{PARAGRAPH}{n}\n\n" for n in range(paragraphs))
    return write_manuscript(root, files, photos={"photos/harbour.jpg": None})


def _start(*args: str) -> subprocess.Popen:
    """A build in its own process, with Ctrl-C delivered as at a terminal."""
    return subprocess.Popen([sys.executable, "-m", "publish", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(condition, process: subprocess.Popen, what: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, f"the build ended before {what}: {process.communicate()}"
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.05)


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
@LINUX
def test_kill_9_with_workers_running_leaves_no_worker_no_lock_and_the_next_build_works(tmp_path: Path) -> None:
    root = _book(tmp_path / "m")
    output = tmp_path / "out"
    before = previous_set(output, archive=True)  # the next build replaces it with a real one
    build = _start("all", str(root), "-o", str(output), "--jobs", "2")
    workers: set[int] = set()
    try:
        def laying_out_side_by_side() -> bool:
            workers.update(children_of(build.pid))
            return len(children_of(build.pid)) >= 2

        _wait_for(laying_out_side_by_side, build, "two worker processes")
        build.kill()
        build.wait(timeout=30)
    finally:
        if build.poll() is None:
            build.kill()
    assert build.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)], "workers outlived the killed build"
    try:
        with locked(output):  # free: no worker kept the build's lock
            pass
    except OutputBusy:
        pytest.fail("the killed build's lock is still held")
    # The editions as they were; staging and the derived-file cache (hidden) are the next build's to clear.
    assert {name: data for name, data in output_snapshot(output).items() if not name.startswith(".")} == before
    run = cli("all", str(root), "-o", str(output), "--jobs", "2")
    assert run.returncode == 0, run.stderr
    after = output_snapshot(output)
    assert all(after[name] != data for name, data in before.items()), "the next build replaced every edition"
    assert not [name for name in os.listdir(output) if name.startswith(STAGING_PREFIX)]


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 3 MB file system of its own (tmpfs), when this process may mount one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_is_exit_2_and_leaves_the_old_editions(tmp_path: Path, small_disk: Path) -> None:
    root = write_manuscript(tmp_path / "m")
    output = small_disk / "out"
    before = previous_set(output)
    free = os.statvfs(small_disk)
    (small_disk / "filler").write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 150_000))  # 150 KB left
    run = cli("all", str(root), "-o", str(output), "--jobs", "1")
    assert run.returncode == 2, run.stdout + run.stderr
    message = run.stderr.splitlines()[0]
    assert "disk" in message and "is full" in message and f"nothing in {output} was changed" in message, message
    assert "internal error" not in run.stderr
    assert output_snapshot(output) == before
    assert not [name for name in os.listdir(output) if name.startswith(STAGING_PREFIX)]


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
@LINUX
def test_ctrl_c_after_the_pdf_was_written_leaves_the_old_set(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "m")
    output = tmp_path / "out"
    before = previous_set(output)
    build = _start("all", str(root), "-o", str(output), "--jobs", "1")
    try:
        _wait_for(lambda: any(output.glob(f"{STAGING_PREFIX}*/a-small-feature.pdf")), build,
                  "the print edition written into the staging folder")
        build.send_signal(signal.SIGINT)
        _, stderr = build.communicate(timeout=60)
    finally:
        if build.poll() is None:
            build.kill()
    assert build.returncode == 130, stderr
    assert f"publish: interrupted; nothing in {output} was changed" in stderr
    assert "Traceback" not in stderr
    # The editions as they were, and no staging folder left; the build cache (.publish-cache: derived
    # files kept by their content, such as fonts' character maps) may have grown, as after any build.
    assert {name: data for name, data in output_snapshot(output).items()
            if not name.startswith(".publish-cache/")} == before
    assert not list(output.glob(f"{STAGING_PREFIX}*"))


def test_verify_names_a_deleted_file_once(tmp_path: Path) -> None:
    import bagit

    payload = tmp_path / "bag"
    (payload / "editions").mkdir(parents=True)
    (payload / "editions" / "feature.epub").write_bytes(b"an e-book")
    (payload / "editions" / "feature.pdf").write_bytes(b"a print edition")
    bagit.make_bag(str(payload), checksums=["sha256", "sha512"])
    (payload / "data" / "editions" / "feature.epub").unlink()
    (payload / "data" / "editions" / "feature.pdf").write_bytes(b"a print edition, altered")
    run = cli("verify", str(payload))
    assert run.returncode == 2
    lines = run.stderr.splitlines()
    assert lines[0] == f"{payload}/data/editions/feature.epub: missing (listed in the manifest)"
    assert lines[1].startswith(f"{payload}/data/editions/feature.pdf: altered (sha256 is ")
    assert lines[1].endswith("; sha512 differs too)")
    assert lines[2:] == [f"publish: {payload} is NOT a valid bag: 2 problems"]


@pytest.mark.parametrize("name", ["my-feature", "two words", "nested/deeper/book"])
def test_new_suggests_commands_that_write_beside_the_new_folder(tmp_path: Path, name: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Not ./output of wherever the author stands, and never inside the manuscript (which is refused)."""
    monkeypatch.chdir(tmp_path)
    run = cli("new", name)
    assert run.returncode == 0, run.stderr
    steps = run.stdout.split("Next:\n", 1)[1].splitlines()
    commands = [shlex.split(step.split("   ")[0].strip()) for step in steps]
    assert [c[1] for c in commands] == ["preview", "check", "all"]
    for command in commands:
        assert command[2] == name
        output = Path(command[command.index("-o") + 1])
        assert output.parent == Path(name).parent and output.name == f"{Path(name).name}-output"
    assert diagnostics_of(run.stderr) == []
