"""Page composition: after a layout, moves or resizes what landed badly, and has the text laid out again.

Why: CSS decides most of a page, but some decisions need the laid-out page, as a designer makes them
at the layout table: a photo that does not fit the rest of a column or page moves on and leaves it
half empty, so it is set a little smaller to fit, or the text after it is set first; a pull quote
the author put next to the sentence it repeats is set a column or more away; a drop cap left with
fewer lines beside it than it is deep is dropped; a title page that runs over is set smaller, within
limits, and said when it still cannot fit. Each decision is an edit of the print HTML (engine/flow.py
reads the pages); the text is laid out again, at most `MAX_ROUNDS` times, and the best of the layouts
is kept. A text that needs nothing costs one look at its pages. Pull quotes are placed before the
first layout, by an estimate of the words a column holds, so they seldom cost a layout of their own.

A designer tunes (or turns off, with 0) each rule with custom properties in styles/print.css, read
from the laid-out root element: `--photo-void`, `--photo-shrink`, `--pullquote-distance`,
`--initial-lines`, `--title-min-scale`. Every decision depends only on the HTML and the styles: a
build stays byte for byte the same.
"""

from __future__ import annotations

import logging
import math
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lxml.html

from publish.engine.flow import (
    Block,
    BodyPage,
    body_pages,
    crowded,
    custom_property,
    extent,
    initials,
    number,
    spilled,
)

MAX_ROUNDS = 4  # layouts after the first: each answers the first page the one before showed a problem on
PHOTO_VOID = 0.12  # empty share of the type area's height above a photo that moved on, tolerated
PHOTO_SHRINK = 0.8  # a photo may be set down to this share of its height to fit the room left for it
PULLQUOTE_DISTANCE = 1.0  # columns of text between a pull quote and its source
PULLQUOTE_TAIL = 0.12  # a pull quote is followed by at least this share of a column of text, or by none
PULLQUOTE_GAP = 0.15  # on its source's page, a pull quote stands this share of the type area from it
PULLQUOTE_BEFORE = 0.2  # else, set this share of a column's words before its source
RUNT_LINES = 4  # a text's last page holding no more lines than this (and nothing else) is pulled back
INITIAL_LINES = 3  # lines a drop cap needs beside it in its column (it is three lines deep)
TITLE_MIN_SCALE = 0.6  # the title page's type is not set below this share of its size

SPANNING = frozenset({"photo-wide", "pullquote"})  # classes of the blocks that cross the columns
HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
# Elements whose type is set smaller when they do not fit their page: the custom property print.css
# scales them by, and what they are called in a message.
FITTED = {"titlepage": ("--title-scale", "the title page"), "imprint": ("--imprint-scale", "the imprint"),
          "article-header": ("--headline-scale", "the headline")}
_WORD = re.compile(r"\w+")
_log = logging.getLogger("publish.composition")


@dataclass(frozen=True)
class Knobs:
    photo_void: float = PHOTO_VOID
    photo_shrink: float = PHOTO_SHRINK
    pullquote_distance: float = PULLQUOTE_DISTANCE
    initial_lines: int = INITIAL_LINES
    title_min_scale: float = TITLE_MIN_SCALE

    @classmethod
    def of(cls, pages: list[Any]) -> Knobs:
        """The designer's values, where print.css (or styles/) sets them."""
        def read(name: str, default: float) -> float:
            return number(custom_property(pages, name), default)

        return cls(read("--photo-void", PHOTO_VOID), read("--photo-shrink", PHOTO_SHRINK),
                   read("--pullquote-distance", PULLQUOTE_DISTANCE), round(read("--initial-lines", INITIAL_LINES)),
                   min(1.0, max(0.1, read("--title-min-scale", TITLE_MIN_SCALE))))


@dataclass(frozen=True)
class Problem:
    """What composition could not solve: said at a key of publication.toml."""

    key: tuple[str, ...]  # ("title",), ("imprint",): the line of the longest piece it prints
    message: str
    hint: str
    text: str = ""  # an article's id: said at its file's `title` instead


def words_per_column(width_mm: float, height_mm: float) -> float:
    """About how many words a full column holds on this trim, with the default print.css.

    Only a first guess, for placing pull quotes before the first layout; the layout is measured after.
    """
    size = min(10.4, max(9.4, 11.64 - 0.00343 * width_mm * 72 / 25.4))  # print.css's --text-size, in pt
    grid = size * 1.375
    measure = width_mm * 0.83
    columns = max(1, math.floor((measure + 6) / 67))
    column = (measure + 6) / columns - 6
    lines = height_mm * 0.85 * 72 / 25.4 / grid
    return lines * column * 72 / 25.4 / (size * 0.47) / 6.0


