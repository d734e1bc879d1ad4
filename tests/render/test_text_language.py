"""A text's words shown outside it (contents entries, the e-book's navigation list) and its fields in
another language (a summary in English under an Arabic title) carry their own lang and dir, so that
shaping, letter-spacing, hyphenation and direction follow the language they are in."""

from __future__ import annotations

from pathlib import Path

from conftest import write_manuscript
from lxml import etree, html
from weasyprint import CSS, HTML
from weasyprint.formatting_structure.boxes import LineBox, TextBox

from publish.editions.print.layout import print_html, style_sources
from publish.engine.boxes import descendants, page_root
from publish.manuscript.loader import load
from publish.render.html import Renderer
from publish.render.styles import Styles

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
KHMER_BYLINE = "ដោយ សុខ ចន្ថូ"
ANTHOLOGY = """\
title = "Rivers"
language = "en"
date = 2020-05-01
texts = ["mekong.md", "nile.md", "aske.md"]
"""
TEXTS = {
    "mekong.md": f'+++\ntitle = "ទន្លេមេគង្គ"\nbyline = "{KHMER_BYLINE}"\nlang = "km"\n+++\n\nផ្ទះរបស់យាយខ្ញុំ។\n',
    "nile.md": '+++\ntitle = "الجسر الطويل"\nbyline = "نور السيد"\nlang = "ar"\n+++\n\nعندما بدأت دراستي.\n',
    "aske.md": '+++\ntitle = "The walk across"\nbyline = "by Maren Oakes"\n+++\n\nThere is a road.\n',
}


def _anthology(root: Path, texts: dict[str, str] | None = None) -> Path:
    files = {"publication.toml": ANTHOLOGY, "feature.md": None, "photos/captions.toml": None, **TEXTS, **(texts or {})}
    return write_manuscript(root, files, photos={"photos/harbour.jpg": None})


def _laid_out(publication, styles, root: Path, page: str | None = None):
    """The print HTML (or `page`, the print HTML already made) laid out with the print edition's stylesheets."""
    sheets = [CSS(filename=value) if kind == "file" else CSS(string=value)
              for kind, value in style_sources(publication, styles)]
    markup = page if page is not None else print_html(publication, styles, "2020-05-01T00:00:00Z")
    return HTML(string=markup, base_url=str(root) + "/").render(stylesheets=sheets)


def _boxes(document):
    return (box for page in document.pages for box in descendants(page_root(page)))


def test_contents_entries_carry_their_texts_language_and_direction(tmp_path):
    root = _anthology(tmp_path / "ms")
    publication, _ = load(root)
    tree = html.fromstring(print_html(publication, Styles.for_manuscript(root), "2020-05-01T00:00:00Z"))
    entries = {li.xpath("string(.//a)").strip(): li for li in tree.xpath('//nav[@class="contents"]//li')}
    khmer, arabic, english = entries["ទន្លេមេគង្គ"], entries["الجسر الطويل"], entries["The walk across"]
    for piece in ("contents-heading", "contents-byline"):
        assert khmer.xpath(f'.//*[@class="{piece}"]/@lang') == ["km"], piece
        assert khmer.xpath(f'.//*[@class="{piece}"]/@dir') == [], piece  # Khmer runs the book's way
        assert arabic.xpath(f'.//*[@class="{piece}"]/@lang') == ["ar"], piece
        assert arabic.xpath(f'.//*[@class="{piece}"]/@dir') == ["rtl"], piece
        assert english.xpath(f'.//*[@class="{piece}"]/@lang') == [], piece  # the book's own language


def test_khmer_byline_in_the_contents_is_not_letter_spaced(tmp_path):
    """Contents bylines are tracked (print.css); a Khmer one set apart shows its vowels on dotted circles."""
    root = _anthology(tmp_path / "ms")
    publication, _ = load(root)
    document = _laid_out(publication, Styles.for_manuscript(root), root)
    spacing = {box.element.text: box.style["letter_spacing"] for box in _boxes(document)
               if isinstance(box, TextBox) and "contents-byline" in (box.element.get("class") or "")}
    assert spacing[KHMER_BYLINE] == 0, spacing
    assert spacing["by Maren Oakes"] != 0, spacing  # the book's own bylines stay tracked


