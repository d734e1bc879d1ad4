"""Issue 7: Khmer and Japanese set correctly in every edition: no tofu, real line breaks, tagged languages."""

from __future__ import annotations

import re
import tomllib
import unicodedata
import zipfile

import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import BUNDLED, epubcheck_messages, run_publish, write_manuscript
from helpers.scripts import LONG_KHMER
from lxml import etree
from weasyprint import CSS, HTML
from weasyprint.formatting_structure.boxes import BlockBox, LineBox, TextBox
from weasyprint.text.fonts import FontConfiguration

from publish.editions.print.layout import lay_out
from publish.manuscript.loader import load
from publish.manuscript.segment import ZWSP, segment
from publish.render.styles import DEFAULT_STYLES, Styles

JAPANESE_BRIDGE = "つばさ橋"
KHMER_BRIDGE = "ស្ពានអ្នកលឿង"
XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Kinsoku: characters no line may start with (closing punctuation, small kana, iteration marks).
NO_LINE_START = set("、。，．・：；？！ー）」』】〕〉》"
                    "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々ゝゞヽヾ")


def translations() -> dict[str, dict[str, str]]:
    data = tomllib.loads((BUNDLED / "publication.toml").read_text(encoding="utf-8"))
    return {t["lang"]: t for t in data["translations"]}


def _walk(box):
    yield box
    for child in getattr(box, "children", []):
        yield from _walk(child)


def _line_text(line: LineBox) -> str:
    return "".join(b.text for b in _walk(line) if isinstance(b, TextBox))


# Segmentation -----------------------------------------------------------------------------------


def test_khmer_gets_break_opportunities_between_words_never_inside_a_cluster():
    marked = segment(LONG_KHMER)
    assert marked.replace(ZWSP, "") == LONG_KHMER  # nothing lost or changed, only marks added
    assert marked.count(ZWSP) >= 15
    assert segment(KHMER_BRIDGE) == "ស្ពាន" + ZWSP + "អ្នកលឿង"  # "bridge" + "Neak Loeung"
    for index, char in enumerate(marked):
        if char == ZWSP:
            after, before = marked[index + 1], marked[index - 1]
            assert not unicodedata.category(after).startswith("M"), marked[index - 3:index + 3]
            assert before != "\u17d2" and after != "\u17d2"  # COENG joins a subscript to its consonant


def test_other_scripts_are_left_as_written():
    for text in ("Motorists travel across the bridge.", "外交関係樹立65周年。", "Tsubasa (つばさ橋)"):
        assert segment(text) == text


