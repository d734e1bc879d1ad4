"""Issue 13: the editions are laid out with the bundled faces only, whatever fonts the machine has.

Decoys (the bundled faces under their own family names, every advance widened, so a layout that
picks one sets every line differently) are put wherever fontconfig looks for a user's fonts: the
home folder's ~/.fonts, $XDG_DATA_HOME/fonts, and a fonts.conf found through FONTCONFIG_PATH.
A manuscript with Latin, Khmer and Japanese text must come out byte for byte the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_decoy_fonts, run_publish, user_machine, write_manuscript
from fontTools.ttLib import TTFont

from publish.render.styles import DEFAULT_STYLES

pytestmark = pytest.mark.slow  # builds every edition with and without decoy fonts

FONTS = DEFAULT_STYLES / "fonts"
LATIN = "The bridge across the Mekong: a small feature in three scripts, with Bold and Italic 0123456789."
KHMER = "ស្ពានអ្នកលឿង ទំនាក់ទំនងរវាងកម្ពុជានិងជប៉ុន"
JAPANESE = "つばさ橋。日本とカンボジアを結ぶ絆"

TOML = f"""\
title = "Three Scripts"
language = "en"
date = 2020-05-01

[[contributors]]
name = "Ada Writer"
role = "author"

[[translations]]
lang = "km"
title = "{KHMER}"

[[translations]]
lang = "ja"
title = "{JAPANESE}"
"""

TEXT = f"""\
+++
title = "Three Scripts"
byline = "by Ada Writer"
+++

{LATIN} **Set in bold** and *in italic*.

![](photos/harbour.jpg)

The bridge is [{KHMER}]{{lang=km}} in Khmer and [{JAPANESE}]{{lang=ja}} in Japanese.
"""

EPOCH = {"SOURCE_DATE_EPOCH": "1588291200"}
# The bundled files whose family names a decoy takes: every face the manuscript above is set in.
DECOYED = ("NotoSerif-Regular.ttf", "NotoSerif-Bold.ttf", "NotoSerif-Italic.ttf", "NotoSerif-BoldItalic.ttf",
           "NotoSerifDisplay-Regular.ttf", "NotoSerifDisplay-Bold.ttf", "NotoSerifDisplay-Italic.ttf",
           "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSansKhmer-Regular.ttf",
           "NotoSerifKhmer-Regular.ttf", "NotoSerifKhmer-Bold.ttf",
           "NotoSerifCJKjp-Regular.otf", "NotoSerifCJKjp-Bold.otf")


@pytest.fixture(scope="module")
def decoys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_decoy_fonts(tmp_path_factory.mktemp("decoy-fonts"), DECOYED)


FIND = """
import json, sys
from weasyprint.text.ffi import ffi, fontconfig
config = fontconfig.FcInitLoadConfigAndFonts()
found = {}
for family in sys.argv[1:]:
    pattern = fontconfig.FcPatternCreate()
    fontconfig.FcPatternAddString(pattern, b"family", family.encode())
    fontconfig.FcConfigSubstitute(config, pattern, fontconfig.FcMatchPattern)
    fontconfig.FcDefaultSubstitute(pattern)
    result = ffi.new("FcResult *")
    match = fontconfig.FcFontMatch(config, pattern, result)
    path = ffi.new("FcChar8 **")
    fontconfig.FcPatternGetString(match, b"file", 0, path)
    found[family] = ffi.string(path[0]).decode()
