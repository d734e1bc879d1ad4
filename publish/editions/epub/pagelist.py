"""Page-break markers in the EPUB's XHTML, one per print page, placed where that page's content begins."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from lxml import etree

from publish.editions.pagemap import PageStart, PrintPage, counted

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
# Elements that cannot hold a marker as their first child: the marker goes into their first child.
_NO_PHRASING = {"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup"}
_VOID = {"img", "hr", "br"}


def place_markers(documents: dict[str, etree._Element], pages: Iterable[PrintPage]) -> list[PageStart]:
    """Inserts a page-break marker per print page into the content documents; returns the page-list
    in reading order: the documents in spine order (`documents`' order), each from top to bottom.

    Print and e-book may order their pages differently (print's imprint is page ii, the e-book's
    comes last): the page-list follows the e-book, as a reader turning its pages meets them.
    """
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
    return sorted(result, key=_reading_order(documents))


def _reading_order(documents: dict[str, etree._Element]) -> Callable[[PageStart], int]:
    """Sort key of a page-list entry: where its marker stands in the spine, counted in elements."""
    position: dict[str, int] = {}
    count = 0
    for name, root in documents.items():
        for element in root.iter():
            count += 1
            anchor = element.get("id") if isinstance(element.tag, str) else None
            if anchor:
                position.setdefault(f"{name}#{anchor}", count)
    return lambda page: position[page.href]


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


