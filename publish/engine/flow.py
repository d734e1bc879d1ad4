"""What a laid-out text's pages hold, in the terms page composition decides on.

Why here: page composition (editions/print/composition.py) looks at where WeasyPrint put things (a
photo pushed to the next column, a pull quote beside the sentence it repeats, a drop cap with one line
beside it, a title page running over) and edits the HTML before laying it out again. Reading the
laid-out boxes is WeasyPrint's internals, so it is done here, into plain values: per page, the rows of
a text's multi-column body (runs of columns and the elements spanning them), the top-level blocks in
each column with their extent and line count, and the room left at each column's foot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from publish.engine.boxes import children, descendants, element, page_root, tag


@dataclass(frozen=True)
class Block:
    """One top-level block of a text's body (or the part of it) on one page, in CSS px."""

    id: str
    tag: str
    classes: frozenset[str]
    top: float
    bottom: float  # of its margin box
    lines: int  # its own line boxes (a paragraph's), 0 for a photo or an aside
    image: float = 0.0  # the height of the photo in it (a figure's), 0 for none

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class Column:
    blocks: tuple[Block, ...]
    top: float
    bottom: float  # where its content ends
    limit: float  # how far it could run: its run's height, or the body's foot on the page for the last run

    @property
    def room(self) -> float:
        return max(0.0, self.limit - self.bottom)


@dataclass(frozen=True)
class Row:
    """Either a run of columns or one element spanning them."""

    columns: tuple[Column, ...] = ()
    spanning: Block | None = None


@dataclass(frozen=True)
class BodyPage:
    """A page of a text's body: its rows, and the height the body may fill on it."""

    index: int
    rows: tuple[Row, ...]
    text: str  # the id of the element holding the body (the text's section), "" if none
    top: float
    foot: float  # the top of the footnote area, or the foot of the page's content box
    height: float  # the page's content height (the type area), whatever the notes take

    def blocks(self) -> list[Block]:
        """Its blocks in reading order: column by column, row by row."""
        out: list[Block] = []
        for row in self.rows:
            if row.spanning is not None:
                out.append(row.spanning)
            for column in row.columns:
                out.extend(column.blocks)
        return out


def _classes(found: Any) -> frozenset[str]:
    return frozenset((found.get("class") or "").split()) if found is not None else frozenset()


def _lines(box: Any) -> int:
    """A block's own lines, with those WeasyPrint wraps in an anonymous block of the same element
    (beside a float: a drop cap)."""
    own = element(box)
    count = 0
    for child in children(box):
        if type(child).__name__ == "LineBox":
            count += 1
        elif type(child).__name__ == "BlockBox" and element(child) is own:
            count += _lines(child)
    return count


def _block(box: Any) -> Block | None:
    found = element(box)
    if found is None or "::" in tag(box):
        return None
    lines = _lines(box)
    top = box.position_y
    image = max((float(child.height) for child in descendants(box) if type(child).__name__.endswith("ReplacedBox")),
                default=0.0) if tag(box) == "figure" else 0.0
    return Block(found.get("id") or "", tag(box), _classes(found), top, top + box.margin_height(), lines, image)


def _is_body(box: Any, body_class: str) -> bool:
    """The multi-column box of a text's body (not one of its columns)."""
    if body_class not in _classes(element(box)) or getattr(box, "is_column", False) or "::" in tag(box):
        return False
    style = getattr(box, "style", None)
    return style is not None and (style["column_width"] != "auto" or style["column_count"] != "auto")


def _foot(root: Any) -> float:
    for child in children(root):
        if type(child).__name__ == "FootnoteAreaBox" and children(child):
            return float(child.position_y)
    return float(root.content_box_y() + root.height)


def _body_boxes(box: Any, body_class: str, text: str = "") -> list[tuple[Any, str]]:
    """The body boxes under `box`, each with the id of its nearest enclosing element that has one."""
    if _is_body(box, body_class):
        return [(box, text)]
    if type(box).__name__ in ("MarginBox", "FootnoteAreaBox", "LineBox"):
        return []
    own = element(box)
    text = (own.get("id") if own is not None and "::" not in tag(box) else None) or text
    return [found for child in children(box) for found in _body_boxes(child, body_class, text)]


def _rows(body: Any, foot: float) -> tuple[Row, ...]:
    rows: list[Row] = []
    run: list[Any] = []

    def close(last: bool) -> None:
        if not run:
            return
        limit = foot if last else max(c.position_y + c.margin_height() for c in run)
        columns = []
        for column in run:
            blocks = tuple(b for b in (_block(child) for child in children(column)) if b is not None)
            bottom = blocks[-1].bottom if blocks else column.position_y
            columns.append(Column(blocks, float(column.position_y), bottom, limit))
        rows.append(Row(columns=tuple(columns)))
        run.clear()

    for child in children(body):
        if getattr(child, "is_column", False):
            run.append(child)
            continue
        close(False)
        block = _block(child)
        if block is not None:
            rows.append(Row(spanning=block))
    close(True)
    return tuple(rows)


