"""Fault injection for the demo portals: the network and the servers misbehaving, on purpose.

Why: real portals drop connections, stall past any timeout, answer 503 with `Retry-After`, cut
bodies short, declare a Content-Length that is wrong, label GBK bytes `charset=utf-8`, redirect
to other hosts and serve decompression bombs.  The crawler and the archive must lose or corrupt
nothing under any of them, and that can only be shown by injecting each one.

A `FaultPlan` is a list of `Fault`s, each switched on for one site (or all) and a path regex
(matched against `path?query`), optionally for only the first `times` matching requests (then it
heals: that is how "a retry succeeds" and "the next run completes" are tested).  Everything is
deterministic: no randomness, no clocks except the stall itself.  `FaultyDemoServer` is a
`DemoServer` whose handler consults the plan on every request:

    plan = FaultPlan([Fault("status", site="gkmlpt", path=r"/post_\\d+\\.html$", status=503, retry_after=1, times=1)])
    with FaultyDemoServer(DemoWorld(), plan) as server:
        ...                          # crawl server.registry_yaml(); plan.applied says what was injected

Kinds (what the client sees):

- `drop`: the connection closes before any byte of a response;
- `stall`: no answer for `seconds` (longer than the crawler's DOWNLOAD_TIMEOUT), then the page;
- `status`: `status` (500, 503 …) with an optional `Retry-After: retry_after`;
- `truncate`: Content-Length of the whole body, only half of it sent, connection closed;
- `length_over`: the whole body sent, a Content-Length 1000 bytes larger declared, connection closed;
- `length_under`: a Content-Length of half the body declared, the whole body sent;
- `lying_charset`: the page re-encoded as GBK while the header (and the page) say utf-8;
- `gzip_bomb`: `Content-Encoding: gzip` whose body inflates to `size` bytes of zeros;
- `oversize`: a body of `size` bytes (PDF magic, then zeros);
- `redirect`: 302 to `location`;
- `meta_refresh`: an HTML stub whose `<meta http-equiv=refresh>` points at `location`;
- `inject_link`: an `<a href=location>name</a>` added to an HTML page (an attachment elsewhere);
- `disposition`: `Content-Disposition: attachment; filename="name"` on the response;
- `mutate`: the body replaced by `mutate(body)` (fuzzing); validators move so no 304 hides it;
- `mislabel_charset`: a UTF-8 page's text re-encoded as `encoding` (gbk, utf-8 …) while the header
  and the page's `<meta>` declare `charset` (cp1251, koi8-r …): a charset that lies and still decodes;
- `not_modified`: `304 Not Modified` with no body, whatever the request's validators (a broken
  cache in front of the portal answering requests that carried none).

Body-changing kinds (`CONTENT_KINDS`) are what the server *says*, so `expected_body()` applies
them too: a test compares every stored capture with the bytes the server meant to send.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
import socket
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

from nianbao.demo import DemoWorld
from nianbao.demo.model import SITES, Response
from nianbao.demo.server import DemoServer, Hit, _Handler, _not_modified

KINDS = ("drop", "stall", "status", "truncate", "length_over", "length_under", "lying_charset", "gzip_bomb",
         "oversize", "redirect", "meta_refresh", "inject_link", "disposition", "mutate", "mislabel_charset",
         "not_modified")
# Faults that change what the server says (the bytes a correct client must store), as opposed to
# transport faults (a correct client must retry them away and store the true bytes).
CONTENT_KINDS = ("lying_charset", "inject_link", "disposition", "mutate", "meta_refresh", "redirect", "status",
                 "mislabel_charset", "not_modified")
NETWORK_KINDS = ("drop", "stall", "truncate", "length_over", "length_under")


@dataclass
class Fault:
    """One misbehaviour, switched on for a site (None: every site) and a path regex."""

    kind: str
    site: str | None = None
    path: str = r".*"  # re.search over "path?query" as the client sent it
    times: int | None = None  # the first N matching requests only, then healed; None: always
    status: int = 503
    retry_after: int | None = None
    seconds: float = 0.0
    location: str = ""
    name: str = ""
    size: int = 0
    mutate: Callable[[bytes], bytes] | None = None
    charset: str = ""  # mislabel_charset: what the header and <meta> declare
    encoding: str = ""  # mislabel_charset: what the bytes really are
    hits: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(KINDS)}")
        if self.site is not None and self.site not in SITES:
            raise ValueError(f"unknown site {self.site!r}")
        self._re = re.compile(self.path)

    def matches(self, site: str, target: str) -> bool:
        return (self.site is None or self.site == site) and bool(self._re.search(target))

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


@dataclass(frozen=True)
class Applied:
    """One injected fault, as the server logged it."""

    site: str
    target: str
    kind: str


class FaultPlan:
    """The faults in force, thread-safe; `take()` decides, counts and logs, `clear()` heals all."""

    def __init__(self, faults: list[Fault] | None = None) -> None:
        self.faults: list[Fault] = list(faults or [])
        self.applied: list[Applied] = []
        self.epoch = 0  # bump when `mutate` bodies change between crawls: validators move with it
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def add(self, *faults: Fault) -> FaultPlan:
        with self._lock:
            self.faults.extend(faults)
        return self

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def take(self, site: str, target: str) -> list[Fault]:
        """The faults that apply to this request (at most one transport fault), counted as used."""
        out: list[Fault] = []
        with self._lock:
            for fault in self.faults:
                if fault.exhausted or not fault.matches(site, target):
                    continue
                if fault.kind not in CONTENT_KINDS and any(f.kind not in CONTENT_KINDS for f in out):
                    continue
                fault.hits += 1
                out.append(fault)
                self.applied.append(Applied(site, target, fault.kind))
        return out

    def content_faults(self, site: str, target: str) -> list[Fault]:
        """Body-changing faults in force for a URL, without using their budget."""
        with self._lock:
            return [f for f in self.faults if f.kind in CONTENT_KINDS and f.matches(site, target)
                    and not f.exhausted]

    def count(self, kind: str) -> int:
        return sum(a.kind == kind for a in self.applied)

    def sleep(self, seconds: float) -> None:
        """A stall that ends early when the server stops (so tests never wait on a dead stall)."""
        self._stop.wait(seconds)

    def stop(self) -> None:
        self._stop.set()


# --- body transformations (pure: the server and the tests' expectations share them) ----------------

def lie_about_charset(body: bytes) -> bytes:
    """A UTF-8 page's text re-encoded as GBK; its <meta> still says utf-8 (a real misconfiguration)."""
    try:
        return body.decode("utf-8").encode("gbk", errors="xmlcharrefreplace")
    except UnicodeDecodeError:
        return body


