"""HTML report pages: table grids that honour rowspan/colspan, body text blocks, page metadata.

Cells are expanded onto a column grid so that a label spanning several rows (三、本年度办理结果,
（三）不予公开) is present in every row it covers, marked `spanned`.  Text inside a cell is joined
across `<p>`, `<span>`, `<font>` and `<br>` without separators, because portals break labels
(`本年新<br/>制作数量`) but never a cell's single number.

A page is bounded before any grid is built: a page over MAX_HTML_BYTES, or holding more than
MAX_HTML_TAGS start tags, is refused before it is decoded or parsed (`check_page`); a table whose grid would hold more than MAX_TABLE_CELLS
cells (spanned copies counted) is not expanded, and once a page's grids hold MAX_HTML_CELLS cells
no further table is — each said by a problem (`table_too_large`, `truncated`), never silently.

A page whose body holds pictures and lacks one of the three tables as text (the tables pasted as
images, some of them, or the whole report one picture per page) has its pictures OCR'd where they stand, as a DOCX's are: an inline
`data:` URI is decoded here, any other `src` is looked up, resolved against the page's URL, in the
`pictures` the crawler fetched with the page (`crawler/spiders/portals.py`).  A picture too small
to hold a table (an icon, a logo, a spacer: under `MIN_PICTURE_SIDE` pixels) is not OCR'd.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urljoin

from lxml import etree

from ..errors import ExtractError
from ..limits import MAX_HTML_BYTES, MAX_HTML_CELLS, MAX_HTML_TAGS, MAX_SPAN, MAX_TABLE_CELLS
from ..model import Cell, Document, Grid, Paragraph, Problem
from . import metatable
from .metatable import text_content

_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br", "section", "article", "dd", "dt",
               "blockquote", "pre", "center", "ul", "ol", "dl", "form", "header", "footer"}
_DROP_TAGS = ("script", "style", "noscript", "template", "select", "option", "button", "iframe", "object", "embed")
# Containers that hold the report in the CMS families we know (TRS, Hanweb, gkmlpt, generic), in
# order of preference: (attribute, test of its value) — a class word, a class substring, an id.
_CONTAINERS: list[tuple[str, Callable[[str], bool]]] = [
    ("class", lambda v: "TRS_Editor" in v.split()),
    ("class", lambda v: "trs_editor_view" in v),
    ("class", lambda v: "TRS_UEDITOR" in v),
    ("id", lambda v: v == "zoom"),
    ("class", lambda v: "TRS_PreAppend" in v),
    ("id", lambda v: v == "ivs_content"),
    ("class", lambda v: "article-content" in v),
    ("class", lambda v: "xxgk_content" in v),
]
# Every class and id attribute of the page, in document order, in one pass (an XPath per
# container, or one over elements, was a pass each over every element: the reader's slowest step).
_CLASS_AND_ID = etree.XPath("//@class|//@id")


def check_page(data: bytes) -> None:
    """Refuse, in one line, a page too large to parse in bounded memory: by its bytes, and by its
    start tags (counted in the bytes: an lxml tree costs a few hundred bytes per element)."""
    if len(data) > MAX_HTML_BYTES:
        raise ExtractError(f"HTML refused: {len(data)} bytes, over the {MAX_HTML_BYTES}-byte limit for a page")
    tags = _start_tags(data)
    if tags > MAX_HTML_TAGS:
        raise ExtractError(f"HTML refused: about {tags} tags, over the {MAX_HTML_TAGS}-tag limit for a page")


def _start_tags(data: bytes) -> int:
    return data.count(b"<") - data.count(b"</")


MIN_PICTURE_SIDE = 200  # pixels: a table's picture is wider and taller than this; an icon is not


@dataclass
class _Picture:
    """Where an `<img>` stood among the body's blocks, until its OCR'd blocks take its place."""

    src: str


def read_html(text: str, pictures: Mapping[str, bytes] | None = None, base_url: str = "") -> Document:
    """An HTML page; `pictures` are the bytes of its body's images by absolute URL (fetched by the
    crawler with the page), `base_url` the page's own URL, against which `src` is resolved."""
    doc = Document(kind="html", html=text)
    parser = _parser()
    try:
        root = etree.fromstring(text.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return doc
    if root is None:  # an empty document
        return doc
    if any("Excessive depth" in e.message for e in parser.error_log):
        doc.problems.append(Problem("truncated", "document", "elements nested past 255 levels were dropped by the parser"))
    doc.meta.update(_meta_tags(root))
    etree.strip_elements(root, *_DROP_TAGS, with_tail=False)
    body = _content_root(root)
    doc.meta.update(metatable.from_html(root, exclude=body))
    budget = _CellBudget()
    _walk_container(body, doc.blocks, budget)
    doc.problems.extend(budget.problems())
    doc.images = images = sum(1 for _ in body.iter("img"))
    pictures = pictures or {}
    at_hand = any(isinstance(b, _Picture) and _at_hand(b.src, pictures, base_url) for b in doc.blocks)
    if at_hand and _tables_missing(doc.blocks):  # the table read is skipped where no picture could be OCR'd
        _ocr_pictures(doc, pictures, base_url, whole=not any(isinstance(b, Grid) for b in doc.blocks))
    doc.blocks = [b for b in doc.blocks if not isinstance(b, _Picture)]
    if images and not any(isinstance(b, Grid) for b in doc.blocks) and len(doc.text()) < 300:
        doc.image_only = True  # a report published as one picture per page
    return doc


class Fragments:
    """HTML embedded in a text copy: the `<table>`s a markdown converter writes for tables with
    merged cells (MinerU and others: a pipe table cannot span), read as a page's tables are, with
    one cell budget over every fragment of the copy."""

    def __init__(self) -> None:
        self.budget = _CellBudget()
        self.size = self.tags = 0  # of the fragments read: a page's limits hold for them together
        self.refused: list[str] = []

    def blocks(self, html: str, where: str = "") -> list:
        """The paragraphs and grids of one fragment, in order (its pictures are not at hand); none
        once the fragments together pass a page's limits (`check_page`'s), and `problems` says so."""
        data = f"<html><body>{html}</body></html>".encode("utf-8", "replace")
        self.size += len(data)
        self.tags += _start_tags(data)
        if self.size > MAX_HTML_BYTES or self.tags > MAX_HTML_TAGS:
            self.refused.append(where or f"HTML block {len(self.refused) + 1}")
            return []
        try:
            root = etree.fromstring(data, parser=_parser())
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            return []
        if root is None:
            return []
        etree.strip_elements(root, *_DROP_TAGS, with_tail=False)
        body = root.find("body")
        out: list = []
        _walk_container(root if body is None else body, out, self.budget)
        return [b for b in out if not isinstance(b, _Picture)]

    def problems(self) -> list[Problem]:
        out = self.budget.problems()
        if self.refused:
            out.append(Problem("truncated", self.refused[0], f"{len(self.refused)} HTML block(s) from here on not read: "
                               f"together past a page's limits ({MAX_HTML_BYTES} bytes, {MAX_HTML_TAGS} tags)"))
        return out


_IMG_SRC = re.compile(rb"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def picture_sources(data: bytes) -> list[str]:
    """The `src` of every `<img>` a page's bytes show, in order, each once, `data:` URIs left out
    (they are in the page): read from the bytes, without parsing the page, for the callers that
    gather a page's pictures before it is read (the archive's picture captures, `pictures_beside`)."""
    from html import unescape

    out: list[str] = []
    if b"<img" not in data and b"<IMG" not in data:
        return out
    for m in _IMG_SRC.finditer(data):
        src = unescape((m.group(1) or m.group(2) or m.group(3) or b"").decode("utf-8", "replace")).strip()
        if src and src[:5].lower() != "data:" and src not in out:
            out.append(src)
    return out


def picture_bytes(src: str, pictures: Mapping[str, bytes], base_url: str) -> bytes | None:
    """The bytes an `<img src>` shows: a `data:` URI decoded, else what the crawler fetched for the
    URL it resolves to; None when neither is at hand (the picture was not fetched)."""
    src = src.strip()
    if src[:5].lower() == "data:":
        head, _, payload = src.partition(",")
        try:
            if head.lower().endswith(";base64"):
                return base64.b64decode(re.sub(r"\s+", "", payload), validate=False)
            return unquote_to_bytes(payload)
        except (binascii.Error, ValueError):
            return None
    return pictures.get(urljoin(base_url, src)) if src else None


def _at_hand(src: str, pictures: Mapping[str, bytes], base_url: str) -> bool:
    """Whether `picture_bytes` has something to decode for `src`, without decoding it."""
    src = src.strip()
    return src[:5].lower() == "data:" or (bool(src) and urljoin(base_url, src) in pictures)


def _big_enough(data: bytes) -> bool:
    """Whether a picture can hold a table: at least MIN_PICTURE_SIDE pixels each way, read from
    its header alone.  An undecodable one is left to the OCR reader to call undecodable."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            return min(img.size) >= MIN_PICTURE_SIDE
    except Exception:  # noqa: BLE001 - any decoder failure: the reader says so
        return True


def _tables_missing(blocks: list) -> bool:
    """Whether the body's text lacks one of the three statutory tables: then its pictures may hold
    it.  A page whose body has some table as text (a small summary or metadata table, or tables
    2 and 3) and the rest as pictures was read without them before."""
    from ..tables import lacks_a_table

    return lacks_a_table([b for b in blocks if not isinstance(b, _Picture)])


def _ocr_pictures(doc: Document, pictures: Mapping[str, bytes], base_url: str, whole: bool) -> None:
    """OCR the body's pictures in place, within one report's OCR budget; the report says it was read
    by OCR (an `ocr` problem).  When the body had no table as text (`whole`) its kind becomes `ocr`:
    its tables are a scan's, so a blank cell on them is doubted as a scan's is
    (`extract/uncertain.py`); in a page that mixes both, the OCR'd cells carry their confidences."""
    from .ocr import Budget, Undecodable, ocr_note, picture_blocks

    budget = Budget()
    out: list = []
    read = 0
    for block in doc.blocks:
        if not isinstance(block, _Picture):
            out.append(block)
            continue
        data = picture_bytes(block.src, pictures, base_url)
        if not data or not _big_enough(data):
            continue
        found = Document(kind="ocr")
        try:
            frames = picture_blocks(data, found, budget, f"picture {read + 1}")
        except Undecodable:
            continue  # an SVG, a damaged picture: it stays a picture
        out.extend(found.blocks)
        doc.problems.extend(found.problems)
        read += 1 if frames and found.blocks else 0
    doc.blocks = out
    if read:
        doc.kind = "ocr" if whole else doc.kind
        doc.problems.insert(0, ocr_note(read, turned=budget.turned))


def _parser() -> etree.HTMLParser:
    """lxml's own HTML parser, not `lxml.html`'s: that one gives every element a Python class
    looked up in Python each time an element is touched (a fifth of the reader's time)."""
    return etree.HTMLParser(encoding="utf-8", remove_comments=True, huge_tree=False)


def _meta_tags(root: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip()
        content = (meta.get("content") or "").strip()
        if name and content:
            out.setdefault("meta:" + name.lower(), content)
    title = root.find(".//title")
    if title is not None and text_content(title).strip():
        out["html_title"] = str(text_content(title)).strip()
    return out


def _content_root(root: etree._Element) -> etree._Element:
    """The CMS body container when there is one holding a table or real text, else <body>:
    containers are tried in the order of `_CONTAINERS`, each in document order."""
    found: list[list[etree._Element]] = [[] for _ in _CONTAINERS]
    for attr in _CLASS_AND_ID(root):
        name = attr.attrname
        for k, (wanted, test) in enumerate(_CONTAINERS):
            if name == wanted and test(attr):
                found[k].append(attr.getparent())
    for candidates in found:
        for el in candidates:
            if el.find(".//table") is not None or len(text_content(el).strip()) > 200:
                return el
    body = root.find("body")
    return body if body is not None else root


class _CellBudget:
    """The cells a page's grids may still take, and the tables refused for size (issue 14: pages of
    nested, spanning tables held gigabytes of cells)."""

    def __init__(self) -> None:
        self.used = 0
        self.tables = 0
        self.too_large: list[str] = []
        self.skipped = 0

    def admit(self, table: etree._Element) -> bool:
        """Whether `table` may be expanded onto its grid: counted from its rows and spans, before
        any cell is built."""
        self.tables += 1
        cells = grid_size(table, MAX_TABLE_CELLS + 1)
        if cells > MAX_TABLE_CELLS:
            self.too_large.append(f"page table {self.tables}")
            return False
        if self.used + cells > MAX_HTML_CELLS:
            self.skipped += 1
            return False
        self.used += cells
        return True

    def problems(self) -> list[Problem]:
        out = [Problem("table_too_large", where, f"over {MAX_TABLE_CELLS} cells: not read")
               for where in self.too_large[:20]]
        if len(self.too_large) > 20:
            out.append(Problem("table_too_large", "document", f"{len(self.too_large)} tables over {MAX_TABLE_CELLS} "
                                                              "cells: not read"))
        if self.skipped:
            out.append(Problem("truncated", "document", f"{self.skipped} table(s) not read: the page's grids reached "
                                                        f"{MAX_HTML_CELLS} cells"))
        return out


def grid_size(table: etree._Element, stop: int) -> int:
    """The cells `table_grid` would build (each cell, and a copy in every row its rowspan reaches),
    counted up to `stop`."""
    rows = _rows(table)
    total = 0
    for i, tr in enumerate(rows):
        left = len(rows) - i
        for td in tr.iterchildren("td", "th"):
            rowspan = td.get("rowspan")
            total += 1 if rowspan is None else min(_span(rowspan), left)
        if total >= stop:
            return total
    return total


def _walk_container(container: etree._Element, blocks: list, budget: _CellBudget) -> None:
    """The blocks of a page's content container, its own text before its first element and after
    its last included (a CMS body of bare text and <br>, a title typed straight into <body>)."""
    buf = [container.text] if container.text else []
    _walk(container, blocks, buf, budget)
    _flush(blocks, buf)


def _walk(el: etree._Element, blocks: list, buf: list[str], budget: _CellBudget) -> None:
    """Depth-first walk emitting paragraphs at block boundaries and a Grid for each data table."""
    for child in el:
        if not isinstance(child.tag, str):
            if child.tail:
                buf.append(child.tail)
            continue
        tag = child.tag.lower()
        if tag == "img":
            _flush(blocks, buf)
            blocks.append(_Picture(child.get("src") or ""))
        elif tag == "table" and not _is_layout_table(child):
            _flush(blocks, buf)
            if budget.admit(child):
                grid = table_grid(child)
                if grid.rows:
                    blocks.append(grid)
        else:
            block = tag in _BLOCK_TAGS or tag == "table"
            if block:
                _flush(blocks, buf)
            if child.text:
                buf.append(child.text)
            _walk(child, blocks, buf, budget)
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
    """The table's own rows, directly or in its row groups (lxml's HTML parser lower-cases tags)."""
    rows = []
    for child in table.iterchildren("tr", "thead", "tbody", "tfoot"):
        if child.tag == "tr":
            rows.append(child)
        else:
            rows.extend(child.iterchildren("tr"))
    return rows


def cell_text(cell: etree._Element) -> str:
    """A cell's text, its `<p>`/`<div>`/`<br>`/`<li>` breaks kept as line breaks (a label wrapped
    over lines), other inline markup joined without a separator."""
    text = cell.text
    if not len(cell):  # most cells: text and nothing inside
        return _CELL_SPACE.sub(" ", text.replace("\u00a0", " ")).strip() if text else ""
    parts = [text] if text else []
    for node in cell.iterdescendants():
        tag = node.tag
        if isinstance(tag, str):
            if tag in _CELL_BREAKS and parts:
                parts.append("\n")
            if node.text:
                parts.append(node.text)
        if node.tail:
            parts.append(node.tail)
    return _CELL_SPACE.sub(" ", "".join(parts).replace("\u00a0", " ")).strip()


_CELL_BREAKS = frozenset(("p", "div", "br", "li"))
_CELL_SPACE = re.compile(r"[ \t\r\f\v\u3000]+")


def _span(value: str | None) -> int:
    if value is None or value == "1":
        return 1
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
        for td in tr.iterchildren("td", "th"):
            if pending:
                col = _take_pending(pending, row, col)
            colspan, rowspan = td.get("colspan"), td.get("rowspan")
            cspan = 1 if colspan is None else _span(colspan)
            rspan = 1 if rowspan is None else _span(rowspan)
            if cspan > 1 and pending:
                # a colspan reaching into a column still held by a rowspan above stops short of it
                cspan = next((k - col for k in range(col + 1, col + cspan) if k in pending), cspan)
            cell = Cell(cell_text(td), col, col + cspan, spans_down=rspan > 1)
            row.append(cell)
            if rspan > 1:
                pending[col] = (cell, rspan - 1)
            col += cspan
        if pending:
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
