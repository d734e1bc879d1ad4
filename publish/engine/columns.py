"""Multi-column layout and the footnote area as a book designer expects them, where WeasyPrint 70 falls short.

1. Notes below the columns. Why: WeasyPrint 70 (and its main branch as of 2025) lays out a multi-
column box as runs of columns separated by spanning elements (`column-span: all`). While it does,
notes called in the columns do not move the page's bottom up (`context.in_column`); the first run
takes its notes into account itself, but each later run, and each spanning element, is measured
against the page bottom as it was before the columns began. So on a page where a note is called
above a pull quote, the columns below the pull quote run down over the footnote rule and the note
(issue 14, the `feature` fixture's page 2).

The fix, active while a document is laid out: at the start of every run of columns and before every
spanning element, the page bottom is lowered by the height the footnote area has grown since the
columns began, as it would be outside columns; on the way out it is set to what WeasyPrint itself
computes at the end of the columns. Within one run nothing changes: WeasyPrint's own handling of the
notes called in that run stays as it is.

2. Column rules between right-to-left columns. Why: WeasyPrint draws a column rule in the gap before
each column but the first, measured from that column's left edge. Right-to-left columns run from the
right, so the second column is the left one, and the rule came out to the left of it: outside the
columns, in the margin (an Arabic text in a left-to-right book). This wrapper draws the rules of a
right-to-left multi-column box in the gap on the column's right instead; left-to-right boxes are
drawn by WeasyPrint's own code.

3. Footnotes at book speed: the footnote area measured once per set of notes, not once per try.
Why: each time a note is added to a page, taken off again (a line that did not fit) or moved to the
next page, WeasyPrint lays the page's whole footnote area out anew to learn its height. Inside
columns it also lays the page's columns out again for each new height, and takes every note off
and puts it back on each of those passes. A page of k notes so lays out its notes some k² times per
pass: a page with notes cost about ten times one without, and a paragraph with thousands of notes
ran for minutes. The area's height depends only on which notes it holds (and the page it is on),
so it is kept by that set, and each set is laid out once (`install_footnotes`). Installed only over
the WeasyPrint whose method it replaces (checked by its source), so a release that changes footnote
layout keeps its own code instead of a stale copy of the old one.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from math import inf
from typing import Any


def _footnotes_height(context: Any) -> float:
    area = context.current_footnote_area
    return 0 if area is None or area.height == "auto" else area.margin_height()


@dataclass
class _Columns:
    """One multi-column box being laid out: the page bottom and footnote area height when it began."""

    context: Any
    page_bottom: float
    footnotes: float
    runs: set[int] = field(default_factory=set)  # id() of each run's children list already begun

    def lower(self) -> None:
        self.context.page_bottom = self.page_bottom - (_footnotes_height(self.context) - self.footnotes)


_open: list[_Columns] = []


def available() -> bool:
    """Whether this WeasyPrint lays out columns with the functions the fix wraps."""
    import weasyprint.layout.column as column

    return all(callable(getattr(column, name, None))
               for name in ("columns_layout", "_create_column_box", "resolve_percentages"))


def _wrapped(column: Any) -> tuple[Any, Any, Any]:
    layout, create, resolve = column.columns_layout, column._create_column_box, column.resolve_percentages

    def columns_layout(context: Any, box: Any, *args: Any, **kwargs: Any) -> Any:
        state = _Columns(context, context.page_bottom, _footnotes_height(context))
        _open.append(state)
        try:
            result = layout(context, box, *args, **kwargs)
        finally:
            _open.pop()
        if result[0] is None:  # nothing laid out: WeasyPrint left the page bottom alone
            context.page_bottom = state.page_bottom
        else:  # what WeasyPrint computes at the end, from the page bottom it started with
            state.lower()
        return result

    def create_column_box(box: Any, containing_block: Any, children: Any, *args: Any) -> Any:
        if _open and id(children) not in _open[-1].runs:  # a run of columns begins (its first box)
            _open[-1].runs.add(id(children))
            _open[-1].lower()
        return create(box, containing_block, children, *args)

    def resolve_percentages(box: Any, *args: Any, **kwargs: Any) -> Any:
        if _open and box.style["column_span"] == "all":  # a spanning element is about to be laid out
            _open[-1].lower()
        return resolve(box, *args, **kwargs)

    return columns_layout, create_column_box, resolve_percentages


@contextmanager
def notes_below_columns() -> Iterator[None]:
    """While a document is rendered, multi-column runs after a spanning element leave room for the notes."""
    import weasyprint.layout.block as block
    import weasyprint.layout.column as column

    if getattr(column.columns_layout, "publish_columns", False) or not available():  # nested, or another WeasyPrint
        yield
        return
    originals = (column.columns_layout, column._create_column_box, column.resolve_percentages,
                 block.columns_layout)
    layout, create, resolve = _wrapped(column)
    layout.publish_columns = True  # type: ignore[attr-defined]
    column.columns_layout = block.columns_layout = layout
    column._create_column_box, column.resolve_percentages = create, resolve
    try:
        yield
    finally:
        (column.columns_layout, column._create_column_box, column.resolve_percentages,
         block.columns_layout) = originals
        _open.clear()


def rules_available() -> bool:
    """Whether this WeasyPrint draws column rules with the functions the RTL wrapper replaces."""
    import weasyprint.draw.border as border

    return callable(getattr(border, "draw_column_rules", None)) and callable(getattr(border, "draw_rect_border", None))


def install_rules() -> None:
    """Wraps WeasyPrint's column-rule drawing (once per process)."""
    import weasyprint.draw.border as border

    if getattr(border.draw_column_rules, "publish_columns", False):
        return
    original = border.draw_column_rules

    def draw_column_rules(stream: Any, box: Any) -> None:
        if box.style["direction"] != "rtl":
            original(stream, box)
            return
        _draw_rtl(stream, box)

    draw_column_rules.publish_columns = True  # type: ignore[attr-defined]
    border.draw_column_rules = draw_column_rules


