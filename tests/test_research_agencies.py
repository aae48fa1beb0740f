"""Agencies as a panel: one identity per agency across years and name variants, every report linked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from research_reports import make_report, store
from sqlite_utils import Database

from archive.research import refresh_research_layer
from archive.research.agencies import agency_level, normalize_agency_name
from archive.schema import MIGRATIONS, open_db


@pytest.mark.parametrize(("variants", "region", "normalized"), [
    (["北京市东城区人民政府", "东城区人民政府", "东城区政府", "北京市东城区", "北京市 东城区人民政府"],
     ("北京市", "北京市", "东城区"), "人民政府"),
    (["北京市东城区人民政府办公室", "东城区政府办公室", "东城区政府办"], ("北京市", "北京市", "东城区"), "人民政府办公室"),
    (["江苏省淮安市洪泽区人民政府", "淮安市洪泽区人民政府", "洪泽区人民政府"], ("江苏省", "淮安市", "洪泽区"), "人民政府"),
    (["东城区东华门街道办事处", "北京市东城区东华门街道", "东华门街道"], ("北京市", "北京市", "东城区"), "东华门街道"),
    (["淮安市洪泽区高良涧镇人民政府", "高良涧镇政府", "高良涧镇"], ("江苏省", "淮安市", "洪泽区"), "高良涧镇"),
    (["上海市人民政府办公厅", "上海市政府办公厅"], ("上海市", "上海市", None), "人民政府办公厅"),
    (["北京市朝阳区民政局", "朝阳区民政局"], ("北京市", "北京市", "朝阳区"), "民政局"),
])
def test_name_variants_of_one_agency_normalize_alike(variants: list[str], region: tuple, normalized: str) -> None:
    assert {normalize_agency_name(v, *region) for v in variants} == {normalized}


def test_different_bodies_stay_apart() -> None:
    region = ("北京市", "北京市", "东城区")
    names = ["东城区人民政府", "东城区人民政府办公室", "东城区民政局", "东城区教育委员会", "东城区东华门街道"]
    assert len({normalize_agency_name(n, *region) for n in names}) == len(names)


@pytest.mark.parametrize(("kind", "adcode", "level"), [
    ("人民政府", "110000", "province"), ("人民政府", "320800", "city"), ("人民政府", "320813", "county"),
    ("乡镇街道", "110101", "township"), ("政府部门", "110101", "department"),
    ("政府办公厅（室）", "310000", "department"), ("人民政府", None, None),
])
def test_levels(kind: str, adcode: str | None, level: str | None) -> None:
    assert agency_level(kind, adcode) == level


def test_every_report_links_to_its_agency_across_years(tmp_path: Path) -> None:
    db = open_db(tmp_path / "a.db")
    ids = [store(db, make_report(name, year, totals={"1": 1}))
           for name, year in [("北京市东城区人民政府", 2020), ("东城区人民政府", 2021), ("东城区政府", 2022),
                              ("北京市东城区民政局", 2021), ("北京市西城区人民政府", 2021)]]
    refresh_research_layer(db)
    links = dict(db.execute("select id, agency_id from reports"))
    assert links[ids[0]] == links[ids[1]] == links[ids[2]] == "110101/人民政府"
    assert len({links[i] for i in ids}) == 3
    dongcheng = next(db.query("select * from agencies where id = '110101/人民政府'"))
    assert (dongcheng["name"], dongcheng["level"], dongcheng["agency_type"], dongcheng["reports"],
            dongcheng["first_year"], dongcheng["last_year"]) == ("东城区人民政府", "county", "人民政府", 3, 2020, 2022)
    assert set(json.loads(dongcheng["variants"])) == {"北京市东城区人民政府", "东城区人民政府", "东城区政府"}
    bureau = next(db.query("select * from agencies where id = '110101/民政局'"))
    assert (bureau["name"], bureau["level"]) == ("东城区民政局", "department")


def test_an_archive_from_before_the_research_layer_gets_it_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = open_db(path)
    rid = store(db, make_report("北京市东城区人民政府", 2021, totals={"1": 10, "3.1": 4, "3.7": 8}))
    # take the archive back to the schema before 0006 (and 0008), its derived tables, column and triggers gone
    for trigger in ("research_dirty_ai", "research_dirty_au", "research_dirty_ad"):
        db.execute(f"drop trigger {trigger}")
    for table in ("quality_problems", "report_quality", "research_dirty", "research_state"):
        db[table].drop()
    for table in ("leaderboard", "indicator_rollups", "indicators", "indicator_definitions", "agencies"):
        db[table].drop()
    db.execute("drop index idx_reports_agency_id_year")
    db.execute("alter table reports drop column agency_id")
    db.execute("delete from _sqlite_migrations where name in ('0006_research_layer', '0008_research_incremental', '0009_report_quality')")
    db.close()
    assert "0006_research_layer" in [m.name for m in MIGRATIONS._migrations]
    db = open_db(path)
    assert db.execute("select agency_id from reports where id = ?", [rid]).fetchone()[0] == "110101/人民政府"
    assert db.execute("select value from indicators where report_id = ? and indicator = 'rate_disclosed'",
                      [rid]).fetchone()[0] == 0.5
    assert isinstance(db, Database)


def test_carry_over_pairs_a_report_with_its_agency_under_another_name(tmp_path: Path) -> None:
    """Last year's 结转下年度 is this year's 上年结转 for the same agency, whatever name each report
    signs with: 北京市东城区人民政府 (2020) and 东城区政府 (2021) pair; another district's body does not."""
    db = open_db(tmp_path / "a.db")
    before = store(db, make_report("北京市东城区人民政府", 2020, totals={"4": 3}))
    after = store(db, make_report("东城区政府", 2021, totals={"2": 3}))
    other = store(db, make_report("北京市西城区人民政府", 2021, totals={"2": 5}))
    refresh_research_layer(db)
    rows = {(r, against, status) for r, against, status in db.execute(
        "select report_id, against_report_id, status from checks where rule = 'carry_over' and scope = 'total'")}
    assert (after, before, "pass") in rows
    assert not any(r == other for r, _, _ in rows)
