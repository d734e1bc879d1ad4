"""Lays a book's texts out side by side, one process each, with the folios and contents numbers of the book.

Why: layout is most of a book's build and WeasyPrint uses one core. Each text (publish/split.py) is
laid out in a pool of processes; what a text cannot know alone, where it starts in the book, comes
from the texts before it once their layout is done: every process publishes its text's shape (pages,
the side it must start on, its page counter) on a shared board and, before WeasyPrint draws the
margin boxes, waits for the shapes before its own and shifts its page counter by the difference.
Layout, the expensive part, never waits. The front matter is laid out last, with the contents' page
numbers now known, and publish/merge.py joins the parts. The same parts are laid out the same way
with one process (`--jobs 1`), so a build's bytes do not depend on the machine's cores.

A text whose styles read page numbers inside it (target-counter() outside the front matter) cannot
be laid out alone: the caller then lays the book out whole.
"""

from __future__ import annotations

import copy
import os
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from publish.actualtext import actual_text
from publish.diagnostics import Diagnostic, Diagnostics
from publish.jobs import process_context
from publish.model import Publication
from publish.pagemap import PrintPage, page_starts
from publish.preflight import PhotoReport, check_resolution
from publish.progress import item
from publish.resources import Gate
from publish.split import PART_MARK, Split, front_css

SIDED = ("left", "right", "recto", "verso")


class Unsplittable(Exception):
    """The book cannot be laid out text by text exactly; it is laid out whole instead."""


class Aborted(Exception):
    """Another text failed: the one waiting for it stops."""


# Shapes and places: arithmetic of the book's page sequence --------------------------------------


@dataclass(frozen=True)
class Shape:
    """What a text's own layout tells the texts after it."""

    parity: int  # -1: may start on any page; 0 or 1: the parity of its first page's index (its side)
    pages: int
    counter_first: int  # its page counter on its first page, laid out alone
    counter_last: int
    restarts: bool  # the counter is reset on its first page (the first text: folio 1)
    resets_inside: bool  # … or later inside it


@dataclass(frozen=True)
class FrontShape:
    pages: int  # pages before the first text, blank pages included
    counter_last: int  # the page counter on the last of them


@dataclass(frozen=True)
class Place:
    """Where a text goes in the book."""

    first: int  # index of its first page
    blank: bool  # a blank page before it, so it starts on its side
    counter_first: int
    offset: int  # added to its own page counter until the counter is reset inside it


def places(front: FrontShape, shapes: list[Shape]) -> list[Place]:
    """The texts' places, as one layout of the whole book would give them."""
    index, counter = front.pages, front.counter_last
    out = []
    for shape in shapes:
        blank = shape.parity >= 0 and index % 2 != shape.parity
        first = index + blank
        counter_first = shape.counter_first if shape.restarts else counter + 1 + blank
        offset = counter_first - shape.counter_first
        out.append(Place(first, blank, counter_first, offset))
        index = first + shape.pages
        counter = shape.counter_last if shape.resets_inside else shape.counter_last + offset
    return out


# The board: shapes shared between processes -------------------------------------------------------

_PENDING, _READY, _FAILED = 0, 1, 2
_WIDTH = 7


class Board:
    """Shared memory holding the front matter's and each text's shape, with a condition to wait on."""

    def __init__(self, context: Any, texts: int):
        self.texts = texts
        self.cells = context.Array("q", (texts + 1) * _WIDTH + 1, lock=False)
        self.condition = context.Condition()

    def publish_front(self, front: FrontShape) -> None:
        self._write(0, (_READY, front.pages, front.counter_last, 0, 0, 0, 0))

    def publish(self, index: int, shape: Shape) -> None:
        self._write(index + 1, (_READY, shape.parity, shape.pages, shape.counter_first, shape.counter_last,
                                int(shape.restarts), int(shape.resets_inside)))

    def fail(self, index: int | None = None) -> None:
        with self.condition:
            if index is None:
                self.cells[len(self.cells) - 1] = 1
            else:
                self.cells[(index + 1) * _WIDTH] = _FAILED
            self.condition.notify_all()

    def place(self, index: int, parent: int | None = None) -> Place:
        """Text `index`'s place; waits until the front matter and every earlier text are laid out."""
        with self.condition:
            while True:
                states = [self.cells[slot * _WIDTH] for slot in range(index + 2)]
                if self.cells[len(self.cells) - 1] or _FAILED in states:
                    raise Aborted("another part of the book failed")
                if all(state == _READY for state in states):
                    break
                self.condition.wait(0.5)
                if parent is not None and os.getppid() != parent:
                    raise Aborted("the build was stopped")
            return places(self._front(), [self._shape(i) for i in range(index + 1)])[index]

    def _front(self) -> FrontShape:
        cells = self.cells[0:_WIDTH]
        return FrontShape(cells[1], cells[2])

    def _shape(self, index: int) -> Shape:
        c = self.cells[(index + 1) * _WIDTH:(index + 2) * _WIDTH]
        return Shape(c[1], c[2], c[3], c[4], bool(c[5]), bool(c[6]))

    def _write(self, slot: int, values: tuple[int, ...]) -> None:
        with self.condition:
            self.cells[slot * _WIDTH + 1:(slot + 1) * _WIDTH] = list(values[1:])
            self.cells[slot * _WIDTH] = values[0]
            self.condition.notify_all()


