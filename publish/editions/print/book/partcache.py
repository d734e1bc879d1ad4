"""Keeps each text's laid-out part in the output folder's cache, so an edit re-lays out only its own text.

Why: after a one-paragraph edit, 39 of a book's 40 texts lay out exactly as before. A part's key is
the hash of everything its layout reads: its HTML (the derived photos' temporary folder named
neutrally), the files that HTML loads, the text's model (so photo findings keep their lines), the
styles and fonts, publish's code and the layout libraries. An entry holds the part's PDF and what
was learnt from its pages; it is used only where the text lands on the same folios as before
(editions/print/book/texts.py checks), since its folios are drawn into the PDF. Entries live next to the
build cache's (`.publish-cache/parts/`) and are as safe to delete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from publish.editions.pagemap import PrintPage
from publish.engine.pages import FrontShape, Shape
from publish.model.diagnostics import Diagnostic, Severity
from publish.runtime.folders import list_folder
from publish.runtime.output import atomic_path, write_atomic
from publish.runtime.store import code_digest, file_hash, parts_folder
from publish.runtime.toolchain import fingerprint

_SOURCE = re.compile(r'(?:src|href)="(file:[^"]+)"')


@dataclass
class PartResult:
    """A laid-out, written part of the book, with what the main process needs from its pages."""

    index: int  # -1: the front matter
    pdf: Path
    first: int
    stop: int
    shape: Shape | None
    starts: list[tuple[int, PrintPage]]  # page index within the part, and where that page begins
    anchors: dict[str, int]  # id → its page's number in the book
    diagnostics: list[Diagnostic]
    placements: dict[str, list[tuple[float, ...]]]  # per photo: ppi, width mm, height mm, share shown
    refused: list[str]
    whole: str = ""  # why the book must be laid out whole instead, if it must
    strings_set: list[str] = field(default_factory=list)  # named strings the text sets
    strings_inherited: list[str] = field(default_factory=list)  # … and shows before setting them
    outline_level: int = 1  # the level of its highest bookmark: a chapter of a part starts at 2
    twin: PartResult | None = None  # the same pages written for the archive (texts.py's Twin), not kept here



def styles_digest(roots: tuple[Path, ...]) -> str:
    """Every file of the styles folders: stylesheets, templates, fonts."""
    digest = hashlib.sha256()
    for root in roots:
        for path in list_folder(root).paths():
            digest.update(f"{path.relative_to(root).as_posix()} {file_hash(path)}\n".encode())
    return digest.hexdigest()


def family(pdf_options: object) -> str:
    """Parts written one way (print's PDF, the archive's tagged PDF/A) are kept and pruned apart."""
    return hashlib.sha256(repr(pdf_options).encode()).hexdigest()[:12]


def neutral(html: str, workdir: Path) -> str:
    """The part's HTML with the derived photos' temporary folder named neutrally."""
    return html.replace(workdir.as_uri(), "file:///WORKDIR")


def sources(html: str, workdir: Path) -> list[str]:
    """Every file the part's HTML loads, neutrally named, with its content hash."""
    found = []
    for url in sorted(set(_SOURCE.findall(html))):
        path = Path(unquote(urlsplit(url).path))
        with contextlib.suppress(OSError):
            found.append(f"{_named(url, workdir)} {file_hash(path)}")
    return found


_PHOTO = re.compile(r'<img\b[^>]*?\bsrc="(file:[^"]+)"')


def photo_files(html: str, workdir: Path, theirs: str, their_workdir: Path) -> dict[str, str] | None:
    """Where another edition's HTML of a part (`theirs`) differs from this one only in the files its
    photos are shown from: this HTML's URL → theirs, {} if they do not differ at all, None otherwise.

    Every other file either loads must be the same, and a replaced URL must appear only as an <img>'s
    source, so that what lays the part out is the same but for the pixels of those photos.
    """
    ours, others = _PHOTO.findall(html), _PHOTO.findall(theirs)
    if len(ours) != len(others):
        return None
    mine_loaded, theirs_loaded = _loaded(html, workdir), _loaded(theirs, their_workdir)
    files: dict[str, str] = {}
    for mine, their in zip(ours, others, strict=True):
        mine_name, their_name = _named(mine, workdir), _named(their, their_workdir)
        same = mine_name == their_name and mine_loaded.get(mine_name) == theirs_loaded.get(their_name)
        if not same and files.setdefault(mine, their) != their:
            return None
    if any(html.count(url) != ours.count(url) for url in files):
        return None
    replaced = html
    for mine, their in files.items():
        replaced = replaced.replace(f'src="{mine}"', f'src="{their}"')
        mine_loaded.pop(_named(mine, workdir), None)
        theirs_loaded.pop(_named(their, their_workdir), None)
    if neutral(neutral(replaced, workdir), their_workdir) != neutral(theirs, their_workdir) \
            or mine_loaded != theirs_loaded:
        return None
    return files