_META_CHARSET = re.compile(rb"""(<meta[^>]+charset\s*=\s*["']?)([A-Za-z0-9_\-]+)""", re.I)


def mislabel_charset(body: bytes, encoding: str, charset: str) -> bytes:
    """A UTF-8 page's text re-encoded as `encoding`, its `<meta>` charset rewritten to `charset`."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    data = text.encode(encoding, errors="xmlcharrefreplace")
    return _META_CHARSET.sub(lambda m: m.group(1) + charset.encode("ascii"), data)


@lru_cache(maxsize=4)
def gzip_bomb(size: int) -> bytes:
    """`size` zero bytes, gzip-compressed (≈ 1000:1), built in chunks so making it costs little memory."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    parts = []
    left = size
    while left > 0:
        parts.append(comp.compress(chunk[:min(left, len(chunk))]))
        left -= len(chunk)
    parts.append(comp.flush())
    return b"".join(parts)


def inject_link(body: bytes, href: str, text: str) -> bytes:
    link = f'<p>附件：<a href="{href}">{text}</a></p>'.encode()
    if b"</body>" in body:
        return body.replace(b"</body>", link + b"</body>", 1)
    return body + link


def meta_refresh(location: str) -> bytes:
    return (f'<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={location}">'
            "</head><body></body></html>").encode()


