"""Cuts the print HTML into one document per text (and one for the front matter) that lay out as in the book.

Why: WeasyPrint lays a document out in one process, about 30 ms a page; a 400-page book's texts can be
laid out side by side (texts.py) and joined (binding.py). Each cut document is the
whole book's HTML with the other texts emptied and hidden, not removed: every selector of the
designer's CSS (`.contents + .article`, `:nth-child`) still matches what it matches in the book,
and the front matter's title page still sets the running heads' strings. What a text cannot see on
its own (its folios, the pages the contents points at, links into other texts) the other modules
supply. A text is a child of <body> holding an article's id, with the siblings after it; a template
that nests the texts otherwise is laid out whole, in one process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import lxml.html

from publish.engine.pages import PART_MARK

FRONT_MARK = "data-publish-front"  # on each piece of the front matter, in the front matter's own document
HIDDEN = "display: none !important"
FOREIGN = "data-publish-foreign"  # on the box of stand-in targets for links into other texts


@dataclass(frozen=True)
class Piece:
    """One child of <body>: its full markup, and an empty, hidden one with the same tag and attributes."""

    full: str
    hollow: str
    ids: frozenset[str]  # every id inside it
    links: frozenset[str]  # every #fragment it links to
    own_id: str | None  # the element's own id, which its hollow copy keeps


@dataclass(frozen=True)
class Split:
    head: str  # from <!DOCTYPE html> to the <body …> start tag
    front: tuple[Piece, ...]  # what comes before the first text: title page, imprint, contents
    texts: tuple[tuple[Piece, ...], ...]  # per text: its first element (marked) and what follows it
    first_ids: tuple[tuple[str, ...], ...]  # per text: the ids of its first element and its first descendants

    @property
    def count(self) -> int:
        return len(self.texts)

    @property
    def front_links(self) -> frozenset[str]:
        """The ids the front matter links to: the contents' entries."""
        return frozenset().union(*(piece.links for piece in self.front))

    @cached_property
    def text_anchors(self) -> frozenset[str]:
        """Every id inside the texts."""
        return frozenset().union(*(self.text_ids(i) for i in range(self.count)))

    def carrier_links(self, carriers: frozenset[int]) -> bool:
        """Whether a carrier links into the texts: a text laid out alone hides such a piece (the contents)."""
        return any(self.front[i].links & self.text_anchors for i in carriers if i < len(self.front))

    def text_ids(self, index: int) -> frozenset[str]:
        return frozenset().union(*(piece.ids for piece in self.texts[index]))

    def text_html(self, index: int, carriers: frozenset[int] | None = None) -> str:
        """Text `index` alone, after the front matter; a contents (anything linking into texts) is hidden.

        `carriers`: the front matter pieces to lay out with it, those that set the running heads'
        strings or counters (found by laying the front matter out); the others are hidden too.

        Targets of its links into other texts are empty boxes at the start, so WeasyPrint keeps
        the links; their pages are dropped and the merged PDF resolves the names to the real ones.
        """
        own = self.text_ids(index)
        foreign = sorted(set().union(*(piece.links for piece in self.texts[index])) - own)
        out = [self.head]
        if foreign:
            anchors = "".join(f'<span id="{_attr(name)}"></span>' for name in foreign)
            out.append(f'<div {FOREIGN} style="position: absolute !important; top: 0; left: 0; width: 0; height: 0; '
                       f'overflow: hidden" aria-hidden="true">{anchors}</div>')
        for number, piece in enumerate(self.front):
            carries = carriers is None or number in carriers
            out.append(piece.full if carries and not piece.links & self.text_anchors else piece.hollow)
        for number, pieces in enumerate(self.texts):
            out.extend(piece.full if number == index else piece.hollow for piece in pieces)
        out.append("</body></html>")
        return "\n".join(out)

    def front_html(self, targets: dict[str, int], first_only: bool = False) -> str:
        """The front matter, then for each text one empty page per target the front links to.

        `targets` maps an id the front matter links to (the contents' entries) to the page number it
        has in the book; print.css's target-counter() then reads that number from the page named
        after it (`front_css`). The first text's own first element keeps its class, so it breaks to
        a recto or verso as in the book: its page is where the book's first text begins. The others
        follow on plain pages, with no blank pages between.

        `first_only`: only the first text's page follows, holding every target, which is all the front
        matter's own length and the pieces that set the texts' running heads depend on (the first
        pass, before any text is laid out, has no numbers to show yet: a stub page per text would
        cost a page's layout each, with its margin boxes).
        """
        linked = self.front_links
        out = [self.head, *(_marked(piece.full, str(number), FRONT_MARK) for number, piece in enumerate(self.front))]
        later = sorted(set().union(*(self.text_ids(i) for i in range(1, self.count))) & linked) if first_only else []
        for index, pieces in enumerate(self.texts):
            if index and (first_only or not self.text_ids(index) & linked):
                continue
            ids = sorted(self.text_ids(index) & linked, key=lambda name: (name not in self.first_ids[index], name))
            ids += later if index == 0 else []  # first_only: every link has its target, on the first text's page
            first = [name for name in ids if name in self.first_ids[index]]
            style = [f"page: {_page_name(targets.get(first[0], 0))} !important"] if first else []
            if index:
                style.append("break-before: page !important")
            start = _with_style(pieces[0].hollow, "; ".join(style))  # not hidden: its break and page remain
            if index == 0:
                start = _marked(start, "front")  # the book's first text begins on this page
            inner = "".join(f'<div id="{_attr(name)}" style="page: {_page_name(targets.get(name, 0))} !important">'
                            "</div>" for name in ids if name != pieces[0].own_id)
            close = start.rindex("</")
            out.append(start[:close] + inner + start[close:])
        out.append("</body></html>")
        return "\n".join(out)


