"""Markdown attributes: every {…} block is validated the same way, wherever it is attached.

An event handler or a style in `{…}` must never reach an edition, and never vanish without a word
either (the attrs plugin sets `on…` aside silently; a heading's trailing block used to be printed as
text). Each case is one diagnostic at the attribute's line, with a hint, exit 2.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_manuscript

from publish.cli.main import main
from publish.manuscript.markdown import read_markdown
from publish.model.document import Element, Node

FRONT = '+++\ntitle = "A Small Feature"\nbyline = "by Ada Writer"\n+++\n\n'  # the text starts on line 6
PHOTO = "\n![](photos/harbour.jpg)\n"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


# (the text from line 6, the line of the diagnostic, the attribute it names)
UNSAFE = {
    "before-paragraph": ('{onclick="alert(1)"}\nA paragraph.\n', 6, "onclick"),
    "before-paragraph-with-safe-ones": ('{#p1 .x onclick="alert(1)"}\nA paragraph.\n', 6, "onclick"),
    "stacked-lines": ('{#p2}\n{.x}\n{onmouseover="steal()"}\nA paragraph.\n', 8, "onmouseover"),
    "blank-line-between": ("{onclick=x}\n\nA paragraph.\n", 6, "onclick"),
    "heading-trailing": ('## Head {#h onclick="x"}\n\nText.\n', 6, "onclick"),
    "heading-trailing-class": ("Intro.\n\n## Head {.x onload=y}\n\nText.\n", 8, "onload"),
    "before-heading": ('{onclick="x"}\n## Head\n\nText.\n', 6, "onclick"),
    "before-list": ("{onclick=x}\n- item\n- item\n", 6, "onclick"),
    "before-quote": ("{onclick=x}\n> quote\n", 6, "onclick"),
    "before-table": ("{onclick=x}\n| a |\n|---|\n| b |\n", 6, "onclick"),
    "before-fence": ("{onclick=x}\n```\ncode\n```\n", 6, "onclick"),
    "before-rule": ("Text.\n\n{onclick=x}\n---\n\nMore.\n", 8, "onclick"),
    "before-aside": ("{onclick=x}\n::: sidebar\nA sidebar.\n:::\n", 6, "onclick"),
    "span": ("A [phrase]{onclick=x} in a paragraph.\n", 6, "onclick"),
    "link": ("A [link](#t){onmouseover=x} here.\n\n## T {#t}\n", 6, "onmouseover"),
    "inline-code": ("Some `code`{onclick=x} here.\n", 6, "onclick"),
    "photo": ("Text.\n", 8, "onerror"),  # on the photo (line 8), see the test
    "style": ('{style="background: url(x)"}\nA paragraph.\n', 6, "style"),
    "uppercase": ("{ONCLICK=x}\nA paragraph.\n", 6, "ONCLICK"),
    "formaction": ('[go]{formaction="javascript:alert(1)"}\n', 6, "formaction"),
    "src": ('{src="x.js"}\nA paragraph.\n', 6, "src"),
}


@pytest.mark.parametrize("text,line,name", UNSAFE.values(), ids=UNSAFE.keys())
def test_an_unsafe_attribute_is_one_diagnostic_at_its_line(tmp_path: Path, text: str, line: int, name: str) -> None:
    photo = "\n![](photos/harbour.jpg){onerror=x}\n" if name == "onerror" else PHOTO
    root = write_manuscript(tmp_path / "m", {"feature.md": FRONT + text + photo})
    code, output = invoke("all", str(root), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert code == 2, output
    at = rf"{re.escape(str(root))}/feature\.md:{line}:\d+: "  # its line and column
    assert re.search(at + rf"error: attribute '{name}' is not allowed\n    hint: ", output), output
    assert output.count(": error: ") == 1, output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.epub"))


def _elements(nodes: tuple[Node, ...] | list) -> list[Element]:
    found = []
    for node in nodes:
        if isinstance(node, Element):
            found.append(node)
            found += _elements(node.children)
        elif hasattr(node, "children"):
            found += _elements(node.children)
    return found


def test_an_event_handler_gets_a_hint_about_scripts() -> None:
    parsed = read_markdown('{onclick="alert(1)"}\nA paragraph.\n', "t", "en")
    (problem,) = parsed.problems
    assert problem.line == 1 and "script" in problem.hint and "id, class, lang and dir" in problem.hint


def test_a_heading_with_a_trailing_block_takes_its_attributes_not_its_braces() -> None:
    parsed = read_markdown("## Head {#h .wide lang=fr}\n\n## Set {1,2}\n\n## Other {#o}\n", "t", "en")
    assert parsed.problems == []
    first, second, third = parsed.blocks
    assert first.children[-1].text == "Head" and dict(first.attrs) == {"id": "h", "class": "wide", "lang": "fr"}
    assert second.children[-1].text == "Set {1,2}"  # not attributes: text as written
    assert third.children[-1].text == "Other" and dict(third.attrs)["id"] == "o"


def test_safe_attributes_are_kept_wherever_they_are_attached() -> None:
    source = ("{.lead}\nA paragraph.\n\n{.listing}\n```\ncode\n```\n\n{.break}\n---\n\n"
              "A [link](#t){.more} and `code`{.k}.\n\n## T {#t}\n")
    parsed = read_markdown(source, "t", "en")
    assert parsed.problems == []
    classes = {e.tag: dict(e.attrs).get("class") for e in _elements(parsed.blocks) if dict(e.attrs).get("class")}
    assert classes == {"p": "lead", "pre": "listing", "hr": "break", "a": "more", "code": "k"}


def test_braces_after_emphasis_are_text_and_reach_no_element() -> None:
    """Attributes cannot follow emphasis: such braces stay text, escaped, and set nothing."""
    parsed = read_markdown("Some *emphasis*{onclick=x} here.\n", "t", "en")
    assert all("onclick" not in dict(e.attrs) for e in _elements(parsed.blocks))


def test_an_aside_with_attributes_says_they_are_not_read() -> None:
    parsed = read_markdown("{.wide}\n::: sidebar\nA sidebar.\n:::\n", "t", "en")
    assert [(p.line, p.message) for p in parsed.problems] == [(2, "attributes ['class'] are not read on a ::: sidebar")]
