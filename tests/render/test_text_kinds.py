"""Text kinds (issue 15): definition lists, code in a bundled mono face, mathematical symbols, vertical Japanese.

Two fixture manuscripts (tests/helpers/layout_fixtures.py) are built once each with the real command: a
technical note on A5 (definition lists, inline code, a code block with over-long lines, the symbols
of engineering prose) and a Japanese text whose front matter asks for vertical writing.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import epubcheck_messages, run_publish, write_manuscript
from helpers.layout_fixtures import SYMBOLS, Built, build, epub_css, epub_doc, page_texts, technical, vertical
from lxml import etree

from publish.manuscript.containment import Gate
from publish.manuscript.loader import load
from publish.model.diagnostics import ManuscriptError
from publish.render.fonts import Sheet, code_families, subset_stylesheet

pytestmark = pytest.mark.slow  # builds fixture manuscripts in every edition

XHTML = "{http://www.w3.org/1999/xhtml}"
STYLES = Path(__file__).resolve().parents[2] / "publish" / "styles"


@pytest.fixture(scope="module")
def tech(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("tech")
    return build(technical(root / "manuscript"), root / "output", "flushing-a-reservoir")


@pytest.fixture(scope="module")
def tate(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("tate")
    return build(vertical(root / "manuscript"), root / "output", "川の町")


def fonts_of(pdf: Path) -> set[str]:
    with pikepdf.open(pdf) as document:
        return {str(font.BaseFont).split("+")[-1] for page in document.pages
                for font in page.obj.Resources.get("/Font", {}).values()}


# Definition lists --------------------------------------------------------------------------------


def test_definition_lists_are_terms_and_definitions_in_every_edition(tech: Built) -> None:
    text = "\n".join(page_texts(tech.pdf)).replace("\r\n", "\n")
    assert "Sediment flushing\nOpening the low gates" in text  # the term on its own line, no ' : '
    assert " : " not in text
    doc = epub_doc(tech.epub, "flushing.xhtml")
    lists = list(doc.iter(f"{XHTML}dl"))
    assert len(lists) == 1
    terms = ["".join(dt.itertext()) for dt in lists[0].iter(f"{XHTML}dt")]
    assert terms == ["Sediment flushing", "Sluicing", "Dead storage"]
    assert [len(dd.findall(f"{XHTML}p")) for dd in lists[0].iter(f"{XHTML}dd")] == [2, 1, 1]
    with pikepdf.open(tech.archive) as archive:  # tagged as a list: items with their bodies
        kinds = [str(e.get("/S")) for e in _struct_elements(archive.Root.StructTreeRoot)]
    assert kinds.count("/LBody") >= 6 and "/L" in kinds


def _struct_elements(node: pikepdf.Object):
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, pikepdf.Dictionary):
            if "/S" in item:
                yield item
            kids = item.get("/K")
            if isinstance(kids, pikepdf.Array):
                stack.extend(kids)
            elif isinstance(kids, pikepdf.Dictionary):
                stack.append(kids)


# Code ----------------------------------------------------------------------------------------------


def test_code_is_set_in_the_mono_face_and_wraps_under_its_own_start(tech: Built) -> None:
    assert {"Noto-Sans-Mono", "Noto-Serif"} <= fonts_of(tech.pdf)
    document = pdfium.PdfDocument(str(tech.pdf))
    try:
        lines = []  # (x of the line's first glyph, its text) for the code block's lines in print
        for page in document:
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            position = 0
            for line in text.split("\r\n"):
                if line.strip():
                    lines.append((textpage.get_charbox(position + len(line) - len(line.lstrip()))[0], line))
                position += len(line) + 2
    finally:
        document.close()
    start = next(i for i, (_, line) in enumerate(lines) if line.startswith("def flush("))
    end = next(i for i, (_, line) in enumerate(lines) if line.startswith("A line of a configuration"))
    block = lines[start:end]
    left = block[0][0]
    wrapped = [(x, line) for x, line in block if line.lstrip().startswith("maximum_outflow")]
    assert wrapped and wrapped[0][0] > left + 2  # the rest of the def hangs two characters in
    deep = [(x, line) for x, line in block if line.strip() == "silt"]
    loop = [x for x, line in block if line.lstrip().startswith("for gate in gates:")]
    assert deep and loop and deep[0][0] > loop[0] + 2  # under its own indented start, not the margin
    assert not any(line.rstrip().endswith("-") for _, line in block)  # never hyphenated
    doc = epub_doc(tech.epub, "flushing.xhtml")
    code_lines = [span for span in doc.iter(f"{XHTML}span") if span.get("class") == "line"]
    assert len(code_lines) == 7 and "padding-inline-start: 6ch" in code_lines[1].get("style")
    paragraph = next(p for p in doc.iter(f"{XHTML}p") if "gate program" in "".join(p.itertext()))
    assert paragraph.get("class") == "with-code"  # ragged in print: justified, code opens gaps
    assert etree.tostring(paragraph, encoding="unicode").count("<wbr/>") >= 2  # open_gate, gates.toml


def test_symbols_set_from_the_math_and_symbol_faces(tech: Built) -> None:
    text = "".join(page_texts(tech.pdf))
    for symbol in SYMBOLS.split():
        assert symbol in text, symbol
    assert {"Noto-Sans-Math", "Noto-Sans-Symbols2"} <= fonts_of(tech.pdf)
    assert not re.search(r"error|warning", tech.stderr.replace("preflight", ""))


def test_the_epub_carries_the_code_face_only_with_code(tech: Built, tate: Built) -> None:
    with zipfile.ZipFile(tech.epub) as book:
        tech_fonts = {name for name in book.namelist() if name.startswith("EPUB/fonts/")}
    with zipfile.ZipFile(tate.epub) as book:
        tate_fonts = {name for name in book.namelist() if name.startswith("EPUB/fonts/")}
    assert "EPUB/fonts/NotoSansMono-Regular.ttf" in tech_fonts and "EPUB/fonts/NotoSansMath-Regular.ttf" in tech_fonts
    assert not any("CJK" in name for name in tech_fonts)  # ∞ and → come from the math face, before it
    assert not any("Mono" in name or "Math" in name for name in tate_fonts)
    assert any("CJK" in name for name in tate_fonts)
    assert not [m for m in epubcheck_messages(tech.epub) if "CSS-028" not in m]


def test_code_faces_are_subset_to_the_code() -> None:
    sheets = [Sheet(name, STYLES / name, (STYLES / name).read_text(encoding="utf-8"))
              for name in ("fonts.css", "base.css")]
    css = "\n".join(sheet.text for sheet in sheets)
    assert code_families(css) == {"Noto Sans Mono"}
    _, without = subset_stylesheet(sheets, Gate(STYLES), set("Plain words ∞"), set())
    assert {Path(f.href).name for f in without} & {"NotoSansMono-Regular.ttf", "NotoSerifCJKjp-Regular.otf"} == set()
    assert "NotoSansMath-Regular.ttf" in {Path(f.href).name for f in without}
    _, with_code = subset_stylesheet(sheets, Gate(STYLES), set("Plain words x = 1"), set("x = 1"))
    assert "NotoSansMono-Regular.ttf" in {Path(f.href).name for f in with_code}


# Vertical Japanese ---------------------------------------------------------------------------------


def test_vertical_japanese_is_vertical_in_the_epub(tate: Built) -> None:
    doc = epub_doc(tate.epub, "kawa.xhtml")
    assert doc.get("class") == "writing-vertical"
    assert re.search(r"html\.writing-vertical \{[^}]*\bwriting-mode: vertical-rl", epub_css(tate.epub))
    with zipfile.ZipFile(tate.epub) as book:
        opf = book.read("EPUB/content.opf").decode()
    assert 'page-progression-direction="rtl"' in opf  # its pages turn right to left
    assert not re.search(r"<package[^>]*\bdir=", opf)  # but Japanese is not right-to-left text
    assert not [m for m in epubcheck_messages(tate.epub) if "CSS-028" not in m]


def test_vertical_japanese_is_said_to_be_horizontal_in_print(tate: Built) -> None:
    """WeasyPrint has no writing-mode: the warning says so at the front matter's line, and print is horizontal."""
    assert re.search(r"kawa\.md:4: warning: vertical writing is not supported in print", tate.stderr)
    document = pdfium.PdfDocument(str(tate.pdf))
    try:
        for page in document:
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            index = text.find("川は山から")
            if index >= 0:
                boxes = [textpage.get_charbox(index + i) for i in range(4)]
                break
        else:
            pytest.fail("the text is not in the print edition")
    finally:
        document.close()
    assert all(b[0] > a[0] and abs(b[1] - a[1]) < 1 for a, b in zip(boxes, boxes[1:], strict=False))


