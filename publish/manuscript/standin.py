"""Draws clearly labelled stand-in photos at print size, for manuscripts whose photo is not yet in."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageCms, ImageDraw, ImageFont

FONT = Path(__file__).resolve().parent.parent / "styles" / "fonts" / "NotoSans-Bold.ttf"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(FONT), size)
    except OSError:
        return ImageFont.load_default(size)


def stand_in(target: Path, label: str, detail: str, size: tuple[int, int] = (3600, 2400),
             ppi: int = 300) -> Path:
    """A river-and-bridge scene in flat colour, labelled STAND-IN so nobody mistakes it for the photo."""
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.58)
    for y in range(horizon):  # sky: pale at the horizon
        t = y / horizon
        draw.line([(0, y), (width, y)], fill=(int(120 + 100 * t), int(160 + 70 * t), int(200 + 40 * t)))
    for y in range(horizon, height):  # river: darker towards the viewer
        t = (y - horizon) / (height - horizon)
        draw.line([(0, y), (width, y)], fill=(int(90 - 50 * t), int(110 - 50 * t), int(120 - 40 * t)))
    deck = int(height * 0.5)
    draw.rectangle([0, deck, width, deck + height // 40], fill=(235, 235, 230))
    for x in (int(width * 0.3), int(width * 0.7)):  # pylons and stay cables of a cable-stayed bridge
        top = int(height * 0.12)
        draw.rectangle([x - width // 120, top, x + width // 120, deck + height // 10], fill=(225, 225, 220))
        for k in range(1, 9):
            reach = int(width * 0.18 * k / 8)
            for sign in (-1, 1):
                draw.line([(x, top + k * height // 60), (x + sign * reach, deck)], fill=(245, 245, 240),
                          width=max(2, width // 900))
    band_top = int(height * 0.70)
    draw.rectangle([0, band_top, width, int(height * 0.93)], fill=(20, 20, 20))
    draw.text((width // 2, band_top + height // 14), label, font=_font(height // 10), fill=(255, 214, 0),
              anchor="mm")
    draw.text((width // 2, band_top + height // 6), detail, font=_font(height // 34), fill=(255, 255, 255),
              anchor="mm")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, "JPEG", quality=86, dpi=(ppi, ppi), icc_profile=srgb, optimize=True)
    return target