# Hooking WeasyPrint's margin boxes -------------------------------------------------------------

_hook: Callable[[Any, Any, Any], Any] | None = None


def available() -> bool:
    """Whether this WeasyPrint lays out pages and margin boxes where the folio hook expects them."""
    import weasyprint.layout as layout

    return callable(getattr(layout, "make_all_pages", None)) and callable(getattr(layout, "make_margin_boxes", None))


def _install() -> None:
    """Wraps WeasyPrint's page maker (to keep the laid-out pages) and margin-box maker (to shift folios)."""
    import weasyprint.layout as layout

    if getattr(layout.make_margin_boxes, "publish_hook", False):
        return
    make_all_pages, make_margin_boxes = layout.make_all_pages, layout.make_margin_boxes

    def all_pages(context: Any, *args: Any) -> Iterator[Any]:
        pages = list(make_all_pages(context, *args))
        context.publish_pages = pages
        yield from pages

    def margin_boxes(context: Any, page: Any, state: Any) -> Any:
        if _hook is not None:
            state = _hook(context, page, state)
        return make_margin_boxes(context, page, state)

    margin_boxes.publish_hook = True  # type: ignore[attr-defined]
    layout.make_all_pages = all_pages
    layout.make_margin_boxes = margin_boxes


@contextmanager
def _hooked(hook: Callable[[Any, Any, Any], Any]) -> Iterator[None]:
    global _hook
    _install()
    _hook = hook
    try:
        yield
    finally:
        _hook = None


def _counter(context: Any, index: int) -> int:
    values = context.page_maker[index + 1][3][1].get("page") or [0]
    return int(values[-1])


def _resets_page(page: Any) -> bool:
    for name in ("counter_reset", "counter_set"):
        value = page.style[name]
        if value not in ("none", None) and any(counter == "page" for counter, _ in value):
            return True
    return False


def _descendants(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()) or ():
        yield from _descendants(child)


def _marked(page: Any, mark: str) -> Any:
    for box in _descendants(page):
        element = getattr(box, "element", None)
        if element is not None and box.element_tag and "::" not in box.element_tag \
                and element.get(PART_MARK) == mark:
            return box
    return None


def _side(box: Any) -> bool:
    """Whether the text's first box (or the first boxes inside it) asks for a page side."""
    while box is not None:
        if box.style["break_before"] in SIDED:
            return True
        children = [child for child in getattr(box, "children", ()) or () if getattr(child, "element", None)
                    is not None]
        box = children[0] if children else None
    return False


