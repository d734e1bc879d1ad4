"""Reading WeasyPrint's laid-out boxes: one walker, and the few facts the editions need from a page.

Why here: boxes are WeasyPrint's internal formatting structure, not its public API. Everything that
looks inside a laid-out page (where a page's reading flow begins, where a photo landed and at what
size, which front-matter pieces set page state) asks this module, so a WeasyPrint release that
changes a shape breaks one place, loudly (tests/test_engine.py checks each shape). The one change
made to laid-out boxes is here too: a photo shown from another file of the same size, for one more
write of the same pages (`photos_shown_from`).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

S = TypeVar("S")

# Boxes that are not the page's reading flow: running heads and folios, the print footnote area.
OUTSIDE_FLOW = {"MarginBox", "FootnoteAreaBox"}
# Generated content that exists only in print (list numbers, ornaments), so it is not counted.
GENERATED = ("::marker", "::before", "::after")


def page_root(page: Any) -> Any:
    """The page box of a laid-out `weasyprint.Page` (or the page box itself, as the page maker makes it)."""
    return getattr(page, "_page_box", page)


def children(box: Any, placed: bool = False) -> list[Any]:
    """A box's children; with `placed`, absolutely positioned ones (full-page photos) as the boxes they hold."""
    found = getattr(box, "children", None) or ()
    if not placed:
        return list(found)
    from weasyprint.layout.absolute import AbsolutePlaceholder

    return [child._box if isinstance(child, AbsolutePlaceholder) else child for child in found]


def walk(box: Any, visit: Callable[[Any, S], S | None], state: S, placed: bool = False) -> None:
    """Calls visit(box, state) in document order; its result is the children's state, None skips them."""
    inner = visit(box, state)
    if inner is None:
        return
    for child in children(box, placed):
        walk(child, visit, inner, placed)


def descendants(box: Any, placed: bool = False) -> Iterator[Any]:
    """Every box under (and including) `box`, in document order (see `children` for `placed`)."""
    found: list[Any] = []
    walk(box, lambda b, s: found.append(b) or s, True, placed)
    yield from found


def tag(box: Any) -> str:
    """The box's element tag, with '::before' and the like for generated boxes; '' for anonymous ones."""
    return getattr(box, "element_tag", "") or ""


def element(box: Any) -> Any:
    """The HTML element a box was made for (an lxml/ElementTree element), or None."""
    found = getattr(box, "element", None)
    return found if found is not None and hasattr(found, "get") else None


def own_element(box: Any) -> Any:
    """The element, for the element's own box only (not its ::marker, ::before or footnote call)."""
    return element(box) if "::" not in tag(box) else None


def reading_flow(page: Any) -> Iterator[tuple[tuple[str, ...], str | None]]:
    """(ids of enclosing elements, text or None for an image) for each leaf of a page's reading flow.

    Running heads, folios and the footnote area are left out, as are print-only generated content
    and aria-hidden elements (pull quotes repeat the text).
    """
    leaves: list[tuple[tuple[str, ...], str | None]] = []

    def visit(box: Any, chain: tuple[str, ...]) -> tuple[str, ...] | None:
        if type(box).__name__ in OUTSIDE_FLOW or tag(box).endswith(GENERATED):
            return None
        found = element(box)
        if found is not None:
            if found.get("aria-hidden") == "true":
                return None
            anchor = found.get("id")
            if anchor and "::" not in tag(box) and (not chain or chain[-1] != anchor):  # a note call is not its note
                chain = (*chain, anchor)
        text = getattr(box, "text", None)
        if isinstance(text, str):
            leaves.append((chain, text))
            return None
        if not children(box) and type(box).__name__.endswith("ReplacedBox"):
            leaves.append((chain, None))
        return chain

    walk(page_root(page), visit, ())
    yield from leaves


@dataclass(frozen=True)
class PlacedImage:
    """An <img> as laid out: its figure, its pixels, the box it fills (CSS px) and how it fills it."""

    figure_id: str
    pixels: tuple[int, int]
    box: tuple[float, float]
    fit: str  # object-fit: fill, contain, cover, none, scale-down
    position: tuple[Any, ...]  # object-position as WeasyPrint computed it


def placed_images(page: Any, figure_ids: set[str]) -> Iterator[PlacedImage]:
    """Each image inside one of `figure_ids`' figures on the page, with the size it was laid out at."""
    from weasyprint.formatting_structure.boxes import ReplacedBox

    figure_id = ""
    for box in descendants(page_root(page), placed=True):
        found = element(box)
        if found is not None and tag(box) == "figure" and found.get("id") in figure_ids:
            figure_id = found.get("id")
        if not isinstance(box, ReplacedBox) or tag(box) != "img" or figure_id not in figure_ids:
            continue
        image = box.replacement
        yield PlacedImage(figure_id, (int(image.width or 0), int(image.height or 0)),
                          (float(box.width), float(box.height)), str(box.style["object_fit"]),
                          tuple(box.style["object_position"] or ()))
        figure_id = ""


