"""Indicators of hand-built reports are exactly the spec's (../shared/spec/indicators.md): blanks and
zero denominators give nulls that say why, inconsistent tables keep their ratio, copies count once."""

from __future__ import annotations

import pytest
from research_reports import indicator, make_report, store
from sqlite_utils import Database

from archive.research import derive_publication, refresh_research_layer
from archive.schema import open_db


@pytest.fixture
def db() -> Database:
    return open_db(":memory:")


def test_table_3_rates_use_what_was_decided_this_year(db: Database) -> None:
    rid = store(db, make_report("北京市东城区人民政府", 2021, totals={
        "1": 40, "2": 10, "3.1": 12, "3.2": 3, "3.3.1": 1, "3.3.4": 2, "3.4.1": 6, "3.4.2": 1, "3.5.2": 2,
        "3.6.1": 1, "3.6.3": 2, "3.7": 30, "4": 20}, row1={"natural": 30, "commercial": 6, "legal": 3, "other": 1}))
    refresh_research_layer(db)
    expect = {"rate_disclosed": (12, 30), "rate_partly_disclosed": (3, 30), "rate_substantive": (15, 30),
              "rate_refused": (3, 30), "rate_refused_3_3_4": (2, 30), "rate_unable": (7, 30),
              "rate_not_held": (6, 30), "rate_not_processed": (2, 30), "rate_not_processed_3_5_2": (2, 30),
              "rate_other_handling": (3, 30), "rate_carried_out": (20, 50), "share_organisations": (10, 40),
              "share_business": (6, 40), "share_legal_services": (3, 40)}
    for code, (num, den) in expect.items():
        row = indicator(db, rid, code)
        assert (row["numerator"], row["denominator"], row["value"]) == (num, den, num / den), code
        assert isinstance(row["numerator"], int) and isinstance(row["denominator"], int)
    assert indicator(db, rid, "requests_new")["value"] == 40


def test_a_blank_input_makes_the_indicator_null_never_zero(db: Database) -> None:
    rid = store(db, make_report("北京市西城区人民政府", 2021, totals={"1": 20, "3.1": 5, "3.3.2": None, "3.7": 10}))
    refresh_research_layer(db)
    refused = indicator(db, rid, "rate_refused")
    assert (refused["numerator"], refused["denominator"], refused["value"], refused["null_reason"]) == \
        (None, 10, None, "blank")
    assert indicator(db, rid, "rate_refused_3_3_2")["value"] is None
    assert indicator(db, rid, "rate_refused_3_3_1")["value"] == 0  # the other reasons are printed 0
    assert indicator(db, rid, "rate_disclosed")["value"] == 0.5


def test_a_zero_denominator_is_null_with_both_numbers_kept(db: Database) -> None:
    rid = store(db, make_report("北京市朝阳区人民政府", 2021, totals={"1": 0, "3.7": 0},
                                reviews={("review", "pending"): 2, ("review", "total"): 2}))
    refresh_research_layer(db)
    row = indicator(db, rid, "rate_disclosed")
    assert (row["numerator"], row["denominator"], row["value"], row["null_reason"]) == (0, 0, None, "zero_denominator")
    # two reviews, both pending: nothing decided, so no correction rate (尚未审结 is excluded)
    review = indicator(db, rid, "review_correction_rate")
    assert (review["numerator"], review["denominator"], review["value"]) == (0, 0, None)
    assert indicator(db, rid, "disputes_per_request")["null_reason"] == "zero_denominator"


def test_an_inconsistent_table_keeps_its_ratio_above_one(db: Database) -> None:
    rid = store(db, make_report("北京市海淀区人民政府", 2021, totals={"1": 5, "3.1": 9, "3.7": 6}))
    refresh_research_layer(db)
    assert indicator(db, rid, "rate_disclosed")["value"] == 9 / 6


