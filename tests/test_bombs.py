"""Issue 14 (items 4 and 8): files built to cost a run minutes, gigabytes or stray processes.

Each hole an adversarial run found has a test here that reproduces it with real files, real
PDFium, real LibreOffice and real processes, through the CLI a user runs:

- PDF streams whose filter is written in other legal ways (nested or long dictionaries, escaped
  names, filter arrays, a double Flate, indirect /Length and /Filter, `endstream` inside the data,
  ASCII85 and LZW, an encrypted file) — PDFium is first shown to decode each form (it reads the
  text of a tiny payload written that way), then the 1 GiB bomb written that way is refused in one
  line, in bounded memory: peak RSS measured with `os.wait4`, for `nianbao parse` and `nianbao ingest`;
- HTML pages of nested and spanning tables: refused, or read with the tables past the cell
  limits left out and said so, in bounded memory;
- a DOC/RTF that keeps LibreOffice busy: no process of that conversion survives the parse;
- PDF text with an unembedded CJK font reads the same with and without the host's CJK fonts;
- a file name that is not UTF-8 (GBK bytes, as Windows zips leave them) does not abort
  `nianbao ingest DIR`.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import bombs
import pytest
from conftest import EXAMPLES, ROOT

from extract.limits import MAX_HTML_BYTES, MAX_HTML_CELLS, MAX_HTML_TAGS, MAX_STREAM

MiB = 1024 * 1024
BOMB = 1 << 30  # what each bomb decodes to
PARSE_PEAK = 256 * MiB  # measured 35–48 MiB refusing each PDF bomb (2,082 MiB before: PDFium inflated it)
INGEST_PEAK = 512 * MiB  # measured 65 MiB for a directory of the bombs (2,165 MiB and SIGABRT before)
HTML_PEAK = 512 * MiB  # measured 263 MiB reading the largest spanning page the limits let through
ADDRESS_SPACE = 3 * 1024 * MiB  # a blow-up fails the test, not the machine
RUN_TIMEOUT = 300


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    peak: int  # bytes: the child's maximum resident set, from wait4

    def one_line_error(self, path: Path) -> str:
        """Exit 2 with exactly one line on stderr naming the file, no sign of a bug."""
        assert self.returncode == 2, (self.returncode, self.stderr[-2000:])
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1, self.stderr[-2000:]
        assert lines[0].startswith(f"nianbao parse: {path}: "), lines[0]
        assert not any(bug in lines[0] for bug in ("internal error", "MemoryError", "RecursionError")), lines[0]
        return lines[0]


def nianbao(tmp: Path, *args: str | Path, env: dict[str, str] | None = None) -> Run:
    """`nianbao ARGS` in a subprocess (address space capped), its peak RSS from its own rusage."""
    out, err = tmp / "stdout.txt", tmp / "stderr.txt"
    code = "from nianbao.cli import main; main(prog_name='nianbao')"
    status, peak = bombs.run_measured([sys.executable, "-c", code, *map(str, args)], out, err, env=env, cwd=ROOT,
                                      address_space=ADDRESS_SPACE, timeout=RUN_TIMEOUT)
    return Run(status, out.read_text("utf-8", "replace"), err.read_text("utf-8", "replace"), peak)


# --- 1. deflate bombs past the textual guard -----------------------------------------------------------

FORMS = [*bombs.PDF_VARIANTS, "encrypted_rc4", "encrypted_aes"]


def pdf_form(name: str, size: int) -> bytes:
    if name.startswith("encrypted_"):
        return bombs.encrypted_pdf(name.removeprefix("encrypted_"), size)
    return bombs.pdf_variant(name, size)


@pytest.mark.parametrize("form", FORMS)
def test_pdfium_decodes_each_form(form: str) -> None:
    """The forms are real: PDFium reads the text of a payload written each way, and the guard
    lets that small file through."""
    import pypdfium2 as pdfium

    from extract.readers.pdfstreams import check_streams

    data = pdf_form(form, 4096)
    check_streams(data)
    assert pdfium.PdfDocument(data)[0].get_textpage().get_text_range() == bombs.PAYLOAD_TEXT


@pytest.fixture(scope="module")
def pdf_bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pdf-bombs")
    out = {}
    for form in FORMS:
        path = root / f"{form}.pdf"
        path.write_bytes(pdf_form(form, BOMB))
        assert path.stat().st_size < 4 * MiB
        out[form] = path
    return out


@pytest.mark.slow
@pytest.mark.parametrize("form", FORMS)
def test_pdf_bomb_is_refused_in_bounded_memory(form: str, pdf_bombs: dict[str, Path], tmp_path: Path) -> None:
    path = pdf_bombs[form]
    run = nianbao(tmp_path, "parse", path, "--json")
    line = run.one_line_error(path)
    assert f"decodes past {MAX_STREAM} bytes" in line, line
    assert run.peak < PARSE_PEAK, f"peak RSS {run.peak // MiB} MiB refusing a {BOMB // MiB} MiB bomb"


@pytest.mark.slow
@pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"examples not found at {EXAMPLES}")
def test_ingest_of_a_directory_of_bombs_is_bounded(pdf_bombs: dict[str, Path], tmp_path: Path) -> None:
    """`nianbao ingest DIR`: every bomb recorded as unreadable with its reason, the real report
    read, the whole run's peak RSS bounded."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for path in pdf_bombs.values():
        shutil.copy(path, folder / path.name)
    shutil.copy(EXAMPLES / "hongze-2024.pdf", folder / "hongze-2024.pdf")
    db = tmp_path / "archive.db"
    run = nianbao(tmp_path, "ingest", folder, "--db", db)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.peak < INGEST_PEAK, f"peak RSS {run.peak // MiB} MiB"
    con = sqlite3.connect(db)
    errors = dict(con.execute("select url, extraction_error from reports where extraction_status = 'error'"))
    assert len(errors) == len(pdf_bombs), errors
    assert all("decodes past" in e and "\n" not in e for e in errors.values()), errors
    assert con.execute("select count(*) from reports where extraction_status = 'ok'").fetchone()[0] == 1


