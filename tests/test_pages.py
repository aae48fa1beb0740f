"""Report and agency pages: the three tables laid out as printed, checks with both sides, the
original as a safe download — the layouts on a real archive (archive/pages.py), the pages and
headers from a real `nianbao serve` (datasette/plugins/nianbao_pages.py)."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from archive import pages
from extract.templates import template


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import EXAMPLES
    from test_serve import build_archive

    return build_archive(tmp_path_factory.mktemp("pages"), EXAMPLES)


@pytest.fixture(scope="module")
def con(archive_path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(archive_path)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def server(archive_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from test_serve import start_server

    yield from start_server(archive_path, tmp_path_factory.mktemp("pages-serve"))


def report_ids(con: sqlite3.Connection) -> list[int]:
    return [r[0] for r in con.execute("select id from reports where duplicate_of is null order by id")]


def grid_cells(grid: pages.Grid) -> dict[tuple[str, str], object]:
    """The grid's cells the report has, by (row code, column code); a heading without cells has none."""
    return {(row["code"], code): cell.value for row in grid.rows if row["cells"]
            for (code, _), cell in zip(grid.columns, row["cells"], strict=True) if cell.present}


def test_table_3_holds_every_cell_of_the_report_once_in_template_order(con: sqlite3.Connection) -> None:
    for report_id in report_ids(con):
        fmt = con.execute("select format from reports where id = ?", [report_id]).fetchone()[0]
        grid = pages.requests_grid(con, report_id, fmt)
        stored = {(r, c): pages.number(v) for r, c, v in
                  con.execute('select "row", "column", value from requests where report_id = ?', [report_id])}
        assert grid_cells(grid) == stored, report_id
        codes = [row["code"] for row in grid.rows]
        assert len(codes) == len(set(codes)), codes
        printed = [c for c in template(fmt or "2021").row_codes if c in codes]
        assert printed == sorted(printed, key=codes.index)
        assert [c for c, _ in grid.columns][0] == "natural" and grid.columns[-1][0] == "total"


def test_a_blank_cell_is_empty_not_zero(con: sqlite3.Connection) -> None:
    row = con.execute("select r.id, r.format, q.row, q.column, q.raw from requests q join reports r on r.id = q.report_id "
                      "where q.value is null limit 1").fetchone()
    assert row is not None, "the examples have a blank table-3 cell"
    report_id, fmt, code, column, raw = row
    grid = pages.requests_grid(con, report_id, fmt)
    line = next(r for r in grid.rows if r["code"] == code)
    cell = line["cells"][[c for c, _ in grid.columns].index(column)]
    assert cell.present and cell.value is None and cell.raw == raw


def test_table_4_is_groups_by_outcomes(con: sqlite3.Connection) -> None:
    for report_id in report_ids(con):
        grid = pages.reviews_grid(con, report_id)
        stored = {(g, o): pages.number(v) for g, o, v in
                  con.execute('select "group", outcome, value from reviews where report_id = ?', [report_id])}
        assert grid_cells(grid) == stored
        assert [r["code"] for r in grid.rows][:3] == ["review", "suit_direct", "suit_after_review"]


def test_table_2_is_items_by_metrics_per_section(con: sqlite3.Connection) -> None:
    for report_id in report_ids(con):
        fmt = con.execute("select format from reports where id = ?", [report_id]).fetchone()[0]
        shown = {}
        for section in pages.active_sections(con, report_id, fmt):
            for row in section["rows"]:
                for (metric, _unit), cell in zip(section["metrics"], row["cells"], strict=True):
                    if cell.present:
                        key = (section["article"], row["item"], row["parent"], metric)
                        assert key not in shown
                        shown[key] = cell.value
        stored = {(s, i, p, m): pages.number(v) for s, i, p, m, v in con.execute(
            "select section, item, parent, metric, value from active_disclosure where report_id = ?", [report_id])}
        assert shown == stored, report_id


