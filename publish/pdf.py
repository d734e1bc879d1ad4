"""The print edition: the shared HTML laid out by WeasyPrint with base.css + print.css."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from publish.model import Publication
from publish.render import Renderer, Styles
from publish.resources import Gate


@dataclass(frozen=True)
class PrintLayout:
    """The laid-out print edition, before it is written: pages are known, bytes are not yet."""

    document: object  # weasyprint.document.Document
    html: str
    refused: tuple[str, ...]

    @property
    def page_count(self) -> int:
        return len(self.document.pages)  # type: ignore[attr-defined]


def geometry_css(publication: Publication) -> str:
    """Page size and bleed from [print] in the metadata, so a new trim needs no stylesheet edit."""
    settings = publication.metadata.print
    marks = "crop cross" if settings.marks else "none"
    return (
        f"@page {{ size: {settings.width_mm:g}mm {settings.height_mm:g}mm; "
        f"bleed: {settings.bleed_mm:g}mm; marks: {marks}; }}\n"
        f":root {{ --bleed: {settings.bleed_mm:g}mm; }}\n"
    )


def print_html(publication: Publication, styles: Styles, created: str) -> str:
    renderer = Renderer(publication, styles, "print", image_src=lambda photo: photo.path.as_uri())
    return renderer.render("print.html", created=created)


def stylesheets(publication: Publication, styles: Styles, gate: Gate,
                font_config: FontConfiguration) -> list[CSS]:
    fetcher = gate.fetcher()
    sheets: list[CSS] = []
    for name in ("fonts.css", "base.css"):
        for path in styles.css(name):
            sheets.append(CSS(filename=str(path), url_fetcher=fetcher, font_config=font_config))
    sheets.append(CSS(string=geometry_css(publication), font_config=font_config))
    for path in styles.css("print.css"):
        sheets.append(CSS(filename=str(path), url_fetcher=fetcher, font_config=font_config))
    return sheets


def lay_out(publication: Publication, styles: Styles, created: str) -> PrintLayout:
    """Paginates the print edition; the EPUB builder reads page starts from the same layout."""
    gate = Gate(publication.root, *styles.roots)
    fetcher = gate.fetcher()
    font_config = FontConfiguration()
    html = print_html(publication, styles, created)
    sheets = stylesheets(publication, styles, gate, font_config)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = HTML(string=html, base_url=publication.root.as_uri() + "/", url_fetcher=fetcher).render(
        stylesheets=sheets, font_config=font_config)
    return PrintLayout(document, html, tuple(fetcher.refused))


def write_pdf(layout: PrintLayout, publication: Publication, target: Path) -> None:
    identifier = hashlib.md5(publication.metadata.identifier.encode()).hexdigest().encode()
    layout.document.write_pdf(  # type: ignore[attr-defined]
        target,
        pdf_identifier=identifier,
        pdf_version="1.7",
    )
