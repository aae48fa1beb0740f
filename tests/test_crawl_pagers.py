"""Pagers taken from the page, what a column advertises, script-driven lists, and list rows.

Why (issue 10): an adapter that rebuilds its pager URL from the site root misses every page of a
site mounted under a path prefix; one that cannot follow a script-rendered list must say so; and a
report whose detail page prints no date keeps the one its list row shows — never a neighbour's.
The pages below are the shapes of portals.md §1 (TRS, Hanweb, gkmlpt, in-house), under prefixes.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from crawler.adapters import ADAPTERS, adapter_for
from crawler.adapters.base import advertised_in, harvest_entries
from crawler.registry import Portal

HOST = "http://127.0.0.9"
PORTAL = Portal(name="t", province=None, city=None, district=None, start_urls=[f"{HOST}/site/a/zfxxgknb/"])
TITLE = "北京市某区民政局2025年政府信息公开工作年度报告"


def page(url: str, body: str, meta: dict | None = None) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8", request=Request(url, meta=meta or {}))


def answer(request: Request, body: str, ctype: str = "application/json") -> TextResponse:
    """The response to a request the adapter made, carrying that request's meta."""
    return TextResponse(request.url, body=body.encode("utf-8"), encoding="utf-8", request=request,
                        headers={"Content-Type": ctype})


def parse(response, platform: str = "auto"):
    return adapter_for(platform, response).parse_list(response, PORTAL)


# --- the shared textual forms ---------------------------------------------------------------------

@pytest.mark.parametrize("text, want", [
    ("<div class='page'>共45条 第1/5页</div>", (45, 5)),
    ("<span>共 45 条记录</span> <span>共 5 页</span>", (45, 5)),
    ("总记录数：45 当前第1页", (45, None)),
    ("<script>var recordCount = 45; var pageCount = 5;</script>", (45, 5)),
    ('<script>pager.init({"totalCount": "45", "totalPage": 5})</script>', (45, 5)),
    ("<p>共有12篇</p><a>下一页</a>", (12, None)),
    ("<ul><li><a>2025年年度报告</a></li></ul>", (None, None)),
])
def test_advertised_textual_forms(text, want) -> None:
    assert advertised_in(text) == want


# --- TRS ------------------------------------------------------------------------------------------

def test_trs_pager_under_a_prefix_with_its_counts() -> None:
    base = f"{HOST}/site/a/zfxxgknb/bmnb_97166/"
    li = f'<ul class="list"><li><a href="./202601/t20260120_1.html" title="{TITLE}">x</a><span>2026-01-20</span></li></ul>'
    b = parse(page(base + "list_2.shtml", li + "<script>{createPageHTML('page_div',22,2,'list','shtml',325);}</script>"))
    assert [r.url for r in b.next_requests] == [base + "list_3.shtml"]
    assert (b.advertised, b.advertised_pages) == (325, 22)
    a = parse(page(base, li + '<script>createPageHTML(50, 0, "index", "htm");</script>'))
    assert [r.url for r in a.next_requests] == [base + "index_1.htm"] and a.advertised_pages == 50
    assert a.advertised is None  # variant A states no record count
    last = parse(page(base + "index_49.htm", li + '<script>createPageHTML(50, 49, "index", "htm");</script>'))
    assert last.next_requests == []
    c = parse(page(base + "index_1.html", li + "<script>var countPage = 3</script><p>共28条</p>"))
    assert [r.url for r in c.next_requests] == [base + "index_2.html"] and (c.advertised, c.advertised_pages) == (28, 3)
    # a page naming its own base URL: the pager's relative page names resolve against it
    d = parse(page(f"{HOST}/cms/c1/index.html", '<head><base href="/site/a/nb/"></head>' + li
                   + '<script>createPageHTML(2, 0, "index", "html");</script>'))
    assert [r.url for r in d.next_requests] == [f"{HOST}/site/a/nb/index_1.html"]


# --- Hanweb ---------------------------------------------------------------------------------------

