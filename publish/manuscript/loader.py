"""Reads a manuscript folder into a Publication, collecting every problem with its location."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote

from publish.manuscript.containment import Gate, Refused
from publish.manuscript.markdown import GroupRef, ImageRef, plain_text, read_markdown, typeset_article, typeset_metadata
from publish.manuscript.photos import PHOTO_SUFFIXES, PhotoProblem, probe
from publish.manuscript.schema import (
    METADATA_FILE,
    Key,
    boolean,
    check_table,
    focus,
    integer,
    key_subject,
    kind,
    language,
    nonempty_text,
    one_of,
    read_contributors,
    read_metadata,
    text,
)
from publish.manuscript.segment import segment_publication
from publish.manuscript.tomlfile import TomlDocument, TomlSyntaxError, parse
from publish.model.arrangement import arrange
from publish.model.diagnostics import Diagnostics, ManuscriptError, closest, did_you_mean
from publish.model.document import (
    PLACEMENTS,
    RESERVED_IDS,
    Article,
    Element,
    Figure,
    FigureGroup,
    Heading,
    Metadata,
    Node,
    NoteRef,
    Photo,
    Publication,
    Text,
)
from publish.model.limits import block_excess, notes_excess, words_excess
from publish.model.structure import kind_name, kind_of
from publish.model.text import slugify
from publish.runtime.folders import list_folder

CAPTIONS_FILE = "captions.toml"
# What a problem leaves unknown, for the diagnostics that would follow from it (model/diagnostics.py):
# a text not read leaves unknown which photos the texts place and which ids they define; a photo
# reference naming no file, whether the photo it was meant for is placed; a captions file not read or
# an entry naming no photo, what the captions say of their photos.
USES, IDS = "photos placed", "ids defined"
# Characters XML 1.0 forbids (so no EPUB can hold them) and that print as nothing: a paste accident.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_TEXT_BYTES = 20_000_000

FRONT_MATTER = (
    Key("title", nonempty_text, doc="The text's headline."),
    Key("subtitle", text, doc="A second line of the headline."),
    Key("standfirst", text, doc="The summary under the headline."),
    Key("byline", text, doc='As printed, e.g. "by David Hutt".'),
    Key("lang", language, doc="Language of this text when it differs from the publication's."),
    Key("subtitle_lang", language, doc="Language of the subtitle when it differs from the text's."),
    Key("standfirst_lang", language, doc="Language of the standfirst when it differs from the text's."),
    Key("id", nonempty_text, doc="Slug used for file names and anchors."),
    Key("kind", kind, doc="What the text is in the book: chapter (default), part, foreword, appendix…"),
    Key("contributors", lambda v: v, doc="[[contributors]] tables: the text's authors, translators, photographers."),
    Key("writing", one_of("horizontal", "vertical"),
        doc='"vertical" for Japanese set top to bottom (the e-book; print sets it horizontally).'),
)
CAPTION = (
    Key("alt", text, doc="What the photo shows, for readers who cannot see it (required)."),
    Key("caption", text, doc="The caption printed with the photo."),
    Key("credit", text, doc="Photographer or agency."),
    Key("placement", one_of(*PLACEMENTS), doc="inline, wide, opener, full-page or spread."),
    Key("min_ppi", integer(30, 300), doc="Lowest resolution accepted for this photo in print."),
    Key("stand_in", boolean, doc="true while the file stands in for the photo: credits say whose photo it replaces."),
    Key("focus", focus, doc='What a cropped photo keeps: "top", "bottom", "left", "right", "center" or "30% 20%".'),
    Key("max_crop", integer(0, 90), doc="Percent of the photo a crop may cut before print warns (default 20)."),
)


@dataclass
class _Caption:
    source: Path  # the captions file
    name: str  # the key as written in it
    values: dict
    line: int | None
    used: bool = False
    nodes: tuple[Node, ...] = ()  # the caption's inline Markdown, read into nodes
    column: int | None = None  # of the entry's [name] header


def load(root: Path) -> tuple[Publication, Diagnostics]:
    """The whole manuscript, or ManuscriptError with every problem found in one pass."""
    diags = Diagnostics(root)
    if not root.exists():
        diags.error(root, None, "manuscript folder does not exist",
                    "give the path of a folder holding publication.toml")
        raise ManuscriptError(diags.items)
    if not root.is_dir():
        diags.error(root, None, "is not a folder", "give the manuscript folder, not a file in it")
        raise ManuscriptError(diags.items)
    gate = Gate(root)
    meta_path = root / METADATA_FILE
    source = read_text(meta_path, diags, missing_hint="create publication.toml with title, language and date"
                       " (see docs/manuscript.md)")
    metadata: Metadata | None = None
    doc = TomlDocument({})
    if source is not None:
        try:
            doc = parse(source)
        except TomlSyntaxError as exc:
            diags.error(meta_path, exc.line, f"invalid TOML: {exc.message}",
                        exc.hint or "check quotes, brackets and '=' on this line", column=exc.column)
        else:
            metadata = read_metadata(doc, meta_path, diags)
            if metadata is not None:  # its identifier is derived from the title as written, before this
                metadata = typeset_metadata(metadata)
    text_paths = _text_paths(root, doc, gate, diags)
    if metadata is None:
        # The metadata is unusable, but the texts, photos and captions are still checked, so the
        # author sees every problem of the manuscript in this one run.
        metadata = Metadata(title="", language=str(doc.data.get("language", "en")), date="2000",
                            identifier="urn:invalid")

    captions = _read_captions(root, gate, diags, metadata.language)
    photos: dict[Path, Photo] = {}
    articles: list[Article] = []
    seen_ids: dict[str, tuple[Path, int | None]] = {}
    links: list[tuple[Path, str, int | None, int | None]] = []
    referenced: set[Path] = set()  # every photo a text points at, usable or not
    for path in text_paths:
        article = _read_article(path, root, metadata, len(text_paths) == 1, gate, captions,
                                photos, seen_ids, links, diags, referenced)
        if article is not None:
            articles.append(article)
    articles = arrange(articles, metadata, diags, meta_path, doc.line_of(("texts",)),
                       isinstance(doc.data.get("texts"), list))

    for path, href, line, column in links:
        if not href.startswith("#"):
            diags.error(path, line, f"link to '{href}': only #anchors of the manuscript can be linked",
                        "give the target heading an id with {#name} and link to #name", column)
        elif href[1:] not in seen_ids:
            diags.error(path, line, f"link to '{href}', but no heading or element has that id",
                        did_you_mean(href[1:], tuple(seen_ids), known="ids"), column, causes=(IDS,))
    for target, caption in captions.items():
        if not caption.used:
            diags.error(caption.source, caption.line,
                        f"caption for '{caption.name}', but no text uses that photo",
                        "remove the entry, or place the photo in a text with ![](…)",
                        caption.column, causes=_placed(diags, target), subjects=(_unused(diags, target),))
    cover = _cover(root, metadata, gate, diags, doc.line_of(("cover",)))
    _check_styles(root, gate, diags)
    placed = {c_path for c_path, c in captions.items() if c.used} | set(photos) | referenced
    _warn_unused_photos(root, placed | ({cover} if cover else set()), diags)
    if not text_paths and not diags.errors:
        diags.error(meta_path, None, "the manuscript has no text",
                    "add a Markdown file (.md) to the folder or list it under texts = [...]")
    diags.raise_if_errors()
    if cover:
        metadata = replace(metadata, cover=cover)
    ordered = tuple(sorted(photos.values(), key=lambda p: p.name))
    publication = Publication(root.resolve(), metadata, tuple(articles), ordered, dict(doc.lines))
    return segment_publication(publication), diags  # word breaks for Khmer, in every edition


def read_text(path: Path, diags: Diagnostics, missing_hint: str = "", subjects: tuple[str, ...] = ()) -> str | None:
    """A manuscript text file as str: UTF-8 (a BOM is fine), line endings normalised.

    `subjects`: what stays unknown when the file cannot be read (the problems reported name them).
    """
    try:
        if path.is_symlink() or path.exists():
            Gate(diags.root).admit(path)
        if not path.exists():
            diags.error(path, None, "file not found", missing_hint, subjects=subjects)
            return None
        if path.is_dir():
            diags.error(path, None, "is a folder, not a file", subjects=subjects)
            return None
        if not path.is_file():
            diags.error(path, None, "is not a regular file (a pipe or a device?)",
                        "replace it with an ordinary text file", subjects=subjects)
            return None
        if path.stat().st_size > MAX_TEXT_BYTES:
            diags.error(path, None, f"file is larger than {MAX_TEXT_BYTES // 1_000_000} MB",
                        "split it into several texts", subjects=subjects)
            return None
        data = path.read_bytes()
    except Refused as exc:
        diags.error(path, None, str(exc), exc.hint, subjects=subjects)
        return None
    except PermissionError:
        diags.error(path, None, "file cannot be read (permission denied)",
                    "check the file's permissions", subjects=subjects)
        return None
    except OSError as exc:
        diags.error(path, None, f"file cannot be read: {exc.strerror or exc}", subjects=subjects)
        return None
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        diags.error(path, line, f"invalid UTF-8 (byte 0x{data[exc.start]:02x})",
                    "save the file as UTF-8", column=column, subjects=subjects)
        return None
    text = decoded.replace("\r\n", "\n").replace("\r", "\n")
    control = CONTROL_CHARACTER.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        column = control.start() - (text.rfind("\n", 0, control.start()) + 1) + 1
        diags.error(path, line, f"control character U+{ord(control.group()):04X} cannot be printed or put in an e-book",
                    "delete it: it was probably pasted from another program", column=column, subjects=subjects)
        return None
    return text


def _text_paths(root: Path, doc: TomlDocument, gate: Gate, diags: Diagnostics) -> list[Path]:
    declared = doc.data.get("texts")
    meta_path = root / METADATA_FILE
    if not isinstance(declared, list):
        return sorted(p for p in root.glob("*.md") if p.is_file())
    paths: list[Path] = []
    line = doc.line_of(("texts",))
    for ref in declared:
        if not isinstance(ref, str):
            continue
        try:
            path = gate.reference(ref, root)
        except Refused as exc:  # a text not read: what it places and defines is unknown
            diags.error(meta_path, line, f"texts: {exc}", exc.hint, subjects=(USES, IDS))
            continue
        if path in paths:
            diags.error(meta_path, line, f"texts: '{ref}' is listed twice")
            continue
        paths.append(root / ref)
    return paths


def _split_front_matter(source: str) -> tuple[str | None, str, int]:
    """TOML front matter between +++ lines at the top; returns (front, body, body's line offset)."""
    lines = source.split("\n")
    if not lines or lines[0].strip() != "+++":
        return None, source, 0
    for index in range(1, len(lines)):
        if lines[index].strip() == "+++":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1:]), index + 1
    return None, source, 0


