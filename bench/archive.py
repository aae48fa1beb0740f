"""Benchmark of the archive and its publication (issue 3).

Builds a generated archive of N reports (default 100,000: about 20,000 agencies in real
districts × 5 years, ≈ 250 rows each — cells of tables 2–4 and their checks), through the same
`archive.ingest.ingest_bytes` the crawler and `nianbao ingest` use, with each report's text
copy stored as its capture.  Reports are built directly (`nianbao.synthetic.to_report`, which a
test proves equal to the extractor's parse) so the figure is the archive's own write rate;
the extractor's speed is bench/parse.py's subject, and a small parsed sample is timed here too.

Then starts a real `nianbao serve` (snapshot + inspect + immutable Datasette) and times, with
sequential requests from one client, the facet page, a Chinese search and each canned query:
median and p95 over `--repeat` requests each.

    python bench/archive.py --reports 100000 --db /tmp/bench/nianbao.db
    python bench/archive.py --publication-only --db /tmp/bench/nianbao.db   # the report, agency and map pages only

`time_publication` (after the pages above, or alone with `--publication-only` on any archive)
times the publication's own pages: a report page, its original's download, an agency page, the
dashboard maps' queries and the research canned queries opened with their defaults.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

# Run as a script, this file's directory comes first on sys.path and its name would hide the
# `archive` package: take the directory off before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import httpx  # noqa: E402

from archive.captures import Fetch  # noqa: E402
from archive.crossref import refresh_cross_checks  # noqa: E402
from archive.schema import open_db  # noqa: E402
from archive.write import Hints, ingest_bytes  # noqa: E402
from nianbao.synthetic import balanced, render_series_text, to_report  # noqa: E402

sys.path.append(str(Path(__file__).resolve().parent))  # after the packages, so `archive` stays the package
from bodies import example_paragraphs, lengthen  # noqa: E402

KINDS = ["人民政府", "人民政府办公室", "教育局", "民政局", "财政局", "卫生健康委员会", "生态环境局", "市场监督管理局"]
YEARS = (2019, 2020, 2021, 2022, 2023)


def agencies(db, n: int) -> list[str]:
    districts = list(db.query("select province, city, district from regions where level = 'district' order by adcode"))
    out = []
    for kind in KINDS:
        for d in districts:
            city = d["city"] if d["city"] and d["city"] != d["province"] else ""
            out.append(f"{d['province']}{city}{d['district']}{kind}")
            if len(out) >= n:
                return out
    return out


def build(db_path: Path, n_reports: int, real_bodies: bool = False) -> dict[str, float]:
    """`real_bodies`: each body lengthened to a real report's 600–5,000 characters (bench/bodies.py),
    for the search and facet pages, whose cost follows the text searched."""
    paragraphs = example_paragraphs() if real_bodies else []
    db = open_db(db_path)
    names = agencies(db, max(1, n_reports // len(YEARS)))
    t0 = time.perf_counter()
    done = 0
    raw_bytes = 0
    batch = 200  # captures per transaction: each is still its own savepoint inside it
    for start in range(0, len(names), batch // len(YEARS)):
        with db.atomic():
            for i in range(start, min(len(names), start + batch // len(YEARS))):
                forward = None
                for year in YEARS:
                    if done >= n_reports:
                        break
                    rep = balanced(names[i], year, seed=i, carried_over=forward if i % 10 else None)
                    forward = rep.requests["4"]
                    data = render_series_text(rep)
                    raw_bytes += len(data)
                    url = f"https://bench.invalid/{i}/{year}.txt"
                    report = to_report(rep, url)
                    if paragraphs:
                        report.extras["body"] = lengthen(report.extras["body"], paragraphs, (i, year))
                    ingest_bytes(db, data, Fetch(url=url), Hints(), report=report)
                    done += 1
        if done % 10000 < batch:
            print(f"  {done} reports, {done / (time.perf_counter() - t0):.0f}/s", file=sys.stderr, flush=True)
    t_ingest = time.perf_counter() - t0
    t1 = time.perf_counter()
    carry = refresh_cross_checks(db)
    t_cross = time.perf_counter() - t1
    rows = sum(db[t].count for t in ("active_disclosure", "requests", "reviews", "checks", "problems"))
    cells = sum(db[t].count for t in ("active_disclosure", "requests", "reviews"))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = db_path.stat().st_size
    db.close()
    return {"reports": done, "cells": cells, "rows": rows, "carry_over_rows": carry, "ingest_s": t_ingest,
            "reports_per_s": done / t_ingest, "cross_checks_s": t_cross, "db_bytes": size,
            "bytes_per_report": size / done, "raw_bytes_per_report": raw_bytes / done}


def time_derived(db_path: Path, run_reports: int = 100) -> dict[str, float]:
    """The research layer's build times on the archive at `db_path` (issue 12): the full rebuild of
    the per-report part (what every ingest and crawl run paid before it followed the writes), the
    publication part (rollups, leaderboard: once per snapshot), and then one "nightly run" that
    writes `run_reports` reports — a 2024 report for that many agencies — refreshed incrementally."""
    from archive.research import rebuild_research_layer, refresh_research_layer
    from archive.research.rollups import refresh_leaderboard, refresh_rollups

    db = open_db(db_path)
    out: dict[str, float] = {"reports": db.execute("select count(*) from reports").fetchone()[0]}
    t = time.perf_counter()
    counts = rebuild_research_layer(db)
    out["rebuild_per_report_s"] = time.perf_counter() - t
    out["indicator_rows"] = counts.indicators
    with db.atomic():
        t = time.perf_counter()
        out["rollup_rows"] = refresh_rollups(db)
        out["rollups_s"] = time.perf_counter() - t
        t = time.perf_counter()
        out["leaderboard_rows"] = refresh_leaderboard(db)
        out["leaderboard_s"] = time.perf_counter() - t
    names = [r[0] for r in db.execute("select agency from reports where year = 2023 and duplicate_of is null "
                                      "order by id limit ?", [run_reports])]
    t = time.perf_counter()
    with db.atomic():
        for i, name in enumerate(names):
            rep = balanced(name, 2024, seed=i)
            url = f"https://bench.invalid/run/{i}/2024.txt"
            ingest_bytes(db, render_series_text(rep), Fetch(url=url), Hints(), report=to_report(rep, url))
    out["run_ingest_s"] = time.perf_counter() - t
    t = time.perf_counter()
    counts = refresh_research_layer(db)
    out["run_refresh_s"] = time.perf_counter() - t
    out["run_written"] = len(names)
    out["run_recomputed"] = counts.reports
    db.close()
    return out


def print_derived(d: dict[str, float]) -> None:
    before = d["rebuild_per_report_s"] + d["rollups_s"] + d["leaderboard_s"]
    print(f"\nresearch layer at {d['reports']:,.0f} reports ({d['indicator_rows']:,.0f} indicator rows, "
          f"{d['rollup_rows']:,.0f} rollup rows, {d['leaderboard_rows']:,.0f} leaderboard rows)")
    print("| step | seconds |\n| --- | ---: |")
    print(f"| per-report part, every report (agencies, checks across reports, indicators, report quality) | {d['rebuild_per_report_s']:.1f} |")
    print(f"| rollups (per publication) | {d['rollups_s']:.1f} |")
    print(f"| leaderboard (per publication) | {d['leaderboard_s']:.1f} |")
    print(f"| before: the full rebuild every ingest and crawl run paid | {before:.1f} |")
    print(f"| after: refresh after a run writing {d['run_written']:.0f} reports "
          f"({d['run_recomputed']:.0f} recomputed) | {d['run_refresh_s']:.2f} |")
    print(f"| (that run's own ingest of {d['run_written']:.0f} reports) | {d['run_ingest_s']:.1f} |")


def parse_sample(n: int = 200) -> float:
    """Reports per second through the whole path (parse + ingest) on a small sample."""
    import tempfile

    from archive.ingest import ingest_paths

    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            rep = balanced(f"北京市海淀区测试局{i}", 2021, seed=i)
            Path(tmp, f"{i}.txt").write_bytes(render_series_text(rep))
        db = open_db(Path(tmp) / "sample.db")
        t0 = time.perf_counter()
        ingest_paths(db, [Path(tmp)])
        return n / (time.perf_counter() - t0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def requests_to_time(sample_agency: str) -> dict[str, str]:
    bj = quote("北京市")
    return {
        "home": "/",
        "facet page: reports (7 facets)": "/nianbao/reports",
        "facet page: reports, year+province applied": f"/nianbao/reports?year=2021&province={bj}",
        "facet page: reports, year applied (precomputed facets)": "/nianbao/reports?year=2021",
        "facet page: report_summary": "/nianbao/report_summary?_facet=year&_facet=province",
        "facet page: report_summary, year applied": "/nianbao/report_summary?year=2021",
        "facet page: indicator_rollups (3 facets)": "/nianbao/indicator_rollups",
        "facet page: leaderboard (3 facets)": "/nianbao/leaderboard",
        "facet page: report_quality (3 facets)": "/nianbao/report_quality",
        "facet page: missing_reports": "/nianbao/missing_reports",
        "search: 复议 (every report)": f"/nianbao/reports?_search={quote('复议')}",
        "search: 依申请公开 (every report)": f"/nianbao/reports?_search={quote('依申请公开')}",
        "search: 复议, year applied": f"/nianbao/reports?_search={quote('复议')}&year=2021",
        "search: 复议, a later page (_next)": f"/nianbao/reports?_search={quote('复议')}&_next=99900%2C99900&_sort_desc=id",
        "search: 复议 on report_summary": f"/nianbao/report_summary?_search={quote('复议')}",
        "search: 教育局 (15% of reports, none of the newest)": f"/nianbao/reports?_search={quote('教育局')}",
        "search: 山东省 (under the broad cap: counted and faceted)": f"/nianbao/reports?_search={quote('山东省')}",
        "ranked search: 依申请 (every report: newest 100)": f"/nianbao/search?q={quote('依申请')}",
        f"ranked search: {sample_agency}": f"/nianbao/search?q={quote(sample_agency)}",
        f"search: {sample_agency}": f"/nianbao/reports?_search={quote(sample_agency)}",
        "canned: reports_failing_rule, rule=carry_over (computed)": "/nianbao/reports_failing_rule?rule=carry_over",
        "canned: failures_by_rule": "/nianbao/failures_by_rule",
        "canned: agencies_most_requests": "/nianbao/agencies_most_requests",
        "canned: yearly_trends_by_region": "/nianbao/yearly_trends_by_region?province=",
        "search: 复议, sorted by checks_failed (probed in that order)":
            f"/nianbao/reports?_search={quote('复议')}&_sort_desc=checks_failed",
        "search: 教育局, sorted by pub_date (probed in that order)": f"/nianbao/reports?_search={quote('教育局')}&_sort=pub_date",
        "search: 依申请公开 with _where (probed)": f"/nianbao/reports?_search={quote('依申请公开')}&_where={quote('year > 2019')}",
        "search: 复议 on report_summary, sorted by year": f"/nianbao/report_summary?_search={quote('复议')}&_sort_desc=year",
        "search: 复议, raw mode, sorted (probed through the index)":
            f"/nianbao/reports?_search={quote(chr(34) + '复 议' + chr(34))}&_searchmode=raw&_sort_desc=checks_failed",
        "sorted page: reports by pub_date (no search)": "/nianbao/reports?_sort=pub_date",
        "sorted page: report_summary by year, descending": "/nianbao/report_summary?_sort_desc=year",
        "canned, one province: yearly_trends_by_region": f"/nianbao/yearly_trends_by_region?province={quote('山东省')}",
        "canned, one province: leaderboard_by_region": f"/nianbao/leaderboard_by_region?province={quote('山东省')}",
        "canned, one province: narrative_contradicts_tables":
            f"/nianbao/narrative_contradicts_tables?province={quote('山东省')}&year=",
        "canned, one province: missing_reports_by_region":
            f"/nianbao/missing_reports_by_region?province={quote('山东省')}&status=&year=",
        "canned, one province: region_vs_parent": f"/nianbao/region_vs_parent?province={quote('山东省')}",
        "canned, province and year (computed): narrative_contradicts_tables":
            f"/nianbao/narrative_contradicts_tables?province={quote('山东省')}&year=2021",
        "canned, province and year (computed): leaderboard_by_region":
            f"/nianbao/leaderboard_by_region?province={quote('山东省')}&year=2021",
        "canned, province and city (computed): leaderboard_by_region":
            f"/nianbao/leaderboard_by_region?province={quote('山东省')}&city={quote('济南市')}",
        "canned, province, year and indicator (computed): red_yellow_list":
            f"/nianbao/red_yellow_list?province={quote('山东省')}&year=2021&indicator=rate_disclosed"
            "&min_denominator=&direction=",
        "canned, the oldest year alone (computed): narrative_contradicts_tables":
            "/nianbao/narrative_contradicts_tables?province=&year=2019",
        "canned, the oldest year alone (computed): missing_reports_by_region":
            "/nianbao/missing_reports_by_region?province=&status=&year=2019",
        "canned: tables_not_found": "/nianbao/tables_not_found",
        "canned: carry_over_mismatches": "/nianbao/carry_over_mismatches",
        "canned: changed_reports": "/nianbao/changed_reports",
    }


# --- The publication's own pages (issue 13): report and agency pages, the original, the maps -------

def publication_pages(db_path: Path) -> dict[str, str]:
    """The report page, its original's download and the agency page of a report in the middle of
    the archive (its cells far from the first rows), the two dashboard maps' queries and the
    canned queries opened with their defaults: the pages a researcher opens after a search."""
    import sqlite3

    import yaml

    from archive.serve import METADATA

    con = sqlite3.connect(db_path)
    try:
        (report_id,) = con.execute("select id from reports where duplicate_of is null "
                                   "order by id limit 1 offset (select count(*) / 2 from reports)").fetchone()
        found = con.execute("select id from agencies order by id limit 1 offset (select count(*) / 2 from agencies)").fetchone()
        if found is None:
            raise SystemExit(f"{db_path} has no agencies: build the research layer first "
                             "(archive.research.refresh_research_layer)")
        (agency_id,) = found
        (agency,) = con.execute("select agency from reports where id = ?", [report_id]).fetchone()
    finally:
        con.close()
    charts = yaml.safe_load(METADATA.read_text())["plugins"]["datasette-dashboards"]["overview"]["charts"]
    pages = {
        "report page": f"/-/report/{report_id}",
        "report original (download)": f"/-/report/{report_id}/original",
        "agency page": f"/-/agency/{quote(agency_id, safe='')}",
        # a broad term few of whose hits the filter passes: the index windows would read them all
        "search: 教育局 under one agency's filter (probed)": f"/nianbao/reports?_search={quote('教育局')}&agency={quote(agency)}",
    }
    for chart in ("report-map", "indicator-map"):
        sql = re.sub(r"\[\[.*?\]\]", "", charts[chart]["query"], flags=re.S)  # no dashboard filter
        pages[f"dashboard query: {chart}"] = f"/nianbao.json?sql={quote(sql)}&_shape=objects"
    for query in ("reports_failing_rule", "leaderboard_by_region", "agency_time_series", "region_vs_parent"):
        pages[f"canned, defaults: {query}"] = f"/nianbao/{query}"
    return pages


def time_publication(db_path: Path, repeat: int) -> None:
    """Print median and p95 ms of publication_pages() on a real `nianbao serve` of `db_path`."""
    results, startup = time_datasette(db_path, repeat, paths=publication_pages(db_path))
    print(f"\npublication pages (nianbao serve started in {startup:.0f} s; load {os.getloadavg()[0]:.1f})")
    print("\n| page | median ms | p95 ms | status |\n| --- | ---: | ---: | --- |")
    for name, (median, p95, status) in results.items():
        print(f"| {name} | {median:.0f} | {p95:.0f} | {status} |")


def time_datasette(db_path: Path, repeat: int, sample: str = "海淀",
                   paths: dict[str, str] | None = None) -> tuple[dict[str, tuple[float, float, int]], float]:
    """Start `nianbao serve` on `db_path`; median and p95 ms of each page of requests_to_time(sample)
    (or of `paths`) over `repeat` sequential requests (after one warm-up), and the startup time.
    bench/scale.py reuses this on its crawled archive, with a district name of its own as the
    search; bench/search.py with its own search pages."""
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(Path(sys.executable).with_name("nianbao")), "serve", "--db", str(db_path),
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, tuple[float, float, int]] = {}
    try:
        while True:
            try:
                if httpx.get(base + "/-/versions.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
            if proc.poll() is not None:
                raise RuntimeError("nianbao serve exited")
        startup = time.perf_counter() - t0
        with httpx.Client(base_url=base, timeout=60) as client:
            for name, path in (paths or requests_to_time(sample)).items():
                times = []
                status = 0
                for i in range(repeat + 1):
                    t = time.perf_counter()
                    response = client.get(path)
                    if i:  # the first request warms the page cache
                        times.append((time.perf_counter() - t) * 1000)
                    status = response.status_code
                times.sort()
                p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
                results[name] = (statistics.median(times), p95, status)
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    return results, startup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/nianbao-bench/nianbao.db"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--publication-only", action="store_true",
                        help="time only the publication's pages (report, agency, original, maps) on the archive at --db")
    parser.add_argument("--no-serve", action="store_true", help="Skip the Datasette timings.")
    parser.add_argument("--real-bodies", action="store_true",
                        help="lengthen each body to a real report's 600–5,000 characters (bench/bodies.py)")
    parser.add_argument("--pages-only", action="store_true",
                        help="only the Datasette pages (the table above, then the publication's) on the archive at --db")
    args = parser.parse_args()
    if args.publication_only:
        time_publication(args.db, args.repeat)
        return
    if args.pages_only:
        time_pages(args.db, args.repeat)
        return
    args.db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(args.db) + suffix).unlink(missing_ok=True)
    print(f"building an archive of {args.reports} reports in {args.db}", file=sys.stderr)
    b = build(args.db, args.reports, real_bodies=args.real_bodies)
    full_rate = parse_sample()
    print(f"\nreports: {b['reports']:,}; cells: {b['cells']:,}; rows incl. checks: {b['rows']:,}; "
          f"carry_over rows: {b['carry_over_rows']:,}")
    print(f"ingest: {b['ingest_s']:.0f} s = {b['reports_per_s']:.0f} reports/s "
          f"({b['reports_per_s'] * b['cells'] / b['reports']:,.0f} cells/s); cross-report checks {b['cross_checks_s']:.1f} s")
    print(f"parse + ingest (200 text reports through nianbao ingest): {full_rate:.0f} reports/s")
    print(f"database: {b['db_bytes'] / 2**20:,.0f} MiB = {b['bytes_per_report'] / 1024:.1f} KiB/report "
          f"(raw capture {b['raw_bytes_per_report'] / 1024:.1f} KiB/report before gzip)")
    print_derived(time_derived(args.db))
    if args.no_serve:
        return
    time_pages(args.db, args.repeat)


def time_pages(db_path: Path, repeat: int) -> None:
    """requests_to_time() and the publication's pages, on one `nianbao serve` of `db_path`."""
    load = os.getloadavg()[0]
    paths = {**requests_to_time("海淀"), **publication_pages(db_path)}
    results, startup = time_datasette(db_path, repeat, paths=paths)
    print(f"nianbao serve startup (VACUUM INTO snapshot + precompute + inspect + Datasette): {startup:.0f} s; "
          f"load {load:.1f} before, {os.getloadavg()[0]:.1f} after")
    print("\n| request | median ms | p95 ms | status |\n| --- | ---: | ---: | --- |")
    for name, (median, p95, status) in results.items():
        print(f"| {name} | {median:.0f} | {p95:.0f} | {status} |")


if __name__ == "__main__":
    main()
