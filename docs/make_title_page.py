"""Writes docs/title-page.png, the README's picture of the trilingual title page, from a built PDF.

    publish pdf && python docs/make_title_page.py output/ties-that-bind.pdf
"""

from __future__ import annotations

import sys
from pathlib import Path

import pypdfium2 as pdfium

DPI = 80
TARGET = Path(__file__).resolve().parent / "title-page.png"


def main(pdf: Path, target: Path = TARGET) -> None:
    document = pdfium.PdfDocument(str(pdf))
    try:
        document[0].render(scale=DPI / 72).to_pil().convert("RGB").save(target, optimize=True)
    finally:
        document.close()
    print(target)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "output/ties-that-bind.pdf"))
