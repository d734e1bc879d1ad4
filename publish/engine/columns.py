"""Column rules between right-to-left columns, where they belong.

Why: WeasyPrint draws a column rule in the gap before each column but the first, measured from that
column's left edge. Right-to-left columns run from the right, so the second column is the left one,
and the rule came out to the left of it: outside the columns, in the margin (an Arabic text in a
left-to-right book). This wrapper draws the rules of a right-to-left multi-column box in the gap on
the column's right instead; left-to-right boxes are drawn by WeasyPrint's own code.
"""

from __future__ import annotations

from typing import Any


def available() -> bool:
    import weasyprint.draw.border as border

    return callable(getattr(border, "draw_column_rules", None)) and callable(getattr(border, "draw_rect_border", None))


def install() -> None:
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
