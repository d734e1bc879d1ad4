"""WeasyPrint's resource loader, confined to the gate: file: URLs inside the manuscript and styles, nothing else."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

from publish.manuscript.containment import Gate, Refused


class GateFetcher(URLFetcher):
    """WeasyPrint's resource loader confined to the gate: file: URLs inside its roots, nothing else."""

    def __init__(self, gate: Gate):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.gate = gate
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if not url.lower().startswith("file:"):
            self.refused.append(url)
            raise ValueError(f"refused (not a local file): {url}")
        path = Path(url2pathname(urlsplit(url).path))
        try:
            admitted = self.gate.admit(path)
        except Refused:
            self.refused.append(url)
            raise ValueError(f"refused (outside the manuscript and styles): {url}") from None
        mime, _ = mimetypes.guess_type(admitted.name)
        headers = {"Content-Type": mime or "application/octet-stream"}
        return URLFetcherResponse(admitted.as_uri(), admitted.read_bytes(), headers)
