"""Budgets per portal and fair CPU: a hostile portal cannot hold the night, nor stall the others.

Two portals on loopback, served by one small threaded server that logs every hit with its time:
a hostile one (a tree of list pages without end, a calendar tree, a list of thousands of entries,
a detail page with thousands of attachment links, a detail page of several megabytes) and a healthy
one (a column of 24 list pages, one report each).  Crawled by real `nianbao crawl` subprocesses.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import generate
import pytest
import yaml
from conftest import EXIT_NOT_ALL_OK, last_run
from test_crawl_health import accounted, crawl

pytestmark = pytest.mark.slow
HOSTILE, HEALTHY = "敌意门户", "正常门户"
HEALTHY_PAGES = 24
REPORTS = [generate.render_text(generate.make_spec(700 + n, "2021")) for n in range(HEALTHY_PAGES)]


def _list(links: list[tuple[str, str]], next_url: str | None = None) -> bytes:
    items = "".join(f'<li><a href="{u}">{t}</a><span>2025-01-20</span></li>' for u, t in links)
    pager = f'<a href="{next_url}">下一页</a>' if next_url else ""
    return f"<html><body><ul>{items}</ul>{pager}</body></html>".encode()


class Portals:
    """The two sites: `hits` holds (host, path, monotonic time) for every request."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str, float]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                host = self.server.server_address[0]
                outer.hits.append((host, self.path, time.monotonic()))
                body, ctype = outer.page(host, self.path)
                self.send_response(200 if body is not None else 404)
                body = body or b"not found"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.servers = [ThreadingHTTPServer((host, 0), Handler) for host in ("127.0.0.5", "127.0.0.6")]
        for srv in self.servers:
            srv.daemon_threads = True
            threading.Thread(target=srv.serve_forever, daemon=True).start()

    def base(self, i: int) -> str:
        host, port = self.servers[i].server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        for srv in self.servers:
            srv.shutdown()

    def page(self, host: str, path: str) -> tuple[bytes | None, str]:
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n", "text/plain"
        if host == "127.0.0.6" and path.endswith(".txt"):
            return REPORTS[int(path.rsplit("/r", 1)[1].split(".")[0])], "text/plain; charset=utf-8"
        if host == "127.0.0.6":  # healthy: /nb/index.html, index_1 … index_23, one report each
            n = 0 if path.endswith("/index.html") else int(path.rsplit("_", 1)[1].split(".")[0])
            nxt = f"/nb/index_{n + 1}.html" if n + 1 < HEALTHY_PAGES else None
            return _list([(f"/nb/r{n}.txt", f"2024年第{n}号政府信息公开工作年度报告")], nxt), html
        if path.startswith("/nb/tree/"):  # a tree of list pages without end: 20 sub-columns everywhere
            return _list([(f"{path}d{i}/", f"第{i}部门") for i in range(20)]), html
        if path == "/nb/":
            return _list([("/nb/tree/", "部门年报"), ("/nb/2024-01/", "2024年1月"), ("/nb/junk/", "乡镇年报"),
                          ("/nb/att.html", "2024年政府信息公开工作年度报告（附件）"),
                          ("/nb/big.html", "2024年政府信息公开工作年度报告（全文）")]), html
        if path.startswith("/nb/2024-"):  # a calendar: every day links the next month
            return _list([(f"/nb/2024-{m:02d}/", f"{m}月") for m in range(1, 13)]), html
        if path == "/nb/junk/":  # thousands of junk entries that match the title pattern
            return _list([(f"/nb/junk/{i}.html", f"年度报告{i}") for i in range(3000)]), html  # all 404
        if path == "/nb/att.html":
            links = "".join(f'<a href="/nb/att/{i}.pdf">附件{i}.pdf</a>' for i in range(2000))
            return f"<html><body><h1>2024年政府信息公开工作年度报告</h1><div class='content'>{links}</div></body></html>".encode(), html
        if path == "/nb/big.html":  # eight megabytes of nested table cells
            row = "<tr>" + "<td>1</td>" * 20 + "</tr>"
            return ("<html><body><h1>2024年政府信息公开工作年度报告</h1><div class='content'><table>"
                    + row * (8 * 1024 * 1024 // len(row)) + "</table></div></body></html>").encode(), html
        return None, html


@pytest.fixture
def portals(tmp_path: Path) -> Iterator[tuple[Portals, Path]]:
    world = Portals()
    registry = tmp_path / "portals.yml"
    registry.write_text(yaml.safe_dump({"portals": [
        {"name": HOSTILE, "region": {"province": "北京市"}, "start_urls": [world.base(0) + "/nb/"],
         "platform": "generic", "max_requests": 400},
        {"name": HEALTHY, "region": {"province": "北京市"}, "start_urls": [world.base(1) + "/nb/index.html"],
         "platform": "generic"},
    ]}, allow_unicode=True), encoding="utf-8")
    try:
        yield world, registry
    finally:
        world.stop()


# the 8 MB page is read by the extractor off the reactor; it gives up on it after this long
LIMITS = ("-s", "NIANBAO_EXTRACT_TIMEOUT=15")


def test_budgets_stop_the_hostile_portal_only_and_say_so(portals, tmp_path: Path) -> None:
    world, registry = portals
    db = tmp_path / "archive.db"
    res = crawl(registry, db, "-s", "NIANBAO_MAX_ENTRIES_PER_PAGE=40", "-s", "NIANBAO_MAX_ATTACHMENTS=5",
                "-s", "NIANBAO_MAX_COLUMNS=600", *LIMITS, portal=None)
    assert res.returncode == EXIT_NOT_ALL_OK, res.stdout + res.stderr[-3000:]
    health = last_run(db)["portal_health"]
    bad, good = health[HOSTILE], health[HEALTHY]
    for h in (bad, good):
        accounted(h)
    # the healthy portal is walked to its end and archived whole, whatever the other one did
    assert good["status"] == "ok" and good["new"] == HEALTHY_PAGES, good
    # the hostile portal stops at its budgets, each said with its number
    assert bad["status"] == "incomplete", bad
    hostile_requests = sum(1 for host, path, _ in world.hits if host == "127.0.0.5" and path != "/robots.txt")
    assert hostile_requests <= 400 and bad["requests"] == 400, (hostile_requests, bad["requests"])
    assert bad["budget_exhausted"] > 0 and any("request budget used up" in r for r in bad["reasons"]), bad
    assert bad["entries_capped"] == 3000 - 40
    assert bad["attachments_capped"] == 2000 - 5
    assert bad["traps"].get("calendar", 0) >= 1
    assert not any(path.startswith("/nb/2024-") for host, path, _ in world.hits), "a calendar URL was followed"
    con = sqlite3.connect(db)
    assert con.execute("select last_complete_walk from crawl_portal_state where portal = ?",
                       [HOSTILE]).fetchone()[0] is None
    assert con.execute("select last_complete_walk from crawl_portal_state where portal = ?",
                       [HEALTHY]).fetchone()[0] is not None


def test_a_huge_page_does_not_stall_the_other_portal(portals, tmp_path: Path) -> None:
    """The 8 MB detail page is archived as a report without being parsed on the reactor, so the
    healthy portal's requests keep flowing: no gap between two of them longer than a few seconds
    (parsing it on the reactor took 9 s of CPU here, more on a loaded machine)."""
    world, registry = portals
    db = tmp_path / "archive.db"
    res = crawl(registry, db, "-s", "NIANBAO_MAX_ENTRIES_PER_PAGE=5", "-s", "NIANBAO_MAX_ATTACHMENTS=2",
                "-s", "NIANBAO_MAX_COLUMNS=10", *LIMITS, portal=None)
    assert res.returncode == EXIT_NOT_ALL_OK, res.stdout + res.stderr[-3000:]
    bad = last_run(db)["portal_health"][HOSTILE]
    assert bad["detail_pages_unparsed"] == 1, bad
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from reports where url like '%/nb/big.html'").fetchone()[0] == 1
    big_at = next(t for host, path, t in world.hits if path == "/nb/big.html")
    healthy = sorted(t for host, path, t in world.hits if host == "127.0.0.6" and path != "/robots.txt")
    assert len(healthy) >= HEALTHY_PAGES
    after = [t for t in healthy if t >= big_at]
    assert len(after) >= 3, "the healthy walk was over before the huge page came: nothing measured"
    gaps = [b - a for a, b in zip(healthy, healthy[1:], strict=False)]
    assert max(gaps) < 8, f"the healthy portal waited {max(gaps):.1f} s between two requests ({len(after)} after)"
