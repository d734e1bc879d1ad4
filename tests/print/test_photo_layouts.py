"""Photo layouts (issue 15): full-page, spread, pair and grid figures, figure ids and links, photo essays.

Two fixture manuscripts (tests/helpers/layout_fixtures.py) are built once each with the real command: a
two-text feature on A4 with a pair, a grid, a full-page photo and a spread, linked from both texts,
and a photo essay on a 250 mm square page. The print PDF is read back (image positions from pdfium,
boxes, labels and links from pikepdf), the EPUB is checked with EPUBCheck and read as XHTML.
"""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from conftest import epubcheck_messages, run_publish, write_manuscript
from helpers.layout_fixtures import (
    LANDSCAPE,
    PANORAMA,
    PORTRAIT,
    Built,
    build,
    epub_css,
    epub_doc,
    every_page_problems,
    feature,
    page_texts,
    photo_essay,
)

from publish.manuscript.loader import load
from publish.manuscript.scaffold import CAPTIONS_FILE, KINDS
from publish.model.diagnostics import ManuscriptError
from publish.render.photolayout import row_sizes

pytestmark = pytest.mark.slow  # builds fixture manuscripts in every edition

MM = 72 / 25.4
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def river(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("river")
    return build(feature(root / "manuscript"), root / "output", "the-river-in-four-pictures")


@pytest.fixture(scope="module")
def essay(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("essay")
    return build(photo_essay(root / "manuscript"), root / "output", "salt")


def placements(stdout: str) -> dict[str, list[tuple[int, float, float]]]:
    """The preflight's report: each photo's ppi and drawn size (mm) wherever the layout placed it."""
    found: dict[str, list[tuple[int, float, float]]] = {}
    for line in stdout.splitlines():
        match = re.search(r"preflight: photos/([\w.-]+): (.*)", line)
        if match:
            found[match.group(1)] = [(int(p), float(w), float(h)) for p, w, h in
                                     re.findall(r"(\d+) ppi at (\d+)×(\d+) mm", match.group(2))]
    return found


def images(pdf: Path) -> list[list[tuple[float, float, float, float]]]:
    """Each page's image objects as (left, bottom, right, top) in mm from the trim's lower left corner."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        return [[tuple(v / MM for v in obj.get_bounds()) for obj in
                 page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=8)] for page in document]
    finally:
        document.close()


def labels(pdf: Path) -> list[str]:
    document = pdfium.PdfDocument(str(pdf))
    try:
        return [document.get_page_label(i) for i in range(len(document))]
    finally:
        document.close()


def page_of(texts: list[str], needle: str) -> int:
    found = [i for i, text in enumerate(texts) if needle in text.replace("\r\n", " ")]
    assert len(found) == 1, (needle, found)
    return found[0]


# Pairs and grids ---------------------------------------------------------------------------------


def test_row_sizes_are_at_most_three_and_even() -> None:
    assert [row_sizes(n) for n in (2, 3, 4, 5, 7, 12)] == [[2], [3], [2, 2], [3, 2], [3, 2, 2], [3, 3, 3, 3]]


def test_a_pair_and_a_grid_set_each_row_to_one_height(river: Built) -> None:
    """Each photo as wide as its aspect ratio asks, so a row of mixed shapes has one height, none cropped."""
    sizes = placements(river.stderr)
    pair = [sizes[name][0] for name in ("stall.jpg", "scales.jpg")]
    assert pair[0][2] == pair[1][2]
    assert abs(pair[1][1] / pair[0][1] - (3 / 2) / (3 / 4)) < 0.05  # landscape 3:2 beside portrait 3:4
    first, second = ([sizes[f"boat-{n}.jpg"][0] for n in row] for row in ((1, 2, 3), (4, 5)))
    assert len({h for _, _, h in first}) == 1 and len({h for _, _, h in second}) == 1
    assert all(ppi >= 300 for name in sizes for ppi, _, _ in sizes[name] if name.startswith(("boat", "stall")))
    # Side by side on the page: one row's images share their top and bottom, and do not overlap.
    page = images(river.pdf)[page_of(page_texts(river.pdf), "Five boats of the upper river")]
    rows: dict[float, list[tuple[float, float, float, float]]] = {}
    for box in page:
        rows.setdefault(round(box[3], 1), []).append(box)
    assert sorted(len(r) for r in rows.values()) == [2, 3]
    for row in rows.values():
        row.sort()
        assert len({round(b[1], 1) for b in row}) == 1
        assert all(a[2] < b[0] for a, b in zip(row, row[1:], strict=False))


def test_captions_each_or_shared(river: Built) -> None:
    texts = page_texts(river.pdf)
    pair_page = texts[page_of(texts, "A fish stall at first light.")]
    assert "The scales, brass and iron." in pair_page  # one caption each
    grid = texts[page_of(texts, "Five boats of the upper river")]
    assert "Long-tail boat." not in grid and "Ferry." not in grid  # the shared caption replaces theirs
    assert grid.count("TEST PHOTOGRAPHER") == 1  # their credits follow it, once each


# Full-page and spread ----------------------------------------------------------------------------


def test_a_full_page_photo_fills_the_type_area_on_a_page_of_its_own(river: Built) -> None:
    texts = page_texts(river.pdf)
    index = page_of(texts, "The dam, from the spillway")
    page_text = texts[index].replace("\r\n", " ").strip()
    assert page_text == "The dam, from the spillway, a page of its own. TEST PHOTOGRAPHER"
    (left, bottom, right, top), = images(river.pdf)[index]  # one image, no running head, no folio
    inner, outer, head = 0.095 * 210, 0.075 * 210, 0.07 * 297  # print.css's margins on A4 (a recto)
    assert left >= inner - 0.1 and right <= 210 - outer + 0.1 and top <= 297 - head + 0.1 and bottom > 0.08 * 297
    assert abs((right - left) - (210 - inner - outer)) < 0.5  # a portrait: as wide as the type area
    assert abs((right - left) / (top - bottom) - PORTRAIT[0] / PORTRAIT[1]) < 0.01  # at its aspect ratio
    assert placements(river.stderr)["dam.jpg"][0][0] >= 300


def test_a_spread_runs_across_a_verso_and_the_recto_facing_it(river: Built) -> None:
    texts, numbers = page_texts(river.pdf), labels(river.pdf)
    recto = page_of(texts, "The delta at dusk, across two pages.")
    verso = recto - 1
    assert int(numbers[verso]) % 2 == 0 and int(numbers[recto]) == int(numbers[verso]) + 1
    (left, bottom, right, top), = images(river.pdf)[verso]
    assert bottom <= -3 + 0.01 and top >= 297 + 3 - 0.01 and left <= -3 + 0.01  # into the bleed
    assert abs((left + right) / 2 - 210) < 0.1  # one image across both pages, its middle at the spine
    assert abs((right - left) / (top - bottom) - PANORAMA[0] / PANORAMA[1]) < 0.01  # cropped by the pages, not squashed
    # The photo's thick middle line straddles the spine: the verso's outer edge, the recto's inner edge.
    document = pdfium.PdfDocument(str(river.pdf))
    try:
        for index, x_mm in ((verso, 210 - 1), (recto, 1), (verso, 105), (recto, 105)):
            page = document[index]
            bitmap = page.render(scale=2, crop=(0, 0, 0, 0)).to_pil().convert("L")
            width_pt = page.get_width()
            x = round((x_mm + 3) * MM / width_pt * bitmap.width)  # the rendered page includes the bleed
            dark = bitmap.getpixel((x, bitmap.height // 2)) < 60
            assert dark == (x_mm != 105), (index, x_mm)
    finally:
        document.close()
    ppi, width_mm, height_mm = placements(river.stderr)["delta.jpg"][0]
    assert height_mm == 303 and ppi == round(PANORAMA[1] / (303 / 25.4))  # measured as drawn, with bleed


def test_preflight_holds_a_spread_and_a_full_page_photo_to_their_size(tmp_path: Path) -> None:
    text = ('+++\ntitle = "Coarse"\n+++\n\nFirst.\n\n![](photos/dam.jpg)\n\nMiddle.\n\n'
            "![](photos/delta.jpg)\n\nLast.\n")
    captions = ('["dam.jpg"]\nalt = "A dam."\nplacement = "full-page"\n\n'
                '["delta.jpg"]\nalt = "A delta."\nplacement = "spread"\n')
    root = write_manuscript(tmp_path / "coarse", {"feature.md": text, "photos/captions.toml": captions,
                                                  "photos/harbour.jpg": None},
                            photos={"photos/harbour.jpg": None, "photos/dam.jpg": {"size": (600, 800)},
                                    "photos/delta.jpg": {"size": (1800, 600)}})
    run = run_publish("pdf", str(root), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert run.returncode == 2, run.stderr
    assert re.search(r"feature\.md:7:\d+: error: photo 'photos/dam\.jpg' prints at \d+ ppi \(174 × 232 mm\)",
                     run.stderr)
    assert re.search(r"feature\.md:11:\d+: error: photo 'photos/delta\.jpg' prints at 50 ppi \(\d+ × 303 mm\)",
                     run.stderr)


# Figure ids and links ----------------------------------------------------------------------------


def test_figure_links_resolve_in_print_within_and_across_texts(river: Built) -> None:
    texts = page_texts(river.pdf)
    with pikepdf.open(river.pdf) as pdf:
        names = pdf.Root.Names.Dests
        tree = pikepdf.NameTree(names)
        dests = {str(k): v for k, v in tree.items()}
        pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
        links = {(i, str(a.Dest)) for i, page in enumerate(pdf.pages) for a in page.obj.get("/Annots", [])
                 if a.get("/Subtype") == "/Link" and "/Dest" in a}

        def target(name: str) -> int:
            return pages[dests[name][0].objgen]

        assert target("dam") == page_of(texts, "The dam, from the spillway")
        assert target("delta") == page_of(texts, "The delta at dusk") - 1  # the spread's first page
        assert target("boats") == page_of(texts, "Five boats of the upper river")
        assert target("stall") == target("market") == page_of(texts, "A fish stall at first light.")
    first = page_of(texts, "The market is in the pair below")
    downstream = page_of(texts, "were in the first text")
    assert {(first, "market"), (first, "boats"), (first, "dam"), (first, "delta")} <= links
    assert {(downstream, "market"), (downstream, "delta")} <= links  # from the other text, laid out apart


def test_figure_links_resolve_in_the_epub(river: Built) -> None:
    river_doc, downstream = epub_doc(river.epub, "river.xhtml"), epub_doc(river.epub, "downstream.xhtml")
    ids = {e.get("id") for e in river_doc.iter() if e.get("id")}
    assert {"market", "stall", "boats", "dam", "delta"} <= ids
    hrefs = {a.get("href") for a in downstream.iter(f"{XHTML}a")}
    assert {"river.xhtml#market", "river.xhtml#delta"} <= hrefs
    assert not [m for m in epubcheck_messages(river.epub) if "CSS-028" not in m]


def test_the_epub_gives_each_layout_its_screen_form(river: Built) -> None:
    doc = epub_doc(river.epub, "river.xhtml")
    figures = {f.get("id"): f for f in doc.iter(f"{XHTML}figure")}
    market = figures["market"]
    grows = [float(re.search(r"flex-grow: ([\d.]+)", f.get("style")).group(1))
             for f in market.iter(f"{XHTML}figure") if f.get("style")]
    assert grows == [pytest.approx(0.75, abs=1e-3), pytest.approx(LANDSCAPE[0] / LANDSCAPE[1], abs=1e-3)]
    assert len(list(figures["delta"].iter(f"{XHTML}img"))) == 1  # the spread is one image on a screen
    assert not [d for d in figures["delta"].iter(f"{XHTML}div")]
    css = epub_css(river.epub)
    assert re.search(r"@media \(max-width: 30em\) \{\s*\.group-row \{ display: block; \}", css)  # phones stack


def test_figure_problems_are_reported_at_their_lines(tmp_path: Path) -> None:
    text = """+++
title = "Broken"
+++

::: pair
![](photos/a.jpg)
![](photos/b.jpg)
![](photos/c.jpg)
:::

![](photos/a.jpg){#same .wide}

::: grid {#same}
![](photos/b.jpg)

One caption.

Two captions.
:::

See [the missing photo](#nowhere).
"""
    captions = "".join(f'["{n}.jpg"]\nalt = "Photo {n}."\n\n' for n in "abc") + 'placement = "spreads"\n'
    root = write_manuscript(tmp_path / "broken", {"feature.md": text, "photos/captions.toml": captions,
                                                  "photos/harbour.jpg": None},
                            photos={"photos/harbour.jpg": None,
                                    **{f"photos/{n}.jpg": {"size": (300, 200)} for n in "abc"}})
    with pytest.raises(ManuscriptError) as caught:
        load(root)
    found = {(d.line, d.message) for d in caught.value.diagnostics}
    messages = "\n".join(f"{line}: {message}" for line, message in sorted(found, key=lambda x: (x[0] or 0)))
    assert "5: a pair holds 2 photos, this one 3" in messages
    assert re.search(r"11: attributes \['class'\] are not read on photos", messages)
    assert "13: duplicate id 'same'" in messages
    assert "13: a grid holds 2 to 12 photos, this one 1" in messages
    assert "18: a grid has one caption: a single paragraph of text" in messages
    assert "21: link to '#nowhere', but no heading or element has that id" in messages
    assert re.search(r"placement: 'spreads' is not one of: inline, wide, opener, full-page, spread", messages)
    hints = " ".join(d.hint for d in caught.value.diagnostics)
    assert "three or more photos are a ::: grid" in hints and "did you mean 'spread'" in hints


# Photo essays --------------------------------------------------------------------------------------


def test_a_photo_essay_gives_each_photo_a_page_on_a_square_trim(essay: Built) -> None:
    texts = page_texts(essay.pdf)
    found = images(essay.pdf)
    with pikepdf.open(essay.pdf) as pdf:
        trim = [float(v) / MM for v in pdf.pages[0].obj.TrimBox]
    assert [round(v) for v in trim] == [0, 0, 250, 250]
    type_w, type_h = 250 * 0.83, 250 * 0.85
    for caption, orientation in (("Raking the crust", "portrait"), ("Heaps left to drain", "square"),
                                 ("The shore beyond the pans", "panorama")):
        index = page_of(texts, caption)
        (left, bottom, right, top), = found[index]
        width, height = right - left, top - bottom
        words = texts[index].split()
        assert len(words) <= 8, texts[index]  # the caption and credit alone: no text, no folio
        if orientation == "panorama":
            assert abs(width - type_w) < 0.5  # as wide as the type area
        else:  # as tall as the type area leaves above the caption's room
            assert type_h - 20 < height <= type_h and width <= type_w
        if orientation == "portrait":  # the caption beside it, not under it
            document = pdfium.PdfDocument(str(essay.pdf))
            try:
                textpage = document[index].get_textpage()
                x0 = textpage.get_charbox(0)[0] / MM
            finally:
                document.close()
            assert x0 > right
    pair = page_of(texts, "Baskets of salt, forty kilos each")
    assert len(found[pair]) == 2
    # The text between the photos: a few lines a page, on pages of their own.
    for sentence in ("What is left is raked by hand", "The raker in the second picture"):
        index = page_of(texts, sentence)
        assert not found[index] and len(texts[index].split()) < 30


def test_a_photo_essay_epub_is_clean_and_shows_photos_whole(essay: Built) -> None:
    assert not [m for m in epubcheck_messages(essay.epub) if "CSS-028" not in m]
    doc = epub_doc(essay.epub, "salt.xhtml")
    assert "layout-photo-essay" in doc.find(f"{XHTML}body").get("class")
    plates = [f for f in doc.iter(f"{XHTML}figure") if "plate" in (f.get("class") or "")]
    assert len(plates) == 4  # rake, heaps, the baskets pair, shore; the opener leads the text
    assert "figure.plate img" in epub_css(essay.epub)


def test_new_photo_essay_builds_at_once(tmp_path: Path) -> None:
    assert {"feature", "photo-essay"} <= set(KINDS) and CAPTIONS_FILE == "captions.toml"
    folder = tmp_path / "essay"
    run = run_publish("new", str(folder), "--kind", "photo-essay", "--title", "Salt Roads", "--author", "Ben Lens")
    assert run.returncode == 0, run.stderr
    meta = (folder / "publication.toml").read_text(encoding="utf-8")
    assert re.search(r'^layout = "photo-essay"$', meta, re.M) and re.search(r'^trim = "250x250 mm"$', meta, re.M)
    built = build(folder, tmp_path / "out", "salt-roads")
    assert "warning" not in built.stderr  # every stand-in is 300 ppi where it prints
    texts = page_texts(built.pdf)
    assert page_of(texts, "A spread: one photo across two facing pages.")
    run = run_publish("new", str(tmp_path / "other"), "--kind", "novel")
    assert run.returncode == 2 and "'novel' is not one of 'feature', 'photo-essay'" in run.stderr


# Held to the layout check ------------------------------------------------------------------------


def test_the_photo_layouts_pass_the_layout_check(river: Built, essay: Built) -> None:
    """Full-page photos, pairs, grids, spreads and a photo essay, held to issue 14's targets that every
    page must meet: no text over text, rules or photos, none in the safe zone, no word cut, no ladder."""
    for built in (river, essay):
        found = every_page_problems(built.pdf)
        assert not found, f"{built.pdf.name}: " + "; ".join(found[:8])
