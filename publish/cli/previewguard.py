"""What the preview server lets through: requests addressed to it, answers no other page can misuse.

`publish preview` listens on this machine for the author's own browser, but any web page the author
opens can make that browser send requests to 127.0.0.1, and with DNS rebinding a hostile site can
even read the answers (its own domain name, resolved to 127.0.0.1). So a request must name the
server as it printed itself (`Host: 127.0.0.1:PORT`, `localhost:PORT` or `[::1]:PORT`; for a server
bound to another address, that address or any IP literal, which no rebinding can produce) or it gets
421. Every answer says `nosniff` and carries a Content-Security-Policy that lets the preview's pages
load only their own stylesheet, script, pictures and fonts from this server, run no inline script
or style, and be framed by nobody. A browser dropping a connection is routine (a reload, a scroll
past a picture) and costs no line on the terminal; any other failure in a request is one line.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Callable
from http.server import ThreadingHTTPServer

# The preview's pages: /_preview.css, /_preview.js, /pages/N.png, /version (fetch), and the EPUB's own
# stylesheet, pictures and fonts under /epub/. Nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                           "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                           "frame-ancestors 'none'")
HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Cross-Origin-Resource-Policy", "same-origin"),  # no other site may even embed a page picture
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)
DROPPED = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The Host headers a request may carry: the loopback names and the address the server printed."""
    shown = f"[{host}]" if ":" in host else host
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"{shown}:{port}".lower()})


def host_allowed(header: str | None, allowed: frozenset[str], port: int, loopback: bool) -> bool:
    """True when the request is addressed to this server (see the module's docstring)."""
    if not header:
        return False
    value = header.strip().lower()
    if value in allowed:
        return True
    if loopback or not value.endswith(f":{port}"):
        return False
    name = value[: -len(f":{port}")]
    try:
        ipaddress.ip_address(name[1:-1] if name.startswith("[") and name.endswith("]") else name)
    except ValueError:
        return False
    return True


class QuietServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that never prints a traceback: a dropped connection is silent, any other
    error in a request one line on `log`."""

    daemon_threads = True
    log: Callable[[str], None] = staticmethod(lambda message: None)  # type: ignore[assignment]

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, DROPPED):
            return
        self.log(f"a request failed ({type(error).__name__}: {error}); the preview goes on")
