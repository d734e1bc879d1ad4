"""The build's date: SOURCE_DATE_EPOCH when it is set, else the publication's own date, never the clock.

Why: the same manuscript built twice must give the same bytes (reproducible-builds.org). Every stage
that writes a date asks here, so the environment is read in one place.
"""

from __future__ import annotations

import datetime as dt
import os


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH as seconds, or None when it is unset or not a number."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else None


def build_date(publication_date: str) -> dt.datetime:
    """The date editions carry: SOURCE_DATE_EPOCH, or the publication date (YYYY, YYYY-MM or YYYY-MM-DD)."""
    epoch = source_date_epoch()
    if epoch is not None:
        return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
    parts = [int(p) for p in publication_date.split("-")]
    year, month, day = (parts + [1, 1])[:3]
    return dt.datetime(year, month, day, tzinfo=dt.UTC)


def date_source() -> str:
    """What the build date was taken from, as the build record says it."""
    return "SOURCE_DATE_EPOCH" if source_date_epoch() is not None else "publication date"
