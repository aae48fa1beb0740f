"""`nianbao portals discover`: from a site's front door to its 年报 column, on real HTTP servers.

Four home-page layouts are the demo portals' (nianbao/demo: a TRS nav bar → 政府信息公开专栏, a
Hanweb 政务公开 page, a GBK in-house home whose link is an image, a gkmlpt 信息公开 page linking
/gkmlpt/index); more are small sites served here on loopback (a 信息公开目录 tree with per-unit
sub-columns, a <select> dropdown, a menu whose label is split over <span>s).  The negative sites
must give nothing and a non-zero exit: 政务公开 news without a column, a 年报 link to another host,
robots.txt forbidding the column, a refused port, a blocked page, a page budget too small.
"""

from __future__ import annotations

import datetime as dt
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from crawler.commands import portals_group
from crawler.registry import load_registry, parse_registry
from nianbao.demo import DemoServer, DemoWorld

REGISTRY_KEYS = ["name", "region", "start_urls", "platform", "verified", "evidence"]


class Site:
    """A tiny site on 127.0.0.1: path → (status, content type, body); every request logged."""

    def __init__(self, pages: dict[str, tuple[int, str, bytes] | str], robots: str = "User-agent: *\nDisallow:\n"):
        self.pages = {k: (200, "text/html; charset=utf-8", v.encode()) if isinstance(v, str) else v
                      for k, v in pages.items()}
        self.pages.setdefault("/robots.txt", (200, "text/plain", robots.encode()))
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:  # noqa: N802
                site.hits.append(self.path)
                status, ctype, body = site.pages.get(self.path, (404, "text/html", b"<h1>404</h1>"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><div class="top"><a href="/">首页</a></div>{body}<div class="foot">版权所有</div></body></html>')


LIST = page("政府信息公开年报", '<ul class="list"><li><a href="./content/1.html" title="某局2025年政府信息公开'
                           '工作年度报告">某局2025年政府信息公开工作年度报告</a><span>2026-01-20</span></li></ul>')
TRS_LIST = page("部门年报", '<ul class="list"><li><a href="./202601/t20260120_2.html">某局2025年政府信息公开工作年度报告</a>'
                        '</li></ul><script>createPageHTML(1, 0, "index", "html");</script>')


def tree_site() -> Site:
    """A 信息公开目录 tree: the 年报 node opens by onclick, its per-unit children are plain links."""
    tree = ('<ul class="tree"><li><span class="folder">机构职能</span><ul><li><a href="/xxgk/jgzn/">机构职能</a></li>'
            '</ul></li><li><a href="javascript:void(0)" onclick="loadColumn(\'/xxgk/nb/\')">政府信息公开工作年度报告</a>'
            '<ul><li><a href="/xxgk/nb/bmnb/">部门年报</a></li><li><a href="/xxgk/nb/xznb/">乡镇年报</a></li></ul></li>'
            '<li><a href="/xxgk/ysqgk/">依申请公开</a></li></ul>')
    return Site({
        "/": page("演示·示范县人民政府", '<div class="nav"><a href="/xwzx/">新闻中心</a><a href="/xxgk/">政府信息公开</a></div>'),
        "/xxgk/": page("政府信息公开目录", f'<div class="xxgkml"><h3>政府信息公开目录</h3>{tree}</div>'),
        "/xxgk/nb/": LIST, "/xxgk/nb/bmnb/": LIST, "/xxgk/nb/xznb/": LIST,
    })


def select_site() -> Site:
    """The 年报 column only in a <select> dropdown of the home page ("信息公开导航")."""
    body = ('<div class="links"><select onchange="window.open(this.value)"><option value="">信息公开导航</option>'
            '<option value="/col/col2071/index.html">信息公开年报</option><option value="/col/col2072/index.html">'
            '信息公开指南</option></select></div><div class="news"><a href="/art/2026/1/2/art_1_1.html">'
            '我市召开政务公开工作会议</a></div>')
    return Site({"/": page("昆山市人民政府", body), "/col/col2071/index.html": LIST})


def span_site() -> Site:
    """A mega-menu under 政务公开 whose 年报 label is split over three <span>s."""
    body = ('<ul class="menu"><li>政务公开<div class="sub"><a href="/zwgk/zcwj/"><span>政策</span><span>文件</span></a>'
            '<a href="/zwgk/gknb/"><span>政府信息</span><span>公开</span><span>年报</span></a></div></li></ul>')
    return Site({"/": page("南京市鼓楼区人民政府", body), "/zwgk/gknb/": TRS_LIST})


@pytest.fixture(scope="module")
def demo():
    with DemoServer(DemoWorld(generated=False)) as server:
        yield server


@pytest.fixture(scope="module")
def sites():
    made = {"tree": tree_site(), "select": select_site(), "span": span_site()}
    yield made
    for s in made.values():
        s.stop()


def discover(*args: str):
    result = CliRunner().invoke(portals_group, ["discover", "--local", "--timeout", "5", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def entries(result) -> dict[str, dict]:
    data = yaml.safe_load("portals:\n" + result.stdout) or {"portals": []}
    parse_registry(data, "discover output")  # pastes into a registry as printed
    return {e["start_urls"][0]: e for e in data["portals"]}


def test_four_demo_home_layouts(demo: DemoServer):
    homes = [demo.base_url(s) + "/" for s in ("trs", "hanweb", "gbk", "gkmlpt")]
    res = discover(*homes)
    assert res.exit_code == 0, res.stderr
    got = entries(res)
    want = {  # the demo registry's start URLs (server.py) and each family
        demo.url("trs", "/zfxxgkzl/zfxxgknb/"): "trs",
        demo.url("hanweb", "/col/col1229214366/index.html"): "hanweb",
        demo.url("gbk", "/zfxxgk/gknb/"): "generic",
        demo.url("gkmlpt", "/gkmlpt/index"): "gkmlpt",
    }
    assert {u: e["platform"] for u, e in got.items()} == want
    for e in got.values():
        assert list(e) == REGISTRY_KEYS and e["verified"] == dt.date.today()
        assert e["evidence"].startswith("discovered live") and "answered HTTP 200" in e["evidence"]
    hanweb = got[demo.url("hanweb", "/col/col1229214366/index.html")]
    assert hanweb["start_urls"][1] == demo.url("hanweb", "/col/col1229214370/index.html")  # 部门 column beside it
    assert hanweb["region"] == {"province": "浙江省", "city": "宁波市", "district": "江北区"}
    trs = got[demo.url("trs", "/zfxxgkzl/zfxxgknb/")]
    assert "«政府信息公开» link on " + demo.url("trs", "/") in trs["evidence"]
    assert "«政府信息公开年报» link on " + demo.url("trs", "/zfxxgkzl/") in trs["evidence"]
    assert "image link (alt text)" in got[demo.url("gbk", "/zfxxgk/gknb/")]["evidence"]  # GBK, no charset header
    assert "TREE category 721" in got[demo.url("gkmlpt", "/gkmlpt/index")]["evidence"]
    assert res.stderr.count("\nok ") + res.stderr.startswith("ok ") == 4


def test_start_from_the_xxgk_page_or_the_column_itself(demo: DemoServer):
    res = discover(demo.url("trs", "/zfxxgkzl/"), demo.url("hanweb", "/col/col1229214366/index.html"))
    assert res.exit_code == 0, res.stderr
    got = entries(res)
    assert set(got) == {demo.url("trs", "/zfxxgkzl/zfxxgknb/"), demo.url("hanweb", "/col/col1229214366/index.html")}
    assert '<meta name="ColumnName">' in got[demo.url("hanweb", "/col/col1229214366/index.html")]["evidence"]


def test_tree_select_and_span_layouts(sites: dict[str, Site]):
    res = discover(sites["tree"].url + "/", sites["select"].url + "/", sites["span"].url + "/")
    assert res.exit_code == 0, res.stderr
    got = entries(res)
    tree = got[sites["tree"].url + "/xxgk/nb/"]
    assert tree["start_urls"] == [sites["tree"].url + p for p in ("/xxgk/nb/", "/xxgk/nb/bmnb/", "/xxgk/nb/xznb/")]
    assert tree["platform"] == "generic" and "onclick link" in tree["evidence"]
    # 示范县 is not 范县 (what a loose matcher reads into it): nothing named, nothing guessed
    assert tree["region"] == {"province": None, "city": None, "district": None}
    assert "region not inferred" in tree["evidence"] and "region not inferred" in res.stderr
    select = got[sites["select"].url + "/col/col2071/index.html"]
    assert select["platform"] == "hanweb" and "<select> option" in select["evidence"]
    span = got[sites["span"].url + "/zwgk/gknb/"]
    assert span["platform"] == "trs" and "«政府信息公开年报» link (text in 3 <span>s)" in span["evidence"]
    assert span["region"] == {"province": "江苏省", "city": "南京市", "district": "鼓楼区"}


def test_news_without_a_column_gives_nothing():
    site = Site({
        "/": page("演示·无年报区人民政府", '<div class="nav"><a href="/zwgk/">政务公开</a><a href="/xwzx/">新闻中心</a></div>'),
        "/zwgk/": page("政务公开", '<ul class="news"><li><a href="/zwgk/1.html">关于印发《2025年政务公开工作要点》的通知</a></li>'
                               '<li><a href="/zwgk/2.html">区政府2024年政府信息公开工作年度报告</a></li>'
                               '<li><a href="/zwgk/3.html">政府工作报告</a></li><li><a href="/zwgk/zn/">政府信息公开指南</a></li>'
                               '<li><a href="/zwgk/4.pdf">信息公开年报.pdf</a></li></ul>'),
    })
    try:
        res = discover(site.url + "/")
    finally:
        site.stop()
    assert res.exit_code == 1 and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"FAIL {site.url}/: no 年报 column found in 2 page(s) read "
                                                 f"({site.url}/, {site.url}/zwgk/)")
    assert site.hits == ["/robots.txt", "/", "/zwgk/"]


def test_a_column_on_another_host_is_not_followed():
    other = Site({"/zfxxgknb/": LIST})
    site = Site({"/": page("演示·外链区人民政府", f'<a href="{other.url}/zfxxgknb/">政府信息公开年报</a>')})
    try:
        res = discover(site.url + "/")
    finally:
        site.stop()
        other.stop()
    assert res.exit_code == 1 and res.stdout == ""
    assert "1 年报 link(s) point to another host, not followed: «政府信息公开年报» " + other.url in res.stderr
    assert other.hits == []  # not contacted at all, not even its robots.txt


def test_robots_txt_is_obeyed():
    site = Site({"/": page("演示·禁抓区人民政府", '<a href="/xxgk/gknb/">政府信息公开年报</a>'), "/xxgk/gknb/": LIST},
                robots="User-agent: *\nDisallow: /xxgk/\n")
    try:
        res = discover(site.url + "/")
    finally:
        site.stop()
    assert res.exit_code == 1
    assert f"robots.txt forbids {site.url}/xxgk/gknb/" in res.stderr
    assert "/xxgk/gknb/" not in site.hits


def test_unreachable_url_says_why_in_one_line_quickly():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    t0 = time.monotonic()
    res = discover(f"http://127.0.0.1:{port}/")
    assert time.monotonic() - t0 < 5
    assert res.exit_code == 1 and res.stdout == ""
    assert res.stderr == f"FAIL http://127.0.0.1:{port}/: unreachable: connection refused by 127.0.0.1:{port}\n"


def test_blocked_page_and_page_budget(demo: DemoServer):
    res = discover(demo.url("trs", "/zfxxgkzl/zfxxgknb/2019nb/"), "--max-pages", "1", demo.base_url("hanweb") + "/")
    assert res.exit_code == 1 and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0] == (f"FAIL {demo.url('trs', '/zfxxgkzl/zfxxgknb/2019nb/')}: blocked: ruishu_412 (HTTP 412) at "
                        f"{demo.url('trs', '/zfxxgkzl/zfxxgknb/2019nb/')}")
    assert "page budget (1) used up" in lines[1]


def test_some_found_some_not_exits_3(demo: DemoServer):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = discover(demo.base_url("gbk") + "/", f"http://127.0.0.1:{port}/")
    assert res.exit_code == 3
    assert list(entries(res)) == [demo.url("gbk", "/zfxxgk/gknb/")]
    assert "FAIL" in res.stderr and "connection refused" in res.stderr


RESEARCH = Path(__file__).resolve().parents[2] / "shared" / "research" / "portals.md"


def test_shipped_registry_urls_come_from_the_research_notes():
    """Facts only: every start URL of crawler/portals.yml is written in portals.md (the notes elide
    a repeated prefix with … and sometimes drop the scheme or www.), and no entry claims a live
    check the notes never made."""
    if not RESEARCH.exists():
        pytest.skip(f"research notes not found at {RESEARCH}")
    doc = RESEARCH.read_text(encoding="utf-8").replace("&amp;", "&")
    portals = load_registry()
    for p in portals:
        assert p.evidence and "portals.md §" in p.evidence, p.name
        assert p.verified is None and "not seen live" in p.evidence, p.name
        for url in p.start_urls:
            bare = re.sub(r"^https?://(www\.)?", "", url)
            host, _, path = bare.partition("/")
            tails = ["/".join(path.split("/")[i:]) for i in range(path.count("/"))]  # …/c109605/ elides a prefix
            assert host in doc and (bare in doc or any(f"…/{t}" in doc for t in tails)), (p.name, url)


def test_one_site_given_twice_is_one_entry(demo: DemoServer):
    res = discover(demo.base_url("trs") + "/", demo.url("trs", "/zfxxgkzl/"))
    assert res.exit_code == 0, res.stderr
    data = yaml.safe_load("portals:\n" + res.stdout)
    assert [e["start_urls"] for e in data["portals"]] == [[demo.url("trs", "/zfxxgkzl/zfxxgknb/")]]
