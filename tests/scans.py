"""Scans of the generator's reports, for the OCR tests and the bench: what a scanner or a phone
makes of a printed report.

Each page of a generated PDF is rendered at a scanner's resolution, in greyscale, turned by a
small angle, given sensor noise and saved through JPEG, then wrapped as an image-only PDF (the
picture is the page, as scanners write them), as a "searchable" PDF (the picture with the
scanner's OCR as invisible text over it), as one long PNG (长图, pages one below the other, as
reports are posted as pictures), or as a multi-page TIFF.  A colour scan (`seals`) carries red
seals stamped over the page — over the tables too — in ink that lets the print show through.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image


@dataclass(frozen=True)
class Scan:
    dpi: int = 200
    angle: float = 0.6  # degrees, counter-clockwise
    noise: float = 10.0  # standard deviation of the grey-level noise
    jpeg_quality: int = 60
    seed: int = 0
    seals: int = 0  # red seals (印章) stamped on each page: a colour scan when > 0
    crop: bool = False  # each page cut down to its ink (`cropped`): the picture of a table, not a page


SEAL_RED = (215, 40, 45)


def stamp(img: Image.Image, count: int, rng: random.Random) -> Image.Image:
    """`count` seals (a ring round a star, an eighth of the page wide) at random places, printed
    over the page as ink is: the darker of seal and print shows (a multiply, in effect)."""
    import numpy as np
    from PIL import ImageDraw

    seals = Image.new("RGB", img.size, (255, 255, 255))
    draw = ImageDraw.Draw(seals)
    w, h = img.size
    for _ in range(count):
        cx, cy, r = rng.randint(w // 4, 3 * w // 4), rng.randint(h // 5, 4 * h // 5), int(w * 0.11)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=SEAL_RED, width=max(4, w // 250))
        draw.regular_polygon((cx, cy, r // 3), 5, fill=SEAL_RED)
    return Image.fromarray(np.minimum(np.asarray(img.convert("RGB")), np.asarray(seals)))


def scan_pages(pdf: bytes, scan: Scan) -> list[Image.Image]:
    import numpy as np

    rng = np.random.default_rng(scan.seed)
    places = random.Random(f"seals:{scan.seed}")
    doc = pdfium.PdfDocument(pdf)
    pages = []
    for i in range(len(doc)):
        img = doc[i].render(scale=scan.dpi / 72, grayscale=True).to_pil().convert("L")
        if scan.crop:
            img = cropped(img, dpi=scan.dpi)
        if scan.seals:
            img = stamp(img, scan.seals, places)
        img = img.rotate(scan.angle, resample=Image.BICUBIC, fillcolor=255 if img.mode == "L" else (255, 255, 255))
        if scan.noise:
            arr = np.asarray(img, dtype=np.float32)
            arr = arr + rng.normal(0, scan.noise, arr.shape[:2])[..., None] if arr.ndim == 3 else \
                arr + rng.normal(0, scan.noise, arr.shape)
            img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=scan.jpeg_quality)
        pages.append(Image.open(io.BytesIO(buf.getvalue())))
    doc.close()
    return pages


def cropped(page: Image.Image, margin: float = 0.25, dpi: int = 200) -> Image.Image:
    """A page cut down to its first block of ink (down to the first half inch without any: the
    page number below stays off) and a `margin` (inches) round it: the picture of one table."""
    import numpy as np

    ink = np.asarray(page.convert("L")) < 196
    rows = np.flatnonzero(ink.any(axis=1))
    if not rows.size:
        return page
    gaps = np.flatnonzero(np.diff(rows) > dpi // 2)
    top, bottom = rows[0], rows[gaps[0]] if gaps.size else rows[-1]
    cols = np.flatnonzero(ink[top:bottom + 1].any(axis=0))
    pad = int(margin * dpi)
    return page.crop((max(0, int(cols[0]) - pad), max(0, int(top) - pad), min(page.width, int(cols[-1]) + pad),
                      min(page.height, int(bottom) + pad)))


def image_only_pdf(pages: list[Image.Image], dpi: int) -> bytes:
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    return buf.getvalue()


def searchable_pdf(pages: list[Image.Image], lines: list[str], stamp: str | None = None) -> bytes:
    """The scan as a scanner's "searchable" PDF: each page its picture, with the scanner's OCR laid
    over it as invisible text (render mode 3) — here the report's text lines, roughly placed, and
    no ruling line anywhere but in the picture; `stamp`, a line of visible text at each page's foot
    (a portal's or a signing tool's)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from nianbao.synthetic.pdf_file import _pdf_font

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595.3, 841.9))
    per = -(-len(lines) // len(pages))
    for k, page in enumerate(pages):
        c.drawImage(ImageReader(page), 0, 0, 595.3, 841.9)
        c.saveState()  # the render mode is graphics state: the stamp below is drawn visibly
        text = c.beginText(40, 800)
        text.setTextRenderMode(3)
        text.setFont(_pdf_font(), 9)
        for line in lines[k * per:(k + 1) * per]:
            text.textLine(line[:80])
        c.drawText(text)
        c.restoreState()
        if stamp:
            c.setFont(_pdf_font(), 8)
            c.drawString(40, 14, stamp)
        c.showPage()
    c.save()
    return buf.getvalue()


def long_png(pages: list[Image.Image], dpi: int) -> bytes:
    width = max(p.width for p in pages)
    mode = "RGB" if any(p.mode == "RGB" for p in pages) else "L"
    out = Image.new(mode, (width, sum(p.height for p in pages)), 255 if mode == "L" else (255, 255, 255))
    y = 0
    for p in pages:
        out.paste(p, (0, y))
        y += p.height
    buf = io.BytesIO()
    out.save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def tiff(pages: list[Image.Image], dpi: int) -> bytes:
    buf = io.BytesIO()
    pages[0].save(buf, "TIFF", dpi=(dpi, dpi), save_all=True, append_images=pages[1:], compression="tiff_deflate")
    return buf.getvalue()


def random_scan(seed: int) -> Scan:
    """A scan of the range the target covers: 150-300 dpi, up to ±1.5°, noise, JPEG artefacts."""
    rng = random.Random(f"scan:{seed}")
    return Scan(dpi=rng.choice([150, 200, 240, 300]), angle=round(rng.uniform(-1.5, 1.5), 2),
                noise=rng.choice([4.0, 8.0, 12.0]), jpeg_quality=rng.choice([45, 60, 75]), seed=seed)


@dataclass
class Score:
    """How a parse of a scan compares with what the generator printed, cell by cell."""

    cells: int  # cells the report prints in tables 2-4
    correct: int
    wrong_unflagged: list[str]  # read as another value and not doubted (`ocr_uncertain`): must be empty
    unread_unflagged: list[str]  # not read and no problem says so: must be empty

    @property
    def rate(self) -> float:
        return self.correct / self.cells if self.cells else 0.0


def parents_of(spec) -> dict[str, str]:  # noqa: ANN001 - a generator ReportSpec
    """Each table-2 sub-row's item → its parent item (行政确认 → 其他对外管理服务事项)."""
    return {row.item: row.parent for sec in spec.sections for row in sec.rows if row.parent}


TABLES = {"table2": "active", "table3": "applications", "table4": "litigation"}  # the generator's → expected's


def score(report: dict, want: dict, tables: tuple[str, ...] = ("active", "applications", "litigation"),
          parents: dict[str, str] | None = None) -> Score:
    """`report` is the parse output (to_dict), `want` the generator's expected shape; `tables`
    the expected's tables the file prints (a picture of one table prints one); `parents` the
    table-2 sub-rows' items (`parents_of`): a sub-row whose label a scan lost is said at its parent."""
    parents = parents or {}
    from expected import number, to_expected_from_report

    got = to_expected_from_report(report)
    doubted = {p["where"] for p in report["problems"] if p["kind"] == "ocr_uncertain"}
    said = {p["where"] for p in report["problems"]}
    tables_missing = {p["where"] for p in report["problems"] if p["kind"] == "table_not_found"}
    cells = correct = 0
    wrong: list[str] = []
    unread: list[str] = []

    def compare(key: str, value, have: dict, table: str, row: str | None = None) -> None:
        nonlocal cells, correct
        cells += 1
        if have.get(key.split("/")[-1]) is None and value is not None and key in said:
            return  # read as nothing, and a problem at the cell says why (not_a_number '∞')
        if key.split("/")[-1] in have:
            if number(have[key.split("/")[-1]]) == number(value):
                correct += 1
            elif key not in doubted:
                wrong.append(key)
        elif table not in tables_missing and key not in said and (row is None or row not in said):
            unread.append(key)

    want = {name: (table if name in tables else {}) for name, table in want.items()
            if name in ("active", "applications", "litigation")}
    for key, value in want["active"].items():  # a table-2 row not read is said of its item (`missing_row`)
        item = key.split("/")[0]
        row = parents[item] if item in parents and parents[item] in said and key not in got["active"] else item
        compare(key, value, {key.split("/")[-1]: got["active"][key]} if key in got["active"] else {}, "active_disclosure", row)
    for row, cols in want["applications"].items():
        for col, value in cols.items():
            compare(f"{row}/{col}", value, got["applications"].get(row, {}), "requests", row)
    for key, value in want["litigation"].items():
        compare(key, value, {key.split("/")[-1]: got["litigation"][key]} if key in got["litigation"] else {}, "reviews")
    return Score(cells, correct, wrong, unread)