def _read_article(path: Path, root: Path, metadata: Metadata, only_text: bool, gate: Gate,
                  captions: dict[Path, _Caption], photos: dict[Path, Photo],
                  seen_ids: dict[str, tuple[Path, int | None]],
                  links: list[tuple[Path, str, int | None, int | None]], diags: Diagnostics,
                  referenced: set[Path] | None = None) -> Article | None:
    source = read_text(path, diags, missing_hint="check the name under texts = [...] in publication.toml",
                       subjects=(USES, IDS))
    if source is None:
        return None
    if not source.strip():
        diags.error(path, 1, "the text is empty", "write the text, or remove the file from texts")
        return None
    front_src, body, offset = _split_front_matter(source)
    front: dict = {}
    contributors: tuple = ()
    writing_line: int | None = None
    if front_src is None and source.split("\n", 1)[0].strip() == "+++":  # else printed as text
        diags.error(path, 1, "the front matter opened with +++ is never closed",
                    "end it with a line +++ after its last key")
    if front_src is not None:
        try:
            front_doc = parse(front_src)
        except TomlSyntaxError as exc:
            diags.error(path, (exc.line or 0) + 1, f"invalid TOML front matter: {exc.message}",
                        exc.hint or "front matter is TOML between two +++ lines", exc.column)
        else:
            front_doc.lines = {k: v + 1 for k, v in front_doc.lines.items()}
            front = check_table(front_doc, (), front_doc.data, FRONT_MATTER, path, diags)
            contributors = read_contributors(front_doc, path, diags)
            writing_line = front_doc.line_of(("writing",))

    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    article_id = front.get("id") or slugify(path.stem) or f"text-{len(seen_ids)}"
    if article_id in RESERVED_IDS:
        diags.error(path, 1, f"the text's id '{article_id}' is taken by the edition's own {article_id} page",
                    f'give the text another id: id = "{article_id}-text" in its front matter, or rename the file')
    lang = front.get("lang", "")
    too_long = words_excess(body, offset)
    if too_long is not None:  # not even parsed: that alone would take seconds
        diags.error(path, too_long.line, too_long.message, too_long.hint, subjects=(USES, IDS))
        return None
    parsed = read_markdown(body, article_id, lang or metadata.language, offset)
    for problem in parsed.problems:
        diags.error(path, problem.line, problem.message, problem.hint, problem.column)
    for excess in (notes_excess(body, offset), block_excess(parsed.blocks)):  # layouts that take minutes
        if excess is not None:
            diags.error(path, excess.line, excess.message, excess.hint, excess.column)
    links.extend((path, href, line, column) for href, line, column in parsed.links)

    blocks: list[Node] = []
    for block in parsed.blocks:
        refs = block.images if isinstance(block, GroupRef) else [block] if isinstance(block, ImageRef) else []
        for ref in refs:
            if referenced is not None and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]+:", ref.src):
                referenced.add(path.parent / ref.src)  # no "photo not used" warning on a broken one
        # In a book every text's figures share one print document: the ids derived for them are the
        # text's own, so preflight places a photo's finding in the text that placed it.
        scope = "" if only_text else f"{article_id}--"
        if isinstance(block, ImageRef):
            figure = _figure(block, path, gate, captions, photos, diags, len(blocks), scope)
            if figure is not None:
                blocks.append(figure)
        elif isinstance(block, GroupRef):
            group = _group(block, path, gate, captions, photos, diags, len(blocks), scope)
            if group is not None:
                blocks.append(group)
        else:
            blocks.append(block)

    title = front.get("title", "")
    text_kind = front.get("kind", "chapter")
    headings = list(parsed.headings)
    if not title and blocks and isinstance(blocks[0], Element) and blocks[0].tag == "h1":
        title = headings.pop(0).text
        blocks.pop(0)
    if not title:
        # Front and back matter may go without: a dedication's title is never printed, and an
        # "Acknowledgements" page is headed by the name of its kind, in the book's language.
        named = kind_name(text_kind, lang or metadata.language)
        if not kind_of(text_kind).titled:
            named = named or kind_name(text_kind, "en")
        if text_kind == "part":
            pass  # "Part One" alone, when the book numbers its parts (model/arrangement.py checks)
        elif named and text_kind != "chapter":
            title = named
        elif only_text:
            title = metadata.title
        else:
            diags.error(path, 1, "the text has no title",
                        'add front matter with title = "…", or start with a "# Heading" line')
    blocks, headings = _normalise_headings(blocks, headings)

    for anchor, line in [(article_id, 1), *parsed.ids]:
        if anchor in seen_ids:
            other, other_line = seen_ids[anchor]
            where = diags.display_path(other) + (f":{other_line}" if other_line else "")
            diags.error(path, line, f"duplicate id '{anchor}' (first used at {where})",
                        "ids and anchors must be unique across the manuscript")
        else:
            seen_ids[anchor] = (path, line)
    writing = front.get("writing", "horizontal")
    if writing == "vertical":
        _vertical_writing(path, writing_line, lang or metadata.language, diags)
    article = Article(
        id=article_id, source=rel, title=title, subtitle=front.get("subtitle", ""),
        standfirst=front.get("standfirst", ""), byline=front.get("byline", ""),
        language=lang, subtitle_language=_own_language(front.get("subtitle_lang", ""), lang or metadata.language),
        standfirst_language=_own_language(front.get("standfirst_lang", ""), lang or metadata.language),
        blocks=tuple(blocks), footnotes=tuple(parsed.footnotes),
        headings=tuple(headings), kind=text_kind, contributors=contributors, writing=writing,
    )
    return typeset_article(article, lang or metadata.language, title_given="title" in front)


