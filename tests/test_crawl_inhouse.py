"""A real crawl of in-house columns whose pagers live in the page's scripts and forms, under a prefix.

Why (issue 10, items 1, 3, 4): in-house portals page by a form (`goPage(2)` submitting
`<form action="list.do">` with its `pageNo`), by a pager function building the next URL, or not
at all in the markup — the list is a template filled from a JSON endpoint the page's script names.
Each is followed where the page says, below the site's prefix; and the detail pages here print no
date, so each report's date must come from its own list row (a sibling `<td>`, a `<dd>`, the JSON
record), never from a neighbour's.  The reports are the demo world's (real generated reports).
"""

from __future__ import annotations

import html
import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from test_crawl import crawl

from nianbao.demo import DemoWorld
from nianbao.demo.reports import report_body

pytestmark = pytest.mark.slow

HOST = "127.0.0.25"
PREFIX = "/portal/xxgk"
# column → (reports, per page, pager)
COLUMNS = {"gknb": (10, 4, "json"), "bmnb": (7, 3, "form"), "jdnb": (5, 2, "function")}


class InHouseSite:
    """Three columns of one in-house portal, each paging its own way, detail pages without dates."""

    def __init__(self) -> None:
        world = DemoWorld(sites=("gbk",), counts={"gknb": sum(n for n, _, _ in COLUMNS.values())}, examples=False)
        docs = sorted(world.docs, key=lambda d: d.seq)
        self.columns: dict[str, list] = {}
        for col, (n, _, _) in COLUMNS.items():
            self.columns[col], docs = docs[:n], docs[n:]
        self.hits: list[tuple[str, str, int]] = []
        self.lock = threading.Lock()

    def detail_path(self, col: str, doc) -> str:
        return f"{PREFIX}/{col}/detail/{doc.hexid}.html"

    def respond(self, method: str, path: str, query: dict, form: dict) -> tuple[int, str, bytes]:
        for col, docs in self.columns.items():
            for doc in docs:
                if path == self.detail_path(col, doc):
                    body = f"<h1>{html.escape(doc.title)}</h1><div class='content'>{report_body(doc)}</div>"
                    return 200, "text/html; charset=utf-8", _page(doc.title, body)
        if path == f"{PREFIX}/gknb/index.html":
            return 200, "text/html; charset=utf-8", _page("政府信息公开年报", JSON_COLUMN)
        if path == f"{PREFIX}/gknb/api/list" and method == "POST":
            page, size = int(form.get("pageNo", ["1"])[0]), int(form.get("pageSize", ["4"])[0])
            docs = self.columns["gknb"]
            recs = [{"id": d.seq, "title": d.title, "url": f"./detail/{d.hexid}.html",
                     "publishDate": f"{d.pub_date:%Y-%m-%d} 10:00:00"} for d in docs[(page - 1) * size:page * size]]
            body = {"code": 0, "data": {"list": recs, "total": len(docs), "pageNo": page}}
            return 200, "application/json;charset=UTF-8", json.dumps(body, ensure_ascii=False).encode()
        if path in (f"{PREFIX}/bmnb/list.html", f"{PREFIX}/bmnb/list.do"):
            page = int((form or query).get("pageNo", ["1"])[0])
            return 200, "text/html; charset=utf-8", self._form_list(page)
        if path == f"{PREFIX}/jdnb/index.html" or path.startswith(f"{PREFIX}/jdnb/index_"):
            page = int(path.rsplit("_", 1)[1].split(".")[0]) if "_" in path.rsplit("/", 1)[1] else 1
            return 200, "text/html; charset=utf-8", self._function_list(page)
        return 404, "text/html", b"<h1>404</h1>"

    def _slice(self, col: str, page: int) -> tuple[list, int]:
        _, per, _ = COLUMNS[col]
        docs = self.columns[col]
        pages = -(-len(docs) // per)
        return docs[(page - 1) * per:page * per], pages

    def _form_list(self, page: int) -> bytes:
        docs, pages = self._slice("bmnb", page)
        rows = "".join(f'<tr><td class="title"><a href="detail/{d.hexid}.html" target="_blank">{html.escape(d.title)}'
                       f"</a></td><td class=\"date\">{d.pub_date:%Y-%m-%d}</td></tr>" for d in docs)
        nxt = f"<a href=\"javascript:void(0);\" onclick=\"goPage({page + 1})\">下一页</a>" if page < pages else ""
        body = (f'<div class="crumb">当前位置：<a href="{PREFIX}/bmnb/list.html">部门政府信息公开年报</a></div>'
                f'<table class="list">{rows}</table><div class="pager">共{pages}页 {nxt}</div>'
                '<form id="pageForm" name="pageForm" action="list.do" method="post">'
                f'<input type="hidden" name="columnId" value="bmnb"><input type="hidden" id="pageNo" name="pageNo" '
                f'value="{page}"></form><script>function goPage(n) {{ document.getElementById("pageNo").value = n;'
                ' document.getElementById("pageForm").submit(); }</script>')
        return _page("部门政府信息公开年报", body)

    def _function_list(self, page: int) -> bytes:
        docs, pages = self._slice("jdnb", page)
        rows = "".join(f'<dl><dt><a href="detail/{d.hexid}.html">{html.escape(d.title)}</a></dt>'
                       f"<dd>发布日期：{d.pub_date:%Y年%m月%d日}</dd></dl>" for d in docs)
        nxt = f"<a href=\"javascript:toPage('{page + 1}')\">下一页</a>" if page < pages else ""
        body = (f'<div class="list">{rows}</div><div class="page">{nxt} 第{page}/{pages}页</div>'
                "<script>function toPage(p) { window.location.href = 'index_' + p + '.html'; }</script>")
        return _page("街道政府信息公开年报", body)


JSON_COLUMN = (
    '<div class="position">当前位置：<a href="' + PREFIX + '/gknb/index.html">政府信息公开年报</a></div>'
    '<ul id="list" ms-controller="nblist"><li ms-repeat="items"><a ms-attr-href="el.url" target="_blank">'
    "{{el.title}}</a><span>{{el.publishDate}}</span></li></ul>"
    "<script>var pageNo = 1;\nvar vm = avalon.define({$id: 'nblist', items: []});\n"
    "function load() { $.ajax({url: 'api/list', type: 'post', dataType: 'json',"
    " data: {columnId: 'gknb', pageNo: pageNo, pageSize: 4},"
    " success: function (res) { vm.items = res.data.list; }}); }\nload();\n"
    "$.ajax({url: window.statBase + '/visit', type: 'get'});</script>")


def _page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head><body>'
            f'<div class="header"><a href="{PREFIX}/">首页</a></div>{body}</body></html>').encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def _serve(self, method: str) -> None:
        site: InHouseSite = self.server.site  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        form = {}
        if method == "POST":
            form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
        with site.lock:
            status, ctype, body = site.respond(method, parts.path, parse_qs(parts.query), form)
            site.hits.append((method, self.path, status))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")


