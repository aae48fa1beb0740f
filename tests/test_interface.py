"""The published interface reads as a researcher expects: the home page leads with reports and
agencies, column notes are folded, descriptions rendered, counts are integers, canned queries
open with results and list their rule codes — on a real `nianbao serve`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from conftest import EXAMPLES
    from test_serve import build_archive, start_server

    root: Path = tmp_path_factory.mktemp("interface")
    yield from start_server(build_archive(root, EXAMPLES), root)


def html(server: str, path: str, **params) -> str:
    response = httpx.get(server + path, params=params, timeout=30)
    assert response.status_code == 200, (path, response.text[:300])
    return response.text


def test_home_page_leads_with_reports_and_agencies(server: str) -> None:
    page = html(server, "/")
    description = page.split('class="metadata-description"', 1)[1]
    links = re.findall(r'href="([^"]+)"', description)
    assert links[:2] == ["/nianbao/reports", "/nianbao/agencies"]
    database = html(server, "/nianbao").split('class="metadata-description"', 1)[1]
    assert re.findall(r'href="([^"]+)"', database)[:2] == ["/nianbao/reports", "/nianbao/agencies"]


def test_descriptions_are_rendered_not_shown_with_backticks(server: str) -> None:
    for path in ("/", "/nianbao", "/nianbao/reports", "/nianbao/checks", "/nianbao/reports_failing_rule"):
        description = html(server, path).split('class="metadata-description"', 1)[1].split("</div>", 1)[0]
        assert "`" not in description, path


def test_column_notes_are_folded(server: str) -> None:
    page = html(server, "/nianbao/reports")
    notes = page.split('<details class="nb-column-notes">', 1)
    assert len(notes) == 2 and "<dt>agency</dt>" in notes[1].split("</details>", 1)[0]
    rows = page.index('class="rows-and-columns"')
    assert page.index("nb-column-notes") < rows


def test_counts_are_shown_as_integers(server: str) -> None:
    for path in ("/nianbao/requests", "/nianbao/reviews", "/nianbao/checks", "/nianbao/report_summary",
                 "/nianbao/failures_by_rule"):
        cells = re.findall(r'<td class="col-(?:value|lhs|rhs|requests_received|granted)[^"]*"[^>]*>([^<]*)<', html(server, path))
        assert cells or path == "/nianbao/failures_by_rule", path
        assert not [c for c in cells if re.fullmatch(r"\s*-?\d+\.0\s*", c)], path


@pytest.mark.parametrize("query", ["reports_failing_rule", "leaderboard_by_region", "agency_time_series",
                                   "region_vs_parent", "indicators_export"])
def test_canned_queries_open_with_results(server: str, query: str) -> None:
    rows = httpx.get(f"{server}/nianbao/{query}.json", params={"_shape": "objects"}, timeout=30).json()["rows"]
    assert rows, query


def test_rule_codes_are_offered_as_a_list(server: str) -> None:
    page = html(server, "/nianbao/reports_failing_rule")
    offered = re.findall(r'href="\?rule=([a-z_]+)"', page)
    rules = httpx.get(f"{server}/nianbao.json", params={"sql": "select distinct rule from checks", "_shape": "array"},
                      timeout=30).json()
    assert {r["rule"] for r in rules} <= set(offered)
    failing = httpx.get(f"{server}/nianbao/reports_failing_rule.json", params={"_shape": "objects", "rule": offered[0]},
                        timeout=30).json()["rows"]
    assert all(r["rule"] == offered[0] for r in failing)
