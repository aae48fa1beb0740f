"""Report quality, one measure at a time: the deadline and its basis, all-zero tables (a blank is
not 0), the six parts and whose fault a gap is, and the narrative numbers `text_table` reads."""

from __future__ import annotations

import pytest
from research_reports import make_report, store
from sqlite_utils import Database

from archive.research import refresh_research_layer
from archive.research.quality import jaccard, shingles, structure
from archive.schema import open_db
from extract.narrative import narrative_numbers


@pytest.fixture
def db() -> Database:
    return open_db(":memory:")


def quality(db: Database, rid: int) -> dict:
    return next(db.query("select * from report_quality where report_id = ?", [rid]))


@pytest.mark.parametrize(("agency", "pub_date", "deadline", "basis", "late"), [
    ("北京市东城区民政局", "2022-02-03", "2022-01-31", "statutory", 3),  # a department: 31 January
    ("北京市东城区人民政府", "2022-02-03", "2022-03-31", "statutory", -56),  # a government: 31 March
    ("北京市东城区东华门街道办事处", "2022-04-01", "2022-03-31", "assumed", 1),  # a township body: assumed
    ("北京市东城区民政局", None, "2022-01-31", "statutory", None),  # no date printed: unknown, not on time
])
def test_publication_is_measured_against_the_deadline_with_its_basis(
        db: Database, agency: str, pub_date: str | None, deadline: str, basis: str, late: int | None) -> None:
    report = make_report(agency, 2021, totals={"1": 1})
    report.extras = {"pub_date": pub_date}
    rid = store(db, report)
    refresh_research_layer(db)
    row = quality(db, rid)
    assert (row["published_on"], row["deadline"], row["deadline_basis"], row["days_late"]) == (
        pub_date, deadline, basis, late)


def test_all_zero_needs_every_count_zero_and_a_blank_is_not_zero(db: Database) -> None:
    zero = store(db, make_report("北京市东城区民政局", 2021, reviews={}))
    blank = store(db, make_report("北京市东城区财政局", 2021, totals={"3.1": None}, reviews={}))
    busy = store(db, make_report("北京市东城区教育委员会", 2021, totals={"1": 2}, reviews={}))
    refresh_research_layer(db)
    assert [quality(db, r)["all_zero"] for r in (zero, blank, busy)] == [1, None, 0]


def test_structure_blames_the_report_for_a_missing_part_and_the_reader_for_a_lost_heading() -> None:
    body = "一、总体情况\n…\n二、主动公开政府信息情况\n…\n四、政府信息公开行政复议、行政诉讼情况\n…\n六、其他需要报告的事项"
    shape, order, problems = structure(body, {"requests"})
    assert (shape, order) == ("incomplete", "一二四六")
    assert {(p["part"], p["fault"]) for p in problems} == {("三", "reader"), ("五", "report")}
    shape, order, problems = structure("二、主动公开\n一、总体情况\n三、依申请\n四、行政复议\n五、存在的主要问题\n六、其他需要报告", set())
    assert (shape, order, [p["kind"] for p in problems]) == ("out_of_order", "二一三四五六", ["parts_out_of_order"])
    assert structure("", set())[2][0]["fault"] == "reader"


def test_text_reuse_is_the_jaccard_of_character_5_grams() -> None:
    assert jaccard(shingles("政府信息公开工作"), shingles("政府信息公开工作")) == 1.0
    assert jaccard(shingles("abcdef"), shingles("bcdefg")) == pytest.approx(1 / 3)  # {bcdef} of 3 shingles
    assert jaccard(shingles("短"), shingles("政府信息公开工作")) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("全年共收到政府信息公开申请26件。", [("requests_new", 26)]),
    ("本年度新收政府信息公开申请 12 件，办理行政复议1件，行政诉讼0件。",
     [("requests_new", 12), ("reviews_total", 1), ("suits_total", 0)]),
    ("较上年收到申请20件有所增加。", []),  # last year's figure
    ("上年结转申请3件。", []),  # carried over, not received
    ("同比增长。本年共受理申请9件", [("requests_new", 9)]),  # the sentence before does not count
])
def test_the_narrative_reader_takes_this_years_statements_only(text: str, expected: list) -> None:
    assert [(s.quantity, s.value) for s in narrative_numbers(text)] == expected