def test_epub_navigation_marks_each_title_with_its_language(tmp_path):
    root = _anthology(tmp_path / "ms")
    publication, _ = load(root)
    renderer = Renderer(publication, Styles.for_manuscript(root), "epub", image_src=lambda photo: photo.path.name)
    nav = etree.fromstring(renderer.render("epub-nav.xhtml", pages=[], stylesheet="style.css").encode())
    links = nav.findall('.//{*}nav[@id="toc"]//{*}a')
    titles = {"".join(a.itertext()): a for a in links}
    khmer = titles["ទន្លេមេគង្គ"].find("{*}span")
    arabic = titles["الجسر الطويل"].find("{*}span")
    assert (khmer.get("lang"), khmer.get(XML_LANG), khmer.get("dir")) == ("km", "km", None)
    assert (arabic.get("lang"), arabic.get(XML_LANG), arabic.get("dir")) == ("ar", "ar", "rtl")
    assert titles["The walk across"].find("{*}span") is None


ARABIC_WITH_SUMMARY = ('+++\ntitle = "الجسر الطويل"\nsubtitle = "The long bridge"\nsubtitle_lang = "en"\n'
                       'standfirst = "A walk across the Nile. (Summary translated by Daniel Price.)"\n'
                       'standfirst_lang = "en"\nlang = "ar"\n+++\n\nعندما بدأت دراستي.\n')


def test_a_summary_in_another_language_than_its_text_is_set_in_its_own_direction(tmp_path):
    """An English standfirst under an Arabic title is laid out left to right: its full stop and
    parenthesis at the end of its line, not at the start ("(.Summary translated by Daniel Price)")."""
    root = _anthology(tmp_path / "ms", {"nile.md": ARABIC_WITH_SUMMARY})
    publication, _ = load(root)
    styles = Styles.for_manuscript(root)
    page = print_html(publication, styles, "2020-05-01T00:00:00Z")
    tree = html.fromstring(page)
    for piece in ("subtitle", "standfirst"):
        assert [(p.get("lang"), p.get("dir")) for p in tree.xpath(f'//section[@id="nile"]//p[@class="{piece}"]')] \
            == [("en", "ltr")], piece
    # The Khmer text's subtitle, in Khmer, says nothing more: its language is the text's.
    assert tree.xpath('//section[@id="mekong"]//p[@class="subtitle"]') == []
    document = _laid_out(publication, styles, root, page)
    standfirst = [box for box in _boxes(document)
                  if getattr(box, "element_tag", "") == "p" and box.element.get("class") == "standfirst"][0]
    assert standfirst.style["direction"] == "ltr"
    assert standfirst.style["text_align_all"] == "right"  # on the opener's axis, under the title
    assert standfirst.element.get("lang") == "en"


def test_a_fields_language_that_is_its_texts_own_is_not_marked_again(tmp_path):
    text = ARABIC_WITH_SUMMARY.replace('subtitle_lang = "en"', 'subtitle_lang = "ar"')
    publication, _ = load(_anthology(tmp_path / "ms", {"nile.md": text}))
    nile = next(a for a in publication.articles if a.id == "nile")
    assert (nile.subtitle_language, nile.standfirst_language) == ("", "en")


def _leadings(document) -> dict[str, set[float]]:
    """The line-heights of each text's body paragraphs (px), by the text's id."""
    leadings: dict[str, set[float]] = {}
    text = ""
    for box in _boxes(document):
        if getattr(box, "element_tag", "") == "section" and box.element.get("id"):
            text = box.element.get("id")
        if isinstance(box, LineBox) and box.element.tag == "p" and not box.element.get("class") and text:
            leadings.setdefault(text, set()).add(round(box.style["line_height"].value, 2))
    return leadings


def test_khmer_is_set_with_a_leading_of_its_own_in_print(tmp_path):
    """Khmer subscripts below one line reach the vowels above the next at the Latin leading (1.375):
    a Khmer text is set on a grid of 1.75 × the type size, a Khmer paragraph in another text at 1.72."""
    english = ('+++\ntitle = "The walk across"\n+++\n\nThere is a road across the estuary.\n\n'
               '{lang=km}\nផ្ទះរបស់យាយខ្ញុំនៅមាត់ទន្លេមេគង្គ។\n')
    root = _anthology(tmp_path / "ms", {"aske.md": english})
    publication, _ = load(root)
    document = _laid_out(publication, Styles.for_manuscript(root), root)
    size = next(box.style["font_size"] for box in _boxes(document)
                if getattr(box, "element_tag", "") == "p" and box.element.text == "There is a road across the estuary.")
    leadings = _leadings(document)
    assert leadings["mekong"] == {round(size * 1.75, 2)}, (leadings, size)
    assert leadings["nile"] == {round(size * 1.375, 2)}, (leadings, size)
    assert leadings["aske"] == {round(size * 1.375, 2), round(size * 1.375 * 1.25, 2)}, (leadings, size)
