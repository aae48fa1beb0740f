"""The crawl's memory between runs, kept in the archive itself.

Why the archive and not JOBDIR: Scrapy's JOBDIR only survives a clean stop and must not be shared
between jobs (libraries.md §1.1); a nightly crawler that may be killed needs state that is
committed as it goes.  What was captured is the archive's `captures` table (written by the
archive's own transactional ingest), so a run killed with `kill -9` resumes by not fetching again
what is already there.  Three small crawler-owned tables (created by the archive's migration
`0005_crawl_state`, like every other table) add what captures do not say:

- `crawl_urls`: per URL the list entry's signature (title|date as the list printed it), and the
  last classification (captured, not_modified, blocked:<kind>);
- `crawl_portal_state`: per portal when its last *complete* walk and last *full* walk finished —
  a column may only be walked "until known items" after a walk that reached its end;
- `crawl_columns`: each list column's coverage tonight, advertised against listed.

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

# A URL's latest capture: its validators, whether it is suspect, and whether it is a detail page
# whose report is in attachments (capture status `page`).  One SELECT for one URL or for all.
_LATEST = ("select c.url, c.sha256, c.etag, c.last_modified, (c.status = 'extract_error' or "
           "coalesce(r.extraction_status, '') = 'tables_not_found') as suspect, c.status = 'page' as is_page, "
           # the same cut or garbled bytes again (an `unchanged` capture after a suspect one)
           "(c.status = 'unchanged' and exists (select 1 from captures p left join reports pr on pr.capture_id = p.id "
           "where p.id = (select max(id) from captures where url = c.url and status != 'unchanged') and "
           "(p.status = 'extract_error' or coalesce(pr.extraction_status, '') = 'tables_not_found'))) as repeats_suspect "
           "from captures c left join reports r on r.capture_id = c.id {latest}")
_ONE = "where c.id = (select max(id) from captures where url = ?)"  # by index, for one URL
_ALL = "join (select url, max(id) as id from captures group by url) m on m.id = c.id"
_MEMORY = "select url, signature, status, children from crawl_urls {where}"


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


def _child_ok(cap: tuple | None, status: str | None) -> bool:
    """An attachment counts as had when its latest capture is sound, or it was recorded captured
    or offsite (an attachment on a host the registry does not allow is not asked again)."""
    return (cap is not None and not cap[3]) or status == "captured" or (status or "").startswith("offsite")


def decide_known(url: str, cap: tuple | None, mem: tuple | None, child_ok: Any) -> Known | None:
    """The one rule for "is this URL already known, and completely?" (both crawl modes use it).

    `cap` is the URL's latest capture (sha256, etag, last_modified, suspect, is_page, repeats_suspect), `mem` its
    `crawl_urls` row (signature, status, children).  A suspect capture (unreadable, or read without
    its tables: a download cut short by a lying Content-Length, a garbled file) is not complete: it
    is asked again, without validators, on the next run; the same bytes again are recorded
    `unchanged`, which ends the retries.  A detail page is complete only when every attachment it
    links is had — and a page captured without its attachments recorded (a run killed between the
    two writes) is not complete either, so the next run fetches it and its files again."""
    if cap is None and mem is None:
        return None
    children = json.loads(mem[2]) if mem and mem[2] else None
    complete = cap is not None and not cap[3]
    if complete and cap[4] and children is None:
        complete = False
    if complete and children:
        complete = all(child_ok(child) for child in children)
    etag, last_modified = (cap[1], cap[2]) if cap else (None, None)
    if cap is not None and cap[5]:
        # the same cut or garbled bytes twice: no more nightly retries, but no validators either,
        # or the full walk would be told 304 about a file the archive never had whole
        etag = last_modified = None
    return Known(url, cap[0] if cap else None, etag, last_modified,
                 mem[0] if mem else None, mem[1] if mem else None, complete, bool(children))


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

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> CrawlState:
        state = getattr(crawler, "_nianbao_state", None)
        if state is None:
            s = crawler.settings
            state = cls(s.get("NIANBAO_DB"), full_walk=s.getbool("NIANBAO_FULL_WALK"),
                        full_walk_days=s.getfloat("NIANBAO_FULL_WALK_DAYS", 7.0))
            crawler._nianbao_state = state  # type: ignore[attr-defined]
        return state

    # --- portals and runs --------------------------------------------------------------------

    def register_portals(self, portals: list[Portal]) -> None:
        """Give each registry portal its `portals` row (the archive's `ensure_portal`, by name)."""
        from archive.portals import ensure_portal

        for p in portals:
            self.portal_ids[p.name] = ensure_portal(self.db, p.name, base_url=p.base_url, platform=p.platform,
                                                    province=p.province, city=p.city, district=p.district)
        # what the previous runs left, read before this run marks its own walks as started
        self._before = {p.name: self.portal_state(p.name) for p in portals}
        stamp = now()
        rows = [{"portal": p.name, "last_walk_started": stamp} for p in portals]
        if rows:
            self._write(lambda: self.db["crawl_portal_state"].upsert_all(rows, pk="portal"))

    def start_run(self) -> int:
        from archive.portals import start_crawl_run

        self.run_id = start_crawl_run(self.db)
        return self.run_id

    def finish_run(self, counts: dict[str, Any], notes: dict[str, Any]) -> None:
        """Close the run's `crawl_runs` row (the archive's `finish_crawl_run`), plus the crawler's
        notes (finish reason, requests, bytes, skipped, 304s) as JSON in `notes`."""
        from archive.portals import finish_crawl_run
        from archive.research import refresh_research_layer

        refresh_research_layer(self.db)  # carry_over, year-on-year indicators: last year's report may be new
        finish_crawl_run(self.db, self.run_id, **counts)
        with self.db.atomic():
            self.db["crawl_runs"].update(self.run_id, {"notes": json.dumps(notes, ensure_ascii=False, sort_keys=True)})

    def previous_health(self) -> dict[str, Any]:
        """The per-portal health of the last finished run before this one."""
        row = self.db.execute("select portal_health from crawl_runs where finished is not null and id != ? "
                              "order by id desc limit 1", [self.run_id or -1]).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def portal_state(self, portal: str) -> dict[str, Any]:
        row = self.db.execute("select last_complete_walk, last_full_walk, last_entries, last_walk_started "
                              "from crawl_portal_state where portal = ?", [portal]).fetchone()
        return {"last_complete_walk": row[0], "last_full_walk": row[1], "last_entries": row[2],
                "last_walk_started": row[3]} if row else {}

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
        """List walks may stop at known items only when the portal's *latest* walk reached the end,
        and not during a full walk.  A run killed half-way leaves later pages unvisited — even on an
        incremental night after an earlier complete walk: killed after its first page of 10 new
        reports, the next night would find page 1 known and stop, and the 80 new reports behind it
        would wait for the weekly full walk.  So a walk that started after the last complete one
        and never finished forbids the early stop."""
        if self.is_full_walk(portal):
            return False
        before = getattr(self, "_before", {}).get(portal) or self.portal_state(portal)
        complete, started = before.get("last_complete_walk"), before.get("last_walk_started")
        return bool(complete) and (started is None or complete >= started)

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
                   "unfollowed": "; ".join(c["unfollowed"]) or None, "walked_to_end": int(c["walked_to_end"]),
                   "short": int(c["short"])}
            if c["walked_to_end"]:
                row["last_walked_to_end"] = stamp
            rows.append(row)
        self._write(lambda: self.db["crawl_columns"].upsert_all(rows, pk="url"))

    def _write(self, fn: Any) -> None:
        """One write unit in its own transaction, through the archive's one retrying write: a
        reader or `reextract` holding the lock must not cost the crawl a state row."""
        from archive.retry import retrying_write

        def unit() -> None:
            with self.db.atomic():
                fn()

        retrying_write(unit)

    # --- URLs ----------------------------------------------------------------------------------

    def known(self, url: str) -> Known | None:
        """What the archive knows of one URL (the rule is `decide_known`, shared with `known_all`)."""
        caps = {r[0]: r[1:] for r in self.db.execute(_LATEST.format(latest=_ONE), [url])}
        mems = {r[0]: r[1:] for r in self.db.execute(_MEMORY.format(where="where url = ?"), [url])}

        def child_ok(child: str) -> bool:
            cap = self.db.execute(_LATEST.format(latest=_ONE), [child]).fetchone()
            mem = self.db.execute("select status from crawl_urls where url = ?", [child]).fetchone()
            return _child_ok(cap[1:] if cap else None, mem[0] if mem else None)

        return decide_known(url, caps.get(url), mems.get(url), child_ok)

    def known_all(self) -> dict[str, Known]:
        """`known(url)` for every URL the archive knows, in bulk: the distributed writer publishes
        this to its workers, so both modes skip, revalidate and retry exactly the same URLs."""
        caps = {r[0]: r[1:] for r in self.db.execute(_LATEST.format(latest=_ALL))}
        mems = {r[0]: r[1:] for r in self.db.execute(_MEMORY.format(where=""))}

        def child_ok(child: str) -> bool:
            mem = mems.get(child)
            return _child_ok(caps.get(child), mem[1] if mem else None)

        return {url: decide_known(url, caps.get(url), mems.get(url), child_ok) for url in caps.keys() | mems.keys()}

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