# The print HTML, edited ---------------------------------------------------------------------------


def _parse(html: str) -> Any:
    return lxml.html.document_fromstring(html)


def _serialise(root: Any) -> str:
    return "<!DOCTYPE html>\n" + lxml.html.tostring(root, encoding="unicode")


def _classes(node: Any) -> frozenset[str]:
    return frozenset((node.get("class") or "").split())


def _detach(node: Any) -> None:
    """Takes an element out of its parent, leaving the text after it where it was."""
    parent, previous = node.getparent(), node.getprevious()
    if node.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    node.tail = None
    parent.remove(node)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _source_of(quote: Any, blocks: list[Any]) -> Any:
    """The block whose text holds the pull quote's words (six in a row, or all of a shorter quote)."""
    said = [p for p in quote if isinstance(p.tag, str) and "attribution" not in _classes(p)]
    words = _words(" ".join(p.text_content() for p in said) if said else quote.text_content())
    if not words:
        return None
    span = min(6, len(words))
    needles = {" ".join(words[i:i + span]) for i in range(len(words) - span + 1)}
    for block in blocks:
        if block is quote or "pullquote" in _classes(block):
            continue
        text = " ".join(_words(block.text_content()))
        if any(needle in text for needle in needles):
            return block
    return None


def _fits(blocks: list[Any], k: int) -> bool:
    """Whether a spanning block may go before blocks[k]: not first or last-but-nothing, not after a
    heading (it stays with what it heads), not beside another spanning block."""
    if k <= 0 or k >= len(blocks) or blocks[k - 1].tag in HEADINGS:
        return False
    return not (_classes(blocks[k]) & SPANNING or _classes(blocks[k - 1]) & SPANNING)


def prepare(html: str, column_words: float | None = None, distance: float = PULLQUOTE_DISTANCE) -> str:
    """Gives each pull quote an id, names its source block (`data-source`) and, with an estimate of the
    words a column holds, sets it a column's worth of text after its source before the first layout."""
    if 'class="pullquote"' not in html:
        return html
    root = _parse(html)
    changed = False
    for body in root.find_class("body"):
        blocks = [child for child in body if isinstance(child.tag, str)]
        quotes = [b for b in blocks if "pullquote" in _classes(b)]
        article = body.getparent().get("id") if body.getparent() is not None else ""
        for n, quote in enumerate(quotes):
            if quote.get("id"):
                continue
            quote.set("id", f"{article or 'text'}-pullquote-{n + 1}")
            changed = True
            source = _source_of(quote, blocks)
            if source is None or not source.get("id"):
                continue
            quote.set("data-source", source.get("id"))
            if column_words:
                _place_by_words(body, quote, source, column_words * distance, column_words * PULLQUOTE_TAIL)
    return _serialise(root) if changed else html


def _place_by_words(body: Any, quote: Any, source: Any, wanted: float, tail: float) -> None:
    blocks = [child for child in body if isinstance(child.tag, str) and child is not quote]
    sizes = [len(_WORD.findall(b.text_content())) if b.tag != "figure" else wanted / 4 for b in blocks]
    s = blocks.index(source)
    words = 0.0
    target = None
    for k in range(s + 1, len(blocks)):
        if _fits(blocks, k) and words >= wanted and sum(sizes[k:]) >= tail:
            target = blocks[k]
            break
        words += sizes[k]
    before = sum(sizes[:s])
    aim = before - wanted * PULLQUOTE_BEFORE
    if target is None and aim >= wanted * PULLQUOTE_BEFORE:
        # The text ends within a column of its source: a few lines before the source, where it tends to
        # head the source's page or column, and leaves the text's first lines before it.
        at, best = 0.0, None
        for k in range(1, s):
            at += sizes[k - 1]
            if _fits(blocks, k) and at <= before - wanted * PULLQUOTE_BEFORE / 2 and (
                    best is None or abs(at - aim) < abs(best[0] - aim)):
                best = (at, k)
        target = blocks[best[1]] if best else None
    if target is not None:
        _detach(quote)
        target.addprevious(quote)


