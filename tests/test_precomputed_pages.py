"""Table pages at national scale (issue 13 item 7): precomputed facets, view counts, broad searches,
and paging that shows every report once.

One generated archive (tests/test_search.py's, with the shared examples) published by a real
`nianbao serve` with a small broad-search cap ($NIANBAO_BROAD_SEARCH = 30), so that both kinds of
search happen on a small archive:

- facets read from `publication_facet_counts` equal the ones Datasette computes (the same page
  with `_where=1=1`, which no precomputed row answers), unfiltered and with one facet applied, on
  every table and view with default facets; and the pages really read them (a planted count shows);
- `report_summary` is served as a table holding exactly the view's rows;
- a search with more hits than the cap lists every match once across its pages, with neither
  count nor facets, and says so; a narrower one is counted and faceted as before;
- every sort the reports table offers pages through every report exactly once;
- the precomputed canned queries give exactly what their SQL gives.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from archive.precompute import FACET_COUNTS_TABLE, default_facets

CAP = 30
PROBE = 20  # reports a broad search's page probes in its own order before evaluating the whole match


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    from conftest import EXAMPLES
    from test_search import build_archive
    from test_serve import start_server

    root = tmp_path_factory.mktemp("scalepages")
    db_path = build_archive(root, EXAMPLES)
    for base in start_server(db_path, root, env={"NIANBAO_BROAD_SEARCH": str(CAP), "NIANBAO_PROBE_ROWS": str(PROBE)}):
        (snapshot,) = (root / "publish").glob("serve-*/nianbao.db")
        yield base, snapshot, db_path


@pytest.fixture(scope="module")
def con(site: tuple[str, Path, Path]) -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(f"file:{site[1]}?mode=ro", uri=True)
    yield con
    con.close()


def page(base: str, path: str, **params: str) -> dict:
    response = httpx.get(f"{base}/nianbao/{path}", params=params, timeout=60)
    assert response.status_code == 200, (path, params, response.text[:300])
    return response.json()


def facets(data: dict) -> dict[str, tuple]:
    return {name: (f["truncated"], [(r["value"], r["label"], r["count"], r["selected"]) for r in f["results"]])
            for name, f in data["facet_results"].items()}


def metadata() -> dict:
    from archive.serve import METADATA

    return yaml.safe_load(METADATA.read_text(encoding="utf-8"))


def test_precomputed_facets_equal_the_ones_datasette_computes(site: tuple[str, Path, Path], con: sqlite3.Connection) -> None:
    base = site[0]
    compared = 0
    for table, columns in default_facets(metadata()).items():
        if not con.execute("select 1 from sqlite_master where name = ?", [table]).fetchone():
            continue
        filters: list[dict[str, str]] = [{}]
        for column in columns:
            values = [v for (v,) in con.execute(
                f"select filter_value from {FACET_COUNTS_TABLE} where table_name = ? and filter_column = ? "
                "group by filter_value order by count(*) desc limit 2", [table, column])]
            filters += [{column: v} for v in values]
        for applied in filters:
            read = page(base, f"{table}.json", _size="0", **applied)
            live = page(base, f"{table}.json", _size="0", _where="1=1", **applied)
            assert facets(read) == facets(live), (table, applied)
            assert set(read["facet_results"]) == set(columns), (table, applied)
            compared += 1
    assert compared > 60  # reports and report_summary and the research tables, each with its filters


def test_the_pages_read_the_precomputed_counts(site: tuple[str, Path, Path], tmp_path: Path) -> None:
    """A planted count in a copy of the snapshot is what its pages show: the lookup is in use."""
    from test_serve import free_port, wait_until_serving

    from archive.serve import datasette_command, inspect

    planted = tmp_path / "nianbao.db"
    shutil.copy(site[1], planted)
    with sqlite3.connect(planted) as c:
        c.execute(f"update {FACET_COUNTS_TABLE} set count = count + 1000000 where table_name = 'reports' "
                  "and filter_column = '' and column_name = 'year'")
        c.execute(f"update {FACET_COUNTS_TABLE} set count = 424242 where table_name = 'report_summary' "
                  "and filter_column = 'year' and column_name = 'province'")
        (year,) = c.execute("select year from report_summary where province is not null limit 1").fetchone()
    port = free_port()
    proc = subprocess.Popen(datasette_command(planted, inspect(planted), port=port), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, lambda: "datasette exited")
        years = page(base, "reports.json", _size="0")["facet_results"]["year"]["results"]
        assert years and all(r["count"] > 1000000 for r in years)
        provinces = page(base, "report_summary.json", _size="0", year=str(year))["facet_results"]["province"]
        assert provinces["results"] and all(r["count"] == 424242 for r in provinces["results"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_report_summary_is_served_as_a_table_of_the_views_rows(site: tuple[str, Path, Path],
                                                               con: sqlite3.Connection) -> None:
    """In the served snapshot the view is a table (counted by inspect, indexed for its facets and
    sorts) with exactly the view's columns and rows; the working archive keeps the view."""
    working = sqlite3.connect(f"file:{site[2]}?mode=ro", uri=True)
    try:
        assert working.execute("select type from sqlite_master where name = 'report_summary'").fetchone() == ("view",)
        view = working.execute("select * from report_summary order by id").fetchall()
        view_columns = [r[1] for r in working.execute("pragma table_info(report_summary)")]
    finally:
        working.close()
    assert con.execute("select type from sqlite_master where name = 'report_summary'").fetchone() == ("table",)
    assert [r[1] for r in con.execute("pragma table_info(report_summary)")] == view_columns
    assert con.execute("select * from report_summary order by id").fetchall() == view and len(view) > 100
    assert page(site[0], "report_summary.json", _size="0")["filtered_table_rows_count"] == len(view)


