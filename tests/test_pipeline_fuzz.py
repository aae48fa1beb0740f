"""Fuzzing the whole pipeline: crawler response → capture → extractor → archive.

tests/test_parse_any_input.py shows that the extractor alone survives any bytes.  Here mutated real
and generated reports (its `mutated` strategy) travel the rest of the way:

- served by the demo portals in place of published reports (a portal replacing a report by a
  broken file), crawled with `--full` into an archive that already holds the good versions;
- fed straight into `archive.write.ingest_bytes`, as new reports and as new versions of good ones.

Asserted every time: no crash and no hang (a subprocess timeout / an alarm), every stored capture
holds exactly the bytes served, every unreadable input is visible to an operator (capture
`extract_error` with its reason, a `problems` row, the run's error count), and nothing already
archived is damaged (integrity_check; the good rows of each report are still its rows, or are
kept in its superseded version).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import last_run
from faults import Fault, FaultPlan, FaultyDemoServer
from faulty_crawls import GKMLPT, crawl, sound, untrue_captures
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from malformed import FUZZ, _no_hang, examples, mutated, needs_examples, seed_bytes

from nianbao.demo import DemoWorld

pytestmark = pytest.mark.slow


def rows(con: sqlite3.Connection, report_id: int) -> dict[str, list[tuple]]:
    """A report's derived rows, comparable across runs (in the order they were written)."""
    out = {}
    for table in ("active_disclosure", "requests", "reviews", "problems"):
        cur = con.execute(f"select * from {table} where report_id = ? order by rowid", [report_id])
        out[table] = [tuple(r) for r in cur]
    out["checks"] = [tuple(r) for r in con.execute(
        "select * from checks where report_id = ? and rule != 'carry_over' order by rowid", [report_id])]
    return out


def superseded_matches(con: sqlite3.Connection, report_id: int, version: int, before: dict[str, list[tuple]]) -> bool:
    """The superseded JSON of `version` holds the same rows as `before` (compared by values)."""
    raw = con.execute("select superseded from report_versions where report_id = ? and version = ?",
                      [report_id, version]).fetchone()
    if raw is None or raw[0] is None:
        return False
    kept = json.loads(raw[0])
    for table in ("active_disclosure", "requests", "reviews", "problems"):
        if len(kept[table]) != len(before[table]):
            return False
        for old, new in zip(before[table], kept[table], strict=True):
            if [v for v in old[1:]] != list(new.values()):
                return False
    return True


# --- through a crawl ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The gkmlpt demo portal crawled once, cleanly: the archive every fuzz example starts from."""
    root = tmp_path_factory.mktemp("fuzz-crawl")
    server = FaultyDemoServer(DemoWorld(), FaultPlan()).start()
    registry = root / "portals.yml"
    registry.write_text(server.registry_yaml(), encoding="utf-8")
    db = root / "baseline.db"
    crawl(registry, db)
    con = sqlite3.connect(db)
    good = {url: (rid, version, rows(con, rid)) for rid, url, version in con.execute("select id, url, version from reports")}
    con.execute("pragma wal_checkpoint(truncate)")
    con.close()
    w = server.world
    docs = w.column_docs("gkmlpt", "721")
    victims = [next(d for d in docs if d.form == form) for form in ("html", "pdf", "docx")] + \
              [d for d in docs if d.form == "txt"]
    try:
        yield {"server": server, "registry": registry, "db": db, "good": good, "victims": victims}
    finally:
        server.stop()


@settings(max_examples=examples(3), derandomize=True, phases=[Phase.explicit, Phase.generate], **FUZZ)
@given(data=st.data())
def test_mutated_reports_served_and_crawled(baseline: dict[str, Any], data: st.DataObject) -> None:
    server: FaultyDemoServer = baseline["server"]
    w = server.world
    plan = server.plan
    plan.clear()
    plan.epoch += 1
    mutated_urls: dict[str, bytes] = {}
    for doc in baseline["victims"]:
        path = w.report_path(doc)
        url = server.url("gkmlpt", path)
        original = server.expected_body(url)[1]
        bad = data.draw(mutated(original, max_ops=4), label=path)
        if bad == original:
            bad += b"\x00"
        mutated_urls[url] = bad
        plan.add(Fault("mutate", site="gkmlpt", path=path.replace(".", r"\.") + "$", mutate=lambda _b, x=bad: x))
    work = Path(tempfile.mkdtemp(prefix="nianbao-fuzz-"))
    try:
        db = work / "archive.db"
        shutil.copy(baseline["db"], db)
        res = crawl(baseline["registry"], db, "--full", expect=None)  # a hang hits the subprocess timeout
        sound(db)
        run = last_run(db)
        con = sqlite3.connect(db)
        assert [c for c in untrue_captures(db, server) if _in_run(con, c[0], run["id"])] == []
        errors = 0
        for url, (rid, version, good) in baseline["good"].items():
            now = rows(con, rid)
            if url not in mutated_urls:
                assert now == good, f"{url}: a report nobody touched changed"
                continue
            cap = con.execute("select id, status, error, sha256 from captures where url = ? and crawl_run_id = ? "
                              "order by id desc limit 1", [url, run["id"]]).fetchone()
            if cap is None:  # not stored: the page was classified hostile, and that was recorded
                status = con.execute("select status from crawl_urls where url = ?", [url]).fetchone()[0]
                assert status.startswith("blocked:"), (url, status)
                assert now == good
                continue
            assert cap[3] == hashlib.sha256(mutated_urls[url]).hexdigest()
            if cap[1] == "extract_error":
                errors += 1
                assert cap[2], "an unreadable capture without its reason"
                assert now == good, f"{url}: a failed version damaged the good rows"
                assert con.execute("select status, error from report_versions where capture_id = ?",
                                   [cap[0]]).fetchone()[0] == "error"
            else:
                assert cap[1] == "parsed", cap
                assert superseded_matches(con, rid, version, good), f"{url}: the replaced rows were not kept"
        assert run["errors"].get("reports/error", 0) == errors
        blocked = con.execute("select count(*) from crawl_urls where status like 'blocked:%' and crawl_run_id = ?",
                              [run["id"]]).fetchone()[0]
        health = run["portal_health"][GKMLPT]
        # an unreadable or blocked mutant is never called ok; a run of readable mutants is
        assert (res.returncode, health["status"] == "ok") == ((4, False) if errors or blocked else (0, True)), health
        con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _in_run(con: sqlite3.Connection, capture_id: int, run_id: int) -> bool:
    return con.execute("select crawl_run_id from captures where id = ?", [capture_id]).fetchone()[0] == run_id


