"""Shared HTML rendering: model nodes and Jinja templates from styles/ become (X)HTML for every edition."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace

from icu4py.breakers import CharacterBreaker
from markupsafe import Markup, escape

from publish.manuscript import templates as templating
from publish.manuscript.markdown import plain_text
from publish.model import credits
from publish.model.document import (
    Article,
    Aside,
    Element,
    Figure,
    FigureGroup,
    Footnote,
    Node,
    NoteRef,
    Photo,
    Publication,
    Text,
)
from publish.model.editions import imprint_identifiers
from publish.model.structure import kind_of
from publish.model.text import direction
from publish.model.typography import catalogue_text
from publish.render import photolayout
from publish.render.autolink import addresses
from publish.render.labels import numeral
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


CODE_HANG = 2  # characters a wrapped line of code hangs under the start of its code


def _code_line(line: str) -> Markup:
    """One line of a code block; an indented one says its indent, so its wrapped part hangs under its code."""
    indent = len(line) - len(line.lstrip(" "))
    style = Markup(f' style="padding-inline-start: {indent + CODE_HANG}ch; text-indent: -{indent + CODE_HANG}ch"') \
        if indent and line.strip() else Markup("")
    return Markup(f'<span class="line"{style}>') + escape(line) + Markup("</span>")


# Inline code is never hyphenated: a line may break after these, inside a name or an address
# (open_gate, a.b.c, /a/b), as a compositor breaks them, instead of stretching its justified line.
_CODE_BREAK = re.compile(r"(?<=\w[._/?&=])(?=[^\W\d]|\()")


def _breakable_code(text: str) -> Markup:
    """Inline code with <wbr> where a line may break; no character is added to what is copied."""
    return Markup("<wbr/>").join(escape(part) for part in _CODE_BREAK.split(text))


def with_opening(block: Node) -> Node:
    """The opening paragraph with class "opening", for epub.css's initial on its ::first-letter.

    Browsers set initial-letter on ::first-letter only, so the e-book marks the paragraph where print
    marks the letter, and only where print would set a drop cap (not in a script whose letters join).
    """
    if with_initial(block) is block or not isinstance(block, Element):
        return block
    classes = " ".join(filter(None, (block.attr("class"), "opening")))
    attrs = tuple((name, value) for name, value in block.attrs if name != "class")
    return replace(block, attrs=(*attrs, ("class", classes)))


# The drop cap stands beside three lines: a paragraph that cannot fill two (about a line of the widest
# measure: 45em, some 90 letters or 45 Chinese characters) is too short to carry it, as are the kicker,
# dateline or any other paragraph the author gave a class of its own.
INITIAL_MIN_EM = 45.0
INITIAL_SEARCH = 6  # blocks looked through for the opening paragraph: the initial opens the text


def place_initial(blocks: list[Node], edition: str) -> list[Node]:
    """The blocks, with the drop cap on the text's opening paragraph: the first plain paragraph long
    enough to carry it, after any kicker, dateline, heading or photo; none if there is none near the top.
    Print marks its first letter (with_initial), the e-book the paragraph (with_opening)."""
    for index, block in enumerate(blocks[:INITIAL_SEARCH]):
        if not (isinstance(block, Element) and block.tag == "p") or block.attr("class"):
            continue
        if _ems(plain_text(block.children)) < INITIAL_MIN_EM:
            continue
        marked = with_opening(block)
        if edition == "print" and marked is not block:
            marked = with_initial(marked)
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
    """Renders one publication for one edition ('print' or 'epub') through the shared templates.

    `edition_name` is the edition made, where words name it (the archive is laid out as 'print')."""

    def __init__(self, publication: Publication, styles: Styles, edition: str,
                 image_src: Callable[[Photo], str], edition_name: str | None = None):
        self.publication = publication
        self.edition = edition
        edition_name = edition_name or edition
        meta = publication.metadata
        # Any block of the publication set right to left: then every language-tagged element says its
        # direction, so a left-to-right phrase in right-to-left text (or the reverse) is laid out as such.
        self._bidi = "rtl" in {direction(lang) for lang in (meta.language, *(a.language for a in publication.articles),
                                                             *(t.lang for t in meta.translations)) if lang}
        self.styles = styles
        self.env = templating.environment(styles)  # sandboxed: a manuscript's own templates are not trusted
        self.env.globals.update(
            publication=publication,
            meta=publication.metadata,
            edition=edition,
            edition_name=edition_name,
            # The imprint prints the edition's own identifier, the one its file carries (model/editions.py).
            identifiers=imprint_identifiers(meta, edition_name) if edition_name in ("print", "epub", "archive") else (),
            body=self.body,
            inline=self.inline,
            href=self.href,
            image_src=image_src,
            direction=direction,
            dir_attr=dir_attr,
            lang_attrs=self.lang_attrs,
            body_parts=self.body_parts,
            placement=lambda figure: photolayout.placement(figure, publication.metadata.layout),
            group_rows=photolayout.rows,
            # The book's structure and its people (model/structure.py, model/credits.py, labels.html).
            numeral=numeral,
            kind_of=kind_of,
            people=credits.people(publication),
            creators=credits.creators(publication),
            credit_groups=credits.groups(publication),
            label=self.label,
            heading=self.heading,
            entry=self.entry,
            entry_markup=self.entry_markup,
            byline=self.byline,
        )
        self.env.filters["linked"] = self.linked
        # A running head is one letter-spaced line: a word joiner there only adds a letter space after
        # the dash ("2014– 2023"); the PDF outline is read like metadata. Both take the text without.
        self.env.filters["unjoined"] = catalogue_text
        with templating.diagnosed(styles):
            self.components = self.env.get_template("components.html").module
            self.labels = self.env.get_template("labels.html").module
        self.link_targets: dict[str, str] = {}
        self._in_link = 0  # inside an <a>: addresses in its text are not linked again
        self._notes: dict[str, Footnote] = {}
        self._tables = 0  # tables of the text so far: each frame's name ("Table 2") is its own
        self._language: str | None = None  # the language of the text being rendered, where it sets one

    def words(self, macro: str, *args: object) -> str:
        """A macro of labels.html ("chapter", "edited"…) called from Python; a manuscript's own labels.html
        that fails is a diagnostic at its line, as in a template."""
        with templating.diagnosed(self.styles):
            return str(getattr(self.labels, macro)(*args))

    def lang_attrs(self, language: str, within: str | None = None) -> Markup:
        """` lang="km"` (with xml:lang in the e-book, and dir where it turns) for a piece of a text set
        among words in `within` (the book's language): a title, a byline, a summary shown elsewhere
        keeps its language, so shaping, hyphenation, quotes, fonts and :lang() rules follow it."""
        within = self.publication.metadata.language if within is None else within
        if not language or language == within:
            return Markup("")
        xml = Markup(' xml:lang="{}"').format(language) if self.edition == "epub" else Markup("")
        return Markup(' lang="{}"').format(language) + xml + dir_attr(language, within)

    def entry_markup(self, article: Article) -> Markup:
        """The entry as `entry` words it, its title marked with the text's language (the label, "Chapter 3",
        is in the book's): the e-book's navigation list."""
        attrs = self.lang_attrs(article.language)
        title: str = Markup("<span{}>{}</span>").format(attrs, article.title) if attrs and article.title \
            else article.title
        return Markup(self.words("entry", self.label(article), title, self.publication.metadata.language))

    def label(self, article: Article) -> str:
        """"Chapter 3", "Part One", "第3章": a numbered text's label in the book's language, or ""."""
        if article.number is None:
            return ""
        return self.words("part" if article.kind == "part" else "chapter", article.number,
                          self.publication.metadata.language)

    def heading(self, article: Article) -> str:
        """What names the text where one line must: its title, or its label when it has none (a part)."""
        return article.title or self.label(article)

    def entry(self, article: Article) -> str:
        """The text as the contents, the outline and the e-book's navigation list it: "Chapter 3: The bridge"."""
        return self.words("entry", self.label(article), article.title, self.publication.metadata.language)

    def byline(self, article: Article) -> str:
        """The byline as written in the front matter, or made from the text's authors ("by …")."""
        if article.byline:
            return article.byline
        authors = article.names("author")
        return self.words("byline", authors, article.language or self.publication.metadata.language) \
            if authors else ""

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
        return Markup("").join(self.node(n) for n in self._blocks(article))

    def body_parts(self, article: Article) -> list[photolayout.BodyPart]:
        """The text's blocks as `body` gives them, cut around figures that take pages of their own
        (article.html sets each run of text in its own div.body)."""
        return photolayout.parts(self._blocks(article), self.publication.metadata.layout, self.node)

    def _blocks(self, article: Article) -> list[Node]:
        """The text's blocks with their shared ids, less the lead photo, the opening marked for its initial."""
        self._notes = {note.note_id: note for note in article.footnotes}
        self._tables = 0
        self._language = article.language  # the text's, for what the book's words say inside it
        blocks = [block_with_id(article, index, block) for index, block in enumerate(article.blocks)]
        blocks = blocks[1:] if article.lead else blocks
        if blocks and self.edition in ("print", "epub"):
            blocks = place_initial(blocks, self.edition)
        return blocks

    def inline(self, nodes: tuple[Node, ...]) -> Markup:
        return Markup("").join(self.node(n) for n in nodes)

    def linked(self, text: str) -> Markup:
        """Text with the web and e-mail addresses in it as links (render/autolink.py)."""
        if self._in_link or ("@" not in text and "www." not in text and "://" not in text):
            return escape(text)
        return Markup("").join(escape(run) if href is None else
                               Markup('<a href="{}">{}</a>').format(href, run) for run, href in addresses(text))

    def node(self, node: Node) -> Markup:
        if isinstance(node, Text):
            return self.linked(node.text)
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
            if node.tag == "pre":
                return self._code_block(node, rendered)
            if node.tag == "code" and all(isinstance(c, Text) for c in node.children):
                text = "".join(c.text for c in node.children if isinstance(c, Text))
                return Markup(f"<code{rendered}>") + _breakable_code(text) + Markup("</code>")
            if node.tag == "p" and any(isinstance(c, Element) and c.tag == "code" for c in node.children):
                rendered += ' class="with-code"' if not node.attr("class") else ""
            start = node.attr("start") if node.tag == "ol" else None
            if start and start.isdigit() and self.edition == "print":  # WeasyPrint ignores start=
                rendered += f' style="counter-reset: list-item {int(start) - 1}"'
            if node.tag in VOID:
                return Markup(f"<{node.tag}{rendered}/>")
            self._in_link += node.tag == "a"
            try:
                inner = Markup("").join(self.node(c) for c in node.children)
            finally:
                self._in_link -= node.tag == "a"
            markup = Markup(f"<{node.tag}{rendered}>") + inner + Markup(f"</{node.tag}>")
            if node.tag == "table" and self.edition == "epub":
                return self._table_frame(markup)
            if node.tag == "table" and (width := table_class(node)):  # room for a wide table (render/tables.py)
                return Markup(f'<div class="{width}">') + markup + Markup("</div>")
            return markup
        if isinstance(node, Figure):
            return self._component("figure", node, within=self._language)
        if isinstance(node, FigureGroup):
            return self._component("group", node, within=self._language)
        if isinstance(node, Aside):
            content = Markup("").join(self.node(c) for c in node.children)
            return Markup(self.components.aside(node, content))
        if isinstance(node, NoteRef):
            note = self._notes.get(node.note_id)
            content = self._note_inline(note) if note else Markup("")
            return Markup(self.components.noteref(node, content))
        raise TypeError(f"cannot render {type(node).__name__}")

    def _code_block(self, node: Element, attrs: str) -> Markup:
        """A code block line by line (span.line), so a line too long for the measure wraps with a
        hanging indent under its own start instead of reading as a new line of code."""
        inner = Markup("")
        for child in node.children:
            if isinstance(child, Element) and child.tag == "code" and all(isinstance(c, Text) for c in child.children):
                source = "".join(c.text for c in child.children if isinstance(c, Text)).removesuffix("\n")
                lines = Markup("").join(_code_line(line) for line in source.expandtabs(4).split("\n"))
                inner += Markup("<code>") + lines + Markup("</code>")
            else:
                inner += self.node(child)
        return Markup(f"<pre{attrs}>") + inner + Markup("</pre>")

    def _component(self, name: str, *args: object, **optional: object) -> Markup:
        """A components.html macro; the optional arguments only where the macro takes them, so that a
        manuscript's own components.html from before they were added still renders."""
        macro = getattr(self.components, name)
        taken = getattr(macro, "arguments", ())
        return Markup(macro(*args, **{key: value for key, value in optional.items() if key in taken}))

    def _table_frame(self, table: Markup) -> Markup:
        """A table in a frame that scrolls sideways on a narrow screen (components.html table_frame);
        a manuscript's own components.html without the macro keeps the bare table."""
        frame = getattr(self.components, "table_frame", None)
        if frame is None:
            return table
        self._tables += 1
        return Markup(frame(table, self._tables))

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