def every_page(base: str, path: str, **params: str) -> list[int]:
    ids: list[int] = []
    url: str | None = f"{base}/nianbao/{path}"
    query: dict[str, str] | None = {"_col": "id", "_shape": "objects", **params}
    while url:
        response = httpx.get(url, params=query, timeout=60)
        assert response.status_code == 200, response.text[:300]
        data = response.json()
        ids += [row["id"] for row in data["rows"]]
        url, query = data.get("next_url"), None
    return ids


def test_broad_searches_list_every_match_once_without_count_or_facets(site: tuple[str, Path, Path],
                                                                      con: sqlite3.Connection) -> None:
    from test_search import draw_terms, like_ids

    base = site[0]
    broad = narrow = 0
    for term in draw_terms(con)[:40]:
        expected = like_ids(con, term)
        ids = every_page(base, "reports.json", _search=term, _size="17")
        assert sorted(ids) == sorted(expected) and len(ids) == len(set(ids)), term
        first = page(base, "reports.json", _search=term, _size="17")
        if len(expected) > CAP:
            broad += 1
            assert first["filtered_table_rows_count"] is None and first["facet_results"] == {}, term
            assert "nianbao_low" in first["query"]["sql"], term  # read as a window of the index
        else:
            narrow += 1
            assert first["filtered_table_rows_count"] == len(expected), term
            assert "year" in first["facet_results"], term
    assert broad >= 5 and narrow >= 5, (broad, narrow)


def test_a_broad_search_page_says_what_it_left_out(site: tuple[str, Path, Path], con: sqlite3.Connection) -> None:
    base = site[0]
    html = httpx.get(f"{base}/nianbao/reports", params={"_search": "依申请"}, timeout=60).text
    assert f"此搜索匹配超过 {CAP} 份年报" in html and "neither counts nor facets" in html
    (term,) = con.execute("select agency from reports where agency is not null group by agency "
                          "order by count(*), agency limit 1").fetchone()
    html = httpx.get(f"{base}/nianbao/reports", params={"_search": term}, timeout=60).text
    assert "此搜索匹配超过" not in html


