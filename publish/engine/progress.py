"""WeasyPrint's layout progress (the page it is laying out) on the build's status line.

WeasyPrint logs each page it makes on its `weasyprint.progress` logger, from its page maker, with
the page number as the record's argument. That record is read as data (the function that logged
it and its argument), never by parsing the message's words, which a release may rephrase.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from publish.runtime.progress import detail, listening

LOGGER = "weasyprint.progress"
PAGE_MAKER = "make_all_pages"  # the function in weasyprint.layout.page that logs each page


def page_of(record: logging.LogRecord) -> int | None:
    """The page number a WeasyPrint progress record reports, or None for its other steps."""
    if record.funcName == PAGE_MAKER and isinstance(record.args, tuple) and len(record.args) == 1 \
            and isinstance(record.args[0], int):
        return record.args[0]
    return None


class _Pages(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        page = page_of(record)
        if page is not None:
            detail(f"page {page}")


@contextlib.contextmanager
def layout_pages() -> Iterator[None]:
    """While the block lays out, each page WeasyPrint makes shows as 'page N' on the status line."""
    if not listening():
        yield
        return
    logger = logging.getLogger(LOGGER)
    handler = _Pages(logging.INFO)
    saved = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
