"""Photo layouts shared by every edition: where each figure goes, and how a pair's or grid's photos share a row.

Why in Python and not only CSS: a row of photos of different shapes reads as one picture when all
are the same height, which needs each photo's width in proportion to its aspect ratio. The pixel
sizes are known here, so each photo gets a flex-grow equal to its aspect ratio, and CSS (print.css,
epub.css) does the rest: equal heights on a page or a wide screen, stacked photos on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from publish.model.document import Figure, FigureGroup, Node

# Placements that take whole pages: they are set outside the text's columns (see `parts`).
PAGE_PLACEMENTS = ("opener", "full-page", "spread")
ROW_MAX = 3  # photos side by side in a grid's row: more would print too small to read


def placement(figure: Figure, layout: str) -> str:
    """The placement a figure is laid out with: a photo essay gives every photo in its text a page."""
    if layout == "photo-essay" and figure.photo.placement in ("inline", "wide"):
        return "full-page"
    return figure.photo.placement


def takes_pages(node: Node, layout: str) -> bool:
    """Whether the node is set on pages of its own, so it must stand outside the text's columns."""
    if isinstance(node, Figure):
        return placement(node, layout) in PAGE_PLACEMENTS
    return isinstance(node, FigureGroup) and layout == "photo-essay"


def row_sizes(count: int) -> list[int]:
    """How many photos each row of a grid holds: at most three, the rows as even as can be (5 → 3 + 2)."""
    if count <= ROW_MAX:
        return [count]
    rows = -(-count // ROW_MAX)
    return [count // rows + (1 if index < count % rows else 0) for index in range(rows)]


def rows(group: FigureGroup) -> list[list[tuple[Figure, str]]]:
    """The group's photos by row, each with its flex-grow: its aspect ratio, so a row's photos are one height."""
    out: list[list[tuple[Figure, str]]] = []
    start = 0
    for size in row_sizes(len(group.figures)):
        row = group.figures[start:start + size]
        start += size
        out.append([(figure, f"{figure.photo.width_px / max(figure.photo.height_px, 1):.4f}") for figure in row])
    return out


@dataclass(frozen=True)
class BodyPart:
    """A run of a text's blocks: text set in the columns, or one figure that takes pages of its own."""

    content: Markup
    page: bool  # a figure on pages of its own
    last_text: bool = False  # the text's last run of text (where the end mark goes)


def parts(blocks: list[Node], layout: str, render: object) -> list[BodyPart]:
    """The blocks cut where a figure takes pages of its own: print cannot break a page inside columns
    for it, so the text's columns end before it and begin again after it."""
    runs: list[tuple[bool, list[Node]]] = []
    for block in blocks:
        page = takes_pages(block, layout)
        if page or not runs or runs[-1][0]:
            runs.append((page, [block]))
        else:
            runs[-1][1].append(block)
    if not runs:
        return [BodyPart(Markup(""), False, True)]
    last = max((i for i, (page, _) in enumerate(runs) if not page), default=-1)
    return [BodyPart(Markup("").join(render(n) for n in nodes), page, i == last)  # type: ignore[operator]
            for i, (page, nodes) in enumerate(runs)]