@dataclass
class _Edits:
    before: dict[str, str] = field(default_factory=dict)  # element id -> the id of the block it now precedes
    shrink: dict[str, float] = field(default_factory=dict)  # figure id -> its photo's new height, CSS px
    drop_initial: set[str] = field(default_factory=set)  # paragraph ids
    scales: dict[str, float] = field(default_factory=dict)  # class of a fitted element -> its type's new scale
    at: dict[str, int] = field(default_factory=dict)  # the page of the problem each edit answers

    def __bool__(self) -> bool:
        return bool(self.before or self.shrink or self.drop_initial or self.scales)

    def names(self) -> frozenset[str]:
        """What the edits answer: element ids, or the class of a fitted element."""
        return frozenset((*self.before, *self.shrink, *self.drop_initial, *self.scales))

    def first_page(self, skip: frozenset[str] = frozenset()) -> _Edits:
        """Only the edits for the first page with a problem, leaving out those of `skip`: each edit
        moves what follows it, so the pages after it are seen again in the next layout rather than
        answered from this one."""
        at = {name: page for name, page in self.at.items() if name not in skip}
        if not at:
            return _Edits()
        first = min(at.values())
        keep = {name for name, page in at.items() if page == first}
        return _Edits({k: v for k, v in self.before.items() if k in keep},
                      {k: v for k, v in self.shrink.items() if k in keep},
                      {k for k in self.drop_initial if k in keep},
                      {k: v for k, v in self.scales.items() if k in keep}, {k: first for k in keep})


def _apply(html: str, edits: _Edits) -> str:
    root = _parse(html)
    ids = {node.get("id"): node for node in root.iter() if isinstance(node.tag, str) and node.get("id")}
    for moved, target in edits.before.items():
        node, anchor = ids.get(moved), ids.get(target)
        if node is None or anchor is None or node is anchor:
            continue
        _detach(node)
        anchor.addprevious(node)
    for figure, height in edits.shrink.items():
        for image in ids[figure].iter("img") if figure in ids else ():
            style = [part for part in (image.get("style") or "").split(";") if part.strip()
                     and not part.strip().startswith("max-height")]
            image.set("style", "; ".join([*style, f"max-height: {height:.1f}px"]))
    for paragraph in edits.drop_initial:
        node = ids.get(paragraph)
        for initial in node.find_class("initial") if node is not None else ():
            text = (initial.text or "") + (initial.tail or "")
            previous, parent = initial.getprevious(), initial.getparent()
            if previous is not None:
                previous.tail = (previous.tail or "") + text
            else:
                parent.text = (parent.text or "") + text
            parent.remove(initial)
    for name, scale in edits.scales.items():
        for node in root.find_class(name):
            node.set("style", f"{FITTED[name][0]}: {scale:.3f}")
    return _serialise(root)


# Looking at the pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    """A block's fragment in the text's reading order, with its size in lines of text."""

    page: int
    block: Block
    lines: float
    first_row: bool  # in the first row of its page


def _pitch(pages: list[BodyPage]) -> float:
    found = [b.height / b.lines for page in pages for b in page.blocks() if b.tag == "p" and b.lines >= 3]
    return statistics.median(found) if found else 16.0


def _sequence(pages: list[BodyPage], pitch: float) -> list[_Piece]:
    out = []
    for page in pages:
        first = page.rows[0] if page.rows else None
        for row in page.rows:
            pieces = [row.spanning] if row.spanning is not None else [b for c in row.columns for b in c.blocks]
            for block in pieces:
                out.append(_Piece(page.index, block, block.lines or block.height / pitch, row is first))
    return out


def _columns(page: BodyPage) -> int:
    return max((len(row.columns) for row in page.rows), default=1) or 1


Order = list[tuple[str, frozenset[str], str]]  # the body's top-level blocks: (id, classes, tag)


@dataclass(frozen=True)
class _Layout:
    """A layout composition looked at: its score, the HTML laid out, the edits its pages call for."""

    score: float
    html: str
    edits: _Edits
    scales: dict[str, float]


