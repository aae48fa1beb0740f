"""The archive under faults: a full disk, a database locked past every retry, `kill -9` during
ingestion — the archive stays sound (integrity, no partial report), the command says so and
exits non-zero, and the next run completes."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXIT_NOT_ALL_OK, last_run
from faulty_crawls import CRAWL_TIMEOUT, GKMLPT, ROOT, complete, crawl, nianbao_cmd, sound

pytestmark = pytest.mark.slow


def report_files(root: Path, n: int) -> list[Path]:
    """n small generated reports (text copies) in `root`, as a directory `nianbao ingest` reads."""
    import generate

    root.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        spec = generate.make_spec(5000 + i, "2021" if i % 2 else "2019")
        path = root / f"report-{i:03d}.txt"
        path.write_bytes(generate.render_text(spec))
        out.append(path)
    return out


def ingest(db: Path, folder: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(nianbao_cmd("ingest", str(folder), "--db", str(db)), capture_output=True, text=True,
                         timeout=CRAWL_TIMEOUT, cwd=ROOT)
    if ok:
        assert res.returncode == 0, res.stdout + res.stderr[-3000:]
    return res


def rows_match_files(db: Path, files: list[Path]) -> None:
    """Each file's report holds exactly the rows the extractor reads from it now (nothing partial)."""
    from extract import parse_bytes

    con = sqlite3.connect(db)
    for path in files:
        url = path.resolve().as_uri()
        row = con.execute("select id from reports where url = ?", [url]).fetchone()
        assert row is not None, f"{path.name} not archived"
        report = parse_bytes(path.read_bytes(), url, name=path.name)
        for table, rows in (("requests", report.requests), ("reviews", report.reviews),
                            ("active_disclosure", report.active_disclosure), ("problems", report.problems)):
            n = con.execute(f"select count(*) from {table} where report_id = ?", [row[0]]).fetchone()[0]
            assert n == len(rows), (path.name, table, n, len(rows))
    assert con.execute("select count(*) from reports").fetchone()[0] == len(files)
    con.close()


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A really small filesystem for the archive: tmpfs if this process may mount, else a loop-mounted
    ext4 image.  Yields (mount point, how); skips when neither can be mounted here."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    how = None
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1600k", "tmpfs", str(mnt)],
                      capture_output=True).returncode == 0:
        how = "tmpfs"
    else:
        image = tmp_path / "disk.img"
        with image.open("wb") as fh:
            fh.truncate(2 * 1024 * 1024)
        if subprocess.run(["mkfs.ext4", "-q", str(image)], capture_output=True).returncode == 0 and \
                subprocess.run(["mount", "-o", "loop", str(image), str(mnt)], capture_output=True).returncode == 0:
            how = "loop"
    if how is None:
        pytest.skip("cannot mount a small filesystem here (not root?)")
    try:
        yield mnt, how
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def make_room(mnt: Path, how: str, tmp_path: Path) -> Path:
    """Give the full archive room, as an operator would; return where the archive now is.  A tmpfs
    grows in place; a loop image cannot, so the archive moves to roomier space."""
    if how == "tmpfs":
        subprocess.run(["mount", "-o", "remount,size=64m", str(mnt)], check=True)
        return mnt / "archive.db"
    for name in os.listdir(mnt):
        shutil.copy(mnt / name, tmp_path / name)
    return tmp_path / "archive.db"


def test_full_disk_during_ingestion(tiny_disk: tuple[Path, str], tmp_path: Path) -> None:
    """The archive's filesystem fills up mid-ingest: the command fails loudly, the file stays sound
    with whole reports only, and once there is room the same command completes the job."""
    mnt, how = tiny_disk
    files = report_files(tmp_path / "reports", 60)
    db = mnt / "archive.db"
    res = ingest(db, tmp_path / "reports", ok=False)
    assert res.returncode != 0
    assert re.search(r"disk is full|No space left|SQLITE_FULL|database or disk is full", res.stdout + res.stderr), \
        res.stderr[-2000:]
    free = shutil.disk_usage(mnt).free
    assert free < 64 * 1024, f"the disk was not full ({free} bytes free)"
    sound(db)
    con = sqlite3.connect(db)
    first = con.execute("select count(*) from reports").fetchone()[0]
    con.close()
    assert 0 < first < len(files)  # some reports made it, the rest did not, none half-way
    db = make_room(mnt, how, tmp_path)
    ingest(db, tmp_path / "reports")
    sound(db)
    rows_match_files(db, files)


