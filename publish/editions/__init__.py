"""The edition builders (print, EPUB, archive), each adding only what its medium needs to the shared HTML."""