def _loaded(html: str, workdir: Path) -> dict[str, str]:
    """sources() as a map: each file the HTML loads, named as _named names it → its content hash."""
    return dict(source.rsplit(" ", 1) for source in sources(html, workdir))


def _named(url: str, workdir: Path) -> str:
    return url.replace(workdir.as_uri(), "WORKDIR")  # as sources() names a file


def part_key(html: str, workdir: Path, model: str, context: str, kind: str) -> str:
    """The content hash of one part's inputs, after its `kind` (family); `context` covers what all share."""
    digest = hashlib.sha256()
    for label, value in (("context", context), ("html", neutral(html, workdir)), ("model", model),
                         ("code", code_digest()), ("toolchain", fingerprint())):
        digest.update(f"{label}\0{value}\n".encode())
    for source in sources(html, workdir):
        digest.update(f"file\0{source}\n".encode())
    return f"{kind}-{digest.hexdigest()}"


def load(key: str) -> tuple[PartResult, int] | None:
    """A kept part and the folio offset it was drawn with, or None."""
    folder = parts_folder()
    if folder is None:
        return None
    pdf, meta = folder / f"{key}.pdf", folder / f"{key}.json"
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        if not pdf.is_file():
            return None
        for path in (pdf, meta):
            os.utime(path)  # used by this build: kept by the next prune
        return _result(data, pdf), int(data["offset"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(key: str, result: PartResult, offset: int) -> None:
    """Keeps a part just laid out; a full disk or a read-only cache costs only speed."""
    folder = parts_folder()
    if folder is None or result.whole:
        return
    with contextlib.suppress(OSError):
        with atomic_path(folder / f"{key}.pdf") as temp:
            shutil.copyfile(result.pdf, temp)
        write_atomic(folder / f"{key}.json", json.dumps(_data(result, offset)).encode())


def load_front(key: str) -> tuple[FrontShape, frozenset[int]] | None:
    """The front matter's length and last page counter, and the pieces the texts need, as laid out before."""
    folder = parts_folder()
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{key}.front.json").read_text(encoding="utf-8"))
        os.utime(folder / f"{key}.front.json")
        return FrontShape(int(data["pages"]), int(data["counter_last"])), frozenset(int(n) for n in data["carriers"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_front(key: str, front: FrontShape, carriers: frozenset[int]) -> None:
    folder = parts_folder()
    if folder is None:
        return
    with contextlib.suppress(OSError):
        write_atomic(folder / f"{key}.front.json", json.dumps({**asdict(front), "carriers": sorted(carriers)}).encode())


def prune(older_than_ns: int, kind: str) -> None:
    """Parts of this kind this build did not use go: the cache holds one book's worth, not its history."""
    folder = parts_folder()
    if folder is None or not folder.is_dir():
        return
    for kept in folder.glob(f"{kind}-*"):
        with contextlib.suppress(OSError):
            if kept.stat().st_mtime_ns < older_than_ns:
                kept.unlink()


def _data(result: PartResult, offset: int) -> dict:
    return {
        "offset": offset, "index": result.index, "first": result.first, "stop": result.stop,
        "shape": asdict(result.shape) if result.shape else None,
        "starts": [[i, start.label, start.anchor, start.offset, [list(o) for o in start.outer]]
                   for i, start in result.starts],
        "anchors": result.anchors,
        "diagnostics": [[d.path, d.line, d.column, d.severity.value, d.message, d.hint] for d in result.diagnostics],
        "placements": {name: [list(p) for p in places] for name, places in result.placements.items()},
        "refused": result.refused, "outline_level": result.outline_level,
    }


def _result(data: dict, pdf: Path) -> PartResult:
    return PartResult(
        index=data["index"], pdf=pdf, first=data["first"], stop=data["stop"],
        shape=Shape(**data["shape"]) if data["shape"] else None,
        starts=[(i, PrintPage(label, anchor, offset, tuple((a, int(n)) for a, n in outer)))
                for i, label, anchor, offset, outer in data["starts"]],
        anchors={name: int(value) for name, value in data["anchors"].items()},
        diagnostics=[Diagnostic(p, line, column, Severity(severity), message, hint)
                     for p, line, column, severity, message, hint in data["diagnostics"]],
        placements={name: [tuple(p) for p in places] for name, places in data["placements"].items()},
        refused=list(data["refused"]), outline_level=int(data.get("outline_level", 1)))
