"""The tools a user would pick instead of publish, run on the same book: Pandoc → WeasyPrint and Vivliostyle.

Why: issue 19 holds publish to the peers' wall time on the same book. Each peer gets the same texts
(the TOML front matter turned into a heading, standfirst and byline, each photo with its caption)
and one plain stylesheet (A5, a folio, photos at the column's width, the bundled Noto faces for the
Latin, Khmer and Japanese text so that nothing is drawn as tofu), as a user new to either tool
would write it. A peer that is not installed is skipped: Debian's `pandoc` (WeasyPrint is the one
beside publish, so the same engine lays out both), npm's `@vivliostyle/cli` with Debian's `chromium`.

    python benchmarks/peers.py BOOK_FOLDER WORK_FOLDER   # writes the peers' inputs, prints their commands
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

FONTS = Path(__file__).resolve().parent.parent / "publish" / "styles" / "fonts"
PLAIN_CSS = """\
@font-face { font-family: Text; src: url(FONTS/NotoSerif-Regular.ttf); }
@font-face { font-family: Text; font-style: italic; src: url(FONTS/NotoSerif-Italic.ttf); }
@font-face { font-family: Text; font-weight: bold; src: url(FONTS/NotoSerif-Bold.ttf); }
@font-face { font-family: Khmer; src: url(FONTS/NotoSerifKhmer-Regular.ttf); }
@font-face { font-family: Japanese; src: url(FONTS/NotoSerifCJKjp-Regular.otf); }
@page { size: A5; margin: 18mm 16mm 20mm;
        @bottom-center { content: counter(page); font-size: 9pt; } }
html { font-family: Text, serif; font-size: 10.5pt; line-height: 1.4; }
:lang(km) { font-family: Khmer, Text; }
:lang(ja) { font-family: Japanese, Text; }
body { margin: 0; }
h1 { break-before: page; font-size: 18pt; }
h2 { font-size: 12pt; }
img { max-width: 100%; height: auto; }
figure { margin: 1em 0; }
figcaption { font-size: 8.5pt; }
table { border-collapse: collapse; font-size: 9pt; }
td, th { padding: 1pt 4pt; }
"""


def peer_markdown(book: Path, folder: Path) -> list[Path]:
    """The book's texts as plain Markdown both peers read; photos linked beside them. Returns the files in order."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "photos").symlink_to((book / "photos").resolve(), target_is_directory=True)
    (folder / "plain.css").write_text(PLAIN_CSS.replace("FONTS", FONTS.as_uri()), encoding="utf-8")
    captions = tomllib.loads((book / "photos" / "captions.toml").read_text(encoding="utf-8"))
    files = []
    for source in sorted(book.glob("chapter-*.md")):
        text = source.read_text(encoding="utf-8")
        _, front, body = text.split("+++", 2)
        meta = tomllib.loads(front)
        lines = [f"# {meta['title']}", "", f"*{meta.get('standfirst', '')}*", "", meta.get("byline", ""), ""]
        prefix = source.stem.replace("chapter-", "c")  # note labels are per text in ours, per book in theirs
        for line in body.strip("\n").split("\n"):
            line = line.replace("[^n", f"[^{prefix}n")
            if line.startswith("![](photos/"):
                name = line[len("![](photos/"):-1]
                caption = captions.get(name, {}).get("caption", "")
                line = f"![{caption}](photos/{name})"
            lines.append(line)
        target = folder / source.name
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(target)
    return files


def pandoc_weasyprint(folder: Path, files: list[Path], pdf: Path) -> list[str] | None:
    """Pandoc writes one standalone HTML file, WeasyPrint (beside publish) lays it out: one shell command."""
    if shutil.which("pandoc") is None:
        return None
    html = folder / "book.html"
    names = " ".join(f.name for f in files)
    return ["sh", "-c", f"cd {folder} && pandoc --from markdown --standalone --metadata title=Book "
            f"--css plain.css -o {html} {names} && {sys.executable} -m weasyprint {html} {pdf}"]


def vivliostyle(folder: Path, files: list[Path], pdf: Path) -> list[str] | None:
    """Vivliostyle CLI on the same Markdown and stylesheet, in Debian's Chromium."""
    cli, browser = shutil.which("vivliostyle"), shutil.which("chromium")
    if cli is None or browser is None:
        return None
    entries = ", ".join(f"'{f.name}'" for f in files)
    (folder / "vivliostyle.config.js").write_text(
        f"module.exports = {{ title: 'Book', language: 'en', size: 'A5', theme: 'plain.css', "
        f"entry: [{entries}], output: '{pdf}' }};\n", encoding="utf-8")
    return ["sh", "-c", f"cd {folder} && {cli} build --executable-browser {browser} --log-level silent"]


def subsetter() -> str:
    """Which font subsetter WeasyPrint runs here: HarfBuzz when libharfbuzz-subset is installed, else fontTools."""
    try:
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    except ImportError:
        return "unknown (WeasyPrint's ffi moved)"
    if harfbuzz_subset is None or not harfbuzz.hb_version_atleast(4, 1, 0):
        return "fontTools (no libharfbuzz-subset ≥ 4.1)"
    import subprocess

    done = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libharfbuzz-subset0"], capture_output=True,
                          text=True, check=False) if shutil.which("dpkg-query") else None
    version = done.stdout.strip() if done is not None and done.returncode == 0 else "≥ 4.1"
    return f"HarfBuzz (libharfbuzz-subset {version})"


def peer_versions() -> list[str]:
    """The peers' versions, for the results' header."""
    import subprocess

    out = []
    for name, argv in (("Pandoc", ["pandoc", "--version"]), ("Vivliostyle CLI", ["vivliostyle", "--version"]),
                       ("Chromium", ["chromium", "--version"])):
        if shutil.which(argv[0]) is None:
            out.append(f"{name}: not installed (skipped)")
            continue
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        out.append(f"{name}: {' '.join(done.stdout.split()[:4]) if done.stdout else 'unknown'}")
    return out


if __name__ == "__main__":
    book, work = Path(sys.argv[1]), Path(sys.argv[2])
    sources = peer_markdown(book, work / "peer")
    for make in (pandoc_weasyprint, vivliostyle):
        print(make(work / "peer", sources, work / f"{make.__name__}.pdf"))
