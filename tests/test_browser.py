"""A person's visit, in real headless Chromium, to a real `nianbao serve` on localhost.

Home page → the reports table with two facets applied → a Chinese full-text search → a canned
query → the dashboard with its charts drawn and the map marking every province that has reports
→ the database download → a report page's three tables and its original's download → an
agency page; then a column's menu, whose words only JavaScript shows, in Chinese (the interface
is Chinese: docs/schema.md).  The network is blocked: every request that is not to the local server is aborted
and recorded, and the visit fails if there is one (the map has no tile server).  Screenshots go to
`artifacts/browser/` (git-ignored; `NIANBAO_ARTIFACTS` moves it) so a reviewer can look.
Chromium is Debian's package (scripts/install-system.sh), driven by Playwright with
`executable_path`; no browser is ever downloaded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from archive.serve import METADATA

CHROMIUM = Path(os.environ.get("NIANBAO_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("NIANBAO_ARTIFACTS", Path(__file__).resolve().parent.parent / "artifacts")) / "browser"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (scripts/install-system.sh)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from conftest import EXAMPLES
    from test_serve import build_archive, start_server

    root = tmp_path_factory.mktemp("browser")
    yield from start_server(build_archive(root, EXAMPLES), root)


@pytest.fixture(scope="module")
def page(server: str):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                      locale="zh-CN")
        context.set_default_timeout(20000)
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server)
                      else (OUTSIDE.append(route.request.url), route.abort()))
        yield context.new_page()
        context.close()
        browser.close()


OUTSIDE: list[str] = []  # requests the pages made beyond the local server (aborted)


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_visit(server: str, page) -> None:
    # 1. home page: the title and the database
    page.goto(server + "/")
    assert "政府信息公开工作年度报告档案" in page.title() + page.inner_text("h1")
    assert page.locator("a[href='/nianbao']").count() >= 1
    shot(page, "1-home")

    # 2. the reports table with two facets applied (year and province)
    page.goto(f"{server}/nianbao/reports?year=2021&province={quote('北京市')}")
    count_text = page.inner_text("h3")
    assert "2 行" in count_text, count_text
    facets = page.locator(".facet-info")
    assert facets.count() >= 6  # the facets of metadata.yml
    assert page.locator("text=北京市海淀区人民政府").count() >= 1
    shot(page, "2-reports-two-facets")

    # 3. a Chinese full-text search, typed into the search box
    page.goto(f"{server}/nianbao/reports")
    page.fill("input#_search", "复议")
    page.locator("input#_search").press("Enter")
    page.wait_for_url("**_search=*")
    assert "全文搜索 “复议”" in page.inner_text("h3")
    assert page.locator("table.rows-and-columns tbody tr").count() >= 10
    shot(page, "3-search-fuyi")

    # 4. a canned query: reports failing carry_over
    page.goto(f"{server}/nianbao/reports_failing_rule?rule=carry_over")
    assert page.locator("table.rows-and-columns tbody tr").count() >= 1
    assert page.locator("text=江苏省南京市鼓楼区人民政府").count() + page.locator("text=鼓楼区人民政府").count() >= 1
    shot(page, "4-canned-query")

    # 5. the dashboard: every vega-lite chart drawn, the metrics filled
    page.goto(f"{server}/-/dashboards/overview")
    page.wait_for_function("document.querySelectorAll('.vega-embed svg, .vega-embed canvas').length >= 3",
                           timeout=30000)
    marks = page.evaluate("document.querySelectorAll('.vega-embed .mark-rect path, .vega-embed .mark-arc path').length")
    assert marks >= 5, marks
    # the map (vega-lite, no tiles): one circle per region with reports, every such province among them
    page.wait_for_function("document.querySelectorAll('#chart-report-map .layer_1_marks path').length >= 1",
                           timeout=30000)
    drawn = page.evaluate("document.querySelectorAll('#chart-report-map .layer_1_marks path').length")
    regions = sql(server, "select r.adcode, r.province from report_summary r join regions g on g.adcode = r.adcode "
                          "where g.latitude is not null group by r.adcode")
    provinces = {r["province"] for r in sql(server, "select distinct province from report_summary where province is not null")}
    assert drawn == len(regions), (drawn, len(regions))
    assert provinces <= {r["province"] for r in regions}, provinces - {r["province"] for r in regions}
    # both maps over the 34 province outlines this server serves; the indicator map fills each
    # province its query gives a value for (a choropleth, outlines found by adcode)
    page.wait_for_function("document.querySelectorAll('#chart-indicator-map .layer_1_marks path').length >= 1",
                           timeout=30000)
    for chart in ("report-map", "indicator-map"):
        assert page.evaluate(f"document.querySelectorAll('#chart-{chart} .layer_0_marks path').length") == 34, chart
    filled = page.evaluate("document.querySelectorAll('#chart-indicator-map .layer_1_marks path').length")
    chart_sql = yaml.safe_load(METADATA.read_text())["plugins"]["datasette-dashboards"]["overview"]["charts"][
        "indicator-map"]["query"]
    valued = sql(server, re.sub(r"\[\[.*?\]\]", "", chart_sql, flags=re.S))
    assert filled == len(valued) >= 3, (filled, len(valued))
    page.wait_for_timeout(500)
    shot(page, "5-dashboard")

    # 6. the database download
    page.goto(f"{server}/nianbao")
    with page.expect_download() as info:
        page.locator("a[href$='/nianbao.db']").first.click()
    target = ARTIFACTS / "nianbao.db"
    info.value.save_as(target)
    assert target.read_bytes()[:16] == b"SQLite format 3\x00"
    shot(page, "6-database")

    # 7. a report page: its three tables as printed, then its original, downloaded, never opened
    report = sql(server, "select id, title from reports where kind = 'html' and duplicate_of is null limit 1")[0]
    page.goto(f"{server}/nianbao/reports?id={report['id']}")
    page.locator(f"a[href='/-/report/{report['id']}']").first.click()
    page.wait_for_url(f"**/-/report/{report['id']}")
    for table in ("nb-table2", "nb-table3", "nb-table4"):
        assert page.locator(f"table.{table} td.nb-value").count() >= 1, table
    assert page.locator("table.nb-table3 tbody tr").count() >= 20  # rows as printed, not one per cell
    assert "本年新收政府信息公开申请数量" in page.inner_text("table.nb-table3")
    shot(page, "7-report")
    with page.expect_download() as info:
        page.locator("a.nb-download").click()
    assert info.value.suggested_filename == f"report-{report['id']}.html"
    assert page.url.endswith(f"/-/report/{report['id']}")  # still on the report page: nothing was rendered

    # 8. its agency's page: reports by year, indicators
    page.locator("dl.nb-facts a[href^='/-/agency/']").click()
    page.wait_for_url("**/-/agency/**")
    assert page.locator("table.nb-agency-reports tbody tr").count() >= 1
    assert page.locator(f"table.nb-agency-reports a[href='/-/report/{report['id']}']").count() == 1
    shot(page, "8-agency")
    assert OUTSIDE == [], OUTSIDE


def sql(server: str, query: str) -> list[dict]:
    import httpx

    return httpx.get(f"{server}/nianbao.json", params={"sql": query, "_shape": "array"}, timeout=30).json()


def test_the_column_menu_and_the_filter_row_speak_chinese(server: str, page) -> None:
    """The words only JavaScript shows (Datasette's table.js, rewritten as served): a column's menu
    and the filter row's remove link; the page's own words were Chinese before any script ran."""
    page.goto(f"{server}/nianbao/reports?year=2021")
    assert page.locator("input[type=submit][value='应用']").count() == 1
    page.locator("table.rows-and-columns th svg.dropdown-menu-icon").first.click()
    menu = page.locator("div.dropdown-menu").last
    menu.wait_for(state="visible")
    text = menu.inner_text()
    assert "降序排列" in text and "Sort descending" not in text, text
    assert "类型：" in text and "Type:" not in text, text
    assert page.locator(".filter-row a[aria-label='删除此筛选']").count() >= 1
    shot(page, "9-column-menu")
    assert OUTSIDE == [], OUTSIDE
