"""The captures store: every fetched or ingested file's raw bytes, kept so any report can be re-read.

Bytes live inside the archive, gzip-compressed, in `capture_blobs` keyed by their sha256
(content-addressed: the same PDF fetched every night is stored once).  Inside the database rather
than beside it because the published file must be self-contained: a researcher who downloads
`nianbao.db` can re-run the extractor on any report offline.  gzip (stdlib, `mtime=0`, so equal
bytes compress to equal blobs) rather than zstd: every SQLite user can read it with `gunzip`.
`captures` rows hold what the fetch said (URL, time, HTTP status, content type, encoding,
ETag/Last-Modified) and point at a blob.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Fetch:
    """What is known about one capture besides its bytes (the crawler fills all of it; a local
    file has only its URL, a `file:` path)."""

    url: str
    fetched_at: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    portal_id: int | None = None
    crawl_run_id: int | None = None


def store_blob(db: Database, data: bytes) -> str:
    """Store bytes once under their sha256 and return it."""
    digest = sha256(data)
    if not db.execute("select 1 from capture_blobs where sha256 = ?", [digest]).fetchone():
        db["capture_blobs"].insert({"sha256": digest, "size": len(data), "compression": "gzip",
                                    "data": gzip.compress(data, compresslevel=6, mtime=0)})
    return digest


def read_blob(db: Database, digest: str) -> bytes:
    row = db.execute("select compression, data from capture_blobs where sha256 = ?", [digest]).fetchone()
    if row is None:
        raise KeyError(f"no capture blob {digest}")
    compression, data = row
    return gzip.decompress(data) if compression == "gzip" else bytes(data)


def read_capture(db: Database, capture_id: int) -> bytes:
    """The raw bytes of one capture, as fetched."""
    row = db.execute("select sha256 from captures where id = ?", [capture_id]).fetchone()
    if row is None:
        raise KeyError(f"no capture {capture_id}")
    return read_blob(db, row[0])


def latest_capture(db: Database, url: str) -> dict[str, Any] | None:
    rows = list(db.query("select * from captures where url = ? order by id desc limit 1", [url]))
    return rows[0] if rows else None


def add_capture(db: Database, data: bytes, fetch: Fetch, status: str = "stored",
                hints: dict[str, Any] | None = None) -> int:
    """Record one capture (and its bytes, once) and return its id; call inside a transaction.
    `hints` are what the caller knew beyond the bytes (agency, region), kept for re-extraction."""
    digest = store_blob(db, data)
    return db["captures"].insert({
        "url": fetch.url, "portal_id": fetch.portal_id, "crawl_run_id": fetch.crawl_run_id,
        "fetched_at": fetch.fetched_at or now(), "http_status": fetch.http_status,
        "content_type": fetch.content_type, "encoding": fetch.encoding, "etag": fetch.etag,
        "last_modified": fetch.last_modified, "sha256": digest, "size": len(data), "status": status,
        "hints": json.dumps(hints, ensure_ascii=False, sort_keys=True) if hints else None,
    }).last_pk


# --- a report page's pictures -----------------------------------------------------------------------
# A page whose tables are pictures is read with them (extract/readers/html.py): the crawler fetches
# them with the page and each is kept as a capture of its own URL, status `picture`, so that
# `reextract` can read the page again as it was read, pictures included.

def add_pictures(db: Database, pictures: dict[str, bytes], fetch: Fetch, page_url: str) -> int:
    """Keep a page's pictures as captures (status `picture`, the page's URL in their hints), each
    only when its bytes differ from its URL's latest capture; the number stored.  In a transaction."""
    stored = 0
    for url, data in pictures.items():
        last = latest_capture(db, url)
        if last is not None and last["sha256"] == sha256(data):
            continue
        add_capture(db, data, Fetch(url=url, fetched_at=fetch.fetched_at, portal_id=fetch.portal_id,
                                    crawl_run_id=fetch.crawl_run_id), status="picture", hints={"page_url": page_url})
        stored += 1
    return stored


def page_pictures(db: Database, page_url: str, data: bytes) -> dict[str, bytes]:
    """The pictures an HTML capture shows that the archive holds as `picture` captures, by absolute
    URL: what the extractor needs to read the page again as the crawl read it."""
    from urllib.parse import urljoin

    from extract.readers.html import picture_sources

    out: dict[str, bytes] = {}
    for src in picture_sources(data):
        url = urljoin(page_url, src)
        row = db.execute("select sha256 from captures where url = ? and status = 'picture' order by id desc limit 1",
                         [url]).fetchone()
        if row is not None and url not in out:
            out[url] = read_blob(db, row[0])
    return out


