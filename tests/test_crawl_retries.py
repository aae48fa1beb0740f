"""Retries: a dropped, stalled or cut connection and a transient 500 are retried, lose nothing,
and the next run completes (faults injected by tests/faults.py; checks in faulty_crawls.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXIT_NOT_ALL_OK, last_run
from faults import Fault
from faulty_crawls import GKMLPT, archived, complete, crawl, expected_reports, sound, targets, untrue_captures

pytestmark = pytest.mark.slow


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
