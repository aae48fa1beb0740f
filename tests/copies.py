"""Markdown and CSV/TSV copies of the generator's reports, for the round-trip tests (XLSX:
`nianbao.synthetic.render_xlsx`, which the demo portals publish too).

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
            texts = content.texts(repeat=repeat)
            head_n = content.header_rows()
            head, body = texts[:head_n], texts[head_n:]
            if numbered and content.name in ("table3", "table4"):
                head = [content.numbered_header()]
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
        texts = content.texts(repeat=False)
        head_n = content.header_rows()
        if numbered and content.name in ("table3", "table4"):
            texts = [content.numbered_header(), *texts[head_n:]]
        rows.extend(texts)
        rows.append([])
    if padded:
        width = max(map(len, rows))
        rows = [row + [""] * (width - len(row)) for row in rows]
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")

