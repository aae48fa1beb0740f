"""Search index candidates on a generated archive with real-length bodies (issue 13).

    .venv/bin/python bench/search.py --reports 3000 --db /tmp/nb-search/bench.db
    .venv/bin/python bench/search.py --reuse --db /tmp/nb-search/bench.db     # measure again, no rebuild

1. **Archive.** N generated reports (`nianbao.synthetic.make_spec`, both templates, text copies)
   parsed by the extractor (`crawler.pipelines.extraction.extract_capture`) and written by `ingest_bytes`, so
   the search index is built by the ingest's own triggers.  The generator's narrative is about
   750 characters, a real report's body 600–5,000 (the four shared examples: 586, 1,470, 2,715
   and 4,990), so each body is lengthened before the write to a length drawn from a triangular
   distribution (600–5,000, mode 1,800) with paragraphs of the shared examples
   (`../shared/examples`, or $NIANBAO_EXAMPLES), their numbers redrawn.
2. **Candidates**, each built in the same file over `reports.title` and `reports.body`:
   - `chars` (chosen: `report_search`): a token per character, contentless; rebuilt here
     (`archive.fts.reindex`) to time it;
   - `trigram`: FTS5's trigram tokenizer, external content (`content=reports`: no copy of the
     text) — terms of three or more characters only;
   - `bigram`: a token per pair of adjacent characters, contentless, with a one-character prefix
     index for one-character terms;
   - `LIKE`: no index, `title LIKE '%q%' OR body LIKE '%q%'`.
   Size: the pages of the index's tables (`dbstat`).  Exact: for how many of the sampled terms
   (tests/test_search.py's draw: random substrings of 1–6 characters plus the fixed ones) the
   candidate returns exactly LIKE's reports.  Query: median ms of 7 runs of
   `select count(*) from reports where id in (select rowid from … match ?)`.
3. **Datasette**: `nianbao serve` of the archive; median and p95 ms of sequential requests of
   the reports search page (its count, 50 rows and 7 facets), and the ranked `search` query.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from archive import fts  # noqa: E402
from archive.captures import Fetch  # noqa: E402
from archive.crossref import refresh_cross_checks  # noqa: E402
from archive.schema import open_db  # noqa: E402
from archive.write import Hints, ingest_bytes  # noqa: E402
from crawler.pipelines.extraction import extract_capture  # noqa: E402
from nianbao.synthetic import make_spec, render_text  # noqa: E402

sys.path.append(str(Path(__file__).resolve().parent))  # after the packages: bench/archive.py must not hide `archive`
from bodies import example_paragraphs, lengthen  # noqa: E402

TERMS = ["公", "诉", "复议", "海淀", "政府办", "依申请", "依申请公开", "政府信息公开", "未收取信息处理费", "2021", "3.1",
         "海淀 复议", "政府办 依申请公开"]


def build(db_path: Path, n: int) -> dict[str, float | bool]:
    paragraphs = example_paragraphs()
    db = open_db(db_path)
    t0 = time.perf_counter()
    with db.atomic():
        for seed in range(n):
            spec = make_spec(seed, "2019" if seed % 3 == 0 else "2021", blanks=seed % 5 == 0, odd_labels=seed % 4 == 1)
            data = render_text(spec)
            url = f"https://bench.invalid/{seed}.txt"
            extracted = extract_capture(data, url, f"{seed}.txt", Hints())
            report = extracted.report
            if report is not None:
                report.extras["body"] = lengthen(report.extras["body"], paragraphs, seed)
            ingest_bytes(db, data, Fetch(url=url), Hints(), report=report, error=extracted.error)
    refresh_cross_checks(db)
    took = time.perf_counter() - t0
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return {"ingest_s": took, "lengthened": bool(paragraphs)}


def size(con: sqlite3.Connection, table: str) -> int:
    """Bytes of an index: its virtual table's shadow tables (and their indexes)."""
    return con.execute("select coalesce(sum(pgsize), 0) from dbstat where name like ? escape '\\'",
                       [table.replace("_", "\\_") + "\\_%"]).fetchone()[0]


# --- the candidates other than the chosen one -------------------------------------------------

def _unit(c: str) -> str:  # fixed-width code point for any character not its own token
    return c if fts._OWN.fullmatch(c) else f"x{ord(c):06x}"


def bigrams(text: str | None) -> str | None:
    if text is None:
        return None
    units = [_unit(c) for c in text]
    return " ".join([a + b for a, b in zip(units, units[1:], strict=False)] + units[-1:])


def bigram_match(query: str) -> str:
    out = []
    for word in fts.terms(query):
        units = [_unit(c) for c in word]
        out.append(f'"{units[0]}"*' if len(units) == 1 else '"' + " ".join(a + b for a, b in zip(units, units[1:], strict=False)) + '"')
    return " AND ".join(out) or '""'


def trigram_match(query: str) -> str:
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in fts.terms(query)) or '""'


