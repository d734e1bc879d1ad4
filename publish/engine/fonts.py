"""The fonts WeasyPrint lays out with: one font configuration per layout, made here, from the styles' faces only.

Why private: WeasyPrint's FontConfiguration loads the machine's fontconfig configuration, which adds
every system and user font to the @font-face faces of the stylesheets. A font named like a bundled
family (Debian's Noto CJK, a designer's ~/.fonts) then wins over the bundled face, and every edition
changes on that machine. Each configuration here is loaded from publish's own fonts.conf instead: no
font folders, no system rules, so the faces are the ones the glyph check and the EPUB see too.

WeasyPrint creates the fontconfig configuration of a FontConfiguration with FcInitLoadConfigAndFonts,
which reads FONTCONFIG_FILE when it is called (not once per process), so the environment is pointed
at our file for that call only, under a lock; forked layout workers make theirs the same way.

Subsetting: WeasyPrint cuts embedded fonts with the system's HarfBuzz-Subset when that library is
present, else with fontTools; the two, and each HarfBuzz release, give different bytes. publish cuts
them with the HarfBuzz inside the uharfbuzz wheel (its version is in the lock, so every machine has
the same one), with WeasyPrint's own flags and passes: a hundred times faster than fontTools, which
took 3.8 of the bundled feature's 7 seconds (a 15,000-glyph CFF face is walked whole by fontTools'
bounding-box and desubroutinizing passes, glyph ids being kept). fontTools (locked too) takes a face
HarfBuzz cannot cut, and is saved without a new head.modified date (fontTools stamps the clock there
unless SOURCE_DATE_EPOCH is set). WeasyPrint's other re-saved fonts (variable, colour) keep their dates too.

One subset per face in a book joined from parts (`deferred_subsets`, `share_subsets`): every text of
a book is written as its own PDF (editions/print/book/texts.py), and each PDF embedded its own subset
of every face it used: a 400-page book carried 236 font programs (4.6 MB) where one layout of the
whole book carries 11 (0.28 MB), and the parts spent their time subsetting the same faces again and
again. So while a part is written, a face from the styles' own font files is not subset: its program
is a note naming the font (by the sha256 of its bytes) and the glyph ids the part draws. Once the
parts are joined, the glyphs of every part are cut from the font in one go by the same subsetting call
as above (glyph ids kept, so the parts' text needs no change), and every part's font descriptor
points at that one program. A face WeasyPrint changes while it subsets (variable or colour fonts,
glyphs it had to stand in for) or one that is not a file of the styles is subset in its part as before.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import threading
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uharfbuzz
import weasyprint.pdf.fonts as weasy_pdf_fonts
from fontTools import subset
from fontTools.ttLib import TTFont, TTLibError
from weasyprint.logger import LOGGER
from weasyprint.text.ffi import ffi, fontconfig
from weasyprint.text.fonts import FontConfiguration

if TYPE_CHECKING:
    import pikepdf

CONFIG_FILE = Path(__file__).resolve().with_name("fonts.conf")
# What fontconfig reads from the environment to find its configuration (FONTCONFIG_SYSROOT prefixes
# every path, ours included): set to ours, or removed, while a configuration is made.
_ENVIRONMENT = ("FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT")
_lock = threading.Lock()


class FontSetupError(RuntimeError):
    """fontconfig did not load publish's configuration: a layout would use the machine's fonts."""


def font_configuration() -> FontConfiguration:
    """A new font configuration for one document and its stylesheets (WeasyPrint wants the same for both)."""
    with _lock, _private_environment():
        configuration = FontConfiguration()
    check_private(configuration)
    _configurations.add(configuration)
    return configuration


# WeasyPrint writes a stylesheet's @font-face files into its configuration's own temporary folder
# (`_folder`) and removes the folder when the configuration is collected. A forked worker holds a copy
# of every configuration its parent had: when the worker drops one, it removed the parent's font files,
# and the parent's next layout found empty faces (a crash writing the PDF: the book's front matter,
# laid out after the workers started, when its shape came from the part cache).
_configurations: weakref.WeakSet[FontConfiguration] = weakref.WeakSet()


def _leave_the_parents_font_files() -> None:
    """In a forked child: its copies of the parent's configurations no longer own their folders."""
    for configuration in list(_configurations):
        configuration._folder = None
    _configurations.clear()


os.register_at_fork(after_in_child=_leave_the_parents_font_files)


@contextlib.contextmanager
def _private_environment() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in _ENVIRONMENT}
    for name in _ENVIRONMENT:
        os.environ.pop(name, None)
    os.environ["FONTCONFIG_FILE"] = str(CONFIG_FILE)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def configuration_files(configuration: FontConfiguration) -> list[str]:
    """The configuration files fontconfig read for this configuration."""
    files = fontconfig.FcConfigGetConfigFiles(configuration._config)
    found = []
    while (name := fontconfig.FcStrListNext(files)) != ffi.NULL:
        found.append(ffi.string(name).decode(errors="replace"))
    return found


def system_font_count(configuration: FontConfiguration) -> int:
    """Fonts the configuration holds besides the stylesheets' own (@font-face) faces."""
    fonts = fontconfig.FcConfigGetFonts(configuration._config, fontconfig.FcSetSystem)
    return 0 if fonts == ffi.NULL else fonts.nfont


def check_private(configuration: FontConfiguration) -> None:
    """Stops the build when fontconfig fell back to the system's fonts (e.g. it could not read our file)."""
    files = configuration_files(configuration)
    if files != [str(CONFIG_FILE)] or system_font_count(configuration):
        raise FontSetupError(f"fontconfig did not load {CONFIG_FILE} alone (it read {files or 'nothing'}); "
                             "the layout would depend on the fonts installed on this machine")


