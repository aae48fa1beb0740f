"""The archive's schema: tables, keys, indexes and the `report_summary` view, as sqlite-utils migrations.

Why migrations from sqlite-utils (4.x `sqlite_utils.migrations.Migrations`) rather than hand-kept
`CREATE TABLE IF NOT EXISTS` scripts: each step is recorded in `_sqlite_migrations` with the time
it ran, runs in its own transaction, and a later extractor or schema change is one more decorated
function — an archive built by an older nianbao upgrades itself when it is opened.

Table names are fixed (tools and users rely on them): `portals`, `captures`, `reports`,
`active_disclosure`, `requests`, `reviews`, `checks`, `problems`, `crawl_runs` and the view
`report_summary`.  Supporting tables: `capture_blobs` (the raw bytes, content-addressed),
`report_versions` (every distinct content a report document has had), `report_figures` (headline
figures per report, kept as a table so the summary view is a cheap join), `regions`
(administrative divisions with coordinates) and `report_search` (the full-text index of report
titles and bodies, archive/fts.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from extract.templates import headline_figures

from . import fts

MIGRATIONS = Migrations("nianbao")
# The archive every command opens unless told otherwise (crawl, demo, ingest, reextract, serve,
# export, the crawler's settings): declared once, so they can never disagree.
DEFAULT_DB = os.environ.get("NIANBAO_DB", "nianbao.db")

# Headline figures of table 3 and table 4 (totals column / total outcome), one column each in
# `report_figures` and in the `report_summary` view: name -> (table, codes summed).  Declared with
# the templates (`extract/templates.py`, `Figure`); the ingest computes them from the same data
# (`headline_figures()`, which also sees a registered revision's rows), docs/schema.md lists them.
FIGURES: dict[str, tuple[str, tuple[str, ...]]] = headline_figures()


@MIGRATIONS(name="0001_core")
def _core(db: Database) -> None:
    db["regions"].create(
        {"adcode": str, "name": str, "level": str, "province": str, "city": str, "district": str,
         "longitude": float, "latitude": float},
        pk="adcode",
    )
    db["portals"].create(
        {"id": int, "name": str, "base_url": str, "platform": str, "province": str, "city": str,
         "district": str, "adcode": str},
        pk="id", foreign_keys=[("adcode", "regions", "adcode")], not_null=["name"],
    )
    db["portals"].create_index(["name"], unique=True)
    db["crawl_runs"].create(
        {"id": int, "started": str, "finished": str, "pages": int, "new_reports": int,
         "changed_reports": int, "unchanged_reports": int, "errors": str, "blocked": str,
         "portal_health": str, "notes": str},
        pk="id",
    )
    db["capture_blobs"].create(
        {"sha256": str, "size": int, "compression": str, "data": bytes}, pk="sha256",
    )
    db["captures"].create(
        {"id": int, "url": str, "portal_id": int, "crawl_run_id": int, "fetched_at": str,
         "http_status": int, "content_type": str, "encoding": str, "etag": str, "last_modified": str,
         "sha256": str, "size": int, "status": str, "error": str, "hints": str, "report_id": int},
        pk="id", not_null=["url", "sha256"],
        foreign_keys=[("portal_id", "portals", "id"), ("crawl_run_id", "crawl_runs", "id"),
                      ("sha256", "capture_blobs", "sha256")],
    )
    db["reports"].create(
        # Column order is what Datasette shows: the facts a reader scans first, the long body last.
        {"id": int, "title": str, "agency": str, "agency_type": str, "province": str, "city": str,
         "district": str, "year": int, "format": str, "kind": str, "pub_date": str,
         "extraction_status": str, "check_status": str, "checks_failed": int, "problems": int,
         "duplicate_of": int, "adcode": str, "portal_id": int, "url": str, "version": int, "capture_id": int,
         "first_seen": str, "last_seen": str, "extractor_version": str, "extraction_error": str,
         "content_sha256": str, "values_sha256": str, "body": str},
        pk="id", not_null=["url"],
        foreign_keys=[("portal_id", "portals", "id"), ("adcode", "regions", "adcode"),
                      ("capture_id", "captures", "id"), ("duplicate_of", "reports", "id")],
    )
    # captures.report_id points back at reports: added once both tables exist.
    db["captures"].add_foreign_key("report_id", "reports", "id")
    db["report_versions"].create(
        {"report_id": int, "version": int, "capture_id": int, "sha256": str, "seen_at": str,
         "status": str, "error": str, "extractor_version": str, "title": str, "agency": str,
         "year": int, "format": str, "superseded": str},
        pk=("report_id", "version"),
        foreign_keys=[("report_id", "reports", "id"), ("capture_id", "captures", "id")],
    )
    row_fk = [("report_id", "reports", "id")]
    db["active_disclosure"].create(
        {"report_id": int, "section": str, "item": str, "parent": str, "metric": str, "value": float,
         "unit": str, "raw": str}, foreign_keys=row_fk, not_null=["report_id"],
    )
    db["requests"].create(
        {"report_id": int, "row": str, "row_label": str, "column": str, "value": float, "raw": str},
        foreign_keys=row_fk, not_null=["report_id"],
    )
    db["reviews"].create(
        {"report_id": int, "group": str, "outcome": str, "value": float, "raw": str},
        foreign_keys=row_fk, not_null=["report_id"],
    )
    db["checks"].create(
        {"report_id": int, "rule": str, "scope": str, "lhs": float, "rhs": float, "status": str,
         "against_report_id": int},
        foreign_keys=[*row_fk, ("against_report_id", "reports", "id")], not_null=["report_id"],
    )
    db["problems"].create(
        {"report_id": int, "kind": str, "where": str, "detail": str},
        foreign_keys=row_fk, not_null=["report_id"],
    )
    db["report_figures"].create(
        {"report_id": int, **{name: float for name in FIGURES}}, pk="report_id", foreign_keys=row_fk,
    )
    # The first search index: a jieba-segmented copy of title and body.  Superseded by 0003.
    db["report_terms"].create({"id": int, "title": str, "body": str}, pk="id",
                              foreign_keys=[("id", "reports", "id")])
    db["report_terms"].enable_fts(["title", "body"], tokenize="unicode61", create_triggers=True)

    for table, columns in [
        ("captures", ["url"]), ("captures", ["sha256"]), ("captures", ["report_id"]),
        ("reports", ["year"]), ("reports", ["province"]), ("reports", ["city"]), ("reports", ["format"]),
        ("reports", ["agency", "year"]), ("reports", ["agency_type"]), ("reports", ["adcode"]),
        ("reports", ["check_status"]), ("reports", ["extraction_status"]), ("reports", ["duplicate_of"]),
        ("reports", ["content_sha256"]), ("reports", ["values_sha256"]),
        ("active_disclosure", ["report_id"]), ("requests", ["report_id", "row", "column"]),
        ("requests", ["row", "column"]), ("reviews", ["report_id"]), ("checks", ["report_id"]),
        ("checks", ["rule", "status"]), ("problems", ["report_id"]), ("problems", ["kind"]),
    ]:
        db[table].create_index(columns, if_not_exists=True)
    db["reports"].create_index(["url"], unique=True)
    db.create_view("report_summary", REPORT_SUMMARY_SQL)
    db.create_view("active_amounts", ACTIVE_AMOUNTS_SQL)


REPORT_SUMMARY_SQL = f"""
select
  r.id, r.title, r.agency, r.agency_type, r.province, r.city, r.district, r.adcode,
  g.longitude, g.latitude, r.year, r.format, r.kind, r.pub_date, r.extraction_status,
  {", ".join(f"f.{name}" for name in FIGURES)},
  r.checks_failed, r.check_status, r.problems, r.url
