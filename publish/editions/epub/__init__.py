"""The e-book edition: the shared HTML as an EPUB 3 with the print edition's page list."""
