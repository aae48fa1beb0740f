"""Crawl health: what each portal's status says, the accounting of every listed entry, exit codes.

The rule under test: a crawl states what it expected, records what it got, and never calls a
shortfall `ok` (crawler/health.py declares the statuses, outcomes and exit codes).  Real crawls of
the demo portals on loopback, with faults injected (tests/faults.py), in subprocesses.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import last_run
from faults import Fault
from faulty_crawls import GKMLPT, ROOT, nianbao_cmd, targets

from crawler.health import EXIT_CODES, OUTCOMES, STATUSES

pytestmark = pytest.mark.slow
TIMEOUT = 180


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(nianbao_cmd(*args), capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT,
                          env={**os.environ, **(env or {})})


def crawl(registry: Path, db: Path, *extra: str, portal: str | None = GKMLPT) -> subprocess.CompletedProcess[str]:
    args = ["crawl", "--portals", str(registry), "--db", str(db), "--local", *extra]
    return run(*args, *(["--portal", portal] if portal else []))


def accounted(h: dict) -> None:
    """Every listed entry has exactly one outcome."""
    assert h["entries"] == sum(h["outcomes"][o] for o in OUTCOMES), h["outcomes"]
    assert h["outcomes"]["unaccounted"] == 0, h


def test_a_clean_portal_is_ok_and_exits_0(faulty, tmp_path: Path) -> None:
    server, registry = faulty
    db = tmp_path / "archive.db"
    res = crawl(registry, db)
    assert res.returncode == 0, res.stdout + res.stderr[-3000:]
    h = last_run(db)["portal_health"][GKMLPT]
    assert (h["status"], h["reasons"]) == ("ok", [])
    accounted(h)
    assert h["outcomes"]["fetched"] == h["entries"] == 12
    # the gkmlpt API states its total: advertised and listed agree, per column
    con = sqlite3.connect(db)
    cols = con.execute("select advertised, listed, walked_to_end, short from crawl_columns where portal = ?",
                       [GKMLPT]).fetchall()
    assert cols and all(walked == 1 and short == 0 for _, _, walked, short in cols), cols
    # the second night: nothing new, still ok, still exit 0, every entry accounted for as skipped
    res = crawl(registry, db)
    assert res.returncode == 0, res.stdout
    h = last_run(db)["portal_health"][GKMLPT]
    assert h["status"] == "ok" and h["outcomes"]["skipped"] == h["entries"] - h["outcomes"]["fetched"]
    accounted(h)


def test_a_dead_detail_link_makes_the_portal_degraded_and_is_asked_again(faulty, tmp_path: Path) -> None:
    """A 404 behind a listed entry: exit 4, `degraded` with the count, a `crawl_urls` row with the
    cause — and the next night asks it again (and archives it once the portal heals)."""
    server, registry = faulty
    t = targets(server)
    server.plan.add(Fault("status", site="gkmlpt", path=t["detail"], status=404))
    db = tmp_path / "archive.db"
    res = crawl(registry, db)
    assert res.returncode == 4, res.stdout + res.stderr[-3000:]
    assert re.search(r"degraded\s+" + re.escape(GKMLPT), res.stdout), res.stdout
    h = last_run(db)["portal_health"][GKMLPT]
    assert h["status"] == "degraded" and h["outcomes"]["failed"] == 1, h
    accounted(h)
    con = sqlite3.connect(db)
    failed = con.execute("select url, status from crawl_urls where status like 'failed:%'").fetchall()
    assert len(failed) == 1 and failed[0][1] == "failed:http_404" and re.search(t["detail"], failed[0][0])
    # the column was walked to its end: the walk is complete, but the dead link is retried
    assert con.execute("select last_complete_walk from crawl_portal_state").fetchone()[0]
    server.plan.clear()
    server.reset_log()
    res = crawl(registry, db)
    assert res.returncode == 0, res.stdout
    assert any(re.search(t["detail"], h.path) for h in server.hits)
    assert last_run(db)["new_reports"] == 1
    assert con.execute("select status from crawl_urls where url = ?", [failed[0][0]]).fetchone()[0] != "failed:http_404"


def test_a_failed_pager_page_makes_the_walk_incomplete_and_walked_again(faulty, tmp_path: Path) -> None:
    """A pager page that keeps failing: `incomplete`, exit 4, not recorded as a complete walk, so the
    next night (pager healed) walks the column to its end and finds what was missed."""
    server, registry = faulty
    server.plan.add(Fault("status", site="gkmlpt", path=targets(server)["list"], status=404))
    db = tmp_path / "archive.db"
    res = crawl(registry, db)
    assert res.returncode == 4, res.stdout + res.stderr[-3000:]
    h = last_run(db)["portal_health"][GKMLPT]
    assert h["status"] == "incomplete" and h["list_errors"] >= 1, h
    assert any("list/pager" in r for r in h["reasons"]), h["reasons"]
    con = sqlite3.connect(db)
    assert con.execute("select last_complete_walk from crawl_portal_state").fetchone()[0] is None
    assert con.execute("select count(*) from crawl_columns where pages_failed > 0").fetchone()[0] == 1
    missed = 12 - h["outcomes"]["fetched"]
    assert missed > 0
    server.plan.clear()
    res = crawl(registry, db)
    assert res.returncode == 0, res.stdout
    assert last_run(db)["new_reports"] == missed


def broken_extractor(tmp_path: Path) -> dict[str, str]:
    """An environment in which the extractor's process cannot import its readers: a `trafilatura`
    that fails as it does when jusText's lxml_html_clean is missing (an old pip dropped the extra)."""
    shadow = tmp_path / "shadow"
    (shadow / "trafilatura").mkdir(parents=True)
    (shadow / "trafilatura" / "__init__.py").write_text(
        'raise ImportError("lxml.html.clean module is now a separate project lxml_html_clean")\n', encoding="utf-8")
    return {"PYTHONPATH": os.pathsep.join([str(shadow), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}


def test_an_extractor_that_cannot_start_fails_the_crawl_before_any_document(faulty, tmp_path: Path) -> None:
    server, registry = faulty
    db = tmp_path / "archive.db"
    args = ["crawl", "--portals", str(registry), "--db", str(db), "--local", "--portal", GKMLPT]
    res = run(*args, env=broken_extractor(tmp_path))
    assert res.returncode == 1, res.stdout + res.stderr[-3000:]
    said = [line for line in res.stdout.splitlines() if "extractor cannot start" in line]
    assert len(said) == 1 and "lxml_html_clean" in said[0], res.stdout
    run_row = last_run(db)
    assert run_row["notes"]["finish_reason"] == "extractor_failed" and run_row["finished"]
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from reports").fetchone()[0] == 0
    assert con.execute("select count(*) from captures").fetchone()[0] == 0
    assert [h.path for h in server.hits if "/gkmlpt/content/" in h.path or h.path.endswith(".pdf")] == []


def test_demo_exits_non_zero_when_the_extractor_cannot_start(tmp_path: Path) -> None:
    res = run("demo", "--no-serve", "--db", str(tmp_path / "demo.db"), "--sites-port", "8471",
              env=broken_extractor(tmp_path))
    assert res.returncode == 1, res.stdout + res.stderr[-3000:]
    assert sum("extractor cannot start" in line for line in res.stdout.splitlines()) == 1, res.stdout
    con = sqlite3.connect(tmp_path / "demo.db")
    assert con.execute("select count(*) from reports").fetchone()[0] == 0


def test_every_status_outcome_and_exit_code_is_documented() -> None:
    crawling = (ROOT / "docs" / "crawling.md").read_text(encoding="utf-8")
    scheduling = (ROOT / "docs" / "scheduling.md").read_text(encoding="utf-8")
    for status in STATUSES:
        assert f"`{status}`" in crawling, status
    for outcome in OUTCOMES:
        assert f"`{outcome}`" in crawling, outcome
    for code in EXIT_CODES:
        assert re.search(rf"^\| {code} \|", scheduling, re.M), code


def test_portals_check_names_the_cause_in_one_line_per_portal(tmp_path: Path) -> None:
    """Without a network: one line per entry with its cause, Scrapy's own log only with -v."""
    import socket

    with socket.socket() as s:  # a port nobody listens on: bound, never listening, so refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        registry = tmp_path / "portals.yml"
        registry.write_text(
            "portals:\n"
            f"  - {{name: 关门的门户, region: {{province: 北京市}}, start_urls: ['http://127.0.0.1:{port}/nb/'], platform: auto}}\n"
            "  - {name: 不存在的门户, region: {province: 北京市}, start_urls: ['http://www.no-such-host.invalid/nb/'],"
            " platform: auto}\n", encoding="utf-8")
        res = run("portals", "check", "--portals", str(registry))
        verbose = run("portals", "check", "--portals", str(registry), "-v")
    assert res.returncode == 1, res.stdout + res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 2, res.stdout
    assert lines[0].startswith("FAIL 关门的门户") and lines[0].endswith("no list page answered: connection refused)")
    assert lines[1].startswith("FAIL 不存在的门户") and "DNS: the host name does not resolve" in lines[1]
    assert "[scrapy" not in res.stderr, res.stderr[-2000:]
    assert "[scrapy.core.engine] INFO" in verbose.stderr


class ShortColumns:
    """A generic site on loopback: /a/ advertises 共30条 over two pages of 10 (the last 10 sit behind a
    script the page does not name); /b/ is an avalon `ms-repeat` list with no data source in the page."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.hits.append(self.path)
                body = outer.page(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/plain; charset=utf-8" if self.path.endswith(".txt")
                                 else "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

        self.srv = ThreadingHTTPServer(("127.0.0.7", 0), Handler)
        self.srv.daemon_threads = True
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.7:{self.srv.server_address[1]}"

    def page(self, path: str) -> bytes | None:
        import generate

        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n"
        if path.endswith(".txt"):
            n = int(path.rsplit("/r", 1)[1].split(".")[0])
            return generate.render_text(generate.make_spec(900 + n, "2021"))
        if path in ("/a/index.html", "/a/index_1.html"):
            first = path.endswith("index.html")
            links = "".join(f'<li><a href="/a/r{i}.txt">2024年第{i}号政府信息公开工作年度报告</a><span>2025-01-20</span></li>'
                            for i in (range(10) if first else range(10, 20)))
            pager = '<a href="/a/index_1.html">下一页</a>' if first else ""
            return f"<html><body><ul>{links}</ul><div class='page'>共30条 {pager}</div></body></html>".encode()
        if path == "/b/index.html":
            return (b'<html><body><ul ms-controller="list"><li ms-repeat="records">'
                    b'<a ms-attr-href="el.url">{{el.title}}</a></li></ul>'
                    b'<script src="/js/avalon.js"></script></body></html>')
        return None


def test_a_column_that_lists_fewer_than_it_advertises_is_incomplete_and_walked_again(tmp_path: Path) -> None:
    site = ShortColumns()
    try:
        registry = tmp_path / "portals.yml"
        registry.write_text(
            "portals:\n  - name: 短缺门户\n    region: {province: 北京市}\n    platform: generic\n    start_urls:\n"
            f"      - {site.base}/a/index.html\n      - {site.base}/b/index.html\n", encoding="utf-8")
        db = tmp_path / "archive.db"
        res = crawl(registry, db, portal=None)
        assert res.returncode == 4, res.stdout + res.stderr[-3000:]
        h = last_run(db)["portal_health"]["短缺门户"]
        assert h["status"] == "incomplete", h
        accounted(h)
        assert f"{site.base}/a/index.html: 20 of 30 advertised entries listed" in h["reasons"], h["reasons"]
        assert [c["url"] for c in h["coverage"]["unfollowed"]] == [f"{site.base}/b/index.html"], h["coverage"]
        assert any("script-driven list not followed" in r for r in h["reasons"])
        assert "20 of 30 advertised entries listed" in res.stdout, res.stdout
        con = sqlite3.connect(db)
        assert con.execute("select advertised, listed, pages, short from crawl_columns where url = ?",
                           [f"{site.base}/a/index.html"]).fetchone() == (30, 20, 2, 1)
        assert con.execute("select last_complete_walk from crawl_portal_state").fetchone()[0] is None
        # the next night: every entry known, but the walk was never complete, so page 2 is read again
        site.hits.clear()
        res = crawl(registry, db, portal=None)
        assert res.returncode == 4, res.stdout
        assert "/a/index_1.html" in site.hits, site.hits
        assert last_run(db)["portal_health"]["短缺门户"]["status"] == "incomplete"
    finally:
        site.srv.shutdown()


def test_an_incremental_walk_killed_after_its_first_page_is_walked_to_the_end_next_night(faulty,
                                                                                         tmp_path: Path) -> None:
    """Night 1 walks the column completely.  Fifteen reports are published; night 2 is killed while
    it waits for the column's second API page, after the first page's new reports were captured.
    Night 3 must not stop at page 1 (all known now): the walk that started after the last complete
    one never finished, so it walks to the end and archives every new report."""
    import signal
    import time

    server, registry = faulty
    db = tmp_path / "archive.db"
    assert crawl(registry, db).returncode == 0
    base = sqlite3.connect(db).execute("select count(*) from reports").fetchone()[0]
    added = [server.world.publish("gkmlpt", "深圳市坪山区民政局", 2025, column="721") for _ in range(15)]
    server.plan.add(Fault("stall", site="gkmlpt", path=r"/gkmlpt/api/all/721\?page=2&", seconds=30, times=1))
    args = ["crawl", "--portals", str(registry), "--db", str(db), "--local", "--portal", GKMLPT,
            "-s", "DOWNLOAD_TIMEOUT=60"]
    proc = subprocess.Popen(nianbao_cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not server.plan.count("stall"):
        time.sleep(0.2)
    assert server.plan.count("stall"), "the crawl never asked for page 2"
    time.sleep(3)  # the first page's new reports go into the archive meanwhile
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    got = sqlite3.connect(db).execute("select count(*) from reports").fetchone()[0]
    assert base < got < base + len(added), (base, got)  # killed half-way through the new reports
    server.plan.clear()
    res = crawl(registry, db)
    assert res.returncode == 0, res.stdout + res.stderr[-3000:]
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from reports").fetchone()[0] == base + len(added)
    urls = {u for (u,) in con.execute("select url from reports")}
    assert {server.url(d.site, server.world.report_path(d)) for d in added} <= urls
