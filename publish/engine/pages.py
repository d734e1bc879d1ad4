"""Lets WeasyPrint lay one text of a book out alone and still print the book's folios.

Why: a text laid out in its own process (editions/print/book/texts.py) does not know where it starts in the
book until the texts before it are laid out. Two wrappers around WeasyPrint's page and margin-box
makers, active only while a part is rendered, keep the laid-out pages and, before the margin boxes
are drawn, measure the text (its Shape: pages, side, page counter), hand that over, and shift the
page counter by what comes back. They also notice what only a layout of the whole book can honour
(texts starting on any side, counters and running strings carried from text to text), so the
caller can lay the book out whole instead.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from publish.engine.boxes import counter_names, descendants, own_element, page_root, tag

SIDED = ("left", "right", "recto", "verso")
PART_MARK = "data-publish-part"  # on a text's first element: where its pages begin


class Unsplittable(Exception):
    """The book cannot be laid out text by text exactly; it is laid out whole instead."""


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


_hook: Callable[[Any, Any, Any], Any] | None = None


def available() -> bool:
    """Whether this WeasyPrint lays out pages and margin boxes where the folio hook expects them."""
    import weasyprint.layout as layout
    from weasyprint.layout import LayoutContext

    return (callable(getattr(layout, "make_all_pages", None)) and callable(getattr(layout, "make_margin_boxes", None))
            and callable(getattr(LayoutContext, "get_string_or_element_for", None)))


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
def hooked(hook: Callable[[Any, Any, Any], Any]) -> Iterator[None]:
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
    return "page" in counter_names(page.style, "counter_reset", "counter_set")


def _marked(page: Any, mark: str) -> Any:
    for box in descendants(page):
        element = own_element(box)
        if element is not None and tag(box) and element.get(PART_MARK) == mark:
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


class FolioHook:
    """The margin-box hook of one text: finds where the text starts, publishes its shape, shifts its folios."""

    def __init__(self, mark: str, on_shape: Callable[[Shape], int], text: bool = True,
                 review: Callable[[list[Any]], None] | None = None):
        self.mark = mark
        self.on_shape = on_shape
        self.text = text
        self.review = review  # sees the laid-out pages first, before any shape is published; may raise
        self.inherited: set[str] = set()  # named strings and running elements shown before the text sets them
        self.first = -1
        self.until = 0
        self.offset = 0
        self.counters: list[int] = []
        self.context: Any = None
        self.shape: Shape | None = None

    def __call__(self, context: Any, page: Any, state: Any) -> Any:
        if self.context is None:
            if self.review is not None:
                self.review(context.publish_pages)
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
        try:
            self.shape = self._shape(context)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:  # another WeasyPrint inside
            raise Unsplittable(f"this WeasyPrint keeps its pages differently ({type(exc).__name__}: {exc})") from None
        self.offset = self.on_shape(self.shape)

    def _shape(self, context: Any) -> Shape:
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
        sided = _side(first_box)
        if self.text and not sided:  # where it lands decides its margins: only the whole book knows
            raise Unsplittable("a text does not ask for a side (break-before: recto, verso, left or right)")
        self._track_strings(context)
        resets = [i for i in range(self.first + 1, len(pages)) if _resets_page(pages[i])]
        self.until = resets[0] if resets else len(pages)
        return Shape(parity=self.first % 2 if sided else -1, pages=len(pages) - self.first,
                     counter_first=self.counters[self.first], counter_last=self.counters[-1],
                     restarts=_resets_page(pages[self.first]), resets_inside=bool(resets))

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
            for box in descendants(page_root(page)):
                if tag(box) in ("html", "body") or not hasattr(box, "style"):
                    continue  # the book's own ancestors: their counters are the same in every part
                reset |= counter_names(box.style, "counter_reset", "counter_set")
                outside |= counter_names(box.style, "counter_increment") - reset - {"page", "pages"}
                if tag(box).endswith("::footnote-call") and "footnote" not in reset:
                    outside.add("footnote")  # a note's call counts it without a counter-increment
        return outside

    def book_counter(self, index: int) -> int:
        shift = self.offset if self.first <= index < self.until else 0
        return self.counters[index] + shift

    def reads_page_numbers(self) -> bool:
        """Content (not margin boxes) that shows page numbers: exact only in a layout of the whole book."""
        items = self.context.target_collector.counter_lookup_items.values() if self.context else ()
        return any(item.missing_counters or item.missing_target_counters for item in items)
