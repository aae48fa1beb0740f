"""The research layer follows the writes: a refresh recomputes the reports written since the last
one and the reports that pair with them, gives the same rows as a full rebuild, and the rollups —
built once per publication — say when they are stale and are rebuilt by every snapshot."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from research_reports import make_report, store
from sqlite_utils import Database

from archive.research import (
    derive_publication,
    publication_stale,
    rebuild_research_layer,
    refresh_research_layer,
)
from archive.schema import open_db
from archive.serve import snapshot

DERIVED = {"agencies": "id", "indicators": "report_id, indicator",
           "checks": "report_id, rule, scope, against_report_id"}


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_db(tmp_path / "nianbao.db")


def derived_rows(db: Database) -> dict[str, list[tuple]]:
    return {t: [tuple(r) for r in db.execute(f"select * from {t} order by {order}")] for t, order in DERIVED.items()}


def test_a_refresh_recomputes_the_written_reports_and_their_next_year_partner_only(db: Database) -> None:
    for year in (2020, 2021, 2022):
        store(db, make_report("北京市东城区民政局", year, totals={"1": 10, "3.1": 5, "3.7": 10}))
    store(db, make_report("北京市西城区民政局", 2021, totals={"1": 3}))
    assert refresh_research_layer(db).reports == 4
    assert refresh_research_layer(db).reports == 0  # nothing written since: nothing recomputed
    # a new 2021 version of 东城区民政局's report: itself and its 2022 partner, not 2020 nor 西城区
    store(db, make_report("北京市东城区民政局", 2021, totals={"1": 20, "3.1": 5, "3.7": 10}),
          url="http://portal.example/dongcheng-2021-revised.html")
    counts = refresh_research_layer(db)
    assert counts.reports == 2
    change = db.execute("select numerator, denominator from indicators i join reports r on r.id = i.report_id "
                        "where r.year = 2022 and r.agency like '%东城%' and indicator = 'requests_change'").fetchone()
    assert change == (-10, 20)  # 2022's change is against the 2021 report written last


def test_incremental_refreshes_give_exactly_the_rows_of_a_full_rebuild(db: Database) -> None:
    stored = []
    for i, year in enumerate((2021, 2019, 2022, 2020)):  # out of order: each year's partner arrives later
        stored.append(store(db, make_report("北京市东城区民政局", year, fmt="2021" if year > 2020 else "2019",
                                            totals={"1": 10 + i, "2": 1, "4": 2, "3.1": i, "3.7": 10})))
        store(db, make_report("北京市东城区教育委员会", year, totals={"1": i}))
        refresh_research_layer(db)
    db.execute("update reports set agency = '北京市东城区财政局' where id = ?", [stored[0]])  # a report that moved
    refresh_research_layer(db)
    incremental = derived_rows(db)
    rebuild_research_layer(db)
    assert derived_rows(db) == incremental
    assert incremental["checks"] and incremental["indicators"]


def test_rollups_are_stale_after_a_write_until_derived(db: Database) -> None:
    store(db, make_report("北京市东城区民政局", 2021, totals={"1": 10, "3.1": 5, "3.7": 10}))
    refresh_research_layer(db)
    assert publication_stale(db)
    assert db.execute("select count(*) from indicator_rollups").fetchone()[0] == 0
    derive_publication(db)
    assert not publication_stale(db)
    state = next(db.query("select * from research_state where part = 'rollups'"))
    assert (state["stale"], state["reports"]) == (0, 1)
    store(db, make_report("北京市东城区财政局", 2021, totals={"1": 4}))
    assert publication_stale(db)  # written, not yet refreshed: stale already
    refresh_research_layer(db)
    state = next(db.query("select * from research_state where part = 'rollups'"))
    assert state["stale"] == 1 and state["stale_since"]


def test_a_snapshot_publishes_current_rollups_and_leaves_the_working_archive_as_it_was(
        db: Database, tmp_path: Path) -> None:
    store(db, make_report("北京市东城区民政局", 2021, totals={"1": 10, "3.1": 5, "3.7": 10}))
    refresh_research_layer(db)
    store(db, make_report("北京市东城区财政局", 2021, totals={"1": 4, "3.1": 1, "3.7": 2}))  # not yet refreshed
    db.close()
    snap = snapshot(tmp_path / "nianbao.db", tmp_path / "publish")
    con = sqlite3.connect(snap)
    pooled = con.execute("select numerator, denominator, reports from indicator_rollups where level = 'province' "
                         "and indicator = 'rate_disclosed' and agency_type = '全部'").fetchone()
    assert pooled == (6, 12, 2)
    assert con.execute("select stale from research_state where part = 'rollups'").fetchone() == (0,)
    assert con.execute("select count(*) from research_dirty").fetchone() == (0,)
    working = sqlite3.connect(tmp_path / "nianbao.db")
    assert working.execute("select count(*) from indicator_rollups").fetchone() == (0,)
    assert working.execute("select stale from research_state where part = 'rollups'").fetchone() == (1,)


def test_reextract_rebuilds_every_derived_table_rollups_included(db: Database) -> None:
    from archive.reextract import reextract

    rid = store(db, make_report("北京市东城区民政局", 2021, totals={"1": 10, "3.1": 5, "3.7": 10}))
    refresh_research_layer(db)
    db.execute("delete from indicators")  # derived rows gone astray: reextract must not depend on them
    db.execute("delete from report_quality")
    reextract(db)
    assert not publication_stale(db)
    assert db.execute("select count(*) from indicators where report_id = ?", [rid]).fetchone()[0] > 0
    assert db.execute("select count(*) from report_quality where report_id = ?", [rid]).fetchone() == (1,)
    assert db.execute("select count(*) from indicator_rollups where indicator = 'rate_disclosed'").fetchone()[0] > 0


def test_nianbao_derive_builds_the_rollups_and_fails_when_there_is_nothing_to_roll_up(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from nianbao.cli import main

    path = tmp_path / "derive.db"
    open_db(path).close()
    empty = CliRunner().invoke(main, ["derive", "--db", str(path)])
    assert empty.exit_code == 1 and "no indicators" in empty.output
    db = open_db(path)
    store(db, make_report("北京市东城区民政局", 2021, totals={"1": 10, "3.1": 5, "3.7": 10}))
    db.close()
    done = CliRunner().invoke(main, ["derive", "--db", str(path)])
    assert done.exit_code == 0, done.output
    assert "indicator_rollups=" in done.output
    db = open_db(path)
    assert not publication_stale(db)
    assert db.execute("select count(*) from indicators").fetchone()[0] > 0  # the written report was refreshed first
