"""Text copies of reports: markdown, CSV/TSV, or one table cell per line as `../shared/examples/*.txt`.

`read_text` tells the three forms apart by their content and hands markdown to `markdown.py` and
delimited exports to `delimited.py`; all three give the same `Grid`s to the one table reader.

In the one-cell-per-line form a line that starts with a tab opens a cell; a tab-only line is an empty cell; an empty line closes
a table row.  Short lines without a tab, followed by more cells, continue the cell before them
(`（三）不予` / `公开` is one label broken by the copy).  Any other line is body text.
"""

from __future__ import annotations

import re

from ..labels import has_cjk
from ..model import Cell, Document, Grid, Paragraph
from ..values import looks_like_value
from .delimited import delimiter_of, read_delimited
from .markdown import looks_like_markdown, read_markdown

_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|\d+[、.．]\s*\S|第[一二三四五六七八九十]+)")
_CONTINUATION_MAX = 40


def read_text(text: str) -> Document:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if looks_like_markdown(lines):
        return read_markdown(lines)
    delimiter = delimiter_of(text)
    if delimiter is not None:
        return read_delimited(text, delimiter)
    return read_cell_lines(lines)


def read_cell_lines(lines: list[str]) -> Document:
    """One table cell per line (a DOCX table copied as text)."""
    doc = Document(kind="text")
    grid: list[list[str]] | None = None
    row: list[str] = []

    def close_row() -> None:
        nonlocal row
        if grid is not None and row:
            grid.append(row)
        row = []

    def close_grid() -> None:
        nonlocal grid
        close_row()
        if grid:
            doc.blocks.append(Grid([[Cell(t, i, i + 1) for i, t in enumerate(r)] for r in grid], positional=False))
        grid = None

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("\t"):
            if grid is None:
                grid = []
            row.append(line[1:].strip())
        elif not line.strip():
            if grid is not None and row:
                if is_label_text(row[-1]) and _continues(lines, i):
                    pass  # a blank line inside a broken cell label
                else:
                    close_row()
        elif grid is not None and row and is_label_text(row[-1]) and _continues(lines, i):
            row[-1] = row[-1] + "\n" + line.strip()
        else:
            close_grid()
            doc.blocks.append(Paragraph(line.strip()))
        i += 1
    close_grid()
    return doc


def _continues(lines: list[str], i: int) -> bool:
    """True when the lines from i on are short untabbed fragments (or blanks) ending in a cell."""
    saw_fragment = False
    blanks = 0
    for j in range(i, min(len(lines), i + 12)):
        line = lines[j]
        if line.startswith("\t"):
            return saw_fragment
        if not line.strip():
            blanks += 1
            if blanks > 1:
                return False
            continue
        if len(line.strip()) > _CONTINUATION_MAX or _HEADING.match(line):
            return False
        saw_fragment = True
        blanks = 0
    return False


def is_label_text(text: str) -> bool:
    """Only a label can be broken over lines; a number or a blank cell is never continued."""
    return has_cjk(text) and not looks_like_value(text)