# --- 2. HTML of nested tables -----------------------------------------------------------------------

@pytest.mark.slow
def test_page_of_nested_tables_is_refused_before_parsing(tmp_path: Path) -> None:
    """30 MB of layout tables 50 deep with 200 × 200 spans (one such page ran past 300 s and
    took 3 GiB): refused in one line, before it is parsed."""
    path = tmp_path / "nested.html"
    path.write_text(bombs.nested_tables_html(30 * MiB), encoding="utf-8")
    run = nianbao(tmp_path, "parse", path, "--json")
    assert f"over the {MAX_HTML_BYTES}-byte limit" in run.one_line_error(path)
    assert run.peak < PARSE_PEAK, f"peak RSS {run.peak // MiB} MiB"


@pytest.mark.slow
def test_page_of_many_tags_is_refused_before_parsing(tmp_path: Path) -> None:
    """Under the byte limit, over the tag limit: 7 MB of tables of one-digit cells, 730,000 start
    tags (such a page once took three minutes and 2 GiB)."""
    path = tmp_path / "tags.html"
    path.write_text(bombs.wide_tables_html(7 * MiB), encoding="utf-8")
    assert path.stat().st_size < MAX_HTML_BYTES
    run = nianbao(tmp_path, "parse", path, "--json")
    assert f"over the {MAX_HTML_TAGS}-tag limit" in run.one_line_error(path)
    assert run.peak < PARSE_PEAK, f"peak RSS {run.peak // MiB} MiB"


