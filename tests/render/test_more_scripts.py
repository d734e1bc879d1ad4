"""Follow-up to issue 7: manuscripts in Arabic, Hindi and the other bundled scripts build, and
right-to-left publications read right to left in both editions."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import epubcheck_messages, run_publish, write_manuscript
from helpers.scripts import SAMPLES
from lxml import etree

import publish
from publish.manuscript.loader import load
from publish.model.diagnostics import Diagnostics
from publish.model.text import direction
from publish.render.glyphs import check_glyphs
from publish.render.html import Renderer
from publish.render.styles import Styles

XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = "{http://www.idpf.org/2007/opf}"
# The font files this follow-up added: an English e-book must carry none of them.
NEW_FONTS = ("Arabic", "Hebrew", "Devanagari", "Bengali", "Gujarati", "Tamil", "Sinhala", "Thai", "Lao",
             "Myanmar", "Armenian", "Georgian", "Ethiopic")

ARABIC_TOML = """\
title = "جسر الصداقة"
subtitle = "العلاقات بين اليابان وكمبوديا"
language = "ar"
date = "2018"
publisher = "دار النشر"

[[contributors]]
name = "ليلى حسن"
role = "author"
"""
ARABIC_TEXT = """\
+++
title = "جسر الصداقة"
standfirst = "تطورت العلاقات بين البلدين منذ عام 1953."
byline = "بقلم ليلى حسن"
+++

تطورت العلاقات بين اليابان وكمبوديا منذ أن أقام البلدان علاقات دبلوماسية في عام 1953.
ويعبر جسر الصداقة نهر تونلي ساب في العاصمة بنوم بنه.

![](photos/harbour.jpg)

يسمى الجسر بالإنجليزية [Friendship Bridge]{lang=en}، وقد افتتح للمرة الأولى
في عام 1966 ثم دمر خلال الحرب وأعيد بناؤه في عام 1994.

## الاستثمار والسياحة

- الاستثمار الياباني في كمبوديا
- السياحة والتبادل الثقافي

يزور كثير من السياح اليابانيين مدينة سيام ريب كل عام، ويعمل المهندسون من البلدين معا في مشاريع الطرق والجسور.
"""
ARABIC_CAPTIONS = """\
["harbour.jpg"]
caption = "قوارب في الميناء عند الفجر."
credit = "مصور الاختبار"
alt = "ثلاثة قوارب صيد راسية في ميناء هادئ."
"""
HINDI_TOML = ARABIC_TOML.replace('"ar"', '"hi"').replace("جسر الصداقة", "मित्रता का पुल").replace(
    "العلاقات بين اليابان وكمبوديا", "भारत और जापान के संबंध").replace("دار النشر", "प्रकाशक").replace(
    "ليلى حسن", "अनीता शर्मा")
HINDI_TEXT = """\
+++
title = "मित्रता का पुल"
byline = "अनीता शर्मा"
+++

भारत और जापान के बीच राजनयिक संबंध वर्ष 1952 में स्थापित हुए।

![](photos/harbour.jpg)

दोनों देशों ने व्यापार, शिक्षा और संस्कृति के क्षेत्र में सहयोग बढ़ाया है। स्वतंत्रता के बाद से यह मित्रता लगातार मज़बूत हुई है।
"""
HINDI_CAPTIONS = """\
["harbour.jpg"]
caption = "सुबह बंदरगाह में नावें।"
credit = "परीक्षण फ़ोटोग्राफ़र"
alt = "एक शांत बंदरगाह में तीन नावें।"
"""


def _build(root: Path, output: Path) -> tuple[Path, Path]:
    run = run_publish("all", str(root), "-o", str(output))
    assert run.returncode == 0, run.stderr
    pdf = next(p for p in output.glob("*.pdf") if not p.name.endswith(".archive.pdf"))
    return pdf, next(output.glob("*.epub"))


def _build_sample(factory: pytest.TempPathFactory, name: str, toml: str, text: str,
                  captions: str) -> tuple[Path, Path]:
    folder = factory.mktemp(name)
    root = write_manuscript(folder / "ms", {"publication.toml": toml, "feature.md": text,
                                           "photos/captions.toml": captions},
                            photos={"photos/harbour.jpg": {"size": (900, 600), "dpi": 150}})
    return _build(root, folder / "out")


@pytest.fixture(scope="module")
def arabic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _build_sample(tmp_path_factory, "arabic", ARABIC_TOML, ARABIC_TEXT, ARABIC_CAPTIONS)


@pytest.fixture(scope="module")
def hindi(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _build_sample(tmp_path_factory, "hindi", HINDI_TOML, HINDI_TEXT, HINDI_CAPTIONS)


def _pdf_text(pdf: Path) -> list[str]:
    """Each page's text as pdfium extracts it, lines joined by spaces."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    return [re.sub(r"\s+", " ", page.replace("\r\n", " ")) for page in pages]


