"""OCR of scans and pictures: offline, recorded on the report, and never silently wrong.

Generated reports are printed to PDF, scanned (tests/scans.py: 150-300 dpi, greyscale, noise, a
small rotation, JPEG artefacts) and read back from an image-only PDF, a long PNG and a TIFF.
Each case must read ≥ 99.5 % of its cells, and every cell it reads wrong must be doubted
(`ocr_uncertain`).  OCR is CPU-heavy (seconds per page), so the default run keeps a handful of
cases; `bench/parse.py --ocr N` runs the big sample.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from generate import expected, make_spec, render_pdf
from scans import SEAL_RED, Scan, image_only_pdf, long_png, random_scan, scan_pages, score, tiff

from extract import parse_bytes
from extract.model import Cell
from extract.readers import ocr
from extract.readers.scan import skew_angle

ROOT = Path(__file__).resolve().parent.parent


def test_models_ship_inside_the_installed_package() -> None:
    import rapidocr

    package = Path(rapidocr.__file__).resolve().parent
    for path in ocr.model_paths().values():
        assert path.is_file() and package in path.parents


def test_the_tested_versions_are_pinned() -> None:
    from importlib.metadata import version

    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for dist in ("rapidocr", "onnxruntime"):
        assert f'"{dist}=={version(dist)}"' in pyproject


def test_ocr_reads_with_the_network_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine is built from scratch with every socket refused: no model, no key list, no
    font is fetched."""
    def refuse(*_args, **_kwargs):
        raise OSError("network refused by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    ocr.engine.cache_clear()
    try:
        spec = make_spec(7100, "2019")
        page = scan_pages(render_pdf(spec), Scan(dpi=150, angle=0, noise=0))[-1]  # table 4's page
        report = parse_bytes(long_png([page], 150), "page.png", name="page.png")
    finally:
        ocr.engine.cache_clear()
    assert {f"{r.group}/{r.outcome}": r.value for r in report.reviews} == expected(spec)["litigation"]
    note = next(p for p in report.problems if p.kind == "ocr")
    assert "rapidocr" in note.detail and "PP-OCRv6" in note.detail and "onnxruntime" in note.detail
    assert report.extras["kind"] == "ocr"


CASES = [  # (seed, template, options, scan, wrapper)
    (7000, "2019", {}, Scan(dpi=150, angle=0.8, noise=10, jpeg_quality=55, seed=1), "pdf"),
    (7001, "2021", {"blanks": True}, Scan(dpi=300, angle=-1.2, noise=6, jpeg_quality=70, seed=2), "pdf"),
    (7002, "2021", {"inconsistent": True}, Scan(dpi=200, angle=0.5, noise=12, jpeg_quality=45, seed=3), "png"),
    (7003, "2019", {"odd_labels": True}, random_scan(7003), "tiff"),
    # a colour scan with three red seals on every page, over the tables too (read in plain
    # luminance, about a sixth of such a page's cells came out)
    (7004, "2021", {}, Scan(dpi=200, angle=-0.6, noise=6, jpeg_quality=70, seed=4, seals=3), "pdf"),
    (7005, "2019", {"blanks": True}, Scan(dpi=150, angle=0.9, noise=8, jpeg_quality=60, seed=5, seals=2), "png"),
]


@pytest.mark.parametrize(("seed", "template", "options", "scan", "wrapper"), CASES,
                         ids=[f"{c[4]}-{c[1]}-{c[3].dpi}dpi-{c[3].angle}deg" + (f"-{c[3].seals}seals" if c[3].seals else "")
                              for c in CASES])
def test_scanned_report_reads_back_with_every_wrong_cell_doubted(seed: int, template: str, options: dict,
                                                                 scan: Scan, wrapper: str) -> None:
    spec = make_spec(seed, template, **options)
    pages = scan_pages(render_pdf(spec, ruled=True), scan)
    data = {"pdf": image_only_pdf, "png": long_png, "tiff": tiff}[wrapper](pages, scan.dpi)
    report = parse_bytes(data, f"scan.{wrapper}", name=f"scan.{wrapper}").to_dict()
    result = score(report, expected(spec))
    assert result.wrong_unflagged == [] and result.unread_unflagged == []
    assert result.rate >= 0.995, result
    assert any(p["kind"] == "ocr" for p in report["problems"])
    assert report["agency"] == spec.agency and report["year"] == spec.year and report["format"] == template


@pytest.mark.parametrize("stamp", [None, "本文件由电子签章系统生成 第1页"])
def test_a_searchable_scan_is_read_from_its_picture_not_its_invisible_text(stamp: str | None) -> None:
    """A scanner's "searchable" PDF: page pictures with the scanner's own OCR laid over them as
    invisible text, perhaps a line of visible text stamped at the foot.  That text has no
    confidences and no rules (they are in the picture), and it was read as the report: 0 of 186
    cells.  The pages are OCR'd as scans are."""
    from generate import render_text
    from scans import searchable_pdf

    spec = make_spec(7010, "2021")
    pages = scan_pages(render_pdf(spec, ruled=True), Scan(dpi=200, angle=0.4, noise=6, jpeg_quality=70, seed=10))
    data = searchable_pdf(pages, render_text(spec).decode("utf-8").splitlines(), stamp)
    report = parse_bytes(data, "scan.pdf", name="scan.pdf")
    result = score(report.to_dict(), expected(spec))
    assert result.wrong_unflagged == [] and result.unread_unflagged == []
    assert result.rate >= 0.995, result
    assert report.extras["kind"] == "ocr" and any(p.kind == "ocr" for p in report.problems)


def _table3_picture(scan: Scan):  # noqa: ANN202 - (spec, the PIL picture)
    """Table 3 of generated report 50001 printed alone and scanned, cut to its ink."""
    from generate import render_tables_page

    spec = make_spec(50001, "2021")
    (page,) = scan_pages(render_tables_page(spec, only="table3"), scan)
    return spec, page


def _read_png(picture, spec, with_report: bool = False):  # noqa: ANN001, ANN202 - PIL image, spec -> Score
    """The picture saved as a PNG (no resolution recorded), parsed, and table 3 scored (with the
    parse output too, `with_report`)."""
    import io

    from scans import TABLES, parents_of

    buf = io.BytesIO()
    picture.save(buf, "PNG")
    report = parse_bytes(buf.getvalue(), "table.png", name="table.png").to_dict()
    result = score(report, expected(spec), tables=(TABLES["table3"],), parents=parents_of(spec))
    return (result, report) if with_report else result


def test_a_screenshot_of_a_table_is_enlarged_before_it_is_read() -> None:
    """A picture of table 3 at 90 dpi with no resolution recorded (a screenshot pasted into a
    page: 610 pixels wide, text nine pixels high) is enlarged to 150 dpi before OCR; read at its
    own size, 167 of its 175 cells came out."""
    spec, page = _table3_picture(Scan(dpi=90, angle=0.3, noise=4, jpeg_quality=75, seed=50001, crop=True))
    result = _read_png(page, spec)
    assert result.wrong_unflagged == [] and result.unread_unflagged == []
    assert result.rate >= 0.995, result


def _text_page_with_picture(picture, width: float) -> bytes:  # noqa: ANN001 - a PIL image
    """A PDF page of text (a heading, a sentence) with `picture` placed under it, `width` points wide."""
    import io

    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from nianbao.synthetic.pdf_file import PDF_FONT

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    buf = io.BytesIO()
    page = canvas.Canvas(buf, pagesize=(595, 842))
    page.setFont(PDF_FONT, 12)
    page.drawString(60, 800, "三、收到和处理政府信息公开申请情况")
    page.drawString(60, 780, "本年度共收到政府信息公开申请，具体情况如下表所示，各项数据均已按规定统计。")
    height = width * picture.height / picture.width
    page.drawImage(ImageReader(picture), 60, 760 - height, width, height)
    page.showPage()
    page.save()
    return buf.getvalue()


def test_a_table_pasted_as_a_picture_into_a_text_pdf_is_read() -> None:
    """A text page (its heading and a sentence as text) with table 3 pasted under them as a
    picture: the page has text, so it was read as text only (0 of 175 cells, tables_as_images).
    Its text lacking a statutory table, the pictured page is read again whole by OCR."""
    from scans import TABLES, parents_of

    spec, page = _table3_picture(Scan(dpi=200, angle=0.0, noise=2, jpeg_quality=90, seed=50001, crop=True))
    report = parse_bytes(_text_page_with_picture(page, 480), "m.pdf", name="m.pdf").to_dict()
    result = score(report, expected(spec), tables=(TABLES["table3"],), parents=parents_of(spec))
    assert result.rate >= 0.995 and not result.wrong_unflagged and not result.unread_unflagged, result
    assert any(p["kind"] == "ocr" for p in report["problems"])


def test_a_seal_on_a_text_pdf_costs_no_ocr() -> None:
    """A picture covering a few percent of a page (a seal, a logo) is not taken for a table: the
    page is not read again, whatever its text lacks."""
    spec, page = _table3_picture(Scan(dpi=200, angle=0.0, noise=2, jpeg_quality=90, seed=50001, crop=True))
    report = parse_bytes(_text_page_with_picture(page.resize((120, 120)), 100), "s.pdf", name="s.pdf").to_dict()
    assert not any(p["kind"] == "ocr" for p in report["problems"]), report["problems"]


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_picture_lying_on_its_side_or_upside_down_is_turned_upright(turn: int) -> None:
    """A landscape table scanned on a portrait page lies on its side; a page fed the wrong way up
    is upside down: each gave 0 of table 3's 175 cells (table_not_found).  Turned upright first
    (its text boxes standing taller than wide, or its text reading as noise), every cell reads,
    and the report says which turn was made."""
    spec, page = _table3_picture(Scan(dpi=200, angle=0.3, noise=8, jpeg_quality=60, seed=50001 + turn, crop=True))
    result, report = _read_png(page.rotate(turn, expand=True), spec, with_report=True)
    assert result.rate >= 0.995 and not result.wrong_unflagged and not result.unread_unflagged, result
    (note,) = [p["detail"] for p in report["problems"] if p["kind"] == "ocr"]
    undo = {90: "90° clockwise", 180: "180°", 270: "90° counter-clockwise"}[turn]
    assert note.endswith(f"turned upright before reading: picture 1 ({undo})"), note


@pytest.mark.parametrize("angle", [4.0, 6.0])
def test_a_picture_turned_a_few_degrees_is_straightened(angle: float) -> None:
    """A table photographed a few degrees off: the skew search stopped at 3° (a scan's), and a
    table turned 4° put its values in other rows unsaid (41 of 175 cells, 26 of the rest unsaid)."""
    spec, page = _table3_picture(Scan(dpi=200, angle=angle, noise=4, jpeg_quality=75, seed=2, crop=True))
    result = _read_png(page, spec)
    assert result.rate >= 0.995 and not result.wrong_unflagged and not result.unread_unflagged, result


def test_a_picture_turned_past_the_straightened_range_is_said_not_read() -> None:
    """Turned further than MAX_SKEW (15°), a picture is not read as it stands (a table turned 17°
    lost 14 cells unsaid) but said, with the angle found."""
    spec, page = _table3_picture(Scan(dpi=200, angle=20.0, noise=4, jpeg_quality=75, seed=2, crop=True))
    result, report = _read_png(page, spec, with_report=True)
    assert result.correct == 0 and not result.wrong_unflagged, result
    (said,) = [p for p in report["problems"] if p["kind"] == "truncated"]
    assert "turned 20°" in said["detail"] and "not read" in said["detail"], said


@pytest.mark.parametrize("shade", [0, 255])
def test_a_blank_picture_is_not_said_to_be_turned(shade: int) -> None:
    """A picture without lines to go by (all black, all white) has no sharper angle: it is read
    as it stands (no text: image_only), not said to be turned 30°."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (800, 600), shade).save(buf, "PNG")
    report = parse_bytes(buf.getvalue(), "blank.png", name="blank.png").to_dict()
    assert [p["kind"] for p in report["problems"]] == ["image_only"], report["problems"]


def test_an_upright_picture_is_not_turned() -> None:
    """Upright text costs no second reading and is never turned, a table of digits without
    labels included (it reads no Chinese either way up)."""
    spec, page = _table3_picture(Scan(dpi=200, angle=0.3, noise=8, jpeg_quality=60, seed=50001, crop=True))
    for picture in (page, page.crop((page.width // 2, page.height // 3, page.width, page.height))):
        _result, report = _read_png(picture, spec, with_report=True)
        assert not any("turned" in p["detail"] for p in report["problems"]), report["problems"]


@pytest.mark.parametrize("form", ["transparent", "16-bit"])
def test_a_picture_in_an_unusual_pixel_format_reads_as_ink_on_paper(form: str) -> None:
    """A table saved as a PNG with no background (black ink, transparent paper, as a picture cut
    from a page is) or as 16-bit grey: dropping the alpha channel made the paper black (0 of 175
    cells, image_only), and PIL's conversion of 16-bit grey clips every level above 255 to white."""
    import numpy as np
    from PIL import Image

    spec, page = _table3_picture(Scan(dpi=150, angle=0, noise=0, jpeg_quality=95, crop=True))
    gray = np.asarray(page.convert("L"))
    if form == "transparent":
        rgba = np.zeros(gray.shape + (4,), np.uint8)
        rgba[..., 3] = 255 - gray
        picture = Image.fromarray(rgba, "RGBA")
    else:
        picture = Image.fromarray(gray.astype(np.uint16) * 257)
    result = _read_png(picture, spec)
    assert result.rate >= 0.995 and not result.wrong_unflagged and not result.unread_unflagged, result


def test_red_seals_are_lifted_off_black_print() -> None:
    import numpy as np

    from extract.readers.scan import ink

    page = np.full((4, 4, 3), 255, dtype=np.uint8)
    page[0, 0] = SEAL_RED  # seal on paper
    page[1, 1] = (20, 20, 20)  # black print
    page[2, 2] = (20, 15, 15)  # black print under the seal: ink over ink, the print shows
    page[3, 3] = (30, 40, 160)  # blue ink
    gray = ink(page)
    assert gray[0, 0] >= 200 and gray[1, 1] < 40 and gray[2, 2] < 40 and gray[3, 3] < 80
    assert gray[0, 1] == 255


@pytest.mark.parametrize("angle", [-1.5, -0.7, 0.0, 0.4, 1.2])
def test_skew_is_measured_to_a_tenth_of_a_degree(angle: float) -> None:
    import numpy as np

    page = scan_pages(render_pdf(make_spec(7200, "2021")), Scan(dpi=150, angle=angle, noise=8))[1]
    measured = skew_angle(np.asarray(page))
    assert abs(measured + angle) <= 0.1 + 1e-9, measured  # turning back by -angle straightens it


@pytest.mark.parametrize(("read", "text", "repaired"), [
    ("l2", "12", True), ("O", "0", True), ("1O5", "105", True), ("3。5", "3.5", True), ("7.", "7", True),
    ("12", "12", False), ("行政", "行政", False), ("", "", False), ("Oil", "Oil", False),  # letters without a digit: a word, not a number
])
def test_numeric_confusions_are_repaired_with_the_ocr_text_kept(read: str, text: str, repaired: bool) -> None:
    cell = Cell(read, confidence=0.9)
    ocr.repair_number(cell)
    assert cell.text == text
    assert cell.ocr_text == (read if repaired else None)


def test_a_repair_never_touches_text_that_was_not_ocr_d() -> None:
    cell = Cell("l2")
    ocr.repair_number(cell)
    assert (cell.text, cell.ocr_text) == ("l2", None)
