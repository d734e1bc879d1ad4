"""Layout quality of a print PDF, measured from the PDF itself (never from our HTML).

Why from the PDF: every structural judge can pass while the pages show what a printer would print
and a reader would see (body text on the footnote rule, a word cut without a hyphen, a page half
empty). Those are facts of the drawn page, so they are read where the page is drawn: glyph boxes
and page objects from pdfium, page boxes and labels from pikepdf.

What is measured (each a `Finding` with the printed page label, the page index, a value and an
excerpt of the text):

- ``text-over-text``: glyphs of two different lines overlap.
- ``text-over-rule``: a glyph crosses a rule (footnote rule, column rule, border) that is not its
  own decoration (underline, strike-through).
- ``text-over-box``: a line crosses the edge of a filled box, or a box is painted over it; a line
  wholly inside a box painted before it sits on its own background and is fine.
- ``text-over-image``: a glyph on a photo without a band of its own between them, or under one.
- ``dotted-circle``: a mark the shaper could not attach to its letter (drawn with a dotted circle).
- ``stray-rule``: a column rule with text along one side only (drawn outside its columns).
- ``safe-zone``: a glyph nearer the trim than the safe zone (3 mm), or beyond it.
- ``broken-word``: a word cut at a line end without a hyphen (scripts that break without hyphens,
  Khmer, Thai, Lao, Myanmar, Chinese, Japanese, Korean, are exempt; so are breaks after / . _ - in
  URLs and identifiers).
- ``split-unit``: a number at a line end whose unit or percent sign begins the next line.
- ``ladder``: more than two consecutive lines ending with a hyphen.
- ``loose-line``: a justified line whose word gap exceeds 2.25 times its font's natural space.
- ``sparse-page``: a body page whose text and pictures cover under 35 % of the type area
  (title, front matter, part and display pages, a text's last page, blank pages and full-page
  photos are deliberate and exempt).
- ``empty-band`` / ``column-void``: on such a page, a band across the type area, or a stretch of one
  column, with nothing in it, taller than a quarter of the type area (a photo that moved on, a column
  left short).
- ``lone-heading``: a body page holding only a headline or heading (no body text, no picture), most
  of its type area empty, before a page of the same text that starts with a photo under at most a
  heading: the photo did not fit under the heading and moved on, taking the text with it.
- ``front-spill``: a front-matter page holding only the few lines that ran over from the page before.
- ``widow`` / ``orphan``: a paragraph's single last line at the head of a column, its single first
  line at the foot of one.

    python -m publish.checks.layout BOOK.pdf [--json]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

MM = 72 / 25.4

KINDS = ("text-over-text", "text-over-rule", "text-over-box", "text-over-image", "safe-zone", "dotted-circle",
         "stray-rule",
         "broken-word", "split-unit", "ladder", "loose-line", "sparse-page", "empty-band", "column-void",
         "widow", "orphan", "front-spill", "lone-heading")

# Characters that separate words on a line; only the first two are stretched by justification.
_SPACES = {" ", "\u00a0"}
_SEPARATORS = _SPACES | {"\u2009", "\u202f", "\u2002", "\u2003", "\u2007", "\u200b", "\t"}
_HYPHENS = {"-", "\u2010", "\u2011", "\u00ad"}
# A URL or identifier may break after (or before) these without a hyphen.
_IDENTIFIER_BREAKS = set("/._-\\@#?&=:~+|")
_SIGNS = {"\u2212", "+", "\u00b1", "$", "\u20ac", "\u00a3", "\u00a5"}  # a sign or currency before a number
_UNITS = {"%", "\u2030", "\u2031", "\u00b0", "\u2103", "\u2109"}
_END_MARK = "\u25a0"
_ROMAN = set("ivxlcdm")
_QUOTES = "\"'()[]{}«»‹›“”„‘’‚,.;:!?…—–·•*†‡§¶"


@dataclass(frozen=True)
class Thresholds:
    """Every limit the detectors apply; the defaults are the targets of the print-pages issue."""

    safe_zone_mm: float = 3.0
    loose_gap_ratio: float = 2.25     # a justified line's word gap over its font's natural space
    sparse_fill: float = 0.35         # share of the type area covered by text and pictures
    ladder_max: int = 2               # hyphenated line ends allowed in a row
    min_overlap_pt: float = 0.3       # glyph boxes overlapping less than this in either axis touch
    edge_tolerance_pt: float = 1.0    # a line's edge "on" a column edge (an 'f' overhangs its advance)
    body_size_tolerance: float = 0.12  # a line of body text is within 12 % of the body size
    frame_min_lines: int = 3          # lines ending on one right edge before it counts as a column
    fragment_max_len: int = 3         # a cut-off piece of a word no longer than this is suspect
    full_page_image: float = 0.6      # share of the trim a photo covers to make a photo page
    lone_heading: float = 0.5         # the empty share of a page holding only a heading before a photo
    empty_band: float = 0.25          # a body page's tallest band with nothing in it, of the type area
    column_void: float = 0.25         # a column's tallest empty stretch, of the type area's height


@dataclass(frozen=True)
class Finding:
    kind: str
    page_index: int            # 0-based position in the file
    page_label: str            # as printed (the PDF's page label)
    value: float               # the measurement (see `unit`)
    unit: str
    excerpt: str
    bbox: tuple[float, float, float, float]  # points, PDF user space (trim at its own origin)

    def __str__(self) -> str:
        return (f"p. {self.page_label} (#{self.page_index + 1}): {self.kind} {self.value:.3g} {self.unit}: "
                f"{self.excerpt!r}")


@dataclass
class LayoutReport:
    path: Path
    pages: int
    findings: list[Finding]
    justified_lines: int
    loose_lines: int
    seconds: float             # wall time of the check
    body_size: float
    type_area: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    cpu_seconds: float = 0.0   # its CPU time (what a loaded machine does not inflate)

    @property
    def loose_share(self) -> float:
        return self.loose_lines / self.justified_lines if self.justified_lines else 0.0

    def of(self, *kinds: str) -> list[Finding]:
        return [f for f in self.findings if f.kind in kinds]

    def counts(self) -> dict[str, int]:
        found = Counter(f.kind for f in self.findings)
        return {kind: found.get(kind, 0) for kind in KINDS}

    def pages_of(self, *kinds: str) -> list[str]:
        seen: dict[int, str] = {}
        for f in self.of(*kinds):
            seen.setdefault(f.page_index, f.page_label)
        return [seen[i] for i in sorted(seen)]

    def summary(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.counts().items() if k != "loose-line")
        return (f"{self.path.name}: {self.pages} pages, {counts}; loose justified lines "
                f"{self.loose_lines}/{self.justified_lines} ({self.loose_share:.1%}); {self.seconds:.2f} s "
                f"({self.cpu_seconds:.2f} s CPU)")

    def to_json(self) -> dict:
        return {"path": str(self.path), "pages": self.pages, "counts": self.counts(),
                "justified_lines": self.justified_lines, "loose_lines": self.loose_lines,
                "loose_share": round(self.loose_share, 4), "seconds": round(self.seconds, 3),
                "cpu_seconds": round(self.cpu_seconds, 3),
                "findings": [asdict(f) for f in self.findings]}


# --- What is read from a page ---------------------------------------------------------------------

class Glyph:
    """One character's boxes: tight (ink) and loose (advance × ascent/descent). `synthetic` marks
    what pdfium cannot place under /ActualText: boxes shared out over the run (ch set), or a run's
    ink without characters (ch empty)."""

    __slots__ = ("ch", "x0", "y0", "x1", "y1", "lx0", "lx1", "ly0", "ly1", "base", "obj", "synthetic")

    def __init__(self, ch, x0, y0, x1, y1, lx0, lx1, ly0, ly1, base, obj):
        self.ch, self.x0, self.y0, self.x1, self.y1 = ch, x0, y0, x1, y1
        self.lx0, self.lx1, self.ly0, self.ly1, self.base, self.obj = lx0, lx1, ly0, ly1, base, obj
        self.synthetic = False


@dataclass(frozen=True)
class TextObject:
    size: float      # effective size in points
    font: str
    colour: tuple[int, int, int]
    paint: int       # painting order on its page
    bounds: tuple[float, float, float, float] | None = None


class Line:
    """A run of glyphs on one baseline, in the order the page draws them.

    A justified line stretches the spaces inside its text runs; a line whose gaps all fall between
    runs (the cells of a table row, text beside a figure) is not a line of running text."""

    __slots__ = ("page", "glyphs", "tokens", "gaps", "seps", "size", "font", "colour", "paint",
                 "x0", "x1", "y0", "y1", "top", "bottom", "base", "order", "rtl", "space", "synthetic",
                 "first", "last", "inner_gaps")

    def __init__(self, page: int, order: int):
        self.page, self.order = page, order
        self.glyphs: list[Glyph] = []
        self.tokens: list[str] = [""]
        self.gaps: list[float] = []      # stretchable word gaps (loose box to loose box)
        self.seps: list[bool] = []       # per glyph: a separator stood before it
        self.space = 0.0
        self.synthetic = False           # its characters' places are shared out (see Glyph)
        self.inner_gaps = 0              # word gaps inside one text object (a table row has none)

    @property
    def text(self) -> str:
        return " ".join(t for t in self.tokens if t)

    def finish(self, objects: dict[int, TextObject]) -> None:
        g = self.glyphs
        self.x0 = min(x.lx0 for x in g)
        self.x1 = max(x.lx1 for x in g)
        self.y0 = min(x.y0 for x in g)
        self.y1 = max(x.y1 for x in g)
        self.bottom = min(x.ly0 for x in g)
        self.top = max(x.ly1 for x in g)
        weight: Counter[int] = Counter(x.obj for x in g)
        main = objects[weight.most_common(1)[0][0]]
        self.size, self.font, self.colour = main.size, main.font, main.colour
        self.paint = min(objects[o].paint for o in weight)
        self.base = statistics.median(x.base for x in g if x.obj in weight and objects[x.obj].size == main.size)
        strong = [unicodedata.bidirectional(x.ch) for x in g if x.ch]
        chars = [x.ch for x in g if x.ch]
        self.first, self.last = (chars[0], chars[-1]) if chars else ("", "")
        rtl = sum(1 for b in strong if b in ("R", "AL"))
        self.rtl = rtl > sum(1 for b in strong if b == "L")
        self.tokens = [t for t in self.tokens if t]


@dataclass
class Shape:
    x0: float
    y0: float
    x1: float
    y1: float
    paint: int
    colour: tuple[int, int, int]


@dataclass
class Page:
    index: int
    label: str
    trim: tuple[float, float, float, float]
    lines: list[Line]
    rules: list[Shape]
    boxes: list[Shape]
    images: list[Shape]


def _handle(obj) -> int:
    return ctypes.cast(obj, ctypes.c_void_p).value or 0


def _bbox_of_points(points: list[tuple[float, float]]):
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _clip_box(obj):
    clip = pdfium_c.FPDFPageObj_GetClipPath(obj)
    if not clip:
        return None
    box = None
    x, y = ctypes.c_float(), ctypes.c_float()
    for p in range(pdfium_c.FPDFClipPath_CountPaths(clip)):
        points = []
        for s in range(pdfium_c.FPDFClipPath_CountPathSegments(clip, p)):
            seg = pdfium_c.FPDFClipPath_GetPathSegment(clip, p, s)
            pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
            points.append((x.value, y.value))
        if not points:
            continue
        b = _bbox_of_points(points)
        box = b if box is None else (max(box[0], b[0]), max(box[1], b[1]), min(box[2], b[2]), min(box[3], b[3]))
    return box


def _intersect(a, b):
    if b is None:
        return a
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


def _colour(obj, getter) -> tuple[int, int, int, int]:
    r, g, b, a = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    if not getter(obj, r, g, b, a):
        return (0, 0, 0, 255)
    return (r.value, g.value, b.value, a.value)


def _read_objects(page_raw, objects: dict[int, TextObject], rules: list[Shape], boxes: list[Shape],
                  images: list[Shape]) -> None:
    """Walks the page's objects in painting order (into form XObjects too)."""
    f = [ctypes.c_float() for _ in range(4)]
    matrix = pdfium_c.FS_MATRIX()
    px, py = ctypes.c_float(), ctypes.c_float()
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    width = ctypes.c_float()
    size = ctypes.c_float()
    name = ctypes.create_string_buffer(256)
    fonts: dict[int, str] = {}
    counter = [0]

    def walk(get, count):
        for i in range(count):
            obj = get(i)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            counter[0] += 1
            paint = counter[0]
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
                walk(lambda j, o=obj: pdfium_c.FPDFFormObj_GetObject(o, j), pdfium_c.FPDFFormObj_CountObjects(obj))
                continue
            if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
                pdfium_c.FPDFTextObj_GetFontSize(obj, size)
                pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)
                scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
                font = pdfium_c.FPDFTextObj_GetFont(obj)
                key = _handle(font)
                if key not in fonts:
                    n = pdfium_c.FPDFFont_GetBaseFontName(font, name, 256) if font else 0
                    fonts[key] = name.value.decode("latin-1").split("+")[-1] if n else "?"
                colour = _colour(obj, pdfium_c.FPDFPageObj_GetFillColor)[:3]
                bounds = None
                if pdfium_c.FPDFPageObj_GetBounds(obj, *f):
                    bounds = (f[0].value, f[1].value, f[2].value, f[3].value)
                objects[_handle(obj)] = TextObject(round(size.value * scale, 2), fonts[key], colour, paint, bounds)
                continue
            if kind not in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE):
                continue
            pdfium_c.FPDFPageObj_GetBounds(obj, *f)
            clip = _clip_box(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                b = _intersect((f[0].value, f[1].value, f[2].value, f[3].value), clip)
                if b[2] - b[0] > 1 and b[3] - b[1] > 1:
                    images.append(Shape(*b, paint, (0, 0, 0)))
                continue
            pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroke)
            filled, stroked = fill_mode.value != 0, bool(stroke.value)
            if not filled and not stroked:
                continue
            if filled:
                fill = _colour(obj, pdfium_c.FPDFPageObj_GetFillColor)
                if fill[3] == 0:
                    filled = False
            half = 0.0
            if stroked:
                pdfium_c.FPDFPageObj_GetStrokeWidth(obj, width)
                half = width.value / 2
            pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)
            colour = (_colour(obj, pdfium_c.FPDFPageObj_GetFillColor) if filled
                      else _colour(obj, pdfium_c.FPDFPageObj_GetStrokeColor))[:3]
            # Each subpath on its own: WeasyPrint draws a box's borders as one path of several.
            subpaths: list[list[tuple[float, float]]] = []
            for s in range(pdfium_c.FPDFPath_CountSegments(obj)):
                seg = pdfium_c.FPDFPath_GetPathSegment(obj, s)
                pdfium_c.FPDFPathSegment_GetPoint(seg, px, py)
                x = matrix.a * px.value + matrix.c * py.value + matrix.e
                y = matrix.b * px.value + matrix.d * py.value + matrix.f
                if pdfium_c.FPDFPathSegment_GetType(seg) == pdfium_c.FPDF_SEGMENT_MOVETO or not subpaths:
                    subpaths.append([])
                subpaths[-1].append((x, y))
            scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
            for points in subpaths:
                x0, y0, x1, y1 = _bbox_of_points(points)
                if stroked and not filled:
                    h = half * scale
                    if x1 - x0 > 3 and y1 - y0 > 3 and len(points) >= 4:
                        # A stroked outline: its four edges are rules.
                        for edge in ((x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)):
                            e = _intersect((edge[0] - h, edge[1] - h, edge[2] + h, edge[3] + h), clip)
                            if e[2] > e[0] and e[3] > e[1]:
                                rules.append(Shape(*e, paint, colour))
                        continue
                    x0, y0, x1, y1 = x0 - h, y0 - h, x1 + h, y1 + h
                x0, y0, x1, y1 = _intersect((x0, y0, x1, y1), clip)
                w, h = x1 - x0, y1 - y0
                if w <= 0.05 or h <= 0.05:
                    continue
                if min(w, h) <= 3 and max(w, h) >= 3 * min(w, h):
                    rules.append(Shape(x0, y0, x1, y1, paint, colour))
                elif filled:
                    boxes.append(Shape(x0, y0, x1, y1, paint, colour))

    walk(lambda i: pdfium_c.FPDFPage_GetObject(page_raw, i), pdfium_c.FPDFPage_CountObjects(page_raw))


