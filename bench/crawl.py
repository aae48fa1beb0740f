"""How fast the crawler walks ~2,000 reports on the demo portals, against a bare Scrapy spider.

    .venv/bin/python bench/crawl.py --repeat 2        # Markdown tables (the ones in BENCHMARKS.md)
    .venv/bin/python bench/crawl.py --reports 500     # a smaller world
    .venv/bin/python bench/crawl.py --json            # machine-readable figures

Why this shape (issue 4): the crawler's own machinery — adapters, the incremental and hostile-page
middlewares, encoding repair, the archive pipeline — must not make it much slower than Scrapy
itself on the same work (aim ≥ 0.8 of a bare spider's pages/s), and a nightly re-crawl of an
unchanged portal must cost a small fraction of the first walk (aim ≤ 5 % of its requests and time).

What runs, in one process tree (steps 2–6 once per `--repeat` round, medians reported):

1. `DemoWorld(scale=S)` with S the smallest scale reaching `--reports` reachable reports, served by
   `DemoServer` on 127.0.0.1–4 in this process (threads).  Every report document is rendered once
   before anything is timed (`tests/generate.py` needs ~20 ms per PDF/DOCX; the world caches the
   bytes), so the server answers from memory during the crawls.
2. **ours, full**: `nianbao crawl --local` (the tests' and the demo's setting: politeness delays and
   AutoThrottle off, 2 requests at a time per host, 16 overall) into a fresh archive, in a
   subprocess, with extraction (in the crawl's extractor child process, whose CPU time counts as
   the crawler's) and archive writes — the end-to-end figure.
3. **bare**: a minimal `scrapy.Spider` in a subprocess, with the same concurrency settings (copied
   from `crawler.run.build_settings` with LOCAL_OVERRIDES) and none of our middlewares, pipelines or
   extensions, replaying exactly the HTTP requests the demo server answered during (2) — same
   method, URL and POST form, redirects, robots.txt and hostile pages included as plain fetches.
   Retries, redirects and robots.txt handling are off so it fetches that list and nothing else.
   The requests are issued round-robin across the four hosts, which keeps every per-host slot
   busy: the bare figure is the best this Scrapy setup does on that list.
4. **ours, crawl only**: (2) again into another fresh archive with `-s NIANBAO_EXTRACT=False` — a
   real operating mode: every capture stored, every report recorded as pending extraction
   (`nianbao reextract --pending` reads them later), nothing parsed.
5. **ours, no pipeline**: (2) again with `-s ITEM_PIPELINES={}` — the spider and all our
   middlewares, but no archive writes of documents at all: what our machinery costs by itself.
6. **ours, incremental**: `nianbao crawl --local` again on the archive of (2), the world unchanged.

Timed: each subprocess from spawn to exit (interpreter start and imports included, as an operator
sees it), its CPU time, and this process's CPU time meanwhile (the demo server).  "Pages" are the
HTTP responses the demo server sent, identical for (2) and (3) by construction (checked).
The kernel's listen-queue overflows (dropped SYNs, each a 1 s stall) are counted per run: the demo
server sets TCP_NODELAY and a listen backlog of 128 itself (`nianbao/demo/server.py`), and a
non-zero count would mean the server, not the crawler, set the pace.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AIM_RATIO = 0.8  # ours / bare, pages fetched per second
AIM_INCREMENTAL = 0.05  # incremental / full, requests and time
# Settings the bare spider copies from ours: everything that decides how many requests fly at once.
CONCURRENCY_KEYS = ("CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY",
                    "RANDOMIZE_DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED", "DOWNLOAD_SLOTS", "DOWNLOAD_TIMEOUT",
                    "USER_AGENT", "COOKIES_ENABLED", "TWISTED_REACTOR")


# --- the bare spider (runs in its own process: Scrapy's reactor cannot restart) ----------------

def bare_worker(requests_file: Path, registry: Path, out: Path) -> None:
    """Fetch every request in `requests_file` with a plain Scrapy spider; write its stats to `out`.

    The concurrency settings come from the crawler's own settings so the comparison is like for
    like; nothing of ours is installed (no project settings module is read)."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler.run import LOCAL_OVERRIDES, build_settings

    ours = build_settings(registry, "", overrides=LOCAL_OVERRIDES)
    settings: dict[str, Any] = {key: ours.get(key) for key in CONCURRENCY_KEYS if ours.get(key) is not None}
    settings["DOWNLOAD_SLOTS"] = dict(ours.getdict("DOWNLOAD_SLOTS"))
    settings.update({
        "ROBOTSTXT_OBEY": False,  # robots.txt is in the list as a plain fetch
        "RETRY_ENABLED": False, "REDIRECT_ENABLED": False, "METAREFRESH_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True, "TELNETCONSOLE_ENABLED": False, "LOG_LEVEL": "WARNING",
    })
    wanted = json.loads(requests_file.read_text(encoding="utf-8"))
    got: Counter[int] = Counter()

    class BareSpider(scrapy.Spider):
        """Download the list; look at nothing."""

        name = "bare"

        async def start(self) -> Any:
            for r in wanted:
                yield scrapy.Request(r["url"], method=r["method"], body=r["body"] or None,
                                     headers=r["headers"] or None, callback=self.parse, dont_filter=True)

        def parse(self, response: scrapy.http.Response) -> None:
            got[response.status] += 1

    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    out.write_text(json.dumps({
        "elapsed": stats.get("elapsed_time_seconds"), "requests": stats.get("downloader/request_count", 0),
        "responses": sum(got.values()), "statuses": dict(got), "bytes": stats.get("downloader/response_bytes", 0),
        "errors": {k: v for k, v in stats.items() if k.startswith("downloader/exception_type_count/")},
        "settings": {k: settings[k] for k in CONCURRENCY_KEYS if k in settings},
    }, default=str), encoding="utf-8")