def test_table_4_correction_rates_count_decided_cases_and_disputes_once(db: Database) -> None:
    rid = store(db, make_report("北京市丰台区人民政府", 2021, totals={"1": 50, "3.7": 50}, reviews={
        ("review", "upheld"): 6, ("review", "corrected"): 2, ("review", "other"): 1, ("review", "pending"): 3,
        ("review", "total"): 12, ("suit_direct", "upheld"): 3, ("suit_direct", "corrected"): 1,
        ("suit_direct", "total"): 4, ("suit_after_review", "corrected"): 1, ("suit_after_review", "other"): 1,
        ("suit_after_review", "pending"): 2, ("suit_after_review", "total"): 4}))
    refresh_research_layer(db)
    assert indicator(db, rid, "reviews")["value"] == 12
    review = indicator(db, rid, "review_correction_rate")
    assert (review["numerator"], review["denominator"]) == (2, 9)
    suit = indicator(db, rid, "suit_correction_rate")
    assert (suit["numerator"], suit["denominator"]) == (2, 6)
    disputes = indicator(db, rid, "disputes_per_request")  # the suit after review is not a second dispute
    assert (disputes["numerator"], disputes["denominator"], disputes["value"]) == (16, 50, 16 / 50)


def test_table_2_values_per_template_and_fees_in_wan_yuan(db: Database) -> None:
    new = store(db, make_report("北京市东城区人民政府", 2021, active=[
        ("行政规范性文件", "现行有效件数", 8), ("行政许可", "本年处理决定数量", 9487),
        ("行政处罚", "本年处理决定数量", 2776), ("行政强制", "本年处理决定数量", None),
        ("行政事业性收费", "本年收费金额", 764.8)]))
    old = store(db, make_report("北京市东城区人民政府", 2020, fmt="2019", active=[
        ("规范性文件", "对外公开总数量", 167), ("行政许可", "处理决定数量", 43318)]))
    refresh_research_layer(db)
    assert indicator(db, new, "normative_in_force")["value"] == 8
    assert indicator(db, new, "licences")["numerator"] == 9487
    assert indicator(db, new, "enforcement")["null_reason"] == "blank"
    fees = indicator(db, new, "fees")
    assert (fees["amount"], fees["numerator"], fees["value"]) == (764.8, None, 764.8)
    assert indicator(db, old, "normative_in_force")["value"] == 167
    assert indicator(db, old, "licences")["value"] == 43318
    assert indicator(db, old, "penalties")["null_reason"] == "not_printed"
    assert indicator(db, old, "fees")["null_reason"] == "not_printed"  # format 2019 prints no amount


def test_format_2019_other_handling_is_its_one_row(db: Database) -> None:
    rid = store(db, make_report("北京市石景山区人民政府", 2020, fmt="2019", totals={"3.6": 4, "3.7": 8}))
    refresh_research_layer(db)
    assert indicator(db, rid, "rate_other_handling")["value"] == 0.5


def test_requests_change_pairs_the_same_agency_under_another_name(db: Database) -> None:
    before = store(db, make_report("北京市东城区人民政府", 2020, totals={"1": 40}))
    after = store(db, make_report("东城区政府", 2021, totals={"1": 30}))
    lonely = store(db, make_report("北京市西城区人民政府", 2021, totals={"1": 30}))
    refresh_research_layer(db)
    change = indicator(db, after, "requests_change")
    assert (change["numerator"], change["denominator"], change["value"], change["previous_report_id"]) == \
        (-10, 40, -0.25, before)
    assert indicator(db, lonely, "requests_change")["null_reason"] == "no_previous_year"


def test_a_report_posted_on_two_portals_counts_once(db: Database) -> None:
    report = make_report("北京市东城区人民政府", 2021, totals={"1": 7, "3.1": 7, "3.7": 7})
    first = store(db, report, url="http://a.example/r.html", data=b"same bytes")
    copy = store(db, report, url="http://b.example/r.html", data=b"same bytes")
    derive_publication(db)
    assert db.execute("select duplicate_of from reports where id = ?", [copy]).fetchone()[0] == first
    assert db.execute("select count(*) from indicators where report_id = ?", [copy]).fetchone()[0] == 0
    rollup = db.execute("select numerator, reports from indicator_rollups where level = 'province' "
                        "and indicator = 'requests_new' and agency_type = '全部'").fetchone()
    assert rollup == (7, 1)


def test_a_report_without_tables_gets_no_rows_and_one_without_table_4_no_table_4_rows(db: Database) -> None:
    legacy = store(db, make_report("北京市东城区人民政府", 2015, fmt="legacy", table3=False))
    only3 = store(db, make_report("北京市东城区人民政府", 2021, totals={"1": 1}))
    refresh_research_layer(db)
    assert db.execute("select count(*) from indicators where report_id = ?", [legacy]).fetchone()[0] == 0
    codes = {r[0] for r in db.execute("select indicator from indicators where report_id = ?", [only3])}
    assert "rate_disclosed" in codes and not codes & {"reviews", "review_correction_rate", "fees"}
