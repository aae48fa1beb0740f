"""Markdown copies of reports: pipe tables and `#` headings, as researchers and converters keep them.

A table is a run of lines that start with `|`; the line of dashes (`|---|:--:|`) marks the row
above it as the header.  The outer pipes are optional (GitHub's tables, pandoc's and many
converters' omit them: `项目 | 数量` over `--- | ---`): a header line with a pipe over a delimiter
line with one starts a table that runs while its lines hold a pipe.  Its delimiter line says which
it is (it never starts with an empty cell): without the outer pipe there, a row's leading pipe
is the boundary of an empty first cell, not an outer pipe.  A table with merged cells
often arrives as HTML inside the markdown (`<table>…rowspan…</table>`, as MinerU and other
converters write it, since a pipe table cannot span): such a block is read by the HTML reader's
own table code (`html.Fragments`).  One report table often arrives as several small markdown tables (a
converter cuts at each page, or at each merged header); each is read as its own `Grid` and the
table reader joins them as it joins a table crossing a PDF page break.  `#` marks, emphasis
(`**…**`) and list bullets are formatting, not text: a title `# 2020年…年度报告` is the title.
"""

from __future__ import annotations

import re

from ..model import Document, Paragraph
from .textgrid import text_grid

_TABLE_LINE = re.compile(r"^\s*\|")
_DELIMITER = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+|\s+#+\s*$")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_BULLET = re.compile(r"^\s*[-*+]\s+")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PIPE = re.compile(r"(?<!\\)\|")  # a cell boundary (`\|` is a pipe inside a cell)
_HTML_BLOCK = re.compile(r"^\s*<(?:html|body|div|table)\b", re.IGNORECASE)  # opens a block holding a <table>
_OPEN_TABLE = re.compile(r"<table\b", re.IGNORECASE)
_CLOSE_TABLE = re.compile(r"</table\s*>", re.IGNORECASE)
_HEADING_LINE = re.compile(r"^\s{0,3}#{1,6}\s+\S")


def _html_block_end(lines: list[str], i: int) -> int | None:
    """Where an HTML block holding a table, opened at line i, ends (the line after the one that
    closes its last open table), or None when line i opens none."""
    if not _HTML_BLOCK.match(lines[i]) or not _OPEN_TABLE.search("\n".join(lines[i:i + 3])):
        return None
    depth = 0
    for j in range(i, len(lines)):
        depth += len(_OPEN_TABLE.findall(lines[j])) - len(_CLOSE_TABLE.findall(lines[j]))
        if depth <= 0 and (j > i or _OPEN_TABLE.search(lines[j])):
            return j + 1
    return len(lines)  # never closed: the rest is the table (the HTML parser closes it)


def _starts_table(lines: list[str], i: int) -> bool:
    """Does a table begin at line i: a line with a leading pipe, or a line with a pipe over a
    delimiter line with one (a bare `---` is a rule or a heading's underline, not a table)?"""
    if _TABLE_LINE.match(lines[i]):
        return True
    return i + 1 < len(lines) and bool(_PIPE.search(lines[i])) and "|" in lines[i + 1] \
        and bool(_DELIMITER.match(lines[i + 1]))


def looks_like_markdown(lines: list[str]) -> bool:
    """Pipe tables with their delimiter line, or `#` headings beside HTML tables: a text copy in
    markdown, not one cell per line."""
    if any(_DELIMITER.match(line) and "-" in line and i > 0 and _starts_table(lines, i - 1)
           for i, line in enumerate(lines)):
        return True
    return any(_HEADING_LINE.match(line) for line in lines) and any(_OPEN_TABLE.search(line) for line in lines)


def read_markdown(lines: list[str]) -> Document:
    from .html import Fragments

    doc = Document(kind="text")
    fragments = Fragments()
    i = 0
    while i < len(lines):
        end = _html_block_end(lines, i)
        if end is not None:
            doc.blocks.extend(fragments.blocks("\n".join(lines[i:end]), f"line {i + 1}"))
            i = end
            continue
        if _starts_table(lines, i):
            # with outer pipes, lines that start with one; without, lines that hold one
            outer = not (i + 1 < len(lines) and _DELIMITER.match(lines[i + 1])
                         and not lines[i + 1].lstrip().startswith("|"))
            inside = _TABLE_LINE.match if outer else _PIPE.search
            j = i + 1
            while j < len(lines) and lines[j].strip() and inside(lines[j]):
                j += 1
            _add_table(doc, lines[i:j], outer)
            i = j
            continue
        text = plain(lines[i])
        if text:
            doc.blocks.append(Paragraph(text))
        i += 1
    doc.problems.extend(fragments.problems())
    return doc


def plain(line: str) -> str:
    """A line of markdown as the words it shows."""
    text = _HEADING.sub("", line.strip())
    text = _BULLET.sub("", text)
    return _EMPHASIS.sub(r"\2", text).strip()


def split_row(line: str, outer: bool = True) -> list[str]:
    """The cells of one pipe-table line; `\\|` is a pipe inside a cell, `<br>` a line break.
    `outer`: the table has outer pipes, which bound no cell."""
    body = line.strip()
    if outer:
        body = body[1:] if body.startswith("|") else body
        body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells = re.split(r"(?<!\\)\|", body)
    return [plain(_BREAK.sub("\n", c.replace("\\|", "|"))) for c in cells]


def _add_table(doc: Document, lines: list[str], outer: bool = True) -> None:
    header: list[str] | None = None
    rows: list[list[str]] = []
    for k, line in enumerate(lines):
        if _DELIMITER.match(line):
            if k == 1 and rows:
                header = rows.pop()
            continue  # a delimiter further down: a second table glued on, its header stays a row
        rows.append(split_row(line, outer))
    grid = text_grid(rows, header)
    if grid is not None:
        doc.blocks.append(grid)