def _respread(glyphs: list[Glyph], bounds: tuple[float, float, float, float]) -> None:
    """Under /ActualText (Khmer, Devanagari…) pdfium gives every character of a run the run's origin
    and no box of its own; the run's bounds are all that is known, so its characters share them out."""
    x0, y0, x1, y1 = bounds
    step = (x1 - x0) / len(glyphs)
    for k, g in enumerate(glyphs):
        g.x0 = g.lx0 = x0 + k * step
        g.x1 = g.lx1 = x0 + (k + 1) * step
        g.y0, g.y1 = y0, y1
        g.ly0, g.ly1 = min(g.ly0, y0), max(g.ly1, y1)


def _read_glyphs(text_page, objects: dict[int, TextObject], spaces: dict) -> list[Glyph | str]:
    """The page's characters in drawing order: glyphs, and a separator (" " stretchable, "|" not)."""
    count = pdfium_c.FPDFText_CountChars(text_page)
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    ox, oy = ctypes.c_double(), ctypes.c_double()
    rect = pdfium_c.FS_RECTF()
    items: list[Glyph | str] = []
    runs: dict[int, list[Glyph]] = defaultdict(list)
    origins: dict[int, set[float]] = defaultdict(set)
    for i in range(count):
        ch = chr(pdfium_c.FPDFText_GetUnicode(text_page, i))
        if ch == "\x02":   # pdfium reads a hyphen that ends a line as U+0002
            ch = "-"
        if ch in "\r\n" or ch in _SEPARATORS or unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u00ad":
            if ch in _SPACES:
                obj = _handle(pdfium_c.FPDFText_GetTextObject(text_page, i))
                if obj in objects and not pdfium_c.FPDFText_IsGenerated(text_page, i):
                    pdfium_c.FPDFText_GetLooseCharBox(text_page, i, rect)
                    if rect.right - rect.left > 0.05:
                        o = objects[obj]
                        spaces[(o.font, round(o.size, 1))].append(rect.right - rect.left)
            items.append(" " if ch in _SPACES else "|")
            continue
        obj = _handle(pdfium_c.FPDFText_GetTextObject(text_page, i))
        if obj not in objects:
            continue
        pdfium_c.FPDFText_GetCharBox(text_page, i, left, right, bottom, top)
        pdfium_c.FPDFText_GetLooseCharBox(text_page, i, rect)
        pdfium_c.FPDFText_GetCharOrigin(text_page, i, ox, oy)
        g = Glyph(ch, left.value, bottom.value, right.value, top.value,
                  rect.left, rect.right, rect.bottom, rect.top, oy.value, obj)
        if g.x1 <= g.x0 or g.y1 <= g.y0:   # an empty glyph (a mark with no outline): size from loose box
            g.x0, g.x1 = g.lx0, max(g.lx1, g.lx0)
            g.y0 = g.y1 = oy.value
        items.append(g)
        runs[obj].append(g)
        origins[obj].add(round(ox.value, 2))
    # Under /ActualText pdfium hangs the run's characters on its first text object and leaves the
    # others, which draw the glyphs, without characters: those carry the run's real geometry.
    by_paint = sorted(objects.items(), key=lambda kv: kv[1].paint)
    unread: dict[int, list[TextObject]] = defaultdict(list)
    owner = None
    for obj, info in by_paint:
        if obj in runs:
            owner = obj
        elif owner is not None and info.bounds and abs(info.size - objects[owner].size) < 0.01:
            unread[owner].append(info)
    for obj, glyphs in runs.items():
        if len(glyphs) > 1 and len(origins[obj]) == 1 and objects[obj].bounds:
            pieces = [objects[obj].bounds, *(o.bounds for o in unread.get(obj, ()))]
            _respread(glyphs, (min(b[0] for b in pieces), objects[obj].bounds[1],
                               max(b[2] for b in pieces), objects[obj].bounds[3]))
            for g in glyphs:
                g.synthetic = True
            last = glyphs[-1]
            at = items.index(last) + 1
            for info in unread.get(obj, ()):
                x0, y0, x1, y1 = info.bounds
                ink = Glyph("", x0, y0, x1, y1, x0, x1, min(y0, last.ly0), max(y1, last.ly1), last.base, obj)
                ink.synthetic = True
                items.insert(at, ink)
                at += 1
    return items


