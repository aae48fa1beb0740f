"""Any input gives a report or a one-line error: the extractor never raises anything else, never hangs.

Portals serve truncated downloads, HTML error pages named `.pdf`, zip files named `.doc`, pages
nested hundreds of levels deep.  hypothesis feeds arbitrary bytes, arbitrary text, generated HTML
tables with hostile spans and mutated copies of the real examples (every format) to
`parse_bytes`, and checks that the outcome is a well-formed Report (strict JSON, the keys of
parse-output.md, finite numbers) or an ExtractError with a one-line reason (tests/malformed.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from malformed import (
    FUZZ,
    HTML_SEED,
    HUGE_NUMBERS,
    MAGIC,
    NAMES,
    SAFE_CHARS,
    _docx_skeleton,
    _unzip,
    _zip,
    assert_refused,
    baseline,
    docx_seed,
    examples,
    html_table,
    mutated,
    mutated_lines,
    needs_examples,
    outcome,
    run_cli,
    seed_bytes,
    text_copy,
)

from extract import ExtractError, Report, parse_bytes
from extract import templates as T
from extract.model import Grid
from extract.readers.convert import converter
from extract.readers.html import MAX_SPAN
from extract.sniff import sniff


@needs_examples
def test_docx_seed_reads_like_its_html_source() -> None:
    """The DOCX seed is only worth mutating if, intact, it reads as a full report."""
    got = parse_bytes(docx_seed(), "seed.docx", name="seed.docx").to_dict()
    want = baseline(HTML_SEED)
    assert got["requests"] == want["requests"] and got["reviews"] == want["reviews"]
    assert got["format"] == want["format"] == "2019"


# --- hypothesis: arbitrary input ------------------------------------------------------------------


@settings(max_examples=examples(300), **FUZZ)
@given(magic=MAGIC, data=st.binary(max_size=4096), name=NAMES)
def test_arbitrary_bytes_give_a_report_or_a_one_line_error(magic: bytes, data: bytes, name: str) -> None:
    result = outcome(magic + data, name)
    if isinstance(result, ExtractError):
        # only what cannot be a report is refused: text and HTML always read, however odd
        assert sniff(magic + data, name) not in ("text", "html")


@settings(max_examples=examples(150), **FUZZ)
@given(text=st.text(SAFE_CHARS, max_size=2000), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_arbitrary_text_reads_as_text_and_as_html(text: str, encoding: str) -> None:
    data = text.encode(encoding)
    as_text = outcome(data, "report.txt")
    if sniff(data, "report.txt") in ("text", "html"):
        assert isinstance(as_text, Report) or not data.strip()
    page = f"<html><body><p>{text}</p><table><tr><td>{text}</td></tr></table></body></html>"
    assert isinstance(outcome(page.encode(encoding), "report.html"), Report)


@settings(max_examples=examples(120), **FUZZ)
@given(page=html_table())
def test_html_tables_with_hostile_spans(page: tuple[str, int]) -> None:
    text, n_rows = page
    report = outcome(text.encode("utf-8"), "report.html")
    assert isinstance(report, Report), "an HTML page always yields a report"
    grids = [b for b in report.extras["document"].blocks if isinstance(b, Grid)]
    assert sum(len(g.rows) for g in grids) <= n_rows, "a rowspan must not invent rows"
    for grid in grids:
        for row in grid.rows:
            for cell in row:
                assert 1 <= cell.x1 - cell.x0 <= MAX_SPAN, "spans are capped"
            assert [c.x0 for c in row] == sorted(c.x0 for c in row), "cells of a row are in column order"


def test_overlapping_spans_do_not_overlap_on_the_grid() -> None:
    """Row 2's colspan cell covers column 2, which row 1's rowspan still holds (a table-model
    error browsers tolerate).  The grid must not hold two cells for one column in a row."""
    page = ("<table><tr><td>a</td><td>b</td><td rowspan='2'>c</td></tr>"
            "<tr><td>d</td><td rowspan='2' colspan='2'>e</td></tr><tr></tr></table>")
    report = outcome(page.encode(), "spans.html")
    assert isinstance(report, Report)
    rows = [row for b in report.extras["document"].blocks if isinstance(b, Grid) for row in b.rows]
    for row in rows:
        for left, right in zip(row, row[1:], strict=False):
            assert left.x1 <= right.x0, [(c.text, c.x0, c.x1) for c in row]


@settings(max_examples=examples(120), **FUZZ)
@given(text=text_copy(), encoding=st.sampled_from(["utf-8", "gb18030"]))
def test_generated_text_copies_read_deterministically(text: str, encoding: str) -> None:
    data = text.encode(encoding)
    first = outcome(data, "report.txt")
    assert isinstance(first, Report) or not data.strip()
    if isinstance(first, Report):
        again = parse_bytes(data, "fuzz", name="report.txt")
        assert again.to_dict() == first.to_dict(), "the same bytes must give the same report"


# --- hypothesis: mutated real reports -------------------------------------------------------------


@needs_examples
@settings(max_examples=examples(150), **FUZZ)
@given(index=st.integers(0, 1), data=st.data())
def test_mutated_text_copies(index: int, data: st.DataObject) -> None:
    seed = seed_bytes("txt", index)
    outcome(data.draw(st.one_of(mutated(seed), mutated_lines(seed))), "report.txt")


@needs_examples
@settings(max_examples=examples(100), **FUZZ)
@given(data=st.data())
def test_mutated_html(data: st.DataObject) -> None:
    seed = seed_bytes("html")
    outcome(data.draw(st.one_of(mutated(seed), mutated_lines(seed))), "report.html")


@needs_examples
@settings(max_examples=examples(60), **FUZZ)
@given(data=st.data())
def test_mutated_pdf(data: st.DataObject) -> None:
    outcome(data.draw(mutated(seed_bytes("pdf"))), "report.pdf")


@needs_examples
@settings(max_examples=examples(60), **FUZZ)
@given(data=st.data())
def test_mutated_docx_container(data: st.DataObject) -> None:
    """Damage to the zip itself: local headers, central directory, compressed streams."""
    outcome(data.draw(mutated(seed_bytes("docx"))), "report.docx")


@needs_examples
@settings(max_examples=examples(60), **FUZZ)
@given(data=st.data())
def test_mutated_docx_xml(data: st.DataObject) -> None:
    """Damage inside word/document.xml, re-zipped intact, so that the XML and grid code run."""
    members = _unzip(seed_bytes("docx"))
    members["word/document.xml"] = data.draw(mutated(members["word/document.xml"], max_ops=4))
    outcome(_zip(members), "report.docx")


def test_docx_with_a_foreign_root_element() -> None:
    """A main part outside the WordprocessingML namespace once escaped as AttributeError."""
    members = _docx_skeleton()
    members["word/document.xml"] = b'<w:document xmlns:w="urn:not-word"><w:body/></w:document>'
    result = outcome(_zip(members), "foreign.docx")
    assert isinstance(result, ExtractError) and "DOCX" in str(result)


# --- bugs the fuzzing found, pinned ----------------------------------------------------------------


def _requests_page(cell: str, *, amount: bool = False) -> bytes:
    """A minimal page whose table-3 row 1 (or table-2 采购总金额) holds `cell`."""
    if amount:
        table = ("<p>二、主动公开政府信息情况</p><table><tr><td>第二十条第（八）项</td></tr>"
                 "<tr><td>信息内容</td><td>采购项目数量</td><td>采购总金额</td></tr>"
                 f"<tr><td>政府集中采购</td><td>1</td><td>{cell}</td></tr></table>")
    else:
        cols = "".join(f"<td>{label}</td>" for _c, label, _k in T.REQUEST_COLUMNS)
        values = "".join(f"<td>{cell if i == 0 else 1}</td>" for i in range(len(T.REQUEST_COLUMNS)))
        table = (f"<p>三、收到和处理政府信息公开申请情况</p><table><tr><td>申请人情况</td>{cols}</tr>"
                 f"<tr><td>一、本年新收政府信息公开申请数量</td>{values}</tr></table>")
    return f"<html><body>{table}</body></html>".encode()


def test_ordinary_cells_in_the_minimal_pages_are_read() -> None:
    """The two pages below reach the cell parser: with ordinary numbers they read the value."""
    amount = parse_bytes(_requests_page("12.5", amount=True), "x").to_dict()
    assert [r["value"] for r in amount["active_disclosure"] if r["metric"] == "采购总金额"] == [12.5]
    count = parse_bytes(_requests_page("42"), "x").to_dict()
    assert [r["value"] for r in count["requests"] if r["row"] == "1" and r["column"] == "natural"] == [42]


@pytest.mark.parametrize("digits", HUGE_NUMBERS, ids=len)
def test_huge_amount_is_not_infinity(digits: str) -> None:
    """float('9' * 400) is inf, which strict JSON cannot hold: the cell keeps its raw text."""
    report = outcome(_requests_page(digits, amount=True), "x.html", source="x")
    assert isinstance(report, Report)
    assert [r.raw for r in report.active_disclosure if r.metric == "采购总金额"] == [digits]


@pytest.mark.parametrize("digits", HUGE_NUMBERS, ids=len)
def test_huge_count_does_not_crash(digits: str) -> None:
    """int() refuses more than 4300 digits; such a cell must cost a problem, not the report."""
    report = outcome(_requests_page(digits), "x.html", source="x")
    assert isinstance(report, Report)
    assert [r.raw for r in report.requests if r.row == "1" and r.column == "natural"] == [digits]


def test_xml_error_is_one_line(tmp_path: Path) -> None:
    """The shortest broken document.xml (a NUL byte) must still give a one-line error."""
    members = _docx_skeleton()
    members["word/document.xml"] = b"<\x00"
    path = tmp_path / "nul.docx"
    path.write_bytes(_zip(members))
    assert "DOCX" in assert_refused(run_cli(path, "--json"), path)


# --- in-process structural extremes --------------------------------------------------------------


@pytest.mark.parametrize("open_tag,close_tag", [("<div>", "</div>"), ("<span>", "</span>"), ("<font>", "</font>"),
                                                ("<table><tr><td>", "</td></tr></table>"), ("<ul><li>", "</li></ul>")])
def test_deeply_nested_html_does_not_recurse_out(open_tag: str, close_tag: str) -> None:
    """100 000 nested elements: no RecursionError from the walk, the grid or the body text."""
    from extract.body import body_text

    page = f"<html><body>{open_tag * 100_000}<p>三、收到和处理政府信息公开申请情况</p>{close_tag * 100_000}</body></html>"
    report = outcome(page.encode(), "deep.html")
    assert isinstance(report, Report)
    assert isinstance(body_text(report.extras["document"]), str)
    assert {p["kind"] for p in report.to_dict()["problems"]} >= {"table_not_found"}


def test_deeply_nested_docx_tables() -> None:
    """A DOCX whose cell holds a table holding a table … 50 000 deep: refused or read, not crashed."""
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    nest = "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>总计</w:t></w:r></w:p>"
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><w:document {w}><w:body>{nest * 50_000}'
           + "</w:tc></w:tr></w:tbl>" * 50_000 + "</w:body></w:document>")
    members = _docx_skeleton()
    members["word/document.xml"] = xml.encode()
    outcome(_zip(members), "deep.docx")


@pytest.mark.libreoffice
@pytest.mark.skipif(converter() is None, reason="LibreOffice not installed")
@pytest.mark.parametrize("data,name", [(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 20, "junk.doc"),
                                       (b"{\\rtf1\\ansi " + b"{" * 50_000, "junk.rtf")],
                         ids=["ole", "rtf"])
def test_garbage_through_libreoffice(data: bytes, name: str) -> None:
    """Garbage in the OLE/RTF containers goes through the converter: a report or a clean refusal."""
    result = outcome(data, name)
    if isinstance(result, ExtractError):
        assert "LibreOffice" in str(result) or "DOCX" in str(result)
