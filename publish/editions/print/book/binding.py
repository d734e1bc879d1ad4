"""Joins the PDFs of texts laid out apart (texts.py) into the book's one PDF, as WeasyPrint would.

Pages are taken from each part where its own content begins; a blank page goes in where a text must
start on the other side of the spread; named destinations (every anchor links point at) and the
outline are rebuilt from the parts for the pages kept, so links between texts, the contents' links
and the bookmarks land where a single layout would put them. prepress.py then finishes the result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from publish.engine.fonts import share_subsets


@dataclass(frozen=True)
class Source:
    """A part's PDF and the pages of it that belong in the book."""

    path: Path
    first: int  # first page kept
    stop: int | None = None  # page after the last kept (None: to the end)
    blank_before: bool = False  # a blank page precedes it in the book
    depth: int = 0  # how deep its outline's top bookmarks sit in the book's (bookmark-level 2: 1)


@dataclass
class _Bookmark:
    depth: int
    title: str
    page: int  # index in the joined PDF
    left: float | None
    top: float | None
    closed: bool


def join(sources: list[Source], tagged: bool = False,
         fonts: Mapping[str, Path] | None = None) -> tuple[pikepdf.Pdf, list[pikepdf.Pdf]]:
    """The joined PDF (in memory) and the opened parts, which must stay open until it is saved.

    `tagged`: the parts are tagged PDFs (the archive) and the joined one gets their structure tree.
    `fonts`: the styles' font files by content, from which the faces the parts left unsubset are cut
    once for the whole book (engine/fonts.py).
    """
    book = pikepdf.new()
    structure = _Structure(book) if tagged else None
    opened: list[pikepdf.Pdf] = []
    destinations: dict[str, pikepdf.Array] = {}
    bookmarks: list[_Bookmark] = []
    for number, source in enumerate(sources):
        part = pikepdf.open(source.path)
        opened.append(part)
        stop = len(part.pages) if source.stop is None else source.stop
        if source.blank_before:
            _add_blank(book, part.pages[source.first] if source.first < len(part.pages) else book.pages[-1])
        offset = len(book.pages) - source.first
        kept = {part.pages[i].obj.objgen: i for i in range(source.first, stop)}
        for i in range(source.first, stop):
            book.pages.append(part.pages[i])
        if structure is not None:
            structure.add(part, kept, offset)
        if number == 0:
            for key, value in part.docinfo.items():  # title, author…: the same in every part
                book.docinfo[key] = _copy(book, value)
            for key in ("/Lang", "/PageMode", "/MarkInfo", "/ViewerPreferences", "/OutputIntents"):
                if key in part.Root:
                    book.Root[key] = _copy(book, part.Root[key])
        for name, destination in _destinations(part):
            target = _page_index(destination, kept)
            if target is not None and name not in destinations:
                destinations[name] = _retarget(book, destination, target + offset)
        bookmarks.extend(_bookmarks(part, kept, offset, source.depth))
    if destinations:
        tree = pikepdf.NameTree.new(book)
        for name in sorted(destinations):
            tree[name] = destinations[name]
        book.Root.Names = pikepdf.Dictionary(Dests=tree.obj)
    _write_outline(book, bookmarks)
    if structure is not None:
        structure.finish()
    share_subsets(book, fonts or {})
    _distinct_subset_tags(book)
    return book, opened