def counter_names(style: Any, *properties: str) -> set[str]:
    """The counters a computed style names in these properties (counter_reset, counter_set…)."""
    return {name for prop in properties if isinstance(style[prop], tuple) for name, _ in style[prop]}


def sets_page_state(box: Any) -> bool:
    """Whether the box sets a named string, is a running element, or changes a counter other than pages'."""
    style = getattr(box, "style", None)
    return style is not None and (
        style["string_set"] not in ("none", None) or isinstance(style["position"], tuple)
        or bool(counter_names(style, "counter_increment", "counter_reset", "counter_set")
                - {"page", "pages", "list-item"}))


def marked_state_setters(pages: list[Any], attribute: str) -> set[int]:
    """The values of `attribute` (an int per marked element) whose boxes, or boxes inside, set page state."""
    found: set[int] = set()

    def visit(box: Any, piece: int) -> int:
        own = own_element(box)
        if own is not None and own.get(attribute) is not None:
            piece = int(own.get(attribute))
        if piece >= 0 and piece not in found and sets_page_state(box):
            found.add(piece)
        return piece

    for page in pages:
        walk(page_root(page), visit, -1)
    return found


def running_elements_used(context: Any) -> bool:
    """Whether a layout made any running element (position: running()): WeasyPrint takes them out of the boxes."""
    return context is not None and any(context.running_elements.get(name) for name in context.running_elements)


@dataclass(frozen=True)
class WideTable:
    """A table laid out wider than the block it stands in: its nearest id, and both widths (CSS px)."""

    anchor: str
    width: float
    room: float


def overflowing_tables(page: Any, tolerance: float = 1.0) -> Iterator[WideTable]:
    """Each table on the page wider than its containing block (its cells cannot be set any narrower)."""
    found: list[WideTable] = []

    def visit(box: Any, state: tuple[float | None, str]) -> tuple[float | None, str] | None:
        room, anchor = state
        own = own_element(box)
        if own is not None and own.get("id"):
            anchor = own.get("id")
        kind = type(box).__name__
        if getattr(box, "is_table_wrapper", False):
            table = next((c for c in children(box) if type(c).__name__ == "TableBox"), None)
            if table is not None:
                table_element = own_element(table)
                if table_element is not None and table_element.get("id"):
                    anchor = table_element.get("id")
                width = float(table.border_width())
                if room is not None and width > room + tolerance:
                    found.append(WideTable(anchor, width, room))
            return None
        if kind in ("BlockBox", "PageBox", "FlexBox") and isinstance(getattr(box, "width", None), (int, float)):
            room = float(box.width)
        return room, anchor

    walk(page_root(page), visit, (None, ""))
    yield from found


@contextlib.contextmanager
def photos_shown_from(pages: list[Any], files: dict[str, str], url_fetcher: Any) -> Iterator[bool]:
    """The pages' photos loaded from `files` (URL → the URL of another file) while the block writes them.

    Why: the archive's copy of a photo (a CMYK master shown in sRGB) has the same pixels' size as
    print's, so the archive's pages are print's pages with other image data; writing print's layout
    again with them spares laying the text out twice. Gives False, and changes nothing, unless every
    file has the size of the one it replaces and shows on the pages: only then is the layout the same.
    """
    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.images import RasterImage, get_image_from_uri

    by_id = {hashlib.md5(url.encode(), usedforsecurity=False).hexdigest(): url for url in files}  # WeasyPrint's id
    shown: set[str] = set()
    swapped: list[tuple[Any, Any]] = []
    cache: dict[str, Any] = {}
    same = True
    for page in pages if files else ():
        for box in descendants(page_root(page), placed=True):
            image = getattr(box, "replacement", None)
            url = by_id.get(getattr(image, "id", None) or "")
            if url is None:
                continue
            if not isinstance(image, RasterImage):
                same = False
                break
            options = {**DEFAULT_OPTIONS, "jpeg_quality": image._jpeg_quality, "dpi": image._dpi,
                       "optimize_images": image.optimize}  # as the layout loaded the one it replaces
            other = get_image_from_uri(cache, url_fetcher, options, files[url],
                                       orientation=box.style["image_orientation"])
            if not isinstance(other, RasterImage) or (other.width, other.height) != (image.width, image.height):
                same = False
                break
            swapped.append((box, image))
            box.replacement = other
            shown.add(url)
        if not same:
            break
    try:
        yield same and shown == set(files)
    finally:
        for box, image in swapped:
            box.replacement = image
