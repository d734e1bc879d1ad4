"""Shared HTML rendering: model nodes and Jinja templates from styles/ become (X)HTML for every edition."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace

from icu4py.breakers import CharacterBreaker
from jinja2 import select_autoescape
from markupsafe import Markup, escape

from publish.manuscript import templates as templating
from publish.manuscript.markdown import plain_text
from publish.model.document import Article, Aside, Element, Figure, Footnote, Node, NoteRef, Photo, Publication, Text
from publish.model.text import direction
from publish.render.styles import Styles
from publish.render.tables import table_class

VOID = {"br", "hr", "img"}
INLINE = {"a", "abbr", "b", "br", "cite", "code", "em", "i", "q", "s", "small", "span", "strong", "sub", "sup"}


def block_with_id(article: Article, index: int, block: Node) -> Node:
    """Top-level blocks get the same id in every edition, so the EPUB can find where a print page starts."""
    if isinstance(block, Element) and not block.attr("id"):
        return replace(block, attrs=(*block.attrs, ("id", f"{article.id}-b{index}")))
    return block


_INITIAL = re.compile(r"^[\"'“‘«(\[]*\w")
# Arabic, Syriac, N'Ko, Mandaic (U+0600–08FF and the Arabic presentation forms), Mongolian, Hanifi
# Rohingya, Adlam: letters join their neighbours, so a letter set apart would break its word's shape.
_JOINING = ((0x0600, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF), (0x1800, 0x18AF), (0x10D00, 0x10D3F),
            (0x1E900, 0x1E95F))
# Khmer, Thai, Lao, Myanmar: a letter carries stacked marks above and subscripts below, so a cluster
# set three lines deep reaches into the lines around it (and these scripts do not set drop caps).
_STACKING = ((0x1780, 0x17FF), (0x19E0, 0x19FF), (0x0E00, 0x0EFF), (0x1000, 0x109F), (0xA9E0, 0xA9FF),
             (0xAA60, 0xAA7F))


def with_initial(block: Node) -> Node:
    """The opening paragraph's first letter in <span class="initial">, for print.css's drop cap.

    WeasyPrint cannot float ::first-letter (it fails an assertion), but it floats a span. The letter
    is a whole grapheme cluster (हि, क्षे, not a consonant without its vowel sign); text in a script
    whose letters join gets no drop cap.
    """
    if not (isinstance(block, Element) and block.tag == "p" and block.children
            and isinstance(block.children[0], Text)):
        return block
    text = block.children[0].text
    match = _INITIAL.match(text)
    if not match or any(low <= ord(match.group(0)[-1]) <= high for low, high in (*_JOINING, *_STACKING)):
        return block
    start = match.end() - 1
    end = start + len(next(iter(CharacterBreaker(text[start:start + 32], "en"))))
    initial = Element("span", (("class", "initial"),), (Text(text[:end]),))
    return replace(block, children=(initial, Text(text[end:]), *block.children[1:]))


# The drop cap stands beside three lines: a paragraph that cannot fill two (about a line of the widest
# measure: 45em, some 90 letters or 45 Chinese characters) is too short to carry it, as are the kicker,
# dateline or any other paragraph the author gave a class of its own.
INITIAL_MIN_EM = 45.0
INITIAL_SEARCH = 6  # blocks looked through for the opening paragraph: the initial opens the text


def place_initial(blocks: list[Node]) -> list[Node]:
    """The blocks, with the drop cap on the text's opening paragraph: the first plain paragraph long
    enough to carry it, after any kicker, dateline, heading or photo. None if there is none near the top."""
    for index, block in enumerate(blocks[:INITIAL_SEARCH]):
        if not (isinstance(block, Element) and block.tag == "p") or block.attr("class"):
            continue
        if _ems(plain_text(block.children)) < INITIAL_MIN_EM:
            continue
        marked = with_initial(block)
        if marked is not block:
            marked = replace(marked, attrs=(*marked.attrs, ("class", "opening")))
        return [*blocks[:index], marked, *blocks[index + 1:]]
    return blocks


def _ems(text: str) -> float:
    """About how wide a text sets: wide (East Asian) characters an em, others half of one."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)


def dir_attr(language: str, within: str = "") -> Markup:
    """` dir="rtl"` (or "ltr") where text in `language` runs the other way than its surroundings."""
    if not language:
        return Markup("")
    own = direction(language)
    return Markup(f' dir="{own}"') if own != (direction(within) if within else "ltr") else Markup("")


