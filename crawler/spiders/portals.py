"""The one spider: walks every registry portal's 年报 column through its platform adapter.

It only walks and yields: list pages → entries, sub-columns and the next page; detail pages →
the page document and requests for its attachments; attachments → documents.  Everything else
(encoding repair, hostile-page detection, incremental skipping, storage) is a middleware or a
pipeline switched on in `crawler/settings.py`.

Request meta the components rely on:
    nb_portal   registry name          nb_kind    column | list | detail | attachment
    nb_column   first URL of the column being paged (repeated-page detection, page cap)
    nb_entry    {title, date, signature} of a detail link, as the list showed it

Coverage (docs/crawling.md): every list response records, per column, what the column advertises
(`Listing.advertised`, `advertised_pages`), what it listed, and the script-driven lists it could
not follow; every listed entry ends in exactly one outcome of `crawler.health.OUTCOMES`.  The run
recorder compares the two and decides each portal's health.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from ..adapters import adapter_for
from ..detail import is_attachment_url, read_detail
from ..health import Refused, column_key, network_cause
from ..items import FetchedDocument
from ..middlewares.hostile import is_image
from ..registry import Portal, load_registry
from ..stats import count

# Column and pager URLs that generate pages without end and hold no report: calendar trees
# (…/2024/01/, …/2024-01-05/, ?date=, ?month=) and search results (/search, ?keyword=, ?q=).
# A year alone (`2025nb/`, `/2024/`) is a real 年报 sub-column and is not a trap.
TRAPS = {
    "calendar": re.compile(r"/(19|20)\d{2}[-/_]?(0[1-9]|1[0-2])(?:[-/_]?(0[1-9]|[12]\d|3[01]))?/?(?:$|[?#])|"
                           r"[?&](date|day|month|calendar|riqi)=", re.I),
    "search": re.compile(r"/search|[?&](keyword|keywords|searchword|q|wd|query|kw)=", re.I),
}


def trap_kind(url: str) -> str | None:
    """The kind of trap a list or column URL looks like, or None."""
    for kind, pattern in TRAPS.items():
        if pattern.search(url):
            return kind
    return None


class PortalsSpider(scrapy.Spider):
    """Crawl the 年报 columns of the portals in a registry (`-a registry=FILE -a portals=A,B`)."""

    name = "portals"

    def __init__(self, registry: str | None = None, portals: str | None = None, mode: str = "crawl",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        wanted = {p.strip() for p in portals.split(",")} if portals else None
        self.portals: dict[str, Portal] = {p.name: p for p in load_registry(registry)
                                           if p.enabled and (wanted is None or p.name in wanted)}
        self.mode = mode  # crawl | check (`nianbao portals check`: list pages only, no details)
        self._page_sigs: dict[str, set[frozenset[str]]] = defaultdict(set)
        self._pages_walked: dict[str, int] = defaultdict(int)
        self._listed: dict[str, set[str]] = defaultdict(set)  # entry URLs listed this run, per portal
        self._columns: dict[str, int] = defaultdict(int)  # sub-columns requested this run, per portal
        self.check_results: dict[str, dict[str, Any]] = {}

    # --- helpers -----------------------------------------------------------------------------

    def _count(self, portal: str, key: str, n: int = 1) -> None:
        count(self.crawler.stats, portal, key, n)

    async def start(self) -> Any:
        for portal in self.portals.values():
            self.crawler.stats.set_value(f"nianbao/portal/{portal.name}/started", 1)
            for url in portal.start_urls:
                yield scrapy.Request(url, callback=self.parse_list, errback=self.on_error,
                                     meta={"nb_portal": portal.name, "nb_kind": "column", "nb_column": url,
                                           "nb_depth": 0, "nb_start_url": url})

    def _column(self, column: str, portal: str, field: str, n: int = 1) -> None:
        stats = self.crawler.stats
        stats.set_value(column_key("portal", column), portal)
        stats.inc_value(column_key(field, column), n)

    def on_error(self, failure: Any) -> None:
        """Every request that brought no response ends here: count what became of it, per portal
        and, for a listed entry, as its outcome.  A list or pager page that failed or was blocked
        means the walk did not reach the end of its column; a failed entry or attachment gets a
        `crawl_urls` row with its cause, so it is asked again next run."""
        request = failure.request
        meta = request.meta
        portal = meta.get("nb_portal", "?")
        kind = meta.get("nb_kind")
        cause = None
        if self.mode == "check" and kind in ("column", "list"):
            res = self.check_results.setdefault(portal, {"platform": None, "pages": 0, "entries": 0, "status": None})
            res.setdefault("causes", []).append(
                f"HTTP {failure.value.response.status}" if failure.check(HttpError) else network_cause(failure.value))
        if failure.check(HttpError):
            cause = f"http_{failure.value.response.status}"
        elif failure.check(Refused):
            outcome = failure.value.outcome
            if kind in ("column", "list") and outcome == "blocked":
                cause = "blocked"  # a wall in the middle of a pager: the column was not walked
            elif kind in ("column", "list"):
                return
            else:
                self._outcome(meta, outcome)
                return
        elif failure.check(IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(failure.value):
            cause = "too_large"  # a body that inflated past the cap (a gzip bomb)
        elif failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            if kind in ("column", "list"):
                self._count(portal, "columns_forbidden")  # the site's own rule: a known, stated gap
            self._outcome(meta, "forbidden")
            return
        elif failure.check(IgnoreRequest):
            return
        else:
            cause = type(failure.value).__name__
        if cause != "blocked":
            self._count(portal, f"errors/{cause}")
        if kind in ("column", "list"):
            self._count(portal, "list_errors")  # the walk did not reach the end of this column
            if meta.get("nb_column"):
                self._column(meta["nb_column"], portal, "pages_failed")
        elif "nb_entry" in meta:
            self._outcome(meta, "failed")
        elif kind == "attachment":
            self._count(portal, "attachments_failed")
        self._remember_failure(request.url, portal, kind or "?", cause)
        self.logger.warning("failed %s: %s", request.url, failure.getErrorMessage())

    def _outcome(self, meta: dict[str, Any], outcome: str) -> None:
        """One listed entry's fate (only requests made for a list entry carry `nb_entry`)."""
        if "nb_entry" in meta:
            self._count(meta.get("nb_portal", "?"), f"entry/{outcome}")

    def _remember_failure(self, url: str, portal: str, kind: str, cause: str) -> None:
        if not self.crawler.settings.get("NIANBAO_DB"):
            return
        from ..state import CrawlState

        CrawlState.for_crawler(self.crawler).remember(url, portal, kind, f"failed:{cause}")

    # --- lists -------------------------------------------------------------------------------

    def _limit(self, name: str) -> int:
        return self.crawler.settings.getint(name)

    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        meta = response.meta
        portal = self.portals[meta["nb_portal"]]
        cap = self._limit("NIANBAO_MAX_PARSE_BYTES")
        if cap and len(response.body) > cap:
            # parsing a page of many megabytes on the reactor stalls every other portal: read the
            # first `cap` bytes (lxml mends the cut), and say the column was not read whole
            self._count(portal.name, "list_pages_cut")
            self.logger.warning("list page %s is %d bytes: read up to %d", response.url, len(response.body), cap)
            response = response.replace(body=response.body[:cap])
        platform = meta.get("nb_platform") or portal.platform
        adapter = adapter_for(platform, response)
        if platform == "auto":
            self.crawler.stats.set_value(f"nianbao/portal/{portal.name}/platform", adapter.name)
        listing = adapter.parse_list(response, portal)
        column = meta["nb_column"]
        self._count(portal.name, "list_pages")
        signature = frozenset(e.url for e in listing.entries)
        if signature and signature in self._page_sigs[column]:
            # an out-of-range page that repeats an earlier one (soft 404): the column ends here
            self._count(portal.name, "hostile/repeated_page")
            self.logger.info("repeated list page %s (column %s): walk ends", response.url, column)
            return
        if signature:
            self._page_sigs[column].add(signature)
        self._pages_walked[column] += 1
        self._note_coverage(column, portal.name, listing)
        base = {"nb_portal": portal.name, "nb_platform": adapter.name}
        if self.mode == "check":
            self._note_check(portal, adapter.name, len(listing.entries), response)
        entries = listing.entries
        per_page = self._limit("NIANBAO_MAX_ENTRIES_PER_PAGE")
        if per_page and len(entries) > per_page:
            self._count(portal.name, "entries_capped", len(entries) - per_page)
            self.logger.warning("list page %s lists %d entries: the first %d are requested", response.url,
                                len(entries), per_page)
            entries = entries[:per_page]
        for entry in entries:
            self._count(portal.name, "entries")
            if self.mode == "check":
                continue
            if entry.url in self._listed[portal.name]:
                self._count(portal.name, "entry/duplicate")  # another page or sub-column listed it too
                continue
            self._listed[portal.name].add(entry.url)
            kind = "attachment" if is_attachment_url(entry.url) else "detail"
            callback = self.parse_attachment if kind == "attachment" else self.parse_detail
            yield scrapy.Request(entry.url, callback=callback, errback=self.on_error, meta={
                **base, "nb_kind": kind, "nb_column": column, "nb_list_url": response.url,
                "nb_entry": {"title": entry.title, "date": entry.date, "signature": entry.signature},
                "nb_page": {"url": entry.url, "title": entry.title, "pub_date": entry.date}})
        depth = meta.get("nb_depth", 0)
        for url, _label in listing.columns:
            if depth + 1 > (min(2, portal.max_depth) if self.mode == "check" else portal.max_depth):
                self._count(portal.name, "columns_too_deep")
                continue
            trap = trap_kind(url)
            if trap:
                self._count(portal.name, f"trap/{trap}")
                continue
            if self._columns[portal.name] >= self._limit("NIANBAO_MAX_COLUMNS"):
                self._count(portal.name, "columns_capped")
                continue
            self._columns[portal.name] += 1
            yield scrapy.Request(url, callback=self.parse_list, errback=self.on_error, meta={
                **base, "nb_kind": "column", "nb_column": url, "nb_depth": depth + 1,
                "nb_start_url": meta.get("nb_start_url")})
        for req in listing.next_requests:
            if self.mode == "check" and req.meta.get("nb_gkmlpt", {}).get("page") != 1:
                break  # a check reads first pages only
            trap = trap_kind(req.url)
            if trap:
                self._count(portal.name, f"trap/{trap}")
                continue
            if self._pages_walked[column] >= portal.max_pages:
                self._count(portal.name, "page_cap_reached")
                self._column(column, portal.name, "capped")
                break
            yield req.replace(callback=self.parse_list, errback=self.on_error, meta={
                **req.meta, **base, "nb_kind": "list", "nb_column": column, "nb_depth": depth,
                "nb_start_url": meta.get("nb_start_url")})

    def _note_coverage(self, column: str, portal: str, listing: Any) -> None:
        """What this list page says about its column, beside what it listed."""
        stats = self.crawler.stats
        self._column(column, portal, "pages")
        self._column(column, portal, "listed", len(listing.entries))
        for field in ("advertised", "advertised_pages"):
            value = getattr(listing, field)
            if value is not None:  # a string: merged stats keep it instead of adding workers' copies
                stats.set_value(column_key(field, column), str(max(int(value), int(
                    stats.get_value(column_key(field, column)) or 0))))
        for field in ("unfollowed", "notes"):  # lists the column could not be followed by; assumptions made
            values = getattr(listing, field)
            if values:
                key = column_key(field, column)
                seen = set(filter(None, (stats.get_value(key) or "").split("\n")))
                stats.set_value(key, "\n".join(sorted(seen | set(values))))

    def _note_check(self, portal: Portal, platform: str, entries: int, response: Response) -> None:
        res = self.check_results.setdefault(portal.name, {"platform": platform, "pages": 0, "entries": 0,
                                                           "status": response.status})
        res["pages"] += 1
        res["entries"] += entries

    # --- details and attachments --------------------------------------------------------------

    def parse_detail(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        portal = self.portals[meta["nb_portal"]]
        ctype = (response.headers.get(b"Content-Type") or b"").lower()
        if not isinstance(response, TextResponse) or (b"html" not in ctype and is_attachment_url(response.url)):
            yield from self.parse_attachment(response)  # the list linked the file itself
            return
        self._count(portal.name, "detail_pages")
        self._outcome(meta, "fetched")
        entry = meta.get("nb_entry") or {}
        cap = self._limit("NIANBAO_MAX_PARSE_BYTES")
        if cap and len(response.body) > cap:
            # too big to parse on the reactor: the page is the report; the extractor reads it off it
            self._count(portal.name, "detail_pages_unparsed")
            yield self._document(response, portal, role="page", is_report=True, title=entry.get("title"),
                                 pub_date=entry.get("date"), agency=None,
                                 metadata={"list_title": entry.get("title"), "list_url": meta.get("nb_list_url"),
                                           "signature": entry.get("signature"), "unparsed_bytes": len(response.body)})
            return
        page = read_detail(response.text, response.url)
        title = page.title or entry.get("title")
        pub_date = page.pub_date or entry.get("date")
        attachments = page.attachments  # files may sit on another host (a CDN): no host filter here
        most = self._limit("NIANBAO_MAX_ATTACHMENTS")
        if most and len(attachments) > most:
            self._count(portal.name, "attachments_capped", len(attachments) - most)
            attachments = attachments[:most]
        document = self._document(response, portal, role="page", is_report=not attachments, title=title,
                                  pub_date=pub_date, agency=page.source,
                                  image_only=page.image_only and not attachments,
                                  metadata={**page.metadata(), "attachments": [a.url for a in attachments],
                                            "list_title": entry.get("title"), "list_url": meta.get("nb_list_url"),
                                            "signature": entry.get("signature")})
        pictures = page.pictures_to_fetch(response.url)
        most = self._limit("NIANBAO_MAX_PICTURES")
        if most and len(pictures) > most:
            self._count(portal.name, "pictures_capped", len(pictures) - most)
            pictures = pictures[:most]
        if pictures:
            yield self._picture_request(document, pictures, {})
        else:
            yield document
        for att in attachments:
            yield scrapy.Request(att.url, callback=self.parse_attachment, errback=self.on_error, meta={
                "nb_portal": portal.name, "nb_kind": "attachment", "nb_platform": meta.get("nb_platform"),
                "nb_page": {"url": response.url, "title": title, "pub_date": pub_date, "agency": page.source,
                            "file_name": att.name}})

    # --- a report page's pictures -------------------------------------------------------------
    # A page whose tables may be pictures waits for them: they are fetched one after another, the
    # page document travelling in the request's meta as plain data (it is queued as JSON in the
    # distributed crawl), and the page is yielded with them once the last has come or failed.  A
    # picture that fails is left out: the page is still the report, its tables `tables_as_images`.

    def _picture_request(self, document: FetchedDocument, todo: list[str], got: dict[str, bytes]) -> scrapy.Request:
        return scrapy.Request(todo[0], callback=self.parse_picture, errback=self.on_picture_error, dont_filter=True,
                              meta={"nb_portal": document.portal, "nb_kind": "picture",
                                    "nb_picture": {"doc": dataclasses.asdict(document), "todo": todo[1:], "got": got}})

    def parse_picture(self, response: Response) -> Iterator[Any]:
        chain = response.meta["nb_picture"]
        cap = self._limit("NIANBAO_MAX_PICTURE_BYTES")
        if response.status == 200 and is_image(response.body) and not (cap and len(response.body) > cap):
            chain["got"][response.url] = response.body
            if response.url != response.request.url:  # the page names it by the link it followed
                chain["got"][response.request.url] = response.body
            self._count(response.meta["nb_portal"], "pictures")
        else:
            self._count(response.meta["nb_portal"], "pictures_refused")
        yield self._next_picture(chain)

    def on_picture_error(self, failure: Any) -> Iterator[Any]:
        meta = failure.request.meta
        self._count(meta.get("nb_portal", "?"), "pictures_failed")
        yield self._next_picture(meta["nb_picture"])

    def _next_picture(self, chain: dict[str, Any]) -> FetchedDocument | scrapy.Request:
        document = FetchedDocument(**chain["doc"])
        if chain["todo"]:
            return self._picture_request(document, chain["todo"], chain["got"])
        document.pictures = dict(chain["got"])
        return document

    def parse_attachment(self, response: Response) -> Iterator[FetchedDocument]:
        meta = response.meta
        portal = self.portals[meta["nb_portal"]]
        page = meta.get("nb_page") or {}
        self._count(portal.name, "attachments")
        self._outcome(meta, "fetched")
        yield self._document(response, portal, role="attachment", is_report=True, title=page.get("title"),
                             pub_date=page.get("pub_date"), agency=page.get("agency"), page_url=page.get("url"),
                             file_name=page.get("file_name"))

    def _document(self, response: Response, portal: Portal, *, role: str, is_report: bool, title: str | None,
                  pub_date: str | None, agency: str | None, page_url: str | None = None, file_name: str | None = None,
                  image_only: bool = False, metadata: dict | None = None) -> FetchedDocument:
        headers = response.headers
        ctype = headers.get(b"Content-Type")

        def h(name: bytes) -> str | None:
            v = headers.get(name)
            return v.decode("latin-1") if v else None

        return FetchedDocument(
            portal=portal.name, url=response.url, request_url=(response.meta.get("redirect_urls") or [response.url])[0],
            page_url=page_url or response.url, role=role, is_report=is_report, body=response.body,
            http_status=response.status, content_type=ctype.decode("latin-1") if ctype else None,
            encoding=getattr(response, "encoding", None), etag=h(b"ETag"), last_modified=h(b"Last-Modified"),
            file_name=file_name, title=title, agency=agency, pub_date=pub_date, image_only=image_only,
            metadata=metadata or {})
