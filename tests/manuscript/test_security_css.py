"""Hostile stylesheets: every url() is found by a CSS parser and passes the gate, in every edition.

A manuscript's styles/ may name files in a dozen places (@import, @font-face src, backgrounds,
image-set(), src(), custom properties, escapes). Each reference to a file outside the manuscript is
one diagnostic at its line and column, exit 2, nothing written; a url() in a comment or a string is
no reference at all; a font source that is not a font is a diagnostic, never a crash.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_manuscript

from publish.cli.main import main
from publish.manuscript.containment import Gate
from publish.manuscript.cssrefs import font_faces, references
from publish.manuscript.loader import load
from publish.model.diagnostics import ManuscriptError
from publish.render.fonts import Sheet, subset_stylesheet
from publish.render.styles import DEFAULT_STYLES

FONT = DEFAULT_STYLES / "fonts" / "NotoSans-Regular.ttf"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the manuscript with a real font and a picture in it."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "OutsideFont.ttf").write_bytes(FONT.read_bytes())
    (folder / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return folder


# (stylesheet line 2, column of the reference). The stylesheet is styles/epub.css; line 1 is a comment.
OUTSIDE = {
    "import-string": ('@import "../../outside/x.css";', 9),
    "import-url": ("@import url(../../outside/x.css) screen;", 9),
    "font-face-src": ('@font-face { font-family: O; src: url("../../outside/OutsideFont.ttf"); }', 35),
    "font-face-second-source": ('@font-face { font-family: O; src: local(O), url(../../outside/OutsideFont.ttf); }',
                                45),
    "font-face-absolute": ('@font-face { font-family: O; src: url("/etc/passwd"); }', 35),
    "background": ("p { background: url('../../outside/x.png'); }", 17),
    "background-unquoted": ("p { background: url( ../../outside/x.png ); }", 17),
    "image-set": ('p { background-image: image-set("../../outside/x.png" 1x); }', 33),
    "webkit-image-set": ("p { background-image: -webkit-image-set(url(../../outside/x.png) 1x); }", 41),
    "src-function": ('p { background-image: src("../../outside/x.png"); }', 23),
    "escaped-dots": (r"p { background: url(\2e\2e/\2e\2e/outside/x.png); }", 17),
    "escaped-in-string": (r'p { background: url("\2e\2e/\2e\2e/outside/x.png"); }', 17),
    "custom-property": ("p { --paper: url(../../outside/x.png); background: var(--paper); }", 14),
    "var-fallback": ("p { background: var(--none, url(../../outside/x.png)); }", 29),
    "inside-media": ("@media print { @supports (color: red) { p { list-style-image: url(../../outside/x.png); } } }",
                     63),
    "cursor": ("p { cursor: url(../../outside/x.png), auto; }", 13),
    "border-image": ("p { border-image: url(../../outside/x.png) 30; }", 19),
    "content": ("p::before { content: url(../../outside/x.png); }", 22),
    "remote": ("p { background: url(https://example.com/x.png); }", 17),
    "file-scheme": ("p { background: url(file:///etc/passwd); }", 17),
}


@pytest.mark.parametrize("css,column", OUTSIDE.values(), ids=OUTSIDE.keys())
def test_a_reference_outside_is_one_diagnostic_at_its_line_and_column(tmp_path: Path, outside: Path, css: str,
                                                                      column: int) -> None:
    root = write_manuscript(tmp_path / "m", {"styles/epub.css": "/* the magazine's e-book styles */\n" + css + "\n"})
    code, output = invoke("all", str(root), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert code == 2, output
    assert f"{root}/styles/epub.css:2:{column}: error: stylesheet: " in output, output
    assert output.count(": error: ") == 1, output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.epub"))


@pytest.mark.parametrize("css", [
    "/* @font-face { src: url(../../outside/OutsideFont.ttf) } */ p { color: red; }",
    'p::before { content: "url(../../outside/x.png)"; }',
    "@namespace svg url(http://www.w3.org/2000/svg);",
    'p { background: url("data:image/png;base64,iVBORw0KGgo="); }',
    "p { fill: url(#gradient); }",
])
def test_what_only_looks_like_a_reference_is_none(tmp_path: Path, css: str) -> None:
    root = write_manuscript(tmp_path / "m", {"styles/epub.css": css + "\n"})
    load(root)  # raises ManuscriptError on any diagnostic


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_a_font_url_in_a_comment_embeds_nothing(tmp_path: Path, outside: Path) -> None:
    """The issue's case: the EPUB's font discovery took the url() of a comment and embedded that font."""
    css = ('@font-face {\n  font-family: "Outside";\n  /* src: url("' + str(outside / "OutsideFont.ttf") + '"); */\n'
           '  src: local("Outside");\n}\np { font-family: "Outside", "Noto Serif"; }\n')
    root = write_manuscript(tmp_path / "m", {"styles/epub.css": css})
    code, output = invoke("epub", str(root), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert code == 0, output
    with zipfile.ZipFile(tmp_path / "out" / "a-small-feature.epub") as epub:
        names = epub.namelist()
        fonts = {name: epub.read(name) for name in names if name.startswith("EPUB/fonts/")}
    assert not any("Outside" in name for name in names)
    assert all(data[:4] in (b"\x00\x01\x00\x00", b"OTTO") for data in fonts.values())


@pytest.mark.parametrize("target", ["/etc/passwd", "../photos/harbour.jpg", "../photos/captions.toml", "empty.ttf"])
def test_a_font_source_that_is_not_a_font_is_a_diagnostic(tmp_path: Path, target: str) -> None:
    css = f'/* fonts */\n@font-face {{ font-family: "Mine"; src: url("{target}"); }}\nbody {{ font-family: "Mine"; }}\n'
    root = write_manuscript(tmp_path / "m", {"styles/fonts.css": css, "styles/empty.ttf": b""})
    code, output = invoke("epub", str(root), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert code == 2, output
    assert f"{root}/styles/fonts.css:2:" in output, output
    assert "internal error" not in output


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_a_manuscript_font_is_found_beside_its_own_stylesheet(tmp_path: Path) -> None:
    """A font of the manuscript's styles/ is read from there (it was looked for in publish's styles/)."""
    css = '@font-face { font-family: "House Serif"; src: url("fonts/House.ttf"); }\n' \
          'html { font-family: "House Serif", "Noto Serif", serif; }\n'
    root = write_manuscript(tmp_path / "m", {"styles/fonts.css": css, "styles/fonts/House.ttf": FONT.read_bytes()})
    code, output = invoke("epub", str(root), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert code == 0, output
    with zipfile.ZipFile(tmp_path / "out" / "a-small-feature.epub") as epub:
        assert "EPUB/fonts/House.ttf" in epub.namelist()
        assert 'url("fonts/House.ttf")' in epub.read("EPUB/style.css").decode()


def test_the_font_discovery_gates_every_source_itself(tmp_path: Path, outside: Path) -> None:
    """Defence in depth: the EPUB's font subsetting refuses what the loader would have refused."""
    styles = tmp_path / "m" / "styles"
    styles.mkdir(parents=True)
    gate = Gate(tmp_path / "m", DEFAULT_STYLES)
    for css in ('@font-face { font-family: O; src: url("../../outside/OutsideFont.ttf"); }',
                '@font-face { font-family: O; src: url("../../outside/x.png"); }'):
        with pytest.raises(ManuscriptError, match="fonts.css:1:1"):
            subset_stylesheet([Sheet("fonts.css", styles / "fonts.css", css)], gate, set("abc"))
    css = '@font-face { font-family: O; /* src: url("../../outside/OutsideFont.ttf"); */ src: local(O); }'
    text, fonts = subset_stylesheet([Sheet("fonts.css", styles / "fonts.css", css)], gate, set("abc"))
    assert fonts == [] and "OutsideFont" in text  # the comment is kept as text, nothing is loaded


def test_the_parser_reads_what_css_means() -> None:
    css = ('/* url(a.png) */ @import "b.css"; p { content: "url(c.png)"; background: url(\\64 .png), '
           'image-set("e.png" 1x, url(f.png) 2x); }\n@font-face { font-family: "G H", x; src: url(g.ttf); }\n')
    assert [r.url for r in references(css)] == ["b.css", "d.png", "e.png", "f.png", "g.ttf"]
    assert [r.font for r in references(css)] == [False, False, False, False, True]
    (face,) = font_faces(css)
    assert (face.family, face.url, face.line) == ("G H", "g.ttf", 2)
    assert css[face.start:face.end].startswith("@font-face") and css[face.start:face.end].endswith("}")