# --- what an HTML page says, without its volatile furniture ----------------------------------------
# A report page carries things that change on every request and are not the report: a visit counter
# (浏览次数：1234), a clock or today's date (今天是2026年1月5日 星期一), rotating tokens (CSRF metas,
# hidden inputs, `?t=…` on scripts and images, inline scripts), comments with render times.  The
# archive stores the exact bytes of every capture, but decides "changed" on this fingerprint, so a
# page whose report did not change never becomes a new version (archive.write.ingest_bytes).

_VOLATILE_ATTR = re.compile(r"clock|time-?now|now-?time|today|cur-?time|current-?time|date-?now|counter|visit|hits|"
                            r"pageview|\bpv\b|views?-?count|click|read-?count|readnum|browse|liulan|fangwen|djl|"
                            r"weather|tianqi", re.I)
_VOLATILE_TEXT = [
    # counters: 浏览次数：123 / 阅读量(123) / 点击数：[123] / 访问量 123 次 / 123次浏览 / 您是第123位访问者
    # (a label and its colon or bracket: a report's own prose or table cell "网站访问量 123万次" is kept)
    re.compile(r"(?:浏览|阅读|点击|访问|查看|访客)(?:次数|总数|人次|量|数)?\s*(?:[:：]\s*[\[【（(]?|[\[【（(])\s*\d[\d,]*\s*"
               r"[\]】）)]?\s*(?:次|人次)?"),
    re.compile(r"\d[\d,]*\s*(?:次|人次|人)(?:浏览|阅读|点击|访问)"),
    re.compile(r"第\s*\d[\d,]*\s*位(?:访问者|访客|浏览者)"),
    # clocks and today's date: a date with its weekday, 今天是…, a time with seconds, 当前时间…
    re.compile(r"(?:今天是|当前时间|现在时间|北京时间)\s*[:：]?\s*[\d年月日/\-:：\s]*(?:(?:星期|周|礼拜)[一二三四五六日天])?"),
    re.compile(r"\d{4}\s*[-/年.]\s*\d{1,2}\s*[-/月.]\s*\d{1,2}\s*日?\s*(?:(?:星期|周|礼拜)[一二三四五六日天])"),
    re.compile(r"(?:星期|礼拜)[一二三四五六日天]"),
    re.compile(r"(?<!\d)\d{1,2}:\d{2}:\d{2}(?!\d)"),
]
_TOKEN_NAME = re.compile(r"csrf|token|nonce|verif|timestamp|^_$|^t$|^ts$|^v$|^ver$|^rnd$|^rand(?:om)?$|^r$|"
                         r"^sid$|session|jsessionid|^_t$|^time$", re.I)
_SPACE = re.compile(r"[\s\u3000\xa0]+")


def _stable_url(url: str) -> str:
    """A link or image address without its rotating query parameters (t=, token=, _=, jsessionid …)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    url = re.sub(r";jsessionid=[^?#]*", "", url.strip(), flags=re.I)
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TOKEN_NAME.search(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def content_fingerprint(data: bytes, encoding: str | None = None) -> str | None:
    """A sha256 of what an HTML page shows a reader — title, named metas, visible text, the addresses of
    its links, images and frames — with volatile furniture removed: scripts, styles, comments, form
    fields, elements whose class or id says clock/counter/visit/today, counter numbers, today's date
    and weekday, times with seconds, rotating query parameters and token metas.  None for a document
    that is not HTML, or an HTML page with too little text to judge (compare its bytes instead)."""
    from extract.encoding import decode
    from extract.sniff import sniff

    if sniff(data) != "html":
        return None
    try:
        import lxml.html

        text, _ = decode(data, encoding)
        text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
        root = lxml.html.fromstring(text)
    except Exception:  # an unparseable page: bytes decide
        return None
    for el in root.xpath("//script | //style | //noscript | //template | //comment() | //input | //select | "
                         "//textarea | //button"):
        if el.getparent() is not None:
            el.drop_tree()
    for el in root.xpath("//*[@class or @id]"):
        if el.getparent() is not None and _VOLATILE_ATTR.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
            el.drop_tree()
    parts: list[str] = [_SPACE.sub(" ", " ".join(root.xpath("//title//text()"))).strip()]
    for meta in root.xpath("//meta[@name and @content]"):
        if not _TOKEN_NAME.search(meta.get("name") or ""):
            parts.append(f"meta {meta.get('name')}={meta.get('content')}")
    body = root.find("body")
    shown = _SPACE.sub(" ", (body if body is not None else root).text_content())
    for pattern in _VOLATILE_TEXT:
        shown = pattern.sub("#", shown)
    if len(_SPACE.sub("", shown)) < 50:
        return None
    parts.append(shown.strip())
    for el in root.xpath("//a[@href] | //img[@src] | //iframe[@src] | //embed[@src] | //object[@data]"):
        parts.append(f"{el.tag} {_stable_url(el.get('href') or el.get('src') or el.get('data') or '')}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
