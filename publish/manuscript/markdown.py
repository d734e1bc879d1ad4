"""Reads one Markdown text (CommonMark + footnotes, tables, attributes, containers) into model nodes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.attrs.parse import ParseError
from mdit_py_plugins.attrs.parse import parse as parse_attrs
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from publish.model.document import Article, Aside, Element, Footnote, Heading, Metadata, Node, NoteRef, Text
from publish.model.text import slugify
from publish.model.typography import (
    PLACEHOLDERS,
    URL_CLASS,
    addresses,
    bind_ranges,
    bind_units,
    quotes_for,
    set_quotes,
)

ASIDE_KINDS = ("pullquote", "sidebar")
# Several photos in one figure: a pair side by side, a grid in rows (manuscript/figures.py).
FIGURE_KINDS = ("pair", "grid")
ALLOWED_ATTRS = {"id", "class", "lang", "dir"}
LINK_SCHEMES = ("http:", "https:", "mailto:")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_ID = re.compile(r"^[A-Za-z][\w.-]*$")
# A run of this many characters with no space cannot be set on a line. Scripts written without
# spaces between words (CJK, Thai, Lao, Myanmar, Khmer) break anywhere, so they never count.
MAX_WORD = 500
GRID_MAX = 12  # photos in one ::: grid: four rows of three
_LONG_WORD = re.compile(
    r"[^\s\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
    r"\uff00-\uffef]{" + str(MAX_WORD + 1) + ",}")
_UNDEFINED_NOTE = re.compile(r"\[\^([^\]\s]+)\]")

_HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCK_TAGS = {
    "paragraph": "p", "blockquote": "blockquote", "bullet_list": "ul", "ordered_list": "ol",
    "list_item": "li", "table": "table", "thead": "thead", "tbody": "tbody", "tr": "tr",
    "th": "th", "td": "td", "dl": "dl", "dt": "dt", "dd": "dd",
}
_INLINE_TAGS = {"em": "em", "strong": "strong", "s": "s", "span": "span"}


def make_parser(language: str, by_element: bool = True) -> MarkdownIt:
    """`by_element`: quotation marks come out as placeholders, which the reader sets by the language
    of the element they stand in (model/typography.py); else as the marks of `language`."""
    quotes = list(PLACEHOLDERS) if by_element else list(quotes_for(language))
    md = MarkdownIt("commonmark", {"typographer": True, "html": True, "quotes": quotes})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(footnote_plugin).use(attrs_plugin, spans=True).use(attrs_block_plugin).use(deflist_plugin)
    for kind in (*ASIDE_KINDS, *FIGURE_KINDS):
        md.use(container_plugin, kind)
    # markdown-it turns links it deems unsafe (file:, javascript:, data:) into plain text without a word;
    # we let them through so the reader refuses them with a diagnostic the author can act on.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    _report_lost_nesting(md)
    _strict_attribute_lines(md)
    return md


def _strict_attribute_lines(md: MarkdownIt) -> None:
    """A line is an attribute block only when all of it is attributes: the plugin alone would swallow
    a paragraph such as "{% if x %}y{% endif %}" without a trace."""
    ruler = md.block.ruler
    rule = ruler.__rules__[ruler.__find__("attr")]
    original = rule.fn

    def strict(state, start: int, end: int, silent: bool) -> bool:  # type: ignore[no-untyped-def]
        begin = state.bMarks[start] + state.tShift[start]
        line = state.src[begin:state.eMarks[start]].rstrip(" \t")
        try:
            stop, attrs = parse_attrs(line)
        except ParseError:
            return False
        if stop != len(line) - 1 or not attrs:
            return False
        return original(state, start, end, silent)

    ruler.at("attr", strict, {"alt": list(rule.alt)})


def _report_lost_nesting(md: MarkdownIt) -> None:
    """markdown-it silently drops what lies deeper than maxNesting; record where, so we can say so."""
    tokenize = md.block.tokenize

    def guarded(state, start: int, end: int) -> None:  # type: ignore[no-untyped-def]
        if state.level >= state.md.options.maxNesting and state.skipEmptyLines(start) < end:
            state.env.setdefault("too_deep", []).append(state.skipEmptyLines(start))
        tokenize(state, start, end)

    md.block.tokenize = guarded  # type: ignore[method-assign]


@dataclass
class Problem:
    line: int | None
    message: str
    hint: str = ""
    column: int | None = None


@dataclass
class ImageRef:
    src: str
    alt: str
    line: int | None
    id: str = ""  # given with {#name} on the image or its paragraph
    column: int | None = None  # of the path in ![](…)


@dataclass
class GroupRef:
    """A ::: pair or ::: grid: its photos, still references, and the shared caption if it has one."""

    kind: str
    images: list[ImageRef]
    caption: tuple[Node, ...]
    id: str
    line: int | None


@dataclass
class ParsedText:
    blocks: list[Node | ImageRef | GroupRef] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    ids: list[tuple[str, int | None]] = field(default_factory=list)
    links: list[tuple[str, int | None, int | None]] = field(default_factory=list)  # href, line, column
    problems: list[Problem] = field(default_factory=list)


class Reader:
    """Turns a Markdown string into blocks; images stay references for the loader to resolve."""

    def __init__(self, source: str, article_id: str, language: str, line_offset: int = 0):
        self.source_lines = source.splitlines()
        self.article_id = article_id
        self.language = language
        self.offset = line_offset
        self.result = ParsedText()
        self._heading_ids: set[str] = set()
        self._langs = [language]  # the language in effect, innermost last: it sets the quotation marks
        self._by_element = not any(p in source for p in PLACEHOLDERS)

    def read(self, source: str) -> ParsedText:
        md = make_parser(self.language, self._by_element)
        env: dict = {}
        tree = SyntaxTreeNode(md.parse(source, env))
        lost = env.get("too_deep", [])
        if lost:
            self._problem(lost[0] + 1 + self.offset,
                          "lists and quotes are nested too deeply; the text from here on would be lost",
                          "nest lists and quotes at most 8 levels deep")
        for label, index in env.get("footnotes", {}).get("refs", {}).items():
            if index == -1:
                name = label.removeprefix(":")
                self._problem(self._find_line(f"[^{name}]:", 1 + self.offset),
                              f"footnote [^{name}] is never referenced in the text",
                              f"cite it with [^{name}] where it belongs, or delete it")
        for child in tree.children:
            if child.type == "footnote_block":
                self._footnotes(child)
            else:
                block = self._block(child, None)
                if block is not None:
                    self.result.blocks.append(block)
        return self.result

    # Helpers ------------------------------------------------------------------

    def _line(self, node: SyntaxTreeNode, fallback: int | None) -> int | None:
        if node.map:
            return node.map[0] + 1 + self.offset
        return fallback

    def _find_line(self, needle: str, start: int | None) -> int | None:
        """The line where an inline construct's text occurs, searching from its block's line."""
        return self._find(needle, start)[0]

    def _find(self, needle: str, start: int | None) -> tuple[int | None, int | None]:
        """Line and column where an inline construct's text occurs, searching from its block's line;
        its block's line and no column when the text is not found as written (markdown-it rewrote it)."""
        if start is None:
            return None, None
        for index in range(max(0, start - 1 - self.offset), len(self.source_lines)):
            column = self.source_lines[index].find(needle) if needle else -1
            if column >= 0:
                return index + 1 + self.offset, column + 1
        return start, None

    def _problem(self, line: int | None, message: str, hint: str = "", column: int | None = None) -> None:
        self.result.problems.append(Problem(line, message, hint, column))

    def _attribute_at(self, name: str, value: str, line: int | None) -> tuple[int | None, int | None]:
        """Line and column of an attribute as written ({name=…}, or {#id} and {.class}), searched
        from `line`; that line and no column when it is not written so."""
        found = self._find(f"{name}=", line)
        if found[1] is None and name in ("id", "class"):
            found = self._find(("#" if name == "id" else ".") + value, line)
        return found if found[1] is not None else (line, None)

    def _attrs(self, given: dict, line: int | None,
               lines: dict[str, int] | None = None) -> tuple[tuple[str, str], ...]:
        """The attributes an author may set, each checked; every other one is a problem at its line.

        Every attribute block goes through here, wherever it is attached (a block, a heading's end,
        a span, a link, code, a photo, an aside), so the rules are the same everywhere.
        """
        attrs: list[tuple[str, str]] = []
        for name, value in given.items():
            value = str(value)
            line_of = (lines or {}).get(name, line)
            at, column = self._attribute_at(name, value, line_of)
            if name not in ALLOWED_ATTRS:
                self._problem(at, f"attribute '{name}' is not allowed", _attribute_hint(name), column)
                continue
            if name == "lang" and not _LANGUAGE.match(value):
                self._problem(at, f"'{value}' is not a BCP 47 language tag", 'e.g. {lang=ja} or {lang=km}', column)
                continue
            if name == "id":
                if not _ID.match(value):
                    self._problem(at, f"'{value}' is not a valid id",
                                  "start with a letter; use letters, digits, - and _", column)
                    continue
                self.result.ids.append((value, line_of))
            if name == "dir" and value not in ("ltr", "rtl", "auto"):
                self._problem(at, f"dir must be ltr, rtl or auto, not '{value}'", column=column)
                continue
            attrs.append((name, value))
        return tuple(attrs)

    def _given(self, node: SyntaxTreeNode) -> dict:
        """The attributes the author wrote on a node, those the attrs plugin set aside as unsafe
        (event handlers: it drops them without a word) included, so they are refused aloud."""
        return {**(node.attrs or {}), **((node.meta or {}).get("insecure_attrs") or {})}

    def _block_attr_lines(self, node: SyntaxTreeNode) -> dict[str, int]:
        """For attributes written on the lines above a block ({…} lines), the line of each name."""
        lines: dict[str, int] = {}
        if not node.map:
            return lines
        index = node.map[0] - 1
        while index >= 0:
            if not self.source_lines[index].strip():  # a blank line between {…} and its block
                index -= 1
                continue
            found = _attribute_line(self.source_lines[index])
            if found is None:
                break
            for name in found:
                lines.setdefault(name, index + 1 + self.offset)  # the lowest line wins, as in the plugin
            index -= 1
        return lines

    # Blocks ---------------------------------------------------------------------

    def _block(self, node: SyntaxTreeNode, parent_line: int | None) -> Node | ImageRef | GroupRef | None:
        self._langs.append(self._own_language(node))
        try:
            return self._block_in_language(node, parent_line)
        finally:
            self._langs.pop()

    def _own_language(self, node: SyntaxTreeNode) -> str:
        """The node's {lang=…}, when it is a valid tag, or the language around it."""
        lang = str(self._given(node).get("lang") or "")
        return lang if _LANGUAGE.match(lang) else self._langs[-1]

    def _text(self, text: str) -> Text:
        """Text as set: quotation marks of the language in effect, numbers bound to their units, ranges
        bound at their dash."""
        if self._by_element:
            text = set_quotes(text, self._langs[-1])
        return Text(bind_ranges(bind_units(text)))

    def _block_in_language(self, node: SyntaxTreeNode, parent_line: int | None) -> Node | ImageRef | GroupRef | None:
        line = self._line(node, parent_line)
        kind = node.type
        if kind == "heading":
            return self._heading(node, line)
        if kind == "paragraph":
            image = self._lone_image(node, line)
            if image is not None:
                return image
            self._stray_fence(node, line)
        if kind in _BLOCK_TAGS:
            children = self._children(node, line)
            return Element(_BLOCK_TAGS[kind], self._block_attrs(node, line), children, line)
        if kind.removeprefix("container_") in FIGURE_KINDS:
            return self._group(node, line)
        if kind.startswith("container_"):
            aside_kind = kind.removeprefix("container_")
            if not node.nester_tokens.closing.markup:  # the rest of the text would become the aside
                self._problem(line, f"'::: {aside_kind}' is never closed",
                              "end it with a line ':::'")
            children = tuple(c for c in (self._block(c, line) for c in node.children)
                             if c is not None)
            kept = self._attrs(self._given(node), line, self._block_attr_lines(node))
            if kept:
                self._problem(line, f"attributes {sorted(dict(kept))} are not read on a ::: {aside_kind}",
                              f"style the {aside_kind} by its class in the stylesheet: .{aside_kind}")
            if any(isinstance(c, (ImageRef, GroupRef)) for c in children):
                self._problem(line, f"a photo cannot stand inside a {aside_kind}")
                children = tuple(c for c in children if not isinstance(c, (ImageRef, GroupRef)))
            if aside_kind == "pullquote" and _has_link_or_note(children):
                self._problem(line, "a pull quote cannot hold a link or a footnote",
                              "a pull quote repeats the text and screen readers skip it; "
                              "put the link or the note in the text it repeats")
            return Aside(aside_kind, _mark_attribution(children), line)  # type: ignore[arg-type]
        if kind in ("fence", "code_block"):
            code = Element("code", (), (Text(node.content),), line)
            return Element("pre", self._block_attrs(node, line), (code,), line)
        if kind == "hr":
            return Element("hr", self._block_attrs(node, line), (), line)
        if kind == "html_block":
            first = node.content.strip().splitlines()[0] if node.content.strip() else ""
            self._raw_html(node.content, *self._find(first, line))
            return None
        if kind == "footnote_anchor":  # the back link; templates draw their own
            return None
        if kind == "inline":
            return Element("p", (), self._inlines(node, line), line)
        self._problem(line, f"unsupported Markdown construct '{kind}'")
        return None

    def _stray_fence(self, node: SyntaxTreeNode, line: int | None) -> None:
        """A ':::' line markdown-it left as text: an aside kind we do not have, or a fence closing
        nothing (an aside nested in another closed the outer one). Printed, it reads as a typo."""
        first = self.source_lines[node.map[0]].strip() if node.map else ""
        if not first.startswith(":::"):
            return
        kind = first.lstrip(":").strip()
        if kind:
            self._problem(line, f"unknown block '::: {kind}'",
                          f"the blocks are {', '.join('::: ' + k for k in (*ASIDE_KINDS, *FIGURE_KINDS))}")
        else:
            self._problem(line, "a ':::' that closes nothing",
                          "delete it; an aside inside another needs a longer fence: :::: sidebar … ::::")

    def _block_attrs(self, node: SyntaxTreeNode, line: int | None) -> tuple[tuple[str, str], ...]:
        attrs = self._given(node)
        lines = self._block_attr_lines(node)
        if node.type in ("th", "td"):  # markdown-it's own style="text-align: …" from the table's ruler line
            style = (node.attrs or {}).get("style", "")
            align = re.search(r"text-align:\s*(left|right|center)", str(style))
            result = (("class", f"align-{align.group(1)}"),) if align else ()
            return result
        if node.type == "ordered_list":
            start = attrs.pop("start", None)
            clean = self._attrs(attrs, line, lines)
            return ((("start", str(start)),) if start not in (None, 1, "1") else ()) + clean
        return self._attrs(attrs, line, lines)

    def _children(self, node: SyntaxTreeNode, line: int | None) -> tuple[Node, ...]:
        out: list[Node] = []
        for child in node.children:
            if child.type == "inline":
                out.extend(self._inlines(child, line))
                continue
            block = self._block(child, line)
            if isinstance(block, (ImageRef, GroupRef)):
                self._problem(block.line, "a photo must stand in its own paragraph, not inside a list, quote or table")
            elif block is not None:
                out.append(block)
        return tuple(out)

    def _heading(self, node: SyntaxTreeNode, line: int | None) -> Element:
        level = _HEADING_TAGS[node.tag]
        children = self._inlines(node.children[0], line) if node.children else ()
        given = self._given(node)
        lines = self._block_attr_lines(node)
        raw = node.children[0].content if node.children else ""
        trailing = _trailing_attributes(raw)
        last = children[-1] if children else None
        if trailing is not None and isinstance(last, Text):  # "## Heading {#my-id .x}", as Pandoc writes it
            braces, found = trailing
            cut = len(last.text)
            for _ in range(braces):
                cut = last.text.rfind("{", 0, cut)
            if cut >= 0:
                children = (*children[:-1], Text(last.text[:cut].rstrip()))
                given.update(found)
                lines.update(dict.fromkeys(found, line))
        text = plain_text(children)
        if not text:  # it would be an empty entry in the contents and the EPUB's navigation
            self._problem(line, "a heading without text", "write the heading, or remove the # marks")
        attrs = dict(self._attrs(given, line, lines))
        if "id" not in attrs:
            base = f"{self.article_id}--{slugify(text) or 'section'}"
            anchor, n = base, 2
            while anchor in self._heading_ids:
                anchor, n = f"{base}-{n}", n + 1
            attrs["id"] = anchor
            self.result.ids.append((anchor, line))
        self._heading_ids.add(attrs["id"])
        self.result.headings.append(Heading(level, text, attrs["id"]))
        return Element(f"h{level}", tuple(attrs.items()), children, line)

    def _lone_image(self, node: SyntaxTreeNode, line: int | None) -> ImageRef | None:
        inline = node.children[0] if node.children else None
        if inline is None:
            return None
        meaningful = [c for c in inline.children
                      if not (c.type == "text" and not c.content.strip()) and c.type != "softbreak"]
        if len(meaningful) == 1 and meaningful[0].type == "image":
            return self._image(meaningful[0], line, self._given(node), self._block_attr_lines(node))
        return None

    def _image(self, image: SyntaxTreeNode, line: int | None, given: dict | None = None,
               lines: dict[str, int] | None = None) -> ImageRef:
        """An image as a reference; its only attribute is an id ({#name}), which links can point to.

        `given`: the attributes of its paragraph ({#name} on the line before), at `lines`."""
        src = str(image.attrs.get("src", ""))
        where, column = self._find(src, line)
        attrs = {**(given or {}), **{k: v for k, v in self._given(image).items() if k not in ("src", "alt", "title")}}
        self._attrs({k: v for k, v in attrs.items() if k not in ALLOWED_ATTRS}, where, lines)  # refused aloud
        anchor = str(attrs.pop("id", ""))
        unread = sorted(k for k in attrs if k in ALLOWED_ATTRS)
        if unread:
            self._problem(where, f"attributes {unread} are not read on photos",
                          "a photo takes only an id, {#name}; set placement, caption, credit and alt "
                          "in the captions file", column)
        if anchor:
            anchor = dict(self._attrs({"id": anchor}, where, lines)).get("id", "")
        return ImageRef(src, plain_text(self._inlines(image, line)), where, anchor, column)

    def _group(self, node: SyntaxTreeNode, line: int | None) -> GroupRef | None:
        """::: pair / ::: grid {#id}: paragraphs of images (one or several each), and at most one
        paragraph of text, the caption the photos share."""
        kind = node.type.removeprefix("container_")
        if not node.nester_tokens.closing.markup:
            self._problem(line, f"'::: {kind}' is never closed", "end it with a line ':::'")
        anchor = str((node.attrs or {}).get("id", ""))  # {#name} on the line before the fence
        if anchor:
            anchor = dict(self._attrs({"id": anchor}, line)).get("id", "")
        rest = node.info.strip().removeprefix(kind).strip()
        if rest:
            try:
                stop, given = parse_attrs(rest)
            except ParseError:
                stop, given = -1, {}
            if stop != len(rest) - 1 or set(given) - {"id"}:
                self._problem(line, f"'::: {kind} {rest}': only an id can follow the kind",
                              f"write ::: {kind} {{#name}}")
            elif "id" in given:
                anchor = dict(self._attrs({"id": given["id"]}, line)).get("id", "")
        images: list[ImageRef] = []
        caption: tuple[Node, ...] = ()
        for child in node.children:
            child_line = self._line(child, line)
            inline = child.children[0] if child.type == "paragraph" and child.children else None
            parts = [c for c in inline.children if not (c.type == "text" and not c.content.strip())
                     and c.type not in ("softbreak", "hardbreak")] if inline is not None else []
            if parts and all(p.type == "image" for p in parts):
                images.extend(self._image(p, child_line) for p in parts)
            elif parts and not any(p.type == "image" for p in parts) and not caption:
                caption = self._inlines(inline, child_line)
                if any(isinstance(n, NoteRef) for n in caption):
                    self._problem(child_line, "a caption cannot hold a footnote",
                                  "put the note in the text that refers to the photos")
            elif parts and not any(p.type == "image" for p in parts):
                self._problem(child_line, f"a {kind} has one caption: a single paragraph of text",
                              "join the caption's paragraphs into one")
            else:
                self._problem(child_line, f"a {kind} holds photos, each alone or several on their lines, "
                              "and one paragraph of caption",
                              "put the photos on lines of their own, and the caption in a paragraph after them")
        low, high = (2, 2) if kind == "pair" else (2, GRID_MAX)
        if not low <= len(images) <= high:
            hint = ("three or more photos are a ::: grid" if kind == "pair" and len(images) > 2
                    else f"a grid holds at most {GRID_MAX} photos: split it in two" if len(images) > high
                    else "a single photo stands alone: ![](…) in its own paragraph")
            self._problem(line, f"a {kind} holds {'2' if kind == 'pair' else f'2 to {GRID_MAX}'} photos, "
                          f"this one {len(images)}", hint)
        return GroupRef(kind, images, caption, anchor, line)

    def _footnotes(self, block: SyntaxTreeNode) -> None:
        for note in block.children:
            number = note.meta["id"] + 1
            line = None
            children: list[Node] = []
            for child in note.children:
                line = line or self._line(child, None)
                converted = self._block(child, line)
                if isinstance(converted, (ImageRef, GroupRef)):
                    self._problem(converted.line, "a photo cannot stand inside a footnote")
                elif converted is not None:
                    children.append(converted)
            self.result.footnotes.append(Footnote(self._note_id(number), number, tuple(children)))

    def _note_id(self, number: int) -> str:
        return f"{self.article_id}-fn{number}"

    # Inlines ------------------------------------------------------------------

    def _inlines(self, node: SyntaxTreeNode, line: int | None) -> tuple[Node, ...]:
        out: list[Node] = []
        for child in node.children:
            kind = child.type
            if kind == "text":
                self._check_text(child.content, line)
                for address, piece in addresses(child.content):  # a web or e-mail address is never hyphenated
                    out.append(Element("span", (("class", URL_CLASS),), (self._text(piece),)) if address
                               else self._text(piece))
            elif kind == "softbreak":
                out.append(Text("\n"))
            elif kind == "hardbreak":
                out.append(Element("br"))
            elif kind == "code_inline":
                out.append(Element("code", self._attrs(self._given(child), line), (Text(child.content),)))
            elif kind in _INLINE_TAGS:
                attrs = self._attrs(self._given(child), line)
                self._langs.append(self._own_language(child))
                try:
                    out.append(Element(_INLINE_TAGS[kind], attrs, self._inlines(child, line)))
                finally:
                    self._langs.pop()
            elif kind == "link":
                self._langs.append(self._own_language(child))
                try:
                    out.append(self._link(child, line))
                finally:
                    self._langs.pop()
            elif kind == "image":
                src = str(child.attrs.get("src", ""))
                found, column = self._find(src, line)
                self._problem(found, "a photo must stand in its own paragraph",
                              "put a blank line before and after ![](…)", column)
            elif kind == "footnote_ref":
                number = child.meta["id"] + 1
                out.append(NoteRef(self._note_id(number), number, child.meta.get("subId", 0)))
            elif kind == "footnote_anchor":
                continue
            elif kind == "html_inline":
                self._raw_html(child.content, *self._find(child.content, line))
            else:
                self._problem(line, f"unsupported Markdown construct '{kind}'")
        return tuple(out)

    def _check_text(self, text: str, line: int | None) -> None:
        """Pasted data and broken footnote calls are almost always mistakes the author wants to hear of."""
        word = _LONG_WORD.search(text)
        if word:
            found, column = self._find(word.group()[:40], line)
            self._problem(found, f"a word of {len(word.group())} characters without a space cannot be set on a line",
                          "break it with spaces, or remove it if it was pasted by mistake", column)
        for note in _UNDEFINED_NOTE.finditer(text):
            found, column = self._find(note.group(), line)
            self._problem(found, f"footnote [^{note.group(1)}] is cited but never defined",
                          f"add a line '[^{note.group(1)}]: the note' below the text", column)

    def _link(self, node: SyntaxTreeNode, line: int | None) -> Node:
        href = str(node.attrs.get("href", ""))
        children = self._inlines(node, line)
        where, column = self._find(f"]({href}", line)  # the destination, not the same words in the text
        if column is not None:
            column += 2
        else:  # a reference link's destination is written elsewhere; markdown-it may have rewritten it
            where, column = self._find(href, line)
        attrs = self._attrs({k: v for k, v in self._given(node).items() if k not in ("href", "title")}, where)
        lowered = href.lower()
        if href.startswith("#") or not re.match(r"^[a-z][a-z0-9+.-]*:", lowered):
            self.result.links.append((href, where, column))
        elif not lowered.startswith(LINK_SCHEMES):
            self._problem(where, f"links with '{href.split(':', 1)[0]}:' are not allowed",
                          "link to http(s): or mailto: addresses, or to #anchors in the manuscript", column)
            return Element("span", (), children)
        return Element("a", (("href", href), *attrs), children)

    def _raw_html(self, content: str, line: int | None, column: int | None = None) -> None:
        if any(p.line == line and p.message.startswith("raw HTML") for p in self.result.problems):
            return  # one report per line: <a href…> and its </a> are one mistake
        snippet = content.strip().splitlines()[0][:60] if content.strip() else content
        self._problem(line, f"raw HTML is not allowed: {snippet}",
                      "write it in Markdown: *emphasis*, **strong**, [text]{lang=ja}, ::: pullquote", column)


