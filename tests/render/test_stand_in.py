"""Stand-in pictures (issue 16): a photo marked `stand_in = true` in captions.toml is credited, in its caption
and in the imprint, as a stand-in for the photographer's photograph, never as the photographer's work."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
from bs4 import BeautifulSoup
from conftest import MINIMAL_CAPTIONS, BundledBuild, write_manuscript

from publish.manuscript.loader import load
from publish.manuscript.scaffold import scaffold
from publish.render.html import Renderer
from publish.render.styles import Styles

PHRASE = "stand-in for a photograph by heng chivoan"


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip().lower()


def pdf_words(path: Path) -> str:
    document = pdfium.PdfDocument(str(path))
    try:
        return words(" ".join(page.get_textpage().get_text_range() for page in document))
    finally:
        document.close()


def rendered(root: Path, edition: str = "epub") -> tuple[BeautifulSoup, BeautifulSoup]:
    """The first text and the imprint as the edition's templates render them."""
    publication, _ = load(root)
    renderer = Renderer(publication, Styles.for_manuscript(root), edition, image_src=lambda photo: photo.name)
    article = renderer.render("article.html", article=publication.articles[0])
    imprint = renderer.render("imprint.html")
    return BeautifulSoup(article, "html.parser"), BeautifulSoup(imprint, "html.parser")


def test_the_bundled_stand_in_is_credited_as_one_in_every_edition(bundled: BundledBuild) -> None:
    with zipfile.ZipFile(bundled.epub) as archive:
        chapter = BeautifulSoup(archive.read("EPUB/ties-that-bind.xhtml"), "xml")
        imprint = BeautifulSoup(archive.read("EPUB/imprint.xhtml"), "xml")
    credits = [words(span.get_text()) for span in chapter.find_all(attrs={"role": "doc-credit"})]
    assert credits == [PHRASE]
    assert PHRASE in words(imprint.find(class_="imprint-credits").get_text())
    for pdf in (bundled.pdf, bundled.output / "ties-that-bind.archive.pdf"):
        text = pdf_words(pdf)
        assert text.count(PHRASE) == 2, pdf.name  # the caption's credit and the imprint's photo credits


def test_any_photo_can_be_marked_a_stand_in(tmp_path: Path) -> None:
    captions = MINIMAL_CAPTIONS.replace('credit = "Test Photographer"\n',
                                        'credit = "Test Photographer"\nstand_in = true\n')
    for edition in ("print", "epub"):
        text, imprint = rendered(write_manuscript(tmp_path / edition, {"photos/captions.toml": captions}), edition)
        assert words(text.find(class_="credit").get_text()) == "stand-in for a photograph by test photographer"
        assert words(imprint.find(class_="imprint-credits").get_text()) == \
            "photo credits stand-in for a photograph by test photographer"
    text, imprint = rendered(write_manuscript(tmp_path / "real"))  # unmarked: the photographer's own
    assert words(text.find(class_="credit").get_text()) == "test photographer"
    assert words(imprint.find(class_="imprint-credits").get_text()) == "photo credits test photographer"


def test_publish_new_marks_its_drawing_a_stand_in(tmp_path: Path) -> None:
    scaffold(tmp_path / "new", title="Harbour Lights", author="Ada Writer", date="2024-01-01")
    publication, _ = load(tmp_path / "new")
    assert [photo.stand_in for photo in publication.photos] == [True]
    text, imprint = rendered(tmp_path / "new")
    assert words(text.find(class_="credit").get_text()) == "stand-in for a photograph"
    assert "stand-in for a photograph" in words(imprint.find(class_="imprint-credits").get_text())


def test_a_stand_in_in_a_pair_with_one_caption_is_credited_as_one(tmp_path: Path) -> None:
    """A shared caption lists each photo's credit once: a stand-in's as a stand-in, never its photographer's name."""
    text = ("+++\ntitle = \"Pair\"\n+++\n\nText.\n\n::: pair\n![](photos/a.jpg)\n![](photos/b.jpg)\n\n"
            "Two views of the harbour.\n:::\n")
    captions = ('["a.jpg"]\nalt = "A."\ncredit = "Real Photographer"\n\n'
                '["b.jpg"]\nalt = "B."\ncredit = "Replaced Photographer"\nstand_in = true\n')
    root = write_manuscript(tmp_path / "pair", {"feature.md": text, "photos/captions.toml": captions},
                            photos={"photos/a.jpg": {}, "photos/b.jpg": {}, "photos/harbour.jpg": None})
    article, _ = rendered(root)
    credits = [words(span.get_text()) for span in article.find(class_="group-caption").find_all(class_="credit")]
    assert credits == ["real photographer", "stand-in for a photograph by replaced photographer"]
    assert "Real Photographer; Stand-in" in article.find(class_="group-caption").get_text()  # two credits, not one run


def test_a_stand_in_in_a_text_in_another_language_says_so_in_the_books(tmp_path: Path) -> None:
    """The stand-in's words are the book's (templates/labels.html), marked with its language inside a
    text in another, so they are read and hyphenated as what they are."""
    text = "+++\ntitle = \"Un texte\"\nlang = \"fr\"\n+++\n\nTexte.\n\n![](photos/harbour.jpg)\n\nFin.\n"
    captions = MINIMAL_CAPTIONS + "stand_in = true\n"
    root = write_manuscript(tmp_path / "fr-text", {"feature.md": text, "photos/captions.toml": captions})
    article, _ = rendered(root)
    stand_in = article.find(class_="stand-in")
    assert words(stand_in.get_text()) == "stand-in for a photograph by test photographer"
    assert stand_in.get("lang") == "en"
    english, _ = rendered(write_manuscript(tmp_path / "en-text", {"photos/captions.toml": captions}))
    assert english.find(class_="stand-in").get("lang") is None  # the text's own language: nothing to mark
