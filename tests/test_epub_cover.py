"""The generated e-book cover (issue 16): any title fits, every word shows, the title reads on a 200 px
thumbnail, and a stand-in photo keeps its label whole. Covers are kept in tests/artefacts/epub-covers/."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import ARTEFACTS, BUNDLED, write_manuscript
from fontTools.ttLib import TTFont
from PIL import Image

from publish.editions.epub.builder import cover_html, cover_photo, generated_cover
from publish.editions.epub.cover import CoverFit, fit_cover
from publish.manuscript.loader import load
from publish.render.styles import Styles

COVERS = ARTEFACTS / "epub-covers"
THUMBNAIL = 200  # px wide: a store's or a library shelf's thumbnail
TITLE_PT = 34  # epub-cover.css's title size at --cover-scale 1
DISPLAY_BOLD = Path(__file__).resolve().parent.parent / "publish" / "styles" / "fonts" / "NotoSerifDisplay-Bold.ttf"

NAMES = ("Ada Writer", "Sokha Chan", "Hiroshi Tanaka-Yamamoto", "Maria Fernanda de la Cruz",
         "Bartholomew Okonkwo-Smith", "Chantrea Sok", "Yuki Watanabe", "Pierre-Alexandre Dubois-Lefèvre")


def manuscript(root: Path, title: str, subtitle: str, authors: tuple[str, ...], publisher: str) -> Path:
    people = "".join(f'\n[[contributors]]\nname = "{name}"\nrole = "author"\n' for name in authors)
    toml = (f'title = "{title}"\nsubtitle = "{subtitle}"\nlanguage = "en"\ndate = 2020-05-01\n'
            f'publisher = "{publisher}"\n{people}')
    text = '+++\ntitle = "A Small Feature"\n+++\n\n![](photos/harbour.jpg)\n\nThe first paragraph.\n'
    return write_manuscript(root, {"publication.toml": toml, "feature.md": text})


CASES = {
    "long": ("The Long and Winding River: Ferries, Bridges and the People Who Crossed the Mekong from Kratie "
             "to the Sea in the Years of the Great Floods",
             "An oral history of crossings, timetables, ferrymen, harbour masters and the towns that grew at "
             "the water's edge, 1953–2018", NAMES[:5], "The Riverside Press of Phnom Penh and Kampot"),
    "endless": (" ".join(["The Ferrymen of the Lower Mekong and Their Songs, Timetables and Tides"] * 6),
                " ".join(["Crossings recorded at Kratie, Stung Treng, Kampong Cham and Neak Loeung"] * 4),
                NAMES, "Riverside Press"),
    "unbroken": ("Pneumonoultramicroscopicsilicovolcanoconiosis-and-Supercalifragilisticexpialidocious",
                 "One word too long for any line", NAMES[:1], "Riverside Press"),
}


def fitted(root: Path) -> tuple[CoverFit, Image.Image]:
    publication, _ = load(root)
    styles = Styles.for_manuscript(root)
    fit = fit_cover(publication, styles, cover_html(publication, styles), cover_photo(publication))
    image = Image.open(io.BytesIO(generated_cover(publication, styles)))
    COVERS.mkdir(parents=True, exist_ok=True)
    image.save(COVERS / f"{root.parent.name}.jpg")
    image.resize((THUMBNAIL, THUMBNAIL * 16 // 10), Image.Resampling.LANCZOS).save(
        COVERS / f"{root.parent.name}-{THUMBNAIL}.png")
    return fit, image


def cap_height_px(fit: CoverFit) -> float:
    """The title's cap height on the thumbnail, from its size and the display face's own cap height."""
    font = TTFont(DISPLAY_BOLD)
    ratio = font["OS/2"].sCapHeight / font["head"].unitsPerEm
    size_mm = TITLE_PT * fit.scale * 25.4 / 72
    return size_mm * ratio * THUMBNAIL / fit.page_mm[0]


def contrast(image: Image.Image, box_mm: tuple[float, ...], page_mm: tuple[float, float]) -> float:
    """WCAG contrast between the title's ink and its ground, measured in the thumbnail's pixels."""
    thumb = image.resize((THUMBNAIL, THUMBNAIL * 16 // 10), Image.Resampling.LANCZOS).convert("RGB")
    scale = thumb.width / page_mm[0]
    left, top, right, bottom = (round(v * scale) for v in box_mm)
    data = thumb.crop((left, top, right, bottom)).tobytes()
    pixels = sorted(_luminance((data[i], data[i + 1], data[i + 2])) for i in range(0, len(data), 3))
    ink, ground = pixels[len(pixels) // 100], pixels[len(pixels) // 2]
    return (ground + 0.05) / (ink + 0.05)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_word_of_any_title_shows(case: str, tmp_path: Path) -> None:
    """Title, subtitle, byline and publisher all on the cover's one page, the text above the publisher."""
    fit, image = fitted(manuscript(tmp_path / case / "ms", *CASES[case]))
    assert fit.pages == 1 and fit.fits, fit
    for part in ("cover-title", "cover-subtitle", "cover-publisher", "cover-end"):
        left, top, right, bottom = fit.anchors[part]
        assert min(left, top) >= 0 and right <= fit.page_mm[0] and bottom <= fit.page_mm[1], (part, fit.anchors)
    assert fit.anchors["cover-end"][1] <= fit.anchors["cover-publisher"][1]
    assert image.size == (1600, 2560)
    if case == "long":  # the photo gives room first: the title keeps its full size
        assert fit.scale == 1 and fit.photo_mm < 150


def test_the_title_reads_on_a_thumbnail(tmp_path: Path) -> None:
    """At 200 px wide a title of some length keeps a cap height of 6 px or more, dark on light (≥ 4.5:1)."""
    for case in ("long", "bundled"):
        root = BUNDLED if case == "bundled" else manuscript(tmp_path / case / "ms", *CASES[case])
        fit, image = fitted(root)
        assert cap_height_px(fit) >= 6, (case, fit.scale)
        assert contrast(image, fit.anchors["cover-title"], fit.page_mm) >= 4.5, case
    assert cap_height_px(fit) >= 10  # the bundled feature's short title is set larger


def test_a_stand_in_shows_whole_with_its_label() -> None:
    """The bundled lead photo is a stand-in: the cover shows it uncropped, in its own proportion, so both
    lines of its label (yellow STAND-IN IMAGE and the white line naming the original) on the drawing's
    black band stop short of the cover's edges."""
    fit, image = fitted(BUNDLED)
    photo = image.crop((0, 0, image.width, round(fit.photo_mm * image.width / fit.page_mm[0]))).convert("RGB")
    assert photo.height / photo.width == pytest.approx(2400 / 3600, abs=0.01)
    small = photo.resize((photo.width // 2, photo.height // 2))
    rows = [[small.getpixel((x, y)) for x in range(small.width)] for y in range(small.height)]
    band = [row for row in rows if sum(max(p) < 40 for p in row) > 0.5 * len(row)]
    yellow = [x for row in band for x, (r, g, b) in enumerate(row) if r > 200 and g > 160 and b < 100]
    white = [x for row in band for x, (r, g, b) in enumerate(row) if min(r, g, b) > 200]
    assert band and yellow and white, "the label's band or one of its lines is missing"
    margin = small.width * 0.02
    for line in (yellow, white):
        assert min(line) > margin and max(line) < small.width - margin, (min(line), max(line), small.width)
