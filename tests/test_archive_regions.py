"""Regions through cpca-new: names → province, city, district, code and coordinates; agency types;
a report's region from its agency, the portal settling shared names, conflicts and unknowns flagged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.captures import Fetch
from archive.portals import ensure_portal, finish_crawl_run, start_crawl_run
from archive.reextract import reextract
from archive.regions import Region, agency_type, locate, place_report
from archive.schema import open_db
from archive.write import Hints, ingest_bytes


@pytest.mark.parametrize(("agency", "hints", "want"), [
    ("北京市通州区人民政府办公室", {}, ("北京市", "通州区", "110112")),
    ("洪泽区人民政府", {}, ("江苏省", "洪泽区", "320813")),
    ("上海市人民政府办公厅", {}, ("上海市", None, "310000")),
    ("鼓楼区人民政府", {"province": "江苏省", "city": "南京市"}, ("江苏省", "鼓楼区", "320106")),
])
def test_locate(agency: str, hints: dict, want: tuple) -> None:
    region = locate(agency, **hints)
    assert (region.province, region.district, region.adcode) == want


@pytest.mark.parametrize(("agency", "kind"), [
    ("北京市东城区", "人民政府"), ("洪泽区人民政府", "人民政府"), ("上海市人民政府办公厅", "政府办公厅（室）"),
    ("北京市海淀区教育委员会", "政府部门"), ("朝阳门街道办事处", "乡镇街道"), (None, None),
])
def test_agency_type(agency: str | None, kind: str | None) -> None:
    assert agency_type(agency) == kind


def test_regions_table_has_codes_and_coordinates(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    row = next(db.query("select * from regions where adcode = '110112'"))
    assert row["name"] == "通州区" and row["level"] == "district" and row["province"] == "北京市"
    assert 116 < row["longitude"] < 117 and 39 < row["latitude"] < 40
    assert db["regions"].count > 3000


# --- a report's region comes from its agency (issue 10, item 5) ---------------------------------

NINGBO_JIANGBEI = {"province": "浙江省", "city": "宁波市", "district": "江北区"}
PINGSHAN = {"province": "广东省", "city": "深圳市", "district": "坪山区"}


def problems_of(placement) -> list[tuple[str, str, dict]]:
    return [(p.kind, p.where, json.loads(p.detail)) for p in placement.problems]


def test_the_agency_wins_over_the_portal_and_the_conflict_keeps_both_sides() -> None:
    """上海市人民政府办公厅's report found on 宁波市江北区's portal is 上海市's, flagged."""
    placement = place_report("上海市人民政府办公厅", "2019年上海市人民政府办公厅政府信息公开工作年度报告",
                             **NINGBO_JIANGBEI)
    assert placement.region == Region("上海市", "上海市", None, "310000")
    [(kind, where, detail)] = problems_of(placement)
    assert (kind, where) == ("region_conflict", "province")
    assert detail["agency"] == {"province": "上海市", "city": "上海市", "district": None, "adcode": "310000",
                                "from": "agency", "text": "上海市人民政府办公厅"}
    assert detail["portal"] == {"province": "浙江省", "city": "宁波市", "district": "江北区", "adcode": "330205"}


def test_a_conflict_at_city_level_is_flagged_too() -> None:
    placement = place_report("宁波市江北区民政局", province="浙江省", city="温州市")
    assert placement.region.adcode == "330205"
    assert [(k, w) for k, w, _ in problems_of(placement)] == [("region_conflict", "city")]


def test_a_district_name_two_places_share_is_settled_by_the_portal() -> None:
    """江北区 was 宁波's and 重庆's until 重庆 merged its 江北区 into 两江新区 (2025-11-06); reports
    under the old name are still published, so both are candidates and the portal chooses."""
    assert place_report("江北区民政局", **NINGBO_JIANGBEI).region == Region("浙江省", "宁波市", "江北区", "330205")
    assert place_report("江北区民政局", **NINGBO_JIANGBEI).problems == []
    chongqing = place_report("江北区民政局", province="重庆市", city="重庆市", district="两江新区")
    assert chongqing.region == Region("重庆市", "重庆市", "江北区", "500105") and chongqing.problems == []
    assert place_report("鼓楼区人民政府", province="福建省", city="福州市").region.adcode == "350102"
    assert place_report("鼓楼区人民政府", province="河南省", city="开封市").region.adcode == "410204"
    # the title settles it before the portal does (宁波市江北区… on a portal of another province)
    titled = place_report("江北区民政局", "宁波市江北区民政局2021年政府信息公开工作年度报告", **PINGSHAN)
    assert titled.region.adcode == "330205" and problems_of(titled)[0][:2] == ("region_conflict", "province")


