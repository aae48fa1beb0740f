"""Spreadsheet copies of reports (XLSX; XLS, WPS's ET and ODS through LibreOffice): each sheet's
rows read as a CSV copy's are (`delimited.read_rows`), one sheet after another.

Agencies attach the three tables as a workbook (`附件：统计表.xls`), and researchers keep them so.
openpyxl reads XLSX in its read-only mode, row by row, with the sheet's declared dimensions
dropped: python-calamine (tried first) and openpyxl's default mode both lay a sheet out as its whole
bounding box, and a 5 kB file with one cell in A1 and one in XFD1048576 made calamine ask for
512 GB and abort the process.  Streamed, a row costs what its XML holds (up to its last cell), and
the walk stops at `MAX_SHEETS`, `MAX_SHEET_ROWS` and `MAX_SHEET_CELLS`, saying so (`truncated`).
Cells keep what the sheet stores: a number as its shortest decimal (12.0 → 12, 0.30000000000000004
→ 0.3, Excel's own display), a formula as the value Excel saved with it (`data_only`).  Workbooks
written by programs (report generators, Apache POI, openpyxl) often save formulas — a 合计 row's
`=SUM(B3:B9)` — without any value, which openpyxl reads as blank: a total silently missing.  Such a
workbook is recomputed by LibreOffice (what Excel shows on opening it) and read again, and a
`formula_uncached` problem names each such cell and its formula; without LibreOffice they stay blank
and the problem says so.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

from ..errors import ExtractError
from ..limits import MAX_SHEET_CELLS, MAX_SHEET_ROWS, MAX_SHEETS
from ..model import Document, Problem
from .delimited import read_rows
from .zipguard import check_zip


def read_xlsx(data: bytes, kind: str = "xlsx") -> Document:
    """`kind`: what the file was (an XLS converted to XLSX is still an `xls` report)."""
    check_zip(data, "XLSX")
    uncached = _uncached_formulas(data)
    if not uncached:
        return _read_workbook(data, kind)
    from .convert import convert

    try:
        doc = _read_workbook(convert(data, "xlsx", "xlsx"), kind)
        outcome = "computed by LibreOffice on reading"
    except ExtractError as exc:
        doc = _read_workbook(data, kind)
        outcome = f"read as blank ({exc})"
    doc.problems.extend(_formula_problems(uncached, outcome))
    return doc


def _read_workbook(data: bytes, kind: str) -> Document:
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


def read_converted_workbook(data: bytes, kind: str) -> Document:
    """An XLS (or WPS ET) or ODS workbook: LibreOffice converts it to XLSX, its formulas computed
    (extract/readers/convert.py)."""
    from .convert import convert

    if kind == "ods":
        check_zip(data, "ODS")
    return _read_workbook(convert(data, kind, "xlsx"), kind)


# A cell holding a formula and no value: `<c r="B9"><f>SUM(B3:B8)</f></c>`, `<v></v>` or `<v/>`
# after it, or a shared formula's `<f t="shared" si="0"/>`.  Namespace prefixes allowed (`x:c`).
_UNCACHED = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3}[0-9]{1,7})"[^>]*?(?<!/)>\s*'
    rb'<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)\s*'
    rb'(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>')
_FORMULA_SHOWN = 10  # cells named in a problem's detail; the rest are counted


def _uncached_formulas(data: bytes) -> dict[str, list[str]]:
    """Each worksheet (`sheet N`, by the workbook's order) → its formula cells saved without a
    value (`B9 =SUM(B3:B8)`).  The zip guard has already bounded what the parts inflate to."""
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")):
            xml = archive.read(name)
            if b"<f" not in xml and b":f" not in xml:
                continue
            cells = [f"{m[1].decode()} ={m[2].decode('utf-8', 'replace')}" if m[2] else f"{m[1].decode()} (shared formula)"
                     for m in _UNCACHED.finditer(xml)]
            if cells:
                found[name] = cells
    if not found:
        return found
    import openpyxl

    try:  # the part's place in the workbook, as the other problems name sheets
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        order = {getattr(ws, "_worksheet_path", ""): f"sheet {n}" for n, ws in enumerate(workbook.worksheets, 1)}
        workbook.close()
    except Exception:  # damaged: _read_workbook says so; here the part names do
        order = {}
    return {order.get(part, part): cells for part, cells in found.items()}


def _formula_problems(uncached: dict[str, list[str]], outcome: str) -> list[Problem]:
    out = []
    for part, cells in uncached.items():
        shown = ", ".join(cells[:_FORMULA_SHOWN]) + (f" and {len(cells) - _FORMULA_SHOWN} more" if len(cells) > _FORMULA_SHOWN else "")
        out.append(Problem("formula_uncached", part,
                           f"{len(cells)} formula cell(s) saved without their values, {outcome}: {shown}"))
    return out


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
