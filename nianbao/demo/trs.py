"""The TRS WCM family (a 东城区-like district): year directories, `createPageHTML` pagers in two
variants, detail pages with TRS_Editor bodies, attachments beside them, images for scanned reports.

Why one module per family: a family is one way of laying out the same columns and documents
(model.py); the world (world.py) routes each site's requests to its family's `respond`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .model import COLUMNS, Column, Doc, Response
from .pages import PNG_1PX, esc, html_response, not_found, page
from .reports import report_body

if TYPE_CHECKING:
    from .world import DemoWorld

CHANNEL = "/zfxxgkzl/zfxxgknb/"
SITE_META = {"SiteName": "演示·东城区人民政府", "SiteIDCode": "1101010001"}


def respond(world: DemoWorld, method: str, path: str, q: dict, form: dict) -> Response:
    if path in ("/", "/index.html"):
        return html_response(200, _home())
    if path in ("/zfxxgkzl/", "/zfxxgkzl/index.html"):
        return html_response(200, _zfxxgkzl())
    if path in (CHANNEL, CHANNEL + "index.html"):
        return html_response(200, _root())
    m = re.fullmatch(r"/zfxxgkzl/zfxxgknb/(\d{4})nb/(?:index\.html)?", path)
    if m:
        return html_response(200, _year(world, int(m.group(1))))
    for col in (c for c in COLUMNS if c.site == "trs"):
        if path.startswith(col.path):
            rest = path[len(col.path):]
            number = _page_number(rest, col.pager)
            if number is not None:
                return html_response(200, _list(world, col, number))
    found = world.find("trs", path)
    if found:
        return world.document(*found)
    if re.search(r"/W0\d+\.png$", path):
        return 200, {"Content-Type": "image/png"}, PNG_1PX
    return not_found()


def detail_path(world: DemoWorld, doc: Doc) -> str:
    d = doc.pub_date
    col = world.columns[("trs", doc.column)]
    return f"{col.path}{d:%Y%m}/t{d:%Y%m%d}_{doc.doc_id}.html"


def picture_path(world: DemoWorld, doc: Doc) -> str:
    """A `picture` report's tables, as TRS stores a body's pictures: W0<date><id>.jpg beside the page."""
    d = doc.pub_date
    col = world.columns[("trs", doc.column)]
    return f"{col.path}{d:%Y%m}/W0{d:%Y%m%d}{doc.doc_id}.jpg"


def attachment_path(world: DemoWorld, doc: Doc, ext: str) -> str:
    d = doc.pub_date
    col = world.columns[("trs", doc.column)]
    return f"{col.path}{d:%Y%m}/P0{d:%Y%m%d}{doc.doc_id:012d}.{ext}"


def attachment_link(path: str) -> str:
    """The href a detail page carries: relative to the page, beside it."""
    return "./" + path.rsplit("/", 1)[1]


def _root() -> str:
    nav = "".join(f'<li><a href="./{y}nb/" target="_blank">{y}年</a></li>' for y in (2025, 2024, 2019))
    nav += ('<li><a href="./bmnb_97166/">部门年报</a></li><li><a href="./jgmjdgs/">街道年报</a></li>'
            '<li><a href="./nbk/">年报库</a></li>')
    body = f'<div class="zfxxgk-nav"><ul class="nav-list">{nav}</ul></div>'
    return _page_html("政府信息公开年报", body, column_meta=True)


def _year(world: DemoWorld, year: int) -> str:
    units = [("dcqzf", "区政府"), ("dcqzfbm", "区政府部门"), ("dcqjd", "街道")]
    links = "".join(f'<a href="./{u}{year}/" class="tab">{label}</a>' for u, label in units
                    if ("trs", f"{u}{year}") in world.columns)
    return _page_html(f"{year}年政府信息公开年报", f'<div class="sub-tabs">{links}</div>', column_meta=True)


def _list(world: DemoWorld, col: Column, number: int) -> str:
    docs = world.column_docs("trs", col.key)
    per = col.per_page
    count = max(1, -(-len(docs) // per))
    if number >= count:  # out of range: real TRS sites serve the first page again (soft 404)
        number = 0
    rows = []
    for i, doc in enumerate(docs[number * per:(number + 1) * per]):
        href = "." + world.detail_path(doc)[len(col.path) - 1:]
        shown = doc.title if len(doc.title) <= 22 else doc.title[:20] + "..."
        title_attr = esc(doc.title) if i % 3 else "".join(f"&#x{ord(ch):X};" for ch in doc.title)
        rows.append(f'<li><a href="{href}" title="{title_attr}" target="_blank">{esc(shown)}</a>'
                    f"<span>{doc.pub_date:%Y-%m-%d}</span></li>")
    if col.pager == "trs_a":
        pager = f'<div class="page"><script>createPageHTML({count}, {number}, "index", "html");</script></div>'
    else:
        pager = (f"<div class=\"pages\"><span class=\"box\"><script>{{createPageHTML('page_div',{count},"
                 f"{number + 1},'list','shtml',{len(docs)});}}</script></span><div id=\"page_div\"></div></div>")
    body = f'<ul class="list">{"".join(rows)}</ul>{pager}'
    return _page_html(col.label, body, column_meta=True)


def detail(world: DemoWorld, doc: Doc) -> bytes:
    d = doc.pub_date
    when = f"{d:%Y-%m-%d} {9 + doc.seq % 8:02d}:{doc.seq * 7 % 60:02d}"
    editor = "TRS_Editor" if doc.seq % 2 else "trs_editor_view TRS_UEDITOR trs_paper_default trs_web"
    link = world.attachment_link(doc)
    script = ""
    if doc.form == "image":
        inner = "".join(f'<p style="text-align:center"><img src="./W0{d:%Y%m%d}{doc.doc_id}{i}.png" '
                        f'title="{esc(doc.title)}"/></p>' for i in range(2))
    elif doc.form == "picture":  # the report's text, its three tables one picture (a pasted scan)
        text = re.sub(r"<table\b.*?</table>", "", report_body(doc), flags=re.S | re.I)
        inner = (f'{text}<p style="text-align:center"><img src="./{picture_path(world, doc).rsplit("/", 1)[1]}" '
                 f'title="{esc(doc.title)}"/></p>')
    elif link and doc.form == "script_pdf":
        inner = f"<p>{esc(doc.title)}全文见附件。</p><div id=\"appendix\"></div>"
        script = (f"<script>var file_appendix='<a href=\"{link}\">{esc(world.attachment_name(doc))}</a>';"
                  "document.getElementById('appendix').innerHTML=file_appendix;</script>")
    elif link:
        inner = (f"<p>{esc(doc.title)}全文见附件。</p><p>附件：<a href=\"{link}\" "
                 f"OLDSRC=\"/M00/{doc.doc_id}.pdf\">{esc(world.attachment_name(doc))}</a></p>")
    else:
        inner = report_body(doc)
    body = (f'<div class="bread">当前位置：<a href="/">首页</a> &gt; 政务公开 &gt; 政府信息公开年报</div>'
            f'<div class="article"><h1>{esc(doc.title)}</h1>'
            f'<div class="info">日期:{when}&nbsp;&nbsp;&nbsp;&nbsp;来源:{esc(doc.agency)}'
            f"&nbsp;&nbsp;&nbsp;&nbsp;字号: 大 中 小</div>"
            f'<div class="{editor}">{inner}</div>{script}</div>')
    metas = {"ArticleTitle": doc.title, "PubDate": when, "ContentSource": doc.agency,
             "ColumnName": "政府信息公开年报", **SITE_META}
    return _page_html(doc.title, body, metas=metas).encode("utf-8")


# --- the way in: a nav bar → 政府信息公开专栏 → 政府信息公开年报 (portals.md §1.5) ------------------
# News items mention 政务公开 and a report title on purpose: neither is a column.

def _home() -> str:
    nav = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in (
        ("/", "首页"), ("/zwdt/", "政务动态"), ("/zfxxgkzl/", "政府信息公开"), ("/zwfw/", "政务服务"),
        ("/hdjl/", "互动交流"), ("/zjdc/", "走进东城")))
    news = "".join(f'<li><a href="{href}" target="_blank">{text}</a><span>{day}</span></li>' for href, text, day in (
        ("/zwdt/202601/t20260121_4450001.html", "东城区召开2026年政务公开工作推进会", "2026-01-21"),
        ("/zwdt/202601/t20260119_4446500.html", "区政府常务会议研究部署政府信息公开工作", "2026-01-19"),
        ("/zwdt/202601/t20260115_4440001.html", "北京市东城区2026年政府工作报告", "2026-01-15")))
    body = (f'<div class="nav"><ul class="nav-list">{nav}</ul></div>'
            f'<div class="focus"><h3>政务动态</h3><ul class="list">{news}</ul></div>')
    return page("北京市东城区人民政府门户网站", body, metas=dict(SITE_META))


def _zfxxgkzl() -> str:
    cols = "".join(f'<li><a href="./{href}/" target="_blank">{text}</a></li>' for href, text in (
        ("zfxxgkzn", "政府信息公开指南"), ("zfxxgkzd", "政府信息公开制度"), ("fdzdgknr", "法定主动公开内容"),
        ("zfxxgknb", "政府信息公开年报"), ("ysqgk", "依申请公开")))
    body = (f'<div class="bread">当前位置：<a href="/">首页</a> &gt; 政府信息公开</div>'
            f'<div class="zfxxgk-left"><ul class="zfxxgk-menu">{cols}</ul></div>')
    return page("政府信息公开专栏", body, metas={"SiteName": SITE_META["SiteName"], "ColumnName": "政府信息公开"})


def _page_number(rest: str, pager: str) -> int | None:
    """0-based page index of a TRS list file name, or None when `rest` is not a list page."""
    stem = "index" if pager == "trs_a" else "list"
    ext = "html" if pager == "trs_a" else "shtml"
    if rest in ("", f"{stem}.{ext}"):
        return 0
    m = re.fullmatch(rf"{stem}_(\d+)\.{ext}", rest)
    if not m:
        return None
    n = int(m.group(1))
    return n if pager == "trs_a" else n - 1  # variant B names page n `list_n` (1-based)


def _page_html(title: str, body: str, metas: dict[str, str] | None = None, column_meta: bool = False) -> str:
    metas = dict(metas or {})
    if column_meta:
        metas.update({**SITE_META, "ColumnName": title, "ColumnType": "信息公开年报"})
    return page(title, body + '<script src="/js/createPageHTML.js"></script>', metas=metas)
