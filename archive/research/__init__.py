"""The research layer: agencies as a panel, indicators with their numbers, rollups and rankings.

Everything here is derived from the report rows and rebuilt by one call, `refresh_research_layer`,
which the ingest, `reextract` and every crawl run make after their writes (it also recomputes the
checks across reports, archive/crossref.py).  The definitions are data (definitions.py);
docs/indicators.md is generated from them (docs_page.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from .agencies import refresh_agencies
from .definitions import DEFINITIONS_VERSION, INDICATORS
from .indicators import refresh_indicators
from .rollups import refresh_leaderboard, refresh_rollups

DERIVED_TABLES = ("leaderboard", "indicator_rollups", "indicators", "indicator_definitions", "agencies")


@dataclass
class ResearchCounts:
    """Rows written by one rebuild of the research layer."""

    agencies: int
    carry_over: int | None
    indicators: int
    rollups: int
    leaderboard: int


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


def refresh_research_layer(db: Database, *, cross_checks: bool = True) -> ResearchCounts:
    """Rebuild every derived table in one transaction: agencies (and `reports.agency_id`), the
    checks across reports, the definitions, indicators, rollups and the leaderboard."""
    from ..crossref import refresh_cross_checks

    with db.atomic():
        for table in DERIVED_TABLES:  # dependants first: their foreign keys name the ones after them
            db.execute(f"delete from {table}")
        agencies = refresh_agencies(db)
        carry = refresh_cross_checks(db) if cross_checks else None
        refresh_definitions(db)
        indicators = refresh_indicators(db)
        rollups = refresh_rollups(db)
        leaderboard = refresh_leaderboard(db)
    return ResearchCounts(agencies, carry, indicators, rollups, leaderboard)
