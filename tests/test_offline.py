"""The crawler needs no network beyond the portals it crawls.

Scrapy's CookiesMiddleware asks tldextract whether a cookie's domain is a public suffix; on a
machine whose tldextract cache is empty (a fresh install) tldextract would download the Public
Suffix List from publicsuffix.org — with no timeout — before answering.  The demo's challenge
pages set cookies, so the very first `nianbao demo` on a fresh machine would reach out to the
internet (and hang on a network that drops packets).  crawler/__init__.py makes tldextract use
its bundled snapshot instead.

The test runs a real crawl of the demo portals in a subprocess with a fresh, empty tldextract
cache and HTTPS_PROXY pointing at a local socket that records every connection: tldextract's
HTTP client (requests) honours HTTPS_PROXY, so a download attempt shows up as a connection.
Scrapy's own proxy middleware is switched off for that run so the demo's https site does not
go through the recorder.  The cache directory filling up proves the suffix list *was* loaded
during the run — the test would pass vacuously otherwise.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import DEMO_EXIT

from nianbao.demo import DemoServer, DemoWorld

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


class ConnectionRecorder:
    """A TCP listener on localhost that accepts, remembers and closes every connection."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.seen: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.seen.append(conn.recv(200))  # e.g. b"CONNECT publicsuffix.org:443 HTTP/1.1 ..."
                except OSError:
                    self.seen.append(b"")

    def __enter__(self) -> ConnectionRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def test_first_crawl_on_a_fresh_machine_makes_no_internet_request(tmp_path: Path) -> None:
    server = DemoServer(DemoWorld()).start()
    registry = tmp_path / "portals.yml"
    registry.write_text(server.registry_yaml(), encoding="utf-8")
    cache = tmp_path / "tldextract-cache"
    db = tmp_path / "archive.db"
    try:
        with ConnectionRecorder() as recorder:
            proxy = f"http://127.0.0.1:{recorder.port}"
            env = {k: v for k, v in os.environ.items()
                   if not k.upper().endswith("_PROXY") and not k.startswith("TLDEXTRACT_")}
            env.update(TLDEXTRACT_CACHE=str(cache), HTTPS_PROXY=proxy, https_proxy=proxy,
                       HTTP_PROXY=proxy, http_proxy=proxy)
            cmd = [sys.executable, "-c", "from nianbao.cli import main; main()", "crawl", "--portals",
                   str(registry), "--db", str(db), "--local", "-s", "HTTPPROXY_ENABLED=false"]
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd=ROOT, env=env)
    finally:
        server.stop()
    assert res.returncode == DEMO_EXIT, res.stdout + res.stderr[-3000:]
    # the suffix list was needed in this run (a challenge page set a cookie) ...
    assert list(cache.glob("**/publicsuffix.org-tlds/*.json")), "tldextract was never asked: test is vacuous"
    # ... and came from the bundled snapshot, not the internet
    assert recorder.seen == [], recorder.seen
    assert "Public Suffix List" not in res.stderr
    assert sqlite3.connect(db).execute("select count(*) from reports").fetchone()[0] > 0
