"""CSV and TSV copies of reports: a spreadsheet's export, one table row per line.

A report exported this way keeps its body text as one-field rows and its tables as rows of many
fields, all in one file; each run of many-field rows is one table.  The delimiter is told by the
content (comma, tab, semicolon), never assumed from a file name.
"""

from __future__ import annotations

import csv

from ..errors import ExtractError
from ..model import Document, Paragraph
from .textgrid import text_grid

DELIMITERS = (",", "\t", ";")
_MIN_ROWS = 3  # rows of three or more fields that make a file a delimited copy


def delimiter_of(text: str) -> str | None:
    """The delimiter when most table-like lines split on it into three or more fields, else None.

    One-cell-per-line copies (`\\tcell`) have a single leading tab per line and are not TSV."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:400]
    if not lines:
        return None
    best: tuple[int, str] | None = None
    for delim in DELIMITERS:
        try:
            rows = list(csv.reader(lines, delimiter=delim))
        except csv.Error:
            continue
        wide = [r for r in rows if len(r) >= 3]
        if len(wide) >= _MIN_ROWS and len(wide) * 4 >= len(lines) and (best is None or len(wide) > best[0]):
            best = (len(wide), delim)
    return best[1] if best else None


def read_delimited(text: str, delimiter: str) -> Document:
    doc = Document(kind="text")
    table: list[list[str]] = []

    def close() -> None:
        grid = text_grid(table) if table else None
        if grid is not None:
            doc.blocks.append(grid)
        table.clear()

    # the lines as delimiter_of() split them: csv's own reader stops at a lone \r inside a line
    # ("new-line character seen in unquoted field"), which a copy saved on an old Mac carries
    try:
        rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    except csv.Error as exc:  # e.g. a field past csv's size limit: one line, nothing lost
        raise ExtractError(f"unreadable delimited text copy: {exc}") from exc
    for row in rows:
        fields = [f.strip() for f in row]
        if len(fields) >= 3 or sum(1 for f in fields if f) >= 2:  # a table row, padded to the table's width
            table.append(fields)
            continue
        close()
        line = next((f for f in fields if f), "")
        if line:
            doc.blocks.append(Paragraph(line))
    close()
    return doc
