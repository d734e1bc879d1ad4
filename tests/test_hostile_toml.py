"""Hostile TOML: nesting deep enough to overflow the parser's stack, typos, and where each is reported.

`publish check` crashed (exit 1) on 5,000-deep nesting the build refused; a mistyped key also drew a
"missing required key" at line 1, a comment. Each is now one diagnostic at its line and column.
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

from publish.manuscript.tomlfile import MAX_NESTING, TomlSyntaxError, parse

DEEP = 5_000


@pytest.mark.parametrize(("value", "column"), [
    ("[" * DEEP + "]" * DEEP, 5 + MAX_NESTING),  # "x = " and 32 brackets before the one too deep
    ("{ a = " * DEEP + "1" + " }" * DEEP, 5 + 6 * MAX_NESTING),
    ("[ [1], " + "[" * DEEP + "]" * DEEP + " ]", 12 + MAX_NESTING - 1),  # a level open already
])
def test_deep_arrays_and_inline_tables_are_refused_at_the_bracket(value: str, column: int) -> None:
    with pytest.raises(TomlSyntaxError) as caught:
        parse(f'# a comment [[[[\ns = "[[[[ not a bracket"\nx = {value}\n')
    assert (caught.value.line, caught.value.column) == (3, column)
    assert f"more than {MAX_NESTING} levels deep" in caught.value.message


@pytest.mark.parametrize("source", ["x." * DEEP + "y = 1\n", "[" + "a." * DEEP + "b]\nk = 1\n"])
def test_deeply_dotted_keys_and_headers_are_refused_at_their_line(source: str) -> None:
    with pytest.raises(TomlSyntaxError) as caught:
        parse("title = 'x'\n" + source)
    assert caught.value.line == 2
    assert f"keys are nested more than {MAX_NESTING} levels deep" in caught.value.message


def test_nesting_a_manuscript_needs_still_parses() -> None:
    parse('[[contributors]]\nname = "A"\nx = [[1, [2, {a = [3]}]]]\n' + "y = " + "[" * MAX_NESTING
          + "]" * MAX_NESTING + "\n")


def _deep_manuscript(root: Path) -> Path:
    return write_manuscript(root, {"publication.toml": MINIMAL_TOML + "subjects = " + "[" * DEEP + "]" * DEEP})


def test_check_gives_the_builds_diagnostic_for_deep_toml(tmp_path: Path) -> None:
    """Also with an edition in the output folder: check then reads the title to find it, and crashed."""
    root = _deep_manuscript(tmp_path / "m")
    output = tmp_path / "out"
    output.mkdir()
    (output / "a-small-feature.pdf").write_bytes(b"%PDF-1.7\n")
    build = cli("pdf", str(root), "-o", str(output))
    check = cli("check", str(root), "-o", str(output), "--no-epubcheck")
    assert (build.returncode, check.returncode) == (2, 2), check.stdout + check.stderr
    expected = (f"{root}/publication.toml:8:{12 + MAX_NESTING}: error: invalid TOML: arrays or inline tables "
                f"are nested more than {MAX_NESTING} levels deep")
    assert diagnostics_of(build.stderr) == [expected]
    assert [line.strip() for line in diagnostics_of(check.stdout)] == [expected]
    assert "internal error" not in check.stdout + check.stderr


@pytest.mark.parametrize("where", ["front matter", "captions"])
def test_deep_toml_elsewhere_is_refused_too(tmp_path: Path, where: str) -> None:
    deep = "x = " + "[" * DEEP + "]" * DEEP + "\n"
    files = ({"feature.md": MINIMAL_TEXT.replace("+++\n\n", deep + "+++\n\n", 1)} if where == "front matter"
             else {"photos/captions.toml": MINIMAL_CAPTIONS + deep})
    root = write_manuscript(tmp_path / "m", files)
    found = loaded_diagnostics(root)
    assert [d.message for d in found if d.severity.value == "error"][0].endswith(
        f"nested more than {MAX_NESTING} levels deep")


def test_a_mistyped_key_is_not_also_a_missing_one(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "m", {"publication.toml": "# The publication\n"
                                             + MINIMAL_TOML.replace("title =", "tittle =")})
    run = cli("pdf", str(root), "-o", str(tmp_path / "out"))
    assert run.returncode == 2
    assert run.stderr.splitlines()[:2] == [f"{root}/publication.toml:2:1: error: unknown key 'tittle'",
                                           "    hint: did you mean 'title'?"]
    assert len(diagnostics_of(run.stderr)) == 1


def test_a_mistyped_key_in_a_table_is_not_also_a_missing_one(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "m", {"publication.toml": MINIMAL_TOML.replace("name =", "nmae =")})
    assert [(d.line, d.column, d.message) for d in loaded_diagnostics(root)] == [
        (6, 1, "unknown key 'contributors.nmae'")]


def test_a_missing_key_has_no_line_of_its_own(tmp_path: Path) -> None:
    """It used to be placed at line 1, which may be a comment; in a table it is the table's header."""
    toml = "# A comment\n" + MINIMAL_TOML.replace('date = 2020-05-01\n', "").replace('role = "author"\n', "")
    root = write_manuscript(tmp_path / "m", {"publication.toml": toml})
    assert sorted(((d.line, d.column, d.message) for d in loaded_diagnostics(root)), key=str) == [
        (5, 1, "missing required key 'contributors.role'"), (None, None, "missing required key 'date'")]


def test_a_key_close_to_no_known_one_leaves_the_missing_key_said(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "m", {"publication.toml": MINIMAL_TOML.replace("title =", "heading =")})
    assert sorted(d.message for d in loaded_diagnostics(root)) == [
        "missing required key 'title'", "unknown key 'heading'"]


@pytest.mark.parametrize(("toml", "line", "column"), [
    ('title = "x"\nlanguage = 12\n', 2, 12),          # a value: at the value
    ('title = "x"\n  [print]\n  trim = "B9"\n', 3, 10),  # in a table, indented
    ('title = "x"\nlanguage = en\n', 2, 12),          # a TOML syntax error: tomllib's own column
    ('title = "x"\nsubtitle = "never closed\n', 2, 25),  # … or where the string runs out
])
def test_toml_problems_carry_their_column(tmp_path: Path, toml: str, line: int, column: int) -> None:
    root = write_manuscript(tmp_path / "m", {"publication.toml": toml + 'language = "en"\n' * ("language" not in toml)
                                             + "date = 2020\n" * ("date" not in toml)})
    found = [d for d in loaded_diagnostics(root) if d.line == line]
    assert [(d.line, d.column) for d in found] == [(line, column)], [d.format() for d in found]


def test_front_matter_syntax_errors_carry_their_column(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "m", {"feature.md": MINIMAL_TEXT.replace('byline = "by Ada Writer"',
                                                                               'byline = "by Ada Writer')})
    (found,) = [d for d in loaded_diagnostics(root) if "front matter" in d.message]
    assert (found.line, found.column) == (3, 24)  # where the front matter ends, inside the string
