"""`publish preview`: the editions on a local web page, rebuilt and refreshed as the author saves.

A small stdlib HTTP server, in a thread, serves the latest print edition as page pictures (rendered
with pypdfium2) and the EPUB's chapters as web pages straight from the EPUB file. Builds go through
the cached pipeline (build/pipeline.py `build`), so a save rebuilds only the text it touched
and a start on current editions is a cache hit. With `watch`, a second thread waits for the file
system to report changes (watchfiles: inotify, FSEvents, ReadDirectoryChangesW; no polling) and
rebuilds; each build bumps a version number that the pages poll at /version, reloading themselves
when it changes. What the pages show (the editions, their page counts, the pictures) is read once
per build, never per request. The server binds to loopback unless told otherwise: a preview is for
the author, not for the network.
"""

from __future__ import annotations

import io
import ipaddress
import json
import posixpath
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from lxml import etree

from publish.build.pipeline import build
from publish.build.report import preview_page
from publish.cli.previewguard import DROPPED, HEADERS, QuietServer, allowed_hosts, host_allowed
from publish.manuscript.containment import Gate, Refused
from publish.model.diagnostics import ManuscriptError
from publish.model.document import EDITIONS
from publish.render.styles import DEFAULT_STYLES, Styles
from publish.runtime.output import OutputError

POLL_SECONDS = 0.5  # how often the page asks /version whether a new build is there
SETTLE_MS = 300  # editors save in bursts: a build starts once the files are quiet this long
MAX_GROUP_MS = 1600  # …or at the latest this long after the first change of a burst
PAGE_WIDTHS = (120, 240, 480, 720, 960, 1440)
OPF_NS = {"opf": "http://www.idpf.org/2007/opf", "c": "urn:oasis:names:tc:opendocument:xmlns:container"}

REFRESH_SCRIPT = """\
(function () {
  var POLL = MILLISECONDS;
  var known = null;
  function poll() {
    fetch("/version", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (v) {
      document.documentElement.setAttribute("data-preview-version", String(v.version));
      if (known === null) { known = v.version; }
      else if (v.version !== known) { location.reload(); return; }
      setTimeout(poll, POLL);
    }).catch(function () { setTimeout(poll, 4 * POLL); });
  }
  if (!document.querySelector(".preview-bar")) {  // an e-book chapter: a way back to the preview
    var back = document.createElementNS("http://www.w3.org/1999/xhtml", "a");
    back.setAttribute("href", "/ebook/");
    back.className = "publish-preview-back";
    var look = {position: "fixed", top: "0.5rem", right: "0.5rem", padding: "0.2rem 0.6rem",
      background: "#1a1a1a", color: "#fff", font: "0.8rem sans-serif", textDecoration: "none",
      borderRadius: "0.3rem"};
    for (var name in look) { back.style[name] = look[name]; }  // CSSOM: allowed where style="…" is not
    back.textContent = "publish preview: chapters";
    document.body.appendChild(back);
  }
  poll();
})();
""".replace("MILLISECONDS", str(int(POLL_SECONDS * 1000)))


@dataclass(frozen=True)
class Shown:
    """What the pages are made of, fixed when a build ends: the preview serves nothing read later.

    After a successful build, the manuscript's preview.css and templates (read through the gate);
    after a failed one, publish's own: a stylesheet or template that broke the build, or that links
    out of the manuscript, is never served.
    """

    css: bytes = b""
    print_page: bytes = b""
    ebook_page: bytes = b""


@dataclass
class Status:
    """What the page shows about the last build: its number, and the problems that stopped it."""

    version: int = 0
    building: bool = False
    problems: list[str] = field(default_factory=list)
    message: str = ""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def watched_folders(manuscript: Path) -> list[Path]:
    """Where a change should rebuild: the manuscript and publish's own styles (its output is filtered)."""
    return [folder for folder in (manuscript, DEFAULT_STYLES) if folder.is_dir()]