def _hanweb_column(prefix: str, *, nextgroup: bool, proxy: str | None) -> str:
    recs = "".join(f"<record><![CDATA[<li><a href='{prefix}/art/2026/1/{i}/art_33718_{i}.html' title='{TITLE[:-6]}{i}"
                   f"年度报告'>x</a><span>2026-01-{i:02d}</span></li>]]></record>" for i in range(1, 7))
    ng = (f'<nextgroup><![CDATA[<a href="{prefix}/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&path=/&'
          f'columnid=33718&unitid=212860&webname=%E6%BC%94&permissiontype=0"></a>]]></nextgroup>') if nextgroup else ""
    cfg = f"proxyUrl: '{proxy}', " if proxy else ""
    return (f'<div id="212860"><script type="text/xml"><datastore>{ng}<recordset>{recs}</recordset></datastore></script>'
            f"</div><script>$('#212860').jpage({{dataStore: [], totalRecord: 20, perPage: 2, {cfg}groupSize: 3, "
            f"ajaxParam: {{col: 1, appid: 1, webid: 3, path: '{prefix}/', columnid: 33718, unitid: 212860, "
            f"webname: 'x', permissiontype: 0}}}});</script>")


def test_hanweb_post_proxy_is_the_one_the_page_names() -> None:
    url = f"{HOST}/prefix/col/col33718/index.html"
    listing = parse(page(url, _hanweb_column("/prefix", nextgroup=False, proxy="/prefix/module/web/jpage/dataproxy.jsp")))
    assert len(listing.entries) == 6 and listing.advertised == 20 and listing.notes == []
    [req] = listing.next_requests
    assert req.method == "POST"
    assert req.url == f"{HOST}/prefix/module/web/jpage/dataproxy.jsp?startrecord=7&endrecord=12&perpage=2"
    form = parse_qs(req.body.decode())
    assert form["path"] == ["/prefix/"] and form["columnid"] == ["33718"] and form["unitid"] == ["212860"]
    assert req.headers[b"X-Requested-With"] == b"XMLHttpRequest"
    # the proxy's answer: its records, what it advertises, and the next range
    xml = ("<datastore><totalrecord>20</totalrecord><totalpage>10</totalpage><recordset>"
           + "".join(f"<record><![CDATA[<li><a href='/prefix/art/2026/2/{i}/art_33718_{i}.html' title='{TITLE}{i}'>x"
                     f"</a><span>2026-02-{i:02d}</span></li>]]></record>" for i in range(7, 13)) + "</recordset></datastore>")
    ans = parse(answer(req, xml, "text/xml"), "hanweb")
    assert len(ans.entries) == 6 and (ans.advertised, ans.advertised_pages) == (20, 10)
    assert ans.next_requests[0].url.endswith("dataproxy.jsp?startrecord=13&endrecord=18&perpage=2")
    assert ans.entries[0].date == "2026-02-07"


def test_hanweb_get_pager_is_the_nextgroup_link_itself() -> None:
    url = f"{HOST}/prefix/col/col33718/index.html"
    listing = parse(page(url, _hanweb_column("/prefix", nextgroup=True, proxy="/prefix/module/web/jpage/dataproxy.jsp")))
    [req] = listing.next_requests
    parts = urlsplit(req.url)
    assert req.method == "GET" and parts.path == "/prefix/module/web/jpage/dataproxy.jsp"
    q = parse_qs(parts.query)
    assert q["page"] == ["4"] and q["perpage"] == ["2"] and q["webname"] == ["演"] and q["path"] == ["/"]


