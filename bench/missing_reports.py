"""The canned query `missing_reports_by_region` given a status alone, over a national-size table.

    .venv/bin/python bench/missing_reports.py --rows 1000000 --db /tmp/nb-missing.db

Why: a status alone is the one canned-query parameter not precomputed per value (docs/scale.md).
A generated archive has no missing reports (every agency publishes), so this fills the real
schema's `missing_reports` (`archive.schema.open_db`, its index on status, province, year) with
`--rows` rows over 2,000 agencies in 34 provinces and 10 years, statuses drawn 6 : 3 : 1
(missing_report, crawl_incomplete, not_yet_due), and times the query as metadata.yml declares it
with each status given: median of `--repeat` runs of its first 1,001 rows (what Datasette asks).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.precompute import precomputed_queries  # noqa: E402
from archive.schema import open_db  # noqa: E402

STATUSES = {"missing_report": 6, "crawl_incomplete": 3, "not_yet_due": 1}


def fill(path: Path, rows: int) -> None:
    """The real schema at `path`, its missing_reports holding `rows` generated rows."""
    path.unlink(missing_ok=True)
    db = open_db(path)
    rnd = random.Random(1)
    provinces = [f"省{i:02d}" for i in range(34)]
    agencies = [(f"a{i}", provinces[i % 34], f"市{i % 300}", f"区{i % 2000}") for i in range(2000)]
    db["agencies"].insert_all(({"id": a, "name": f"机关{a}", "province": p, "city": c, "district": d}
                               for a, p, c, d in agencies), alter=True)
    statuses, weights = list(STATUSES), list(STATUSES.values())
    db["missing_reports"].insert_all(
        ({"agency_id": a, "province": p, "city": c, "district": d, "year": 2015 + i % 10,
          "status": rnd.choices(statuses, weights)[0], "detail": "generated"}
         for i, (a, p, c, d) in enumerate(rnd.choice(agencies) for _ in range(rows))), batch_size=10000)
    db.conn.execute("ANALYZE")
    db.conn.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/nb-missing.db"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    fill(args.db, args.rows)
    metadata = yaml.safe_load((ROOT / "datasette" / "metadata.yml").read_text(encoding="utf-8"))
    sql, params = precomputed_queries(metadata)["missing_reports_by_region"]
    con = open_db(args.db).conn
    print(f"{args.rows:,} missing_reports rows; load {os.getloadavg()[0]:.2f}")
    print("| status given | rows it selects | median ms |\n| --- | ---: | ---: |")
    for status in STATUSES:
        (selected,) = con.execute("select count(*) from missing_reports where status = ?", [status]).fetchone()
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            con.execute(f"select * from ({sql}) limit 1001", {**dict.fromkeys(params, ""), "status": status}).fetchall()
            times.append(time.perf_counter() - start)
        print(f"| {status} | {selected:,} | {statistics.median(times) * 1000:.0f} |")
    print(f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
