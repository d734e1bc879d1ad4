"""Build cache: a build whose inputs did not change is answered from the output folder, not redone.

Why: laying out a 400-page book takes a minute; rebuilding it when nothing changed should take less
than half a second. The key is a content hash of everything a build reads (every file of the
manuscript, the default styles, the publish package's code and version, the versions of the layout
libraries, the options and SOURCE_DATE_EPOCH), so any change to a photo, a caption, a text or a
stylesheet misses. The cache lives in the output folder (`.publish-cache/`), holds a copy of each
file the build wrote (hard links where the file system allows) and is safe to delete at any time.
This module is imported before the layout libraries, so a hit never pays for loading them.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import publish
from publish.diagnostics import Diagnostic, Severity
from publish.output import LOCK_NAME, atomic_path, write_atomic
from publish.progress import stage

CACHE_DIR = ".publish-cache"
FORMAT = 1  # bump when the entry layout changes
KEEP_ENTRIES = 6  # most recent builds kept per output folder
CACHEABLE = {"pdf", "epub", "archive"}
PACKAGE = Path(publish.__file__).resolve().parent
DEFAULT_STYLES = PACKAGE.parent / "styles"
LIBRARIES = ("weasyprint", "pydyf", "ebooklib", "pillow", "pikepdf", "fonttools", "jinja2", "markdown-it-py")
SKIPPED_DIRS = {"__pycache__", "node_modules"}


@dataclass
class Edition:
    """One file the build reports (an edition), as the command prints it."""

    edition: str
    path: Path
    size: int
    pages: int | None = None


@dataclass
class CachedBuild:
    """What a cache hit gives back: the same things the command prints after a real build."""

    built: list[Edition] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    preflight: list[str] = field(default_factory=list)
    report: Path | None = None
    record: Path | None = None
    archive: None = None
    deposit: None = None
    cached: bool = True


_hashes: dict[tuple[str, int, int, int], str] = {}  # one build's file hashes; cleared as each build starts


def file_hash(path: Path) -> str:
    """sha256 of the file, read once per build: the build key, kept parts and derivatives all ask."""
    stat = os.stat(path)
    seen = (os.fspath(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if seen not in _hashes:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _hashes[seen] = digest.hexdigest()
    return _hashes[seen]


def _files(root: Path, skip: Iterable[Path]) -> list[Path]:
    """Every regular file under root, sorted, less hidden files, caches and the skipped folders."""
    skipped = {p.resolve() for p in skip}
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS
                         and (here / d).resolve() not in skipped)
        found += [here / name for name in sorted(files) if not name.startswith(".")]
    return found


@functools.lru_cache(maxsize=1)
def _library_versions() -> tuple[str, ...]:
    """Read once per process: package metadata lookups cost milliseconds each, and every kept part asks."""
    from importlib import metadata

    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=absent")
    return tuple(versions)


def build_key(manuscript: Path, output: Path, editions: tuple[str, ...], options: dict[str, object]) -> str:
    """The content hash of every input of a build; equal keys give byte-identical editions."""
    digest = hashlib.sha256()

    def feed(label: str, value: str) -> None:
        digest.update(f"{label}\0{value}\n".encode())

    feed("format", str(FORMAT))
    feed("publish", publish.__version__)
    feed("editions", ",".join(editions))
    feed("options", json.dumps(options, sort_keys=True, default=str))
    feed("SOURCE_DATE_EPOCH", os.environ.get("SOURCE_DATE_EPOCH", ""))
    for version in _library_versions():
        feed("library", version)
    feed("code", _code_digest())
    for label, root in (("manuscript", manuscript), ("styles", DEFAULT_STYLES)):
        for path in _files(root, skip=(output,)):
            feed(label, f"{path.relative_to(root).as_posix()} {_input_hash(path, root)}")
    return digest.hexdigest()


def _input_hash(path: Path, root: Path) -> str:
    """An input's hash for the key; what the loader will refuse (links out, pipes, unreadable) is not read."""
    try:
        if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
            return "outside:" + os.readlink(path)
        if not path.is_file():
            return "not-a-file"
        return file_hash(path)
    except OSError as exc:
        return f"unreadable:{exc.errno}"