def test_every_offered_sort_pages_through_every_report_once(site: tuple[str, Path, Path], con: sqlite3.Connection) -> None:
    base = site[0]
    every = sorted(i for (i,) in con.execute("select id from reports"))
    sortable = metadata()["databases"]["nianbao"]["tables"]["reports"]["sortable_columns"]
    orders: list[dict[str, str]] = [{}]
    orders += [{key: column} for column in sortable for key in ("_sort", "_sort_desc")]
    for order in orders:
        ids = every_page(base, "reports.json", _size="23", **order)
        assert sorted(ids) == every, (order, len(ids), len(set(ids)))
    summary = metadata()["databases"]["nianbao"]["tables"]["report_summary"]["sortable_columns"]
    for order in [{key: column} for column in summary for key in ("_sort", "_sort_desc")]:
        ids = every_page(base, "report_summary.json", _size="23", **order)
        assert sorted(ids) == every, ("report_summary", order, len(ids), len(set(ids)))


def test_a_sorted_pages_shown_sql_is_the_query_it_ran(site: tuple[str, Path, Path]) -> None:
    """Expected: "View and edit SQL" on a sorted first page carries the key after the sort column
    (the page runs with it, so that its next pages neither repeat nor lose tied rows), and that SQL
    gives the page's rows in the page's order.  It showed Datasette's own `order by year desc`; so
    did the JSON's `query.sql`."""
    import html
    import re
    from urllib.parse import parse_qs, urlsplit

    base = site[0]
    for table, order in (("reports", {"_sort_desc": "checks_failed"}), ("reports", {"_sort": "pub_date"}),
                         ("report_summary", {"_sort_desc": "year"})):
        response = httpx.get(f"{base}/nianbao/{table}", params={**order, "_size": "23"}, timeout=60)
        assert response.status_code == 200, (table, order)
        text = response.text
        (link,) = re.findall(r'href="(/nianbao\?sql=[^"]*)"', text)  # 查看和编辑 SQL · View and edit SQL
        query = {k: v[-1] for k, v in parse_qs(urlsplit(html.unescape(link)).query).items()}
        column = order.get("_sort") or order["_sort_desc"]
        assert re.search(rf"order by {column}( desc)?, id limit 24$", query["sql"]), query["sql"]
        shown = httpx.get(f"{base}/nianbao.json", params={**query, "_shape": "objects"}, timeout=60).json()["rows"]
        listed = page(base, f"{table}.json", **order, _size="23", _shape="objects")
        assert [r["id"] for r in shown][:23] == [r["id"] for r in listed["rows"]], (table, order)
        assert listed["query"]["sql"] == query["sql"], (table, order)  # the JSON says the same
    plain = page(base, "reports.json", _size="23")  # by its key (newest first): no ties, nothing added
    assert plain["query"]["sql"].endswith("from reports order by id desc limit 24"), plain["query"]["sql"]


def test_precomputed_canned_queries_give_what_their_sql_gives(site: tuple[str, Path, Path],
                                                              con: sqlite3.Connection) -> None:
    """Each canned query marked `precomputed` opens (every parameter empty) from its snapshot table,
    with exactly the rows, in the order, that its own SQL gives on the same snapshot; given a
    parameter, it is computed, and gives what the SQL gives with that parameter."""
    from archive.precompute import QUERY_TABLE, precomputed_queries

    queries = precomputed_queries(metadata())
    assert len(queries) >= 10
    nonempty = 0
    for name, (sql, params) in queries.items():
        data = page(site[0], f"{name}.json")
        assert QUERY_TABLE.format(name) in data["query"]["sql"], name
        expected = [list(row) for row in con.execute(sql, dict.fromkeys(params, ""))][:1000]
        assert data["rows"] == expected, name
        nonempty += bool(expected)
    assert nonempty >= 8
    sql, params = queries["reports_failing_rule"]
    chosen = page(site[0], "reports_failing_rule.json", rule="carry_over")["rows"]
    assert chosen == [list(row) for row in con.execute(sql, {"rule": "carry_over"})][:1000] and chosen


