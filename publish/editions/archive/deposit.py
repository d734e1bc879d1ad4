"""The library deposit: a BagIt 1.0 bag (RFC 8493) of every edition and the manuscript, with its records.

The `bagit` library writes manifests and bag-info and validates the result; this module chooses the
payload, writes the descriptive records beside it (metadata/), declares BagIt 1.0 and puts the
tag manifests in a stable order so that the same manuscript and date always give the same bag.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import bagit

from publish import __version__
from publish.editions.archive.bibliographic import dublin_core, marcxml, onix
from publish.editions.archive.pdfa import manuscript_sources
from publish.model import credits
from publish.model.document import Publication
from publish.model.editions import BUILD_NAMES, Edition, OutputFiles, make_edition
from publish.model.typography import catalogue_text

CHECKSUMS = ["sha256", "sha512"]
BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def _bag_info(publication: Publication, editions: list[Edition], when: dt.datetime) -> dict[str, str]:
    meta = publication.metadata
    description = catalogue_text(meta.title + (f": {meta.subtitle}" if meta.subtitle else ""))
    names, role = credits.creators(publication)  # the authors, or an anthology's editors
    if names:
        description += (" by " if role == "author" else ", edited by ") + ", ".join(names)
    description += f" ({meta.date}). " + "; ".join(e.label for e in editions)
    description += " and the manuscript it was built from."
    return {
        "Source-Organization": meta.publisher or ", ".join(names) or "unknown",
        "External-Identifier": meta.identifier,
        "External-Description": description,
        "Bagging-Date": when.astimezone(dt.UTC).date().isoformat(),
        "Bag-Software-Agent": f"publish {__version__} (bagit.py {bagit.VERSION})",
        "Internal-Sender-Identifier": publication.slug,
    }


RECORD_KEYS = BUILD_NAMES


def write_deposit(output: Path, publication: Publication, built: list[tuple[str, Path, int | None]],
                  when: dt.datetime, tags: dict[str, bytes] | None = None) -> Path:
    """The bag for the editions just built (edition name, file, pages), written to output/<slug>-deposit.

    `tags` are more files for metadata/ (the build record, the lock), covered by the tag manifests.
    """
    editions = [(make_edition(publication.metadata, RECORD_KEYS[name], path.name, pages, path.stat().st_size),
                 path) for name, path, pages in built if name in RECORD_KEYS]
    order = list(RECORD_KEYS.values())
    editions.sort(key=lambda pair: order.index(pair[0].key))
    return write_bag(OutputFiles(output, publication.slug).deposit, publication, editions, when, exclude=(output,),
                     tags=tags)


def write_bag(target: Path, publication: Publication, editions: list[tuple[Edition, Path]],
              when: dt.datetime, exclude: tuple[Path, ...] = (), tags: dict[str, bytes] | None = None) -> Path:
    """Builds the bag in a staging folder beside `target`, validates it, then puts it in place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        os.chmod(staging, 0o755)
        for edition, path in editions:
            _copy(path, staging / "editions" / edition.file_name)
        for name, path in manuscript_sources(publication, exclude):
            _copy(path, staging / "manuscript" / name)
        described = [edition for edition, _ in editions]
        logging.getLogger("bagit").setLevel(logging.WARNING)
        bag = bagit.make_bag(str(staging), _bag_info(publication, described, when), checksums=CHECKSUMS)
        records = staging / "metadata"
        records.mkdir()
        (records / "dublin-core.xml").write_bytes(dublin_core(publication, described))
        (records / "marc.xml").write_bytes(marcxml(publication, described, when))
        (records / "onix.xml").write_bytes(onix(publication, described, when))
        for name, data in sorted((tags or {}).items()):
            (records / name).write_bytes(data)
        (staging / "bagit.txt").write_text(BAGIT_TXT, encoding="utf-8")
        bag = bagit.Bag(str(staging))
        bag.save()  # rewrites the tag manifests over bagit.txt, bag-info.txt and metadata/
        _sort_tag_manifests(staging)
        bagit.Bag(str(staging)).validate()
        _replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target


def _copy(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)
    os.chmod(destination, 0o644)


def _sort_tag_manifests(bag: Path) -> None:
    """bagit lists tag files in directory order, which varies between file systems; sort them."""
    for manifest in sorted(bag.glob("tagmanifest-*.txt")):
        lines = manifest.read_text(encoding="utf-8").splitlines()
        manifest.write_text("".join(f"{line}\n" for line in sorted(lines, key=lambda x: x.split(None, 1)[1])),
                            encoding="utf-8")


def _replace(staging: Path, target: Path) -> None:
    """The new bag takes the old one's place; the old one is removed only once the new one is there."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old)


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking a bag: what it is, and every missing, altered or unexpected file."""

    valid: bool
    problems: tuple[str, ...]
    version: str = ""
    files: int = 0
    algorithms: tuple[str, ...] = ()


def verify(path: Path) -> Verdict:
    """Validates a bag with the bagit library, naming each file that is missing, altered or unexpected."""
    logging.getLogger("bagit").setLevel(logging.CRITICAL)
    if not (path / "bagit.txt").is_file():
        return Verdict(False, (f"{path}: not a BagIt bag (no bagit.txt)",))
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as exc:
        return Verdict(False, (f"{path}: {exc}",))
    version = ".".join(str(p) for p in bag.version_info)
    algorithms = tuple(sorted(bag.algorithms))
    try:
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        problems = _name_files(bag, path, exc)
        return Verdict(False, tuple(problems), version, len(bag.entries), algorithms)
    except bagit.BagError as exc:
        return Verdict(False, (f"{path}: {exc}",), version, len(bag.entries), algorithms)
    payload = sum(1 for name in bag.entries if name.startswith("data/"))
    return Verdict(True, (), version, payload, algorithms)


def _name_files(bag: bagit.Bag, path: Path, error: bagit.BagValidationError) -> list[str]:
    """bagit stops at the Payload-Oxum when a file is missing or added; look further so files are named."""
    details = list(error.details or [])
    if not details:
        for check in (bag._validate_completeness, lambda: bag._validate_entries(1)):  # noqa: SLF001
            try:
                check()
            except bagit.BagValidationError as deeper:
                details.extend(deeper.details or [])
    # One line per file: bagit reports a missing file once as missing and again for every checksum
    # it could not compute, and an altered file once per algorithm.
    missing = {d.path for d in details if isinstance(d, bagit.FileMissing)}
    mismatches: dict[str, list[bagit.ChecksumMismatch]] = {}
    problems: set[str] = set()
    for detail in details:
        where = path / detail.path
        if isinstance(detail, bagit.ChecksumMismatch):
            if detail.path not in missing:
                mismatches.setdefault(detail.path, []).append(detail)
        elif isinstance(detail, bagit.FileMissing):
            problems.add(f"{where}: missing (listed in the manifest)")
        elif isinstance(detail, bagit.UnexpectedFile):
            problems.add(f"{where}: unexpected (not listed in any manifest)")
        else:
            problems.add(f"{where}: {detail}")
    for name, found in mismatches.items():
        first, *others = sorted(found, key=lambda d: d.algorithm)
        also = f"; {' and '.join(d.algorithm for d in others)} differ{'s' if len(others) == 1 else ''} too" \
            if others else ""
        problems.add(f"{path / name}: altered ({first.algorithm} is {first.found}, "
                     f"the manifest says {first.expected}{also})")
    return sorted(problems) or [f"{path}: {error}"]
