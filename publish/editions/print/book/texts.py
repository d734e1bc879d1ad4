"""Lays a book's texts out side by side, one process each, with the folios and contents numbers of the book.

Why: layout is most of a book's build and WeasyPrint uses one core. The front matter is laid out
first: its length places the texts, and its pieces that set running strings or counters are the
ones each text is laid out with (editions/print/book/division.py cuts the book). Each text is then laid out in a
pool of processes. What a text cannot know alone, where it starts in the book, comes from the texts
before it once their layout is done: every process publishes its text's shape on a shared board
(editions/print/book/pagination.py) and, before WeasyPrint draws the margin boxes, waits for the shapes before its
own and shifts its page counter by the difference (engine/pages.py). Layout, the expensive part,
never waits. The front matter is laid out again last, with the contents' page numbers now known,
and editions/print/book/binding.py joins the parts. The same parts are laid out the same way with one process
(`--jobs 1`), so a build's bytes do not depend on the machine's cores; kept parts
(editions/print/book/partcache.py) are not laid out again.

What only one layout of the whole book can honour (see folios.py and `_whole_book_css`) raises
Unsplittable: the caller then lays the book out whole.
"""

from __future__ import annotations

import copy
import os
import re
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from weasyprint import CSS, HTML

from publish.editions.pagemap import PrintPage
from publish.editions.print.book import partcache
from publish.editions.print.book.division import FOREIGN, FRONT_MARK, Split, front_css
from publish.editions.print.book.pagination import Board, Place, places
from publish.editions.print.book.partcache import PartResult
from publish.editions.print.composition import Composer, report, words_per_column
from publish.editions.print.pages import page_starts
from publish.editions.print.preflight import PhotoReport, check_resolution
from publish.editions.print.tablefit import check_tables
from publish.engine.actualtext import actual_text
from publish.engine.boxes import marked_state_setters, photos_shown_from, running_elements_used
from publish.engine.columns import install_footnotes, notes_below_columns
from publish.engine.fetcher import GateFetcher
from publish.engine.fonts import deferred_subsets, font_configuration, font_files
from publish.engine.justify import reusing_fits
from publish.engine.pages import FolioHook, FrontShape, Shape, Unsplittable, available, hooked
from publish.engine.typesetting import install as install_typesetting
from publish.manuscript.containment import Gate
from publish.model.diagnostics import Diagnostics
from publish.model.document import Publication
from publish.runtime.jobs import pool, process_context
from publish.runtime.progress import item

# The processes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """What every process needs to lay out a part of the book; sent once to each."""

    publication: Publication
    sheets: tuple[tuple[str, str], ...]  # ("file", path) or ("string", css), in cascade order
    roots: tuple[Path, ...]  # what the gate admits: manuscript, styles, derived photos
    styles: tuple[Path, ...]  # the styles folders: stylesheets, templates, fonts
    base_url: str
    workdir: Path
    reports: dict[str, PhotoReport] = field(default_factory=dict)
    pdf_options: tuple[tuple[str, Any], ...] = (("pdf_version", "1.6"),)  # how each part's PDF is written
    twin: Twin | None = None  # the archive's parts, written from the same layout when its texts are the same


@dataclass(frozen=True)
class Twin:
    """The archive edition as `publish all` lays it out next: its cut of the book, how its parts are written.

    Why: the archive's texts lay out exactly as print's wherever their HTML is the same (the photos
    the same files, the same front matter pieces around them): each such text's document is written
    a second time, tagged as PDF/A, by the process that laid it out, and kept as the archive's part
    (partcache.py), which the archive's own layout then takes instead of laying the text out again.
    """

    cut: Split
    workdir: Path  # where the archive's derived photos are
    reports: dict[str, PhotoReport]
    pdf_options: tuple[tuple[str, Any], ...]


class _Pages:
    def __init__(self, pages: list[Any]):
        self.pages = pages


_process: dict[str, Any] = {}


