"""`publish new DIR [--kind …]`: a manuscript folder that builds at once and explains itself key by key.

publication.toml is written from the schema (manuscript/schema.py), so every key the builder knows
appears, commented, with its documentation, and a key added to the schema appears here too. Each
kind of publication (a feature, a photo essay, a book, an anthology) is one function in KINDS,
writing its own texts: a new kind is one more entry there, and `--kind` offers it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from publish.manuscript import schema
from publish.manuscript.schema import METADATA_FILE, TOP, Key, derived_identifier

# The command line lists KINDS in its --kind choice: the loader (CAPTION, FRONT_MATTER) and the
# stand-in drawing (Pillow) are imported where they are used, so `publish --help` stays quick.
CAPTIONS_FILE = "captions.toml"  # the loader's name for it, checked by tests/test_photo_layouts.py

TEXT_FILE = "story.md"
PHOTO_FILE = "photos/stand-in.jpg"

# Example values shown for optional keys, commented out: uncommenting one gives a valid manuscript.
EXAMPLES: dict[str, str] = {
    "subtitle": '"A subtitle under the title"',
    "publisher": '"Your publishing house"',
    "rights": '"© {year} The Author. All rights reserved."',
    "description": '"One or two sentences for catalogues and reading systems."',
    "subjects": '["First subject", "Second subject"]',
    "source": '"Where the text first appeared: a citation or a URL"',
    "edition": '"First edition"',
    "cover": '"photos/cover.jpg"',
    "trim": '"A4"',
    "bleed": '"3mm"',
    "marks": "false",
    "standard": '"pdf/x-4"',
    "output_profile": '"FOGRA39"',
    "max_image_px": "2048",
    "jpeg_quality": "82",
    "credit": '"The photographer"',
    "placement": '"wide"',
    "min_ppi": "150",
    "focus": '"center"',
    "max_crop": "20",
    "isbn": '"978-1-56619-909-4"',
    "translations.lang": '"ja"',
    "translations.title": '"The title in Japanese"',
    "translations.subtitle": '"The subtitle in Japanese"',
    "translations.standfirst": '"A one-sentence summary in Japanese"',
    "layout": '"photo-essay"',
    "writing": '"vertical"',
    "numbering": "true",
}


def table_keys(name: str) -> tuple[Key, ...]:
    """The keys of a table of publication.toml, by the schema's naming: [print] → PRINT,
    [[contributors]] → CONTRIBUTOR."""
    for candidate in (name.upper(), name.upper().removesuffix("S")):
        keys = getattr(schema, candidate, None)
        if isinstance(keys, tuple) and all(isinstance(k, Key) for k in keys):
            return keys
    return ()


class ScaffoldError(Exception):
    """The folder cannot be used for a new manuscript; the message says why, the hint what to do."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _comment(key: Key, value: str | None) -> list[str]:
    """The key's documentation as a comment, then the key: set when a value is given, else commented."""
    lines = [f"# {key.doc}" if key.doc else f"# {key.name}"]
    if value is not None:
        return [*lines, f"{key.name} = {value}"]
    return [*lines, f"# {key.name} = {EXAMPLES.get(key.name, '…')}"]


def publication_toml(title: str, language: str, author: str, date: str, text_file: str | tuple[str, ...] = TEXT_FILE,
                     settings: dict[str, str] | None = None, role: str = "author") -> str:
    """`settings`: values set beyond title, language, date and texts, by key ("layout", "print.trim");
    `text_file`: the text, or a book's texts in reading order; `role`: what --author is (an editor…)."""
    year = date[:4]
    identifier = derived_identifier(title, (author,), date)
    texts = (text_file,) if isinstance(text_file, str) else text_file
    listed = ",\n".join(f"  {_toml_string(name)}" for name in texts)
    values = {"title": _toml_string(title), "language": _toml_string(language), "date": _toml_string(date),
              "texts": _toml_string(texts[0]).join("[]") if len(texts) == 1 else f"[\n{listed},\n]",
              **(settings or {})}
    examples = {**EXAMPLES, "rights": EXAMPLES["rights"].format(year=year),
                "identifier": _toml_string(identifier)}
    lines = [
        "# The publication's metadata and the settings of each edition.",
        "# Lines starting with # are comments: remove the # to set a key. Every key the builder",
        "# knows is listed; `publish check` tells you when a value is wrong, and where.",
        "",
    ]
    tables = [key for key in TOP if key.doc.startswith("[")]
    for key in TOP:
        if key not in tables:
            lines += [f"# {key.doc}"]
            value = values.get(key.name)
            example = examples.get(key.name, "…")
            lines += [f"{key.name} = {value}" if value else f"# {key.name} = {example}", ""]
    for table in tables:
        keys = table_keys(table.name)
        array = table.doc.startswith("[[")
        header = f"[[{table.name}]]" if array else f"[{table.name}]"
        lines.append(f"# {table.doc}")
        if table.name == "contributors":  # the author is set; a photographer shown as an example
            lines.append(header)
            set_values = {"name": _toml_string(author), "role": _toml_string(role)}
            for key in keys:
                lines += _comment(key, set_values.get(key.name))
            lines += ["", f"# {header}", '# name = "The Photographer"', '# role = "photographer"', ""]
            continue
        # an array table's entry has required keys, so it stays commented; a plain table may be empty
        lines.append(f"# {header}" if array else header)
        for key in keys:
            example = examples.get(f"{table.name}.{key.name}", examples.get(key.name, "…"))
            value = values.get(f"{table.name}.{key.name}") if not array else None
            lines += [f"# {key.doc}", f"{key.name} = {value}" if value else f"# {key.name} = {example}"]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


