"""Types a researcher expects: counts read back as integers, a number printed with a fraction as
printed, a blank as NULL — in new archives and in archives upgraded from REAL columns."""

from __future__ import annotations

from pathlib import Path

from research_reports import make_report, store

from archive.schema import open_db


def test_counts_are_integers_fractions_stay_and_blanks_are_null(tmp_path: Path) -> None:
    db = open_db(tmp_path / "nianbao.db")
    rid = store(db, make_report("北京市东城区民政局", 2021, totals={"1": 26, "3.1": 2.5, "3.7": None},
                                reviews={("review", "total"): 3}))
    cells = dict(db.execute("select row, value from requests where report_id = ? and \"column\" = 'total' "
                            "and row in ('1', '3.1', '3.7')", [rid]).fetchall())
    assert (cells["1"], type(cells["1"])) == (26, int)
    assert cells["3.1"] == 2.5 and cells["3.7"] is None
    assert db.execute("select typeof(value) from reviews where report_id = ? and \"group\" = 'review' "
                      "and outcome = 'total'", [rid]).fetchone() == ("integer",)
    assert {t for (t,) in db.execute("select typeof(requests_received) from report_figures")} == {"integer"}


def test_an_archive_with_real_count_columns_is_upgraded_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = open_db(path)
    rid = store(db, make_report("北京市东城区民政局", 2021, totals={"1": 26, "3.7": None}))
    db["requests"].transform(types={"value": float})  # the schema before 0010
    db.execute("delete from _sqlite_migrations where name = '0010_integer_counts'")
    db.conn.commit()
    assert db.execute("select typeof(value) from requests where report_id = ? and row = '1' "
                      "and \"column\" = 'total'", [rid]).fetchone() == ("real",)
    db.close()
    db = open_db(path)
    assert db["requests"].columns_dict["value"] is int
    assert db.execute("select typeof(value) from requests where report_id = ? and row = '1' "
                      "and \"column\" = 'total'", [rid]).fetchone() == ("integer",)
    assert db.execute("select value from requests where report_id = ? and row = '3.7' "
                      "and \"column\" = 'total'", [rid]).fetchone() == (None,)


def test_table2_counts_and_amounts_have_columns_of_their_own(tmp_path: Path) -> None:
    """`value` keeps what the parse gives; `count` (INTEGER) and `amount` (REAL, 万元) split it by
    unit, a blank is NULL in both, and an archive without the columns gets them when opened."""
    path = tmp_path / "nianbao.db"
    db = open_db(path)
    rid = store(db, make_report("北京市东城区民政局", 2021, active=[
        ("政府集中采购", "采购项目数量", 12), ("政府集中采购", "采购总金额", 3456.78),
        ("规章", "本年新制作数量", 2.5), ("规章", "现行有效件数", None)]))

    def rows() -> dict[str, tuple]:
        return {metric: (value, count, amount, typeof) for metric, value, count, amount, typeof in db.execute(
            "select metric, value, count, amount, typeof(count) from active_disclosure where report_id = ?", [rid])}

    got = rows()
    assert got["采购项目数量"] == (12, 12, None, "integer")
    assert got["采购总金额"] == (3456.78, None, 3456.78, "null")
    assert got["本年新制作数量"] == (2.5, 2.5, None, "real")  # a misprinted fraction stays as printed
    assert got["现行有效件数"] == (None, None, None, "null")
    for column in ("count", "amount"):
        db.execute(f'alter table active_disclosure drop column "{column}"')
    db.execute("delete from _sqlite_migrations where name = '0012_table2_count_amount'")
    db.conn.commit()
    db.close()
    db = open_db(path)
    assert rows() == got