def _own_language(language: str, text_language: str) -> str:
    """A field's language, "" when it is the text's own (so nothing marks it again)."""
    return "" if language == text_language else language


# Scripts written vertically: Japanese, Chinese, Korean (and Mongolian, which needs vertical-lr).
VERTICAL_LANGUAGES = ("ja", "zh", "ko")


def _vertical_writing(path: Path, line: int | None, language: str, diags: Diagnostics) -> None:
    """Vertical text is the e-book's (writing-mode: vertical-rl); WeasyPrint has no writing-mode at all
    (70.0: the property is unknown, the text comes out horizontal), so print must say what it does."""
    if language.split("-")[0].lower() not in VERTICAL_LANGUAGES:
        diags.error(path, line, f"writing = \"vertical\" is for Japanese, Chinese or Korean, not '{language}'",
                    'set lang = "ja" (or zh, ko) in the front matter, or remove writing')
        return
    diags.warning(path, line, "vertical writing is not supported in print: the print and archive editions set "
                  "this text horizontally; the e-book sets it vertically (writing-mode: vertical-rl)",
                  'remove writing = "vertical" for horizontal text in every edition')


def _normalise_headings(blocks: list[Node], headings: list[Heading]) -> tuple[list[Node], list[Heading]]:
    """Maps the heading levels used in a text onto h2, h3… with no gaps (h1 is the text's title)."""
    used = sorted({h.level for h in headings})
    mapping = {level: min(index + 2, 6) for index, level in enumerate(used)}
    if all(mapping[level] == level for level in used):
        return blocks, headings
    new_blocks: list[Node] = []
    for block in blocks:
        if isinstance(block, Element) and block.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            block = Element(f"h{mapping[int(block.tag[1])]}", block.attrs, block.children, block.line)
        new_blocks.append(block)
    return new_blocks, [Heading(mapping[h.level], h.text, h.id) for h in headings]


