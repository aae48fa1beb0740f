"""Fault injection: the network, the portals and the disk misbehave; the archive loses and corrupts nothing.

Each test injects one fault (tests/faults.py for the portals; a real tmpfs, a second
SQLite connection or `kill -9` for the archive), then checks the same three things:

- `PRAGMA integrity_check` and `foreign_key_check` pass;
- no partial report: every report's rows are all there or none (`partial_reports`), and every
  stored capture holds the bytes the server meant to send, or is flagged for the operator;
- the next run, with the fault gone, completes: every published report archived once, read `ok`.

Crawls run in subprocesses against `FaultyDemoServer` in this process (as tests/test_crawl.py
does); the gkmlpt demo portal alone (12 reports: HTML, PDF, DOCX and a text copy, four API
pages) keeps each crawl to a few seconds.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXIT_ALL_OK, EXIT_NOT_ALL_OK, last_run
from faults import Fault, FaultyDemoServer

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
GKMLPT = "演示·坪山区（gkmlpt）"
CRAWL_TIMEOUT = 120  # a hang fails the test instead of stalling the suite


# --- running crawls ----------------------------------------------------------------------------------

def nianbao_cmd(*args: str) -> list[str]:
    return [sys.executable, "-c", "from nianbao.cli import main; main()", *args]


def crawl(registry: Path, db: Path, *extra: str, cwd: Path = ROOT, portal: str | None = GKMLPT,
          expect: int | None = EXIT_ALL_OK) -> subprocess.CompletedProcess[str]:
    """One `nianbao crawl --local` in a subprocess; asserts its exit status (0: every portal ok,
    4: finished with a portal not ok) unless expect is None."""
    args = ["crawl", "--portals", str(registry), "--db", str(db), "--local", *extra]
    if portal:
        args += ["--portal", portal]
    res = subprocess.run(nianbao_cmd(*args), capture_output=True, text=True, timeout=CRAWL_TIMEOUT, cwd=cwd)
    if expect is not None:
        assert res.returncode == expect, res.stdout + res.stderr[-4000:]
    return res


# --- what must hold after any fault ------------------------------------------------------------------

def integrity(db: Path) -> None:
    con = sqlite3.connect(db)
    try:
        assert con.execute("pragma integrity_check").fetchall() == [("ok",)]
        assert con.execute("pragma foreign_key_check").fetchall() == []
    finally:
        con.close()


def partial_reports(db: Path) -> list[str]:
    """Every way a report could be half-written; [] when each report's rows are all there or none.

    The reports row, its long-form rows, figures, search terms, version and capture are written in
    one transaction, so their counts agree with each other or the transaction was torn."""
    con = sqlite3.connect(db)
    bad: list[str] = []
    for rid, version, capture_id, status, dup, problems, failed in con.execute(
            "select id, version, capture_id, extraction_status, duplicate_of, problems, checks_failed from reports"):
        if not con.execute("select 1 from report_versions where report_id = ?", [rid]).fetchone():
            bad.append(f"report {rid}: no version")
        if status is None:
            bad.append(f"report {rid}: never written (no extraction status)")
            continue
        cap = con.execute("select c.sha256, b.sha256 from captures c left join capture_blobs b on b.sha256 = c.sha256 "
                          "where c.id = ?", [capture_id]).fetchone()
        if cap is None or cap[1] is None:
            bad.append(f"report {rid}: capture {capture_id} or its bytes missing")
        if not con.execute("select 1 from report_versions where report_id = ? and version = ? and capture_id = ?",
                           [rid, version, capture_id]).fetchone():
            bad.append(f"report {rid}: version {version} does not point at capture {capture_id}")
        n_problems = con.execute("select count(*) from problems where report_id = ?", [rid]).fetchone()[0]
        if dup is None and n_problems != problems:
            bad.append(f"report {rid}: {n_problems} problem rows, reports.problems says {problems}")
        n_failed = con.execute("select count(*) from checks where report_id = ? and status = 'fail'",
                               [rid]).fetchone()[0]
        if dup is None and n_failed != failed:
            bad.append(f"report {rid}: {n_failed} failed checks, reports.checks_failed says {failed}")
        if status != "error" and dup is None:
            for table, key in (("report_figures", "report_id"), ("report_search_docsize", "id")):
                if not con.execute(f"select 1 from {table} where {key} = ?", [rid]).fetchone():
                    bad.append(f"report {rid}: no {table} row")
        if status == "ok" and dup is None and not con.execute("select 1 from requests where report_id = ?", [rid]).fetchone():
            bad.append(f"report {rid}: status ok but no table-3 rows")
    for cid, rid in con.execute("select id, report_id from captures where status in ('parsed', 'extract_error')"):
        if rid is None:
            bad.append(f"capture {cid}: parsed but attached to no report")
    con.close()
    return bad


def sound(db: Path) -> None:
    integrity(db)
    assert partial_reports(db) == []


def untrue_captures(db: Path, server: FaultyDemoServer) -> list[tuple[int, str, str, str | None]]:
    """Captures whose bytes differ from what the server meant to send: (id, url, status, report status)."""
    con = sqlite3.connect(db)
    out = []
    for cid, url, sha, status, rstatus in con.execute(
            "select c.id, c.url, c.sha256, c.status, r.extraction_status from captures c "
            "left join reports r on r.capture_id = c.id where c.url like 'http%'"):
        data = blob(con, sha)
        code, want = server.expected_body(url)
        if code != 200 or data != want:
            out.append((cid, url, status, rstatus))
    con.close()
    return out


def blob(con: sqlite3.Connection, sha: str) -> bytes:
    """A capture's raw bytes, read the way docs/schema.md tells a researcher to."""
    import gzip

    compression, data = con.execute("select compression, data from capture_blobs where sha256 = ?", [sha]).fetchone()
    return gzip.decompress(data) if compression == "gzip" else bytes(data)