def _read_lines(page_raw, index: int, objects: dict[int, TextObject], spaces: dict, order_base: int) -> list[Line]:
    """The page's glyphs gathered into lines: same text object and baseline, or an adjacent run."""
    text_page = pdfium_c.FPDFText_LoadPage(page_raw)
    try:
        items = _read_glyphs(text_page, objects, spaces)
    finally:
        pdfium_c.FPDFText_ClosePage(text_page)
    lines: list[Line] = []
    line: Line | None = None
    extent = [0.0, 0.0, 0.0, 0.0]  # the line's loose x0, x1, top, bottom so far
    pending = False     # a separator since the last glyph
    stretch = False     # ... and it is a stretchable space
    order = order_base
    for g in items:
        if isinstance(g, str):
            pending = True
            stretch = stretch or g == " "
            continue
        ch = g.ch
        size = objects[g.obj].size
        if line is not None:
            last = line.glyphs[-1]
            lsize = objects[last.obj].size
            same_base = abs(g.base - last.base) < 0.25 * max(size, lsize)
            if g.obj == last.obj and same_base:
                joined = True
            else:
                reach = 1.6 * max(size, lsize)
                x0, x1, ltop, lbottom = extent
                near = (x1 - 1.0 <= g.lx0 <= x1 + reach) or (x0 - reach <= g.lx1 <= x0 + 1.0)
                vertical = min(g.ly1, ltop) - max(g.ly0, lbottom) > 0.3 * min(size, lsize)
                similar = max(size, lsize) <= 2.0 * min(size, lsize)   # a note call, not a drop cap
                joined = near and vertical and similar and abs(g.base - last.base) < 0.6 * max(size, lsize)
            if joined:
                if pending:
                    line.tokens.append("")
                    if stretch:
                        line.gaps.append(g.lx0 - last.lx1 if g.lx0 >= last.lx1 - 0.5 else last.lx0 - g.lx1)
                        line.inner_gaps += g.obj == last.obj
                line.tokens[-1] += ch
                line.glyphs.append(g)
                line.synthetic = line.synthetic or g.synthetic
                extent = [min(extent[0], g.lx0), max(extent[1], g.lx1), max(extent[2], g.ly1),
                          min(extent[3], g.ly0)]
                pending = stretch = False
                continue
        line = Line(index, order)
        order += 1
        line.glyphs.append(g)
        line.tokens[-1] += ch
        line.synthetic = g.synthetic
        lines.append(line)
        extent = [g.lx0, g.lx1, g.ly1, g.ly0]
        pending = stretch = False
    for ln in lines:
        ln.finish(objects)
    return lines


