"""Spreadsheet copies of reports (XLSX; XLS and WPS's ET through LibreOffice): each sheet's rows
read as a CSV copy's are (`delimited.read_rows`), one sheet after another.

Agencies attach the three tables as a workbook (`附件：统计表.xls`), and researchers keep them so.
openpyxl reads XLSX in its read-only mode, row by row, with the sheet's declared dimensions
dropped: python-calamine (tried first) and openpyxl's default mode both lay a sheet out as its whole
bounding box, and a 5 kB file with one cell in A1 and one in XFD1048576 made calamine ask for
512 GB and abort the process.  Streamed, a row costs what its XML holds (up to its last cell), and
the walk stops at `MAX_SHEETS`, `MAX_SHEET_ROWS` and `MAX_SHEET_CELLS`, saying so (`truncated`).
Cells keep what the sheet stores: a number as its shortest decimal (12.0 → 12, 0.30000000000000004
→ 0.3, Excel's own display), a formula as the value Excel saved with it (`data_only`); a formula
saved without its value reads as blank.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from ..errors import ExtractError
from ..limits import MAX_SHEET_CELLS, MAX_SHEET_ROWS, MAX_SHEETS
from ..model import Document, Problem
from .delimited import read_rows
from .zipguard import check_zip


def read_xlsx(data: bytes, kind: str = "xlsx") -> Document:
    """`kind`: what the file was (an XLS converted to XLSX is still an `xls` report)."""
    check_zip(data, "XLSX")
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged package: zipfile's, lxml's and openpyxl's own errors
        raise ExtractError(f"unreadable XLSX: {type(exc).__name__}: {exc}") from exc
    doc = Document(kind=kind)
    cells_left = MAX_SHEET_CELLS
    try:
        sheets = workbook.worksheets
        for number, sheet in enumerate(sheets[:MAX_SHEETS], 1):
            rows, cells, cut = _rows(sheet, cells_left)
            read_rows(rows, doc)
            if cut:
                doc.problems.append(Problem("truncated", f"sheet {number}", cut))
            cells_left -= cells
            if cells_left < 0:
                break
        if len(sheets) > MAX_SHEETS:
            doc.problems.append(Problem("truncated", "document", f"only the first {MAX_SHEETS} of {len(sheets)} sheets read"))
    except ExtractError:
        raise
    except Exception as exc:  # a damaged sheet, found while streaming it
        raise ExtractError(f"unreadable XLSX: {type(exc).__name__}: {exc}") from exc
    finally:
        workbook.close()
    return doc


def read_xls(data: bytes, kind: str) -> Document:
    """An XLS (or WPS ET) workbook: LibreOffice converts it to XLSX (extract/readers/convert.py)."""
    from .convert import convert

    return read_xlsx(convert(data, kind, "xlsx"), kind)


def _rows(sheet: Any, cells_left: int) -> tuple[list[list[str]], int, str | None]:
    """The sheet's rows as text, the cells walked (more than `cells_left` when the workbook
    holds more than it may read), and what was left unread (None: nothing).  Rows are cut to
    their last filled column, each at least three fields wide when the sheet is (as a
    spreadsheet's CSV export pads them: a label whose values are blank is still a table row), a
    run of blank rows kept as one."""
    sheet.reset_dimensions()  # the declared size can be anything: read what the XML holds
    rows: list[list[str]] = []
    cells = 0
    cut = None
    for walked, row in enumerate(sheet.iter_rows(values_only=True)):
        if walked >= MAX_SHEET_ROWS:
            cut = f"only its first {MAX_SHEET_ROWS} rows read"
            break
        cells += len(row)
        if cells > cells_left:
            cut = f"rows from {walked + 1} on not read: the workbook holds more than {MAX_SHEET_CELLS} cells"
            break
        texts = [_text(v) for v in row]
        while texts and not texts[-1]:
            texts.pop()
        if texts or (rows and rows[-1]):  # a run of blank rows reads as one (it only ends a table)
            rows.append(texts)
    width = min(3, max(map(len, rows), default=0))
    return [texts + [""] * (width - len(texts)) for texts in rows], cells, cut


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()