# Glyph coverage ---------------------------------------------------------------------------------


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_script_without_a_font_fails_with_the_character_and_the_stack(tmp_path):
    root = write_manuscript(tmp_path / "ms", {"feature.md": (
        "+++\ntitle = \"A Small Feature\"\n+++\n\nThe first paragraph.\n\n![](photos/harbour.jpg)\n\n"
        "Cherokee is written [ᏣᎳᎩ]{lang=chr}, and Tifinagh ⵜⴰ.\n\n"
        "The novelist [森鷗外]{lang=ja} wrote in Japanese.\n")})
    run = run_publish("all", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert any(re.match(r".*/feature\.md:9: error: U\+13E3 CHEROKEE LETTER TSA .*\"Noto Serif\"", line)
               for line in lines), run.stderr
    assert any(re.match(r".*/feature\.md:9: error: U\+2D5C TIFINAGH LETTER YAT ", line) for line in lines)
    assert "language 'chr'" in run.stderr and "hint:" in run.stderr
    # 鷗 is outside the JIS X 0208 repertoire of the bundled Japanese subset: its cmap says so.
    assert re.search(r"feature\.md:11: error: U\+9DD7 CJK UNIFIED IDEOGRAPH-9DD7 .*language 'ja'.*"
                     r"\"Noto Serif CJK JP\"", run.stderr), run.stderr
    assert "森" not in run.stderr and "U+5916" not in run.stderr  # characters the fonts have pass
    assert not list((tmp_path / "out").glob("*.pdf")) and not list((tmp_path / "out").glob("*.epub"))


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_font_stacks_are_read_from_the_styles(tmp_path):
    """A designer who drops the Japanese face from the label stack is told, before anything renders."""
    root = write_manuscript(tmp_path / "ms", {
        "feature.md": ("+++\ntitle = \"A Small Feature\"\n+++\n\nThe first paragraph.\n\n"
                       "![](photos/harbour.jpg)\n\nThe bridge is called [つばさ橋]{lang=ja}.\n"),
        "styles/base.css": ':lang(ja) { --label-font: "Noto Sans", sans-serif; }\n'})
    run = run_publish("pdf", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 2, run.stderr
    assert re.search(r"feature\.md:9: error: U\+3064 HIRAGANA LETTER TU .*\"Noto Sans\", sans-serif "
                     r"\(--label-font\)", run.stderr), run.stderr


# Line breaking ----------------------------------------------------------------------------------


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_long_khmer_paragraph_breaks_into_lines_that_fit_a_narrow_column(tmp_path):
    root = write_manuscript(tmp_path / "ms", {
        "feature.md": ("+++\ntitle = \"A Small Feature\"\n+++\n\nThe first paragraph.\n\n"
                       f"![](photos/harbour.jpg)\n\n{{.narrow lang=km}}\n{LONG_KHMER}\n\nThe end.\n"),
        "styles/print.css": ".narrow { width: 32mm; columns: auto; }\n"},
        photos={"photos/harbour.jpg": {"size": (600, 400), "dpi": 72}})
    publication, _ = load(root)
    layout = lay_out(publication, Styles.for_manuscript(root), "2020-05-01T00:00:00Z")
    try:
        paragraphs = [b for page in layout.document.pages for b in _walk(page._page_box)
                      if isinstance(b, BlockBox) and "narrow" in (b.element.get("class") or "")]
    finally:
        layout.close()
    lines = [line for p in paragraphs for line in _walk(p) if isinstance(line, LineBox)]
    assert len(lines) >= 5
    marked = segment(LONG_KHMER)
    assert "".join(_line_text(line) for line in lines) == marked
    right = paragraphs[0].content_box_x() + paragraphs[0].width
    position = 0
    for line in lines:
        text = _line_text(line)
        position += len(text)
        ends = [b.position_x + b.width for b in _walk(line) if isinstance(b, TextBox)]
        assert max(ends) <= right + 0.01, f"line overflows the measure: {text}"
        if position < len(marked):  # every break falls on a word boundary ICU found
            assert ZWSP in (marked[position - 1], marked[position]), text


def test_japanese_lines_never_start_with_closing_punctuation_or_small_kana():
    """Kinsoku. WeasyPrint ignores `line-break`, but Pango's line breaking already keeps these rules."""
    text = ("東京では、ちょっとした「ニュース」があった。キャッシュレス決済が、ショッピングセンターでも"
            "使えるようになったのだ。ジョッキを持ったサラリーマンは「ちょっと待って！」と叫んだ。") * 2
    fonts = FontConfiguration()
    sheets = [CSS(filename=str(DEFAULT_STYLES / name), font_config=fonts)
              for name in ("fonts.css", "base.css")]
    starts = 0
    for width in range(6, 30, 3):
        html = (f'<html lang="en"><body><p lang="ja" style="width:{width}em;font-size:10pt">{text}</p>'
                "</body></html>")
        page = HTML(string=html, base_url=str(DEFAULT_STYLES) + "/").render(
            stylesheets=sheets, font_config=fonts).pages[0]
        lines = [_line_text(b) for b in _walk(page._page_box) if isinstance(b, LineBox)]
        assert "".join(lines) == text
        for line in lines[1:]:
            starts += 1
            assert line[0] not in NO_LINE_START, f"{width}em: line starts with {line[0]!r}: {line}"
    assert starts > 40


# The bundled edition ----------------------------------------------------------------------------


def test_pdf_text_returns_the_khmer_and_japanese_strings_exactly(bundled):
    document = pdfium.PdfDocument(str(bundled.pdf))
    pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    document.close()
    text = "".join(pages).replace("\r\n", "").replace("\n", "")
    assert ZWSP not in text
    for lang, translation in translations().items():
        for key in ("title", "standfirst"):
            expected = translation[key].replace(" ", "")
            assert expected in text.replace(" ", ""), f"{lang} {key} not extracted as written"
        assert translation["title"] in pages[0].replace("\r\n", "")
    assert JAPANESE_BRIDGE in text and KHMER_BRIDGE in text
    with pikepdf.open(bundled.pdf) as pdf:
        assert str(pdf.Root.Lang) == "en"  # the document language; the tagged archive marks each run


def test_every_font_is_embedded_in_both_editions(bundled):
    with pikepdf.open(bundled.pdf) as pdf:
        names = set()
        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                descendants = font.get("/DescendantFonts")
                described = descendants[0] if descendants else font
                descriptor = described.get("/FontDescriptor")
                assert descriptor is not None, font.get("/BaseFont")
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), \
                    f"{font.get('/BaseFont')} is not embedded"
                names.add(str(font.get("/BaseFont")).split("+")[-1])
    assert any("Khmer" in n for n in names) and any("CJK" in n for n in names), names
    with zipfile.ZipFile(bundled.epub) as epub:
        files = set(epub.namelist())
        css = next(epub.read(n).decode() for n in files if n.endswith(".css"))
        sources = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    assert any("Khmer" in s for s in sources) and any("CJK" in s for s in sources), sources
    for source in sources:
        assert any(f.endswith(source.lstrip("./")) for f in files), f"{source} is not in the EPUB"


def test_epub_title_page_and_caption_carry_tagged_strings(bundled):
    with zipfile.ZipFile(bundled.epub) as epub:
        documents = {n: etree.fromstring(epub.read(n)) for n in epub.namelist() if n.endswith(".xhtml")}
    titlepage = next(d for n, d in documents.items() if n.endswith("titlepage.xhtml"))
    for lang, translation in translations().items():
        block = titlepage.find(f".//{XHTML}div[@lang='{lang}']")
        assert block is not None and block.get(XML_LANG) == lang
        assert "".join(block.itertext()).replace(ZWSP, "").count(translation["title"]) == 1
    tagged = [e for d in documents.values() for e in d.iter(f"{XHTML}span") if e.get("lang")]
    assert all(e.get(XML_LANG) == e.get("lang") for e in tagged)
    names = {e.get("lang"): "".join(e.itertext()).replace(ZWSP, "") for e in tagged
             if e.getparent() is not None and e.getparent().get("class") == "caption"}
    assert names == {"ja": JAPANESE_BRIDGE, "km": KHMER_BRIDGE}


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_epubcheck_stays_clean(bundled):
    serious = [m for m in epubcheck_messages(bundled.epub) if not m.startswith(("USAGE", "INFO"))]
    assert serious == []


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_tagged_archive_pdf_marks_the_language_of_structure_elements(tmp_path):
    root = write_manuscript(tmp_path / "ms", {"feature.md": (
        "+++\ntitle = \"A Small Feature\"\n+++\n\nThe first paragraph.\n\n![](photos/harbour.jpg)\n\n"
        f"The bridge is [{JAPANESE_BRIDGE}]{{lang=ja}} in Japanese and [{KHMER_BRIDGE}]{{lang=km}} in Khmer.\n")},
        photos={"photos/harbour.jpg": {"size": (600, 400), "dpi": 72}})
    run = run_publish("archive", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    with pikepdf.open(next((tmp_path / "out").glob("*.pdf"))) as pdf:
        assert str(pdf.Root.Lang) == "en"
        langs = {}
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            kids = stack.pop().get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    if "/Lang" in kid:
                        langs[str(kid.Lang)] = str(kid.S)
                    stack.append(kid)
    assert langs == {"ja": "/Span", "km": "/Span"}
