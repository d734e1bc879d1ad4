"""Small text helpers shared by the loader and the builders: slugs and plain-text extraction."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w\s-]", re.UNICODE)
_SPACES = re.compile(r"[-\s_]+")


def slugify(text: str) -> str:
    """An ASCII slug when the text is Latin, a Unicode one otherwise (file names stay readable)."""
    folded = unicodedata.normalize("NFKD", text)
    ascii_only = folded.encode("ascii", "ignore").decode("ascii")
    base = ascii_only if ascii_only.strip() else unicodedata.normalize("NFC", text)
    base = _NON_WORD.sub("", base).strip().lower()
    return _SPACES.sub("-", base).strip("-")[:80]


def short_title(title: str) -> str:
    """The part of a headline before its colon, used for running heads and slugs."""
    return title.split(":", 1)[0].strip()


def human_size(size: float) -> str:
    """Sizes as people read them on a summary line or in a report: 1.2 MB, 435.6 KB."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
