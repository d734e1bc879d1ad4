"""Draws the stand-in photos of the fixture manuscripts, deterministically (same bytes every run).

Why drawn: the corpus must hold no one else's pictures. Each stand-in is a simple scene (sky,
hills, water, buildings, a figure) in the aspect ratio and pixel size a real photo of its kind
would have, saved as a real JPEG (or PNG) at 300 ppi, and small enough to keep in git (< 300 KB).

    python tests/manuscripts/make_photos.py            # every fixture's photos
    python tests/manuscripts/make_photos.py --check    # exit 1 if a committed photo differs
"""

from __future__ import annotations

import argparse
import io
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent

# fixture → {file: (width px, height px, scene)}
PHOTOS: dict[str, dict[str, tuple[int, int, str]]] = {
    "feature": {
        "lead-dyke.jpg": (2800, 1600, "water"),
        "gauge-house.jpg": (1600, 1067, "buildings"),
        "ferry-landing.jpg": (2800, 1200, "water"),
        "keeper-portrait.jpg": (1100, 1650, "figure"),
        "sluice-square.jpg": (1300, 1300, "buildings"),
        "reed-beds.jpg": (1600, 1000, "hills"),
    },
    "long-book": {
        "saltpans.jpg": (1600, 1000, "water"),
        "harbour-wall.jpg": (1400, 1000, "buildings"),
        "boiling-house.jpg": (1000, 1400, "figure"),
    },
    "photo-essay": {
        "opener-estuary.jpg": (3000, 3000, "water"),
        "pier-dawn.jpg": (2400, 1600, "water"),
        "net-mender.jpg": (1400, 2100, "figure"),
        "market-roofs.jpg": (2400, 1600, "buildings"),
        "salt-heaps.jpg": (2000, 2000, "hills"),
        "panorama-flats.jpg": (3000, 1000, "hills"),
        "lamp-post.jpg": (1000, 2000, "figure"),
        "boats-moored.jpg": (2400, 1600, "water"),
        "church-tower.jpg": (1300, 2000, "buildings"),
        "tide-pools.jpg": (2000, 1500, "water"),
        "ropes.jpg": (1800, 1800, "hills"),
        "last-light.jpg": (3000, 1700, "hills"),
    },
    "anthology": {
        "temple-steps.jpg": (1600, 1100, "buildings"),
        "garden-gate.jpg": (1000, 1500, "figure"),
    },
    "tables": {
        "gauge-chart.png": (1600, 900, "chart"),
    },
    "notes-heavy": {},
    "every-option": {
        "cover.jpg": (1400, 1980, "figure"),
        "opener-quay.jpg": (2200, 3000, "water"),
        "warehouse.jpg": (1600, 1067, "buildings"),
        "crane-wide.jpg": (2400, 1000, "hills"),
        "old-scan.jpg": (500, 350, "buildings"),
    },
    "edge-a5": {
        "signal-box.jpg": (1400, 1000, "buildings"),
    },
}


def _sky(draw: ImageDraw.ImageDraw, w: int, h: int, horizon: int, rng: random.Random) -> None:
    top = (rng.randint(70, 120), rng.randint(120, 160), rng.randint(180, 220))
    low = (rng.randint(210, 240), rng.randint(200, 225), rng.randint(170, 200))
    for y in range(horizon):
        t = y / max(1, horizon - 1)
        draw.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, low, strict=True)))


