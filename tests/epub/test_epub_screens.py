"""The e-book as a browser engine shows it (issue 16): Chromium, as many reading systems use, loads each
document at a phone's 390 px and a tablet's 820 px; scripts measure what a reader would see, and every
page is photographed into tests/artefacts/epub-screens/ for people to look at.

Without Chromium installed the browser tests skip; the tests of the EPUB's files run everywhere.
"""

from __future__ import annotations

import json
import statistics
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import tinycss2
from bs4 import BeautifulSoup
from conftest import (
    ARTEFACTS,
    MINIMAL_CAPTIONS,
    MINIMAL_TOML,
    BundledBuild,
    epubcheck_messages,
    run_publish,
    write_manuscript,
)
from helpers.chromium import Browser

pytestmark = pytest.mark.slow  # builds e-books and opens them in Chromium

FONT_FACE_RECORD = "USAGE CSS-028"  # EPUBCheck's record of each @font-face declaration (see test_epub.py)
WIDTHS = {"phone": 390, "tablet": 820}
SCREENS = ARTEFACTS / "epub-screens"

CITIES = ("Kampot", "Kep", "Takeo", "Pursat", "Battambang", "Siem Reap", "Kratie", "Stung Treng", "Pailin",
          "Koh Kong")


def screens_manuscript(root: Path) -> Path:
    """Two texts: cross-text links to a paragraph id and a heading, a footnote, a 10-column table, a long
    address, an opening letter; paragraphs long enough to measure the line length."""
    toml = MINIMAL_TOML.replace('date = 2020-05-01\n', 'date = 2020-05-01\ntexts = ["one.md", "two.md"]\n')
    paragraphs = "\n\n".join(
        f"The ferry from {city} left before dawn, and the passengers who had slept on the deck woke to the "
        f"sound of the engine slowing as the river widened below the town; the pilot, who had made the "
        f"crossing {n} times, watched the water for the sandbanks that moved with every flood."
        for n, city in enumerate(CITIES, start=3))
    header = "| " + " | ".join(["Route", *CITIES[1:]]) + " |"
    rule = "|" + "---|" * len(CITIES)
    rows = "\n".join("| " + " | ".join([CITIES[i], *(f"{(i + 1) * (j + 2) * 7} km" for j in range(9))]) + " |"
                     for i in range(4))
    one = f"""+++
title = "River Crossings"
byline = "by Ada Writer"
+++

{paragraphs}

The timetable is in [the harbour master's note](#route), and the way to the pier under
[Getting there](#getting-there).[^1] Fares are listed at
https://www.example.org/ferries/timetables/mekong-and-tonle-sap/2020-dry-season-fares-and-routes.html
for the season.

{header}
{rule}
{rows}

[^1]: The timetable changes with the river: in the dry season the large ferries cannot reach Kratie.
"""
    two = """+++
title = "The Harbour Master"
byline = "by Ada Writer"
+++

![](photos/harbour.jpg)

{#route}
The harbour master keeps the timetable in a ledger by the window, one page for each boat and a line for
each crossing, and she reads it aloud to anyone who asks.

## Getting there {#getting-there}

The pier is at the end of the road past the market, where the tuk-tuks wait in the shade.
"""
    return write_manuscript(root, {"publication.toml": toml, "feature.md": None, "one.md": one, "two.md": two,
                                   "photos/captions.toml": MINIMAL_CAPTIONS})


@dataclass
class Unpacked:
    name: str
    folder: Path  # the EPUB unzipped, as a reading system holds it
    spine: list[Path]  # content documents in reading order

    def doc(self, path: Path) -> BeautifulSoup:
        return BeautifulSoup(path.read_text(encoding="utf-8"), "xml")

    @property
    def css(self) -> Path:
        return next(self.folder.rglob("style.css"))


def unpack(epub: Path, name: str) -> Unpacked:
    folder = SCREENS / name / "epub"
    with zipfile.ZipFile(epub) as archive:
        archive.extractall(folder)
    container = BeautifulSoup((folder / "META-INF" / "container.xml").read_text(), "xml")
    opf_path = folder / container.find("rootfile")["full-path"]
    opf = BeautifulSoup(opf_path.read_text(encoding="utf-8"), "xml")
    items = {item["id"]: item["href"] for item in opf.find_all("item")}
    spine = [opf_path.parent / items[ref["idref"]] for ref in opf.find("spine").find_all("itemref")]
    return Unpacked(name, folder, spine)


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Unpacked]:
    root = screens_manuscript(tmp_path_factory.mktemp("screens") / "ms")
    out = root.parent / "out"
    run = run_publish("epub", str(root), "-o", str(out))
    assert run.returncode == 0, run.stderr
    epub = out / "a-small-feature.epub"
    return epub, unpack(epub, "screens")


