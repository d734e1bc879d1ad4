"""The layout engine's adapter: every use of WeasyPrint beyond its public API lives in this package.

Importing the package imports WeasyPrint, without searching the system for library names it does not
need here. Why: WeasyPrint loads Pango, HarfBuzz and their kin by trying a list of names per library,
Windows' first. Each name that is not a file makes cffi ask ctypes.util.find_library, which on Linux
runs `ldconfig -p`, `gcc` and `ld` to look for it: some fifty processes at every import of WeasyPrint,
a tenth of a second or more of every build. The names that are files (libpango-1.0.so.0, ….dylib,
….dll) load without that search, so the import is tried first with the search answering "not found";
if that loses any library an ordinary import would find (a system that names its libraries otherwise),
WeasyPrint is imported again the ordinary way, so the layout is the same.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import io
import sys
from pathlib import Path


def _forget_weasyprint() -> None:
    for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        del sys.modules[name]


# WeasyPrint's optional libraries: HarfBuzz-Vector draws colour glyphs (other bytes without it);
# HarfBuzz-Subset would cut the fonts, but publish cuts them with fontTools whether or not it is loaded
# (engine/fonts.py), so it is required only to leave the process as an ordinary import leaves it.
OPTIONAL = {"harfbuzz_subset": "libharfbuzz-subset", "harfbuzz_vector": "libharfbuzz-vector"}


def _complete() -> bool:
    """Whether every optional library that is installed loaded too, as an ordinary import would load it.

    One that did not load is looked for beside HarfBuzz itself, where the system keeps it (Linux's
    /proc tells where that is); where that cannot be told, the answer is no.
    """
    from weasyprint.text import ffi

    missing = [file for name, file in OPTIONAL.items() if getattr(ffi, name, None) is None]
    if not missing:
        return True
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            folders = {Path(line.split()[-1]).parent for line in maps if "/libharfbuzz.so" in line}
    except OSError:
        return False
    return bool(folders) and not any(any(folder.glob(f"{file}.so*")) for folder in folders for file in missing)


def import_weasyprint() -> None:
    """Imports WeasyPrint once per process, quickly where the libraries' own file names find them."""
    if "weasyprint" in sys.modules:
        return
    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # its "could not import" notice, if it fails here
            import weasyprint  # noqa: F401
        quick = _complete()
    except (OSError, ImportError):
        quick = False
    finally:
        ctypes.util.find_library = search
    if not quick:
        _forget_weasyprint()
        import weasyprint  # noqa: F401, F811 - the ordinary way: it searches as it always does


import_weasyprint()  # before any module of the package (or of the editions) imports it the slow way