def test_a_shared_name_nothing_settles_is_flagged_never_guessed() -> None:
    alone = place_report("江北区民政局")
    assert alone.region == Region(None, None, None, None)
    [(kind, _, detail)] = problems_of(alone)
    assert kind == "region_unknown" and detail["reason"] == "ambiguous" and detail["used"] == "none"
    assert {c["adcode"] for c in detail["candidates"]} == {"330205", "500105"}
    elsewhere = place_report("鼓楼区人民政府", province="北京市", city="北京市", district="东城区")
    assert elsewhere.region.adcode == "110101"  # the portal's, and said so
    [(kind, _, detail)] = problems_of(elsewhere)
    assert (kind, detail["reason"], detail["used"]) == ("region_unknown", "ambiguous", "portal")
    assert len(detail["candidates"]) == 4


def test_an_agency_naming_no_division_takes_the_portal_region_and_says_so() -> None:
    placement = place_report("坪山高新区管理委员会", "坪山高新区管理委员会2024年政府信息公开工作年度报告", **PINGSHAN)
    assert placement.region == Region("广东省", "深圳市", "坪山区", "440310")
    [(kind, where, detail)] = problems_of(placement)
    assert (kind, where, detail["reason"], detail["used"]) == ("region_unknown", "region", "no_division", "portal")
    assert detail["portal"]["adcode"] == "440310"
    # no portal either: no region, and the problem says so (never a silent NULL)
    bare = place_report("某某综合实验区管理委员会")
    assert bare.region == Region(None, None, None, None)
    assert [(k, d["reason"], d["used"]) for k, _, d in problems_of(bare)] == [("region_unknown", "no_division", "none")]


def test_a_development_zone_the_regions_data_can_place() -> None:
    """苏州工业园区 is a division of its own in the table; 南京高新区 names 南京 by its short name,
    good enough where the portal agrees (and refined by it), flagged where it does not."""
    assert place_report("苏州工业园区管理委员会", province="江苏省", city="苏州市").region.adcode == "320576"
    agreed = place_report("南京高新区管委会", province="江苏省", city="南京市", district="鼓楼区")
    assert agreed.region.adcode == "320106" and agreed.problems == []
    alone = place_report("南京高新区管委会")
    assert alone.region.adcode == "320100" and problems_of(alone)[0][2]["reason"] == "abbreviation"
    # 朝阳门街道 is a street of 东城区, not 辽宁省朝阳市: an abbreviation never overrules the portal
    street = place_report("朝阳门街道办事处", province="北京市", city="北京市", district="东城区")
    assert street.region.adcode == "110101"
    assert problems_of(street)[0][2]["reason"] == "abbreviation_mismatch"
    assert place_report("北京市东城区朝阳门街道办事处", province="北京市", city="北京市",
                        district="东城区").problems == []


def test_the_page_metadata_places_an_agency_its_name_does_not() -> None:
    """ContentSource / 发布机构 and SiteName are read after the agency and the title."""
    by_source = place_report("区财政局", source="宁波市江北区财政局", **PINGSHAN)
    assert by_source.region.adcode == "330205" and by_source.basis == "source"
    by_site = place_report("区财政局", site_name="宁波市江北区人民政府", **NINGBO_JIANGBEI)
    assert by_site.region.adcode == "330205" and by_site.problems == [] and by_site.basis == "site_name"