def _start(setting: Setting, board: Board, parent: int | None) -> None:
    """Per process: stylesheets and fonts are read once, for every part it lays out.

    Workers come from runtime.jobs.pool: they leave Ctrl-C to the command, which stops the others
    through the board and reports the interruption once, and they die with it.
    """
    install_footnotes()
    gate = Gate(*setting.roots)
    fetcher = GateFetcher(gate)
    font_config = font_configuration()
    sheets = [CSS(filename=value, url_fetcher=fetcher, font_config=font_config) if kind == "file"
              else CSS(string=value, font_config=font_config) for kind, value in setting.sheets]
    _process.update(setting=setting, board=board, parent=parent, gate=gate, font_config=font_config,
                    sheets=sheets, sheet_fetcher=fetcher, fonts=font_files(setting.styles))


class _Again(Exception):
    """Page composition edited the part's HTML: it is laid out again (editions/print/composition.py)."""


def _composed(composer: Composer, make_hook: Any, extra: str = "") -> tuple[Any, FolioHook, list[str]]:
    """The part laid out, and again while composition edits it; its hook publishes only the last layout."""

    def review(pages: list[Any]) -> None:
        if composer.review(pages):
            raise _Again

    with reusing_fits():  # a paragraph the edit did not touch keeps its lines (engine/justify.py)
        while True:  # ends: composition edits at most MAX_ROUNDS times, then settles
            hook = make_hook()
            hook.review = review
            try:
                document, refused = _render(composer.html, hook, extra)
            except _Again:
                continue
            return document, hook, refused


def _render(html: str, hook: FolioHook, extra: str = "") -> tuple[Any, list[str]]:
    setting: Setting = _process["setting"]
    fetcher = GateFetcher(_process["gate"])
    sheets = list(_process["sheets"])
    if extra:
        sheets.append(CSS(string=extra, font_config=_process["font_config"]))
    install_typesetting()  # shrinkable word spaces, no hyphen ladders, RTL column rules (engine/typesetting.py)
    with hooked(hook), notes_below_columns():  # columns after a pull quote keep clear of the notes
        document = HTML(string=html, base_url=setting.base_url, url_fetcher=fetcher).render(
            stylesheets=sheets, font_config=_process["font_config"])
    return document, [*fetcher.refused, *_process["sheet_fetcher"].refused]


def _finish(index: int, document: Any, hook: FolioHook, first: int, stop: int, refused: list[str],
            shape: Shape | None, only_kept: bool = False, composer: Composer | None = None,
            twin: dict[str, str] | None = None) -> PartResult | None:
    """Checks the part's photos, notes its page starts and anchors, and writes its PDF.

    `only_kept`: only the part's own pages are drawn and written, not the front matter before them,
    which the book does not use: possible unless its links need the stand-in targets there.
    `twin`: the archive's part from the same pages (Twin), its photos checked as the archive checks
    them and shown from the archive's files where it has its own (print's URL → the archive's); None
    when one of those would not lay out as print's does.
    """
    setting: Setting = _process["setting"]
    pages = document.pages[first:stop]
    diags = Diagnostics(setting.publication.root)
    for_archive = twin is not None and setting.twin is not None
    reports = copy.deepcopy(setting.twin.reports if for_archive else setting.reports)
    options = setting.twin.pdf_options if for_archive else setting.pdf_options
    check_resolution(setting.publication, _Pages(pages), reports, diags)
    check_tables(setting.publication, _Pages(pages), diags)
    if composer is not None:
        report(setting.publication, composer.problems, diags)
    starts = page_starts(_Pages(pages), [str(i) for i in range(len(pages))])
    anchors: dict[str, int] = {}
    for i, page in enumerate(pages):  # an element's anchor is on every page it spans: the first counts
        for name in page.anchors:
            anchors.setdefault(name, hook.book_counter(first + i))
    path = setting.workdir / f"part-{index + 1:04d}{'.archive' if for_archive else ''}.pdf"
    written = document.copy(pages) if only_kept else document
    own_files = GateFetcher(Gate(*setting.roots, setting.twin.workdir)) if for_archive and twin else None
    # Khmer and other complex scripts extract as written (engine/actualtext.py); the faces are subset
    # once for the whole book, after the join (engine/fonts.py).
    with photos_shown_from(written.pages, twin or {}, own_files) as same:
        if not same:
            return None  # the archive lays this text out itself
        with actual_text(), deferred_subsets(_process["fonts"]):
            written.write_pdf(path, **dict(options))
    if only_kept:
        first, stop = 0, len(pages)
    # Where its bookmarks sit in the book's outline: a text whose highest is level 2 (a chapter of a
    # part) nests under the bookmark before it, as one layout of the whole book would nest it.
    level = min((mark[0] for page in pages for mark in page.bookmarks), default=1)
    return PartResult(index, path, first, stop, shape, [(int(s.label), s) for s in starts], anchors,
                      diags.items, {n: r.placements for n, r in reports.items() if r.placements}, refused,
                      outline_level=level)