class _Folios:
    """The margin-box hook of one text: finds where the text starts, publishes its shape, shifts its folios."""

    def __init__(self, mark: str, on_shape: Callable[[Shape], int], text: bool = True):
        self.mark = mark
        self.on_shape = on_shape
        self.text = text
        self.inherited: set[str] = set()  # named strings and running elements shown before the text sets them
        self.first = -1
        self.until = 0
        self.offset = 0
        self.counters: list[int] = []
        self.context: Any = None

    def __call__(self, context: Any, page: Any, state: Any) -> Any:
        if self.context is None:
            self.context = context
            self._measure(context)
        index = context.current_page - 1
        if self.offset and self.first <= index < self.until:
            state = copy.deepcopy(state)
            values = state[1].get("page")
            if values:
                state[1]["page"] = [*values[:-1], values[-1] + self.offset]
        return state

    def _measure(self, context: Any) -> None:
        pages = context.publish_pages
        self.counters = [_counter(context, i) for i in range(len(pages))]
        first_box = None
        for index, page in enumerate(pages):
            first_box = _marked(page, self.mark)
            if first_box is not None:
                self.first = index
                break
        if first_box is None:
            raise Unsplittable("a text has no page of its own")
        if self.text and not _side(first_box):  # where it lands decides its margins: only the whole book knows
            raise Unsplittable("a text does not ask for a side (break-before: recto, verso, left or right)")
        self._track_strings(context)
        resets = [i for i in range(self.first + 1, len(pages)) if _resets_page(pages[i])]
        self.until = resets[0] if resets else len(pages)
        shape = Shape(parity=self.first % 2 if _side(first_box) else -1, pages=len(pages) - self.first,
                      counter_first=self.counters[self.first], counter_last=self.counters[-1],
                      restarts=_resets_page(pages[self.first]), resets_inside=bool(resets))
        self.offset = self.on_shape(shape)

    def _track_strings(self, context: Any) -> None:
        """Notes each named string (or running element) a page of the text shows before the text sets it.

        Its value then comes from before the text: in the book, perhaps from the text before.
        """
        original = context.get_string_or_element_for

        def tracked(store: Any, page: Any, name: str, keyword: str) -> Any:
            if not any(self.first < number <= context.current_page for number in store.get(name, {})):
                self.inherited.add(name)
            return original(store, page, name, keyword)

        context.get_string_or_element_for = tracked

    def strings_set(self) -> set[str]:
        """Named strings and running elements the text itself sets."""
        if self.context is None:
            return set()
        stores = (self.context.string_set, self.context.running_elements)
        return {name for store in stores for name, pages in store.items() if any(n > self.first for n in pages)}

    def counters_from_before(self, pages: list[Any]) -> set[str]:
        """Counters the text increments before resetting them: their values come from the texts before it."""
        reset: set[str] = set()
        outside: set[str] = set()
        for page in pages:
            for box in _descendants(page._page_box):
                if getattr(box, "element_tag", "") in ("html", "body") or not hasattr(box, "style"):
                    continue  # the book's own ancestors: their counters are the same in every part
                style = box.style
                for prop in ("counter_reset", "counter_set"):
                    if isinstance(style[prop], tuple):
                        reset.update(name for name, _ in style[prop])
                if isinstance(style["counter_increment"], tuple):
                    outside.update(name for name, _ in style["counter_increment"]
                                   if name not in reset and name not in ("page", "pages"))
        return outside

    def book_counter(self, index: int) -> int:
        shift = self.offset if self.first <= index < self.until else 0
        return self.counters[index] + shift

    def reads_page_numbers(self) -> bool:
        """Content (not margin boxes) that shows page numbers: exact only in a layout of the whole book."""
        items = self.context.target_collector.counter_lookup_items.values() if self.context else ()
        return any(item.missing_counters or item.missing_target_counters for item in items)


# The processes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """What every process needs to lay out a part of the book; sent once to each."""

    publication: Publication
    sheets: tuple[tuple[str, str], ...]  # ("file", path) or ("string", css), in cascade order
    roots: tuple[Path, ...]  # what the gate admits: manuscript, styles, derived photos
    styles: tuple[Path, ...]  # the styles folders: stylesheets, templates, fonts
    base_url: str
    workdir: Path
    reports: dict[str, PhotoReport] = field(default_factory=dict)
    pdf_options: tuple[tuple[str, Any], ...] = (("pdf_version", "1.6"),)  # how each part's PDF is written


@dataclass
class PartResult:
    """A laid-out, written part of the book, with what the main process needs from its pages."""

    index: int  # -1: the front matter
    pdf: Path
    first: int
    stop: int
    shape: Shape | None
    starts: list[tuple[int, PrintPage]]  # page index within the part, and where that page begins
    anchors: dict[str, int]  # id → its page's number in the book
    diagnostics: list[Diagnostic]
    placements: dict[str, list[tuple[float, float, float]]]
    refused: list[str]
    whole: str = ""  # why the book must be laid out whole instead, if it must
    strings_set: list[str] = field(default_factory=list)  # named strings the text sets
    strings_inherited: list[str] = field(default_factory=list)  # … and shows before setting them


class _Pages:
    def __init__(self, pages: list[Any]):
        self.pages = pages


_process: dict[str, Any] = {}


def _start(setting: Setting, board: Board, parent: int | None) -> None:
    """Per process: stylesheets and fonts are read once, for every part it lays out."""
    gate = Gate(*setting.roots)
    fetcher = gate.fetcher()
    font_config = FontConfiguration()
    sheets = [CSS(filename=value, url_fetcher=fetcher, font_config=font_config) if kind == "file"
              else CSS(string=value, font_config=font_config) for kind, value in setting.sheets]
    _process.update(setting=setting, board=board, parent=parent, gate=gate, font_config=font_config,
                    sheets=sheets, sheet_fetcher=fetcher)


