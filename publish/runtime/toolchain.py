"""The software that shapes the editions' bytes, listed once: for cache keys, part keys and the build record.

Why one list: a library the cache key forgets lets an upgrade answer "up to date" with stale
editions, and a record that names other libraries than the key cannot explain a difference.

Two kinds: the Python distributions of the lock (requirements.lock pins them) whose code reaches
the layout or the written bytes, and the system libraries the lock cannot pin. Those are the ones
WeasyPrint's cffi bindings open (weasyprint/text/ffi.py: Pango, HarfBuzz, fontconfig), the two Pango
loads with them (FriBidi orders right-to-left text, FreeType reads the fonts fontconfig matches), and
zlib, which compresses every PDF stream and zip member. WeasyPrint no longer loads cairo.

Everything is read without importing the libraries: a cache hit must answer in a fraction of a
second, and importing WeasyPrint alone takes longer. The system libraries are opened with ctypes by
the names WeasyPrint's bindings use, which resolve to the same files (tests/test_toolchain.py checks
that against a process where WeasyPrint has loaded them).
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import platform
import zlib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

# Python distributions whose release can change an edition's bytes, by their names in the lock.
LIBRARIES = {
    "publish": "this program",
    "weasyprint": "layout and the PDF it writes",
    "pydyf": "the PDF objects WeasyPrint writes",
    "tinyhtml5": "parses the HTML WeasyPrint lays out",
    "cssselect2": "matches the stylesheets' selectors",
    "tinycss2": "parses the stylesheets (layout, glyph check)",
    "webencodings": "decodes the stylesheets",
    "pyphen": "hyphenation dictionaries: where lines break",
    "fonttools": "font subsets embedded in the EPUB (and the PDFs, where HarfBuzz cannot cut a face)",
    "uharfbuzz": "the HarfBuzz that cuts the PDFs' font subsets and reads the glyph check's character maps",
    "pillow": "photos: colour conversion, scaling, JPEG encoding, ICC profiles",
    "pikepdf": "PDF/X and PDF/A finishing (with its qpdf)",
    "pypdfium2": "the EPUB cover's pixels (pdfium)",
    "lxml": "XML of the EPUB, XMP and catalogue records",
    "ebooklib": "the EPUB container",
    "bagit": "the deposit bag and its manifests",
    "jinja2": "the templates",
    "markupsafe": "escaping in the templates",
    "markdown-it-py": "reads the Markdown texts",
    "mdit-py-plugins": "Markdown attributes, footnotes, front matter",
    "mdurl": "normalises links in the Markdown",
    "python-stdnum": "where the hyphens of an ISBN go (the ISBN Agency's ranges)",
    "icu4py": "Khmer, Lao, Thai and Burmese word breaks (ICU dictionaries)",
}


def _open(names: tuple[str, ...], bare: str) -> ctypes.CDLL | None:
    """The library by the first of `names` the dynamic linker finds, else as ctypes finds `bare`."""
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    from ctypes.util import find_library  # slow (it may run ldconfig), so only when the names fail

    found = find_library(bare)
    if found:
        try:
            return ctypes.CDLL(found)
        except OSError:
            return None
    return None


def _string(function_name: str) -> Callable[[ctypes.CDLL], str]:
    def read(library: ctypes.CDLL) -> str:
        function = getattr(library, function_name)
        function.restype = ctypes.c_char_p
        return function().decode()
    return read


def _fontconfig(library: ctypes.CDLL) -> str:
    number = library.FcGetVersion()  # 21401 = 2.14.1
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def _fribidi(library: ctypes.CDLL) -> str:
    text = ctypes.c_char_p.in_dll(library, "fribidi_version_info").value or b""
    return text.decode().split("\n")[0].split(")")[-1].strip()  # "(GNU FriBidi) 1.0.8\n…"


def _freetype(library: ctypes.CDLL) -> str:
    handle = ctypes.c_void_p()
    if library.FT_Init_FreeType(ctypes.byref(handle)):
        return "?"
    numbers = [ctypes.c_int() for _ in range(3)]
    library.FT_Library_Version(handle, *(ctypes.byref(n) for n in numbers))
    library.FT_Done_FreeType(handle)
    return ".".join(str(n.value) for n in numbers)


# name → (file names as WeasyPrint's bindings or Pango find them on Linux, macOS, Windows; name for
# ctypes.util.find_library; how the version is read).
SYSTEM_LIBRARIES: dict[str, tuple[tuple[str, ...], str, Callable[[ctypes.CDLL], str]]] = {
    "pango": (("libpango-1.0.so.0", "libpango-1.0.dylib", "libpango-1.0-0.dll"), "pango-1.0",
              _string("pango_version_string")),
    "harfbuzz": (("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll"), "harfbuzz",
                 _string("hb_version_string")),
    "fontconfig": (("libfontconfig.so.1", "libfontconfig.1.dylib", "libfontconfig-1.dll"), "fontconfig",
                   _fontconfig),
    "fribidi": (("libfribidi.so.0", "libfribidi.0.dylib", "libfribidi-0.dll"), "fribidi", _fribidi),
    "freetype": (("libfreetype.so.6", "libfreetype.6.dylib", "libfreetype-6.dll"), "freetype", _freetype),
}


def system_versions() -> dict[str, str]:
    """The system libraries' versions, "missing" for one that cannot be opened (WeasyPrint would fail)."""
    found = {}
    for name, (files, bare, read) in SYSTEM_LIBRARIES.items():
        library = _open(files, bare)
        try:
            found[name] = read(library) if library is not None else "missing"
        except (AttributeError, ValueError, OSError):
            found[name] = "unreadable"
    found["zlib"] = zlib.ZLIB_RUNTIME_VERSION
    return found