def lay_out_text(index: int, html: str, twin: dict[str, str] | None = None) -> PartResult:
    """One text: laid out alone, folios shifted once the texts before it are laid out, written (`twin`:
    written for the archive too, as the result's `twin`, its photos from the archive's files where
    `twin` maps print's to them)."""
    board: Board = _process["board"]

    def on_shape(shape: Shape) -> int:
        board.publish(index, shape)
        return board.place(index, _process["parent"]).offset

    try:
        trim = _process["setting"].publication.metadata.print
        composer = Composer(html, front=False, column_words=words_per_column(trim.width_mm, trim.height_mm))
        document, hook, refused = _composed(composer, lambda: FolioHook(str(index), on_shape))
        result = _finish(index, document, hook, hook.first, len(document.pages), refused, hook.shape,
                         only_kept=FOREIGN not in html, composer=composer)
        assert result is not None  # only an archive twin may be given up
        if hook.reads_page_numbers():
            result.whole = "the styles show page numbers inside a text (target-counter)"
        counters = hook.counters_from_before(document.pages[hook.first:])
        if counters:
            result.whole = f"counters run on from one text into the next: {', '.join(sorted(counters))}"
        result.strings_set = sorted(hook.strings_set())
        result.strings_inherited = sorted(hook.inherited)
        if twin is not None and not result.whole:
            result.twin = _finish(index, document, hook, hook.first, len(document.pages), refused, hook.shape,
                                  only_kept=FOREIGN not in html, composer=composer, twin=twin)
        return result
    except BaseException:
        board.fail(index)
        raise


def _lay_out_front(cut: Split, targets: dict[str, int] | None) -> tuple[Any, FolioHook, list[str], Composer]:
    """The front matter with the contents' numbers (`targets`), or, None, its first pass to measure it.

    Either way the title page and imprint are fitted to their pages (editions/print/composition.py), so
    the first pass measures the length the last one has.
    """
    html = cut.front_html({}, first_only=True) if targets is None else cut.front_html(targets)
    composer = Composer(html, body=False)
    document, hook, refused = _composed(composer, lambda: FolioHook("front", lambda shape: 0, text=False),
                                        front_css(targets or {}))
    return document, hook, refused, composer


def _carriers(pages: list[Any], context: Any, pieces: int) -> frozenset[int]:
    """The front matter's pieces whose boxes set named strings, running elements or counters.

    A text laid out alone needs those before it, as in the book (the title page sets the verso's
    running head); the rest of the front matter is hidden there, and costs nothing. WeasyPrint takes
    running elements out of the pages' boxes: when the front matter has any, all of it is kept.
    """
    if running_elements_used(context):
        return frozenset(range(pieces))
    return frozenset(marked_state_setters(pages, FRONT_MARK))


def _front_shape(hook: FolioHook) -> FrontShape:
    return FrontShape(hook.first, hook.counters[hook.first - 1] if hook.first > 0 else 0)


# The main process ---------------------------------------------------------------------------------

