"""The archive's structure tree as the book is built: a part holds its chapters, each text one element of its kind.

Why: WeasyPrint tags page by page. Every text comes out as one /Sect per page it spans, all side by
side under /Document, whatever the text is, and a part page is one more /Sect. A screen reader or a
library's tool then meets forty sections where the book has a foreword, two parts and their
chapters. This module regroups each text's pages into one element named after its kind (/Chapter,
/Foreword, /Appendix…, role-mapped to /Sect as PDF/UA-1 allows for types outside the standard set,
or the standard /Part for a part), titled (/T) as the outline titles it, and puts the chapters of a
part inside the part. Marked content is not touched: only structure elements move, so the parent
tree, the reading order and the level A checks stay as WeasyPrint wrote them.
"""

from __future__ import annotations

import lxml.html
import pikepdf

from publish.model.document import Publication
from publish.model.structure import kind_of


def _page_of(pdf: pikepdf.Pdf, index: dict[tuple[int, int], int], name: str) -> int | None:
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return None
    destination = pikepdf.NameTree(names.Dests).get(name)
    if destination is None:
        return None
    if isinstance(destination, pikepdf.Dictionary) and "/D" in destination:
        destination = destination.D
    page = destination[0] if isinstance(destination, pikepdf.Array) and len(destination) else None
    return index.get(page.objgen) if isinstance(page, pikepdf.Dictionary) else None


def titles(html: str, publication: Publication) -> dict[str, str]:
    """Each text's title as the print outline gives it ("Chapter 3: The bridge"), read from the print HTML."""
    root = lxml.html.document_fromstring(html)
    out = {}
    for article in publication.articles:
        found = root.xpath("//*[@id=$id]", id=article.id)
        section = found[0] if found else None
        marked = section.xpath(".//*[@data-bookmark]") if section is not None else []
        out[article.id] = (marked[0].get("data-bookmark") if marked else "") or article.title or article.id
    return out


def _fragments_of(element: pikepdf.Dictionary) -> list[pikepdf.Object]:
    """The kids to move into the text's element: a page's /Sect is unwrapped, anything else kept whole."""
    kids = element.get("/K")
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    if str(element.get("/S")) == "/Div" and len(kids) == 1 and isinstance(kids[0], pikepdf.Dictionary) \
            and str(kids[0].get("/S")) == "/Sect":
        return _fragments_of(kids[0])  # the wrapper of a text led by a full-page photo
    if str(element.get("/S")) == "/Sect" and all(isinstance(k, pikepdf.Dictionary) and "/S" in k for k in kids):
        return kids
    return [element]


def tag_book(pdf: pikepdf.Pdf, publication: Publication, html: str) -> None:
    """Regroups the structure tree of a tagged book (see the module's docstring); does nothing to an untagged one."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None or not publication.articles:
        return
    documents = list(root.K) if isinstance(root.K, pikepdf.Array) else [root.K]
    document = next((d for d in documents if isinstance(d, pikepdf.Dictionary) and str(d.get("/S")) == "/Document"),
                    None)
    if document is None or not isinstance(document.get("/K"), pikepdf.Array):
        return
    index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    starts = {a.id: _page_of(pdf, index, a.id) for a in publication.articles}
    if any(start is None for start in starts.values()):
        return  # a text without a destination: leave WeasyPrint's tree as it is
    others = [page for name in ("titlepage", "imprint", "contents-title")
              if (page := _page_of(pdf, index, name)) is not None]
    bounds = sorted({*starts.values(), *others, len(pdf.pages)})  # type: ignore[arg-type]
    named = titles(html, publication)

    def owner(page: int | None) -> str | None:
        if page is None:
            return None
        for article in publication.articles:
            start = starts[article.id]
            end = next(b for b in bounds if b > start)  # type: ignore[operator]
            if start <= page < end:  # type: ignore[operator]
                return article.id
        return None

    elements: dict[str, pikepdf.Dictionary] = {}
    kept: list[pikepdf.Object] = []
    for fragment in list(document.K):
        page = index.get(fragment.Pg.objgen) if isinstance(fragment, pikepdf.Dictionary) and "/Pg" in fragment \
            else None
        text = owner(page)
        if text is None:
            kept.append(fragment)
            continue
        if text not in elements:
            article = next(a for a in publication.articles if a.id == text)
            kind = kind_of(article.kind)
            element = pdf.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name.StructElem, S=pikepdf.Name("/" + kind.pdf_type), K=pikepdf.Array(),
                T=pikepdf.String(named[text]), Pg=fragment.Pg))
            if article.language:
                element.Lang = pikepdf.String(article.language)
            elements[text] = element
            if not article.part or article.part not in elements:
                kept.append(element)
            else:
                elements[article.part].K.append(element)
                element.P = elements[article.part]
        element = elements[text]
        for kid in _fragments_of(fragment):
            kid.P = element
            element.K.append(kid)
    for element in kept:
        if isinstance(element, pikepdf.Dictionary) and element.is_indirect and element.objgen in \
                {e.objgen for e in elements.values()}:
            element.P = document
    document.K = pikepdf.Array(kept)
    role_map = root.get("/RoleMap") or pikepdf.Dictionary()
    for element in elements.values():
        kind = str(element.S)
        if kind != "/Part":
            role_map[kind] = pikepdf.Name.Sect
    root.RoleMap = role_map
