"""What every input must come back as, and the inputs the parser's robustness tests feed it.

Shared by the tests of any input (test_parse_any_input.py), the bounded parse of hostile files
(test_parse_limits.py) and the crawl pipeline fuzzing (test_pipeline_fuzz.py): the outcome oracle
(a well-formed Report or an ExtractError with a one-line reason), the real examples as seeds,
and the hypothesis strategies that mutate them.
"""

from __future__ import annotations

import html
import io
import json
import math
import os
import re
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES
from hypothesis import HealthCheck
from hypothesis import strategies as st

from extract import ExtractError, Report, parse_bytes
from extract import templates as T
from extract.model import Paragraph
from extract.readers import read_document
from extract.readers.html import MAX_SPAN

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
# What a text copy holds: any text but control characters (a backspace or NUL every few bytes is what
# makes `sniff` call a file binary — a 16-byte "copy" with two of them is one, rightly).
COPY_CHARS = st.characters(exclude_categories=("Cs", "Cc"))
COPY_CELL_TEXT = st.one_of(LABELS, NUMBERS, st.text(COPY_CHARS, max_size=20),
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
            lines.append("\t" + draw(COPY_CELL_TEXT).replace("\n", " "))
        elif kind == "row_end":
            lines.append("")
        elif kind == "paragraph":
            lines.append(draw(st.one_of(LABELS, st.text(COPY_CHARS, max_size=60))).replace("\n", " "))
        elif kind == "fragment":
            lines.append(draw(st.text(COPY_CHARS, min_size=1, max_size=6)).replace("\n", " "))
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


# --- containers, and the CLI on adversarial files: subprocess, wall-clock timeout, address-space cap ---

def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buf.getvalue()


@cache
def _docx_members() -> tuple[tuple[str, bytes], ...]:
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    return tuple(_unzip(buf.getvalue()).items())


def _docx_skeleton() -> dict[str, bytes]:
    """The parts of an empty document saved by python-docx, to wrap a hand-written document.xml."""
    return dict(_docx_members())


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
