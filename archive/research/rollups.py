"""Rollups and rankings of the indicators: `indicator_rollups` and `leaderboard`.

Why pooled: a region's disclosure rate is Σ granted / Σ handled over its reports, not the average
of its agencies' rates (an office that handled 2 requests would weigh as much as one that handled
2,000).  Each rollup row says how many reports it used (both numerator and denominator known) of
how many the group has, and the spread of the reports' own values (P10/P50/P90, linear
interpolation between order statistics — `statistics.quantiles(method="inclusive")` — only over
at least `MIN_SPREAD_UNITS` reports).  Rankings consider only reports whose denominator reaches the
definition's `min_denominator`, and store that threshold beside every rank.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from .definitions import BY_CODE, DEFINITIONS_VERSION

MIN_SPREAD_UNITS = 5
ALL_TYPES = "全部"  # the agency_type of a rollup over every type
LEVELS = ("province", "city", "district")


@dataclass
class _Pool:
    reports: int = 0
    used: int = 0
    numerator: float = 0
    denominator: float = 0
    values: list[float] = field(default_factory=list)

    def add(self, kind: str, numerator: float | None, denominator: float | None, amount: float | None,
            value: float | None) -> None:
        self.reports += 1
        if kind == "amount":
            known = amount is not None
            numerator = amount
        elif kind == "count":
            known = numerator is not None
        else:
            known = numerator is not None and denominator is not None
        if not known:
            return
        self.used += 1
        self.numerator += numerator or 0
        self.denominator += denominator or 0
        if value is not None:
            self.values.append(value)


def pooled(kind: str, numerator: float, denominator: float, used: int) -> float | None:
    """A group's value: Σ numerators / Σ denominators for rates, the total for counts and amounts."""
    if used == 0:
        return None
    if kind in ("count", "amount"):
        return numerator
    return numerator / denominator if denominator else None


def spread(values: list[float]) -> tuple[float | None, float | None, float | None]:
    """P10, P50, P90 of the reports' own values, or nulls under `MIN_SPREAD_UNITS` of them."""
    if len(values) < MIN_SPREAD_UNITS:
        return None, None, None
    cuts = statistics.quantiles(values, n=10, method="inclusive")
    return cuts[0], cuts[4], cuts[8]


def _group_keys(province: str | None, city: str | None, district: str | None) -> Iterator[tuple[str, ...]]:
    names = (province, city, district)
    for depth, level in enumerate(LEVELS, start=1):
        if all(names[:depth]):
            yield (level, *[n if i < depth else None for i, n in enumerate(names)])


def refresh_rollups(db: Database) -> int:
    """Rebuild `indicator_rollups` from `indicators`: region (province, city, district) × year ×
    agency type (and every type together, `全部`).  Returns the number of rows."""
    pools: dict[tuple[Any, ...], _Pool] = {}
    rows = db.execute("""
        select r.province, r.city, r.district, r.year, r.agency_type, i.indicator, i.numerator, i.denominator,
               i.amount, i.value
        from indicators i join reports r on r.id = i.report_id
        where r.year is not null and r.duplicate_of is null""")
    for province, city, district, year, kind_of_agency, code, num, den, amount, value in rows:
        kind = BY_CODE[code].kind
        for region in _group_keys(province, city, district):
            for agency_type in {kind_of_agency or "其他", ALL_TYPES}:
                key = (*region, year, agency_type, code)
                pool = pools.get(key)
                if pool is None:
                    pool = pools[key] = _Pool()
                pool.add(kind, num, den, amount, value)
    db.execute("delete from indicator_rollups")
    columns = ("level", "province", "city", "district", "year", "agency_type", "indicator", "numerator",
               "denominator", "amount", "value", "reports_used", "reports", "p10", "p50", "p90",
               "definitions_version")
    out = []
    for (level, province, city, district, year, agency_type, code), pool in pools.items():
        kind = BY_CODE[code].kind
        out.append((level, province, city, district, year, agency_type, code,
                    _int(pool.numerator) if pool.used and kind != "amount" else None,
                    _int(pool.denominator) if pool.used and kind in ("rate", "change") else None,
                    pool.numerator if pool.used and kind == "amount" else None,
                    pooled(kind, pool.numerator, pool.denominator, pool.used),
                    pool.used, pool.reports, *spread(pool.values), DEFINITIONS_VERSION))
    # a prepared executemany: sqlite-utils' insert_all converts every value of ~800,000 rows at 10,000 reports
    db.conn.executemany(f"insert into indicator_rollups ({', '.join(columns)}) "
                        f"values ({', '.join('?' * len(columns))})", out)
    return len(out)


def _int(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


LEADERBOARD_SQL = """
insert into leaderboard (indicator, year, province, rank, units_ranked, report_id, agency_id, agency,
                         numerator, denominator, value, min_denominator, definitions_version)
select indicator, year, province,
       rank() over (partition by indicator, year, province order by value desc),
       count(*) over (partition by indicator, year, province),
       report_id, agency_id, agency, numerator, denominator, value, min_denominator, definitions_version
from (select i.indicator, i.year, r.province, i.report_id, i.agency_id, coalesce(a.name, r.agency) as agency,
             i.numerator, i.denominator, i.value, d.min_denominator, i.definitions_version
      from indicators i
      join indicator_definitions d on d.code = i.indicator
      join reports r on r.id = i.report_id
      left join agencies a on a.id = i.agency_id
      where d.min_denominator is not null and i.denominator >= d.min_denominator and i.value is not null
        and r.province is not null and i.year is not null)
"""


def refresh_leaderboard(db: Database) -> int:
    """Rebuild `leaderboard`: agencies ranked within province × year per rate, only those whose
    denominator reaches the definition's threshold (kept in `min_denominator`)."""
    db.execute("delete from leaderboard")
    db.execute(LEADERBOARD_SQL)
    return db.execute("select count(*) from leaderboard").fetchone()[0]