STAND_IN_ALT = "A drawn stand-in: a cable-stayed bridge over a wide river under a pale sky, labelled STAND-IN."


def captions_toml(photo_name: str, entries: dict[str, dict[str, str]] | None = None) -> str:
    """One commented table per photo; `entries` (photo → values) when there are several."""
    from publish.manuscript.loader import CAPTION
    entries = entries or {photo_name: {
        "caption": "Replace this stand-in with your photo and this caption with yours.",
        "placement": "wide"}}
    lines = ["# One table per photo in this folder: what the photo desk writes about it.",
             "# Remove the # to set a key."]
    for name, given in entries.items():
        values = {"alt": _toml_string(STAND_IN_ALT),
                  "stand_in": "true",  # credited as a stand-in, never as the photographer's work
                  **{key: _toml_string(value) for key, value in given.items()}}
        lines += ["", f'["{name}"]']
        for key in CAPTION:
            lines += _comment(key, values.get(key.name))
    return "\n".join(lines) + "\n"


def front_matter(fields: dict[str, str], people: tuple[tuple[str, str], ...] = (), comments: bool = True) -> str:
    """A text's +++ block: `fields` set (TOML values), the other keys commented with their documentation
    when `comments`, then a [[contributors]] table per (name, role) of `people`, or one commented."""
    from publish.manuscript.loader import FRONT_MATTER
    front = ["+++"]
    if comments:
        front.append("# The text's own metadata, in TOML. Remove the # to set a key.")
    for key in FRONT_MATTER:
        if key.name == "contributors":
            continue
        value = fields.get(key.name)
        if value:
            front.append(f"{key.name} = {value}")
        elif comments:
            front.append(f"# {key.name} = … ({key.doc})")
    for name, role in people:
        front += ["", "[[contributors]]", f"name = {_toml_string(name)}", f"role = {_toml_string(role)}"]
    if comments and not people:
        front += ["", "# [[contributors]]            # the text's own people, when they are not the publication's",
                  '# name = "The Translator"', '# role = "translator"   # author, translator, photographer, editor…']
    front.append("+++")
    return "\n".join(front)


def story_md(title: str, author: str) -> str:
    front = [front_matter({"title": _toml_string(title), "byline": _toml_string(f"by {author}")})]
    body = f"""
![](photos/stand-in.jpg)

This is the first paragraph of your text. Write in Markdown: *emphasis*, **strong**, and
"quotes" become typographic quotes for the publication's language.[^1]

{{#more}}
## A subheading

Headings start at two hashes, because the title above is the top level. The line {{#more}}
above the heading gives it an id, and a link can point to it: [back to the subheading](#more).

::: pullquote
A pull quote repeats a striking line of the text in large type.

— Its author
:::

Replace the stand-in photo in `photos/` with yours, and describe it in
`photos/{CAPTIONS_FILE}`: the alt text is required, so every reader gets the photo.

[^1]: A footnote: at the foot of the page in print, a linked note in the e-book.
"""
    return "\n".join(front) + "\n" + body


def _write(folder: Path, files: dict[str, str]) -> list[Path]:
    written = []
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def feature(folder: Path, title: str, language: str, author: str, date: str) -> list[Path]:
    """One text with a lead photo, a note, a heading with a link to it and a pull quote."""
    from publish.manuscript.standin import stand_in
    written = _write(folder, {METADATA_FILE: publication_toml(title, language, author, date),
                              TEXT_FILE: story_md(title, author),
                              f"photos/{CAPTIONS_FILE}": captions_toml(Path(PHOTO_FILE).name)})
    written.append(stand_in(folder / PHOTO_FILE, "STAND-IN", f"Replace {PHOTO_FILE} with your photo"))
    return written