def test_report_page_has_checks_with_both_sides_problems_and_versions(con: sqlite3.Connection) -> None:
    report_id = con.execute("select report_id from checks where status = 'fail' limit 1").fetchone()[0]
    page = pages.report_page(con, report_id)
    assert page is not None
    failing = [c for c in page["checks"] if c["status"] == "fail"]
    assert failing and all(c["lhs"] != c["rhs"] for c in failing if c["rule"] != "non_negative")
    assert len(page["checks"]) == con.execute("select count(*) from checks where report_id = ?", [report_id]).fetchone()[0]
    assert [v["version"] for v in page["versions"]] == [r[0] for r in con.execute(
        "select version from report_versions where report_id = ? order by version desc", [report_id])]
    assert pages.report_page(con, 10**9) is None


def test_the_original_is_the_archived_bytes(con: sqlite3.Connection) -> None:
    for report_id, sha in con.execute("select r.id, c.sha256 from reports r join captures c on c.id = r.capture_id"):
        found = pages.original(con, report_id)
        assert found is not None and hashlib.sha256(found.data).hexdigest() == sha
        assert re.fullmatch(rf"report-{report_id}\.[a-z]+", found.filename)


def test_agency_page_lists_its_reports_by_year_with_coverage(con: sqlite3.Connection) -> None:
    agency_id = con.execute("select agency_id from reports where agency_id is not null group by agency_id "
                            "order by count(*) desc limit 1").fetchone()[0]
    page = pages.agency_page(con, agency_id)
    assert page is not None
    expected = [r[0] for r in con.execute("select id from reports where agency_id = ? and duplicate_of is null "
                                          "order by year desc, id", [agency_id])]
    assert [r["id"] for r in page["reports"]] == expected
    years = page["coverage"]["years"]
    assert page["coverage"]["missing_years"] == [y for y in range(min(years), max(years) + 1) if y not in years]
    assert {i["code"] for i in page["indicators"]} == {r[0] for r in con.execute(
        "select distinct indicator from indicators where agency_id = ?", [agency_id])}
    assert pages.agency_page(con, "no/such agency") is None


def test_served_report_page_shows_the_three_tables_and_integers(server: str, con: sqlite3.Connection) -> None:
    report_id = report_ids(con)[0]
    response = httpx.get(f"{server}/-/report/{report_id}", timeout=30)
    assert response.status_code == 200
    html = response.text
    for table in ("nb-table2", "nb-table3", "nb-table4"):
        assert f'class="nb-grid {table}"' in html
    assert not re.search(r">\s*-?\d+\.0\s*<", html), "a count shown as a float"
    assert f'href="/-/report/{report_id}/original"' in html
    assert httpx.get(f"{server}/-/report/999999999", timeout=30).status_code == 404


def test_the_original_is_served_as_a_download_never_as_a_page(server: str, con: sqlite3.Connection) -> None:
    report_id, sha = con.execute("select r.id, c.sha256 from reports r join captures c on c.id = r.capture_id "
                                 "where r.kind = 'html' limit 1").fetchone()
    response = httpx.get(f"{server}/-/report/{report_id}/original", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == f'attachment; filename="report-{report_id}.html"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    assert hashlib.sha256(response.content).hexdigest() == sha
    assert httpx.get(f"{server}/-/report/999999999/original", timeout=30).status_code == 404


def test_served_agency_page_and_links_to_it(server: str, con: sqlite3.Connection) -> None:
    agency_id, name = con.execute("select id, name from agencies order by reports desc limit 1").fetchone()
    response = httpx.get(f"{server}/-/agency/{quote(agency_id, safe='')}", timeout=30)
    assert response.status_code == 200 and name in response.text
    assert httpx.get(f"{server}/-/agency/{quote('no/such', safe='')}", timeout=30).status_code == 404
    table = httpx.get(f"{server}/nianbao/reports", timeout=30).text
    assert 'href="/-/report/' in table
    agencies = httpx.get(f"{server}/nianbao/agencies", timeout=30).text
    assert f'href="/-/agency/{quote(agency_id, safe="")}">{name}</a>' in agencies
