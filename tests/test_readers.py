"""Readers: each format reaches the same intermediate form (grids with spans, paragraphs)."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from extract import ExtractError, parse_bytes
from extract.encoding import decode
from extract.model import Grid, Paragraph
from extract.readers import read_document
from extract.readers.html import read_html
from extract.readers.text import read_text
from extract.sniff import sniff


def grids(doc) -> list[Grid]:
    return [b for b in doc.blocks if isinstance(b, Grid)]


def test_html_rowspan_leaves_spanned_copies() -> None:
    html = """<table><tr><td rowspan="2">三、本年度办理结果</td><td>（一）予以公开</td><td>1</td></tr>
    <tr><td>（二）部分公开</td><td>&nbsp;</td></tr></table>"""
    rows = grids(read_html(html))[0].rows
    assert [c.text for c in rows[1]] == ["三、本年度办理结果", "（二）部分公开", ""]
    assert rows[1][0].spanned and not rows[0][0].spanned


def test_html_colspan_keeps_one_cell_with_its_width() -> None:
    rows = grids(read_html("<table><tr><td>a</td><td colspan='2'>本年新<br/>制作数量</td><td>b</td></tr></table>"))[0].rows
    assert [(c.text, c.x0, c.x1) for c in rows[0]] == [("a", 0, 1), ("本年新\n制作数量", 1, 3), ("b", 3, 4)]


def test_html_layout_tables_are_walked_not_read_as_data() -> None:
    html = "<table><tr><td><p>标题</p><table><tr><td>规章</td><td>1</td></tr></table></td></tr></table>"
    doc = read_html(html)
    assert [[c.text for c in r] for g in grids(doc) for r in g.rows] == [["规章", "1"]]
    assert any(isinstance(b, Paragraph) and b.text == "标题" for b in doc.blocks)


def test_html_absurd_spans_are_capped() -> None:
    rows = grids(read_html("<table><tr><td rowspan='99999999' colspan='99999999'>x</td></tr></table>"))[0].rows
    assert rows[0][0].x1 <= 200


def test_text_copy_joins_broken_labels() -> None:
    doc = read_text("三、收到\n\t（三）不予\n\n公开\n\t1.属于国家秘密\n\t0\n\n\t\n\t2.其他\n\t1\n")
    rows = grids(doc)[0].rows
    assert [c.text for c in rows[0]] == ["（三）不予\n公开", "1.属于国家秘密", "0"]
    assert [c.text for c in rows[1]] == ["", "2.其他", "1"]


def test_gbk_page_declared_utf8_still_reads() -> None:
    body = "<html><head><meta charset='utf-8'></head><body>政府信息公开工作年度报告</body></html>"
    text, enc = decode(body.encode("gbk"), declared="utf-8")
    assert "年度报告" in text and enc == "gb18030"
    assert decode("年报".encode("gb2312"), declared="gb2312")[1] == "gb18030"


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (b"%PDF-1.4\n...", "x.html", "pdf"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 8, "a.wps", "wps"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 8, "downfile.jsp", "doc"), (b"\x89PNG\r\n", "p", "image"),
        (b"<html><body>x</body></html>", "a.txt", "html"), ("\t规章\n\t0\n".encode(), "a", "text"), (b"  ", "a", "empty"),
        # markdown holding its tables as HTML (a converter's copy) is a text copy; a page is not
        ("# 年度报告\n\n<table><tr><td>1</td></tr></table>\n".encode(), "a.md", "text"),
        ("年度报告\n<table><tr><td>1</td></tr></table>".encode(), "a", "html"),
        (b"<p># 1</p><table><tr><td>1</td></tr></table>", "a.md", "html"),
    ],
)
def test_sniff_by_bytes(data: bytes, name: str, kind: str) -> None:
    assert sniff(data, name) == kind


def test_every_kind_of_report_has_its_download_name_and_its_description() -> None:
    """The kinds are declared once (extract.sniff.KINDS); the archived original's file name and the
    kind column's description in datasette/metadata.yml cover each, and none of the refused."""
    import re

    import yaml

    from archive.pages import EXTENSIONS
    from extract.sniff import KINDS, REFUSED_KINDS

    assert set(EXTENSIONS) == set(KINDS) | {"ocr"}
    metadata = yaml.safe_load((Path(__file__).parents[1] / "datasette" / "metadata.yml").read_text(encoding="utf-8"))
    described = metadata["databases"]["nianbao"]["tables"]["reports"]["columns"]["kind"]
    listed = set(re.search(r"（([a-z/]+)；ocr", described)[1].split("/")) | {"ocr"}
    assert listed == set(KINDS) | {"ocr"}, listed ^ (set(KINDS) | {"ocr"})
    assert not set(REFUSED_KINDS) & set(KINDS)