print(json.dumps(found))
"""


def system_matches(env: dict[str, str], families: list[str]) -> dict[str, str]:
    """The file fontconfig's own configuration (WeasyPrint's default) gives each family on this machine."""
    done = subprocess.run([sys.executable, "-c", FIND, *families], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def editions(output: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(output.iterdir()) if path.suffix in (".pdf", ".epub")}


def test_decoy_fonts_on_the_machine_change_no_byte_of_any_edition(tmp_path, decoys):
    manuscript = write_manuscript(tmp_path / "ms", {"publication.toml": TOML, "feature.md": TEXT},
                                  photos={"photos/harbour.jpg": {"size": (600, 400), "dpi": 72}})
    clean, tricked = (user_machine(tmp_path / "clean"), user_machine(tmp_path / "tricked", decoys))
    # The premise: on the tricked machine fontconfig itself answers our families with the decoys.
    families = ["Noto Serif", "Noto Sans", "Noto Serif Khmer", "Noto Sans Khmer", "Noto Serif CJK JP"]
    assert all(Path(path).name in DECOYED and not Path(path).is_relative_to(FONTS)
               for path in system_matches(tricked, families).values()), system_matches(tricked, families)
    built = {}
    for name, env in (("clean", clean), ("tricked", tricked)):
        output = tmp_path / f"out-{name}"
        run = run_publish("all", str(manuscript), "-o", str(output), "--jobs", "1", env={**env, **EPOCH})
        assert run.returncode == 0, run.stderr
        built[name] = editions(output)
    assert set(built["clean"]) == {"three-scripts.pdf", "three-scripts.epub", "three-scripts.archive.pdf"}
    assert built["tricked"] == built["clean"]


def _embedded_fonts(pdf_bytes: bytes) -> dict[str, bytes]:
    import io

    import pikepdf

    found = {}
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages:
            for font in dict(page.Resources.get("/Font", {})).values():
                descriptor = font.get("/DescendantFonts", [font])[0].FontDescriptor
                for key in ("/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        found[str(font.BaseFont).split("+", 1)[1]] = descriptor[key].read_bytes()
    return found


def test_font_subsets_are_the_same_with_or_without_the_systems_harfbuzz_subset(monkeypatch):
    """WeasyPrint would cut fonts with the system's HarfBuzz-Subset when it has one, else with fontTools;
    publish always uses the HarfBuzz of the locked uharfbuzz wheel, and a subset keeps the font's own
    modification date rather than the clock's."""
    import io

    import weasyprint.pdf.fonts as weasy_pdf_fonts
    from weasyprint import CSS, HTML

    from publish.engine.fonts import font_configuration

    def write() -> bytes:
        config = font_configuration()
        face = (FONTS / "NotoSans-Bold.ttf").as_uri()
        css = CSS(string=f'@font-face {{ font-family: "Noto Sans"; src: url("{face}") }}'
                         ' body { font-family: "Noto Sans" }', font_config=config)
        return HTML(string=f"<p>{LATIN}</p>").write_pdf(stylesheets=[css], font_config=config)

    class Present:  # a system with HarfBuzz-Subset, which must not be asked
        def __getattr__(self, name: str) -> None:
            raise AssertionError(f"HarfBuzz-Subset was used ({name})")

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setattr(weasy_pdf_fonts, "harfbuzz_subset", Present())
    first = write()
    monkeypatch.setattr(weasy_pdf_fonts, "harfbuzz_subset", None)
    assert write() == first
    (embedded,) = (TTFont(io.BytesIO(data)) for data in _embedded_fonts(first).values())
    assert embedded["head"].modified == TTFont(str(FONTS / "NotoSans-Bold.ttf"))["head"].modified
    assert "GSUB" not in embedded and len(embedded.getGlyphOrder()) < 200  # cut as WeasyPrint asks


def test_a_layout_reads_publishs_fontconfig_file_alone(monkeypatch, tmp_path):
    """Whatever the environment points fontconfig at, a layout's configuration is ours, with no system font."""
    from publish.engine.fonts import CONFIG_FILE, configuration_files, font_configuration, system_font_count

    (tmp_path / "fonts.conf").write_text("<fontconfig><dir>/usr/share/fonts</dir></fontconfig>", encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(tmp_path / "fonts.conf"))
    monkeypatch.setenv("FONTCONFIG_PATH", str(tmp_path))
    monkeypatch.setenv("FONTCONFIG_SYSROOT", str(tmp_path))
    config = font_configuration()
    assert configuration_files(config) == [str(CONFIG_FILE)]
    assert system_font_count(config) == 0
    assert os.environ["FONTCONFIG_FILE"] == str(tmp_path / "fonts.conf")  # the user's environment is left alone


def _outlines(program: bytes) -> dict[int, tuple]:
    """Each glyph's outline by glyph id, as fontTools reads it; not .notdef, which no page here draws (HarfBuzz
    keeps a CFF face's, fontTools empties it)."""
    import io

    from fontTools.pens.recordingPen import DecomposingRecordingPen

    font = TTFont(io.BytesIO(program))
    glyphs = font.getGlyphSet()
    drawn = {}
    for gid, name in enumerate(font.getGlyphOrder()[1:], start=1):
        pen = DecomposingRecordingPen(glyphs)
        glyphs[name].draw(pen)
        if pen.value:
            drawn[gid] = (tuple(pen.value), glyphs[name].width)
    return drawn


