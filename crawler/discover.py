"""Find a government site's 年报 column(s) from its home page, and say so as a registry entry.

`nianbao portals discover URL...` reads a site the way a person would (portals.md §1.5): the home
page (or the 政府信息公开 page given), then the 政府信息公开 / 信息公开目录 / 政务公开 pages it links,
until a link labelled as a 年报 column appears (政府信息公开年报, 政府信息公开工作年度报告, 年度报告,
工作年报, 信息公开年报, per-unit sub-columns such as 部门年报/乡镇年报); a page that *is* such a column
(its `<meta name="ColumnName">`, or a gkmlpt `window._CONFIG` tree with a 年报 category) counts too.
Each column found is fetched once so `crawler.adapters.detect` can name its platform, and the site
becomes one registry entry in the registry's own keys, with the evidence: which link text, on
which page, reached how.

Bounds (all options of the command): at most `max_pages` pages per site (robots.txt not counted),
hub pages followed at most `max_depth` links below the page given, `timeout` seconds per request
and `site_timeout` for a whole site.  Politeness: one request at a time (sites are read one after
another), `delay` seconds between two requests to one host, robots.txt obeyed (Protego, the parser
Scrapy uses) with the crawler's User-Agent.  Only http and https are requested; links and
redirects to other hosts are reported, never followed (a redirect of the URL given is followed,
as a browser would: `gov.cn` → `www.gov.cn`).  An https start URL that cannot connect is tried
once over http, as the crawler does (portals.md §3: many portals' https is broken).

Why a small http.client fetcher and not Scrapy: a handful of sequential requests per site, run
from a click command and from tests in one process — Scrapy's reactor cannot be restarted in a
process, and its machinery (scheduler, slots, pipelines) would only add moving parts here.
Decoding uses `extract.encoding.decode` and hostile-page recognition the crawler's own
`crawler.middlewares.hostile.classify`, so both agree with what a crawl would see.
"""

from __future__ import annotations

import datetime as dt
import gzip
import heapq
import http.client
import re
import socket
import ssl
import time
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import yaml
from protego import Protego
from scrapy import Request
from scrapy.http import HtmlResponse
from w3lib.html import get_meta_refresh
from w3lib.url import safe_url_string

from extract.encoding import decode

from .adapters import detect
from .adapters.gkmlpt import category_tree
from .detail import ATTACHMENT_EXTENSIONS
from .middlewares.hostile import classify
from .settings import USER_AGENT

MAX_PAGES = 8
MAX_DEPTH = 2
TIMEOUT = 10.0
SITE_TIMEOUT = 60.0
DELAY = 1.0
MAX_BYTES = 4 * 1024 * 1024
MAX_REDIRECTS = 5
HOST_DOWN = ("DNS:", "connection refused", "TLS:")  # causes that are the host's, not the URL's

_SPACES = re.compile(r"[\s\u3000\xa0]+")
# A 年报 column's label, strongest first (rank 0, 1, 2): the full statutory names; the short forms;
# any other label with 年报 in it (部门年报, 乡镇年报, 街道年报 — per-unit sub-columns).
COLUMN_RANKS = (
    re.compile(r"(政府|政务)?信息公开(工作)?年(度报告|报)|政务公开工作年度报告"),
    re.compile(r"公开年报|工作年报|年度报告"),
    re.compile(r"年报"),
)
# A label with a year in it is a report (or a year sub-column), not the column: 2024年…年度报告.
YEAR = re.compile(r"(19|20)\d{2}")
MAX_COLUMN_LABEL = 24
# Pages on the way to the column, strongest first: the 政府信息公开 专栏/目录/平台; 信息公开; 政务公开.
HUB_RANKS = (
    re.compile(r"^(政府)?信息公开(专栏|目录|平台|专题)?$|^政府信息公开"),
    re.compile(r"信息公开|公开目录"),
    re.compile(r"政务公开"),
)
# Sibling columns and news items that mention 信息公开 but lead nowhere near the 年报.
HUB_EXCLUDE = re.compile(r"指南|制度|规定|条例|申请|意见|征集|要点|会议|推进|通知|公告|培训|检查|考核|评估|解读|年报|年度报告")
MAX_HUB_LABEL = 14
GKMLPT_INDEX = re.compile(r"/gkmlpt/index\b")
REPORT_TITLE = re.compile(r"(?:19|20)\d{2}\s*年[^<>\"'\n]{0,40}?(?:年度报告|年报)")
ONCLICK_URL = re.compile(r"""['"]((?:https?://|/|\.{1,2}/)[^'"\s]+)['"]""")
FILE_URL = re.compile(r"\.(" + "|".join(ATTACHMENT_EXTENSIONS) + r"|rar|jpe?g|png|gif)$", re.I)
NAME_SUFFIX = re.compile(r"(门户网站|官方网站|政府网站|网站|首页|门户)$")
CJK = re.compile(r"[\u4e00-\u9fff]")