def links_out(manuscript: Path, output: Path) -> list[Path]:
    """Symbolic links under the manuscript that resolve outside it: what the gate would refuse.

    The key hashes what a link points at, but a linked folder is not walked, and hidden files are not
    keyed at all; so before a hit is answered, the manuscript is held to the gate's rule (resolved,
    symlinks included, inside the manuscript: publish/resources.py Gate.admit) the fresh build's
    loader applies. Every link under styles/ counts, hidden ones too (the loader reads them all);
    elsewhere, linked folders (files linked out are in the key already). A build with any such link
    is never answered from the cache: it runs, and the loader says what it refuses.
    """
    root = manuscript.resolve()
    skip = output.resolve()
    found: list[Path] = []

    def outside(path: Path) -> bool:
        resolved = path.resolve()
        return not (resolved == root or resolved.is_relative_to(root))

    styles = manuscript / "styles"
    if styles.is_symlink() and outside(styles):
        return [styles]
    for folder, dirs, files in os.walk(manuscript):
        here = Path(folder)
        in_styles = here == styles or here.is_relative_to(styles)
        for name in sorted(dirs):
            path = here / name
            if path.is_symlink() and outside(path):
                found.append(path)
        for name in sorted(files) if in_styles else ():
            path = here / name
            if path.is_symlink() and outside(path):
                found.append(path)
        dirs[:] = sorted(d for d in dirs if not (here / d).is_symlink() and (here / d).resolve() != skip
                         and (in_styles or here / d == styles or (not d.startswith(".") and d not in SKIPPED_DIRS)))
    return found


@functools.cache
def _code_digest() -> str:
    """The package's own code, read once per process: the code that runs is the code loaded."""
    digest = hashlib.sha256()
    for path in _files(PACKAGE, skip=()):
        if path.suffix == ".py":
            digest.update(f"{path.relative_to(PACKAGE).as_posix()} {file_hash(path)}\n".encode())
    return digest.hexdigest()


class BuildCache:
    """The cache of one output folder."""

    def __init__(self, output: Path):
        self.output = output
        self.folder = output / CACHE_DIR

    def entry_path(self, key: str) -> Path:
        return self.folder / "builds" / f"{key}.json"

    def blob_path(self, sha: str) -> Path:
        return self.folder / "files" / sha[:2] / sha

    def lookup(self, key: str) -> CachedBuild | None:
        """The earlier result when every file it wrote is still there (or restorable), else None."""
        try:
            entry = json.loads(self.entry_path(key).read_text(encoding="utf-8"))
            if entry.get("format") != FORMAT:
                return None
            for name, sha in entry["files"].items():
                if not self._ensure(self.output / name, sha):
                    return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        with contextlib.suppress(OSError):
            os.utime(self.entry_path(key))  # most recently used
        return CachedBuild(
            built=[Edition(e["edition"], self.output / e["path"], e["size"], e["pages"]) for e in entry["built"]],
            warnings=[Diagnostic(d["path"], d["line"], d["column"], Severity(d["severity"]), d["message"],
                                 d["hint"]) for d in entry["warnings"]],
            preflight=list(entry["preflight"]),
            report=self.output / entry["report"] if entry.get("report") else None,
            record=self.output / entry["record"] if entry.get("record") else None,
        )

    def _ensure(self, target: Path, sha: str) -> bool:
        """True when target holds the recorded bytes, restoring them from the cache if needed."""
        if target.is_file() and file_hash(target) == sha:
            return True
        blob = self.blob_path(sha)
        if not blob.is_file() or file_hash(blob) != sha:
            return False
        with atomic_path(target) as temp:
            shutil.copyfile(blob, temp)
        return True

    def store(self, key: str, result: object, written: list[Path]) -> None:
        """Records a finished build: its printed result and a copy of every file it wrote."""
        files: dict[str, str] = {}
        for path in written:
            sha = file_hash(path)
            files[path.relative_to(self.output).as_posix()] = sha
            blob = self.blob_path(sha)
            if not blob.exists():
                blob.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(path, blob)  # costs no space; os.replace by the next build leaves it intact
                except OSError:
                    shutil.copyfile(path, blob)

        def relative(path: Path | None) -> str | None:
            return path.relative_to(self.output).as_posix() if path else None

        entry = {
            "format": FORMAT,
            "files": files,
            "built": [{"edition": b.edition, "path": relative(b.path), "size": b.size, "pages": b.pages}
                      for b in getattr(result, "built", [])],
            "warnings": [d.as_dict() for d in getattr(result, "warnings", [])],
            "preflight": list(getattr(result, "preflight", []) or []),
            "report": relative(getattr(result, "report", None)),
            "record": relative(getattr(result, "record", None)),
        }
        target = self.entry_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, json.dumps(entry, indent=1, sort_keys=True).encode())
        self.prune()

    def prune(self) -> None:
        """Keeps the most recent entries and the copies they need; the rest is removed."""
        entries = sorted((self.folder / "builds").glob("*.json"), key=lambda p: p.stat().st_mtime_ns,
                         reverse=True)
        for old in entries[KEEP_ENTRIES:]:
            old.unlink(missing_ok=True)
        needed: set[str] = set()
        for path in entries[:KEEP_ENTRIES]:
            with contextlib.suppress(OSError, ValueError, KeyError):
                needed.update(json.loads(path.read_text(encoding="utf-8"))["files"].values())
        for blob in (self.folder / "files").glob("*/*"):
            if blob.name not in needed:
                blob.unlink(missing_ok=True)


