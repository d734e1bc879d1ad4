"""The document model: plain, frozen objects every edition is rendered from; no Markdown survives here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

EDITIONS = ("pdf", "epub")  # what readers get, and what the preview shows
ALL_EDITIONS = (*EDITIONS, "archive")  # `publish all`: the library's archival PDF too


@dataclass(frozen=True)
class Contributor:
    name: str
    role: str  # MARC relator term: author, editor, photographer, translator, illustrator…

    @property
    def marc_code(self) -> str:
        return MARC_RELATORS.get(self.role, "ctb")


# Ids (and EPUB file names) of the editions' own pages: the cover, title page, contents, imprint and
# page list. A text cannot take one, or its file and anchors would collide with those pages.
RESERVED_IDS = frozenset({"cover", "titlepage", "imprint", "nav", "toc", "landmarks", "page-list",
                          "contents-title"})

MARC_RELATORS = {
    "author": "aut",
    "editor": "edt",
    "photographer": "pht",
    "translator": "trl",
    "illustrator": "ill",
    "designer": "dsr",
    "contributor": "ctb",
    "publisher": "pbl",
}


@dataclass(frozen=True)
class BookSettings:
    """[book] in publication.toml: how the book's structure is shown."""

    numbering: bool = False  # chapters labelled "Chapter 1", "Chapter 2"…, parts "Part One"…


@dataclass(frozen=True)
class PrintSettings:
    trim: str = "A4"
    width_mm: float = 210.0
    height_mm: float = 297.0
    bleed_mm: float = 3.0
    marks: bool = False
    standard: str = "pdf/x-4"
    output_profile: str = "FOGRA39"
    isbn: str = ""  # "urn:isbn:…" of the print edition, when it has its own


@dataclass(frozen=True)
class EpubSettings:
    max_image_px: int = 2048
    jpeg_quality: int = 82
    isbn: str = ""  # "urn:isbn:…" of the e-book edition, when it has its own


@dataclass(frozen=True)
class Translation:
    """The title in another language, for a bilingual or trilingual title page ([[translations]])."""

    lang: str  # BCP 47
    title: str
    subtitle: str = ""
    standfirst: str = ""


@dataclass(frozen=True)
class Metadata:
    title: str
    language: str
    date: str  # ISO 8601, possibly reduced precision: "2018", "2018-05", "2018-05-14"
    identifier: str  # "urn:isbn:…", "urn:uuid:…" or another URN
    subtitle: str = ""
    contributors: tuple[Contributor, ...] = ()
    publisher: str = ""
    rights: str = ""
    description: str = ""
    subjects: tuple[str, ...] = ()
    source: str = ""
    edition: str = ""
    cover: Path | None = None
    layout: str = "feature"  # LAYOUTS
    print: PrintSettings = field(default_factory=PrintSettings)
    epub: EpubSettings = field(default_factory=EpubSettings)
    translations: tuple[Translation, ...] = ()
    book: BookSettings = field(default_factory=BookSettings)

    @property
    def direction(self) -> str:
        """'rtl' when the publication's language is written right to left: its documents and page order."""
        from publish.model.text import direction

        return direction(self.language)

    @property
    def isbn(self) -> str | None:
        if self.identifier.startswith("urn:isbn:"):
            return self.identifier.removeprefix("urn:isbn:")
        return None

    def names(self, role: str) -> tuple[str, ...]:
        return tuple(c.name for c in self.contributors if c.role == role)

    @property
    def authors(self) -> tuple[str, ...]:
        return self.names("author")


