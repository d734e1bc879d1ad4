"""`publish reproduce BAG`: rebuilds a deposit's editions from the bag alone and compares them byte for byte.

Why: a library that keeps a bag can then show that each edition in it comes from the manuscript in
it. The bag carries everything a rebuild needs besides publish itself: the manuscript
(data/manuscript/), the build record of its editions (metadata/build.json: the build date, the
options, every file's checksum, the versions of the tools that shape the bytes) and the lock of the
Python libraries (metadata/requirements.lock). The rebuild runs in a clean temporary folder with the
bag's build date. A file that differs is named, and so is every tool whose version here is not the
one the record names: a Python library (install the bag's lock) or a system library (Pango,
HarfBuzz, fontconfig…, which no lock pins).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from publish.build.pipeline import build
from publish.build.record import styles_digest
from publish.editions.archive.deposit import verify
from publish.runtime.store import code_digest, file_hash
from publish.runtime.toolchain import LIBRARIES, differences

RECORD = "metadata/build.json"
LOCK = "metadata/requirements.lock"
COMPARED_RECORDS = ("metadata/dublin-core.xml", "metadata/marc.xml", "metadata/onix.xml")
EDITIONS = {"pdf", "epub", "archive"}


class BagProblem(Exception):
    """The folder cannot be reproduced from: not a bag, or one without a build record."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Compared:
    name: str  # relative to the bag
    identical: bool
    bag: tuple[int, str] | None  # size, sha256 of the bag's file
    rebuilt: tuple[int, str] | None


@dataclass
class Reproduction:
    """What a rebuild from a bag found."""

    slug: str
    build_date: str
    files: list[Compared] = field(default_factory=list)
    tools: list[tuple[str, str, str]] = field(default_factory=list)  # name, the record's version, this machine's
    bag_problems: tuple[str, ...] = ()  # what the bag's own manifests say is missing or altered

    @property
    def identical(self) -> bool:
        return not self.bag_problems and all(f.identical for f in self.files)


def read_record(bag: Path) -> dict:
    path = bag / RECORD
    if not (bag / "bagit.txt").is_file():
        raise BagProblem(f"{bag} is not a BagIt bag (no bagit.txt)", "give the folder `publish deposit` wrote")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        record["build_date"], record["outputs"], record["tools"]  # noqa: B018 - the keys a rebuild needs
    except FileNotFoundError:
        raise BagProblem(f"{bag} has no build record ({RECORD})",
                         "bags made before publish recorded its builds cannot be rebuilt; "
                         "run `publish deposit` on the manuscript again") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise BagProblem(f"{path} cannot be read ({exc})", "the bag's build record is damaged") from None
    return record


def reproduce(bag: Path) -> Reproduction:
    """Rebuilds every edition the bag's record lists, in a clean temporary folder, and compares each file."""
    record = read_record(bag)
    verdict = verify(bag)
    editions = tuple(sorted({o["edition"] for o in record["outputs"]} & EDITIONS))
    result = Reproduction(record.get("publication", {}).get("slug", bag.name), record["build_date"],
                          tools=differences(record["tools"]), bag_problems=() if verdict.valid else verdict.problems)
    here = {"python": code_digest(), "styles": styles_digest()}
    for part, digest in sorted(record.get("publish_code", {}).items()):
        if here.get(part) != digest:
            result.tools.append((f"publish's {'code' if part == 'python' else 'default styles'}", digest[:12],
                                 here.get(part, "absent")[:12]))
    with tempfile.TemporaryDirectory(prefix="publish-reproduce-") as scratch:
        manuscript = Path(scratch) / "manuscript"
        shutil.copytree(bag / "data" / "manuscript", manuscript)
        output = Path(scratch) / "output"
        with _build_date(record):
            built = build(manuscript, output, (*editions, "deposit"),
                          standard=record.get("options", {}).get("standard"), use_cache=False)
        rebuilt_bag = built.deposit
        assert rebuilt_bag is not None
        names = sorted({f"data/editions/{Path(o['path']).name}" for o in record["outputs"]
                        if o["edition"] in EDITIONS} | set(COMPARED_RECORDS))
        result.files = [_compare(name, bag / name, rebuilt_bag / name) for name in names]
    return result


def _facts(path: Path) -> tuple[int, str] | None:
    return (path.stat().st_size, file_hash(path)) if path.is_file() else None


def _compare(name: str, ours: Path, rebuilt: Path) -> Compared:
    bag, again = _facts(ours), _facts(rebuilt)
    return Compared(name, bag is not None and bag == again, bag, again)


@contextlib.contextmanager
def _build_date(record: dict) -> Iterator[None]:
    """The bag's build date for the rebuild: SOURCE_DATE_EPOCH when the build had it, else the publication's."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if record.get("build_date_source") == "SOURCE_DATE_EPOCH":
        when = dt.datetime.strptime(record["build_date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        os.environ["SOURCE_DATE_EPOCH"] = str(int(when.timestamp()))
    else:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def explain(result: Reproduction, bag: Path) -> list[str]:
    """The report, for the person who holds the bag: each file, then why any can differ."""
    lines = [f"rebuilt {result.slug} from {bag} with its build date {result.build_date}:"]
    for compared in result.files:
        if compared.identical:
            lines.append(f"  identical  {compared.name}")
        elif compared.rebuilt is None:
            lines.append(f"  DIFFERS    {compared.name}: the rebuild made no such file")
        elif compared.bag is None:
            lines.append(f"  DIFFERS    {compared.name}: the bag has no such file")
        else:
            (size, sha), (new_size, new_sha) = compared.bag, compared.rebuilt
            lines.append(f"  DIFFERS    {compared.name}: the bag's is {size:,} bytes (sha256 {sha[:12]}…), "
                         f"the rebuild's {new_size:,} bytes (sha256 {new_sha[:12]}…)")
    for problem in result.bag_problems:
        lines.append(f"  bag        {problem}")
    if result.tools:
        lines.append("this machine's tools are not all the ones the bag's editions were made with:")
        for name, recorded, here in result.tools:
            kind = ("a Python library: install the bag's lock, "
                    f"`pip install --require-hashes -r {bag / LOCK}`" if name in LIBRARIES
                    else "Python itself" if name == "python"
                    else "install the publish that made the bag" if name.startswith("publish")
                    else "a system library (no lock pins it): build on a machine that has the recorded version")
            lines.append(f"  {name} {recorded} in the bag's record, {here} here: {kind}")
    if result.identical:
        return lines + ["every edition in the bag is what its sources build, byte for byte"
                        + (", with these tools too" if result.tools else "")]
    if result.tools:
        lines.append("so the differences can come from the tools")
    elif result.bag_problems:
        lines.append("why: files of the bag were changed after it was made (its own checksums no longer match)")
    else:
        lines.append("the tools are the ones the record names: the bag's files are not what its sources build "
                     "(changed after the build, with checksums made anew?)")
    return lines
