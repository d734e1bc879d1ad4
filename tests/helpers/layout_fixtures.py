"""Fixture manuscripts for the photo layouts and text kinds of issue 15, written at test time.

Each function writes one manuscript folder and returns it; the photos are drawn by Pillow in the
aspect ratios a photo desk sends (portrait, landscape, square, panorama), big enough for print.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from conftest import make_photo, run_publish
from lxml import etree
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


def photo_essay(root: Path) -> Path:
    """A photo essay on a 250 mm square page: a photo a page, a few lines of text between them."""
    text = """+++
title = "Salt"
byline = "Photographs and text by Ben Lens"
+++

![](photos/pans.jpg)

At Kampot the sea is let into the fields in January and left there until it is gone.

![](photos/rake.jpg){#rake}

What is left is raked by hand into ridges, then into heaps, then carried in baskets to the barns.

![](photos/heaps.jpg)

::: pair {#baskets}
![](photos/basket-1.jpg)
![](photos/basket-2.jpg)

Baskets of salt, forty kilos each, on the way to the barns.
:::

The raker in [the second picture](#rake) has worked the pans for thirty years.

![](photos/shore.jpg)
"""
    captions = """\
["pans.jpg"]
caption = "The pans at dawn, flooded."
credit = "Ben Lens"
alt = "Flat rectangular salt pans full of still water reflecting the sky."
placement = "opener"

["rake.jpg"]
caption = "Raking the crust, late morning."
credit = "Ben Lens"
alt = "A woman in a wide hat pulling a wooden rake across white salt."

["heaps.jpg"]
caption = "Heaps left to drain."
credit = "Ben Lens"
alt = "Rows of conical white salt heaps on a grey field."

["basket-1.jpg"]
credit = "Ben Lens"
alt = "A man carrying two baskets of salt on a pole."

["basket-2.jpg"]
credit = "Ben Lens"
alt = "Baskets of salt stacked by a barn door."

["shore.jpg"]
caption = "The shore beyond the pans."
credit = "Ben Lens"
alt = "A long empty shoreline under a low sky."
"""
    toml = """\
title = "Salt"
language = "en"
date = 2024
layout = "photo-essay"

[[contributors]]
name = "Ben Lens"
role = "photographer"

[print]
trim = "250x250 mm"
"""
    return _write(root, {"publication.toml": toml, "salt.md": text, "photos/captions.toml": captions},
                  {"photos/pans.jpg": LANDSCAPE, "photos/rake.jpg": PORTRAIT, "photos/heaps.jpg": SQUARE,
                   "photos/basket-1.jpg": PORTRAIT, "photos/basket-2.jpg": LANDSCAPE,
                   "photos/shore.jpg": PANORAMA})


SYMBOLS = "≈ ≤ ≥ ↔ ∑ × ÷ ± ∞ → ← ⇒ ∈ √ ° ′ ″ ‰ … ✓"


def technical(root: Path) -> Path:
    """A technical note: code, definition lists and the symbols of engineering prose."""
    text = f"""+++
title = "Flushing a reservoir"
byline = "by Ada Writer"
+++

A reservoir loses capacity as silt settles: at 2 ‰ a year, a 1 km³ lake fills in ≈ 500 years,
and the gates must pass flows of 1 500 m³/s ± 10 %. The operator's terms:

Sediment flushing
: Opening the low gates so the river scours the silt it brought, with the lake drawn down.

  It is done in the wet season, when the flow is ≥ 3 times the mean.

Sluicing
: Passing the flood through before its silt settles.

Dead storage
: The volume below the lowest outlet (≤ 10 % of the total), given up to silt from the start.

The model sums the inflow over the days of the season, ∑ Qᵢ × Δt, and stops when the level falls
below the sill: level → sill ⇒ close. Where x ∈ [0, 1] is the gate opening, the flow goes as √x.
Angles are in degrees (12° 30′ 15″); the ratio of loads is 3 ÷ 4; nothing here tends to ∞, and
flows run upstream ← or downstream → or both ↔. Symbols: {SYMBOLS}.

The gate program reads `gates.toml` and calls `open_gate(n, fraction=0.5)`:

```python
def flush(reservoir, gates, *, minimum_level_m=112.5, maximum_outflow_m3_per_s=1500.0, log=print):
    for gate in gates:  # the lowest first: they scour the deepest silt
        if reservoir.level_m <= minimum_level_m:
            break

        gate.open(fraction=min(1.0, maximum_outflow_m3_per_s / gate.capacity_m3_per_s / len(gates)))
        log(f"gate {{gate.number}} open at {{gate.fraction:.0%}} — level {{reservoir.level_m:.2f}} m")
```

A line of a configuration file that is far too long for any column of print, so it must wrap: `https://example.org/reservoirs/mekong/lower-sesan-2/gates/operations?season=wet&year=2024`.
"""
    toml = """\
title = "Flushing a reservoir"
language = "en"
date = 2024

[[contributors]]
name = "Ada Writer"
role = "author"

[print]
trim = "A5"
"""
    return _write(root, {"publication.toml": toml, "flushing.md": text}, {})


def vertical(root: Path) -> Path:
    """A Japanese text set vertically (tategaki) in the e-book, with a photo."""
    text = """+++
title = "川の町"
lang = "ja"
writing = "vertical"
byline = "文・山田花子"
+++

川は山から流れて、乾季には茶色の帯となって町に着く。下流の農家は雨季からずっと、この泥を待っている。

![](photos/river.jpg)

町の市場は朝五時に開く。魚と野菜を売る人々が、川沿いの道に集まる。二〇二四年の春、市場は百年目を迎えた。
"""
    captions = """\
["river.jpg"]
caption = "夕暮れの川。"
credit = "山田花子"
alt = "夕暮れの広い川と小さな舟。"
"""
    toml = """\
title = "川の町"
language = "ja"
date = 2024

[[contributors]]
name = "山田花子"
role = "author"

[print]
trim = "A5"
"""
    return _write(root, {"publication.toml": toml, "kawa.md": text, "photos/captions.toml": captions},
                  {"photos/river.jpg": LANDSCAPE})


# Building them and reading what was built ----------------------------------------------------------


@dataclass(frozen=True)
class Built:
    root: Path
    pdf: Path
    epub: Path
    archive: Path
    stdout: str
    stderr: str


def build(root: Path, output: Path, slug: str) -> Built:
    run = run_publish("all", str(root), "-o", str(output), "--jobs", "1")
    assert run.returncode == 0, run.stderr
    return Built(root, output / f"{slug}.pdf", output / f"{slug}.epub", output / f"{slug}.archive.pdf",
                 run.stdout, run.stderr)


def page_texts(pdf: Path) -> list[str]:
    document = pdfium.PdfDocument(str(pdf))
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def epub_doc(epub: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(epub) as book:
        return etree.fromstring(book.read(f"EPUB/{name}"))


def epub_css(epub: Path) -> str:
    with zipfile.ZipFile(epub) as book:
        return book.read("EPUB/style.css").decode()


# The layout check's findings no page may have, whatever its manuscript (issue 14): text over text,
# rules or photos, text in the safe zone, a word or a number cut, three hyphenated line ends in a row, a
# headline left alone on its page by the photo under it.
EVERY_PAGE = ("text-over-text", "text-over-rule", "text-over-box", "text-over-image", "safe-zone", "broken-word",
              "split-unit", "ladder", "lone-heading")


def every_page_problems(pdf: Path) -> list[str]:
    """What the layout check finds on a PDF that no page may have; fails when it read no page."""
    from publish.checks.layout import check_pdf

    report = check_pdf(pdf)
    assert report.pages, f"{pdf.name}: the layout check read no page"
    return [str(finding) for finding in report.of(*EVERY_PAGE)]