def test_docx_merged_cells() -> None:
    d = docx.Document()
    table = d.add_table(rows=3, cols=3)
    table.cell(0, 0).text = "（三）不予公开"
    table.cell(0, 0).merge(table.cell(2, 0))
    table.cell(0, 1).merge(table.cell(0, 2)).text = "header"
    buf = io.BytesIO()
    d.save(buf)
    rows = grids(read_document(buf.getvalue(), "a.docx"))[0].rows
    assert [(c.text, c.spanned) for c in rows[2]][0] == ("（三）不予公开", True)
    assert (rows[0][1].text, rows[0][1].x0, rows[0][1].x1) == ("header", 1, 3)


def test_image_only_inputs_are_reported() -> None:
    report = parse_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "scan.png")
    assert [p.kind for p in report.problems][:1] == ["image_only"]


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4 truncated", b"PK\x03\x04garbage"])
def test_unreadable_inputs_raise_one_clear_error(data: bytes) -> None:
    with pytest.raises(ExtractError):
        parse_bytes(data, "bad", name="bad.bin")


def test_tables_printed_as_pictures_are_reported() -> None:
    page = "<html><body><div class='TRS_Editor'><p>" + "总体情况。" * 80 + "</p><p><img src='t3.png'></p></div></body></html>"
    report = parse_bytes(page.encode(), "pics.html", name="pics.html")
    kinds = [p.kind for p in report.problems]
    assert "tables_as_images" in kinds and "image_only" not in kinds


def test_html_nested_past_the_parser_limit_says_so() -> None:
    page = "<html><body>" + "<div>" * 300 + "<p>正文</p>" + "</div>" * 300 + "</body></html>"
    report = parse_bytes(page.encode(), "deep.html", name="deep.html")
    assert any(p.kind == "truncated" for p in report.problems)


def test_binary_noise_is_not_read_as_a_text_report() -> None:
    noise = bytes(range(256)) * 8
    with pytest.raises(ExtractError, match="binary"):
        parse_bytes(noise, "noise.docx", name="noise.docx")
    utf16 = "<html><body><p>年度报告</p></body></html>".encode("utf-16")
    assert sniff(utf16, "a.html") == "html"


def test_html_text_outside_the_containers_elements_is_kept() -> None:
    """A body of bare text with `<br>`s, or a title typed straight into <body>: the text before the
    first element and after the last one is the report's too (it was dropped, unsaid)."""
    doc = read_html("<html><body>2021年某区政府信息公开工作年度报告<p>一、总体情况</p>尾段文字<span>。</span>"
                    "</body></html>")
    assert [b.text for b in doc.blocks if isinstance(b, Paragraph)] == [
        "2021年某区政府信息公开工作年度报告", "一、总体情况", "尾段文字。"]


_SDT = '<w:sdt><w:sdtPr><w:id w:val="7"/></w:sdtPr><w:sdtContent>{}</w:sdtContent></w:sdt>'
_DOCX_WRAPS = {  # where a template's content controls stand (each a regex of what one wraps)
    "tables": r"<w:tbl>.*?</w:tbl>",
    "rows": r"<w:tr[ >].*?</w:tr>",
    "cells": r"<w:tc>.*?</w:tc>",
    "body-paragraphs": r"(?<=<w:body>)<w:p>.*?</w:p>",
    "custom-xml-tables": r"<w:tbl>.*?</w:tbl>",
}


def _rewritten_docx(data: bytes, rewrite) -> bytes:  # noqa: ANN001 - str -> str
    """The DOCX with its word/document.xml passed through `rewrite`."""
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info, rewrite(body.decode("utf-8")).encode("utf-8") if info.filename == "word/document.xml"
                            else body)
    return out.getvalue()


@pytest.mark.parametrize("where", list(_DOCX_WRAPS))
def test_docx_content_inside_content_controls_is_read(where: str) -> None:
    """Tables, rows, cells and paragraphs inside content controls (`w:sdt`, a Word template's
    fields and repeating sections) or custom-XML wrappers: a table in one was lost whole
    (table_not_found), a title in one lost unsaid."""
    import re

    from expected import to_expected_from_report
    from generate import expected, make_spec, render_docx

    spec = make_spec(6301, "2021")
    wrapper = "<w:customXml w:element=\"report\">{}</w:customXml>" if where.startswith("custom") else _SDT
    copy = _rewritten_docx(render_docx(spec), lambda xml: re.sub(
        _DOCX_WRAPS[where], lambda m: wrapper.format(m.group(0)), xml, flags=re.S))
    assert copy != render_docx(spec)
    got = to_expected_from_report(parse_bytes(copy, "r.docx", name="r.docx").to_dict())
    assert got == expected(spec)


