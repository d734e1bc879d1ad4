"""What one text may hold before laying it out would take minutes: each limit a named constant, checked
at the line that passes it, before anything is laid out.

Why limits at all: the print layout (WeasyPrint) slows down sharply on a few shapes of input, and a
build that runs for minutes without a word looks hung. Each limit sits well above what a magazine or
book text needs and just below where the layout of one text takes about a minute on one core
(measured in docs/manuscript.md#limits). When the layout gets faster, raise the constant here (the
checks and their diagnostics read it from this module) and its value in that table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from publish.model.document import Element, Node

# A text of more words than this is laid out in one piece for minutes: 300,000 words take 56 s (and
# again for the archive), 1.4 million more than 15 minutes. A book that size builds from several texts.
MAX_TEXT_WORDS = 300_000
# More footnote calls than this within this many words of running text pile up under the pages faster
# than their footnote areas can set them, and each page re-lays out the growing backlog: 60 such notes
# take 17 s, 120 took 4 minutes, 3,000 in one paragraph more than 10.
MAX_NOTES_NEARBY = 60
NOTES_WINDOW_WORDS = 1_000
# A table wider than this makes the two-column layout retry its balance once per column (about 0.14 s
# each, whatever the rows): 200 columns take 33 s, 1,000 took 143 s, 5,000 more than 15 minutes.
MAX_TABLE_COLUMNS = 200

_CALL = re.compile(r"\[\^[^\]\s]+\]")
_DEFINITION = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Excess:
    """A limit passed: where (the file's line, and column when known) and what to do about it."""

    line: int
    column: int | None
    message: str
    hint: str


def _body_lines(body: str, offset: int) -> Iterator[tuple[int, str]]:
    """The body's lines that are running text: not fenced code, not footnote definitions (or their
    indented continuation lines), numbered as in the file (the body starts after `offset` lines)."""
    fence = ""
    in_note = False
    for number, line in enumerate(body.split("\n"), start=1 + offset):
        if fence:
            if line.strip().startswith(fence):
                fence = ""
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)[:3]
            continue
        if _DEFINITION.match(line):
            in_note = True
            continue
        if in_note and (line.startswith(("    ", "\t")) or not line.strip()):
            continue
        in_note = False
        yield number, line


def words_excess(body: str, offset: int = 0) -> Excess | None:
    """Where the Markdown body passes MAX_TEXT_WORDS, read from its source: cheap, where parsing a text
    that long already takes seconds."""
    words = 0
    for number, line in enumerate(body.split("\n"), start=1 + offset):
        words += len(line.split())
        if words > MAX_TEXT_WORDS:
            return Excess(number, None,
                          f"the text passes {MAX_TEXT_WORDS:,} words here: one text is laid out in one piece, "
                          "and this one would take minutes",
                          "split it into several texts (a file per chapter, listed in texts = [...] in "
                          "publication.toml): a book's texts are laid out side by side")
    return None


def notes_excess(body: str, offset: int = 0) -> Excess | None:
    """The footnote call that makes more than MAX_NOTES_NEARBY within NOTES_WINDOW_WORDS words of running
    text (footnote definitions and code do not count), at its line and column."""
    words = 0
    calls: list[int] = []  # the running text's words before each call
    first = 0  # the oldest call still within NOTES_WINDOW_WORDS of the newest
    for number, line in _body_lines(body, offset):
        position = 0
        for call in _CALL.finditer(line):
            words += len(line[position:call.start()].split())
            position = call.end()
            calls.append(words)
            while words - calls[first] > NOTES_WINDOW_WORDS:
                first += 1
            if len(calls) - first > MAX_NOTES_NEARBY:
                return Excess(number, call.start() + 1,
                              f"more than {MAX_NOTES_NEARBY} footnotes are called within {NOTES_WINDOW_WORDS:,} "
                              "words here: they would crowd under the pages faster than print can set them, "
                              "and laying them out would take minutes",
                              "merge notes that belong together, or move some of their content into the text")
        words += len(line[position:].split())
    return None


def block_excess(blocks: list) -> Excess | None:
    """The first limit the text's parsed blocks pass (table columns), at the block's line."""
    for table in _tables(blocks):
        head = next(_rows(table), None)
        columns = len(head.children) if head is not None else 0
        if columns > MAX_TABLE_COLUMNS and table.line is not None:
            return Excess(table.line, None,
                          f"a table of {columns:,} columns: print sets at most {MAX_TABLE_COLUMNS} (and would "
                          "take minutes trying to fit this one on the page)",
                          "turn it around (rows for columns), split it into several tables, or give the "
                          "data as a file beside the text")
    return None


def _tables(nodes: list | tuple) -> Iterator[Element]:
    for node in nodes:
        if isinstance(node, Element):
            if node.tag == "table":
                yield node
            else:
                yield from _tables(node.children)


def _rows(node: Node) -> Iterator[Element]:
    for child in getattr(node, "children", ()):
        if isinstance(child, Element):
            if child.tag == "tr":
                yield child
            else:
                yield from _rows(child)