def build_candidates(con: sqlite3.Connection) -> dict[str, dict[str, float]]:
    con.create_function("bench_bigrams", 1, bigrams, deterministic=True)
    fts_rows = "select id, {f}(title), {f}(body) from reports"
    out: dict[str, dict[str, float]] = {}
    specs = {
        "chars": None,
        "trigram": ("create virtual table bench_trigram using fts5(title, body, content='reports', content_rowid='id', "
                    "tokenize='trigram')", "insert into bench_trigram(bench_trigram) values ('rebuild')"),
        "bigram": ("create virtual table bench_bigram using fts5(title, body, content='', prefix='1', "
                   f"tokenize='{fts.TOKENIZE}')",
                   "insert into bench_bigram(rowid, title, body) " + fts_rows.format(f="bench_bigrams")),
    }
    for name, spec in specs.items():
        t0 = time.perf_counter()
        if spec is None:
            from sqlite_utils import Database

            fts.reindex(Database(con))
            table = fts.TABLE
        else:
            table = f"bench_{name}"
            con.execute(f"drop table if exists {table}")
            con.execute(spec[0])
            con.execute(spec[1])
            con.execute(f"insert into {table}({table}) values ('optimize')")
        con.commit()
        out[name] = {"build_s": time.perf_counter() - t0, "bytes": size(con, table), "table": table}
    return out


def counter(con: sqlite3.Connection, name: str, table: str):
    if name == "LIKE":
        def run(query: str) -> set[int]:
            found = None
            for w in fts.terms(query):
                pattern = "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                ids = {r[0] for r in con.execute("select id from reports where title like ?1 escape '\\' "
                                                 "or body like ?1 escape '\\'", [pattern])}
                found = ids if found is None else found & ids
            return found or set()
        return run
    expr = {"chars": fts.match_expression, "trigram": trigram_match, "bigram": bigram_match}[name]

    def run(query: str) -> set[int]:
        return {r[0] for r in con.execute(f"select id from reports where id in (select rowid from {table} "
                                          f"where {table} match ?)", [expr(query)])}
    return run


def median_ms(f, query: str, n: int = 7) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        f(query)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/nianbao-bench-search/nianbao.db"))
    parser.add_argument("--repeat", type=int, default=7, help="timed Datasette requests per page")
    parser.add_argument("--no-serve", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="measure the archive already at --db")
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    if not (args.reuse and args.db.exists()):
        args.db.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(args.db) + suffix).unlink(missing_ok=True)
        b = build(args.db, args.reports)
        print(f"archive: {b['reports']:,} reports, built in {b['ingest_s']:.0f} s; "
              f"lengthened from the examples: {b['lengthened']}")
    con = sqlite3.connect(args.db)
    b = dict(zip(("reports", "avg_body", "chars"), con.execute(
        "select count(*), avg(length(body)), sum(length(title) + length(body)) from reports").fetchone(), strict=True))
    print(f"archive: {b['reports']:,} reports, body {b['avg_body']:,.0f} characters on average, "
          f"{b['chars'] / 1e6:.1f} M characters of title and body")
    reports_bytes = con.execute("select sum(pgsize) from dbstat where name = 'reports'").fetchone()[0]
    cands = build_candidates(con)
    from test_search import draw_terms

    sample = draw_terms(con)
    oracle = counter(con, "LIKE", "")
    want = {t: oracle(t) for t in sample}
    print(f"\n`reports` table (all columns, body included): {reports_bytes / 2**20:.1f} MiB; "
          f"{len(sample)} sampled terms ({sum(len(t) < 3 for t in sample)} of 1–2 characters)\n")
    print("| candidate | index MiB | bytes/char of text | build s | exact on sampled terms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    runs = {"LIKE": oracle}
    for name, c in cands.items():
        runs[name] = counter(con, name, c["table"])
        exact = sum(runs[name](t) == want[t] for t in sample)
        print(f"| {name} | {c['bytes'] / 2**20:.1f} | {c['bytes'] / b['chars']:.2f} | {c['build_s']:.1f} | "
              f"{exact} / {len(sample)} |")
    print("| LIKE (no index) | 0 | 0 | 0 | all (the reference) |")
    print("\nmedian ms of `select count(*) … match` (7 runs); reports found in brackets\n")
    print("| term | " + " | ".join(runs) + " |")
    print("| --- |" + " ---: |" * len(runs))
    for term in TERMS:
        cells = []
        for name, run in runs.items():
            if name == "trigram" and any(len(w) < 3 for w in fts.terms(term)):
                cells.append("–")
                continue
            cells.append(f"{median_ms(run, term):.1f} ({len(run(term))})")
        print(f"| {term} | " + " | ".join(cells) + " |")
    for name, c in cands.items():
        if name != "chars":
            con.execute(f"drop table {c['table']}")
    con.commit()
    con.execute("vacuum")
    con.close()
    if args.no_serve:
        return
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_archive", ROOT / "bench" / "archive.py")
    assert spec is not None and spec.loader is not None
    bench_archive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_archive)
    pages = {"reports, no search (the page's own cost)": "/nianbao/reports"}
    pages |= {f"reports?_search={t}": f"/nianbao/reports?_search={quote(t)}" for t in
             ["复议", "依申请", "政府办", "公", "海淀 复议", "依申请公开"]}
    pages |= {f"search?q={t} (ranked)": f"/nianbao/search?q={quote(t)}" for t in ["依申请", "海淀"]}
    results, startup = bench_archive.time_datasette(args.db, args.repeat, paths=pages)
    print(f"\nnianbao serve (snapshot + inspect + Datasette) started in {startup:.0f} s\n")
    print("| page | median ms | p95 ms | status |\n| --- | ---: | ---: | --- |")
    for name, (median, p95, status) in results.items():
        print(f"| {name} | {median:.0f} | {p95:.0f} | {status} |")
    print(f"\nload after: {os.getloadavg()[0]:.2f}", file=sys.stderr)


if __name__ == "__main__":
    main()