def _figure(ref: ImageRef, text_path: Path, gate: Gate, captions: dict[Path, _Caption],
            photos: dict[Path, Photo], diags: Diagnostics, index: int, scope: str = "") -> Figure | None:
    try:
        path = gate.reference(ref.src, text_path.parent)
    except Refused as exc:
        meant = _meant_photo(ref.src, text_path.parent, diags)
        diags.error(text_path, ref.line, f"photo: {exc}",
                    f"did you mean '{meant}'?" if meant else exc.hint, ref.column,
                    subjects=(_unused(diags, text_path.parent / meant),) if meant else ())  # it was meant
        return None
    if path.suffix.lower() not in PHOTO_SUFFIXES:
        diags.error(text_path, ref.line, f"'{ref.src}' is not a photo (.jpg, .jpeg or .png)", column=ref.column,
                    subjects=(_unused(diags, path),))
        return None
    caption = captions.get(path)
    if caption is not None:
        caption.used = True
    if path not in photos:
        photo = _photo(path, ref, text_path, caption, diags)
        if photo is None:
            return None
        photos[path] = photo
    photo = photos[path]
    stem = slugify(Path(photo.name).stem) or "photo"
    return Figure(photo, ref.id or f"{scope}fig-{stem}-{index}", ref.line, ref.column)


