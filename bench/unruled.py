"""How many cells of generated unruled PDFs (tables printed without ruling lines) `extract` reads,
how many it misreads, and whether every unread one is reported — the figure docs/extractor.md
quotes; `tests/test_generated.py` holds 36 of these cases to 0 misread and 0 unflagged.

    .venv/bin/python bench/unruled.py --count 40     # seeds 4100-4139, both templates, every option set

A cell is *read* when the parse gives the printed value, *misread* when it gives another (or a
cell the report does not print), *unread* when it gives none; unread cells no problem speaks for
(at their row, item, section or table) are counted apart and must be 0.  Rows the parse flags
`ambiguous_row` are neither read nor misread.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from expected import to_expected_from_report  # noqa: E402
from generate import expected  # noqa: E402
from test_generated import _cases, unread_and_unflagged  # noqa: E402

from extract import parse_file  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=40)
    args = ap.parse_args()
    cells = read = misread = unflagged = 0
    for case in _cases("pdf", "unruled", args.count, 4100):
        spec = case.spec()
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "report.pdf"
            path.write_bytes(case.render(spec))
            report = parse_file(path).to_dict()
        bad, silent, _n = unread_and_unflagged(report, spec)
        got, want = to_expected_from_report(report), expected(spec)
        for key in ("active", "litigation"):
            cells += len(want[key])
            read += sum(1 for k, v in want[key].items() if got[key].get(k, "absent") == v)
        for row, cols in want["applications"].items():
            cells += len(cols)
            read += sum(1 for c, v in cols.items() if got["applications"].get(row, {}).get(c, "absent") == v)
        misread += len(bad)
        unflagged += len(silent)
    print(f"| unruled PDFs | cells | read | misread | unread, not reported |\n| --- | --- | --- | --- | --- |\n"
          f"| {args.count} | {cells} | {read} ({read / cells:.2%}) | {misread} | {unflagged} |")


if __name__ == "__main__":
    main()
