"""The preview server serves only the manuscript's editions, to this machine's own pages.

Real HTTP requests (http.client, so the Host header is ours to choose) against a server on a free
loopback port: everything served passes the build's gate and comes from a successful build; a
request not addressed to the server as it printed itself gets 421; every answer is `nosniff` with a
restrictive Content-Security-Policy the pages still work under (checked in Chromium when it is
installed); a browser dropping a connection prints no traceback.
"""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import struct
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import write_manuscript

from publish.cli.preview import REFRESH_SCRIPT, Preview
from publish.cli.previewguard import CONTENT_SECURITY_POLICY
from publish.render.styles import DEFAULT_STYLES

pytestmark = pytest.mark.slow  # one preview server on a built manuscript, and Chromium

SECRET = "TOP-SECRET-preview-41d2"
OWN_CSS = ".preview-bar { border-bottom: 3px solid teal; } /* MANUSCRIPT-PREVIEW-CSS */\n"
SLUG = "a-small-feature"


def get(preview: Preview, path: str, host: str | None = None) -> http.client.HTTPResponse:
    """GET with the Host header the browser would send for the printed address, or the one given."""
    address, port = preview.server.server_address[:2]
    connection = http.client.HTTPConnection(address, port, timeout=30)
    connection.putrequest("GET", path, skip_host=True)
    if host != "":
        connection.putheader("Host", host or f"127.0.0.1:{port}")
    connection.endheaders()
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A manuscript with its own preview.css, built once through the preview (its output holds the cache)."""
    folder = tmp_path_factory.mktemp("preview-built")
    root = write_manuscript(folder / "m", {"styles/preview.css": OWN_CSS})
    preview = Preview(root, folder / "out", port=0)
    try:
        assert preview.rebuild(), preview.status
    finally:
        preview.server.server_close()
    return folder


@pytest.fixture
def running(built: Path, tmp_path: Path) -> Iterator[Preview]:
    """A copy of the built manuscript and output, previewed (a cache hit) on a free loopback port."""
    shutil.copytree(built / "m", tmp_path / "m", symlinks=True)
    shutil.copytree(built / "out", tmp_path / "out", symlinks=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.css").write_text(f"/* {SECRET} */\n", encoding="utf-8")
    logged: list[str] = []
    preview = Preview(tmp_path / "m", tmp_path / "out", port=0, log=logged.append)
    preview.logged = logged  # type: ignore[attr-defined]
    assert preview.rebuild(), preview.status
    preview.start()
    try:
        yield preview
    finally:
        preview.stop()


# Headers ---------------------------------------------------------------------------------------


def test_every_answer_is_nosniff_with_a_restrictive_policy(running: Preview) -> None:
    chapter = re.findall(r'href="(/epub/[^"]+)"', get(running, "/ebook/").body.decode())[-1]
    answers = {path: get(running, path) for path in
               ("/", "/ebook/", "/version", "/_preview.js", "/_preview.css", "/pages/1.png?width=240", chapter,
                "/epub/EPUB/style.css", "/nowhere", "/epub/../../etc/passwd")}
    answers["misdirected"] = get(running, "/", host="evil.example")
    for path, response in answers.items():
        assert response.getheader("X-Content-Type-Options") == "nosniff", path
        assert response.getheader("Content-Security-Policy") == CONTENT_SECURITY_POLICY, path
    assert [answers[p].status for p in ("/", "/pages/1.png?width=240", chapter, "/nowhere", "misdirected")] == [
        200, 200, 200, 404, 421]
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "*" not in CONTENT_SECURITY_POLICY
    assert all(value == "'self'" for name, value in directives.items() if name.endswith("-src")
               and name != "default-src")


def test_the_pages_need_nothing_inline(running: Preview) -> None:
    """What the policy forbids, the pages do not do: no inline script or style, no style attribute."""
    chapter = re.findall(r'href="(/epub/[^"]+)"', get(running, "/ebook/").body.decode())[-1]
    for path in ("/", "/ebook/", chapter):
        page = get(running, path).body.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert "<style" not in page and not re.search(r"\sstyle=", page), path
    assert "setAttribute(\"style\"" not in REFRESH_SCRIPT and ".style[" in REFRESH_SCRIPT


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")),
                    reason="chromium is not installed")
@pytest.mark.parametrize("page", ["print", "chapter"])
def test_the_pages_work_in_chromium_under_the_policy(running: Preview, page: str) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    path = "" if page == "print" else re.findall(r'href="/(epub/[^"]+)"', get(running, "/ebook/").body.decode())[-1]
    done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                           "--v=0", "--dump-dom", "--virtual-time-budget=5000", running.url + path],
                          capture_output=True, text=True, timeout=120)
    assert "Content Security Policy" not in done.stderr, done.stderr[-3000:]
    assert 'data-preview-version="' in done.stdout, done.stderr[-2000:]  # the refresh script ran
    if page == "chapter":
        assert "publish preview: chapters" in done.stdout  # the way back, drawn by the script
        assert 'class="publish-preview-back"' in done.stdout
    else:
        assert re.search(r'<img src="/pages/1\.png', done.stdout)


# Host --------------------------------------------------------------------------------------------


def test_only_the_printed_address_is_answered(running: Preview) -> None:
    port = running.server.server_address[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LocalHost:{port}"):
        assert get(running, "/version", host=host).status == 200, host
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", "localhost",
                 f"127.0.0.1:{port + 1}", f"192.168.1.20:{port}", ""):
        response = get(running, "/version", host=host)
        assert response.status == 421, host
        assert b"version" not in response.body
    for path in ("/", "/pages/1.png", "/_preview.css", "/epub/EPUB/style.css"):
        assert get(running, path, host=f"rebind.example:{port}").status == 421


# The gate and the last good build ------------------------------------------------------------------


def test_a_symlinked_preview_css_is_never_served(tmp_path: Path) -> None:
    outside = tmp_path / "outside.css"
    outside.write_text(f"/* {SECRET} */\n", encoding="utf-8")
    root = write_manuscript(tmp_path / "m")
    (root / "styles").mkdir()
    (root / "styles" / "preview.css").symlink_to(outside)
    preview = Preview(root, tmp_path / "out", port=0)
    assert not preview.rebuild()  # the build refuses the link
    preview.start()
    try:
        css = get(preview, "/_preview.css").body
        page = get(preview, "/").body
    finally:
        preview.stop()
    assert SECRET.encode() not in css
    assert css == (DEFAULT_STYLES / "preview.css").read_bytes()
    assert b"symbolic link" in page  # the page says why


def test_a_failed_build_serves_no_stale_stylesheet(running: Preview) -> None:
    assert b"MANUSCRIPT-PREVIEW-CSS" in get(running, "/_preview.css").body
    meta = running.manuscript / "publication.toml"
    good = meta.read_text(encoding="utf-8")
    meta.write_text(good.replace("date = 2020-05-01\n", ""), encoding="utf-8")
    assert not running.rebuild()
    css = get(running, "/_preview.css").body
    assert b"MANUSCRIPT-PREVIEW-CSS" not in css and css == (DEFAULT_STYLES / "preview.css").read_bytes()
    assert b"missing required key" in get(running, "/").body
    assert get(running, "/pages/1.png?width=120").status == 200  # the last good pages stay
    meta.write_text(good, encoding="utf-8")
    assert running.rebuild()
    assert b"MANUSCRIPT-PREVIEW-CSS" in get(running, "/_preview.css").body


def test_a_stylesheet_changed_on_disk_waits_for_a_build(running: Preview) -> None:
    """What is served was read when the last build succeeded, not when the browser asks."""
    css = running.manuscript / "styles" / "preview.css"
    css.unlink()
    css.symlink_to(running.manuscript.parent / "outside" / "secret.css")
    served = get(running, "/_preview.css").body
    assert SECRET.encode() not in served and b"MANUSCRIPT-PREVIEW-CSS" in served
    assert not running.rebuild()
    assert SECRET.encode() not in get(running, "/_preview.css").body


def test_a_broken_preview_template_falls_back_to_publish_own(running: Preview) -> None:
    template = running.manuscript / "styles" / "templates" / "preview.html"
    template.parent.mkdir(parents=True)
    template.write_text("<!DOCTYPE html>\n{{ cycler.__init__.__globals__ }}\n", encoding="utf-8")
    assert not running.rebuild()
    page = get(running, "/").body.decode()
    assert "preview.html:2" in page and "not allowed" in page
    assert 'class="preview-bar"' in page  # publish's own page, with the problem on it


def test_an_edition_linked_out_of_the_output_folder_is_not_served(running: Preview, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.epub"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("EPUB/feature.xhtml", f"<html><body>{SECRET}</body></html>")
    epub = running.output / f"{SLUG}.epub"
    epub.unlink()
    epub.symlink_to(foreign)
    (running.output / f"{SLUG}.pdf").unlink()
    (running.output / f"{SLUG}.pdf").symlink_to(foreign)
    for path in ("/epub/EPUB/feature.xhtml", "/pages/1.png?width=240"):
        response = get(running, path)
        assert response.status == 404, path
        assert SECRET.encode() not in response.body


# Dropped connections -------------------------------------------------------------------------------


def test_a_dropped_connection_prints_no_traceback(running: Preview, capfd: pytest.CaptureFixture[str]) -> None:
    address, port = running.server.server_address[:2]
    for width in (1440, 960, 720):
        with socket.create_connection((address, port)) as sock:
            sock.sendall(f"GET /pages/1.png?width={width} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
    for _ in range(3):
        with socket.create_connection((address, port)) as sock:  # a request cut off half-way
            sock.sendall(f"GET /ebook/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(1.0)  # the server finishes writing into the closed connections
    assert get(running, "/version").status == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err, err
    assert len([line for line in running.logged if "request failed" in line]) <= 1  # type: ignore[attr-defined]
