"""What publish adds to WeasyPrint's typesetting, installed before each layout (once per process).

- engine/justify.py: justified lines with word spaces that may shrink, no ladders of hyphens, code's
  spaces kept as written;
- engine/columns.py: column rules between right-to-left columns.

Each is driven by the stylesheets (custom properties in styles/print.css), so a manuscript's styles
can turn it off.
"""

from __future__ import annotations

from publish.engine import columns, justify


def available() -> bool:
    """Whether this WeasyPrint has every function the wrappers replace (tests/test_engine.py)."""
    return justify.available() and columns.rules_available()


def install() -> None:
    justify.install()
    columns.install_rules()