_PAGE_POSITION = re.compile(r"@page[^{]*:nth\((?![^)]*\bof\b)", re.I)  # :nth(3n), not :nth(1 of opener)
_TARGET_TEXT = re.compile(r"target-text\s*\(", re.I)


def _whole_book_css(sheets: tuple[tuple[str, str], ...]) -> str:
    """What in the styles only a layout of the whole book can honour, or ""."""
    for kind, value in sheets:
        try:
            css = Path(value).read_text(encoding="utf-8") if kind == "file" else value
        except OSError:
            continue
        if _PAGE_POSITION.search(css):
            return "an @page rule selects pages by their position in the book (:nth without 'of')"
        if _TARGET_TEXT.search(css):
            return "the styles copy text from elsewhere in the book (target-text)"
    return ""



@dataclass
class BookParts:
    """The book laid out part by part: the PDFs to join, in order, and what its pages hold."""

    front: PartResult
    texts: list[PartResult]
    places: list[Place]
    page_count: int
    front_matter_pages: int
    fonts: dict[str, Path] = field(default_factory=dict)  # the styles' font files by content: subsets made at the join


def lay_out_book(cut: Split, setting: Setting, jobs: int) -> BookParts:
    """Lays out every text (in `jobs` processes) and then the front matter; Unsplittable if it cannot be exact.

    Texts kept from an earlier build (editions/print/book/partcache.py) are not laid out again when they land
    on the same folios: their shapes are on the board from the start, for the others to follow.
    """

    if not available():
        raise Unsplittable("this WeasyPrint lays pages out differently")
    reason = _whole_book_css(setting.sheets)
    if reason:
        raise Unsplittable(reason)
    started = time.time_ns()
    jobs = max(1, min(jobs, cut.count))
    shared = ""
    kind = partcache.family(setting.pdf_options)
    if partcache.parts_folder() is not None:
        shared = (f"{partcache.styles_digest(setting.styles)}\0{setting.base_url}\0{setting.publication.root}"
                  f"\0{setting.pdf_options!r}")
    context = process_context()
    board = Board(context, cut.count)
    executor: ProcessPoolExecutor | None = None
    futures: dict[int, Future] = {}
    try:
        _start(setting, board, None)
        # The front matter first: its length places the texts, and what in it the texts need (the
        # strings of the running heads) is all of it they are laid out with.
        front_key = partcache.part_key(cut.front_html({}, first_only=True), setting.workdir, "front", shared,
                                       kind) if shared else ""
        front_found = partcache.load_front(front_key) if front_key else None
        if front_found is None:
            document, hook, _, _ = _lay_out_front(cut, None)
            if hook.first < 0:
                raise Unsplittable("the front matter hides where the texts begin")
            front_found = _front_shape(hook), _carriers(document.pages[:hook.first], hook.context, len(cut.front))
            del document
            if front_key:
                partcache.store_front(front_key, *front_found)
        front_shape, carriers = front_found
        if cut.carrier_links(carriers):  # the contents itself sets strings or counters
            raise Unsplittable("a piece of the front matter that links into the texts sets their running heads")
        board.publish_front(front_shape)
        htmls = [cut.text_html(i, carriers) for i in range(cut.count)]
        keys: list[str | None] = [None] * cut.count
        if shared:
            keys = [partcache.part_key(html, setting.workdir, repr(article), shared, kind)
                    # the texts print/layout.py cut the book at: a dedication and an epigraph are front matter
                    for html, article in zip(htmls, setting.publication.after_contents, strict=True)]
        twins = _twin_keys(setting, htmls, carriers) if shared else [None] * cut.count
        kept = {i: found for i, key in enumerate(keys) if key and (found := partcache.load(key)) is not None}
        for i, (result, _) in kept.items():
            if result.shape is not None:
                board.publish(i, result.shape)
        fresh = [i for i in range(cut.count) if i not in kept]
        if jobs > 1 and len(fresh) > 1:
            executor = pool(min(jobs, len(fresh)), _start, (setting, board, os.getpid()))
            futures = {i: executor.submit(lay_out_text, i, htmls[i], _files(twins[i])) for i in fresh}
        texts: list[PartResult] = []
        for i in range(cut.count):
            if i in kept and board.place(i).offset == kept[i][1]:
                result = kept[i][0]
            else:
                result = futures[i].result() if i in futures else lay_out_text(i, htmls[i], _files(twins[i]))
                if keys[i]:
                    partcache.store(keys[i], result, board.place(i).offset)
                twin = twins[i]
                if twin is not None and result.twin is not None:  # the archive's part, for its layout to take
                    partcache.store(twin[0], result.twin, board.place(i).offset)
            item(i + 1, cut.count, "texts laid out")
            texts.append(result)
    except BaseException:
        board.fail()
        raise
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
    reasons = [t.whole for t in texts if t.whole]
    set_before: set[str] = set()
    for text in texts:  # a running head carried over from the text before cannot be known alone
        carried = set(text.strings_inherited) & set_before
        if carried:
            reasons.append(f"running strings carry over from one text into the next: {', '.join(sorted(carried))}")
        set_before.update(text.strings_set)
    if reasons:
        raise Unsplittable(reasons[0])
    shapes = [t.shape for t in texts if t.shape is not None]
    book = places(front_shape, shapes)
    linked = cut.front_links
    targets = {name: number for text in texts for name, number in text.anchors.items() if name in linked}
    final_key = partcache.part_key(cut.front_html(targets), setting.workdir, "front", shared, kind) if shared else ""
    kept_front = partcache.load(final_key) if final_key else None
    if kept_front is not None:
        front = kept_front[0]
    else:
        document, hook, refused, composer = _lay_out_front(cut, targets)
        if _front_shape(hook) != front_shape:
            raise Unsplittable("the contents' page numbers changed the front matter's length")
        front = _finish(-1, document, hook, 0, hook.first, refused, None, composer=composer)
        assert front is not None
        if final_key:
            partcache.store(final_key, front, 0)
    if any(keys):
        partcache.prune(started, kind)
    count = book[-1].first + shapes[-1].pages
    return BookParts(front, texts, book, count, book[0].first, _process["fonts"])