def test_vertical_writing_is_for_scripts_written_so(tmp_path: Path) -> None:
    text = '+++\ntitle = "Upright"\nwriting = "vertical"\n+++\n\nEnglish is not written top to bottom.\n'
    root = write_manuscript(tmp_path / "upright", {"feature.md": text, "photos/captions.toml": None},
                            photos={"photos/harbour.jpg": None})
    with pytest.raises(ManuscriptError) as caught:
        load(root)
    assert [(d.line, d.message) for d in caught.value.diagnostics] == [
        (3, "writing = \"vertical\" is for Japanese, Chinese or Korean, not 'en'")]
    run = run_publish("check", str(root), "--no-epubcheck")
    assert run.returncode == 2 and "feature.md:3:" in run.stdout + run.stderr


def test_the_front_matters_fixed_words_are_in_the_books_language(tmp_path: Path) -> None:
    """A Spanish book's contents heading and imprint lines are Spanish (templates/labels.html WORDS),
    in print and in the e-book's navigation; an English book keeps its English words."""
    from conftest import MINIMAL_TOML

    from publish.editions.print.layout import print_html
    from publish.manuscript.loader import load
    from publish.render.styles import Styles

    for language, words in (("es", ("Índice", "Publicado por Test Press", "Créditos fotográficos")),
                            ("en", ("Contents", "Published by Test Press", "Photo credits"))):
        toml = MINIMAL_TOML.replace('language = "en"', f'language = "{language}"').replace(
            'date = 2020-05-01\n', 'date = 2020-05-01\npublisher = "Test Press"\ntexts = ["feature.md", "two.md"]\n')
        root = write_manuscript(tmp_path / language, {"publication.toml": toml, "two.md": "# Dos\n\nTexto.\n"})
        publication, diags = load(root)
        assert not diags.errors, diags.items
        html = print_html(publication, Styles.for_manuscript(root), "2020-05-01T00:00:00Z")
        for word in words:
            assert word in html, (language, word)


