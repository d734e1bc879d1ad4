"""The fonts WeasyPrint lays out with: one font configuration per layout, made here."""

from __future__ import annotations

from weasyprint.text.fonts import FontConfiguration


def font_configuration() -> FontConfiguration:
    """A new font configuration for one document and its stylesheets (WeasyPrint wants the same for both)."""
    return FontConfiguration()