def _epub(epub: Path) -> tuple[dict[str, etree._Element], etree._Element, set[str]]:
    with zipfile.ZipFile(epub) as archive:
        names = archive.namelist()
        documents = {n: etree.fromstring(archive.read(n)) for n in names if n.endswith(".xhtml")}
        opf = etree.fromstring(archive.read(next(n for n in names if n.endswith(".opf"))))
    return documents, opf, {Path(n).name for n in names if n.startswith("EPUB/fonts/")}


def _embedded_pdf_fonts(pdf: Path) -> set[str]:
    with pikepdf.open(pdf) as document:
        return {str(font.get("/BaseFont")).split("+")[-1] for page in document.pages
                for font in page.Resources.get("/Font", {}).values()}


# Writing direction ---------------------------------------------------------------------------------


def test_direction_follows_the_language_or_its_script_subtag():
    for tag in ("ar", "ar-EG", "fa", "fa-IR", "ur", "he", "yi", "ps", "az-Arab", "pa-Arab", "dv"):
        assert direction(tag) == "rtl", tag
    for tag in ("en", "hi", "km", "ja", "hy", "am", "ku-Latn", "uz-Latn", "ar-Latn", "he-Latn", ""):
        assert direction(tag) == "ltr", tag


# An Arabic publication ---------------------------------------------------------------------------


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_arabic_pdf_has_the_text_as_written_set_right_to_left(arabic):
    pdf, _ = arabic
    pages = _pdf_text(pdf)
    text = " ".join(pages)
    assert "جسر الصداقة" in pages[0]  # the title page
    # The opening words stay whole: Arabic letters join, so no drop cap cuts the first one off.
    assert "تطورت العلاقات بين اليابان وكمبوديا" in text
    for phrase in ("ويعبر جسر الصداقة نهر تونلي ساب", "يزور كثير من السياح اليابانيين", "السياحة والتبادل الثقافي"):
        assert phrase in text, phrase
    # The English phrase is drawn left to right inside the line; pdfium returns the words of a
    # left-to-right run inside a right-to-left line in line order ("Bridge Friendship").
    assert "Friendship" in text and "Bridge" in text
    assert any("Naskh" in name for name in _embedded_pdf_fonts(pdf))
    # Right to left: the text's first line starts in the right-hand column of its page.
    document = pdfium.PdfDocument(str(pdf))
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            found = textpage.search("ويعبر").get_next()
            if found:
                left, _, right, _ = textpage.get_charbox(found[0])
                assert left > page.get_width() / 2, (left, page.get_width())
                break
        else:
            raise AssertionError("the first paragraph is not in the PDF")
    finally:
        document.close()


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_arabic_archive_list_items_hold_a_label_and_a_body(arabic):
    """PDF/UA (veraPDF 7.2-20): an LI holds Lbl and LBody only; the item's paragraph goes in its LBody."""
    pdf, _ = arabic
    with pikepdf.open(pdf.with_name(pdf.stem + ".archive.pdf")) as archive:
        items, stack = [], [archive.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            kids = node.get("/K")
            kids = [k for k in (kids if isinstance(kids, pikepdf.Array) else [kids])
                    if isinstance(k, pikepdf.Dictionary) and "/S" in k]
            if str(node.get("/S")) == "/LI":
                items.append([str(k.S) for k in kids])
            stack.extend(kids)
    assert len(items) == 2 and all(kinds == ["/Lbl", "/LBody"] for kinds in items), items


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_arabic_epub_reads_right_to_left(arabic):
    _, epub = arabic
    documents, opf, fonts = _epub(epub)
    article = next(d for n, d in documents.items() if n.endswith("feature.xhtml"))
    for name, document in documents.items():
        assert document.get("dir") == "rtl", name  # every content document, nav and cover included
        assert document.get("lang") == "ar"
    english = [e for e in article.iter(f"{XHTML}span") if e.get("lang") == "en"]
    assert [e.get("dir") for e in english] == ["ltr"]  # a left-to-right phrase inside says so
    spine = opf.find(f"{OPF}spine")
    assert spine.get("page-progression-direction") == "rtl"
    assert any("NaskhArabic" in f for f in fonts) and any("SansArabic" in f for f in fonts), fonts


def test_print_html_of_a_mixed_publication_says_each_direction(tmp_path):
    """An English book with an Arabic text: the text runs right to left, an English phrase in it left to right."""
    text = ARABIC_TEXT.replace("+++\ntitle", "+++\nlang = \"ar\"\ntitle", 1)
    root = write_manuscript(tmp_path / "ms", {"feature.md": text, "photos/captions.toml": ARABIC_CAPTIONS},
                            photos={"photos/harbour.jpg": {"size": (600, 400), "dpi": 72}})
    publication, _ = load(root)
    html = Renderer(publication, Styles.for_manuscript(root), "print", image_src=lambda p: p.name).render(
        "print.html", created="2020-05-01T00:00:00Z")
    assert '<html lang="en">' in html
    # the text's own section (its classes name its kind and division) says its language and direction
    assert re.search(r'<section class="article(?: [^"]*)?" id="feature" lang="ar" dir="rtl"', html), html[:2000]
    assert '<span lang="en" dir="ltr">Friendship Bridge</span>' in html


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_arabic_epub_passes_epubcheck(arabic):
    _, epub = arabic
    messages = [m for m in epubcheck_messages(epub) if not m.startswith(("INFO", "USAGE CSS-028"))]
    assert messages == []


# A Hindi publication ------------------------------------------------------------------------------


@pytest.mark.slow  # builds a whole edition, or runs EPUBCheck, veraPDF or Chromium
def test_hindi_builds_both_editions_with_devanagari_text_extractable(hindi):
    pdf, epub = hindi
    pages = _pdf_text(pdf)
    text = " ".join(pages)
    assert "मित्रता का पुल" in pages[0]
    # Conjuncts and vowel signs come back in their order (/ActualText), not as drawn. The one-line first
    # paragraph is too short for the drop cap, which opens the second ("दो" set apart, left out here).
    for phrase in ("देशों ने व्यापार, शिक्षा और संस्कृति के क्षेत्र में सहयोग बढ़ाया है।",
                   "स्वतंत्रता के बाद से यह मित्रता लगातार मज़बूत हुई है।",
                   "भारत और जापान के बीच राजनयिक संबंध वर्ष 1952 में स्थापित हुए।"):
        assert phrase in text, phrase
    assert any("Devanagari" in name for name in _embedded_pdf_fonts(pdf))
    documents, opf, fonts = _epub(epub)
    assert all(d.get("dir") is None for d in documents.values())  # left to right: nothing to say
    assert opf.find(f"{OPF}spine").get("page-progression-direction") is None
    assert any("Devanagari" in f for f in fonts)
    assert not any("Arabic" in f or "Hebrew" in f for f in fonts)  # only the faces the text needs


# Every bundled script --------------------------------------------------------------------------


def test_every_bundled_script_passes_the_glyph_check_tagged_or_not(tmp_path):
    """Tagged, a phrase gets its language's faces first; untagged, the fallbacks after the Latin faces."""
    tagged = "\n\n".join(f"In {lang}: [{text}]{{lang={lang}}}." for lang, text in SAMPLES.items())
    untagged = "\n\n".join(f"Untagged: {text}." for text in SAMPLES.values())
    root = write_manuscript(tmp_path / "ms", {"feature.md": (
        "+++\ntitle = \"A Small Feature\"\n+++\n\nThe first paragraph.\n\n![](photos/harbour.jpg)\n\n"
        f"{tagged}\n\n{untagged}\n")}, photos={"photos/harbour.jpg": {"size": (600, 400), "dpi": 72}})
    publication, _ = load(root)
    diags = Diagnostics(root)
    assert check_glyphs(publication, Styles.for_manuscript(root), diags) == []


# The English bundled feature -------------------------------------------------------------------


def test_english_ebook_carries_none_of_the_new_faces(bundled):
    _, _, fonts = _epub(bundled.epub)
    assert fonts, "the bundled e-book embeds its fonts"
    assert not [f for f in fonts if any(script in f for script in NEW_FONTS)], fonts
    documents, opf, _ = _epub(bundled.epub)
    assert all(d.get("dir") is None for d in documents.values())
    assert opf.find(f"{OPF}spine").get("page-progression-direction") is None


def test_a_font_s_character_map_is_read_once_and_then_kept_by_its_bytes(tmp_path, monkeypatch):
    """The glyph check asks what each bundled face draws on every build: the answer is kept in the
    build's derived store by the font's bytes (a changed font is read again), and is the font's own."""
    import shutil

    from fontTools.ttLib import TTFont

    from publish.manuscript import fontfiles
    from publish.runtime.store import deriving_into, forget_hashes

    font = tmp_path / "face.ttf"
    shutil.copyfile(Path(publish.__file__).parent / "styles" / "fonts" / "NotoSansKhmer-Regular.ttf", font)
    truth = frozenset(TTFont(str(font)).getBestCmap())
    store = tmp_path / "derived"
    with deriving_into(store):
        assert fontfiles.font_cmap(font) == truth
    kept = list(store.glob("*.bin"))
    assert len(kept) == 1
    fontfiles._remembered.cache_clear()
    forget_hashes()
    monkeypatch.setattr("fontTools.ttLib.TTFont", None)  # a kept map is not read from the font again
    monkeypatch.setattr("uharfbuzz.Face", None)
    with deriving_into(store):
        assert fontfiles.font_cmap(font) == truth
    other = Path(publish.__file__).parent / "styles" / "fonts" / "NotoSansThai-Regular.ttf"
    shutil.copyfile(other, font)  # new bytes, new answer
    monkeypatch.undo()
    fontfiles._remembered.cache_clear()
    forget_hashes()
    with deriving_into(store):
        assert fontfiles.font_cmap(font) == frozenset(TTFont(str(other)).getBestCmap())


def test_harfbuzz_reads_every_bundled_face_s_character_map_as_fonttools_does(tmp_path):
    """The glyph check reads character maps with HarfBuzz (manuscript/fontfiles.py) for speed: it must
    answer what fontTools' getBestCmap() answered, face for face, or the check would change."""
    from fontTools.ttLib import TTFont

    from publish.manuscript import fontfiles

    faces = sorted((Path(publish.__file__).parent / "styles" / "fonts").glob("*.[ot]tf"))
    assert len(faces) > 40
    for face in faces:
        fontfiles._remembered.cache_clear()
        assert fontfiles.font_cmap(face) == frozenset(TTFont(str(face), lazy=True).getBestCmap()), face.name
    not_a_font = tmp_path / "notes.ttf"
    not_a_font.write_bytes(b"\x00\x01\x00\x00" + b"not really a font" * 10)
    with pytest.raises(fontfiles.FontProblem):
        fontfiles.font_cmap(not_a_font)
