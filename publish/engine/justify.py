"""Justified lines a typographer accepts: word spaces that may shrink, and no ladders of hyphens.

Why: WeasyPrint breaks lines first-fit: it fills a line with what fits at the natural word space,
hyphenates the next word if it can, and stretches the spaces to the measure. It never lets a space
shrink, so a line one short word too long is set loose instead of a little tight, and nothing stops
hyphens on line after line. Typesetters allow both (InDesign's word spacing 80–100–133 %, TeX's
shrinkable glue, `hyphenate-limit-lines` in CSS Text 4, which WeasyPrint does not read). Two wrappers
around WeasyPrint's inline layout, installed once per process, add them, driven by custom properties
a designer sets in styles/ (print.css):

- `--word-space-shrink: 20%`: how much a justified line's word spaces may shrink (of the natural
  space). When a line would be stretched, the line is also fitted with spaces that much narrower; the
  fit whose spaces end nearer their natural width wins ("best fit", line by line). `0` turns it off.
- `--hyphenate-limit-lines: 2`: at most this many hyphenated line ends in a row (explicit hyphens
  count too); the next line is set without automatic hyphenation. `no-limit` turns it off.
- `--text-justify: inter-character`: a justified line is filled by spacing every character a little,
  as Japanese and Chinese are set (their lines have no word spaces to stretch); WeasyPrint does not
  read CSS Text's `text-justify`.

Text that keeps its spaces as written (`white-space: pre-wrap`, as code is set) is not stretched.

A line that takes the narrower spaces is laid out as a text box whose word-spacing is that much
smaller; WeasyPrint's own justification then stretches it to the measure, and its other boxes on the
line are given the same final spaces. Everything else (drawing, trailing spaces, the PDF) is
WeasyPrint's. tests/test_engine.py checks the shapes relied on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SHRINK = "__word_space_shrink"            # --word-space-shrink, as WeasyPrint stores custom properties
LIMIT_LINES = "__hyphenate_limit_lines"   # --hyphenate-limit-lines
TEXT_JUSTIFY = "__text_justify"           # --text-justify: inter-character (CSS Text's text-justify)
_HYPHENS = ("-", "\u2010", "\u00ad")      # line ends that read as hyphenated, besides hyphenate-character
_CONSIDER = 0.5  # a line stretched less than this share of a space is left as first-fit made it
_HYPHEN_COST = 0.15  # a narrower fit that adds a hyphen must beat the first fit by this much more
_LOOSE = 1.0  # a line whose spaces stretch more than this (of a space) has the line above it tried shorter
_UNSET = object()  # a line fitted without saying where it ends


def available() -> bool:
    """Whether this WeasyPrint lays text out through the functions the wrappers replace."""
    import weasyprint.layout.block as block
    import weasyprint.layout.inline as inline

    return all(callable(getattr(inline, name, None)) for name in ("split_text_box", "justify_line",
                                                                   "add_word_spacing",
                                                                   "count_expandable_spaces")) \
        and callable(getattr(block, "iter_line_boxes", None))


def install() -> None:
    """Wraps WeasyPrint's text splitting, justification and line iteration (once per process)."""
    import weasyprint.layout.block as block
    import weasyprint.layout.inline as inline

    if getattr(inline.split_text_box, "publish_justify", False):
        return
    split_text_box, justify_line, iter_line_boxes = inline.split_text_box, inline.justify_line, block.iter_line_boxes

    def split(context: Any, box: Any, available_width: Any, skip: Any, is_line_start: bool = True) -> Any:
        # WeasyPrint lays a page out several times (columns: to find their height, then to balance them;
        # again for each new height of the footnote area), and splits the same text at the same width
        # each time. The answer depends only on what the key holds: each line is fitted once, and the
        # fit handed out again on the next passes, on a copy of the box where this pass has put it.
        cap = getattr(context, "publish_cap", None)
        no_hyphens = getattr(context, "publish_no_hyphens", False)
        if box.style["text_overflow"] != "clip":
            return fit_line(context, box, available_width, skip, is_line_start)  # drawing edits its layout
        splits = context.__dict__.setdefault("publish_splits", {})
        key = (id(box), box.text, id(box.style), box.justification_spacing, available_width, skip, is_line_start,
               no_hyphens, cap)
        kept = splits.get(key)
        if kept is None:
            content = None if _earlier is None else _content_key(context, box, available_width, skip, is_line_start,
                                                                 no_hyphens, cap)
            earlier = None if content is None else _earlier.get(content)
            if earlier is not None:
                kept = splits[key] = _adopted(context, box, earlier)
            else:
                before = getattr(context, "publish_line_end", None)
                context.publish_line_end = _UNSET
                found = fit_line(context, box, available_width, skip, is_line_start)
                line_end, context.publish_line_end = context.publish_line_end, before
                kept = splits[key] = (box, found, line_end)  # the box too, so that its id is not reused
                if content is not None and (portable := _portable(context, box, found, line_end)) is not None:
                    _earlier[content] = portable
        _, found, line_end = kept
        if line_end is not _UNSET:
            context.publish_line_end = line_end
        return (_refitted(box, found[0]) if found[0] is not None else None, *found[1:])

    def fit_line(context: Any, box: Any, available_width: Any, skip: Any, is_line_start: bool) -> Any:
        key = id(box)
        no_hyphens = getattr(context, "publish_no_hyphens", False)
        if no_hyphens and box.style["hyphens"] == "auto":
            box = _restyled(context, box, "hyphens", "manual")
        cap = getattr(context, "publish_cap", None)
        shrink = _shrink(box.style) if available_width is not None and cap is None else 0.0
        found = split_text_box(context, box, available_width, skip, is_line_start)
        if available_width is None or found[0] is None or found[1] is None or found[2]:
            return found  # a measure, the whole text fits, or a preserved line break: not a justified line end
        found = _unless_one_word(context, box, available_width, skip, is_line_start, found, split_text_box)
        if found[1] is None:
            return found
        if cap is not None and cap == (key, skip, found[1]):  # this line again, one piece shorter
            shorter = split_text_box(context, box, _set_width(context, found[0]) - 0.01, skip, is_line_start)
            found = shorter if shorter[0] is not None else found
        elif shrink:
            found = _best_fit(context, box, available_width, skip, is_line_start, found, shrink, split_text_box)
        if found[1] is not None and not found[2]:
            context.publish_line_end = (key, skip, found[1])
        return found

    def justify(context: Any, line: Any, extra_width: float) -> None:
        if _inter_character(line.style) and _spread_characters(context, line, extra_width):
            return
        shrunk, kept = _special_boxes(context, line)
        if not shrunk and not kept:
            justify_line(context, line, extra_width)
            return
        spaces = inline.count_expandable_spaces(line) - sum(inline.count_expandable_spaces(b) for b in kept)
        if spaces <= 0:
            return
        # The same final word space across the line: boxes fitted with narrower spaces get that much more,
        # text that keeps its spaces as written (code: white-space pre-wrap) gets none.
        common = (extra_width + sum(delta * inline.count_expandable_spaces(b) for b, delta in shrunk.items())) / spaces
        shares = {id(b): common - delta for b, delta in shrunk.items()} | {id(b): 0.0 for b in kept}
        _respace(context, line, common, shares, 0.0)

    def lines(context: Any, box: Any, position_y: Any, bottom_space: Any, skip_stack: Any, containing_block: Any,
              absolute_boxes: Any, fixed_boxes: Any, first_letter_style: Any, first_line_style: Any) -> Any:
        args = (context, box, position_y, bottom_space, skip_stack, containing_block, absolute_boxes, fixed_boxes,
                first_letter_style, first_line_style)
        if box.style["text_align_all"] == "justify" and _shrink(box.style):
            yield from _paragraph(*args)
            return
        limit = _limit(box.style)
        produced = iter_line_boxes(*args)
        if limit is None:
            yield from produced
            return
        run = 0
        while True:
            saved = getattr(context, "publish_no_hyphens", False)
            context.publish_no_hyphens = run >= limit
            try:
                line, resume_at = next(produced)
            except StopIteration:
                return
            finally:
                context.publish_no_hyphens = saved
            run = run + 1 if resume_at is not None and _ends_hyphenated(line) else 0
            yield line, resume_at

    split.publish_justify = True  # type: ignore[attr-defined]
    inline.split_text_box = split
    inline.justify_line = justify
    block.iter_line_boxes = lines