@pytest.mark.parametrize("harfbuzz_fails", [False, True])
def test_publishs_subsets_draw_what_weasyprints_fonttools_subsets_draw(monkeypatch, harfbuzz_fails):
    """engine/fonts.py cuts with the locked HarfBuzz, WeasyPrint's flags and passes: every glyph a page
    draws keeps its id, outline and advance, as WeasyPrint's own fontTools subset keeps them, for a
    TrueType and a CFF (CID-keyed) face; a face HarfBuzz cannot cut goes to fontTools instead."""
    import weasyprint.pdf.fonts as weasy_pdf_fonts
    from weasyprint import CSS, HTML

    from publish.engine import fonts

    def write() -> bytes:
        config = fonts.font_configuration()
        faces = "".join(f'@font-face {{ font-family: "F{i}"; src: url("{(FONTS / name).as_uri()}") }}'
                        for i, name in enumerate(("NotoSerif-Regular.ttf", "NotoSerifCJKjp-Regular.otf")))
        css = CSS(string=faces + ' body { font-family: "F0", "F1" }', font_config=config)
        return HTML(string=f"<p>{LATIN} {JAPANESE}</p>").write_pdf(stylesheets=[css], font_config=config)

    if harfbuzz_fails:
        monkeypatch.setattr(fonts, "_subset_face", lambda *args: None)
    ours = _embedded_fonts(write())

    def weasyprints(font: weasy_pdf_fonts.Font, to_unicode: dict, hinting: bool) -> None:
        if to_unicode:
            font._fonttools_subset(to_unicode, hinting)

    monkeypatch.setattr(weasy_pdf_fonts.Font, "subset", weasyprints)
    theirs = _embedded_fonts(write())
    assert sorted(ours) == sorted(theirs) and len(ours) == 2
    for name, program in ours.items():
        drawn = _outlines(program)
        assert drawn and drawn == _outlines(theirs[name]), name
        if harfbuzz_fails:
            assert program == theirs[name]  # fontTools itself, WeasyPrint's options


def test_a_books_shared_subsets_are_one_layouts_fonttools_subsets(monkeypatch):
    """A joined book's one subset per face (engine/fonts.py's share_subsets) is cut by the same fontTools call
    as a face in one layout, whether or not the system has HarfBuzz-Subset: the same font programs."""
    import io

    import pikepdf
    import weasyprint.pdf.fonts as weasy_pdf_fonts
    from weasyprint import CSS, HTML

    from publish.engine.actualtext import actual_text
    from publish.engine.fonts import deferred_subsets, font_configuration, font_files, share_subsets

    class Present:  # a system with HarfBuzz-Subset, which must not be asked
        def __getattr__(self, name: str) -> None:
            raise AssertionError(f"HarfBuzz-Subset was used ({name})")

    monkeypatch.setattr(weasy_pdf_fonts, "harfbuzz_subset", Present())
    config = font_configuration()
    faces = "".join(f'@font-face {{ font-family: "F{i}"; src: url("{(FONTS / name).as_uri()}") }}'
                    for i, name in enumerate(("NotoSans-Bold.ttf", "NotoSerifCJKjp-Regular.otf")))
    css = CSS(string=faces + ' body { font-family: "F0", "F1" }', font_config=config)
    document = HTML(string=f"<p>{LATIN} {JAPANESE}</p>").render(stylesheets=[css], font_config=config)
    files = font_files((FONTS,))
    with actual_text(), deferred_subsets(files):  # first: it leaves the fonts whole for the next write
        noted = document.write_pdf()
    with actual_text():
        whole = document.write_pdf()
    assert _embedded_fonts(noted) != _embedded_fonts(whole)  # the part holds notes, not programs
    with pikepdf.open(io.BytesIO(noted)) as book:
        assert share_subsets(book, files) == 2
        shared = io.BytesIO()
        book.save(shared)
    assert _embedded_fonts(shared.getvalue()) == _embedded_fonts(whole)
