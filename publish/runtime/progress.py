"""Progress on long builds: one self-erasing status line on a terminal, silence everywhere else.

Why: a 400-page book takes a minute and a catalogue longer; an author watching a terminal should see
which stage is running and how far layout has got, while logs, CI and pipes get only the results.
The pipeline calls `stage()` without knowing who listens; the command decides with `reporting()`.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import time
from collections.abc import Iterator
from typing import TextIO

from publish.model.text import human_size


class Progress:
    """Draws the current stage on one line of a terminal; does nothing when disabled."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None, label: str = ""):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label = label
        self.started = time.monotonic()
        self.current = ""
        self._shown = False

    def stage(self, name: str) -> None:
        self.current = name
        self._draw(name)

    def item(self, done: int, total: int, name: str) -> None:
        """Per-item progress inside a stage: texts laid out, manuscripts built."""
        self._draw(f"{self.current} {done}/{total} · {name}" if self.current else f"{done}/{total} · {name}")

    def detail(self, text: str) -> None:
        self._draw(f"{self.current} · {text}" if self.current else text)

    def _draw(self, text: str) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        prefix = f"{self.label}: " if self.label else ""
        self.stream.write(f"\r\033[K[{elapsed:5.1f} s] {prefix}{text}")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False


_current: contextvars.ContextVar[Progress | None] = contextvars.ContextVar("progress", default=None)


def stage(name: str) -> None:
    """Announces a pipeline stage to whoever is listening (nobody, by default)."""
    progress = _current.get()
    if progress is not None:
        progress.stage(name)


def item(done: int, total: int, name: str) -> None:
    progress = _current.get()
    if progress is not None:
        progress.item(done, total, name)


def detail(text: str) -> None:
    """A detail of the current stage (the page being laid out), for whoever is listening."""
    progress = _current.get()
    if progress is not None:
        progress.detail(text)


def listening() -> bool:
    """Whether anyone shows progress: work done only to report it can be skipped otherwise."""
    progress = _current.get()
    return progress is not None and progress.enabled


@contextlib.contextmanager
def reporting(progress: Progress) -> Iterator[Progress]:
    """Shows the pipeline's stages on `progress` for the block."""
    token = _current.set(progress)
    try:
        yield progress
    finally:
        progress.clear()
        _current.reset(token)


def summary(built: list, seconds: float, cached: bool = False) -> str:
    """The one line a build ends with: what was made, how big, how many pages, how long."""
    parts = []
    for edition in built:
        pages = f", {edition.pages} pages" if getattr(edition, "pages", None) else ""
        parts.append(f"{edition.edition} {human_size(edition.size)}{pages}")
    made = "; ".join(parts) or "nothing"
    if cached:
        return f"up to date: nothing changed since the last build ({made}) — {seconds:.2f} s"
    return f"built {made} in {seconds:.1f} s"