def read_pages(path: Path) -> tuple[list[Page], dict]:
    with pikepdf.open(path) as pdf:
        meta = []
        for page in pdf.pages:
            trim = page.obj.get("/TrimBox") or page.obj.get("/CropBox") or page.MediaBox
            x0, y0, x1, y1 = (float(v) for v in trim)
            try:
                label = str(page.label)
            except Exception:  # noqa: BLE001 - a malformed /PageLabels tree: count from 1
                label = str(len(meta) + 1)
            meta.append(((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), label))
    document = pdfium.PdfDocument(str(path))
    pages: list[Page] = []
    spaces: dict = defaultdict(list)
    order = 0
    try:
        for index in range(len(document)):
            page = document[index]
            objects: dict[int, TextObject] = {}
            rules: list[Shape] = []
            boxes: list[Shape] = []
            images: list[Shape] = []
            _read_objects(page.raw, objects, rules, boxes, images)
            lines = _read_lines(page.raw, index, objects, spaces, order)
            order += len(lines)
            trim, label = meta[index]
            pages.append(Page(index, label, trim, lines, rules, boxes, images))
            page.close()
    finally:
        document.close()
    return pages, spaces


# --- The detectors ---------------------------------------------------------------------------------

def _excerpt(line: Line, width: int = 60) -> str:
    text = line.text
    return text if len(text) <= width else text[: width - 1] + "…"


def _overlap(a, b) -> tuple[float, float]:
    return min(a.x1, b.x1) - max(a.x0, b.x0), min(a.y1, b.y1) - max(a.y0, b.y0)


def _text_over_text(page: Page, th: Thresholds) -> list[Finding]:
    found = []
    lines = sorted(page.lines, key=lambda ln: -ln.y1)
    for i, a in enumerate(lines):
        for b in lines[i + 1:]:
            if b.y1 <= a.y0:
                break
            if min(a.x1, b.x1) - max(a.x0, b.x0) <= th.min_overlap_pt:
                continue
            # Runs placed only by their bounding boxes (see Glyph) count when they overlap by more
            # than a quarter of their size: Khmer marks above and below touch the next line's box.
            need = 0.25 * min(a.size, b.size) if a.synthetic or b.synthetic else th.min_overlap_pt
            worst = 0.0
            for ga in a.glyphs:
                if ga.y1 <= b.y0 or ga.y0 >= b.y1:
                    continue
                for gb in b.glyphs:
                    dx, dy = _overlap(ga, gb)
                    if dx > need and dy > need:
                        worst = max(worst, min(dx, dy))
            if worst:
                found.append(Finding("text-over-text", page.index, page.label, round(worst, 2), "pt",
                                     f"{_excerpt(a, 40)} ⟂ {_excerpt(b, 40)}",
                                     (max(a.x0, b.x0), max(a.y0, b.y0), min(a.x1, b.x1), min(a.y1, b.y1))))
    return found


def _is_decoration(rule: Shape, line: Line) -> bool:
    """An underline or strike-through: horizontal, within the line's run, near its baseline, its ink."""
    if rule.x1 - rule.x0 < rule.y1 - rule.y0:
        return False
    if rule.x0 < line.x0 - 1 or rule.x1 > line.x1 + 1:
        return False
    mid = (rule.y0 + rule.y1) / 2
    if not (line.base - 0.35 * line.size <= mid <= line.base + 0.45 * line.size):
        return False
    return max(abs(a - b) for a, b in zip(rule.colour, line.colour, strict=True)) <= 24


def _text_over_shapes(page: Page, th: Thresholds) -> list[Finding]:
    found = []
    for line in page.lines:
        lb = (line.x0, line.y0, line.x1, line.y1)
        for rule in page.rules:
            if rule.x1 <= lb[0] or rule.x0 >= lb[2] or rule.y1 <= lb[1] or rule.y0 >= lb[3]:
                continue
            if _is_decoration(rule, line):
                continue
            thin = min(rule.x1 - rule.x0, rule.y1 - rule.y0)
            need = min(th.min_overlap_pt, thin * 0.5)
            depth = 0.0
            for g in line.glyphs:
                dx, dy = _overlap(g, rule)
                if dx > need and dy > need:
                    depth = max(depth, min(dx, dy))
            if depth:
                found.append(Finding("text-over-rule", page.index, page.label, round(depth, 2), "pt",
                                     _excerpt(line), (rule.x0, rule.y0, rule.x1, rule.y1)))
                break
        for box in page.boxes:
            dx = min(box.x1, lb[2]) - max(box.x0, lb[0])
            dy = min(box.y1, lb[3]) - max(box.y0, lb[1])
            if dx <= th.min_overlap_pt or dy <= th.min_overlap_pt:
                continue
            inside = (box.x0 - 0.5 <= lb[0] and lb[2] <= box.x1 + 0.5
                      and box.y0 - 0.5 <= lb[1] and lb[3] <= box.y1 + 0.5)
            if box.paint > line.paint or not inside:
                hit = any(min(g.x1, box.x1) - max(g.x0, box.x0) > th.min_overlap_pt
                          and min(g.y1, box.y1) - max(g.y0, box.y0) > th.min_overlap_pt for g in line.glyphs)
                if hit:
                    what = "painted over the line" if box.paint > line.paint else "line crosses the box's edge"
                    found.append(Finding("text-over-box", page.index, page.label, round(min(dx, dy), 2), "pt",
                                         f"{_excerpt(line)} ({what})", (box.x0, box.y0, box.x1, box.y1)))
                    break
        for image in page.images:
            for g in line.glyphs:
                dx, dy = _overlap(g, image)
                if dx <= th.min_overlap_pt or dy <= th.min_overlap_pt:
                    continue
                if image.paint < line.paint and any(
                        image.paint < box.paint < line.paint and box.x0 - 0.5 <= g.x0 and g.x1 <= box.x1 + 0.5
                        and box.y0 - 0.5 <= g.y0 and g.y1 <= box.y1 + 0.5 for box in page.boxes):
                    continue
                found.append(Finding("text-over-image", page.index, page.label, round(min(dx, dy), 2), "pt",
                                     _excerpt(line), (image.x0, image.y0, image.x1, image.y1)))
                break
            else:
                continue
            break
    return found