def body_pages(pages: list[Any], body_class: str = "body") -> list[BodyPage]:
    """Every page holding a multi-column body (`class="body"`), with its rows."""
    out = []
    for index, page in enumerate(pages):
        root = page_root(page)
        bodies = _body_boxes(root, body_class)
        if not bodies:
            continue
        foot = _foot(root)
        rows = tuple(row for body, _ in bodies for row in _rows(body, foot))
        out.append(BodyPage(index, rows, bodies[0][1], float(root.content_box_y()), foot, float(root.height)))
    return out


@dataclass(frozen=True)
class Initial:
    """A drop cap: the page it is on and the lines of its paragraph beside it, in its column."""

    page: int
    paragraph: str  # the paragraph's id
    lines: int
    continues: bool  # the paragraph goes on in the next column or on the next page


def initials(pages: list[Any], initial_class: str = "initial") -> list[Initial]:
    """Each drop cap (an element of `initial_class`) with the line count of its paragraph's piece holding it."""
    found: list[Initial] = []
    seen: set[str] = set()
    for index, page in enumerate(pages):
        for paragraph in _paragraphs_with(page_root(page), initial_class):
            own = element(paragraph)
            name = own.get("id") or ""
            if name in seen:
                continue
            seen.add(name)
            inside = {id(box) for box in _descend(paragraph)}
            later = [box for at in (index, index + 1) if at < len(pages) for box in _descend(page_root(pages[at]))
                     if element(box) is own and id(box) not in inside and type(box) is type(paragraph)]
            found.append(Initial(index, name, _lines(paragraph), bool(later)))
    return found

def _paragraphs_with(box: Any, initial_class: str) -> list[Any]:
    """The paragraph boxes (the pieces of them) that hold an element of `initial_class`."""
    out: list[Any] = []

    def visit(current: Any, paragraph: Any) -> None:
        if type(current).__name__ in ("MarginBox", "FootnoteAreaBox"):
            return
        if tag(current) == "p":
            paragraph = current
        if paragraph is not None and initial_class in _classes(element(current)) and "::" not in tag(current):
            if paragraph not in out:
                out.append(paragraph)
            return
        for child in children(current):
            visit(child, paragraph)

    visit(box, None)
    return out


def _descend(box: Any) -> list[Any]:
    out = [box]
    for child in children(box):
        if type(child).__name__ not in ("MarginBox", "LineBox"):
            out.extend(_descend(child))
    return out


def extent(pages: list[Any], element_class: str, page: int) -> tuple[float, float, float] | None:
    """(top, bottom of what it holds, bottom of the page's content box) of the element's box on a page."""
    root = page_root(pages[page])
    for box in _descend(root):
        if element_class in _classes(element(box)) and "::" not in tag(box):
            inside = [child for child in descendants(box) if type(child).__name__ != "TextBox"]
            top = min(float(child.position_y) for child in inside)
            bottom = max(float(child.position_y + child.margin_height()) for child in inside)
            return top, bottom, float(root.content_box_y() + root.height)
    return None


def custom_property(pages: list[Any], name: str) -> tuple[Any, ...] | None:
    """A CSS custom property's tokens as the root element has it (`--photo-room` → its value), or None."""
    if not pages:
        return None
    for box in _descend(page_root(pages[0])):
        if tag(box) == "html":
            try:
                value = box.style["__" + name.removeprefix("--").replace("-", "_")]
            except KeyError:
                return None
            return tuple(value) if value else None
    return None


def number(tokens: tuple[Any, ...] | None, default: float) -> float:
    """The first number (or percentage, as a share) among a custom property's tokens."""
    for token in tokens or ():
        kind = getattr(token, "type", "")
        if kind == "number":
            return float(token.value)
        if kind == "percentage":
            return float(token.value) / 100
    return default


def spilled(pages: list[Any], element_class: str, marker_suffix: str = "") -> list[tuple[int, str]]:
    """Elements of `element_class` that run from one page onto the next: (the page they start on, the id
    of their first descendant whose id ends with `marker_suffix`, or "")."""
    out = []
    for index in range(len(pages) - 1):
        here = [box for box in _descend(page_root(pages[index]))
                if element_class in _classes(element(box)) and "::" not in tag(box)]
        there = [box for box in _descend(page_root(pages[index + 1]))
                 if element_class in _classes(element(box)) and "::" not in tag(box)]
        for box in here:
            if any(element(other) is element(box) for other in there):
                ids = [element(b).get("id") for b in descendants(box) if element(b) is not None
                       and (element(b).get("id") or "").endswith(marker_suffix) and marker_suffix]
                out.append((index, ids[0] if ids else ""))
    return out


def crowded(pages: list[Any], element_class: str) -> list[int]:
    """Pages on which an element of `element_class` holds more than its box: its lines run out of it or
    onto each other (the imprint, a fixed-height flex box at the foot of its page, overflows at its top
    and WeasyPrint's flex layout shrinks its paragraphs onto each other)."""
    found = []
    for index, page in enumerate(pages):
        for box in _descend(page_root(page)):
            if element_class not in _classes(element(box)) or "::" in tag(box):
                continue
            lines = [line for line in descendants(box) if type(line).__name__ == "LineBox"]
            head, foot = box.content_box_y(), box.content_box_y() + box.height
            if any(line.position_y < head - 1 or line.position_y + line.height > foot + 1 for line in lines) or any(
                    a.position_y - 1 <= b.position_y < a.position_y + a.height - 1
                    for a, b in zip(lines, lines[1:], strict=False)):
                found.append(index)
                break
    return found