class Composer:
    """The print HTML of one document, and the edits composition made to it so far."""

    def __init__(self, html: str, body: bool = True, front: bool = True, column_words: float | None = None):
        self.body, self.front = body, front
        self.html = prepare(html, column_words) if body else html
        self.rounds = 0
        self.scales = dict.fromkeys(FITTED, 1.0)
        self.problems: list[Problem] = []
        self._best: _Layout | None = None  # the best layout so far, which the next edit starts from
        self._trying: frozenset[str] = frozenset()  # what the edit laid out last answered
        self._tried: frozenset[str] = frozenset()  # edits that made the pages no better
        self._settled = False

    def review(self, pages: list[Any]) -> bool:
        """Looks at the laid-out pages; True when it edited the HTML, which wants laying out again.

        Each round answers the first page with a problem, starting from the best layout so far: an edit
        that leaves the pages no better (a photo moved on that pushes the next one on too) is undone
        and not tried again, and the next page's problem is answered instead.
        """
        knobs = Knobs.of(pages)
        if self._settled:
            self._final(pages, knobs)
            return False
        laid = self.html
        edits, score = self._look(pages, knobs)
        best = self._best
        # Type set smaller is a step towards fitting: kept while the pages get no worse.
        fitting = bool(self._trying) and self._trying <= frozenset(FITTED)
        if best is None or score < best.score or (fitting and score <= best.score):
            best = self._best = _Layout(score, laid, edits, dict(self.scales))
        else:
            _log.debug("round %d made it no better (score %.3f, best %.3f): %s undone", self.rounds, score,
                       best.score, sorted(self._trying))
            self._tried |= self._trying
        following = best.edits.first_page(self._tried)
        if following and self.rounds < MAX_ROUNDS:
            _log.debug("round %d (score %.3f): %s", self.rounds + 1, best.score, following)
            self.html = _apply(best.html, following)
            self.scales = {**best.scales, **following.scales}
            self._trying = following.names()
            self.rounds += 1
            return True
        if laid != best.html:
            _log.debug("back to the best layout (score %.3f, not %.3f)", best.score, score)
            self.html, self.scales = best.html, dict(best.scales)
            self._settled = True
            return True
        self._final(pages, knobs)
        return False

    @property
    def best_html(self) -> str | None:
        """The HTML of the best layout so far, which a later round may come back to."""
        return self._best.html if self._best is not None else None

    def _look(self, pages: list[Any], knobs: Knobs) -> tuple[_Edits, float]:
        """Every edit the pages call for, and how far they are from good (0: nothing to answer)."""
        edits = _Edits()
        score = 0.0
        if self.body:
            laid = body_pages(pages)
            if laid:
                score += self._photos(pages, laid, knobs, edits)
                score += self._pullquotes(laid, knobs, edits)
                score += self._runts(laid, knobs, edits)
            score += self._initials(pages, knobs, edits)
            score += self._fit(pages, "article-header", knobs, edits)
        if self.front:
            score += self._fit(pages, "titlepage", knobs, edits) + self._fit(pages, "imprint", knobs, edits)
        return edits, score

    def _order(self) -> Order:
        """The body's top-level blocks as the HTML has them now."""
        out = []
        for body in _parse(self.html).find_class("body"):
            for child in body:
                if isinstance(child.tag, str) and child.get("id") and "display: none" not in (child.get("style") or ""):
                    out.append((child.get("id"), _classes(child), child.tag))
        return out

    # Photos that moved on ------------------------------------------------------------------------

    def _photos(self, pages: list[Any], laid: list[BodyPage], knobs: Knobs, edits: _Edits) -> float:
        """A photo pushed to the next column or page, leaving room above it: set smaller to fit, or after
        the text that follows it. Returns the rooms left, as shares of the type area, and a whole page for
        each headline left alone on its page."""
        if knobs.photo_void <= 0:
            return 0.0
        found: list[tuple[Block, float, float, BodyPage]] = []  # photo, room, room in all columns, page
        for k, page in enumerate(laid):
            previous = laid[k - 1] if k and laid[k - 1].index == page.index - 1 and laid[k - 1].text == page.text \
                else None
            continues = k + 1 < len(laid) and laid[k + 1].index == page.index + 1 and laid[k + 1].text == page.text
            for r, row in enumerate(page.rows):
                if row.spanning is not None:
                    if r == 0 and row.spanning.classes & SPANNING and previous is not None:
                        room, columns = self._room_at_foot(previous)
                        found.append((row.spanning, room, room * columns, previous))
                    continue
                for c, column in enumerate(row.columns):
                    if not column.blocks or column.blocks[0].tag != "figure" or "photo" not in column.blocks[0].classes:
                        continue
                    if c:  # only in a run filling the page: a run that ends sooner is balanced, not pushed
                        before = row.columns[c - 1]
                        if not continues or before.limit < page.foot - 1:
                            continue
                    elif r == 0 and previous is not None and previous.rows and previous.rows[-1].columns:
                        before = previous.rows[-1].columns[-1]
                    elif r == 0 and previous is not None and previous.rows:
                        # The page before ends in a block across the columns (a wide photo) with room
                        # under it, in every column.
                        room, columns = self._room_at_foot(previous)
                        found.append((column.blocks[0], room, room * columns, previous))
                        continue
                    else:
                        continue
                    found.append((column.blocks[0], before.room, before.room, page))
            first = page.rows[0] if page.rows else None
            if previous is not None and first is not None and first.columns and not (
                    first.columns[0].blocks and first.columns[0].blocks[0].tag == "figure"):
                # Text heads the page, yet the page before has room: WeasyPrint moves a whole run of
                # columns on when one of them cannot start, for a photo too tall for the room left.
                room, columns = self._room_at_foot(previous)
                blocks = [b for c in first.columns for b in c.blocks]
                photos = [k for k, b in enumerate(blocks) if b.tag == "figure" and "photo" in b.classes]
                if photos:
                    ahead = sum(b.height for b in blocks[:photos[0]])
                    found.append((blocks[photos[0]], room, max(room, room * columns - ahead), previous))
        found += self._openers(pages, laid)
        found = [(photo, room, capacity, page) for photo, room, capacity, page in found
                 if photo.id and room >= knobs.photo_void * page.height]
        if not found:
            return 0.0
        order = self._order()
        heights: dict[str, float] = {}
        for page in laid:
            for block in page.blocks():
                heights[block.id] = heights.get(block.id, 0.0) + block.height
        for photo, room, capacity, page in found:
            missing = photo.height - room + 2.0
            if photo.image and 0 < missing <= (1 - knobs.photo_shrink) * photo.image:
                edits.shrink[photo.id] = photo.image - missing
            else:
                self._defer(photo.id, capacity, order, heights, edits, past_headings="pullquote" in photo.classes,
                            past_photos=bool(photo.classes & SPANNING))
            if photo.id in edits.shrink or photo.id in edits.before:
                edits.at.setdefault(photo.id, page.index)
        # A headline left alone (an opener: a page without rows) costs its page, whatever room it shows:
        # an edit that brings the photo back under it is worth a photo moving on later in the text.
        return sum(room / page.height + (0.0 if page.rows else 1.0) for _, room, _, page in found)

    @staticmethod
    def _openers(pages: list[Any], laid: list[BodyPage]) -> list[tuple[Block, float, float, BodyPage]]:
        """A text's opening page holding its headline alone: its body moved on to the next page, because
        the photo its first column starts with (under a heading, perhaps) did not fit under the headline.

        The room is what the headline leaves on its page, less the headings that go with the photo and
        the space above them; the page is given as a body page without rows, for the edit's page number.
        """
        found: list[tuple[Block, float, float, BodyPage]] = []
        bodies = {page.index for page in laid}
        pitch = _pitch(laid)
        for k, page in enumerate(laid):
            opener = page.index - 1
            if opener < 0 or opener in bodies or (k and laid[k - 1].text == page.text) or not page.rows:
                continue
            header = extent(pages, "article-header", opener)
            first = page.rows[0]
            if header is None or not first.columns or not first.columns[0].blocks:
                continue
            blocks = first.columns[0].blocks
            ahead = 0
            while ahead < len(blocks) and blocks[ahead].tag in HEADINGS:
                ahead += 1
            photo = blocks[ahead] if ahead < len(blocks) else None
            if photo is None or photo.tag != "figure" or "photo" not in photo.classes:
                continue
            _, bottom, foot = header
            headings = sum(b.height for b in blocks[:ahead]) + pitch * (1.5 + (1.0 if ahead else 0.0))
            room = max(0.0, foot - bottom - headings)
            columns = len(first.columns)
            found.append((photo, room, max(room, (foot - bottom) * columns - headings),
                          BodyPage(opener, (), page.text, page.top, foot, page.height)))
        return found

    @staticmethod
    def _room_at_foot(page: BodyPage) -> tuple[float, int]:
        last = page.rows[-1] if page.rows else None
        if last is None:
            return 0.0, 1
        if last.spanning is not None:
            return max(0.0, page.foot - last.spanning.bottom), _columns(page)
        return min(c.room for c in last.columns), len(last.columns)

    @staticmethod
    def _defer(photo: str, capacity: float, order: Order, heights: dict[str, float], edits: _Edits,
               past_headings: bool = False, past_photos: bool = False) -> None:
        """Moves the photo (or pull quote) after the blocks that follow it, as many as fill `capacity` (px
        of a column).

        It never passes a block across the columns, the text's last block (the end mark is there) or,
        unless `past_headings` (a pull quote), a heading: a photo stays in its section. Nor is it set
        right after a heading. Only a block across the columns (`past_photos`) passes a photo in a
        column, as a two-column book sets a wide figure at the head of a later page while the column's
        figures go on filling the columns: photos of one width keep their order.
        """
        ids = [name for name, _, _ in order]
        if photo not in ids or photo in edits.before:
            return
        filled, target = 0.0, None
        for k in range(ids.index(photo) + 1, len(order) - 1):
            name, classes, tag = order[k]
            if classes & SPANNING or (tag == "figure" and not past_photos) or (tag in HEADINGS and not past_headings):
                break
            filled += heights.get(name, 0.0)
            if tag not in HEADINGS:
                target = ids[k + 1]
            if filled >= capacity and target is not None:
                break
        if target is not None:
            edits.before[photo] = target

    # A last page of a few lines ---------------------------------------------------------------

    def _runts(self, laid: list[BodyPage], knobs: Knobs, edits: _Edits) -> float:
        """A text whose last page holds only a few lines (`RUNT_LINES`) of text after a page of the same
        text: a photo before them, on that page or an earlier one, is set smaller by as much as the lines
        take, within --photo-shrink, so they go back where the text was. Each such page counts as much as the
        room left above a photo that is tolerated (--photo-void): a photo set after the text, filling its
        page, is still worth a few lines running over, which the next round pulls back."""
        if knobs.photo_shrink >= 1 or knobs.photo_void <= 0:
            return 0.0
        pitch = _pitch(laid)
        score = 0.0
        for k, last in enumerate(laid):
            ends = k + 1 == len(laid) or laid[k + 1].text != last.text
            if not ends or not k or laid[k - 1].text != last.text or laid[k - 1].index != last.index - 1:
                continue
            blocks = last.blocks()
            if not blocks or any(b.tag == "figure" or b.classes & SPANNING for b in blocks):
                continue
            lines = sum(b.lines for b in blocks)
            if not 0 < lines <= RUNT_LINES:
                continue
            score += knobs.photo_void  # what room above a photo may be left: less than the room it fills
            needed = lines * pitch + 2.0
            earlier = [page for page in laid[:k] if page.text == last.text]
            for page in reversed(earlier):
                photos = [(b, len(row.columns) if row.spanning is None else _columns(page))
                          for row in page.rows for b in ([row.spanning] if row.spanning is not None else
                                                         [b for c in row.columns for b in c.blocks])
                          if b.tag == "figure" and b.image and b.id]
                fitting = [(b, needed / (columns if b is not None and b.classes & SPANNING else 1))
                           for b, columns in photos]
                fitting = [(b, cut) for b, cut in fitting if cut <= (1 - knobs.photo_shrink) * b.image
                           and b.id not in edits.shrink]
                if fitting:
                    photo, cut = fitting[-1]
                    edits.shrink[photo.id] = photo.image - cut
                    edits.at.setdefault(photo.id, page.index)
                    break
        return score

    # Pull quotes ---------------------------------------------------------------------------------

    def _pullquotes(self, laid: list[BodyPage], knobs: Knobs, edits: _Edits) -> float:
        """A pull quote set near the sentence it repeats moves away: to a later page, or to the head of
        its source's page, or a good way below it. Returns how short of that the pull quotes fall."""
        if knobs.pullquote_distance <= 0 or "data-source" not in self.html:
            return 0.0
        sources = {q.get("id"): q.get("data-source") for q in _parse(self.html).find_class("pullquote")
                   if q.get("data-source")}
        pitch = _pitch(laid)
        sequence = _sequence(laid, pitch)
        height = statistics.median([p.height for p in laid])
        column = statistics.median([(p.foot - p.top) / pitch for p in laid])
        need = PULLQUOTE_GAP * knobs.pullquote_distance * height
        order: Order | None = None
        short = 0.0
        for quote, source in sources.items():
            gap = self._gap(sequence, quote, source)
            if gap is None or gap >= need:
                continue
            short += (need - gap) / height
            order = order if order is not None else self._order()
            target = self._pullquote_place(quote, source, order, sequence, need, PULLQUOTE_TAIL * column)
            ids = [name for name, _, _ in order]
            if target is not None and quote in ids and ids[ids.index(quote) + 1:][:1] != [target]:
                edits.before[quote] = target
                edits.at[quote] = min(p.page for p in sequence if p.block.id in (quote, source))
        return short

    @staticmethod
    def _gap(sequence: list[_Piece], quote: str, source: str) -> float | None:
        """How far (px) the pull quote stands from its source on their page; infinite on different pages."""
        quoted = [p for p in sequence if p.block.id == quote]
        said = [p for p in sequence if p.block.id == source]
        if not quoted or not said:
            return None
        here = [p.block for p in said if p.page == quoted[0].page]
        if not here:
            return math.inf
        block = quoted[0].block
        top, bottom = min(b.top for b in here), max(b.bottom for b in here)
        return block.top - bottom if block.top >= bottom else top - block.bottom

    def _pullquote_place(self, quote: str, source: str, order: Order, sequence: list[_Piece], need: float,
                         tail: float) -> str | None:
        """The block the pull quote should precede: the first on a page after its source's; else the first
        on its source's page, when that stands far enough above the source; else one far enough below
        it; else one on an earlier page, but not on the opener."""
        blocks = [entry for entry in order if entry[0] != quote]
        ids = [name for name, _, _ in blocks]
        if source not in ids:
            return None
        s = ids.index(source)
        pieces: dict[str, list[_Piece]] = {}
        for piece in sequence:
            if piece.block.id != quote:
                pieces.setdefault(piece.block.id, []).append(piece)
        lines_after: dict[str, float] = {}
        left = sum(p.lines for p in sequence if p.block.id != quote)
        for name in ids:
            lines_after[name] = left
            left -= sum(p.lines for p in pieces.get(name, []))

        def fits(k: int) -> bool:
            if k <= 0 or k >= len(blocks) or blocks[k - 1][2] in HEADINGS or ids[k] not in pieces:
                return False
            if lines_after[ids[k]] < tail:
                return False  # a pull quote does not stand over the text's last lines
            return not (blocks[k][1] & SPANNING or blocks[k - 1][1] & SPANNING)

        said = pieces[source]
        first_page, last_page = said[0].page, said[-1].page
        opener = sequence[0].page if sequence else 0
        starts = {name: found[0] for name, found in pieces.items()}
        for k in range(s + 1, len(blocks)):  # on a later page
            if fits(k) and starts[ids[k]].page > last_page:
                return ids[k]
        if first_page > opener:  # at the head of the source's page, or lower on it but above the source
            source_top = said[0].block.top
            above = [k for k in range(1, s + 1) if fits(k) and starts[ids[k]].page == first_page]
            for k in sorted(above, reverse=True):
                if source_top - starts[ids[k]].block.top >= need:
                    return ids[k]
        quoted = [p.block for p in sequence if p.block.id == quote]
        for k in range(s + 1, len(blocks)):  # far enough below it on its page, were the pull quote not there
            top = starts[ids[k]].block.top
            lift = quoted[0].height if quoted and top >= quoted[0].bottom and starts[ids[k]].page == first_page \
                else 0.0
            if fits(k) and top - lift - said[-1].block.bottom >= need:
                return ids[k]
        opener_lines = sum(p.lines for p in sequence if p.page == opener and p.block.id != quote)
        at_opener: dict[str, float] = {}
        done = 0.0
        for piece in sequence:
            if piece.page == opener and piece.block.id != quote:
                at_opener.setdefault(piece.block.id, done)
                done += piece.lines
        for k in range(s, 0, -1):  # on an earlier page; on the opener, below the first half of its text
            page = starts[ids[k]].page
            if fits(k) and page < first_page and (page > opener or at_opener.get(ids[k], 0.0) >= opener_lines / 2):
                return ids[k]
        return None

    # Drop caps -----------------------------------------------------------------------------------

    def _initials(self, pages: list[Any], knobs: Knobs, edits: _Edits) -> float:
        """A drop cap with fewer lines of its paragraph beside it in its column than it is deep is dropped."""
        if knobs.initial_lines <= 0 or 'class="initial"' not in self.html:
            return 0.0
        short = [i for i in initials(pages) if i.continues and i.lines < knobs.initial_lines and i.paragraph]
        edits.drop_initial.update(i.paragraph for i in short)
        edits.at.update((i.paragraph, i.page) for i in short)
        return 0.5 * len(short)

    # Front matter and headlines that run over ----------------------------------------------------

    def _overflow(self, pages: list[Any], name: str) -> tuple[int, float] | None:
        """(page, share of its height it fits in) for an element that does not fit its page, or None."""
        if name == "imprint":
            over = crowded(pages, name) or [index for index, _ in spilled(pages, name)]
            return (over[0], 0.78) if over else None  # how much it holds is not known: a step at a time
        runs = spilled(pages, name)
        if not runs:
            return None
        index = runs[0][0]
        first, second = extent(pages, name, index), extent(pages, name, index + 1)
        if first is None or second is None:
            return index, 0.9
        top, _, foot = first
        over_top, over_bottom, _ = second
        needed = (foot - top) + (over_bottom - over_top)
        return index, (foot - top) / needed if needed > 0 else 1.0

    def _fit(self, pages: list[Any], name: str, knobs: Knobs, edits: _Edits) -> float:
        """The title page, imprint or headline running over its page is set smaller, down to
        `--title-min-scale` of its size."""
        found = self._overflow(pages, name)
        if found is None:
            return 0.0
        index, ratio = found
        if self.scales[name] > knobs.title_min_scale:
            # Type set smaller also wraps into fewer lines: the height falls faster than the size.
            edits.scales[name] = max(knobs.title_min_scale, round(self.scales[name] * ratio ** (1 / 1.5) * 0.97, 3))
            edits.at[name] = -1 if name != "article-header" else index  # the front matter moves all after it
        return 1.0

    def _final(self, pages: list[Any], knobs: Knobs) -> None:
        names = (("titlepage", "imprint") if self.front else ()) + (("article-header",) if self.body else ())
        for name in names:
            if self._overflow(pages, name) is None:
                continue
            what = FITTED[name][1]
            size = (f"even set at {self.scales[name] * 100:.0f} % of its size" if self.scales[name] < 1 else
                    "and the layouts composition may try were spent on the pages before it")
            allow = (f"or let styles/print.css set smaller type ({FITTED[name][0]} goes down to --title-min-scale, "
                     f"now {knobs.title_min_scale:g}) or choose a larger trim")
            if name == "titlepage":
                self.problems.append(Problem(("title",), f"{what} does not fit its page: the title, subtitle and "
                                             f"names run onto a second page, {size}",
                                             "shorten the title or subtitle (a long subtitle can go in "
                                             f"`description`), {allow}"))
            elif name == "imprint":
                self.problems.append(Problem(("imprint",), f"{what} does not fit its page, {size}",
                                             f"shorten what it prints (rights, source, the title), {allow}"))
            else:
                texts = [i for _, i in spilled(pages, name, "-title") if i]
                self.problems.append(Problem(("title",), f"{what} does not fit its opening page: the title, "
                                             f"subtitle, standfirst and byline run onto the next page, {size}",
                                             f"shorten the title or standfirst, {allow}",
                                             texts[0].removesuffix("-title") if texts else ""))


