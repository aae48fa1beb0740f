"""The crawl's memory between runs, kept in the archive itself.

Why the archive and not JOBDIR: Scrapy's JOBDIR only survives a clean stop and must not be shared
between jobs (libraries.md §1.1); a nightly crawler that may be killed needs state that is
committed as it goes.  What was captured is the archive's `captures` table (written by the
archive's own transactional ingest), so a run killed with `kill -9` resumes by not fetching again
what is already there.  Two small crawler-owned tables add what captures do not say:

- `crawl_urls`: per URL the list entry's signature (title|date as the list printed it), and the
  last classification (captured, not_modified, blocked:<kind>);
- `crawl_portal_state`: per portal when its last *complete* walk and last *full* walk finished —
  a column may only be walked "until known items" after a walk that reached its end.

One `CrawlState` per crawler, shared by the middlewares, the pipeline and the run recorder.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler
from sqlite_utils import Database

from .registry import Portal

# A URL's latest capture, its validators, and whether it is suspect (see CrawlState.known).
_LATEST = ("c.sha256, c.etag, c.last_modified, (c.status = 'extract_error' or coalesce(r.extraction_status, '') "
           "= 'tables_not_found') as suspect, c.status from captures c left join reports r on r.capture_id = c.id")


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class Known:
    """What the archive holds for a URL: its last capture's validators and content hash."""

    url: str
    sha256: str | None
    etag: str | None
    last_modified: str | None
    signature: str | None
    status: str | None
    complete: bool  # captured, and so is every attachment the page links (a killed run may not have)
    has_attachments: bool = False  # a detail page whose report is in linked files


