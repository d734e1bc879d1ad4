"""Random manuscripts (hypothesis): each one either builds or is answered with diagnostics, never with
another exception and never with a hang. Sizes are bounded and examples few, so the suite stays fast;
the examples are derandomised so a failure here is a failure every time, not a flake."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from conftest import epubcheck_messages
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from lxml import etree, html
from PIL import Image

from publish.model.diagnostics import ManuscriptError, Severity

# Letters of the scripts the styles set, Markdown's and the templates' special characters; the hostile
# text also has control characters an editor can leave behind.
LETTERS = (list("abcdefghij ABC 0123 éüßø ÆŒ") + list("日本語カタ") + list("—–“”‘’…")
           + list("*_[]()#>-+!{}<&`|~:\\%\"'=/") + ["\t", "\ufeff", "\u00a0"])
CONTROLS = ["\x00", "\x01", "\x0b", "\x1b", "\x7f", "\ufffe"]
clean_words = st.text(st.sampled_from(LETTERS), max_size=40)
words = st.text(st.sampled_from(LETTERS + CONTROLS), max_size=40)
anchors = st.sampled_from(["intro", "notes", "a1", "x", "1bad", "b c"])

# Constructs that are fine in a manuscript: random text inside, nothing an author would be told off for.
clean_inline = st.one_of(
    clean_words,
    clean_words.map(lambda t: f"*{t}*"),
    clean_words.map(lambda t: f"**{t}**"),
    st.sampled_from(["[site](https://example.com/)", "[mail](mailto:ada@example.com)", "{{ 7 * 7 }}",
                     "{% if x %}y{% endif %}", "{# c #}", "`code`", "[日本]{lang=ja}", "[កម្ពុជា]{lang=km}",
                     "&amp; &#0; &#x110000;", "a < b", "\\", "  \n"]),
)
clean_paragraph = st.lists(clean_inline, min_size=1, max_size=6).map(" ".join)
clean_block = st.one_of(
    clean_paragraph,
    st.builds(lambda level, p: "#" * level + " " + p, st.integers(1, 6), clean_paragraph),
    st.lists(clean_paragraph, min_size=1, max_size=4).map(lambda items: "\n".join(f"- {i}" for i in items)),
    st.lists(clean_paragraph, min_size=1, max_size=4).map(
        lambda items: "\n".join(f"{n}. {i}" for n, i in enumerate(items))),
    clean_paragraph.map(lambda p: f"> {p}"),
    clean_words.map(lambda t: f"```\n{t}\n```"),
    st.builds(lambda p, n, q: f"{p}[^{n}]\n\n[^{n}]: {q}", clean_paragraph, st.integers(1, 99), clean_paragraph),
    clean_paragraph.filter(lambda p: "](" not in p).map(lambda p: f"::: pullquote\n{p}\n:::"),  # no links: aria-hidden
    st.builds(lambda a, b: f"| {a} | {b} |\n|---|:-:|\n| {b} | {a} |", clean_words, clean_words),
    st.sampled_from(["![Three boats in a harbour.](photos/harbour.jpg)", "---"]),
)
# Constructs an author gets a diagnostic for, mixed in: broken anchors and notes, unsafe links, raw HTML.
hostile_block = st.one_of(
    st.lists(st.one_of(words, clean_inline), min_size=1, max_size=4).map(" ".join),
    st.just("Khmer without its language: កម្ពុជា"),
    st.builds(lambda t, a: f"[{t}](#{a})", words, anchors),
    st.builds(lambda a, p: f"{{#{a}}}\n## {p}", anchors, clean_paragraph),
    st.sampled_from(["[x](javascript:alert(1))", "<b>bold</b>", "[^7]", "[^8]: orphan", "[x]{onclick=alert(1)}",
                     "![](photos/harbour.jpg)", "![A photo](photos/missing.jpg)", "<div>raw</div>",
                     "+++\ntitle = 1\n+++", "![A](file:///etc/passwd)", "![B](https://example.com/b.jpg)"]),
)
clean_bodies = st.lists(clean_block, min_size=1, max_size=10).map("\n\n".join)
any_bodies = st.one_of(clean_bodies, st.lists(st.one_of(clean_block, hostile_block), max_size=10).map("\n\n".join))


def toml_value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


clean_metadata = st.fixed_dictionaries(
    {"title": clean_words.filter(str.strip), "language": st.sampled_from(["en", "fr", "ja", "en-GB"]),
     "date": st.sampled_from(['"2020-05-01"', '"2018"', "2020-05-01"])},
    optional={"subtitle": clean_words, "description": clean_words, "publisher": clean_words,
              "identifier": st.sampled_from(["978-0-306-40615-7", "urn:uuid:6f1d3c7e-3b0e-5c55-9a0e-65a1953c2018"])},
)
any_metadata = st.one_of(clean_metadata, st.fixed_dictionaries(
    {
        "title": words,
        "language": st.sampled_from(["en", "fr", "ja", "km", "en-GB", "x", "", "12"]),
        "date": st.sampled_from(['"2020-05-01"', '"2018"', '"2018-13"', '"soon"', "2020-05-01", "2019"]),
    },
    optional={
        "subtitle": words,
        "identifier": st.sampled_from(["978-0-306-40615-7", "978-0-306-40615-8", "nonsense"]),
        "junk": st.sampled_from(["titel = 1", "[print]\ntrim = \"A5\"", "[epub]\nmax_image_px = 5",
                                 "= broken", "[[contributors]]\nname = \"Ada\"\nrole = \"author\""]),
    },
))


def publication_toml(meta: dict) -> str:
    lines = [f"title = {toml_value(meta['title'])}", f"language = {toml_value(meta['language'])}",
             f"date = {meta['date']}"]
    lines += [f"{key} = {toml_value(meta[key])}" for key in ("subtitle", "identifier", "description", "publisher")
              if key in meta]
    if "junk" in meta:
        lines.append(meta["junk"])
    return "\n".join(lines) + "\n"


_PHOTO = io.BytesIO()
Image.linear_gradient("L").resize((600, 400)).convert("RGB").save(_PHOTO, "JPEG", dpi=(300, 300))


def write(root: Path, meta: dict, body: str, captions: bool) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "publication.toml").write_text(publication_toml(meta), encoding="utf-8")
    (root / "feature.md").write_text(body, encoding="utf-8")
    (root / "photos").mkdir(exist_ok=True)
    (root / "photos" / "harbour.jpg").write_bytes(_PHOTO.getvalue())
    if captions and "photos/harbour.jpg" in body:
        (root / "photos" / "captions.toml").write_text(
            '["harbour.jpg"]\nalt = "Three boats."\ncaption = "Boats {{ at }} dawn & dusk."\n', encoding="utf-8")
    return root


def check_diagnostics(error: ManuscriptError, root: Path) -> None:
    """Diagnostics are the answer: each points at a file of the manuscript and says something."""
    assert error.diagnostics
    assert any(d.severity is Severity.ERROR for d in error.diagnostics)
    for diagnostic in error.diagnostics:
        assert diagnostic.message.strip()
        assert diagnostic.path.startswith(root.as_posix()), diagnostic
        assert "Traceback" not in diagnostic.format()


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(meta=any_metadata, body=any_bodies, captions=st.booleans())
def test_random_manuscripts_load_and_render_or_yield_diagnostics(meta: dict, body: str, captions: bool) -> None:
    """The reader and the templates, on every example: diagnostics, or well-formed HTML with no markup
    from the manuscript in it."""
    from publish.editions.print.layout import print_html
    from publish.manuscript.loader import load
    from publish.render.glyphs import check_glyphs
    from publish.render.styles import Styles

    with tempfile.TemporaryDirectory() as folder:
        root = write(Path(folder) / "m", meta, body, captions)
        try:
            publication, diags = load(root)
            styles = Styles.for_manuscript(root)
            check_glyphs(publication, styles, diags)
            diags.raise_if_errors()
        except ManuscriptError as error:
            check_diagnostics(error, root)
            event("diagnostics: " + error.diagnostics[0].message[:30])
            return
        event("loaded and rendered")
        page = print_html(publication, styles, "2020-05-01T00:00:00Z")
        tree = html.fromstring(page)
        assert not tree.xpath("//script | //iframe | //*[@onclick or @onerror or @onload]")
        assert not [href for href in tree.xpath("//a/@href") if href.lower().startswith(("javascript:", "file:"))]
        for text in ("{{ 7 * 7 }}", "{% if x %}y{% endif %}"):
            if text in body and "```" not in body:
                assert text in " ".join(tree.text_content().split())


BUILT: list[Path] = []  # EPUBs of the examples that built, for EPUBCheck (about 3 s each)
CHECKED_AT_MOST = 1  # tests/manuscript/test_broken.py checks another, with markup in its metadata


@pytest.mark.slow  # each example built in every edition, EPUBCheck on one
@settings(max_examples=3, deadline=None, derandomize=True, database=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(meta=clean_metadata, body=clean_bodies, captions=st.booleans())
def test_random_manuscripts_build_or_yield_diagnostics(meta: dict, body: str, captions: bool,
                                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    """The whole command, as a user runs it, bounded in time: exit 0 with a PDF that opens and an EPUB
    EPUBCheck accepts, or exit 2 with diagnostics; never a bug (exit 1), a traceback or a hang."""
    import pikepdf

    parent = tmp_path_factory.mktemp("random")
    root = write(parent / "m", meta, body, captions)
    done = subprocess.run([sys.executable, "-m", "publish", "all", str(root), "-o", str(parent / "out")],
                          capture_output=True, text=True, timeout=240)
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode in (0, 2), done.stderr
    event(f"exit {done.returncode}")
    if done.returncode == 2:
        assert re.search(r": error: ", done.stderr), done.stderr
        return
    pdf, epub = next((parent / "out").glob("*.pdf")), next((parent / "out").glob("*.epub"))
    with pikepdf.open(pdf) as document:
        assert len(document.pages) >= 1
    with zipfile.ZipFile(epub) as book:
        for name in book.namelist():
            if name.endswith(".xhtml"):
                etree.fromstring(book.read(name))  # well-formed XML, whatever the manuscript held
    if len(BUILT) < CHECKED_AT_MOST:
        BUILT.append(epub)
        messages = [m for m in epubcheck_messages(epub) if not m.startswith("USAGE")]
        assert messages == []
