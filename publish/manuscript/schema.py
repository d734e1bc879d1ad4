"""The metadata file's schema, declared once: every key, its type, and how it is checked."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publish.manuscript.tomlfile import KeyPath, TomlDocument
from publish.model.diagnostics import Diagnostics, closest, did_you_mean
from publish.model.document import (
    LAYOUTS,
    MARC_RELATORS,
    BookSettings,
    Contributor,
    EpubSettings,
    Metadata,
    PrintSettings,
    Translation,
)
from publish.model.structure import KINDS, normalised_kind

METADATA_FILE = "publication.toml"


class Invalid(ValueError):
    """A value that does not fit its key; the message says why and the hint how to fix it."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Key:
    name: str
    check: Callable[[Any], Any]
    required: bool = False
    doc: str = ""


# Value checkers ---------------------------------------------------------------


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"expected a string, got {_kind(value)}", 'write it in quotes: key = "…"')
    return value.strip()


def nonempty_text(value: Any) -> str:
    value = text(value)
    if not value:
        raise Invalid("must not be empty")
    return value


def text_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(f"expected a list of strings, got {_kind(value)}", 'e.g. ["one", "two"]')
    return tuple(v.strip() for v in value)


def text_files(value: Any) -> tuple[str, ...]:
    """An empty reading order would build nothing, and blame the photos no text uses."""
    files = text_list(value)
    if not files:
        raise Invalid("the list is empty", 'name the texts in reading order, e.g. ["feature.md"], '
                      "or leave the key out to take every .md file")
    return files


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, got {_kind(value)}")
    return value