class CrawlState:
    """The archive connection and the crawler's per-URL and per-portal memory."""

    def __init__(self, db_path: str, full_walk: bool = False, full_walk_days: float = 7.0) -> None:
        from archive.schema import open_db  # the archive engineer's API: schema, migrations, WAL

        self.db_path = db_path
        self.db: Database = open_db(db_path)
        self.full_walk_forced = full_walk
        self.full_walk_days = full_walk_days
        self.run_id: int | None = None
        self.portal_ids: dict[str, int] = {}
        self._full: dict[str, bool] = {}
        self._ensure_tables()

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> CrawlState:
        state = getattr(crawler, "_nianbao_state", None)
        if state is None:
            s = crawler.settings
            state = cls(s.get("NIANBAO_DB"), full_walk=s.getbool("NIANBAO_FULL_WALK"),
                        full_walk_days=s.getfloat("NIANBAO_FULL_WALK_DAYS", 7.0))
            crawler._nianbao_state = state  # type: ignore[attr-defined]
        return state

    def _ensure_tables(self) -> None:
        self.db["crawl_urls"].create(
            {"url": str, "portal": str, "kind": str, "signature": str, "status": str, "children": str,
             "first_seen": str, "last_seen": str, "crawl_run_id": int}, pk="url", if_not_exists=True)
        self.db["crawl_portal_state"].create(
            {"portal": str, "last_complete_walk": str, "last_full_walk": str, "last_run_id": int,
             "last_entries": int}, pk="portal", if_not_exists=True)
        self.db["crawl_columns"].create(
            {"url": str, "portal": str, "crawl_run_id": int, "advertised": int, "advertised_pages": int,
             "listed": int, "pages": int, "pages_failed": int, "unfollowed": str, "walked_to_end": int,
             "short": int, "last_seen": str, "last_walked_to_end": str}, pk="url", if_not_exists=True)

    # --- portals and runs --------------------------------------------------------------------

    def register_portals(self, portals: list[Portal]) -> None:
        """Give each registry portal its `portals` row (the archive's `ensure_portal`, by name)."""
        from archive.portals import ensure_portal

        for p in portals:
            self.portal_ids[p.name] = ensure_portal(self.db, p.name, base_url=p.base_url, platform=p.platform,
                                                    province=p.province, city=p.city, district=p.district)

    def start_run(self) -> int:
        from archive.portals import start_crawl_run

        self.run_id = start_crawl_run(self.db)
        return self.run_id

    def finish_run(self, counts: dict[str, Any], notes: dict[str, Any]) -> None:
        """Close the run's `crawl_runs` row (the archive's `finish_crawl_run`), plus the crawler's
        notes (finish reason, requests, bytes, skipped, 304s) as JSON in `notes`."""
        from archive.crossref import refresh_cross_checks
        from archive.portals import finish_crawl_run

        refresh_cross_checks(self.db)  # carry_over needs last year's report, which this run may have added
        finish_crawl_run(self.db, self.run_id, **counts)
        with self.db.atomic():
            self.db["crawl_runs"].update(self.run_id, {"notes": json.dumps(notes, ensure_ascii=False, sort_keys=True)})

    def previous_health(self) -> dict[str, Any]:
        """The per-portal health of the last finished run before this one."""
        row = self.db.execute("select portal_health from crawl_runs where finished is not null and id != ? "
                              "order by id desc limit 1", [self.run_id or -1]).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def portal_state(self, portal: str) -> dict[str, Any]:
        row = self.db.execute("select last_complete_walk, last_full_walk, last_entries from crawl_portal_state "
                              "where portal = ?", [portal]).fetchone()
        return {"last_complete_walk": row[0], "last_full_walk": row[1], "last_entries": row[2]} if row else {}

    def is_full_walk(self, portal: str) -> bool:
        """Revalidate every known detail page (conditional requests, content hashes): when forced,
        or when the portal's last full walk is `full_walk_days` old.  A portal never walked to the
        end has nothing to revalidate yet: its first walk (or the resumption of a killed one)
        fetches what it does not have and skips what it does."""
        if portal not in self._full:
            last = self.portal_state(portal).get("last_full_walk")
            full = self.full_walk_forced
            if not full and last:
                age = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(last)
                full = age >= dt.timedelta(days=self.full_walk_days)
            self._full[portal] = full
        return self._full[portal]

    def may_stop_at_known(self, portal: str) -> bool:
        """List walks may stop at known items only after a walk that reached the end, and not
        during a full walk: a run killed half-way leaves later pages unvisited."""
        return not self.is_full_walk(portal) and bool(self.portal_state(portal).get("last_complete_walk"))

    def walk_finished(self, portal: str, complete: bool, entries: int) -> None:
        stamp = now()
        row: dict[str, Any] = {"portal": portal, "last_run_id": self.run_id, "last_entries": entries}
        if complete:
            row["last_complete_walk"] = stamp
            if self._full.get(portal) or not self.portal_state(portal).get("last_full_walk"):
                row["last_full_walk"] = stamp  # a complete first walk saw everything: it counts as full
        self._write(lambda: self.db["crawl_portal_state"].upsert(row, pk="portal"))

    def record_columns(self, portal: str, columns: dict[str, dict[str, Any]]) -> None:
        """Each column's coverage tonight (advertised against listed), for operators: `crawl_columns`."""
        if not columns:
            return
        stamp = now()
        rows = []
        for url, c in columns.items():
            row = {"url": url, "portal": portal, "crawl_run_id": self.run_id, "last_seen": stamp,
                   **{k: c[k] for k in ("advertised", "advertised_pages", "listed", "pages", "pages_failed")},
                   "unfollowed": ",".join(c["unfollowed"]) or None, "walked_to_end": int(c["walked_to_end"]),
                   "short": int(c["short"])}
            if c["walked_to_end"]:
                row["last_walked_to_end"] = stamp
            rows.append(row)
        self._write(lambda: self.db["crawl_columns"].upsert_all(rows, pk="url"))

    def _write(self, fn: Any) -> None:
        """One write unit in its own transaction, through the archive's one retrying write: a
        reader or `reextract` holding the lock must not cost the crawl a state row."""
        from archive.ingest import retrying_write

        def unit() -> None:
            with self.db.atomic():
                fn()

        retrying_write(unit)

    # --- URLs ----------------------------------------------------------------------------------

    def known(self, url: str) -> Known | None:
        cap = self.db.execute(f"select {_LATEST} where c.url = ? order by c.id desc limit 1", [url]).fetchone()
        mem = self.db.execute("select signature, status, children from crawl_urls where url = ?", [url]).fetchone()
        if cap is None and mem is None:
            return None
        # A suspect capture (unreadable, or read without its tables: a download cut short by a lying
        # Content-Length, a garbled file) is not complete: it is asked again, without validators, on
        # the next run.  The same bytes again are recorded `unchanged`, which ends the retries of a
        # file that really is like that: one extra request, not one a night.
        complete = cap is not None and not cap[3]
        if complete and mem and mem[2]:
            for child in json.loads(mem[2]):
                if not self.db.execute(f"select 1 from (select {_LATEST} where c.url = ? order by c.id desc limit 1) "
                                       "where not suspect union all select 1 from crawl_urls where url = ? "
                                       "and (status = 'captured' or status like 'offsite%') limit 1",
                                       [child, child]).fetchone():
                    complete = False
                    break
        etag, last_modified = (cap[1], cap[2]) if cap else (None, None)
        if cap is not None and cap[4] == "unchanged" and self._repeats_suspect(url):
            # the same cut or garbled bytes twice: no more nightly retries, but no validators either,
            # or the full walk would be told 304 about a file the archive never had whole
            etag = last_modified = None
        return Known(url, cap[0] if cap else None, etag, last_modified,
                     mem[0] if mem else None, mem[1] if mem else None, complete,
                     bool(mem and mem[2] and json.loads(mem[2])))

    def _repeats_suspect(self, url: str) -> bool:
        """Whether the latest capture of `url` that was not `unchanged` is suspect."""
        row = self.db.execute(f"select {_LATEST} where c.url = ? and c.status != 'unchanged' order by c.id desc limit 1",
                              [url]).fetchone()
        return bool(row and row[3])

    def remember(self, url: str, portal: str, kind: str, status: str, signature: str | None = None,
                 children: list[str] | None = None) -> None:
        stamp = now()
        row: dict[str, Any] = {"url": url, "portal": portal, "kind": kind, "status": status, "last_seen": stamp,
                               "crawl_run_id": self.run_id}
        if signature is not None:
            row["signature"] = signature
        if children is not None:
            row["children"] = json.dumps(children, ensure_ascii=False)
        def unit() -> None:
            self.db.execute("insert or ignore into crawl_urls (url, first_seen) values (?, ?)", [url, stamp])
            self.db["crawl_urls"].update(url, row)

        self._write(unit)
