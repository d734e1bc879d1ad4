"""Content-addressed derived files (screen photos, font subsets, thumbnails, kept parts) and file hashes.

Why: a rebuild should derive again only what a changed input changes. During a build run by the
build cache (publish/build/cache.py) derivatives are kept in the output folder's cache, keyed by
the source's bytes, the other arguments and the package's own code; outside one they are just made.
This module loads nothing heavy, so a cache hit stays fast.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import publish
from publish.runtime.folders import list_folder
from publish.runtime.output import write_atomic
from publish.runtime.toolchain import fingerprint

FORMAT = 1  # bump when the entry layout changes
PACKAGE = Path(publish.__file__).resolve().parent


_HASHES: dict[tuple[int, int, int, int, int], str] = {}  # one build's file hashes; cleared as each build starts


def forget_hashes() -> None:
    """As a build starts: a file edited since the last build in this process is read again."""
    _HASHES.clear()


def file_hash(path: Path) -> str:
    """sha256 of the file, read once per build: the build key, kept parts and derivatives all ask.

    Kept by the file itself (device and inode, size, modification and change times), not by its
    name: an edition in the output folder is a hard link of its copy in the build cache, so a
    no-change rebuild that checks both reads the bytes once, not twice (130 MB on the 40-text book).
    """
    stat = os.stat(path)
    seen = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    if seen not in _HASHES:
        with open(path, "rb") as handle:
            _HASHES[seen] = hashlib.file_digest(handle, "sha256").hexdigest()
    return _HASHES[seen]


@functools.cache
def code_digest() -> str:
    """The package's own code, read once per process: the code that runs is the code loaded.

    Its fontconfig file (engine/fonts.conf) counts as code: it decides which fonts a layout can use.
    """
    digest = hashlib.sha256()
    for path in list_folder(PACKAGE).paths():
        if path.suffix in (".py", ".conf"):
            digest.update(f"{path.relative_to(PACKAGE).as_posix()} {file_hash(path)}\n".encode())
    return digest.hexdigest()


_derived_folder: contextvars.ContextVar[Path | None] = contextvars.ContextVar("derived", default=None)


@contextlib.contextmanager
def deriving_into(folder: Path | None) -> Iterator[None]:
    """Keeps derivatives in `folder` for the block (None: make them, keep nothing)."""
    token = _derived_folder.set(folder)
    try:
        yield
    finally:
        _derived_folder.reset(token)
_EXTENSION = re.compile(r"^[a-z0-9]{1,8}$")


def keeping_derivatives() -> bool:
    """Whether derivatives made now are kept for the rest of the build (and the next): a build with its cache."""
    return _derived_folder.get() is not None


def parts_folder() -> Path | None:
    """Where a cached build keeps each text's laid-out part (editions/print/book/partcache.py); None outside one."""
    derived = _derived_folder.get()
    return None if derived is None else derived.parent / "parts"


def derived_file(kind: str) -> Callable[[Callable[..., tuple[bytes, str]]], Callable[..., tuple[bytes, str]]]:
    """Caches a derivative of a file (a screen copy of a photo…) by the content hash of the file.

    The decorated function takes the source path first and returns (bytes, extension); during a
    build (build/pipeline.py) its results are kept in the output folder's cache, keyed by the
    source's bytes, the other arguments and the package's version and code, so a changed photo,
    a changed setting or a new publish derives again. Outside such a build it just runs.
    """
    def decorate(make: Callable[..., tuple[bytes, str]]) -> Callable[..., tuple[bytes, str]]:
        @functools.wraps(make)
        def cached(path: Path, *args: object) -> tuple[bytes, str]:
            folder = _derived_folder.get()
            if folder is None:
                return make(path, *args)
            key = _derived_key(kind, path, args)
            for kept in folder.glob(f"{key}.*"):
                with contextlib.suppress(OSError):
                    data = kept.read_bytes()
                    os.utime(kept)  # used by this build: kept by the next prune
                    return data, kept.suffix[1:]
            data, extension = make(path, *args)
            if _EXTENSION.match(extension):
                with contextlib.suppress(OSError):
                    folder.mkdir(parents=True, exist_ok=True)
                    write_atomic(folder / f"{key}.{extension}", data)
            return data, extension
        return cached
    return decorate


def derived_bytes(kind: str) -> Callable[[Callable[..., bytes | None]], Callable[..., bytes | None]]:
    """derived_file for functions giving bytes or None (a font subset, or nothing to subset)."""
    def decorate(make: Callable[..., bytes | None]) -> Callable[..., bytes | None]:
        @derived_file(kind)
        def as_file(path: Path, *args: object) -> tuple[bytes, str]:
            data = make(path, *args)
            return (b"", "none") if data is None else (data, "bin")

        @functools.wraps(make)
        def cached(path: Path, *args: object) -> bytes | None:
            data, extension = as_file(path, *args)
            return None if extension == "none" else data
        return cached
    return decorate


def _derived_key(kind: str, path: Path, args: tuple[object, ...]) -> str:
    """Source bytes, arguments (sets in sorted order, so the key is the same in every process), code and
    the libraries that make the derivative (a new fontTools cuts fonts differently)."""
    canonical = [sorted(a) if isinstance(a, set | frozenset) else a for a in args]
    return hashlib.sha256("\0".join(
        (kind, str(FORMAT), publish.__version__, code_digest(), fingerprint(), file_hash(path), repr(canonical))
    ).encode()).hexdigest()


def prune_derived(folder: Path, older_than_ns: int) -> None:
    """Derivatives the last full e-book build did not use are removed."""
    for kept in folder.glob("*.*"):
        with contextlib.suppress(OSError):
            if kept.stat().st_mtime_ns < older_than_ns:
                kept.unlink()


