"""A check of our own on every archive PDF the tests build: each link annotation is tagged as one link.

PDF/UA-1 (7.18.5) wants each link annotation nested in a /Link structure element. WeasyPrint gives
every box inside a link an annotation of its own and tags it in that box's element (a /Span, say);
editions/archive/tagtree.py gathers them into the link. This reads the file with pikepdf alone, so a
regression shows here whatever the validators (tests/validators.py) make of it:

- every /Link annotation is the object of exactly one OBJR in the structure tree, held by a /Link;
- its /StructParent names, in the parent tree, that same /Link element;
- the /Link holds marked content (the link's text), in it or in its descendants.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf


def _kids(node: pikepdf.Object) -> list:
    kids = node.get("/K") if isinstance(node, pikepdf.Dictionary) else None
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _standard_type(element: pikepdf.Dictionary, role_map: pikepdf.Dictionary) -> str:
    kind, seen = str(element.get("/S")), set()
    while kind in role_map and kind not in seen:
        seen.add(kind)
        kind = str(role_map[kind])
    return kind


def _has_content(element: pikepdf.Dictionary) -> bool:
    stack = [element]
    while stack:
        for kid in _kids(stack.pop()):
            if isinstance(kid, int) or (isinstance(kid, pikepdf.Dictionary) and "/MCID" in kid):
                return True
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                stack.append(kid)
    return False


def link_tag_problems_of(pdf: pikepdf.Pdf) -> list[str]:
    """What is wrong with the tagging of the file's link annotations, as 'p.N annots[i]: why'."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return ["the file has no structure tree"]
    role_map = root.get("/RoleMap") or pikepdf.Dictionary()
    holders: dict[tuple[int, int], list[pikepdf.Dictionary]] = {}
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        for kid in _kids(node):
            if not isinstance(kid, pikepdf.Dictionary):
                continue
            if "/S" in kid:
                if kid.objgen not in seen:
                    seen.add(kid.objgen)
                    stack.append(kid)
            elif "/Obj" in kid:
                holders.setdefault(kid.Obj.objgen, []).append(node)
    tree = pikepdf.NumberTree(root.ParentTree) if "/ParentTree" in root else {}
    problems = []
    for number, page in enumerate(pdf.pages, start=1):
        for index, annotation in enumerate(page.obj.get("/Annots", [])):
            if annotation.get("/Subtype") != pikepdf.Name.Link:
                continue
            where = f"p.{number} annots[{index}]"
            owners = holders.get(annotation.objgen, [])
            if len(owners) != 1:
                problems.append(f"{where}: referenced by {len(owners)} OBJRs in the structure tree, not one")
                continue
            owner = owners[0]
            if _standard_type(owner, role_map) != "/Link":
                problems.append(f"{where}: its OBJR is held by a {owner.get('/S')}, not a /Link")
                continue
            if not _has_content(owner):
                problems.append(f"{where}: its /Link element holds no text")
            key = annotation.get("/StructParent")
            mapped = tree.get(int(key)) if key is not None else None
            if not isinstance(mapped, pikepdf.Dictionary) or mapped.objgen != owner.objgen:
                problems.append(f"{where}: /StructParent {key} maps to "
                                f"{mapped.get('/S') if isinstance(mapped, pikepdf.Dictionary) else mapped} "
                                "in the parent tree, not to its /Link element")
    return problems


def link_tag_problems(path: Path) -> list[str]:
    with pikepdf.open(path) as pdf:
        return [f"{path.name}: link tags: {problem}" for problem in link_tag_problems_of(pdf)]
