"""RunRecorder: one `crawl_runs` row per run, with per-portal health.

At the start it registers the registry's portals in the archive's `portals` table and opens a
`crawl_runs` row; at the end it fills the row from the crawl stats the other components counted:
pages, new/changed/unchanged reports, errors and blocked pages by kind, and `portal_health`, a
JSON object per portal:

    {"status": "ok|degraded|incomplete|empty|blocked|error", "reasons": [...],
     "flag": "suddenly_empty" | null, "platform": "trs", "list_pages": 9, "entries": 31, "new": 2,
     "changed": 0, "unchanged": 0, "skipped": 29, "not_modified": 0, "blocked": {"ruishu_412": 1},
     "errors": {...}, "outcomes": {"fetched": 2, "skipped": 29, …, "unaccounted": 0},
     "coverage": {"columns": 3, "advertised": 31, "listed": 31, "short": [], "unfollowed": []}}

The statuses, entry outcomes and what makes a walk complete are declared in `crawler/health.py`;
per-column coverage (advertised against listed) is also kept in the `crawl_columns` table.

A portal that listed entries in the previous run and lists none now is flagged `suddenly_empty`
(a redesigned site or a new wall) — the signal operators act on.  Only a portal whose status is
ok, degraded or empty is recorded in `crawl_portal_state` as completely walked, which is what lets
the next run stop at known items; an incomplete one is walked to its end again.

Settings: NIANBAO_DB.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from ..health import COMPLETE_WALK, OUTCOMES, classify_status
from ..state import CrawlState


class RunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.summary: dict[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        if not crawler.settings.get("NIANBAO_DB"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        if self.crawler.stats.get_value("nianbao/lock") == "busy":
            return
        state = CrawlState.for_crawler(self.crawler)
        try:
            state.register_portals(list(spider.portals.values()))
            run_id = state.start_run()
        except sqlite3.OperationalError as exc:  # a full disk, a lock held past every retry
            from ..pipelines.archive import fatal_archive_error

            fatal_archive_error(self.crawler, exc)
            return
        self.crawler.stats.set_value("nianbao/run_id", run_id)
        spider.logger.info("crawl run %s started (%d portals)", run_id, len(spider.portals))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.crawler.stats.get_value("nianbao/lock") == "busy":
            return
        state = CrawlState.for_crawler(self.crawler)
        error = self.crawler.stats.get_value("nianbao/archive_error")
        if state.run_id is None:  # the run could not even be recorded
            self.summary = {"run_id": None, "finish_reason": "archive_error", "archive_error": error}
            return
        try:
            self._close(spider, reason, state)
        except sqlite3.OperationalError as exc:
            spider.logger.error("the run could not be recorded in the archive: %s", exc)
            self.summary = {"run_id": state.run_id, "finish_reason": "archive_error",
                            "archive_error": error or str(exc).splitlines()[0]}

    def _close(self, spider: Spider, reason: str, state: CrawlState) -> None:
        stats = self.crawler.stats.get_stats()
        previous = state.previous_health()
        health: dict[str, Any] = {}
        coverage = column_coverage(stats)
        for name in spider.portals:
            health[name] = h = portal_health(stats, name, coverage.get(name), reason)
            before = previous.get(name) or {}
            if before.get("entries") and not h["entries"]:
                h["flag"] = "suddenly_empty"
            state.walk_finished(name, h["status"] in COMPLETE_WALK, h["entries"])
            state.record_columns(name, coverage.get(name) or {})
        totals = Counter()
        for h in health.values():
            totals.update({k: h[k] for k in ("new", "changed", "unchanged", "duplicate", "list_pages", "detail_pages")})
        blocked = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("nianbao/hostile/")}
        errors = {k.split("/", 1)[1]: v for k, v in stats.items()
                  if k.startswith(("downloader/exception_type_count/", "spider_exceptions/"))}
        errors.update({k[len("nianbao/"):]: v for k, v in stats.items()
                       if k.startswith("nianbao/errors/") or k == "nianbao/reports/error"})
        if stats.get("nianbao/https_fallback"):  # https unreachable, http answered: fix the registry entry
            errors["https_fallback"] = stats["nianbao/https_fallback"]
        notes = {"finish_reason": reason, "mode": "full" if state.full_walk_forced else "incremental",
                 "requests": stats.get("downloader/request_count", 0),
                 "responses": stats.get("downloader/response_count", 0),
                 "bytes": stats.get("downloader/response_bytes", 0),
                 "skipped": stats.get("nianbao/incremental/skipped", 0),
                 "not_modified": stats.get("nianbao/conditional/not_modified", 0),
                 "duplicates": totals["duplicate"], "robots_forbidden": stats.get("robotstxt/forbidden", 0),
                 "offsite": stats.get("nianbao/offsite", 0),  # redirects/links to hosts not allowed: not followed
                 "refused_scheme": stats.get("nianbao/refused_scheme", 0),  # file:, ftp:, data: … never requested
                 "elapsed": round(stats.get("elapsed_time_seconds", 0) or 0, 2),
                 "statuses": dict(Counter(h["status"] for h in health.values()))}
        if stats.get("nianbao/extract/unavailable"):
            notes["extractor_error"] = stats["nianbao/extract/unavailable"]
        if stats.get("nianbao/archive_error"):
            notes["archive_error"] = stats["nianbao/archive_error"]
        counts = {"pages": totals["list_pages"] + totals["detail_pages"], "new_reports": totals["new"],
                  "changed_reports": totals["changed"], "unchanged_reports": totals["unchanged"],
                  "errors": errors, "blocked": blocked, "portal_health": health}
        state.finish_run(counts, notes)
        row = {k: json.dumps(v, ensure_ascii=False, sort_keys=True) if isinstance(v, dict) else v
               for k, v in counts.items()}
        row["notes"] = json.dumps(notes, ensure_ascii=False, sort_keys=True)
        self.summary = {"run_id": state.run_id, **row, **notes}
        spider.logger.info("crawl run %s: %s new, %s changed, %s unchanged reports; blocked %s",
                           state.run_id, totals["new"], totals["changed"], totals["unchanged"], blocked or "none")


def column_coverage(stats: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per portal, per column: what the column advertised beside what the walk listed."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    cols: dict[str, dict[str, Any]] = {}
    for key, value in stats.items():
        if key.startswith("nianbao/column/") and "\t" in key:
            field, url = key[len("nianbao/column/"):].split("\t", 1)
            cols.setdefault(url, {})[field] = value
    for url, c in cols.items():
        advertised = int(c["advertised"]) if c.get("advertised") else None
        advertised_pages = int(c["advertised_pages"]) if c.get("advertised_pages") else None
        row = {"url": url, "advertised": advertised, "advertised_pages": advertised_pages,
               "listed": c.get("listed", 0), "pages": c.get("pages", 0), "pages_failed": c.get("pages_failed", 0),
               "unfollowed": sorted(filter(None, (c.get("unfollowed") or "").split("\n"))),
               "assumed": sorted(filter(None, (c.get("notes") or "").split("\n"))),
               "stopped_at_known": c.get("stopped", 0), "capped": c.get("capped", 0)}
        # the column's end was reached tonight: every page read, no early stop, no cap
        row["walked_to_end"] = not (row["pages_failed"] or row["stopped_at_known"] or row["capped"])
        # entries when the column states them; its pages only when it states nothing else (a Hanweb
        # jpage request brings three pages at once, so responses and pages differ there)
        row["short"] = row["walked_to_end"] and (
            row["listed"] < advertised if advertised is not None
            else advertised_pages is not None and row["pages"] < advertised_pages)
        out.setdefault(str(c.get("portal", "?")), {})[url] = row
    return out


def portal_health(stats: dict[str, Any], name: str, columns: dict[str, dict[str, Any]] | None = None,
                  reason: str = "finished") -> dict[str, Any]:
    """One portal's health: its numbers, its coverage per column, its status and the reasons."""
    prefix = f"nianbao/portal/{name}/"
    mine = {k[len(prefix):]: v for k, v in stats.items() if k.startswith(prefix)}
    blocked = {k.split("/", 1)[1]: v for k, v in mine.items() if k.startswith("hostile/") and k != "hostile/repeated_page"}
    errors = {k.split("/", 1)[1]: v for k, v in mine.items() if k.startswith("errors/")}
    outcomes = {o: mine.get(f"entry/{o}", 0) for o in OUTCOMES}
    outcomes["skipped"] = mine.get("incremental/skipped", 0)  # counted where it is decided
    columns = columns or {}
    h = {"platform": mine.get("platform"), "list_pages": mine.get("list_pages", 0), "entries": mine.get("entries", 0),
         "detail_pages": mine.get("detail_pages", 0), "attachments": mine.get("attachments", 0),
         "new": mine.get("reports/new", 0), "changed": mine.get("reports/changed", 0),
         "unchanged": mine.get("reports/unchanged", 0), "duplicate": mine.get("reports/duplicate", 0),
         "extract_errors": mine.get("reports/error", 0), "skipped": outcomes["skipped"],
         "not_modified": mine.get("not_modified", 0), "repeated_pages": mine.get("hostile/repeated_page", 0),
         "https_fallback": mine.get("https_fallback", 0), "blocked": blocked, "errors": errors,
         "list_errors": mine.get("list_errors", 0), "attachments_failed": mine.get("attachments_failed", 0),
         "page_cap_reached": mine.get("page_cap_reached", 0), "columns_too_deep": mine.get("columns_too_deep", 0),
         "columns_forbidden": mine.get("columns_forbidden", 0),
         **{k: mine.get(k, 0) for k in ("budget_exhausted", "entries_capped", "attachments_capped", "columns_capped",
                                        "list_pages_cut", "detail_pages_unparsed")},
         "traps": {k.split("/", 1)[1]: v for k, v in mine.items() if k.startswith("trap/")},
         "requests": mine.get("requests", 0),
         "outcomes": outcomes, "flag": None,
         "stopped": None if reason in ("finished", None) else reason}
    # every listed entry has one outcome: a gap here is a bug in the accounting, shown, not hidden
    h["outcomes"]["unaccounted"] = h["entries"] - sum(outcomes[o] for o in OUTCOMES)
    h["coverage"] = {
        "columns": len(columns),
        "advertised": sum(c["advertised"] or 0 for c in columns.values()),
        "columns_advertising": sum(c["advertised"] is not None for c in columns.values()),
        "listed": sum(c["listed"] for c in columns.values()),
        "short": [{"url": u, "advertised": c["advertised"], "listed": c["listed"],
                   "advertised_pages": c["advertised_pages"], "pages": c["pages"]}
                  for u, c in columns.items() if c["short"]],
        "unfollowed": [{"url": u, "markers": c["unfollowed"]} for u, c in columns.items() if c["unfollowed"]],
        # what an adapter assumed because the page did not say (a pager URL by the family's default)
        "assumed": [{"url": u, "notes": c["assumed"]} for u, c in columns.items() if c["assumed"]],
    }
    h["status"], h["reasons"] = classify_status(h)
    return h
