"""Robustness: whatever bytes arrive, the extractor returns a Report or raises ExtractError.

Portals serve truncated downloads, HTML error pages named `.pdf`, zip files named `.doc`, pages
nested hundreds of levels deep and tables of absurd size.  A crawl of thousands of portals meets
all of them, and one traceback, hang or runaway allocation must not stop an archive run.  So:

- hypothesis feeds arbitrary bytes, arbitrary text, generated HTML tables with hostile spans and
  mutated copies of the real examples (every format) to `parse_bytes`, and checks that the
  outcome is a well-formed Report (strict JSON, the keys of parse-output.md, finite numbers) or
  an ExtractError with a one-line reason — never another exception, never a hang;
- hand-built adversarial files (a truncated PDF, zip-bomb DOCX files, a PDF whose content stream
  is a deflate bomb, a 50 MB HTML page, a table of 100 000 rows, 3 000 pages, 300 pages of dense
  ruling, 100 000 nested elements, a directory of good and broken files) go through the real CLI
  in a subprocess with a wall-clock timeout and an address-space cap, so that a hang or a blow-up
  fails the test instead of the machine; the assertions are on the exit status and on what is
  printed, never on seconds.
"""

from __future__ import annotations

import html
import io
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract import ExtractError, Report, parse_bytes
from extract import templates as T
from extract.model import Grid, Paragraph
from extract.readers import read_document
from extract.readers.convert import converter
from extract.readers.html import MAX_SPAN
from extract.sniff import sniff

# --- the outcome every input must have -----------------------------------------------------------

REPORT_KEYS = {"source", "title", "agency", "year", "format", "active_disclosure", "requests", "reviews",
               "checks", "problems"}
FORMATS = {None, "2019", "2021", "legacy"}
CHECK_STATUSES = {"pass", "fail", "uncheckable"}
HANG_SECONDS = 60.0  # far above any real parse here (the slowest example takes 0.1 s)


class _Hang(BaseException):
    """Raised by the alarm; a BaseException so that a reader's `except Exception` cannot turn a
    hang into an ExtractError and hide it."""


