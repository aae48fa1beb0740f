"""`nianbao demo --no-serve`: the README's first command, end to end and offline."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_demo_builds_the_archive(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    res = subprocess.run([sys.executable, "-c", "from nianbao.cli import main; main()", "demo", "--no-serve",
                          "--db", str(db), "--sites-port", "0"], capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert res.returncode == 0, res.stdout + res.stderr[-3000:]
    assert "76 new" in res.stdout and "ruishu_412=1" in res.stdout
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from reports").fetchone()[0] == 76
    assert con.execute("select count(*) from requests").fetchone()[0] > 5000
    assert con.execute("select count(*) from crawl_runs where finished is not null").fetchone()[0] == 1
