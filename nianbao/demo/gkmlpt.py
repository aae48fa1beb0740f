"""The Guangdong gkmlpt family (a 坪山区-like district): a single-page app whose category tree
sits in `window._CONFIG`, lists from a JSON API keyed by the site id, attachments named in the
JSON, and Last-Modified as the only validator.

Why one module per family: see trs.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING

from .model import Doc, Response
from .pages import esc, html_response, not_found, page
from .reports import report_body

if TYPE_CHECKING:
    from .world import DemoWorld

SID = "755041"
SITE_NAME = "演示·坪山区人民政府"


def respond(world: DemoWorld, method: str, path: str, q: dict, form: dict) -> Response:
    if path in ("/", "/index.html"):
        return html_response(200, _home())
    if path in ("/xxgk/", "/xxgk/index.html"):
        return html_response(200, _xxgk())
    if path in ("/gkmlpt/index", "/gkmlpt/"):
        return html_response(200, _index())
    m = re.fullmatch(r"/gkmlpt/api/all/(\d+)", path)
    if m:
        return _api(world, m.group(1), q)
    found = world.find("gkmlpt", path)
    if found:
        return world.document(*found, validators="last_modified")
    return not_found()


def detail_path(world: DemoWorld, doc: Doc) -> str:
    return f"/gkmlpt/content/{doc.doc_id // 1000000}/{doc.doc_id // 1000 % 1000}/post_{doc.doc_id}.html"


def attachment_path(world: DemoWorld, doc: Doc, ext: str) -> str:
    return f"/attachment/0/{doc.doc_id % 97}/{doc.doc_id % 89}/{doc.doc_id}.{ext}"


def _index() -> str:
    tree = [{"id": 700, "name": "通知公告", "parent": 0, "jump_url": ""},
            {"id": 721, "name": "政府信息公开年报", "parent": 0, "jump_url": ""},
            {"id": 735, "name": "政府信息公开指南", "parent": 0, "jump_url": ""}]
    config = {"SID": SID, "SITE_NAME": SITE_NAME, "TREE": tree}
    body = (f"<div id=\"app\"></div><script>window._CONFIG = {json.dumps(config, ensure_ascii=False)};</script>"
            '<script src="/gkmlpt/static/js/app.js"></script>')
    return page("政府信息公开目录", body)


def _api(world: DemoWorld, cat: str, q: dict) -> Response:
    if q.get("sid") != SID:
        return 200, {"Content-Type": "application/json"}, b'{"error": "sid"}'
    col = world.columns.get(("gkmlpt", cat))
    docs = world.column_docs("gkmlpt", cat) if col else []
    per = col.per_page if col else 100
    number = max(1, int(q.get("page", "1") or 1))  # page 0 is page 1 (the API's off-by-one)
    chunk = docs[(number - 1) * per:number * per]
    base = world.base_url("gkmlpt")
    arts = []
    for doc in chunk:
        att = world.attachment_path(doc)
        arts.append({"id": doc.doc_id, "title": doc.title, "url": base + world.detail_path(doc),
                     "post_url": world.detail_path(doc), "date": int(dt.datetime.combine(doc.pub_date, dt.time(9)).timestamp()),
                     "created_at": f"{doc.pub_date:%Y-%m-%d} 09:00:00", "identifier": f"006939748/{doc.pub_date.year}-{doc.seq:05d}",
                     "document_number": "", "publisher": doc.agency,
                     "attachment": ([{"name": world.attachment_name(doc), "type": att.rsplit(".", 1)[1],
                                      "url": base + att}] if att else [])})
    data = {"classify": {"id": int(cat), "name": col.label if col else "", "post_count": len(docs)},
            "articles": arts, "total": len(docs)}
    return 200, {"Content-Type": "application/json;charset=UTF-8"}, json.dumps(data, ensure_ascii=False).encode()


def detail(world: DemoWorld, doc: Doc) -> bytes:
    d = doc.pub_date
    link = world.attachment_path(doc)
    info = {"id": doc.doc_id, "title": doc.title, "publisher": doc.agency}
    meta_table = (f'<table class="introduce"><tr><td>索引号：</td><td>006939748/{d.year}-{doc.seq:05d}</td>'
                  f"<td>分类：</td><td>政府信息公开年报</td></tr><tr><td>发布机构：</td><td>{esc(doc.agency)}</td>"
                  f"<td>成文日期：</td><td>{d:%Y-%m-%d}</td></tr><tr><td>名称：</td><td colspan=\"3\">{esc(doc.title)}"
                  f"</td></tr><tr><td>文号：</td><td></td><td>发布日期：</td><td>{d:%Y-%m-%d}</td></tr></table>")
    if link:
        inner = (f"<p>{esc(doc.title)}</p><div class=\"attachment\"><a href=\"{link}\">"
                 f"{esc(world.attachment_name(doc))}</a></div>")
    else:
        inner = report_body(doc)
    body = (f"{meta_table}<div class=\"article-content\"><h1>{esc(doc.title)}</h1>{inner}</div>"
            f"<script>window._CONFIG = {{\"DETAIL\": {json.dumps(info, ensure_ascii=False)}}};</script>")
    metas = {"ArticleTitle": doc.title, "PubDate": f"{d:%Y-%m-%d} 09:00", "ContentSource": doc.agency}
    return page(doc.title, body, metas=metas).encode("utf-8")


# --- the way in: a 信息公开 page that links /gkmlpt/index (portals.md §1.5) ----------------------

def _home() -> str:
    nav = "".join(f'<li class="nav-item"><a href="{href}">{text}</a></li>' for href, text in (
        ("/", "首页"), ("/xwzx/", "新闻中心"), ("/xxgk/", "信息公开"), ("/bsfw/", "办事服务"), ("/hygq/", "互动交流")))
    return page("深圳市坪山区人民政府门户网站", f'<ul class="nav">{nav}</ul>', metas={"SiteName": SITE_NAME})


def _xxgk() -> str:
    links = "".join(f'<a class="xxgk-entry" href="{href}">{text}</a>' for href, text in (
        ("/gkmlpt/index", "政府信息公开目录"), ("/gkmlpt/index#735", "政府信息公开指南"),
        ("/xxgk/ysqgk/", "依申请公开"), ("/xxgk/zdlyxxgk/", "重点领域信息公开")))
    return page("信息公开", f'<div class="xxgk-entries">{links}</div>', metas={"SiteName": SITE_NAME})