def _draw_rtl(stream: Any, box: Any) -> None:
    """WeasyPrint's draw_column_rules, mirrored: the rule sits in the gap at the column's right."""
    from weasyprint.draw.border import clip_border_segment, draw_rect_border, get_color, styled_color
    from weasyprint.layout.percent import percentage

    border_widths = (0, 0, 0, box.style["column_rule_width"])
    skip_next = True
    for child in box.children:
        if child.style["column_span"] == "all":
            skip_next = True
            continue
        if skip_next:
            skip_next = False
            continue
        with stream.stacked():
            rule_width = box.style["column_rule_width"]
            rule_style = box.style["column_rule_style"]
            if box.style["column_gap"] == "normal":
                gap = box.style["font_size"]
            else:
                gap = percentage(box.style["column_gap"], box.style, box.width)
            position_x = child.position_x + child.width + (gap - rule_width) / 2
            border_box = position_x, child.position_y, rule_width, child.height
            clip_border_segment(stream, rule_style, rule_width, "left", border_box, border_widths)
            color = styled_color(rule_style, get_color(box.style, "column_rule_color"), "left")
            draw_rect_border(stream, border_box, border_widths, rule_style, color)


# 3. The footnote area measured once per set of notes ------------------------------------------

# sha256 of WeasyPrint 70's LayoutContext._update_footnote_area source, which _update_footnote_area
# below repeats with the measurement kept (tests/test_engine.py checks it still matches).
FOOTNOTES_REPLACED = "2e317e4b066fb80cb369a41cd6f054a127722f9961c18ef4d6e1eef93673c4c1"


def _source_digest(function: Any) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def footnotes_replaceable() -> bool:
    """Whether the installed WeasyPrint measures its footnote area as the copy below does."""
    from weasyprint.layout import LayoutContext

    original = getattr(LayoutContext._update_footnote_area, "publish_original", LayoutContext._update_footnote_area)
    try:
        return _source_digest(original) == FOOTNOTES_REPLACED
    except (OSError, TypeError):  # no source to compare: leave WeasyPrint as it is
        return False