@dataclass(frozen=True)
class Photo:
    """A photo and what the photo desk wrote about it in the captions file."""

    name: str  # path relative to the manuscript folder, with forward slashes
    path: Path  # resolved absolute path, checked to lie inside the manuscript
    caption: str
    credit: str
    alt: str
    placement: str  # inline | wide | opener | full-page | spread (PLACEMENTS)
    width_px: int
    height_px: int
    format: str  # JPEG, PNG…
    mode: str  # RGB, L, CMYK, RGBA…
    dpi: float | None
    min_ppi: int = 150
    line: int | None = None  # line of the photo's entry in the captions file
    # The caption as inline nodes (Markdown spans such as [つばさ橋]{lang=ja}); `caption` is its plain text.
    caption_nodes: tuple[Node, ...] = ()
    caption_file: Path | None = None  # the captions file the entry is in
    # The file stands in for the photo (a drawing, until the photo is in): `credit` is whose photo it
    # replaces, and every credit line says so (components.html photo_credit).
    stand_in: bool = False
    focus: str = ""  # what a crop keeps, as a CSS object-position ("50% 0%" for focus = "top"); "" centred
    max_crop: int | None = None  # percent of the image a crop may cut before print warns (None: the default)

    @property
    def orientation(self) -> str:
        """portrait, square, landscape or panorama (wider than 2:1): how layouts place it."""
        ratio = self.width_px / self.height_px if self.height_px else 1.0
        if ratio >= 2:
            return "panorama"
        if ratio > 1.05:
            return "landscape"
        return "square" if ratio >= 0.95 else "portrait"

    @property
    def media_type(self) -> str:
        return {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif",
                "WEBP": "image/webp"}.get(self.format, "application/octet-stream")


# Body nodes -----------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Element:
    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    children: tuple[Node, ...] = ()
    line: int | None = None

    def attr(self, name: str, default: str = "") -> str:
        return dict(self.attrs).get(name, default)


@dataclass(frozen=True)
class Figure:
    photo: Photo
    id: str
    line: int | None = None
    column: int | None = None  # of the photo's path in its text's ![](…), for preflight's findings


@dataclass(frozen=True)
class FigureGroup:
    """Several photos in one figure (::: pair, ::: grid): one caption each, or one they share."""

    kind: str  # pair | grid
    figures: tuple[Figure, ...]
    id: str
    caption: tuple[Node, ...] = ()  # the shared caption, written in the text; () when each has its own
    line: int | None = None

    @property
    def credits(self) -> tuple[tuple[str, bool], ...]:
        """(credit, stand-in) once each, in order: a stand-in is credited as one, never to the
        photographer it replaces."""
        return tuple(dict.fromkeys((f.photo.credit, f.photo.stand_in) for f in self.figures
                                   if f.photo.credit or f.photo.stand_in))


@dataclass(frozen=True)
class Aside:
    kind: str  # pullquote | sidebar
    children: tuple[Node, ...]
    line: int | None = None


@dataclass(frozen=True)
class NoteRef:
    note_id: str
    number: int
    repeat: int = 0  # 0 for the first call of a note, 1… when the same note is cited again

    @property
    def id(self) -> str:
        return f"{self.note_id}-ref" + (f"-{self.repeat}" if self.repeat else "")


@dataclass(frozen=True)
class Footnote:
    note_id: str
    number: int
    children: tuple[Node, ...]


Node = Text | Element | Figure | FigureGroup | Aside | NoteRef

# Where a photo goes, as its captions entry says: in the column, across the page, a full-bleed page
# before the text, a page of its own inside the margins, or across two facing pages.
PLACEMENTS = ("inline", "wide", "opener", "full-page", "spread")
# How a publication's pages are built: a feature (text in columns, photos in it) or a photo essay
# (every photo a page of its own, large; short text between them).
LAYOUTS = ("feature", "photo-essay")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    id: str


