"""Multi-column layout as a book designer expects it, where WeasyPrint 70 falls short.

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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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