def qpdf_version() -> str:
    """The qpdf pikepdf runs on, read from the library its wheel carries (or the system's), not by importing it."""
    spec = importlib.util.find_spec("pikepdf")
    candidates: list[str] = []
    if spec is not None and spec.submodule_search_locations:
        bundled = Path(next(iter(spec.submodule_search_locations))).parent / "pikepdf.libs"
        candidates = sorted(str(p) for p in bundled.glob("libqpdf*"))
    library = _open(tuple(candidates) + ("libqpdf.so.30", "libqpdf.30.dylib", "libqpdf30.dll"), "qpdf")
    if library is None:
        import pikepdf  # a layout we do not know: ask pikepdf itself

        return pikepdf.__libqpdf_version__
    return _string("qpdf_get_qpdf_version")(library)


@functools.cache
def versions() -> dict[str, str]:
    """Name → version of everything in the toolchain present here; read once per process."""
    found = {"python": platform.python_version(), "qpdf": qpdf_version(), **system_versions()}
    for name in LIBRARIES:
        try:
            found[name] = _distribution_version(name)
        except metadata.PackageNotFoundError:
            continue
    return dict(sorted(found.items()))


def _distribution_version(name: str) -> str:
    """metadata.version(name), read from the metadata's header lines alone.

    metadata.version parses the whole file as an e-mail message, long description included: half
    of the toolchain's cost on a no-change rebuild. The Version field is one of the header lines
    before the first blank one (core metadata spec), so those are all that is read for it.
    """
    distribution = metadata.distribution(name)
    text = distribution.read_text("METADATA") or distribution.read_text("PKG-INFO") or ""
    for line in text.splitlines():
        if not line.strip():
            break
        field, _, value = line.partition(":")
        if field.strip().lower() == "version":
            return value.strip()
    return distribution.version


def fingerprint() -> str:
    """The toolchain as one line, for content keys."""
    return ",".join(f"{name}={version}" for name, version in versions().items())


def differences(recorded: dict[str, str], here: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(name, recorded version, this machine's) for each tool whose version differs: why bytes can differ."""
    here = versions() if here is None else here
    return [(name, recorded.get(name, "absent"), here.get(name, "absent"))
            for name in sorted(set(recorded) | set(here)) if recorded.get(name) != here.get(name)]
