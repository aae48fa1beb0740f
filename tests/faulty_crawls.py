"""Crawls of the faulty demo portals, and what must hold in the archive after any fault.

Shared by the tests of retries, cut downloads, charsets, archive integrity, hostile crawls,
security and crawl health.  Each of them injects one fault (tests/faults.py for the portals; a
real tmpfs, a second SQLite connection or `kill -9` for the archive), then checks the same three
things:

- `PRAGMA integrity_check` and `foreign_key_check` pass;
- no partial report: every report's rows are all there or none (`partial_reports`), and every
  stored capture holds the bytes the server meant to send, or is flagged for the operator;
- the next run, with the fault gone, completes: every published report archived once, read `ok`.

Crawls run in subprocesses against `FaultyDemoServer` in this process (as tests/test_crawl.py
does); the gkmlpt demo portal alone (12 reports: HTML, PDF, DOCX and a text copy, four API
pages) keeps each crawl to a few seconds.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import EXIT_ALL_OK
from faults import FaultyDemoServer

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


def targets(server: FaultyDemoServer) -> dict[str, str]:
    """Regexes for one list page, one detail page that is a report, one PDF attachment (gkmlpt)."""
    w = server.world
    docs = w.column_docs("gkmlpt", "721")[:5]  # listed on API page 1, reached whatever page 2 does
    html = next(d for d in docs if d.form == "html")
    pdf = next(d for d in docs if d.form == "pdf")
    return {"list": r"/gkmlpt/api/all/721\?page=2&", "detail": re.escape(w.detail_path(html)) + "$",
            "attachment": re.escape(w.attachment_path(pdf)) + "$"}
