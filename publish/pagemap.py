"""Print page starts, read from the print layout, placed as page-break markers in the EPUB's XHTML.

Both editions are rendered from the same templates, and every top-level block carries the same id in
both. For each print page we find the first content on it, the innermost element with an id around
that content, and how many letters and digits of that element earlier pages already printed. The
EPUB builder counts the same letters in its own copy of the element and puts the marker there, so a
reader who jumps to "page 4" lands on the word that begins page 4 of the print edition.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from lxml import etree

from publish.diagnostics import Diagnostic, Diagnostics, ManuscriptError, Severity
from publish.model import Publication
from publish.render import Styles

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
# Boxes that are not the page's reading flow: running heads and folios, the print footnote area.
_OUTSIDE_FLOW = {"MarginBox", "FootnoteAreaBox"}
# Generated content that exists only in print (list numbers, ornaments), so it is not counted.
_GENERATED = ("::marker", "::before", "::after")
# Elements that cannot hold a marker as their first child: the marker goes into their first child.
_NO_PHRASING = {"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup"}
_VOID = {"img", "hr", "br"}


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


def page_starts(document: object, labels: list[str]) -> list[PrintPage]:
    """The first content of every print page that holds some, with the label the print edition gives it."""
    seen: dict[str, int] = {}
    starts: list[PrintPage] = []
    for index, page in enumerate(document.pages):  # type: ignore[attr-defined]
        first: tuple[str, ...] | None = None
        for chain, text in _flow(page._page_box, ()):
            if first is None and chain and (text is None or counted(text)):
                first = chain
                outer = tuple((anchor, seen.get(anchor, 0)) for anchor in reversed(chain[:-1]))
                starts.append(PrintPage(labels[index], chain[-1], seen.get(chain[-1], 0), outer))
            if text:
                amount = counted(text)
                for anchor in chain:
                    seen[anchor] = seen.get(anchor, 0) + amount
    return starts


def _flow(box: object, chain: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str | None]]:
    """(ids of enclosing elements, text or None for an image) for each leaf of a page's reading flow."""
    if type(box).__name__ in _OUTSIDE_FLOW:
        return
    tag = getattr(box, "element_tag", "") or ""
    if tag.endswith(_GENERATED):
        return
    element = getattr(box, "element", None)
    if element is not None and hasattr(element, "get"):
        if element.get("aria-hidden") == "true":
            return  # pull quotes repeat the text; screen readers and markers skip them
        anchor = element.get("id")
        if anchor and "::" not in tag and (not chain or chain[-1] != anchor):  # a footnote call is not its note
            chain = (*chain, anchor)
    text = getattr(box, "text", None)
    if isinstance(text, str):
        yield chain, text
        return
    children = getattr(box, "children", None)
    if not children:
        if type(box).__name__.endswith("ReplacedBox"):
            yield chain, None
        return
    for child in children:
        yield from _flow(child, chain)


def place_markers(documents: dict[str, etree._Element], pages: Iterable[PrintPage]) -> list[PageStart]:
    """Inserts a page-break marker per print page into the content documents; returns the page-list."""
    where: dict[str, tuple[str, etree._Element]] = {}
    for name, root in documents.items():
        for element in root.iter():
            anchor = element.get("id") if isinstance(element.tag, str) else None
            if anchor and anchor not in where:
                where[anchor] = (name, element)
    used = set(where)  # a marker never takes an id the text already has ({#page-1} on a heading…)
    result: list[PageStart] = []
    for page in pages:
        found = next(((anchor, offset) for anchor, offset in ((page.anchor, page.offset), *page.outer)
                      if anchor in where), None)
        if found is None:
            continue  # content the e-book does not have (a print-only page)
        name, element = where[found[0]]
        marker_id = _marker_id(page.label, used)
        _insert(element, found[1], _marker(page.label, marker_id))
        result.append(PageStart(page.label, f"{name}#{marker_id}"))
    return result


def _marker_id(label: str, used: set[str]) -> str:
    base = "page-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", label).strip("-") or "x")
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    used.add(candidate)
    return candidate