ESSAY_FILE = "essay.md"
# The essay's stand-ins: name → (pixels, caption, placement), in the shapes a photo essay mixes, each
# 300 ppi where the square page puts it (the opener and the spread run 3 mm into the bleed).
ESSAY_PHOTOS: dict[str, tuple[tuple[int, int], str, str]] = {
    "opening.jpg": ((4560, 3040), "The opening photo runs into the bleed, facing the title.", "opener"),
    "portrait.jpg": ((2400, 3200), "A portrait: its caption stands beside it when the page leaves room.", ""),
    "landscape.jpg": ((3600, 2400), "A landscape, as large as the page takes it, its caption under it.", ""),
    "left.jpg": ((2400, 3000), "", ""),
    "right.jpg": ((3000, 2400), "", ""),
    "across.jpg": ((9120, 3040), "A spread: one photo across two facing pages.", "spread"),
}


def essay_md(title: str, author: str) -> str:
    return f"""+++
title = {_toml_string(title)}
byline = {_toml_string(f"Photographs and text by {author}")}
+++

![](photos/opening.jpg)

In a photo essay the photos lead. Each has a page of its own, as large as the page allows; the
text between them is short, a few lines a page.

![](photos/portrait.jpg){{#portrait}}

Replace the stand-ins in `photos/` with your photos, keeping their names or changing them here,
and write their captions in `photos/{CAPTIONS_FILE}`.

![](photos/landscape.jpg)

::: pair {{#pair}}
![](photos/left.jpg)
![](photos/right.jpg)

Two photos on one page, with the caption they share: a ::: grid holds up to twelve.
:::

![](photos/across.jpg)

A spread starts on a left-hand page, so place it where one falls. A link can point to any photo
that has an id, like [the portrait](#portrait).
"""


def photo_essay(folder: Path, title: str, language: str, author: str, date: str) -> list[Path]:
    """A photo essay on a square page: a page per photo, a pair, a spread, a few lines between them."""
    from publish.manuscript.standin import stand_in
    settings = {"layout": _toml_string("photo-essay"), "print.trim": _toml_string("250x250 mm")}
    entries = {name: {k: v for k, v in (("caption", caption), ("placement", placement)) if v}
               for name, (_, caption, placement) in ESSAY_PHOTOS.items()}
    written = _write(folder, {
        METADATA_FILE: publication_toml(title, language, author, date, ESSAY_FILE, settings, "photographer"),
        ESSAY_FILE: essay_md(title, author),
        f"photos/{CAPTIONS_FILE}": captions_toml("", entries)})
    for name, (size, _, _) in ESSAY_PHOTOS.items():
        written.append(stand_in(folder / "photos" / name, "STAND-IN", f"Replace photos/{name} with your photo",
                                size=size))
    return written


def _paragraphs(*sentences: str) -> str:
    return "\n\n".join(sentences) + "\n"


BOOK_TEXTS: tuple[tuple[str, dict[str, str], str], ...] = (
    ("dedication.md", {"kind": '"dedication"'},
     "For the people who read the first draft.\n"),
    ("epigraph.md", {"kind": '"epigraph"'},
     _paragraphs("A line someone else wrote, set alone on its page before the contents.",
                 "— Its author, *Its source*")),
    ("foreword.md", {"kind": '"foreword"', "title": '"Foreword"'},
     _paragraphs("A foreword is written by someone other than the author: name them under [[contributors]] in its "
                 "front matter, and the byline, the imprint and the catalogue records credit them (MARC `aui`).",
                 "Front matter is numbered in roman folios, i, ii, iii; the first part or chapter is page 1.")),
    ("acknowledgements.md", {"kind": '"acknowledgements"'},
     _paragraphs("Without a title, a text of the front or back matter is headed by the name of its kind, in the "
                 "book's language: this one is \"Acknowledgements\".")),
    ("part-one.md", {"kind": '"part"', "title": '"The first part"'},
     _paragraphs("A part page stands on a recto, with no running head and no folio; the chapters listed after it, up "
                 "to the next part, belong to it in the contents, the outline and the e-book's navigation.")),
    ("chapter-1.md", {"title": '"The first chapter"'},
     _paragraphs("Chapters are the default kind: a text without `kind` is one. With `numbering = true` under [book] "
                 "in publication.toml, each is labelled \"Chapter 1\", \"Chapter 2\"… in the book's language.",
                 "## A section", "Headings inside a chapter start at two hashes.")),
    ("chapter-2.md", {"title": '"The second chapter"'}, _paragraphs("The second chapter of the first part.")),
    ("part-two.md", {"kind": '"part"', "title": '"The second part"'}, ""),
    ("chapter-3.md", {"title": '"The third chapter"'}, _paragraphs("Chapters are numbered through the whole book.")),
    ("appendix.md", {"kind": '"appendix"', "title": '"An appendix"'},
     _paragraphs("Back matter (appendix, afterword, epilogue, glossary, bibliography, colophon, about the author) "
                 "comes after the chapters.")),
    ("about-the-author.md", {"kind": '"about-the-author"'}, _paragraphs("{author} lives and writes by the sea.")),
)


