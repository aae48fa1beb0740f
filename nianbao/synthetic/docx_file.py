"""The DOCX renderer: a Word document with real merged cells."""

from __future__ import annotations

import io
import random
from typing import Any

from .layout import LTable, blocks
from .spec import ReportSpec


def _docx_set_text(cell: Any, text: str, rng: random.Random, center: bool) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    lines = text.split("\n")
    cell.text = ""
    para = cell.paragraphs[0]
    run = para.add_run(lines[0])
    as_breaks = rng.random() < 0.5
    for line in lines[1:]:
        if as_breaks:  # a soft line break inside one paragraph
            run.add_break()
            run = para.add_run(line)
        else:  # a new paragraph in the same cell
            para = cell.add_paragraph(line)
    if center:
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def render_docx(spec: ReportSpec) -> bytes:
    """A Word document whose tables have real merged cells (vMerge for row groups, gridSpan in headers)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt
    from docx.table import _Cell

    rng = random.Random(f"docx:{spec.seed}:{spec.template}")
    doc = Document()
    if rng.random() < 0.5:
        doc.core_properties.title = spec.title
    for kind, content in blocks(spec, split_active=rng.random() < 0.4):
        if kind == "table":
            table: LTable = content
            t = doc.add_table(rows=table.nrows, cols=table.ncols)
            t.style = "Table Grid"
            # The <w:tc> elements taken once: Table.cell() rescans the whole table on every call.
            tcs = [list(tr.tc_lst) for tr in t._tbl.tr_lst]
            for cell in table.cells:
                target = _Cell(tcs[cell.row][cell.col], t)
                if cell.rowspan > 1 or cell.colspan > 1:
                    corner = tcs[cell.row + cell.rowspan - 1][cell.col + cell.colspan - 1]
                    target = target.merge(_Cell(corner, t))
                _docx_set_text(target, cell.text, rng, center=cell.kind != "label")
            if rng.random() < 0.5:
                doc.add_paragraph("")
        elif kind == "title":
            p = doc.add_paragraph()
            run = p.add_run(content)
            run.bold = True
            run.font.size = Pt(18)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "heading":
            p = doc.add_paragraph()
            p.add_run(content).bold = True
        else:
            doc.add_paragraph(content)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
