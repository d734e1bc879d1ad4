"""Generates a book-scale manuscript (about 400 A5 pages) in publish's format, deterministically.

Why: layout engines are slow at book scale and most benchmarks use toy inputs. This book has what
real anniversary books have: ~40 texts of ~2,500 words, ~60 photos of mixed size, orientation and
colour mode (one PNG with alpha, one greyscale scan, one CMYK file), footnotes, tables, sub-headings,
pull quotes and Khmer and Japanese passages. Same arguments → same bytes.

    python benchmarks/make_book.py OUTPUT_FOLDER [--texts 40] [--words 2500] [--photos 60]
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

PROSE = (
    "the ministry of public works agreed with the provincial governors that the new bridge would "
    "open before the rainy season and the engineers from osaka worked through the night with local "
    "crews who had learned welding in the vocational school funded by the cooperation agency while "
    "farmers along the river watched the cables rise above the mekong and traders in the market "
    "counted the days until their trucks could cross without waiting for the ferry at dawn the "
    "ambassador spoke of friendship and patience and of the long history of exchange between two "
    "nations that had known war occupation reconstruction and finally a steady partnership built on "
    "schools hospitals roads and the quiet work of volunteers in villages far from the capital"
)
WORDS = PROSE.split()
NAMES = ("Sokha", "Tanaka", "Chanthy", "Yamamoto", "Dara", "Suzuki", "Bopha", "Kobayashi", "Vichet")
KHMER = ("ព្រះរាជាណាចក្រកម្ពុជា", "មិត្តភាពកម្ពុជា-ជប៉ុន", "ស្ពានគីហ្សូណា", "សាលារៀន", "ភ្នំពេញ")
JAPANESE = ("日本とカンボジアの友好", "きずな橋", "国際協力機構", "六十五周年", "プノンペン")
MONTHS = ("January", "March", "April", "June", "September", "November")


def sentence(rng: random.Random, low: int = 8, high: int = 22) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    if rng.random() < 0.25:
        words.insert(rng.randint(0, len(words)), rng.choice(NAMES))
    if rng.random() < 0.15:
        words.insert(rng.randint(0, len(words)), f"in {rng.choice(MONTHS)} {rng.randint(1953, 2018)}")
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, words: int) -> str:
    parts: list[str] = []
    count = 0
    while count < words:
        s = sentence(rng)
        parts.append(s)
        count += len(s.split())
    return " ".join(parts)


def table(rng: random.Random) -> str:
    rows = ["| Year | Aid (million US$) | Volunteers | Projects |", "|---|---:|---:|---:|"]
    for year in range(rng.randint(1992, 2005), 2019, rng.choice((2, 3, 4))):
        rows.append(f"| {year} | {rng.randint(40, 180)} | {rng.randint(20, 400)} | {rng.randint(3, 60)} |")
    return "\n".join(rows)


def text_file(rng: random.Random, number: int, words: int, photos: list[str]) -> str:
    """One chapter: front matter, paragraphs, sub-heads, a table, footnotes, asides, photos."""
    title = f"Chapter {number}: " + " ".join(rng.choice(WORDS) for _ in range(3)).title()
    out = [
        "+++",
        f'title = "{title}"',
        f'standfirst = "{sentence(rng, 14, 20)}"',
        f'byline = "by {rng.choice(NAMES)} {rng.choice(NAMES)}"',
        "+++",
        "",
    ]
    if photos:
        out += [f"![](photos/{photos[0]})", ""]
    rest = photos[1:]
    notes: list[str] = []
    written = 0
    section = 0
    paragraph_number = 0
    while written < words:
        paragraph_number += 1
        size = rng.randint(90, 170)
        body = paragraph(rng, size)
        if paragraph_number % 5 == 0:
            body += f" [{rng.choice(KHMER)}]{{lang=km}} is how the villagers name it."
        if paragraph_number % 7 == 0:
            body += f" The plaque reads [{rng.choice(JAPANESE)}]{{lang=ja}} in Japanese."
        if paragraph_number % 4 == 0:
            note = f"n{len(notes) + 1}"
            body += f"[^{note}]"
            notes.append(f"[^{note}]: {sentence(rng, 10, 24)} {sentence(rng, 6, 12)}")
        out += [body, ""]
        written += len(body.split())
        if paragraph_number % 6 == 0:
            section += 1
            out += [f"## {' '.join(rng.choice(WORDS) for _ in range(4)).capitalize()}", ""]
        if paragraph_number == 9:
            out += [table(rng), "", "Figures rounded; sources as given in the notes.", ""]
        if paragraph_number == 11:
            out += ["::: pullquote", f"“{sentence(rng, 10, 16)}”", "", f"— {rng.choice(NAMES)}", ":::", ""]
        if rest and paragraph_number % 6 == 3:
            out += [f"![](photos/{rest.pop(0)})", ""]
    for name in rest:
        out += [f"![](photos/{name})", "", paragraph(rng, 60), ""]
    out += notes
    return "\n".join(out) + "\n"


def photo(path: Path, rng: random.Random, size: tuple[int, int], mode: str) -> None:
    """A photo-like picture: blurred shapes over a gradient, plus grain, so JPEG sizes are realistic."""
    width, height = size
    base = Image.linear_gradient("L").resize(size)
    red = base
    green = base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    blue = Image.new("L", size, rng.randint(60, 200))
    image = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randint(width // 20, width // 5)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    image = image.filter(ImageFilter.GaussianBlur(radius=max(2, width // 200)))
    grain = Image.effect_noise(size, 24).convert("RGB")
    image = Image.blend(image, grain, 0.12)
    if mode == "L":
        image = image.convert("L")
    elif mode == "CMYK":
        image = image.convert("CMYK")
    elif mode == "RGBA":
        alpha = Image.new("L", size, 0)
        ImageDraw.Draw(alpha).ellipse((width // 10, height // 10, width * 9 // 10, height * 9 // 10), fill=255)
        image = image.convert("RGBA")
        image.putalpha(alpha.filter(ImageFilter.GaussianBlur(radius=width // 40)))
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".png":
        image.save(path, "PNG", dpi=(300, 300))
    else:
        image.save(path, "JPEG", quality=88, dpi=(300, 300))


SIZES = ((2400, 1600), (1600, 2400), (3000, 2000), (1800, 1800), (2100, 1400), (1500, 2250))


FORMAT = 1  # bump when what make_book writes changes: a folder made by an older one is made again


def make_book(folder: Path, texts: int = 40, words: int = 2500, photos: int = 60, seed: int = 65) -> Path:
    """Writes the manuscript into `folder` (replaced if it exists) and returns it.

    A folder this function already made with the same arguments is kept as it is: a 160-text book's
    240 photos take many minutes to draw, and the same arguments give the same bytes anyway.
    """
    stamp = f"make_book {FORMAT} texts={texts} words={words} photos={photos} seed={seed}\n"
    marker = folder / ".make_book"
    if marker.is_file() and marker.read_text(encoding="utf-8") == stamp:
        return folder
    rng = random.Random(seed)
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "photos").mkdir(parents=True)
    names: list[str] = []
    captions = ["# Generated captions: one table per photo.", ""]
    for index in range(photos):
        if index == 7:
            name, mode = f"photo-{index:02d}-cutout.png", "RGBA"
        elif index == 13:
            name, mode = f"photo-{index:02d}-scan.jpg", "L"
        elif index == 21:
            name, mode = f"photo-{index:02d}-press.jpg", "CMYK"
        else:
            name, mode = f"photo-{index:02d}.jpg", "RGB"
        size = SIZES[index % len(SIZES)]
        photo(folder / "photos" / name, rng, size, mode)
        names.append(name)
        placement = "wide" if index % 10 == 0 else "inline"
        captions += [f'["{name}"]', f'caption = "{sentence(rng, 8, 16)}"', f'credit = "{rng.choice(NAMES)}"',
                     f'alt = "Generated picture {index}: coloured blurred discs over a gradient."',
                     f'placement = "{placement}"', ""]
    (folder / "photos" / "captions.toml").write_text("\n".join(captions), encoding="utf-8")
    per_text = [names[i::texts] for i in range(texts)]
    files = []
    for number in range(1, texts + 1):
        file_name = f"chapter-{number:02d}.md"
        (folder / file_name).write_text(text_file(rng, number, words, per_text[number - 1]), encoding="utf-8")
        files.append(file_name)
    listing = ", ".join(f'"{name}"' for name in files)
    (folder / "publication.toml").write_text(
        f'''title = "Sixty-five Years Together"
subtitle = "A generated anniversary book for benchmarks"
language = "en"
date = "2018-05-14"
identifier = "urn:uuid:0b1c8e3a-65a1-4d2f-9c3e-20180514abcd"
publisher = "Benchmark Press"
texts = [{listing}]

[[contributors]]
name = "Benchmark Generator"
role = "author"

[print]
trim = "A5"
bleed = "3mm"
''', encoding="utf-8")
    marker.write_text(stamp, encoding="utf-8")  # last: a folder left half made is made again
    return folder


def make_notes_book(folder: Path, paragraphs: int = 60, notes_per_paragraph: int = 0, one_paragraph: int = 0,
                    seed: int = 7) -> Path:
    """One text of `paragraphs` paragraphs with that many notes in each (0: none), for the cost of notes.

    `one_paragraph`: a last paragraph holding that many note calls, the input that once ran for minutes.
    The paragraphs are the same whatever the notes, so a page with notes compares with one without.
    """
    rng = random.Random(seed)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "publication.toml").write_text(
        'title = "Notes"\nlanguage = "en"\ndate = "2018"\ntexts = ["notes.md"]\n\n[[contributors]]\n'
        'name = "Benchmark Generator"\nrole = "author"\n\n[print]\ntrim = "A5"\n', encoding="utf-8")
    out = ["+++", 'title = "The cost of notes"', "+++", ""]
    notes: list[str] = []
    for _ in range(paragraphs):
        body = paragraph(rng, 120)
        text_rng = random.Random(rng.random())  # the notes' own words never shift the paragraphs'
        for _ in range(notes_per_paragraph):
            notes.append(f"[^n{len(notes) + 1}]: {sentence(text_rng, 8, 20)}")
            body += f" A remark follows here[^n{len(notes)}] and the sentence goes on."
        out += [body, ""]
    if one_paragraph:
        body = ["One paragraph calls many notes."]
        for _ in range(one_paragraph):
            notes.append(f"[^n{len(notes) + 1}]: {sentence(rng, 3, 6)}")
            body.append(f"word[^n{len(notes)}]")
        out += [" ".join(body), ""]
    (folder / "notes.md").write_text("\n".join(out + notes) + "\n", encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--texts", type=int, default=40)
    parser.add_argument("--words", type=int, default=2500)
    parser.add_argument("--photos", type=int, default=60)
    args = parser.parse_args()
    make_book(args.folder, args.texts, args.words, args.photos)
    print(args.folder)


if __name__ == "__main__":
    main()
