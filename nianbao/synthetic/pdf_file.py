"""The PDF renderer: a text-layer PDF as Word exports it, laid out on A4 with reportlab."""

from __future__ import annotations

import io
import random

from .layout import LCell, LTable, blocks
from .spec import ReportSpec

PDF_FONT = "STSong-Light"  # a built-in CID font: no font file needed, and pdfium maps it back to Unicode


def _pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


class _PdfWriter:
    """A minimal flowing layout on A4: wrapped paragraphs and ruled tables that break across pages."""

    WIDTH, HEIGHT = 595.27, 841.89
    LEFT, RIGHT, TOP, BOTTOM = 72.0, 72.0, 770.0, 80.0

    def __init__(self, rng: random.Random, ruled: bool, canvas_class: type | None = None) -> None:
        from reportlab.pdfgen import canvas

        self.font = _pdf_font()
        self.rng = rng
        self.ruled = ruled
        self.border = rng.choice(["rects", "lines"])  # cells as stroked rectangles, or as edge lines
        self.buf = io.BytesIO()
        self.c = (canvas_class or canvas.Canvas)(self.buf, pagesize=(self.WIDTH, self.HEIGHT), invariant=1)
        self.page = 1
        self.y = self.TOP

    @property
    def avail(self) -> float:
        return self.WIDTH - self.LEFT - self.RIGHT

    def width(self, text: str, size: float) -> float:
        from reportlab.pdfbase import pdfmetrics

        return pdfmetrics.stringWidth(text, self.font, size)

    def wrap(self, text: str, size: float, width: float, first_indent: float = 0.0) -> list[str]:
        lines: list[str] = []
        for part in text.split("\n"):
            cur, limit = "", width - (first_indent if not lines else 0.0)
            for ch in part:
                if cur and self.width(cur + ch, size) > limit:
                    lines.append(cur)
                    cur, limit = ch, width
                else:
                    cur += ch
            lines.append(cur)
        return lines

    def end_page(self) -> None:
        self.c.setFont(self.font, 10)
        self.c.drawCentredString(self.WIDTH / 2, 45, f"- {self.page} -")
        self.c.showPage()
        self.page += 1
        self.y = self.TOP

    def text(self, text: str, size: float, *, center: bool = False, indent: bool = True, gap: float = 4) -> None:
        leading = size * 1.65
        first = 2 * size if indent and not center else 0.0
        for i, line in enumerate(self.wrap(text, size, self.avail, first)):
            if self.y - leading < self.BOTTOM:
                self.end_page()
            self.y -= leading
            self.c.setFont(self.font, size)
            if center:
                self.c.drawCentredString(self.WIDTH / 2, self.y, line)
            else:
                self.c.drawString(self.LEFT + (first if i == 0 else 0.0), self.y, line)
        self.y -= gap

    def table(self, table: LTable, size: float = 9.0, break_before: int | None = None) -> None:
        """Lay the table out row by row, breaking pages between rows; a merged cell that crosses a
        break is drawn on both pages, its text in the larger part."""
        pad, lh = 2.5, size * 1.3
        scale = self.avail / sum(table.weights)
        xs = [self.LEFT]
        for w in table.weights:
            xs.append(xs[-1] + w * scale)
        content: dict[int, tuple[list[str], float]] = {}
        for cell in table.cells:
            w = xs[cell.col + cell.colspan] - xs[cell.col] - 2 * pad
            fsize = size
            if cell.kind == "vertical":
                lines = [ch for ch in cell.text if not ch.isspace()]
            elif cell.kind == "value":
                while self.width(cell.text, fsize) > w and fsize > 5:
                    fsize -= 0.5
                lines = [cell.text] if cell.text else []
            else:
                lines = self.wrap(cell.text, size, w)
            content[id(cell)] = (lines, fsize)
        base = lh + 2 * pad + self.rng.choice([0.0, 2.0, 4.0])
        heights = [base] * table.nrows
        for cell in table.cells:
            if cell.rowspan == 1 and cell.kind != "vertical":
                heights[cell.row] = max(heights[cell.row], len(content[id(cell)][0]) * lh + 2 * pad)
        for cell in table.cells:
            if cell.rowspan > 1 and cell.kind != "vertical":
                rows = range(cell.row, cell.row + cell.rowspan)
                short = len(content[id(cell)][0]) * lh + 2 * pad - sum(heights[r] for r in rows)
                if short > 0:
                    for r in rows:
                        heights[r] += short / cell.rowspan
        # Place the rows: page (relative to the current one) and top edge of each.
        page_of, top_of = [], []
        page, y = 0, self.y - 6
        for r, h in enumerate(heights):
            if y - h < self.BOTTOM or (r == break_before and r > 0):
                page, y = page + 1, self.TOP
            page_of.append(page)
            top_of.append(y)
            y -= h
        for p in range(page + 1):
            if p:
                self.end_page()
            for cell in table.cells:
                self._draw_cell(cell, content[id(cell)], xs, heights, page_of, top_of, p, pad, lh)
        self.y = y - 10

    def _draw_cell(self, cell: LCell, content: tuple[list[str], float], xs: list[float], heights: list[float],
                   page_of: list[int], top_of: list[float], page: int, pad: float, lh: float) -> None:
        rows = list(range(cell.row, cell.row + cell.rowspan))
        frags: dict[int, list[int]] = {}
        for r in rows:
            frags.setdefault(page_of[r], []).append(r)
        if page not in frags:
            return
        x0, x1 = xs[cell.col], xs[cell.col + cell.colspan]

        def extent(rs: list[int]) -> tuple[float, float]:
            return top_of[rs[0]], top_of[rs[-1]] - heights[rs[-1]]

        top, bottom = extent(frags[page])
        c = self.c
        if self.ruled:
            c.setLineWidth(0.5)
            if self.border == "rects":
                c.rect(x0, bottom, x1 - x0, top - bottom, stroke=1, fill=0)
            else:
                for a, b, d, e in ((x0, top, x1, top), (x0, bottom, x1, bottom), (x0, bottom, x0, top),
                                   (x1, bottom, x1, top)):
                    c.line(a, b, d, e)
        lines, fsize = content
        if not lines:
            return
        # The text goes into the largest fragment of a cell split by a page break.
        best = max(frags, key=lambda p: (extent(frags[p])[0] - extent(frags[p])[1], -p))
        if best != page:
            return
        h = top - bottom
        step = lh if cell.kind != "vertical" else min(lh, (h - 2 * pad) / len(lines))
        block_top = top - (h - step * len(lines)) / 2
        c.setFont(self.font, fsize)
        for i, line in enumerate(lines):
            baseline = block_top - i * step - (step + fsize * 0.7) / 2
            if cell.kind == "label":
                c.drawString(x0 + pad, baseline, line)
            else:
                c.drawCentredString((x0 + x1) / 2, baseline, line)

    def finish(self) -> bytes:
        self.end_page()
        self.c.save()
        return self.buf.getvalue()