def _group(ref: GroupRef, text_path: Path, gate: Gate, captions: dict[Path, _Caption],
           photos: dict[Path, Photo], diags: Diagnostics, index: int, scope: str = "") -> FigureGroup | None:
    """A pair or grid of photos, each resolved as a lone photo is; its id, given or derived."""
    anchor = ref.id or f"{scope}fig-{ref.kind}-{index}"
    figures = []
    for number, image in enumerate(ref.images, start=1):
        figure = _figure(image, text_path, gate, captions, photos, diags, index)
        if figure is not None:
            figures.append(figure if image.id else replace(figure, id=f"{anchor}-{number}"))
    if len(figures) != len(ref.images):
        return None
    return FigureGroup(ref.kind, tuple(figures), anchor, ref.caption, ref.line)


def _photo(path: Path, ref: ImageRef, text_path: Path, caption: _Caption | None,
           diags: Diagnostics) -> Photo | None:
    root = diags.root.resolve()
    name = path.relative_to(root).as_posix()
    values = caption.values if caption else {}
    alt = values.get("alt") or ref.alt
    where = (caption.source, caption.line, caption.column) if caption else (text_path, ref.line, ref.column)
    if not alt:  # unless its entry is there, mistyped, or its captions file could not be read
        diags.error(*where[:2], f"photo '{name}' has no alt text",
                    f"describe what it shows: alt = \"…\" in its entry of {_captions_hint(path, root)}", where[2],
                    causes=_described(diags, path, caption))
    try:
        info = probe(path)
    except PhotoProblem as exc:
        diags.error(text_path, ref.line, f"photo '{name}': {exc}", exc.hint, ref.column)
        return None
    if info.conversion is not None:
        diags.warning(*where[:2], f"photo '{name}': {info.conversion.message}", info.conversion.hint, where[2])
    if not alt:
        return None
    return Photo(
        name=name, path=path, caption=plain_text(caption.nodes) if caption else "",
        credit=values.get("credit", ""),
        alt=alt, placement=values.get("placement", "inline"), width_px=info.width,
        height_px=info.height, format=info.format, mode=info.mode, dpi=info.dpi,
        min_ppi=values.get("min_ppi", 150), line=caption.line if caption else None,
        focus=values.get("focus", ""), max_crop=values.get("max_crop"),
        caption_nodes=caption.nodes if caption else (), caption_file=caption.source if caption else None,
        stand_in=values.get("stand_in", False),
    )