@pytest.fixture(scope="module")
def inhouse(tmp_path_factory: pytest.TempPathFactory):
    site = InHouseSite()
    srv = ThreadingHTTPServer((HOST, 0), _Handler)
    srv.daemon_threads = True
    srv.site = site  # type: ignore[attr-defined]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://{HOST}:{srv.server_address[1]}"
    tmp = tmp_path_factory.mktemp("inhouse")
    registry = tmp / "portals.yml"
    starts = [f"{base}{PREFIX}/gknb/index.html", f"{base}{PREFIX}/bmnb/list.html", f"{base}{PREFIX}/jdnb/index.html"]
    registry.write_text(yaml.safe_dump({"portals": [
        {"name": "演示·自建平台（脚本列表）", "region": {"province": "北京市", "city": "北京市", "district": "朝阳区"},
         "start_urls": starts, "platform": "auto", "delay": 0}]}, allow_unicode=True), encoding="utf-8")
    db = tmp / "archive.db"
    run = crawl(registry, db, expect=0)  # every column walked to its end, every report read: all ok
    yield {"site": site, "base": base, "db": db, "run": run}
    srv.shutdown()
    srv.server_close()


def test_script_and_form_paged_columns_walked_to_the_end(inhouse):
    site, base = inhouse["site"], inhouse["base"]
    want = {base + site.detail_path(col, d): (d.title, f"{d.pub_date:%Y-%m-%d}")
            for col, docs in site.columns.items() for d in docs}
    con = sqlite3.connect(inhouse["db"])
    got = {u: (t, p) for u, t, p in con.execute("select url, title, pub_date from reports")}
    assert sorted(set(want) - set(got)) == [] and len(got) == len(want) == 22
    statuses = {s for (s,) in con.execute("select extraction_status from reports")}
    assert statuses == {"ok"}
    hits = site.hits
    assert [h for h in hits if h[2] != 200 and h[1] != "/robots.txt"] == []
    assert [p for m, p, _ in hits if p != "/robots.txt" and not p.startswith(PREFIX + "/")] == []
    assert [p for m, p, _ in hits if m == "POST" and p.endswith("/api/list")] == [f"{PREFIX}/gknb/api/list"] * 3
    assert [p for m, p, _ in hits if m == "POST" and p.endswith("list.do")] == [f"{PREFIX}/bmnb/list.do"] * 2
    assert {p for _, p, _ in hits if "/jdnb/index_" in p} == {f"{PREFIX}/jdnb/index_2.html", f"{PREFIX}/jdnb/index_3.html"}
    # navigation links back to a column (the breadcrumbs) were not taken for reports
    assert not any("/detail/" not in u for u in got)


def test_dates_come_from_each_reports_own_list_row(inhouse):
    """The detail pages print no date: every report's date is its own row's (td, dd, JSON record)."""
    site, base = inhouse["site"], inhouse["base"]
    con = sqlite3.connect(inhouse["db"])
    got = dict(con.execute("select url, pub_date from reports"))
    wrong = {u: (got.get(u), f"{d.pub_date:%Y-%m-%d}") for col, docs in site.columns.items() for d in docs
             for u in [base + site.detail_path(col, d)] if got.get(u) != f"{d.pub_date:%Y-%m-%d}"}
    assert wrong == {}
