"""Repairs to the structure tree WeasyPrint writes, where PDF/UA-1 asks for another shape.

- A list item holds only its label and its body (ISO 14289-1, 7.2; veraPDF 7.2-20): a list item whose
  content is a paragraph gets the paragraph as `Lbl` + `P`; the paragraph goes into an `LBody`.
- One `Link` element per link (ISO 14289-1, 7.18.5): WeasyPrint makes a `Link` of every box of a link,
  its ::after and the leader in it included, nested one in another, the outer ones with no text of
  their own. The inner ones are merged into the outermost, which keeps every annotation (OBJR) and
  all the text. WeasyPrint also gives every box inside a link an annotation of its own, tagged in that
  box's element (a contents entry's `Span` around its title): such an annotation is moved up into the
  `Link`, as a validator finds a link annotation by the element holding it (veraPDF 7.18.5-1).

- Running heads and folios are pagination artifacts (ISO 32000-1, 14.8.2.2; Matterhorn 18): WeasyPrint
  tags the content of margin boxes for structure elements it keeps out of the tree, so a checker
  finds them tagged as content that no reader reaches; they are marked `/Artifact /Pagination`.

The parent tree (which element each marked-content sequence and annotation belongs to) is rebuilt
from the repaired tree, under the keys the pages and annotations already carry.
"""

from __future__ import annotations

import pikepdf

_NAME = pikepdf.Name


def _kids(element: pikepdf.Dictionary) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _is_element(kid: object) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and "/S" in kid


def _elements(root: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if node is not root:
            found.append(node)
        stack.extend(kid for kid in reversed(_kids(node)) if _is_element(kid))
    return found


def _list_bodies(pdf: pikepdf.Pdf, item: pikepdf.Dictionary) -> bool:
    """Runs of an LI's kids other than Lbl and LBody go into an LBody of their own."""
    kids, changed, run = _kids(item), False, []
    result: list = []

    def close_run() -> None:
        nonlocal changed
        if not run:
            return
        body = pdf.make_indirect(pikepdf.Dictionary(Type=_NAME.StructElem, S=_NAME.LBody, P=item,
                                                    K=pikepdf.Array(run)))
        if "/Pg" in item:
            body.Pg = item.Pg
        for kid in run:
            if _is_element(kid):
                kid.P = body
        result.append(body)
        run.clear()
        changed = True

    for kid in kids:
        if _is_element(kid) and str(kid.S) in ("/Lbl", "/LBody"):
            close_run()
            result.append(kid)
        else:
            run.append(kid)
    close_run()
    if changed:
        item.K = pikepdf.Array(result)
    return changed


def _is_annotation(kid: object) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and not _is_element(kid) and "/Obj" in kid


def _gather_link(element: pikepdf.Dictionary, link: bool = True) -> tuple[list, bool]:
    """One link's tags made one: links nested in it give it their kids (their own element goes), and
    annotations tagged in its other elements, at any depth, join the link before the element that
    held them (an element left holding nothing goes). For `link`, the outermost; inside it, the
    annotations taken out are returned. Returns them and whether anything changed."""
    kids, kept, lifted, changed = _kids(element), [], [], False
    while kids:
        kid = kids.pop(0)
        if _is_annotation(kid) and not link:
            lifted.append(kid)
            changed = True
            continue
        if _is_element(kid) and str(kid.S) == "/Link":
            kids[0:0] = _kids(kid)  # in place, in order: its own kids may be links too
            changed = True
            continue
        if _is_element(kid):
            kid.P = element
            inner, inner_changed = _gather_link(kid, link=False)
            (kept if link else lifted).extend(inner)
            changed |= inner_changed
            if inner_changed and not _kids(kid):
                continue  # it held nothing but annotations
        kept.append(kid)
    if changed:
        element.K = pikepdf.Array(kept)
    return lifted, changed


def _inside_link(element: pikepdf.Dictionary) -> bool:
    parent = element.get("/P")
    while isinstance(parent, pikepdf.Dictionary) and "/S" in parent:
        if str(parent.S) == "/Link":
            return True
        parent = parent.get("/P")
    return False


def _page_of(kid: object, owner: pikepdf.Dictionary) -> object:
    if isinstance(kid, pikepdf.Dictionary) and "/Pg" in kid:
        return kid.Pg
    return owner.get("/Pg")


def _rebuild_parent_tree(pdf: pikepdf.Pdf, root: pikepdf.Dictionary) -> None:
    """Each page's MCIDs and each annotation point at the element that now holds them."""
    owners: dict[tuple[int, int], dict[int, pikepdf.Dictionary]] = {}
    annotations: dict[tuple[int, int], pikepdf.Dictionary] = {}
    for element in _elements(root):
        for kid in _kids(element):
            if isinstance(kid, int):
                page = _page_of(kid, element)
                if page is not None:
                    owners.setdefault(page.objgen, {})[kid] = element
            elif isinstance(kid, pikepdf.Dictionary) and not _is_element(kid):
                if "/MCID" in kid:
                    page = _page_of(kid, element)
                    if page is not None:
                        owners.setdefault(page.objgen, {})[int(kid.MCID)] = element
                elif "/Obj" in kid:
                    annotations[kid.Obj.objgen] = element
    tree = pikepdf.NumberTree(root.ParentTree)
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        if key is not None and page.obj.objgen in owners:
            mapping = owners[page.obj.objgen]
            entries = list(tree[int(key)]) if int(key) in tree else []
            entries += [None] * (max(mapping) + 1 - len(entries))
            for mcid, element in mapping.items():
                entries[mcid] = element
            tree[int(key)] = pikepdf.Array(entries)
        for annotation in page.obj.get("/Annots", []):
            key = annotation.get("/StructParent")
            if key is not None and annotation.objgen in annotations:
                tree[int(key)] = annotations[annotation.objgen]


def _reachable(root: pikepdf.Dictionary) -> set[tuple[int, int]]:
    return {element.objgen for element in _elements(root)}


def _pagination_artifacts(pdf: pikepdf.Pdf, root: pikepdf.Dictionary) -> None:
    """Content tagged for elements outside the tree (WeasyPrint's margin boxes) becomes a pagination artifact."""
    if "/ParentTree" not in root:
        return
    tree = pikepdf.NumberTree(root.ParentTree)
    reachable = _reachable(root)
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        if key is None or int(key) not in tree:
            continue
        entries = list(tree[int(key)])
        orphans = {mcid for mcid, element in enumerate(entries)
                   if isinstance(element, pikepdf.Dictionary) and element.objgen not in reachable}
        if not orphans:
            continue
        instructions = []
        for operands, operator in pikepdf.parse_content_stream(page):
            if (str(operator) == "BDC" and len(operands) == 2 and isinstance(operands[1], pikepdf.Dictionary)
                    and int(operands[1].get("/MCID", -1)) in orphans):
                operands = [_NAME.Artifact, pikepdf.Dictionary(Type=_NAME.Pagination)]
            instructions.append((operands, operator))
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
        for mcid in orphans:
            entries[mcid] = None
        tree[int(key)] = pikepdf.Array(entries)


def repair_structure(pdf: pikepdf.Pdf) -> None:
    """List items hold Lbl and LBody only; each link is one Link element; running heads and folios are
    pagination artifacts."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    changed = False
    for element in _elements(root):
        kind = str(element.S)
        if kind == "/LI":
            changed |= _list_bodies(pdf, element)
        elif kind == "/Link" and not _inside_link(element):
            changed |= _gather_link(element)[1]
    if changed and "/ParentTree" in root:
        _rebuild_parent_tree(pdf, root)
    _pagination_artifacts(pdf, root)
