"""HTML report pages: table grids that honour rowspan/colspan, body text blocks, page metadata.

Cells are expanded onto a column grid so that a label spanning several rows (三、本年度办理结果,
（三）不予公开) is present in every row it covers, marked `spanned`.  Text inside a cell is joined
across `<p>`, `<span>`, `<font>` and `<br>` without separators, because portals break labels
(`本年新<br/>制作数量`) but never a cell's single number.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from ..model import Cell, Document, Grid, Paragraph, Problem
from . import metatable

MAX_SPAN = 200  # a cell claiming more rows or columns than any real table is capped
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br", "section", "article", "dd", "dt",
               "blockquote", "pre", "center", "ul", "ol", "dl", "form", "header", "footer"}
_DROP_TAGS = ("script", "style", "noscript", "template", "select", "option", "button", "iframe", "object", "embed")
# Containers that hold the report in the CMS families we know (TRS, Hanweb, gkmlpt, generic).
_CONTAINER_XPATHS = [
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[contains(@class, 'trs_editor_view')]",
    "//*[contains(@class, 'TRS_UEDITOR')]",
    "//*[@id='zoom']",
    "//*[contains(@class, 'TRS_PreAppend')]",
    "//*[@id='ivs_content']",
    "//*[contains(@class, 'article-content')]",
    "//*[contains(@class, 'xxgk_content')]",
]


def read_html(text: str) -> Document:
    doc = Document(kind="html", html=text)
    parser = _parser()
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, ValueError):
        return doc
    if any("Excessive depth" in e.message for e in parser.error_log):
        doc.problems.append(Problem("truncated", "document", "elements nested past 255 levels were dropped by the parser"))
    doc.meta.update(_meta_tags(root))
    etree.strip_elements(root, *_DROP_TAGS, with_tail=False)
    body = _content_root(root)
    doc.meta.update(metatable.from_html(root, exclude=body))
    _walk(body, doc.blocks, [])
    doc.images = images = sum(1 for _ in body.iter("img"))
    if images and not any(isinstance(b, Grid) for b in doc.blocks) and len(doc.text()) < 300:
        doc.image_only = True  # a report published as one picture per page
    return doc


def _parser() -> lxml.html.HTMLParser:
    return lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, huge_tree=False)


def _meta_tags(root: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip()
        content = (meta.get("content") or "").strip()
        if name and content:
            out.setdefault("meta:" + name.lower(), content)
    title = root.find(".//title")
    if title is not None and title.text_content().strip():
        out["html_title"] = title.text_content().strip()
    return out


def _content_root(root: etree._Element) -> etree._Element:
    """The CMS body container when there is one holding a table or real text, else <body>."""
    for xp in _CONTAINER_XPATHS:
        for el in root.xpath(xp):
            if el.find(".//table") is not None or len(el.text_content().strip()) > 200:
                return el
    body = root.find("body")
    return body if body is not None else root


def _walk(el: etree._Element, blocks: list, buf: list[str]) -> None:
    """Depth-first walk emitting paragraphs at block boundaries and a Grid for each data table."""
    for child in el:
        if not isinstance(child.tag, str):
            if child.tail:
                buf.append(child.tail)
            continue
        tag = child.tag.lower()
        if tag == "table" and not _is_layout_table(child):
            _flush(blocks, buf)
            grid = table_grid(child)
            if grid.rows:
                blocks.append(grid)
        else:
            block = tag in _BLOCK_TAGS or tag == "table"
            if block:
                _flush(blocks, buf)
            if child.text:
                buf.append(child.text)
            _walk(child, blocks, buf)
            if block:
                _flush(blocks, buf)
        if child.tail:
            buf.append(child.tail)


def _flush(blocks: list, buf: list[str]) -> None:
    text = re.sub(r"[ \t\r\n\u00a0\u3000]+", " ", "".join(buf)).strip()
    buf.clear()
    if text:
        blocks.append(Paragraph(text))


def _is_layout_table(table: etree._Element) -> bool:
    """A table that wraps other tables is page layout, not data: walk into it instead."""
    return table.find(".//table") is not None


def _rows(table: etree._Element) -> list[etree._Element]:
    rows = []
    for child in table:
        if not isinstance(child.tag, str):
            continue
        tag = child.tag.lower()
        if tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child if isinstance(c.tag, str) and c.tag.lower() == "tr")
    return rows


def cell_text(cell: etree._Element) -> str:
    parts = []
    for node in cell.iter():
        if not isinstance(node.tag, str):
            if node.tail:
                parts.append(node.tail)
            continue
        if node is not cell and node.tag.lower() in ("p", "div", "br", "li") and parts:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        if node is not cell and node.tail:
            parts.append(node.tail)
    text = "".join(parts).replace("\u00a0", " ")
    return re.sub(r"[ \t\r\f\v\u3000]+", " ", text).strip()


def _span(value: str | None) -> int:
    try:
        n = int(str(value).strip().rstrip(";"))
    except (TypeError, ValueError):
        return 1
    return max(1, min(n, MAX_SPAN))


def table_grid(table: etree._Element) -> Grid:
    """Expand a table onto its column grid; rowspans leave `spanned` copies in later rows."""
    pending: dict[int, tuple[Cell, int]] = {}  # column → (cell spanning down, rows left)
    out: list[list[Cell]] = []
    for tr in _rows(table):
        row: list[Cell] = []
        col = 0
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")]

        for td in cells:
            col = _take_pending(pending, row, col)
            cspan, rspan = _span(td.get("colspan")), _span(td.get("rowspan"))
            # a colspan reaching into a column still held by a rowspan above stops short of it
            cspan = next((k - col for k in range(col + 1, col + cspan) if k in pending), cspan)
            cell = Cell(cell_text(td), col, col + cspan)
            row.append(cell)
            if rspan > 1:
                pending[col] = (cell, rspan - 1)
            col += cspan
        col = _take_pending(pending, row, col)
        for c in sorted(k for k in pending if k >= col):  # rowspans past this row's last real cell
            _place_copy(pending, row, c)
        if row:
            out.append(row)
    return Grid(out, positional=True)


def _take_pending(pending: dict[int, tuple[Cell, int]], row: list[Cell], col: int) -> int:
    """Place the copies of cells spanning down into this row at `col`; return the next free column."""
    while col in pending:
        col = _place_copy(pending, row, col)
    return col


def _place_copy(pending: dict[int, tuple[Cell, int]], row: list[Cell], col: int) -> int:
    """Append the copy of the cell spanning down at `col`, count its rows down; return its end."""
    cell, left = pending[col]
    row.append(Cell(cell.text, cell.x0, cell.x1, spanned=True))
    if left <= 1:
        del pending[col]
    else:
        pending[col] = (cell, left - 1)
    return int(cell.x1)
