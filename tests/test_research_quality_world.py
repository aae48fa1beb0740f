"""Done when (issue 12): a generated archive with a planted `text_table` error, a planted
`stock_flow` error, a planted copy of last year's text and a planted missing report finds exactly
those, and nothing else — every other report is on time, structured, consistent and its own."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from research_reports import make_report
from sqlite_utils import Database

from archive.captures import Fetch
from archive.portals import ensure_portal
from archive.research import derive_publication, refresh_research_layer
from archive.research.coverage import refresh_coverage
from archive.research.quality import HIGH_REUSE, PARTS
from archive.schema import open_db
from archive.write import Hints, ingest_bytes

AGENCIES = [f"北京市{d}{k}" for d in ("东城区", "西城区", "朝阳区") for k in ("民政局", "财政局", "人民政府")]
YEARS = (2021, 2022, 2023)
WORDS = "政务公开信息平台制度建设规范管理服务群众企业办理答复审查监督考核培训宣传解读网站新媒体目录标准"
HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
TODAY = dt.date(2024, 6, 1)  # reports for 2023 were due by 2024-03-31; none for 2024 are due yet


def own_text(rng: random.Random, n: int = 400) -> str:
    return "".join(rng.choice(WORDS) for _ in range(n))


def body(rng: random.Random, requests: int, reviews: int, suits: int, *, stated_requests: int | None = None) -> str:
    parts = [
        f"{HEADINGS[0]}\n{own_text(rng)}。全年共收到政府信息公开申请{stated_requests if stated_requests is not None else requests}件。",
        f"{HEADINGS[1]}\n{own_text(rng)}。", f"{HEADINGS[2]}\n{own_text(rng)}。",
        f"{HEADINGS[3]}\n本年度办理行政复议{reviews}件，行政诉讼{suits}件。{own_text(rng)}。",
        f"{HEADINGS[4]}\n{own_text(rng)}。", f"{HEADINGS[5]}\n{own_text(rng)}。",
    ]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    db = open_db(tmp_path_factory.mktemp("world") / "nianbao.db")
    portal = ensure_portal(db, "北京市政府信息公开平台", base_url="https://portal.example/", province="北京市")
    db["crawl_portal_state"].upsert({"portal": "北京市政府信息公开平台", "last_complete_walk": "2024-05-01T02:00:00+00:00",
                                     "last_walk_started": "2024-05-01T00:00:00+00:00"}, pk="portal")
    planted: dict[str, tuple[str, int]] = {
        "text_table": (AGENCIES[1], 2022), "stock_flow": (AGENCIES[4], 2023), "text_reuse": (AGENCIES[6], 2023),
        "missing": (AGENCIES[8], 2023)}
    ids: dict[tuple[str, int], int] = {}
    for a, agency in enumerate(AGENCIES):
        rng = random.Random(a)
        carried, stock = {"规章": 3, "行政规范性文件": 40}, rng.randint(0, 3)
        previous_body = ""
        last_counts = (0, 0, 0)
        for year in YEARS:
            if (agency, year) == planted["missing"]:
                continue
            new, forward = rng.randint(30, 90), rng.randint(0, 3)
            reviews, suits = rng.randint(1, 4), rng.randint(1, 4)
            if (agency, year) == planted["text_reuse"]:  # the copied text's numbers stay true: only the copy is planted
                new, reviews, suits = last_counts
            last_counts = (new, reviews, suits)
            granted, decided = rng.randint(0, new), new + stock - forward
            totals = {"1": new, "2": stock, "4": forward, "3.1": granted, "3.2": decided - granted, "3.7": decided}
            review_cells = {("review", "upheld"): reviews, ("review", "total"): reviews,
                            ("suit_direct", "upheld"): suits, ("suit_direct", "total"): suits}
            active = []
            for item, in_force in carried.items():
                made, repealed = rng.randint(0, 5), rng.randint(0, 2)
                in_force += made - repealed
                carried[item] = in_force
                printed = in_force + 1 if (agency, year) == planted["stock_flow"] and item == "行政规范性文件" else in_force
                active += [(item, "本年制发件数", made), (item, "本年废止件数", repealed), (item, "现行有效件数", printed)]
            report = make_report(agency, year, totals=totals, reviews=review_cells, active=active)
            text = body(rng, new, reviews, suits,
                        stated_requests=new + 1 if (agency, year) == planted["text_table"] else None)
            if (agency, year) == planted["text_reuse"]:
                text = previous_body
            report.extras = {"body": text, "pub_date": f"{year + 1}-01-15"}
            url = f"https://portal.example/{a}/{year}.html"
            outcome = ingest_bytes(db, f"{agency}{year}".encode(), Fetch(url=url, portal_id=portal),
                                   Hints(province="北京市"), report=report)
            ids[(agency, year)] = outcome.report_id
            previous_body, stock = text, forward
    refresh_research_layer(db)
    derive_publication(db)
    refresh_coverage(db, today=TODAY)
    return {"db": db, "ids": ids, "planted": planted}


def test_the_failing_checks_are_exactly_the_planted_text_table_and_stock_flow_errors(world: dict) -> None:
    db: Database = world["db"]
    failed = list(db.execute("select report_id, rule, scope, lhs, rhs from checks where status = 'fail' order by rule"))
    ids, planted = world["ids"], world["planted"]
    assert [(rid, rule, scope) for rid, rule, scope, _l, _r in failed] == [
        (ids[planted["stock_flow"]], "stock_flow", "行政规范性文件"),
        (ids[planted["text_table"]], "text_table", "requests_new")]
    assert all(lhs - rhs == 1 for *_k, lhs, rhs in failed)  # both sides stored: the planted +1
    for rule in ("stock_flow", "text_table", "carry_over"):  # the rules did run on every other report
        assert db.execute("select count(*) from checks where rule = ? and status = 'pass'", [rule]).fetchone()[0] > 10


def test_text_reuse_finds_exactly_the_planted_copy_of_last_years_text(world: dict) -> None:
    db: Database = world["db"]
    ids, planted = world["ids"], world["planted"]
    agency, year = planted["text_reuse"]
    copied = list(db.execute("select report_id, text_reuse, text_reuse_report_id, text_reuse_measure from report_quality "
                             "where text_reuse >= ?", [HIGH_REUSE]))
    assert copied == [(ids[(agency, year)], 1.0, ids[(agency, year - 1)], "jaccard_char5")]
    low = db.execute("select max(text_reuse) from report_quality where report_id != ?", [copied[0][0]]).fetchone()[0]
    assert 0 < low < 0.5  # a measure, not a flag: every other pair was compared and differs


def test_coverage_finds_exactly_the_planted_missing_report(world: dict) -> None:
    db: Database = world["db"]
    agency, year = world["planted"]["missing"]
    rows = list(db.execute("select a.name, m.year, m.status from missing_reports m join agencies a on a.id = m.agency_id"))
    assert rows == [("朝阳区人民政府", year, "missing_report")]
    assert agency.endswith("朝阳区人民政府")


def test_nothing_else_is_flagged(world: dict) -> None:
    db: Database = world["db"]
    assert db.execute("select count(*) from quality_problems").fetchone()[0] == 0
    assert db.execute("select count(*) from report_quality where structure != 'complete'").fetchone()[0] == 0
    assert db.execute("select count(*) from report_quality where days_late > 0 or all_zero != 0").fetchone()[0] == 0
    assert db.execute("select count(*) from report_quality").fetchone()[0] == len(AGENCIES) * len(YEARS) - 1
    assert len(PARTS) == 6


def test_coverage_says_the_crawl_is_incomplete_rather_than_missing(world: dict, tmp_path: Path) -> None:
    db: Database = world["db"]
    db["crawl_portal_state"].update("北京市政府信息公开平台", {"last_complete_walk": "2024-03-01T00:00:00+00:00"})
    try:
        refresh_coverage(db, today=TODAY)
        rows = list(db.execute("select status, detail from missing_reports"))
        assert [s for s, _d in rows] == ["crawl_incomplete"]
        assert "2024-03-01" in rows[0][1] and "before the deadline 2024-03-31" in rows[0][1]
        refresh_coverage(db, today=dt.date(2024, 3, 1))
        assert [s for (s,) in db.execute("select status from missing_reports")] == ["not_yet_due"]
    finally:
        db["crawl_portal_state"].update("北京市政府信息公开平台", {"last_complete_walk": "2024-05-01T02:00:00+00:00"})
        refresh_coverage(db, today=TODAY)


def canned(name: str) -> str:
    import yaml

    meta = yaml.safe_load((Path(__file__).resolve().parent.parent / "datasette" / "metadata.yml").read_text("utf-8"))
    return meta["databases"]["nianbao"]["queries"][name]["sql"]


def test_the_canned_queries_list_the_planted_contradiction_copy_and_missing_report(world: dict) -> None:
    db: Database = world["db"]
    ids, planted = world["ids"], world["planted"]
    contradicts = list(db.query(canned("narrative_contradicts_tables"), {"province": "", "year": ""}))
    assert [(r["report_id"], r["quantity"], r["stated_in_text"] - r["in_table"]) for r in contradicts] == [
        (ids[planted["text_table"]], "requests_new", 1)]
    missing = list(db.query(canned("missing_reports_by_region"), {"status": "missing_report", "province": "北京市",
                                                                  "year": ""}))
    assert [(r["agency"], r["year"]) for r in missing] == [("朝阳区人民政府", 2023)]
    reused = list(db.query(canned("reused_text"), {"min_share": ""}))
    assert [r["report_id"] for r in reused] == [ids[planted["text_reuse"]]]


def test_red_and_yellow_lists_consider_only_agencies_above_the_threshold_and_say_it(world: dict) -> None:
    db: Database = world["db"]
    params = {"indicator": "rate_disclosed", "year": "2022", "province": "北京市", "direction": "low"}
    eligible = db.execute("select count(*) from indicators where indicator = 'rate_disclosed' and year = 2022 "
                          "and denominator >= 40 and value is not null").fetchone()[0]
    rows = list(db.query(canned("red_yellow_list"), {**params, "min_denominator": "40"}))
    assert rows and {r["min_denominator"] for r in rows} == {40} and {r["units_ranked"] for r in rows} == {eligible}
    assert all(r["denominator"] >= 40 for r in rows)
    assert rows[0]["list"] == "red" and rows[0]["value"] == min(r["value"] for r in rows)
    default = list(db.query(canned("red_yellow_list"), {**params, "min_denominator": ""}))
    assert {r["min_denominator"] for r in default} == {30}  # the definition's own threshold


def test_the_indicator_dashboard_shows_pooled_values_with_numerator_and_denominator(world: dict) -> None:
    import re

    import yaml

    meta = yaml.safe_load((Path(__file__).resolve().parent.parent / "datasette" / "metadata.yml").read_text("utf-8"))
    charts = meta["plugins"]["datasette-dashboards"]["indicators"]["charts"]
    db: Database = world["db"]
    by_province = list(db.query(re.sub(r"\[\[.*?\]\]", "", charts["headline-by-province"]["query"])))
    row = next(r for r in by_province if r["indicator"] == "rate_disclosed" and r["year"] == 2022)
    assert row["value"] == row["numerator"] / row["denominator"]
    rate = db.execute(re.sub(r"\[\[.*?\]\]", "", charts["disclosed-rate"]["query"])).fetchone()[0]
    pooled = db.execute("select 1.0 * sum(numerator) / sum(denominator) from indicators "
                        "where indicator = 'rate_disclosed' and denominator is not null and numerator is not null").fetchone()[0]
    assert rate == round(pooled, 4)
    for chart in charts.values():  # every chart's query runs on the archive
        db.execute(re.sub(r"\[\[.*?\]\]", "", chart["query"])).fetchall()
