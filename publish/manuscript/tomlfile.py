"""Reads a TOML file and remembers the line of every key, so schema errors can point at it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

KeyPath = tuple[str | int, ...]
# Tables and arrays inside each other: publication.toml needs three levels ([[contributors]] in a list in
# the document); far deeper nesting is a generated or hostile file, and tomllib would overflow its stack.
MAX_NESTING = 32

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_AT_END = "(at end of document)"
_HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(#.*)?$")
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY = re.compile(r"^\s*(" + _KEY_PART + r"(?:\s*\.\s*" + _KEY_PART + r")*)\s*=")


class TomlSyntaxError(Exception):
    def __init__(self, message: str, line: int | None, column: int | None, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


@dataclass
class TomlDocument:
    data: dict[str, Any]
    lines: dict[KeyPath, int] = field(default_factory=dict)
    columns: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)  # the key's and its value's

    def line_of(self, path: KeyPath) -> int | None:
        """The line of the key, or of its nearest enclosing table."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def position(self, path: KeyPath, value: bool = False) -> tuple[int | None, int | None]:
        """Line and column of the key (or its `value`), or of its nearest enclosing table's header."""
        while path:
            if path in self.lines:
                columns = self.columns.get(path)
                return self.lines[path], (columns[1] if value else columns[0]) if columns else None
            path = path[:-1]
        return None, None


def _split_key(text: str) -> list[str]:
    parts: list[str] = []
    current = ""
    quote = ""
    escaped = False
    for char in text:
        if quote:
            if escaped:
                current += _unescape("\\" + char)
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
            else:
                current += char
        elif char in "\"'":
            quote = char
        elif char == ".":
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def _unescape(escape: str) -> str:
    """A basic string's escape as the character it stands for (\\u and \\U take their digits as text:
    rare enough in a key that its line is then simply not found)."""
    return {"\\n": "\n", "\\t": "\t", "\\r": "\r", "\\b": "\b", "\\f": "\f", "\\\"": '"',
            "\\\\": "\\"}.get(escape, escape)


def parse(text: str) -> TomlDocument:
    deep = _too_deep(text)
    if deep is not None:  # before tomllib, which reads nesting recursively and would run out of stack
        raise TomlSyntaxError(f"arrays or inline tables are nested more than {MAX_NESTING} levels deep",
                              *deep, "a manuscript's TOML needs a few levels at most")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _ERROR_AT.search(message)
        line = int(match.group(1)) if match else None
        column = int(match.group(2)) if match else None
        if match is None and _AT_END in message:  # an unterminated string or array: where the text ends
            line, column = text.count("\n") + 1, len(text) - text.rfind("\n")
        message = _ERROR_AT.sub("", message).replace(_AT_END, "").strip()
        raise TomlSyntaxError(message, line, column) from None
    except RecursionError:  # tomllib reads nested arrays and tables recursively
        raise TomlSyntaxError("arrays or tables are nested too deeply", None, None,
                              "a manuscript's TOML needs a few levels at most") from None
    document = TomlDocument(data, *_locate_keys(text))
    for path, line in document.lines.items():
        if len(path) > MAX_NESTING:  # a.b.c… = 1, or a [a.b.c…] header: tables inside tables
            raise TomlSyntaxError(f"keys are nested more than {MAX_NESTING} levels deep", line, None,
                                  "a manuscript's TOML needs a few levels at most")
    if _depth(data) > MAX_NESTING + 1:  # both kinds together (the document is a level); walks below recurse
        raise TomlSyntaxError(f"tables and arrays are nested more than {MAX_NESTING} levels deep", None, None,
                              "a manuscript's TOML needs a few levels at most")
    for path, value in _strings(data, ()):
        control = _CONTROL.search(value)
        if control:  # written as an escape ("\u0001"): valid TOML, but no XML (OPF, XHTML, XMP) can hold it
            name = ".".join(str(p) for p in path if not isinstance(p, int))
            raise TomlSyntaxError(f"the value of '{name}' holds the control character U+{ord(control.group()):04X}",
                                  document.line_of(path), None, "remove the \\u escape: it prints as nothing")
    return document


def _too_deep(text: str) -> tuple[int, int] | None:
    """Line and column of the first bracket or brace that opens a level deeper than MAX_NESTING."""
    depth, line, start, i = 0, 1, 0, 0
    quote: str | None = None
    while i < len(text):
        char = text[i]
        if char == "\n":
            line, start = line + 1, i + 1
            if quote in ('"', "'"):
                quote = None  # a one-line string cannot run on; tomllib will say so
        if quote:
            if text.startswith(quote, i):
                i, quote = i + len(quote), None
                continue
            i += 2 if char == "\\" and quote.startswith('"') else 1
            continue
        if char == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if text.startswith(('"""', "'''"), i):
            quote, i = text[i:i + 3], i + 3
            continue
        if char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line, i - start + 1
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None


def _depth(value: Any) -> int:
    """How deep tables and arrays nest, without recursion (the value may be deep enough to overflow it)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_NESTING:
            break
    return deepest


def _strings(value: Any, path: KeyPath) -> list[tuple[KeyPath, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _strings(item, (*path, key))]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _strings(item, (*path, index))]
    return []


def _open_brackets(text: str, depth: int, quote: str | None) -> tuple[int, str | None]:
    """Brackets and braces still open after `text` (strings and comments skipped), and an open multi-line quote.

    A value can run over several lines (an array, or an array of arrays); its lines are not keys or
    table headers even when one starts with '[', so they must not move the keys after them.
    """
    i = 0
    while i < len(text):
        if quote:
            if quote in ('"""', "'''"):
                end = text.find(quote, i)
                if end < 0:
                    return depth, quote
                i, quote = end + 3, None
                continue
            if text[i] == "\\" and quote == '"':
                i += 2
                continue
            if text[i] == quote:
                quote = None
            i += 1
            continue
        char = text[i]
        if char == "#":
            break
        if text.startswith(('"""', "'''"), i):
            quote, i = text[i:i + 3], i + 3
            continue
        if char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return depth, quote if quote in ('"""', "'''") else None


def _locate_keys(text: str) -> tuple[dict[KeyPath, int], dict[KeyPath, tuple[int, int]]]:
    lines: dict[KeyPath, int] = {}
    columns: dict[KeyPath, tuple[int, int]] = {}
    table: KeyPath = ()
    array_counts: dict[tuple[str, ...], int] = {}
    depth = 0  # brackets of a value still open: its following lines belong to it
    quote: str | None = None  # a multi-line string still open
    for number, raw in enumerate(text.splitlines(), start=1):
        if depth or quote:
            depth, quote = _open_brackets(raw, depth, quote)
            continue
        header = _HEADER.match(raw)
        if header and not _KEY.match(raw):
            names = _split_key(header.group(2))
            if header.group(1) == "[[":
                key = tuple(names)
                index = array_counts.get(key, -1) + 1
                array_counts[key] = index
                table = (*names, index)
                lines.setdefault(tuple(names), number)
                columns.setdefault(tuple(names), (header.start(1) + 1,) * 2)
            else:
                table = tuple(names)
            lines[table] = number
            columns[table] = (header.start(1) + 1,) * 2
            continue
        key = _KEY.match(raw)
        if key:
            path = (*table, *_split_key(key.group(1)))
            if path not in lines:
                value = len(raw) - len(raw[key.end():].lstrip(" \t"))
                lines[path] = number
                columns[path] = (key.start(1) + 1, value + 1)
            depth, quote = _open_brackets(raw[key.end():], 0, None)
    return lines, columns
