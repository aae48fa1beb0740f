"""Hostile files through `nianbao parse`: refused or read within its time and memory limits.

Hand-built adversarial files (a truncated PDF, zip-bomb DOCX files, a PDF whose content stream is
a deflate bomb, a 50 MB HTML page, a table of 100 000 rows, 3 000 pages, 300 pages of dense
ruling, 100 000 nested elements, a directory of good and broken files) go through the real CLI in
a subprocess with a wall-clock timeout and an address-space cap, so that a hang or a blow-up fails
the test instead of the machine; the assertions are on the exit status and on what is printed,
never on seconds.
"""

from __future__ import annotations

import io
import json
import shutil
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES
from malformed import (
    HTML_SEED,
    PDF_SEED,
    TEXT_SEEDS,
    _docx_skeleton,
    _zip,
    assert_refused,
    baseline,
    docx_seed,
    example,
    needs_examples,
    read_json,
    run_cli,
)

# --- the CLI on adversarial files: subprocess, wall-clock timeout, address-space cap --------------

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
    parse: the CLI must give up with one line, or finish, never hang or crash.  Finishing, it has
    read a file of lines and no text: refused in one line as not a report (on an idle machine the
    300 pages take about 2.5 s, under the 3 s limit; on a busy one the limit comes first)."""
    n = 200
    lines = [b"20 %.2f m 575 %.2f l S" % (20 + 800 * i / n, 20 + 800 * i / n) for i in range(n)]
    lines += [b"%.2f 20 m %.2f 820 l S" % (20 + 555 * i / n, 20 + 555 * i / n) for i in range(n)]
    path = tmp_path / "grid.pdf"
    _pdf_of_one_stream(path, zlib.compress(b"0.1 w\n" + b"\n".join(lines), 9), pages=300)
    proc = run_cli(path, "--json", "--timeout", "3")
    if proc.returncode == 2:
        refusal = assert_refused(proc, path)
        assert "gave up after 3 s" in refusal or "not a report" in refusal, refusal
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