@pytest.mark.slow
def test_spanning_tables_within_the_page_limits_are_bounded(tmp_path: Path) -> None:
    """The largest page the limits let through, every row of its 3,000 tables opening a 200 × 200
    span (4 million grid cells as written): the report is read, the tables past MAX_HTML_CELLS are
    left out and said so, and parse and ingest stay within their memory bounds."""
    path = tmp_path / "spans.html"
    path.write_text(bombs.spanning_tables_html(MAX_HTML_BYTES - 512 * 1024, rows=50), encoding="utf-8")
    assert path.stat().st_size < MAX_HTML_BYTES
    run = nianbao(tmp_path, "parse", path, "--json")
    assert run.returncode == 0, run.stderr[-2000:]
    import json

    report = json.loads(run.stdout)
    truncated = [p for p in report["problems"] if p["kind"] == "truncated"]
    assert truncated and f"{MAX_HTML_CELLS} cells" in truncated[0]["detail"], report["problems"][:5]
    assert run.peak < HTML_PEAK, f"parse: peak RSS {run.peak // MiB} MiB"
    ingest = nianbao(tmp_path, "ingest", path, "--db", tmp_path / "archive.db")
    assert ingest.returncode == 0, ingest.stderr[-2000:]
    assert ingest.peak < 2 * INGEST_PEAK, f"ingest: peak RSS {ingest.peak // MiB} MiB (measured 664 MiB)"


# --- 4. converter processes die with their parse -------------------------------------------------------

