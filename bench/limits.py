"""Benchmark of Datasette's limits (issue 14, item 9; archive/datasette_limits.py).

Starts a real Datasette on the snapshot `nianbao serve` publishes (same command, settings and
metadata: `archive.serve.prepare` + `datasette_command`) and measures, with real HTTP requests:

1. how long each hostile query of tests/test_serve_limits.py holds the server (one request each);
2. cheap pages (`/nianbao/reports.json?_size=1`, `/-/versions.json`, the `reports` table page)
   sequentially, alone and then while `--hostile` clients keep hostile queries in flight (more than
   `num_sql_threads`): median, p95 and max ms, and what became of the hostile requests;
3. the server's peak RSS (/proc/<pid>/status VmHWM, reset through clear_refs) over the memory-
   hostile queries, against its idle RSS.

`--without-limits` runs the same Datasette with the plugin unregistered (the code before it), for
comparison; its hostile queries hold the server for minutes, so `--skip` what you do not need.
`--functions N` times the plugin's replaced functions (like, glob, instr, replace, trim, printf)
against SQLite's own over N report-like titles, in-process.

    python bench/limits.py --rounds 30 --hostile 8
    python bench/limits.py --without-limits --skip long --skip memory --rounds 2
    python bench/limits.py --functions 100000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# Run as a script, this file's directory comes first on sys.path and its name would hide the
# `archive` package: take the directory off before importing it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
from test_serve_limits import CHEAP, HOSTILE, LONG_OPCODES, MEMORY  # noqa: E402

from archive.ingest import ingest_paths  # noqa: E402
from archive.schema import open_db  # noqa: E402
from archive.serve import datasette_command, prepare  # noqa: E402
from nianbao.synthetic import demo_reports  # noqa: E402

CHEAP_TIMEOUT_S = 120
WITHOUT = ("from datasette.plugins import pm; pm.unregister(name='nianbao_limits'); "
           "from datasette.cli import cli; cli()")


def demo_archive(root: Path) -> Path:
    reports = root / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    for name, data in demo_reports():
        (reports / name).write_bytes(data)
    db = open_db(root / "nianbao.db")
    ingest_paths(db, [reports])
    db.close()
    return root / "nianbao.db"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(db_path: Path, work: Path, without_limits: bool) -> tuple[subprocess.Popen, str]:
    snap, counts = prepare(db_path, work / "publish")
    port = free_port()
    cmd = datasette_command(snap, counts, port=port)
    if without_limits:
        cmd = [cmd[0], "-c", WITHOUT] + cmd[3:]  # `python -m datasette serve …` → the same, plugin off
    proc = subprocess.Popen(cmd, stdout=(work / "datasette.log").open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/-/versions.json", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((work / "datasette.log").read_text())
        time.sleep(0.3)


def sql(base: str, query: str, timeout: float = 600) -> tuple[int, float, str]:
    t0 = time.monotonic()
    try:
        res = httpx.get(f"{base}/nianbao.json", params={"sql": query}, timeout=timeout)
        status, text = res.status_code, res.text
    except httpx.HTTPError as e:
        status, text = 0, repr(e)
    took = time.monotonic() - t0
    with contextlib.suppress(ValueError, AttributeError):
        text = json.loads(text).get("error") or "ok"
    return status, took, " ".join(str(text).split())[:70]


def long_opcodes(base: str) -> None:
    print("\n| hostile query | status | held the server s | answer |\n| --- | ---: | ---: | --- |")
    for name, query in LONG_OPCODES.items():
        status, took, text = sql(base, query)
        print(f"| {name} | {status} | {took:.1f} | {text} |", flush=True)


def cheap_pages(base: str, rounds: int, hostile: int) -> None:
    def measure() -> dict[str, list[float]]:
        times: dict[str, list[float]] = {path: [] for path in CHEAP}
        for _ in range(rounds):
            for path in CHEAP:
                t0 = time.monotonic()
                try:
                    status = httpx.get(base + path, timeout=CHEAP_TIMEOUT_S).status_code
                except httpx.TimeoutException:
                    status = 0  # no answer within CHEAP_TIMEOUT_S: shown as inf
                times[path].append((time.monotonic() - t0) * 1000 if status == 200 else float("inf"))
        return times

    def row(label: str, times: dict[str, list[float]]) -> None:
        for path, ms in times.items():
            ms.sort()
            p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
            print(f"| {label} | `{path}` | {statistics.median(ms):.0f} | {p95:.0f} | {ms[-1]:.0f} |", flush=True)

    print("\n| while | page | median ms | p95 ms | max ms |\n| --- | --- | ---: | ---: | ---: |")
    measure()  # warm
    row("idle", measure())
    stop = threading.Event()
    outcomes: list[tuple[int, float]] = []

    def client(i: int) -> None:
        while not stop.is_set():
            status, took, _ = sql(base, HOSTILE[i % len(HOSTILE)])
            outcomes.append((status, took))

    clients = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(hostile)]
    for c in clients:
        c.start()
    time.sleep(2)
    row(f"{hostile} hostile clients", measure())
    stop.set()
    for c in clients:
        c.join()
    by_status: dict[int, list[float]] = {}
    for status, took in outcomes:
        by_status.setdefault(status, []).append(took)
    print("\nhostile requests meanwhile: " + "; ".join(
        f"{len(t)} × status {s} (median {statistics.median(t):.1f} s, max {max(t):.1f} s)"
        for s, t in sorted(by_status.items())))


def status_bytes(pid: int, key: str) -> int:
    """A size from /proc/<pid>/status: VmRSS (resident now), VmHWM (peak since the last reset)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) << 10
    raise RuntimeError(f"no {key}")


