"""The HTML renderer: a report as a portal page, in the layouts real portals use."""

from __future__ import annotations

import html as htmlmod
import random

from .layout import LCell, LTable, blocks
from .spec import ReportSpec

HTML_LAYOUTS = ("trs", "flat_repeat", "flat_empty", "shanghai")


def _esc(text: str) -> str:
    return htmlmod.escape(text, quote=False)


def _trs_cell_html(cell: LCell, rng: random.Random) -> str:
    """A cell as Word-to-TRS pages print it: nested p/span/font, &nbsp; padding, <br/> or <p> breaks."""
    align = ' align="center" style="text-align:center"' if cell.kind != "label" else ""
    if cell.kind == "value":
        if not cell.text:
            inner = rng.choice(["&nbsp;", "", "<span lang=\"EN-US\">&nbsp;</span>", "&nbsp;&nbsp;"])
        else:
            pad = rng.choice(["", "", "&nbsp;"])
            inner = f'<span lang="EN-US" style="font-size:10.5pt">{pad}{_esc(cell.text)}{pad}</span>'
        return f'<p class="MsoNormal"{align}>{inner}</p>'
    parts = [_esc(p) for p in cell.text.split("\n")]
    if rng.random() < 0.5:
        body = "<br/>".join(parts)
        return (f'<p class="MsoNormal"{align}><span style="font-size:10.5pt;font-family:宋体">'
                f'<font face="宋体">{body}</font></span></p>')
    return "".join(f'<p class="MsoNormal"{align}><span style="font-family:宋体">{p}</span></p>' for p in parts)


def _span_attrs(cell: LCell) -> str:
    out = ""
    if cell.rowspan > 1:
        out += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        out += f' colspan="{cell.colspan}"'
    return out


def _trs_table(table: LTable, rng: random.Random) -> str:
    rows = []
    for r in table.origin_rows():
        tds = "".join(f'<td{_span_attrs(c)} valign="center" style="border:solid windowtext 1.0pt;padding:0cm 5.4pt">'
                      f"{_trs_cell_html(c, rng)}</td>" for c in r)
        rows.append(f"<tr>{tds}</tr>")
    return ('<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" width="600" '
            'style="border-collapse:collapse;border:none">\n<tbody>\n' + "\n".join(rows) + "\n</tbody></table>")