def _processes_mentioning(marker: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append(f"{entry.name}: {cmdline[:200]}")
    return found


def _slow_rtf(rows: int) -> bytes:
    """An RTF of one table of `rows` rows: LibreOffice takes minutes over 20,000 of them."""
    body = "\n".join(rf"\trowd\cellx2000\cellx4000\cellx6000 \intbl 第{i}项\cell {i}\cell {i % 7}\cell\row"
                     for i in range(rows))
    return (r"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0 SimSun;}}\f0\fs24 2024年政府信息公开工作年度报告\par "
            + body + "}").encode("gbk")


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_no_libreoffice_process_outlives_its_parse(tmp_path: Path) -> None:
    """A parse that gives up on a file LibreOffice is still chewing (here the CLI's 4 s limit on
    an RTF that keeps soffice.bin busy for minutes) leaves none of that conversion's processes."""
    path = tmp_path / "slow.rtf"
    path.write_bytes(_slow_rtf(20_000))
    scratch = tmp_path / "tmp"  # the conversion's profile and files live here: its processes name it
    scratch.mkdir()
    run = nianbao(tmp_path, "parse", path, "--json", "--timeout", "4", env={"TMPDIR": str(scratch)})
    assert "gave up after 4 s" in run.one_line_error(path)
    survivors = _processes_mentioning(str(scratch))
    for line in survivors:  # clean up after a failure: the conversion's processes are ours
        os.kill(int(line.split(":")[0]), signal.SIGKILL)
    assert survivors == [], survivors


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_converter_timeout_kills_the_whole_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CONVERT_TIMEOUT itself (set to 3 s here) on the same RTF: one-line refusal, no survivor."""
    from extract import ExtractError, parse_bytes
    from extract.readers import convert

    monkeypatch.setattr(convert, "CONVERT_TIMEOUT", 3)
    monkeypatch.setattr(convert._convert.retry, "sleep", lambda _s: None)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    started = time.monotonic()
    with pytest.raises(ExtractError, match="timed out after 3 s"):
        parse_bytes(_slow_rtf(20_000), "slow.rtf", name="slow.rtf")
    assert time.monotonic() - started < 60
    assert _processes_mentioning(str(tmp_path)) == []


# --- 6. file names that are not UTF-8 ---------------------------------------------------------------

GBK_NAME = "洪泽区2024年政府信息公开工作年度报告.pdf"


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"examples not found at {EXAMPLES}")
def test_ingest_directory_with_gbk_file_names(tmp_path: Path) -> None:
    """A directory from a Windows zip: the real report under its GBK-encoded name, a broken file
    under another, a UTF-8 name beside them.  `nianbao ingest DIR` reads all three (the broken one
    as unreadable), keeps each URL as the name's real bytes and the name as text, and
    `nianbao parse DIR --json` prints valid UTF-8 JSON lines."""
    import json
    from urllib.parse import unquote_to_bytes

    folder = tmp_path / "zip"
    folder.mkdir()
    good, broken = GBK_NAME.encode("gbk"), "损坏的附件.pdf".encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        good.decode("utf-8")  # the name really is not UTF-8
    shutil.copy(EXAMPLES / "hongze-2024.pdf", os.path.join(os.fsencode(folder), good))
    Path(os.fsdecode(os.path.join(os.fsencode(folder), broken))).write_bytes(b"%PDF-1.4 truncated")
    shutil.copy(EXAMPLES / "shanghai-office-2019.html", folder / "上海.html")

    db = tmp_path / "archive.db"
    run = nianbao(tmp_path, "ingest", folder, "--db", db)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    assert "new=2" in run.stdout and "error=1" in run.stdout, run.stdout
    con = sqlite3.connect(db)
    rows = {unquote_to_bytes(url).rsplit(b"/", 1)[1]: (status, json.loads(hints or "{}").get("file_name"))
            for url, status, hints in con.execute(
                "select r.url, r.extraction_status, c.hints from reports r join captures c on c.id = r.capture_id")}
    assert rows[good] == ("ok", GBK_NAME)
    assert rows[broken] == ("error", "损坏的附件.pdf")
    assert rows["上海.html".encode()][0] == "ok"

    parsed = nianbao(tmp_path, "parse", folder, "--json")
    assert parsed.returncode == 0, parsed.stderr[-2000:]
    sources = [Path(json.loads(line)["source"]).name for line in parsed.stdout.encode("utf-8").splitlines()]
    assert sorted(sources) == sorted([GBK_NAME, "上海.html"])
    assert "损坏的附件.pdf: unreadable PDF" in parsed.stderr


# --- 5. PDF text does not depend on the host's fonts ------------------------------------------------------

READ_PDF = """
import json, sys
from extract.parse import build_report
from extract.readers.pdf import read_pdf
doc = read_pdf(open(sys.argv[1], "rb").read())
report = build_report(doc, "cjk.pdf").to_dict()
print(json.dumps({"text": doc.text(), "report": report}, ensure_ascii=False))
"""
PDFIUM_TEXT = """
import sys
import pypdfium2 as pdfium
pdf = pdfium.PdfDocument(sys.argv[1])
print("".join(c for i in range(len(pdf)) for c in pdf[i].get_textpage().get_text_range() if not c.isspace()))
"""
SYSTEM_FONTS = Path("/usr/share/fonts")


def _hidden_host_fonts(tmp: Path) -> list[str] | None:
    """A command prefix that runs a program with the host's font directories empty (a private mount
    namespace: nothing outside it changes), or None where that cannot be done (not root)."""
    empty = tmp / "no-fonts"
    empty.mkdir(exist_ok=True)
    probe = subprocess.run(["unshare", "--mount", "sh", "-c", f"mount --bind {empty} {SYSTEM_FONTS}"],
                           capture_output=True, check=False) if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        return None
    return ["unshare", "--mount", "sh", "-c", f'mount --bind {empty} {SYSTEM_FONTS} && exec "$@"', "sh"]


def _run_python(prefix: list[str], code: str, *args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run([*prefix, sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=RUN_TIMEOUT, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.fixture(scope="module")
def cjk_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated report set in STSong-Light, a CID font PDFs name without embedding it (no
    ToUnicode either), ruled, with vertical and wrapped labels."""
    import generate

    data = generate.render_pdf(generate.make_spec(7, "2021"))
    assert b"/STSong-Light" in data and b"/FontFile" not in data and b"/ToUnicode" not in data
    path = tmp_path_factory.mktemp("fonts") / "cjk.pdf"
    path.write_bytes(data)
    return path