def scene(w: int, h: int, kind: str, seed: int) -> Image.Image:
    rng = random.Random(seed)
    image = Image.new("RGB", (w, h), (230, 230, 225))
    draw = ImageDraw.Draw(image)
    if kind == "chart":
        draw.rectangle((0, 0, w, h), fill=(250, 250, 246))
        for k in range(1, 10):
            y = h * k // 10
            draw.line([(w // 12, y), (w - w // 30, y)], fill=(200, 200, 200), width=2)
        points = [(w // 12 + i * (w * 10 // 12) // 23, int(h * (0.5 + 0.35 * rng.uniform(-1, 1)))) for i in range(24)]
        draw.line(points, fill=(30, 80, 150), width=8)
        for x, y in points:
            draw.ellipse((x - 10, y - 10, x + 10, y + 10), fill=(180, 40, 40))
        return image
    horizon = int(h * rng.uniform(0.35, 0.6))
    _sky(draw, w, h, horizon, rng)
    sun = (int(w * rng.uniform(0.15, 0.85)), int(horizon * rng.uniform(0.2, 0.6)))
    r = max(w, h) // 18
    draw.ellipse((sun[0] - r, sun[1] - r, sun[0] + r, sun[1] + r), fill=(250, 236, 190))
    ground = (rng.randint(60, 110), rng.randint(100, 140), rng.randint(60, 90))
    if kind in ("hills", "figure", "buildings"):
        for layer in range(3):
            shade = tuple(max(0, c - 25 * layer) for c in ground)
            pts = [(0, h)]
            for i in range(9):
                pts.append((w * i // 8, horizon + int(h * 0.04 * layer) - int(h * rng.uniform(0.0, 0.12))))
            pts.append((w, h))
            draw.polygon(pts, fill=shade)
    if kind == "water":
        for y in range(horizon, h):
            t = (y - horizon) / max(1, h - horizon)
            draw.line([(0, y), (w, y)], fill=(int(60 + 40 * t), int(100 + 30 * t), int(140 + 20 * t)))
        for _ in range(40):
            y = rng.randint(horizon + 5, h - 5)
            x = rng.randint(0, w)
            draw.line([(x, y), (x + rng.randint(w // 20, w // 6), y)], fill=(190, 210, 225), width=max(2, h // 300))
        bank = [(0, horizon), (w // 3, horizon - h // 30), (w // 2, horizon), (0, horizon + h // 20)]
        draw.polygon(bank, fill=ground)
    if kind == "buildings":
        x = 0
        while x < w:
            bw = rng.randint(w // 14, w // 6)
            bh = rng.randint(h // 6, h // 2)
            colour = (rng.randint(150, 220), rng.randint(120, 190), rng.randint(100, 160))
            draw.rectangle((x, horizon + h // 8 - bh, x + bw, h), fill=colour)
            for wy in range(horizon + h // 8 - bh + h // 40, h - h // 20, h // 18):
                for wx in range(x + bw // 8, x + bw - bw // 6, max(8, bw // 4)):
                    draw.rectangle((wx, wy, wx + bw // 10, wy + h // 40), fill=(70, 70, 90))
            x += bw + rng.randint(2, w // 60)
    if kind == "figure":
        cx = int(w * rng.uniform(0.35, 0.65))
        head = max(w, h) // 22
        top = int(h * 0.35)
        draw.ellipse((cx - head, top, cx + head, top + 2 * head), fill=(120, 80, 60))
        draw.polygon([(cx - 3 * head, h), (cx - head * 2, top + 3 * head), (cx + head * 2, top + 3 * head),
                      (cx + 3 * head, h)], fill=(40, 60, 110))
    image = image.filter(ImageFilter.GaussianBlur(radius=max(1, w // 600)))
    label = ImageDraw.Draw(image)
    size = max(w, h) // 40
    label.rectangle((w // 40, h - w // 40 - size * 2, w // 40 + size * 9, h - w // 40), fill=(20, 20, 20))
    label.text((w // 40 + size // 2, h - w // 40 - size * 2 + size // 2), "STAND-IN", fill=(240, 200, 40),
               font_size=size)
    return image


def encode(name: str, spec: tuple[int, int, str], seed: int) -> bytes:
    w, h, kind = spec
    image = scene(w, h, kind, seed)
    out = io.BytesIO()
    if name.endswith(".png"):
        image.save(out, "PNG", dpi=(300, 300), optimize=True)
    else:
        image.save(out, "JPEG", quality=78, dpi=(300, 300), optimize=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    differ = 0
    for fixture, photos in PHOTOS.items():
        for k, (name, spec) in enumerate(sorted(photos.items())):
            data = encode(name, spec, seed=hash_seed(fixture, k))
            path = HERE / fixture / "photos" / name
            if args.check:
                if not path.exists() or path.read_bytes() != data:
                    print(f"differs: {path}")
                    differ += 1
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"{path.relative_to(HERE)}: {len(data) // 1024} KB")
    return 1 if differ else 0


def hash_seed(fixture: str, k: int) -> int:
    return sum(ord(c) * (i + 1) for i, c in enumerate(fixture)) * 100 + k


if __name__ == "__main__":
    sys.exit(main())