@pytest.mark.parametrize("script, want", [
    ("var cfg = {url: '/prefix/module/web/jpage/dataproxy.jsp'};", "/prefix/module/web/jpage/dataproxy.jsp"),
    ("var u = 'morecolumndataproxy.jsp?x=1';", "/prefix/col/col33718/morecolumndataproxy.jsp?x=1"),
])
def test_hanweb_proxy_from_any_literal_naming_it(script: str, want: str) -> None:
    url = f"{HOST}/prefix/col/col33718/index.html"
    listing = parse(page(url, _hanweb_column("/prefix", nextgroup=False, proxy=None) + f"<script>{script}</script>"))
    [req] = listing.next_requests
    assert urlsplit(req.url).path + ("?x=1" if "x=1" in req.url else "") == want and listing.notes == []


def test_hanweb_page_naming_no_proxy_gets_the_default_and_says_so() -> None:
    listing = parse(page(f"{HOST}/prefix/col/col33718/index.html", _hanweb_column("/prefix", nextgroup=False, proxy=None)))
    [req] = listing.next_requests
    assert urlsplit(req.url).path == "/module/web/jpage/dataproxy.jsp"
    assert listing.notes and "names no dataproxy URL" in listing.notes[0]


# --- gkmlpt ---------------------------------------------------------------------------------------

GK_CONFIG = {"SID": "755041", "TREE": [{"id": 700, "name": "通知公告"}, {"id": 721, "name": "政府信息公开年报"}]}


def test_gkmlpt_api_sits_beside_the_pages_gkmlpt_path() -> None:
    shell = f"<div id='app'></div><script>window._CONFIG = {json.dumps(GK_CONFIG, ensure_ascii=False)};</script>"
    listing = parse(page(f"{HOST}/sub/gkmlpt/index", shell))
    assert [r.url for r in listing.next_requests] == [f"{HOST}/sub/gkmlpt/api/all/721?page=1&sid=755041"]
    assert listing.unfollowed == [] and listing.notes == []
    named = dict(GK_CONFIG, API_URL="/data/gkmlpt/api")
    listing = parse(page(f"{HOST}/sub/gkmlpt/index", f"<script>window._CONFIG = {json.dumps(named)};</script>"))
    assert [r.url for r in listing.next_requests] == [f"{HOST}/data/gkmlpt/api/all/721?page=1&sid=755041"]
    elsewhere = parse(page(f"{HOST}/xxgk/index.html", f"<script>window._CONFIG = {json.dumps(GK_CONFIG)};</script>"),
                      "gkmlpt")
    assert elsewhere.next_requests[0].url.startswith(f"{HOST}/gkmlpt/api/all/721?") and elsewhere.notes


def test_gkmlpt_answer_advertises_its_total_and_pages_from_its_own_url() -> None:
    req = Request(f"{HOST}/sub/gkmlpt/api/all/721?page=1&sid=755041",
                  meta={"nb_gkmlpt": {"cat": "721", "sid": "755041", "page": 1}})
    arts = [{"title": f"{TITLE}{i}", "post_url": f"/sub/gkmlpt/content/4/1/post_{i}.html",
             "created_at": "2026-01-20 09:00:00"} for i in range(5)]
    listing = parse(answer(req, json.dumps({"articles": arts, "total": 12}, ensure_ascii=False)), "gkmlpt")
    assert len(listing.entries) == 5 and listing.advertised == 12
    assert [r.url for r in listing.next_requests] == [f"{HOST}/sub/gkmlpt/api/all/721?page=2&sid=755041"]
    assert listing.entries[0].url == f"{HOST}/sub/gkmlpt/content/4/1/post_0.html"


# --- in-house pagers: 下一页, forms, pager functions ------------------------------------------

ROWS = "".join(f'<tr><td><a href="{i}.html" title="{TITLE}{i}">{TITLE}{i}</a></td><td>2025-01-2{i}</td></tr>'
               for i in range(3))


def test_next_link_and_last_page_number_from_the_pager() -> None:
    body = (f'<table>{ROWS}</table><div class="fy"><a href="?page=1">1</a><span>2</span><a href="?page=3">3</a>'
            '<a href="?page=7">7</a><a href="?page=3">下一页</a><a href="?page=7">尾页</a></div>')
    listing = parse(page(f"{HOST}/portal/gk/zfxxgk/gknb/?page=2", body))
    assert [r.url for r in listing.next_requests] == [f"{HOST}/portal/gk/zfxxgk/gknb/?page=3"]
    assert listing.advertised_pages == 7 and len(listing.entries) == 3


