"""How long the PDF guard (`extract.readers.pdfstreams.check_streams`) takes on scans whose page
pictures are ASCII85 text without line breaks, as reportlab writes them.

    .venv/bin/python bench/guard.py                 # this checkout
    PYTHONPATH=OLD .venv/bin/python bench/guard.py  # another checkout's extract/ (e.g. a worktree)

The object-header search once read a comment to its line's end from every digit before a `%`,
quadratic on such files.  Inputs: generated reports scanned at 200 dpi (tests/scans.py), wrapped
as a "searchable" PDF (pictures + invisible text), 1, 3 and 6 pages; the median of 3 runs each.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))


def main() -> int:
    from generate import make_spec, render_pdf, render_text  # type: ignore[import-not-found]
    from scans import Scan, scan_pages, searchable_pdf  # type: ignore[import-not-found]

    import extract
    from extract.readers.pdfstreams import check_streams

    pages = []
    for seed in (7010, 7011):
        spec = make_spec(seed, "2021")
        pages += scan_pages(render_pdf(spec, ruled=True), Scan(dpi=200, angle=0.4, noise=6, jpeg_quality=70, seed=seed))
    lines = render_text(make_spec(7010, "2021")).decode("utf-8").splitlines()
    print(f"extract from {Path(extract.__file__).parent}")
    print("| pages | file MB | check_streams s (median of 3) |")
    print("| --- | --- | --- |")
    for n in (1, 3, 6):
        data = searchable_pdf(pages[:n], lines)
        times = []
        for _ in range(3):
            t = time.perf_counter()
            check_streams(data)
            times.append(time.perf_counter() - t)
        print(f"| {n} | {len(data) / 1e6:.1f} | {statistics.median(times):.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
