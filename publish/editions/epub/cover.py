"""The generated e-book cover fitted to its words: the photo gives room first, then the type shrinks,
until the title, subtitle, byline and publisher all show; nothing is ever clipped.

WeasyPrint cannot fit type to a box, so the cover is laid out again with other settings (two CSS
variables epub-cover.css reads: --cover-photo-height and --cover-scale) until the end of its text
(the element with id "cover-end" in templates/epub-cover.html) stands above the publisher's line.
Where the manuscript's own template has no such element, its layout is taken as it comes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from publish.engine.fetcher import GateFetcher
from publish.manuscript.containment import Gate
from publish.model.document import Photo, Publication
from publish.render.styles import Styles

WIDTH_MM = 160.0  # epub-cover.css's page: 160 × 256 mm, 1600 × 2560 px
PHOTO_MM = 150.0  # the photo's height when the words need no more room
GAP_MM = 4.0  # between the end of the text and the publisher's line
GROW_STEPS = (1.4, 1.2)  # a short title set larger where it fits: it reads better as a thumbnail
PHOTO_STEPS = (1.0, 0.8, 0.62, 0.45)  # of the photo's height, tried next: the title keeps its size
SCALE_STEPS = (1.0, 0.88, 0.77, 0.67, 0.58, 0.5, 0.43, 0.37, 0.32, 0.27, 0.23, 0.2, 0.17, 0.14)
MM_PER_PX = 25.4 / 96


@dataclass(frozen=True)
class CoverFit:
    """One layout of the cover and where its parts stand, in mm from the page's top left."""

    pdf: bytes
    photo_mm: float
    scale: float  # of the title's, subtitle's and byline's sizes in epub-cover.css
    page_mm: tuple[float, float]
    pages: int  # more than one: the words ran over the cover's page
    # element id → its box (left, top, right, bottom), or (left, top) from a WeasyPrint before 53
    anchors: dict[str, tuple[float, ...]] = field(default_factory=dict)

    @property
    def limit_mm(self) -> float:
        """Where the text must end: above the publisher's line, or above the page's foot margin."""
        publisher = self.anchors.get("cover-publisher")
        return (publisher[1] if publisher else self.page_mm[1] - 14.0) - GAP_MM

    @property
    def fits(self) -> bool:
        """One page, and the text's end (when the template marks it) above the limit."""
        end = self.anchors.get("cover-end")
        return self.pages == 1 and (end is None or end[1] <= self.limit_mm)


def photo_height(photo: Photo | None) -> float:
    """A stand-in shows whole (its label says what it is and whose photo it replaces): the photo's own
    proportion, at most PHOTO_MM; a photo fills PHOTO_MM, cropped as covers crop."""
    if photo is None:
        return 0.0
    if photo.stand_in and photo.width_px:
        return min(PHOTO_MM, WIDTH_MM * photo.height_px / photo.width_px)
    return PHOTO_MM


def settings(photo_mm: float) -> list[tuple[float, float]]:
    """(photo height, type scale) in the order tried: the type as large as it fits up to GROW_STEPS,
    then the photo shrinks, then the type."""
    tried = [(round(photo_mm, 2), scale) for scale in GROW_STEPS]
    tried += [(round(photo_mm * step, 2), 1.0) for step in PHOTO_STEPS]
    tried += [(round(photo_mm * PHOTO_STEPS[-1], 2), scale) for scale in SCALE_STEPS[1:]]
    return list(dict.fromkeys(tried))


def fit_cover(publication: Publication, styles: Styles, html: str, photo: Photo | None,
              also: tuple[Path, ...] = ()) -> CoverFit:
    """The first layout, in settings() order, whose words all show (the last one tried otherwise).

    `also`: folders the page may read besides the manuscript and styles (a photo's plain copy).
    """
    from weasyprint import CSS, HTML

    from publish.engine.fonts import font_configuration

    gate = Gate(publication.root, *styles.roots, *also)
    fetcher = GateFetcher(gate)
    font_config = font_configuration()
    sheets = [CSS(filename=str(path), url_fetcher=fetcher, font_config=font_config)
              for name in ("fonts.css", "base.css", "epub-cover.css") for path in styles.css(name)]
    base_url = publication.root.as_uri() + "/"
    fit, document, previous = None, None, None
    for photo_mm, scale in settings(photo_height(photo)):
        variables = CSS(string=f":root {{ --cover-photo-height: {photo_mm:g}mm; --cover-scale: {scale:g}; }}",
                        font_config=font_config)
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
            stylesheets=[*sheets, variables], font_config=font_config)
        page = document.pages[0]
        anchors = {name: tuple(value * MM_PER_PX for value in place) for name, place in page.anchors.items()}
        tried = CoverFit(b"", photo_mm, scale, (page.width * MM_PER_PX, page.height * MM_PER_PX),
                         len(document.pages), anchors)
        every = [sorted(p.anchors.items()) for p in document.pages]  # all pages: what ran over, too
        unchanged = fit is not None and every == previous
        previous = every
        fit = tried
        if fit.fits or unchanged:  # a template of the manuscript's own may not read the variables
            break
    assert fit is not None and document is not None
    document.pages[1:] = []  # the cover is one page, whatever ran over
    return CoverFit(document.write_pdf(), fit.photo_mm, fit.scale, fit.page_mm, fit.pages, fit.anchors)