def transform(fault: Fault, status: int, hdrs: dict[str, str], body: bytes, epoch: int = 0) -> Response:
    """Apply one body/header-changing fault to a response."""
    hdrs = dict(hdrs)
    kind = fault.kind
    if kind == "status":
        hdrs = {"Content-Type": "text/html; charset=utf-8"}
        if fault.retry_after is not None:
            hdrs["Retry-After"] = str(fault.retry_after)
        return fault.status, hdrs, f"<html><body><h1>{fault.status} Service Unavailable</h1></body></html>".encode()
    if kind == "redirect":
        return 302, {"Location": fault.location, "Content-Type": "text/html"}, b""
    if kind == "meta_refresh":
        return 200, {"Content-Type": "text/html; charset=utf-8"}, meta_refresh(fault.location)
    if kind == "lying_charset":
        hdrs["Content-Type"] = "text/html; charset=utf-8"
        return status, _revalidate(hdrs, body := lie_about_charset(body), epoch), body
    if kind == "mislabel_charset" and "html" in hdrs.get("Content-Type", "") and status == 200:
        hdrs["Content-Type"] = f"text/html; charset={fault.charset}"
        body = mislabel_charset(body, fault.encoding, fault.charset)
        return status, _revalidate(hdrs, body, epoch), body
    if kind == "not_modified":
        return 304, {k: v for k, v in hdrs.items() if k in ("ETag", "Last-Modified")}, b""
    if kind == "inject_link" and "html" in hdrs.get("Content-Type", ""):
        body = inject_link(body, fault.location, fault.name or "附件.pdf")
        return status, _revalidate(hdrs, body, epoch), body
    if kind == "disposition":
        hdrs["Content-Disposition"] = f'attachment; filename="{fault.name}"'
        return status, hdrs, body
    if kind == "mutate" and fault.mutate is not None and status == 200:
        body = fault.mutate(body)
        return status, _revalidate(hdrs, body, epoch), body
    if kind == "gzip_bomb":
        hdrs.update({"Content-Encoding": "gzip", "Content-Type": "application/pdf"})
        return 200, hdrs, gzip_bomb(fault.size)
    if kind == "oversize":
        return 200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n" + bytes(fault.size)
    return status, hdrs, body


def _revalidate(hdrs: dict[str, str], body: bytes, epoch: int) -> dict[str, str]:
    """New bytes get new validators, as a real server's would: no stale 304 can hide them."""
    if "ETag" in hdrs:
        hdrs["ETag"] = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
    if "Last-Modified" in hdrs:
        when = email.utils.parsedate_to_datetime(hdrs["Last-Modified"])
        digest = int(hashlib.sha1(body).hexdigest()[:4], 16)  # minutes: distinct bodies, distinct dates
        when += timedelta(days=400 + epoch, minutes=digest % 1440)
        hdrs["Last-Modified"] = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return hdrs


# --- the server ---------------------------------------------------------------------------------------

