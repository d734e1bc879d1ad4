import struct
import zlib
from pathlib import Path

SIDE = 30_000  # 900 megapixels of black: about 110 KB on disk, 112 MB (1-bit) to 2.7 GB (RGB) decoded


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make(case: Path) -> None:
    """A real PNG bomb: a valid 1-bit image 30,000 pixels square that compresses to almost nothing."""
    row = b"\0" * (1 + SIDE // 8)
    packer = zlib.compressobj(9)
    stream = b"".join(packer.compress(row * 1000) for _ in range(SIDE // 1000)) + packer.flush()
    header = struct.pack(">IIBBBBB", SIDE, SIDE, 1, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", stream) + _chunk(b"IEND", b"")
    path = case / "photos" / "bomb.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
