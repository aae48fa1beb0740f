"""The archive writer of a distributed run: the one process that opens the SQLite database.

    summary = run_writer("portals.yml", "nianbao.db", "redis://127.0.0.1:6379/0", workers=3)

It takes the archive's crawl lock, clears the run's Redis keys, registers the portals and opens
the `crawl_runs` row (the single-machine `RunRecorder`), publishes the incremental state, opens
the run for workers (and starts `workers` local ones), then ingests what workers push, in order,
through the crawl's one store step (`crawler.store.store`, as `ArchivePipeline` does), with the
report already parsed by the worker.  When every worker has finished and the list is
empty it merges the workers' crawl stats with its own and closes the run row.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from scrapy.settings import Settings

from ..registry import DEFAULT_REGISTRY, Portal, load_registry
from ..state import CrawlState
from . import Keys, connect
from .codec import decode, report_from_wire
from .state import publish_state
from .worker import DEAD_AFTER

log = logging.getLogger("nianbao.writer")
NOT_SUMMED = ("elapsed_time_seconds", "memusage/max", "memusage/startup", "log_count/")


def _count(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Stats:
    """The slice of Scrapy's StatsCollector that RunRecorder and CrawlLock use, for a process
    that runs no Scrapy crawler of its own."""

    def __init__(self) -> None:
        self._stats: dict[str, Any] = {}

    def get_value(self, key: str, default: Any = None) -> Any:
        return self._stats.get(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self._stats[key] = value

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self._stats[key] = self._stats.get(key, start) + count

    def get_stats(self) -> dict[str, Any]:
        return self._stats

    def merge(self, other: dict[str, Any]) -> None:
        """Add a worker's counters; keep the first value of anything that is not a count."""
        for key, value in other.items():
            mine = self._stats.get(key)
            if _count(value) and (mine is None or _count(mine)) and not key.startswith(NOT_SUMMED):
                self._stats[key] = (mine or 0) + value  # a None of the writer's is "not counted yet"
            elif mine is None:
                self._stats[key] = value


class Writer:
    """Applies the workers' messages to the archive through the crawl's one store step (`crawler.store`)."""

    def __init__(self, state: CrawlState, portals: dict[str, Portal], stats: Stats) -> None:
        self.state = state
        self.portals = portals
        self.stats = stats

    def apply(self, raw: bytes) -> None:
        msg = decode(json.loads(raw))
        if msg["type"] == "remember":
            self.state.remember(msg["url"], msg["portal"], msg["kind"], msg["status"], msg["signature"],
                                children=msg["children"])
        elif msg["type"] == "document":
            self._document(msg)

    def _document(self, msg: dict[str, Any]) -> None:
        from ..items import FetchedDocument
        from ..pipelines.extraction import Extracted
        from ..store import store

        item = FetchedDocument(**msg["doc"])
        portal = self.portals.get(item.portal)
        if portal is None:  # a worker with another registry: never guess where a report belongs
            self.stats.inc_value("nianbao/redis/unknown_portal")
            log.error("document from unknown portal %r dropped: %s (workers must use the writer's registry)",
                      item.portal, item.url)
            return
        # no report and no error: unchanged bytes (nothing to parse), or extraction off on the
        # worker (`pending`: stored unread); an error is the worker's extractor's, recorded as said
        report = report_from_wire(msg["report"]) if msg.get("report") else None
        extracted = Extracted(report, msg.get("error")) if report is not None or msg.get("error") else None
        store(self.state, self.stats, item, portal, msg["fetched_at"], extracted, pending=bool(msg.get("pending")))


def worker_command(registry: str, redis_url: str, prefix: str, portals: list[str] | None,
                   overrides: dict[str, Any]) -> list[str]:
    cmd = [sys.executable, "-c", "from nianbao.cli import main; main()", "crawl", "--redis", redis_url,
           "--role", "worker", "--redis-prefix", prefix, "--portals", registry]
    for name in portals or []:
        cmd += ["--portal", name]
    for key, value in overrides.items():
        cmd += ["-s", f"{key}={json.dumps(value)}"]
    return cmd


def _run_over(r: Any, keys: Keys, dead_after: float) -> tuple[bool, list[str]]:
    """(over, lost workers): some worker joined, none is still running, the item list is empty."""
    workers = {k.decode(): v for k, v in r.hgetall(keys.workers).items()}
    beats = {k.decode(): float(v) for k, v in r.hgetall(keys.beats).items()}
    if not workers:
        return False, []
    t = time.time()
    lost = [w for w, s in workers.items() if s != b"done" and t - beats.get(w, 0) >= dead_after]
    running = [w for w, s in workers.items() if s != b"done" and w not in lost]
    return not running and r.llen(keys.items) == 0, lost


