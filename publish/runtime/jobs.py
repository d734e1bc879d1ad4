"""How many processes lay out a book's texts: `--jobs`, or the cores this process may use.

Kept apart from the layout modules so the command line can set it without loading WeasyPrint:
a build answered from the cache must start in milliseconds.
"""

from __future__ import annotations

import contextvars
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

_jobs: contextvars.ContextVar[int | None] = contextvars.ContextVar("layout_jobs", default=None)


def default_jobs() -> int:
    """`--jobs` when given (publish.cli), else the cores this process may use."""
    chosen = _jobs.get()
    if chosen:
        return chosen
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def layout_jobs(count: int | None) -> Iterator[None]:
    """Lays books out in `count` processes for the block; the editions' bytes do not depend on it."""
    token = _jobs.set(count)
    try:
        yield
    finally:
        _jobs.reset(token)


def process_context() -> Any:
    """Forked processes where the system has them: they start in milliseconds with everything imported."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


def parallel_map(function: Callable[..., T], calls: list[tuple[Any, ...]], least: int = 4) -> list[T]:
    """`function(*call)` for each call, in order, spread over processes when there are enough of them.

    For independent, CPU-bound work of a build (photos for screens, font subsets). `function` must be
    importable by name; in forked processes the build's caches (publish/cache.py) are shared as well.
    """
    jobs = min(default_jobs(), len(calls))
    if jobs <= 1 or len(calls) < least:
        return [function(*call) for call in calls]
    with ProcessPoolExecutor(jobs, mp_context=process_context(), initializer=quiet_worker) as pool:
        return list(pool.map(function, *zip(*calls, strict=True)))


def quiet_worker() -> None:
    """A worker process leaves Ctrl-C and SIGTERM to the command, which reports the interruption once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
