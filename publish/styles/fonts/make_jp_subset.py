#!/usr/bin/env python3
"""Build the Japanese subset fonts NotoSerifCJKjp-{Regular,Bold}.otf.

Usage:
    python make_jp_subset.py SOURCE [OUTDIR] [--jis2004] [--max-mb 6.0]

SOURCE is the Debian package fonts-noto-cjk (1:20220127+repack1-1), either
  * the .deb file itself (fonts-noto-cjk_1%3a20220127+repack1-1_all.deb), or
  * a directory where it was extracted (dpkg-deb -x), or
  * the directory holding NotoSerifCJK-Regular.ttc / NotoSerifCJK-Bold.ttc.
OUTDIR defaults to the directory of this script (styles/fonts/).

Steps, for Regular and Bold:
  1. open NotoSerifCJK-<W>.ttc with fontTools.ttLib.TTCollection, pick the
     font whose family name (name ID 1) is "Noto Serif CJK JP", save it as a
     standalone OpenType/CFF file (temporary);
  2. subset it with fontTools.subset to a Japanese repertoire:
       ASCII, Latin-1, General Punctuation, CJK Symbols and Punctuation,
       Hiragana, Katakana, Katakana Phonetic Extensions, Halfwidth and
       Fullwidth Forms, every character of JIS X 0208 (all valid 2-byte
       EUC-JP codes, decoded with Python's 'euc_jp' codec: levels 1 and 2
       kanji plus the JIS non-kanji rows) and, only with --jis2004, every
       character of JIS X 0213:2004 (planes 1 and 2, decoded with Python's
       'euc_jis_2004' codec);
     keeping all OpenType layout features, all name records, CFF hinting
     dropped;
  3. check the result: opens with fontTools, family name unchanged, the
     test characters are mapped, the file is below --max-mb.

The shipped files were made with (JIS X 0208 only, the default):
    /tmp/venv/bin/python styles/fonts/make_jp_subset.py \
        fonts-noto-cjk_1%3a20220127+repack1-1_all.deb styles/fonts

Equivalent pyftsubset call (with the code points written to a file):
    pyftsubset NotoSerifCJKjp-Regular.full.otf --unicodes-file=jp.txt \
      --layout-features='*' --name-IDs='*' --name-languages='*' \
      --name-legacy --no-hinting --notdef-outline \
      --output-file=NotoSerifCJKjp-Regular.otf

Requires fontTools (tested with 4.68.0).  Deterministic for a given
fontTools version and input.
"""

import argparse
import io
import os
import sys
import tarfile
import tempfile

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

FAMILY = "Noto Serif CJK JP"
WEIGHTS = ("Regular", "Bold")
TEST_TEXT = "つばさ橋日本"
TTC_DIR_IN_PACKAGE = "usr/share/fonts/opentype/noto"

# Unicode blocks always included.
RANGES = [
    (0x0020, 0x007E),  # ASCII (printable)
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x2000, 0x206F),  # General Punctuation
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0x3040, 0x309F),  # Hiragana
    (0x30A0, 0x30FF),  # Katakana
    (0x31F0, 0x31FF),  # Katakana Phonetic Extensions
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
]


def decode_table(codec, prefix=b""):
    """All characters obtained by decoding prefix + (0xA1..0xFE)x(0xA1..0xFE)."""
    chars = set()
    for hi in range(0xA1, 0xFF):
        for lo in range(0xA1, 0xFF):
            try:
                text = (prefix + bytes((hi, lo))).decode(codec)
            except UnicodeDecodeError:
                continue
            # some JIS X 0213 cells decode to a base + combining sequence
            chars.update(text)
    return chars


def repertoire(with_jis2004=False):
    cps = set()
    for lo, hi in RANGES:
        cps.update(range(lo, hi + 1))
    jis = decode_table("euc_jp")  # JIS X 0208 (levels 1 + 2 kanji and non-kanji)
    if with_jis2004:
        jis |= decode_table("euc_jis_2004")  # JIS X 0213 plane 1
        jis |= decode_table("euc_jis_2004", b"\x8f")  # JIS X 0213 plane 2
    cps.update(ord(c) for c in jis)
    return cps