_FITTED = ("text", "style", "width", "height", "pango_layout", "margin_top", "margin_bottom", "baseline")


# Lines fitted by earlier layouts of the same text -------------------------------------------------

_earlier: dict[tuple, tuple] | None = None  # content key -> a fit another document made (reusing_fits)

# What splitting a text box reads of its style: WeasyPrint's split_text_box and split_first_line
# (font, size, spacing, hyphenation, breaking, white space, language), and this module's own choices.
_SPLIT_READS = ("font_family", "font_style", "font_stretch", "font_weight", "font_size", "font_kerning",
                "font_variant_ligatures", "font_variant_position", "font_variant_caps", "font_variant_numeric",
                "font_variant_alternates", "font_variant_east_asian", "font_feature_settings",
                "font_variation_settings", "font_language_override", "lang", "line_height", "letter_spacing",
                "word_spacing", "hyphens", "hyphenate_character", "hyphenate_limit_chars", "hyphenate_limit_zone",
                "white_space", "overflow_wrap", "word_break", "tab_size", "direction", "text_decoration_line",
                "text_overflow", "text_align_all", "text_align_last", SHRINK, LIMIT_LINES, TEXT_JUSTIFY)


@contextmanager
def reusing_fits() -> Iterator[None]:
    """While one text is laid out again and again (page composition edits it and lays it out anew), a
    line another layout of it fitted is handed out again instead of being fitted anew.

    Why: composition edits one place (a photo moved, a drop cap dropped) and lays the whole text out
    again; every other paragraph is split at the same widths into the same lines, and fitting lines
    is most of a layout. A fit depends only on the text, what its style says about setting text
    (_SPLIT_READS, by value: the new document's styles are other objects), the width and where the
    line starts, so it is kept by those, and handed out on the new document's own box and style
    (narrower word spaces and hyphenation turned off made again from its style, as fitting makes them).
    Kept for the block only: one text's lines, not a book's.
    """
    global _earlier
    saved, _earlier = _earlier, {}
    try:
        yield
    finally:
        _earlier = saved


