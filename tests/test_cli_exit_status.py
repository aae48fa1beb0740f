"""A command that achieved nothing exits non-zero: `parse`, `ingest` and `reextract` on inputs that
hold no report.  (`crawl`'s exit codes are tested in test_crawl_health.py.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import generate
import pytest

from extract import parse_file
from extract.parse import not_a_report

ROOT = Path(__file__).resolve().parent.parent
NOT_REPORTS = {
    "note.txt": "今天天气很好。我们去公园散步。\n这是一个普通的文本文件。\n",
    "news.html": "<html><head><title>区政府召开常务会议</title></head><body><p>会议研究了有关工作。</p></body></html>",
}


def nianbao(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from nianbao.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.fixture
def not_reports(tmp_path: Path) -> Path:
    folder = tmp_path / "not-reports"
    folder.mkdir()
    for name, text in NOT_REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_file_that_is_no_report_is_said_to_be_none(not_reports: Path) -> None:
    for name in NOT_REPORTS:
        res = nianbao("parse", str(not_reports / name))
        assert res.returncode == 2, res.stdout
        assert res.stderr.strip().splitlines() == [f"nianbao parse: {not_reports / name}: not a report "
                                                   "(no report title, year, table or picture in it)"]


def test_a_report_is_a_report(tmp_path: Path, examples_dir: Path) -> None:
    """The rule never refuses a real report, nor a generated one in any form, nor a narrative-only one."""
    for path in sorted(examples_dir.iterdir()):
        if path.suffix in (".pdf", ".html", ".txt"):
            assert not_a_report(parse_file(path)) is None, path
    narrative = tmp_path / "narrative.txt"
    narrative.write_text("某区人民政府2023年政府信息公开工作年度报告\n一、总体情况\n本年度无相关数据。\n", encoding="utf-8")
    assert not_a_report(parse_file(narrative)) is None
    spec = generate.make_spec(42, "2021")
    text = tmp_path / "generated.txt"
    text.write_bytes(generate.render_text(spec))
    assert not_a_report(parse_file(text)) is None


def test_parse_dir_with_no_report_exits_1(not_reports: Path) -> None:
    res = nianbao("parse", str(not_reports))
    assert res.returncode == 1, res.stdout + res.stderr
    assert "reports read: 0 of 2 files" in res.stdout
    assert sum(line.startswith("not a report: ") for line in res.stdout.splitlines()) == 2


def test_parse_dir_with_one_report_exits_0(not_reports: Path, examples_dir: Path) -> None:
    (not_reports / "report.html").write_bytes((examples_dir / "shanghai-office-2019.html").read_bytes())
    res = nianbao("parse", str(not_reports))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "reports read: 1 of 3 files" in res.stdout


def test_ingest_that_reads_nothing_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "in"
    broken.mkdir()
    (broken / "a.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (broken / "b.docx").write_bytes(b"PK\x03\x04 not a zip")
    res = nianbao("ingest", str(broken), "--db", str(tmp_path / "a.db"))
    assert res.returncode == 1, res.stdout + res.stderr
    assert "no report read (2 files, 2 unreadable)" in res.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    res = nianbao("ingest", str(empty), "--db", str(tmp_path / "a.db"))
    assert res.returncode == 1 and "no report read (0 files" in res.stderr


def test_reextract_of_an_empty_archive_exits_1_and_nothing_pending_is_fine(tmp_path: Path,
                                                                            examples_dir: Path) -> None:
    db = tmp_path / "a.db"
    res = nianbao("reextract", "--db", str(db))
    assert res.returncode == 1 and "no report read (0 reports" in res.stderr, res.stdout + res.stderr
    assert nianbao("ingest", str(examples_dir / "hongze-2024.pdf"), "--db", str(db)).returncode == 0
    res = nianbao("reextract", "--pending", "--db", str(db))
    assert res.returncode == 0 and "nothing pending" in res.stdout, res.stdout + res.stderr
    res = nianbao("reextract", "--db", str(db))
    assert res.returncode == 0 and "reextracted=1" in res.stdout, res.stdout + res.stderr