# ---------------------------------------------------------------- input ----

def _ar_members(data):
    if not data.startswith(b"!<arch>\n"):
        raise ValueError("not an ar archive (.deb)")
    pos = 8
    while pos + 60 <= len(data):
        header = data[pos:pos + 60]
        name = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        pos += 60
        yield name, data[pos:pos + size]
        pos += size + (size & 1)


def extract_ttcs_from_deb(deb, dest):
    """Extract NotoSerifCJK-*.ttc from a .deb without dpkg (pure Python)."""
    with open(deb, "rb") as f:
        data = f.read()
    for name, payload in _ar_members(data):
        if name.startswith("data.tar"):
            if name.endswith(".zst"):
                raise SystemExit("data.tar.zst not supported; extract with dpkg-deb -x")
            with tarfile.open(fileobj=io.BytesIO(payload), mode="r:*") as tar:
                for member in tar.getmembers():
                    base = os.path.basename(member.name)
                    if base.startswith("NotoSerifCJK-") and base.endswith(".ttc"):
                        with open(os.path.join(dest, base), "wb") as out:
                            out.write(tar.extractfile(member).read())
            return dest
    raise SystemExit("no data.tar member in %s" % deb)


def find_ttc_dir(source, tmp):
    if os.path.isfile(source):
        return extract_ttcs_from_deb(source, tmp)
    for cand in (source, os.path.join(source, TTC_DIR_IN_PACKAGE)):
        if os.path.isfile(os.path.join(cand, "NotoSerifCJK-Regular.ttc")):
            return cand
    raise SystemExit("NotoSerifCJK-Regular.ttc not found under %s" % source)


# ---------------------------------------------------------------- build ----

def extract_jp(ttc_path, out_path):
    coll = TTCollection(ttc_path)
    for font in coll.fonts:
        if font["name"].getDebugName(1) == FAMILY:
            font.recalcTimestamp = False  # keep head.modified: reproducible output
            font.save(out_path)
            return
    raise SystemExit("no font with family %r in %s" % (FAMILY, ttc_path))


def subset_font(in_path, out_path, unicodes):
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    options.hinting = False
    options.notdef_outline = True
    font = subset.load_font(in_path, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(unicodes))
    subsetter.subset(font)
    subset.save_font(font, out_path, options)
    font.close()


def check(path, max_mb):
    font = TTFont(path)
    family = font["name"].getDebugName(1)
    cmap = font.getBestCmap()
    missing = [c for c in TEST_TEXT if ord(c) not in cmap]
    size = os.path.getsize(path)
    print("%s: family=%r glyphs=%d cmap=%d size=%.2f MB missing=%r"
          % (os.path.basename(path), family, len(font.getGlyphOrder()),
             len(cmap), size / 1e6, missing))
    ok = family == FAMILY and not missing and size <= max_mb * 1e6
    font.close()
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source", help="fonts-noto-cjk .deb or its extracted tree")
    ap.add_argument("outdir", nargs="?", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--jis2004", action="store_true",
                    help="also include JIS X 0213:2004 (planes 1+2); NOT used for "
                         "the shipped files: with all layout features kept the "
                         "result is ~10 MB per weight, over the size limit")
    ap.add_argument("--max-mb", type=float, default=6.0)
    args = ap.parse_args()

    unicodes = repertoire(args.jis2004)
    print("repertoire: %d code points" % len(unicodes))
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        ttc_dir = find_ttc_dir(args.source, tmp)
        for weight in WEIGHTS:
            full = os.path.join(tmp, "NotoSerifCJKjp-%s.full.otf" % weight)
            out = os.path.join(args.outdir, "NotoSerifCJKjp-%s.otf" % weight)
            extract_jp(os.path.join(ttc_dir, "NotoSerifCJK-%s.ttc" % weight), full)
            print("extracted %s (%.2f MB)" % (os.path.basename(full), os.path.getsize(full) / 1e6))
            subset_font(full, out, unicodes)
            ok = check(out, args.max_mb) and ok
    if not ok:
        sys.exit("check failed")


if __name__ == "__main__":
    main()
