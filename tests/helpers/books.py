"""Books for the print tests: small manuscripts of several texts, and what a reader meets in a PDF.

Shared by tests/print (test_print, test_chapters, test_chapters_redteam*, test_book): a book laid out
text by text must be the book one layout of the whole gives, so they build and compare books alike.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
from conftest import write_manuscript

from publish.editions.print.layout import lay_out, write_pdf
from publish.manuscript.loader import load
from publish.model.diagnostics import Diagnostics
from publish.render.styles import Styles

THREE_TEXTS_TOML = """\
title = "Three Texts"
language = "en"
date = 2020-05-01
publisher = "Test Press"
edition = "First edition"
texts = ["one.md", "two.md", "three.md"]

[[contributors]]
name = "Ada Writer"
role = "author"

[print]
trim = "A5"
bleed = "5mm"
marks = true
"""

PARAGRAPH = ("Relations between the two nations continue to deepen politically, economically and "
             "culturally, and the numbers tell a story of steady growth in investment and aid. ") * 3


def text(title: str, paragraphs: int, lead: str = "", notes: bool = False, photo: str = "") -> str:
    """A text of `paragraphs` paragraphs: a section heading after the third, optionally a lead photo,
    a photo in the body and two notes."""
    body = f'+++\ntitle = "{title}"\nbyline = "by Ada Writer"\n+++\n\n'
    if lead:
        body += f"![]({lead})\n\n"
    for index in range(paragraphs):
        note = f"[^n{index}]" if notes and index < 2 else ""
        body += PARAGRAPH + note + "\n\n"
        if index == 2:
            body += "## A section heading\n\n"
        if index == min(4, paragraphs - 2) and photo:
            body += f"![]({photo})\n\n"
    if notes:
        body += "[^n0]: A note at the foot of the page.\n\n[^n1]: Another note.\n"
    return body


CAPTIONS = """\
["harbour.jpg"]
caption = "Boats in the harbour."
credit = "Test Photographer"
alt = "Boats."

["opener.jpg"]
caption = "The river at dawn."
credit = "Opener Photographer"
alt = "A river."
placement = "opener"

["logo.png"]
caption = "A transparent graphic."
credit = "Studio"
alt = "A logo."
"""


def three_texts(root: Path) -> Path:
    """A book of three texts: A5, 5 mm bleed, marks, notes, a lead photo and a transparent logo."""
    write_manuscript(root, {
        "publication.toml": THREE_TEXTS_TOML,
        "feature.md": None,
        "one.md": text("The first text", 9, notes=True, photo="photos/harbour.jpg"),
        "two.md": text("The second text", 6, lead="photos/opener.jpg"),
        "three.md": text("A short third", 3, photo="photos/logo.png"),
        "photos/captions.toml": CAPTIONS,
    }, photos={"photos/opener.jpg": {"size": (1800, 2500)},
               "photos/logo.png": {"size": (900, 600), "mode": "RGBA", "fmt": "PNG"}})
    return root


def pdf_facts(path: Path) -> dict[str, object]:
    """What a reader of the PDF meets: pages, their words, labels, bookmarks, destinations, links."""
    with pikepdf.open(path) as pdf:
        index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
        outline: list[tuple[int, str, int]] = []
        with pdf.open_outline() as tree:
            def walk(items: list, depth: int) -> None:
                for item in items:
                    outline.append((depth, str(item.title), index[item.destination[0].objgen]))
                    walk(item.children, depth + 1)
            walk(tree.root, 0)
        dests = {name: index[value[0].objgen] for name, value in pikepdf.NameTree(pdf.Root.Names.Dests).items()}
        links = [(i, str(annot.get("/Dest", "")), str(annot.get("/A", {}).get("/URI", "")))
                 for i, page in enumerate(pdf.pages) for annot in page.obj.get("/Annots", [])
                 if annot.get("/Subtype") == "/Link"]
        labels = repr(pdf.Root.get("/PageLabels"))
        boxes = [(tuple(float(v) for v in page.TrimBox), tuple(float(v) for v in page.BleedBox)) for page in pdf.pages]
    document = pdfium.PdfDocument(str(path))
    words = [document[i].get_textpage().get_text_range().split() for i in range(len(document))]
    document.close()
    return {"pages": len(words), "words": words, "labels": labels, "outline": outline, "dests": dests,
            "links": links, "boxes": boxes}


CREATED = "2020-09-13T12:26:40Z"


def _toml(names: list[str]) -> str:
    listed = ", ".join(f'"{name}"' for name in names)
    return (f'title = "Red Team Book"\nlanguage = "en"\ndate = 2020-05-01\ntexts = [{listed}]\n\n'
            '[[contributors]]\nname = "Ada Writer"\nrole = "author"\n\n[print]\ntrim = "A5"\nbleed = "3mm"\n')


def book(root: Path, texts: dict[str, str], css: str = "") -> Path:
    """A small A5 book of `texts` (file name → text), no photos, with `css` as its styles/print.css."""
    files: dict[str, str | bytes | None] = {"publication.toml": _toml(list(texts)), "feature.md": None,
                                            "photos/captions.toml": None}
    files.update(texts)
    if css:
        files["styles/print.css"] = css
    return write_manuscript(root, files, photos={"photos/harbour.jpg": None})


def both_ways(root: Path, text_by_text: bool = True) -> tuple[dict, dict]:
    """The book as publish lays it out (`text_by_text`: or else whole, having found why) and whole."""
    publication, _ = load(root)
    styles = Styles.for_manuscript(root)
    made = {}
    for name, options in (("parts", {"jobs": 1}), ("whole", {"whole": True})):
        layout = lay_out(publication, styles, CREATED, Diagnostics(root), **options)
        if name == "parts":
            assert (layout.parts is not None) == text_by_text
        target = root.parent / f"{name}.pdf"
        write_pdf(layout, publication, target)
        made[name] = pdf_facts(target)
    return made["parts"], made["whole"]


def assert_same(parts: dict, whole: dict) -> None:
    """The same book for a reader: every fact of pdf_facts, and every page's words."""
    for fact in ("pages", "labels", "outline", "dests", "links", "boxes"):
        assert parts[fact] == whole[fact], fact
    for number, (mine, theirs) in enumerate(zip(parts["words"], whole["words"], strict=True), start=1):
        assert mine == theirs, f"page {number}"
