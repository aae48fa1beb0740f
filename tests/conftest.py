"""Shared fixtures: the real example reports in ../shared/examples (beside this checkout)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

EXAMPLES = Path(os.environ.get("NIANBAO_EXAMPLES", ROOT.parent / "shared" / "examples"))
# One OCR thread per engine in the tests (inherited by the crawls they start): they run two at a
# time on two cores, beside the crawl processes, where a second thread only spins
# (extract/readers/ocr.py).  A run that sets the variable keeps its own.
os.environ.setdefault("NIANBAO_OCR_THREADS", "1")


def free_port() -> int:
    """A port nothing listens on now, on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nianbao_cmd(*args: str) -> list[str]:
    """`nianbao ARGS` as a subprocess of this interpreter (the checkout under test, not a PATH entry)."""
    return [sys.executable, "-c", "from nianbao.cli import main; main()", *args]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server of the session's own: a free loopback port, a temp dir, no persistence."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed (scripts/install-system.sh)")
    import redis

    work = tmp_path_factory.mktemp("redis")
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(work),
                             "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def example_names() -> list[str]:
    if not EXAMPLES.is_dir():
        return []
    return sorted(p.name[: -len(".expected.json")] for p in EXAMPLES.glob("*.expected.json"))


def example_source(name: str) -> Path:
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return EXAMPLES / expected.get("seed", name)


# The whole demo, clean: what its deliberate walls cost (nianbao/demo/): the TRS district's
# 2019 column is behind a Ruishu 412 wall; challenge pages stand behind Hanweb and GBK entries.
DEMO_STATUSES = {"演示·东城区（TRS）": "incomplete", "演示·江北区（大汉）": "degraded",
                 "演示·朝阳区（GBK 自建）": "degraded", "演示·坪山区（gkmlpt）": "ok"}
EXIT_ALL_OK, EXIT_NOT_ALL_OK = 0, 4  # crawler/health.py EXIT_CODES
DEMO_EXIT = EXIT_NOT_ALL_OK  # the whole demo is never all ok: its walls are deliberate


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    """Fresh demo portals with an empty fault plan (tests/faults.py), and their registry file."""
    from faults import FaultPlan, FaultyDemoServer

    from nianbao.demo import DemoWorld

    server = FaultyDemoServer(DemoWorld(), FaultPlan()).start()
    registry = tmp_path / "portals.yml"
    registry.write_text(server.registry_yaml(), encoding="utf-8")
    try:
        yield server, registry
    finally:
        server.stop()


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


def pytest_collection_modifyitems(items: list) -> None:
    """Cases marked `first` (the OCR table chunks, minutes each) before every other: xdist hands
    out tests in collection order, and a minutes-long case collected late kept one worker busy
    alone at the end of the run while the other had nothing left (about 4 of the suite's 17 minutes)."""
    items.sort(key=lambda item: item.get_closest_marker("first") is None)
