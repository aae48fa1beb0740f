"""OffsitePortalMiddleware: only http(s), and a portal's crawl never leaves the hosts its entry allows.

Schemes first: a link, redirect or meta refresh to `file://`, `ftp://`, `data:` … is never sent,
whatever its host (a `file://` URL may carry the portal's own host name, and Scrapy's file handler
ignores it and reads the local path).  Such a URL is counted (`nianbao/refused_scheme`), written to
`crawl_urls` as `refused_scheme`, and dropped; settings.py also removes every non-web download
handler, so the rule holds with this middleware switched off.

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

from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.utils.response import get_meta_refresh

from ..health import Refused
from ..registry import WEB_SCHEMES, origin


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
        scheme = urlsplit(request.url).scheme
        if scheme not in WEB_SCHEMES:
            self._refuse_scheme(request, name or "?", scheme)
        portal = getattr(spider, "portals", {}).get(name) if name else None
        if portal is None:
            self._sameorigin_redirect(request)
            return None
        if portal.allows(request.url):
            return None
        self.stats.inc_value("nianbao/offsite")
        self.stats.inc_value(f"nianbao/portal/{name}/offsite")
        origin = (request.meta.get("redirect_urls") or [None])[0]
        spider.logger.warning("not following %s to %s: %s is not an origin %s allows (allowed_hosts)",
                              origin or "a link", request.url, urlsplit(request.url).netloc, name)
        if self.crawler.settings.get("NIANBAO_DB"):
            from ..state import CrawlState

            state = CrawlState.for_crawler(self.crawler)
            state.remember(request.url, name, request.meta.get("nb_kind", "?"), "offsite")
            if origin and origin != request.url:
                state.remember(origin, name, request.meta.get("nb_kind", "?"), f"offsite_redirect:{request.url}"[:500])
        raise Refused("offsite", f"offsite: {urlsplit(request.url).hostname} is not a host of {name}")

    def process_response(self, request: Request, response: Response) -> Response:
        """Scrapy's redirect middlewares drop a 3xx or meta refresh to a non-web scheme without a
        word and pass the stub on (a 302 error, or a page archived as a report): record the target
        as refused instead, and drop the stub."""
        target = None
        if 300 <= response.status < 400 and response.headers.get(b"Location"):
            target = urljoin(request.url, response.headers[b"Location"].decode("latin-1").strip())
        elif isinstance(response, HtmlResponse) and b"refresh" in response.body[:8192].lower():
            target = get_meta_refresh(response)[1]
        if target and urlsplit(target).scheme not in WEB_SCHEMES:
            name = request.meta.get("nb_portal") or "?"
            self._refuse_scheme(request.replace(url=target, meta={**request.meta, "redirect_urls": [request.url]}),
                                name, urlsplit(target).scheme)
        return response

    def _sameorigin_redirect(self, request: Request) -> None:
        """A request no portal made (robots.txt, Scrapy's own) may be redirected only within its
        origin: robots.txt is read from the portal's own server or not at all."""
        first = (request.meta.get("redirect_urls") or [None])[0]
        if first and origin(first) != origin(request.url):
            self.stats.inc_value("nianbao/offsite")
            self.crawler.spider.logger.warning("not following %s to another origin: %s", first, request.url)
            raise Refused("offsite", f"offsite: {first} redirects to another origin ({request.url})")

    def _refuse_scheme(self, request: Request, name: str, scheme: str) -> None:
        self.stats.inc_value("nianbao/refused_scheme")
        self.stats.inc_value(f"nianbao/portal/{name}/refused_scheme")
        origin = (request.meta.get("redirect_urls") or [None])[0]
        self.crawler.spider.logger.warning("not requesting %s (from %s): only http and https are crawled",
                                           request.url[:200], origin or "a link")
        if self.crawler.settings.get("NIANBAO_DB"):
            from ..state import CrawlState

            CrawlState.for_crawler(self.crawler).remember(request.url[:2000], name, request.meta.get("nb_kind", "?"),
                                                         "refused_scheme")
        raise Refused("refused", f"refused scheme {scheme!r}: only http and https are crawled")