class FetchError(Exception):
    """A page that could not be read; `cause` is the one line an operator needs."""

    def __init__(self, cause: str, kind: str = "network") -> None:
        super().__init__(cause)
        self.cause = cause
        self.kind = kind  # network | http | blocked | robots | offsite | scheme | budget


@dataclass
class Page:
    url: str  # after redirects
    status: int
    body: bytes
    text: str | None = None
    response: HtmlResponse | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Link:
    url: str
    text: str
    how: str  # link | image link | <select> option | onclick link | link text in N <span>s


@dataclass
class Column:
    url: str
    label: str
    rank: int
    found_on: str
    how: str
    via: list[str]
    order: int
    platform: str | None = None
    ok: bool = False
    outcome: str = "not checked"
    report_titles: int = 0


@dataclass
class SiteResult:
    given: str
    site_url: str | None = None
    name: str | None = None
    region: dict[str, str | None] = field(default_factory=lambda: {"province": None, "city": None, "district": None})
    region_note: str = ""
    columns: list[Column] = field(default_factory=list)
    offsite: list[tuple[Link, str]] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    error: str | None = None
    error_kind: str | None = None  # network | http | blocked | robots | scheme | budget
    notes: list[str] = field(default_factory=list)

    @property
    def found(self) -> list[Column]:
        return [c for c in self.columns if c.ok]

    @property
    def platform(self) -> str | None:
        kinds = [c.platform for c in self.found]
        if not kinds:
            return None
        return kinds[0] if len(set(kinds)) == 1 else "auto"

    def entry(self, today: dt.date) -> dict[str, Any]:
        """The registry entry, in crawler/registry.py's keys."""
        return {"name": self.name, "region": dict(self.region), "start_urls": [c.url for c in self.found],
                "platform": self.platform, "verified": today, "evidence": self.evidence()}

    def evidence(self) -> str:
        parts = []
        for c in self.found:
            path = " → ".join([*c.via, f"«{c.label}» {c.how} on {c.found_on}"])
            titles = f", report titles on the page: {c.report_titles}" if c.report_titles else \
                ", no report titles on the page itself (sub-columns or a script-driven list)"
            if c.platform == "gkmlpt":
                titles = ""
            parts.append(f"{path}: column {c.url} answered HTTP 200, platform {c.platform}{titles}")
        if self.platform == "auto":
            parts.append("columns detected as different platforms: platform auto")
        if self.offsite:
            parts.append("not followed (another host): " + ", ".join(f"«{lk.text}» {lk.url}" for lk, _ in self.offsite))
        parts.append(self.region_note)
        return "discovered live by `nianbao portals discover " + self.given + "`: " + "; ".join(p for p in parts if p)

    def reason(self) -> str:
        """Why nothing was found, in one line."""
        if self.error:
            return f"unreachable: {self.error}" if self.error_kind in ("network", "budget") else self.error
        bits = [f"no 年报 column found in {len(self.pages)} page(s) read ({', '.join(self.pages)})"]
        failed = [c for c in self.columns if not c.ok]
        if failed:
            bits.append("年报 link(s) that did not answer: " + ", ".join(f"«{c.label}» {c.url} ({c.outcome})" for c in failed))
        if self.offsite:
            bits.append(f"{len(self.offsite)} 年报 link(s) point to another host, not followed: "
                        + ", ".join(f"«{lk.text}» {lk.url} on {page}" for lk, page in self.offsite))
        bits.extend(self.notes)
        return "; ".join(bits)