def run_writer(registry: str | Path | None, db: str | Path, redis_url: str, *, workers: int = 2,
               prefix: str = "nianbao", portals: list[str] | None = None, full: bool = False,
               overrides: dict[str, Any] | None = None, dead_after: float = DEAD_AFTER,
               worker_log: Path | None = None) -> dict[str, Any]:
    """Run one distributed crawl into `db`; return the run's summary like `crawler.run.crawl`."""
    from ..extensions.lock import CrawlLock
    from ..extensions.runs import RunRecorder

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    registry = str(registry or DEFAULT_REGISTRY)
    wanted = set(portals) if portals else None
    entries = {p.name: p for p in load_registry(registry) if p.enabled and (wanted is None or p.name in wanted)}
    keys = Keys(prefix)
    r = connect(redis_url)
    r.ping()
    stats = Stats()
    settings = Settings({"NIANBAO_DB": str(db)})
    shim = SimpleNamespace(settings=settings, stats=stats)
    lock = CrawlLock(shim, f"{db}.crawl.lock")  # type: ignore[arg-type]
    if not lock.acquire():
        return {"finish_reason": "locked"}
    started = time.monotonic()
    procs: list[subprocess.Popen[bytes]] = []
    out = None
    closed = False
    try:
        state = CrawlState(str(db), full_walk=full)
        shim._nianbao_state = state
        spider = SimpleNamespace(portals=entries, logger=log)
        recorder = RunRecorder(shim)  # type: ignore[arg-type]
        r.delete(*keys.all())
        recorder.spider_opened(spider)  # type: ignore[arg-type]
        t0 = time.monotonic()
        published = publish_state(state, r, keys, list(entries.values()))
        stats.set_value("nianbao/redis/state_urls", published)
        stats.set_value("nianbao/redis/state_publish_s", round(time.monotonic() - t0, 3))
        r.set(keys.run, json.dumps({"id": state.run_id, "state": "open", "db": str(db)}))
        log.info("run %s open on %s (prefix %s): %d known URLs published", state.run_id, redis_url, prefix,
                 published)
        out = open(worker_log, "ab") if worker_log else None  # noqa: SIM115 - closed in finally
        procs = [subprocess.Popen(worker_command(registry, redis_url, prefix, portals, overrides or {}),
                                  stdout=out or subprocess.DEVNULL, stderr=out or subprocess.DEVNULL)
                 for _ in range(workers)]
        writer = Writer(state, entries, stats)
        lost: list[str] = []
        while True:
            popped = r.blpop([keys.items], timeout=0.5)
            if popped is not None:
                t1 = time.monotonic()
                writer.apply(popped[1])
                stats.inc_value("nianbao/redis/applied")
                stats.inc_value("nianbao/redis/apply_s", time.monotonic() - t1)
                continue
            over, lost = _run_over(r, keys, dead_after)
            if over:
                log.info("every worker finished; %d messages applied in %.1f s", stats.get_value("nianbao/redis/applied", 0),
                         stats.get_value("nianbao/redis/apply_s", 0))
                break
            if procs and all(p.poll() is not None for p in procs) and not r.hgetall(keys.workers):
                raise RuntimeError("every local worker exited before joining the run (see --worker-log)")
        reasons = []
        for raw in r.lrange(keys.stats, 0, -1):
            worker_stats = json.loads(raw)
            reasons.append(worker_stats.pop("finish_reason", None))
            stats.merge(worker_stats)
        stats.set_value("nianbao/redis/workers", len(reasons) + len(lost))
        stats.set_value("elapsed_time_seconds", round(time.monotonic() - started, 2))
        reason = "worker_lost" if lost else next((x for x in reasons if x and x != "finished"), "finished")
        stats.set_value("finish_reason", reason)
        recorder.spider_closed(spider, reason)  # type: ignore[arg-type]
        summary = dict(recorder.summary)
        summary.update({"finish_reason": reason, "workers": len(reasons), "lost_workers": lost,
                        "state_urls": published})
        r.set(keys.run, json.dumps({"id": state.run_id, "state": "closed", "db": str(db)}))
        r.delete(*[k for k in keys.all() if not k.endswith((":run", ":done"))])
        closed = True
        return summary
    finally:
        if not closed:  # the writer failed: tell the workers, whose items nobody would store
            r.set(keys.done, "writer")
            r.set(keys.run, json.dumps({"state": "aborted", "db": str(db)}))
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        if out is not None:
            out.close()
        lock.release(None)  # type: ignore[arg-type]