def _dotted_circles(page: Page) -> list[Finding]:
    """A dotted circle is what a shaper draws for a mark it could not attach to a letter (a Khmer
    vowel parted from its consonant by a font change): a broken word, whatever the script."""
    return [Finding("dotted-circle", page.index, page.label, sum(g.ch == "\u25cc" for g in line.glyphs),
                    "dotted circles", _excerpt(line), (line.x0, line.y0, line.x1, line.y1))
            for line in page.lines if any(g.ch == "\u25cc" for g in line.glyphs)]


def _stray_rules(page: Page, body: float, th: Thresholds) -> list[Finding]:
    """A column rule belongs between two columns: a tall vertical rule with text along one side only
    is drawn outside its columns."""
    found = []
    for rule in page.rules:
        height = rule.y1 - rule.y0
        if rule.x1 - rule.x0 > 2 or height < 4 * body:
            continue
        x = (rule.x0 + rule.x1) / 2
        near = 0.5 * height if height < 20 * body else 10 * body
        beside = [ln for ln in page.lines if ln.y1 > rule.y0 and ln.y0 < rule.y1]
        left = [ln for ln in beside if x - near < ln.x1 <= x + 1]
        right = [ln for ln in beside if x - 1 <= ln.x0 < x + near]
        pictures = [im for im in (*page.images, *page.boxes) if im.y1 > rule.y0 and im.y0 < rule.y1]
        left_picture = any(x - near < im.x1 <= x + 1 for im in pictures)
        right_picture = any(x - 1 <= im.x0 < x + near for im in pictures)
        if (bool(left) or left_picture) != (bool(right) or right_picture):
            side = left or right
            if not side:
                continue
            found.append(Finding("stray-rule", page.index, page.label, round(height / MM, 1), "mm tall",
                                 f"text on its {'left' if left else 'right'} only: {_excerpt(side[0], 40)}",
                                 (rule.x0, rule.y0, rule.x1, rule.y1)))
    return found


def _safe_zone(page: Page, th: Thresholds) -> list[Finding]:
    found = []
    tx0, ty0, tx1, ty1 = page.trim
    limit = th.safe_zone_mm * MM
    for line in page.lines:
        nearest = min(min(g.x0 - tx0, tx1 - g.x1, g.y0 - ty0, ty1 - g.y1) for g in line.glyphs)
        if nearest < limit:
            found.append(Finding("safe-zone", page.index, page.label, round(nearest / MM, 2), "mm from trim",
                                 _excerpt(line), (line.x0, line.y0, line.x1, line.y1)))
    return found


def _breaks_without_hyphen(ch: str) -> bool:
    """Scripts whose lines break between words (or syllables) without a hyphen, by their rules."""
    cp = ord(ch)
    return (0x1780 <= cp <= 0x17FF or 0x19E0 <= cp <= 0x19FF      # Khmer
            or 0x0E00 <= cp <= 0x0EFF                               # Thai, Lao
            or 0x1000 <= cp <= 0x109F or 0xAA60 <= cp <= 0xAA7F     # Myanmar
            or 0x0F00 <= cp <= 0x0FFF                               # Tibetan
            or 0x2E80 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF     # CJK, kana, punctuation
            or 0xFF00 <= cp <= 0xFFEF or 0xAC00 <= cp <= 0xD7AF     # full width, Hangul
            or 0x1100 <= cp <= 0x11FF or 0x20000 <= cp <= 0x3FFFF)


def _word(token: str) -> str:
    return token.strip(_QUOTES).lower()


def _is_wordlike(ch: str) -> bool:
    return unicodedata.category(ch)[0] in ("L", "N", "M")


@dataclass
class Frame:
    """A column: lines of text end on its right edge R and start at its left edge L (or indented)."""

    parity: int
    left: float
    right: float
    size: float
    lines: int = 0

    @property
    def width(self) -> float:
        return self.right - self.left


def _running(line: Line) -> bool:
    """A line of running text: word gaps, most of them inside its text runs; measurable."""
    return bool(line.gaps) and 2 * line.inner_gaps >= len(line.gaps) and not line.rtl and not line.synthetic


def _frames(pages: list[Page], body: float, th: Thresholds) -> list[Frame]:
    """Columns found where at least `frame_min_lines` lines with word gaps end on one right edge
    (within the edge tolerance), on pages of one side; each frame knows how many lines made it."""
    ends: dict[int, list[Line]] = defaultdict(list)
    for page in pages:
        for line in page.lines:
            if _running(line):
                ends[page.index % 2].append(line)
    frames = []
    for parity, lines in ends.items():
        lines.sort(key=lambda ln: ln.x1)
        run: list[Line] = []
        for line in [*lines, None]:
            if line is not None and (not run or line.x1 - run[-1].x1 <= th.edge_tolerance_pt):
                run.append(line)
                continue
            by_size: dict[float, list[Line]] = defaultdict(list)
            for ln in run:
                by_size[round(ln.size, 1)].append(ln)
            for members in by_size.values():
                if len(members) < th.frame_min_lines:
                    continue
                right = Counter(round(ln.x1 * 2) / 2 for ln in members).most_common(1)[0][0]
                left = Counter(round(ln.x0 * 2) / 2 for ln in members).most_common(1)[0][0]
                size = statistics.median(ln.size for ln in members)
                if right - left >= 10 * size:
                    frames.append(Frame(parity, left, right, size, len(members)))
            run = [line] if line is not None else []
    return frames


def _frame_of(line: Line, frames: list[Frame], th: Thresholds) -> Frame | None:
    """The column a line sits in: of the frames it fits, the one most lines made (a few ragged
    lines that happen to end together make a frame too, a weak one)."""
    tol = th.edge_tolerance_pt
    best = None
    for f in frames:
        if f.parity != line.page % 2 or abs(line.size - f.size) > th.body_size_tolerance * f.size:
            continue
        fits = f.left - tol <= line.x0 < f.left + 0.5 * f.width and line.x1 <= f.right + 1.5 * tol
        if fits and (best is None or f.lines > best.lines):
            best = f
    return best


def _loose_lines(pages: list[Page], frames: list[Frame], spaces: dict, th: Thresholds):
    natural = {key: statistics.median(widths) for key, widths in spaces.items() if widths}
    ratios = [w / key[1] for key, w in natural.items() if key[1] > 0]
    em_space = statistics.median(ratios) if ratios else 0.26
    found = []
    justified = 0
    for page in pages:
        for line in page.lines:
            if not _running(line):
                continue
            frame = _frame_of(line, frames, th)
            if frame is None or abs(line.x1 - frame.right) > th.edge_tolerance_pt:
                continue
            justified += 1
            space = natural.get((line.font, round(line.size, 1))) or em_space * line.size
            ratio = statistics.median(line.gaps) / space
            if ratio > th.loose_gap_ratio:
                found.append(Finding("loose-line", page.index, page.label, round(ratio, 2), "× natural space",
                                     _excerpt(line), (line.x0, line.y0, line.x1, line.y1)))
    return found, justified


