"""`publish new DIR`: a manuscript folder that builds at once and explains itself key by key.

publication.toml is written from the schema (manuscript/schema.py), so every key the builder knows
appears, commented, with its documentation, and a key added to the schema appears here too.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from publish.manuscript import schema
from publish.manuscript.loader import CAPTION, CAPTIONS_FILE, FRONT_MATTER
from publish.manuscript.schema import METADATA_FILE, TOP, Key, derived_identifier
from publish.manuscript.standin import stand_in

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


def publication_toml(title: str, language: str, author: str, date: str) -> str:
    year = date[:4]
    identifier = derived_identifier(title, (author,), date)
    values = {"title": _toml_string(title), "language": _toml_string(language),
              "date": _toml_string(date), "texts": _toml_string(TEXT_FILE).join("[]")}
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
            set_values = {"name": _toml_string(author), "role": _toml_string("author")}
            for key in keys:
                lines += _comment(key, set_values.get(key.name))
            lines += ["", f"# {header}", '# name = "The Photographer"', '# role = "photographer"', ""]
            continue
        # an array table's entry has required keys, so it stays commented; a plain table may be empty
        lines.append(f"# {header}" if array else header)
        for key in keys:
            example = examples.get(f"{table.name}.{key.name}", examples.get(key.name, "…"))
            lines += [f"# {key.doc}", f"# {key.name} = {example}"]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def captions_toml(photo_name: str) -> str:
    values = {
        "alt": _toml_string("A drawn stand-in: a cable-stayed bridge over a wide river under a pale sky, "
                            "labelled STAND-IN."),
        "caption": _toml_string("Replace this stand-in with your photo and this caption with yours."),
        "credit": _toml_string("Stand-in drawn by publish"),
        "placement": '"wide"',
    }
    lines = ["# One table per photo in this folder: what the photo desk writes about it.",
             "# Remove the # to set a key.", "", f'["{photo_name}"]']
    for key in CAPTION:
        lines += _comment(key, values.get(key.name))
    return "\n".join(lines) + "\n"


def story_md(title: str, author: str) -> str:
    fields = {"title": _toml_string(title), "byline": _toml_string(f"by {author}")}
    front = ["+++", "# The text's own metadata, in TOML. Remove the # to set a key."]
    for key in FRONT_MATTER:
        value = fields.get(key.name)
        front += [f"{key.name} = {value}"] if value else [f"# {key.name} = … ({key.doc})"]
    front.append("+++")
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


def scaffold(folder: Path, title: str = "Untitled", language: str = "en", author: str = "The Author",
             date: str | None = None) -> list[Path]:
    """Writes the new manuscript; refuses a folder that already holds files, never overwriting any."""
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
    written = []
    for name, content in ((METADATA_FILE, publication_toml(title, language, author, date)),
                          (TEXT_FILE, story_md(title, author)),
                          (f"photos/{CAPTIONS_FILE}", captions_toml(Path(PHOTO_FILE).name))):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    written.append(stand_in(folder / PHOTO_FILE, "STAND-IN", f"Replace {PHOTO_FILE} with your photo"))
    return written
