"""Markdown, CSV/TSV and XLSX copies of the generator's reports, for the round-trip tests.

Kept in tests/ while `nianbao/synthetic` is being turned into a package (its renderers move there
later).  They lay out the same logical tables (`synthetic.blocks`) the way tools and researchers
keep reports: markdown pipe tables (merged cells repeated or left empty, headers that number the
columns, a table cut into several small tables, the header printed again mid-table, `#`
headings, rows without their outer pipes), markdown holding its tables as HTML with their merged
cells (`rowspan`/`colspan`, each table on one line, as MinerU writes them) and spreadsheet exports (comma, tab or semicolon; body text as one-field rows, or every row padded
to the widest as Excel exports a sheet).
"""

from __future__ import annotations

import csv
import io
import random

from nianbao.synthetic import LTable, ReportSpec, blocks


def _grid_texts(table: LTable, *, repeat: bool) -> list[list[str]]:
    """Each grid cell's text: a merged cell's text everywhere it covers, or only at its origin."""
    out = []
    for r, row in enumerate(table.grid()):
        texts = []
        for c, cell in enumerate(row):
            if cell is None or (not repeat and (cell.row, cell.col) != (r, c)):
                texts.append("")
            else:
                texts.append(cell.text)
        out.append(texts)
    return out


def _header_rows(table: LTable) -> int:
    """How many leading rows of the table are its column header (no value cells)."""
    values = {cell.row for cell in table.cells if cell.kind == "value"}
    n = 0
    while n < table.nrows and n not in values:
        n += 1
    return n


def _numbered(table: LTable) -> list[str]:
    """A header that numbers the value columns instead of naming them (`| | | | 1 | 2 | … |`)."""
    value_cols = sorted({cell.col for cell in table.cells if cell.kind == "value"})
    return ["" if c not in value_cols else str(value_cols.index(c) + 1) for c in range(table.ncols)]


def _md_row(texts: list[str], outer: bool = True) -> str:
    row = " | ".join(t.replace("|", "\\|").replace("\n", "<br>") for t in texts)
    return f"| {row} |" if outer else row


def _md_table(rows: list[list[str]], outer: bool = True) -> list[str]:
    delimiter = "|" + "---|" * len(rows[0]) if outer else " | ".join(["---"] * len(rows[0]))
    return [_md_row(rows[0], outer), delimiter, *(_md_row(r, outer) for r in rows[1:])]


def _html_table(table: LTable, wrapped: bool) -> str:
    """The table as HTML with its merged cells spanning, on one line (a converter's markdown)."""
    from html import escape

    rows = []
    for r in table.origin_rows():
        cells = []
        for cell in r:
            spans = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + \
                (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
            cells.append(f"<td{spans}>{'<br>'.join(escape(p) for p in cell.text.split(chr(10)))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    html = "<table>" + "".join(rows) + "</table>"
    return f"<html><body>{html}</body></html>" if wrapped else html


def render_markdown(spec: ReportSpec, *, repeat: bool = True, numbered: bool = False, split: bool = False,
                    repeat_header: bool = False, outer: bool = True, html: str = "") -> bytes:
    """The report as markdown: `#` title, `##` headings, tables as pipe tables.

    `numbered` replaces the header of tables 3 and 4 by column numbers; `split` cuts table 3 into
    small tables (each with its header line); `repeat_header` prints table 3's header again in
    the middle of the table, as a copy of a table crossing a page break does; `outer=False` leaves
    out the rows' outer pipes; `html` ("bare" or "wrapped" in `<html><body>`) writes every table
    as one line of HTML with its merged cells spanning."""
    rng = random.Random(f"markdown:{spec.seed}:{spec.template}")
    lines: list[str] = []
    for kind, content in blocks(spec, split_active=split):
        if kind == "title":
            lines += ["# " + content, ""]
        elif kind == "heading":
            lines += ["## " + content, ""]
        elif kind == "table" and html:
            lines += [_html_table(content, wrapped=html == "wrapped"), ""]
        elif kind == "table":
            texts = _grid_texts(content, repeat=repeat)
            head_n = _header_rows(content)
            head, body = texts[:head_n], texts[head_n:]
            if numbered and content.name in ("table3", "table4"):
                head = [_numbered(content)]
            if not head:
                head = [[""] * content.ncols]
            if content.name == "table3" and split:
                cut = sorted(rng.sample(range(1, len(body)), 2))
                parts = [body[:cut[0]], body[cut[0]:cut[1]], body[cut[1]:]]
                for k, part in enumerate(parts):
                    lines += _md_table([*head, *part], outer) if k == 0 else _md_table([head[-1], *part], outer)
                    lines.append("")
                continue
            if content.name == "table3" and repeat_header:
                at = rng.randint(3, len(body) - 3)
                body = [*body[:at], *head, *body[at:]]
            lines += _md_table([*head, *body], outer)
            lines.append("")
        else:
            lines += [content, ""]
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_delimited(spec: ReportSpec, delimiter: str = ",", *, numbered: bool = False, padded: bool = False) -> bytes:
    """The report as one spreadsheet export: body lines as one-field rows, tables padded to width;
    `padded`: every row, body text too, padded to the widest row, as Excel exports a sheet."""
    rows: list[list[str]] = []
    for kind, content in blocks(spec):
        if kind != "table":
            rows.append([content])
            continue
        texts = _grid_texts(content, repeat=False)
        head_n = _header_rows(content)
        if numbered and content.name in ("table3", "table4"):
            texts = [_numbered(content), *texts[head_n:]]
        rows.extend(texts)
        rows.append([])
    if padded:
        width = max(map(len, rows))
        rows = [row + [""] * (width - len(row)) for row in rows]
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _cell_value(text: str) -> str | int | float:
    """A number as a spreadsheet stores it (a numeric cell), other text as text."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text) if any(ch.isdigit() for ch in text) and "." in text else text
    except ValueError:
        return text


def render_xlsx(spec: ReportSpec, *, merged: bool = True, sheet_per_table: bool = False,
                numbered: bool = False) -> bytes:
    """The report as an Excel workbook (openpyxl): body lines in the first column, tables below
    them, numbers as numeric cells; `merged`: the tables' merged cells merged in the sheet (their
    value at the origin, as Excel keeps it); `sheet_per_table`: each table on a sheet of its own
    after its heading (`附件：统计表.xlsx`), the body text on the first; `numbered`: tables 3 and 4
    with a header that numbers their columns."""
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
        texts = _grid_texts(content, repeat=False)
        renumbered = numbered and content.name in ("table3", "table4")
        if renumbered:
            texts = [_numbered(content), *texts[_header_rows(content):]]
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