@pytest.mark.skipif(not any(SYSTEM_FONTS.rglob("*.tt[cf]")), reason="no host fonts to hide")
def test_pdf_text_does_not_depend_on_host_fonts(cjk_pdf: Path, tmp_path: Path) -> None:
    from extract.readers.pdffonts import FONT_DIR

    hidden = _hidden_host_fonts(tmp_path)
    if hidden is None:
        pytest.skip("cannot hide the host's fonts here (unshare --mount needs root)")
    fonts = sorted(p for p in Path(FONT_DIR).iterdir() if p.suffix in (".ttc", ".ttf"))
    assert fonts, f"{FONT_DIR} holds no font: scripts/install-system.sh installs fonts-wqy-zenhei"
    # the dependence is real: PDFium on its own, on a host without CJK fonts, loses characters
    seen = _run_python([], PDFIUM_TEXT, str(cjk_pdf))
    unseen = _run_python(hidden, PDFIUM_TEXT, str(cjk_pdf))
    assert len(unseen) < len(seen), (len(unseen), len(seen))

    # the extractor reads the same, host fonts visible or hidden, from a font directory of its own
    own = tmp_path / "fonts"
    own.mkdir()
    shutil.copy(fonts[0], own / fonts[0].name)
    here = _run_python([], READ_PDF, str(cjk_pdf))
    assert _run_python([], READ_PDF, str(cjk_pdf), env={"NIANBAO_PDF_FONTS": str(own)}) == here
    assert _run_python(hidden, READ_PDF, str(cjk_pdf), env={"NIANBAO_PDF_FONTS": str(own)}) == here
    import json
    from collections import Counter

    read = json.loads(here)
    lost = Counter(seen) - Counter(unseen)  # 三、本年度办理结果 and wrapped header lines, measured
    assert not lost - Counter(read["text"]), "the extractor lost what PDFium loses without CJK fonts"
    assert not [p for p in read["report"]["problems"] if p["kind"] == "fonts_missing"]


def test_missing_pdf_fonts_are_reported(cjk_pdf: Path, tmp_path: Path) -> None:
    """With no font where PDFium is told to look, a PDF relying on unembedded fonts says so."""
    import json

    empty = tmp_path / "empty"
    empty.mkdir()
    read = json.loads(_run_python([], READ_PDF, str(cjk_pdf), env={"NIANBAO_PDF_FONTS": str(empty)}))
    missing = [p for p in read["report"]["problems"] if p["kind"] == "fonts_missing"]
    assert missing and str(empty) in missing[0]["detail"], read["report"]["problems"]


def _split_header(data: bytes, comment: bytes) -> bytes:
    """The file with its first stream object's header ("N 0 obj") split by a comment line."""
    import re

    m = next(m for m in re.finditer(rb"(\d+) 0 obj", data) if b"stream" in data[m.end():m.end() + 400])
    return data[:m.start()] + m.group(1) + b" 0 %" + comment + b"\nobj" + data[m.end():]


def test_a_comment_inside_an_object_header_hides_no_bomb() -> None:
    """PDFium reads `12 0 %note` + newline + `obj` as a header; so does the guard, up to a
    comment of MAX_HEADER_COMMENT bytes, and a longer one is refused outright rather than read
    past: no object hides from the guard behind a comment."""
    from extract.errors import ExtractError
    from extract.readers.pdfstreams import MAX_HEADER_COMMENT, check_streams

    bomb = pdf_form("double_flate", BOMB)
    with pytest.raises(ExtractError, match="decodes past"):
        check_streams(_split_header(bomb, b"a short note"))
    with pytest.raises(ExtractError, match="split by a comment"):
        check_streams(_split_header(bomb, b"x" * (MAX_HEADER_COMMENT + 1)))
    check_streams(_split_header(pdf_form("double_flate", 4096), b"a short note"))  # a small file passes


def test_a_text_encoded_stream_without_line_breaks_keeps_every_object_found() -> None:
    """A scan whose page pictures are ASCII85 text with no line break (as reportlab writes them):
    a `%` in it after a digit read to the line's end from every such digit made the object scan
    quadratic (26 s for a 6 MB scan).  The guard's result is the same, and the comment-bearing
    header search reads at most MAX_HEADER_COMMENT bytes per attempt (bench/bombs.py times it)."""
    import base64

    from extract.readers.pdfstreams import _Objects

    body = base64.a85encode(bytes(range(256)) * 2000)  # no line breaks, digits and % throughout
    assert b"\n" not in body and b"%" in body
    data = (b"%PDF-1.4\n1 0 obj\n<< /Length " + str(len(body)).encode() + b" /Filter /ASCII85Decode >>\nstream\n"
            + body + b"\nendstream\nendobj\n2 0 obj\n<< /Type /Catalog >>\nendobj\n")
    assert sorted(_Objects(data).where) == [1, 2]
