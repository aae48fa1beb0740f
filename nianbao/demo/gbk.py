"""The GBK in-house family (a 朝阳区-like district): GB2312 pages served without a charset
header, a `?page=N` list whose last page still links 下一页, a stale link to a deleted report
(a soft 404), one detail page whose header claims utf-8, and no validators at all.

Why one module per family: see trs.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Doc, Response
from .pages import esc, html_response, not_found, page
from .reports import report_body

if TYPE_CHECKING:
    from .world import DemoWorld


def respond(world: DemoWorld, method: str, path: str, q: dict, form: dict) -> Response:
    if path in ("/", "/index.html"):
        return html_response(200, _home(), charset=None, encoding="gb18030")
    if path in ("/zfxxgk/", "/zfxxgk/index.html"):
        return html_response(200, _zfxxgk(), charset=None, encoding="gb18030")
    if path in ("/zfxxgk/gknb/", "/zfxxgk/gknb/index.html"):
        return html_response(200, _list(world, int(q.get("page", "1") or 1)), charset=None, encoding="gb18030")
    found = world.find("gbk", path)
    if found:
        doc, _ = found
        # one page declares utf-8 in its header although its bytes are GBK (a real misconfiguration)
        charset = "utf-8" if doc.seq % 5 == 0 else None
        return world.document(doc, "detail", charset=charset, validators="none")
    return not_found()


def detail_path(world: DemoWorld, doc: Doc) -> str:
    return f"/zfxxgk/gknb/{doc.hexid}.html"


def attachment_path(world: DemoWorld, doc: Doc, ext: str) -> str:
    return f"/zfxxgk/gknb/files/{doc.hexid}.{ext}"


def _list(world: DemoWorld, number: int) -> str:
    col = world.columns[("gbk", "gknb")]
    docs = world.column_docs("gbk", "gknb")
    pages = max(1, -(-len(docs) // col.per_page))
    if number > pages or number < 1:  # out of range: the first page again, with status 200
        number = 1
    rows = []
    for doc in docs[(number - 1) * col.per_page:number * col.per_page]:
        rows.append(f'<tr><td><a href="{world.detail_path(doc)}" target="_blank">{esc(doc.title)}</a></td>'
                    f"<td>[{doc.pub_date:%Y-%m-%d}]</td></tr>")
    if number == 1:  # a stale link to a deleted report
        rows.append('<tr><td><a href="/zfxxgk/gknb/ffffffffffffffffffffffff.html">某乡2017年政府信息公开工作'
                    "年度报告</a></td><td>[2018-03-15]</td></tr>")
    # the last page still links a 下一页 (to an out-of-range page), as these systems do
    nav = f'<a href="?page=1">首页</a> <a href="?page={number + 1}">下一页</a> 共{pages}页'
    body = (f'<div class="position">首页&gt;&gt;政府信息公开&gt;&gt;政府信息公开年报</div>'
            f'<table class="list" width="100%">{"".join(rows)}</table><div class="fy">{nav}</div>')
    return page("政府信息公开年报", body, charset="gb2312")


def detail(world: DemoWorld, doc: Doc) -> bytes:
    d = doc.pub_date
    body = (f'<div class="position">首页&gt;&gt;政府信息公开&gt;&gt;政府信息公开年报</div>'
            f"<div class=\"detail\"><h2>{esc(doc.title)}</h2><div class=\"time\">日期:{d:%Y-%m-%d} 10:35 "
            f"来源:{esc(doc.agency)} 打印页面 关闭页面</div><div class=\"content\">{report_body(doc, 'gbk')}</div></div>")
    return page(doc.title, body, charset="gb2312").encode("gb18030")


# --- the way in: a home page whose 政府信息公开 link is an image (alt text only) ------------------

def _home() -> str:
    body = ('<table width="1000" border="0" cellspacing="0" cellpadding="0"><tr>'
            '<td><a href="/zwyw/"><img src="/images/nav_01.gif" alt="政务要闻" border="0"></a></td>'
            '<td><a href="/zfxxgk/index.html" target="_blank"><img src="/images/nav_02.gif" alt="政府信息公开" '
            'border="0"></a></td><td><a href="/bsfw/"><img src="/images/nav_03.gif" alt="办事服务" border="0"></a></td>'
            "</tr></table>")
    return page("北京市朝阳区人民政府", body, charset="gb2312")


def _zfxxgk() -> str:
    rows = "".join(f'<tr><td class="ml"><a href="{href}">{text}</a></td></tr>' for href, text in (
        ("/zfxxgk/zn/", "政府信息公开指南"), ("/zfxxgk/ml/", "政府信息公开目录"), ("/zfxxgk/gknb/", "政府信息公开年报"),
        ("/zfxxgk/ysq/", "依申请公开")))
    body = (f'<div class="position">首页&gt;&gt;政府信息公开</div>'
            f'<table class="xxgk" width="100%">{rows}</table>')
    return page("政府信息公开", body, charset="gb2312")
