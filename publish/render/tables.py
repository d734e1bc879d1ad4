"""How wide a table must be set, judged from its text: the class that lets print.css give it room.

Why: a print column is at least --column-min (24em of body text) wide. A table whose cells cannot be
set in that width, without cutting a word or a figure, must cross the columns, and one too wide for
the whole measure must be set smaller, as a book designer sets a statistical table. CSS cannot ask
how wide a table's content is, so the renderer estimates it (the longest word or figure of each
column, at the label face's average advances) and names the table's class:

- `table-wide`: wider than a column: print.css sets it across the columns;
- `table-dense`: wider than the narrowest measure too: print.css also sets it in smaller type
  with tighter cells.

The estimate errs wide. A table that still does not fit its measure once laid out is reported at
its line (editions/print/tablefit.py).
"""

from __future__ import annotations

from publish.model.document import Element, Node, Text

WIDE = "table-wide"
DENSE = "table-dense"
# In ems of the table's own type (0.85 of the body text, base.css), with its cells' padding:
COLUMN_EM = 28.0     # a column of 24em body text (print.css --column-min)
MEASURE_EM = 40.0    # the narrowest measure of a single-column page (A5: about 34em of body text)
CELL_PADDING_EM = 1.0  # --table-gap of base.css: the white between two columns, dense tables' too
_BREAKS = (" ", "\n", "\t")  # where a cell's text may wrap; no-break spaces join


def table_class(table: Element) -> str:
    """'' when the table fits a column, else the classes that widen it (see the module's docstring)."""
    width = estimated_width(table)
    if width > MEASURE_EM:
        return f"{WIDE} {DENSE}"
    if width > COLUMN_EM:
        return WIDE
    return ""


def estimated_width(table: Element) -> float:
    """The table's narrowest width in its own ems: each column as wide as its longest word or figure."""
    columns: list[float] = []
    for row in _rows(table):
        for index, cell in enumerate(c for c in row.children if isinstance(c, Element) and c.tag in ("th", "td")):
            need = _longest_word(cell, bold=cell.tag == "th") + CELL_PADDING_EM
            if index < len(columns):
                columns[index] = max(columns[index], need)
            else:
                columns.append(need)
    return sum(columns)


def _rows(node: Node) -> list[Element]:
    found: list[Element] = []
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Element):
            if current.tag == "tr":
                found.append(current)
            else:
                stack.extend(reversed(current.children))
    return found


def _text(node: Node) -> str:
    if isinstance(node, Text):
        return node.text
    if isinstance(node, Element):
        return "".join(_text(c) for c in node.children)
    return ""


def _longest_word(cell: Element, bold: bool) -> float:
    text = _text(cell)
    for mark in _BREAKS:
        text = text.replace(mark, " ")
    words = [w for w in text.split(" ") if w]
    return max((_advance(w) for w in words), default=0.0) * (1.06 if bold else 1.0)


def _advance(word: str) -> float:
    """A word's width in ems of Noto Sans, from the face's typical advances (figures are 0.572em)."""
    width = 0.0
    for char in word:
        if char.isdigit():
            width += 0.572
        elif char in "mwMW":
            width += 0.86
        elif char.isupper():
            width += 0.66
        elif char.isalpha():
            width += 0.54
        elif char in ".,:;'’|!il":
            width += 0.27
        else:
            width += 0.5
    return width
