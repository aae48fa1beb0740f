"""The reports the demo sites publish, as bytes: the real examples and the generator's reports.

Why apart from the sites: every family serves the same report documents (an attachment, or the
report's HTML body inside its own page chrome); rendering them is the slow part, cached here once.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from functools import cache
from pathlib import Path

from nianbao import synthetic

from .model import Doc

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = Path(os.environ.get("NIANBAO_EXAMPLES", ROOT.parent / "shared" / "examples"))


def report_spec(source: tuple) -> synthetic.ReportSpec:
    """The generator's spec for `source`, with the agency and year the world gave the report (the
    generator picks them from its own list, which knows nothing of the portal's district)."""
    _, seed, template, agency_full, agency, year = source
    spec = synthetic.make_spec(seed, template)
    spec.agency_full, spec.agency, spec.year = agency_full, agency, year
    spec.pub_date = f"{year + 1}{spec.pub_date[4:]}"
    return spec


# Unbounded: a world's documents are rendered once (bench/ renders them all before timing) and
# held for the server's lifetime; the biggest world benchmarked holds a few hundred MB.
@cache
def render(source: tuple, form: str, version: int) -> bytes:
    """A report document's bytes; a later version carries a correction note (a real edit)."""
    if source[0] == "example":
        data = (EXAMPLES / source[1]).read_bytes()
        if version > 1 and form in ("txt", "html"):
            note = f"\n（第{version}次更正）\n".encode()
            data = data + note if form == "txt" else data.replace(b"</body>", note + b"</body>", 1)
        return data
    spec = report_spec(source)
    if version > 1:  # a corrected report: one value in table 3 moves
        spec.applications["1"]["natural"] = (spec.applications["1"]["natural"] or 0) + version
        spec.applications["1"]["total"] = (spec.applications["1"]["total"] or 0) + version
    if form in ("pdf", "script_pdf"):
        return synthetic.render_pdf(spec)
    if form == "scan":
        return scanned_pdf(spec)
    if form == "picture":
        return tables_picture(spec)
    if form == "docx":
        return _stable_zip(synthetic.render_docx(spec))
    if form == "xlsx":
        return _stable_zip(synthetic.render_xlsx(spec, sheet_per_table=True))
    if form == "ofd":
        return synthetic.render_ofd(spec)  # its members dated 2024-01-01: the same bytes every run
    if form == "gbk":
        return synthetic.render_html(spec, "flat_repeat", encoding="gbk")
    return synthetic.render_html(spec, "trs")


SCAN_DPI = 150  # the demo's scans: one page at a modest resolution, so a demo crawl OCRs for seconds only


def tables_picture(spec: synthetic.ReportSpec) -> bytes:
    """The report's tables as one picture (JPEG), as a scanner or a phone makes it: one tall page
    (`synthetic.render_tables_page`) at SCAN_DPI in grey, turned by 0.4°.  Deterministic bytes."""
    import pypdfium2 as pdfium
    from PIL import Image

    pdf = pdfium.PdfDocument(synthetic.render_tables_page(spec))
    try:
        img = pdf[0].render(scale=SCAN_DPI / 72, grayscale=True).to_pil().convert("L")
    finally:
        pdf.close()
    img = img.rotate(0.4, resample=Image.BICUBIC, fillcolor=255)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80, dpi=(SCAN_DPI, SCAN_DPI))
    return buf.getvalue()


def scanned_pdf(spec: synthetic.ReportSpec) -> bytes:
    """The report as a scanner writes it: an image-only PDF of one page, the picture is the page."""
    from PIL import Image

    buf = io.BytesIO()
    Image.open(io.BytesIO(tables_picture(spec))).save(buf, "PDF", resolution=SCAN_DPI)
    return buf.getvalue()


def _stable_zip(data: bytes) -> bytes:
    """The same DOCX or XLSX bytes in every process: zip entry times and core-property dates pinned."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-01-01T00:00:00Z", body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0)), body,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def report_body(doc: Doc, encoding: str = "utf-8") -> str:
    """The report as HTML body content (the inside of TRS_Editor / div#zoom)."""
    if doc.source[0] == "example":
        text = render(doc.source, "html", doc.version).decode("utf-8")
        return text.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    if encoding == "gbk":
        text = render(doc.source, "gbk", doc.version).decode("gb18030")
        return text.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    text = render(doc.source, "html", doc.version).decode("utf-8")
    start = text.index('<div class="Custom_UnionStyle">') + len('<div class="Custom_UnionStyle">')
    return text[start:text.index('</div></div>\n<div class="share">')]


def attachment_bytes(doc: Doc) -> bytes:
    """The report file an attachment link serves."""
    form = "pdf" if doc.form == "script_pdf" else doc.form
    return render(doc.source, form, doc.version)


def example_title(name: str) -> tuple[str, str]:
    """(title, agency) a portal lists a real example under."""
    return {
        "dongcheng-2020.txt": ("北京市东城区2020年政府信息公开工作年度报告", "北京市东城区人民政府"),
        "shanghai-office-2019.html": ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "上海市人民政府办公厅"),
    }[name]
