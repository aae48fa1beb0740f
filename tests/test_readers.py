"""Readers: each format reaches the same intermediate form (grids with spans, paragraphs)."""

from __future__ import annotations

import io

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
