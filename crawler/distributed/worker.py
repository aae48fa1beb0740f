"""A crawler worker: the ordinary `portals` spider on a shared scrapy-redis frontier, no database.

`run_worker` waits for the writer to open a run in Redis, then crawls with:

- scrapy-redis's Scheduler and RFPDupeFilter (`SchedulerWithPresence` marks the worker busy
  before every pop, which is what makes the end-of-run check sound), JSON-serialised requests;
- `DistributedPortalsSpider`: the spider with its per-column walk state in Redis;
- `WorkerExtension`: installs the Redis view of the archive state, keeps a heartbeat, decides
  when the whole run is over, and hands its crawl stats to the writer;
- `RedisItemPipeline`: runs the extractor here and pushes document + parsed report to the writer.

Everything else — adapters, hostile-page and encoding middlewares, robots.txt, retries and
backoff, the incremental and conditional middlewares — is the single-machine crawler unchanged.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.scheduler import Scheduler

from ..items import FetchedDocument
from ..pipelines.extraction import Extractor
from ..spiders.portals import PortalsSpider
from ..state import now
from ..store import needs_reading
from . import Keys, connect
from .codec import document_message
from .state import RedisState

log = logging.getLogger("nianbao.worker")
DEAD_AFTER = 30.0  # seconds without a heartbeat: the worker is gone (killed, machine down)


def worker_settings(redis_url: str, prefix: str) -> dict[str, Any]:
    """The settings that turn a crawl process into a worker (on top of the project's own)."""
    keys = Keys(prefix)
    return {
        "SCHEDULER": "crawler.distributed.worker.SchedulerWithPresence",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "SCHEDULER_SERIALIZER": "crawler.distributed.codec",
        "SCHEDULER_PERSIST": True,  # else the first worker to finish deletes everyone's queue and filter
        "REDIS_URL": redis_url,
        "NIANBAO_REDIS_PREFIX": prefix,
        "NIANBAO_DB": "redis",  # the state middlewares are on; their state comes from Redis, not a file
        "ITEM_PIPELINES": {"crawler.distributed.worker.RedisItemPipeline": 300},
        "EXTENSIONS": {"crawler.distributed.worker.WorkerExtension": 0},  # no lock, no run row: the writer's
    }


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class SchedulerWithPresence(Scheduler):
    """scrapy-redis's scheduler, plus:

    - mark this worker busy before taking a request, and only pop when the shared queue is not
      empty (an idle worker polling an empty queue stays idle);
    - take no more while NIANBAO_REDIS_MAX_WAITING requests already wait in this worker for a
      free download slot.  Scrapy pulls until CONCURRENT_REQUESTS are in its downloader, so one
      worker would hoard the shared queue — a dozen requests for one polite host queued behind
      each other — while the other workers sit idle; left in Redis they go to whoever is free."""

    def next_request(self) -> Any:
        ext: WorkerExtension | None = getattr(self.spider, "nianbao_worker", None)
        if not len(self.queue):
            return None
        downloader = self.spider.crawler.engine.downloader
        transferring = sum(len(slot.transferring) for slot in downloader.slots.values())
        if len(downloader.active) - transferring >= self.spider.settings.getint("NIANBAO_REDIS_MAX_WAITING", 4):
            return None
        if ext is not None:
            ext.mark_busy()
        return super().next_request()


class _ColumnSignatures:
    def __init__(self, r: Any, key: str, column: str) -> None:
        self.r, self.key, self.column = r, key, _h(column)

    def _member(self, signature: frozenset[str]) -> str:
        return f"{self.column}:{_h(chr(10).join(sorted(signature)))}"

    def __contains__(self, signature: frozenset[str]) -> bool:
        return bool(self.r.sismember(self.key, self._member(signature)))

    def add(self, signature: frozenset[str]) -> None:
        self.r.sadd(self.key, self._member(signature))


class SharedPageSignatures:
    """`spider._page_sigs[column]` kept in a Redis set: a repeated list page is recognised
    whichever worker parsed the page it repeats."""

    def __init__(self, r: Any, key: str) -> None:
        self.r, self.key = r, key

    def __getitem__(self, column: str) -> _ColumnSignatures:
        return _ColumnSignatures(self.r, self.key, column)


class SharedPageCounts:
    """`spider._pages_walked[column]` in a Redis hash, so the page cap counts every worker's pages.
    Read-then-write is safe: a column's next page is requested only after its current page was
    parsed, so one worker at a time touches a column's count."""

    def __init__(self, r: Any, key: str) -> None:
        self.r, self.key = r, key

    def __getitem__(self, column: str) -> int:
        return int(self.r.hget(self.key, _h(column)) or 0)

    def __setitem__(self, column: str, value: int) -> None:
        self.r.hset(self.key, _h(column), value)


def _h(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


class DistributedPortalsSpider(PortalsSpider):
    """The `portals` spider with its per-column walk state shared through Redis."""

    name = "portals"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DistributedPortalsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        keys = Keys(crawler.settings.get("NIANBAO_REDIS_PREFIX", "nianbao"))
        r = connect(crawler.settings["REDIS_URL"])
        spider._page_sigs = SharedPageSignatures(r, keys.pagesigs)  # type: ignore[assignment]
        spider._pages_walked = SharedPageCounts(r, keys.pages)  # type: ignore[assignment]
        return spider


class WorkerExtension:
    """Presence, heartbeat, end-of-run detection and stats hand-over for one worker."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.keys = Keys(crawler.settings.get("NIANBAO_REDIS_PREFIX", "nianbao"))
        self.r = connect(crawler.settings["REDIS_URL"])
        self.id = worker_id()
        self.dead_after = crawler.settings.getfloat("NIANBAO_REDIS_DEAD_AFTER", DEAD_AFTER)
        run = json.loads(self.r.get(self.keys.run) or b"{}")
        self.run_id = run.get("id")
        # the middlewares' CrawlState.for_crawler() returns this instead of opening a database
        crawler._nianbao_state = RedisState(self.r, self.keys, self.run_id)  # type: ignore[attr-defined]
        self.busy = False
        self.mark_busy()
        self._beat()
        self._stop = threading.Event()
        self._beats: threading.Thread | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerExtension:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def mark_busy(self) -> None:
        if not self.busy:
            self.r.hset(self.keys.workers, self.id, "busy")
            self.busy = True

    def _beat(self) -> None:
        self.r.hset(self.keys.beats, self.id, time.time())

    def _beat_until_stopped(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self._beat()
            except Exception as exc:  # Redis away for a moment: the next beat tries again
                log.warning("heartbeat failed: %s", exc)

    def spider_opened(self, spider: Spider) -> None:
        spider.nianbao_worker = self  # type: ignore[attr-defined]
        # A thread, not a reactor LoopingCall: the beat says the process is alive, and must not stop
        # while the reactor is busy with a long parse or a slow archive answer on a loaded machine.
        self._beats = threading.Thread(target=self._beat_until_stopped, name="nianbao-heartbeat", daemon=True)
        self._beats.start()
        spider.logger.info("worker %s joined run %s", self.id, self.run_id)

    def run_over(self) -> bool:
        """Queue empty and every live worker idle, read atomically; or another worker said so."""
        pipe = self.r.pipeline(transaction=True)
        pipe.zcard(self.keys.requests)
        pipe.hgetall(self.keys.workers)
        pipe.hgetall(self.keys.beats)
        pipe.get(self.keys.done)
        queued, workers, beats, done = pipe.execute()
        if done:
            return True
        if queued:
            return False
        t = time.time()
        for wid, state in workers.items():
            alive = t - float(beats.get(wid, 0)) < self.dead_after
            if state == b"busy" and alive:
                return False
        self.r.set(self.keys.done, self.id)
        return True

    def spider_idle(self, spider: Spider) -> None:
        if self.busy:
            self.r.hset(self.keys.workers, self.id, "idle")
            self.busy = False
        if not self.run_over():
            raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self._stop.set()
        if self._beats is not None:
            self._beats.join(timeout=5)
        stats = dict(self.crawler.stats.get_stats())
        stats["finish_reason"] = reason
        stats["nianbao/worker"] = self.id
        self.r.rpush(self.keys.stats, json.dumps(stats, default=str, ensure_ascii=False))
        self.r.hset(self.keys.workers, self.id, "done")
        self._beat()


class RedisItemPipeline:
    """Extract each report document on the worker, then push it to the writer's list (waiting
    while the list is longer than NIANBAO_REDIS_MAX_ITEMS, so a slow writer slows the crawl)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.keys = Keys(crawler.settings.get("NIANBAO_REDIS_PREFIX", "nianbao"))
        self.r = connect(crawler.settings["REDIS_URL"])
        self.extract = crawler.settings.getbool("NIANBAO_EXTRACT", True)
        self.max_items = crawler.settings.getint("NIANBAO_REDIS_MAX_ITEMS", 200)
        self.extractor = Extractor.from_settings(crawler.settings, crawler.stats)  # as ArchivePipeline's

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisItemPipeline:
        return cls(crawler)

    def close_spider(self) -> None:  # Scrapy ≥ 2.19 passes no spider to pipeline hooks
        self.extractor.close()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedDocument):
            return item

        fetched_at = now()
        report = body = error = None
        state: RedisState = self.crawler._nianbao_state  # type: ignore[attr-defined]
        if item.is_report and self.extract and needs_reading(state, item):
            portal = self.crawler.spider.portals[item.portal]
            extracted = await self.extractor.extract(item.body, item.url, item.read_name, item.hints(portal),
                                                     item.pictures)
            report, error = extracted.report, extracted.error
            body = report.extras.get("body") if report is not None else None
        message = document_message(item, fetched_at, report, body, error, pending=not self.extract)
        while self.r.llen(self.keys.items) >= self.max_items:
            self.stats.inc_value("nianbao/redis/waits")
            await asyncio.sleep(0.05)
        self.r.rpush(self.keys.items, message)
        self.stats.inc_value("nianbao/redis/items")
        return item


