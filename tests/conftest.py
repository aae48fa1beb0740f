"""Shared fixtures: the real example reports in ../shared/examples (beside this checkout)."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

EXAMPLES = Path(os.environ.get("NIANBAO_EXAMPLES", ROOT.parent / "shared" / "examples"))


def example_names() -> list[str]:
    if not EXAMPLES.is_dir():
        return []
    return sorted(p.name[: -len(".expected.json")] for p in EXAMPLES.glob("*.expected.json"))


def example_source(name: str) -> Path:
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return EXAMPLES / expected.get("seed", name)


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    if not EXAMPLES.is_dir():
        pytest.skip(f"examples not found at {EXAMPLES}")
    return EXAMPLES


def last_run(db: Path) -> dict:
    """The archive's newest `crawl_runs` row, its JSON columns decoded: what every crawl test reads."""
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    row = dict(con.execute("select * from crawl_runs order by id desc limit 1").fetchone())
    con.close()
    for key in ("blocked", "portal_health", "notes", "errors"):
        row[key] = json.loads(row[key] or "{}")
    return row
