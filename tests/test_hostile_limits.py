"""Inputs that made a build run for minutes without a word are refused at their line, in a second.

The four of issue 18, in processor time before: 120 short paragraphs with one note each (4 minutes),
3,000 note calls in one paragraph (stopped after 10 minutes), a 200,000-line text (stopped after 15),
a 5,000-column table (stopped after 15). The limits are constants in publish/model/limits.py,
documented with their measurements in docs/manuscript.md#limits.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import cli, diagnostics_of, output_snapshot, previous_set, write_manuscript

from publish.manuscript.markdown import read_markdown
from publish.model.limits import (
    MAX_NOTES_NEARBY,
    MAX_TABLE_COLUMNS,
    MAX_TEXT_WORDS,
    NOTES_WINDOW_WORDS,
    block_excess,
    notes_excess,
    words_excess,
)

HEAD = '+++\ntitle = "A Small Feature"\n+++\n\n'  # the body starts on line 5
REFUSED_WITHIN = 5.0  # seconds, reading included: the 200,000-line text is 6 MB


def notes_in_paragraphs(count: int, words: int = 5) -> str:
    filler = " ".join(["word"] * (words - 1))
    return ("".join(f"Paragraph {filler} with.[^n{i}]\n\n" for i in range(count))
            + "".join(f"[^n{i}]: Note {i}.\n" for i in range(count)))


def notes_in_one_paragraph(count: int) -> str:
    return ("One paragraph " + " ".join(f"word{i}[^n{i}]" for i in range(count)) + ".\n\n"
            + "".join(f"[^n{i}]: Note {i}.\n" for i in range(count)))


def table(columns: int) -> str:
    return ("A table.\n\n| " + " | ".join(f"c{i}" for i in range(columns)) + " |\n|" + "---|" * columns
            + "\n| " + " | ".join(str(i) for i in range(columns)) + " |\n")


CASES = {
    "120 paragraphs with a note each": (notes_in_paragraphs(120), 5 + 2 * MAX_NOTES_NEARBY, "footnotes are called"),
    "3,000 notes in one paragraph": (notes_in_one_paragraph(3000), 5, "footnotes are called"),
    "a 200,000-line text": ("".join(f"Line {i} of a very long text.\n" for i in range(200_000)),
                            5 + MAX_TEXT_WORDS // 7, f"the text passes {MAX_TEXT_WORDS:,} words"),
    "a 5,000-column table": (table(5000), 7, "a table of 5,000 columns"),
}


@pytest.mark.parametrize("name", CASES)
def test_the_issues_slow_inputs_are_refused_at_their_line_at_once(name: str, tmp_path: Path) -> None:
    body, line, message = CASES[name]
    root = write_manuscript(tmp_path / "m", {"feature.md": HEAD + body, "photos/captions.toml": None},
                            photos={"photos/harbour.jpg": None})
    output = tmp_path / "out"
    before = previous_set(output)
    started = time.monotonic()
    run = cli("all", str(root), "-o", str(output), "--jobs", "1")
    seconds = time.monotonic() - started
    assert run.returncode == 2, run.stderr
    (found,) = diagnostics_of(run.stderr)
    assert found.startswith(f"{root}/feature.md:{line}:") and message in found, found
    assert seconds < REFUSED_WITHIN, f"{name}: refused after {seconds:.1f} s"
    assert output_snapshot(output) == before


def test_notes_up_to_the_limit_pass_and_one_more_is_refused_at_its_call() -> None:
    assert notes_excess(notes_in_one_paragraph(MAX_NOTES_NEARBY)) is None
    excess = notes_excess(notes_in_one_paragraph(MAX_NOTES_NEARBY + 1))
    assert excess is not None and excess.line == 1
    call = f"[^n{MAX_NOTES_NEARBY}]"
    assert excess.column == notes_in_one_paragraph(MAX_NOTES_NEARBY + 1).index(call) + 1


def test_notes_spread_through_a_long_text_pass() -> None:
    """A scholarly text: a note every 25 words, 2,000 of them, is never crowded enough to refuse."""
    spacing = NOTES_WINDOW_WORDS // MAX_NOTES_NEARBY + 9
    assert notes_excess(notes_in_paragraphs(2000, words=spacing)) is None


def test_what_is_not_running_text_does_not_count_as_calls() -> None:
    """Footnote definitions (and their indented lines) and code blocks hold no calls to lay out."""
    quoted = "```\n" + " ".join(f"[^c{i}]" for i in range(500)) + "\n```\n\n"
    definitions = "".join(f"[^d{i}]: See [^d{i + 1}].\n    More [^x].\n" for i in range(500))
    assert notes_excess("A text.\n\n" + quoted + definitions) is None


def test_words_up_to_the_limit_pass() -> None:
    assert words_excess("word " * MAX_TEXT_WORDS) is None
    excess = words_excess("a\n" + "word " * MAX_TEXT_WORDS + "\nmore", offset=4)
    assert excess is not None and excess.line == 6


def test_tables_up_to_the_limit_pass() -> None:
    assert block_excess(read_markdown(table(MAX_TABLE_COLUMNS), "t", "en").blocks) is None
    excess = block_excess(read_markdown("# T\n\n> " + table(MAX_TABLE_COLUMNS + 1).replace("\n", "\n> "),
                                        "t", "en").blocks)
    assert excess is not None and excess.line == 5  # a table inside a quote is found too, at its header


def test_crowded_notes_just_within_the_limit_lay_out_in_well_under_a_minute(tmp_path: Path) -> None:
    """The densest notes the limit lets through (a note every five words), measured in processor time."""
    root = write_manuscript(tmp_path / "m", {"feature.md": HEAD + notes_in_paragraphs(MAX_NOTES_NEARBY),
                                             "photos/captions.toml": None}, photos={"photos/harbour.jpg": None})
    started = time.process_time()
    run = cli("pdf", str(root), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert run.returncode == 0, run.stderr
    assert time.process_time() - started < 45