@pytest.fixture(scope="module")
def bundled_unpacked(bundled: BundledBuild) -> Unpacked:
    return unpack(bundled.epub, "bundled")


@pytest.fixture(params=["screens", "bundled"])
def book(request: pytest.FixtureRequest) -> Unpacked:
    if request.param == "screens":
        return request.getfixturevalue("screens")[1]
    return request.getfixturevalue("bundled_unpacked")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = Browser.find()
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with Browser(executable) as running:
        yield running


# The EPUB's files -----------------------------------------------------------------------------------


def test_screens_fixture_passes_epubcheck(screens: tuple[Path, Unpacked]) -> None:
    messages = epubcheck_messages(screens[0])
    assert [m for m in messages if not m.startswith(FONT_FACE_RECORD)] == []


def test_links_to_any_id_name_the_document_that_has_it(screens: tuple[Path, Unpacked]) -> None:
    """A link to a paragraph's {#route} in another text names that text's file, as a heading's does."""
    book = screens[1]
    ids = {path.name: {tag["id"] for tag in book.doc(path).find_all(id=True)} for path in book.spine}
    links = []
    for path in book.spine:
        for link in book.doc(path).find_all("a", href=True):
            href = link["href"]
            if href.startswith(("http:", "https:", "mailto:")):
                continue
            file, _, anchor = href.partition("#")
            links.append((path.name, href))
            assert (file or path.name) in ids, f"{path.name}: {href} names no document of the book"
            assert not anchor or anchor in ids[file or path.name], f"{path.name}: {href} points at nothing"
    assert ("one.xhtml", "two.xhtml#route") in links
    assert ("one.xhtml", "two.xhtml#getting-there") in links


def test_contents_list_each_text_once(book: Unpacked) -> None:
    nav = book.doc(next(p for p in book.spine if p.name == "nav.xhtml"))
    toc = nav.find("nav", attrs={"epub:type": "toc"})
    entries = [(a["href"], a.get_text(" ", strip=True)) for a in toc.find_all("a")]
    documents = [href for href, _ in entries if "#" not in href]
    assert len(documents) == len(set(documents)), entries
    labels = [label for href, label in entries if "#" not in href]
    assert len(labels) == len(set(labels)), f"an entry is listed twice: {labels}"
    texts = [p.name for p in book.spine if p.name not in ("cover.xhtml", "titlepage.xhtml", "nav.xhtml",
                                                           "imprint.xhtml")]
    assert [href for href in documents if href in texts] == texts


def test_page_list_follows_the_spine(book: Unpacked) -> None:
    """The print edition's page ii (its imprint) is the e-book's last document: listed where it is read."""
    nav = book.doc(next(p for p in book.spine if p.name == "nav.xhtml"))
    pages = [a["href"] for a in nav.find("nav", attrs={"epub:type": "page-list"}).find_all("a")]
    order = {}
    for index, path in enumerate(book.spine):
        for position, tag in enumerate(book.doc(path).find_all(id=True)):
            order[f"{path.name}#{tag['id']}"] = (index, position)
    assert len(pages) >= 3
    assert [order[href] for href in pages] == sorted(order[href] for href in pages), pages
    assert any(href.startswith("imprint.xhtml#") for href in pages)


# Chromium ------------------------------------------------------------------------------------------


def _split_selectors(prelude: list) -> list[str]:
    """The complex selectors of a selector list, split at its top-level commas."""
    parts: list[list] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return [tinycss2.serialize(part).strip() for part in parts]


