"""The one gatekeeper every loaded file passes: only files inside the manuscript or the styles."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


class Refused(Exception):
    """A reference the build will not follow; the message is for the author."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


class Gate:
    """Admits files that resolve (symlinks included) inside one of its roots."""

    def __init__(self, *roots: Path):
        self.roots = tuple(root.resolve() for root in roots)

    def admit(self, path: Path) -> Path:
        resolved = path.resolve()
        if not any(resolved == root or resolved.is_relative_to(root) for root in self.roots):
            if path.is_symlink():
                raise Refused(f"'{path.name}' is a symbolic link to a file outside the manuscript",
                              "keep every file the manuscript uses inside its folder")
            raise Refused(f"'{path}' lies outside the manuscript",
                          "keep every file the manuscript uses inside its folder")
        return resolved

    def reference(self, ref: str, base: Path) -> Path:
        """Resolves a relative reference written in a manuscript file (found in folder `base`)."""
        if not ref.strip():
            raise Refused("empty file reference")
        scheme = _SCHEME.match(ref)
        if scheme and len(scheme.group(1)) > 1:  # "C:" is a drive, not a scheme
            name = scheme.group(1).lower()
            if name in ("http", "https", "ftp", "ftps"):
                raise Refused(f"remote file '{ref}' is not allowed: builds are offline",
                              "download the file into the manuscript folder and refer to it by its path")
            raise Refused(f"'{name}:' references are not allowed: {ref}",
                          "refer to files by their path inside the manuscript folder")
        # urlsplit silently deletes tabs and line breaks; a file name may hold them (written as %0A or \n).
        parts = urlsplit(ref.replace("\t", "%09").replace("\r", "%0D").replace("\n", "%0A"))
        relative = unquote(parts.path)
        if relative.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", relative):
            raise Refused(f"absolute path '{ref}' is not allowed",
                          "write the path relative to this file, inside the manuscript folder")
        candidate = base / relative
        try:
            admitted = self.admit(candidate)
        except Refused as exc:
            linked = candidate.is_symlink() or candidate.resolve() != candidate.absolute()
            if linked and ".." not in Path(relative).parts:
                raise Refused(f"'{ref}' is a symbolic link to a file outside the manuscript", exc.hint) from None
            raise Refused(f"'{ref}' lies outside the manuscript folder", exc.hint) from None
        if not candidate.exists():
            raise Refused(f"file '{ref}' does not exist", "check the spelling and the folder")
        if admitted.is_dir():
            raise Refused(f"'{ref}' is a folder, not a file")
        if not admitted.is_file():
            raise Refused(f"'{ref}' is not a regular file (a pipe or a device?)")
        return admitted


