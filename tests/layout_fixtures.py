"""Fixture manuscripts for the photo layouts and text kinds of issue 15, written at test time.

Each function writes one manuscript folder and returns it; the photos are drawn by Pillow in the
aspect ratios a photo desk sends (portrait, landscape, square, panorama), big enough for print.
"""

from __future__ import annotations

from pathlib import Path

from conftest import make_photo
from PIL import Image, ImageDraw

# Pixel sizes: each prints at 150 ppi or better where the layouts put it.
PORTRAIT = (2100, 2800)
LANDSCAPE = (3000, 2000)
SQUARE = (2400, 2400)
PANORAMA = (7500, 2500)


def make_panorama(path: Path, size: tuple[int, int] = PANORAMA) -> Path:
    """A photo whose left and right differ (red rises left to right; a dark line every tenth of its
    width, a thick one at the middle), so the two halves of a spread can be told apart on the page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = size
    ramp = Image.linear_gradient("L").rotate(90, expand=True).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    image = Image.merge("RGB", (ramp.resize(size), Image.linear_gradient("L").resize(size),
                                Image.new("L", size, 150)))
    draw = ImageDraw.Draw(image)
    for tenth in range(1, 10):
        x = width * tenth // 10
        draw.rectangle((x - (30 if tenth == 5 else 6), 0, x + (30 if tenth == 5 else 6), height), fill=(20, 20, 20))
    image.save(path, "JPEG", quality=85, dpi=(300, 300))
    return path


def _write(root: Path, files: dict[str, str], photos: dict[str, tuple[int, int]]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    for name, size in photos.items():
        (make_panorama if size == PANORAMA else make_photo)(root / name, size=size)
    return root


LOREM = ("The river rises in the hills and reaches the city in the dry season as a slow brown band, "
         "carrying silt that the farmers downstream have waited for since the rains. ")


def feature(root: Path) -> Path:
    """A two-text feature: a pair, a grid, a full-page photo and a spread, each linked from the text."""
    text = f"""+++
title = "The river in four pictures"
byline = "by Ada Writer"
+++

{LOREM * 3}The market is in [the pair below](#market), the boats in [the grid](#boats), the
dam on [its own page](#dam) and the delta across [two pages](#delta).

::: pair {{#market}}
![](photos/stall.jpg){{#stall}}
![](photos/scales.jpg)
:::

{LOREM * 4}

::: grid {{#boats}}
![](photos/boat-1.jpg)
![](photos/boat-2.jpg)
![](photos/boat-3.jpg)
![](photos/boat-4.jpg)
![](photos/boat-5.jpg)

Five boats of the upper river, photographed in one morning from the same bank.
:::

{LOREM * 5}

![](photos/dam.jpg){{#dam}}

{LOREM * 4}See [the stall](#stall) again.

![](photos/delta.jpg){{#delta}}

{LOREM * 3}
"""
    second = f"""+++
title = "Downstream"
byline = "by Ada Writer"
+++

{LOREM * 4}Upstream, the [market pair](#market) and [the delta spread](#delta) were in the first text.

{LOREM * 6}
"""
    captions = """\
["stall.jpg"]
caption = "A fish stall at first light."
credit = "Test Photographer"
alt = "A market stall with baskets of fish under a tarpaulin."

["scales.jpg"]
caption = "The scales, brass and iron."
credit = "Second Photographer"
alt = "Old balance scales on a wooden counter."

["boat-1.jpg"]
caption = "Long-tail boat."
credit = "Test Photographer"
alt = "A long narrow boat with an outboard motor."

["boat-2.jpg"]
caption = "Ferry."
credit = "Test Photographer"
alt = "A car ferry crossing the river."

["boat-3.jpg"]
alt = "A sampan moored to a post."

["boat-4.jpg"]
alt = "A fishing boat drying its nets."

["boat-5.jpg"]
alt = "A barge loaded with sand."

["dam.jpg"]
caption = "The dam, from the spillway, a page of its own."
credit = "Test Photographer"
alt = "A concrete dam wall with water pouring from its gates."
placement = "full-page"

["delta.jpg"]
caption = "The delta at dusk, across two pages."
credit = "Test Photographer"
alt = "A wide flat delta with channels of water reflecting the sky."
placement = "spread"
"""
    toml = """\
title = "The river in four pictures"
language = "en"
date = 2024-05-01
texts = ["river.md", "downstream.md"]

[[contributors]]
name = "Ada Writer"
role = "author"
"""
    return _write(root, {"publication.toml": toml, "river.md": text, "downstream.md": second,
                         "photos/captions.toml": captions},
                  {"photos/stall.jpg": PORTRAIT, "photos/scales.jpg": LANDSCAPE,
                   "photos/boat-1.jpg": LANDSCAPE, "photos/boat-2.jpg": SQUARE, "photos/boat-3.jpg": PORTRAIT,
                   "photos/boat-4.jpg": LANDSCAPE, "photos/boat-5.jpg": PANORAMA,
                   "photos/dam.jpg": PORTRAIT, "photos/delta.jpg": PANORAMA})