def rules_of(css: str, selectors: list[str] | None = None) -> list[str]:
    """Every rule a CSS parser that follows the syntax spec finds, nested ones included, as
    "@font-face" or the selector list: what a browser must keep when it understands the rule.
    `selectors` collects each complex selector on its own."""
    found: list[str] = []
    selectors = [] if selectors is None else selectors

    def walk(nodes: list) -> None:
        for node in nodes:
            if node.type == "qualified-rule":
                found.append(tinycss2.serialize(node.prelude).strip())
                selectors.extend(_split_selectors(node.prelude))
            elif node.type == "at-rule":
                found.append("@" + node.lower_at_keyword)
                if node.lower_at_keyword in ("media", "supports", "layer", "container") and node.content:
                    walk(tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True))
            elif node.type == "error":
                found.append(f"error: {node.message}")

    walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    return [rule for rule in found if rule != "@charset"]  # CSSOM has no rule for @charset


def declarations_of(css: str) -> list[tuple[str, str]]:
    """(property, value) of every declaration outside @font-face (whose descriptors are no properties);
    `!important` is the declaration's priority, not part of its value (CSS.supports takes the value)."""
    found = []

    def walk(nodes: list) -> None:
        for node in nodes:
            if node.type == "qualified-rule":
                for item in tinycss2.parse_blocks_contents(node.content, skip_comments=True,
                                                           skip_whitespace=True):
                    if item.type == "declaration" and not item.name.startswith("--"):
                        value = tinycss2.serialize(item.value).strip()
                        found.append((item.lower_name, value))
            elif node.type == "at-rule" and node.content and node.lower_at_keyword in ("media", "supports"):
                walk(tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True))

    walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    return found


COUNT_RULES = """(() => {
  const walk = (rules) => Array.from(rules).flatMap(r => [r, ...(r.cssRules ? walk(r.cssRules) : [])]);
  const sheet = Array.from(document.styleSheets).find(s => s.href && s.href.endsWith('style.css'));
  return walk(sheet.cssRules).map(r => r.selectorText || ('@' + r.constructor.name));
})()"""


def test_browsers_keep_every_rule_of_the_epub_css(book: Unpacked, browser: Browser) -> None:
    """Chromium's CSS parser (what Readium, Thorium and most Android readers use) keeps as many rules as
    the spec's syntax finds: no rule is lost to a selector only WeasyPrint knows (::footnote-call), and
    Chromium supports every declaration, so none is dropped in silence."""
    css = book.css.read_text(encoding="utf-8")
    selectors: list[str] = []
    expected = rules_of(css, selectors)
    assert not [rule for rule in expected if rule.startswith("error")], expected
    page = browser.page(book.spine[-1].as_uri(), WIDTHS["phone"])
    try:
        kept = page.evaluate(COUNT_RULES)
        unknown = [s for s in dict.fromkeys(selectors)
                   if not page.evaluate(f"CSS.supports({json.dumps('selector(' + s + ')')})")]
        dropped = [(name, value) for name, value in dict.fromkeys(declarations_of(css))
                   if not page.evaluate(f"CSS.supports({json.dumps(name)}, {json.dumps(value)})")]
    finally:
        page.close()
    assert len(kept) == len(expected), f"Chromium dropped {len(expected) - len(kept)} rule(s); unknown: {unknown}"
    assert unknown == []
    assert dropped == [], f"declarations Chromium does not support: {dropped}"


def _pages(book: Unpacked, browser: Browser, width: int) -> Iterator[tuple[Path, object]]:
    for path in book.spine:
        page = browser.page(path.as_uri(), width, 844 if width < 600 else 1180)
        try:
            page.screenshot(SCREENS / book.name / f"{path.stem}-{width}.png")
            yield path, page
        finally:
            page.close()


def test_nothing_runs_off_a_phone_screen(book: Unpacked, browser: Browser) -> None:
    """At 390 px no document is wider than the screen; a table wider than the text scrolls in its frame,
    which a keyboard can focus, a screen reader names, and whose edge shadow says there is more."""
    tables = 0
    for path, page in _pages(book, browser, WIDTHS["phone"]):
        width, inner = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
        assert width <= inner, f"{path.name} is {width} px wide on a {inner} px screen"
        frames = page.evaluate("""Array.from(document.querySelectorAll('table')).map(t => {
          const f = t.parentElement, s = getComputedStyle(f);
          return {frame: f.className, overflow: s.overflowX, tabindex: f.getAttribute('tabindex'),
                  role: f.getAttribute('role'), name: f.getAttribute('aria-label'), shadow: s.backgroundImage,
                  right: f.getBoundingClientRect().right, scroll: f.scrollWidth, client: f.clientWidth,
                  table: t.getBoundingClientRect().width, cells: t.rows[0].cells.length};
        })""")
        for frame in frames:
            tables += 1
            assert frame["frame"] == "table-frame" and frame["overflow"] == "auto", frame
            assert frame["tabindex"] == "0" and frame["role"] == "region" and frame["name"], frame
            assert frame["right"] <= WIDTHS["phone"], frame
            if frame["scroll"] > frame["client"]:
                assert frame["shadow"].count("gradient") >= 2, frame
                assert frame["scroll"] >= frame["table"] - 1, "the table's last columns cannot be reached"
    if book.name == "screens":
        assert tables == 1


