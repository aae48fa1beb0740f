"""PDFs whose text is drawn as outlines ("转曲") are read by OCR, and say so.

Such a PDF has no text layer and no picture: before, it read as zero tables (`template_unknown`,
three `table_not_found`) with nothing saying why.  A page without text that draws at least
`DRAWN_GLYPHS` glyph-sized filled shapes is rendered and read as a scan is; shapes that are not
text (a grid of filled cells, a seal) leave the page alone.
"""

from __future__ import annotations

import io

import pytest
from generate import expected, make_spec
from outlined import outlined_pdf
from scans import score

from extract import parse_bytes
from extract.readers import ocr, pdf


@pytest.mark.parametrize(("seed", "template"), [(3, "2021"), (5, "2019")])
def test_a_report_with_its_text_drawn_as_outlines_is_read_by_ocr(monkeypatch: pytest.MonkeyPatch, seed: int,
                                                                  template: str) -> None:
    monkeypatch.setattr(ocr, "OCR_TIME_LIMIT", 600.0)  # a loaded CI host is slow; the limit has its own test
    spec = make_spec(seed, template)
    data = outlined_pdf(spec)
    report = parse_bytes(data, "report.pdf")
    result = score(report.to_dict(), expected(spec))
    assert result.wrong_unflagged == [] and result.unread_unflagged == [], result
    assert result.rate >= 0.99, result
    note = next(p for p in report.problems if p.kind == "ocr")
    assert "text drawn as outlines, no text layer: page 1, page 2" in note.detail
    assert report.extras["kind"] == "ocr" and report.to_dict()["format"] == template
    assert report.to_dict()["agency"] == spec.agency


def _page_of_shapes(glyph_like: int) -> bytes:
    """A page without text: 320 filled cells (rectangles), a seal (curved, far bigger than a
    character) and `glyph_like` small filled octagons (nine segments, a character's size)."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    for row in range(40):
        for col in range(8):
            c.rect(60 + col * 60, 100 + row * 16, 58, 14, stroke=0, fill=1)
    c.circle(300, 420, 80, stroke=0, fill=1)
    for i in range(glyph_like):
        x, y = 40 + (i % 20) * 25, 780 - (i // 20) * 20
        path = c.beginPath()
        path.moveTo(x, y)
        for dx, dy in ((4, 0), (7, 3), (7, 7), (4, 10), (0, 10), (-3, 7), (-3, 3)):
            path.lineTo(x + dx, y + dy)
        path.close()
        c.drawPath(path, stroke=0, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize(("glyph_like", "read"), [(pdf.DRAWN_GLYPHS - 1, 0), (pdf.DRAWN_GLYPHS, 1)])
def test_shapes_that_are_not_text_leave_a_page_unread_by_ocr(monkeypatch: pytest.MonkeyPatch, glyph_like: int,
                                                               read: int) -> None:
    """Cells, a seal and fewer character-sized shapes than a line of text are not writing: the page
    is not rendered for OCR; as many as `DRAWN_GLYPHS` are (and, being no text, give none)."""
    rendered: list[int] = []
    real = pdf._ocr_page
    monkeypatch.setattr(pdf, "_ocr_page", lambda page, index, *a: rendered.append(index) or real(page, index, *a))
    report = parse_bytes(_page_of_shapes(glyph_like), "form.pdf")
    assert len(rendered) == read
    assert "ocr" not in {p.kind for p in report.problems} and report.extras["kind"] == "pdf"


def test_an_unruled_outlined_table_says_the_row_it_could_not_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unruled, OCR put table 3's row 3.6.3 其他 with its heading （六）其他处理 (values at 3.6 and
    beside its sub-rows: `ambiguous_row`); the row's own seven cells were missing unsaid.  Now
    the sub-row not read is said where it is (`missing_row` at 3.6.3), naming where its values went."""
    monkeypatch.setattr(ocr, "OCR_TIME_LIMIT", 600.0)
    spec = make_spec(7, "2021")
    report = parse_bytes(outlined_pdf(spec, ruled=False), "report.pdf").to_dict()
    result = score(report, expected(spec))
    assert result.wrong_unflagged == [] and result.unread_unflagged == [], result
    assert result.rate >= 0.95, result
    said = {(p["kind"], p["where"]) for p in report["problems"]}
    assert ("ambiguous_row", "3.6") in said and ("missing_row", "3.6.3") in said
