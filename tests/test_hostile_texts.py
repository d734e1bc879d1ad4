"""Hostile and mistaken texts: one diagnostic per mistake, at its line and column.

A Latin-1 text used to cascade into "caption … but no text uses that photo" (an error telling the
author to delete a caption they need) and "photo is not used"; links into it became "no such id".
Diagnostics now name their cause (model/diagnostics.py), and what follows from a reported cause is
not said again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import (
    MINIMAL_CAPTIONS,
    MINIMAL_TEXT,
    MINIMAL_TOML,
    cli,
    diagnostics_of,
    loaded_diagnostics,
    write_manuscript,
)

from publish.model.diagnostics import Diagnostic, Diagnostics, ManuscriptError, Severity

LATIN_1 = MINIMAL_TEXT.replace("first paragraph", "café paragraph").encode("latin-1")


def test_a_latin_1_text_is_one_diagnostic(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "m", {"feature.md": LATIN_1})
    run = cli("pdf", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 2
    assert diagnostics_of(run.stderr) == [f"{root}/feature.md:6:8: error: invalid UTF-8 (byte 0xe9)"]


def test_an_unreadable_text_leaves_the_links_into_it_unsaid(tmp_path: Path) -> None:
    """A second text links to a heading of the one that cannot be read: that link is not "missing"."""
    toml = 'texts = ["feature.md", "second.md"]\n' + MINIMAL_TOML
    second = "# A Second Text\n\nSee [the first](#harbour).\n"
    first = LATIN_1.replace(b"The second paragraph", b"## Harbour {#harbour}\n\nThe second paragraph")
    root = write_manuscript(tmp_path / "m", {"publication.toml": toml, "feature.md": first, "second.md": second})
    assert [d.message for d in loaded_diagnostics(root)] == ["invalid UTF-8 (byte 0xe9)"]


def test_a_text_missing_from_texts_is_one_diagnostic(tmp_path: Path) -> None:
    toml = 'texts = ["feature.md", "gone.md"]\n' + MINIMAL_TOML
    text = "# A Small Feature\n\nNo photo here: it is in the text that is gone.\n"
    root = write_manuscript(tmp_path / "m", {"publication.toml": toml, "feature.md": text})
    assert [d.message for d in loaded_diagnostics(root)] == ["texts: file 'gone.md' does not exist"]


def test_a_broken_reference_still_lets_other_folders_be_checked(tmp_path: Path) -> None:
    """The cause is as narrow as the mistake: a typo in photos/ leaves a stray caption in maps/ said."""
    text = MINIMAL_TEXT.replace("harbour.jpg", "harbor.jpg")
    captions = '["old.jpg"]\nalt = "An old map."\n'
    root = write_manuscript(tmp_path / "m", {"feature.md": text, "maps/captions.toml": captions},
                            photos={"maps/old.jpg": {"size": (300, 200)}})
    assert sorted(d.message for d in loaded_diagnostics(root)) == [
        "caption for 'old.jpg', but no text uses that photo", "photo: file 'photos/harbor.jpg' does not exist"]


@pytest.mark.parametrize(("line", "expected"), [
    ("A word with [a span]{dir=up} in it.", (5, 22, "dir must be ltr, rtl or auto, not 'up'")),
    ("A word with [a span]{#1bad} in it.", (5, 22, "'1bad' is not a valid id")),
    ("A word in [a language]{lang=123}.", (5, 24, "'123' is not a BCP 47 language tag")),
    ("A link [there](#nowhere) and [here](#feature).", (5, 16, "link to '#nowhere', but no heading")),
    ("A bad [link](file:///etc/passwd).", (5, 14, "links with 'file:' are not allowed")),
    ("Some <b>raw</b> HTML.", (5, 6, "raw HTML is not allowed: <b>")),
    ("A call to a note that is missing.[^gone]", (5, 34, "footnote [^gone] is cited but never defined")),
])
def test_markdown_problems_carry_their_column(tmp_path: Path, line: str, expected: tuple[int, int, str]) -> None:
    root = write_manuscript(tmp_path / "m", {"feature.md": f"# A Small Feature\n\nFirst.\n\n{line}\n\n"
                                             "![](photos/harbour.jpg)\n"})
    found = [(d.line, d.column, d.message) for d in loaded_diagnostics(root)]
    assert len(found) == 1 and found[0][:2] == expected[:2] and found[0][2].startswith(expected[2]), found


def test_a_text_ending_in_a_quoted_table_and_a_bare_quote_marker_loads(tmp_path: Path) -> None:
    """It crashed the Markdown reader (IndexError in mdit-py-plugins' container rule), exit 1."""
    text = MINIMAL_TEXT + "\n> | a | b |\n> |---|---|\n> | 0 | 1 |\n>"
    assert loaded_diagnostics(write_manuscript(tmp_path / "m", {"feature.md": text})) == []


def test_a_caption_problem_is_placed_inside_the_caption(tmp_path: Path) -> None:
    captions = MINIMAL_CAPTIONS.replace('"Boats in the harbour at dawn."', '"Boats in [Hafen]{lang=de_DE}."')
    root = write_manuscript(tmp_path / "m", {"photos/captions.toml": captions})
    (found,) = loaded_diagnostics(root)
    assert (found.line, found.column, found.message) == (
        2, 29, "caption: 'de_DE' is not a BCP 47 language tag")


# The mechanism --------------------------------------------------------------------------------------


def _diagnostic(message: str, severity: Severity = Severity.ERROR, **kw) -> Diagnostic:
    return Diagnostic("m/a.md", 1, None, severity, message, "", **kw)


@pytest.mark.parametrize("cause_first", [True, False])
def test_a_follow_on_is_dropped_whichever_comes_first(cause_first: bool) -> None:
    cause = _diagnostic("cause", subjects=("x",))
    follow = _diagnostic("follow-on", causes=("x",))
    unrelated = _diagnostic("unrelated", causes=("y",))
    diags = Diagnostics(Path("m"))
    for diagnostic in ([cause, follow, unrelated] if cause_first else [follow, unrelated, cause]):
        diags.collect(diagnostic)
    assert sorted(d.message for d in diags.items) == ["cause", "unrelated"]
    assert sorted(d.message for d in ManuscriptError([follow, cause, unrelated]).diagnostics) == ["cause", "unrelated"]


def test_a_warning_never_silences_an_error() -> None:
    """The build must still stop: an error that follows from a warning's subject stays."""
    diags = Diagnostics(Path("m"))
    diags.collect(_diagnostic("cause", Severity.WARNING, subjects=("x",)))
    diags.collect(_diagnostic("follow-on", causes=("x",)))
    diags.collect(_diagnostic("quiet follow-on", Severity.WARNING, causes=("x",)))
    assert [d.message for d in diags.items] == ["cause", "follow-on"]


def test_a_diagnostic_stays_one_line_whatever_its_path_holds() -> None:
    shown = Diagnostic("m/photos/har\nbour.jpg", 3, 2, Severity.ERROR, "it\tbroke", "see\x01").format()
    assert shown == "m/photos/har\\nbour.jpg:3:2: error: it\\tbroke\n    hint: see\\x01"


def test_diagnostics_from_elsewhere_show_paths_as_given(tmp_path: Path) -> None:
    """A worker laying out a book's text collects with the resolved root; its findings are re-based."""
    given = Path("m")
    (tmp_path / "m").mkdir()
    worker = Diagnostics((tmp_path / "m").resolve())
    worker.warning((tmp_path / "m" / "a.md").resolve(), 4, "coarse photo")
    shown = Diagnostics(given)
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        shown.adopt(worker.items)
    finally:
        os.chdir(cwd)
    assert [d.path for d in shown.items] == ["m/a.md"]
