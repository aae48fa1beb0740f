"""OCR wherever a report hides its tables in pictures, within OCR's own time limit.

A DOCX whose tables were pasted as pictures (a scanner's pages dropped into Word) reads as its
scan would; and a scan longer than OCR's time budget (`OCR_TIME_LIMIT`) ends with what was read
and a `truncated` problem naming the first page not read, instead of running into the parse's
hard limit and losing the whole file.
"""

from __future__ import annotations

import io

import pytest
from generate import expected, make_spec, render_pdf
from scans import Scan, image_only_pdf, scan_pages, score

from extract import parse_bytes
from extract.readers import ocr

SCAN = Scan(dpi=200, angle=0.4, noise=6, jpeg_quality=70, seed=5)


def _docx_of_pictures(title: str, pages: list) -> bytes:
    """A Word file with a title paragraph and each scanned page as a picture, as people paste them."""
    import docx
    from docx.shared import Cm

    document = docx.Document()
    document.add_paragraph(title)
    for page in pages:
        buf = io.BytesIO()
        page.convert("L").save(buf, "PNG", dpi=(SCAN.dpi, SCAN.dpi))
        buf.seek(0)
        document.add_picture(buf, width=Cm(16))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_tables_pasted_into_a_docx_as_pictures_are_read_by_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "OCR_TIME_LIMIT", 600.0)  # the time limit is the next test's; a loaded CI host is slow
    spec = make_spec(7010, "2021")
    pages = scan_pages(render_pdf(spec, ruled=True), SCAN)
    data = _docx_of_pictures(f"{spec.agency}{spec.year}年政府信息公开工作年度报告", pages)
    report = parse_bytes(data, "report.docx", name="report.docx").to_dict()
    result = score(report, expected(spec))
    assert result.wrong_unflagged == [] and result.unread_unflagged == []
    assert result.rate >= 0.995, result
    kinds = {p["kind"] for p in report["problems"]}
    assert "ocr" in kinds and "tables_as_images" not in kinds and "image_only" not in kinds
    assert report["format"] == "2021"


def test_a_docx_with_one_table_as_a_picture_reads_it_too() -> None:
    """Tables 2 and 4 as Word tables, table 3 pasted as a picture between them: the pictures were
    read only when the body had no table at all (25 of 200 values, table_not_found)."""
    import docx
    from docx.shared import Inches
    from generate import render_docx, render_tables_page
    from scans import cropped, parents_of

    spec = make_spec(50001, "2021")
    (picture,) = scan_pages(render_tables_page(spec, only="table3"), Scan(dpi=200, angle=0, noise=2, jpeg_quality=90))
    document = docx.Document(io.BytesIO(render_docx(spec)))
    table3 = next(t for t in document.element.body.iterchildren("{*}tbl") if "本年新收" in "".join(t.itertext()))
    paragraph = document.add_paragraph()
    buf = io.BytesIO()
    cropped(picture).save(buf, "PNG")
    buf.seek(0)
    paragraph.add_run().add_picture(buf, width=Inches(6))
    table3.addprevious(paragraph._p)
    table3.getparent().remove(table3)
    out = io.BytesIO()
    document.save(out)
    report = parse_bytes(out.getvalue(), "mixed.docx", name="mixed.docx").to_dict()
    result = score(report, expected(spec), parents=parents_of(spec))
    assert result.rate >= 0.995 and not result.wrong_unflagged and not result.unread_unflagged, result
    assert "ocr" in {p["kind"] for p in report["problems"]}


def test_a_scan_past_the_ocr_time_limit_is_read_in_part_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = make_spec(7011, "2019")
    pages = scan_pages(render_pdf(spec, ruled=True), SCAN)
    assert len(pages) >= 3
    monkeypatch.setattr(ocr, "OCR_TIME_LIMIT", 0.0)  # spent as soon as the first page is read
    report = parse_bytes(image_only_pdf(pages, SCAN.dpi), "scan.pdf", name="scan.pdf").to_dict()
    cut = [p for p in report["problems"] if p["kind"] == "truncated"]
    assert len(cut) == 1 and cut[0]["where"] == "page 2" and "OCR_TIME_LIMIT" in cut[0]["detail"]
    note = next(p for p in report["problems"] if p["kind"] == "ocr")
    assert "(1 page)" in note["detail"]
    assert report["year"] == spec.year  # what the first page says is kept


def test_reextract_reads_an_image_only_report_stored_before_ocr(tmp_path) -> None:
    """An archive built before OCR holds scans as image-only reports with no numbers: the capture's
    bytes are kept, so `reextract` with this extractor reads them."""
    from archive.captures import Fetch
    from archive.reextract import reextract
    from archive.schema import open_db
    from archive.write import Hints, ingest_bytes
    from extract.model import Document
    from extract.parse import build_report

    spec = make_spec(7012, "2019")
    data = image_only_pdf(scan_pages(render_pdf(spec, ruled=True), SCAN), SCAN.dpi)
    url = "https://example.gov.cn/scan.pdf"
    before_ocr = build_report(Document(kind="pdf", image_only=True, images=4), url)  # what it read then
    db = open_db(tmp_path / "nianbao.db")
    ingest_bytes(db, data, Fetch(url=url), Hints(), name="scan.pdf", report=before_ocr)
    assert db.execute("select count(*) from requests").fetchone()[0] == 0
    result = reextract(db)
    assert result.count("error") == 0
    got = {(r, c): v for r, c, v in db.execute("select row, \"column\", value from requests")}
    want = {(r, c): v for r, cols in expected(spec)["applications"].items() for c, v in cols.items()}
    assert sum(got.get(k, "absent") == v for k, v in want.items()) >= 0.995 * len(want)
    kinds = {k for (k,) in db.execute("select kind from problems")}
    assert "ocr" in kinds and "image_only" not in kinds
