"""The layout engine's adapter: every use of WeasyPrint beyond its public API lives in this package."""
