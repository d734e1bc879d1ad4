"""Catalogue builds: many manuscripts at once, in parallel, each failure kept to its own manuscript.

Why: a publisher rebuilds the whole backlist when the house style changes. Each manuscript is an
independent job (own output folder, own cache), so jobs run in a process pool on this machine or,
with the optional `dask` extra, on a Dask distributed cluster; one broken manuscript is reported,
not fatal, and every other edition still gets built.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from publish.model.diagnostics import ManuscriptError
from publish.model.text import human_size
from publish.runtime.jobs import pool
from publish.runtime.output import OutputBusy, OutputError

METADATA_FILE = "publication.toml"


@dataclass
class Outcome:
    """What happened to one manuscript of the catalogue; plain data, so it crosses process boundaries."""

    manuscript: Path
    output: Path
    status: str  # built | up to date | manuscript errors | output busy | internal error
    seconds: float = 0.0
    editions: list[tuple[str, str, int, int | None]] = field(default_factory=list)  # edition, path, bytes, pages
    messages: list[str] = field(default_factory=list)  # diagnostics, as the single build prints them

    @property
    def ok(self) -> bool:
        return self.status in ("built", "up to date")


def is_manuscript(folder: Path) -> bool:
    return (folder / METADATA_FILE).is_file()


def find_manuscripts(paths: Iterable[Path]) -> list[Path]:
    """Manuscript folders named directly, or the manuscript folders inside a catalogue folder.

    A path that is neither stays in the list, so its build reports the usual diagnostic for it.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir() and not is_manuscript(path):
            inside = sorted(p for p in path.iterdir() if p.is_dir() and is_manuscript(p))
            if inside:
                found += inside
                continue
        found.append(path)
    return found


def is_catalogue(paths: list[Path]) -> bool:
    return len(paths) > 1 or find_manuscripts(paths) != paths


def output_folders(manuscripts: list[Path], output: Path) -> list[Path]:
    """One sub-folder of `output` per manuscript, named after its folder (made unique if needed)."""
    folders: list[Path] = []
    used: set[str] = set()
    for manuscript in manuscripts:
        name = manuscript.resolve().name or "manuscript"
        candidate, number = name, 2
        while candidate in used:
            candidate, number = f"{name}-{number}", number + 1
        used.add(candidate)
        folders.append(output / candidate)
    return folders


def build_one(manuscript: Path, output: Path, editions: tuple[str, ...]) -> Outcome:
    """One job of the catalogue; never raises, whatever the manuscript holds."""
    from publish.build.pipeline import build
    from publish.runtime.jobs import layout_jobs

    started = time.monotonic()
    outcome = Outcome(manuscript, output, "built")
    try:
        with layout_jobs(1):  # the catalogue's processes already share the cores out
            result = build(manuscript, output, editions)
    except ManuscriptError as exc:
        outcome.status = "manuscript errors"
        outcome.messages = [d.format() for d in exc.diagnostics]
    except OutputBusy as exc:
        outcome.status = "output busy"
        outcome.messages = [str(exc)]
    except OutputError as exc:
        outcome.status = "output problem"
        outcome.messages = [str(exc)]
    except Exception as exc:  # a bug of ours, kept to this manuscript
        outcome.status = "internal error"
        outcome.messages = [f"{type(exc).__name__}: {exc}", traceback.format_exc()]
    else:
        outcome.status = "up to date" if result.cached else "built"
        outcome.messages = [d.format() for d in result.warnings]
        outcome.editions = [(b.edition, str(b.path), b.size, b.pages) for b in result.built]
    outcome.seconds = time.monotonic() - started
    return outcome


def default_jobs() -> int:
    """Half the cores, at least one: each layout process also needs memory, and the machine stays usable."""
    return max(1, (os.cpu_count() or 2) // 2)


def build_catalogue(manuscripts: list[Path], output: Path, editions: tuple[str, ...], jobs: int | None = None,
                    scheduler: str | None = None,
                    on_done: Callable[[int, int, Outcome], None] | None = None) -> list[Outcome]:
    """Builds every manuscript into its own folder under `output`; results in the manuscripts' order.

    With `scheduler` (a Dask distributed address) the jobs run on that cluster instead of a local
    process pool; the manuscripts and the output folder must then be on a file system the workers share.
    """
    folders = output_folders(manuscripts, output)
    jobs = max(1, jobs or default_jobs())
    outcomes: dict[int, Outcome] = {}

    def finished(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        if on_done:
            on_done(len(outcomes), len(manuscripts), outcome)

    if scheduler:
        _on_dask(scheduler, manuscripts, folders, editions, finished)
    elif jobs == 1 or len(manuscripts) == 1:
        for index, (manuscript, folder) in enumerate(zip(manuscripts, folders, strict=True)):
            finished(index, build_one(manuscript, folder, editions))
    else:
        with pool(min(jobs, len(manuscripts))) as workers:
            futures: dict[Future[Outcome], int] = {
                workers.submit(build_one, manuscript, folder, editions): index
                for index, (manuscript, folder) in enumerate(zip(manuscripts, folders, strict=True))}
            for future in as_completed(futures):
                index = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker process itself died (memory, signal)
                    outcome = Outcome(manuscripts[index], folders[index], "internal error",
                                      messages=[f"the build process failed: {type(exc).__name__}: {exc}"])
                finished(index, outcome)
    return [outcomes[i] for i in range(len(manuscripts))]


def _on_dask(scheduler: str, manuscripts: list[Path], folders: list[Path], editions: tuple[str, ...],
             finished: Callable[[int, Outcome], None]) -> None:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise ClusterProblem("building on a Dask cluster needs the dask extra: pip install 'publish[dask]'") \
            from None
    try:
        client = Client(scheduler, timeout="5s")
    except (OSError, TimeoutError) as exc:
        raise ClusterProblem(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
    with client:
        futures = {client.submit(build_one, manuscript.resolve(), folder.resolve(), editions, pure=False): index
                   for index, (manuscript, folder) in enumerate(zip(manuscripts, folders, strict=True))}
        for future in dask_completed(list(futures)):
            index = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # the worker died or could not run the job
                outcome = Outcome(manuscripts[index], folders[index], "internal error",
                                  messages=[f"the Dask job failed: {type(exc).__name__}: {exc}"])
            outcome.manuscript = manuscripts[index]  # as the user named it, not as the worker saw it
            finished(index, outcome)


class ClusterProblem(Exception):
    """The Dask cluster cannot be used (extra not installed, scheduler unreachable); said to the user."""


def summary_line(outcome: Outcome) -> str:
    """One line per manuscript for the catalogue's summary."""
    made = "; ".join(
        f"{edition} {human_size(size)}" + (f", {pages} pages" if pages else "")
        for edition, _path, size, pages in outcome.editions)
    detail = f" ({made})" if made else ""
    return f"{outcome.status:>17}  {outcome.manuscript}{detail} — {outcome.seconds:.1f} s"
