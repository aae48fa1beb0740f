"""IncrementalMiddleware: a nightly run fetches what is new, and stops walking where the old begins.

A spider middleware, because the decision needs a list page's whole output at once:

- a detail request for a URL the archive already holds, whose list entry (title|date) is as it
  was, is dropped (no request at all) — unless this portal is on a full walk;
- a URL whose last fetch failed or was blocked is asked again, and counts as new for the rule
  below, so the walk reaches it every night until it is archived;
- when every entry a list page yields was already known, the request for the *next* list page
  is dropped too: lists are newest first, so the rest is older.  That early stop is only allowed
  after a walk of the portal that reached its end (a killed run leaves later pages unseen) and
  never on a full walk.  List pages themselves are never skipped: the first page of every
  column is fetched every night.

A full walk happens on the first run, when `NIANBAO_FULL_WALK` is set (`nianbao crawl --full`),
and every `NIANBAO_FULL_WALK_DAYS` days per portal; it revalidates known pages through
ConditionalRequestMiddleware (304s) or content hashes, which catches reports edited in place.

Settings: NIANBAO_INCREMENTAL (default True), NIANBAO_FULL_WALK, NIANBAO_FULL_WALK_DAYS (7).
Stats: nianbao/incremental/skipped, nianbao/incremental/walks_stopped (also per portal),
nianbao/incremental/resigned (known URL whose list entry changed: requested again).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from ..health import column_key
from ..state import CrawlState
from ..stats import count


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        if not crawler.settings.getbool("NIANBAO_INCREMENTAL", True) or not crawler.settings.get("NIANBAO_DB"):
            raise NotConfigured
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        if response.meta.get("nb_kind") not in ("column", "list"):
            yield from result
            return
        outputs = list(result)
        state = CrawlState.for_crawler(self.crawler)
        portal = response.meta.get("nb_portal", "?")
        full = state.is_full_walk(portal)
        entries = 0
        all_known = True
        kept: list[Any] = []
        for out in outputs:
            if isinstance(out, Request) and out.meta.get("nb_kind") in ("detail", "attachment"):
                entries += 1
                known = state.known(out.url)
                signature = (out.meta.get("nb_entry") or {}).get("signature")
                if known is None or (known.sha256 is not None and not known.complete):
                    all_known = False  # new, or captured by a run killed before its attachments
                elif known.sha256 is None:
                    # failed or blocked last time: asked again, and the walk must reach it (a dead link
                    # on page 5 is retried every night, not only on the weekly full walk)
                    all_known = all_known and not (known.status or "").startswith(("failed:", "blocked:"))
                elif not full and (known.signature in (None, signature)):
                    self._count(portal, "skipped")
                    continue
                elif not full:
                    self._count(portal, "resigned")  # re-published: title or date changed on the list
                    all_known = False
            kept.append(out)
        stop = entries > 0 and all_known and state.may_stop_at_known(portal)
        for out in kept:
            if stop and isinstance(out, Request) and out.meta.get("nb_kind") == "list":
                self._count(portal, "walks_stopped")
                column = response.meta.get("nb_column")
                if column:  # the column's end was not reached tonight: no coverage verdict on it
                    self.stats.inc_value(column_key("stopped", column))
                continue
            yield out

    async def process_spider_output_async(self, response: Response, result: Any) -> Any:
        items = [x async for x in result]
        for out in self.process_spider_output(response, items):
            yield out

    def _count(self, portal: str, key: str) -> None:
        count(self.stats, portal, f"incremental/{key}")
