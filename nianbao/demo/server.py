"""Serve a `DemoWorld` over real HTTP: one ThreadingHTTPServer per site, each on its own loopback host.

Why one host per site: Scrapy keys download slots, robots.txt and politeness by host, so four
sites on one host would be crawled as one.  127.0.0.1–4 are all loopback on Linux.  Servers bind
in a few milliseconds and render pages lazily, so start-up stays far under a second.

A site can also be mounted under a path prefix and on other loopback hosts (`DemoServer(world,
hosts={"hanweb": "127.0.0.22"}, prefixes={"hanweb": "/prefix"})`), as real portals live under a
site path (`/site/a/…`, a CMS's site directory, a reverse proxy's mount point): every page is
served below the prefix with its root-relative links, script URLs, proxy addresses and redirects
pointing below it, anything outside the prefix is a 404, and robots.txt stays at the host root.

The server answers conditional requests (If-None-Match / If-Modified-Since → 304) for the
validators a page carries, and logs every request so tests can count what was downloaded.

Two socket settings every real web server (nginx, IIS) has, without which the demo server, not
the crawler, sets the pace (BENCHMARKS.md, "Crawl"): TCP_NODELAY, because headers and body go
out in separate writes and the body would otherwise wait ~40 ms for the client's delayed ACK on
a kept-alive connection; and a listen backlog of 128 instead of socketserver's 5, which Scrapy's
bursts of new connections overflow (each dropped SYN is retried a whole second later).
"""

from __future__ import annotations

import email.utils
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import SplitResult, parse_qs, urlsplit

import yaml

from .model import SITES, Response
from .pages import not_found
from .regions import SITE_REGIONS
from .world import DemoWorld

HOSTS = {"trs": "127.0.0.1", "hanweb": "127.0.0.2", "gbk": "127.0.0.3", "gkmlpt": "127.0.0.4"}
# How a portal's registry name says which family it is: 演示·东城区（TRS）.
PORTAL_FAMILY = {"trs": "TRS", "hanweb": "大汉", "gbk": "GBK 自建", "gkmlpt": "gkmlpt"}


@dataclass(frozen=True)
class Hit:
    """One request the demo portals answered."""

    site: str
    method: str
    path: str  # with its query string
    status: int
    conditional: bool


class _Handler(BaseHTTPRequestHandler):
    server_version = "TRS-WCM-demo/7.0"  # real portals name their server; nothing depends on it
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: see the module docstring

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep stderr quiet
        return

    def read_request(self, method: str) -> tuple[SplitResult, dict[str, list[str]], dict[str, str]]:
        """The request as the world answers it: its URL parts, a POST's form, its headers (lower-cased)."""
        form: dict[str, list[str]] = {}
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        return urlsplit(self.path), form, {k.lower(): v for k, v in self.headers.items()}

    def _serve(self, method: str) -> None:
        demo: DemoServer = self.server.demo  # type: ignore[attr-defined]
        site: str = self.server.site  # type: ignore[attr-defined]
        parts, form, headers = self.read_request(method)
        status, hdrs, body = demo.respond(site, method, parts.path, parts.query, form, headers)
        conditional = "if-none-match" in headers or "if-modified-since" in headers
        if status == 200 and _not_modified(headers, hdrs):
            status, body = 304, b""
        demo.log(Hit(site, method, self.path, status, conditional))
        self.send_response(status)
        for k, v in hdrs.items():
            if status == 304 and k.lower() == "content-type":
                continue
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve("HEAD")


def _not_modified(req: dict[str, str], resp: dict[str, str]) -> bool:
    """RFC 9110 §13.1: If-None-Match wins over If-Modified-Since when both are sent."""
    etag = resp.get("ETag")
    if "if-none-match" in req:
        return etag is not None and etag in [t.strip() for t in req["if-none-match"].split(",")]
    lm, ims = resp.get("Last-Modified"), req.get("if-modified-since")
    if lm and ims:
        try:
            return email.utils.parsedate_to_datetime(lm) <= email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


_ROOT_RELATIVE = re.compile(rb"""(["'])/(?![/*])""")
_TEXTUAL = ("text/html", "text/xml", "application/xml", "application/json", "application/javascript")


