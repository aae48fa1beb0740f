"""HttpsFallbackMiddleware: try http:// when an https:// portal cannot be reached at all.

Some district hosts never finished their HTTPS migration: the handshake fails on 443 or times
out while port 80 answers (朝阳区, several Shenzhen sites; portals.md §3).  After
RetryMiddleware has given up on a connection-level error (this middleware sits below it, so it
sees the exception last), the same request is sent once over http.  Certificate checks are not
weakened; the fallback is per request and counted so operators can fix the registry entry.

Settings: NIANBAO_HTTPS_FALLBACK (default True).
Stats: nianbao/https_fallback (also per portal).
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured


class HttpsFallbackMiddleware:
    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HttpsFallbackMiddleware:
        if not crawler.settings.getbool("NIANBAO_HTTPS_FALLBACK", True):
            raise NotConfigured
        return cls(crawler.stats)

    def process_exception(self, request: Request, exception: Exception, spider: Spider) -> Request | None:
        if isinstance(exception, IgnoreRequest) or not request.url.startswith("https://") \
                or request.meta.get("nb_https_fallback"):
            return None
        portal = request.meta.get("nb_portal", "?")
        self.stats.inc_value("nianbao/https_fallback")
        self.stats.inc_value(f"nianbao/portal/{portal}/https_fallback")
        spider.logger.info("https failed for %s (%s): trying http", request.url, type(exception).__name__)
        meta = {**request.meta, "nb_https_fallback": True}
        meta.pop("retry_times", None)
        if meta.get("nb_column") == request.url:
            meta["nb_column"] = "http://" + request.url[len("https://"):]
        return request.replace(url="http://" + request.url[len("https://"):], meta=meta, dont_filter=True)
