"""Every file a stylesheet names, found by a CSS parser (tinycss2), never by regular expressions.

A regular expression cannot tell a `url()` in a comment or a string from a real one, nor read CSS
escapes (`url(\\2e\\2e/x)` is `../x`), so what it finds is not what a layout engine or a reading
system loads. Here the stylesheet is tokenised as CSS is: comments are gone, escapes decoded, and
every reference at any depth is found: `url()`, `url("…")`, `src("…")`, `@import "…"`, the strings of
`image-set()` and `image()`, in any rule or at-rule. `@namespace` URLs are names, not files, and are
skipped. The loader vets each reference through the gate (manuscript/containment.py); the EPUB's font
discovery reads `@font-face` rules from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import tinycss2
import tinycss2.ast
from tinycss2.serializer import serialize_string_value, serialize_url

# Functions whose string arguments are URLs (CSS Images 4: image-set(), image(); CSS Values 4: src()).
_URL_STRINGS = {"url", "src", "image-set", "-webkit-image-set", "image"}


@dataclass(frozen=True)
class Reference:
    """A file a stylesheet names, where it names it (line and column of the url() or string, 1-based)."""

    url: str
    line: int
    column: int
    font: bool = False  # in an @font-face rule's src


@dataclass(frozen=True)
class FontFace:
    """An @font-face rule: its family, its first url() source, and where the rule lies in the text."""

    family: str
    url: str | None
    start: int  # offsets in the normalised text (see normalise)
    end: int
    line: int
    column: int
    rule: tinycss2.ast.AtRule


def normalise(css: str) -> str:
    """The text as tinycss2 tokenises it (its line ends and NULs), so its positions index this text."""
    return (css.replace("\0", "\uFFFD").replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n"))


def references(css: str) -> list[Reference]:
    """Every file the stylesheet names, in source order."""
    found: list[Reference] = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        _rule_references(rule, found)
    return found


def _rule_references(rule: object, found: list[Reference], font: bool = False) -> None:
    if isinstance(rule, tinycss2.ast.AtRule):
        keyword = rule.lower_at_keyword
        if keyword == "namespace":  # @namespace svg url(http://www.w3.org/2000/svg): a name, not a file
            return
        if keyword == "import":
            found += (Reference(t.value, t.source_line, t.source_column) for t in rule.prelude
                      if t.type == "string")
        found += _tokens(rule.prelude)
        if rule.content is not None:
            inner_font = font or keyword == "font-face"
            if keyword in ("media", "supports", "layer", "container", "document", "scope", "starting-style"):
                for nested in tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True):
                    _rule_references(nested, found, inner_font)
            else:
                found += _tokens(rule.content, inner_font)
    elif isinstance(rule, tinycss2.ast.QualifiedRule):
        found += _tokens(rule.prelude)
        found += _tokens(rule.content, font)


def _tokens(tokens: Iterable[object] | None, font: bool = False) -> Iterator[Reference]:
    """url()s and URL strings among component values, blocks and function arguments included."""
    for token in tokens or ():
        kind = getattr(token, "type", "")
        if kind == "url":
            yield Reference(token.value, token.source_line, token.source_column, font)
        elif kind == "function":
            if token.lower_name in _URL_STRINGS:
                for argument in token.arguments:
                    if argument.type == "string":
                        where = token if token.lower_name in ("url", "src") else argument
                        yield Reference(argument.value, where.source_line, where.source_column, font)
            yield from _tokens(token.arguments, font)
        elif kind in ("() block", "[] block", "{} block"):
            yield from _tokens(token.content, font)


def font_faces(css: str) -> list[FontFace]:
    """Each top-level @font-face rule of a (normalised) stylesheet, with its first url() source."""
    text = normalise(css)
    nodes = tinycss2.parse_stylesheet(text, skip_comments=False, skip_whitespace=False)
    starts = _line_starts(text)
    offsets = [starts[node.source_line - 1] + node.source_column - 1 for node in nodes] + [len(text)]
    faces = []
    for index, node in enumerate(nodes):
        if not (isinstance(node, tinycss2.ast.AtRule) and node.lower_at_keyword == "font-face" and node.content):
            continue
        family, url = "", None
        for decl in tinycss2.parse_declaration_list(node.content, skip_comments=True, skip_whitespace=True):
            if decl.type != "declaration":
                continue
            if decl.lower_name == "font-family":
                family = _family(decl.value)
            elif decl.lower_name == "src" and url is None:
                url = next((ref.url for ref in _tokens(decl.value)), None)
        end = offsets[index + 1]
        faces.append(FontFace(family, url, offsets[index], end, node.source_line, node.source_column, node))
    return faces


def _family(tokens: list) -> str:
    """The family an @font-face declares: `"Noto Serif"` or `Noto Serif` (idents joined by a space)."""
    first: list = []
    for token in tokens:
        if token.type == "literal" and token.value == ",":
            break
        first.append(token)
    strings = [t.value for t in first if t.type == "string"]
    return strings[0] if strings else " ".join(t.value for t in first if t.type == "ident")


def with_url(face: FontFace, old: str, new: str) -> str:
    """The rule's text with its source `old` pointing at `new` (the rule re-serialised)."""
    rule = face.rule
    content = [_replace_url(token, old, new) for token in rule.content]
    rebuilt = tinycss2.ast.AtRule(rule.source_line, rule.source_column, rule.at_keyword, rule.lower_at_keyword,
                                  rule.prelude, content)
    return tinycss2.serialize([rebuilt])


def _replace_url(token: object, old: str, new: str) -> object:
    kind = getattr(token, "type", "")
    if kind == "url" and token.value == old:
        return tinycss2.ast.URLToken(token.source_line, token.source_column, new, f"url({serialize_url(new)})")
    if kind == "function":
        arguments = [tinycss2.ast.StringToken(a.source_line, a.source_column, new, f'"{serialize_string_value(new)}"')
                     if a.type == "string" and a.value == old and token.lower_name in _URL_STRINGS
                     else _replace_url(a, old, new) for a in token.arguments]
        return tinycss2.ast.FunctionBlock(token.source_line, token.source_column, token.name, arguments)
    return token


def _line_starts(text: str) -> list[int]:
    starts = [0]
    index = text.find("\n")
    while index != -1:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts
