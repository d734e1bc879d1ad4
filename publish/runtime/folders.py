"""The one folder walker: which files of a manuscript (or a styles folder) a build reads, keys and archives.

Why one: the build cache's key, the archive's source zip, the deposit's manuscript copy, the
loader's search for photos and the preview's watch must agree on what the manuscript is. A file one
of them saw and another did not is a stale cache, a missing source, or a change nobody rebuilds.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

# Folders that are tools' bookkeeping, never a manuscript's content.
IGNORED_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "__pycache__", "node_modules", ".venv", ".tox",
                          ".mypy_cache", ".pytest_cache", ".ruff_cache", ".idea", ".vscode", ".publish-cache"})
# Files that operating systems and editors leave beside documents, and publish's own temporary files.
IGNORED_FILES = ("*.part", "*~", ".*.swp", ".*.swx", ".~lock.*#", ".DS_Store", "Thumbs.db", "desktop.ini",
                 ".publish.lock", ".publish-commit.json")
# A folder holding these is a publish output folder (editions, cache): never a source.
OUTPUT_MARKS = (".publish.lock", ".publish-cache")


@dataclass(frozen=True)
class Listing:
    """A folder's files (sorted, relative paths as POSIX strings), and the links among them that lead outside."""

    root: Path
    files: tuple[str, ...]
    outside: tuple[str, ...]  # symbolic links (files or folders) resolving outside the root

    def paths(self) -> list[Path]:
        return [self.root / name for name in self.files]


def ignored(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in IGNORED_FILES)


def is_output_folder(folder: Path) -> bool:
    return any((folder / mark).exists() for mark in OUTPUT_MARKS)


def list_folder(root: Path, skip: tuple[Path, ...] = ()) -> Listing:
    """Every regular file under root that belongs to it, hidden ones included, in a stable order.

    Symbolic links are followed only while they stay inside root; those that leave it are listed
    apart (the loader refuses them), so nothing outside is ever read, hashed or archived.
    """
    top = root.resolve()
    skipped = {p.resolve() for p in skip}
    files: list[str] = []
    outside: list[str] = []
    seen = {top}  # folders entered, resolved: a link back to a parent is not walked twice (or forever)
    for folder, dirs, names in os.walk(root, followlinks=True):
        here = Path(folder)
        kept = []
        for name in sorted(dirs):
            path = here / name
            resolved = path.resolve()
            if name in IGNORED_DIRS or resolved in skipped or is_output_folder(path):
                continue
            if not resolved.is_relative_to(top):
                outside.append(path.relative_to(root).as_posix())
                continue
            if resolved not in seen:
                seen.add(resolved)
                kept.append(name)
        dirs[:] = kept
        for name in sorted(names):
            if ignored(name):
                continue
            path = here / name
            relative = path.relative_to(root).as_posix()
            # `here` is inside the root (its links were resolved above), so only a link leads out:
            # resolving every file (a system call per path component) was a fifth of a no-change rebuild.
            if path.is_symlink() and not path.resolve().is_relative_to(top):
                outside.append(relative)
            elif path.is_file():
                files.append(relative)
    return Listing(root, tuple(sorted(files)), tuple(sorted(outside)))
