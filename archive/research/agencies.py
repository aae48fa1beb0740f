"""Agencies as a panel: one stable identity per agency across years, portals and name variants.

Why: year-on-year indicators pair a report with the same agency's previous one, and the same body
signs its reports differently from year to year (北京市东城区人民政府 / 东城区人民政府 / 东城区政府,
东华门街道办事处 / 东华门街道).  An agency is its administrative division (the report's `adcode`,
from the agency's own side, archive/regions.py) plus its name with that division's names taken
off and a few wordings made one (`normalize_agency_name`: the one place for the rule).  The id is
built from those two, `adcode/normalized name`, so it does not change when the table is rebuilt.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from sqlite_utils import Database

from ..regions import MUNICIPALITIES, agency_type
from .changes import AGENCY_SCOPE_TABLE, SCOPE_TABLE

# Wordings of the same body made one, applied to the name once its region is taken off, in order.
_CANONICAL_WORDING: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^政府办$"), "人民政府办公室"),
    (re.compile(r"^政府(办公室|办公厅)"), r"人民政府\1"),
    (re.compile(r"^政府$"), "人民政府"),
    (re.compile(r"(街道)办事处$"), r"\1"),
    (re.compile(r"([镇乡])(人民)?政府$"), r"\1"),
]
_NOISE = re.compile(r"[\s\u3000·•_\-—]+")


def normalize_agency_name(name: str, province: str | None = None, city: str | None = None,
                          district: str | None = None) -> str:
    """An agency's name without its region and with one wording per body.

    The region's names (province, city, district: the report's placement) are taken off the front,
    in any order and as often as they occur; what remains is put in the canonical wording (政府 →
    人民政府, …街道办事处 → …街道, …镇人民政府 → …镇).  A name that is only its region (a report
    signed 北京市东城区) is the region's people's government: 人民政府."""
    text = _NOISE.sub("", unicodedata.normalize("NFKC", name))
    prefixes = sorted({p for p in (province, city, district) if p}, key=len, reverse=True)
    stripped = True
    while stripped:
        stripped = False
        for prefix in prefixes:
            if text.startswith(prefix):
                text, stripped = text[len(prefix):], True
    for pattern, replacement in _CANONICAL_WORDING:
        text = pattern.sub(replacement, text)
    return text or "人民政府"


def region_prefix(province: str | None, city: str | None, district: str | None) -> str:
    """The region part of an agency's display name: its most specific division's name."""
    return district or city or province or ""


def agency_level(kind: str | None, adcode: str | None) -> str | None:
    """province, city, county (people's governments by their division), township or department."""
    if kind == "乡镇街道":
        return "township"
    if kind == "人民政府":
        if not adcode:
            return None
        return "province" if adcode.endswith("0000") else "city" if adcode.endswith("00") else "county"
    return "department" if kind else None


@dataclass
class _Agency:
    id: str
    name: str
    adcode: str | None
    province: str | None
    city: str | None
    district: str | None
    variants: Counter[str] = field(default_factory=Counter)
    years: set[int] = field(default_factory=set)
    reports: int = 0


def agency_id(adcode: str | None, core: str) -> str:
    return f"{adcode or '-'}/{core}"


def assign_agencies(db: Database, *, scoped: bool) -> int:
    """Set `reports.agency_id` for the reports in `research_scope` (every report unless `scoped`),
    re-posted copies too (they link, but are not counted).  Returns the number of reports linked."""
    where = f"where id in (select report_id from temp.{SCOPE_TABLE})" if scoped else ""
    links: list[tuple[str | None, int]] = []
    for rid, name, adcode, province, city, district in db.execute(
            f"select id, agency, adcode, province, city, district from reports {where}"):
        key = agency_id(adcode, normalize_agency_name(name, province, city, district)) if name else None
        links.append((key, rid))
    db.conn.executemany("update reports set agency_id = ? where id = ?", links)
    return len(links)


def recount_agencies(db: Database, *, scoped: bool) -> int:
    """Rewrite the `agencies` rows of the agencies in `research_agency_scope` (every agency unless
    `scoped`) from the reports that link to them now, and remove those no report links any more
    (with their stale leaderboard rows).  Returns the number of agencies written."""
    where = f"where agency_id in (select id from temp.{AGENCY_SCOPE_TABLE})" if scoped else \
        "where agency_id is not null"
    agencies: dict[str, _Agency] = {}
    for key, name, adcode, province, city, district, year, dup in db.execute(
            f"select agency_id, agency, adcode, province, city, district, year, duplicate_of from reports {where} "
            "order by id"):
        agency = agencies.get(key)
        if agency is None:
            core = normalize_agency_name(name, province, city, district)
            city_shown = None if city in MUNICIPALITIES else city
            prefix = region_prefix(province, city_shown, district) if adcode else ""
            agency = agencies[key] = _Agency(key, prefix + core, adcode, province, city, district)
        agency.variants[name] += 1
        if dup is None:
            agency.reports += 1
            if year is not None:
                agency.years.add(year)
    db["agencies"].upsert_all(
        ({"id": a.id, "name": a.name, "adcode": a.adcode, "province": a.province, "city": a.city,
          "district": a.district, "level": agency_level(agency_type(a.name), a.adcode),
          "agency_type": agency_type(a.name),
          "variants": json.dumps(sorted(a.variants, key=lambda v: (-a.variants[v], v)), ensure_ascii=False),
          "reports": a.reports, "first_year": min(a.years, default=None), "last_year": max(a.years, default=None)}
         for a in agencies.values()), pk="id", batch_size=1000)
    scope = f"id in (select id from temp.{AGENCY_SCOPE_TABLE}) and " if scoped else ""
    orphans = f"select id from agencies where {scope}id not in (select agency_id from reports where agency_id is not null)"
    db.execute(f"delete from leaderboard where agency_id in ({orphans})")
    db.execute(f"delete from indicators where agency_id in ({orphans})")
    db.execute(f"update report_quality set agency_id = null where agency_id in ({orphans})")
    db.execute(f"delete from missing_reports where agency_id in ({orphans})")
    db.execute(f"delete from agencies where id in ({orphans})")
    return len(agencies)
