"""A manuscript's own templates rendered as the build and the preview render them, before anything is written.

A template runs late in a build (the e-book's after the print PDF, the report's last), so a mistake in
one would stop a build half-way. `publish check` and the build call this first: every template the
editions, the generated cover, the report and the preview use is rendered once, writing nothing, and
each problem is a diagnostic at its template's line (manuscript/templates.py). The print edition's
templates are rendered at the start of its layout, before any file is written, so they are not here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from publish.build.report import preview_page, render_report
from publish.model.diagnostics import Diagnostic, ManuscriptError
from publish.model.document import Publication
from publish.render.styles import Styles


def has_own_templates(styles: Styles) -> bool:
    return styles.override is not None and (styles.override / "templates").exists()


def template_diagnostics(publication: Publication, styles: Styles) -> list[Diagnostic]:
    """Every problem of the manuscript's own templates; none (and no work) when it has none."""
    if not has_own_templates(styles):
        return []
    from publish.editions.epub.builder import cover_html, epub_documents

    images = {photo.name: f"images/{index}.jpg" for index, photo in enumerate(publication.photos)}
    status = {"message": "built", "problems": [], "ok": True}
    renders: list[Callable[[], object]] = [
        lambda: epub_documents(publication, styles, images, "images/cover.jpg"),
        lambda: cover_html(publication, styles),
        lambda: preview_page(styles, "print", "Print pages", status, edition="preview.pdf",
                             pages=[{"number": 1, "src": "/pages/1.png", "src2x": "/pages/1.png"}]),
        lambda: preview_page(styles, "ebook", "E-book", status, edition="preview.epub",
                             chapters=[{"href": "/epub/EPUB/text.xhtml", "title": "Text"}]),
    ]
    found: list[Diagnostic] = []
    with tempfile.TemporaryDirectory(prefix="publish-templates-") as empty:
        renders.append(lambda: render_report(publication, styles, Path(empty), publication.root, [],
                                             publication.metadata.date))
        for render in renders:
            try:
                render()
            except ManuscriptError as exc:
                found += [d for d in exc.diagnostics if d not in found]
    return found