def _continues(a: Line, b: Line, frames_of: dict[int, Frame | None]) -> bool:
    """Does `b` carry on the text of `a`: the line below it, or the next column's first line?"""
    if a.page == b.page and b.base < a.base and a.base - b.base < 2.2 * a.size:
        return min(a.x1, b.x1) - max(a.x0, b.x0) > 0 and abs(a.size - b.size) < 0.2 * a.size
    if a.page == b.page and (b.base >= a.base - 0.5 * a.size and b.x0 >= a.x1 - 1):
        return False   # the next cell of a table row, or text beside: not the next line
    fa, fb = frames_of.get(id(a)), frames_of.get(id(b))
    if fa is None or fb is None or abs(a.size - b.size) >= 0.2 * a.size:
        return False
    return a.page != b.page or fa is not fb   # the head of the next column


def _vocabulary(pages: list[Page]) -> set[str]:
    """Words the file spells out whole: tokens inside lines, and line ends with punctuation.

    Letter-spaced lines (running heads, which pdfium reads as one letter a word) are left out."""
    words: set[str] = set()
    for page in pages:
        for line in page.lines:
            toks = line.tokens
            if len(toks) < 3 or statistics.median(len(t) for t in toks) < 2:
                continue
            for k, tok in enumerate(toks):
                if 0 < k < len(toks) - 1 or (k == len(toks) - 1 and tok[-1] in ",.;:!?)”’\""):
                    for part in tok.replace("\u2010", "-").split("-"):
                        w = _word(part)
                        if w:
                            words.add(w)
    return words


def _broken_words(pages: list[Page], frames_of: dict[int, Frame | None], th: Thresholds) -> list[Finding]:
    vocabulary = _vocabulary(pages)
    found = []
    seq = [ln for page in pages for ln in page.lines]
    for a, b in zip(seq, seq[1:], strict=False):
        if a.rtl or b.rtl or not _continues(a, b, frames_of):
            continue
        last, first = a.last, b.first
        if (last in _IDENTIFIER_BREAKS or first in _IDENTIFIER_BREAKS) and last != "\u2010":
            continue
        if _breaks_without_hyphen(last) or _breaks_without_hyphen(first):
            continue
        head, tail = a.tokens[-1], b.tokens[0]
        if last == "\u2010" and ("://" in head or "www." in head or head.count("/") >= 2):
            found.append(Finding("broken-word", a.page, _label(pages, a), len(head), "letters",
                                 f"{head}|{tail} (a hyphen put into a URL)", (a.x0, a.y0, a.x1, a.y1)))
            continue
        if last in _HYPHENS:
            continue
        if (last.isdigit() and (first in _UNITS or tail.strip(_QUOTES) in _UNITS)) or (
                last in _SIGNS and first.isdigit()):
            found.append(Finding("split-unit", a.page, _label(pages, a), 1, "break",
                                 f"{head}|{tail}", (a.x0, a.y0, a.x1, a.y1)))
            continue
        alone = len(a.tokens) == 1
        evidence = ""
        if alone and first.isdigit() and (last.isdigit() or (last in ",." and head[-2:-1].isdigit())):
            evidence = "a number cut"
        elif (not (_is_wordlike(last) and _is_wordlike(first)) or (first.isupper() and not last.isupper())
              or last.isdigit() != first.isdigit()):
            continue  # punctuation, a new word (or sentence) begins ("…the|Mekong"), letters then figures
        ha, tb = _word(head), _word(tail)
        joined = ha + tb
        if evidence:
            pass
        elif joined in vocabulary and not (ha in vocabulary and tb in vocabulary):
            evidence = "whole elsewhere"
        elif alone and a.font != b.font:
            continue  # a heading of one word over the text (a drop cap after it takes the next line's letter)
        elif alone:
            frame = frames_of.get(id(a))
            if frame is not None and abs(a.x1 - frame.right) <= th.edge_tolerance_pt:
                evidence = "one word filling the column"
            elif len(ha) <= 2 and not first.isupper() and not (ha in vocabulary and tb in vocabulary):
                evidence = "a line of one or two letters"
            elif ha not in vocabulary and tb not in vocabulary and len(tb) <= th.fragment_max_len:
                evidence = "two fragments"
        if evidence:
            found.append(Finding("broken-word", a.page, _label(pages, a), len(joined), "letters",
                                 f"{head}|{tail} ({evidence})", (a.x0, a.y0, a.x1, a.y1)))
    return found


def _label(pages: list[Page], line: Line) -> str:
    return pages[line.page].label


def _ladders(pages: list[Page], th: Thresholds) -> list[Finding]:
    found = []
    seq = [ln for page in pages for ln in page.lines]
    run: list[Line] = []

    def close():
        if len(run) > th.ladder_max:
            first = run[0]
            found.append(Finding("ladder", first.page, _label(pages, first), len(run), "hyphenated lines in a row",
                                 " / ".join(ln.tokens[-1] for ln in run),
                                 (min(ln.x0 for ln in run), run[-1].y0, max(ln.x1 for ln in run), first.y1)))

    for line in seq:
        text = line.tokens[-1] if line.tokens else ""
        hyphen = len(text) > 1 and text[-1] in _HYPHENS and _is_wordlike(text[-2]) and not line.rtl
        if hyphen and run:
            prev = run[-1]
            below = (prev.page == line.page and 0 < prev.base - line.base < 2.2 * prev.size
                     and min(prev.x1, line.x1) - max(prev.x0, line.x0) > 0)
            if not below:
                close()
                run = []
        if hyphen:
            run.append(line)
        else:
            close()
            run = []
    close()
    return found


def _body_size(pages: list[Page]) -> float:
    weight: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            weight[round(line.size, 1)] += len(line.glyphs)
    return weight.most_common(1)[0][0] if weight else 0.0


def _is_body(line: Line, body: float, th: Thresholds) -> bool:
    return abs(line.size - body) <= th.body_size_tolerance * body


def _furniture(pages: list[Page], body: float, th: Thresholds) -> tuple[dict[int, float], dict[int, float]]:
    """Running heads and folios: a page's highest (lowest) line, smaller than body text, in its head
    (foot) margin, at a height that recurs on pages of the same side. Returns, per side, the lowest
    edge of the heads and the highest edge of the folios."""
    seen: dict[tuple[int, str, int], list[Line]] = defaultdict(list)
    for page in pages:
        if not page.lines:
            continue
        _, ty0, _, ty1 = page.trim
        band = 0.15 * (ty1 - ty0)
        small = [ln for ln in page.lines if ln.size < body * (1 - th.body_size_tolerance)]
        top = max(page.lines, key=lambda ln: ln.y1)
        foot = min(page.lines, key=lambda ln: ln.y0)
        if top in small and top.y0 > ty1 - band:
            seen[(page.index % 2, "head", round(top.base))].append(top)
        if foot in small and foot.y1 < ty0 + band:
            seen[(page.index % 2, "foot", round(foot.base))].append(foot)
    heads: dict[int, float] = {}
    foots: dict[int, float] = {}
    for (parity, where, _), lines in seen.items():
        if len({ln.page for ln in lines}) < 2:
            continue
        if where == "head":
            heads[parity] = min([heads.get(parity, lines[0].y0), *(ln.y0 for ln in lines)])
        else:
            foots[parity] = max([foots.get(parity, lines[0].y1), *(ln.y1 for ln in lines)])
    return heads, foots