def test_a_canned_query_given_a_province_or_a_year_reads_its_precomputed_part(
        site: tuple[str, Path, Path], con: sqlite3.Connection, tmp_path: Path) -> None:
    """Every query with a `province`, a `year` or an `indicator` parameter, given each province,
    year or indicator the snapshot holds alone (and values it does not hold, or writes otherwise:
    `02021`, `abc`, a space), gives what its SQL gives; the served SQL reads the part (a row
    planted in a copy of the snapshot shows), and another parameter runs the query itself."""
    from archive.precompute import PARTS_TABLE, PER_VALUE, QUERY_TABLE, precomputed_queries

    assert set(PER_VALUE) == {"province", "year", "indicator"}
    queries = {n: q for n, q in precomputed_queries(metadata()).items() if set(PER_VALUE) & set(q[1])}
    assert {"yearly_trends_by_region", "leaderboard_by_region", "narrative_contradicts_tables",
            "missing_reports_by_region", "region_vs_parent", "indicators_export", "red_yellow_list"} <= set(queries)
    held = {p: [v for (v,) in con.execute(f"select value from {PARTS_TABLE} where parameter = ? group by value", [p])]
            for p in PER_VALUE}
    provinces, years = held["province"], held["year"]
    with_reports = {p for (p,) in con.execute("select distinct province from reports where province is not null")}
    report_years = {str(y) for (y,) in con.execute("select distinct year from reports where year is not null")}
    computed = {i for (i,) in con.execute("select distinct indicator from indicators")}
    assert with_reports <= set(provinces) and report_years <= set(years) and computed <= set(held["indicator"])
    unheld = {"province": ["不存在省", " "], "year": ["0" + max(years), "abc", " ", "1900"],
              "indicator": ["no_such_indicator", " rate_disclosed", "RATE_DISCLOSED"]}
    nonempty = dict.fromkeys(PER_VALUE, 0)
    for name, (sql, params) in queries.items():
        for parameter, values in held.items():
            if parameter not in params:
                continue
            for value in [*values, *unheld[parameter]]:
                arguments = {**dict.fromkeys(params, ""), parameter: value}
                expected = [list(row) for row in con.execute(sql, arguments)][:1000]
                assert page(site[0], f"{name}.json", **arguments)["rows"] == expected, (name, parameter, value)
                nonempty[parameter] += bool(expected)
    assert nonempty["province"] >= len(with_reports)  # yearly trends, at least
    assert nonempty["year"] >= 2 * len(report_years)  # the leaderboard's, the districts'
    assert nonempty["indicator"] >= 2 * len(computed)  # the export's, the leaderboard's
    served = yaml.safe_load((site[1].parent / "metadata.yml").read_text(encoding="utf-8"))
    served_sql = served["databases"]["nianbao"]["queries"]["yearly_trends_by_region"]["sql"]
    planted = tmp_path / "planted.db"
    shutil.copy(site[1], planted)
    table = QUERY_TABLE.format("yearly_trends_by_region")
    with sqlite3.connect(planted) as c:
        first, last = c.execute(f"select first_row, last_row from {PARTS_TABLE} where query = ? and value = ?",
                                ["yearly_trends_by_region", provinces[0]]).fetchone()
        assert first <= last
        c.execute(f"update {table} set reports = -7 where rowid between ? and ?", [first, last])
        rows = c.execute(served_sql, {"province": provinces[0]}).fetchall()
        assert rows and {r[2] for r in rows} == {-7}
        assert -7 not in {r[2] for r in c.execute(served_sql, {"province": provinces[-1]})}
        # a year's part, looked up by the year the query compares (`02021` is 2021's)
        name = "region_vs_parent"
        served_sql = served["databases"]["nianbao"]["queries"][name]["sql"]
        year, first, last = c.execute(f"select value, first_row, last_row from {PARTS_TABLE} where query = ? "
                                      "and parameter = 'year' and first_row <= last_row order by value limit 1",
                                      [name]).fetchone()
        c.execute(f"update {QUERY_TABLE.format(name)} set reports = -7 where rowid between ? and ?", [first, last])
        for given in (year, "0" + year):
            rows = c.execute(served_sql, {**dict.fromkeys(queries[name][1], ""), "year": given}).fetchall()
            assert rows and {r[6] for r in rows} == {-7}, given
        # an indicator's part (the export's: it sorted every value of the indicator)
        name = "indicators_export"
        served_sql = served["databases"]["nianbao"]["queries"][name]["sql"]
        indicator, first, last = c.execute(f"select value, first_row, last_row from {PARTS_TABLE} where query = ? "
                                           "and parameter = 'indicator' and first_row <= last_row order by value "
                                           "limit 1", [name]).fetchone()
        c.execute(f"update {QUERY_TABLE.format(name)} set report_id = -7 where rowid between ? and ?", [first, last])
        rows = c.execute(served_sql, {"indicator": indicator}).fetchall()
        assert rows and {r[0] for r in rows} == {-7} and {r[8] for r in rows} == {indicator}
    sql, params = queries["narrative_contradicts_tables"]
    (year,) = con.execute("select max(year) from reports").fetchone()
    given = {**dict.fromkeys(params, ""), "province": provinces[0], "year": str(year)}
    assert page(site[0], "narrative_contradicts_tables.json", **given)["rows"] == [
        list(r) for r in con.execute(sql, given)][:1000]


