"""The two crawl modes archive the same: one process, or a Redis frontier with several workers.

Why a test of its own: the single-machine pipeline and the distributed writer once stored captures
through two copies of the store step, and the copies drifted — the writer recorded a cut download
as `captured`, so it was never asked again.  The distributed tests passed because their world had
no such case.  This one has them all: cut downloads (a Content-Length half the body), detail pages
whose report is an attachment, links and a redirect to a host no portal owns, and the demo's own
hostile pages (Ruishu 412, 加速乐 521, a 200-status WAF page, a soft 404).  The same world is
crawled from scratch once per mode, then — faults healed, two reports added — once more
incrementally, and the archives and what each mode asked the server must be the same.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import DEMO_EXIT, ROOT, nianbao_cmd
from faults import Fault, FaultPlan, FaultyDemoServer

from nianbao.demo import DemoWorld

pytestmark = pytest.mark.slow
OFFSITE = "http://elsewhere.invalid"


def faults(world: DemoWorld) -> FaultPlan:
    """The same faults for each mode, on fixed documents (never "the first request that comes")."""
    trs = next(d for d in world.reachable_docs() if d.site == "trs")
    return FaultPlan([
        Fault("length_under", site="gkmlpt", path=r"/attachment/"),  # cut downloads: suspect, asked again
        Fault("inject_link", site="hanweb", path=r"/art/.*\.html$", location=f"{OFFSITE}/files/nb.pdf",
              name="年报附件.pdf"),  # an attachment on a host the registry does not allow
        Fault("redirect", site="trs", path=re.escape(world.detail_path(trs)) + "$", location=f"{OFFSITE}/moved.html"),
    ])

TIMEOUT = 240


def crawl(registry: Path, db: Path, redis_url: str | None) -> None:
    args = ["crawl", "--portals", str(registry), "--db", str(db), "--local"]
    if redis_url:
        args += ["--redis", redis_url, "--workers", "2", "--redis-prefix", f"modes{db.stem}"]
    res = subprocess.run(nianbao_cmd(*args), capture_output=True, text=True, cwd=ROOT, timeout=TIMEOUT)
    assert res.returncode == DEMO_EXIT, res.stdout + res.stderr[-4000:]


def archive(db: Path) -> dict[str, list[tuple]]:
    """What an archive holds, without what depends on the order of arrival (ids, clocks)."""
    con = sqlite3.connect(db)
    q = {
        "reports": "select r.url, c.sha256, r.extraction_status, r.title, r.agency, r.year, r.check_status, "
                   "r.duplicate_of is not null, r.province, r.district, "
                   "(select count(*) from requests where report_id = r.id), "
                   "(select count(*) from checks where report_id = r.id), "
                   "(select count(*) from report_versions where report_id = r.id) "
                   "from reports r left join captures c on c.id = r.capture_id",
        "captures": "select url, sha256, status, error, http_status, content_type from captures",
        "crawl_urls": "select url, portal, kind, status, signature, children from crawl_urls",
        "crawl_columns": "select url, portal, advertised, advertised_pages, listed, pages, pages_failed, unfollowed, "
                         "walked_to_end, short from crawl_columns",
        "crawl_portal_state": "select portal, last_complete_walk is not null, last_full_walk is not null, "
                              "last_entries from crawl_portal_state",
        "problems": "select r.url, p.kind, p.[where], p.detail from problems p join reports r on r.id = p.report_id",
        "runs": "select pages, new_reports, changed_reports, unchanged_reports from crawl_runs order by id",
    }
    out = {name: sorted(con.execute(sql), key=repr) for name, sql in q.items()}
    con.close()
    return out


def asked(server: FaultyDemoServer) -> list[tuple[str, str, str]]:
    """Every request the server answered (robots.txt aside: each worker asks for its own)."""
    return sorted({(h.site, h.method, h.path) for h in server.hits if h.path != "/robots.txt"})


@pytest.fixture(scope="module")
def modes(tmp_path_factory: pytest.TempPathFactory, redis_url: str):
    tmp = tmp_path_factory.mktemp("modes")
    server = FaultyDemoServer(DemoWorld(), FaultPlan()).start()
    registry = tmp / "portals.yml"
    registry.write_text(server.registry_yaml(), encoding="utf-8")
    dbs = {"single": tmp / "single.db", "distributed": tmp / "distributed.db"}
    urls = {"single": None, "distributed": redis_url}
    first, second = {}, {}
    try:
        for mode in dbs:  # the same faults, from the start, for each mode
            server.plan = faults(server.world)
            server.reset_log()
            crawl(registry, dbs[mode], urls[mode])
            first[mode] = {"archive": archive(dbs[mode]), "asked": asked(server), "applied": len(server.plan.applied)}
        server.plan = FaultPlan()  # healed: the cut files are whole now
        server.world.add_reports(2)
        for mode in dbs:
            server.reset_log()
            crawl(registry, dbs[mode], urls[mode])
            second[mode] = {"archive": archive(dbs[mode]), "asked": asked(server)}
        yield {"first": first, "second": second}
    finally:
        server.stop()


def test_the_world_has_every_case(modes):
    """The faults were injected and produced what the test is about, in the single-process crawl."""
    a = modes["first"]["single"]["archive"]
    statuses = {row[3] for row in a["crawl_urls"]}
    assert "suspect" in statuses, "no cut download recorded: the fault did not bite"
    assert any(s.startswith("offsite") for s in statuses)
    assert any(s.startswith("blocked") for s in statuses)
    assert any(row[5] for row in a["crawl_urls"]), "no detail page with attachments"
    assert modes["first"]["single"]["applied"] > 0


@pytest.mark.parametrize("table", ["reports", "captures", "crawl_urls", "crawl_columns", "crawl_portal_state",
                                   "problems", "runs"])
def test_both_modes_archive_the_same(modes, table):
    for run in ("first", "second"):
        single = modes[run]["single"]["archive"][table]
        distributed = modes[run]["distributed"]["archive"][table]
        only_single = [r for r in single if r not in distributed]
        only_distributed = [r for r in distributed if r not in single]
        assert (only_single, only_distributed) == ([], []), f"{run} run, {table}"


def test_both_modes_ask_the_same_urls(modes):
    for run in ("first", "second"):
        single, distributed = modes[run]["single"]["asked"], modes[run]["distributed"]["asked"]
        assert set(single) ^ set(distributed) == set(), run


def test_the_second_run_repairs_the_cut_downloads_in_both_modes(modes):
    for mode in ("single", "distributed"):
        a = modes["second"][mode]["archive"]
        assert not [row for row in a["crawl_urls"] if row[3] == "suspect"], mode
