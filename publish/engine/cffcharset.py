"""A CID-keyed CFF font's charset rewritten in place so that each glyph's CID is its glyph id.

engine/fontmaps.py needs this for every CFF subset WeasyPrint embeds (a Japanese face in every text
of a book). Recompiling the font with fontTools takes half a second for a 15,000-glyph subset; the
charset is a few bytes of the CFF table, so it is read and rewritten here directly (Adobe Technical
Note #5176: header, Name INDEX, Top DICT INDEX; the Top DICT's `charset`, `ROS` and `CharStrings`
operators; charset formats 0, 1 and 2). The identity charset (format 2, one range from CID 1) takes
five bytes, never more than the charset it replaces, so nothing else in the font moves; the table's
checksum and the font's checksum adjustment are recomputed. Returns None where the font is not a
CID-keyed CFF OpenType font this reading understands, or the charset is too short to hold the new one.
"""

from __future__ import annotations

import struct

_CHARSET, _CHARSTRINGS, _ROS = 15, 17, 1230  # Top DICT operators (12 30 is ROS)


def _index(data: bytes, position: int) -> tuple[list[tuple[int, int]], int]:
    """The (start, end) of each item of the INDEX at `position`, and where the INDEX ends."""
    count = struct.unpack_from(">H", data, position)[0]
    if count == 0:
        return [], position + 2
    size = data[position + 2]
    offsets = [int.from_bytes(data[position + 3 + i * size:position + 3 + (i + 1) * size], "big")
               for i in range(count + 1)]
    base = position + 2 + (count + 1) * size
    return [(base + offsets[i], base + offsets[i + 1]) for i in range(count)], base + offsets[-1]


def _dict(data: bytes) -> dict[int, list[float]]:
    """A DICT's operators and their operands (integers and reals)."""
    found: dict[int, list[float]] = {}
    operands: list[float] = []
    i = 0
    while i < len(data):
        b = data[i]
        if b <= 21:
            operator = 1200 + data[i + 1] if b == 12 else b
            i += 2 if b == 12 else 1
            found[operator], operands = operands, []
        elif b == 28:
            operands.append(struct.unpack_from(">h", data, i + 1)[0])
            i += 3
        elif b == 29:
            operands.append(struct.unpack_from(">i", data, i + 1)[0])
            i += 5
        elif b == 30:  # a real: nibbles up to an 0xf; its value is not needed here
            i += 1
            while i < len(data) and (data[i] & 0x0F) != 0x0F and (data[i] >> 4) != 0x0F:
                i += 1
            i += 1
            operands.append(0.0)
        elif 32 <= b <= 246:
            operands.append(b - 139)
            i += 1
        elif 247 <= b <= 250:
            operands.append((b - 247) * 256 + data[i + 1] + 108)
            i += 2
        elif 251 <= b <= 254:
            operands.append(-(b - 251) * 256 - data[i + 1] - 108)
            i += 2
        else:
            raise ValueError(f"reserved DICT byte {b}")
    return found


def _charset_length(data: bytes, position: int, glyphs: int) -> tuple[int, bool]:
    """How many bytes the charset takes, and whether it already names glyph n CID n."""
    kind = data[position]
    if kind == 0:
        cids = struct.unpack_from(f">{glyphs - 1}H", data, position + 1)
        return 1 + 2 * (glyphs - 1), cids == tuple(range(1, glyphs))
    if kind not in (1, 2):
        raise ValueError(f"charset format {kind}")
    covered, i, identity, expected = 0, position + 1, True, 1
    while covered < glyphs - 1:
        first = struct.unpack_from(">H", data, i)[0]
        left = data[i + 2] if kind == 1 else struct.unpack_from(">H", data, i + 2)[0]
        identity &= first == expected
        expected = first + left + 1
        covered += left + 1
        i += 3 if kind == 1 else 4
    return i - position, identity


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def keyed_by_glyph_id(program: bytes) -> bytes | None:
    """The font with an identity charset (the same bytes when it has one), or None (see the module)."""
    try:
        if program[:4] != b"OTTO":
            return None
        tables = {program[12 + 16 * i:16 + 16 * i]: (16 + 16 * i, *struct.unpack_from(">II", program, 20 + 16 * i))
                  for i in range(struct.unpack_from(">H", program, 4)[0])}
        if b"CFF " not in tables or b"head" not in tables:
            return None
        record, start, length = tables[b"CFF "]
        cff = program[start:start + length]
        _names, after_names = _index(cff, cff[2])
        tops, _ = _index(cff, after_names)
        if len(tops) != 1:
            return None
        top = _dict(cff[tops[0][0]:tops[0][1]])
        if _ROS not in top or _CHARSET not in top or _CHARSTRINGS not in top:
            return None
        glyphs = struct.unpack_from(">H", cff, int(top[_CHARSTRINGS][0]))[0]
        position = int(top[_CHARSET][0])
        if glyphs < 2 or position < 4:  # 0-2 are predefined charsets, not CID-keyed ones
            return None
        size, identity = _charset_length(cff, position, glyphs)
        if identity:
            return program
        if size < 5:
            return None
        new_cff = bytearray(cff)
        new_cff[position:position + 5] = struct.pack(">BHH", 2, 1, glyphs - 2)
        font = bytearray(program)
        font[start:start + length] = new_cff
        struct.pack_into(">I", font, record, _checksum(bytes(new_cff)))
        head = tables[b"head"][1]
        struct.pack_into(">I", font, head + 8, 0)
        struct.pack_into(">I", font, head + 8, (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
        return bytes(font)
    except (struct.error, IndexError, ValueError):
        return None