def _twin_keys(setting: Setting, htmls: list[str], carriers: frozenset[int]) -> list[tuple[str, dict[str, str]] | None]:
    """The archive's part key of each text print's layout can write for the archive (Twin), unless that part
    is kept already, with the photos the archive shows from files of its own (print's URL → the archive's).

    The archive's layout finds the same key for the same text only with the same front matter pieces
    around it; when its own front matter differs there, it lays the text out itself.
    """
    twin = setting.twin
    if twin is None:
        return [None] * len(htmls)
    shared = (f"{partcache.styles_digest(setting.styles)}\0{setting.base_url}\0{setting.publication.root}"
              f"\0{twin.pdf_options!r}")
    kind = partcache.family(twin.pdf_options)
    keys: list[tuple[str, dict[str, str]] | None] = []
    for index, (html, article) in enumerate(zip(htmls, setting.publication.after_contents, strict=True)):
        theirs = twin.cut.text_html(index, carriers)
        files = partcache.photo_files(html, setting.workdir, theirs, twin.workdir)
        key = partcache.part_key(theirs, twin.workdir, repr(article), shared, kind) if files is not None else None
        keys.append((key, files) if key and files is not None and partcache.load(key) is None else None)
    return keys


def _files(twin: tuple[str, dict[str, str]] | None) -> dict[str, str] | None:
    return None if twin is None else twin[1]


def book_starts(parts: BookParts, labels: list[str]) -> list[PrintPage]:
    """Where each page of the book begins, labelled as the joined PDF labels its pages."""
    out = [replace(start, label=labels[i]) for i, start in parts.front.starts]
    for place, text in zip(parts.places, parts.texts, strict=True):
        out += [replace(start, label=labels[place.first + i]) for i, start in text.starts]
    return out