@dataclass(frozen=True)
class Article:
    """One text of the manuscript: a chapter of the book, a feature of the magazine."""

    id: str  # unique slug, used for file names and anchors
    source: str  # path relative to the manuscript folder
    title: str
    subtitle: str = ""
    standfirst: str = ""
    byline: str = ""
    language: str = ""
    # The subtitle's and standfirst's language where it is not the text's (an English summary under an
    # Arabic title): "" when they are in the text's language.
    subtitle_language: str = ""
    standfirst_language: str = ""
    blocks: tuple[Node, ...] = ()
    footnotes: tuple[Footnote, ...] = ()
    headings: tuple[Heading, ...] = ()
    # Its place in the book (model/arrangement.py): kind of text, its number ("Chapter 3", "Part
    # Two") when the book numbers them, the id of the part it belongs to, and the people who made it.
    kind: str = "chapter"
    number: int | None = None
    part: str = ""
    contributors: tuple[Contributor, ...] = ()

    @property
    def division(self) -> str:
        """'front', 'body' or 'back' (model/structure.py)."""
        from publish.model.structure import kind_of

        return kind_of(self.kind).division

    def names(self, role: str) -> tuple[str, ...]:
        return tuple(c.name for c in self.contributors if c.role == role)
    writing: str = "horizontal"  # or "vertical": top to bottom, lines right to left (Japanese tategaki)

    @property
    def lead(self) -> Figure | None:
        """A photo standing first in the text leads it: templates set it above the headline.

        Not a spread: its two pages cannot stand above a headline, so it stays in the text."""
        first = self.blocks[0] if self.blocks else None
        return first if isinstance(first, Figure) and first.photo.placement != "spread" else None

    @property
    def figures(self) -> tuple[Figure, ...]:
        """Every photo the text places, those in pairs and grids too, in order."""
        found: list[Figure] = []
        for block in self.blocks:
            if isinstance(block, Figure):
                found.append(block)
            elif isinstance(block, FigureGroup):
                found.extend(block.figures)
        return tuple(found)

    @property
    def anchors(self) -> tuple[str, ...]:
        """Every id a link can point to in this text: the text, its headings, elements, figures and notes."""
        found = [self.id, *(h.id for h in self.headings), *(note.note_id for note in self.footnotes)]
        stack: list[Node] = [*self.blocks, *(child for note in self.footnotes for child in note.children)]
        while stack:
            node = stack.pop()
            if isinstance(node, Element):
                found.extend(v for k, v in node.attrs if k == "id")
                stack.extend(node.children)
            elif isinstance(node, Aside):
                stack.extend(node.children)
            elif isinstance(node, Figure):
                found.append(node.id)
            elif isinstance(node, FigureGroup):
                found.append(node.id)
                found.extend(f.id for f in node.figures)
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class Publication:
    root: Path
    metadata: Metadata
    articles: tuple[Article, ...]
    photos: tuple[Photo, ...]
    # The line of each key of publication.toml, so a problem found later (in layout) points at it.
    metadata_lines: dict[tuple[str | int, ...], int] = field(default_factory=dict, compare=False, repr=False)

    def metadata_line(self, *key: str | int) -> int | None:
        """The line of the key in publication.toml, or of its nearest enclosing table."""
        while key:
            if key in self.metadata_lines:
                return self.metadata_lines[key]
            key = key[:-1]
        return None

    @property
    def before_contents(self) -> tuple[Article, ...]:
        """The texts set before the contents page (dedication, epigraph), laid out with the front matter."""
        from publish.model.structure import kind_of

        return tuple(a for a in self.articles if kind_of(a.kind).before_contents)

    @property
    def after_contents(self) -> tuple[Article, ...]:
        """The texts after the contents page: the rest of the front matter, the body and the back matter."""
        early = {a.id for a in self.before_contents}
        return tuple(a for a in self.articles if a.id not in early)

    @property
    def body_start(self) -> Article | None:
        """The first text of the body (a part or a chapter): page 1, and where a reader starts reading.

        A publication of front and back matter only starts its body after the contents."""
        after = self.after_contents
        return next((a for a in after if a.division == "body"), after[0] if after else None)

    @property
    def slug(self) -> str:
        from publish.model.text import slugify

        return slugify(self.metadata.title) or "publication"

    @property
    def credits(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Photo credits gathered from the captions, for the imprint page (stand-ins: `stand_in_credits`)."""
        seen: dict[str, list[str]] = {}
        for photo in self.photos:
            if photo.credit and not photo.stand_in:
                seen.setdefault(photo.credit, []).append(photo.name)
        return tuple((credit, tuple(names)) for credit, names in seen.items())

    @property
    def stand_in_credits(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Whose photos the stand-ins replace ("" when a stand-in has no credit), with the files."""
        seen: dict[str, list[str]] = {}
        for photo in self.photos:
            if photo.stand_in:
                seen.setdefault(photo.credit, []).append(photo.name)
        return tuple((credit, tuple(names)) for credit, names in seen.items())