def _line_lengths(page: object) -> list[int]:
    """Characters on each line of the body's paragraphs, found from where each character is drawn."""
    return page.evaluate("""(() => {
      const counts = [];
      for (const p of document.querySelectorAll('.body > p')) {
        const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
        let top = null, count = 0;
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (let i = 0; i < node.length; i++) {
            const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
            const rect = range.getClientRects()[0];
            if (!rect) continue;
            if (top !== null && rect.top > top + rect.height / 2) { counts.push(count); count = 0; }
            if (top === null || rect.top > top + rect.height / 2) top = rect.top;
            count++;
          }
        }
        if (count) counts.push(count);
        counts.pop();  // a paragraph's last line is as short as it happens to be
      }
      return counts;
    })()""")


def test_lines_keep_a_readable_measure_on_a_tablet(book: Unpacked, browser: Browser) -> None:
    """At 820 px the text keeps to about 65 characters a line (45–75 is the book typographer's range)."""
    lengths: list[int] = []
    for path, page in _pages(book, browser, WIDTHS["tablet"]):
        if path.stem in ("cover", "titlepage", "nav", "imprint"):
            continue
        lengths += _line_lengths(page)
        left, right, inner = page.evaluate("""(() => { const r = document.querySelector('.article')
            .getBoundingClientRect(); return [r.left, innerWidth - r.right, innerWidth]; })()""")
        assert abs(left - right) <= 2, f"{path.name}: the text is not centred ({left} | {right})"
    assert len(lengths) >= 10
    assert 45 <= statistics.median(lengths) <= 75, lengths
    assert max(lengths) <= 85, lengths


def test_note_calls_are_small_and_raised(screens: tuple[Path, Unpacked], browser: Browser) -> None:
    book = screens[1]
    page = browser.page(book.spine[[p.name for p in book.spine].index("one.xhtml")].as_uri(), WIDTHS["phone"])
    try:
        call, text, align = page.evaluate("""(() => {
          const a = document.querySelector('a.noteref'), p = a.closest('p');
          return [parseFloat(getComputedStyle(a).fontSize), parseFloat(getComputedStyle(p).fontSize),
                  getComputedStyle(a).verticalAlign];
        })()""")
    finally:
        page.close()
    assert call <= 0.75 * text, (call, text)
    assert align == "super"


def test_the_opening_letter_is_an_initial(book: Unpacked, browser: Browser) -> None:
    """The first letter of the first text sinks three lines: those lines start to the right of it, the
    fourth under it, at the paragraph's edge (as initial-letter sets it, or the floated fallback)."""
    first = next(p for p in book.spine if p.stem not in ("cover", "titlepage", "nav"))
    for width in WIDTHS.values():
        page = browser.page(first.as_uri(), width)
        try:
            edge, starts = page.evaluate("""(() => {
              const p = document.querySelector('.body > p.opening');
              const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
              const starts = []; let top = null, seen = 0;
              for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (let i = 0; i < node.length; i++) {
                  if (!node.data[i].trim() || seen++ === 0) continue;  // the initial itself
                  const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
                  const rect = range.getClientRects()[0];
                  if (rect && (top === null || rect.top > top + rect.height / 2)) {
                    top = rect.top; starts.push(rect.left);
                  }
                }
              }
              return [p.getBoundingClientRect().left, starts];
            })()""")
        finally:
            page.close()
        assert len(starts) >= 3, f"{first.name} at {width} px: the opening paragraph has {len(starts)} lines"
        assert all(start > edge + 20 for start in starts[:3]), (width, edge, starts)
        assert all(start < edge + 2 for start in starts[3:]), (width, edge, starts)
    if book.name == "screens":
        assert len(starts) >= 4  # the fixture's opening paragraph runs past the initial at 820 px too
