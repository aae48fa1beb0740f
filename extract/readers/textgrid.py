"""Tables of text copies (markdown pipe tables, CSV, TSV): rows of strings → one `Grid`.

A text copy keeps a table's columns but none of its merges or its header when a tool wrote it:
a merged label leaves empty cells beside or below it, a header may number the columns (`| | 1 |
2 | …`) or name them generically (`列1`, `Column 2`) instead of naming the applicant types, and a
table split over several pages repeats its header row.  Three repairs make such a table read like
a flat HTML table, so that the one table reader (`extract/tables.py`) handles it:

- a header row that names nothing of the template (numbers, generic words, blanks) is dropped, so
  the reader takes the template's column order, as it does for any header it cannot position;
- a row equal to the table's first row, met again further down, is a repeated header and dropped;
- an empty cell in a label column (left of the first value, holding the labels of value rows)
  is merge residue, not a blank value, and is dropped; any other empty cell stays a blank cell.
  A numbered header says where the value columns start, so all columns before them are label
  columns even in a small table of one row.

Cells keep their column index as position (`Cell.x0 = column`), as the HTML and DOCX readers do.
"""

from __future__ import annotations

import re

from ..labels import has_cjk
from ..model import Cell, Grid
from ..values import looks_like_value

# Header words that name a column without saying which one (a converter's or a researcher's).
_GENERIC = re.compile(r"^(?:列|栏|第)?\s*[\d一二三四五六七八九十]+\s*(?:列|栏)?$|^(?:col(?:umn)?|field|unnamed)[\s_:.-]*\d*$"
                      r"|^(?:项目|序号|指标|名称|内容|数值|数据|备注)$", re.IGNORECASE)


def is_generic_header(cells: list[str]) -> bool:
    """A header row that names no column of any template: generic words, column numbers
    (`1 2 3 … n`, never data: no table row counts 1, 2, 3 … across without a label), blanks."""
    texts = [re.sub(r"\s+", "", t) for t in cells if t.strip()]
    digits = [int(t) for t in texts if t.isdigit()]
    others = [t for t in texts if not t.isdigit()]
    if digits and (len(digits) < 3 or digits != list(range(digits[0], digits[0] + len(digits))) or digits[0] > 1):
        return False
    return all(_GENERIC.match(t) or not (has_cjk(t) or _is_value(t)) for t in others)


def text_grid(rows: list[list[str]], header: list[str] | None = None) -> Grid | None:
    """One table of a text copy as a Grid, or None when nothing is left.  `header` is the row a
    format marks as the header (markdown's row above `|---|`); CSV has none, so its generic
    header rows are told by their content."""
    body = [list(r) for r in rows]
    if header is not None:
        body.insert(0, list(header))
    first = _row_key(body[0]) if body else ()
    kept: list[list[str]] = []
    numbered_from: int | None = None  # the first column a numbered header numbers: the first value column
    for i, r in enumerate(body):
        if is_generic_header(r):
            first_number = next((c for c, t in enumerate(r) if t.strip().isdigit()), None)
            if first_number is not None:
                numbered_from = first_number if numbered_from is None else min(numbered_from, first_number)
            continue  # numbered or generic header, first or repeated
        if i > 0 and first and _row_key(r) == first:
            continue  # the header row printed again below a page break
        kept.append(r)
    if not kept:
        return None
    width = max(len(r) for r in kept)
    first_value = min((c for r in kept for c, t in enumerate(r) if t.strip() and _is_value(t)), default=width)
    if numbered_from is not None:
        first_value = min(first_value, numbered_from)
    label_cols = {c for r in kept if any(t.strip() and _is_value(t) for t in r)
                  for c, t in enumerate(r[:first_value]) if t.strip() and has_cjk(t)}
    if numbered_from is not None:
        label_cols |= set(range(numbered_from))
    out: list[list[Cell]] = []
    for r in kept:
        cells = [Cell(t.strip(), c, c + 1) for c, t in enumerate(r) if t.strip() or c not in label_cols]
        cells += [Cell("", c, c + 1) for c in range(max(len(r), first_value), width)]  # a short row
        out.append(cells)
    return Grid(out, positional=True)


def _is_value(text: str) -> bool:
    return looks_like_value(text) and not has_cjk(text)


def _row_key(row: list[str]) -> tuple[str, ...]:
    """A row's texts, for spotting a header printed again: only rows of labels alone count (a
    row with values is data, however often it repeats)."""
    texts = tuple(re.sub(r"\s+", "", t) for t in row)
    labelled = any(has_cjk(t) for t in texts) and not any(t and _is_value(t) for t in texts)
    return texts if labelled else ()