class _FaultHandler(_Handler):
    def _serve(self, method: str) -> None:
        demo: FaultyDemoServer = self.server.demo  # type: ignore[attr-defined]
        site: str = self.server.site  # type: ignore[attr-defined]
        plan = demo.plan
        faults = plan.take(site, self.path)
        transport = next((f for f in faults if f.kind not in CONTENT_KINDS), None)
        if transport is not None and transport.kind == "drop":
            demo.log(Hit(site, method, self.path, 0, False))
            self._abort()
            return
        if transport is not None and transport.kind == "stall":
            plan.sleep(transport.seconds)  # the client has given up by now; what follows may hit a closed socket
        parts, form, headers = self.read_request(method)
        status, hdrs, body = demo.world.respond(site, method, parts.path, parts.query, form, headers)
        for fault in faults:
            if fault.kind in CONTENT_KINDS or fault.kind in ("gzip_bomb", "oversize"):
                status, hdrs, body = transform(fault, status, hdrs, body, plan.epoch)
        conditional = "if-none-match" in headers or "if-modified-since" in headers
        if status == 200 and _not_modified(headers, hdrs):
            status, body = 304, b""
        demo.log(Hit(site, method, self.path, status, conditional))
        kind = transport.kind if transport is not None else None
        declared = len(body)
        sent = body
        if kind == "truncate":
            sent = body[:len(body) // 2]
        elif kind == "length_over":
            declared = len(body) + 1000
        elif kind == "length_under":
            declared = len(body) // 2
        try:
            self.send_response(status)
            for k, v in hdrs.items():
                if status == 304 and k.lower() == "content-type":
                    continue
                self.send_header(k, v)
            self.send_header("Content-Length", str(declared))
            if kind in ("truncate", "length_over", "length_under"):
                self.send_header("Connection", "close")
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(sent)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        if kind in ("truncate", "length_over", "length_under"):
            self.close_connection = True
            self._abort(graceful=True)

    def _abort(self, graceful: bool = False) -> None:
        """Close the connection now: a reset (drop) or an early FIN (a cut body)."""
        self.close_connection = True
        try:
            if not graceful:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class FaultyDemoServer(DemoServer):
    """The demo portals, with a `FaultPlan` consulted on every request (see the module docstring)."""

    handler = _FaultHandler

    def __init__(self, world: DemoWorld | None = None, plan: FaultPlan | None = None, port: int = 0) -> None:
        super().__init__(world, port)
        self.plan = plan or FaultPlan()

    def stop(self) -> None:
        self.plan.stop()
        super().stop()

    def expected_body(self, url: str) -> tuple[int, bytes]:
        """What the server means to send for `url` (status, bytes): the world's answer with the
        body-changing faults in force, without transport faults (a client must retry those away)."""
        site = self.site_of(url)
        if site is None:
            raise KeyError(url)
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        status, hdrs, body = self.world.respond(site, "GET", parts.path, parts.query, {}, {})
        for fault in self.plan.content_faults(site, target):
            status, hdrs, body = transform(fault, status, hdrs, body, self.plan.epoch)
        return status, body


class OffsiteServer:
    """A host that is in no registry (127.0.0.9 by default): it logs and answers every request,
    so a test can assert that the crawler never asked it anything."""

    def __init__(self, host: str = "127.0.0.9") -> None:
        self.host = host
        self.hits: list[str] = []
        outer = self

        class Handler(_Handler):
            def _serve(self, method: str) -> None:
                outer.hits.append(self.path)
                body = b"%PDF-1.4\n% not a report: an offsite file\n%%EOF\n"
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._srv = ThreadingHTTPServer((host, 0), Handler)
        self._srv.daemon_threads = True

    @property
    def base_url(self) -> str:
        host, port = self._srv.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> OffsiteServer:
        threading.Thread(target=self._srv.serve_forever, name="offsite", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._srv.shutdown()
        self._srv.server_close()


def gunzip_size(data: bytes) -> int:
    """The inflated size of a gzip body (for tests: the bomb is what it claims), in bounded memory."""
    d = zlib.decompressobj(31)
    total = 0
    for i in range(0, len(data), 1 << 16):
        total += len(d.decompress(data[i:i + (1 << 16)], 1 << 24))
        while d.unconsumed_tail:
            total += len(d.decompress(d.unconsumed_tail, 1 << 24))
    return total


__all__ = ["CONTENT_KINDS", "KINDS", "NETWORK_KINDS", "Applied", "Fault", "FaultPlan", "FaultyDemoServer",
           "OffsiteServer", "gunzip_size", "gzip_bomb", "inject_link", "lie_about_charset", "mislabel_charset",
           "transform"]