def integer(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected a whole number, got {_kind(value)}")
        if not low <= value <= high:
            raise Invalid(f"must be between {low} and {high}, got {value}")
        return value

    return check


def one_of(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        value = text(value).lower()
        if value not in choices:
            raise Invalid(f"'{value}' is not one of: {', '.join(choices)}", did_you_mean(value, choices))
        return value

    return check


FOCUS_KEYWORDS = {"center": "50% 50%", "top": "50% 0%", "bottom": "50% 100%", "left": "0% 50%",
                  "right": "100% 50%"}
_FOCUS = re.compile(r"^(\d{1,3}(?:\.\d+)?)%\s+(\d{1,3}(?:\.\d+)?)%$")


def focus(value: Any) -> str:
    """What a cropped photo keeps, as the CSS object-position it becomes: "top", "left"… or "30% 20%"."""
    value = nonempty_text(value).strip().lower()
    if value in FOCUS_KEYWORDS:
        return FOCUS_KEYWORDS[value]
    match = _FOCUS.match(value)
    if not match or any(float(part) > 100 for part in match.groups()):
        close = difflib.get_close_matches(value, list(FOCUS_KEYWORDS), n=1, cutoff=0.6)
        raise Invalid(f"'{value}' is not a focus", f"did you mean '{close[0]}'?" if close else
                      '"center", "top", "bottom", "left", "right", or two percentages across and down, '
                      'e.g. "30% 20%"')
    return f"{float(match.group(1)):g}% {float(match.group(2)):g}%"


_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def kind(value: Any) -> str:
    """A text's kind (model/structure.py), as an author may spell it: "About the author" is about-the-author."""
    name = normalised_kind(nonempty_text(value))
    if name not in KINDS:
        raise Invalid(f"'{value}' is not a kind of text", did_you_mean(name, tuple(KINDS))
                      or "one of: " + ", ".join(KINDS))
    return name


def language(value: Any) -> str:
    value = nonempty_text(value)
    if not _LANGUAGE.match(value):
        raise Invalid(f"'{value}' is not a BCP 47 language tag", 'e.g. "en", "en-GB", "km", "ja"')
    return value


_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def date(value: Any) -> str:
    """A publication date; a year or year-month is allowed because many sources give no day."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return str(value)
    if not isinstance(value, str):
        raise Invalid(f"expected a date, got {_kind(value)}",
                      "write 2018-05-14, or \"2018\" when only the year is known")
    match = _PARTIAL_DATE.match(value.strip())
    if not match:
        raise Invalid(f"'{value}' is not a date", "write YYYY-MM-DD, YYYY-MM or YYYY, e.g. 2018-05-14")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError as exc:
        raise Invalid(f"'{value}' is not a real date: {exc}", "check the month and day") from None
    return value.strip()


def isbn_checksum_ok(digits: str) -> bool:
    if len(digits) == 13 and digits.isdigit():
        total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
        return (10 - total % 10) % 10 == int(digits[12])
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] in "Xx"):
        total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
        check = 10 if digits[9] in "Xx" else int(digits[9])
        return (total + check) % 11 == 0
    return False


def identifier(value: Any) -> str:
    value = nonempty_text(value)
    lowered = value.lower()
    candidate = lowered.removeprefix("urn:isbn:").removeprefix("isbn:").removeprefix("isbn").strip()
    digits = re.sub(r"[\s-]", "", candidate)
    if re.fullmatch(r"[0-9]{9}[0-9xX]|[0-9]{13}", digits):
        if not isbn_checksum_ok(digits):
            raise Invalid(f"ISBN {value} has a wrong check digit",
                          "check the ISBN against the agency's record; a typo changes the last digit")
        return "urn:isbn:" + digits.upper()
    if lowered.startswith("urn:isbn:") or lowered.startswith("isbn"):
        raise Invalid(f"'{value}' is not an ISBN (10 or 13 digits)", "an ISBN-13 looks like 978-1-23456-789-7")
    if re.fullmatch(r"urn:[a-z0-9][a-z0-9-]{0,31}:\S+", lowered):
        return value
    raise Invalid(f"'{value}' is neither an ISBN nor a URN",
                  'give an ISBN ("978-…") or a URN ("urn:uuid:…"), or leave the key out to derive one')


_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt)?\s*$")
_UNITS_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}


def length_mm(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    match = _LENGTH.match(str(value)) if isinstance(value, str) else None
    if not match:
        raise Invalid(f"'{value}' is not a length", 'write e.g. "3mm", "0.125in" or a number of millimetres')
    return float(match.group(1)) * _UNITS_MM[match.group(2) or "mm"]


TRIM_PRESETS: dict[str, tuple[float, float]] = {
    "a4": (210, 297),
    "a5": (148, 210),
    "b5": (176, 250),
    "letter": (215.9, 279.4),
    "us-letter": (215.9, 279.4),
    "6x9": (152.4, 228.6),
    "royal": (156, 234),
    "magazine": (230, 300),
}


TRIM_RANGE_MM = (25, 1500)  # a business card to a large poster
MAX_BLEED_MM = 25


def trim(value: Any) -> tuple[str, float, float]:
    value = nonempty_text(value)
    preset = TRIM_PRESETS.get(value.lower().replace(" ", ""))
    if preset:
        return (value, *preset)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[x×]\s*(\d+(?:\.\d+)?)\s*(mm|cm|in)\s*", value)
    if not match:
        raise Invalid(f"'{value}' is not a trim size",
                      "use a preset (" + ", ".join(TRIM_PRESETS) + ') or "WIDTHxHEIGHT mm|in"')
    factor = _UNITS_MM[match.group(3)]
    width, height = float(match.group(1)) * factor, float(match.group(2)) * factor
    if not all(TRIM_RANGE_MM[0] <= side <= TRIM_RANGE_MM[1] for side in (width, height)):
        raise Invalid(f"a page of {width:g} × {height:g} mm cannot be printed",
                      f"each side must be between {TRIM_RANGE_MM[0]} and {TRIM_RANGE_MM[1]} mm")
    return (value, width, height)


def bleed_length(value: Any) -> float:
    """A bleed; beyond a few millimetres it is a typo (a page laid out around a sheet of bleed)."""
    mm = length_mm(value)
    if not 0 <= mm <= MAX_BLEED_MM:
        raise Invalid(f"a bleed of {mm:g} mm is not between 0 and {MAX_BLEED_MM} mm",
                      'printers usually ask for "3mm" or "0.125in"')
    return mm


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


# The schema -------------------------------------------------------------------

TOP = (
    Key("title", nonempty_text, True, "The publication's title."),
    Key("subtitle", text, doc="Its subtitle."),
    Key("language", language, True, "BCP 47 tag of the main language."),
    Key("date", date, True, "Publication date: YYYY-MM-DD, YYYY-MM or YYYY."),
    Key("identifier", identifier, doc="ISBN (checked) or URN; derived from the title when absent."),
    Key("publisher", text, doc="Publisher's name."),
    Key("rights", text, doc="Copyright and licence statement."),
    Key("description", text, doc="A sentence or two for catalogues and reading systems."),
    Key("subjects", text_list, doc="Subject keywords."),
    Key("source", text, doc="Where the text was first published (URL or citation)."),
    Key("edition", text, doc="Edition statement, e.g. \"First edition\"."),
    Key("cover", nonempty_text, doc="Cover image, relative to the manuscript folder."),
    Key("texts", text_files, doc="The text files in reading order; by file name when absent."),
    Key("layout", one_of(*LAYOUTS),
        doc='"feature" (default: text in columns, photos in it) or "photo-essay" (a page per photo, short text).'),
    Key("contributors", lambda v: v, doc="[[contributors]] tables with name and role."),
    Key("print", lambda v: v, doc="[print] table: settings of the print edition."),
    Key("epub", lambda v: v, doc="[epub] table: settings of the e-book edition."),
    Key("translations", lambda v: v, doc="[[translations]] tables: the title in other languages."),
    Key("book", lambda v: v, doc="[book] table: how the book's structure is shown."),
)
BOOK = (
    Key("numbering", boolean,
        doc='Number the chapters ("Chapter 1"…) and parts ("Part One"…), in the book\'s language.'),
)
TRANSLATION = (
    Key("lang", language, True, "BCP 47 tag of the translation, e.g. \"km\" or \"ja\"."),
    Key("title", nonempty_text, True, "The title in that language."),
    Key("subtitle", text, doc="The subtitle in that language."),
    Key("standfirst", text, doc="A one-sentence summary in that language, for the title page."),
)
CONTRIBUTOR = (
    Key("name", nonempty_text, True, "The person's or organisation's name."),
    Key("role", one_of(*MARC_RELATORS), True, "author, editor, photographer, translator…"),
)
PRINT = (
    Key("trim", trim, doc="Preset (A4, A5, B5, letter, 6x9, royal, magazine) or \"WxH mm\"."),
    Key("bleed", bleed_length, doc="Bleed beyond the trim, default 3mm."),
    Key("marks", boolean, doc="Crop and registration marks, in registration colour outside the bleed."),
    Key("standard", one_of("pdf/x-4", "pdf/x-1a"), doc="PDF/X flavour: pdf/x-4 (default) or pdf/x-1a."),
    Key("output_profile", nonempty_text,
        doc="CMYK printing condition: FOGRA39 (default), GRACoL, SNAP, or the printer's .icc in the manuscript."),
    Key("isbn", identifier, doc="The print edition's own ISBN, for its catalogue records (ONIX, MARC)."),
)
EPUB = (
    Key("max_image_px", integer(320, 8000), doc="Long edge of photos derived for screens."),
    Key("jpeg_quality", integer(30, 100), doc="JPEG quality of photos derived for screens."),
    Key("isbn", identifier, doc="The e-book edition's own ISBN, for its catalogue records (ONIX, MARC)."),
)


def check_table(doc: TomlDocument, path: KeyPath, table: Any, keys: tuple[Key, ...],
                where: Path, diags: Diagnostics) -> dict[str, Any]:
    """Checks one table against its keys; every problem is recorded, valid values returned."""
    if not isinstance(table, dict):
        diags.error(where, doc.line_of(path), f"'{'.'.join(map(str, path))}' must be a table")
        return {}
    known = {k.name: k for k in keys}
    values: dict[str, Any] = {}
    for name, value in table.items():
        key_path = (*path, name)
        dotted = _dotted(key_path)
        if name not in known:
            meant = closest(name, tuple(known))
            line, column = doc.position(key_path)
            diags.error(where, line, f"unknown key '{dotted}'", did_you_mean(name, tuple(known)), column,
                        subjects=(key_subject(diags, where, (*path, meant)),) if meant else ())
            continue
        try:
            values[name] = known[name].check(value)
        except Invalid as exc:
            line, column = doc.position(key_path, value=True)
            diags.error(where, line, f"{dotted}: {exc}", exc.hint, column)
    for key in keys:
        if key.required and key.name not in table:
            label = _dotted((*path, key.name))
            # A missing key has no line of its own: that of its table, or none for the file's top level.
            line, column = doc.position(path) if path else (None, None)
            diags.error(where, line, f"missing required key '{label}'", key.doc, column,
                        causes=(key_subject(diags, where, (*path, key.name)),))  # a mistyped name said it
    return values


def _dotted(path: KeyPath) -> str:
    return ".".join(str(p) for p in path if not isinstance(p, int))


def key_subject(diags: Diagnostics, where: Path, path: KeyPath) -> str:
    """What an unknown key close to a known one stands for, and a missing key follows from (diagnostics.py)."""
    return f"key {diags.display_path(where)}:{'.'.join(str(p) for p in path)}"


def derived_identifier(title: str, authors: tuple[str, ...], date: str) -> str:
    """A stable URN for a manuscript without one: same title, authors and date, same URN."""
    seed = "\n".join([title, *authors, date])
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'publish:' + seed)}"


def read_contributors(doc: TomlDocument, where: Path, diags: Diagnostics) -> tuple[Contributor, ...]:
    """[[contributors]] tables, in publication.toml or in a text's front matter."""
    contributors: list[Contributor] = []
    raw_contributors = doc.data.get("contributors", [])
    if not isinstance(raw_contributors, list):
        diags.error(where, doc.line_of(("contributors",)), "contributors must be written as [[contributors]] tables",
                    '[[contributors]] on a line of its own, then name = "…" and role = "…"')
        raw_contributors = []
    for index, entry in enumerate(raw_contributors):
        values = check_table(doc, ("contributors", index), entry, CONTRIBUTOR, where, diags)
        if "name" in values and "role" in values:
            contributors.append(Contributor(values["name"], values["role"]))
    return tuple(contributors)


def read_metadata(doc: TomlDocument, where: Path, diags: Diagnostics) -> Metadata | None:
    top = check_table(doc, (), doc.data, TOP, where, diags)
    contributors = read_contributors(doc, where, diags)

    translations: list[Translation] = []
    raw_translations = doc.data.get("translations", [])
    if not isinstance(raw_translations, list):
        diags.error(where, doc.line_of(("translations",)),
                    "translations must be written as [[translations]] tables")
        raw_translations = []
    for index, entry in enumerate(raw_translations):
        values = check_table(doc, ("translations", index), entry, TRANSLATION, where, diags)
        if "lang" in values and "title" in values:
            translations.append(Translation(**values))

    print_values = check_table(doc, ("print",), doc.data.get("print", {}), PRINT, where, diags)
    epub_values = check_table(doc, ("epub",), doc.data.get("epub", {}), EPUB, where, diags)
    book_values = check_table(doc, ("book",), doc.data.get("book", {}), BOOK, where, diags)
    if not all(k in top for k in ("title", "language", "date")):
        return None

    settings = PrintSettings()
    if "trim" in print_values:
        name, width, height = print_values.pop("trim")
        settings = PrintSettings(trim=name, width_mm=width, height_mm=height)
    if "bleed" in print_values:
        print_values["bleed_mm"] = print_values.pop("bleed")
    settings = PrintSettings(**{**settings.__dict__, **print_values})

    authors = tuple(c.name for c in contributors if c.role == "author")
    cover = top.get("cover")
    return Metadata(
        title=top["title"],
        subtitle=top.get("subtitle", ""),
        language=top["language"],
        date=top["date"],
        identifier=top.get("identifier") or derived_identifier(top["title"], authors, top["date"]),
        contributors=tuple(contributors),
        publisher=top.get("publisher", ""),
        rights=top.get("rights", ""),
        description=top.get("description", ""),
        subjects=top.get("subjects", ()),
        source=top.get("source", ""),
        edition=top.get("edition", ""),
        cover=Path(cover) if cover else None,
        layout=top.get("layout", "feature"),
        print=settings,
        epub=EpubSettings(**epub_values),
        translations=tuple(translations),
        book=BookSettings(**book_values),
    )