# --- straight into ingest_bytes ---------------------------------------------------------------------------

SEEDS = ("txt", "html", "pdf", "docx")


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from archive.captures import Fetch
    from archive.schema import open_db
    from archive.write import ingest_bytes

    db = open_db(tmp_path_factory.mktemp("fuzz-ingest") / "archive.db")
    for fmt in SEEDS:
        outcome = ingest_bytes(db, seed_bytes(fmt), Fetch(url=f"http://seed.example/{fmt}", fetched_at="2026-01-01"),
                               name=f"report.{fmt}")
        assert outcome.status in ("new", "duplicate")  # the DOCX seed is the HTML seed's report
    yield db
    db.close()


def _all_rows_digest(con: sqlite3.Connection, skip: int | None) -> str:
    h = hashlib.sha256()
    for table in ("active_disclosure", "requests", "reviews", "problems", "report_figures"):
        for row in con.execute(f"select * from {table} where report_id is not ? order by rowid", [skip]):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


@needs_examples
@settings(max_examples=examples(40), **FUZZ)
@given(fmt=st.sampled_from(SEEDS), data=st.data(), same_url=st.booleans(), name=st.sampled_from(
    ["report.pdf", "report.html", "report.docx", "report.txt", "downfile.jsp", "", "../../etc/passwd"]))
def test_mutated_bytes_into_ingest_bytes(archive_db: Any, fmt: str, data: st.DataObject, same_url: bool,
                                         name: str) -> None:
    from archive.captures import Fetch
    from archive.write import ingest_bytes

    db = archive_db
    con = db.conn
    bad = data.draw(mutated(seed_bytes(fmt)), label="bytes")
    if same_url:
        url = f"http://seed.example/{data.draw(st.sampled_from(SEEDS), label='target')}"
    else:
        url = f"http://new.example/{hashlib.sha256(bad).hexdigest()[:16]}"
    existing = con.execute("select id, version, extraction_status from reports where url = ?", [url]).fetchone()
    before = rows(con, existing[0]) if existing else None
    others = _all_rows_digest(con, existing[0] if existing else None)
    with _no_hang():
        outcome = ingest_bytes(db, bad, Fetch(url=url, fetched_at="2026-02-01"), name=name)
    assert outcome.status in ("new", "changed", "unchanged", "duplicate", "error"), outcome
    assert con.execute("pragma quick_check").fetchone() == ("ok",)
    rid = outcome.report_id
    assert rid is not None
    assert _all_rows_digest(con, rid) == others, "another report's rows changed"
    cap = con.execute("select status, error, sha256 from captures where id = ?", [outcome.capture_id]).fetchone()
    assert cap[2] == hashlib.sha256(bad).hexdigest()  # the capture is the bytes, whatever they are
    if outcome.status == "error":
        assert cap[0] == "extract_error" and cap[1], cap  # the operator is told why
        if existing and existing[2] not in (None, "error"):
            assert rows(con, rid) == before, "an unreadable version damaged the good rows"
        else:
            kinds = [k for (k,) in con.execute("select kind from problems where report_id = ?", [rid])]
            assert "unreadable" in kinds
    elif existing and outcome.status in ("changed", "duplicate") and existing[1]:
        assert superseded_matches(con, rid, existing[1], before), "the replaced rows were not kept"
    status = con.execute("select extraction_status, problems from reports where id = ?", [rid]).fetchone()
    n_problems = con.execute("select count(*) from problems where report_id = ?", [rid]).fetchone()[0]
    dup = con.execute("select duplicate_of from reports where id = ?", [rid]).fetchone()[0]
    assert status[0] in ("ok", "tables_not_found", "image_only", "legacy", "error"), status
    if dup is None:
        assert n_problems == status[1]