# WeasyPrint's HarfBuzz subsetting, pass for pass (weasyprint/pdf/fonts.py, Font._harfbuzz_subset).
_DROPPED_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG ")


def _tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii"), "big")


def _subset_face(font: weasy_pdf_fonts.Font, to_unicode: dict, hinting: bool) -> bytes | None:
    """The face cut to the glyphs drawn, glyph ids kept, by the locked HarfBuzz; None when it cannot."""
    flags = uharfbuzz.SubsetFlags
    face = uharfbuzz.Face(uharfbuzz.Blob(font.file_content), font.index)
    used = uharfbuzz.SubsetInput()
    used.glyph_set.update(sorted(to_unicode))
    used.flags = flags.RETAIN_GIDS | flags.PASSTHROUGH_UNRECOGNIZED | flags.DESUBROUTINIZE | (
        flags.NOTDEF_OUTLINE if font.missing else 0)
    used.sets(uharfbuzz.SubsetInputSets.DROP_TABLE_TAG).update(_tag(name) for name in _DROPPED_TABLES)
    cut = uharfbuzz.subset(face, used)
    if cut is None:
        return None
    trimmed = uharfbuzz.SubsetInput()  # the empty glyphs after the last one drawn are dropped
    trimmed.glyph_set.update(range(max(to_unicode) + 1))
    trimmed.flags = flags.PASSTHROUGH_UNRECOGNIZED | flags.DESUBROUTINIZE | (
        0 if hinting else flags.NO_HINTING) | (flags.NOTDEF_OUTLINE if font.missing else 0)
    cut = uharfbuzz.subset(cut, trimmed)
    data = None if cut is None else cut.blob.data
    return bytes(data) if data else None


def _subset_font(font: weasy_pdf_fonts.Font, to_unicode: dict, hinting: bool) -> None:
    """Font.subset, the same on every machine: the locked HarfBuzz, else the locked fontTools."""
    if not to_unicode:
        return
    try:
        data = _subset_face(font, to_unicode, hinting)
    except (ValueError, TypeError, RuntimeError):
        data = None
    if data is None:
        _subset_with_fonttools(font, to_unicode, hinting)
    else:
        font.file_content = data


def _subset_with_fonttools(font: weasy_pdf_fonts.Font, to_unicode: dict, hinting: bool) -> None:
    """WeasyPrint's fontTools subsetting (its options, unchanged), whether or not the system has HarfBuzz-Subset.

    Two differences, neither in the result: the font is opened without a new head.modified, and
    GSUB and GPOS, which the options drop before anything else, are removed before the subsetter
    starts: fontTools decompiles them first otherwise, seconds for a Japanese face.
    """
    if not to_unicode:
        return
    options = subset.Options(retain_gids=True, passthrough_tables=True, ignore_missing_glyphs=True,
                             hinting=hinting, desubroutinize=True, notdef_outline=bool(font.missing))
    options.drop_tables += ["GSUB", "GPOS", "SVG"]
    try:
        ttfont = TTFont(io.BytesIO(font.file_content), fontNumber=font.index, recalcTimestamp=False)
        for tag in ("GSUB", "GPOS"):
            if tag in ttfont:
                del ttfont[tag]
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=to_unicode)
        subsetter.subset(ttfont)
    except TTLibError:
        LOGGER.warning('Unable to subset "%s" with fontTools', font.family)
        return
    out = io.BytesIO()
    ttfont.save(out)
    font.file_content = out.getvalue()


weasy_pdf_fonts.Font.subset = _subset_font  # type: ignore[method-assign]
weasy_pdf_fonts.TTFont = functools.partial(TTFont, recalcTimestamp=False)  # type: ignore[misc]


# One subset per face in a joined book -----------------------------------------------------------

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


@contextlib.contextmanager
def deferred_subsets(files: Mapping[str, Path]) -> Iterator[None]:
    """While a part is written: faces of `files` are embedded as a note of the glyphs used, not subset.

    Entered inside engine/actualtext.py's `actual_text()`, so that the note replaces the whole of the
    cleaning it wraps (engine/fontmaps.py rewrites a CFF program's charset, which a note has not).
    """
    clean = weasy_pdf_fonts.Font.clean
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

    weasy_pdf_fonts.Font.clean = noting  # type: ignore[method-assign]
    try:
        yield
    finally:
        weasy_pdf_fonts.Font.clean = clean  # type: ignore[method-assign]
        for font, content in reversed(originals):  # the same document may be written again (the archive's part)
            font.file_content = content


def _subset(program: bytes, index: int, glyphs: set[int], hinting: bool) -> bytes:
    """The face cut to `glyphs`, glyph ids kept: what one layout's Font.clean makes of it (above)."""
    from publish.engine.fontmaps import cid_keyed_by_glyph_id

    font = weasy_pdf_fonts.Font.__new__(weasy_pdf_fonts.Font)  # only what the subsetter reads, without a Pango font
    font.file_content, font.index, font.missing, font.family = program, index, {}, ""
    _subset_font(font, {glyph: "" for glyph in sorted(glyphs)}, hinting)
    return cid_keyed_by_glyph_id(font.file_content)


def share_subsets(book: pikepdf.Pdf, files: Mapping[str, Path]) -> int:
    """Replaces the parts' notes with one subset per face, shared by every part; returns the programs made."""
    import pikepdf

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
