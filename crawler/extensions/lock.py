"""CrawlLock: one crawl per archive at a time.

A nightly timer and an operator's manual run must not write the same archive at once (two runs
would fetch everything twice and race on the same URLs).  The lock is an advisory `flock` on
`<archive>.crawl.lock`, so the kernel releases it when the holder dies, even by `kill -9`: a
crashed run never leaves a stale lock behind.  A run that cannot take it closes at once with the
finish reason `locked`.

Settings: NIANBAO_DB, NIANBAO_LOCK (default True).
Stats: nianbao/lock (held | busy).
"""

from __future__ import annotations

import fcntl
import os
from typing import IO

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro


class CrawlLock:
    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = path
        self.handle: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlLock:
        db = crawler.settings.get("NIANBAO_DB")
        if not db or not crawler.settings.getbool("NIANBAO_LOCK", True):
            raise NotConfigured
        ext = cls(crawler, f"{db}.crawl.lock")
        ext.acquire()
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.release, signal=signals.spider_closed)
        return ext

    def acquire(self) -> bool:
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole run
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            self.crawler.stats.set_value("nianbao/lock", "busy")
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        self.crawler.stats.set_value("nianbao/lock", "held")
        return True

    def spider_opened(self, spider: Spider) -> None:
        if self.handle is None:
            spider.logger.error("another crawl holds %s: not starting", self.path)
            spider.portals = {}  # nothing to start, whatever the engine pulls before closing
            # scheduled, not awaited: the engine is still opening the spider when this signal fires
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="locked"))

    def release(self, spider: Spider) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None
