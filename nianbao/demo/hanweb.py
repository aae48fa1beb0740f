"""The Hanweb jcms family (a 江北区-like district): columns whose first three pages sit in a
`<script type="text/xml">` datastore, the rest behind dataproxy.jsp (GET and POST variants),
attachments behind downfile.jsp's redirect, and two list entries that hit a WAF.

Why one module per family: see trs.py.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from .model import COLUMNS, Column, Doc, Response
from .pages import esc, html_response, not_found, page
from .reports import report_body

if TYPE_CHECKING:
    from .world import DemoWorld

WEBID = 3305
ZWGK = "/col/col1229214300/index.html"  # the site's 政务公开 page (links the 年报 columns)
SITE_NAME = "演示·江北区人民政府"


def respond(world: DemoWorld, method: str, path: str, q: dict, form: dict) -> Response:
    if path in ("/", "/index.html"):
        return html_response(200, _home())
    if path in (ZWGK, ZWGK.rsplit("/", 1)[0] + "/"):
        return html_response(200, _zwgk())
    for col in (c for c in COLUMNS if c.site == "hanweb"):
        if path in (col.path, col.path.rsplit("/", 1)[0] + "/"):
            return html_response(200, _column(world, col))
    if path == "/module/web/jpage/dataproxy.jsp":
        params = dict(q)
        params.update({k: v[-1] for k, v in form.items()})
        return _proxy(world, params)
    if path == "/module/download/downfile.jsp":
        name = q.get("filename", "")
        if not re.fullmatch(r"[0-9a-f]{32}\.\w+", name):
            return not_found()
        return 302, {"Location": f"/attach/0/{name}", "Content-Type": "text/html"}, b""
    found = world.find("hanweb", path)
    if found:
        return world.document(*found)
    return not_found()


def detail_path(world: DemoWorld, doc: Doc) -> str:
    d = doc.pub_date
    return f"/art/{d.year}/{d.month}/{d.day}/art_{doc.column[3:]}_{doc.doc_id}.html"


def attachment_path(world: DemoWorld, doc: Doc, ext: str) -> str:
    return f"/attach/0/{doc.file_hex}.{ext}"


def attachment_link(path: str) -> str:
    """The href a detail page carries: behind downfile.jsp, which redirects to the file."""
    return f"/module/download/downfile.jsp?classid=0&filename={path.rsplit('/', 1)[1]}"


def _records(world: DemoWorld, col: Column) -> list[str]:
    recs = []
    for doc in world.column_docs("hanweb", col.key):
        recs.append(f"<li><a href='{world.detail_path(doc)}' title='{esc(doc.title)}' target='_blank'>"
                    f"{esc(doc.title)}</a><span>{doc.pub_date:%Y-%m-%d}</span></li>")
    if col.pager == "hanweb_get":  # two blocked articles sit in the first column's list
        recs.insert(1, "<li><a href='/art/2025/6/3/art_1229214366_9990001.html' title='某街道2024年政府信息公开"
                       "工作年度报告'>某街道2024年政府信息公开工作年度报告</a><span>2025-06-03</span></li>")
        recs.insert(2, "<li><a href='/art/2025/6/4/art_1229214366_9990002.html' title='某局2024年政府信息公开"
                       "工作年度报告'>某局2024年政府信息公开工作年度报告</a><span>2025-06-04</span></li>")
    return recs


def _column(world: DemoWorld, col: Column) -> str:
    unitid = 212860 if col.pager == "hanweb_get" else 212861
    cid = col.key[3:]
    recs = _records(world, col)
    group = recs[:col.per_page * 3]  # only the first group (three pages) is embedded
    webname = quote(SITE_NAME)
    nextgroup = ""
    if col.pager == "hanweb_get":
        nextgroup = (f"<nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid="
                     f"{WEBID}&path=/&columnid={cid}&unitid={unitid}&webname={webname}"
                     f"&permissiontype=0\"></a>]]></nextgroup>")
    records = "".join(f"<record><![CDATA[\n{r}\n]]></record>" for r in group)
    other = [c for c in COLUMNS if c.site == "hanweb" and c.key != col.key]
    nav = "".join(f'<li><a href="{c.path}">{c.label}</a></li>' for c in other)
    body = (f'<div class="leftnav"><ul>{nav}</ul></div>'
            f'<div id="{unitid}"><script type="text/xml"><datastore>{nextgroup}<recordset>{records}'
            f"</recordset></datastore></script></div>"
            f"<script>$('#{unitid}').jpage({{dataStore: [], totalRecord: {len(recs)}, perPage: {col.per_page}, "
            f"proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxParam: {{col: 1, appid: 1, webid: {WEBID}, "
            f"path: '/', columnid: {cid}, sourceContentType: 1, unitid: {unitid}, webname: '{webname}', "
            f"permissiontype: 0}}}});</script>")
    metas = {"SiteName": SITE_NAME, "ColumnName": col.label}
    return page(col.label, body, metas=metas)


def _proxy(world: DemoWorld, p: dict) -> Response:
    col = next((c for c in COLUMNS if c.site == "hanweb" and c.key == f"col{p.get('columnid', '')}"), None)
    if col is None:
        return 200, {"Content-Type": "text/xml;charset=UTF-8"}, b"<datastore><totalrecord>0</totalrecord></datastore>"
    recs = _records(world, col)
    per = int(p.get("perpage") or col.per_page)
    if "startrecord" in p:
        start, end = int(p["startrecord"]), int(p.get("endrecord") or 0)
        chunk = recs[start - 1:end]
    else:
        number = max(1, int(p.get("page") or 1))
        chunk = recs[(number - 1) * per:number * per]
    total_pages = -(-len(recs) // per)
    xml = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore><totalrecord>{len(recs)}</totalrecord>"
           f"<totalpage>{total_pages}</totalpage><recordset>"
           + "".join(f"<record><![CDATA[\n{r}\n]]></record>" for r in chunk)
           + "</recordset></datastore>")
    return 200, {"Content-Type": "text/xml;charset=UTF-8"}, xml.encode("utf-8")


def detail(world: DemoWorld, doc: Doc) -> bytes:
    d = doc.pub_date
    maketime = f"{d:%Y-%m-%d} 10:{doc.seq % 60:02d}:00"
    link = world.attachment_link(doc)
    if link:
        inner = (f"<p>{esc(doc.title)}</p><p>附件：<a href=\"{link}\" target=\"_blank\">"
                 f"{esc(world.attachment_name(doc))}</a></p>")
    else:
        inner = report_body(doc)
    body = (f'<table class="xxgk_table"><tr><td>索 引 号：</td><td>0029{doc.doc_id}/{d.year}-{doc.seq:05d}</td>'
            f"<td>分 类：</td><td>政府信息公开年报</td></tr><tr><td>发布机构：</td><td>{esc(doc.agency)}</td>"
            f"<td>发文日期：</td><td>{d:%Y-%m-%d}</td></tr><tr><td>文 号：</td><td></td><td>有 效 性：</td><td></td></tr></table>"
            f"<div class=\"title\">{esc(doc.title)}</div>"
            f"<div class=\"info\">发布时间：{d:%Y-%m-%d} 信息来源：<!--<$[信息来源]>begin-->{esc(doc.agency)}"
            f"<!--<$[信息来源]>end--></div>"
            f'<div id="zoom"><!--<$[信息内容]>begin--><!--ZJEG_RSS.content.begin--><meta name="ContentStart">'
            f"{inner}<meta name=\"ContentEnd\"><!--ZJEG_RSS.content.end--><!--<$[信息内容]>end--></div>")
    metas = {"ArticleTitle": doc.title, "PubDate": f"{d:%Y-%m-%d} 10:00", "ContentSource": doc.agency,
             "Maketime": maketime, "i_columnid": doc.column[3:], "i_articleid": str(doc.doc_id)}
    return page(f"{SITE_NAME} 政府信息公开年报 {doc.title}", body, metas=metas).encode("utf-8")


# --- the way in: a 政务公开 page with a 政府信息公开 box (portals.md §1.5) ------------------------

def _home() -> str:
    nav = "".join(f'<a href="/col/col{cid}/index.html" target="_blank">{text}</a>' for cid, text in (
        (1229214001, "首页"), (1229214100, "新闻中心"), (1229214300, "政务公开"), (1229214400, "政务服务"),
        (1229214500, "政民互动")))
    news = ("<li><a href='/art/2026/1/20/art_1229214100_5001.html' title='江北区召开政务公开工作会议'>"
            "江北区召开政务公开工作会议</a></li>")
    body = f'<div class="header-nav">{nav}</div><div class="xwzx"><ul>{news}</ul></div>'
    return page("宁波市江北区人民政府", body, metas={"SiteName": SITE_NAME})


def _zwgk() -> str:
    box = "".join(f'<li><a href="/col/col{cid}/index.html">{text}</a></li>' for cid, text in (
        (1229214301, "政府信息公开指南"), (1229214302, "政府信息公开制度"), (1229214303, "法定主动公开内容"),
        (1229214366, "政府信息公开年报"), (1229214370, "部门政府信息公开年报"), (1229214304, "依申请公开")))
    body = (f'<div class="zwgk-box"><div class="title"><span>政府信息公开</span></div><ul>{box}</ul></div>'
            '<div class="zwgk-box"><div class="title"><span>重点领域信息公开</span></div><ul>'
            '<li><a href="/col/col1229214310/index.html">财政预决算</a></li></ul></div>')
    return page("政务公开", body, metas={"SiteName": SITE_NAME, "ColumnName": "政务公开"})