def test_the_ranked_search_ranks_narrow_searches_and_lists_broad_ones_newest_first(
        site: tuple[str, Path, Path], con: sqlite3.Connection) -> None:
    """Ranking reads every hit; over the cap the ranked search shows the 100 newest matches instead
    and says so in its `order_by` column; under it, every match, by relevance."""
    from test_search import like_ids

    canonical = {i for (i,) in con.execute("select id from reports where duplicate_of is null")}
    for term, broad in (("依申请", True), ("海淀", False)):
        expected = like_ids(con, term) & canonical
        rows = page(site[0], "search.json", q=term, _shape="objects")["rows"]
        assert (len(expected) > CAP) is broad, term
        ids = [r["id"] for r in rows]
        if broad:
            assert ids == sorted(expected, reverse=True)[:100], term
            assert {r["order_by"] for r in rows} == {"最新 · newest (broad search)"}
        else:
            assert sorted(ids) == sorted(expected) and expected, term
            assert {r["order_by"] for r in rows} == {"相关度 · relevance"}


def test_a_broad_search_with_a_filter_or_another_order_still_lists_every_match_once(
        site: tuple[str, Path, Path], con: sqlite3.Connection) -> None:
    """Pages with filters (growing windows of the index, or a probe of the filtered reports, whichever
    finds the page first), ascending key order, other sorts and `_where` (the reports probed in the
    page's order) list exactly the matches, each once, in the page's order — raw-mode FTS5 queries
    too, probed through the index; the whole match is evaluated only where the probe gave up (a
    term too sparse in that order, or a raw query that is not broad)."""
    from test_search import like_ids

    base = site[0]
    term = "依申请"
    expected = like_ids(con, term)
    assert len(expected) > CAP
    (year,) = con.execute("select year from reports group by year order by count(*) desc limit 1").fetchone()
    in_year = {i for (i,) in con.execute("select id from reports where year = ?", [year])}
    (province,) = con.execute("select province from reports where province is not null group by province "
                              "order by count(*) limit 1").fetchone()
    in_province = {i for (i,) in con.execute("select id from reports where province = ?", [province])}
    (agency,) = con.execute("select agency from reports where agency is not null group by agency "
                            "order by count(*), agency limit 1").fetchone()
    in_agency = {i for (i,) in con.execute("select id from reports where agency = ?", [agency])}
    titled = like_ids(con, "年度报告") - {i for (i,) in con.execute("select id from reports where title not like '%年度报告%'")}
    cases = [({"year": str(year)}, expected & in_year, "limited"), ({"_sort": "id"}, expected, "window"),
             ({"province": province}, expected & in_province, "limited"),
             ({"agency": agency}, expected & in_agency, "limited"),
             ({"year": str(year), "_sort": "id"}, expected & in_year, "limited"),
             ({"year__gt": "1900"}, expected, "limited"), ({"_where": "1=1"}, expected, "probe"),
             ({"_where": f"year = {year}", "_sort_desc": "problems"}, expected & in_year, "probe"),
             ({"_sort_desc": "checks_failed"}, expected, "probe"), ({"_sort": "pub_date"}, expected, "probe"),
             ({"_sort": "last_seen"}, expected, "probe"), ({"_sort_desc": "id"}, expected, "window"),
             ({"_searchmode": "raw", "_search": '"依 申 请"', "_sort_desc": "problems"}, expected, "probe"),
             ({"_searchmode": "raw", "_search": '"依 申 请"', "year": str(year)}, expected & in_year, "limited"),
             ({"_searchmode": "raw", "_search": '"依 申 请" OR "年 度 报 告"', "_sort": "pub_date"},
              expected | like_ids(con, "年度报告"), "probe"),
             ({"_searchmode": "raw", "_search": '"依 申 请" NOT "海 淀"', "_sort_desc": "checks_failed"},
              expected - like_ids(con, "海淀"), "probe")]
    values = {row[0]: row[1:] for row in con.execute("select id, problems, checks_failed, pub_date, last_seen "
                                                     "from reports")}
    place = {"problems": 0, "checks_failed": 1, "pub_date": 2, "last_seen": 3}
    assert CAP < len(expected - like_ids(con, "海淀")) < len(expected)
    for extra, want, how in cases:
        params = {"_search": term, "_size": "13", **extra}
        ids = every_page(base, "reports.json", **params)
        assert sorted(ids) == sorted(want) and len(ids) == len(set(ids)), extra
        column = extra.get("_sort") or extra.get("_sort_desc")
        if column in place:  # in the page's order: NULLs first ascending, last descending (SQLite's)
            got = [values[i][place[column]] for i in ids]
            key = [(v is not None, v) for v in got]
            assert key == sorted(key, reverse="_sort_desc" in extra), extra
        sql = page(base, "reports.json", **params)["query"]["sql"]
        marks = {"window": "nianbao_low" in sql, "probe": "nianbao_ids" in sql}
        if how == "limited":
            assert any(marks.values()), extra
        elif how == "whole":
            assert not any(marks.values()), extra
        else:
            assert marks[how], extra
    ascending = every_page(base, "reports.json", _search=term, _size="13", _sort="id")
    assert ascending == sorted(expected)
    assert len(titled) > CAP
    assert sorted(every_page(base, "reports.json", _search_title="年度报告", _size="13", _sort_desc="problems")) == sorted(titled)


