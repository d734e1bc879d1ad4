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
    print: PrintSettings = field(default_factory=PrintSettings)
    epub: EpubSettings = field(default_factory=EpubSettings)
    translations: tuple[Translation, ...] = ()

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
    placement: str  # inline | wide | opener
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


Node = Text | Element | Figure | Aside | NoteRef


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
    blocks: tuple[Node, ...] = ()
    footnotes: tuple[Footnote, ...] = ()
    headings: tuple[Heading, ...] = ()

    @property
    def lead(self) -> Figure | None:
        """A photo standing first in the text leads it: templates set it above the headline."""
        first = self.blocks[0] if self.blocks else None
        return first if isinstance(first, Figure) else None


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
    def slug(self) -> str:
        from publish.model.text import slugify

        return slugify(self.metadata.title) or "publication"

    @property
    def credits(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Photo credits gathered from the captions, for the imprint page."""
        seen: dict[str, list[str]] = {}
        for photo in self.photos:
            if photo.credit:
                seen.setdefault(photo.credit, []).append(photo.name)
        return tuple((credit, tuple(names)) for credit, names in seen.items())