def _attribute_hint(name: str) -> str:
    if name.lower().startswith("on"):
        return ("an event handler runs a script, and the editions carry no scripts; "
                "only id, class, lang and dir may be set in {…}")
    if name.lower() == "style":
        return "style it in the stylesheet by a class: {.name} here, .name { … } in styles/"
    return "only id, class, lang and dir may be set in {…}"


def _attribute_line(line: str) -> dict | None:
    """The attributes of a line that is all one attribute block ({#id .class k=v}), else None."""
    text = line.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    try:
        stop, attrs = parse_attrs(text)
    except ParseError:
        return None
    return attrs if stop == len(text) - 1 and attrs else None


def _trailing_attributes(raw: str) -> tuple[int, dict] | None:
    """A `{…}` attribute block closing a heading's source: the number of `{` in it, and its attributes."""
    raw = raw.rstrip()
    if not raw.endswith("}"):
        return None
    start = raw.rfind("{")
    while start >= 0:
        try:
            stop, attrs = parse_attrs(raw[start:])
        except ParseError:
            stop, attrs = -1, {}
        if stop == len(raw) - start - 1 and attrs:
            return raw[start:].count("{"), attrs
        start = raw.rfind("{", 0, start)
    return None


def plain_text(nodes: tuple[Node, ...] | list[Node]) -> str:
    parts: list[str] = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        if isinstance(node, Text):
            parts.append(node.text.replace("\n", " "))
        elif isinstance(node, (Element, Aside)):
            stack.extend(reversed(node.children))
    return "".join(parts).strip()


