"""Where each print page begins, read from the laid-out pages, in terms the EPUB can find again.

Both editions are rendered from the same templates, and every top-level block carries the same id in
both. For each print page we find the first content on it, the innermost element with an id around
that content, and how many letters and digits of that element earlier pages already printed. The
EPUB builder counts the same letters in its own copy of the element and puts the marker there, so a
reader who jumps to "page 4" lands on the word that begins page 4 of the print edition.
"""

from __future__ import annotations

from publish.editions.pagemap import PrintPage, counted
from publish.engine.boxes import reading_flow


def page_starts(document: object, labels: list[str]) -> list[PrintPage]:
    """The first content of every print page that holds some, with the label the print edition gives it."""
    seen: dict[str, int] = {}
    starts: list[PrintPage] = []
    for index, page in enumerate(document.pages):  # type: ignore[attr-defined]
        first: tuple[str, ...] | None = None
        for chain, text in reading_flow(page):
            if first is None and chain and (text is None or counted(text)):
                first = chain
                outer = tuple((anchor, seen.get(anchor, 0)) for anchor in reversed(chain[:-1]))
                starts.append(PrintPage(labels[index], chain[-1], seen.get(chain[-1], 0), outer))
            if text:
                amount = counted(text)
                for anchor in chain:
                    seen[anchor] = seen.get(anchor, 0) + amount
    return starts
