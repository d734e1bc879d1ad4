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
present, else with fontTools; the two, and each HarfBuzz release, give different bytes. publish
chooses fontTools everywhere (its version is in the lock), with WeasyPrint's own options, and saves
its subsets without a new head.modified date (fontTools stamps the clock there unless
SOURCE_DATE_EPOCH is set). WeasyPrint's other re-saved fonts (variable, colour) keep their dates too.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import weasyprint.pdf.fonts as weasy_pdf_fonts
from fontTools import subset
from fontTools.ttLib import TTFont, TTLibError
from weasyprint.logger import LOGGER
from weasyprint.text.ffi import ffi, fontconfig
from weasyprint.text.fonts import FontConfiguration

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


weasy_pdf_fonts.Font.subset = _subset_with_fonttools  # type: ignore[method-assign]
weasy_pdf_fonts.TTFont = functools.partial(TTFont, recalcTimestamp=False)  # type: ignore[misc]
