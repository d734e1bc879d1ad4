"""On the PYTHONPATH of a `publish` subprocess (conftest.NO_LAYOUT_ENV): WeasyPrint may not lay anything out.

Python imports this module at start-up; from then on, a layout in that process (or its forked workers)
is an error, so the command exits 1 instead of 2: the test of an input that must be refused before
layout sees it. The in-process twin is conftest's `no_layout` fixture.
"""

import weasyprint.document


def _refused(*args: object, **kwargs: object) -> None:
    raise AssertionError("WeasyPrint was asked to lay a document out: this input must be refused before layout")


weasyprint.document.layout_document = _refused