def _copy(book: pikepdf.Pdf, value: pikepdf.Object) -> pikepdf.Object:
    """A part's object in the book: indirect objects by qpdf's copier, direct containers rebuilt around them."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return book.copy_foreign(value)
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy(book, item) for item in value])
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copy(book, item) for key, item in value.items()})
    return value


def _distinct_subset_tags(book: pikepdf.Pdf) -> None:
    """Each font subset named by its own glyphs: parts subset the same font differently, under one tag.

    ISO 32000-1 9.6.4 wants different subsets in one file to have different tags, and a RIP that
    caches fonts by name could otherwise draw one part's text with another part's subset. The new
    tag is taken from the subset's bytes, so the same subset keeps the same name in every build.
    """
    for font in book.objects:
        if not isinstance(font, pikepdf.Dictionary) or font.get("/Type") != pikepdf.Name.Font:
            continue
        fonts = [font, *(font.get("/DescendantFonts") or [])]
        descriptor = next((f.FontDescriptor for f in fonts if "/FontDescriptor" in f), None)
        program = next((descriptor[key] for key in ("/FontFile2", "/FontFile3", "/FontFile")
                        if descriptor is not None and key in descriptor), None)
        name = str(font.get("/BaseFont", ""))
        if program is None or len(name) < 8 or name[7] != "+":
            continue
        digest = hashlib.sha256(program.read_raw_bytes()).digest()
        tag = "".join(chr(ord("A") + byte % 26) for byte in digest[:6])
        for each in fonts:
            if str(each.get("/BaseFont", ""))[7:8] == "+":
                each.BaseFont = pikepdf.Name("/" + tag + str(each.BaseFont)[7:])
        if descriptor is not None and str(descriptor.get("/FontName", ""))[7:8] == "+":
            descriptor.FontName = pikepdf.Name("/" + tag + str(descriptor.FontName)[7:])


def _add_blank(book: pikepdf.Pdf, like: pikepdf.Page) -> None:
    """An empty page with the boxes of its neighbour: what WeasyPrint draws for a :blank page."""
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, Resources=pikepdf.Dictionary(),
                              Contents=book.make_stream(b""))
    for key in ("/MediaBox", "/TrimBox", "/BleedBox"):
        if key in like.obj:
            page[key] = pikepdf.Array([float(v) for v in like.obj[key]])
    book.pages.append(pikepdf.Page(page))


def _destinations(part: pikepdf.Pdf) -> list[tuple[str, pikepdf.Object]]:
    names = part.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return []
    return [(str(name), value) for name, value in pikepdf.NameTree(names.Dests).items()]


def _explicit(destination: pikepdf.Object) -> pikepdf.Object:
    """The [page /XYZ left top zoom] array, also when a dictionary holds it as /D."""
    return destination.D if isinstance(destination, pikepdf.Dictionary) and "/D" in destination else destination


def _page_index(destination: pikepdf.Object, kept: dict[tuple[int, int], int]) -> int | None:
    destination = _explicit(destination)
    if not isinstance(destination, pikepdf.Array) or len(destination) == 0:
        return None
    page = destination[0]
    return kept.get(page.objgen) if isinstance(page, pikepdf.Dictionary) else None


def _retarget(book: pikepdf.Pdf, destination: pikepdf.Object, index: int) -> pikepdf.Array:
    rest = [_copy(book, value) for value in list(_explicit(destination))[1:]]
    return pikepdf.Array([book.pages[index].obj, *rest])


def _bookmarks(part: pikepdf.Pdf, kept: dict[tuple[int, int], int], offset: int, depth: int = 0) -> list[_Bookmark]:
    out: list[_Bookmark] = []
    if "/Outlines" not in part.Root:
        return out
    with part.open_outline() as outline:
        def walk(items: list, depth: int) -> None:
            for item in items:
                destination = _explicit(item.destination if item.destination is not None else item.action)
                target = _page_index(destination, kept) if destination is not None else None
                if target is not None:
                    left = top = None
                    if len(destination) >= 4 and str(destination[1]) == "/XYZ":
                        left, top = _number(destination[2]), _number(destination[3])
                    out.append(_Bookmark(depth, str(item.title), target + offset, left, top, item.is_closed))
                walk(item.children, depth + 1)

        walk(outline.root, depth)
    return out


def _number(value: pikepdf.Object) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _write_outline(book: pikepdf.Pdf, bookmarks: list[_Bookmark]) -> None:
    """The bookmarks nested by depth: each under the nearest earlier one that is shallower."""
    if not bookmarks:
        return
    with book.open_outline() as outline:
        stack: list[tuple[int, pikepdf.OutlineItem]] = []
        for mark in bookmarks:
            item = pikepdf.OutlineItem(mark.title, mark.page, "XYZ", left=mark.left, top=mark.top)
            item.is_closed = mark.closed
            while stack and stack[-1][0] >= mark.depth:
                stack.pop()
            (stack[-1][1].children if stack else outline.root).append(item)
            stack.append((mark.depth, item))


def _first_page(element: pikepdf.Object) -> tuple[int, int] | None:
    """The page where a structure element's content begins (its first /Pg, depth first)."""
    stack = [element]
    while stack:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary):
            continue
        page = node.get("/Pg")
        if isinstance(page, pikepdf.Dictionary):
            return page.objgen
        kids = node.get("/K")
        if isinstance(kids, pikepdf.Array):
            stack.extend(reversed(list(kids)))
        elif isinstance(kids, pikepdf.Dictionary):
            stack.append(kids)
    return None


class _Structure:
    """The joined PDF's structure tree (tagged PDF): each part's elements for the pages kept, in order.

    WeasyPrint builds the tree page by page under one Document element, so a part's top-level
    elements belong to one page each; their marked-content numbers are per page and stay valid.
    """

    def __init__(self, book: pikepdf.Pdf):
        self.book = book
        self.document = book.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem,
                                                              S=pikepdf.Name.Document, K=pikepdf.Array()))
        self.nums: list[object] = []

    def add(self, part: pikepdf.Pdf, kept: dict[tuple[int, int], int], offset: int) -> None:
        root = part.Root.get("/StructTreeRoot")
        if root is None:
            return
        parents = pikepdf.NumberTree(root.ParentTree) if "/ParentTree" in root else None
        kids = root.K if isinstance(root.K, pikepdf.Array) else pikepdf.Array([root.K])
        for document in kids:
            elements = document.K if isinstance(document.get("/K"), pikepdf.Array) else pikepdf.Array()
            for element in list(elements):
                if not isinstance(element, pikepdf.Dictionary) or _first_page(element) not in kept:
                    continue
                if "/P" in element:
                    del element["/P"]  # copied alone, not with the part's whole tree
                copied = self.book.copy_foreign(element)
                copied.P = self.document
                self.document.K.append(copied)
        if parents is None:
            return
        for index in sorted(kept.values()):
            page = self.book.pages[index + offset]
            if "/StructParents" in page.obj:
                found = parents.get(int(page.obj.StructParents))
                page.obj.StructParents = self._parent(found)
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    found = parents.get(int(annotation.StructParent))
                    annotation.StructParent = self._parent(found)

    def _parent(self, value: pikepdf.Object | None) -> int:
        """A new key in the parent tree for what a page's (or an annotation's) marked content belongs to."""
        key = len(self.nums) // 2
        copied = _copy(self.book, value) if value is not None else pikepdf.Array()
        self.nums += [key, copied]
        return key

    def finish(self) -> None:
        tree = pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot, K=pikepdf.Array([self.document]),
                                  ParentTree=self.book.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(self.nums))),
                                  ParentTreeNextKey=len(self.nums) // 2)
        root = self.book.make_indirect(tree)
        self.document.P = root
        self.book.Root.StructTreeRoot = root