def test_docx_text_box_is_read_once() -> None:
    """A text box is written twice (mc:Choice for Word 2010 on, mc:Fallback in VML for older
    readers): its text was read twice (a title in one: `标题\\n标题`)."""
    import re

    from generate import make_spec, render_docx

    spec = make_spec(6300, "2019")

    def boxed(xml: str) -> str:
        title = re.search(r"(?<=<w:body>)<w:p>.*?</w:p>", xml, re.S).group(0)
        return xml.replace(title, (
            '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:inline>'
            '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
            '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
            '<wps:wsp xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
            f'<wps:txbx><w:txbxContent>{title}</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic>'
            '</wp:inline></w:drawing></mc:Choice><mc:Fallback><w:pict><v:rect><v:textbox>'
            f'<w:txbxContent>{title}</w:txbxContent></v:textbox></v:rect></w:pict></mc:Fallback>'
            '</mc:AlternateContent></w:r></w:p>'), 1)

    doc = read_document(_rewritten_docx(render_docx(spec), boxed), "r.docx")
    first = doc.blocks[0].text
    assert "年度报告" in first and "\n" not in first, first


@pytest.mark.parametrize("frame", ["each-table", "whole-body"])
def test_docx_tables_inside_a_layout_table_are_read(frame: str) -> None:
    """A one-cell table framing each table, or the whole body (some templates and converters
    write a report so): its cells are read as the body is, where the framed tables were flattened
    into the frame's cell text (3 of 201 values, table_not_found)."""
    import re

    from expected import to_expected_from_report
    from generate import expected, make_spec, render_docx

    spec = make_spec(6301, "2021")

    def framed(xml: str) -> str:
        if frame == "each-table":
            return re.sub(r"<w:tbl>.*?</w:tbl>", lambda m: f"<w:tbl><w:tr><w:tc>{m.group(0)}<w:p/></w:tc></w:tr></w:tbl>",
                          xml, flags=re.S)
        return re.sub(r"(?<=<w:body>)(.*?)(?=<w:sectPr)", lambda m: f"<w:tbl><w:tr><w:tc>{m.group(1)}<w:p/></w:tc></w:tr></w:tbl>",
                      xml, count=1, flags=re.S)

    report = parse_bytes(_rewritten_docx(render_docx(spec), framed), "r.docx", name="r.docx").to_dict()
    assert to_expected_from_report(report) == expected(spec)


@pytest.mark.parametrize("rotation", [90, 180, 270])
@pytest.mark.parametrize("drawn", ["turned", "upright"])
def test_pdf_pages_turned_by_rotate_read_as_text_runs(rotation: int, drawn: str) -> None:
    """A page shown turned by `/Rotate`, its content drawn turned the other way (a landscape
    table printed onto a portrait page by a print driver: a viewer shows it upright, while in the
    page's own coordinates its text runs up or down and its rows stand as columns: 2 of 203
    values read), or drawn upright with only the flag set (a viewer shows it sideways): both read
    whole, the way their text runs deciding, not the flag."""
    import pypdfium2 as pdfium
    from expected import to_expected_from_report
    from generate import expected, make_spec, render_pdf

    spec = make_spec(6400, "2021")
    pdf = pdfium.PdfDocument(render_pdf(spec))
    for index in range(len(pdf)):
        page = pdf[index]
        w, h = page.get_size()
        if drawn == "turned":  # the content turned against the rotation, into the turned page box
            matrix, box = {90: (pdfium.PdfMatrix(0, 1, -1, 0, h, 0), (0, 0, h, w)),
                           180: (pdfium.PdfMatrix(-1, 0, 0, -1, w, h), (0, 0, w, h)),
                           270: (pdfium.PdfMatrix(0, -1, 1, 0, 0, w), (0, 0, h, w))}[rotation]
            for obj in list(page.get_objects(max_depth=1)):
                obj.transform(matrix)
            page.set_mediabox(*box)
        page.set_rotation(rotation)
        page.gen_content()
    buf = io.BytesIO()
    pdf.save(buf)
    report = parse_bytes(buf.getvalue(), "turned.pdf", name="turned.pdf").to_dict()
    assert to_expected_from_report(report) == expected(spec)
