"""Markdown copies of reports: pipe tables and `#` headings, as researchers and converters keep them.

A table is a run of lines that start with `|`; the line of dashes (`|---|:--:|`) marks the row
above it as the header.  One report table often arrives as several small markdown tables (a
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


def looks_like_markdown(lines: list[str]) -> bool:
    """Pipe tables with their delimiter line: a text copy in markdown, not one cell per line."""
    return any(_DELIMITER.match(line) and "-" in line and i > 0 and _TABLE_LINE.match(lines[i - 1])
               for i, line in enumerate(lines))


def read_markdown(lines: list[str]) -> Document:
    doc = Document(kind="text")
    i = 0
    while i < len(lines):
        if _TABLE_LINE.match(lines[i]):
            j = i
            while j < len(lines) and _TABLE_LINE.match(lines[j]):
                j += 1
            _add_table(doc, lines[i:j])
            i = j
            continue
        text = plain(lines[i])
        if text:
            doc.blocks.append(Paragraph(text))
        i += 1
    return doc


def plain(line: str) -> str:
    """A line of markdown as the words it shows."""
    text = _HEADING.sub("", line.strip())
    text = _BULLET.sub("", text)
    return _EMPHASIS.sub(r"\2", text).strip()


def split_row(line: str) -> list[str]:
    """The cells of one pipe-table line; `\\|` is a pipe inside a cell, `<br>` a line break."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells = re.split(r"(?<!\\)\|", body)
    return [plain(_BREAK.sub("\n", c.replace("\\|", "|"))) for c in cells]


def _add_table(doc: Document, lines: list[str]) -> None:
    header: list[str] | None = None
    rows: list[list[str]] = []
    for k, line in enumerate(lines):
        if _DELIMITER.match(line):
            if k == 1 and rows:
                header = rows.pop()
            continue  # a delimiter further down: a second table glued on, its header stays a row
        rows.append(split_row(line))
    grid = text_grid(rows, header)
    if grid is not None:
        doc.blocks.append(grid)
