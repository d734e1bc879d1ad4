"""Writes the README's pictures from the built print edition, so they always show what publish makes.

    publish all && python docs/make_pictures.py output/ties-that-bind.pdf

- docs/title-page.png: page 1, the trilingual title page (80 dpi);
- docs/print-spread.png: the feature's first two pages side by side, cut to the trim (60 dpi).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
from PIL import Image

DOCS = Path(__file__).resolve().parent


def page_picture(document: pdfium.PdfDocument, pdf: pikepdf.Pdf, index: int, dpi: int) -> Image.Image:
    """One page rendered and cut from the media box to the trim box, as the reader will hold it."""
    scale = dpi / 72
    image = document[index].render(scale=scale).to_pil().convert("RGB")
    page = pdf.pages[index]
    media = [float(v) for v in page.MediaBox]
    trim = [float(v) for v in page.get("/TrimBox", page.MediaBox)]
    height = media[3] - media[1]
    box = (round((trim[0] - media[0]) * scale), round((height - (trim[3] - media[1])) * scale),
           round((trim[2] - media[0]) * scale), round((height - (trim[1] - media[1])) * scale))
    return image.crop(box)


def first_text_page(pdf: pikepdf.Pdf) -> int:
    """The index of the page labelled 1: where the front matter ends and the first text begins."""
    labels = pdf.Root.get("/PageLabels")
    if labels is None:
        return 0
    numbers = list(labels.Nums)
    for start, style in zip(numbers[::2], numbers[1::2], strict=True):
        if style.get("/S") == pikepdf.Name.D:
            return int(start)
    return 0


def main(source: Path) -> None:
    document = pdfium.PdfDocument(str(source))
    try:
        with pikepdf.open(source) as pdf:
            title = page_picture(document, pdf, 0, 80)
            title.save(DOCS / "title-page.png", optimize=True)
            first = first_text_page(pdf)
            pages = [page_picture(document, pdf, i, 60) for i in range(first, min(first + 2, len(pdf.pages)))]
    finally:
        document.close()
    gap, margin = 4, 24
    width = sum(p.width for p in pages) + gap * (len(pages) - 1) + 2 * margin
    height = max(p.height for p in pages) + 2 * margin
    spread = Image.new("RGB", (width, height), (214, 210, 202))
    x = margin
    for picture in pages:
        spread.paste(picture, (x, margin))
        x += picture.width + gap
    spread.save(DOCS / "print-spread.png", optimize=True)
    print(DOCS / "title-page.png")
    print(DOCS / "print-spread.png")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "output/ties-that-bind.pdf"))