def test_form_pager_submits_the_pages_form() -> None:
    body = (f"<table>{ROWS}</table><form id='pageForm' action='list.do' method='post'>"
            "<input type='hidden' name='columnId' value='bmnb'><input type='hidden' name='pageNo' value='1'></form>"
            "<a href='javascript:void(0)' onclick='goPage(2);return false;'>下一页</a> 共3页"
            "<script>function goPage(n){ document.getElementById('pageNo').value = n; "
            "document.getElementById('pageForm').submit(); }</script>")
    listing = parse(page(f"{HOST}/portal/xxgk/bmnb/list.html", body))
    [req] = listing.next_requests
    assert req.method == "POST" and req.url == f"{HOST}/portal/xxgk/bmnb/list.do"
    assert parse_qs(req.body.decode()) == {"columnId": ["bmnb"], "pageNo": ["2"]}
    assert listing.advertised_pages == 3


def test_pager_function_building_a_url() -> None:
    body = (f"<table>{ROWS}</table><a href=\"javascript:toPage('2')\">下一页</a>"
            "<script>function toPage(p) { window.location.href = 'index_' + p + '.html'; }</script>")
    listing = parse(page(f"{HOST}/portal/xxgk/jdnb/index.html", body))
    assert [r.url for r in listing.next_requests] == [f"{HOST}/portal/xxgk/jdnb/index_2.html"]


# --- script-driven lists ----------------------------------------------------------------------

AVALON = ('<ul ms-controller="list"><li ms-repeat="items"><a ms-attr-href="el.url">{{el.title}}</a>'
          "<span>{{el.date}}</span></li></ul>")


def test_json_endpoint_named_in_a_script_is_followed_and_paged() -> None:
    body = AVALON + ("<script>var pageNo = 1;\n$.ajax({url: 'api/list', type: 'post', dataType: 'json',"
                     " data: {columnId: 'gknb', pageNo: pageNo, pageSize: 4}, success: function (r) {"
                     " vm.items = r.data.list; }});\n$.ajax({url: counter + '/visit'});</script>")
    listing = parse(page(f"{HOST}/portal/xxgk/gknb/index.html", body))
    assert listing.unfollowed == []  # the template's source is named and followed
    [req] = listing.next_requests
    assert req.method == "POST" and req.url == f"{HOST}/portal/xxgk/gknb/api/list"
    assert parse_qs(req.body.decode()) == {"columnId": ["gknb"], "pageNo": ["1"], "pageSize": ["4"]}
    recs = [{"title": f"{TITLE}{i}", "url": f"./2025/{i}.html", "publishDate": "2025-01-20 10:00"} for i in range(4)]
    ans = parse(answer(req, json.dumps({"code": 0, "data": {"list": recs, "total": 10, "totalPage": 3}})), "generic")
    assert [e.url for e in ans.entries][:1] == [f"{HOST}/portal/xxgk/gknb/2025/0.html"]  # against the page
    assert ans.entries[0].date == "2025-01-20" and (ans.advertised, ans.advertised_pages) == (10, 3)
    [nxt] = ans.next_requests
    assert parse_qs(nxt.body.decode())["pageNo"] == ["2"]
    last = parse(answer(nxt.replace(meta={"nb_script": dict(nxt.meta["nb_script"], fetched=8)}),
                        json.dumps({"data": {"list": recs[:2], "total": 10}})), "generic")
    assert last.next_requests == [] and len(last.entries) == 2