def _type_areas(pages: list[Page], body: float, th: Thresholds) -> dict[int, tuple[float, float, float, float]]:
    """Per side of the spread, the area the pages' content fills (the type area).

    Its top and sides are where text and pictures reach on the fuller pages; its foot, where text
    reaches on full text pages, or, on pages that never fill (a photo essay), as far above the folios
    as the running heads stand above the top."""
    heads, foots = _furniture(pages, body, th)
    extents: dict[int, list[tuple[float, float, float, float]]] = defaultdict(list)
    for page in pages:
        tx0, ty0, tx1, ty1 = page.trim
        trim_area = (tx1 - tx0) * (ty1 - ty0)
        parity = page.index % 2
        boxes = [(ln.x0, ln.bottom, ln.x1, ln.top) for ln in page.lines
                 if _is_body(ln, body, th) and not (parity in heads and ln.y0 >= heads[parity])
                 and not (parity in foots and ln.y1 <= foots[parity])]
        if len(boxes) < 5:
            continue
        boxes += [(im.x0, im.y0, im.x1, im.y1) for im in page.images
                  if (im.x1 - im.x0) * (im.y1 - im.y0) < th.full_page_image * trim_area
                  and im.x0 >= tx0 and im.x1 <= tx1 and im.y0 >= ty0 and im.y1 <= ty1]
        extents[parity].append((min(b[0] for b in boxes), min(b[1] for b in boxes),
                                max(b[2] for b in boxes), max(b[3] for b in boxes)))
    areas = {}

    def pick(values, low):
        values = sorted(values)
        k = int(len(values) * 0.1)
        return values[k] if low else values[len(values) - 1 - k]

    for parity, ext in extents.items():
        x0, y0 = pick([e[0] for e in ext], True), pick([e[1] for e in ext], True)
        x1, y1 = pick([e[2] for e in ext], False), pick([e[3] for e in ext], False)
        if parity in heads and parity in foots:
            y0 = min(y0, foots[parity] + max(0.0, heads[parity] - y1))
        areas[parity] = (x0, y0, x1, y1)
    if len(areas) == 1 and pages:
        (parity, (x0, y0, x1, y1)), = areas.items()
        tx0, _, tx1, _ = pages[0].trim
        areas[1 - parity] = (tx0 + tx1 - x1, y0, tx0 + tx1 - x0, y1)   # the other side, mirrored
    return areas


class _Grid:
    """The type area on a 1 mm grid, each row a bit mask of the cells that lines, pictures and
    filled boxes cover (Python ints: fast to fill, count and mask)."""

    def __init__(self, page: Page, area: tuple[float, float, float, float]):
        ax0, ay0, ax1, ay1 = self.area = area
        self.cols = max(1, round((ax1 - ax0) / MM))
        self.rows = max(1, round((ay1 - ay0) / MM))
        self.sx, self.sy = self.cols / (ax1 - ax0), self.rows / (ay1 - ay0)
        self.cells = [0] * self.rows
        for line in page.lines:
            self._mark(line.x0, line.bottom, line.x1, line.top)
        for shape in (*page.images, *page.boxes):
            self._mark(shape.x0, shape.y0, shape.x1, shape.y1)

    def _span(self, x0: float, x1: float) -> tuple[int, int]:
        return (max(0, int((x0 - self.area[0]) * self.sx)),
                min(self.cols, int(round((x1 - self.area[0]) * self.sx + 0.5))))

    def _mark(self, x0, y0, x1, y1) -> None:
        c0, c1 = self._span(x0, x1)
        r0 = max(0, int((y0 - self.area[1]) * self.sy))
        r1 = min(self.rows, int(round((y1 - self.area[1]) * self.sy + 0.5)))
        if c1 <= c0 or r1 <= r0:
            return
        bits = ((1 << (c1 - c0)) - 1) << c0
        for r in range(r0, r1):
            self.cells[r] |= bits

    def coverage(self) -> float:
        return sum(row.bit_count() for row in self.cells) / (self.cols * self.rows)

    def longest_gap(self, x0: float | None = None, x1: float | None = None) -> tuple[float, float]:
        """The tallest run of empty rows (across the whole width, or within x0..x1): its share of the
        type area's height and its top, in points."""
        if x0 is None:
            mask = (1 << self.cols) - 1
        else:
            c0, c1 = self._span(x0, x1)
            if c1 <= c0:
                return 0.0, 0.0
            mask = ((1 << (c1 - c0)) - 1) << c0
        best = run = 0
        best_end = 0
        for r, row in enumerate(self.cells):
            run = run + 1 if not row & mask else 0
            if run > best:
                best, best_end = run, r
        return best / self.rows, self.area[1] + (best_end + 1) / self.sy


def _has_folio(page: Page, area) -> bool:
    label = page.label.strip()
    return any(ln.text.strip() == label and (ln.y1 < area[1] or ln.y0 > area[3]) for ln in page.lines)


def _sparse_pages(pages: list[Page], body: float, areas, frames: list[Frame], th: Thresholds) -> list[Finding]:
    found = []
    if not areas:
        return found
    folios = [_has_folio(p, areas[p.index % 2]) for p in pages]
    for k, page in enumerate(pages):
        area = areas[page.index % 2]
        tx0, ty0, tx1, ty1 = page.trim
        trim_area = (tx1 - tx0) * (ty1 - ty0)
        label = page.label.strip().lower()
        if label and set(label) <= _ROMAN:
            continue                                     # front matter: title, imprint, contents
        if not page.lines and not page.images:
            continue                                     # a blank page
        if any((im.x1 - im.x0) * (im.y1 - im.y0) >= th.full_page_image * trim_area for im in page.images):
            continue                                     # a full-page photo
        body_lines = [ln for ln in page.lines if _is_body(ln, body, th)]
        if not page.images and len(body_lines) < 3:
            continue                                     # a title, part or display page
        if (k == len(pages) - 1 or not folios[k + 1] or not pages[k + 1].lines
                or any(ln.last == _END_MARK for ln in page.lines)):
            continue                                     # the last page of a text
        grid = _Grid(page, area)
        fill = grid.coverage()
        excerpt = _excerpt(body_lines[0]) if body_lines else f"{len(page.images)} photo(s)"
        if fill < th.sparse_fill:
            found.append(Finding("sparse-page", page.index, page.label, round(fill, 3), "of the type area",
                                 excerpt, area))
        band, top = grid.longest_gap()
        if band > th.empty_band:
            found.append(Finding("empty-band", page.index, page.label, round(band, 3),
                                 "of the type area's height", excerpt, (area[0], top - band * (area[3] - area[1]),
                                                                         area[2], top)))
            continue
        for frame in frames:
            if frame.parity != page.index % 2 or abs(frame.size - body) > th.body_size_tolerance * body:
                continue
            void, top = grid.longest_gap(frame.left + MM, frame.right - MM)
            if void > th.column_void:
                found.append(Finding("column-void", page.index, page.label, round(void, 3),
                                     "of the column's height", excerpt,
                                     (frame.left, top - void * (area[3] - area[1]), frame.right, top)))
    return found


