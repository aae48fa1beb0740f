"""Distributed mode (issue 5): Redis, one archive writer and three crawler workers on the demo portals.

The module starts its own redis-server (a free localhost port, a temp dir, no persistence) and
the demo portals, registered with a politeness delay of `DELAY` seconds per host (the registry's
`delay` key, as a real portal would have): one process then sends at most one request per host
every `DELAY` seconds and the crawl is bound by that wait, so what three processes gain is
parallelism (each worker keeps its own per-host slot — docs/scale.md), not CPU.  The same world is
crawled twice from scratch — once by the ordinary single-process `nianbao crawl`, once by
`nianbao crawl --redis URL --workers 0` plus three `nianbao crawl --redis URL --role worker`
processes started separately, as on three machines — and the demo server's hit log is the judge
of what was fetched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import DEMO_EXIT, DEMO_STATUSES, last_run, nianbao_cmd

from nianbao.demo import DemoServer, DemoWorld

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("redis-server") is None,
                                 reason="redis-server not installed (scripts/install-system.sh)")]
ROOT = Path(__file__).resolve().parent.parent
DELAY = 0.35  # seconds between two requests to one host, per crawler process
SCALE = 1
WORKERS = 3
SETTINGS = ["--local", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]


def polite_registry(server: DemoServer, delay: float) -> str:
    """The demo registry with a per-host `delay` (the demo's own registry says 0: localhost)."""
    data = server.registry()
    for portal in data["portals"]:
        portal["delay"] = delay
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def distributed_run(registry: Path, db: Path, url: str, *extra: str) -> tuple[float, subprocess.CompletedProcess[str],
                                                                             list[str]]:
    """The writer plus WORKERS separately started workers; the wall time of the writer's command."""
    t0 = time.monotonic()
    writer = subprocess.Popen(nianbao_cmd("crawl", "--portals", str(registry), "--db", str(db), "--redis", url,
                                          "--workers", "0", *SETTINGS, *extra),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    # worker logs go to files, not pipes: a pipe read only at the end fills up and stalls a worker
    logs = [db.parent / f"{db.stem}-worker{i}.log" for i in range(WORKERS)]
    workers = [subprocess.Popen(nianbao_cmd("crawl", "--portals", str(registry), "--redis", url, "--role", "worker",
                                            "--wait", "60", *SETTINGS),
                                stdout=log.open("w"), stderr=subprocess.STDOUT, text=True, cwd=ROOT)
               for log in logs]
    out, err = writer.communicate(timeout=120)
    wall = time.monotonic() - t0
    worker_out = []
    for w, log in zip(workers, logs, strict=True):
        w.wait(timeout=60)
        text = log.read_text(encoding="utf-8")
        assert w.returncode == 0, text[-3000:]
        worker_out.append(text)
    res = subprocess.CompletedProcess(writer.args, writer.returncode, out, err)
    assert res.returncode == DEMO_EXIT, out + err[-3000:]
    return wall, res, worker_out


def reports(db: Path) -> list[tuple[str, str, str]]:
    con = sqlite3.connect(db)
    return [(urlsplit(u).hostname, urlsplit(u).path, sha) for u, sha in
            con.execute("select r.url, c.sha256 from reports r join captures c on c.id = r.capture_id")]


def hit_counts(hits: list) -> Counter:
    return Counter((h.site, h.method, h.path) for h in hits if h.path != "/robots.txt")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, redis_url: str):
    tmp = tmp_path_factory.mktemp("distributed")
    server = DemoServer(DemoWorld(scale=SCALE)).start()
    registry = tmp / "portals.yml"
    registry.write_text(polite_registry(server, DELAY), encoding="utf-8")
    try:
        t0 = time.monotonic()
        single = subprocess.run(nianbao_cmd("crawl", "--portals", str(registry), "--db", str(tmp / "one.db"),
                                            *SETTINGS), capture_output=True, text=True, cwd=ROOT, timeout=120)
        t1 = time.monotonic() - t0
        assert single.returncode == DEMO_EXIT, single.stdout + single.stderr[-3000:]
        hits1 = list(server.hits)
        server.reset_log()
        t3, res, worker_out = distributed_run(registry, tmp / "three.db", redis_url)
        hits3 = list(server.hits)
        server.reset_log()
        figures = {"single_s": round(t1, 1), "three_workers_s": round(t3, 1), "requests_single": len(hits1),
                   "requests_three": len(hits3), "delay_s": DELAY, "scale": SCALE}
        print(f"\ndistributed figures: {json.dumps(figures)}")  # shown with pytest -s; bench/scale.py records them
        yield {"server": server, "registry": registry, "tmp": tmp, "t1": t1, "t3": t3, "hits1": hits1,
               "hits3": hits3, "one": tmp / "one.db", "three": tmp / "three.db", "writer": res,
               "workers": worker_out}
    finally:
        server.stop()


def test_no_url_fetched_twice(runs):
    three = hit_counts(runs["hits3"])
    one = hit_counts(runs["hits1"])
    twice = {k: n for k, n in three.items() if k[1] == "GET" and n > 1}
    assert not twice, f"fetched more than once by the workers: {twice}"
    # Hanweb's POST pager hits one path with different forms: as many as the single process sent
    assert {k: n for k, n in three.items() if k[1] == "POST"} == {k: n for k, n in one.items() if k[1] == "POST"}
    assert set(three) == set(one), (set(three) - set(one), set(one) - set(three))  # the same pages
    # robots.txt is each worker's own (Scrapy's RobotsTxtMiddleware): at most once per worker per host
    robots = Counter(h.site for h in runs["hits3"] if h.path == "/robots.txt")
    assert all(n <= WORKERS for n in robots.values())


def test_every_report_archived_exactly_once(runs):
    w = runs["server"].world
    want = sorted((urlsplit(runs["server"].base_url(d.site)).hostname, w.report_path(d)) for d in w.reachable_docs())
    got = reports(runs["three"])
    assert sorted((h, p) for h, p, _ in got) == want
    assert len(got) == len({(h, p) for h, p, _ in got})
    assert sorted(got) == sorted(reports(runs["one"]))  # the same bytes as the single-process crawl
    run = last_run(runs["three"])
    assert run["new_reports"] == len(want)
    assert {name: h["status"] for name, h in run["portal_health"].items()} == DEMO_STATUSES
    one = last_run(runs["one"])
    for name, h in run["portal_health"].items():  # the workers' stats merged into one picture
        for key in ("platform", "list_pages", "entries", "new", "repeated_pages", "status", "outcomes", "coverage"):
            assert h[key] == one["portal_health"][name][key], (name, key, h, one["portal_health"][name])
    assert run["blocked"] == one["blocked"]


def test_extracted_rows_equal_the_single_process_crawl(runs):
    def rows(db: Path) -> list[tuple]:
        con = sqlite3.connect(db)
        return sorted(con.execute(
            "select r.url, r.title, r.agency, r.year, r.extraction_status, r.body, "
            "(select count(*) from requests q where q.report_id = r.id), "
            "(select count(*) from checks k where k.report_id = r.id) from reports r"))
    assert rows(runs["three"]) == rows(runs["one"])


def test_every_worker_shares_the_work(runs):
    """Each worker finished and sent requests of its own.  How much faster three workers are is a
    benchmark's question (bench/scale.py, BENCHMARKS.md), not a timed unit test's: on a shared
    2-core machine the ratio moves with whatever else runs."""
    assert len(runs["workers"]) == WORKERS
    assert sum("worker: finished" in out for out in runs["workers"]) == WORKERS
    requests = [int(m.group(1)) for out in runs["workers"] for m in [re.search(r"finished, (\d+) requests", out)] if m]
    assert len(requests) == WORKERS and all(n > 0 for n in requests), runs["workers"]


def test_second_distributed_run_is_incremental(runs, redis_url):
    """The workers read the archive's state from the writer's Redis mirror: known pages are not
    fetched again, three added reports are exactly three new ones."""
    w = runs["server"].world
    added = w.add_reports(3)
    runs["server"].reset_log()
    _, res, _ = distributed_run(runs["registry"], runs["three"], redis_url)
    hits = runs["server"].hits
    run = last_run(runs["three"])
    assert run["new_reports"] == 3, res.stdout
    details = {w.detail_path(d) for d in w.docs if d not in added}
    refetched = [h.path for h in hits if h.path in details]
    assert refetched == []
    assert run["notes"]["skipped"] > 0


def test_published_state_is_crawlstate_known(runs):
    """The bulk mirror gives, for every URL, what CrawlState.known gives one by one."""
    from crawler.distributed.state import known_rows
    from crawler.state import CrawlState

    state = CrawlState(str(runs["one"]))
    rows = known_rows(state)
    assert len(rows) > 100
    for url, row in rows.items():
        k = state.known(url)
        assert k is not None
        assert row == {"sha256": k.sha256, "etag": k.etag, "last_modified": k.last_modified,
                       "signature": k.signature, "status": k.status, "complete": k.complete,
                       "has_attachments": k.has_attachments}, url  # the conditional middleware reads it


def test_codec_round_trips_requests_without_pickle():
    import scrapy

    from crawler.distributed import codec

    req = scrapy.FormRequest("http://127.0.0.2/module/web/jpage/dataproxy.jsp", formdata={"page": "2"},
                             meta={"nb_entry": {"title": "年报", "date": None}, "pair": (1, "a")},
                             headers={"Referer": "http://x/"})
    data = req.to_dict()
    back = codec.loads(codec.dumps(data))
    assert back == data
    assert isinstance(codec.dumps(data), str) and "pickle" not in codec.dumps(data)
    with pytest.raises(TypeError):
        codec.dumps({"meta": {"obj": object()}})


def test_writer_stores_what_workers_read_failed_or_left_pending(tmp_path):
    """The writer's side of RedisItemPipeline, without Redis: a report read on the worker (body
    text included), the worker's extraction error (recorded as said, not parsed again), and a
    document from a worker with NIANBAO_EXTRACT=False (stored unread, pending)."""
    import json as _json
    from types import SimpleNamespace

    from archive.fts import match_expression
    from archive.write import Hints
    from crawler.distributed.codec import document_message
    from crawler.distributed.writer import Stats, Writer
    from crawler.items import FetchedDocument
    from crawler.pipelines.extraction import extract_capture
    from crawler.state import CrawlState
    from nianbao.synthetic import balanced, render_series_text

    good = render_series_text(balanced("北京市海淀区人民政府", 2020))
    docs = {"good.txt": good, "bad.pdf": b"%PDF-1.7 truncated", "later.txt": render_series_text(balanced("北京市东城区人民政府", 2021))}
    state = CrawlState(str(tmp_path / "w.db"))
    stats = Stats()
    writer = Writer(state, {"p": SimpleNamespace(province="北京市", city="北京市", district=None)}, stats)
    for name, data in docs.items():
        url = f"http://127.0.0.1/{name}"
        item = FetchedDocument(portal="p", url=url, request_url=url, page_url=url, role="attachment", is_report=True,
                        body=data, http_status=200, content_type=None, encoding=None, etag=None, last_modified=None)
        hints = Hints(province="北京市", city="北京市")
        got = extract_capture(data, url, name, hints) if name != "later.txt" else None
        body = got.report.extras["body"] if got and got.report else None
        writer.apply(document_message(item, "2026-01-01T00:00:00+00:00", got.report if got else None, body,
                                      got.error if got else None, pending=name == "later.txt").encode())
    con = state.db.conn
    status = dict(con.execute("select substr(url, 18), extraction_status from reports"))
    assert status == {"good.txt": "ok", "bad.pdf": "error", "later.txt": "pending"}
    error = con.execute("select extraction_error from reports where url like '%bad.pdf'").fetchone()[0]
    assert error == extract_capture(docs["bad.pdf"], "http://127.0.0.1/bad.pdf", "bad.pdf", Hints()).error
    title, body = con.execute("select title, body from reports where url like '%good.txt'").fetchone()
    found = con.execute("select rowid from report_search where report_search match ?",
                        [match_expression(body[40:60])]).fetchall()
    assert found == con.execute("select id from reports where url like '%good.txt'").fetchall() and len(body) > 100
    assert [stats.get_value(f"nianbao/reports/{k}") for k in ("new", "error", "pending")] == [2, 1, 1]
    assert _json.loads(con.execute("select hints from captures where url like '%later.txt'").fetchone()[0]) == {
        "city": "北京市", "province": "北京市"}


def test_worker_without_a_run_gives_up(redis_url, tmp_path):
    reg = tmp_path / "p.yml"
    reg.write_text("portals: []\n", encoding="utf-8")
    res = subprocess.run(nianbao_cmd("crawl", "--portals", str(reg), "--redis", redis_url, "--role", "worker",
                                     "--redis-prefix", f"t{os.getpid()}", "--wait", "0.5"),
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert res.returncode == 1
    assert "no_run" in res.stdout