class Renderer:
    """Renders one publication for one edition ('print' or 'epub') through the shared templates."""

    def __init__(self, publication: Publication, styles: Styles, edition: str,
                 image_src: Callable[[Photo], str]):
        self.publication = publication
        self.edition = edition
        meta = publication.metadata
        # Any block of the publication set right to left: then every language-tagged element says its
        # direction, so a left-to-right phrase in right-to-left text (or the reverse) is laid out as such.
        self._bidi = "rtl" in {direction(lang) for lang in (meta.language, *(a.language for a in publication.articles),
                                                             *(t.lang for t in meta.translations)) if lang}
        self.styles = styles
        self.env = templating.environment(  # sandboxed: a manuscript's own templates are not trusted
            styles,
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.globals.update(
            publication=publication,
            meta=publication.metadata,
            edition=edition,
            body=self.body,
            inline=self.inline,
            href=self.href,
            image_src=image_src,
            direction=direction,
            dir_attr=dir_attr,
        )
        with templating.diagnosed(styles):
            self.components = self.env.get_template("components.html").module
        self.link_targets: dict[str, str] = {}
        self._notes: dict[str, Footnote] = {}

    def render(self, template: str, **context: object) -> str:
        """The template's output; a mistake in a manuscript's template is a ManuscriptError at its line."""
        with templating.diagnosed(self.styles):
            return self.env.get_template(template).render(**context)

    def href(self, anchor: str) -> str:
        """Where an #anchor lives in this edition: same document in print, its chapter file in EPUB."""
        target = self.link_targets.get(anchor)
        return f"{target}#{anchor}" if target else f"#{anchor}"

    def body(self, article: Article) -> Markup:
        """The text's blocks, less the lead photo, which the article template places itself."""
        self._notes = {note.note_id: note for note in article.footnotes}
        blocks = [block_with_id(article, index, block) for index, block in enumerate(article.blocks)]
        blocks = blocks[1:] if article.lead else blocks
        if blocks and self.edition == "print":
            blocks = place_initial(blocks)
        return Markup("").join(self.node(n) for n in blocks)

    def inline(self, nodes: tuple[Node, ...]) -> Markup:
        return Markup("").join(self.node(n) for n in nodes)

    def node(self, node: Node) -> Markup:
        if isinstance(node, Text):
            return escape(node.text)
        if isinstance(node, Element):
            attrs = list(node.attrs)
            if node.tag == "a" and attrs and attrs[0][1].startswith("#"):
                attrs[0] = ("href", self.href(attrs[0][1][1:]))
            rendered = "".join(f' {name}="{escape(value)}"' for name, value in attrs)
            if any(name == "lang" for name, _ in attrs) and self.edition == "epub":  # XHTML wants both
                lang = dict(attrs)["lang"]
                rendered += f' xml:lang="{escape(lang)}"'
            lang = node.attr("lang")
            if lang and not node.attr("dir") and (self._bidi or direction(lang) == "rtl"):
                rendered += f' dir="{direction(lang)}"'
            start = node.attr("start") if node.tag == "ol" else None
            if start and start.isdigit() and self.edition == "print":  # WeasyPrint ignores start=
                rendered += f' style="counter-reset: list-item {int(start) - 1}"'
            if node.tag in VOID:
                return Markup(f"<{node.tag}{rendered}/>")
            inner = Markup("").join(self.node(c) for c in node.children)
            element = Markup(f"<{node.tag}{rendered}>") + inner + Markup(f"</{node.tag}>")
            if node.tag == "table" and (width := table_class(node)):  # room for a wide table (render/tables.py)
                return Markup(f'<div class="{width}">') + element + Markup("</div>")
            return element
        if isinstance(node, Figure):
            return Markup(self.components.figure(node))
        if isinstance(node, Aside):
            content = Markup("").join(self.node(c) for c in node.children)
            return Markup(self.components.aside(node, content))
        if isinstance(node, NoteRef):
            note = self._notes.get(node.note_id)
            content = self._note_inline(note) if note else Markup("")
            return Markup(self.components.noteref(node, content))
        raise TypeError(f"cannot render {type(node).__name__}")

    def _note_inline(self, note: Footnote) -> Markup:
        """A footnote's paragraphs run together, for print's footnote area at the foot of the page."""
        parts = []
        for child in note.children:
            if isinstance(child, Element) and child.tag == "p":
                parts.append(self.inline(child.children))
            else:
                parts.append(self._as_spans(child))
        return Markup(" ").join(parts)

    def _as_spans(self, node: Node) -> Markup:
        """A list, quote or code block in a note, as spans (class note-ul, note-li…): the note sits in
        a paragraph, where a <ul> would end the paragraph and spill the list into the text."""
        if isinstance(node, Element) and node.tag not in INLINE:
            inner = Markup("").join(self._as_spans(c) for c in node.children)
            return Markup(f'<span class="note-{node.tag}">') + inner + Markup("</span>")
        return self.node(node)
