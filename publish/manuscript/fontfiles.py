"""Opens a font a stylesheet names, to know that it is one and which characters it draws.

Why cached: every build asks what each of the fifty-odd bundled faces draws (the glyph check, the
loader's check of a stylesheet's @font-face, the e-book's subsets), and reading a 5 MB CJK face's
character map costs more than the rest of the check. The answer is kept in the build's derived
store (runtime/store.py), keyed by the font's bytes, and in memory for the rest of the process.
"""

from __future__ import annotations

import functools
import struct
from pathlib import Path

from publish.runtime.store import derived_bytes


def font_cmap(path: Path) -> frozenset[int]:
    """The code points the font draws; FontProblem when the file is not a font fontTools can read."""
    stat = path.stat()
    return _remembered(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _remembered(path: Path, _size: int, _mtime_ns: int) -> frozenset[int]:
    data = _stored(path) or b""
    return frozenset(struct.unpack(f"<{len(data) // 4}I", data))


# The first four bytes of a single TrueType or OpenType font (not a collection, not WOFF).
_SFNT = (b"\x00\x01\x00\x00", b"OTTO", b"true")


@derived_bytes("font-cmap")
def _stored(path: Path) -> bytes:
    """The sorted code points as little-endian 32-bit numbers: the same bytes on every machine.

    A single TrueType or OpenType font's map is read by HarfBuzz (the locked uharfbuzz), which gives
    fontTools' getBestCmap() (tests/render/test_more_scripts.py compares them on every bundled face)
    in a fortieth of the time: fontTools took 0.12 s of the bundled feature's 0.18 s glyph check.
    Anything else (a collection, WOFF, a file HarfBuzz finds no map in) is fontTools' to read or refuse.
    """
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:4] in _SFNT:
        import uharfbuzz

        codes = sorted(uharfbuzz.Face(uharfbuzz.Blob(data)).unicodes)
        if codes:
            return struct.pack(f"<{len(codes)}I", *codes)
    from fontTools.ttLib import TTFont

    try:
        codes = sorted(TTFont(str(path), lazy=True).getBestCmap() or {})
    except Exception:  # noqa: BLE001 - fontTools raises anything from struct.error to TTLibError
        raise FontProblem(f"'{path.name}' is not a font file (TrueType, OpenType or WOFF)") from None
    return struct.pack(f"<{len(codes)}I", *codes)


class FontProblem(Exception):
    """A font source that is not a font (the author named the wrong file)."""