def test_a_broad_search_too_sparse_in_another_order_is_evaluated_whole(
        site: tuple[str, Path, Path], con: sqlite3.Connection) -> None:
    """A broad term whose page is not found within the probe's reports in that order falls back to
    the whole match: still exactly the matches."""
    from test_search import draw_terms, like_ids

    total = con.execute("select count(*) from reports").fetchone()[0]
    sparse = [t for t in draw_terms(con) if CAP < len(like_ids(con, t)) < total * 0.4]
    assert sparse, "no term broad but sparse in this archive"
    term = sparse[0]
    want = like_ids(con, term)
    first = page(site[0], "reports.json", _search=term, _size="13", _sort_desc="checks_failed")
    assert "nianbao_ids" not in first["query"]["sql"]
    ids = every_page(site[0], "reports.json", _search=term, _size="13", _sort_desc="checks_failed")
    assert sorted(ids) == sorted(want) and len(ids) == len(set(ids))


# The canned queries that, given a province and a year, are computed (no precomputed part answers
# both), and must read only that province's year: their work may not grow with the archive.
PROVINCE_AND_YEAR = ("leaderboard_by_region", "red_yellow_list", "narrative_contradicts_tables")


def _vm_steps(con: sqlite3.Connection, sql: str, arguments: dict[str, str]) -> tuple[int, list]:
    """SQLite virtual-machine instructions the query takes (a progress handler called on each),
    and its rows: the work, independent of the machine's load."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    con.set_progress_handler(count, 1)
    try:
        rows = con.execute(sql, arguments).fetchall()
    finally:
        con.set_progress_handler(None, 1)
    return steps, rows


def _grow_around(con: sqlite3.Connection, province: str, year: int, copies: int) -> int:
    """Add `copies` copies of every report outside `province`'s `year` (the other provinces', the
    province's other years), with their indicators and checks (new ids, the same values); returns
    the reports added.  The search index's triggers are dropped
    first (they call the serving plugin's functions, absent here, and the copy is not searched)."""
    for (name,) in con.execute("select name from sqlite_master where type = 'trigger'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')
    (top,) = con.execute("select max(id) from reports").fetchone()
    columns = {t: [r[1] for r in con.execute(f"PRAGMA table_info({t})")] for t in ("reports", "indicators", "checks")}
    others = (f"select id from reports where id <= {top} "
              "and not (province is not null and province = :province and year is not null and year = :year)")
    added = 0
    for k in range(1, copies + 1):
        offset = k * (top + 1)
        moved = {"id": f"id + {offset}", "report_id": f"report_id + {offset}", "url": f"url || '#copy{k}'"}
        for table, where in (("reports", f"id in ({others})"), ("indicators", f"report_id in ({others})"),
                             ("checks", f"report_id in ({others})")):
            select = ", ".join(moved.get(c, f'"{c}"') for c in columns[table])
            cursor = con.execute(f"INSERT INTO {table} SELECT {select} FROM {table} WHERE {where}",
                                 {"province": province, "year": year})
            added += cursor.rowcount if table == "reports" else 0
    con.execute("ANALYZE")
    con.commit()
    return added


def test_a_canned_query_given_a_province_and_a_year_reads_only_that_provinces_year(
        site: tuple[str, Path, Path], tmp_path: Path) -> None:
    """The leaderboard, the red and yellow lists and the narrative check, given a province and a
    year, read that province's reports of the year and nothing else: on a copy of the snapshot
    holding ten more copies of every other report (other provinces', the province's other years;
    with their indicators and checks), each gives the same rows in the same number of SQLite
    instructions.  Joined from an indicator's rows of the year nationwide, or from the province's
    reports of every year (as they were, depending on the planner), their work grew with those."""
    from archive.precompute import precomputed_queries

    queries = {n: q for n, q in precomputed_queries(metadata()).items() if n in PROVINCE_AND_YEAR}
    assert set(queries) == set(PROVINCE_AND_YEAR)
    grown = tmp_path / "grown.db"
    shutil.copy(site[1], grown)
    con = sqlite3.connect(grown)
    province, year, indicator = con.execute(
        "select r.province, r.year, i.indicator from indicators i join reports r on r.id = i.report_id "
        "where i.value is not null and i.denominator is not null and r.province is not null "
        "group by 1, 2, 3 order by count(*) desc, 1, 2, 3 limit 1").fetchone()
    given = {name: {**dict.fromkeys(params, ""), "province": province, "year": str(year), "indicator": indicator,
                    "min_denominator": "0"} for name, (sql, params) in queries.items()}
    given = {name: {p: v for p, v in arguments.items() if p in queries[name][1]} for name, arguments in given.items()}
    before = {name: _vm_steps(con, queries[name][0], arguments) for name, arguments in given.items()}
    assert before["leaderboard_by_region"][1] and before["red_yellow_list"][1]
    assert _grow_around(con, province, year, copies=10) >= 10
    for name, arguments in given.items():
        steps, rows = _vm_steps(con, queries[name][0], arguments)
        assert rows == before[name][1], name
        assert steps <= before[name][0] * 1.1 + 100, (name, before[name][0], steps)
    con.close()