def test_get_and_json_body_loaders() -> None:
    body = ("<div id='list'></div><script>var size = 10;\n"
            "$.getJSON('/portal/api/nb?channel=12&page=' + page + '&size=' + size, function (d) { render(d); });\n"
            "var page = 1;</script>")
    [req] = parse(page(f"{HOST}/portal/xxgk/nb/", body)).next_requests
    assert req.method == "GET" and req.url == f"{HOST}/portal/api/nb?channel=12&page=1&size=10"
    body = ("<div id='list'></div><script>fetch('/irs/front/list', {method: 'POST', "
            "body: JSON.stringify({tableName: 't_nb', pageNo: 1, pageSize: 20})});</script>")
    [req] = parse(page(f"{HOST}/site/a/zfxxgknb/", body)).next_requests
    assert req.method == "POST" and json.loads(req.body) == {"tableName": "t_nb", "pageSize": 20, "pageNo": 1}
    body = "<div id='list'></div><script>$('#list').load('list_content.html #main');</script>"
    [req] = parse(page(f"{HOST}/portal/xxgk/nb/index.html", body)).next_requests
    assert req.url == f"{HOST}/portal/xxgk/nb/list_content.html"
    frag = parse(answer(req, f"<ul>{ROWS.replace('tr>', 'li>').replace('td>', 'span>')}</ul>", "text/html"), "generic")
    assert len(frag.entries) == 3


@pytest.mark.parametrize("body, marker", [
    (AVALON + "<script>avalon.define({$id: 'list', items: []}); $.ajax({url: api + '/list', data: {pageNo: 1}});"
     "</script>", ["jquery $.ajax (URL built at run time)", "avalon ms-repeat"]),
    ('<div id="app"><div v-for="item in list"><a :href="item.url">{{ item.title }}</a></div></div>', ["vue v-for"]),
    ("<table><tr ng-repeat='r in rows'><td><a href='{{r.url}}'>{{r.title}}</a></td></tr></table>",
     ["angular ng-repeat"]),
    ("<div id='list'></div><script>$.get(base + 'list?col=nb', function (h) { $('#list').html(h); });</script>",
     ["jquery $.get (URL built at run time)"]),
    ('<ul class="avalon"><li ms-for="el in @list"><a ms-attr="{href: el.url}">{{el.title}}</a></li></ul>',
     ["avalon ms-for"]),
    ("<div id='list'></div><script type='text/html' id='tpl'><li><a href='{{url}}'>{{title}}</a></li></script>",
     ["script template"]),
])
def test_script_lists_the_page_names_no_source_for_are_marked(body: str, marker: list[str]) -> None:
    listing = parse(page(f"{HOST}/portal/xxgk/nb/index.html", body))
    assert listing.unfollowed == marker and listing.next_requests == []


def test_a_source_off_the_portals_hosts_is_marked_not_asked() -> None:
    body = "<div id='list'></div><script>$.getJSON('https://api.example.gov.cn/nb/list?page=1');</script>"
    listing = parse(page(f"{HOST}/portal/xxgk/nb/index.html", body))
    assert listing.next_requests == []
    assert listing.unfollowed == ["$.getJSON (source off the portal's hosts: api.example.gov.cn)"]


def test_static_list_with_an_unrelated_script_loader_is_not_marked() -> None:
    body = (f"<table>{ROWS}</table><script>$.ajax({{url: '/portal/visit/count', data: {{id: 12}}}});"
            "$.get(counter + '/hits');</script>")
    listing = parse(page(f"{HOST}/portal/xxgk/nb/index.html", body))
    assert listing.unfollowed == [] and listing.next_requests == [] and len(listing.entries) == 3


def test_json_answer_without_links_or_list_is_marked() -> None:
    req = Request(f"{HOST}/api/list?pageNo=1", meta={"nb_script": {"call": "$.ajax", "template": f"{HOST}/api/list",
                                                                   "method": "GET", "params": {}, "page_key": "pageNo",
                                                                   "page": 1, "first": 1, "size": None, "fetched": 0}})
    ids = parse(answer(req, json.dumps({"rows": [{"id": 1, "title": TITLE}], "total": 1})), "generic")
    assert ids.unfollowed == ["$.ajax records without links (/api/list)"]
    junk = parse(answer(req, json.dumps({"count": 3})), "generic")
    assert junk.unfollowed == ["$.ajax answer without a list (/api/list)"]