# --- fetching ------------------------------------------------------------------------------------

def _host_key(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _site_key(url: str) -> str:
    """Same site = same host (www. or not) and port; http and https of one host are one site."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{_host_key(url)}:{port if port not in (80, 443) else ''}"


def _error_cause(exc: BaseException, url: str, timeout: float) -> str:
    parts = urlsplit(url)
    where = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    if isinstance(exc, socket.gaierror):
        return f"DNS: cannot resolve {parts.hostname} ({exc.strerror or exc})"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {where}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS: certificate not accepted by {where} ({exc.verify_message or exc.reason})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: handshake with {where} failed ({exc.reason or exc})"
    if isinstance(exc, TimeoutError):
        return f"timeout after {timeout:.0f} s ({where})"
    if isinstance(exc, ConnectionResetError):
        return f"connection reset by {where}"
    if isinstance(exc, http.client.HTTPException):
        return f"not an HTTP answer from {where} ({type(exc).__name__})"
    if isinstance(exc, OSError):
        return f"network error at {where}: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


class Fetcher:
    """Sequential GETs: per-host delay, robots.txt per host, redirects checked hop by hop."""

    def __init__(self, timeout: float = TIMEOUT, delay: float = DELAY, user_agent: str = USER_AGENT,
                 max_bytes: int = MAX_BYTES) -> None:
        self.timeout = timeout
        self.delay = delay
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self.robots: dict[str, Protego | None] = {}
        self.robots_notes: dict[str, str] = {}
        self.last: dict[str, float] = {}
        self.http_only: set[str] = set()  # hosts whose https failed and http answered
        self.requests = 0

    def _wait(self, url: str, deadline: float) -> None:
        key = _host_key(url)
        if key in self.last and self.delay > 0:
            pause = self.last[key] + self.delay - time.monotonic()
            if pause > 0:
                if time.monotonic() + pause > deadline:
                    raise FetchError("site time budget used up", "budget")
                time.sleep(pause)

    def _raw(self, url: str, deadline: float) -> tuple[int, dict[str, str], bytes]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("site time budget used up", "budget")
        self._wait(url, deadline)
        timeout = max(0.5, min(self.timeout, remaining))
        parts = urlsplit(safe_url_string(url))
        if parts.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.requests += 1
        try:
            conn.request("GET", target, headers={
                "User-Agent": self.user_agent.encode("utf-8"), "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                "Accept-Language": "zh-CN,zh;q=0.9", "Accept-Encoding": "gzip, deflate"})
            resp = conn.getresponse()
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunk = resp.read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    break  # a home page larger than this is read in part; enough to find links
                chunks.append(chunk)
            headers = {k.lower(): v for k, v in resp.getheaders()}
        except FetchError:
            raise
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(_error_cause(exc, url, timeout)) from exc
        finally:
            conn.close()
            self.last[_host_key(url)] = time.monotonic()
        body = b"".join(chunks)
        encoding = headers.get("content-encoding", "").lower()
        try:
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body, -zlib.MAX_WBITS if body[:1] != b"\x78" else zlib.MAX_WBITS)
        except (OSError, zlib.error, EOFError) as exc:
            raise FetchError(f"undecodable {encoding} body from {url}", "http") from exc
        return resp.status, headers, body

    def allowed(self, url: str, deadline: float) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.robots:
            parser = None
            try:
                status, _, body = self._raw(origin + "/robots.txt", deadline)
                if status == 200:
                    parser = Protego.parse(decode(body)[0])
                elif status >= 500:
                    self.robots_notes[origin] = f"robots.txt answered HTTP {status}: read as allowing all"
            except FetchError as exc:
                if exc.kind == "budget" or exc.cause.startswith(HOST_DOWN):
                    raise  # the host itself cannot be reached: the page would fail the same way
                # Scrapy does the same: an unreadable robots.txt forbids nothing (and the page
                # request that follows reports the cause if the host is down)
                self.robots_notes[origin] = f"robots.txt unreadable ({exc.cause}): read as allowing all"
            self.robots[origin] = parser
        parser = self.robots[origin]
        return parser is None or parser.can_fetch(url, self.user_agent)

    def get(self, url: str, deadline: float, same_site: str | None = None) -> Page:
        """GET a page, following redirects, JS redirect stubs and meta refreshes (one each) —
        only over http(s), only within `same_site` when given, every hop checked against robots.txt."""
        if _host_key(url) in self.http_only and url.startswith("https://"):
            url = "http://" + url[len("https://"):]
        notes: list[str] = []
        stubs = 0
        for _ in range(MAX_REDIRECTS + 2):
            if not self.allowed(url, deadline):
                raise FetchError(f"robots.txt forbids {url}", "robots")
            status, headers, body = self._raw(url, deadline)
            target = None
            if status in (301, 302, 303, 307, 308) and headers.get("location"):
                target = urljoin(url, headers["location"])
            text = None
            response = None
            if target is None:
                ctype = headers.get("content-type", "")
                if "html" in ctype or not ctype or ctype.startswith("text/"):
                    declared = re.search(r"charset=([\w\-]+)", ctype)
                    text = decode(body, declared.group(1) if declared else None)[0]
                    response = HtmlResponse(url=url, status=status, body=text.encode("utf-8"), encoding="utf-8")
                    # a home or hub page holds links, not a report: judged as a column page is
                    kind, stub_target = classify(response, request=Request(url, meta={"nb_kind": "column"}))
                    if kind == "js_redirect" and stubs < 1:
                        target, stubs = urljoin(url, stub_target or ""), stubs + 1
                        notes.append(f"{url} is a JS redirect stub to {target}")
                    elif kind:
                        raise FetchError(f"blocked: {kind} (HTTP {status}) at {url}", "blocked")
                    elif status == 200 and stubs < 1 and len(body) < 4096:
                        interval, refresh = get_meta_refresh(text, url)
                        if refresh and (interval or 0) < 60:
                            target, stubs = refresh, stubs + 1
                            notes.append(f"{url} refreshes to {target}")
            if target is None:
                if status != 200:
                    raise FetchError(f"HTTP {status} at {url}", "http")
                return Page(url=url, status=status, body=body, text=text, response=response, notes=notes)
            target = urldefrag(target)[0]
            if urlsplit(target).scheme not in ("http", "https"):
                raise FetchError(f"{url} redirects to a non-web URL {target}: refused", "scheme")
            if same_site is not None and _site_key(target) != same_site:
                raise FetchError(f"{url} redirects to another host ({target}): not followed", "offsite")
            url = target
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {url}", "http")

    def get_start(self, url: str, deadline: float) -> Page:
        """The page given: any host its redirects lead to; https that cannot connect → http once."""
        try:
            return self.get(url, deadline)
        except FetchError as exc:
            if exc.kind != "network" or not url.startswith("https://"):
                raise
            http_url = "http://" + url[len("https://"):]
            try:
                page = self.get(http_url, deadline)
            except FetchError as exc2:
                raise FetchError(f"{exc.cause}; over http: {exc2.cause}", exc2.kind) from exc2
            self.http_only.add(_host_key(url))
            page.notes.append(f"https failed ({exc.cause}), http answered")
            return page


# --- reading pages ---------------------------------------------------------------------------------

def _norm(text: str) -> str:
    return _SPACES.sub("", text or "")


def page_links(response: HtmlResponse) -> list[Link]:
    """Every way a page points elsewhere that a person could click: links (their whole text, so a
    label split over <span>s reads whole; else title=, else an image's alt), <select> options,
    onclick handlers and `javascript:` hrefs carrying a URL, image-map areas."""
    out: list[Link] = []

    def add(raw: str | None, text: str, how: str) -> None:
        raw = (raw or "").strip()
        if not raw or raw.startswith(("#", "mailto:", "tel:")):
            return
        if raw.lower().startswith("javascript:"):
            m = ONCLICK_URL.search(raw)
            if not m:
                return
            raw, how = m.group(1), "javascript link"
        url = urldefrag(response.urljoin(raw))[0]
        if urlsplit(url).scheme in ("http", "https") and text:
            out.append(Link(url, text, how))

    for a in response.xpath("//a"):
        text = _norm("".join(a.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall()))
        how = "link"
        spans = len(a.xpath(".//span"))
        if text and spans > 1:
            how = f"link (text in {spans} <span>s)"
        if not text:
            text = _norm(a.attrib.get("title", ""))
        if not text:
            text = _norm(" ".join(a.xpath(".//img/@alt").getall()))
            how = "image link (alt text)"
        href = a.attrib.get("href")
        onclick = a.attrib.get("onclick", "")
        if (not href or href.startswith(("#", "javascript:"))) and onclick:
            m = ONCLICK_URL.search(onclick)
            if m:
                add(m.group(1), text, "onclick link")
                continue
        add(href, text, how)
    for opt in response.xpath("//select/option"):
        add(opt.attrib.get("value"), _norm(opt.xpath("string()").get() or ""), "<select> option")
    for area in response.xpath("//area"):
        add(area.attrib.get("href"), _norm(area.attrib.get("alt", "")), "image-map area")
    return out


def column_rank(text: str, url: str) -> int | None:
    """Rank of a link as a 年报 column (0 strongest), or None when it is not one."""
    if not text or len(text) > MAX_COLUMN_LABEL or YEAR.search(text) or FILE_URL.search(urlsplit(url).path):
        return None
    for rank, pattern in enumerate(COLUMN_RANKS):
        if pattern.search(text):
            return rank
    return None


def hub_rank(text: str, url: str) -> int | None:
    """Rank of a link as a page on the way to the column (政府信息公开, 信息公开目录, 政务公开)."""
    if GKMLPT_INDEX.search(urlsplit(url).path):
        return 0
    if not text or len(text) > MAX_HUB_LABEL or YEAR.search(text) or HUB_EXCLUDE.search(text):
        return None
    for rank, pattern in enumerate(HUB_RANKS):
        if pattern.search(text):
            return rank
    return None


def gkmlpt_categories(text: str) -> list[tuple[str, str]]:
    """(id, name) of the category tree in a gkmlpt page's `window._CONFIG` (the adapter's reader)."""
    return category_tree(text) if "window._CONFIG" in text else []


def page_is_column(page: Page) -> tuple[str, str] | None:
    """(label, how) when the page itself is a 年报 column."""
    resp = page.response
    if resp is None:
        return None
    name = _norm(resp.xpath("//meta[@name='ColumnName']/@content").get() or "")
    if name and column_rank(name, page.url) is not None:
        return name, '<meta name="ColumnName">'
    for cid, cname in gkmlpt_categories(page.text or ""):
        if column_rank(_norm(cname), page.url) is not None:
            return cname, f"gkmlpt window._CONFIG TREE category {cid}"
    return None


def site_name(response: HtmlResponse | None) -> tuple[str | None, str, str]:
    """(name, where it came from, all the name text seen) from SiteName or <title>."""
    if response is None:
        return None, "", ""
    site = _norm(response.xpath("//meta[@name='SiteName']/@content").get() or "")
    title = (response.xpath("//title/text()").get() or "").strip()
    pieces = [p for p in re.split(r"\s*[-_|｜—–]+\s*|\s{2,}", title) if p.strip()]
    best = next((p for p in pieces if "政府" in p), pieces[0] if pieces else "")
    best = NAME_SUFFIX.sub("", _norm(best))
    text = " ".join(x for x in (_norm(title), site) if x)
    if site:
        return site, '<meta name="SiteName">', text
    if best:
        return best, "<title>", text
    return None, "", text


_MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")


def _short(name: str) -> list[str]:
    out = [name]
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            out.append(name[: -len(suffix)])
            break
    return out


def _named(text: str, name: str | None, after: list[str], short: bool) -> bool:
    """Is `name` written in `text` as a name of its own: at the start, after a non-Chinese
    character, or right after an accepted higher-level name (示范县 does not name 范县)?"""
    if not name:
        return False
    for form in (_short(name) if short else [name]):
        for m in re.finditer(re.escape(form), text):
            before = text[: m.start()]
            if not before or not CJK.match(before[-1]) or any(before.endswith(a) for a in after if a):
                return True
    return False


def infer_region(text: str) -> tuple[dict[str, str | None], str]:
    """Province, city, district named in the site's title/SiteName, and a note saying how.
    Only what the text names is kept (a city implies its province); a bare district name is not
    resolved to a city (江北区 is in 重庆 and in 宁波)."""
    region: dict[str, str | None] = {"province": None, "city": None, "district": None}
    if not text:
        return region, "region not inferred: the site shows no title or SiteName — fill it in"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import cpca_new
    found = cpca_new._get_one_addr(text, False, {})
    prov, city, dist = found.get("省"), found.get("市"), found.get("区")
    how = []
    if _named(text, prov, [], short=True):
        region["province"] = prov
    if _named(text, city, [region["province"] or ""], short=True):
        region["city"] = city
    elif prov in _MUNICIPALITIES and region["province"]:
        region["city"] = prov
    if region["city"] and not region["province"] and prov:
        region["province"] = prov
        how.append(f"province {prov} from the city")
    if _named(text, dist, [region["city"] or "", region["province"] or "", *_short(region["city"] or "")], short=False):
        region["district"] = dist
    missing = [k for k, v in region.items() if not v]
    if len(missing) == 3:
        return region, f"region not inferred: «{text}» names no province, city or district — fill it in"
    note = f"region from «{text}»" + (f" ({', '.join(how)})" if how else "")
    if missing:
        note += f"; {' and '.join(missing)} not named there — fill in"
    return region, note


# --- one site ----------------------------------------------------------------------------------------

@dataclass
class Bounds:
    max_pages: int = MAX_PAGES
    max_depth: int = MAX_DEPTH
    site_timeout: float = SITE_TIMEOUT


def discover_site(given: str, fetcher: Fetcher, bounds: Bounds | None = None) -> SiteResult:
    bounds = bounds or Bounds()
    res = SiteResult(given=given)
    url = given if "://" in given else "https://" + given
    if urlsplit(url).scheme not in ("http", "https"):
        res.error, res.error_kind = f"not a web URL: {given}", "scheme"
        return res
    deadline = time.monotonic() + bounds.site_timeout
    try:
        start = fetcher.get_start(url, deadline)
    except FetchError as exc:
        res.error, res.error_kind = exc.cause, exc.kind
        return res
    res.site_url = start.url
    res.pages.append(start.url)
    res.notes.extend(start.notes)
    site = _site_key(start.url)
    name, _, name_text = site_name(start.response)
    res.name = name or urlsplit(start.url).hostname
    res.region, res.region_note = infer_region(name_text)
    if not name:
        res.region_note += "; name: the page shows none, the host stands in"

    columns: dict[str, Column] = {}
    frontier: list[tuple[int, int, int, str, str, str, str, list[str]]] = []
    seen = {start.url, url}
    order = [0]

    def scan(page: Page, depth: int, via: list[str]) -> None:
        own = page_is_column(page)
        if own and page.url not in columns:
            label, how = own
            col = Column(page.url, _norm(label), column_rank(_norm(label), page.url) or 0, page.url, how, via, order[0])
            order[0] += 1
            _confirm(col, page)
            columns[page.url] = col
        if page.response is None:
            return
        for link in page_links(page.response):
            rank = column_rank(link.text, link.url)
            if rank is not None:
                if _site_key(link.url) != site:
                    if all(lk.url != link.url for lk, _ in res.offsite):
                        res.offsite.append((link, page.url))
                    continue
                if link.url not in columns:
                    columns[link.url] = Column(link.url, link.text, rank, page.url, link.how, via, order[0])
                    order[0] += 1
                continue
            hub = hub_rank(link.text, link.url)
            if hub is not None and depth < bounds.max_depth and _site_key(link.url) == site and link.url not in seen:
                order[0] += 1
                heapq.heappush(frontier, (depth + 1, hub, order[0], link.url, link.text, page.url, link.how, via))

    scan(start, 0, [])
    while True:
        # check the candidate columns, strongest label first
        for col in sorted(columns.values(), key=lambda c: (c.rank, c.order)):
            if col.ok or col.outcome != "not checked":
                continue
            if len(res.pages) >= bounds.max_pages:
                col.outcome = f"not checked: page budget ({bounds.max_pages}) used up"
                continue
            try:
                page = fetcher.get(col.url, deadline, same_site=site)
            except FetchError as exc:
                col.outcome = exc.cause
                if exc.kind != "robots":
                    res.pages.append(col.url)
                continue
            res.pages.append(col.url)
            _confirm(col, page)
        if any(c.ok for c in columns.values()) or not frontier:
            break
        if len(res.pages) >= bounds.max_pages:
            res.notes.append(f"page budget ({bounds.max_pages}) used up with {len(frontier)} 信息公开 link(s) unread")
            break
        if time.monotonic() >= deadline:
            res.notes.append(f"site time budget ({bounds.site_timeout:.0f} s) used up")
            break
        depth, _, _, hub_url, text, found_on, how, via = heapq.heappop(frontier)
        if hub_url in seen:
            continue
        seen.add(hub_url)
        try:
            page = fetcher.get(hub_url, deadline, same_site=site)
        except FetchError as exc:
            res.notes.append(f"«{text}» {hub_url}: {exc.cause}")
            if exc.kind != "robots":
                res.pages.append(hub_url)
            continue
        res.pages.append(hub_url)
        seen.add(page.url)
        scan(page, depth, [*via, f"«{text}» {how} on {found_on}"])
    res.columns = sorted(columns.values(), key=lambda c: (c.rank, c.order))
    if not res.found and not res.pages[1:] and not frontier and not columns:
        res.notes.append("the page links no 政府信息公开/信息公开/政务公开 page and no 年报 column")
    robots_notes = [n for o, n in fetcher.robots_notes.items() if _site_key(o) == site]
    res.notes.extend(robots_notes)
    return res


def _confirm(col: Column, page: Page) -> None:
    if page.response is None:
        col.outcome = f"not an HTML page ({page.url})"
        return
    col.ok = True
    col.outcome = "ok"
    if page.url != col.url:
        col.url = page.url  # where the column really is, after a redirect on the same site
    col.platform = detect(page.response)
    col.report_titles = len(set(REPORT_TITLE.findall(page.text or "")))


# --- many sites, as YAML ---------------------------------------------------------------------------

def discover(urls: list[str], *, max_pages: int = MAX_PAGES, max_depth: int = MAX_DEPTH, timeout: float = TIMEOUT,
             site_timeout: float = SITE_TIMEOUT, delay: float = DELAY) -> list[SiteResult]:
    fetcher = Fetcher(timeout=timeout, delay=delay)
    bounds = Bounds(max_pages=max_pages, max_depth=max_depth, site_timeout=site_timeout)
    return [discover_site(u, fetcher, bounds) for u in urls]


def entries_yaml(results: list[SiteResult], today: dt.date | None = None) -> str:
    """The found sites as registry entries, indented to paste under `portals:` in portals.yml."""
    today = today or dt.date.today()
    found = [r for r in results if r.found]
    if not found:
        return ""
    lines: list[str] = []
    # two URLs of one site (its home and its 信息公开 page) make one entry; two sites with one name
    # (registry names are unique) are told apart by their host
    merged: dict[str, dict[str, Any]] = {}
    sites: dict[str, str] = {}
    for r in found:
        entry = r.entry(today)
        site = _site_key(r.site_url or r.given)
        if entry["name"] in sites and sites[entry["name"]] != site:
            entry["name"] = f"{entry['name']}（{urlsplit(r.site_url or r.given).netloc}）"
        sites.setdefault(entry["name"], site)
        same = merged.get(entry["name"])
        if same is None:
            merged[entry["name"]] = entry
            continue
        same["start_urls"] += [u for u in entry["start_urls"] if u not in same["start_urls"]]
        same["evidence"] += "; and " + entry["evidence"]
        if same["platform"] != entry["platform"]:
            same["platform"] = "auto"
    for entry in merged.values():
        dumped = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100000, default_flow_style=None)
        lines.extend("  " + line for line in dumped.splitlines())
    n = len(merged)
    head = (f"  # nianbao portals discover, {today.isoformat()}: {n} entr{'y' if n == 1 else 'ies'}"
            " — check name and region, then paste under `portals:` in crawler/portals.yml")
    return "\n".join([head, *lines]) + "\n"
