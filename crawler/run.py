"""Run a crawl from Python: the API under `nianbao crawl`, `nianbao demo` and `nianbao portals check`.

    from crawler.run import crawl
    summary = crawl("crawler/portals.yml", db="nianbao.db")     # one process, one Scrapy run

Scrapy's reactor cannot be restarted in a process, so each call belongs in its own process (the
commands are; tests run the command in a subprocess).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from archive.schema import DEFAULT_DB

from .registry import DEFAULT_REGISTRY, Portal, load_registry

# What the demo and the tests change: localhost answers instantly and is ours to load.
LOCAL_OVERRIDES: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY_JITTER": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2, "NIANBAO_RETRY_BACKOFF_BASE": 0.05, "DOWNLOAD_TIMEOUT": 15,
}


# What `portals check` changes: it asks whether each entry answers, not for every page.
CHECK_OVERRIDES: dict[str, Any] = {"RETRY_TIMES": 0, "DOWNLOAD_TIMEOUT": 10, "NIANBAO_RETRY_BACKOFF_MAX": 2.0,
                                   "AUTOTHROTTLE_ENABLED": False}


def slots_for(portals: list[Portal]) -> dict[str, dict[str, Any]]:
    """Per-host politeness from the registry (`delay`, `concurrency`) as Scrapy DOWNLOAD_SLOTS."""
    slots: dict[str, dict[str, Any]] = {}
    for p in portals:
        hosts = set(p.hosts)
        for host in hosts:
            slot: dict[str, Any] = {}
            if p.delay is not None:
                slot["delay"] = float(p.delay)
            if p.concurrency is not None:
                slot["concurrency"] = int(p.concurrency)
            if slot:
                slots[host] = slot
    return slots


def build_settings(registry: str | Path | None, db: str | Path, *, full: bool = False,
                   overrides: dict[str, Any] | None = None) -> Settings:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    portals = load_registry(registry)
    settings.set("NIANBAO_DB", str(db), priority="cmdline")
    settings.set("NIANBAO_FULL_WALK", full, priority="cmdline")
    slots = slots_for(portals)
    if slots:
        settings.set("DOWNLOAD_SLOTS", slots, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def crawl(registry: str | Path | None = None, db: str | Path = DEFAULT_DB, *, portals: list[str] | None = None,
          full: bool = False, overrides: dict[str, Any] | None = None, mode: str = "crawl") -> dict[str, Any]:
    """Crawl the registry's portals into the archive `db`; return the run's summary (the
    crawl_runs row, plus `finish_reason`), or for mode="check" the per-portal check results."""
    from .extensions.runs import RunRecorder
    from .spiders.portals import PortalsSpider

    registry = str(registry or DEFAULT_REGISTRY)
    settings = build_settings(registry, db, full=full, overrides=overrides)
    if mode == "check":
        for key in ("ITEM_PIPELINES", "EXTENSIONS", "SPIDER_MIDDLEWARES"):
            settings.set(key, {}, priority="cmdline")
        settings.set("NIANBAO_DB", "", priority="cmdline")
        # a check answers in seconds: no retries, a short timeout (a dead host must not cost minutes)
        for key, value in CHECK_OVERRIDES.items():
            if key not in (overrides or {}):
                settings.set(key, value, priority="cmdline")
    process = CrawlerProcess(settings)  # LOG_INSTALL_ROOT_HANDLER (default True): Scrapy's log handler
    crawler = process.create_crawler(PortalsSpider)
    process.crawl(crawler, registry=registry, portals=",".join(portals) if portals else None, mode=mode)
    process.start()
    if mode == "check":
        spider = crawler.spider
        return {"portals": spider.check_results if spider else {}, "stats": crawler.stats.get_stats()}
    summary: dict[str, Any] = {}
    for ext in crawler.extensions.middlewares:
        if isinstance(ext, RunRecorder):
            summary = dict(ext.summary)
    summary.setdefault("finish_reason", crawler.stats.get_value("finish_reason"))
    if crawler.stats.get_value("nianbao/lock") == "busy":
        summary["finish_reason"] = "locked"
    return summary