def change_filter(output: Path) -> Callable[[object, str], bool]:
    """watchfiles' filter: editor litter (swap files, backups, .git) and the output folder are no change."""
    import watchfiles

    skip = output.resolve()
    default = watchfiles.DefaultFilter()

    def wanted(change: object, path: str) -> bool:
        if not default(change, path):  # type: ignore[arg-type]
            return False
        resolved = Path(path).resolve()
        return not (resolved == skip or resolved.is_relative_to(skip))
    return wanted


class Preview:
    """The preview server and, with watch, its rebuilding watcher; start() and stop() from any thread."""

    def __init__(self, manuscript: Path, output: Path, host: str = "127.0.0.1", port: int = 0,
                 watch: bool = False, log: Callable[[str], None] | None = None):
        self.manuscript = manuscript
        self.output = output
        self.watch = watch
        self.log = log or (lambda message: None)
        self.status = Status()
        self.lock = threading.Lock()  # guards status and the caches
        self.render_lock = threading.Lock()  # pdfium is not thread-safe
        self.stopping = threading.Event()
        self._editions: dict[str, Path] = {}  # of the last successful build
        self._pages: dict[tuple[tuple[str, int, int], int, int], bytes] = {}  # (pdf stamp, page, width)
        self._counts: dict[tuple[str, int, int], int] = {}  # pdf stamp → pages
        self._epub: tuple[tuple[str, int, int], dict[str, bytes]] | None = None
        self._shown = Shown()
        # What the preview may read: the editions in the output folder, the styles of the manuscript
        # (gated by the manuscript: a styles/ linked elsewhere is outside) and publish's own.
        self.gates = {"output": Gate(output), "manuscript": Gate(manuscript), "publish": Gate(DEFAULT_STYLES)}
        self.server = QuietServer((host, port), _handler(self))
        self.server.log = self.log
        bound, bound_port = self.server.server_address[:2]
        self.hosts = allowed_hosts(str(bound), int(bound_port))
        self.loopback = is_loopback(str(bound))
        self._threads: list[threading.Thread] = []
        self._shown = self._show(self.status, False)  # until the first build: publish's page, no editions

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"

    # Lifecycle ----------------------------------------------------------------

    def start(self) -> None:
        self._threads = [threading.Thread(target=self.server.serve_forever, name="preview-http", daemon=True)]
        if self.watch:
            self._threads.append(threading.Thread(target=self._watch, name="preview-watch", daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stops serving; a rebuild under way finishes first, so no edition is left half-written."""
        self.stopping.set()
        if self._threads:  # shutdown() waits for serve_forever(), which only runs once started
            self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            if thread.is_alive() and thread.name == "preview-watch":
                self.log("waiting for the build under way to finish…")
            thread.join()
        self._threads = []

    # Building -----------------------------------------------------------------

    def editions(self) -> dict[str, Path]:
        """The editions of the last successful build (pdf, epub), as the build reported them."""
        with self.lock:
            return dict(self._editions)

    def rebuild(self) -> bool:
        """Builds both editions through the build cache; the manuscript's problems are kept for the page."""
        with self.lock:
            self.status.building = True
        problems: list[str] = []
        ok = False
        editions: dict[str, Path] | None = None
        try:
            result = build(self.manuscript, self.output, EDITIONS)
        except ManuscriptError as exc:
            problems = [d.format() for d in exc.diagnostics]
            errors = sum(1 for d in exc.diagnostics if d.severity.value == "error")
            message = (f"{errors} error{'s' if errors != 1 else ''} in {self.manuscript}: "
                       "showing the last good build")
        except OutputError as exc:  # busy (another build) or not writable
            message = f"{exc}; the preview shows the editions as they are"
        except Exception as exc:  # noqa: BLE001 - a bug of ours must not stop the preview
            message = f"internal error while building ({type(exc).__name__}: {exc}); please report it"
        else:
            ok = True
            problems = [d.format() for d in result.warnings]  # type: ignore[attr-defined]
            built = [b for b in result.built if b.edition in EDITIONS]  # type: ignore[attr-defined]
            editions = {b.edition: b.path for b in built}
            message = "built " + ", ".join(b.path.name for b in built)
            if getattr(result, "cached", False):
                message += " (nothing changed: from the cache)"
        status = Status(self.status.version + 1, False, problems, message)
        with self.lock:
            if editions is not None:
                self._editions = editions
                self._forget_old_pages()
        shown = self._show(status, ok)
        with self.lock:
            self.status = status
            self._shown = shown
        self.log(message)
        for problem in problems:
            self.log(problem)
        return ok

    def shown(self) -> Shown:
        with self.lock:
            return self._shown

    def _show(self, status: Status, ok: bool) -> Shown:
        """The stylesheet and pages for this build's status, from the manuscript's styles only when it
        built (a template of theirs that fails here is reported on the page, which falls back)."""
        styles = Styles.for_manuscript(self.manuscript) if ok else Styles()
        problems = list(status.problems)
        try:
            css = self.stylesheet(styles)
            pages = self._pages_for(styles, status, problems)
        except (ManuscriptError, Refused) as exc:
            found = exc.diagnostics if isinstance(exc, ManuscriptError) else []
            problems += [d.format() for d in found] or [str(exc)]
            styles = Styles()
            css = self.stylesheet(styles)
            pages = self._pages_for(styles, status, problems)
        return Shown(css, *pages)

    def stylesheet(self, styles: Styles) -> bytes:
        """preview.css, publish's then (when given) the manuscript's, each read through its gate."""
        parts = []
        for path in styles.css("preview.css"):
            gate = self.gates["manuscript" if styles.override and path.is_relative_to(styles.override) else "publish"]
            parts.append(gate.admit(path).read_text(encoding="utf-8"))
        return "\n".join(parts).encode()

    def _pages_for(self, styles: Styles, status: Status, problems: list[str]) -> tuple[bytes, bytes]:
        shown = {"message": status.message, "problems": problems, "ok": status.message.startswith("built")}
        editions = self.editions()
        pages: list[dict[str, object]] = []
        chapters: list[dict[str, str]] = []
        try:
            if "pdf" in editions:
                pdf = self.edition(editions["pdf"])
                stamp = pdf.stat().st_mtime_ns
                pages = [{"number": n, "src": f"/pages/{n}.png?width=720&v={stamp}",
                          "src2x": f"/pages/{n}.png?width=1440&v={stamp}"}  # sharp on high-density screens
                         for n in range(1, self.page_count(pdf) + 1)]
            if "epub" in editions:
                chapters = [{"href": "/epub/" + quote(path), "title": title}
                            for path, title in self.chapters(self.edition(editions["epub"]))]
        except (OSError, Refused, zipfile.BadZipFile, etree.XMLSyntaxError, KeyError) as exc:
            problems.append(f"the editions in {self.output} cannot be shown: {exc}")
        print_page = preview_page(styles, "print", "Print pages", shown, pages=pages,
                                  edition=editions["pdf"].name if pages else "")
        ebook_page = preview_page(styles, "ebook", "E-book", shown, chapters=chapters,
                                  edition=editions["epub"].name if chapters else "")
        return print_page, ebook_page

    def edition(self, path: Path) -> Path:
        """An edition file, admitted by the output folder's gate (a link planted there leads nowhere)."""
        return self.gates["output"].admit(path)

    def _forget_old_pages(self) -> None:
        """Pictures of editions no longer in the output folder are dropped (called under the lock)."""
        current = {_stamp(path) for path in self._editions.values() if path.exists()}
        self._pages = {key: png for key, png in self._pages.items() if key[0] in current}
        self._counts = {key: count for key, count in self._counts.items() if key in current}

    def _watch(self) -> None:
        import watchfiles

        for changes in watchfiles.watch(*watched_folders(self.manuscript), watch_filter=change_filter(self.output),
                                        debounce=MAX_GROUP_MS, step=SETTLE_MS, stop_event=self.stopping,
                                        rust_timeout=1000, raise_interrupt=False):
            if self.stopping.is_set():
                return
            changed = sorted({path for _, path in changes})
            more = " …" if len(changed) > 5 else ""
            self.log("changed: " + ", ".join(changed[:5]) + more)
            self.rebuild()

    # Content ------------------------------------------------------------------

    def page_count(self, pdf: Path) -> int:
        """The PDF's pages, counted once per build of it."""
        import pypdfium2 as pdfium

        stamp = _stamp(pdf)
        with self.lock:
            if stamp in self._counts:
                return self._counts[stamp]
        with self.render_lock:
            document = pdfium.PdfDocument(str(pdf))
            try:
                count = len(document)
            finally:
                document.close()
        with self.lock:
            self._counts[stamp] = count
        return count

    def page_png(self, pdf: Path, number: int, width: int) -> bytes | None:
        """A page as a PNG `width` pixels wide, drawn once per build of the PDF and kept."""
        import pypdfium2 as pdfium

        key = (_stamp(pdf), number, width)
        with self.lock:
            cached = self._pages.get(key)
        if cached is not None:
            return cached
        with self.render_lock:
            document = pdfium.PdfDocument(str(pdf))
            try:
                if not 1 <= number <= len(document):
                    return None
                page = document[number - 1]
                page_width, _ = page.get_size()
                image = page.render(scale=width / page_width).to_pil()
                page.close()
            finally:
                document.close()
        out = io.BytesIO()
        image.save(out, "PNG")
        data = out.getvalue()
        with self.lock:
            self._pages[key] = data
        return data

    def epub_files(self, epub: Path) -> dict[str, bytes]:
        key = _stamp(epub)
        with self.lock:
            if self._epub is not None and self._epub[0] == key:
                return self._epub[1]
        with zipfile.ZipFile(epub) as archive:
            files = {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
        with self.lock:
            self._epub = (key, files)
        return files

    def chapters(self, epub: Path) -> list[tuple[str, str]]:
        """The EPUB's spine in reading order: (path inside the EPUB, title)."""
        files = self.epub_files(epub)
        container = etree.fromstring(files["META-INF/container.xml"])
        opf_path = container.find(".//c:rootfile", OPF_NS).get("full-path")
        opf = etree.fromstring(files[opf_path])
        base = posixpath.dirname(opf_path)
        items = {item.get("id"): item.get("href")
                 for item in opf.iterfind(".//opf:manifest/opf:item", OPF_NS)}
        chapters = []
        for ref in opf.iterfind(".//opf:spine/opf:itemref", OPF_NS):
            href = items.get(ref.get("idref"))
            if not href:
                continue
            path = posixpath.normpath(posixpath.join(base, href))
            title = href
            try:
                document = etree.fromstring(files[path])
                found = document.findtext(".//{http://www.w3.org/1999/xhtml}title")
                title = found.strip() if found and found.strip() else href
            except (KeyError, etree.XMLSyntaxError):
                pass
            chapters.append((path, title))
        return chapters


def _handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "publish-preview"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
            return

        def do_HEAD(self) -> None:  # noqa: N802 - stdlib's name
            self.do_GET(head=True)

        def do_GET(self, head: bool = False) -> None:  # noqa: N802 - stdlib's name
            parts = urlsplit(self.path)
            route = unquote(parts.path)
            query = parse_qs(parts.query)
            try:
                if not host_allowed(self.headers.get("Host"), preview.hosts, preview.server.server_address[1],
                                    preview.loopback):
                    status, media_type = HTTPStatus.MISDIRECTED_REQUEST, "text/plain; charset=utf-8"
                    body = f"this preview answers only at {preview.url}".encode()
                else:
                    status, media_type, body = self.route(route, query)
            except (OSError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
                status, media_type = HTTPStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8"
                body = f"the edition cannot be read right now ({exc}); it may be being rebuilt".encode()
            except Refused:
                status, media_type, body = self.not_found()
            except Exception as exc:  # noqa: BLE001 - a bug of ours: one line on the terminal, the page says so
                preview.log(f"internal error answering {route} ({type(exc).__name__}: {exc}); please report it")
                status, media_type = HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8"
                body = b"internal error in publish preview; see the terminal"
            try:
                self.send_response(status)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                for name, value in HEADERS:
                    self.send_header(name, value)
                self.end_headers()
                if not head:
                    self.wfile.write(body)
            except DROPPED:  # the browser went away (a reload, a picture scrolled past): nothing to say
                self.close_connection = True

        def route(self, route: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
            if route == "/version":
                with preview.lock:
                    status = preview.status
                    body = {"version": status.version, "building": status.building,
                            "message": status.message, "problems": status.problems}
                return HTTPStatus.OK, "application/json", json.dumps(body).encode()
            if route == "/_preview.js":
                return HTTPStatus.OK, "text/javascript; charset=utf-8", REFRESH_SCRIPT.encode()
            shown = preview.shown()
            if route == "/_preview.css":
                return HTTPStatus.OK, "text/css; charset=utf-8", shown.css
            if route in ("/", "/print"):
                return HTTPStatus.OK, "text/html; charset=utf-8", shown.print_page
            if route in ("/ebook", "/ebook/"):
                return HTTPStatus.OK, "text/html; charset=utf-8", shown.ebook_page
            editions = preview.editions()
            if route.startswith("/pages/") and route.endswith(".png") and "pdf" in editions:
                try:
                    number = int(route[len("/pages/"):-len(".png")])
                    wanted = int(query.get("width", ["960"])[0])
                except ValueError:
                    return self.not_found()
                width = min(PAGE_WIDTHS, key=lambda w: abs(w - wanted))
                data = preview.page_png(preview.edition(editions["pdf"]), number, width)
                return (HTTPStatus.OK, "image/png", data) if data else self.not_found()
            if route.startswith("/epub/") and "epub" in editions:
                return self.epub_file(preview.edition(editions["epub"]), route[len("/epub/"):])
            return self.not_found()

        def not_found(self) -> tuple[int, str, bytes]:
            return HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found"

        def epub_file(self, epub: Path, inner: str) -> tuple[int, str, bytes]:
            files = preview.epub_files(epub)
            data = files.get(posixpath.normpath(inner))
            if data is None or inner.startswith(("META-INF", "/")) or ".." in inner.split("/"):
                return self.not_found()
            media_type = _media_type(inner)
            if media_type.startswith("application/xhtml+xml"):
                data = data.replace(b"</body>", b'<script src="/_preview.js"></script></body>', 1)
            return HTTPStatus.OK, media_type, data

    return Handler


def _stamp(path: Path) -> tuple[str, int, int]:
    """Which build of a file this is: path, modification time and size."""
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


def _media_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return {".xhtml": "application/xhtml+xml; charset=utf-8", ".html": "text/html; charset=utf-8",
            ".css": "text/css; charset=utf-8", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
            ".png": "image/png", ".svg": "image/svg+xml", ".ttf": "font/ttf", ".otf": "font/otf",
            ".woff": "font/woff", ".woff2": "font/woff2", ".ncx": "application/x-dtbncx+xml",
            ".opf": "application/oebps-package+xml"}.get(suffix, "application/octet-stream")


def serve(manuscript: Path, output: Path, host: str = "127.0.0.1", port: int = 8737,
          watch: bool = False) -> int:
    """The `publish preview` command: builds when needed, serves until Ctrl-C; returns the exit status."""
    import click

    def say(message: str) -> None:
        click.echo(f"preview: {message}", err=True)

    if not manuscript.is_dir():
        click.echo(f"{manuscript}: error: manuscript folder does not exist\n"
                   "    hint: give the path of a folder holding publication.toml", err=True)
        return 2
    try:
        preview = Preview(manuscript, output, host, port, watch, log=say)
    except OSError as exc:
        click.echo(f"publish: cannot listen on {host}:{port}: {exc.strerror or exc}\n"
                   "    hint: another program may use that port: try --port with another number, "
                   "or --port 0 for any free one", err=True)
        return 2
    if not is_loopback(host):
        say(f"listening on {host}: other computers on the network can see this preview")
    try:
        say("building the editions (a cache hit when nothing changed)…")
        preview.rebuild()
        preview.start()
        click.echo(f"Preview of {manuscript} at {preview.url}" + (" (watching for changes)" if watch else ""))
        click.echo("Press Ctrl-C to stop.")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        say("stopping")
    finally:
        preview.stop()
    return 0