def book(folder: Path, title: str, language: str, author: str, date: str) -> list[Path]:
    """A book: dedication, epigraph, foreword by someone else, parts with numbered chapters, back matter."""
    files = {METADATA_FILE: publication_toml(title, language, author, date, tuple(name for name, _, _ in BOOK_TEXTS),
                                             {"book.numbering": "true", "print.trim": _toml_string("6x9")})}
    for name, fields, body in BOOK_TEXTS:
        people = (("The Foreword Writer", "author"),) if name == "foreword.md" else ()
        files[name] = front_matter(fields, people, comments=name == "chapter-1.md") + "\n\n" + \
            body.replace("{author}", author)
    return _write(folder, files)


ANTHOLOGY_TEXTS: tuple[tuple[str, dict[str, str], tuple[tuple[str, str], ...], str], ...] = (
    ("introduction.md", {"kind": '"introduction"'}, (("{editor}", "author"),),
     _paragraphs("The editor's introduction: its author is credited as such (MARC `aui`), and the editor of the "
                 "whole book on the title page and the cover (\"Edited by …\"), never a text's byline.")),
    ("first-story.md", {"title": '"The first story"'}, (("The First Author", "author"),),
     _paragraphs("Each text names its own people under [[contributors]]: the byline under its title is made from "
                 "its authors, unless a `byline` is written out.")),
    ("second-story.md", {"title": '"The second story"'},
     (("The Second Author", "author"), ("The Translator", "translator")),
     _paragraphs("A translated text: \"Translated by …\" is printed under its byline, and the translator credited "
                 "in the imprint and in every edition's metadata.")),
    ("third-story.md", {"title": '"The third story"'},
     (("The First Author", "author"), ("The Photographer", "photographer")),
     _paragraphs("A text with its own photographer: \"Photographs by …\" under its byline.")),
    ("contributors.md", {"kind": '"about-the-author"', "title": '"The contributors"'}, (),
     _paragraphs("**The First Author** writes stories.", "**The Second Author** writes in another language.")),
)


def anthology(folder: Path, title: str, language: str, author: str, date: str) -> list[Path]:
    """An anthology: an editor (--author), an introduction by them, texts by several authors, one translated."""
    files = {METADATA_FILE: publication_toml(title, language, author, date,
                                             tuple(name for name, _, _, _ in ANTHOLOGY_TEXTS), role="editor")}
    for name, fields, people, body in ANTHOLOGY_TEXTS:
        named = tuple((who.replace("{editor}", author), role) for who, role in people)
        files[name] = front_matter(fields, named, comments=name == "first-story.md") + "\n\n" + body
    return _write(folder, files)


# What `publish new --kind` writes: each kind of manuscript and the function that writes it.
KINDS: dict[str, Callable[[Path, str, str, str, str], list[Path]]] = {
    "feature": feature,
    "photo-essay": photo_essay,
    "book": book,
    "anthology": anthology,
}


def scaffold(folder: Path, title: str = "Untitled", language: str = "en", author: str = "The Author",
             date: str | None = None, kind: str = "feature") -> list[Path]:
    """Writes the new manuscript; refuses a folder that already holds files, never overwriting any."""
    if kind not in KINDS:
        raise ScaffoldError(f"--kind: unknown kind '{kind}'", f"the kinds are {', '.join(KINDS)}")
    if folder.exists() and not folder.is_dir():
        raise ScaffoldError(f"'{folder}' is a file", "give the name of a new folder")
    if folder.is_dir() and any(folder.iterdir()):
        raise ScaffoldError(f"'{folder}' already exists and is not empty",
                            "give the name of a new folder; nothing was written")
    for option, check, value in (("--title", schema.nonempty_text, title),
                                 ("--language", schema.language, language),
                                 ("--author", schema.nonempty_text, author)):
        try:
            check(value)
        except schema.Invalid as exc:
            raise ScaffoldError(f"{option}: {exc}", exc.hint or "nothing was written") from None
    date = date or dt.date.today().isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    return KINDS[kind](folder, title, language, author, date)