def _style_key(context: Any, style: Any) -> tuple:
    kept = context.__dict__.setdefault("publish_style_keys", {})
    found = kept.get(id(style))
    if found is None:
        found = kept[id(style)] = (style, tuple(repr(style[name]) for name in _SPLIT_READS))
    return found[1]


def _content_key(context: Any, box: Any, width: Any, skip: Any, is_line_start: bool, no_hyphens: bool,
                 cap: Any) -> tuple:
    """A fit's key by value. A cap on this box's line (shorter, by one piece) is named by the line, not by
    the box; a cap on another box only turns narrower spaces off."""
    own_cap = None if cap is None else ("this", *cap[1:]) if cap[0] == id(box) else "other"
    return (box.text, _style_key(context, box.style), box.justification_spacing, width, skip, is_line_start,
            no_hyphens, own_cap)


def _portable(context: Any, box: Any, found: Any, line_end: Any) -> tuple | None:
    """A fit as another document can take it: the restyling that made the fitted box's style from the
    box's, the narrowing its spaces were marked with, and where the line ends, relative to the box."""
    fitted = found[0]
    chain: list[tuple[str, Any]] = []
    if fitted is not None:
        made = context.__dict__.get("publish_restyled", {})  # what _restyled made, and from what
        style = fitted.style
        while style is not box.style:
            if id(style) not in made:
                return None  # a style this module did not make: not handed to another document
            style, name, value = made[id(style)]
            chain.insert(0, (name, value))
    shrunk = None if fitted is None else context.__dict__.get("publish_shrunk", {}).get(id(fitted.style))
    end = ("this", *line_end[1:]) if isinstance(line_end, tuple) and line_end[0] == id(box) else line_end
    if isinstance(end, tuple) and end[0] != "this":
        return None
    return found, tuple(chain), shrunk, end


def _adopted(context: Any, box: Any, earlier: tuple) -> tuple:
    """Another document's fit (`_portable`) on this box: its style made from this box's as the fit made it."""
    found, chain, shrunk, end = earlier
    fitted = found[0]
    if fitted is not None:
        styled = box
        for name, value in chain:
            styled = _restyled(context, styled, name, value)
        fitted = fitted.copy()
        fitted.style = styled.style
        if shrunk is not None:
            _mark_shrunk(context, fitted, shrunk)
    line_end = (id(box), *end[1:]) if isinstance(end, tuple) else end
    return box, (fitted, *found[1:]), line_end


