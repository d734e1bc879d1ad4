"""How many processes lay out a book's texts: `--jobs`, or the cores this process may use.

Kept apart from the layout modules so the command line can set it without loading WeasyPrint:
a build answered from the cache must start in milliseconds.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from publish.runtime.output import release_in_worker

if TYPE_CHECKING:  # imported where a pool is made: a cache hit makes none
    from concurrent.futures import ProcessPoolExecutor

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
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


def pool(workers: int, initializer: Callable[..., None] | None = None,
         initargs: tuple[Any, ...] = ()) -> ProcessPoolExecutor:
    """The build's one kind of process pool: forked workers that die with the build and leave signals to it.

    `initializer(*initargs)` runs in each worker after the worker is set up.
    """
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=process_context(), initializer=_worker_started,
                               initargs=(initializer, initargs))


def _worker_started(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    quiet_worker()
    if initializer is not None:
        initializer(*initargs)


def parallel_map(function: Callable[..., T], calls: list[tuple[Any, ...]], least: int = 4) -> list[T]:
    """`function(*call)` for each call, in order, spread over processes when there are enough of them.

    For independent, CPU-bound work of a build (photos for screens, font subsets). `function` must be
    importable by name; in forked processes the build's caches (runtime/store.py) are shared as well.
    """
    jobs = min(default_jobs(), len(calls))
    if jobs <= 1 or len(calls) < least:
        return [function(*call) for call in calls]
    with pool(jobs) as workers:
        return list(workers.map(function, *zip(*calls, strict=True)))


@contextmanager
def alongside(function: Callable[..., T], *args: Any) -> Iterator[Callable[[], T]]:
    """`function(*args)` in a forked process while the block runs; the block calls what this gives to wait
    for the result. With one job (`--jobs 1`) it runs here, before the block, and gives the same result.

    For a stage that other serial work need not wait for (the EPUB while the archive is made). When
    the block fails, the process is waited for before the failure goes on: it may be writing into
    the build's staging folder, which is removed next.
    """
    if default_jobs() <= 1:
        value = function(*args)
        yield lambda: value
        return
    executor = pool(1)
    try:
        yield executor.submit(function, *args).result
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


@contextmanager
def in_idle_time(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> Iterator[Callable[[], None]]:
    """`function(*args)` for each call, in a forked process that runs only on a core nothing else wants.

    For derivatives a later stage would make, kept by content (runtime/store.py derived_file): the
    screen copies of a book's photos are minutes of CPU that need nothing from the layout, and the
    layout leaves a core idle while it reads the manuscript, sets the front matter and joins the
    book. The stage that needs them calls what this gives, which ends the process where it is, and
    makes whatever is still missing itself: the same bytes, whoever made them. With one job there is
    no idle core to use, and nothing runs.
    """
    import multiprocessing

    if default_jobs() <= 1 or not calls or multiprocessing.current_process().daemon:  # a daemon has no children
        yield lambda: None
        return
    process = process_context().Process(target=_idle_worker, args=(calls,), daemon=True)
    process.start()

    def ended() -> None:
        if process.is_alive():
            process.kill()  # a derivative half written is a temporary file, never a kept one
        process.join()

    try:
        yield ended
    finally:
        ended()


def _idle_worker(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> None:
    quiet_worker()
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # Linux
    except (OSError, AttributeError):
        with contextlib.suppress(OSError, AttributeError):
            os.nice(19)  # elsewhere: the lowest priority there is
    for function, args in calls:
        with contextlib.suppress(Exception):  # what fails here, the stage meets and reports itself
            function(*args)


def quiet_worker() -> None:
    """A worker leaves Ctrl-C and SIGTERM to the command, which reports the interruption once, and dies with it.

    The parent's output lock is let go of here, so a build killed with SIGKILL leaves neither live
    workers nor a held lock behind.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    release_in_worker()
    _die_with_parent()


def _die_with_parent() -> None:
    """Linux: the kernel sends SIGKILL to this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the call: no signal will come
            os._exit(1)
