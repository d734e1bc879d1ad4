"""publish: one manuscript folder in, a print PDF and an EPUB 3 out, offline."""

__version__ = "0.1.0"