# --- list rows: navigation is not an entry, dates come from the entry's own row -----------------

def entries(body: str, url: str = f"{HOST}/site/a/zfxxgknb/index.html", **kw):
    return harvest_entries(page(url, body).selector, url, PORTAL, page_url=url, **kw)


def test_navigation_links_are_not_entries() -> None:
    body = ('<div class="position">当前位置：<a href="/site/a/zfxxgknb/index.shtml">政府信息公开年报</a></div>'
            '<div class="leftnav"><a href="/site/a/bmnb.html">部门政府信息公开年报</a>'
            '<a href="/site/a/2024nb.html">2024年度政府信息公开年报</a></div>'
            '<ul><li><a href="/site/a/jdnb.shtml">街道年报</a></li>'
            '<li><a href="/site/a/zfxxgknb/?page=1">政府信息公开工作年度报告</a><span>2026-01-20</span></li>'
            '<li><a href="/site/a/list.jsp?channelId=7">乡镇政府信息公开年报</a></li>'
            f'<li><a href="./202601/t20260120_1.html">{TITLE}</a><span>2026-01-20</span></li></ul>')
    got = entries(body)
    assert [(e.url, e.date) for e in got] == [(f"{HOST}/site/a/zfxxgknb/202601/t20260120_1.html", "2026-01-20")]


def test_dates_from_sibling_cells_never_a_neighbours() -> None:
    body = (
        f'<table><tr><td><div><a href="t1.html">{TITLE}1</a></div></td><td class="date">2025-01-20</td></tr>'
        f'<tr><td><a href="t2.html">{TITLE}2</a></td><td>[2025/02/03]</td></tr></table>'
        f'<ul><li><a href="t3.html" title="{TITLE}3">…</a><span class="date">2025年3月4日</span></li>'
        f'<li><div class="t"><a href="t4.html">{TITLE}4</a></div><div class="d"><span class="date">2025-04-05</span>'
        "</div></li></ul>"
        f'<dl><dt><a href="t5.html">{TITLE}5</a></dt><dd>2025-05-06</dd></dl>'
        f'<dl><dt><a href="t6.html">{TITLE}6</a></dt><dd>2025-06-07</dd><dt><a href="t7.html">{TITLE}7</a></dt>'
        "<dd>2025-07-08</dd><dt><a href='t8.html'>" + TITLE + "8</a></dt></dl>"
        f'<div class="flat"><a href="t9.html">{TITLE}9</a> <a href="t10.html">{TITLE}10</a><span>2025-10-11</span></div>'
        f'<ul><li><a href="t11.html"><span class="title">{TITLE}11</span><span class="time">2025-11-12</span></a></li>'
        f'<li><a href="t12.html">{TITLE}12</a></li></ul>')
    got = {e.url.rsplit("/", 1)[1]: (e.title, e.date) for e in entries(body)}
    dates = {k: d for k, (_, d) in got.items()}
    assert dates == {"t1.html": "2025-01-20", "t2.html": "2025-02-03", "t3.html": "2025-03-04", "t4.html": "2025-04-05",
                     "t5.html": "2025-05-06", "t6.html": "2025-06-07", "t7.html": "2025-07-08", "t8.html": None,
                     "t9.html": None, "t10.html": None, "t11.html": "2025-11-12", "t12.html": None}
    assert got["t11.html"][0] == f"{TITLE}11"  # the date printed inside the link is not part of the title


def test_every_family_fills_the_same_fields() -> None:
    assert set(ADAPTERS) == {"generic", "trs", "hanweb", "gkmlpt"}
    for adapter in ADAPTERS.values():
        listing = adapter.parse_list(page(f"{HOST}/x/", "<p>共3条</p>"), PORTAL)
        assert hasattr(listing, "advertised") and listing.unfollowed == []
