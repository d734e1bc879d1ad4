"""The layout engine's adapter: every use of WeasyPrint beyond its public API lives in this package."""

from publish.engine.libraries import import_weasyprint

import_weasyprint()  # before any module of the package (or of the editions) imports it the slow way
