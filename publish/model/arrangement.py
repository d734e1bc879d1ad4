"""Arranges a manuscript's texts as a book: front matter, parts and chapters, back matter, with their numbers.

Why in the model and not in the templates: every edition needs the same answer (the print contents,
the EPUB's spine, nav and landmarks, the archive's structure tree, the page labels), so the order,
the chapter and part numbers and each chapter's part are settled once, when the loader has read the
texts, and every edition reads them from the model. The reading order is the author's (`texts =
[...]` or file names) within each division; a text of the back matter listed before a chapter is
set after the chapters, with a warning saying so.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from publish.model.diagnostics import Diagnostics
from publish.model.document import Article, Metadata
from publish.model.structure import DIVISIONS, kind_of


def _rank(article: Article) -> tuple[int, int]:
    kind = kind_of(article.kind)
    return DIVISIONS.index(kind.division), 0 if kind.before_contents else 1


def arrange(articles: list[Article], metadata: Metadata, diags: Diagnostics, where: Path,
            line: int | None, declared: bool) -> list[Article]:
    """The texts in book order, each with its number and part; `declared`: the order was written in texts = [...]."""
    ordered = sorted(articles, key=_rank)  # stable: the author's order within each division
    if declared and ordered != articles:
        moved = next(a for a, b in zip(articles, ordered, strict=True) if a is not b)
        after = next(a for a in articles[articles.index(moved) + 1:] if _rank(a) < _rank(moved))
        place = ("after the chapters" if kind_of(moved.kind).division == "back"
                 else "before the contents" if kind_of(moved.kind).before_contents else "before the chapters")
        diags.warning(where, line, f"texts: '{moved.source}' ({moved.kind}) is listed before '{after.source}' "
                      f"({after.kind}); a book sets its {kind_of(moved.kind).division} matter {place}, "
                      "and so does this one",
                      "reorder texts = [...] to match, or give the text another kind")
    out: list[Article] = []
    part = ""
    chapters = parts = 0
    numbering = metadata.book.numbering
    for article in ordered:
        division = kind_of(article.kind).division
        number = None
        if article.kind == "part":
            parts += 1
            part = article.id
            number = parts if numbering else None
        elif division != "body":
            part = ""
        elif article.kind == "chapter" and numbering:
            chapters += 1
            number = chapters
        out.append(replace(article, number=number, part=part if article.kind != "part" else ""))
    for index, article in enumerate(out):
        following = out[index + 1] if index + 1 < len(out) else None
        if article.kind == "part" and (following is None or following.part != article.id):
            diags.warning(where.parent / article.source, 1,
                          f"the part '{article.title or article.id}' holds no chapter",
                          "a part groups the chapters listed after it, up to the next part or the back matter")
        if article.kind == "part" and not article.title and not numbering:
            diags.error(where.parent / article.source, 1,
                        "the part has no title, and the book does not number its parts",
                        'give it a title = "…" in its front matter, or set numbering = true under [book] in '
                        "publication.toml to call it \"Part One\"")
    return out
