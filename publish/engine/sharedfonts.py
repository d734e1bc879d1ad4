"""One font subset per face in a book joined from parts: each part names the glyphs it uses, the book subsets once.

Why: every text of a book is written as its own PDF (editions/print/book/texts.py), and each PDF
embedded its own subset of every face it used: a 400-page book carried 236 font programs (4.6 MB)
where one layout of the whole book carries 11 (0.28 MB), and the parts spent their time subsetting
the same faces again and again. So while a part is written, a face from the styles' own font files is
not subset: its program is a note naming the font (by the sha256 of its bytes) and the glyph ids the
part draws. Once the parts are joined, the glyphs of every part are subset from the font in one go,
as WeasyPrint subsets them (its own subsetter, glyph ids kept, so the parts' text needs no change),
and every part's font descriptor points at that one program.

A face WeasyPrint changes while it subsets (variable or colour fonts, glyphs it had to stand in for)
or one that is not a file of the styles is subset in its part as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pikepdf
import weasyprint.pdf.fonts as weasy_fonts

MARK = b"publish-deferred-subset\0"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


def font_files(roots: tuple[Path, ...]) -> dict[str, Path]:
    """The font files of the styles folders, by the sha256 of their bytes."""
    from publish.runtime.folders import list_folder
    from publish.runtime.store import file_hash

    found: dict[str, Path] = {}
    for root in roots:
        for path in list_folder(root).paths():
            if path.suffix.lower() in FONT_SUFFIXES:
                found.setdefault(file_hash(path), path)
    return found


def _plain(font: Any) -> bool:
    """A face WeasyPrint subsets and nothing more: its subset is the same cut from the file after the join."""
    return not (font.missing or font.png or font.svg or getattr(font, "colr", False) or "fvar" in font.tables
                or font.bitmap)


@contextmanager
def deferred_subsets(files: Mapping[str, Path]) -> Iterator[None]:
    """While a part is written: faces of `files` are embedded as a note of the glyphs used, not subset.

    Entered inside engine/actualtext.py's `actual_text()`, so that the note replaces the whole of the
    cleaning it wraps (engine/fontmaps.py rewrites a CFF program's charset, which a note has not).
    """
    import hashlib

    clean = weasy_fonts.Font.clean
    originals: list[tuple[Any, bytes]] = []  # WeasyPrint cuts a font in place: each write starts from the whole

    def noting(self: Any, to_unicode: dict, hinting: bool) -> Any:
        originals.append((self, self.file_content))
        digest = hashlib.sha256(self.file_content).hexdigest()
        if not to_unicode or digest not in files or not _plain(self):
            return clean(self, to_unicode, hinting)
        note = {"font": digest, "index": self.index, "hinting": bool(hinting), "glyphs": sorted(to_unicode)}
        # The font's own first four bytes stay in front, so WeasyPrint writes the dictionaries of its kind
        # (CFF: FontFile3, CIDFontType0), and a CFF note is never read as a CFF program.
        self.file_content = self.file_content[:4] + MARK + json.dumps(note, sort_keys=True).encode()
        return None

    weasy_fonts.Font.clean = noting  # type: ignore[method-assign]
    try:
        yield
    finally:
        weasy_fonts.Font.clean = clean  # type: ignore[method-assign]
        for font, content in reversed(originals):  # the same document may be written again (the archive's part)
            font.file_content = content


_HARFBUZZ: list[Any] = []  # (ffi, library) of our own declarations, once per process


def _harfbuzz() -> tuple[Any, Any]:
    """HarfBuzz's calls to make a face from bytes, which WeasyPrint's own declarations lack."""
    if not _HARFBUZZ:
        import cffi

        ffi = cffi.FFI()
        ffi.cdef("""
            typedef struct hb_blob_t hb_blob_t;
            typedef struct hb_face_t hb_face_t;
            hb_blob_t *hb_blob_create (const char *data, unsigned int length, int mode, void *user_data,
                                       void *destroy);
            hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
            void hb_blob_destroy (hb_blob_t *blob);
            void hb_face_destroy (hb_face_t *face);
        """)
        for name in ("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll", "harfbuzz"):
            try:
                _HARFBUZZ.append((ffi, ffi.dlopen(name)))
                break
            except OSError:
                continue
        else:
            raise OSError("HarfBuzz, which WeasyPrint lays out with, cannot be loaded by name")
    return _HARFBUZZ[0]


_DUPLICATE = 0  # HB_MEMORY_MODE_DUPLICATE: HarfBuzz keeps its own copy of the bytes


def _subset(program: bytes, index: int, glyphs: set[int], hinting: bool) -> bytes:
    """The face cut to `glyphs`, glyph ids kept: what WeasyPrint's Font.subset makes of it in one layout."""
    from weasyprint.text.ffi import ffi as weasy_ffi

    from publish.engine.fontmaps import cid_keyed_by_glyph_id

    ffi, harfbuzz = _harfbuzz()
    blob = harfbuzz.hb_blob_create(program, len(program), _DUPLICATE, ffi.NULL, ffi.NULL)
    face = harfbuzz.hb_face_create(blob, index)
    harfbuzz.hb_blob_destroy(blob)  # the face holds its own reference
    try:
        font = weasy_fonts.Font.__new__(weasy_fonts.Font)  # only what its subset() reads, without a Pango font
        font.hb_face = weasy_ffi.cast("hb_face_t *", int(ffi.cast("uintptr_t", face)))
        font.file_content, font.index, font.missing, font.family = program, index, {}, ""
        font.subset({glyph: "" for glyph in sorted(glyphs)}, hinting)
    finally:
        harfbuzz.hb_face_destroy(face)
    return cid_keyed_by_glyph_id(font.file_content)


def share_subsets(book: pikepdf.Pdf, files: Mapping[str, Path]) -> int:
    """Replaces the parts' notes with one subset per face, shared by every part; returns the programs made."""
    notes: dict[tuple[str, int, bool], list[tuple[pikepdf.Dictionary, dict]]] = {}
    for descriptor in book.objects:
        if not isinstance(descriptor, pikepdf.Dictionary) or descriptor.get("/Type") != pikepdf.Name.FontDescriptor:
            continue
        for key in ("/FontFile2", "/FontFile3"):
            stream = descriptor.get(key)
            if isinstance(stream, pikepdf.Stream):
                data = stream.read_bytes()
                if data[4:4 + len(MARK)] == MARK:
                    note = json.loads(data[4 + len(MARK):])
                    notes.setdefault((note["font"], note["index"], note["hinting"]), []).append((descriptor, note))
    for (digest, index, hinting), users in sorted(notes.items(), key=lambda item: item[0]):
        glyphs = set().union(*(note["glyphs"] for _, note in users))
        if digest not in files:  # a kept part names a font the styles no longer hold: its key would differ
            raise RuntimeError(f"a part's font {digest[:12]} is not among the styles' font files")
        program = _subset(files[digest].read_bytes(), index, glyphs, hinting)
        opentype = program[:4] == b"OTTO"
        stream = book.make_stream(program)
        if opentype:
            stream.Subtype = pikepdf.Name.OpenType
        else:
            stream.Length1 = len(program)
        shared = book.make_indirect(stream)
        for descriptor, _ in users:
            for key in ("/FontFile2", "/FontFile3"):
                if key in descriptor:
                    del descriptor[key]
            descriptor["/FontFile3" if opentype else "/FontFile2"] = shared
            if "/CIDSet" in descriptor:  # PDF ≤ 1.4: the CIDs the program holds, now every part's
                descriptor.CIDSet = book.make_stream(_cid_set(glyphs))
    return len(notes)


def _cid_set(glyphs: set[int]) -> bytes:
    bits = bytearray((max(glyphs) // 8) + 1)
    for glyph in glyphs:
        bits[glyph // 8] |= 0x80 >> (glyph % 8)
    return bytes(bits)