_derived_folder: contextvars.ContextVar[Path | None] = contextvars.ContextVar("derived", default=None)
_EXTENSION = re.compile(r"^[a-z0-9]{1,8}$")


def parts_folder() -> Path | None:
    """Where a cached build keeps each text's laid-out part (publish/partcache.py); None outside one."""
    derived = _derived_folder.get()
    return None if derived is None else derived.parent / "parts"


def derived_file(kind: str) -> Callable[[Callable[..., tuple[bytes, str]]], Callable[..., tuple[bytes, str]]]:
    """Caches a derivative of a file (a screen copy of a photo…) by the content hash of the file.

    The decorated function takes the source path first and returns (bytes, extension); during a
    build run by cached_build its results are kept in the output folder's cache, keyed by the
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
    """Source bytes, arguments (sets in sorted order, so the key is the same in every process) and code."""
    canonical = [sorted(a) if isinstance(a, set | frozenset) else a for a in args]
    return hashlib.sha256("\0".join(
        (kind, str(FORMAT), publish.__version__, _code_digest(), file_hash(path), repr(canonical))
    ).encode()).hexdigest()


def _prune_derived(folder: Path, older_than_ns: int) -> None:
    """Derivatives the last full e-book build did not use are removed."""
    for kept in folder.glob("*.*"):
        with contextlib.suppress(OSError):
            if kept.stat().st_mtime_ns < older_than_ns:
                kept.unlink()


def _snapshot(output: Path) -> dict[Path, tuple[int, int]]:
    if not output.is_dir():
        return {}
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in _files(output, skip=())
            if p.name != LOCK_NAME}


def cached_build(manuscript: Path, output: Path, editions: tuple[str, ...],
                 run: Callable[[], object] | None = None, use_cache: bool = True,
                 **options: object) -> object:
    """Runs the build unless an identical one already wrote its files into `output`.

    `run` does the real build (by default publish.build.build with these arguments); it is
    imported only on a miss, so a hit never loads the layout libraries.
    """
    cacheable = use_cache and set(editions) <= CACHEABLE
    _hashes.clear()  # a file edited since the last build in this process is read again
    stage("checking what changed since the last build")
    key = build_key(manuscript, output, editions, options) if cacheable else ""
    cache = BuildCache(output)
    if cacheable and not links_out(manuscript, output):  # the gate first: a hit must not skip it
        hit = cache.lookup(key)
        if hit is not None:
            return hit
    if run is None:
        from publish.build import build

        def run() -> object:
            return build(manuscript, output, editions, **options)
    before = _snapshot(output)
    started = time.time_ns()
    derived = cache.folder / "derived"
    token = _derived_folder.set(derived if use_cache else None)
    try:
        result = run()
    finally:
        _derived_folder.reset(token)
    if use_cache and "epub" in editions:
        _prune_derived(derived, started)
    if cacheable:
        after = _snapshot(output)
        written = [p for p, stat in after.items()
                   if before.get(p) != stat or stat[1] >= started]
        with contextlib.suppress(OSError):  # a full disk must not fail a build that succeeded
            cache.store(key, result, written)
    return result