def install_footnotes() -> bool:
    """Puts the measuring-once footnote area in place (idempotent); False when this WeasyPrint differs."""
    from weasyprint.layout import LayoutContext

    if getattr(LayoutContext._update_footnote_area, "publish_original", None) is not None:
        return True
    if not footnotes_replaceable():
        return False
    original = LayoutContext._update_footnote_area
    _update_footnote_area.publish_original = original  # type: ignore[attr-defined]
    LayoutContext._update_footnote_area = _update_footnote_area
    _install_unlaying()
    return True


# sha256 of WeasyPrint 70's layout.block.remove_placeholders: it takes notes off and floats away and
# reads no footnote area height in between, which is what lets the measure wait until it returns.
UNLAYING_WRAPPED = "ce16d97a1caacea0b8d73e44a1b54b768e0c76c6d58d4c414e5f10e77859bd08"


def _install_unlaying() -> None:
    """Lets the footnote area be measured once when a run of boxes is taken off a page in columns.

    Why: when WeasyPrint takes the columns' content off to lay it out again at another height, it
    takes its notes off one by one, from the first, and measured the area after each: a page of k
    notes was laid out k more times for heights nobody reads (1.2 s of a 32-page notes text's 6 s).
    Inside columns the page bottom is not touched by the area, so measuring the notes that are left
    once, when the removal returns, gives what the last of those measures gave.
    """
    import weasyprint.layout.block as block

    if getattr(block.remove_placeholders, "publish_unlaying", False):
        return
    original = block.remove_placeholders
    try:
        if _source_digest(original) != UNLAYING_WRAPPED:
            return
    except (OSError, TypeError):
        return

    def remove_placeholders(context: Any, *args: Any) -> Any:
        state = context.__dict__
        state["publish_unlaying"] = state.get("publish_unlaying", 0) + 1
        try:
            return original(context, *args)
        finally:
            state["publish_unlaying"] -= 1
            if not state["publish_unlaying"] and state.pop("publish_unmeasured", False):
                context._update_footnote_area()

    remove_placeholders.publish_unlaying = True  # type: ignore[attr-defined]
    remove_placeholders.publish_original = original  # type: ignore[attr-defined]
    block.remove_placeholders = remove_placeholders


def _shapes(context: Any) -> tuple:
    """Where the floats are that the notes' lines would flow around: part of what their height depends on."""
    return tuple((s.position_x, s.position_y, s.margin_width(), s.margin_height()) for s in context.excluded_shapes)


def _update_footnote_area(self: Any) -> bool:
    """WeasyPrint 70's LayoutContext._update_footnote_area, the area's layout kept by the notes it holds."""
    from weasyprint.formatting_structure import build
    from weasyprint.layout.block import block_level_layout

    area = self.current_footnote_area
    if self.in_column and self.__dict__.get("publish_unlaying"):  # boxes are being taken off: measure after
        area.children = self.current_page_footnotes
        self.__dict__["publish_unmeasured"] = True
        return False  # what a note taken off is told is never read
    self.__dict__.pop("publish_unmeasured", None)
    if area.height != "auto" and not self.in_column:
        self.page_bottom += area.margin_height()
    area.children = self.current_page_footnotes
    if area.children:
        # The key holds the boxes themselves: alive as long as the entry, so never confused with others.
        key = (area, tuple(area.children), _shapes(self))
        kept = self.__dict__.setdefault("publish_footnote_areas", {})
        found = kept.get(key)
        if found is None:
            laid = build.create_anonymous_boxes(area.deepcopy())
            laid = block_level_layout(self, laid, -inf, None, area.page)[0]
            last = laid.children[-1]
            last_bottom = last.position_y + last.margin_height() - last.margin_bottom
            area_bottom = laid.position_y + laid.margin_height() - laid.margin_bottom
            found = kept[key] = (laid.height, laid.margin_height(), last_bottom > area_bottom)
        height, margin_height, overflow = found
        area.height = height
        if not self.in_column:
            self.page_bottom -= margin_height
        return overflow
    area.height = 0
    if not self.in_column:
        self.page_bottom -= area.margin_height()
    return False
