"""Cut downloads: a body shorter than its declared length is stored flagged, never as a whole
report, and the next run repairs it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import EXIT_ALL_OK, EXIT_NOT_ALL_OK, last_run
from faults import Fault
from faulty_crawls import GKMLPT, complete, crawl, sound, untrue_captures

pytestmark = pytest.mark.slow


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
