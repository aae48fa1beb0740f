"""`nianbao serve` publishes an immutable snapshot: counts, facets, search, canned queries, download."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from archive.ingest import ingest_paths
from archive.schema import open_db
from nianbao.synthetic import demo_reports

NIANBAO = str(Path(sys.executable).with_name("nianbao"))


def build_archive(root: Path, examples: Path | None) -> Path:
    """The published test archive: the shared examples (when present) and synthetic demo reports."""
    reports = root / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    for name, data in demo_reports():
        (reports / name).write_bytes(data)
    db_path = root / "nianbao.db"
    db = open_db(db_path)
    ingest_paths(db, [reports] + ([examples] if examples and examples.is_dir() else []))
    db.close()
    return db_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(base: str, proc: subprocess.Popen, log: Callable[[], str], seconds: float = 60) -> None:
    """Return once Datasette at `base` answers; raise with the server's log if it exits or never does."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/-/versions.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start: {log()}")
        time.sleep(0.3)


@contextmanager
def running_server(db_path: Path, root: Path, *, nianbao: str = NIANBAO,
                   env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run a real `nianbao serve` (this environment's, or the `nianbao` given) on localhost; give its
    base URL and process (Datasette itself: serve execs it); stop it (by its own pid)."""
    port = free_port()
    log = (root / "serve.log").open("w")
    proc = subprocess.Popen([nianbao, "serve", "--db", str(db_path), "--port", str(port),
                             "--snapshot-dir", str(root / "publish")], stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, lambda: (root / "serve.log").read_text())
        yield base, proc
    finally:
        if proc.poll() is None:  # one that died at start is reaped already: its error is the one to see
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def start_server(db_path: Path, root: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run a real `nianbao serve` on localhost; yield its base URL; stop it (by its own pid)."""
    with running_server(db_path, root, env=env) as (base, _proc):
        yield base


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from conftest import EXAMPLES

    root = tmp_path_factory.mktemp("serve")
    yield from start_server(build_archive(root, EXAMPLES), root)


def get(base: str, path: str, **params) -> httpx.Response:
    response = httpx.get(base + path, params=params, timeout=30)
    assert response.status_code == 200, (path, response.text[:500])
    return response


def test_database_is_immutable_and_downloadable(server: str) -> None:
    databases = get(server, "/-/databases.json").json()
    assert [(d["name"], d["is_mutable"]) for d in databases] == [("nianbao", False)]
    data = get(server, "/nianbao.db").content
    assert data.startswith(b"SQLite format 3\x00")


def test_settings_limit_sql_time(server: str) -> None:
    settings = get(server, "/-/settings.json").json()
    assert settings["sql_time_limit_ms"] == 3000 and settings["allow_download"] is True


def test_facets_and_search_through_the_json_api(server: str) -> None:
    page = get(server, "/nianbao/reports.json", _facet=["year", "province"], _shape="objects").json()
    facets = page["facet_results"]
    assert {"year", "province"} <= set(facets)
    assert any(v["value"] == "北京市" for v in facets["province"]["results"])
    found = get(server, "/nianbao/reports.json", _search="复议", _shape="objects").json()
    assert found["filtered_table_rows_count"] >= 24
    none = get(server, "/nianbao/reports.json", _search="地震", _shape="objects").json()
    assert none["filtered_table_rows_count"] == 0
    # any substring, of any length (tests/test_search.py checks recall over a generated archive)
    everywhere = get(server, "/nianbao/reports.json", _search="依申请", _shape="objects").json()
    assert everywhere["filtered_table_rows_count"] >= 24
    one_char = get(server, "/nianbao/report_summary.json", _search="淀", _shape="objects").json()
    assert one_char["rows"] and all("海淀" in r["agency"] for r in one_char["rows"])
    assert get(server, "/nianbao/reports.json", _search="").json()["filtered_table_rows_count"] == 0  # not an error


def test_ranked_search_with_marked_snippets(server: str) -> None:
    found = get(server, "/nianbao/search.json", q="海淀 复议", _shape="objects").json()["rows"]
    assert found and all("海淀" in r["title"] for r in found)
    assert all("\x02复议\x03" in r["snippet"] or "\x02海淀\x03" in r["snippet"] for r in found)
    html = get(server, "/nianbao/search", q="依申请").text
    assert "<mark>依申请</mark>" in html
    page = get(server, "/nianbao/reports", _search="依申请").text
    assert "全文搜索 “依申请”" in page and "/nianbao/search?q=%E4%BE%9D%E7%94%B3%E8%AF%B7" in page  # the ranked view


@pytest.mark.parametrize(("query", "params"), [
    ("reports_failing_rule", {"rule": "carry_over"}), ("failures_by_rule", {}),
    ("agencies_most_requests", {}), ("yearly_trends_by_region", {"province": ""}),
    ("tables_not_found", {}), ("carry_over_mismatches", {}), ("changed_reports", {}), ("region_problems", {}),
])
def test_canned_queries_run(server: str, query: str, params: dict) -> None:
    result = get(server, f"/nianbao/{query}.json", _shape="objects", **params).json()
    assert "rows" in result
    if query in ("reports_failing_rule", "carry_over_mismatches", "agencies_most_requests"):
        assert result["rows"], query


def test_research_queries_rank_above_the_threshold_and_carry_the_definitions_version(server: str) -> None:
    from archive.research.definitions import DEFINITIONS_VERSION

    top = get(server, "/nianbao/leaderboard.json", _shape="objects", _sort="denominator",
              indicator__exact="rate_disclosed").json()["rows"]
    assert top, "the published archive ranks somebody"
    year, province = top[0]["year"], top[0]["province"]
    for threshold in ("", "1", "1000000"):
        rows = get(server, "/nianbao/leaderboard_by_region.json", _shape="objects", indicator="rate_disclosed",
                   year=str(year), province=province, city="", min_denominator=threshold).json()["rows"]
        used = int(threshold) if threshold else 30
        assert all(r["min_denominator"] == used and r["denominator"] >= used for r in rows)
        assert bool(rows) == (threshold != "1000000")
    agency = top[0]["agency_id"]
    series = get(server, "/nianbao/agency_time_series.json", _shape="objects", agency_id=agency).json()["rows"]
    assert series and {r["definitions_version"] for r in series} == {DEFINITIONS_VERSION}
    csv = get(server, "/nianbao/indicators_export.csv", indicator="rate_disclosed").text
    assert csv.splitlines()[0].endswith("definitions_version") and len(csv.splitlines()) > 1
    compared = get(server, "/nianbao/region_vs_parent.json", _shape="objects", indicator="requests_new",
                   province=province, year=str(year)).json()["rows"]
    assert all("province_value" in r for r in compared)


def test_dashboard_is_configured(server: str) -> None:
    html = get(server, "/-/dashboards/overview").text
    assert "年报概览" in html


# --- never serve half-built, never replace a live file --------------------------------------------


def files_of(directory: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under `directory` as (inode, size, mtime_ns): what a second server must not touch."""
    return {str(p.relative_to(directory)): (p.stat().st_ino, p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(directory.rglob("*")) if p.is_file()}


def test_a_second_serve_never_touches_a_running_servers_files(tmp_path: Path) -> None:
    """Each serve snapshots into a directory of its own: a second one (after the archive changed)
    leaves the first server's snapshot byte for byte, and the first keeps serving what it served.
    A directory whose server has stopped is removed by the next serve, a running one's never."""
    db_path = build_archive(tmp_path, None)
    publish = tmp_path / "publish"
    with running_server(db_path, tmp_path) as (first, first_proc):
        (mine,) = publish.glob("serve-*")
        assert (mine / "server.pid").read_text() == str(first_proc.pid)
        before = files_of(mine)
        download = httpx.get(f"{first}/nianbao.db", timeout=30).content
        db = open_db(db_path)
        db["reports"].update(1, {"title": "改过的标题"})  # the archive moves on
        db.close()
        with running_server(db_path, tmp_path) as (second, _second_proc):
            assert len(list(publish.glob("serve-*"))) == 2
            assert files_of(mine) == before
            assert httpx.get(f"{first}/nianbao.db", timeout=30).content == download
            title = httpx.get(f"{second}/nianbao/reports/1.json", params={"_shape": "array"}, timeout=30).json()[0]
            assert title["title"] == "改过的标题"
            assert httpx.get(f"{first}/nianbao/reports/1.json", params={"_shape": "array"},
                             timeout=30).json()[0]["title"] != "改过的标题"
        survivors = list(publish.glob("serve-*"))
        assert mine in survivors  # the first is still running: its directory stays
    with running_server(db_path, tmp_path):
        assert mine not in list(publish.glob("serve-*"))  # both stopped: theirs are gone, this one's is new
        assert len(list(publish.glob("serve-*"))) == 1


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_taken_port_fails_before_any_work(tmp_path: Path, command: str) -> None:
    """`serve` and `demo` check their port first: a taken one is a one-line error and exit 2 in
    seconds — no snapshot made, no crawl run."""
    db_path = tmp_path / "nianbao.db"
    if command == "serve":
        open_db(db_path).close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = subprocess.run([NIANBAO, command, "--db", str(db_path), "--port", str(port)],
                             capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert any(f"port {port}" in line and "taken" in line for line in lines), res.stderr
    assert not (tmp_path / "publish").exists()
    if command == "demo":
        assert not db_path.exists() and "crawling" not in res.stdout