def _render(html: str, hook: _Folios, extra: str = "") -> tuple[Any, list[str]]:
    setting: Setting = _process["setting"]
    fetcher = _process["gate"].fetcher()
    sheets = list(_process["sheets"])
    if extra:
        sheets.append(CSS(string=extra, font_config=_process["font_config"]))
    with _hooked(hook):
        document = HTML(string=html, base_url=setting.base_url, url_fetcher=fetcher).render(
            stylesheets=sheets, font_config=_process["font_config"])
    return document, [*fetcher.refused, *_process["sheet_fetcher"].refused]


def _finish(index: int, document: Any, hook: _Folios, first: int, stop: int, refused: list[str],
            shape: Shape | None) -> PartResult:
    """Checks the part's photos, notes its page starts and anchors, and writes its PDF."""
    setting: Setting = _process["setting"]
    pages = document.pages[first:stop]
    diags = Diagnostics(setting.publication.root)
    reports = copy.deepcopy(setting.reports)
    check_resolution(setting.publication, _Pages(pages), reports, diags)
    starts = page_starts(_Pages(pages), [str(i) for i in range(len(pages))])
    anchors: dict[str, int] = {}
    for i, page in enumerate(pages):  # an element's anchor is on every page it spans: the first counts
        for name in page.anchors:
            anchors.setdefault(name, hook.book_counter(first + i))
    path = setting.workdir / f"part-{index + 1:04d}.pdf"
    with actual_text():  # Khmer and other complex scripts extract as written (publish/actualtext.py)
        document.write_pdf(path, **dict(setting.pdf_options))
    return PartResult(index, path, first, stop, shape, [(int(s.label), s) for s in starts], anchors,
                      diags.items, {n: r.placements for n, r in reports.items() if r.placements}, refused)


def lay_out_text(index: int, html: str) -> PartResult:
    """One text: laid out alone, folios shifted once the texts before it are laid out, written."""
    board: Board = _process["board"]
    shapes: list[Shape] = []

    def on_shape(shape: Shape) -> int:
        shapes.append(shape)
        board.publish(index, shape)
        return board.place(index, _process["parent"]).offset

    hook = _Folios(str(index), on_shape)
    try:
        document, refused = _render(html, hook)
        result = _finish(index, document, hook, hook.first, len(document.pages), refused, shapes[0])
        if hook.reads_page_numbers():
            result.whole = "the styles show page numbers inside a text (target-counter)"
        counters = hook.counters_from_before(document.pages[hook.first:])
        if counters:
            result.whole = f"counters run on from one text into the next: {', '.join(sorted(counters))}"
        result.strings_set = sorted(hook.strings_set())
        result.strings_inherited = sorted(hook.inherited)
        return result
    except BaseException:
        board.fail(index)
        raise


def _lay_out_front(cut: Split, targets: dict[str, int]) -> tuple[Any, _Folios, list[str]]:
    hook = _Folios("front", lambda shape: 0, text=False)
    document, refused = _render(cut.front_html(targets), hook, front_css(targets))
    return document, hook, refused


def _front_shape(hook: _Folios) -> FrontShape:
    return FrontShape(hook.first, hook.counters[hook.first - 1] if hook.first > 0 else 0)


# The main process ---------------------------------------------------------------------------------

_PAGE_POSITION = re.compile(r"@page[^{]*:nth\((?![^)]*\bof\b)", re.I)  # :nth(3n), not :nth(1 of opener)
_TARGET_TEXT = re.compile(r"target-text\s*\(", re.I)


def _whole_book_css(sheets: tuple[tuple[str, str], ...]) -> str:
    """What in the styles only a layout of the whole book can honour, or ""."""
    for kind, value in sheets:
        try:
            css = Path(value).read_text(encoding="utf-8") if kind == "file" else value
        except OSError:
            continue
        if _PAGE_POSITION.search(css):
            return "an @page rule selects pages by their position in the book (:nth without 'of')"
        if _TARGET_TEXT.search(css):
            return "the styles copy text from elsewhere in the book (target-text)"
    return ""



@dataclass
class BookParts:
    """The book laid out part by part: the PDFs to join, in order, and what its pages hold."""

    front: PartResult
    texts: list[PartResult]
    places: list[Place]
    page_count: int
    front_matter_pages: int