def compose(render: Callable[[str], Any], composer: Composer) -> Any:
    """Lays the composer's HTML out with `render`, as many times as composition edits it.

    The best layout so far is kept, so that going back to it after edits that did not help costs no
    layout of its own.
    """
    from publish.engine.justify import reusing_fits

    best: tuple[str, Any] | None = None
    with reusing_fits():  # a paragraph the edit did not touch keeps its lines
        while True:
            html = composer.html
            document = best[1] if best is not None and best[0] == html else render(html)
            if not composer.review(document.pages):
                return document
            if composer.best_html == html:
                best = (html, document)


def report(publication: Any, problems: list[Problem], diags: Any) -> None:
    """Composition's unsolved problems as warnings at their publication.toml lines."""
    from publish.manuscript.schema import METADATA_FILE

    meta = publication.metadata
    for problem in problems:
        if problem.text:
            article = next((a for a in publication.articles if a.id == problem.text), None)
            if article is not None:
                path = publication.root / article.source
                diags.warning(path, _front_matter_line(path, "title"), problem.message, problem.hint)
                continue
        key = problem.key
        if key == ("imprint",):  # the longest piece it prints is the one to shorten
            pieces = {"rights": meta.rights, "source": meta.source, "title": meta.title + meta.subtitle}
            key = (max(pieces, key=lambda name: len(pieces[name])),)
        diags.warning(publication.root / METADATA_FILE, publication.metadata_line(*key), problem.message, problem.hint)


def _front_matter_line(path: Any, key: str) -> int | None:
    """The line of `key = …` in a text's front matter (between its +++ lines)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    fences = 0
    for number_, line in enumerate(lines, start=1):
        if line.strip() == "+++":
            fences += 1
            if fences == 2:
                return None
        elif fences == 1 and re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number_
    return None
