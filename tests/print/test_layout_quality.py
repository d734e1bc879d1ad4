"""The fixture corpus held to the print-pages targets of issue 14, measured from the built PDFs.

Each manuscript of tests/manuscripts/ (and the bundled feature, and the every-option manuscript at
every trim preset) is built once per session and checked by publish.checks.layout. Targets: no text
over text, rules, boxes or photos; no text in the 3 mm safe zone; no word cut without a hyphen (nor a
number parted from its sign or unit); no three hyphenated line ends in a row; at most 5 % loose
justified lines; no sparse body page, nor a headline left alone on its page before a photo.

Where today's layout misses a target, the case is an expected failure (strict) naming the defect
seen, so that it turns into a pass, and must be unmarked, when the defect is fixed. The baseline
figures are in tests/manuscripts/FINDINGS.md.
"""

from __future__ import annotations

import functools
import sys

import pytest
from conftest import CORPUS, TRIM_PRESETS

from publish.checks.layout import LayoutReport, check_pdf

pytestmark = pytest.mark.slow

TARGETS = {
    "overlaps": ("text-over-text", "text-over-rule", "text-over-box", "text-over-image"),
    "safe-zone": ("safe-zone",),
    "broken-words": ("broken-word", "split-unit"),
    "ladders": ("ladder",),
    "loose-lines": (),
    "sparse-pages": ("sparse-page", "lone-heading"),
}
LOOSE_SHARE = 0.05


# (manuscript, trim or None, target) -> the defect still seen on the pages (see FINDINGS.md), as strict
# xfails: empty now, kept so that a defect found and not yet fixed is written down where it is tested.
KNOWN: dict[tuple[str, str | None, str], str] = {}

CASES = [(name, None) for name in ("bundled", *CORPUS)] + [("every-option", trim) for trim in TRIM_PRESETS]


@functools.cache
def _report(path) -> LayoutReport:
    return check_pdf(path)


def _cases():
    for name, trim in CASES:
        for target in TARGETS:
            reason = KNOWN.get((name, trim, target))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, trim, target, marks=marks, id=f"{name}{'@' + trim if trim else ''}-{target}")


@pytest.mark.parametrize(("name", "trim", "target"), list(_cases()))
def test_layout_target(corpus_pdf, name, trim, target):
    report = _report(corpus_pdf(name, trim))
    if target == "loose-lines":
        assert report.justified_lines > 0, "no justified line found: the checker read nothing"
        assert report.loose_share <= LOOSE_SHARE, (
            f"{report.loose_lines}/{report.justified_lines} loose justified lines ({report.loose_share:.1%}): "
            + "; ".join(str(f) for f in report.of("loose-line")[:5]))
    else:
        found = report.of(*TARGETS[target])
        assert not found, f"{len(found)} found: " + "; ".join(str(f) for f in found[:8])


# Python function calls the check makes per page of the long book: 21,171 (1,503,170 for its 71 pages,
# about 30 ms of processor time a page). A count, unlike seconds, is the same on a busy machine; a
# detector comparing each page with the whole book instead of with itself multiplies it.
CALLS_PER_PAGE = 40_000


def test_checker_is_fast_on_a_book(corpus_pdf):
    """The check runs on every PDF the tests build: its work grows with each page, not with the book."""
    path = corpus_pdf("long-book")
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        report = check_pdf(path)
    finally:
        sys.setprofile(None)
    assert report.pages >= 60
    assert calls / report.pages < CALLS_PER_PAGE, f"{calls / report.pages:.0f} calls a page; " + report.summary()