def _refitted(box: Any, fitted: Any) -> Any:
    """A line's text box as splitting `box` made it: what the split set (its text, style, size, Pango
    layout), on a copy of the box as it stands now (layout has moved it since: its position is this pass's)."""
    copy = box.copy()
    for name in _FITTED:
        setattr(copy, name, getattr(fitted, name))
    return copy


def _unless_one_word(context: Any, box: Any, width: float, skip: Any, is_line_start: bool, found: Any,
                     split_text_box: Any) -> Any:
    """WeasyPrint 70 sets a line of one word when the rest of a text box fits but for its trailing space
    (Pango says it fits, WeasyPrint's width with the space says not, and it falls back to the first word:
    "har- / bour / board's returns…"). The box is laid out again with room for that space, which hangs
    past the measure as trailing spaces do."""
    rest = box.text.encode()[skip or 0:].decode()
    if not rest.endswith(" ") or " " in found[0].text.strip() or " " not in rest.strip() \
            or box.style["white_space"] not in ("normal", "pre-line"):
        return found
    trailing = len(rest) - len(rest.rstrip(" "))
    whole = split_text_box(context, box, width + 1.05 * trailing * _space_width(context, box.style), skip,
                           is_line_start)
    return whole if whole[0] is not None and whole[1] is None else found


def _best_fit(context: Any, box: Any, width: float, skip: Any, is_line_start: bool, first: Any,
              shrink: float, split_text_box: Any) -> Any:
    """The first fit, or the fit with spaces `shrink` narrower if its spaces end nearer natural."""
    new_box = first[0]
    spaces = _spaces(new_box.text)
    if not spaces:
        return first
    space = _space_width(context, box.style)
    if space <= 0:
        return first
    stretch = (width - new_box.width) / spaces / space  # share of a space each gap grows by
    if stretch <= _CONSIDER:
        return first
    if not _more_could_fit(context, box, first, width - new_box.width + shrink * space * (spaces + 1)):
        return first  # the next word, or its first syllable, is wider than narrower spaces make room for
    second = _narrow_fit(context, box, width, skip, is_line_start, shrink, split_text_box, mark=False)
    other = second[0]
    if other is None or second[1] is None or second[2] or second[1] <= first[1]:
        return first  # it takes no more text, or all of it (a last line is not stretched back)
    other_spaces = _spaces(other.text)
    if not other_spaces:
        return first
    # Its gaps end at natural − shrink + what the rest of the line is stretched by.
    final = (width - other.width) / other_spaces / space - shrink
    cost = abs(final) + (_HYPHEN_COST if _hyphenated(other) and not _hyphenated(new_box) else 0.0)
    if cost >= stretch:
        return first
    _mark_shrunk(context, other, shrink * space)
    return second


def _narrow_fit(context: Any, box: Any, width: float, skip: Any, is_line_start: bool, shrink: float,
                split_text_box: Any, mark: bool = True) -> Any:
    """The box fitted with its word spaces `shrink` (a share of the space) narrower."""
    by = shrink * _space_width(context, box.style)
    found = split_text_box(context, _restyled(context, box, "word_spacing", box.style["word_spacing"] - by),
                           width, skip, is_line_start)
    if mark and found[0] is not None:
        _mark_shrunk(context, found[0], by)
    return found


def _more_could_fit(context: Any, box: Any, first: Any, room: float) -> bool:
    """Whether the least the next line could give up (its first word, or that word's first letters and a
    hyphen where it may be hyphenated) fits in `room`: one short layout instead of a whole second fit."""
    from weasyprint.text.line_break import create_layout, line_size

    if _hyphenated(first[0]):
        return True  # the word goes on: a later break in it may fit
    word = box.text.encode()[first[1]:].decode().lstrip(" ").split(" ", 1)[0]
    if not word:
        return False
    style = box.style
    total, left, _ = style["hyphenate_limit_chars"]
    if style["hyphens"] == "auto" and not getattr(context, "publish_no_hyphens", False) and len(word) >= total:
        word = word[:left] + style["hyphenate_character"]
    layout = create_layout(word, style, context, None, 0)
    line, _ = layout.get_first_line()
    needed = line_size(line, style)[0]
    layout.deactivate()
    return needed <= room