def wait_for_run(r: Any, keys: Keys, wait: float) -> dict[str, Any] | None:
    """The run the writer opened, waiting up to `wait` seconds for one."""
    deadline = time.monotonic() + wait
    while True:
        run = json.loads(r.get(keys.run) or b"{}")
        if run.get("state") == "open" and not r.get(keys.done):
            return run
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.2)


def run_worker(registry: str | Path | None, redis_url: str, *, prefix: str = "nianbao",
               portals: list[str] | None = None, overrides: dict[str, Any] | None = None,
               wait: float = 600.0) -> dict[str, Any]:
    """Join the writer's open run and crawl until the whole run is over; return this worker's
    finish reason and request count.  One call per process (Scrapy's reactor cannot restart)."""
    from scrapy.core.engine import ExecutionEngine
    from scrapy.crawler import CrawlerProcess

    from ..registry import DEFAULT_REGISTRY
    from ..run import build_settings

    keys = Keys(prefix)
    r = connect(redis_url)
    run = wait_for_run(r, keys, wait)
    if run is None:
        return {"finish_reason": "no_run", "requests": 0}
    # An idle worker looks at the shared queue every quarter second, not Scrapy's default 5 s:
    # with sequential list paging the queue is often briefly empty.
    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = 0.25
    registry = str(registry or DEFAULT_REGISTRY)
    settings = build_settings(registry, "redis", overrides={**(overrides or {}),
                                                            **worker_settings(redis_url, prefix)})
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(DistributedPortalsSpider)
    process.crawl(crawler, registry=registry, portals=",".join(portals) if portals else None)
    process.start()
    return {"finish_reason": crawler.stats.get_value("finish_reason"),
            "requests": crawler.stats.get_value("downloader/request_count", 0), "run_id": run.get("id")}