def _has_link_or_note(nodes: tuple[Node, ...]) -> bool:
    """Links and note calls in content hidden from screen readers (aria-hidden) cannot be reached."""
    for node in nodes:
        if isinstance(node, NoteRef) or (isinstance(node, Element) and node.tag == "a"):
            return True
        if isinstance(node, (Element, Aside)) and _has_link_or_note(node.children):
            return True
    return False


def _mark_attribution(children: tuple[Node, ...]) -> tuple[Node, ...]:
    """A last paragraph opening with a dash is the quotation's attribution."""
    if len(children) > 1 and isinstance(children[-1], Element) and children[-1].tag == "p":
        last = children[-1]
        if plain_text(last.children).startswith(("—", "–", "―")):
            marked = Element("p", (*last.attrs, ("class", "attribution")), last.children, last.line)
            return (*children[:-1], marked)
    return children


def read_markdown(source: str, article_id: str, language: str, line_offset: int = 0) -> ParsedText:
    # mdit-py-plugins' container rule reads past the end of a text whose last line is a bare quote
    # marker after a table ("> | a |" … ">" with no line break): a final line break is the same text.
    if not source.endswith("\n"):
        source += "\n"
    return Reader(source, article_id, language, line_offset).read(source)

# Display fields ---------------------------------------------------------------------------------
# Display strings of the front matter and publication.toml, set as the body text is.
#
# Titles, subtitles, standfirsts, bylines and descriptions are plain strings, not Markdown, so the
# Markdown reader's typographer never sees them: without this, "the board's review" kept its
# typewriter apostrophe on the title page, the headline, the contents and the running heads while the
# body beside it had ’. Each field is set once, where it enters the model, by the language it is in:
# quotation marks of that language (markdown-it's smart quotes and replacements, nothing else of
# Markdown: an asterisk stays an asterisk), numbers bound to their units and ranges bound at their
# dash (model/typography.py).