def _captions_hint(path: Path, root: Path) -> str:
    return (path.parent / CAPTIONS_FILE).relative_to(root).as_posix()


def _folder(diags: Diagnostics, path: Path) -> str:
    """A photo's folder as diagnostics show it, the same for a resolved path and a written one."""
    return diags.display_path(Path(os.path.normpath(path)).parent)


def _placed(diags: Diagnostics, photo: Path) -> tuple[str, ...]:
    """What "no text uses this photo" may follow from: a text not read, a reference meant for it."""
    return (USES, _unused(diags, photo))


def _unused(diags: Diagnostics, photo: Path) -> str:
    """The photo is not placed: said by its caption entry, or by a broken reference meant for it."""
    return f"no text uses {diags.display_path(Path(os.path.normpath(photo)))}"


def _described(diags: Diagnostics, photo: Path, caption: _Caption | None) -> tuple[str, ...]:
    """What says what the captions file holds about a photo: the file read, its entry named right."""
    causes = [f"{CAPTIONS_FILE} in {_folder(diags, photo)}", f"caption of {diags.display_path(photo)}"]
    if caption is not None:
        causes.append(key_subject(diags, caption.source, (caption.name, "alt")))
    return tuple(causes)


def _meant_photo(ref: str, base: Path, diags: Diagnostics) -> str | None:
    """The photo a reference that names none was probably meant for, written as the reference is."""
    written = Path(unquote(ref))
    folder = Path(os.path.normpath(base / written)).parent
    try:
        names = [p.name for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES and p.name != written.name]
    except OSError:
        return None
    meant = closest(written.name, names)
    return (written.parent / meant).as_posix() if meant else None


