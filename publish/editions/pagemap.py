"""Where print pages begin, in terms both editions share: the print edition measures it, the EPUB cites it.

The print layout gives, for each page, the innermost element with an id around its first content
and how many letters and digits of that element earlier pages printed (editions/print/pages.py);
the EPUB counts the same letters in its copy and puts a page-break marker there
(editions/epub/pagelist.py), so "page 4" in a reading system is where print page 4 begins.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PrintPage:
    """Where one print page begins, in terms both editions share."""

    label: str  # the print edition's own page label: "i", "ii", "1"…
    anchor: str  # id of the innermost shared element holding the page's first content
    offset: int  # letters and digits of that element printed on earlier pages
    outer: tuple[tuple[str, int], ...] = ()  # the enclosing elements with their offsets, innermost first


@dataclass(frozen=True)
class PageStart:
    """A print page as the EPUB's page-list cites it: its label and the marker it jumps to."""

    label: str
    href: str  # content document and marker id


def counted(text: str) -> int:
    """Letters and digits only: spaces, hyphens added by hyphenation and punctuation differ by edition."""
    return sum(1 for char in text if char.isalnum())


def roman(number: int) -> str:
    """Lower-case roman numerals, as a PDF /r page label shows them."""
    out = []
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                           (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def first_folio(front_matter: int) -> int:
    """The folio of the body's first page: 1 on a recto, 2 on a verso (a text that opens with a photo
    spread), so that every recto is odd, as a printer imposes them. The PDF's first page is a recto."""
    return 1 + front_matter % 2


def page_labels(page_count: int, front_matter: int) -> list[str]:
    """The print edition's page labels: i, ii… for the front matter, then 1, 2… from the first text."""
    first = first_folio(front_matter)
    return [roman(i + 1) if i < front_matter else str(i - front_matter + first) for i in range(page_count)]


