"""Footnotes at book speed: WeasyPrint's footnote area measured once per set of notes, not once per try.

Why: each time a note is added to a page, taken off again (a line that did not fit) or moved to the
next page, WeasyPrint lays the page's whole footnote area out anew to learn its height. Inside
columns it also lays the page's columns out again for each new height, and takes every note off
and puts it back on each of those passes. A page of k notes so lays out its notes some k² times per
pass: a page with notes cost about ten times one without, and a paragraph with thousands of notes
ran for minutes. The area's height depends only on which notes it holds (and the page it is on),
so it is kept by that set, and each set is laid out once.

Installed only over the WeasyPrint whose method it replaces (checked by its source), so a release
that changes footnote layout keeps its own code instead of a stale copy of the old one.
"""

from __future__ import annotations

import hashlib
import inspect
from math import inf
from typing import Any

# sha256 of WeasyPrint 70's LayoutContext._update_footnote_area source, which _update_footnote_area
# below repeats with the measurement kept (tests/test_engine.py checks it still matches).
REPLACED = "2e317e4b066fb80cb369a41cd6f054a127722f9961c18ef4d6e1eef93673c4c1"


def _source_digest(function: Any) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def replaceable() -> bool:
    """Whether the installed WeasyPrint measures its footnote area as the copy below does."""
    from weasyprint.layout import LayoutContext

    original = getattr(LayoutContext._update_footnote_area, "publish_original", LayoutContext._update_footnote_area)
    try:
        return _source_digest(original) == REPLACED
    except (OSError, TypeError):  # no source to compare: leave WeasyPrint as it is
        return False


def install() -> bool:
    """Puts the measuring-once footnote area in place (idempotent); False when this WeasyPrint differs."""
    from weasyprint.layout import LayoutContext

    if getattr(LayoutContext._update_footnote_area, "publish_original", None) is not None:
        return True
    if not replaceable():
        return False
    original = LayoutContext._update_footnote_area
    _update_footnote_area.publish_original = original  # type: ignore[attr-defined]
    LayoutContext._update_footnote_area = _update_footnote_area
    return True


def _shapes(context: Any) -> tuple:
    """Where the floats are that the notes' lines would flow around: part of what their height depends on."""
    return tuple((s.position_x, s.position_y, s.margin_width(), s.margin_height()) for s in context.excluded_shapes)


def _update_footnote_area(self: Any) -> bool:
    """WeasyPrint 70's LayoutContext._update_footnote_area, the area's layout kept by the notes it holds."""
    from weasyprint.formatting_structure import build
    from weasyprint.layout.block import block_level_layout

    area = self.current_footnote_area
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
