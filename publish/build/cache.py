"""Build cache: a build whose inputs did not change is answered from the output folder, not redone.

Why: laying out a 400-page book takes a minute; rebuilding it when nothing changed should take less
than half a second. The key is a content hash of everything a build reads: every file of the
manuscript and of the default styles (runtime/folders.py lists them, as the archive and the loader
see them), the publish package's code and version, the toolchain that shapes the bytes
(runtime/toolchain.py), the options and SOURCE_DATE_EPOCH. The cache lives in the output folder
(`.publish-cache/`), holds a copy of each file a build wrote (hard links where the file system
allows) and is safe to delete at any time. A hit restores the whole set of files it recorded,
through the same staged commit as a real build, so editions of two builds never mix.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from pathlib import Path

import publish
from publish.render.styles import DEFAULT_STYLES
from publish.runtime.clock import source_date_epoch
from publish.runtime.folders import Listing, list_folder
from publish.runtime.output import write_atomic
from publish.runtime.store import code_digest, file_hash
from publish.runtime.toolchain import fingerprint

CACHE_DIR = ".publish-cache"
FORMAT = 2  # bump when the entry layout changes
KEEP_ENTRIES = 6  # most recent builds kept per output folder


def build_key(manuscript: Listing, editions: tuple[str, ...], options: dict[str, object]) -> str:
    """The content hash of every input of a build; equal keys give byte-identical editions."""
    digest = hashlib.sha256()

    def feed(label: str, value: str) -> None:
        digest.update(f"{label}\0{value}\n".encode())

    feed("format", str(FORMAT))
    feed("publish", publish.__version__)
    feed("editions", ",".join(editions))
    feed("options", json.dumps(options, sort_keys=True, default=str))
    feed("SOURCE_DATE_EPOCH", str(source_date_epoch()))
    feed("toolchain", fingerprint())
    feed("code", code_digest())
    for label, listing in (("manuscript", manuscript), ("styles", list_folder(DEFAULT_STYLES))):
        for name, path in zip(listing.files, listing.paths(), strict=True):
            feed(label, f"{name} {_input_hash(path)}")
    return digest.hexdigest()


def _input_hash(path: Path) -> str:
    try:
        return file_hash(path)
    except OSError as exc:  # unreadable: the loader says so; the key just differs
        return f"unreadable:{exc.errno}"


def _link_over(path: Path, blob: Path) -> None:
    """The kept copy (same bytes) replaced by a hard link of the file just written, where it is not one.

    A rebuild that makes the bytes of an earlier build writes new files beside copies kept before; linked,
    the next no-change rebuild reads each edition once (file hashes are kept by inode), not twice.
    """
    with contextlib.suppress(OSError):
        if os.path.samefile(path, blob):
            return
        temp = blob.with_name(f".{blob.name}.link")
        try:
            os.link(path, temp)
            os.replace(temp, blob)
        finally:
            temp.unlink(missing_ok=True)


class BuildCache:
    """The cache of one output folder: entries (a build's result and files) and the files' copies."""

    def __init__(self, output: Path):
        self.output = output
        self.folder = output / CACHE_DIR

    def entry_path(self, key: str) -> Path:
        return self.folder / "builds" / f"{key}.json"

    def blob_path(self, sha: str) -> Path:
        return self.folder / "files" / sha[:2] / sha

    def lookup(self, key: str) -> dict | None:
        """The entry of an earlier build with this key, when a copy of every file it wrote is still kept."""
        try:
            entry = json.loads(self.entry_path(key).read_text(encoding="utf-8"))
            if entry.get("format") != FORMAT or not isinstance(entry.get("result"), dict):
                return None
            for sha in entry["files"].values():
                blob = self.blob_path(sha)
                if not blob.is_file() or file_hash(blob) != sha:
                    return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        with contextlib.suppress(OSError):
            os.utime(self.entry_path(key))  # most recently used
        return entry

    def in_place(self, entry: dict) -> bool:
        """Whether the output folder holds exactly the files of the entry already."""
        for name, sha in entry["files"].items():
            target = self.output / name
            try:
                if not target.is_file() or target.is_symlink() or file_hash(target) != sha:
                    return False
            except OSError:
                return False
        return True

    def restore(self, entry: dict, staging: Path) -> None:
        """Puts the entry's files into a staging folder, for the commit to put in place.

        As hard links of the kept copies where the file system allows, as store() keeps them: a build
        replaces an edition, never writes into it, and the next no-change rebuild reads each once.
        """
        for name, sha in entry["files"].items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(self.blob_path(sha), target)
            except OSError:
                shutil.copyfile(self.blob_path(sha), target)
            os.chmod(target, 0o644)

    def store(self, key: str, result: dict, written: dict[str, Path]) -> None:
        """Records a finished build: its result and a copy of every file it wrote (relative name → file)."""
        files: dict[str, str] = {}
        for name, path in sorted(written.items()):
            sha = file_hash(path)
            files[name] = sha
            blob = self.blob_path(sha)
            if not blob.exists():
                blob.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(path, blob)  # costs no space; the next build replaces the file, not its bytes
                except OSError:
                    shutil.copyfile(path, blob)
            else:
                _link_over(path, blob)
        target = self.entry_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, json.dumps({"format": FORMAT, "files": files, "result": result},
                                        indent=1, sort_keys=True).encode())
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

    @property
    def derived(self) -> Path:
        """Where derivatives of a build's inputs are kept (runtime/store.py)."""
        return self.folder / "derived"
