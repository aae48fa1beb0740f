"""The research layer: agencies as a panel, indicators with their numbers, rollups and rankings.

Everything here is derived from the report rows, in two parts with different rhythms:

- per report (`refresh_research_layer`): agencies and `reports.agency_id`, the checks across
  reports (archive/crossref.py), the indicators.  The ingest, `reextract` and every crawl run call
  it after their writes; it recomputes only the reports written since its last call (recorded by
  triggers, changes.py) and the reports that pair with them, so its cost follows the run, not the
  archive.  `rebuild_research_layer` recomputes every report (a migration, `reextract`).
- per publication (`derive_publication`): `indicator_rollups` and `leaderboard`, pooled over whole
  regions, and `missing_reports` (coverage.py: it reads the crawl's state too), computed by the snapshot behind `serve` and `export` and by `nianbao derive`.  Between
  two, `research_state` says the working archive's rollups are stale (state.py).

The definitions are data (definitions.py); docs/indicators.md is generated from them (docs_page.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from ..crossref import refresh_cross_checks
from . import changes, state
from .agencies import assign_agencies, recount_agencies
from .coverage import refresh_coverage
from .definitions import DEFINITIONS_VERSION, INDICATORS
from .indicators import refresh_indicators
from .quality import refresh_quality
from .rollups import refresh_leaderboard, refresh_rollups
from .text_table import refresh_text_table

# Rebuilt from scratch by `rebuild_research_layer`, dependants first: their foreign keys name the ones after them.
DERIVED_TABLES = ("missing_reports", "quality_problems", "report_quality", "leaderboard", "indicator_rollups", "indicators",
                  "indicator_definitions", "agencies")
PUBLICATION_TABLES = "indicator_rollups, leaderboard, missing_reports"
PER_REPORT_TABLES = ("agencies, checks (carry_over, stock_flow, text_table), indicators, report_quality, "
                     "quality_problems")


@dataclass
class ResearchCounts:
    """What one refresh of the per-report part did: reports recomputed (written + partners), the
    agencies recounted, carry_over checks and indicator rows written."""

    reports: int
    agencies: int
    carry_over: int | None
    indicators: int
    quality: int = 0


@dataclass
class PublicationCounts:
    """Rows written by one build of the publication part."""

    rollups: int
    leaderboard: int
    missing_reports: int


def refresh_definitions(db: Database) -> int:
    """Write the codebook into `indicator_definitions`, so the archive (and its export) says what
    each stored indicator means under which version."""
    db.execute("delete from indicator_definitions")
    db["indicator_definitions"].insert_all(
        {"code": i.code, "table_no": i.table, "label_zh": i.label_zh, "label_en": i.label_en, "kind": i.kind,
         "numerator": i.numerator_text(), "denominator": i.denominator_text() or None, "unit": i.unit,
         "note": i.note or None, "min_denominator": i.min_denominator, "version": DEFINITIONS_VERSION}
        for i in INDICATORS)
    return len(INDICATORS)


def _definitions_current(db: Database) -> bool:
    return db.execute("select count(*) from indicator_definitions where version = ?",
                      [DEFINITIONS_VERSION]).fetchone()[0] == len(INDICATORS)


def refresh_research_layer(db: Database, *, cross_checks: bool = True) -> ResearchCounts:
    """Recompute the per-report part for the reports written since the last call and the reports
    that pair with them (changes.py), in one transaction; mark the publication part stale when
    anything changed.  A new definitions version recomputes every report instead."""
    if not _definitions_current(db):
        return rebuild_research_layer(db, cross_checks=cross_checks)
    with db.atomic():
        if changes.written_reports(db) == 0 and changes.pending(db) == 0:
            return ResearchCounts(0, 0, 0 if cross_checks else None, 0)
        assign_agencies(db, scoped=True)
        scope = changes.add_partners(db)
        agencies = recount_agencies(db, scoped=True)
        refresh_text_table(db, scoped=True)
        carry = refresh_cross_checks(db, scoped=True) if cross_checks else None
        indicators = refresh_indicators(db, scoped=True)
        quality = refresh_quality(db, scoped=True)
        changes.clear(db)
        state.mark_built(db, state.PER_REPORT, PER_REPORT_TABLES, f"{scope} reports recomputed")
        state.mark_stale(db, state.PUBLICATION, PUBLICATION_TABLES,
                         "the indicators changed since the rollups were built: `nianbao derive`, or publish")
    return ResearchCounts(scope, agencies, carry, indicators, quality)


def rebuild_research_layer(db: Database, *, cross_checks: bool = True) -> ResearchCounts:
    """Recompute the per-report part for every report, from empty tables, in one transaction
    (the publication part is emptied and marked stale: `derive_publication` rebuilds it)."""
    with db.atomic():
        for table in DERIVED_TABLES:
            db.execute(f"delete from {table}")
        changes.every_report(db)
        reports = assign_agencies(db, scoped=False)
        agencies = recount_agencies(db, scoped=False)
        refresh_text_table(db)
        carry = refresh_cross_checks(db) if cross_checks else None
        refresh_definitions(db)
        indicators = refresh_indicators(db)
        quality = refresh_quality(db)
        changes.clear(db)
        state.mark_built(db, state.PER_REPORT, PER_REPORT_TABLES, f"every report ({reports}) recomputed")
        state.mark_stale(db, state.PUBLICATION, PUBLICATION_TABLES,
                         "the per-report part was rebuilt: `nianbao derive`, or publish")
    return ResearchCounts(reports, agencies, carry, indicators, quality)


def derive_publication(db: Database) -> PublicationCounts:
    """Build the rollups, the leaderboard and the coverage rows from the indicators (after bringing the per-report part
    up to date, so they never pool numbers older than the reports), and record them as current."""
    refresh_research_layer(db)
    with db.atomic():
        rollups = refresh_rollups(db)
        leaderboard = refresh_leaderboard(db)
        missing = refresh_coverage(db)
        state.mark_built(db, state.PUBLICATION, PUBLICATION_TABLES,
                         "built from the indicators and the crawl's state as they are now")
    return PublicationCounts(rollups, leaderboard, missing)


def publication_stale(db: Database) -> bool:
    """True when the rollups/leaderboard do not reflect the archive's reports as they are now."""
    return changes.pending(db) > 0 or state.is_stale(db, state.PUBLICATION)