def _walk(root: Path) -> list[Path]:
    """The manuscript's files (runtime/folders.py, as the cache and the archive see them), less its styles/."""
    listing = list_folder(root)
    return [path for name, path in zip(listing.files, listing.paths(), strict=True) if not name.startswith("styles/")]


def _read_captions(root: Path, gate: Gate, diags: Diagnostics, language: str = "en") -> dict[Path, _Caption]:
    captions: dict[Path, _Caption] = {}
    for path in (p for p in _walk(root) if p.name == CAPTIONS_FILE):
        unread = (f"{CAPTIONS_FILE} in {_folder(diags, path)}",)  # the photos' alt texts are in there
        source = read_text(path, diags, subjects=unread)
        if source is None:
            continue
        try:
            doc = parse(source)
        except TomlSyntaxError as exc:
            diags.error(path, exc.line, f"invalid TOML: {exc.message}",
                        exc.hint or '[["photo.jpg"]] tables with caption, credit and alt', column=exc.column,
                        subjects=unread)
            continue
        for name, entry in doc.data.items():
            line, column = doc.position((name,))
            values = check_table(doc, (name,), entry, CAPTION, path, diags)
            try:
                target = gate.reference(name, path.parent)
            except Refused as exc:
                meant = _meant_photo(name, path.parent, diags)
                diags.error(path, line, f"caption for '{name}': {exc}",
                            f"did you mean '{meant}'?" if meant else exc.hint, column,
                            subjects=(f"caption of {diags.display_path(path.parent / meant)}",) if meant else ())
                continue
            nodes = _caption_nodes(values.get("caption", ""), language, path,
                                   doc.position((name, "caption"), value=True) if "caption" in values
                                   else (line, column), diags)
            captions[target] = _Caption(path, name, values, line, nodes=nodes, column=column)
    return captions


def _caption_nodes(caption: str, language: str, path: Path, where: tuple[int | None, int | None],
                   diags: Diagnostics) -> tuple[Node, ...]:
    """A caption's inline Markdown ([つばさ橋]{lang=ja}, *emphasis*) as nodes: one paragraph, no blocks.

    `where` is the line and column of the caption's value; a problem inside it is placed within it
    (counted in the caption's characters, as the string is written on one line).
    """
    if not caption:
        return ()
    line, column = where
    parsed = read_markdown(caption, "caption", language)
    for problem in parsed.problems:
        # The string's first character is one after the opening quote at `column`.
        inside = column + problem.column if column and problem.column and problem.line == 1 else column
        diags.error(path, line, f"caption: {problem.message}", problem.hint, inside)
    blocks = parsed.blocks
    if (len(blocks) != 1 or not isinstance(blocks[0], Element) or blocks[0].tag != "p"
            or parsed.footnotes or any(isinstance(n, NoteRef) for n in blocks[0].children)):
        diags.error(path, line, "caption: a caption is one paragraph of text",
                    "use inline Markdown only: *emphasis*, **strong**, [name]{lang=ja}; no lists, "
                    "headings, photos or footnotes", column)
        return (Text(caption),)
    return blocks[0].children


def _cover(root: Path, metadata: Metadata, gate: Gate, diags: Diagnostics,
           line: int | None = None) -> Path | None:
    if metadata.cover is None:
        return None
    meta_path = root / METADATA_FILE
    try:
        path = gate.reference(metadata.cover.as_posix(), root)
        probe(path)
    except Refused as exc:
        diags.error(meta_path, line, f"cover: {exc}", exc.hint)
        return None
    except PhotoProblem as exc:
        diags.error(meta_path, line, f"cover: {exc}", exc.hint)
        return None
    return path


