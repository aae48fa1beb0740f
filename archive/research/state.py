"""`research_state`: what each part of the research layer was built from, and whether it is stale.

Why: the per-report part (agencies, checks across reports, indicators) follows every write, but
the rollups and the leaderboard are computed once per publication (the snapshot behind `serve`
and `export`, or `nianbao derive`): rebuilding them after every ingest cost minutes at 100,000
reports.  Between two publications the working archive's rollups are older than its indicators;
this table says so — `stale = 1`, since when, and how many reports and indicator rows they were
built from — so nobody reads them as current without being told.
"""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database

from .definitions import DEFINITIONS_VERSION

STATE_TABLE = "research_state"
PER_REPORT = "indicators"  # agencies, cross-report checks, indicators, report quality
PUBLICATION = "rollups"  # indicator_rollups and leaderboard


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_state(db: Database) -> None:
    """The table (a migration's step)."""
    db["research_state"].create(
        {"part": str, "tables": str, "built_at": str, "reports": int, "indicator_rows": int,
         "definitions_version": str, "stale": int, "stale_since": str, "note": str},
        pk="part", if_not_exists=True)


def _counts(db: Database) -> tuple[int, int]:
    reports = db.execute("select count(*) from reports where duplicate_of is null").fetchone()[0]
    rows = db.execute("select count(*) from indicators").fetchone()[0]
    return reports, rows


def mark_built(db: Database, part: str, tables: str, note: str) -> None:
    """`part` was just rebuilt from the archive as it is now."""
    reports, rows = _counts(db)
    db["research_state"].upsert(
        {"part": part, "tables": tables, "built_at": now(), "reports": reports, "indicator_rows": rows,
         "definitions_version": DEFINITIONS_VERSION, "stale": 0, "stale_since": None, "note": note}, pk="part")


def mark_stale(db: Database, part: str, tables: str, note: str) -> None:
    """The data under `part` changed: it is stale from now (or from when it first became so)."""
    row = db.execute("select stale_since from research_state where part = ?", [part]).fetchone()
    since = (row[0] if row else None) or now()
    db.execute("insert into research_state (part, tables, stale, stale_since, note) values (?, ?, 1, ?, ?) "
               "on conflict(part) do update set stale = 1, stale_since = excluded.stale_since, "
               "note = excluded.note", [part, tables, since, note])


def is_stale(db: Database, part: str) -> bool:
    """True unless `part` was built and nothing under it changed since (never built: stale)."""
    row = db.execute("select stale from research_state where part = ?", [part]).fetchone()
    return row is None or bool(row[0])