def lay_out_book(cut: Split, setting: Setting, jobs: int) -> BookParts:
    """Lays out every text (in `jobs` processes) and then the front matter; Unsplittable if it cannot be exact.

    Texts kept from an earlier build (publish/partcache.py) are not laid out again when they land
    on the same folios: their shapes are on the board from the start, for the others to follow.
    """
    from publish import partcache

    if not available():
        raise Unsplittable("this WeasyPrint lays pages out differently")
    reason = _whole_book_css(setting.sheets)
    if reason:
        raise Unsplittable(reason)
    started = time.time_ns()
    jobs = max(1, min(jobs, cut.count))
    htmls = [cut.text_html(i) for i in range(cut.count)]
    keys: list[str | None] = [None] * cut.count
    shared = ""
    if partcache.parts_folder() is not None:
        shared = (f"{partcache.styles_digest(setting.styles)}\0{setting.base_url}\0{setting.publication.root}"
                  f"\0{setting.pdf_options!r}")
        keys = [partcache.part_key(html, setting.workdir, repr(article), shared)
                for html, article in zip(htmls, setting.publication.articles, strict=True)]
    kept = {i: found for i, key in enumerate(keys) if key and (found := partcache.load(key)) is not None}
    context = process_context()
    board = Board(context, cut.count)
    for i, (result, _) in kept.items():
        if result.shape is not None:
            board.publish(i, result.shape)
    executor: ProcessPoolExecutor | None = None
    futures: dict[int, Future] = {}
    try:
        fresh = [i for i in range(cut.count) if i not in kept]
        if jobs > 1 and len(fresh) > 1:
            executor = ProcessPoolExecutor(min(jobs, len(fresh)), mp_context=context, initializer=_start,
                                           initargs=(setting, board, os.getpid()))
            futures = {i: executor.submit(lay_out_text, i, htmls[i]) for i in fresh}
        _start(setting, board, None)
        front_key = partcache.part_key(cut.front_html({}), setting.workdir, "front", shared) if shared else ""
        front_shape = partcache.load_front(front_key) if front_key else None
        if front_shape is None:
            document, hook, _ = _lay_out_front(cut, {})  # its length, while the texts are laid out
            if hook.first < 0:
                raise Unsplittable("the front matter hides where the texts begin")
            front_shape = _front_shape(hook)
            del document
            if front_key:
                partcache.store_front(front_key, front_shape)
        board.publish_front(front_shape)
        texts: list[PartResult] = []
        for i in range(cut.count):
            if i in kept and board.place(i).offset == kept[i][1]:
                result = kept[i][0]
            else:
                result = futures[i].result() if i in futures else lay_out_text(i, htmls[i])
                if keys[i]:
                    partcache.store(keys[i], result, board.place(i).offset)
            item(i + 1, cut.count, "texts laid out")
            texts.append(result)
    except BaseException:
        board.fail()
        raise
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
    reasons = [t.whole for t in texts if t.whole]
    set_before: set[str] = set()
    for text in texts:  # a running head carried over from the text before cannot be known alone
        carried = set(text.strings_inherited) & set_before
        if carried:
            reasons.append(f"running strings carry over from one text into the next: {', '.join(sorted(carried))}")
        set_before.update(text.strings_set)
    if reasons:
        raise Unsplittable(reasons[0])
    shapes = [t.shape for t in texts if t.shape is not None]
    book = places(front_shape, shapes)
    linked = cut.front_links
    targets = {name: number for text in texts for name, number in text.anchors.items() if name in linked}
    final_key = partcache.part_key(cut.front_html(targets), setting.workdir, "front", shared) if shared else ""
    kept_front = partcache.load(final_key) if final_key else None
    if kept_front is not None:
        front = kept_front[0]
    else:
        document, hook, refused = _lay_out_front(cut, targets)
        if _front_shape(hook) != front_shape:
            raise Unsplittable("the contents' page numbers changed the front matter's length")
        front = _finish(-1, document, hook, 0, hook.first, refused, None)
        if final_key:
            partcache.store(final_key, front, 0)
    if any(keys):
        partcache.prune(started)
    count = book[-1].first + shapes[-1].pages
    return BookParts(front, texts, book, count, book[0].first)


def book_starts(parts: BookParts, labels: list[str]) -> list[PrintPage]:
    """Where each page of the book begins, labelled as the joined PDF labels its pages."""
    out = [replace(start, label=labels[i]) for i, start in parts.front.starts]
    for place, text in zip(parts.places, parts.texts, strict=True):
        out += [replace(start, label=labels[place.first + i]) for i, start in text.starts]
    return out
