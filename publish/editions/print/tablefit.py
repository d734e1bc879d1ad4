"""A table that does not fit its measure is refused at its line, instead of running off the page.

Why: table cells never cut a word or a figure (print.css), and a table too wide for a column crosses
the columns, set smaller when it must (render/tables.py). A table that is still wider than the page's
measure would print past the margin, perhaps past the trim. Only the author can make it fit: split
it, shorten its headers, or abbreviate its figures.
"""

from __future__ import annotations

from publish.engine.boxes import overflowing_tables
from publish.model.diagnostics import Diagnostics
from publish.model.document import Element, Publication

PX_PER_MM = 96 / 25.4


def check_tables(publication: Publication, document: object, diags: Diagnostics) -> None:
    """An error at each table laid out wider than the block it stands in."""
    places = _places(publication)
    seen: set[str] = set()
    for page in document.pages:  # type: ignore[attr-defined]
        for table in overflowing_tables(page):
            if table.anchor in seen:
                continue  # a table continued on the next page is reported once
            seen.add(table.anchor)
            source, line = places.get(table.anchor, (None, None))
            path = publication.root / source if source else publication.root
            width, room = table.width / PX_PER_MM, table.room / PX_PER_MM
            diags.error(path, line,
                        f"a table {width:.0f} mm wide does not fit the {room:.0f} mm it has on the page, "
                        "even set across the columns in smaller type: it would print past the margin",
                        "split it into two tables, shorten its headings, or abbreviate its figures "
                        "(e.g. thousands as '2.1k')")


def _places(publication: Publication) -> dict[str, tuple[str, int | None]]:
    """Where each top-level block (by its id in the print HTML) and each text (by its id) is written."""
    places: dict[str, tuple[str, int | None]] = {}
    for article in publication.articles:
        places[article.id] = (str(article.source), None)
        for index, block in enumerate(article.blocks):
            if isinstance(block, Element):
                anchor = block.attr("id") or f"{article.id}-b{index}"
                places[anchor] = (str(article.source), block.line)
    return places
