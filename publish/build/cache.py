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
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import publish
from publish.model.diagnostics import Diagnostic, Severity
from publish.render.styles import DEFAULT_STYLES
from publish.runtime.output import LOCK_NAME, atomic_path, write_atomic
from publish.runtime.progress import stage
from publish.runtime.store import (
    FORMAT,
    code_digest,
    deriving_into,
    file_hash,
    forget_hashes,
    prune_derived,
    walk_files,
)
from publish.runtime.toolchain import fingerprint

CACHE_DIR = ".publish-cache"
KEEP_ENTRIES = 6  # most recent builds kept per output folder
CACHEABLE = {"pdf", "epub", "archive"}


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
    feed("toolchain", fingerprint())
    feed("code", code_digest())
    for label, root in (("manuscript", manuscript), ("styles", DEFAULT_STYLES)):
        for path in walk_files(root, skip=(output,)):
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


def _snapshot(output: Path) -> dict[Path, tuple[int, int]]:
    if not output.is_dir():
        return {}
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in walk_files(output, skip=())
            if p.name != LOCK_NAME}


def cached_build(manuscript: Path, output: Path, editions: tuple[str, ...],
                 run: Callable[[], object] | None = None, use_cache: bool = True,
                 **options: object) -> object:
    """Runs the build unless an identical one already wrote its files into `output`.

    `run` does the real build (by default publish.build.build with these arguments); it is
    imported only on a miss, so a hit never loads the layout libraries.
    """
    cacheable = use_cache and set(editions) <= CACHEABLE
    forget_hashes()
    stage("checking what changed since the last build")
    key = build_key(manuscript, output, editions, options) if cacheable else ""
    cache = BuildCache(output)
    if cacheable:
        hit = cache.lookup(key)
        if hit is not None:
            return hit
    if run is None:
        from publish.build.pipeline import build

        def run() -> object:
            return build(manuscript, output, editions, **options)
    before = _snapshot(output)
    started = time.time_ns()
    derived = cache.folder / "derived"
    with deriving_into(derived if use_cache else None):
        result = run()
    if use_cache and "epub" in editions:
        prune_derived(derived, started)
    if cacheable:
        after = _snapshot(output)
        written = [p for p, stat in after.items()
                   if before.get(p) != stat or stat[1] >= started]
        with contextlib.suppress(OSError):  # a full disk must not fail a build that succeeded
            cache.store(key, result, written)
    return result
