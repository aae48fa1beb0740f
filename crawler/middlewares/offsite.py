"""OffsitePortalMiddleware: a portal's crawl never leaves the hosts its registry entry allows.

Why: a government portal can redirect (302, meta refresh) or link an attachment to any host —
a CDN, a hijacked domain, an intranet address.  Scrapy's own OffsiteMiddleware knows one
`allowed_domains` per spider, not per portal, and the spider sets none.  This middleware checks
every request that carries a portal (`nb_portal`), including the new request a redirect or a
meta refresh produces (it re-enters the downloader), against that portal's `allowed_hosts`
(registry key; default: the start URLs' hosts).  A request to another host is not sent: it is
counted, written to `crawl_urls` as `offsite` (an operator sees where the portal pointed), and
dropped.  To follow a CDN, list its host in the entry's `allowed_hosts`.

It runs first (order 50), before RobotsTxtMiddleware would fetch the foreign host's robots.txt.

Settings: NIANBAO_OFFSITE (default True).
Stats: nianbao/offsite (also per portal).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured


class OffsitePortalMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffsitePortalMiddleware:
        if not crawler.settings.getbool("NIANBAO_OFFSITE", True):
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        name = request.meta.get("nb_portal")
        spider = self.crawler.spider
        portal = getattr(spider, "portals", {}).get(name) if name else None
        if portal is None or portal.allows_host(request.url):
            return None
        self.stats.inc_value("nianbao/offsite")
        self.stats.inc_value(f"nianbao/portal/{name}/offsite")
        origin = (request.meta.get("redirect_urls") or [None])[0]
        spider.logger.warning("not following %s to %s: host %s is not in allowed_hosts of %s",
                              origin or "a link", request.url, urlsplit(request.url).hostname, name)
        if self.crawler.settings.get("NIANBAO_DB"):
            from ..state import CrawlState

            state = CrawlState.for_crawler(self.crawler)
            state.remember(request.url, name, request.meta.get("nb_kind", "?"), "offsite")
            if origin and origin != request.url:
                state.remember(origin, name, request.meta.get("nb_kind", "?"), f"offsite_redirect:{request.url}"[:500])
        raise IgnoreRequest(f"offsite: {urlsplit(request.url).hostname} is not a host of {name}")
