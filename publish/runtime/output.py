"""Writes a build's files so the output folder holds either the whole new set or the whole old one.

Why: a build writes several files (print PDF, EPUB, archive, report, record, bag). A failure, a full
disk or Ctrl-C half-way must not leave a PDF of this build beside an EPUB of the last. Every file
is first written into a staging folder inside the output folder (same file system), then moved into
place in one commit: a journal naming the moves is written first, so a commit cut short by a kill or
a power cut is completed by the next command that takes the folder's lock. A folder is held by one
build at a time; worker processes never keep the lock alive after their parent.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = ".publish.lock"
JOURNAL = ".publish-commit.json"
STAGING_PREFIX = ".publish-staging-"
TRASH_PREFIX = ".publish-trash-"
FULL = {errno.ENOSPC, errno.EDQUOT}
READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}

_lock_fd: int | None = None  # the lock this process holds; closed in worker processes (see release_in_worker)


class OutputError(Exception):
    """The output folder cannot be used; the message says why, for the author (exit status 2)."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


class OutputBusy(OutputError):
    """Another build holds the output folder."""


def output_problem(exc: OSError, folder: Path) -> OutputError | None:
    """The author's version of a write failure that is about the disk, not about publish; else None.

    A full disk anywhere (the output folder, the temporary folder), or a read-only output folder.
    """
    where = Path(exc.filename) if isinstance(exc.filename, str) else None
    if exc.errno in FULL:
        disk = f"the disk holding {where.parent}" if where else "a disk the build writes to"
        return OutputError(f"{disk} is full; nothing in {folder} was changed",
                           "free some space (or choose another folder with -o) and build again")
    inside = where is not None and where.resolve().is_relative_to(folder.resolve())
    if exc.errno in READ_ONLY and inside:
        return OutputError(f"cannot write to {where}: {exc.strerror}; nothing in {folder} was changed",
                           "choose a folder you can write to with -o")
    return None


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on the output folder; a second build is told, not queued.

    Taking it completes a commit that was cut short and clears what killed builds left behind.
    """
    global _lock_fd
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except FileExistsError:
        raise OutputError(f"output folder {folder} is a file", "choose a folder with -o") from None
    except OSError as exc:
        raise output_problem(exc, folder) or OutputError(
            f"cannot write to output folder {folder}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise OutputBusy(f"another build is writing to {folder}",
                                 "wait for it to finish and run again") from None
            raise
        _lock_fd = fd
        recover(folder)
        yield
    finally:
        _lock_fd = None
        os.close(fd)


def release_in_worker() -> None:
    """In a forked worker: let go of the parent's lock, so it ends with the parent, whatever the worker does."""
    global _lock_fd
    if _lock_fd is not None:
        with contextlib.suppress(OSError):
            os.close(_lock_fd)
        _lock_fd = None


def recover(folder: Path) -> None:
    """Under the lock: finish an interrupted commit, then remove staging and trash of killed builds."""
    _roll_forward(folder)
    for leftover in (*folder.glob(f"{STAGING_PREFIX}*"), *folder.glob(f"{TRASH_PREFIX}*")):
        _remove(leftover)
    for leftover in folder.glob(".*.part"):
        with contextlib.suppress(OSError):
            leftover.unlink()


class Staging:
    """A folder inside the output folder where a build writes its whole set of files before the commit."""

    def __init__(self, output: Path):
        self.output = output
        self.folder = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=output))
        os.chmod(self.folder, 0o755)

    def entries(self) -> list[str]:
        return sorted(entry.name for entry in self.folder.iterdir())

    def commit(self) -> list[Path]:
        """Moves every staged file and folder into the output folder, as one step; returns where they went.

        Signals wait until the moves are done: a commit is not interrupted half-way by Ctrl-C.
        """
        names = self.entries()
        blocked = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            _write_journal(self.output, self.folder.name, names)
            _roll_forward(self.output)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        return [self.output / name for name in names]

    def discard(self) -> None:
        _remove(self.folder)


@contextlib.contextmanager
def staged(output: Path) -> Iterator[Staging]:
    """A staging folder for the block; whatever was not committed is removed when the block ends."""
    staging = Staging(output)
    try:
        yield staging
    finally:
        staging.discard()


def _write_journal(output: Path, staging: str, names: list[str]) -> None:
    data = json.dumps({"staging": staging, "entries": names}).encode()
    temp = output / f".{JOURNAL}.part"
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, output / JOURNAL)
    _sync_folder(output)


def _roll_forward(output: Path) -> None:
    """Carries out the journal's moves (each at most once, so running it again is harmless)."""
    journal = output / JOURNAL
    try:
        plan = json.loads(journal.read_text(encoding="utf-8"))
        staging = output / plan["staging"]
        names = [str(name) for name in plan["entries"]]
    except FileNotFoundError:
        return
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink(missing_ok=True)  # unreadable: it was never complete, so nothing was moved
        return
    for name in names:
        if "/" in name or name in ("", ".", ".."):
            continue
        source, target = staging / name, output / name
        if not (source.exists() or source.is_symlink()):
            continue  # moved already
        folders = source.is_dir() and not source.is_symlink() or target.is_dir() and not target.is_symlink()
        if folders and (target.exists() or target.is_symlink()):  # a folder (the bag) cannot be renamed over
            trash = output / f"{TRASH_PREFIX}{plan['staging']}-{name}"
            _remove(trash)
            os.replace(target, trash)
        os.replace(source, target)
    _sync_folder(output)
    journal.unlink(missing_ok=True)
    _remove(staging)
    for trash in output.glob(f"{TRASH_PREFIX}{plan['staging']}-*"):
        _remove(trash)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary file beside the target, moved over it only when the body finishes without error."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        os.chmod(temp, 0o644)
        with open(temp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def write_atomic(target: Path, data: bytes) -> None:
    with atomic_path(target) as temp:
        temp.write_bytes(data)