def memory(base: str, pid: int, concurrent: int) -> None:
    for path in CHEAP:
        httpx.get(base + path, timeout=60)
    idle = status_bytes(pid, "VmRSS")
    print(f"\nidle RSS {idle >> 20} MiB\n\n| memory-hostile query | status | s | peak RSS MiB | over idle MiB |"
          "\n| --- | ---: | ---: | ---: | ---: |")
    for name, query in MEMORY.items():
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        status, took, _ = sql(base, query)
        peak = status_bytes(pid, "VmHWM")
        print(f"| {name} | {status} | {took:.1f} | {peak >> 20} | {(peak - idle) >> 20} |", flush=True)
    # all of them at once, from `clients` clients each running the whole list
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    statuses: list[int] = []

    def client(offset: int) -> None:
        names = list(MEMORY)
        for name in names[offset % len(names):] + names[:offset % len(names)]:
            statuses.append(sql(base, MEMORY[name])[0])

    t0 = time.monotonic()
    clients = [threading.Thread(target=client, args=(i,)) for i in range(concurrent)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    peak = status_bytes(pid, "VmHWM")
    print(f"| all {len(MEMORY)}, {concurrent} clients at once | {sorted(set(statuses))} | {time.monotonic() - t0:.1f} "
          f"| {peak >> 20} | {(peak - idle) >> 20} |", flush=True)


FUNCTION_QUERIES = {
    "like '%…%' (contains filter)": "select count(*) from t where title like '%海淀区某某局12年%'",
    "like '…%' (starts with)": "select count(*) from t where title like '北京%'",
    "like with ASCII letters": "select count(*) from t where title like '%REPORT'",
    "like with _": "select count(*) from t where title like '%局1_年%'",
    "glob '*…*'": "select count(*) from t where title glob '*局12年*'",
    "instr": "select count(*) from t where instr(title, '局12年') > 0",
    "replace": "select count(*) from t where replace(title, '年', '') = ''",
    "ltrim(x, y)": "select count(*) from t where ltrim(title, '北京') = ''",
    "printf": "select count(*) from t where printf('%s-%d', title, rowid) = ''",
}


def functions(rows: int, repeat: int) -> None:
    """The replaced functions against SQLite's own, in this process: `rows` report-like titles, the
    best of `repeat` runs of each scan (no server: the functions' own cost)."""
    import sqlite3

    from archive import datasette_limits

    titles = [(f"北京市海淀区某某局{i % 977}年政府信息公开工作年度报告 Report",) for i in range(rows)]
    results: dict[str, list[float]] = {}
    for replaced in (False, True):
        con = sqlite3.connect(":memory:")
        con.execute("create table t(title)")
        con.executemany("insert into t values (?)", titles)
        if replaced:
            datasette_limits._replace_functions(con, datasette_limits._State(dict(datasette_limits.DEFAULTS)))
        for name, query in FUNCTION_QUERIES.items():
            best = float("inf")
            for _ in range(repeat):
                t0 = time.perf_counter()
                con.execute(query).fetchone()
                best = min(best, time.perf_counter() - t0)
            results.setdefault(name, []).append(best * 1000)
    print(f"\n| scan of {rows:,} titles | SQLite's own ms | replaced ms | × |\n| --- | ---: | ---: | ---: |")
    for name, (own, mine) in results.items():
        print(f"| {name} | {own:.0f} | {mine:.0f} | {mine / own:.1f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, help="an archive to serve (default: the synthetic demo archive)")
    ap.add_argument("--rounds", type=int, default=30, help="requests of each cheap page per measurement")
    ap.add_argument("--hostile", type=int, default=8, help="clients keeping hostile queries in flight")
    ap.add_argument("--without-limits", action="store_true", help="unregister the plugin (before it)")
    ap.add_argument("--skip", action="append", default=[], choices=["long", "cheap", "memory"])
    ap.add_argument("--functions", type=int, metavar="ROWS",
                    help="only time the replaced functions against SQLite's own over ROWS titles (no server)")
    args = ap.parse_args()
    if args.functions:
        print(f"load: {os.getloadavg()}")
        functions(args.functions, 5)
        print(f"load: {os.getloadavg()}")
        return
    with tempfile.TemporaryDirectory(prefix="nianbao-limits-") as tmp:
        work = Path(tmp)
        db = args.db or demo_archive(work)
        proc, base = start(db, work, args.without_limits)
        try:
            plugins = [p["name"] for p in httpx.get(f"{base}/-/plugins.json", timeout=10).json()]
            print(f"Datasette {'WITHOUT' if args.without_limits else 'with'} the limits; plugins: {plugins}")
            print(f"load: {os.getloadavg()}")
            if "long" not in args.skip:
                long_opcodes(base)
            if "cheap" not in args.skip:
                cheap_pages(base, args.rounds, args.hostile)
            if "memory" not in args.skip:
                memory(base, proc.pid, args.hostile)
            print(f"\nload: {os.getloadavg()}")
        finally:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()


if __name__ == "__main__":
    main()
