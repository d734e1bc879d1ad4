"""Where a print stylesheet asks for transparency, for PDF/X-1a's refusal to point at the lines to change.

PDF/X-1a has no transparency. Whether a page has any is known once the pages are written (pdfx.py
checks every graphics state); this module only finds the declarations that ask for it, read with
tinycss2: colours with an alpha between 0 and 1 (rgba(), hsla(), rgb(… / a), #rrggbbaa, #rgba),
opacity below 1 and blend modes, so the error names the file, line and column of each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import tinycss2
import tinycss2.color4


@dataclass(frozen=True)
class Transparency:
    path: Path
    line: int
    column: int
    what: str  # "rgba(155, 28, 28, 0.5)", "opacity: 0.8"


def transparencies(sheets: Iterable[Path]) -> list[Transparency]:
    found: list[Transparency] = []
    for path in sheets:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found.extend(_in_sheet(path, text))
    return found


def _in_sheet(path: Path, text: str) -> Iterator[Transparency]:
    rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    for declaration in _declarations(rules):
        name = declaration.lower_name
        value = tinycss2.serialize(declaration.value).strip()
        if name == "opacity":
            number = next((t for t in declaration.value if t.type in ("number", "percentage")), None)
            amount = None if number is None else number.value / (100 if number.type == "percentage" else 1)
            if amount is not None and amount < 1:
                yield Transparency(path, declaration.source_line, declaration.source_column, f"opacity: {value}")
        elif name == "mix-blend-mode" and value.lower() not in ("normal", "initial", "unset", "inherit"):
            yield Transparency(path, declaration.source_line, declaration.source_column,
                               f"mix-blend-mode: {value}")
        else:
            for token in _tokens(declaration.value):
                if token.type in ("function", "hash"):
                    colour = tinycss2.color4.parse_color(token)
                    if colour is not None and not isinstance(colour, str) and 0 < colour.alpha < 1:
                        yield Transparency(path, token.source_line, token.source_column,
                                           tinycss2.serialize([token]))


def _declarations(nodes: list) -> Iterator:
    for node in nodes:
        if node.type == "qualified-rule" or (node.type == "at-rule" and node.content and
                                             node.lower_at_keyword in ("page", "font-face")):
            for item in tinycss2.parse_blocks_contents(node.content, skip_comments=True, skip_whitespace=True):
                if item.type == "declaration":
                    yield item
                elif item.type == "at-rule" and item.content:  # @page's margin boxes: @top-center { … }
                    yield from _declarations([item])
        elif node.type == "at-rule" and node.content and node.lower_at_keyword in ("media", "supports"):
            yield from _declarations(tinycss2.parse_rule_list(node.content, skip_comments=True,
                                                              skip_whitespace=True))


def _tokens(tokens: list) -> Iterator:
    for token in tokens:
        yield token
        if token.type == "function":
            yield from _tokens(token.arguments)