def _spaces(text: str) -> int:
    """Word spaces WeasyPrint stretches (it counts no-break spaces too), trailing ones left out."""
    stripped = text.rstrip(" ")
    return stripped.count(" ") + stripped.count("\u00a0")


def _space_width(context: Any, style: Any) -> float:
    """The natural word space of a style's font, measured once per font and size."""
    from weasyprint.text.line_break import _font_style_cache_key, create_layout, line_size

    cache = context.__dict__.setdefault("publish_spaces", {})
    key = _font_style_cache_key(style, include_size=True) + str(style["word_spacing"])
    if key not in cache:
        widths = []
        for sample in ("x x", "xx"):
            layout = create_layout(sample, style, context, None, 0)
            line, _ = layout.get_first_line()
            widths.append(line_size(line, style)[0])
            layout.deactivate()
        cache[key] = widths[0] - widths[1]
    return cache[key]


def _restyled(context: Any, box: Any, name: str, value: Any) -> Any:
    """A copy of the box whose style differs in one property (the styles are cached: one per original)."""
    cache = context.__dict__.setdefault("publish_styles", {})
    key = (id(box.style), name, value)
    found = cache.get(key)
    if found is None:
        style = box.style.copy()
        style[name] = value
        found = cache[key] = (box.style, style)  # the original is kept so its id is not reused
        context.__dict__.setdefault("publish_restyled", {})[id(style)] = (box.style, name, value)
    copy = box.copy()
    copy.style = found[1]
    return copy


def _mark_shrunk(context: Any, box: Any, by: float) -> None:
    context.__dict__.setdefault("publish_shrunk", {})[id(box.style)] = by


def _special_boxes(context: Any, line: Any) -> tuple[dict[Any, float], list[Any]]:
    """The line's text boxes fitted with narrower spaces (with how much narrower), and those whose
    spaces are kept as written (white-space pre, pre-wrap, nowrap: code), which justification leaves."""
    marks = getattr(context, "publish_shrunk", None) or {}
    shrunk: dict[Any, float] = {}
    kept: list[Any] = []
    stack = [line]
    while stack:
        box = stack.pop()
        if not hasattr(box, "text"):
            stack.extend(getattr(box, "children", None) or ())
        elif box.style["white_space"] not in ("normal", "pre-line"):
            kept.append(box)
        elif id(box.style) in marks:
            shrunk[box] = -marks[id(box.style)]
    return shrunk, kept


def _respace(context: Any, box: Any, common: float, shares: dict[int, float], x_advance: float) -> float:
    """WeasyPrint's add_word_spacing, with each box's own share (`common` unless `shares` says otherwise)."""
    import weasyprint.layout.inline as inline
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        return inline.add_word_spacing(context, box, shares.get(id(box), common), x_advance)
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        children = box.children[::-1] if box.style["direction"] == "rtl" else box.children
        for child in children:
            if child.is_in_normal_flow():
                x_advance = _respace(context, child, common, shares, x_advance)
        box.width += x_advance - before
        return x_advance
    box.translate(x_advance, 0)
    return x_advance


def _last_text(box: Any) -> Any:
    """The line's last text box in the flow, or None."""
    while True:
        children = [c for c in (getattr(box, "children", None) or ()) if c.is_in_normal_flow()]
        if hasattr(box, "text") and not children:
            return box
        if not children:
            return None
        box = children[-1]


def _hyphenated(box: Any) -> bool:
    text = box.text.rstrip(" ")
    return bool(text) and (text.endswith(box.style["hyphenate_character"]) or text.endswith(_HYPHENS))


def _ends_hyphenated(line: Any) -> bool:
    last = _last_text(line)
    return last is not None and _hyphenated(last)


def _tokens(value: Any) -> list[Any]:
    return [t for t in (value or ()) if getattr(t, "type", "") not in ("whitespace", "comment")]


def _shrink(style: Any) -> float:
    """--word-space-shrink as a share of the space (0 when unset, or not justified text)."""
    if style["text_align_all"] != "justify" or style["white_space"] not in ("normal", "pre-line"):
        return 0.0
    tokens = _tokens(style[SHRINK])
    if len(tokens) != 1:
        return 0.0
    token = tokens[0]
    if token.type == "percentage":
        return max(0.0, min(float(token.value) / 100, 0.5))
    if token.type == "number":
        return max(0.0, min(float(token.value), 0.5))
    return 0.0