@pytest.mark.slow  # builds the e-book
def test_no_english_is_left_in_a_french_books_fixed_words(tmp_path: Path) -> None:
    """Every word publish itself prints or announces follows the book's language (templates/labels.html):
    the imprint's roles (plural where two people share one), the stand-in's credit, the source line,
    the e-book's landmarks and page list, and what a screen reader hears for notes and tables."""
    import zipfile

    from conftest import MINIMAL_CAPTIONS, MINIMAL_TOML

    from publish.editions.print.layout import print_html
    from publish.manuscript.loader import load
    from publish.render.styles import Styles

    toml = (MINIMAL_TOML.replace('language = "en"', 'language = "fr"').replace(
        'date = 2020-05-01\n', 'date = 2020-05-01\npublisher = "Test Press"\nsource = "La Revue, 2019"\n')
        + '\n[[contributors]]\nname = "Bea Writer"\nrole = "author"\n'
        + '\n[[contributors]]\nname = "Cy Turner"\nrole = "translator"\n')
    text = ("+++\ntitle = \"Un petit article\"\n+++\n\nLe premier paragraphe[^1].\n\n![](photos/harbour.jpg)\n\n"
            "| Année | Bateaux |\n|---|---|\n| 1990 | 12 |\n\n[^1]: Une note.\n")
    root = write_manuscript(tmp_path / "fr", {"publication.toml": toml, "feature.md": text,
                                              "photos/captions.toml": MINIMAL_CAPTIONS + "stand_in = true\n"})
    publication, diags = load(root)
    assert not diags.errors, diags.items
    printed = print_html(publication, Styles.for_manuscript(root), "2020-05-01T00:00:00Z")
    run = run_publish("epub", str(root), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert run.returncode == 0, run.stderr
    built = next((tmp_path / "out").glob("*.epub"))
    assert not [m for m in epubcheck_messages(built) if not m.startswith(("INFO", "USAGE CSS-028"))]  # fonts: by design
    with zipfile.ZipFile(built) as epub:
        ebook = "\n".join(epub.read(name).decode() for name in epub.namelist() if name.endswith(".xhtml"))
    for edition, html in (("print", printed), ("epub", ebook)):
        for english in ("Imprint", "Authors", "Translator", "First published", "Stand-in for a photograph",
                        "Back to note", "Table 1", "Title page"):
            assert english not in html, (edition, english)
        for french in ("Auteurs", "Ada Writer et Bea Writer", "Traduction", "Première publication : ",
                       "Image de substitution d’une photographie de Test Photographer", "Mentions légales"):
            assert french in html, (edition, french)
    for french in ("Couverture", "Page de titre", "Repères", "Retour à l’appel de note 1", "Tableau 1"):
        assert french in ebook, french
    assert "Pages of the print edition" not in ebook and ">Cover<" not in ebook
