"""PortalBudgetMiddleware: each portal has a request budget per run; reaching it stops that portal only.

Why: a hostile or broken portal (a calendar-style tree of list pages, ever-new query strings, a
pager that never ends) would otherwise keep one portal crawling for days at the shipped politeness
and hold the crawl lock all night.  Every request that carries a portal (`nb_portal`) is counted
(retries too: they cost the server as much); past `NIANBAO_PORTAL_MAX_REQUESTS` (or the entry's
`max_requests`) the request is not sent, the portal's walk is marked `incomplete` with the reason
(`budget_exhausted` in its health), and a listed entry left unrequested has the outcome
`unrequested`.  Other portals are not touched.

Settings: NIANBAO_PORTAL_MAX_REQUESTS (default 5000).
Stats: nianbao/portal/<name>/requests, nianbao/portal/<name>/budget_exhausted.
"""

from __future__ import annotations

from collections import Counter

from scrapy import Request
from scrapy.crawler import Crawler

from ..health import Refused


class PortalBudgetMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.default = crawler.settings.getint("NIANBAO_PORTAL_MAX_REQUESTS", 5000)
        self.sent: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalBudgetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        name = request.meta.get("nb_portal")
        if not name:
            return None
        portal = getattr(self.crawler.spider, "portals", {}).get(name)
        budget = (portal.max_requests if portal is not None and portal.max_requests else None) or self.default
        if self.sent[name] >= budget:
            if not self.stats.get_value(f"nianbao/portal/{name}/budget_exhausted"):
                self.crawler.spider.logger.warning("portal %s: request budget of %d used up; its walk stops here",
                                                   name, budget)
            self.stats.inc_value(f"nianbao/portal/{name}/budget_exhausted")
            raise Refused("unrequested", f"request budget of {budget} used up for {name}")
        self.sent[name] += 1
        self.stats.inc_value(f"nianbao/portal/{name}/requests")
        return None
