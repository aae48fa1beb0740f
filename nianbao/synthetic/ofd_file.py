"""The OFD renderer: a report as an OFD package (GB/T 33190, the national fixed-layout format),
laid out exactly as `render_pdf` lays it out (same wrapping, page breaks and rules).

OFD is a zip of XML: `OFD.xml` names the document, `Document.xml` its pages and page size, each
page's `Content.xml` its text and path objects, in millimetres with the y axis down.  Producers
differ in ways a reader must survive, and `style` picks one of them:

- `strings`: one TextObject per drawn string, glyph advances in `DeltaX` (runs of equal advances
  written `g 3 3.175`, as Suwell's and Foxit's writers do);
- `glyphs`: one TextObject per character, its Boundary tight around it (PDF-to-OFD converters);
- `ctm`: strings drawn in points inside their objects, scaled to millimetres by each object's
  `CTM`, without the `ofd:` prefix (a default namespace) and with the page number in a template page.

Rules are PathObjects (`AbbreviatedData` relative to the object's Boundary): each edge a path of
its own, or a cell's four edges as one closed rectangle.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape, quoteattr

from .spec import ReportSpec

MM = 25.4 / 72  # millimetres per point
STYLES = ("strings", "glyphs", "ctm")
_NS = "http://www.ofdspec.org/2016"


def _n(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


class _OfdCanvas:
    """What `_PdfWriter` asks of a reportlab canvas, written as OFD pages instead."""

    def __init__(self, buf: io.BytesIO, pagesize: tuple[float, float], invariant: int = 1,
                 style: str = "strings") -> None:
        self.buf, self.style = buf, style
        self.width, self.height = pagesize
        self.font, self.size = "", 10.0
        self.title = ""
        self.pages: list[list[str]] = []
        self.footers: list[str] = []
        self.objects: list[str] = []
        self.next_id = 100

    # --- the canvas calls render_pdf makes -----------------------------------------------------
    def setTitle(self, title: str) -> None:  # noqa: N802 - reportlab's name
        self.title = title

    def setPageSize(self, size: tuple[float, float]) -> None:  # noqa: N802
        self.width, self.height = size

    def setFont(self, font: str, size: float) -> None:  # noqa: N802
        self.font, self.size = font, size

    def setLineWidth(self, width: float) -> None:  # noqa: N802
        self.line_width = width

    def drawString(self, x: float, y: float, text: str) -> None:  # noqa: N802
        if self.style == "ctm" and text.startswith("- ") and text.endswith(" -"):
            self.footers.append(self._text(x, y, text))  # the page number lives in a template page
            return
        self.objects.append(self._text(x, y, text))

    def drawCentredString(self, x: float, y: float, text: str) -> None:  # noqa: N802
        self.drawString(x - self._width(text) / 2, y, text)

    def line(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.objects.append(self._path(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), closed=False))

    def rect(self, x: float, y: float, w: float, h: float, stroke: int = 1, fill: int = 0) -> None:
        self.objects.append(self._path(x, y, x + w, y + h, closed=True))

    def showPage(self) -> None:  # noqa: N802
        self.pages.append(self.objects)
        self.objects = []

    def save(self) -> None:
        if self.objects:
            self.showPage()
        self.buf.write(self._package())

    # --- OFD objects -----------------------------------------------------------------------------
    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _width(self, text: str) -> float:
        from reportlab.pdfbase import pdfmetrics

        return pdfmetrics.stringWidth(text, self.font, self.size)

    def _tag(self, name: str) -> str:
        return name if self.style == "ctm" else f"ofd:{name}"

    def _text(self, x: float, y: float, text: str) -> str:
        """`text` with its baseline starting at (x, y) in points, y up."""
        advances = [self._width(ch) for ch in text]
        top = self.height - y - self.size  # the object's box: from a size above the baseline
        if self.style == "glyphs":
            out, at = [], x
            for ch, advance in zip(text, advances, strict=True):
                if not ch.isspace():
                    out.append(self._text_object(at, top, advance, [ch], [], self.size * MM))
                at += advance
            return "".join(out)
        total = sum(advances)
        if self.style == "ctm":  # drawn in points, the object scaled to millimetres
            return self._text_object(x, top, total, list(text), advances, self.size, ctm=True)
        return self._text_object(x, top, total, list(text), [a * MM for a in advances], self.size * MM)

    def _text_object(self, x: float, top: float, width: float, chars: list[str], advances: list[float],
                     size: float, ctm: bool = False) -> str:
        t = self._tag
        box = f"{_n(x * MM)} {_n(top * MM)} {_n(width * MM + 0.5)} {_n(self.size * 1.3 * MM)}"
        deltas = _deltas(advances[:-1])
        delta = f" DeltaX={quoteattr(deltas)}" if deltas else ""
        scale = f' CTM="{_n(MM)} 0 0 {_n(MM)} 0 0"' if ctm else ""
        baseline = self.size if ctm else self.size * MM
        return (f'<{t("TextObject")} ID="{self._id()}" Boundary="{box}" Font="1" Size="{_n(size)}"{scale}>'
                f'<{t("TextCode")} X="0" Y="{_n(baseline)}"{delta}>{escape("".join(chars))}</{t("TextCode")}>'
                f'</{t("TextObject")}>')

    def _path(self, x0: float, y0: float, x1: float, y1: float, closed: bool) -> str:
        """A rule or a cell's rectangle from (x0, y0) to (x1, y1) in points, y up."""
        t = self._tag
        left, top = x0 * MM, (self.height - y1) * MM
        w, h = (x1 - x0) * MM, (y1 - y0) * MM
        if closed:
            data = f"M 0 0 L {_n(w)} 0 L {_n(w)} {_n(h)} L 0 {_n(h)} C"
        elif h < 0.01:
            data = f"M 0 0 L {_n(w)} 0"
        else:
            data = f"M 0 0 L 0 {_n(h)}"
        box = f"{_n(left)} {_n(top)} {_n(max(w, 0.2))} {_n(max(h, 0.2))}"
        return (f'<{t("PathObject")} ID="{self._id()}" Boundary="{box}" LineWidth="0.176">'
                f'<{t("AbbreviatedData")}>{data}</{t("AbbreviatedData")}></{t("PathObject")}>')

    def _package(self) -> bytes:
        t = self._tag
        ns = f'xmlns="{_NS}"' if self.style == "ctm" else f'xmlns:ofd="{_NS}"'
        head = '<?xml version="1.0" encoding="UTF-8"?>'
        box = f"0 0 {_n(self.width * MM)} {_n(self.height * MM)}"
        pages = "".join(f'<{t("Page")} ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
                        for i in range(len(self.pages)))
        templates = "".join(f'<{t("TemplatePage")} ID="{900 + i}" BaseLoc="Tpls/Tpl_{i}/Content.xml"/>'
                            for i in range(len(self.footers)))
        files = {
            "OFD.xml": f'{head}<{t("OFD")} {ns} Version="1.1" DocType="OFD"><{t("DocBody")}><{t("DocInfo")}>'
                       f'<{t("DocID")}>nianbao</{t("DocID")}><{t("Title")}>{escape(self.title)}</{t("Title")}>'
                       f'</{t("DocInfo")}><{t("DocRoot")}>Doc_0/Document.xml</{t("DocRoot")}></{t("DocBody")}>'
                       f'</{t("OFD")}>',
            "Doc_0/Document.xml": f'{head}<{t("Document")} {ns}><{t("CommonData")}><{t("MaxUnitID")}>{self.next_id}'
                                  f'</{t("MaxUnitID")}><{t("PageArea")}><{t("PhysicalBox")}>{box}</{t("PhysicalBox")}>'
                                  f'</{t("PageArea")}><{t("PublicRes")}>PublicRes.xml</{t("PublicRes")}>{templates}'
                                  f'</{t("CommonData")}><{t("Pages")}>{pages}</{t("Pages")}></{t("Document")}>',
            "Doc_0/PublicRes.xml": f'{head}<{t("Res")} {ns} BaseLoc="Res"><{t("Fonts")}><{t("Font")} ID="1" '
                                   f'FontName="宋体" FamilyName="宋体"/></{t("Fonts")}></{t("Res")}>',
        }
        for i, objects in enumerate(self.pages):
            template = (f'<{t("Template")} TemplateID="{900 + i}" ZOrder="Background"/>'
                        if i < len(self.footers) else "")
            files[f"Doc_0/Pages/Page_{i}/Content.xml"] = (
                f'{head}<{t("Page")} {ns}>{template}<{t("Content")}><{t("Layer")} ID="{self._id()}">'
                f'{"".join(objects)}</{t("Layer")}></{t("Content")}></{t("Page")}>')
        for i, footer in enumerate(self.footers):
            files[f"Doc_0/Tpls/Tpl_{i}/Content.xml"] = (
                f'{head}<{t("Page")} {ns}><{t("Content")}><{t("Layer")} ID="{self._id()}">{footer}'
                f'</{t("Layer")}></{t("Content")}></{t("Page")}>')
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            for name, text in files.items():
                info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
                package.writestr(info, text.encode("utf-8"), zipfile.ZIP_DEFLATED)
        return out.getvalue()


def _deltas(advances: list[float]) -> str:
    """DeltaX as OFD writers compress it: a run of equal advances as `g N d`."""
    out: list[str] = []
    i = 0
    while i < len(advances):
        j = i
        while j + 1 < len(advances) and abs(advances[j + 1] - advances[i]) < 1e-6:
            j += 1
        run = j - i + 1
        out.append(f"g {run} {_n(advances[i])}" if run > 2 else " ".join([_n(advances[i])] * run))
        i = j + 1
    return " ".join(out)


def render_ofd(spec: ReportSpec, style: str = "strings", ruled: bool = True) -> bytes:
    """The report as an OFD package in one of `STYLES`, laid out as `render_pdf` lays it out."""
    from .pdf_file import render_pdf

    if style not in STYLES:
        raise ValueError(f"style: one of {STYLES}")

    def canvas(buf: io.BytesIO, pagesize: tuple[float, float], invariant: int = 1) -> _OfdCanvas:
        return _OfdCanvas(buf, pagesize, invariant, style)

    return render_pdf(spec, ruled=ruled, canvas_class=canvas)  # type: ignore[arg-type]