def _marker(label: str, marker_id: str) -> etree._Element:
    marker = etree.Element(f"{{{XHTML}}}span", nsmap={None: XHTML, "epub": EPUB_NS})
    marker.set(f"{{{EPUB_NS}}}type", "pagebreak")
    marker.set("role", "doc-pagebreak")
    marker.set("id", marker_id)
    marker.set("aria-label", label)
    return marker


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _slots(element: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    """The text slots inside an element in reading order: (node, "text") then children and their tails."""
    if element.get("aria-hidden") == "true":
        return
    yield element, "text"
    for child in element:
        if isinstance(child.tag, str):
            yield from _slots(child)
        yield child, "tail"


def _insert(element: etree._Element, offset: int, marker: etree._Element) -> None:
    """Puts the marker before the word holding the (offset+1)th counted character of the element."""
    if offset > 0:
        remaining = offset
        for node, slot in _slots(element):
            text = (node.text if slot == "text" else node.tail) or ""
            amount = counted(text)
            if amount <= remaining:
                remaining -= amount
                continue
            position = _position(text, remaining)
            while position > 0 and not text[position - 1].isspace():
                position -= 1  # never split a word: the marker goes before the word the page begins in
            _split(node, slot, position, marker)
            return
        # fewer letters than print counted (the editions differ inside this element): its start
    while _local(element) in _NO_PHRASING and len(element) and isinstance(element[0].tag, str):
        element = element[0]
    if _local(element) in _VOID or _local(element) in _NO_PHRASING:
        marker.tail = None
        element.addprevious(marker)
        return
    _split(element, "text", 0, marker)


def _position(text: str, skip: int) -> int:
    """Index in text of the counted character that follows `skip` counted characters."""
    for index, char in enumerate(text):
        if char.isalnum():
            if skip == 0:
                return index
            skip -= 1
    return len(text)


def _split(node: etree._Element, slot: str, position: int, marker: etree._Element) -> None:
    if slot == "text":
        text = node.text or ""
        node.text = text[:position] or None
        marker.tail = text[position:] or None
        node.insert(0, marker)
    else:
        text = node.tail or ""
        node.tail = text[:position] or None
        marker.tail = text[position:] or None
        node.addnext(marker)


def roman(number: int) -> str:
    """Lower-case roman numerals, as a PDF /r page label shows them."""
    out = []
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                           (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def page_labels(page_count: int, front_matter: int) -> list[str]:
    """The print edition's page labels: i, ii… for the front matter, then 1, 2… from the first text."""
    return [roman(i + 1) if i < front_matter else str(i - front_matter + 1) for i in range(page_count)]


def print_pages(layout: object) -> list[PrintPage]:
    """The page starts of a print layout (publish.pdf.PrintLayout), labelled as the PDF labels them."""
    settings = getattr(layout, "settings", None)
    front_matter = settings.front_matter_pages if settings is not None else 0
    return layout.page_starts(page_labels(layout.page_count, front_matter))  # type: ignore[attr-defined]


def print_pages_for_epub(publication: Publication, styles: Styles, created: str,
                         diags: Diagnostics) -> list[PrintPage]:
    """An EPUB-only build still lays out the print edition, for the page-list and page-break markers.

    A problem that only stops the print edition (a photo too coarse to print) must not stop the
    e-book: it becomes a warning, and the EPUB goes without print page numbers.
    """
    from publish.pdf import lay_out

    scratch = Diagnostics(publication.root)
    try:
        layout = lay_out(publication, styles, created, scratch)
    except ManuscriptError as exc:
        errors = [d for d in exc.diagnostics if d.severity is Severity.ERROR] or [
            Diagnostic(str(publication.root), None, None, Severity.ERROR, "the print edition cannot be laid out")]
        for error in errors:  # each at its own place, as a warning: the e-book itself is fine
            diags.items.append(replace(
                error, severity=Severity.WARNING,
                message=f"the e-book has no print page numbers, because the print edition stops here: "
                        f"{error.message}",
                hint=error.hint or "run `publish pdf` to see what stops the print edition"))
        return []
    try:
        return print_pages(layout)
    finally:
        layout.close()  # type: ignore[attr-defined]