def expected_reports(server: FaultyDemoServer, site: str = "gkmlpt") -> set[str]:
    w = server.world
    return {server.url(d.site, w.report_path(d)) for d in w.reachable_docs() if d.site == site}


def archived(db: Path) -> dict[str, str]:
    con = sqlite3.connect(db)
    rows = dict(con.execute("select url, extraction_status from reports"))
    assert len(rows) == con.execute("select count(*) from reports").fetchone()[0]  # url is unique
    return rows


def complete(db: Path, server: FaultyDemoServer, site: str = "gkmlpt") -> None:
    """Every published report of `site` archived once, read as the clean crawl reads it, true bytes."""
    got = archived(db)
    want = expected_reports(server, site)
    assert set(got) == want
    w = server.world
    image = {server.url(d.site, w.report_path(d)) for d in w.docs if d.form == "image"}
    assert {u: s for u, s in got.items() if s != ("image_only" if u in image else "ok")} == {}
    con = sqlite3.connect(db)
    current = {cid for (cid,) in con.execute("select capture_id from reports")}
    bad = [c for c in untrue_captures(db, server) if c[0] in current]
    assert bad == [], "a report's current capture is not the bytes the server sent"


# --- network faults ------------------------------------------------------------------------------------

def targets(server: FaultyDemoServer) -> dict[str, str]:
    """Regexes for one list page, one detail page that is a report, one PDF attachment (gkmlpt)."""
    w = server.world
    docs = w.column_docs("gkmlpt", "721")[:5]  # listed on API page 1, reached whatever page 2 does
    html = next(d for d in docs if d.form == "html")
    pdf = next(d for d in docs if d.form == "pdf")
    return {"list": r"/gkmlpt/api/all/721\?page=2&", "detail": re.escape(w.detail_path(html)) + "$",
            "attachment": re.escape(w.attachment_path(pdf)) + "$"}


NETWORK = {
    # kind: (fault keyword arguments, which targets)
    "drop": ({}, ("list", "detail", "attachment")),
    "stall": ({"seconds": 3.0}, ("list", "attachment")),  # DOWNLOAD_TIMEOUT is 1 s below
    "status_503_retry_after": ({"status": 503, "retry_after": 1}, ("list", "detail", "attachment")),
    "status_500": ({"status": 500}, ("detail", "attachment")),
    "truncate": ({}, ("list", "detail", "attachment")),
    "length_over": ({}, ("list", "detail", "attachment")),
}


