"""The archive's promises on real SQLite files: idempotent ingest, versions kept, failures never
remove good rows, re-posts linked not counted, re-extraction offline (releases: tests/test_releases.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from archive.captures import Fetch, read_capture
from archive.ingest import ingest_paths
from archive.reextract import reextract
from archive.research import refresh_research_layer
from archive.schema import SCHEMA_VERSION, open_db, schema_version
from archive.write import Hints, ingest_bytes
from extract.files import report_files
from nianbao.synthetic import balanced, render_series_text

DATA_TABLES = ["portals", "captures", "capture_blobs", "reports", "report_versions", "active_disclosure",
               "requests", "reviews", "checks", "problems", "report_figures", "crawl_runs"]


@pytest.fixture
def db_path(tmp_path: Path):
    path = tmp_path / "nianbao.db"
    yield path
    if path.exists():  # every test leaves a sound file behind
        check = Database(path)
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert check.execute("PRAGMA foreign_key_check").fetchall() == []
        check.close()


def dump(db: Database) -> dict[str, list[tuple]]:
    return {t: db.execute(f'select * from "{t}" order by rowid').fetchall() for t in DATA_TABLES}


def write(path: Path, agency: str, year: int, seed: int = 0) -> Path:
    path.write_bytes(render_series_text(balanced(agency, year, seed)))
    return path


def test_schema_is_created_with_a_version(db_path: Path) -> None:
    db = open_db(db_path)
    assert schema_version(db) == SCHEMA_VERSION >= 1
    for table in ["portals", "captures", "reports", "active_disclosure", "requests", "reviews", "checks",
                  "problems", "crawl_runs"]:
        assert table in db.table_names()
    assert "report_summary" in db.view_names()
    # the long-form tables carry exactly the parse-output columns plus the report key
    assert list(db["requests"].columns_dict) == ["report_id", "row", "row_label", "column", "value", "raw"]
    assert list(db["reviews"].columns_dict) == ["report_id", "group", "outcome", "value", "raw"]
    assert list(db["problems"].columns_dict) == ["report_id", "kind", "where", "detail"]
    assert {fk.other_table for fk in db["requests"].foreign_keys} == {"reports"}
    open_db(db_path)  # opening again applies nothing twice
    assert schema_version(Database(db_path)) == SCHEMA_VERSION


def test_the_crawlers_url_lookup_uses_indexes_only(db_path: Path) -> None:
    """crawler/state.py asks the archive about every URL a crawl meets; a lookup that scans a table
    makes a crawl quadratic in the archive (bench/scale.py found `reports` scanned per URL)."""
    from crawler.state import _LATEST, _ONE

    db = open_db(db_path)
    plan = db.execute(f"explain query plan {_LATEST.format(latest=_ONE)}", ["http://x/"]).fetchall()
    steps = [row[-1] for row in plan]
    assert any("idx_reports_capture_id" in s for s in steps), steps
    assert not any(s.startswith("SCAN") for s in steps), steps

def test_ingesting_twice_is_a_no_op(db_path: Path, examples_dir: Path) -> None:
    db = open_db(db_path)
    first = ingest_paths(db, [examples_dir])
    assert first.count("new") == 4 and first.count("error") == 0
    before = dump(db)
    second = ingest_paths(db, [examples_dir])
    assert second.count("unchanged") == 4
    assert dump(db) == before
    report = next(db.query("select * from reports where url like '%tongzhou-2020.txt'"))
    assert (report["agency"], report["year"], report["province"], report["district"], report["adcode"]) == (
        "北京市通州区人民政府办公室", 2020, "北京市", "通州区", "110112")
    assert read_capture(db, report["capture_id"]) == (examples_dir / "tongzhou-2020.txt").read_bytes()


def test_cells_and_checks_are_stored_as_parsed(db_path: Path, examples_dir: Path) -> None:
    db = open_db(db_path)
    ingest_paths(db, [examples_dir / "dongcheng-2020.txt"])
    rid = db.execute("select id from reports").fetchone()[0]
    cells = dict(db.execute("select row || '/' || \"column\", value from requests where report_id = ?", [rid]))
    assert cells["3.7/natural"] == 774 and cells["4/natural"] == 89
    balance = db.execute("select lhs, rhs, status from checks where report_id = ? and rule = 'balance' "
                         "and scope = 'natural'", [rid]).fetchone()
    assert balance == (866, 863, "fail")
    summary = next(db.query("select * from report_summary where id = ?", [rid]))
    assert summary["check_status"] == "fail" and summary["requests_received"] is not None


def test_a_changed_report_keeps_its_earlier_version(db_path: Path, tmp_path: Path) -> None:
    db = open_db(db_path)
    src = write(tmp_path / "report.txt", "北京市海淀区人民政府", 2020, seed=1)
    ingest_paths(db, [src])
    old_received = db.execute("select requests_received from report_summary").fetchone()[0]
    write(src, "北京市海淀区人民政府", 2020, seed=2)
    summary = ingest_paths(db, [src])
    assert summary.count("changed") == 1
    assert db["reports"].count == 1
    versions = db.execute("select version, status, superseded is not null from report_versions order by version")
    assert versions.fetchall() == [(1, "ok", 1), (2, "ok", 0)]
    assert db.execute("select count(*) from captures").fetchone()[0] == 2
    # the earlier version's cells stay queryable (JSON of parse-output.md)
    earlier = db.execute(
        "select sum(json_extract(j.value, '$.value')) from report_versions v, json_each(v.superseded, '$.requests') j "
        "where v.version = 1 and json_extract(j.value, '$.row') = '1' "
        "and json_extract(j.value, '$.column') = 'total'").fetchone()[0]
    assert earlier == old_received
    assert db.execute("select version from reports").fetchone()[0] == 2


def test_a_failing_extraction_keeps_the_old_rows(db_path: Path, tmp_path: Path) -> None:
    db = open_db(db_path)
    src = write(tmp_path / "report.txt", "北京市海淀区人民政府", 2020)
    ingest_paths(db, [src])
    before = db.execute("select * from requests order by rowid").fetchall()
    assert len(before) == 161
    src.write_bytes(b"")  # the portal now serves an empty file: unreadable
    summary = ingest_paths(db, [src])
    assert summary.count("error") == 1
    assert db.execute("select * from requests order by rowid").fetchall() == before
    assert db.execute("select extraction_status, version from reports").fetchone() == ("ok", 1)
    assert db.execute("select status from captures order by id").fetchall() == [("parsed",), ("extract_error",)]
    assert db.execute("select status from report_versions order by version").fetchall() == [("ok",), ("error",)]
    # re-extraction from the stored (unreadable) latest capture keeps them too
    result = reextract(db)
    assert result.count("error") == 1
    assert db.execute("select * from requests order by rowid").fetchall() == before


def test_an_unreadable_file_is_recorded_not_fatal(db_path: Path, tmp_path: Path) -> None:
    db = open_db(db_path)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 truncated")
    write(tmp_path / "good.txt", "北京市海淀区人民政府", 2020)
    summary = ingest_paths(db, [tmp_path], Hints(agency="某某区人民政府"))
    assert summary.count("error") == 1 and summary.count("new") == 1
    row = next(db.query("select * from reports where url like '%broken.pdf'"))
    assert row["extraction_status"] == "error" and row["extraction_error"]
    # and its region is unknown (某某区 names no division, no portal), which is said too, never a silent NULL
    assert db.execute("select kind from problems where report_id = ? order by kind", [row["id"]]).fetchall() == [
        ("region_unknown",), ("unreadable",)]


def test_a_reposted_report_is_linked_not_counted_twice(db_path: Path, tmp_path: Path) -> None:
    db = open_db(db_path)
    data = render_series_text(balanced("北京市海淀区人民政府", 2020))
    for portal in ("a", "b"):
        (tmp_path / portal).mkdir()
        (tmp_path / portal / "report.txt").write_bytes(data)
    # the same values in another layout (an extra line of narrative) count as the same report too
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "report.txt").write_bytes(data.replace("无。".encode(), "无其他事项。".encode()))
    summary = ingest_paths(db, [tmp_path / "a", tmp_path / "b", tmp_path / "c"])
    assert summary.count("new") == 1 and summary.count("duplicate") == 2
    assert db.execute("select count(*) from report_summary").fetchone()[0] == 1
    assert db.execute("select count(distinct report_id) from requests").fetchone()[0] == 1
    dup = db.execute("select duplicate_of from reports where duplicate_of is not null").fetchall()
    assert dup == [(1,), (1,)]


def test_reextract_rebuilds_the_same_rows_offline(db_path: Path, examples_dir: Path) -> None:
    db = open_db(db_path)
    ingest_paths(db, [examples_dir])
    before = {t: db.execute(f'select * from "{t}" order by rowid').fetchall()
              for t in ("active_disclosure", "requests", "reviews", "checks", "problems", "report_figures")}
    db.execute("delete from requests")  # a derived table lost: the captures rebuild it
    result = reextract(db)
    assert result.count("reextracted") == 4
    after = {t: db.execute(f'select * from "{t}" order by report_id, rowid').fetchall() for t in before}
    assert {t: sorted(v) for t, v in after.items()} == {t: sorted(v) for t, v in before.items()}


def test_reextract_never_trades_rows_for_fewer(db_path: Path, examples_dir: Path) -> None:
    """A re-extraction that reads fewer cells than a report holds (a reader regression, a host
    without the font a PDF needs) keeps the stored rows and says so; the others are rebuilt."""
    db = open_db(db_path)
    ingest_paths(db, [examples_dir])
    rid = db.execute("select id from reports order by id limit 1").fetchone()[0]
    row = dict(next(db.query("select * from requests where report_id = ? limit 1", [rid])))
    row.pop("rowid", None)
    db["requests"].insert({**row, "row": "9.9", "raw": "7", "value": 7})  # rows a better reader had read
    stored = db.execute("select count(*) from requests where report_id = ?", [rid]).fetchone()[0]
    result = reextract(db)
    kept = [o for o in result.outcomes if o.status == "kept"]
    assert [o.report_id for o in kept] == [rid] and "fewer than the" in kept[0].detail
    assert result.count("reextracted") == len(result.outcomes) - 1
    assert db.execute("select count(*) from requests where report_id = ?", [rid]).fetchone()[0] == stored


# Columns that say when, not what: they differ between two archives built from the same bytes.
WHEN = {"captures": {"fetched_at"}, "reports": {"first_seen", "last_seen"}, "report_versions": {"seen_at"}}


def content(db: Database) -> dict[str, list[tuple]]:
    """Everything an archive says about its reports (not the crawl bookkeeping, not timestamps)."""
    out = {}
    for table in DATA_TABLES:
        if table in ("portals", "crawl_runs"):
            continue
        cols = ", ".join(f'"{c}"' for c in db[table].columns_dict if c not in WHEN.get(table, ()))
        out[table] = db.execute(f'select {cols} from "{table}" order by rowid').fetchall()
    return out


def test_a_capture_stored_unread_is_read_later_exactly_as_at_ingest(tmp_path: Path, examples_dir: Path) -> None:
    """NIANBAO_EXTRACT=False: bytes stored, reports pending; `reextract --pending` then gives the
    archive an ingest with extraction would have given — readable, unreadable and re-posted alike."""
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 truncated")
    data = render_series_text(balanced("北京市海淀区人民政府", 2020))
    for portal in ("a", "b"):
        (tmp_path / portal).mkdir()
        (tmp_path / portal / "report.txt").write_bytes(data)
    files = report_files([examples_dir, tmp_path / "broken.pdf", tmp_path / "a", tmp_path / "b"])
    direct = open_db(tmp_path / "direct.db")
    ingest_paths(direct, files)
    later = open_db(tmp_path / "later.db")
    for path in files:
        outcome = ingest_bytes(later, path.read_bytes(), Fetch(url=path.resolve().as_uri()), name=path.name,
                               pending=True)
        assert outcome.status == "new"
    n = len(files)
    assert later.execute("select extraction_status, count(*) from reports group by 1").fetchall() == [("pending", n)]
    assert later.execute("select status, count(*) from captures group by 1").fetchall() == [("pending", n)]
    assert later.execute("select status, count(*) from report_versions group by 1").fetchall() == [("pending", n)]
    for table in ("requests", "reviews", "report_figures"):
        assert later[table].count == 0, table
    # unread, a report is only placed, from what the caller knew (nothing here), and says so
    assert later.execute("select kind, count(*) from problems group by 1").fetchall() == [("region_unknown", n)]
    summary = reextract(later, pending_only=True)
    assert (summary.count("reextracted"), summary.count("duplicate"), summary.count("error")) == (n - 2, 1, 1)
    assert content(later) == content(direct)
    assert reextract(later, pending_only=True).outcomes == []  # nothing left pending


def test_a_new_version_stored_unread_keeps_the_old_rows_until_read(db_path: Path, tmp_path: Path) -> None:
    src = write(tmp_path / "report.txt", "北京市海淀区人民政府", 2020, seed=1)
    v1, v2 = src.read_bytes(), write(src, "北京市海淀区人民政府", 2020, seed=2).read_bytes()
    url = src.resolve().as_uri()
    direct = open_db(tmp_path / "direct.db")
    for data in (v1, v2, v2):  # the third: the same bytes fetched again, recorded `unchanged`
        ingest_bytes(direct, data, Fetch(url=url, fetched_at="2026-01-01T00:00:00+00:00"))
    refresh_research_layer(direct)  # what reextract does after its writes (and a crawl run at its end)
    db = open_db(db_path)
    ingest_bytes(db, v1, Fetch(url=url, fetched_at="2026-01-01T00:00:00+00:00"))
    before = db.execute("select * from requests order by rowid").fetchall()
    assert ingest_bytes(db, v2, Fetch(url=url, fetched_at="2026-01-01T00:00:00+00:00"), pending=True).status == "changed"
    ingest_bytes(db, v2, Fetch(url=url, fetched_at="2026-01-01T00:00:00+00:00"), pending=True)
    # the rows shown are still version 1's, and say so; version 2 waits
    assert db.execute("select * from requests order by rowid").fetchall() == before
    assert db.execute("select extraction_status, version from reports").fetchone() == ("ok", 1)
    assert db.execute("select version, status from report_versions order by version").fetchall() == [
        (1, "ok"), (2, "pending")]
    assert db.execute("select status from captures order by id").fetchall() == [("parsed",), ("pending",), ("unchanged",)]
    assert reextract(db, pending_only=True).count("reextracted") == 1
    assert content(db) == content(direct)
    assert db.execute("select extraction_status, version from reports").fetchone() == ("ok", 2)


def test_the_benchmark_fast_path_equals_the_parse() -> None:
    """bench/archive.py builds Reports without parsing; they must be what the extractor reads."""
    from extract import parse_bytes
    from nianbao.synthetic import to_report

    for year in (2020, 2022):
        rep = balanced("北京市海淀区人民政府", year, seed=9)
        parsed, built = parse_bytes(render_series_text(rep), "x", name="x.txt"), to_report(rep, "x")
        assert parsed.to_dict() == built.to_dict()


def test_a_crawl_registers_its_portal_run_and_fetches(db_path: Path) -> None:
    from archive.captures import Fetch
    from archive.portals import ensure_portal, finish_crawl_run, start_crawl_run
    from archive.write import ingest_bytes

    db = open_db(db_path)
    portal = ensure_portal(db, "北京市海淀区人民政府门户网站", base_url="https://www.bjhd.gov.cn/", platform="TRS")
    assert ensure_portal(db, "北京市海淀区人民政府门户网站") == portal
    assert db.execute("select district, adcode from portals").fetchone() == ("海淀区", "110108")
    run = start_crawl_run(db)
    data = render_series_text(balanced("北京市海淀区人民政府", 2020))
    fetch = Fetch(url="https://www.bjhd.gov.cn/nb/2020.html", fetched_at="2026-11-01T01:00:00+00:00",
                  http_status=200, content_type="text/plain; charset=utf-8", portal_id=portal, crawl_run_id=run)
    assert ingest_bytes(db, data, fetch).status == "new"
    fetch.fetched_at = "2026-11-02T01:00:00+00:00"
    assert ingest_bytes(db, data, fetch).status == "unchanged"  # every fetch kept, the report not touched
    finish_crawl_run(db, run, pages=2, new_reports=1, unchanged_reports=1)
    assert db.execute("select count(*), count(distinct sha256) from captures").fetchone() == (2, 1)
    assert db.execute("select last_seen, version from reports").fetchone() == ("2026-11-02T01:00:00+00:00", 1)
    assert db.execute("select new_reports, finished is not null from crawl_runs").fetchone() == (1, 1)
