"""Progress on long builds: one self-erasing status line on a terminal, silence everywhere else.

Why: a 400-page book takes a minute and a catalogue longer; an author watching a terminal should see
which stage is running and how far layout has got, while logs, CI and pipes get only the results.
The pipeline calls `stage()` without knowing who listens; the command decides with `reporting()`.
"""

from __future__ import annotations

import logging
import re

from publish.runtime.progress import Progress

_PAGE = re.compile(r"Creating layout - Page (\d+)")


class _LayoutPages(logging.Handler):
    """Turns WeasyPrint's per-page progress messages into 'page N' on the status line."""

    def __init__(self, progress: Progress):
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        match = _PAGE.search(record.getMessage())
        if match:
            self.progress.detail(f"page {match.group(1)}")