@pytest.mark.parametrize("name", list(NETWORK))
def test_network_fault_loses_nothing_and_the_next_run_completes(name: str, faulty, tmp_path: Path) -> None:
    """Persistent for the whole first run (more failures than RETRY_TIMES): the run finishes, stores no
    corrupt byte, tells the operator; the second run, fault gone, archives everything."""
    server, registry = faulty
    kwargs, where = NETWORK[name]
    kind = name.split("_")[0] if name.startswith("status") else name
    t = targets(server)
    server.plan.add(*[Fault(kind, site="gkmlpt", path=t[w], **kwargs) for w in where])
    db = tmp_path / "archive.db"
    crawl(registry, db, "-s", "DOWNLOAD_TIMEOUT=1", expect=EXIT_NOT_ALL_OK)
    assert server.plan.count(kind) >= 4 * len(where)  # first try + RETRY_TIMES retries, per target
    sound(db)
    assert untrue_captures(db, server) == []  # nothing cut, nothing from an error page, was stored
    run = last_run(db)
    health = run["portal_health"][GKMLPT]
    assert health["errors"], health  # the operator sees what failed
    got = archived(db)
    missed = expected_reports(server) - set(got)
    assert missed, "the fault cost nothing: it was not injected where it matters"
    if "list" in where:
        assert health["list_errors"] >= 1  # this walk is not complete: the next one must not stop early
        assert health["status"] == "incomplete", health
    else:
        assert health["status"] == "degraded" and health["outcomes"]["failed"] >= 1, health
    if kind == "status" and kwargs.get("retry_after"):
        assert run["notes"]["elapsed"] >= 3  # 3 retries, each after the server's Retry-After: 1

    server.plan.clear()
    second = crawl(registry, db, "-s", "DOWNLOAD_TIMEOUT=1")
    sound(db)
    complete(db, server)
    assert last_run(db)["new_reports"] == len(missed), second.stdout


def test_transient_500_is_retried_within_the_run(faulty, tmp_path: Path) -> None:
    """Two 500s then a good answer (RETRY_TIMES is 3): archived in the same run, waited for."""
    server, registry = faulty
    t = targets(server)
    server.plan.add(Fault("status", site="gkmlpt", path=t["detail"], status=500, times=2),
                    Fault("drop", site="gkmlpt", path=t["attachment"], times=1))
    db = tmp_path / "archive.db"
    crawl(registry, db)
    assert server.plan.count("status") == 2 and server.plan.count("drop") == 1
    sound(db)
    complete(db, server)


def test_lying_charset_header_is_not_believed(faulty, tmp_path: Path) -> None:
    """Every gkmlpt detail page re-encoded as GBK while its header and its <meta> say utf-8."""
    server, registry = faulty
    server.plan.add(Fault("lying_charset", site="gkmlpt", path=r"/gkmlpt/content/.*\.html$"))
    db = tmp_path / "archive.db"
    crawl(registry, db)
    assert server.plan.count("lying_charset") >= 12
    sound(db)
    complete(db, server)  # includes: every capture is the GBK bytes that were served
    con = sqlite3.connect(db)
    w = server.world
    for doc in (d for d in w.docs if d.site == "gkmlpt"):
        url = server.url("gkmlpt", w.report_path(doc))
        title, agency, body = con.execute("select title, agency, coalesce(body, '') from reports where url = ?",
                                          [url]).fetchone()
        assert title == doc.title
        assert "\ufffd" not in title + (agency or "") + body
    pages = con.execute("select count(*) from captures where url like '%/gkmlpt/content/%' and encoding is not null "
                        "and lower(encoding) not in ('gb18030', 'gbk')").fetchone()[0]
    assert pages == 0  # the encoding recorded with each page is the one that read it


def test_short_content_length_truncates_silently_and_the_next_run_repairs(faulty, tmp_path: Path) -> None:
    """A Content-Length half the body's size: the client cannot tell, and keeps half a file.  Every such
    capture must be flagged (unreadable, or read without its tables) and fetched again next run."""
    server, registry = faulty
    server.plan.add(Fault("length_under", site="gkmlpt", path=r"/attachment/"))
    db = tmp_path / "archive.db"
    res = crawl(registry, db, expect=None)
    sound(db)
    cut = untrue_captures(db, server)
    assert cut, "no truncated capture: the fault was not injected"
    for cid, url, status, rstatus in cut:
        assert status == "extract_error" or rstatus == "tables_not_found", (cid, url, status, rstatus)
    unreadable = sum(status == "extract_error" for _, _, status, _ in cut)
    health = last_run(db)["portal_health"][GKMLPT]
    assert health["extract_errors"] == unreadable  # a file that could not be read is never called ok
    assert (res.returncode, health["status"]) == ((EXIT_NOT_ALL_OK, "degraded") if unreadable else (EXIT_ALL_OK, "ok"))
    con = sqlite3.connect(db)
    flagged = con.execute("select count(*) from crawl_urls where status = 'suspect'").fetchone()[0]
    assert flagged >= len(cut)
    server.plan.clear()
    crawl(registry, db)
    sound(db)
    complete(db, server)  # the flagged captures were fetched again, whole, though the list had not changed
    assert last_run(db)["changed_reports"] == len(cut)


# --- the archive under faults ---------------------------------------------------------------------------

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
