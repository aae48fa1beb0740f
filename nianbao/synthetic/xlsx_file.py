"""The report as an Excel workbook, as agencies attach their tables (`附件：统计表.xlsx`)."""

from __future__ import annotations

import io

from .layout import blocks
from .spec import ReportSpec


def _cell_value(text: str) -> str | int | float:
    """A number as a spreadsheet stores it (a numeric cell), other text as text."""
    try:
        return int(text)
    except ValueError:
        pass
    if "." in text and any(ch.isdigit() for ch in text):
        try:
            return float(text)
        except ValueError:
            pass
    return text


def render_xlsx(spec: ReportSpec, *, merged: bool = True, sheet_per_table: bool = False,
                numbered: bool = False) -> bytes:
    """The report as a workbook (openpyxl): body lines in the first column, tables below them,
    numbers as numeric cells; `merged`: the tables' merged cells merged in the sheet (their
    value at the origin, as Excel keeps it); `sheet_per_table`: each table on a sheet of its own
    after its heading, the body text on the first; `numbered`: tables 3 and 4 with a header that
    numbers their columns."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    row_at = 1
    for kind, content in blocks(spec):
        if kind != "table":
            sheet.cell(row=row_at, column=1, value=content)
            row_at += 1
            continue
        if sheet_per_table:
            sheet = workbook.create_sheet(content.name)
            row_at = 1
        texts = content.texts(repeat=False)
        renumbered = numbered and content.name in ("table3", "table4")
        if renumbered:
            texts = [content.numbered_header(), *texts[content.header_rows():]]
        for r, row in enumerate(texts):
            for c, text in enumerate(row):
                if text:
                    sheet.cell(row=row_at + r, column=c + 1, value=_cell_value(text))
        if merged and not renumbered:
            for cell in content.cells:
                if cell.rowspan > 1 or cell.colspan > 1:
                    sheet.merge_cells(start_row=row_at + cell.row, start_column=cell.col + 1,
                                      end_row=row_at + cell.row + cell.rowspan - 1,
                                      end_column=cell.col + cell.colspan)
        row_at += len(texts) + 1
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()
