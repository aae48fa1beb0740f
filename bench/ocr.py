"""How fast and how well `extract` reads scans: OCR seconds per page and per five-page scan, peak
memory, and the cell accuracy of generated scanned reports (the big sample the tests only taste).

    .venv/bin/python bench/ocr.py --count 40          # Markdown summary (BENCHMARKS.md)
    .venv/bin/python bench/ocr.py --count 8 --json    # machine-readable
    .venv/bin/python bench/parse.py --ocr 40          # the same, after the parse table
    .venv/bin/python bench/ocr.py --count 0 --tables 200   # the 200 table pictures CI reads, timed
    .venv/bin/python bench/ocr.py --count 0 --outlined 12  # PDFs with their text drawn as outlines

Inputs: `--count` generated reports (both templates, every option set), printed to ruled PDF and
scanned by `tests/scans.py` at a random resolution (150-300 dpi), rotation (±1.5°), noise and
JPEG quality, wrapped in turn as an image-only PDF, a long PNG and a TIFF; plus one five-page
image-only PDF (one report's pages followed by the first two of another).  The OCR engine is
loaded before timing (about a second, once per process).  Not pinned to one core: onnxruntime
uses the cores it is given, and the figure that matters is a scan's wall-clock time on this
machine, so the load average is printed with it.  Peak memory is this process's maximum RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from parse import _loadavg  # noqa: E402 - bench/parse.py: one load-average reading for both benches

from extract import parse_bytes  # noqa: E402
from extract.readers import ocr  # noqa: E402

OPTION_SETS = [{}, {"blanks": True}, {"odd_labels": True}, {"inconsistent": True}, {"amount_in_yuan": True},
               {"blanks": True, "odd_labels": True, "inconsistent": True}]
WRAPPERS = ("pdf", "png", "tiff")


def measure(count: int, first_seed: int = 9000) -> dict[str, Any]:
    from generate import expected, make_spec, render_pdf  # type: ignore[import-not-found]
    from scans import image_only_pdf, long_png, random_scan, scan_pages, score, tiff  # type: ignore[import-not-found]

    wrap = {"pdf": image_only_pdf, "png": long_png, "tiff": tiff}
    load_before = _loadavg()
    ocr.engine()
    cases: list[dict[str, Any]] = []
    for i in range(count):
        seed = first_seed + i
        spec = make_spec(seed, ("2019", "2021")[i % 2], **OPTION_SETS[i % len(OPTION_SETS)])
        scan = random_scan(seed)
        pages = scan_pages(render_pdf(spec, ruled=True), scan)
        wrapper = WRAPPERS[i % len(WRAPPERS)]
        data = wrap[wrapper](pages, scan.dpi)
        t = time.perf_counter()
        report = parse_bytes(data, f"scan.{wrapper}", name=f"scan.{wrapper}").to_dict()
        seconds = time.perf_counter() - t
        result = score(report, expected(spec))
        cases.append({"seed": seed, "wrapper": wrapper, "dpi": scan.dpi, "angle": scan.angle, "pages": len(pages),
                      "seconds": round(seconds, 2), "cells": result.cells, "correct": result.correct,
                      "wrong_unflagged": result.wrong_unflagged, "unread_unflagged": result.unread_unflagged,
                      "doubted": sum(p["kind"] == "ocr_uncertain" for p in report["problems"])})
    five = _five_page_scan(make_spec, render_pdf, scan_pages, image_only_pdf, random_scan, first_seed)
    cells = sum(c["cells"] for c in cases)
    correct = sum(c["correct"] for c in cases)
    pages = sum(c["pages"] for c in cases)
    return {
        "engine": ocr.describe(), "count": count, "nproc": os.cpu_count(),
        "loadavg_before": load_before, "loadavg_after": _loadavg(),
        "cells": cells, "correct": correct, "cell_rate": round(correct / cells, 5) if cells else None,
        "wrong_unflagged": sum(len(c["wrong_unflagged"]) for c in cases),
        "unread_unflagged": sum(len(c["unread_unflagged"]) for c in cases),
        "cases_below_99_5": sum(c["correct"] < 0.995 * c["cells"] for c in cases),
        "seconds_per_page": round(sum(c["seconds"] for c in cases) / pages, 2) if pages else None,
        "median_seconds_per_report": round(statistics.median(c["seconds"] for c in cases), 2) if cases else None,
        "five_page_scan_seconds": five,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cases": cases,
    }


def measure_tables(count: int) -> dict[str, Any]:
    """tests/test_ocr_tables.py's first `count` cases (pictures of one table), timed one by one."""
    from test_ocr_tables import read_case  # type: ignore[import-not-found]

    ocr.engine()
    tally = Tally("pictures")
    for i in range(count):
        table, result, seconds = read_case(i)
        tally.add(table, result, seconds)
    return tally.rows()


