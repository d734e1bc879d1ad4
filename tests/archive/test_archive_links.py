"""Every link annotation of the archive is tagged in one /Link element (PDF/UA-1 7.18.5).

WeasyPrint gives each box inside a link its own annotation, tagged in the box's element: a contents
entry (`<a><span class="contents-heading">…</span></a>` and its leader) carries four annotations, one
held by a /Span. editions/archive/tagtree.py moves them into the /Link; tests/link_tags.py checks it.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from conftest import run_publish
from helpers.books import three_texts
from helpers.link_tags import link_tag_problems, link_tag_problems_of

from publish.editions.archive.tagtree import repair_structure

_NAME = pikepdf.Name


def _element(pdf: pikepdf.Pdf, kind: str, page: pikepdf.Dictionary, kids: list) -> pikepdf.Dictionary:
    element = pdf.make_indirect(pikepdf.Dictionary(Type=_NAME.StructElem, S=_NAME(kind), Pg=page,
                                                   K=pikepdf.Array(kids)))
    for kid in kids:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            kid.P = element
    return element


def _link_with_annotations_in_spans() -> tuple[pikepdf.Pdf, list[pikepdf.Dictionary], dict[str, pikepdf.Dictionary]]:
    """A page tagged as WeasyPrint tags a contents entry: Link > [OBJR, Span > [OBJR, Span > text]],
    with a link inside a span inside the link and a span holding nothing but an annotation."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0].obj
    page.Contents = pdf.make_stream(b"/Span <</MCID 0>> BDC BT ET EMC /Span <</MCID 1>> BDC BT ET EMC")
    page.StructParents = 0
    annotations = [pdf.make_indirect(pikepdf.Dictionary(Type=_NAME.Annot, Subtype=_NAME.Link, StructParent=1 + i,
                                                        Rect=[0, 0, 10, 10], Contents=pikepdf.String("Link")))
                   for i in range(4)]
    page.Annots = pikepdf.Array(annotations)

    def objr(i: int) -> pikepdf.Dictionary:
        return pdf.make_indirect(pikepdf.Dictionary(Type=_NAME.OBJR, Obj=annotations[i], Pg=page))

    text = _element(pdf, "/Span", page, [0])
    inner = _element(pdf, "/Link", page, [objr(2), 1])
    heading = _element(pdf, "/Span", page, [objr(1), text, inner])
    bare = _element(pdf, "/Span", page, [objr(3)])
    link = _element(pdf, "/Link", page, [objr(0), heading, bare])
    document = _element(pdf, "/Document", page, [link])
    root = pdf.make_indirect(pikepdf.Dictionary(Type=_NAME.StructTreeRoot, K=document))
    document.P = root
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(
        [0, pikepdf.Array([text, inner]), 1, link, 2, heading, 3, inner, 4, bare])))
    pdf.Root.StructTreeRoot = root
    return pdf, annotations, {"link": link, "heading": heading, "text": text, "inner": inner}


def test_annotations_tagged_inside_a_link_are_moved_into_it() -> None:
    pdf, annotations, elements = _link_with_annotations_in_spans()
    before = link_tag_problems_of(pdf)
    assert before == [
        "p.1 annots[1]: its OBJR is held by a /Span, not a /Link",
        "p.1 annots[3]: its OBJR is held by a /Span, not a /Link",
    ]  # annots[2] is held by the nested /Link: a link still, if not the outermost

    repair_structure(pdf)

    assert link_tag_problems_of(pdf) == []
    link, heading, text = elements["link"], elements["heading"], elements["text"]
    kids = list(link.K)
    assert [kid.Obj.objgen for kid in kids if "/Obj" in kid] == [a.objgen for a in annotations]
    assert [kid.objgen for kid in kids if "/S" in kid] == [heading.objgen]  # the bare span went
    assert [k.objgen if isinstance(k, pikepdf.Dictionary) else int(k) for k in heading.K] == [text.objgen, 1]
    tree = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)
    assert all(tree[i].objgen == link.objgen for i in range(1, 5))
    assert [e.objgen for e in tree[0]] == [text.objgen, heading.objgen]  # the inner link's text: the span


@pytest.mark.slow  # builds an archive, which the validators then read
def test_a_two_text_book_tags_each_contents_link_once(tmp_path: Path) -> None:
    root = three_texts(tmp_path / "book")
    run = run_publish("archive", str(root), "-o", str(tmp_path / "out"), env={"SOURCE_DATE_EPOCH": "1600000000"})
    assert run.returncode == 0, run.stderr
    target = tmp_path / "out" / "three-texts.archive.pdf"
    with pikepdf.open(target) as pdf:
        contents = next(i for i, page in enumerate(pdf.pages) if len(page.obj.get("/Annots", [])) >= 9)
        links = [a for a in pdf.pages[contents].obj.Annots if a.get("/Subtype") == _NAME.Link]
    assert len(links) == 12  # three entries, each the line, its title span, its ::after and leader
    assert link_tag_problems(target) == []