def _limit(style: Any) -> int | None:
    """--hyphenate-limit-lines: a whole number of lines, or None (unset, or no-limit)."""
    tokens = _tokens(style[LIMIT_LINES])
    if len(tokens) == 1 and tokens[0].type == "number" and tokens[0].is_integer and tokens[0].int_value >= 0:
        return int(tokens[0].int_value)
    return None


class _Line:
    """One line of a paragraph as laid out, with what laying it out again needs."""

    def __init__(self, start: tuple[Any, ...], line: Any, resume_at: Any, absolutes: list[Any], fixed: list[Any],
                 end: Any, shapes: int):
        self.start, self.line, self.resume_at = start, line, resume_at
        self.absolutes, self.fixed, self.end, self.shapes = absolutes, fixed, end, shapes
        self.redone = False

    def after(self, limit: int | None) -> tuple[Any, ...]:
        """The start of the next line: where it resumes, its top, no indent or first-letter, the hyphen run."""
        run = self.start[5] + 1 if self.resume_at is not None and _ends_hyphenated(self.line) else 0
        return (self.resume_at, self.line.position_y + self.line.height, 0, None, None, run)


def _paragraph(context: Any, box: Any, position_y: Any, bottom_space: Any, skip_stack: Any, containing_block: Any,
               absolute_boxes: Any, fixed_boxes: Any, first_letter_style: Any, first_line_style: Any) -> Any:
    """WeasyPrint's iter_line_boxes, one line behind: a line that would come out loose may have the line
    above it set one piece (word or syllable) shorter, when the two lines are then better spaced."""
    import weasyprint.layout.inline as inline
    from weasyprint.layout.leader import handle_leader
    from weasyprint.layout.percent import resolve_one_percentage, resolve_percentages

    limit = _limit(box.style)
    resolve_percentages(box, containing_block)
    if skip_stack is None:
        resolve_one_percentage(box, "text_indent", containing_block.width)
    else:
        box.text_indent = 0

    def make(start: tuple[Any, ...]) -> _Line | None:
        skip, top, indent, letter, first, run = start
        box.text_indent = indent
        saved = getattr(context, "publish_no_hyphens", False)
        context.publish_no_hyphens = limit is not None and run >= limit
        context.publish_line_end = None
        shapes = len(context.excluded_shapes)
        absolutes: list[Any] = []
        fixed: list[Any] = []
        try:
            line, resume_at = inline.get_next_linebox(context, box, top, bottom_space, skip, containing_block,
                                                      absolutes, fixed, letter, first)
        finally:
            context.publish_no_hyphens = saved
        if line is None:
            return None
        handle_leader(context, line, containing_block)
        return _Line(start, line, resume_at, absolutes, fixed, context.publish_line_end, shapes)

    redone = context.__dict__.setdefault("publish_redone", {})
    held: _Line | None = None
    start: tuple[Any, ...] | None = (skip_stack, position_y, box.text_indent, first_letter_style, first_line_style, 0)
    while start is not None:
        made = make(start)
        if made is None:
            break
        if held is not None and not held.redone and made.resume_at is not None and _quiet(held, made, context) \
                and _deviation(context, made.line) > _LOOSE:
            tried = (id(box), repr(held.start[0]), held.start[1], held.start[2], held.start[5])
            if redone.get(tried) is not False:  # a pair once found better as it was is not tried again
                before = held
                held, made = _better_pair(context, held, made, make, limit)
                redone[tried] = held is not before
        if held is not None:
            absolute_boxes.extend(held.absolutes)
            fixed_boxes.extend(held.fixed)
            yield held.line, held.resume_at
        held = made
        start = made.after(limit) if made.resume_at is not None else None
    if held is not None:
        absolute_boxes.extend(held.absolutes)
        fixed_boxes.extend(held.fixed)
        yield held.line, held.resume_at


def _quiet(held: _Line, made: _Line, context: Any) -> bool:
    """Lines that placed nothing outside themselves (no float, no positioned box): safe to lay out again."""
    return (held.end is not None and not held.absolutes and not held.fixed and not made.absolutes
            and not made.fixed and len(context.excluded_shapes) == held.shapes)