@cache
def _typographer(language: str) -> MarkdownIt:
    """Only the typographer's rules: the "zero" preset reads every other character as text."""
    md = MarkdownIt("zero", {"typographer": True, "quotes": list(quotes_for(language))})
    return md.enable(["replacements", "smartquotes"])


def typeset(text: str, language: str) -> str:
    """A display string as set: typographic quotes of `language`, units and ranges bound."""
    if not text:
        return text
    tokens = _typographer(language.lower()).parseInline(text)
    children = tokens[0].children if tokens and tokens[0].children else []
    text = "".join(child.content for child in children) or text
    return bind_ranges(bind_units(text))


def typeset_metadata(metadata: Metadata) -> Metadata:
    """The publication's title, subtitle and description, and its title's translations, each in its language."""
    lang = metadata.language
    translations = tuple(replace(t, title=typeset(t.title, t.lang), subtitle=typeset(t.subtitle, t.lang),
                                 standfirst=typeset(t.standfirst, t.lang)) for t in metadata.translations)
    return replace(metadata, title=typeset(metadata.title, lang), subtitle=typeset(metadata.subtitle, lang),
                   description=typeset(metadata.description, lang), translations=translations)


def typeset_article(article: Article, language: str, title_given: bool) -> Article:
    """A text's headline fields from its front matter, each in its own language (subtitle_lang,
    standfirst_lang) or the text's; a title taken from its "# Heading" is set already."""
    return replace(article, title=typeset(article.title, language) if title_given else article.title,
                   subtitle=typeset(article.subtitle, article.subtitle_language or language),
                   standfirst=typeset(article.standfirst, article.standfirst_language or language),
                   byline=typeset(article.byline, language))