def _trs_page(spec: ReportSpec, rng: random.Random, charset: str) -> str:
    body: list[str] = []
    for kind, content in blocks(spec, split_active=rng.random() < 0.3):
        if kind == "table":
            body.append(_trs_table(content, rng))
        elif kind == "title":
            body.append(f'<p align="center" style="text-align:center"><strong><span style="font-size:22px">'
                        f'<font face="方正小标宋简体">{_esc(content)}</font></span></strong></p>')
        elif kind == "heading":
            body.append(f'<p style="text-indent:2em"><strong><span style="font-family:黑体">{_esc(content)}'
                        f"</span></strong></p>")
        else:
            lead = rng.choice(["", "\u3000\u3000", "&nbsp;&nbsp;&nbsp;&nbsp;"])
            body.append(f'<p style="text-indent:2em;line-height:1.75"><span style="font-family:仿宋_GB2312;'
                        f'font-size:16px"><font>{lead}{_esc(content)}</font></span></p>')
    site = spec.agency_full
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}" />
<title>{_esc(spec.title)}</title>
<meta name="SiteName" content="{_esc(site)}">
<meta name="ColumnName" content="政府信息公开年报">
<meta name="ArticleTitle" content="{_esc(spec.title)}">
<meta name="PubDate" content="{spec.pub_date} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}">
<meta name="ContentSource" content="{_esc(spec.agency_full)}">
<meta name="Keywords" content="政府信息公开,年度报告">
<link rel="stylesheet" href="/css/article.css" />
<script type="text/javascript">var _hmt = _hmt || [];</script>
</head>
<body>
<div class="top"><a href="/">首页</a> &gt; <a href="../../">政务公开</a> &gt; <a href="../">政府信息公开年报</a></div>
<div class="article">
<h1 class="title">{_esc(spec.title)}</h1>
<div class="info"><span>发布时间：{spec.pub_date}</span><span>来源：{_esc(spec.agency_full)}</span><span>【字体：大 中 小】</span></div>
<div class="TRS_Editor"><div class="Custom_UnionStyle">
{chr(10).join(body)}
</div></div>
<div class="share">分享到：微信 微博</div>
</div>
<div class="footer"><p>主办：{_esc(site)}</p><p>网站标识码：{rng.randint(1000000000, 9999999999)}</p></div>
</body>
</html>
"""


def _flat_table(table: LTable, repeat: bool) -> str:
    """No spans at all: a merged cell's text repeated in every grid cell it covers, or only in the first."""
    grid = table.grid()
    rows = []
    for r in range(table.nrows):
        tds = []
        for c in range(table.ncols):
            cell = grid[r][c]
            text = "" if cell is None else cell.text
            if cell is not None and not repeat and (cell.row, cell.col) != (r, c):
                text = ""
            tds.append(f"<td>{'<br>'.join(_esc(p) for p in text.split(chr(10)))}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return '<table border="1" cellpadding="2">\n' + "\n".join(rows) + "\n</table>"


def _flat_page(spec: ReportSpec, rng: random.Random, charset: str, repeat: bool) -> str:
    body: list[str] = []
    for kind, content in blocks(spec, split_active=rng.random() < 0.5):
        if kind == "table":
            body.append(_flat_table(content, repeat))
        elif kind == "title":
            body.append(f"<h2>{_esc(content)}</h2>")
        else:
            body.append(f"<p>{_esc(content)}</p>")
    return (f'<html><head><meta charset="{charset}"><title>{_esc(spec.title)}</title></head>\n<body>\n'
            + "\n".join(body) + "\n</body></html>\n")


def _px(table: LTable, cell: LCell, total: int = 560) -> int:
    return round(total * sum(table.weights[cell.col:cell.col + cell.colspan]) / sum(table.weights))


def _shanghai_table(table: LTable, rng: random.Random) -> str:
    rows = []
    for r in table.origin_rows():
        tds = []
        for c in r:
            text = "<br />".join(_esc(p) for p in c.text.split("\n")) or "&nbsp;"
            nowrap = ' nowrap="nowrap"' if table.name != "table4" else ""
            if table.name == "table4" and c.kind == "value" and not c.text:
                inner = "&nbsp;"
            elif c.kind == "label":
                inner = f"<p>{text}</p>"
            else:
                inner = f'<p align="center">{text}</p>'
            tds.append(f'<td{_span_attrs(c)}{nowrap} style="width:{_px(table, c)}px;">{inner}</td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return '<table align="center" border="1" cellspacing="1"><tbody>' + "".join(rows) + "</tbody></table>"


def _shanghai_page(spec: ReportSpec, rng: random.Random, charset: str) -> str:
    title = f"{spec.year}年{spec.agency_full}政府信息公开工作年度报告"
    parts = [f"<!-- {title} -->\n<html><head><meta charset=\"{charset}\"><title>{_esc(title)}</title></head><body>",
             f"<p style='text-align: center;font-weight: bold;'>{_esc(title)}</p>\t"
             f"<p style='text-align: center'>发布日期：{spec.pub_date}</p>"]
    for kind, content in blocks(spec, mismatch=True):
        if kind == "table":
            parts.append(_shanghai_table(content, rng))
        elif kind == "title":
            continue  # the page prints its own one-line title, as the Shanghai portal does
        else:
            parts.append(f"<p>{_esc(content)}</p>")
    parts.append("</body></html>")
    return "".join(parts)


def render_html(spec: ReportSpec, layout: str = "trs", encoding: str = "utf-8") -> bytes:
    """An HTML page: `trs` (a TRS portal article with rowspans, metadata and page chrome),
    `flat_repeat` / `flat_empty` (no spans; merged labels repeated or left empty), `shanghai`
    (value colspans that do not match the header's).  `encoding` "gbk" declares gb2312."""
    rng = random.Random(f"html:{spec.seed}:{spec.template}:{layout}")
    charset = {"utf-8": "utf-8", "gbk": "gb2312"}[encoding]
    if layout == "trs":
        page = _trs_page(spec, rng, charset)
    elif layout in ("flat_repeat", "flat_empty"):
        page = _flat_page(spec, rng, charset, repeat=layout == "flat_repeat")
    elif layout == "shanghai":
        page = _shanghai_page(spec, rng, charset)
    else:
        raise ValueError(f"unknown layout {layout!r}")
    return page.encode(encoding)
