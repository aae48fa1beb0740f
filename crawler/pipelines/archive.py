"""ArchivePipeline: every captured document into the archive; report documents through the extractor.

The single-machine crawl's pipeline: it reads a report in the extractor's child process when
`crawler.store.needs_reading` says so, then stores it through the crawl's one store step
(`crawler.store.store`, the same one the distributed writer uses).

The CPU-heavy part — parsing and the body text — runs in a child process
(`crawler.pipelines.extraction`), so the reactor keeps downloading at full speed while a PDF is
read; only the SQLite transaction happens back on the reactor thread, on the archive's single
connection.

Settings: NIANBAO_DB (the archive file), NIANBAO_EXTRACT (default True; False stores the captures
without reading them: each report is recorded as pending extraction, and
`nianbao reextract --pending` reads them later), NIANBAO_EXTRACT_PROCESSES, NIANBAO_EXTRACT_TIMEOUT
(see `crawler.pipelines.extraction`).
Stats: those of `crawler.store`, and nianbao/extract/*.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from ..items import FetchedDocument
from ..state import CrawlState, now
from ..store import needs_reading, store
from .extraction import Extractor


def fatal_archive_error(crawler: Crawler, exc: BaseException) -> None:
    """Stop the crawl once, with the finish reason `archive_error` and the cause in one line
    (`crawl_runs.notes.archive_error`, when the run row itself can still be written)."""
    message = str(exc).splitlines()[0][:300] or type(exc).__name__
    if crawler.stats.get_value("nianbao/archive_error"):
        return
    crawler.stats.set_value("nianbao/archive_error", message)
    crawler.spider.logger.error("the archive cannot be written (%s): stopping the crawl", message)
    crawler.spider.portals = {}
    deferred_from_coro(crawler.engine.close_spider_async(reason="archive_error"))


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.extract = crawler.settings.getbool("NIANBAO_EXTRACT", True)
        self.extractor = Extractor.from_settings(crawler.settings, crawler.stats)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        if not crawler.settings.get("NIANBAO_DB"):
            raise NotConfigured
        return cls(crawler)

    async def open_spider(self) -> None:  # Scrapy ≥ 2.19 passes no spider to pipeline hooks
        """Stop the crawl before it fetches a document if the extractor cannot start: every report
        would be recorded as unreadable.  The run is recorded with the finish reason
        `extractor_failed` and the cause (`crawl_runs.notes.extractor_error`)."""
        if not self.extract:
            return
        error = await self.extractor.probe()
        if error:
            self.stats.set_value("nianbao/extract/unavailable", error)
            self.crawler.spider.portals = {}  # nothing to start, whatever the engine pulls before closing
            self.crawler.spider.logger.error("the extractor cannot start: %s", error)
            raise CloseSpider("extractor_failed")

    def close_spider(self) -> None:  # Scrapy ≥ 2.19 passes no spider to pipeline hooks
        self.extractor.close()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedDocument):
            return item
        try:
            return await self._store(item)
        except sqlite3.OperationalError as exc:
            # the archive cannot be written (a full disk, a lock held past every retry): nothing more
            # can be kept tonight, so the crawl stops instead of fetching pages it would only drop
            fatal_archive_error(self.crawler, exc)
            raise DropItem(f"archive not writable: {exc}") from exc

    async def _store(self, item: FetchedDocument) -> Any:
        state = CrawlState.for_crawler(self.crawler)
        portal = self.crawler.spider.portals[item.portal]
        extracted = None
        if item.is_report and self.extract and needs_reading(state, item):
            extracted = await self.extractor.extract(item.body, item.url, item.read_name, item.hints(portal),
                                                     item.pictures)
        store(state, self.stats, item, portal, now(), extracted, pending=not self.extract)
        return item