def _lone_headings(pages: list[Page], body: float, areas, th: Thresholds) -> list[Finding]:
    """A page of the body (arabic folio) holding only headings, most of it empty, whose next page goes
    on with the text under a photo at its head: the photo moved on, leaving its headline alone.

    A part page, a dedication or an epigraph is followed by a blank page or by another text's
    opening, not by a page of text under a photo; a photo page after a display page (a photo essay)
    holds no text in columns."""
    found = []
    if not areas:
        return found
    for k in range(len(pages) - 1):
        page, after = pages[k], pages[k + 1]
        label = page.label.strip().lower()
        if (label and set(label) <= _ROMAN) or page.images or not page.lines:
            continue
        area = areas[page.index % 2]
        if sum(1 for ln in page.lines if _is_body(ln, body, th) and ln.y1 >= area[1] and ln.y0 <= area[3]) >= 3:
            continue
        height = area[3] - area[1]
        lowest = min((ln.y0 for ln in page.lines if ln.y0 > area[1] - 1), default=area[3])
        empty = max(0.0, lowest - area[1]) / height
        if empty < th.lone_heading:
            continue
        next_area = areas[after.index % 2]
        tx0, ty0, tx1, ty1 = after.trim
        trim_area = (tx1 - tx0) * (ty1 - ty0)
        photos = [im for im in after.images if (im.x1 - im.x0) * (im.y1 - im.y0) < th.full_page_image * trim_area]
        text = [ln for ln in after.lines if _is_body(ln, body, th)]
        if not photos or len(text) < 3:
            continue
        top = max(photos, key=lambda im: im.y1)
        over = [ln for ln in text if ln.y0 >= top.y1 - 1 and ln.x1 > top.x0 and ln.x0 < top.x1]
        if len(over) > 2 or top.y1 < next_area[3] - 0.2 * (next_area[3] - next_area[1]):
            continue                                     # text, not a photo, heads the next page
        box = (min(ln.x0 for ln in page.lines), lowest, max(ln.x1 for ln in page.lines),
               max(ln.y1 for ln in page.lines))
        found.append(Finding("lone-heading", page.index, page.label, round(empty, 3), "of the type area empty",
                             _excerpt(max(page.lines, key=lambda ln: ln.size)), box))
    return found


def _front_spills(pages: list[Page]) -> list[Finding]:
    """A front-matter page (roman folio) holding only a few lines at its head, after a page filled to
    its foot: the title page (or imprint) ran over, with nothing to say so."""
    found = []
    for k in range(1, len(pages)):
        page, before = pages[k], pages[k - 1]
        label = page.label.strip().lower()
        if not (label and set(label) <= _ROMAN) or page.images or not page.lines or len(page.lines) > 3:
            continue
        _, ty0, _, ty1 = page.trim
        height = ty1 - ty0
        if min(ln.y0 for ln in page.lines) < ty1 - 0.35 * height:
            continue
        if not before.lines or min(ln.y0 for ln in before.lines) > ty0 + 0.25 * height:
            continue
        box = (min(ln.x0 for ln in page.lines), min(ln.y0 for ln in page.lines),
               max(ln.x1 for ln in page.lines), max(ln.y1 for ln in page.lines))
        found.append(Finding("front-spill", page.index, page.label, len(page.lines), "lines",
                             _excerpt(page.lines[0]), box))
    return found


def _widows_orphans(pages: list[Page], frames_of: dict[int, Frame | None], body: float,
                    th: Thresholds) -> list[Finding]:
    """Single lines of body text parted from their paragraph at a column break (notes, captions and
    other smaller text keep their own rules)."""
    seq = [ln for page in pages for ln in page.lines  # right-to-left lines: their line end is on the left
           if frames_of.get(id(ln)) is not None and _is_body(ln, body, th) and not ln.rtl]
    if len(seq) < 2:
        return []
    pitches = Counter()
    for a, b in zip(seq, seq[1:], strict=False):
        if a.page == b.page and frames_of[id(a)] is frames_of[id(b)] and 0 < a.base - b.base < 2 * a.size:
            pitches[round(a.base - b.base, 1)] += 1
    if not pitches:
        return []
    pitch = pitches.most_common(1)[0][0]
    tol = th.edge_tolerance_pt

    def same_column(a: Line, b: Line) -> bool:
        return a.page == b.page and frames_of[id(a)] is frames_of[id(b)]

    def adjacent(a: Line, b: Line) -> bool:
        return same_column(a, b) and 0.5 * pitch < a.base - b.base < 1.5 * pitch

    def full(line: Line) -> bool:
        # Chinese and Japanese set whole characters: a line is full within one of them of the edge.
        slack = 1.1 * line.size if _breaks_without_hyphen(line.last or " ") else tol
        return frames_of[id(line)].right - line.x1 <= slack

    def indent(line: Line) -> float:
        return line.x0 - frames_of[id(line)].left

    def starts(prev: Line | None, line: Line) -> bool:
        """A paragraph begins: after a short (last) line, or indented where the line above was not."""
        if prev is None or not full(prev):
            return True
        if adjacent(prev, line):
            if abs(indent(prev) - indent(line)) < 0.3 * line.size:
                return False
        elif same_column(prev, line) and prev.base - line.base > 1.5 * pitch:
            return True   # a space above: a new block (after a heading, a figure, a quote)
        return 0.3 * line.size < indent(line) < 4 * line.size
    found = []
    for k in range(len(seq) - 1):
        a, b = seq[k], seq[k + 1]
        if adjacent(a, b):
            continue
        # A column (or a run of one, above a photo or pull quote) ends at a; the next begins at b.
        prev = seq[k - 1] if k else None
        after = seq[k + 2] if k + 2 < len(seq) else None
        continued = full(a) and not starts(a, b)
        if continued and starts(prev, a):
            found.append(Finding("orphan", a.page, _label(pages, a), 1, "line", _excerpt(a),
                                 (a.x0, a.y0, a.x1, a.y1)))
        if continued and (after is None or starts(b, after)):
            found.append(Finding("widow", b.page, _label(pages, b), 1, "line", _excerpt(b),
                                 (b.x0, b.y0, b.x1, b.y1)))
    return found


def check_pdf(path: Path | str, thresholds: Thresholds | None = None) -> LayoutReport:
    """Every detector on one print PDF; thresholds default to the targets of the print-pages issue."""
    th = thresholds or Thresholds()
    path = Path(path)
    started, cpu = time.perf_counter(), time.process_time()
    pages, spaces = read_pages(path)
    body = _body_size(pages)
    frames = _frames(pages, body, th)
    frames_of = {id(ln): _frame_of(ln, frames, th) for page in pages for ln in page.lines}
    findings: list[Finding] = []
    for page in pages:
        findings += _text_over_text(page, th)
        findings += _text_over_shapes(page, th)
        findings += _safe_zone(page, th)
        findings += _dotted_circles(page)
        findings += _stray_rules(page, body, th)
    findings += _broken_words(pages, frames_of, th)
    findings += _ladders(pages, th)
    loose, justified = _loose_lines(pages, frames, spaces, th)
    findings += loose
    areas = _type_areas(pages, body, th)
    findings += _sparse_pages(pages, body, areas, frames, th)
    findings += _widows_orphans(pages, frames_of, body, th)
    findings += _front_spills(pages)
    findings += _lone_headings(pages, body, areas, th)
    findings.sort(key=lambda f: (f.page_index, KINDS.index(f.kind), -f.bbox[3]))
    return LayoutReport(path, len(pages), findings, justified, len(loose), time.perf_counter() - started, body,
                        {("verso" if p else "recto"): a for p, a in areas.items()}, time.process_time() - cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publish.checks.layout", description=__doc__.split("\n\n")[0])
    parser.add_argument("pdf", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true", help="one JSON report per file")
    parser.add_argument("--kind", action="append", choices=KINDS, help="print only these kinds")
    args = parser.parse_args(argv)
    for path in args.pdf:
        report = check_pdf(path)
        if args.json:
            print(json.dumps(report.to_json(), ensure_ascii=False))
            continue
        for finding in report.findings:
            if not args.kind or finding.kind in args.kind:
                print(finding)
        print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