class Tally:
    """Cases scored by `tests/scans.score`, summed by group: how many, cells, read right, wrong or
    missing without a problem saying so, and the median seconds a case."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.groups: dict[str, dict[str, Any]] = {}

    def add(self, group: str, result, seconds: float) -> None:  # noqa: ANN001 - a tests/scans.py Score
        row = self.groups.setdefault(group, {self.unit: 0, "cells": 0, "correct": 0, "unsaid": 0, "seconds": []})
        row[self.unit] += 1
        row["cells"] += result.cells
        row["correct"] += result.correct
        row["unsaid"] += len(result.wrong_unflagged) + len(result.unread_unflagged)
        row["seconds"].append(seconds)

    def rows(self) -> dict[str, dict[str, Any]]:
        return {group: {**{k: v for k, v in row.items() if k != "seconds"},
                        "median_seconds": round(statistics.median(row["seconds"]), 2)}
                for group, row in self.groups.items()}


def measure_outlined(count: int, first_seed: int = 9000) -> dict[str, Any]:
    """Generated reports printed to PDF with their text drawn as outlines (tests/outlined.py), ruled
    and unruled in turn, each read whole (every page by OCR), by ruling."""
    from generate import expected, make_spec  # type: ignore[import-not-found]
    from outlined import outlined_pdf  # type: ignore[import-not-found]
    from scans import score  # type: ignore[import-not-found]

    ocr.engine()
    tally = Tally("reports")
    for i in range(count):
        seed, ruled = first_seed + i, i % 4 < 2
        spec = make_spec(seed, ("2019", "2021")[i % 2], **OPTION_SETS[i % len(OPTION_SETS)])
        data = outlined_pdf(spec, ruled=ruled)
        t = time.perf_counter()
        report = parse_bytes(data, "outlined.pdf").to_dict()
        seconds = time.perf_counter() - t
        tally.add("ruled" if ruled else "unruled", score(report, expected(spec)), seconds)
    return tally.rows()


def _five_page_scan(make_spec, render_pdf, scan_pages, image_only_pdf, random_scan, seed: int) -> float:
    scan = random_scan(seed)
    pages = scan_pages(render_pdf(make_spec(seed, "2021"), ruled=True), scan)
    pages += scan_pages(render_pdf(make_spec(seed + 1, "2019"), ruled=True), scan)[:2]
    data = image_only_pdf(pages[:5], scan.dpi)
    t = time.perf_counter()
    parse_bytes(data, "five.pdf", name="five.pdf")
    return round(time.perf_counter() - t, 2)


def markdown(m: dict[str, Any]) -> str:
    rate = f"{m['cell_rate'] * 100:.2f} %" if m["cell_rate"] is not None else "-"
    return "\n".join([
        f"OCR: {m['engine']}; {m['nproc']} CPUs, load average before/after {m['loadavg_before']} / {m['loadavg_after']}",
        "",
        "| scans | cells | read right | wrong, not doubted | unread, not said | cases < 99.5 % | s/page | s/report (median) | s per five-page scan | peak RSS MiB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {m['count']} | {m['cells']} | {rate} | {m['wrong_unflagged']} | {m['unread_unflagged']} | "
        f"{m['cases_below_99_5']} | {m['seconds_per_page']} | {m['median_seconds_per_report']} | "
        f"{m['five_page_scan_seconds']} | {m['peak_rss_mib']} |",
    ])


def _print_tally(rows: dict[str, dict[str, Any]], as_json: bool, heading: str, names: tuple[str, str, str]) -> None:
    """A `Tally`'s rows as JSON or as a Markdown table under its heading; `names`: the group
    column's title, the count's key and what one case is."""
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    group, unit, one = names
    print(f"\n{heading}\n")
    print(f"| {group} | {unit} | cells | read right | wrong or missing, not said | s per {one} (median) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in sorted(rows.items()):
        print(f"| {name} | {r[unit]} | {r['cells']} | {100 * r['correct'] / r['cells']:.2f} % | {r['unsaid']} | "
              f"{r['median_seconds']} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=12, help="generated scanned reports to read")
    ap.add_argument("--seed", type=int, default=9000, help="first generator seed")
    ap.add_argument("--tables", type=int, default=0, help="also time the first N table pictures of tests/test_ocr_tables.py")
    ap.add_argument("--outlined", type=int, default=0, help="also read N generated PDFs with their text as outlines")
    ap.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = ap.parse_args(argv)
    bad = False
    if args.count:
        m = measure(args.count, args.seed)
        print(json.dumps(m, ensure_ascii=False, indent=1) if args.json else markdown(m))
        bad = bool(m["wrong_unflagged"] or m["unread_unflagged"]) or (m["cell_rate"] or 0) < 0.995
    if args.tables:
        load = _loadavg()
        t = measure_tables(args.tables)
        _print_tally(t, args.json, f"Table pictures (tests/test_ocr_tables.py cases), load average before/after "
                     f"{load} / {_loadavg()}", ("table", "pictures", "picture"))
        cells, correct = sum(r["cells"] for r in t.values()), sum(r["correct"] for r in t.values())
        bad = bad or any(r["unsaid"] for r in t.values()) or correct < 0.995 * cells
    if args.outlined:
        load = _loadavg()
        o = measure_outlined(args.outlined, args.seed)
        _print_tally(o, args.json, f"Text drawn as outlines (tests/outlined.py), load average before/after "
                     f"{load} / {_loadavg()}", ("tables", "reports", "report"))
        bad = bad or any(r["unsaid"] for r in o.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