def front_css(targets: dict[str, int]) -> str:
    """Each stub page sets the page counter to the number its target has in the book."""
    return "".join(f"@page {_page_name(number)} {{ counter-reset: page {number}; }}\n"
                   for number in sorted(set(targets.values())))


def _page_name(number: int) -> str:
    return f"publish-page-{number}" if number >= 0 else f"publish-page-minus-{-number}"


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _with_style(hollow: str, style: str) -> str:
    """The hollow element with `style` in place of the hiding one."""
    return hollow.replace(f'style="{HIDDEN}"', f'style="{_attr(style)}"' if style else "", 1)


def _marked(markup: str, value: str, attribute: str = PART_MARK) -> str:
    """The element's markup with `attribute` set on its start tag."""
    name_end = next(i for i, char in enumerate(markup) if i and (char.isspace() or char in "/>"))
    return f'{markup[:name_end]} {attribute}="{_attr(value)}"{markup[name_end:]}'


def _start_tag(element: lxml.html.HtmlElement) -> str:
    shallow = lxml.html.Element(element.tag, attrib=dict(element.attrib))
    markup = lxml.html.tostring(shallow, encoding="unicode")
    return markup[: markup.rindex("</")] if "</" in markup else markup


def _piece(element: lxml.html.HtmlElement, mark: int | None = None) -> Piece:
    ids = frozenset(e.get("id") for e in element.iter() if isinstance(e.tag, str) and e.get("id"))
    links = frozenset(e.get("href")[1:] for e in element.iter("a") if (e.get("href") or "").startswith("#"))
    if mark is not None:
        element.set(PART_MARK, str(mark))
    full = lxml.html.tostring(element, encoding="unicode", with_tail=False)
    if mark is not None:
        del element.attrib[PART_MARK]
    shallow = lxml.html.Element(element.tag, attrib=dict(element.attrib))
    shallow.set("style", HIDDEN)  # its own style no longer matters: nothing of it is laid out
    hollow = lxml.html.tostring(shallow, encoding="unicode", with_tail=False)
    return Piece(full, hollow, ids, links, element.get("id"))


def _first_ids(element: lxml.html.HtmlElement) -> tuple[str, ...]:
    """Ids of the element and its chain of first children: all on the text's first page."""
    out = []
    node: lxml.html.HtmlElement | None = element
    while node is not None:
        if node.get("id"):
            out.append(node.get("id"))
        children = [child for child in node if isinstance(child.tag, str)]
        node = children[0] if children else None
    return tuple(out)


def split(html: str, text_ids: list[str]) -> Split | None:
    """The print HTML cut at its texts, or None when it cannot be (one text, or texts nested otherwise)."""
    if len(text_ids) < 2:
        return None
    root = lxml.html.document_fromstring(html)
    body = root.find("body")
    head = root.find("head")
    if body is None or head is None:
        return None
    children = [child for child in body if isinstance(child.tag, str)]
    owner: list[int] = []
    for text_id in text_ids:
        found = [i for i, child in enumerate(children)
                 if child.get("id") == text_id or child.xpath(".//*[@id=$name]", name=text_id)]
        if len(found) != 1:
            return None
        owner.append(found[0])
    if owner != sorted(set(owner)) or len(set(owner)) != len(owner):
        return None  # two texts in one element, or out of order: lay the book out whole
    front = tuple(_piece(child) for child in children[: owner[0]])
    texts = []
    for number, start in enumerate(owner):
        end = owner[number + 1] if number + 1 < len(owner) else len(children)
        texts.append(tuple(_piece(child, number if i == start else None)
                           for i, child in enumerate(children[start:end], start)))
    head_markup = (f"<!DOCTYPE html>\n{_start_tag(root)}\n"
                   f"{lxml.html.tostring(head, encoding='unicode', with_tail=False)}\n{_start_tag(body)}")
    return Split(head_markup, front, tuple(texts), tuple(_first_ids(children[i]) for i in owner))
