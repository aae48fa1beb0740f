"""Rollups pool (Σ numerators / Σ denominators), never average rates; spreads need 5 units;
rankings only count reports whose denominator reaches the threshold, which they store."""

from __future__ import annotations

import pytest
from research_reports import make_report, store
from sqlite_utils import Database

from archive.research import derive_publication
from archive.research.rollups import spread
from archive.schema import open_db


@pytest.fixture
def db() -> Database:
    return open_db(":memory:")


def rollup(db: Database, level: str, code: str, agency_type: str = "全部", **where: str) -> dict:
    clauses = "".join(f" and {k} = :{k}" for k in where)
    rows = list(db.query(f"select * from indicator_rollups where level = :level and indicator = :code "
                         f"and agency_type = :agency_type{clauses}",
                         {"level": level, "code": code, "agency_type": agency_type, **where}))
    assert len(rows) == 1, rows
    return rows[0]


def test_a_region_rate_pools_its_reports_rather_than_averaging_them(db: Database) -> None:
    store(db, make_report("北京市东城区民政局", 2021, totals={"3.1": 1, "3.7": 2}))  # 50 %
    store(db, make_report("北京市东城区财政局", 2021, totals={"3.1": 90, "3.7": 100}))  # 90 %
    store(db, make_report("北京市东城区教育委员会", 2021, totals={"3.1": None, "3.7": 100}))  # blank: not used
    derive_publication(db)  # rollups and leaderboard: once per publication
    row = rollup(db, "district", "rate_disclosed", district="东城区")
    assert (row["numerator"], row["denominator"], row["reports_used"], row["reports"]) == (91, 102, 2, 3)
    assert row["value"] == 91 / 102
    assert row["value"] != pytest.approx((0.5 + 0.9) / 2)
    by_type = rollup(db, "district", "rate_disclosed", agency_type="政府部门", district="东城区")
    assert by_type["value"] == 91 / 102


def test_rollups_by_province_city_and_district_and_agency_type(db: Database) -> None:
    store(db, make_report("江苏省淮安市洪泽区人民政府", 2021, totals={"1": 10}), )
    store(db, make_report("江苏省淮安市淮阴区民政局", 2021, totals={"1": 5}))
    store(db, make_report("江苏省南京市鼓楼区人民政府", 2021, totals={"1": 7}))
    derive_publication(db)  # rollups and leaderboard: once per publication
    assert rollup(db, "province", "requests_new", province="江苏省")["value"] == 22
    assert rollup(db, "city", "requests_new", city="淮安市")["value"] == 15
    assert rollup(db, "district", "requests_new", district="洪泽区")["value"] == 10
    assert rollup(db, "province", "requests_new", agency_type="人民政府", province="江苏省")["value"] == 17


def test_spread_needs_five_units(db: Database) -> None:
    for i, granted in enumerate([1, 2, 3, 4]):
        store(db, make_report(f"北京市海淀区第{i}局", 2021, totals={"3.1": granted, "3.7": 10}))
    derive_publication(db)  # rollups and leaderboard: once per publication
    assert rollup(db, "district", "rate_disclosed", district="海淀区")["p50"] is None
    store(db, make_report("北京市海淀区第九局", 2021, totals={"3.1": 5, "3.7": 10}))
    derive_publication(db)  # rollups and leaderboard: once per publication
    row = rollup(db, "district", "rate_disclosed", district="海淀区")
    assert (row["p10"], row["p50"], row["p90"]) == pytest.approx((0.14, 0.3, 0.46))
    assert spread([0.1, 0.2, 0.3, 0.4, 0.5]) == pytest.approx([0.14, 0.3, 0.46])


def test_leaderboard_ranks_only_reports_above_the_threshold_and_stores_it(db: Database) -> None:
    big = store(db, make_report("北京市朝阳区民政局", 2021, totals={"3.1": 20, "3.7": 40}))
    bigger = store(db, make_report("北京市朝阳区财政局", 2021, totals={"3.1": 27, "3.7": 30}))
    store(db, make_report("北京市朝阳区教育委员会", 2021, totals={"3.1": 29, "3.7": 29}))  # 100 %, too few
    derive_publication(db)  # rollups and leaderboard: once per publication
    ranked = list(db.query("select report_id, rank, units_ranked, min_denominator, value from leaderboard "
                           "where indicator = 'rate_disclosed' and year = 2021 and province = '北京市' order by rank"))
    assert ranked == [
        {"report_id": bigger, "rank": 1, "units_ranked": 2, "min_denominator": 30, "value": 0.9},
        {"report_id": big, "rank": 2, "units_ranked": 2, "min_denominator": 30, "value": 0.5},
    ]
