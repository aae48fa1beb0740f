"""Checks across reports: carry_over between two years of the same agency."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from archive.ingest import ingest_paths
from archive.schema import open_db
from nianbao.synthetic import balanced, render_series_text


def _sound(path: Path) -> None:
    db = Database(path)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_carry_over_is_found_across_two_years(tmp_path: Path) -> None:
    agency = "北京市海淀区人民政府"
    y2020 = balanced(agency, 2020, seed=3)
    good = balanced(agency, 2021, seed=4, carried_over=y2020.requests["4"])
    (tmp_path / "2020.txt").write_bytes(render_series_text(y2020))
    (tmp_path / "2021.txt").write_bytes(render_series_text(good))
    db = open_db(tmp_path / "a.db")
    ingest_paths(db, [tmp_path / "2020.txt", tmp_path / "2021.txt"])
    rows = db.execute("select scope, lhs, rhs, status, against_report_id from checks "
                      "where rule = 'carry_over' order by scope").fetchall()
    assert len(rows) == 7 and {r[3] for r in rows} == {"pass"}
    prev_id = db.execute("select id from reports where year = 2020").fetchone()[0]
    assert {r[4] for r in rows} == {prev_id}
    natural = next(r for r in rows if r[0] == "natural")
    assert natural[1] == natural[2] == y2020.requests["4"][0]
    _sound(tmp_path / "a.db")


def test_carry_over_mismatch_fails_with_both_sides(tmp_path: Path) -> None:
    agency = "江苏省淮安市洪泽区人民政府"
    y2020 = balanced(agency, 2020, seed=5)
    wrong = [v + 2 for v in y2020.requests["4"]]
    (tmp_path / "2020.txt").write_bytes(render_series_text(y2020))
    (tmp_path / "2021.txt").write_bytes(render_series_text(balanced(agency, 2021, seed=6, carried_over=wrong)))
    (tmp_path / "other.txt").write_bytes(render_series_text(balanced("北京市东城区人民政府", 2021, seed=7)))
    db = open_db(tmp_path / "b.db")
    ingest_paths(db, [tmp_path])
    fails = db.execute("select r.agency, r.year, c.scope, c.lhs, c.rhs from checks c join reports r on r.id = c.report_id "
                       "where c.rule = 'carry_over' and c.status = 'fail' and c.scope = 'natural'").fetchall()
    assert fails == [("洪泽区人民政府", 2021, "natural", wrong[0], y2020.requests["4"][0])]
    # the other agency has no previous year: no carry_over rows at all
    assert db.execute("select count(*) from checks c join reports r on r.id = c.report_id "
                      "where c.rule = 'carry_over' and r.agency like '%东城区%'").fetchone()[0] == 0
    summary = db.execute("select check_status, checks_failed from report_summary where year = 2021 "
                         "and agency = '洪泽区人民政府'").fetchone()
    assert summary == ("fail", 7)
    _sound(tmp_path / "b.db")