def test_full_disk_during_a_crawl_stops_it_loudly(tiny_disk: tuple[Path, str], faulty, tmp_path: Path) -> None:
    """The archive's filesystem fills up mid-crawl: the crawl stops (it would only drop what it
    fetched), says why in one line, exits 1 — never 0 with an empty summary — and leaves whole
    reports only; with room again, the next crawl completes the job."""
    mnt, how = tiny_disk
    server, registry = faulty
    db = mnt / "archive.db"
    res = crawl(registry, db, expect=None, portal=None)
    assert res.returncode == 1, res.stdout + res.stderr[-3000:]
    said = [line for line in res.stdout.splitlines() if "the archive cannot be written" in line]
    assert len(said) == 1 and re.search(r"disk is full|SQLITE_FULL|No space left", said[0]), res.stdout
    assert "crawl run None" not in res.stdout
    sound(db)
    first = sqlite3.connect(db).execute("select count(*) from reports").fetchone()[0]
    db = make_room(mnt, how, tmp_path)
    res = crawl(registry, db, expect=EXIT_NOT_ALL_OK, portal=None)  # the demo's deliberate walls: 4
    sound(db)
    total = sqlite3.connect(db).execute("select count(*) from reports").fetchone()[0]
    assert total == len(server.world.reachable_docs()) > first, (first, total)


def _hold_lock(db: Path, mode: str, seconds: float, started: threading.Event) -> None:
    con = sqlite3.connect(db, timeout=30, isolation_level=None)
    if mode == "exclusive":
        con.execute("begin exclusive")
    else:  # a long reader: a read transaction with a statement in it (Datasette, a backup, an analyst)
        con.execute("begin")
        con.execute("select count(*) from reports").fetchone()
    started.set()
    time.sleep(seconds)
    con.execute("commit")
    con.close()


@pytest.mark.parametrize("mode", ["exclusive", "reader"])
def test_database_locked_during_ingestion(mode: str, tmp_path: Path) -> None:
    """Another connection holds the write lock (8 s, longer than busy_timeout) or a read transaction
    for the whole ingest: the ingest waits or writes beside it, and completes."""
    from archive.schema import open_db

    files = report_files(tmp_path / "reports", 12)
    db = tmp_path / "archive.db"
    open_db(db).close()
    started = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(db, mode, 8.0 if mode == "exclusive" else 6.0, started))
    holder.start()
    assert started.wait(10)
    t0 = time.monotonic()
    ingest(db, tmp_path / "reports")
    took = time.monotonic() - t0
    holder.join()
    if mode == "exclusive":
        assert took >= 6, "the ingest did not wait for the lock"
    sound(db)
    rows_match_files(db, files)


def test_database_locked_during_a_crawl(faulty, tmp_path: Path) -> None:
    """An exclusive lock taken mid-crawl, for longer than the busy timeout: nothing lost, the run ends."""
    server, registry = faulty
    db = tmp_path / "archive.db"
    proc = subprocess.Popen(nianbao_cmd("crawl", "--portals", str(registry), "--db", str(db), "--local",
                                        "--portal", GKMLPT), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)
    started = threading.Event()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(server.hits) < 8:
        time.sleep(0.05)
    holder = threading.Thread(target=_hold_lock, args=(db, "exclusive", 7.0, started))
    holder.start()
    out, err = proc.communicate(timeout=CRAWL_TIMEOUT)
    holder.join()
    assert started.is_set()
    assert proc.returncode == 0, out + err[-4000:]
    assert "Traceback" not in err and "database is locked" not in err, err[-4000:]
    sound(db)
    complete(db, server)
    run = last_run(db)
    assert run["finished"] and run["new_reports"] == 12
    assert run["notes"]["elapsed"] >= 5, "the crawl never met the lock"  # it waited for it instead of failing


def test_kill_9_during_ingestion(tmp_path: Path) -> None:
    """`kill -9` at three moments of one ingest (resumed each time): after each, the file is sound and
    holds whole reports only; the last run completes with every report once."""
    files = report_files(tmp_path / "reports", 40)
    db = tmp_path / "archive.db"
    seen = []
    for wait_for in (3, 12, 25):
        proc = subprocess.Popen(nianbao_cmd("ingest", str(tmp_path / "reports"), "--db", str(db)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        deadline = time.monotonic() + 60
        n = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
                n = con.execute("select count(*) from reports").fetchone()[0]
                con.close()
            except sqlite3.Error:
                n = 0
            if n >= wait_for:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the ingest ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        sound(db)
        con = sqlite3.connect(db)
        seen.append(con.execute("select count(*) from reports").fetchone()[0])
        con.close()
    assert seen == sorted(seen) and 0 < seen[-1] < len(files)
    ingest(db, tmp_path / "reports")
    sound(db)
    rows_match_files(db, files)