def render_pdf(spec: ReportSpec, ruled: bool = True, canvas_class: type | None = None) -> bytes:
    """A text-layer PDF as Word exports it: wrapped labels, vertical 三、本年度办理结果, table 3 split
    across a page break, `- N -` page numbers; `ruled=False` draws no lines at all.  `canvas_class`,
    a reportlab `Canvas` subclass, draws the same layout another way (the tests' text turned to
    outlines, tests/outlined.py)."""
    rng = random.Random(f"pdf:{spec.seed}:{spec.template}:{ruled}")
    pdf = _PdfWriter(rng, ruled, canvas_class)
    pdf.c.setTitle(spec.title if rng.random() < 0.5 else f"Microsoft Word - {spec.year}年度报告.docx")
    size = rng.choice([8.5, 9.0, 9.5])
    first = True
    for kind, content in blocks(spec, split_active=rng.random() < 0.4):
        if kind == "title":
            pdf.text(content, 18, center=True, gap=2 if first else 12)
            first = False
        elif kind == "heading":
            pdf.text(content, 12, indent=True, gap=2)
        elif kind == "para":
            pdf.text(content, 12, gap=2)
        else:
            table: LTable = content
            brk = None
            if table.name == "table3":  # break inside the outcome rows, whatever room is left
                candidates = [r for r in ("3.3.3", "3.3.6", "3.4.1", "3.4.3", "3.5.2", "3.5.4") if r in spec.rows]
                brk = 3 + spec.rows.index(rng.choice(candidates))
            pdf.table(table, size=size, break_before=brk)
    return pdf.finish()


def render_tables_page(spec: ReportSpec, height: float = 1090.0, only: str | None = None) -> bytes:
    """The report's title and three tables (headings kept, narrative left out) on one tall page of
    A4 width, in 8-point type: what a scan of one page of tables looks like, and one OCR pass
    (a page under 1.83 times as tall as wide is not cut into strips, `extract/readers/ocr.py`).
    The demo portals publish it as a scan and as a page's pictures (`nianbao/demo/reports.py`).

    `only` (`table2`, `table3` or `table4`) draws that table alone, without title or headings:
    the picture of one table a portal pastes into a page or a DOCX (crop it to its ink)."""
    rng = random.Random(f"pdf1:{spec.seed}:{spec.template}")
    pdf = _PdfWriter(rng, True)
    pdf.HEIGHT, pdf.TOP, pdf.BOTTOM = height, height - 30.0, 20.0
    pdf.c.setPageSize((pdf.WIDTH, height))
    pdf.y = pdf.TOP
    pdf.c.setTitle(spec.title)
    for kind, content in blocks(spec):
        if only is not None and (kind != "table" or content.name != only):
            continue
        if kind == "title":
            pdf.text(content, 14, center=True, gap=2)
        elif kind == "heading":
            pdf.text(content, 9, indent=True, gap=1)
        elif kind == "table":
            pdf.table(content, size=7.0)
    return pdf.finish()