def test_former_divisions_are_in_the_regions_table(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    row = next(db.query("select * from regions where adcode = '500105'"))
    assert (row["name"], row["province"], row["city"], row["level"], row["abolished"]) == (
        "江北区", "重庆市", "重庆市", "district", "2025-11-06")
    assert db.execute("select count(*) from regions where abolished is not null").fetchone()[0] == 2
    open_db(tmp_path / "r.db")  # opening again adds nothing
    assert db.execute("select count(*) from regions where adcode = '500105'").fetchone()[0] == 1


# --- in the archive: reports' region columns and problems rows ------------------------------------

def test_ingested_report_is_filed_under_its_agency_with_the_conflict_in_problems(tmp_path: Path,
                                                                                 examples_dir: Path) -> None:
    db = open_db(tmp_path / "a.db")
    data = (examples_dir / "shanghai-office-2019.html").read_bytes()
    outcome = ingest_bytes(db, data, Fetch(url="http://127.0.0.2/art/shanghai.html", fetched_at="2026-01-01"),
                           Hints(**NINGBO_JIANGBEI), name="shanghai-office-2019.html")
    assert outcome.status == "new"
    row = db.execute("select province, city, district, adcode, problems from reports where id = ?",
                     [outcome.report_id]).fetchone()
    assert row[:4] == ("上海市", "上海市", None, "310000")
    conflicts = db.execute("select \"where\", detail from problems where report_id = ? and kind = 'region_conflict'",
                           [outcome.report_id]).fetchall()
    assert len(conflicts) == 1 and conflicts[0][0] == "province"
    detail = json.loads(conflicts[0][1])
    assert (detail["agency"]["province"], detail["portal"]["province"]) == ("上海市", "浙江省")
    assert row[4] == db.execute("select count(*) from problems where report_id = ?", [outcome.report_id]).fetchone()[0]
    # both sides are queryable with SQLite's JSON functions, as docs/schema.md shows
    got = db.execute("select json_extract(detail, '$.agency.province'), json_extract(detail, '$.portal.district') "
                     "from problems where kind = 'region_conflict'").fetchone()
    assert got == ("上海市", "江北区")


def test_a_report_stored_unread_gets_its_region_from_the_list_title(tmp_path: Path, examples_dir: Path) -> None:
    """Pending and unreadable reports are placed from what the crawl knew (the list's title), and
    `reextract` places them again from what the file says."""
    db = open_db(tmp_path / "a.db")
    data = (examples_dir / "shanghai-office-2019.html").read_bytes()
    hints = Hints(title="2019年上海市人民政府办公厅政府信息公开工作年度报告", **NINGBO_JIANGBEI)
    outcome = ingest_bytes(db, data, Fetch(url="http://127.0.0.2/art/later.html", fetched_at="2026-01-01"),
                           hints, name="later.html", pending=True)
    assert db.execute("select province, problems from reports where id = ?", [outcome.report_id]).fetchone() == (
        "上海市", 1)
    assert db.execute("select kind from problems where report_id = ?", [outcome.report_id]).fetchall() == [
        ("region_conflict",)]
    reextract(db, pending_only=True)
    assert db.execute("select province, extraction_status from reports where id = ?",
                      [outcome.report_id]).fetchone() == ("上海市", "ok")
    assert db.execute("select count(*) from problems where report_id = ? and kind = 'region_conflict'",
                      [outcome.report_id]).fetchone() == (1,)


# --- portals.platform: the family detected, not `auto` ----------------------------------------------

def test_portals_platform_holds_the_detected_family(tmp_path: Path) -> None:
    db = open_db(tmp_path / "p.db")
    pid = ensure_portal(db, "演示·江北区（大汉）", base_url="http://127.0.0.2", platform="auto", **NINGBO_JIANGBEI)
    assert db["portals"].get(pid)["platform"] == "auto"  # nothing detected yet
    run = start_crawl_run(db)
    finish_crawl_run(db, run, portal_health={"演示·江北区（大汉）": {"platform": "hanweb", "status": "ok"},
                                             "not registered": {"platform": "trs"}})
    assert db["portals"].get(pid)["platform"] == "hanweb"
    # the next run registers the registry's `auto` again: the detected family stays
    ensure_portal(db, "演示·江北区（大汉）", base_url="http://127.0.0.2", platform="auto", **NINGBO_JIANGBEI)
    assert db["portals"].get(pid)["platform"] == "hanweb"
    # a registry that names the family is written as it says
    ensure_portal(db, "演示·江北区（大汉）", platform="trs")
    assert db["portals"].get(pid)["platform"] == "trs"