def _better_pair(context: Any, held: _Line, made: _Line, make: Any, limit: int | None) -> tuple[_Line, _Line]:
    """The two lines as they are, or with the first one piece shorter, whichever is better spaced."""
    context.publish_cap = held.end
    try:
        shorter = make(held.start)
    finally:
        context.publish_cap = None
    held.redone = True
    if shorter is None or shorter.resume_at is None or shorter.resume_at == held.resume_at:
        return held, made
    shorter.redone = True
    now = _cost(context, held) + _cost(context, made)
    if _cost(context, shorter) >= now:
        return held, made  # worse before the line after it is even laid out
    following = make(shorter.after(limit))
    if following is not None and _cost(context, shorter) + _cost(context, following) < now:
        return shorter, following
    return held, made


def _cost(context: Any, made: _Line) -> float:
    """How badly a line is spaced: the cube of its spaces' stretch (shrinking counts half), and its hyphen."""
    if made.resume_at is None:
        return 0.0  # the last line is not justified
    r = _deviation(context, made.line)
    spread = r ** 3 if r >= 0 else (-r / 2) ** 3
    return spread + (_HYPHEN_COST / 3 if _ends_hyphenated(made.line) else 0.0)


def _deviation(context: Any, line: Any) -> float:
    """How far the line's word spaces are from natural, as a share of the natural space (0 when unstretched)."""
    marks = getattr(context, "publish_shrunk", None) or {}
    stack = [line]
    while stack:
        box = stack.pop()
        if hasattr(box, "text"):
            if _spaces(box.text):
                by = marks.get(id(box.style), 0.0)
                space = _space_width(context, box.style) + by
                return (box.justification_spacing - by) / space if space > 0 else 0.0
            continue
        stack.extend(getattr(box, "children", None) or ())
    return 0.0


def _set_width(context: Any, box: Any) -> float:
    """A text box's width without its trailing spaces (which may hang past the measure)."""
    from weasyprint.text.line_break import create_layout, line_size

    text = box.text.rstrip(" ")
    if text == box.text:
        return box.width
    layout = create_layout(text, box.style, context, None, 0)
    line, _ = layout.get_first_line()
    width = line_size(line, box.style)[0]
    layout.deactivate()
    return width


def _inter_character(style: Any) -> bool:
    tokens = _tokens(style[TEXT_JUSTIFY])
    return len(tokens) == 1 and tokens[0].type == "ident" and tokens[0].lower_value == "inter-character"


def _spread_characters(context: Any, line: Any, extra_width: float) -> bool:
    """Fills the line by letter-spacing every character of its text alike (the last one's trailing
    space hangs past the measure); False when the line holds anything but plain text."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.text.line_break import create_layout

    texts: list[Any] = []
    stack = [line]
    while stack:
        box = stack.pop()
        if isinstance(box, boxes.TextBox):
            texts.append(box)
        elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            stack.extend(c for c in box.children if c.is_in_normal_flow())
        else:
            return False  # an image or inline block on the line: leave it to word spacing
    count = sum(len(t.text) for t in texts)
    if count < 2 or extra_width <= 0:
        return False
    if any(t.style["letter_spacing"] not in ("normal", 0) for t in texts):
        return False  # a designer's own letter-spacing is not changed
    spacing = extra_width / (count - 1)
    restyled = {}
    for text in texts:
        copy = _restyled(context, text, "letter_spacing", spacing)
        restyled[id(text)] = copy.style

    def spread(box: Any, x_advance: float, last: list[Any]) -> float:
        if isinstance(box, boxes.TextBox):
            box.position_x += x_advance
            box.style = restyled[id(box)]
            layout = create_layout(box.text, box.style, context, max_width=None, justification_spacing=0)
            layout.deactivate()
            box.pango_layout = layout
            grown = spacing * (len(box.text) - (1 if box is last[0] else 0))
            box.width += grown
            return x_advance + grown
        box.position_x += x_advance
        before = x_advance
        children = box.children[::-1] if box.style["direction"] == "rtl" else box.children
        for child in children:
            if child.is_in_normal_flow():
                x_advance = spread(child, x_advance, last)
        box.width += x_advance - before
        return x_advance

    spread(line, 0.0, [_last_text(line)])
    return True
