"""The editions a publication comes out as: their identifiers, labels and the files a build writes.

Why one place: every stage that names an output file or an edition's identifier asks here, so the
PDF's XMP, the imprint, the OPF and the build record can never disagree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from publish.model.document import Metadata


@dataclass(frozen=True)
class Edition:
    """One edition as a catalogue sees it: its own identifier, carrier and file."""

    key: str  # print | epub | archive
    label: str
    identifier: str  # urn:isbn:… or urn:uuid:…
    media_type: str
    file_name: str
    pages: int | None = None
    size: int | None = None

    @property
    def isbn(self) -> str | None:
        return self.identifier.removeprefix("urn:isbn:") if self.identifier.startswith("urn:isbn:") else None

    @property
    def electronic(self) -> bool:
        return self.key != "print"


def _derived(meta: Metadata, edition: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, meta.identifier + '#' + edition)}"


def edition_identifier(meta: Metadata, key: str) -> str:
    """The edition's ISBN when the manuscript gives one; else an identifier derived from the publication's.

    The EPUB carries the publication identifier itself (it is its dc:identifier), the print and
    archival files identifiers derived from it, so rebuilding never invents new ones.
    """
    if key == "print":
        return meta.print.isbn or _derived(meta, "print-pdf")
    if key == "epub":
        return meta.epub.isbn or meta.identifier
    if key == "archive":
        return _derived(meta, "archive-pdf")
    raise ValueError(f"unknown edition {key!r}")


def hyphenated(isbn: str) -> str:
    """An ISBN as printed: hyphens between its elements (prefix, group, registrant, publication, check).

    Where the hyphens go depends on the ranges the International ISBN Agency assigns (its RangeMessage);
    python-stdnum carries them, so a build needs no network. An ISBN outside every known range is
    printed as given.
    """
    from stdnum import isbn as isbn_numbers  # its range tables: only when an ISBN is printed, not on a cache hit

    try:
        return isbn_numbers.format(isbn)
    except (ValueError, isbn_numbers.InvalidFormat, isbn_numbers.InvalidChecksum, isbn_numbers.InvalidComponent):
        return isbn


_QUALIFIERS = {"print": "print edition", "epub": "e-book edition", "archive": "archival edition"}


def imprint_identifiers(meta: Metadata, key: str) -> tuple[str, ...]:
    """The identifier lines of an edition's imprint: its own identifier, then the publication's ISBN.

    The edition's own identifier is the one its file carries (XMP, OPF) and its catalogue records
    name; the publication's ISBN follows as "ISBN … (publication)" when it is another number.
    """
    own = edition_identifier(meta, key)
    lines = []
    if own.startswith("urn:isbn:"):
        qualifier = f" ({_QUALIFIERS[key]})" if own != meta.identifier else ""
        lines.append(f"ISBN {hyphenated(own.removeprefix('urn:isbn:'))}{qualifier}")
    else:
        lines.append(own)
    if meta.isbn and own != meta.identifier:
        lines.append(f"ISBN {hyphenated(meta.isbn)} (publication)")
    return tuple(lines)


BUILD_NAMES = {"pdf": "print", "epub": "epub", "archive": "archive"}  # a build's edition name → its key here


LABELS = {"print": ("Print edition", "application/pdf"),
          "epub": ("E-book edition (EPUB 3)", "application/epub+zip"),
          "archive": ("Archival edition (PDF/A-3)", "application/pdf")}


def make_edition(meta: Metadata, key: str, file_name: str, pages: int | None = None,
                 size: int | None = None) -> Edition:
    label, media_type = LABELS[key]
    return Edition(key, label, edition_identifier(meta, key), media_type, file_name, pages, size)


@dataclass(frozen=True)
class OutputFiles:
    """The files a build of one publication writes into its output folder, by what they are."""

    folder: Path
    slug: str

    @property
    def pdf(self) -> Path:
        return self.folder / f"{self.slug}.pdf"

    @property
    def epub(self) -> Path:
        return self.folder / f"{self.slug}.epub"

    @property
    def archive(self) -> Path:
        return self.folder / f"{self.slug}.archive.pdf"

    @property
    def report(self) -> Path:
        return self.folder / f"{self.slug}.report.html"

    @property
    def record(self) -> Path:
        return self.folder / f"{self.slug}.build.json"

    @property
    def deposit(self) -> Path:
        return self.folder / f"{self.slug}-deposit"

    @property
    def print_html(self) -> Path:
        """--keep-html: the HTML laid out for print, and its cascade beside it."""
        return self.folder / f"{self.slug}.print.html"

    @property
    def print_css(self) -> Path:
        return self.folder / f"{self.slug}.print.css"

    def edition(self, name: str) -> Path:
        """The file of an edition by its build name: pdf, epub or archive."""
        return {"pdf": self.pdf, "epub": self.epub, "archive": self.archive}[name]

    def existing(self) -> dict[str, Path]:
        """The print PDF and EPUB already in the folder, by edition name."""
        return {name: path for name in ("pdf", "epub") if (path := self.edition(name)).is_file()}