def _check_styles(root: Path, gate: Gate, diags: Diagnostics) -> None:
    """The manuscript's own styles/ is read by WeasyPrint and EbookLib directly: vet it here first."""
    folder = root / "styles"
    if not folder.is_dir():
        return
    linked_out: list[Path] = []  # folders linked out of the manuscript: one diagnostic each, not one a file
    for path in [folder, *sorted(p for p in folder.rglob("*") if p.is_dir())]:
        if path.is_symlink() and not any(path.is_relative_to(d) for d in linked_out):
            try:
                gate.admit(path)
            except Refused:
                linked_out.append(path)
                diags.error(path, None, f"'{path.name}' is a symbolic link to a folder outside the manuscript",
                            "keep every file the manuscript uses inside its folder: copy the folder in")
    for path in _walk_all(folder):
        if any(path.is_relative_to(d) for d in linked_out):
            continue
        try:
            gate.admit(path)
        except Refused as exc:
            diags.error(path, None, str(exc), exc.hint)
            continue
        if path.suffix.lower() == ".css":
            _check_css(path, gate, diags)
        elif path.suffix.lower() in (".html", ".xhtml") and "templates" in path.relative_to(folder).parts:
            _check_template(path, diags)


def _walk_all(folder: Path) -> list[Path]:
    """Every file under a folder, symlinks included (they are what the gate must see)."""
    found: list[Path] = []
    for entry in sorted(folder.rglob("*")):
        if entry.is_symlink() or entry.is_file():
            found.append(entry)
    return found


# Attributes that make a reader load something (src, srcset, poster, data, a stylesheet <link>), given a
# URL with a scheme: the EPUB would carry it and a reading system fetch it.
_TEMPLATE_RESOURCE = re.compile(
    r"""(?:\b(?:src|srcset|poster|data|xlink:href)|<link\b[^>]*\bhref)\s*=\s*["']?\s*"""
    r"""(?P<url>[a-zA-Z][a-zA-Z0-9+.-]+:[^"'\s>]*)""", re.I)


def _check_template(path: Path, diags: Diagnostics) -> None:
    """A manuscript's own template is part of the manuscript: a syntax error in it is the author's to fix."""
    from jinja2 import TemplateSyntaxError

    from publish.manuscript.templates import ManuscriptSandbox

    source = read_text(path, diags)
    if source is None:
        return
    try:
        ManuscriptSandbox().parse(source)
    except TemplateSyntaxError as exc:
        diags.error(path, exc.lineno, f"template: {exc.message}",
                    "compare with the default template of the same name in styles/templates/")
    for match in _TEMPLATE_RESOURCE.finditer(source):
        url = match.group("url")
        if not url.lower().startswith("data:"):
            line = source.count("\n", 0, match.start()) + 1
            diags.error(path, line, f"template: the resource '{url}' would be fetched, but builds are offline",
                        "put the file in the manuscript's styles/ and refer to it by a relative path")


def _check_css(path: Path, gate: Gate, diags: Diagnostics) -> None:
    """Every file the stylesheet names (read by a CSS parser: manuscript/cssrefs.py) must pass the gate,
    and an @font-face source must be a font."""
    from publish.manuscript.cssrefs import references
    from publish.manuscript.fontfiles import FontProblem

    source = read_text(path, diags)
    if source is None:
        return
    for ref in references(source):
        url = ref.url.strip()
        if not url or url.startswith("#") or url.lower().startswith("data:"):
            continue
        try:
            admitted = gate.reference(url, path.parent)
            if ref.font:
                from publish.manuscript.fontfiles import font_cmap

                font_cmap(admitted)
        except Refused as exc:
            diags.error(path, ref.line, f"stylesheet: {exc}", exc.hint, column=ref.column)
        except FontProblem as exc:
            diags.error(path, ref.line, f"stylesheet: @font-face: {exc}",
                        "point src: url() at a TrueType, OpenType or WOFF font file", column=ref.column)


def _warn_unused_photos(root: Path, used: set[Path], diags: Diagnostics) -> None:
    resolved = {p.resolve() for p in used}
    for path in _walk(root):
        if path.suffix.lower() in PHOTO_SUFFIXES and path.resolve() not in resolved:
            diags.warning(path, None, "photo is not used by any text",
                          "place it with ![](…) in a text, or move it out of the manuscript",
                          causes=_placed(diags, path))  # its caption entry, or a reference, said so

