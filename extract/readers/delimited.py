"""CSV and TSV copies of reports: a spreadsheet's export, one table row per line.

A report exported this way keeps its body text as one-field rows and its tables as rows of many
fields, all in one file; each run of many-field rows is one table.  A spreadsheet that pads every
row to the widest (Excel's export: `标题,,,,,,`) still marks its body text: the only filled field
is the first, and it is a sentence, the title, or longer than any label of the templates.  The delimiter is told by the
content (comma, tab, semicolon), never assumed from a file name.
"""

from __future__ import annotations

import csv

from ..errors import ExtractError
from ..model import Document, Paragraph
from ..templates import per_vocabulary, vocabulary
from .textgrid import is_generic_header, text_grid

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


_SENTENCE_END = ("。", "；", ";", "：", ":")
_NUMBERING = 4  # characters a printed label's numbering adds to the vocabulary's (`（三）`, `10.`)


def _prose(text: str) -> bool:
    """Body text, though a spreadsheet padded its row to the widest (`标题,,,,,,`, as Excel exports
    every row): a sentence, a title, or a line longer than any label of the templates (a label
    alone in its row, its values blank, is still a table row)."""
    return text.endswith(_SENTENCE_END) or "年度报告" in text or len(text) > _longest_label()


def _numbers_next(rows: list[list[str]], i: int) -> bool:
    """Is the next row a header that numbers the columns?  It opens its table, so the row before
    it is not in that table: the heading above it (三、收到和处理政府信息公开申请情况)."""
    return i + 1 < len(rows) and any(f.strip().isdigit() for f in rows[i + 1]) and is_generic_header(rows[i + 1])


@per_vocabulary
def _longest_label() -> int:
    v = vocabulary()
    labels = [r.label for r in v.rows] + [g.label for g in v.groups] + [i.name for i in v.items] + \
        [m.label for m in v.metrics] + [t.label for t in (*v.columns, *v.review_groups, *v.review_outcomes)]
    return max(map(len, labels)) + _NUMBERING


def read_delimited(text: str, delimiter: str) -> Document:
    # the lines as delimiter_of() split them: csv's own reader stops at a lone \r inside a line
    # ("new-line character seen in unquoted field"), which a copy saved on an old Mac carries
    try:
        rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    except csv.Error as exc:  # e.g. a field past csv's size limit: one line, nothing lost
        raise ExtractError(f"unreadable delimited text copy: {exc}") from exc
    doc = Document(kind="text")
    read_rows(rows, doc)
    return doc


def read_rows(rows: list[list[str]], doc: Document) -> None:
    """A sheet's rows (a CSV copy's, a spreadsheet's) onto `doc`: each run of many-field rows one
    table, the rest body text."""
    table: list[list[str]] = []

    def close() -> None:
        grid = text_grid(table) if table else None
        if grid is not None:
            doc.blocks.append(grid)
        table.clear()

    for i, row in enumerate(rows):
        fields = [f.strip() for f in row]
        filled = [f for f in fields if f]
        table_row = len(fields) >= 3 or len(filled) >= 2  # a table row, padded to the table's width
        alone = len(filled) == 1 and bool(fields[0])  # only the first field: perhaps body text, padded
        if table_row and not (alone and (_prose(fields[0]) or _numbers_next(rows, i))):
            table.append(fields)
            continue
        close()
        line = next((f for f in fields if f), "")
        if line:
            doc.blocks.append(Paragraph(line))
    close()
