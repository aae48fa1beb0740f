"""The crawler's extractor process: reads what the archive would read, and loses no document when
its process dies (killed from outside, or by the document itself)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from test_archive import content

from archive.captures import Fetch
from archive.schema import open_db
from archive.write import Hints, ingest_bytes
from crawler.pipelines.extraction import Extracted, Extractor, extract_capture
from extract.body import report_body
from extract.bounded import parse_bytes_bounded
from nianbao.synthetic import balanced, render_series_text

DEADLY = b"this document kills the process that reads it"


def die_on_deadly(data: bytes, url: str, name: str | None, hints: Hints, timeout: float,
                  pictures: dict[str, bytes] | None = None) -> Extracted:
    """Fault injection, run in the child: the real extraction, except that one document makes
    the process exit at once, as a crash in a C reader or the OOM killer would."""
    if data == DEADLY:
        os._exit(70)
    return extract_capture(data, url, name, hints, timeout, pictures)


class Stats:
    """The one StatsCollector method the extractor calls."""

    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] += count


def report_text(seed: int = 0) -> bytes:
    return render_series_text(balanced("北京市海淀区人民政府", 2020, seed))


def test_the_child_reads_what_the_archive_reads(examples_dir: Path) -> None:
    hints = Hints(title="某区2020年政府信息公开工作年度报告")
    files = [examples_dir / "hongze-2024.pdf", examples_dir / "shanghai-office-2019.html"]

    async def run(extractor: Extractor) -> list[Extracted]:
        try:
            return [await extractor.extract(f.read_bytes(), f.as_uri(), f.name, hints) for f in files]
        finally:
            extractor.close()

    for extractor in (Extractor(processes=1), Extractor(processes=0)):  # a child process; a thread
        for f, got in zip(files, asyncio.run(run(extractor)), strict=True):
            want = parse_bytes_bounded(f.read_bytes(), f.as_uri(), f.name, hints.for_parser())
            assert got.error is None and got.report is not None
            assert got.report.to_dict() == want.to_dict()
            assert got.report.extras["body"] == report_body(want) and len(got.report.extras["body"]) > 200
            assert "document" not in got.report.extras  # the in-memory document stays in the child


def test_a_report_read_in_the_child_is_archived_as_one_read_here(tmp_path: Path, examples_dir: Path) -> None:
    """Body text made in the extractor process: the archive ends up the same, search index included."""
    hints = Hints(title="某区2020年政府信息公开工作年度报告", province="北京市")
    here, there = open_db(tmp_path / "here.db"), open_db(tmp_path / "there.db")
    for f in sorted(examples_dir.glob("*.*")):
        if f.name.endswith(".json") or f.name == "README.md":
            continue
        fetch = Fetch(url=f.as_uri(), fetched_at="2026-01-01T00:00:00+00:00")
        ingest_bytes(here, f.read_bytes(), fetch, hints, name=f.name)
        extracted = extract_capture(f.read_bytes(), f.as_uri(), f.name, hints)
        ingest_bytes(there, f.read_bytes(), fetch, hints, name=f.name, report=extracted.report, error=extracted.error)
    assert here.execute("select count(*) from report_search_docsize").fetchone() == (4,)
    assert content(there) == content(here)


def test_an_unreadable_document_comes_back_as_its_error() -> None:
    async def run() -> Extracted:
        extractor = Extractor(processes=1)
        try:
            return await extractor.extract(b"%PDF-1.7 truncated", "http://a/x.pdf", "x.pdf", Hints())
        finally:
            extractor.close()

    got = asyncio.run(run())
    assert got.report is None and got.error
    assert got.error == extract_capture(b"%PDF-1.7 truncated", "http://a/x.pdf", "x.pdf", Hints()).error


def test_a_killed_child_is_replaced_and_its_documents_read() -> None:
    stats = Stats()

    async def run() -> list[Extracted]:
        extractor = Extractor(processes=1, stats=stats)
        try:
            first = await extractor.extract(report_text(1), "http://a/1.txt", "1.txt", Hints())
            for child in multiprocessing.active_children():  # the pool's worker: killed from outside
                os.kill(child.pid, signal.SIGKILL)
            rest = await asyncio.gather(*(extractor.extract(report_text(n), f"http://a/{n}.txt", f"{n}.txt", Hints())
                                          for n in (2, 3)))
            return [first, *rest]
        finally:
            extractor.close()

    got = asyncio.run(run())
    assert [g.error for g in got] == [None, None, None]
    assert [g.report.agency for g in got] == ["北京市海淀区人民政府"] * 3  # type: ignore[union-attr]
    assert stats.values["nianbao/extract/process_died"] == 1
    assert stats.values["nianbao/extract/killed_process"] == 0


def test_a_document_that_kills_its_process_is_recorded_and_the_others_read() -> None:
    stats = Stats()

    async def run() -> list[Extracted]:
        extractor = Extractor(processes=1, stats=stats, fn=die_on_deadly)
        try:
            docs = [report_text(1), DEADLY, report_text(2)]
            got = await asyncio.gather(*(extractor.extract(d, f"http://a/{i}.txt", f"{i}.txt", Hints())
                                         for i, d in enumerate(docs)))
            after = await extractor.extract(report_text(3), "http://a/3.txt", "3.txt", Hints())  # a new pool
            return [*got, after]
        finally:
            extractor.close()

    got = asyncio.run(run())
    assert got[1].report is None and "process died" in (got[1].error or "")
    assert [g.error for i, g in enumerate(got) if i != 1] == [None, None, None]
    assert stats.values["nianbao/extract/killed_process"] == 1
    assert stats.values["nianbao/extract/process_died"] == 1


PARENT = """
import asyncio, multiprocessing, sys, time
from archive.write import Hints
from crawler.pipelines.extraction import Extractor
extractor = Extractor(processes=1)
got = asyncio.run(extractor.extract(sys.argv[1].encode(), "http://a/1.txt", "1.txt", Hints()))
print(got.error, *[c.pid for c in multiprocessing.active_children()], flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended; reaping it is its new parent's business


def test_the_extractor_process_ends_when_the_crawl_is_killed() -> None:
    """kill -9 of a crawl must not leave its extractor process behind, waiting forever."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT, report_text(1).decode("utf-8")],
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    try:
        error, *children = parent.stdout.readline().split()  # type: ignore[union-attr]
        assert error == "None" and len(children) == 1
        child = int(children[0])
        assert alive(child)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)
