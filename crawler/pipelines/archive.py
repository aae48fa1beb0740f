"""ArchivePipeline: every captured document into the archive; report documents through the extractor.

This module is the one seam between the crawler and the archive (`archive/`): it calls the
archive's own API — `archive.ingest.ingest_bytes` for a document that holds a report (capture,
version history, extracted rows, duplicates, all in one transaction, idempotent), and
`archive.captures.add_capture` for a detail page whose report is an attachment (kept for its
metadata and provenance, not extracted).

The CPU-heavy part — parsing and the body text — runs in a child process
(`crawler.pipelines.extraction`), so the reactor keeps downloading at full speed while a PDF is
read; only the SQLite transaction happens back on the reactor thread, on the archive's single
connection.

Settings: NIANBAO_DB (the archive file), NIANBAO_EXTRACT (default True; False stores the captures
without reading them: each report is recorded as pending extraction, and
`nianbao reextract --pending` reads them later), NIANBAO_EXTRACT_PROCESSES, NIANBAO_EXTRACT_TIMEOUT
(see `crawler.pipelines.extraction`).
Stats: nianbao/reports/<new|changed|unchanged|duplicate|error>, nianbao/reports/pending,
nianbao/pages/<stored|unchanged>, nianbao/image_only (also per portal), nianbao/extract/*.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from ..items import Document
from ..state import CrawlState, now
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
        if not isinstance(item, Document):
            return item
        try:
            return await self._store(item)
        except sqlite3.OperationalError as exc:
            # the archive cannot be written (a full disk, a lock held past every retry): nothing more
            # can be kept tonight, so the crawl stops instead of fetching pages it would only drop
            fatal_archive_error(self.crawler, exc)
            raise DropItem(f"archive not writable: {exc}") from exc

    async def _store(self, item: Document) -> Any:
        from archive.captures import Fetch, add_capture
        from archive.ingest import extraction_status, ingest_bytes, retrying_write

        state = CrawlState.for_crawler(self.crawler)
        portal = self.crawler.spider.portals[item.portal]
        fetch = Fetch(url=item.url, fetched_at=now(), http_status=item.http_status, content_type=item.content_type,
                      encoding=item.encoding, etag=item.etag, last_modified=item.last_modified,
                      portal_id=state.portal_ids.get(item.portal), crawl_run_id=state.run_id)
        signature = item.metadata.get("signature")
        status = "captured"
        if item.is_report:
            hints = item.hints(portal)
            name = item.read_name
            report = error = None
            digest = hashlib.sha256(item.body).hexdigest()
            known = state.known(item.url)
            if self.extract and not (known and known.sha256 == digest):
                extracted = await self.extractor.extract(item.body, item.url, name, hints)
                report, error = extracted.report, extracted.error
            outcome = ingest_bytes(state.db, item.body, fetch, hints, name=name, report=report, error=error,
                                   pending=not self.extract)
            self._count(item.portal, f"reports/{outcome.status}")
            if not self.extract and outcome.status in ("new", "changed"):
                self._count(item.portal, "reports/pending")
            if outcome.status == "error" or (report is not None and extraction_status(report) == "tables_not_found"):
                status = "suspect"  # a cut or garbled download: asked again next run (CrawlState.known)
            if item.image_only or (report is not None and report.extras.get("image_only")):
                self._count(item.portal, "image_only")
        else:
            digest = hashlib.sha256(item.body).hexdigest()
            known = state.known(item.url)
            if known and known.sha256 == digest:
                self._count(item.portal, "pages/unchanged")
            else:
                retrying_write(lambda: self._add_page(state, item, fetch, add_capture))
                self._count(item.portal, "pages/stored")
        state.remember(item.url, item.portal, item.role, status, signature,
                       children=item.metadata.get("attachments") if item.role == "page" else None)
        if item.request_url != item.url:  # Hanweb downfile.jsp → /attach/…: both names are known
            state.remember(item.request_url, item.portal, item.role, status)
        return item

    @staticmethod
    def _add_page(state: CrawlState, item: Document, fetch: Any, add_capture: Any) -> int:
        with state.db.atomic():
            return add_capture(state.db, item.body, fetch, status="page",
                               hints={"title": item.title, "pub_date": item.pub_date, **{
                                   k: v for k, v in item.metadata.items() if isinstance(v, str)}})

    def _count(self, portal: str, key: str) -> None:
        self.stats.inc_value(f"nianbao/{key}")
        self.stats.inc_value(f"nianbao/portal/{portal}/{key}")