def mount(prefix: str, status: int, hdrs: dict[str, str], body: bytes) -> Response:
    """A response of the world as a site mounted at `prefix` serves it: root-relative URLs in quoted
    attributes and script strings (HTML, XML, JSON), and redirects, point below the prefix.  Byte
    level, so GBK pages are untouched beyond ASCII (GBK trail bytes are never quotes or slashes)."""
    hdrs = dict(hdrs)
    if "Location" in hdrs and hdrs["Location"].startswith("/") and not hdrs["Location"].startswith("//"):
        hdrs["Location"] = prefix + hdrs["Location"]
    if hdrs.get("Content-Type", "").split(";")[0].strip() in _TEXTUAL:
        body = _ROOT_RELATIVE.sub(lambda m: m.group(1) + prefix.encode() + b"/", body)
    return status, hdrs, body


class _Server(ThreadingHTTPServer):
    """One demo site's listener."""

    daemon_threads = True
    request_queue_size = 128  # listen backlog: see the module docstring


class DemoServer:
    """The four demo sites, started in daemon threads.  Use as a context manager or start()/stop().
    A subclass changes how requests are answered through `handler` (tests/faults.py)."""

    handler: type[BaseHTTPRequestHandler] = _Handler

    def __init__(self, world: DemoWorld | None = None, port: int = 0, *, hosts: dict[str, str] | None = None,
                 prefixes: dict[str, str] | None = None) -> None:
        self.world = world or DemoWorld()
        self.port = port
        self.hosts = {**HOSTS, **(hosts or {})}  # site → loopback address it listens on
        self.prefixes = {site: "/" + p.strip("/") for site, p in (prefixes or {}).items() if p.strip("/")}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._servers: dict[str, _Server] = {}

    def log(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def start(self) -> DemoServer:
        for site in SITES:
            srv = _Server((self.hosts[site], self.port), self.handler)
            srv.demo = self  # type: ignore[attr-defined]
            srv.site = site  # type: ignore[attr-defined]
            self._servers[site] = srv
            self.world.base_urls[site] = self.site_url(site)
            threading.Thread(target=srv.serve_forever, name=f"{type(self).__name__}-{site}", daemon=True).start()
        return self

    def stop(self) -> None:
        for srv in self._servers.values():
            srv.shutdown()
            srv.server_close()
        self._servers.clear()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def base_url(self, site: str, scheme: str = "http") -> str:
        host, port = self._servers[site].server_address[:2]
        return f"{scheme}://{host}:{port}"

    def site_url(self, site: str, scheme: str = "http") -> str:
        """Where the site lives: its host and port, and its path prefix if it is mounted under one."""
        return self.base_url(site, scheme) + self.prefixes.get(site, "")

    def url(self, site: str, path: str) -> str:
        return self.site_url(site) + path

    def respond(self, site: str, method: str, path: str, query: str, form: dict[str, list[str]],
                headers: dict[str, str]) -> Response:
        """The world's answer, through the site's mount point when it has a prefix."""
        prefix = self.prefixes.get(site)
        if not prefix:
            return self.world.respond(site, method, path, query, form, headers)
        if path == "/robots.txt":  # robots.txt stays at the host root; its rules name the mounted paths
            status, hdrs, body = self.world.respond(site, method, path, query, form, headers)
            return status, hdrs, re.sub(rb"(?m)^(Disallow|Allow):\s*/", lambda m: m.group(1) + b": " + prefix.encode()
                                        + b"/", body)
        if path != prefix and not path.startswith(prefix + "/"):
            return not_found()
        inner = path[len(prefix):] or "/"
        return mount(prefix, *self.world.respond(site, method, inner, query, form, headers))

    def reset_log(self) -> None:
        with self._lock:
            self.hits.clear()

    def registry(self) -> dict:
        """The demo portal registry: one entry per site, in the registry's fixed keys, each in the
        region its site stands for (regions.py)."""
        b = self.site_url

        def entry(site: str, start_url: str) -> dict:
            province, city, district = SITE_REGIONS[site]
            return {"name": f"演示·{district}（{PORTAL_FAMILY[site]}）",
                    "region": {"province": province, "city": city, "district": district},
                    "start_urls": [start_url], "platform": "auto", "delay": 0}

        return {"portals": [
            entry("trs", b("trs") + "/zfxxgkzl/zfxxgknb/"),
            entry("hanweb", b("hanweb") + "/col/col1229214366/index.html"),
            # https first, as registered for the real site: the handshake fails and the crawler falls back to http
            entry("gbk", b("gbk", "https") + "/zfxxgk/gknb/"),
            entry("gkmlpt", b("gkmlpt") + "/gkmlpt/index"),
        ]}

    def registry_yaml(self) -> str:
        return yaml.safe_dump(self.registry(), allow_unicode=True, sort_keys=False)

    def site_of(self, url: str) -> str | None:
        netloc = urlsplit(url).hostname
        return next((s for s, h in self.hosts.items() if h == netloc), None)
