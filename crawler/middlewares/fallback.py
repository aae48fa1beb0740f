"""HttpsFallbackMiddleware: try http:// when an https:// portal cannot be reached at all.

Some district hosts never finished their HTTPS migration: the handshake fails on 443 or times
out while port 80 answers (朝阳区, several Shenzhen sites; portals.md §3).  After
RetryMiddleware has given up on a connection-level error (this middleware sits below it, so it
sees the exception last), the same request is sent once over http.  Certificate checks are not
weakened; the fallback is per request and counted so operators can fix the registry entry.

Retry's "Gave up retrying" line is an ERROR by default, but for an https request it is not the
end of the story: this middleware takes over.  So an https request that has not fallen back yet
carries `give_up_log_level` INFO (RetryMiddleware reads that meta key); the http request that
follows keeps the default, so a host that answers on neither port is still logged as an ERROR.
The fallback itself is an INFO line, a stat, a per-portal `https_fallback` in the run's
`portal_health` and an `https_fallback` entry in the run's `errors`, where operators look.

Settings: NIANBAO_HTTPS_FALLBACK (default True).
Stats: nianbao/https_fallback (also per portal, for a portal's own pages).
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured


class HttpsFallbackMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HttpsFallbackMiddleware:
        if not crawler.settings.getbool("NIANBAO_HTTPS_FALLBACK", True):
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.url.startswith("https://") and not request.meta.get("nb_https_fallback") \
                and "give_up_log_level" not in request.meta:
            request.meta["give_up_log_level"] = "INFO"  # handled below, not a failure yet
            request.meta["nb_quiet_give_up"] = True
        return None

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if isinstance(exception, IgnoreRequest) or not request.url.startswith("https://") \
                or request.meta.get("nb_https_fallback"):
            return None
        portal = request.meta.get("nb_portal")
        self.stats.inc_value("nianbao/https_fallback")
        if portal:  # robots.txt requests belong to a host, not a portal
            self.stats.inc_value(f"nianbao/portal/{portal}/https_fallback")
        self.crawler.spider.logger.info("https failed for %s (%s): trying http", request.url,
                                        type(exception).__name__)
        meta = {**request.meta, "nb_https_fallback": True}
        meta.pop("retry_times", None)
        if meta.pop("nb_quiet_give_up", False):
            meta.pop("give_up_log_level", None)  # set by process_request: the http request fails loudly
        if meta.get("nb_column") == request.url:
            meta["nb_column"] = "http://" + request.url[len("https://"):]
        return request.replace(url="http://" + request.url[len("https://"):], meta=meta, dont_filter=True)