@contextmanager
def _no_hang(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Turn a parse that never returns into a test failure instead of a stalled suite."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def _fire(_signum: int, _frame: object) -> None:
        raise _Hang()

    old = signal.signal(signal.SIGALRM, _fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _number_ok(value: Any) -> bool:
    """A JSON value of the contract: null, or a finite int/float (never a bool, NaN or inf)."""
    if value is None:
        return True
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def assert_valid_report(report: Report, source: str) -> dict[str, Any]:
    """The properties parse-output.md promises for any report, however poor the input."""
    d = report.to_dict()
    assert set(d) == REPORT_KEYS
    # Strict JSON: `allow_nan=False` rejects the NaN/Infinity Python would otherwise print.
    text = json.dumps(d, ensure_ascii=False, allow_nan=False)
    assert json.loads(text) == d
    assert d["source"] == source
    assert d["format"] in FORMATS
    assert d["year"] is None or (isinstance(d["year"], int) and not isinstance(d["year"], bool))
    for key in ("title", "agency"):
        assert d[key] is None or isinstance(d[key], str)
    for row in d["active_disclosure"]:
        assert isinstance(row["item"], str) and isinstance(row["metric"], str) and isinstance(row["raw"], str)
        assert _number_ok(row["value"]) and row["unit"] in (None, T.AMOUNT_UNIT)
    for row in d["requests"]:
        assert isinstance(row["row"], str) and isinstance(row["column"], str) and isinstance(row["raw"], str)
        assert _number_ok(row["value"])
    for row in d["reviews"]:
        assert isinstance(row["group"], str) and isinstance(row["outcome"], str) and _number_ok(row["value"])
    for check in d["checks"]:
        assert check["status"] in CHECK_STATUSES and _number_ok(check["lhs"]) and _number_ok(check["rhs"])
    for problem in d["problems"]:
        assert all(isinstance(problem[k], str) for k in ("kind", "where", "detail")) and problem["kind"]
    return d


def assert_one_line(message: str) -> None:
    assert message.strip(), "an ExtractError must say why"
    assert "\n" not in message.strip() and "\r" not in message.strip(), f"not one line: {message!r}"
    assert "Traceback" not in message


def outcome(data: bytes, name: str = "", source: str = "fuzz") -> Report | ExtractError:
    """Parse `data`; any exception other than ExtractError propagates and fails the test."""
    try:
        with _no_hang():
            report = parse_bytes(data, source, name=name)
    except ExtractError as exc:
        assert_one_line(str(exc))
        return exc
    except _Hang:
        raise AssertionError(f"parse_bytes did not return within {HANG_SECONDS:g} s ({len(data)} bytes, "
                             f"{name!r})") from None
    assert isinstance(report, Report)
    assert_valid_report(report, source)
    return report


# --- seeds: the real examples, and a DOCX built from one of them ----------------------------------

needs_examples = pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"examples not found at {EXAMPLES}")
TEXT_SEEDS = ("dongcheng-2020.txt", "tongzhou-2020.txt")
HTML_SEED = "shanghai-office-2019.html"
PDF_SEED = "hongze-2024.pdf"


@cache
def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


@cache
def baseline(name: str) -> dict[str, Any]:
    """The untouched example's report: what a padded copy of it must still yield."""
    return parse_bytes(example(name), name, name=name).to_dict()


def docx_from_document(data: bytes, name: str) -> bytes:
    """Write a report's paragraphs and grids as a real DOCX, with spans as merged cells.

    The shared examples have no DOCX; this gives the DOCX reader a realistic seed (gridSpan,
    vMerge, the three statutory tables) to mutate, built by python-docx as Word would save it.
    """
    import docx

    out = docx.Document()
    for block in read_document(data, name).blocks:
        if isinstance(block, Paragraph):
            out.add_paragraph(block.text)
            continue
        width = max(int(c.x1) for row in block.rows for c in row)
        table = out.add_table(rows=len(block.rows), cols=width)
        for r, row in enumerate(block.rows):
            for c in row:
                if c.spanned:
                    continue
                x0, x1 = int(c.x0), int(c.x1)
                down = 0
                for later in block.rows[r + 1:]:
                    if not any(d.spanned and int(d.x0) == x0 and int(d.x1) == x1 for d in later):
                        break
                    down += 1
                cell = table.cell(r, x0)
                if x1 - x0 > 1 or down:
                    cell = cell.merge(table.cell(r + down, x1 - 1))
                cell.text = c.text
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


@cache
def docx_seed() -> bytes:
    return docx_from_document(example(HTML_SEED), HTML_SEED)


@needs_examples
def test_docx_seed_reads_like_its_html_source() -> None:
    """The DOCX seed is only worth mutating if, intact, it reads as a full report."""
    got = parse_bytes(docx_seed(), "seed.docx", name="seed.docx").to_dict()
    want = baseline(HTML_SEED)
    assert got["requests"] == want["requests"] and got["reviews"] == want["reviews"]
    assert got["format"] == want["format"] == "2019"


def seed_bytes(fmt: str, index: int = 0) -> bytes:
    if fmt == "txt":
        return example(TEXT_SEEDS[index % len(TEXT_SEEDS)])
    if fmt == "html":
        return example(HTML_SEED)
    if fmt == "pdf":
        return example(PDF_SEED)
    if fmt == "docx":
        return docx_seed()
    raise ValueError(fmt)


# --- strategies -----------------------------------------------------------------------------------

# Tokens that steer mutations towards the parsers' decision points.
TOKENS = [b"<table>", b"</table>", b"<tr>", b"<td rowspan='99999'>", b"<td colspan=-3>", b"</td>", b"<br/>",
          b"\t", b"\n\n", b"\r", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"%PDF-1.7", b"%%EOF", b" 0 R", b"endobj",
          b"stream\n", b"/Count 99999999", b"<<", b">>", b"PK\x03\x04", b"<w:tbl>", b"<w:gridSpan w:val='-1'/>",
          b"<w:vMerge/>", "（三）不予公开".encode(), "总计".encode(), "二、主动公开政府信息情况".encode(),
          "三、收到和处理政府信息公开申请情况".encode("gb18030"), b"-", b"1,234.5", b"999999999999"]

# Cell values: what portals print, plus what they should never print.
HUGE_NUMBERS = ["9" * 17, "9" * 400, "9" * 5000]  # inf as a float; past int()'s 4300-digit limit
NUMBERS = st.one_of(
    st.integers(-10**30, 10**30).map(str),
    st.from_regex(r"\A-?\d{1,3}(,\d{3}){1,4}(\.\d{1,6})?\Z"),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(sorted(T.BLANK_MARKERS) + ["1e400", "NaN", "inf", "-inf", "１２３", "−5", "－0", "0.0000001",
                                               "764.8万元", "251000元", "3亿元", "2件", ".5", "1,2,3", *HUGE_NUMBERS]),
)


def _labels() -> list[str]:
    """The template vocabulary, so that generated tables reach the table reader's every branch."""
    out = ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
           "五、存在的主要问题及改进情况", "信息内容", "申请人情况", "法人或其他组织", "小计", "三、本年度办理结果",
           "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理", "其中：", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"]
    out += [f"第二十条第（{n}）项" for n in "一五六八九十"]
    out += [f"{i}.{r.label}" for i, r in enumerate(T.REQUEST_ROWS, 1)]
    out += [label for _code, label, _keys in T.REQUEST_COLUMNS]
    out += [m.label for m in T.METRICS] + ["采购总金额（元）"] + [name for name, _keys in T.ITEMS]
    out += [label for _code, label, _keys in T.REVIEW_GROUPS + T.REVIEW_OUTCOMES] + ["行政诉讼"]
    return out


LABELS = st.sampled_from(_labels())
SAFE_CHARS = st.characters(exclude_categories=("Cs",))  # encodable: lone surrogates are not text
CELL_TEXT = st.one_of(LABELS, NUMBERS, st.text(SAFE_CHARS, max_size=20),
                      st.lists(LABELS, min_size=2, max_size=3).map("\n".join))


@st.composite
def mutated(draw: st.DrawFn, seed: bytes, max_ops: int = 6) -> bytes:
    """The seed with byte flips, truncations, insertions, deleted and duplicated ranges."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, max_ops))):
        n = len(data)
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "duplicate"]))
        i = draw(st.integers(0, max(n - 1, 0)))
        if op == "flip" and n:
            data[i] ^= draw(st.integers(1, 255))
        elif op == "truncate":
            del data[i:]
        elif op == "insert":
            data[i:i] = draw(st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=64)))
        elif op == "delete":
            del data[i:i + draw(st.integers(1, 4096))]
        elif op == "duplicate" and n:
            j = draw(st.integers(0, n - 1))
            data[i:i] = data[j:j + draw(st.integers(1, 4096))]
    return bytes(data)


@st.composite
def mutated_lines(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed edited as text, line by line: the table reader sees real structure gone wrong
    (rows lost, doubled, swapped, numbers replaced by anything), not just undecodable bytes."""
    text = seed.decode("utf-8")
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 8))):
        n = len(lines)
        i = draw(st.integers(0, n - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "insert", "number"]))
        if op == "delete" and n > 1:
            del lines[i]
        elif op == "duplicate":
            lines[i:i] = lines[i:i + draw(st.integers(1, 40))]
        elif op == "swap":
            j = draw(st.integers(0, n - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "replace":
            lines[i] = draw(st.one_of(CELL_TEXT, CELL_TEXT.map(lambda s: "\t" + s)))
        elif op == "insert":
            lines.insert(i, draw(st.text(SAFE_CHARS, max_size=80)))
        elif op == "number":
            lines[i] = re.sub(r"\d+(?:\.\d+)?", lambda _m: draw(NUMBERS), lines[i], count=1)
    encoding = draw(st.sampled_from(["utf-8", "gb18030", "utf-8-sig", "utf-16"]))
    return "\n".join(lines).encode(encoding)


def _attr(name: str, value: str | None) -> str:
    return "" if value is None else f' {name}="{html.escape(value, quote=True)}"'


SPANS = st.one_of(st.none(), st.integers(-10**12, 10**12).map(str),
                  st.sampled_from(["0", "-1", "1", "2", str(MAX_SPAN), str(MAX_SPAN + 1), "9" * 30, "2;", " 3 ",
                                   "abc", "", "1.5", "0x10", "١٢", "3px"]),
                  st.text(SAFE_CHARS, max_size=6))


@st.composite
def html_table(draw: st.DrawFn) -> tuple[str, int]:
    """A page with a heading and one table of random cells and hostile rowspan/colspan values;
    returns the page and its number of <tr>."""
    rows = draw(st.lists(st.lists(st.tuples(CELL_TEXT, SPANS, SPANS), max_size=10), min_size=1, max_size=30))
    heading = draw(st.one_of(LABELS, st.text(SAFE_CHARS, max_size=20)))
    body = "".join(
        "<tr>" + "".join(f"<td{_attr('rowspan', rs)}{_attr('colspan', cs)}>{html.escape(text)}</td>"
                         for text, rs, cs in row) + "</tr>"
        for row in rows)
    depth = draw(st.integers(0, 300))  # around libxml2's nesting limit of 256
    page = (f"<html><head><meta charset='utf-8'><title>{html.escape(heading)}</title></head><body>"
            f"{'<div>' * depth}<p>{html.escape(heading)}</p><table>{body}</table>{'</div>' * depth}</body></html>")
    return page, len(rows)


@st.composite
def text_copy(draw: st.DrawFn) -> str:
    """A text copy in the examples' layout: a tab opens a cell, an empty line closes a row."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 60))):
        kind = draw(st.sampled_from(["cell", "cell", "cell", "row_end", "paragraph", "fragment", "empty_cell"]))
        if kind == "cell":
            lines.append("\t" + draw(CELL_TEXT).replace("\n", " "))
        elif kind == "row_end":
            lines.append("")
        elif kind == "paragraph":
            lines.append(draw(st.one_of(LABELS, st.text(SAFE_CHARS, max_size=60))).replace("\n", " "))
        elif kind == "fragment":
            lines.append(draw(st.text(SAFE_CHARS, min_size=1, max_size=6)).replace("\n", " "))
        else:
            lines.append("\t")
    return "\n".join(lines)


# NIANBAO_FUZZ_SCALE=20 runs twenty times the examples (a longer hunt than the default suite's).
SCALE = float(os.environ.get("NIANBAO_FUZZ_SCALE", "1"))


def examples(n: int) -> int:
    return max(1, int(n * SCALE))


FUZZ = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                                     HealthCheck.large_base_example]}
NAMES = st.sampled_from(["report.html", "report.pdf", "report.docx", "report.txt", "downfile.jsp", "", "a.wps"])
# LibreOffice is started for OLE and RTF input: seconds per example, so those get their own test.
MAGIC = st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04", b"<html>", b"<table>", b"\xef\xbb\xbf", b"\xff\xfe",
                         b"\x89PNG\r\n\x1a\n", b"GIF89a", b"\t", "三、收到和处理政府信息公开申请情况\n".encode()])


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


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buf.getvalue()


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


@cache
def _docx_members() -> tuple[tuple[str, bytes], ...]:
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    return tuple(_unzip(buf.getvalue()).items())


def _docx_skeleton() -> dict[str, bytes]:
    """The parts of an empty document saved by python-docx, to wrap a hand-written document.xml."""
    return dict(_docx_members())


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


# --- the CLI on adversarial files: subprocess, wall-clock timeout, address-space cap --------------

CLI_TIMEOUT = 120  # seconds: a hang fails the test instead of stalling the suite
MEMORY_CAP = 2 * 1024**3  # bytes of address space for the parse process


def _cap_memory(limit: int) -> Callable[[], None] | None:
    if os.name != "posix":
        return None

    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return cap


def run_cli(*args: str | Path, memory: int = MEMORY_CAP) -> subprocess.CompletedProcess[str]:
    """`nianbao parse …` as a user runs it, under the time and memory bounds above."""
    code = "from nianbao.cli import main; main(prog_name='nianbao')"
    return subprocess.run([sys.executable, "-c", code, "parse", *map(str, args)], capture_output=True, text=True,
                          timeout=CLI_TIMEOUT, preexec_fn=_cap_memory(memory), check=False)


def assert_refused(proc: subprocess.CompletedProcess[str], path: Path) -> str:
    """Exit 2 with exactly one line on stderr that names the file, and no sign of a bug."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr[-2000:]
    assert lines[0].startswith(f"nianbao parse: {path}: ")
    assert not any(bug in lines[0] for bug in ("internal error", "MemoryError", "RecursionError")), lines[0]
    assert proc.stdout == ""
    return lines[0]


def read_json(proc: subprocess.CompletedProcess[str], path: Path) -> dict[str, Any]:
    """Exit 0, a single strict-JSON report on stdout, nothing alarming on stderr."""
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert set(report) == REPORT_KEYS and report["source"] == str(path)
    return report


@needs_examples
@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.99])
def test_truncated_pdf(tmp_path: Path, fraction: float) -> None:
    data = example(PDF_SEED)
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: int(len(data) * fraction)])
    proc = run_cli(path, "--json")
    if proc.returncode == 2:
        assert "PDF" in assert_refused(proc, path)
    else:
        report = read_json(proc, path)
        assert report["problems"] or report["requests"] == baseline(PDF_SEED)["requests"]


