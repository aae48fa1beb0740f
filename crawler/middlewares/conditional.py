"""ConditionalRequestMiddleware: revalidate known detail pages and files instead of downloading them.

When a detail page or attachment already in the archive is requested again (a full walk, or a
list entry whose title/date changed), the request carries `If-None-Match` (the stored ETag) and
`If-Modified-Since` (the stored Last-Modified).  A `304 Not Modified` ends there: counted,
remembered, no body transferred, nothing parsed.  Servers that send neither validator (many
in-house CMSs) get an ordinary request, and the pipeline compares content hashes instead.

Why not HttpCacheMiddleware with RFC2616Policy: it keeps a second copy of every body on disk and
hands the cached response to the callback on a 304 — the callback would re-parse and re-store
an unchanged page.  The archive already holds the bytes; only the validators are needed.

A 304 means "the copy you hold is current" only when the request carried validators and the
archive holds a capture of that URL.  A 304 to a request that carried none (a broken cache in
front of the portal), or to validators a redirect carried over to a URL never captured, is no
answer: the request is sent once more without validators, and if the 304 comes back the entry is
`failed` (`crawl_urls.status = 'failed:http_304_uncached'`), so it is asked again next run —
never counted as not modified.

Settings: NIANBAO_CONDITIONAL (default True).
Stats: nianbao/conditional/sent, nianbao/conditional/not_modified (also per portal),
nianbao/conditional/uncached_retried, nianbao/conditional/uncached_304.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from ..health import Refused
from ..state import CrawlState

KINDS = ("detail", "attachment")


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        if not crawler.settings.getbool("NIANBAO_CONDITIONAL", True) or not crawler.settings.get("NIANBAO_DB"):
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.meta.get("nb_kind") not in KINDS or b"If-None-Match" in request.headers \
                or request.meta.get("nb_304_retried"):
            return None
        known = CrawlState.for_crawler(self.crawler).known(request.url)
        if known is None or not known.complete or not (known.etag or known.last_modified):
            return None
        if known.has_attachments:
            # a 304 here would end the walk at the page, and a report file replaced in place behind
            # an unchanged page would never be revalidated: fetch the page, its files go conditional
            return None
        if known.etag:
            request.headers[b"If-None-Match"] = known.etag
        if known.last_modified:
            request.headers[b"If-Modified-Since"] = known.last_modified
        request.meta["handle_httpstatus_list"] = [*request.meta.get("handle_httpstatus_list", []), 304]
        self.stats.inc_value("nianbao/conditional/sent")
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 304 or request.meta.get("nb_kind") not in KINDS:
            return response
        portal = request.meta.get("nb_portal", "?")
        state = CrawlState.for_crawler(self.crawler)
        sent = b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers
        known = state.known(request.url)
        if not sent or known is None or known.sha256 is None:
            return self._uncached(request, portal, state)
        self.stats.inc_value("nianbao/conditional/not_modified")
        self.stats.inc_value(f"nianbao/portal/{portal}/not_modified")
        entry = request.meta.get("nb_entry") or {}
        state.remember(request.url, portal, request.meta["nb_kind"], "not_modified", entry.get("signature"))
        raise Refused("not_modified", "not modified")

    def _uncached(self, request: Request, portal: str, state: CrawlState) -> Request:
        """A 304 with nothing to be current against: ask once more without validators, then fail."""
        if not request.meta.get("nb_304_retried"):
            self.stats.inc_value("nianbao/conditional/uncached_retried")
            headers = request.headers.copy()
            for name in (b"If-None-Match", b"If-Modified-Since"):
                headers.pop(name, None)
            return request.replace(headers=headers, dont_filter=True, meta={**request.meta, "nb_304_retried": True})
        self.stats.inc_value("nianbao/conditional/uncached_304")
        self.stats.inc_value(f"nianbao/portal/{portal}/errors/http_304_uncached")
        if request.meta.get("nb_kind") == "attachment" and "nb_entry" not in request.meta:
            self.stats.inc_value(f"nianbao/portal/{portal}/attachments_failed")
        state.remember(request.url, portal, request.meta["nb_kind"], "failed:http_304_uncached")
        self.crawler.spider.logger.warning("HTTP 304 with nothing cached (twice): %s", request.url)
        raise Refused("failed", "HTTP 304 to a request with nothing cached")
