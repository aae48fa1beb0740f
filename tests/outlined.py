"""PDFs whose text is drawn as outlines ("转曲"): every glyph a filled path, no text layer at all.

Why: design tools (Illustrator, CorelDRAW, WPS's "export as outlines") and print shops turn text to
curves so that a PDF looks the same without its fonts; a report so exported has no characters for
the reader to take, and no picture either, only thousands of little shapes.  The generated report's
own layout (nianbao/synthetic/pdf_file.py) is drawn through `OutlinedCanvas`, which draws each
character as its glyph's outline from the machine's CJK font (fonts-wqy-zenhei, installed by
scripts/install-system.sh) at the place and size the text would have had.
"""

from __future__ import annotations

from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from nianbao.synthetic import ReportSpec
from nianbao.synthetic.pdf_file import render_pdf

FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


@cache
def _font():  # noqa: ANN202 - fontTools' TTFont
    from fontTools.ttLib import TTFont

    return TTFont(FONT_FILE, fontNumber=0, lazy=True)


def _pen_class():  # noqa: ANN202 - a fontTools BasePen subclass, built when fontTools is imported
    from fontTools.pens.basePen import BasePen

    class PathPen(BasePen):
        """A glyph's contours onto a pdfgen path, scaled to the font size and moved to the origin."""

        def __init__(self, glyphs, path, x: float, y: float, scale: float) -> None:  # noqa: ANN001
            super().__init__(glyphs)
            self.path, self.x, self.y, self.s = path, x, y, scale

        def _at(self, p: tuple[float, float]) -> tuple[float, float]:
            return self.x + p[0] * self.s, self.y + p[1] * self.s

        def _moveTo(self, p) -> None:  # noqa: ANN001
            self.path.moveTo(*self._at(p))

        def _lineTo(self, p) -> None:  # noqa: ANN001
            self.path.lineTo(*self._at(p))

        def _curveToOne(self, p1, p2, p3) -> None:  # noqa: ANN001
            self.path.curveTo(*self._at(p1), *self._at(p2), *self._at(p3))

        def _closePath(self) -> None:
            self.path.close()

    return PathPen


class OutlinedCanvas(canvas.Canvas):
    """A reportlab canvas whose strings are drawn as filled glyph outlines, one path a character,
    advanced by the layout font's widths so the page is laid out exactly as its text copy."""

    def drawString(self, x: float, y: float, text: str, *args, **kwargs) -> None:  # noqa: ANN002, ANN003, N802
        font = _font()
        glyphs, cmap = font.getGlyphSet(), font.getBestCmap()
        scale = self._fontsize / font["head"].unitsPerEm
        pen_class = _pen_class()
        for ch in text:
            name = cmap.get(ord(ch))
            if name and not ch.isspace():
                path = self.beginPath()
                glyphs[name].draw(pen_class(glyphs, path, x, y, scale))
                self.drawPath(path, stroke=0, fill=1)
            x += pdfmetrics.stringWidth(ch, self._fontname, self._fontsize)

    def drawCentredString(self, x: float, y: float, text: str, *args, **kwargs) -> None:  # noqa: ANN002, ANN003, N802
        self.drawString(x - pdfmetrics.stringWidth(text, self._fontname, self._fontsize) / 2, y, text)


def outlined_pdf(spec: ReportSpec, ruled: bool = True) -> bytes:
    """The generated report's PDF with its text turned to outlines."""
    return render_pdf(spec, ruled=ruled, canvas_class=OutlinedCanvas)