from reports r
left join report_figures f on f.report_id = r.id
left join regions g on g.adcode = r.adcode
where r.duplicate_of is null
""".strip()


# Table 2 amounts only (万元), so Datasette can show the unit on a column of one unit.
ACTIVE_AMOUNTS_SQL = """
select a.report_id, r.agency, r.year, a.section, a.item, a.metric, a.value, a.raw
from active_disclosure a join reports r on r.id = a.report_id
where a.unit = '万元'
""".strip()


@MIGRATIONS(name="0002_reports_capture_id")
def m0002_reports_capture_id(db: Database) -> None:
    """Index reports by capture.  The crawler's per-URL lookup (crawler/state.py `known`) joins a
    URL's latest capture to its report on `capture_id`; without this index every lookup scanned
    the whole `reports` table — 26 ms per URL at 9,000 reports (bench/scale.py), so a crawl grew
    with the square of the archive and a nightly run at 2 million reports would never end."""
    db["reports"].create_index(["capture_id"], if_not_exists=True)


@MIGRATIONS(name="0003_regions_abolished")
def m0003_regions_abolished(db: Database) -> None:
    """`regions.abolished`: the date a division ceased to exist, for the few recently abolished
    divisions reports still name (archive/regions.py `FORMER_DIVISIONS`: 重庆市江北区 and 渝北区,
    merged into 两江新区 on 2025-11-06); null for every current division."""
    if "abolished" not in db["regions"].columns_dict:
        db["regions"].add_column("abolished", str)


@MIGRATIONS(name="0004_report_search")
def m0004_report_search(db: Database) -> None:
    """Search any substring: `report_search`, one FTS5 token per character of `reports.title` and
    `reports.body`, kept in step by triggers on `reports` (archive/fts.py).  It replaces the
    jieba-segmented copy `report_terms` and its index, which found 0 reports for 依申请 and a
    fraction of the right ones for most strings that are not dictionary words; every existing
    report is indexed here."""
    db.execute("drop table if exists report_terms_fts")  # its shadow tables go with it
    db.execute("drop table if exists report_terms")  # and its triggers with it
    fts.create(db)


SCHEMA_VERSION = len(MIGRATIONS._migrations)


def open_db(path: str | Path) -> Database:
    """Open (creating if needed) an archive and bring its schema up to date.

    WAL lets Datasette or a backup read while an ingest writes; foreign keys are enforced on
    every connection (SQLite leaves them off by default)."""
    db = Database(path)
    if not db.memory:
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; one fsync per checkpoint, not per report
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 5000")
    # The search index's triggers call nianbao_chars on every write of a report's title or body;
    # recursive triggers make an INSERT OR REPLACE of a report fire the delete trigger too.
    fts.register(db)
    db.execute("PRAGMA recursive_triggers = ON")
    MIGRATIONS.apply(db)
    from .regions import ensure_regions

    ensure_regions(db)
    return db


def schema_version(db: Database) -> int:
    """How many migrations of this archive have been applied (the `schema_version` of manifests)."""
    return len(MIGRATIONS.applied(db))
