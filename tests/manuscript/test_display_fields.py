"""Display strings of the front matter and publication.toml are set as the body is (manuscript/markdown.py):
typographic quotes by the field's language, numbers bound to units, ranges bound at their dash."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import MINIMAL_TOML, run_publish, write_manuscript

from publish.editions.deterministic import Description
from publish.manuscript.loader import load
from publish.manuscript.markdown import plain_text, read_markdown, typeset
from publish.model.typography import NNBSP, WJ, bind_ranges, catalogue_text

FRONT = """\
+++
title = "The board's \\"plan\\", 2014–2023"
subtitle = "A keeper's year"
standfirst = "What the 'low water' meant: 4.5 km of sand, pp. 10–12."
byline = "by Ada O'Writer"
+++

The body's first paragraph, 1953–2018.

![](photos/harbour.jpg)
"""
TOML = MINIMAL_TOML.replace('title = "A Small Feature"', 'title = "The board\'s review, 1953–2018"\n'
                            'subtitle = "A day\'s work"\ndescription = "The keepers\' \\"ledgers\\"."') + """
[[translations]]
lang = "fr"
title = "Le \\"plan\\" du conseil"
subtitle = "L'année d'un gardien"
"""


@pytest.fixture
def manuscript(tmp_path: Path) -> Path:
    return write_manuscript(tmp_path / "m", {"feature.md": FRONT, "publication.toml": TOML})


def test_front_matter_fields_get_the_body_typography(manuscript: Path) -> None:
    publication, _ = load(manuscript)
    article = publication.articles[0]
    assert article.title == f"The board’s “plan”, 2014–{WJ}2023"
    assert article.subtitle == "A keeper’s year"
    assert article.standfirst == f"What the ‘low water’ meant: 4.5{NNBSP}km of sand, pp. 10–{WJ}12."
    assert article.byline == "by Ada O’Writer"
    assert plain_text(article.blocks[0].children) == f"The body’s first paragraph, 1953–{WJ}2018."  # type: ignore[union-attr]


def test_publication_fields_get_the_typography_of_their_language(manuscript: Path) -> None:
    meta = load(manuscript)[0].metadata
    assert meta.title == f"The board’s review, 1953–{WJ}2018"
    assert meta.subtitle == "A day’s work" and meta.description == "The keepers’ “ledgers”."
    french = meta.translations[0]
    assert french.title == "Le «\u202fplan\u202f» du conseil" and french.subtitle == "L’année d’un gardien"


def test_the_identifier_is_still_derived_from_the_title_as_written(manuscript: Path, tmp_path: Path) -> None:
    plain = write_manuscript(tmp_path / "plain", {"feature.md": FRONT, "publication.toml": TOML.replace(
        "The board's review, 1953–2018", "The board’s review, 1953–2018")})
    assert load(manuscript)[0].metadata.identifier != load(plain)[0].metadata.identifier  # as written


def test_only_the_typographer_reads_a_field_not_markdown() -> None:
    assert typeset("*Not* [a](link) & <b>, \"yes\"", "en") == "*Not* [a](link) & <b>, “yes”"
    assert typeset("Ein \"Jahr\"", "de") == "Ein „Jahr“"
    assert typeset(typeset("It's 2014–2023", "en"), "en") == f"It’s 2014–{WJ}2023"  # set once or twice, alike


@pytest.mark.parametrize(("written", "bound"), [
    ("1953–2018", f"1953–{WJ}2018"),
    ("pp. 10–12 and 3–4", f"pp. 10–{WJ}12 and 3–{WJ}4"),
    ("north – south", "north – south"),  # a dash between words, not a range
    ("10-12", "10-12"),  # a hyphen: not ours to change
])
def test_number_ranges_are_bound_at_their_dash(written: str, bound: str) -> None:
    assert bind_ranges(written) == bound
    assert catalogue_text(bind_ranges(written)) == written


def test_ranges_are_bound_in_tables_and_headings_of_the_body() -> None:
    blocks = read_markdown("## Works, 2014–2023\n\n| Years |\n|---|\n| 2014–18 |\n", "a", "en").blocks
    assert f"2014–{WJ}2023" in plain_text(blocks[0].children)  # type: ignore[union-attr]
    assert f"2014–{WJ}18" in plain_text(blocks[1].children[-1].children[0].children[0].children)  # type: ignore[union-attr]


def test_catalogue_metadata_keeps_the_curly_quotes_but_not_the_word_joiner(manuscript: Path) -> None:
    publication, _ = load(manuscript)
    description = Description.of(publication, "print", dt.datetime(2020, 5, 1, tzinfo=dt.UTC))
    assert description.title == "The board’s review, 1953–2018: A day’s work"
    assert description.description == "The keepers’ “ledgers”."


@pytest.mark.slow  # builds the print edition and the e-book
def test_editions_show_and_extract_the_typeset_fields(manuscript: Path, tmp_path: Path) -> None:
    import subprocess
    import zipfile

    out = tmp_path / "out"
    for command in ("pdf", "epub"):
        done = run_publish(command, str(manuscript), "-o", str(out), "--jobs", "1")
        assert done.returncode == 0, done.stderr
    pdf = next(out.glob("*.pdf"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "The board’s review, 1953–2018" in text and WJ not in text  # extracts as written
    assert "The board’s “plan”, 2014–2023" in text.replace("\n", " ")
    assert "A keeper’s year" in text and "BY ADA O’WRITER" in text.upper()
    with zipfile.ZipFile(next(out.glob("*.epub"))) as epub:
        names = epub.namelist()
        opf = epub.read(next(n for n in names if n.endswith(".opf"))).decode()
        pages = "".join(epub.read(n).decode() for n in names if n.endswith(".xhtml"))
    assert "<dc:title>The board’s review, 1953–2018</dc:title>" in opf.replace(' id="id"', "")
    assert WJ not in opf
    assert f"The board’s “plan”, 2014–{WJ}2023" in pages and "A keeper’s year" in pages