def _write_zip_bomb(path: Path, inflated: int) -> None:
    """A docx that looks right (content types, relationships, a w:document with a real paragraph)
    whose document.xml inflates to `inflated` bytes of spaces.  Written in 1 MiB deflate chunks so
    that building it costs the test little memory."""
    members = _docx_skeleton()
    head = members.pop("word/document.xml").split(b"<w:body>")[0] + b"<w:body><w:p><w:r><w:t>"
    head += "2024年政府信息公开工作年度报告".encode()
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
        with z.open("word/document.xml", "w", force_zip64=False) as f:
            f.write(head)
            for _ in range(inflated // len(chunk)):
                f.write(chunk)
            f.write(tail)


def _forge_size(path: Path, member: str, size: int) -> None:
    """Overwrite a member's uncompressed size in its local header and its central-directory entry."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    local = zipfile.ZipFile(path).getinfo(member).header_offset
    data[local + 22:local + 26] = size.to_bytes(4, "little")
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = int.from_bytes(data[pos + 28:pos + 30], "little")
        if data[pos + 46:pos + 46 + name_len] == name:
            data[pos + 24:pos + 28] = size.to_bytes(4, "little")
            break
        pos = data.find(b"PK\x01\x02", pos + 4)
    assert pos >= 0, f"{member} not in the central directory"
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bomb.docx"
    _write_zip_bomb(path, 1 << 30)  # 1 GiB of spaces, about 1 MB on disk
    return path


def test_zip_bomb_docx_is_refused(zip_bomb: Path) -> None:
    assert zipfile.ZipFile(zip_bomb).getinfo("word/document.xml").file_size > 1 << 30
    assert zip_bomb.stat().st_size < 4 << 20
    assert "refused" in assert_refused(run_cli(zip_bomb, "--json"), zip_bomb)


def test_zip_bomb_with_forged_sizes_is_not_inflated(tmp_path: Path, zip_bomb: Path) -> None:
    """Headers that lie (1 KiB claimed for 1 GiB): the size check passes, so inflation itself must
    stop.  The address space is capped at 1 GiB, so inflating the member would end in MemoryError."""
    path = tmp_path / "liar.docx"
    shutil.copy(zip_bomb, path)
    _forge_size(path, "word/document.xml", 1024)
    assert zipfile.ZipFile(path).getinfo("word/document.xml").file_size == 1024
    proc = run_cli(path, "--json", memory=1024**3)
    if proc.returncode == 2:
        assert "DOCX" in assert_refused(proc, path)
    else:
        read_json(proc, path)


def _pdf_of_one_stream(path: Path, stream: bytes, pages: int = 1) -> None:
    """A PDF of `pages` pages sharing one FlateDecode content stream (already compressed)."""
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R /Resources << >> >>"] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def _pdf_with_inflating_stream(path: Path, inflated: int) -> None:
    """A one-page PDF whose content stream inflates to `inflated` bytes of spaces (about 1 MB on
    disk for 1 GiB): PDFium decodes a content stream whole."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    _pdf_of_one_stream(path, b"".join(packer.compress(chunk) for _ in range(inflated // len(chunk))) + packer.flush())


def test_pdf_of_dense_ruling_grids_is_bounded_by_the_timeout(tmp_path: Path) -> None:
    """300 pages (a 40 KB file: one shared content stream) each ruled as a 200 x 200 lattice.
    The lattice code costs most of a second per page, so only the per-file timeout bounds the
    parse: the CLI must give up with one line, or finish, never hang or crash."""
    n = 200
    lines = [b"20 %.2f m 575 %.2f l S" % (20 + 800 * i / n, 20 + 800 * i / n) for i in range(n)]
    lines += [b"%.2f 20 m %.2f 820 l S" % (20 + 555 * i / n, 20 + 555 * i / n) for i in range(n)]
    path = tmp_path / "grid.pdf"
    _pdf_of_one_stream(path, zlib.compress(b"0.1 w\n" + b"\n".join(lines), 9), pages=300)
    proc = run_cli(path, "--json", "--timeout", "3")
    if proc.returncode == 2:
        assert "gave up after 3 s" in assert_refused(proc, path)
    else:
        assert read_json(proc, path)["problems"]


def test_pdf_whose_content_stream_is_a_bomb(tmp_path: Path) -> None:
    """A 1 MB PDF whose page content inflates to 1 GiB: refused or read, within 2 GiB, in one line."""
    path = tmp_path / "bomb.pdf"
    _pdf_with_inflating_stream(path, 1 << 30)
    assert path.stat().st_size < 4 << 20
    proc = run_cli(path, "--json")
    assert proc.returncode in (0, 2), f"exit status {proc.returncode} (killed by a signal if negative)"
    if proc.returncode == 2:
        assert_refused(proc, path)
    else:
        assert read_json(proc, path)["problems"]


def _html_with(insert_before: str, filler: str) -> str:
    page = example(HTML_SEED).decode("utf-8")
    at = page.index(insert_before)
    return page[:at] + filler + page[at:]


def _same_tables(report: dict[str, Any], want: dict[str, Any]) -> None:
    for key in ("agency", "year", "format", "active_disclosure", "requests", "reviews", "checks"):
        assert report[key] == want[key], key


@needs_examples
def test_fifty_megabyte_html_page(tmp_path: Path) -> None:
    """The real report with 50 MB of junk paragraphs before its tables: refused in one line before
    it is parsed (MAX_HTML_BYTES; once read in full, it cost `nianbao ingest` 3 GiB and six
    minutes), in bounded memory."""
    from extract.limits import MAX_HTML_BYTES

    junk = "".join(f"<p>第{i}段：与年报无关的栏目文字，用于把页面撑到五十兆字节以上。Lorem ipsum dolor sit amet.</p>\n"
                   for i in range(430_000))
    path = tmp_path / "big.html"
    path.write_text(_html_with("<p>二、主动公开政府信息情况</p>", junk), encoding="utf-8")
    assert path.stat().st_size > 50 * 1024**2 > MAX_HTML_BYTES
    line = assert_refused(run_cli(path, "--json", memory=512 * 1024**2), path)
    assert f"over the {MAX_HTML_BYTES}-byte limit" in line


@needs_examples
@pytest.mark.slow
def test_table_of_100k_rows(tmp_path: Path) -> None:
    """A 100 000-row table (with spans) after the report's tables: the report still reads."""
    rows = "".join(f"<tr><td{' rowspan=3' if i % 1000 == 0 else ''}>第{i}项</td><td colspan='2'>{i}</td>"
                   f"<td>{i % 7}</td></tr>" for i in range(100_000))
    path = tmp_path / "rows.html"
    path.write_text(_html_with("<p>（一）主要问题</p>", f"<table>{rows}</table>"), encoding="utf-8")
    _same_tables(read_json(run_cli(path, "--json"), path), baseline(HTML_SEED))


def test_cli_timeout_gives_up_with_one_line(tmp_path: Path) -> None:
    """`--timeout` bounds one file: a 100 000-row page given 0.2 s is abandoned with one line."""
    rows = "".join(f"<tr><td>第{i}项</td><td>{i}</td></tr>" for i in range(100_000))
    path = tmp_path / "slow.html"
    path.write_text(f"<html><body><p>三、收到和处理政府信息公开申请情况</p><table>{rows}</table></body></html>",
                    encoding="utf-8")
    assert "gave up after 0.2 s" in assert_refused(run_cli(path, "--json", "--timeout", "0.2"), path)


@needs_examples
@pytest.mark.slow
def test_pdf_of_three_thousand_pages(tmp_path: Path) -> None:
    """The real report followed by 3 000 copies of its pages: read, with the cut-off stated."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(example(PDF_SEED))
    out = pdfium.PdfDocument.new()
    out.import_pages(src, pages=[i % len(src) for i in range(3000 + len(src))])
    buf = io.BytesIO()
    out.save(buf)
    path = tmp_path / "long.pdf"
    path.write_bytes(buf.getvalue())
    report = read_json(run_cli(path, "--json"), path)
    assert report["requests"] == baseline(PDF_SEED)["requests"]
    assert "truncated" in {p["kind"] for p in report["problems"]}


def test_deeply_nested_html_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * 100_000 + "2024年政府信息公开工作年度报告" + "</div>" * 100_000
                    + "</body></html>", encoding="utf-8")
    report = read_json(run_cli(path, "--json"), path)
    assert report["problems"], "a page whose tables are not read must say so"


@needs_examples
def test_directory_with_good_and_broken_files(tmp_path: Path, zip_bomb: Path) -> None:
    """One run over a directory: the good reports are read, each unreadable one is listed with
    its reason, and the exit status is 0."""
    good = [*TEXT_SEEDS, HTML_SEED, PDF_SEED]
    for name in good:
        shutil.copy(EXAMPLES / name, tmp_path / name)
    (tmp_path / "seed.docx").write_bytes(docx_seed())
    broken: dict[str, bytes | Path] = {
        "truncated.pdf": example(PDF_SEED)[:100_000],
        "empty.html": b"",
        "blank.txt": b" \n\t\r\n",
        "attachment.doc": b"PK\x03\x04" + b"\x00" * 100,  # a broken zip served as DOC
        "spreadsheet.docx": _zip({"xl/workbook.xml": b"<workbook/>"}),
        "bomb.docx": zip_bomb,
    }
    for name, content in broken.items():
        if isinstance(content, Path):
            shutil.copy(content, tmp_path / name)
        else:
            (tmp_path / name).write_bytes(content)
    proc = run_cli(tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    total = len(good) + 1 + len(broken)
    assert f"reports read: {len(good) + 1} of {total} files" in proc.stdout
    unreadable = [line for line in proc.stdout.splitlines() if line.startswith("unreadable: ")]
    assert sorted(Path(line.split(": ")[1]).name for line in unreadable) == sorted(broken)
    assert not any("internal error" in line for line in unreadable), unreadable

    as_json = run_cli(tmp_path, "--json")
    assert as_json.returncode == 0
    reports = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert sorted(Path(r["source"]).name for r in reports) == sorted([*good, "seed.docx"])
    by_name = {Path(r["source"]).name: r for r in reports}
    for name in good:
        assert by_name[name]["requests"] == baseline(name)["requests"], name
    assert f"reports read: {len(good) + 1} of {total} files" in as_json.stderr


def test_cli_one_line_error_for_a_non_report(tmp_path: Path) -> None:
    path = tmp_path / "table.xlsx.html"
    path.write_bytes(_zip({"xl/workbook.xml": b"<workbook/>"}))
    assert "xlsx" in assert_refused(run_cli(path, "--json"), path)



def test_time_limit_survives_readers_that_wrap_or_swallow_the_alarm() -> None:
    """The alarm can come back out of a reader wrapped (pdfium's ctypes calls turn it into
    `ctypes.ArgumentError`, seen in CI as "internal error: ArgumentError: argument 1: _Timeout")
    or not at all (a reader's `except Exception`).  Either way the file is refused as timed out."""
    import ctypes

    from extract.bounded import time_limit
    from extract.errors import ExtractError

    class Slow:
        @classmethod
        def from_param(cls, _obj: object) -> int:
            time.sleep(5)
            return 1

    wrapped = ctypes.CFUNCTYPE(None, Slow)(lambda _x: None)

    def swallowed() -> str:
        try:
            time.sleep(5)
        except Exception:
            return "a partial result"
        return "finished"

    for body in (lambda: wrapped(1), swallowed):
        started = time.monotonic()
        with pytest.raises(ExtractError, match="gave up after 0.2 s"), time_limit(0.2):
            body()
        assert time.monotonic() - started < 2