# --- the harness ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Served:
    """One request the demo server answered (what both spiders must fetch)."""

    t: float
    site: str
    method: str
    path: str
    query: str
    form: tuple[tuple[str, str], ...]
    status: int
    busy: float  # seconds the world spent rendering the answer (under its lock, so never overlapping)

    @property
    def key(self) -> tuple[str, str, str, str, tuple[tuple[str, str], ...]]:
        return (self.site, self.method, self.path, self.query, self.form)


def recording_world(scale: int) -> Any:
    """A DemoWorld that also logs every request it answers, with the POST form the server log lacks."""
    from nianbao.demo import DemoWorld

    class RecordingWorld(DemoWorld):
        def __init__(self, scale: int) -> None:
            super().__init__(scale=scale)
            self.served: list[Served] = []
            self._log_lock = threading.Lock()

        def respond(self, site: str, method: str, path: str, query: str, form: dict[str, list[str]],
                    headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
            with self.lock:  # the base class renders under this (re-entrant) lock: time it inside
                start = time.perf_counter()
                resp = super().respond(site, method, path, query, form, headers)
                busy = time.perf_counter() - start
            flat = tuple((k, v) for k, vs in sorted(form.items()) for v in vs)
            with self._log_lock:
                self.served.append(Served(time.monotonic(), site, method, path, query, flat, resp[0], busy))
            return resp

    return RecordingWorld(scale)


def warm(world: Any) -> float:
    """Render every detail page and attachment once (cached by the world), outside any timing."""
    start = time.monotonic()
    world.render_all()  # not logged by the recording world
    return time.monotonic() - start


@dataclass
class Run:
    """One timed crawl: what the server saw and what the crawler said."""

    label: str
    wall: float
    cpu: float  # user + system seconds of the crawling process (and its threads)
    served: int
    span: float
    server_busy: float  # Σ render time in the demo world (under its lock, so at most `span`)
    server_cpu: float  # user + system seconds of this process meanwhile: the demo server's threads
    listen_overflows: int | None  # TcpExtListenOverflows meanwhile (system-wide): SYNs dropped, 1 s stalls
    scrapy_elapsed: float | None = None
    scrapy_requests: int | None = None
    reports: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_s(self) -> float:
        return self.served / self.wall if self.wall else 0.0

    @property
    def reports_per_s(self) -> float | None:
        return self.reports / self.wall if self.reports is not None and self.wall else None


def listen_overflows() -> int | None:
    """The kernel's count of connections dropped because a listen queue was full (system-wide)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(table["ListenOverflows"]) if "ListenOverflows" in table else None
    return None


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def timed(world: Any, cmd: list[str]) -> tuple[float, float, float, int | None, list[Served]]:
    """Run `cmd` as a subprocess; return its wall time, its CPU time, this process's CPU time
    meanwhile (the demo server: nothing else runs here during a crawl) and the requests the
    server answered."""
    world.served.clear()
    overflows = listen_overflows()
    children, me = _cpu(resource.RUSAGE_CHILDREN), _cpu(resource.RUSAGE_SELF)
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.monotonic() - start
    children, me = _cpu(resource.RUSAGE_CHILDREN) - children, _cpu(resource.RUSAGE_SELF) - me
    after = listen_overflows()
    overflows = after - overflows if after is not None and overflows is not None else None
    served = list(world.served)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr[-4000:]}")
    return wall, children, me, overflows, served


def span(served: list[Served]) -> float:
    return served[-1].t - served[0].t if len(served) > 1 else 0.0


def busy(served: list[Served]) -> float:
    return sum(s.busy for s in served)


# Run `nianbao crawl` and, at exit, write how its CPU time splits between the crawl process itself
# and its children (the extractor process, joined before exit), so the table can say which one
# bounds the wall time on two cores.
CRAWL_WITH_SPLIT = """
import atexit, json, resource, sys
def _split(path=sys.argv.pop(1)):
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(path, "w") as f:
        json.dump({"crawl": own.ru_utime + own.ru_stime, "extractor": kids.ru_utime + kids.ru_stime}, f)
atexit.register(_split)
from nianbao.cli import main
main()
"""


def ours(world: Any, label: str, registry: Path, db: Path, *extra: str) -> tuple[Run, list[Served]]:
    split_file = db.with_suffix(".cpu.json")
    cmd = [sys.executable, "-c", CRAWL_WITH_SPLIT, str(split_file), "crawl", "--portals", str(registry),
           "--db", str(db), "--local", *extra]
    wall, cpu, server_cpu, overflows, served = timed(world, cmd)
    split = json.loads(split_file.read_text()) if split_file.exists() else {}
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    row = dict(con.execute("select * from crawl_runs order by id desc limit 1").fetchone())
    archived = con.execute("select count(*) from reports").fetchone()[0]
    con.close()
    notes = json.loads(row.get("notes") or "{}")
    # reports this run archived: new ones plus those the archive filed as duplicates of another
    reports = (row.get("new_reports") or 0) + (row.get("changed_reports") or 0) + (notes.get("duplicates") or 0)
    run = Run(label, wall, cpu, len(served), span(served), busy(served), server_cpu, overflows,
              notes.get("elapsed"), notes.get("requests"), reports=reports,
              extra={"new": row.get("new_reports"), "duplicates": notes.get("duplicates"), "archived": archived,
                     "skipped": notes.get("skipped"), "statuses": dict(Counter(s.status for s in served)),
                     "cpu_crawl_process": split.get("crawl"), "cpu_extractor": split.get("extractor")})
    return run, served


def replay_list(server: Any, served: list[Served]) -> list[dict[str, Any]]:
    """The requests of a crawl as the bare spider sends them: round-robin across hosts, each host's
    requests in the order the crawl made them."""
    by_site: dict[str, list[Served]] = defaultdict(list)
    for s in served:
        by_site[s.site].append(s)
    out = []
    for group in itertools.zip_longest(*by_site.values()):
        for s in group:
            if s is None:
                continue
            url = server.url(s.site, s.path) + (f"?{s.query}" if s.query else "")
            body = urlencode(list(s.form)) if s.method == "POST" else ""
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if s.method == "POST" else {}
            out.append({"url": url, "method": s.method, "body": body, "headers": headers})
    return out


def bare(world: Any, server: Any, registry: Path, work: Path, want: list[Served]) -> tuple[Run, list[Served]]:
    reqs = work / "bare-requests.json"
    reqs.write_text(json.dumps(replay_list(server, want), ensure_ascii=False), encoding="utf-8")
    out = work / "bare-stats.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--bare-worker", str(reqs), "--registry", str(registry),
           "--bare-out", str(out)]
    wall, cpu, server_cpu, overflows, served = timed(world, cmd)
    stats = json.loads(out.read_text(encoding="utf-8"))
    run = Run("bare Scrapy spider, same requests", wall, cpu, len(served), span(served), busy(served), server_cpu, overflows,
              stats["elapsed"],
              stats["requests"], extra={"statuses": dict(Counter(s.status for s in served)),
                                        "errors": stats["errors"], "settings": stats["settings"]})
    return run, served


def machine() -> dict[str, Any]:
    import scrapy

    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "scrapy": scrapy.__version__, "loadavg_start": os.getloadavg()}


def scale_for(reports: int) -> int:
    """The smallest demo scale whose reachable reports reach `reports` (the count grows linearly)."""
    from nianbao.demo import DemoWorld

    per = len(DemoWorld(scale=1, generated=True).reachable_docs())
    return max(1, math.ceil(reports / per))


def fmt(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


MEASURES: list[tuple[str, str, str, str]] = [
    # key, label, format, aim
    ("ratio_pages_per_s", "ours / bare, pages fetched per second — end to end (ours extracts and archives)",
     "ratio", f"≥ {AIM_RATIO}"),
    ("ratio_crawl_only", "ours crawl only (NIANBAO_EXTRACT=False: captures stored, extraction pending) / bare, "
     "pages per second", "ratio", "context"),
    ("ratio_no_pipeline", "ours without pipeline (ITEM_PIPELINES={}) / bare, pages per second", "ratio", "context"),
    ("reports_per_s", "ours end to end, reports per second (fetch + extract + archive)", "rate", "–"),
    ("cpu_per_page_full", "crawler CPU ms per page: ours end to end", "ms", "–"),
    ("cpu_per_page_crawl_only", "crawler CPU ms per page: ours crawl only", "ms", "–"),
    ("cpu_per_page_no_pipeline", "crawler CPU ms per page: ours without pipeline", "ms", "–"),
    ("cpu_per_page_bare", "crawler CPU ms per page: bare", "ms", "–"),
    ("incremental_requests", "incremental / full, requests answered by the server", "pct", f"≤ {AIM_INCREMENTAL:.0%}"),
    ("incremental_time", "incremental / full, wall time", "pct", f"≤ {AIM_INCREMENTAL:.0%}"),
]
CHECKS: list[tuple[str, str]] = [
    ("all_reports_archived", "every reachable report archived by the full crawl"),
    ("same_requests", "bare fetched exactly the requests ours made"),
    ("same_requests_crawl_only", "the crawl-only run made the same requests as the full run"),
    ("all_reports_pending", "the crawl-only run stored every reachable report, all pending extraction"),
    ("same_requests_no_pipeline", "the no-pipeline run made the same requests as the full run"),
]


def _fmt_measure(value: float, kind: str) -> str:
    return {"ratio": f"{value:.2f}", "rate": f"{value:.1f}", "ms": f"{value:.1f}", "pct": f"{value:.2%}"}[kind]


def markdown(r: dict[str, Any]) -> str:
    """The tables for BENCHMARKS.md: every run of every round, then each measure per round and its median."""
    rounds = r["rounds"]
    lines = [
        f"demo world: scale {r['scale']}, {r['reachable_reports']} reachable reports "
        f"({r['reports_by_site']}); rendered once before timing in {r['warm_s']:.0f} s",
        "",
        "| round | run | wall s | crawler CPU s | of which extractor process | server CPU s | SYN drops "
        "| pages fetched | pages/s | reports | reports/s | Scrapy requests |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for i, rnd in enumerate(rounds, 1):
        for key in ("full", "bare", "crawl_only", "no_pipeline", "incremental"):
            x = rnd["runs"][key]
            reports = "–" if x["reports"] is None else f"{x['reports']:,}"
            requests = "–" if x["scrapy_requests"] is None else f"{x['scrapy_requests']:,}"
            drops = "–" if x["listen_overflows"] is None else x["listen_overflows"]
            kids = x["extra"].get("cpu_extractor")
            lines.append(f"| {i} | {x['label']} | {fmt(x['wall'])} | {fmt(x['cpu'])} | {fmt(kids)} | {fmt(x['server_cpu'])} | "
                         f"{drops} | {x['served']:,} | {fmt(x['pages_per_s'])} | {reports} | {fmt(x['reports_per_s'])} | "
                         f"{requests} |")
    head = " | ".join(f"round {i}" for i in range(1, len(rounds) + 1))
    lines += ["", f"| measure | {head} | median | aim |", "| --- |" + " ---: |" * (len(rounds) + 1) + " --- |"]
    for key, label, kind, aim in MEASURES:
        values = [rnd["comparison"][key] for rnd in rounds]
        cells = " | ".join(_fmt_measure(v, kind) for v in values)
        lines.append(f"| {label} | {cells} | **{_fmt_measure(statistics.median(values), kind)}** | {aim} |")
    for key, label in CHECKS:
        cells = " | ".join("yes" if rnd["comparison"][key] else "**NO**" for rnd in rounds)
        lines.append(f"| {label} | {cells} | | |")
    m = r["machine"]
    lines += ["", f"{m['nproc']} cores, {m['cpu']}, Python {m['python']}, "
              f"Scrapy {m['scrapy']}; load average (1 min) {m['loadavg_start'][0]:.2f} at start, "
              f"{m['loadavg_end'][0]:.2f} at end"]
    return "\n".join(lines)


def one_round(world: Any, server: Any, registry: Path, work: Path, n: int, log: Any) -> dict[str, Any]:
    """Full crawl, bare replay of its requests, no-pipeline crawl, incremental re-crawl; fresh archives."""
    full, full_served = ours(world, "ours, full crawl (fresh archive)", registry, work / f"full{n}.db")
    log(f"round {n}: ours full {full.wall:.1f} s, {full.served} pages, {full.reports} reports")
    bare_run, bare_served = bare(world, server, registry, work, full_served)
    log(f"round {n}: bare {bare_run.wall:.1f} s, {bare_run.served} pages")
    only, only_served = ours(world, "ours, crawl only (NIANBAO_EXTRACT=False)", registry, work / f"only{n}.db",
                             "-s", "NIANBAO_EXTRACT=False")
    con = sqlite3.connect(work / f"only{n}.db")
    pending = con.execute("select count(*) from reports where extraction_status = 'pending'").fetchone()[0]
    con.close()
    log(f"round {n}: ours crawl only {only.wall:.1f} s, {only.served} pages, {pending} reports pending")
    nopipe, nopipe_served = ours(world, "ours, no pipeline (no extraction, no archive writes)", registry,
                                 work / f"nopipe{n}.db", "-s", "ITEM_PIPELINES={}")
    nopipe.reports = None  # nothing is archived without the pipeline
    log(f"round {n}: ours no pipeline {nopipe.wall:.1f} s, {nopipe.served} pages")
    incr, _ = ours(world, "ours, incremental re-crawl (unchanged world)", registry, work / f"full{n}.db")
    log(f"round {n}: ours incremental {incr.wall:.1f} s, {incr.served} pages")

    def keys(served: list[Served]) -> Counter[Any]:
        return Counter(s.key for s in served)

    runs = {"full": full, "bare": bare_run, "crawl_only": only, "no_pipeline": nopipe, "incremental": incr}
    return {
        "runs": {k: {**asdict(v), "pages_per_s": v.pages_per_s, "reports_per_s": v.reports_per_s}
                 for k, v in runs.items()},
        "comparison": {
            "ratio_pages_per_s": full.pages_per_s / bare_run.pages_per_s,
            "ratio_crawl_only": only.pages_per_s / bare_run.pages_per_s,
            "ratio_no_pipeline": nopipe.pages_per_s / bare_run.pages_per_s,
            "reports_per_s": full.reports_per_s or 0.0,
            "cpu_per_page_full": 1000 * full.cpu / full.served,
            "cpu_per_page_crawl_only": 1000 * only.cpu / only.served,
            "cpu_per_page_no_pipeline": 1000 * nopipe.cpu / nopipe.served,
            "cpu_per_page_bare": 1000 * bare_run.cpu / bare_run.served,
            "incremental_requests": incr.served / full.served,
            "incremental_scrapy_requests": (incr.scrapy_requests or 0) / (full.scrapy_requests or 1),
            "incremental_time": incr.wall / full.wall,
            "all_reports_archived": full.extra["archived"] == len(world.reachable_docs()),
            "same_requests": keys(bare_served) == keys(full_served),
            "same_requests_crawl_only": keys(only_served) == keys(full_served),
            "all_reports_pending": only.extra["archived"] == pending == len(world.reachable_docs()),
            "same_requests_no_pipeline": keys(nopipe_served) == keys(full_served),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=2000, help="reachable reports in the demo world (≈)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the five runs (medians reported)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--workdir", type=Path, help="keep archives and request lists here (default: a temp dir)")
    parser.add_argument("--bare-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bare-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--registry", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_worker:
        bare_worker(args.bare_worker, args.registry, args.bare_out)
        return

    from nianbao.demo import DemoServer

    info = machine()
    scale = scale_for(args.reports)
    world = recording_world(scale)
    reachable = world.reachable_docs()
    warm_s = warm(world)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="nianbao-bench-crawl-"))
    work.mkdir(parents=True, exist_ok=True)
    for stale in work.glob("*.db*"):
        stale.unlink()

    def log(line: str) -> None:  # progress on stderr, so stdout stays the table / JSON
        print(line, file=sys.stderr, flush=True)

    try:
        with DemoServer(world) as server:
            registry = work / "portals.yml"
            registry.write_text(server.registry_yaml(), encoding="utf-8")
            log(f"world: scale {scale}, {len(reachable)} reports; rendered in {warm_s:.1f} s; work dir {work}")
            rounds = [one_round(world, server, registry, work, n, log) for n in range(1, args.repeat + 1)]
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    info["loadavg_end"] = os.getloadavg()
    result: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, "bench/crawl.py", *sys.argv[1:]]),
        "scale": scale, "reachable_reports": len(reachable),
        "reports_by_site": ", ".join(f"{k} {v}" for k, v in Counter(d.site for d in reachable).items()),
        "warm_s": warm_s, "machine": info, "rounds": rounds,
        "median": {key: statistics.median(rnd["comparison"][key] for rnd in rounds) for key, *_ in MEASURES},
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(markdown(result))


if __name__ == "__main__":
    main()
