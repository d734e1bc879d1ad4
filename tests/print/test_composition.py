"""Page composition (issue 14): notes clear of the columns, photos that move on, pull quotes away from
their source, drop caps with their lines, title pages that fit, crops that are measured.

The engine's footnote fix is checked on WeasyPrint itself (with and without it); the rest on built
print PDFs, read back by the layout checker (publish/checks/layout.py) or by pdfium, never from our
own HTML.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest
from conftest import run_publish, write_manuscript
from weasyprint import HTML

from publish.checks.layout import check_pdf, read_pages
from publish.editions.print.composition import Composer, _Edits, compose, prepare
from publish.editions.print.preflight import MAX_CROP, visible
from publish.engine.boxes import PlacedImage, descendants, element
from publish.engine.columns import notes_below_columns

OVERLAPS = ("text-over-text", "text-over-rule", "text-over-box", "text-over-image")

SENTENCES = [
    "The keepers open the gates at low water and close them again before the tide turns.",
    "Every morning someone writes the level of the river in a notebook that has been kept since 1911.",
    "A storm surge can arrive hours earlier than the forecast, and then the gates are closed by hand.",
    "The board built four pumping stations when the land had sunk below the level of the canal.",
    "Peat shrinks when it dries, so every year the fields lie a little lower than the year before.",
    "In winter the sluices clog with leaves and have to be raked clear every few hours.",
    "Brown water with foam on it means rain in the hills two days ago; grey water means the tide.",
    "Nobody in the county town noticed anything on the night the sensors failed.",
]


def _paragraph(seed: int, sentences: int = 5) -> str:
    return " ".join(SENTENCES[(seed + i) % len(SENTENCES)] for i in range(sentences))


def _lorem(words: int, seed: int = 0) -> str:
    text = " ".join(SENTENCES[(seed + i) % len(SENTENCES)] for i in range(words // 14 + 1))
    return " ".join(text.split()[:words])


# The engine: notes below the columns ---------------------------------------------------------------


def _notes_page(note_in: str) -> str:
    """Two columns, a note called before a spanning block, and enough text after it to fill the page."""
    text = "<p>" + _lorem(60) + "</p>"
    call = f'<p>{_lorem(20, 3)}<span class="n">{_lorem(45, 5)}</span> {_lorem(10, 6)}</p>'
    before = [call, text, text] if note_in == "first" else [text, text, call]
    span = '<div class="span">A pull quote across both columns</div>'
    return ("<style>@page { size: 150mm 160mm; margin: 12mm; @footnote { border-top: 0.75px solid black } }"
            " body { font-size: 9pt; line-height: 12pt } p { margin: 0; orphans: 1; widows: 1 }"
            " .body { columns: 2; column-gap: 5mm } .n { float: footnote }"
            " .span { column-span: all; height: 18mm; border: 1px solid red }</style>"
            f"<div class='body'>{''.join(before)}{span}{text * 6}</div>")


def _column_feet(document) -> list[tuple[float, float]]:
    """(lowest column foot, footnote area top) on each page that has notes."""
    found = []
    for page in document.pages:
        root = page._page_box
        area = [b for b in root.children if type(b).__name__ == "FootnoteAreaBox" and b.children]
        if not area:
            continue
        feet = [line.position_y + line.height for column in descendants(root) if getattr(column, "is_column", False)
                for line in descendants(column) if type(line).__name__ == "LineBox"]
        feet += [box.position_y + box.margin_height() for box in descendants(root)
                 if element(box) is not None and element(box).get("class") == "span"]
        found.append((max(feet), area[0].position_y))
    return found


@pytest.mark.parametrize("note_in", ["first", "second"])
def test_columns_after_a_spanning_block_stay_above_the_notes(note_in: str) -> None:
    """WeasyPrint 70 runs the columns after a pull quote over a note called before it; the engine's fix
    keeps them above the footnote area, whichever column calls the note."""
    html = _notes_page(note_in)
    unfixed = _column_feet(HTML(string=html).render())
    assert any(foot > area + 1 for foot, area in unfixed), (
        "WeasyPrint no longer runs columns into the footnote area: engine/columns.py may be retired", unfixed)
    with notes_below_columns():
        fixed = _column_feet(HTML(string=html).render())
    assert fixed and all(foot <= area + 0.5 for foot, area in fixed), fixed


def test_the_footnote_fix_is_only_active_while_rendering() -> None:
    import weasyprint.layout.block as block
    import weasyprint.layout.column as column

    from publish.engine import columns

    assert columns.available(), "weasyprint.layout.column no longer has the functions engine/columns.py wraps"
    original = column.columns_layout
    with notes_below_columns():
        assert column.columns_layout is not original and block.columns_layout is column.columns_layout
    assert column.columns_layout is original and block.columns_layout is original


# Manuscripts built to provoke each defect ----------------------------------------------------------

QUOTE_ELSEWHERE = "::: pullquote\n“Nobody measures the sea with a ruler.”\n\n— A keeper\n:::\n"  # in no paragraph


def _toml(trim: str, title: str = "Notes and columns") -> str:
    return (f'title = "{title}"\nlanguage = "en"\ndate = "2024-05-01"\npublisher = "Test Press"\n\n'
            f'[[contributors]]\nname = "Ada Writer"\nrole = "author"\n\n[print]\ntrim = "{trim}"\n')


def _text(blocks: list[str], title: str = "Notes and columns", notes: str = "") -> str:
    front = f'+++\ntitle = "{title}"\nbyline = "by Ada Writer"\n+++\n\n'
    return front + "\n\n".join(blocks) + "\n" + (f"\n{notes}\n" if notes else "")


CAPTION_OF = {
    "wide.jpg": '["wide.jpg"]\ncaption = "The wide photo, across the columns."\ncredit = "Test"\nalt = "A wide view."\n'
                'placement = "wide"\n',
    "inline.jpg": '["inline.jpg"]\ncaption = "The inline photo, in its column."\ncredit = "Test"\nalt = "A view."\n',
}
PHOTOS = {"wide.jpg": {"size": (3000, 1500)}, "inline.jpg": {"size": (1800, 1800)}}


def _photos_of(text: str, sizes: dict[str, dict] | None = None) -> tuple[dict[str, str], dict[str, dict]]:
    """The captions file and photo files for the photos a text places."""
    used = [name for name in CAPTION_OF if f"photos/{name}" in text]
    if not used:
        return {}, {}
    return ({"photos/captions.toml": "\n".join(CAPTION_OF[name] for name in used)},
            {f"photos/{name}": (sizes or PHOTOS)[name] for name in used})


def _build(tmp_path: Path, files: dict[str, str], photos: dict[str, dict] | None = None,
           name: str = "ms") -> tuple[Path, str]:
    root = write_manuscript(tmp_path / name, {"feature.md": None, "photos/captions.toml": None, **files},
                            photos={"photos/harbour.jpg": None, **(photos or {})})
    out = tmp_path / f"{name}-out"
    run = run_publish("pdf", str(root), "-o", str(out), "--jobs", "1")
    assert run.returncode == 0, run.stderr
    pdfs = [p for p in out.glob("*.pdf")]
    assert len(pdfs) == 1, pdfs
    return pdfs[0], run.stderr


NOTE_LAYOUTS = {
    # name: (trim, blocks) — a note called just before what spans the columns, with text after it
    "note-then-pullquote": ("magazine", [_paragraph(0, 9), _paragraph(2, 7), _paragraph(4, 6) + "[^1]",
                                         QUOTE_ELSEWHERE] + [_paragraph(k, 7) for k in range(10)]),
    "note-two-blocks-before-pullquote": ("magazine", [_paragraph(0, 9), _paragraph(2, 6) + "[^1]", _paragraph(4, 6),
                                                      QUOTE_ELSEWHERE] + [_paragraph(k, 7) for k in range(10)]),
    "note-then-wide-photo": ("magazine", [_paragraph(0, 9), _paragraph(2, 8) + "[^1]", "![](photos/wide.jpg)"]
                             + [_paragraph(k, 7) for k in range(10)]),
    "sidebar-note-pullquote": ("magazine", [_paragraph(0, 6), "::: sidebar\n**A sidebar**\n\n" + _paragraph(3, 4)
                                            + "\n:::", _paragraph(2, 7) + "[^1]", QUOTE_ELSEWHERE,
                                            "![](photos/inline.jpg)"] + [_paragraph(k, 7) for k in range(10)]),
    "one-column": ("A5", [_paragraph(0, 5), _paragraph(2, 4) + "[^1]", QUOTE_ELSEWHERE]
                   + [_paragraph(k, 6) for k in range(8)]),
    "three-columns": ("250x250 mm", [_paragraph(0, 9), _paragraph(2, 8), _paragraph(3, 8) + "[^1]", QUOTE_ELSEWHERE]
                      + [_paragraph(k, 8) for k in range(12)]),
}
NOTE = "[^1]: " + _paragraph(5, 3)


@pytest.mark.slow
@pytest.mark.parametrize("layout", sorted(NOTE_LAYOUTS))
def test_body_text_stays_off_the_footnote_area(tmp_path: Path, layout: str) -> None:
    """Whatever column calls the note, and whatever spans the columns after it, no line of the body
    is printed on the footnote rule or over a note (the `feature` fixture's page 2)."""
    trim, blocks = NOTE_LAYOUTS[layout]
    text = _text(blocks, notes=NOTE)
    captions, photos = _photos_of(text)
    pdf, _ = _build(tmp_path, {"publication.toml": _toml(trim), "notes.md": text, **captions}, photos)
    report = check_pdf(pdf)
    assert not report.of(*OVERLAPS), [str(f) for f in report.of(*OVERLAPS)]


def _caption_places(pdf: Path, captions: list[str]) -> list[tuple[int, float]]:
    pages, _ = read_pages(pdf)
    found = []
    for caption in captions:
        spots = [(page.index, -line.y1) for page in pages for line in page.lines if caption in line.text]
        assert spots, f"caption {caption!r} not printed"
        found.append(min(spots))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("before", [3, 4, 5])
def test_a_photo_that_does_not_fit_lets_the_text_after_it_go_first(tmp_path: Path, before: int) -> None:
    """A wide photo that does not fit the rest of a page is set smaller or after the text that follows
    it, so the page it left is not half empty; photos keep their order."""
    blocks = [_paragraph(k, 8) for k in range(before)] + ["![](photos/wide.jpg)"] + \
        [_paragraph(k, 7) for k in range(6)] + ["![](photos/inline.jpg)"] + [_paragraph(k, 7) for k in range(8)]
    captions, photos = _photos_of("photos/wide.jpg photos/inline.jpg", {"wide.jpg": {"size": (2400, 1800)},
                                                                         "inline.jpg": {"size": (1800, 2400)}})
    pdf, _ = _build(tmp_path, {"publication.toml": _toml("magazine"), "photos.md": _text(blocks), **captions}, photos)
    report = check_pdf(pdf)
    assert not report.of("sparse-page", "empty-band", "column-void"), [
        str(f) for f in report.of("sparse-page", "empty-band", "column-void")]
    wide, inline = _caption_places(pdf, ["The wide photo", "The inline photo"])
    assert wide < inline, "the photos changed order"


CATALOGUE = ("Nel corso degli anni Cinquanta l'artista lavorò a lungo nello studio di via Margutta, dove la luce "
             "del pomeriggio entrava obliqua dalle finestre alte e disegnava sul pavimento rettangoli gialli. Le "
             "tele di quel periodo conservano la memoria di quella luce: i colori sono stesi in velature sottili, "
             "le forme si dissolvono ai margini e lo sguardo dello spettatore è condotto verso il centro della "
             "composizione, dove un'unica figura sta immobile. ")
CATALOGUE_LATER = ("La critica del tempo accolse l'opera con freddezza; soltanto più tardi, nella retrospettiva "
                   "milanese del 1972, se ne comprese la portata. Il restauro recente ha restituito la stesura "
                   "originale, liberandola dalle vernici ingiallite che ne offuscavano i toni. ")
SCHEDA = ("Autore\n: Luca Sartori\n\nData\n: 1958\n\nTecnica\n: Olio su tela, con ritocchi a tempera\n\n"
          "Dimensioni\n: 180 × 110 cm\n\nCollocazione\n: Roma, Galleria Nazionale d'Arte Moderna, inv. 4205\n\n"
          "Provenienza\n: Collezione privata; acquisto dello Stato, 1975\n")


@pytest.mark.slow
@pytest.mark.parametrize("after", ["text", "landscape"])
def test_a_tall_photo_under_a_headline_is_set_smaller_to_stay_with_it(tmp_path: Path, after: str) -> None:
    """An exhibition catalogue's entry (square trim) opens with a heading and a tall portrait under its
    headline: the photo did not fit under the headline, moved on with the text, and left the headline
    alone on a page 83 % empty. Composition sets it smaller, within --photo-shrink, on the headline's page;
    and keeps it so when a landscape photo further on then moves to the next page (`landscape`: the
    edit was undone, the landscape's room counting for more than the headline's empty page)."""
    toml = _toml("210x210 mm", "A catalogue").replace('language = "en"', 'language = "it"')
    if after == "text":
        body = "\n\n".join(_paragraph(k, 6) for k in range(5))
    else:
        body = (CATALOGUE + " ".join(CATALOGUE.split()[:53]) + ".\n\n![](photos/view.jpg)\n\n" + SCHEDA + "\n"
                + CATALOGUE_LATER * 2 + "\n\n" + CATALOGUE * 3 + "\n\n" + CATALOGUE_LATER)
    text = ('+++\ntitle = "Figura nello studio"\nstandfirst = "Scheda 1: un\'opera del 1950, tra le più discusse '
            'della mostra."\nbyline = "di Paolo Rinaldi"\n+++\n\n## L\'opera\n\n![](photos/portrait.jpg)\n\n'
            + body + "\n")
    captions = ('["portrait.jpg"]\ncaption = "Giulia Ferrante, *Figura nello studio*, 1958. Olio su tela, 180 × 110 '
                'cm."\ncredit = "Archivio Fotografico del Museo"\nalt = "Stand-in drawing: a tall canvas."\n'
                'stand_in = true\n\n["view.jpg"]\ncaption = "Veduta della sala 6 durante l\'allestimento."\n'
                'credit = "Studio Fotografico Rossi"\nalt = "Stand-in drawing: a room of the exhibition."\n'
                'stand_in = true\n')
    photos = {"photos/portrait.jpg": {"size": (1200, 2000)}, "photos/view.jpg": {"size": (2400, 1600)}}
    if after == "text":
        captions = captions.split("\n\n")[0] + "\n"
        del photos["photos/view.jpg"]
    pdf, _ = _build(tmp_path, {"publication.toml": toml, "scheda.md": text, "photos/captions.toml": captions}, photos)
    report = check_pdf(pdf)
    assert not report.of("lone-heading", "sparse-page"), [str(f) for f in report.of("lone-heading", "sparse-page")]
    (title, _), (caption, _) = _caption_places(pdf, ["Figura nello studio", "Giulia Ferrante"])
    assert title == caption, "the photo is not on its headline's page"


RUNT_SENTENCES = [
    "The keepers open the gates at low water and close them again before the tide turns.",
    "Every morning someone writes the level of the river in a notebook that has been kept since 1911.",
    "A storm surge can arrive hours earlier than the forecast, and then the gates are closed by hand.",
    "The board built four pumping stations when the land had sunk below the level of the canal.",
    "Peat shrinks when it dries, so every year the fields lie a little lower than the year before.",
]


@pytest.mark.slow
def test_a_few_lines_run_over_onto_a_last_page_are_pulled_back(tmp_path: Path) -> None:
    """A text's last two lines alone on its last page (the catalogue's entries, after a landscape photo
    was set after the text that follows it): the photo before them is set smaller, within --photo-shrink,
    and the lines go back to the page before."""
    def para(k: int, n: int) -> str:
        return " ".join(RUNT_SENTENCES[(k + i) % 5] for i in range(n))

    blocks = ([para(k, 6) for k in range(6)] + ["![](photos/view.jpg)"] + [para(k, 5) for k in range(5)]
              + [para(2, 2) + " water" * 20])
    toml = _toml("210x210 mm", "Runt")
    captions = '["view.jpg"]\ncaption = "The sluice at low water."\ncredit = "Test"\nalt = "A sluice."\n'
    pdf, _ = _build(tmp_path, {"publication.toml": toml, "runt.md": _text(blocks, "The sluice"),
                               "photos/captions.toml": captions}, {"photos/view.jpg": {"size": (2400, 1600)}})
    pages, _ = read_pages(pdf)
    body = statistics.mode(round(line.size, 1) for page in pages for line in page.lines)
    last = [line for line in pages[-1].lines if abs(line.size - body) < 0.5]
    assert len(last) > 4, f"{len(last)} lines alone on the last page: {[line.text for line in last]}"


def _pullquote_and_source(pdf: Path, quote: str, source: str) -> tuple[tuple[int, float], tuple[int, float], float]:
    """(page, top) of the pull quote's first line and of the source sentence's line, and the page height."""
    pages, _ = read_pages(pdf)
    body = statistics.median(line.size for page in pages for line in page.lines)
    quoted = [(p.index, line.y1) for p in pages for line in p.lines if quote in line.text and line.size > 1.5 * body]
    said = [(p.index, line.y1) for p in pages for line in p.lines if source in line.text and line.size < 1.2 * body]
    assert quoted and said, (quoted, said)
    return quoted[0], said[0], pages[0].trim[3] - pages[0].trim[1]


SOURCE = "“Nobody measures the sea with a ruler,” she says, and goes back to the gate."


@pytest.mark.slow
@pytest.mark.parametrize("trim", ["A4", "magazine"])
def test_a_pull_quote_is_set_away_from_the_sentence_it_repeats(tmp_path: Path, trim: str) -> None:
    """The author puts the pull quote right after its source; print sets it a column or more away."""
    blocks = [_paragraph(k, 7) for k in range(6)] + [_paragraph(1, 3) + " " + SOURCE, QUOTE_ELSEWHERE] + \
        [_paragraph(k, 7) for k in range(12)]
    pdf, _ = _build(tmp_path, {"publication.toml": _toml(trim), "quote.md": _text(blocks)})
    (quote_page, quote_top), (source_page, source_top), height = _pullquote_and_source(pdf, "Nobody measures", "Nobody")
    assert quote_page != source_page or abs(source_top - quote_top) > 0.12 * height, (
        "the pull quote is set right beside the sentence it repeats")


def _drop_caps(pdf: Path, page_index: int) -> list[tuple[str, int]]:
    """Single glyphs drawn at least twice the body's size on a page (drop caps, measured where they are
    drawn: engine/actualtext.py gives a drop cap's text with its word's, so the glyph's own text object
    holds one character or none), each with the first letter of the line it opens and the number of
    body lines set beside it."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_raw

    pages, _ = read_pages(pdf)
    body = statistics.median(line.size for page in pages for line in page.lines)
    lines = pages[page_index].lines
    document = pdfium.PdfDocument(str(pdf))
    drawn = []
    try:
        page = document[page_index]
        text_page = page.get_textpage()
        for obj in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_TEXT]):
            size = ctypes.c_float()
            pdfium_raw.FPDFTextObj_GetFontSize(obj.raw, size)
            length = pdfium_raw.FPDFTextObj_GetText(obj.raw, text_page.raw, None, 0)
            buffer = ctypes.create_string_buffer(length)
            pdfium_raw.FPDFTextObj_GetText(obj.raw, text_page.raw,
                                           ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)), length)
            own = buffer.raw.decode("utf-16-le", "replace").rstrip("\x00").strip()
            if size.value > 2 * body and len(own) <= 1:
                drawn.append(obj.get_bounds())
    finally:
        document.close()
    found = []
    for _left, bottom, right, top in drawn:
        beside = [line for line in lines if abs(line.size - body) < 0.2 * body and line.x0 > right
                  and bottom - 0.5 * body <= line.base <= top]
        letter = max(beside, key=lambda line: line.base).text[:1] if beside else "?"
        found.append((letter, len(beside)))
    return found


def _lay_out_here(root: Path, target: Path) -> Path:
    """The print PDF built in this process (faster than the command for a sweep of small variants)."""
    from publish.editions.print.layout import lay_out, write_pdf
    from publish.manuscript.loader import load
    from publish.render.styles import Styles

    publication, diags = load(root)
    write_pdf(lay_out(publication, Styles.for_manuscript(root), "2024-05-01T00:00:00Z", diags), publication, target)
    return target


@pytest.mark.slow
def test_a_drop_cap_needs_its_lines_beside_it(tmp_path: Path) -> None:
    """An opener filled by its headline leaves the first paragraph fewer lines than the drop cap is
    deep: it is dropped, and the text still starts there. Swept over the room the headline leaves."""
    title = " ".join(["The Account of the Signal Boxes, Level Crossings and Halts"] * 3)
    standfirst = " ".join(_paragraph(3, 8).split()[:74])
    blocks = ["Twenty " + _paragraph(0, 9)] + [_paragraph(k, 6) for k in range(6)]
    byline = 'byline = "by Bartholomew Featherstonehaugh"'
    text = _text(blocks, title=title).replace('byline = "by Ada Writer"', f'standfirst = "{standfirst}"\n{byline}')
    opener = 2  # title page, imprint, then the text's first page
    dropped = 0
    for room in range(5):
        root = write_manuscript(tmp_path / f"ms{room}", {
            "feature.md": None, "photos/captions.toml": None, "publication.toml": _toml("A5"), "signal.md": text,
            "styles/print.css": f".article-header {{ padding-bottom: {room}mm; }}"},
            photos={"photos/harbour.jpg": None})
        pdf = _lay_out_here(root, tmp_path / f"ms{room}.pdf")
        pages, _ = read_pages(pdf)
        printed = " ".join(line.text for line in pages[opener].lines)
        caps = _drop_caps(pdf, opener)
        assert all(beside >= 3 for _, beside in caps), (room, caps)
        if "wenty" in printed and not caps:
            dropped += 1
    assert dropped, "no variant left the drop cap fewer lines than it is deep: the sweep no longer provokes it"
    roomy = write_manuscript(tmp_path / "roomy", {"feature.md": None, "photos/captions.toml": None,
                                                  "publication.toml": _toml("A5"), "signal.md": _text(blocks)},
                             photos={"photos/harbour.jpg": None})
    caps = _drop_caps(_lay_out_here(roomy, tmp_path / "roomy.pdf"), opener)
    assert [cap for cap, _ in caps] == ["T"] and caps[0][1] >= 3, caps


@pytest.mark.slow
def test_a_long_title_is_set_smaller_to_fit_its_page(tmp_path: Path) -> None:
    title = ("A Provisional, Incomplete and Frequently Interrupted Account of the Signal Boxes, Level Crossings, "
             "Halts and Forgotten Sidings of the Lower Aske Valley Railway, with Notes")
    toml = _toml("A5", title).replace('publisher = "Test Press"', 'subtitle = "' + _paragraph(1, 2) + '"\n'
                                      'publisher = "The Lower Aske Valley Railway Remembrance Society"')
    toml += "".join(f'\n[[contributors]]\nname = "Bartholomew Featherstonehaugh-Cholmondeley {n}"\nrole = "author"\n'
                    for n in range(8))
    pdf, stderr = _build(tmp_path, {"publication.toml": toml, "text.md": _text([_paragraph(0, 6)])})
    assert "title page does not fit" not in stderr
    report = check_pdf(pdf)
    assert not report.of("front-spill"), report.of("front-spill")
    pages, _ = read_pages(pdf)
    assert any("Remembrance Society" in line.text for line in pages[0].lines), "the publisher left the title page"
    assert any(line.text.startswith("Authors") for line in pages[1].lines), "the imprint is not on page ii"


@pytest.mark.slow
def test_a_title_that_cannot_fit_is_a_warning_at_its_line(tmp_path: Path) -> None:
    title = " ".join(["An Account of the Signal Boxes and Level Crossings of the Lower Aske Valley"] * 20)
    toml = _toml("A5", title)
    pdf, stderr = _build(tmp_path, {"publication.toml": toml, "text.md": _text([_paragraph(0, 6)])})
    line = toml.splitlines().index(next(t for t in toml.splitlines() if t.startswith("title ="))) + 1
    assert re.search(rf"publication\.toml:{line}: warning: the title page does not fit its page", stderr), stderr
    assert "--title-min-scale" in stderr


@pytest.mark.slow
def test_an_imprint_or_headline_that_cannot_fit_is_a_warning_at_its_line(tmp_path: Path) -> None:
    """Set smaller first; when even the smallest size does not fit, said at the line to shorten."""
    rights = " ".join([_paragraph(0, 8)] * 40)
    toml = _toml("A5").replace('publisher = "Test Press"', f'publisher = "Test Press"\nrights = "{rights}"')
    headline = " ".join(["The Account of the Signal Boxes, Level Crossings and Halts"] * 40)
    text = _text([_paragraph(0, 6)], title=headline)
    _, stderr = _build(tmp_path, {"publication.toml": toml, "text.md": text})
    rights_line = next(n for n, line in enumerate(toml.splitlines(), 1) if line.startswith("rights ="))
    assert re.search(rf"publication\.toml:{rights_line}: warning: the imprint does not fit its page", stderr), stderr
    assert re.search(r"text\.md:2: warning: the headline does not fit its opening page", stderr), stderr


@pytest.mark.slow
def test_a_long_headline_is_set_smaller_to_fit_its_opener(tmp_path: Path) -> None:
    headline = " ".join(["The Account of the Signal Boxes, Level Crossings and Halts"] * 12)
    pdf, stderr = _build(tmp_path, {"publication.toml": _toml("A5"), "text.md": _text([_paragraph(0, 6)],
                                                                                        title=headline)})
    assert "does not fit" not in stderr
    pages, _ = read_pages(pdf)
    opener = pages[2]
    assert any("by Ada Writer".upper() in line.text.upper() for line in opener.lines), "the byline left the opener"


# Pull quotes placed before the first layout -----------------------------------------------------------


def _body_html(blocks: list[str]) -> str:
    return ("<!DOCTYPE html><html><head></head><body><section class='article' id='t'><div class='body'>"
            + "".join(blocks) + "</div></section></body></html>")


def test_a_pull_quote_is_placed_a_column_of_words_after_its_source() -> None:
    words = " ".join(["word"] * 100)
    blocks = [f'<p id="t-b{k}">{words} {k}</p>' for k in range(4)]
    blocks += ['<p id="t-b4">She said: nobody measures the sea with a ruler, and left.</p>',
               '<aside class="pullquote"><p>“Nobody measures the sea with a ruler.”</p>'
               '<p class="attribution">— A keeper</p></aside>']
    blocks += [f'<p id="t-b{k}">{words} {k}</p>' for k in range(5, 12)]
    html = prepare(_body_html(blocks), column_words=250)
    order = re.findall(r'<(?:p|aside)[^>]*id="([^"]+)"', html)
    quote = order.index("t-pullquote-1")
    assert 'data-source="t-b4"' in html
    assert order[quote - 3:quote] == ["t-b5", "t-b6", "t-b7"], order  # 300 words after its source: a column
    assert prepare(_body_html(blocks)) .count("t-pullquote-1") == 1  # without an estimate: left in place
    # The text ends within a column of the source: a fifth of a column's words before the source.
    ending = prepare(_body_html(blocks[:6]), column_words=250)
    order = re.findall(r'<(?:p|aside)[^>]*id="([^"]+)"', ending)
    assert order == ["t-b0", "t-b1", "t-b2", "t-pullquote-1", "t-b3", "t-b4"], order


def test_a_pull_quote_without_a_source_stays_where_the_author_put_it() -> None:
    blocks = [f'<p id="t-b{k}">{" ".join(["word"] * 100)}</p>' for k in range(3)]
    blocks.insert(1, '<aside class="pullquote"><p>Nothing the text says.</p></aside>')
    html = prepare(_body_html(blocks), column_words=100)
    assert "data-source" not in html
    assert html.index("t-pullquote-1") < html.index('id="t-b1"')


def test_composer_lays_out_again_only_when_it_edits() -> None:
    renders: list[str] = []

    class Document:
        pages: list = []

    def render(markup: str) -> Document:
        renders.append(markup)
        return Document()

    compose(render, Composer(_body_html(['<p id="t-b0">Text.</p>'])))
    assert len(renders) == 1


class _Scripted(Composer):
    """A composer whose look at the pages is scripted: the score and edits each laid-out HTML gets."""

    def __init__(self, html: str, script: dict[str, tuple[float, dict[str, tuple[str, int]]]]):
        super().__init__(html)
        self.script = script  # the photo order seen in the HTML -> (score, {photo id: (block it precedes, page)})

    def _look(self, pages, knobs):
        seen = ",".join(re.findall(r'id="(t-[a-z0-9]+)"', self.html))
        score, moves = self.script[seen]
        edits = _Edits()
        for photo, (target, page) in moves.items():
            edits.before[photo] = target
            edits.at[photo] = page
        return edits, score


_BLOCKS = ['<p id="t-b0">One.</p>', '<figure id="t-a"></figure>', '<p id="t-b1">Two.</p>', '<p id="t-b2">Three.</p>',
           '<figure id="t-c"></figure>', '<p id="t-b3">Four.</p>', '<p id="t-b4">Five.</p>']
_FIRST = "t-b0,t-a,t-b1,t-b2,t-c,t-b3,t-b4"
_A_MOVED = "t-b0,t-b1,t-a,t-b2,t-c,t-b3,t-b4"  # the first page's problem answered
_C_MOVED = "t-b0,t-a,t-b1,t-b2,t-b3,t-c,t-b4"  # the later page's problem answered, from the first layout


@pytest.mark.parametrize("later_helps", [True, False])
def test_an_edit_that_makes_the_pages_worse_is_undone_and_the_next_problem_answered(later_helps: bool) -> None:
    renders: list[str] = []

    class Document:
        def __init__(self, markup: str):
            self.markup, self.pages = markup, []

    def render(markup: str) -> Document:
        renders.append(",".join(re.findall(r'id="(t-[a-z0-9]+)"', markup)))
        return Document(markup)

    composer = _Scripted(_body_html(_BLOCKS), {
        _FIRST: (2.0, {"t-a": ("t-b2", 1), "t-c": ("t-b4", 3)}),
        _A_MOVED: (3.0, {}),  # moving the first photo on pushed the next on too: worse
        _C_MOVED: (1.0 if later_helps else 2.5, {}),
    })
    document = compose(render, composer)
    assert renders == [_FIRST, _A_MOVED, _C_MOVED]  # going back to the first layout costs no layout
    kept = ",".join(re.findall(r'id="(t-[a-z0-9]+)"', document.markup))
    assert kept == (_C_MOVED if later_helps else _FIRST)
    assert composer.html == document.markup


# Crops -----------------------------------------------------------------------------------------------


def test_the_visible_part_of_a_cropped_photo_is_measured() -> None:
    cover = visible(PlacedImage("f", (1500, 1000), (1600.0, 900.0), "cover", ()))
    assert cover is not None
    assert cover.kept == pytest.approx(900 / (1000 * 1600 / 1500))
    assert cover.cut == "top and bottom"
    assert cover.ppi == pytest.approx(96 * 1500 / 1600)
    assert cover.width_mm == pytest.approx(1600 * 25.4 / 96) and cover.height_mm == pytest.approx(900 * 25.4 / 96)
    contain = visible(PlacedImage("f", (1500, 1000), (1600.0, 900.0), "contain", ()))
    assert contain is not None and contain.kept == pytest.approx(1.0) and contain.cut == ""
    assert contain.width_mm == pytest.approx(1350 * 25.4 / 96)  # letterboxed: 900 px tall, 1350 wide
    sides = visible(PlacedImage("f", (3000, 1000), (1000.0, 1000.0), "cover", ()))
    assert sides is not None and sides.cut == "left and right" and sides.kept == pytest.approx(1 / 3)


LEAD = "+++\ntitle = \"A Tall Lead\"\nbyline = \"by Ada Writer\"\n+++\n\n![](photos/tall.jpg)\n\n" + \
    "\n\n".join(_paragraph(k, 6) for k in range(6)) + "\n"


def _lead_captions(extra: str = "") -> str:
    return ('["tall.jpg"]\ncaption = "A tall photo across the top of the opener."\ncredit = "Test"\n'
            f'alt = "A tall view."\nplacement = "wide"\n{extra}')


@pytest.mark.slow
def test_a_crop_that_cuts_much_of_a_photo_is_a_warning_at_its_caption(tmp_path: Path) -> None:
    files = {"publication.toml": _toml("A4"), "lead.md": LEAD}
    _, stderr = _build(tmp_path, {**files, "photos/captions.toml": _lead_captions()},
                       {"photos/tall.jpg": {"size": (2000, 2000)}}, name="cut")
    found = re.search(r"captions\.toml:1: warning: photo 'photos/tall\.jpg' is cropped to its (\d+) × (\d+) mm box: "
                      r"(\d+) % of it is cut \(top and bottom\); the middle is kept", stderr)
    assert found, stderr
    assert int(found.group(3)) > MAX_CROP
    assert f"max_crop = {found.group(3)}" in stderr
    _, accepted = _build(tmp_path, {**files, "photos/captions.toml": _lead_captions("max_crop = 80\n")},
                         {"photos/tall.jpg": {"size": (2000, 2000)}}, name="accepted")
    assert "is cropped" not in accepted


def test_focus_becomes_the_crop_position_in_print_and_the_ebook(tmp_path: Path) -> None:
    from publish.editions.print.layout import lay_out
    from publish.engine.boxes import placed_images
    from publish.manuscript.loader import load
    from publish.render.html import Renderer
    from publish.render.styles import Styles

    root = write_manuscript(tmp_path / "ms", {"publication.toml": _toml("A4"), "feature.md": None, "lead.md": LEAD,
                                              "photos/captions.toml": _lead_captions('focus = "top"\n')},
                            photos={"photos/harbour.jpg": None, "photos/tall.jpg": {"size": (2000, 2000)}})
    publication, diags = load(root)
    assert publication.photos[0].focus == "50% 0%"
    styles = Styles.for_manuscript(root)
    layout = lay_out(publication, styles, "2024-05-01T00:00:00Z", diags)
    try:
        placed = [p for page in layout.document.pages for p in placed_images(page, {"fig-tall-0"})]
    finally:
        layout.close()
    assert placed and placed[0].fit == "cover"
    (_, across, _, down), = placed[0].position  # WeasyPrint: (('left', 50%, 'top', 0px),)
    assert (across.value, across.unit, down.value) == (50, "%", 0)
    epub = Renderer(publication, styles, "epub", image_src=lambda photo: photo.name).render(
        "article.html", article=publication.articles[0])
    assert 'style="object-position: 50% 0%"' in epub
    assert not [d for d in diags.items if "is cropped" in d.message and "middle" in d.message]


@pytest.mark.parametrize(("written", "meant"), [("top", "50% 0%"), ("Left", "0% 50%"), ("30% 20%", "30% 20%"),
                                                ("center", "50% 50%")])
def test_focus_values(written: str, meant: str) -> None:
    from publish.manuscript.schema import focus

    assert focus(written) == meant


def test_a_focus_the_build_cannot_read_is_an_error_at_its_line(tmp_path: Path) -> None:
    from publish.manuscript.loader import load
    from publish.model.diagnostics import ManuscriptError

    root = write_manuscript(tmp_path / "ms", {"publication.toml": _toml("A4"), "feature.md": None, "lead.md": LEAD,
                                              "photos/captions.toml": _lead_captions('focus = "tpo"\n')},
                            photos={"photos/harbour.jpg": None, "photos/tall.jpg": {"size": (2000, 2000)}})
    try:
        _, diags = load(root)
        problems = diags.items
    except ManuscriptError as exc:
        problems = exc.diagnostics
    found = [d for d in problems if "focus" in d.message]
    assert found and found[0].line == 6, problems
    assert "did you mean 'top'?" in found[0].hint
