"""Hundreds of scanned tables, read by the real OCR engine in every test run.

A report reaches us as a scan, and a table as a picture (pasted into a page, a DOCX, a 长图); the
issue asks for hundreds of such cases in CI, inside its time budget.  A whole scanned report costs
5-15 s of OCR on this machine (tests/test_ocr.py reads a handful), a picture of one table 0.5-3 s,
so the many cases are pictures of one table each: the generator's table printed alone, cut to its
ink, scanned at a random resolution (150-300 dpi), rotation (±1.5°), noise and JPEG quality, one
in six a colour scan with a red seal over it, and wrapped in turn as PNG, JPEG, TIFF and an
image-only PDF.  Each chunk of cases must give ≥ 99.5 % of its cells (one cell is a tenth of a small
table 2 or a fifteenth of table 4, so the rate is the chunk's, not each picture's), and every cell any case gets wrong or does not get must be
said (`ocr_uncertain`, `missing_row`, `not_a_number`...): never a silent misread.

`NIANBAO_OCR_CASES` sets how many (default 200, in chunks of 50: a chunk holds about 3,300 cells).
"""

from __future__ import annotations

import io
import os
import random

import pytest
from generate import expected, make_spec, render_tables_page
from scans import TABLES, Scan, image_only_pdf, parents_of, scan_pages, score, tiff

from extract import parse_bytes

CASES = int(os.environ.get("NIANBAO_OCR_CASES", "200") or 200)
CHUNK = 50
FIRST_SEED = 40000
OPTIONS = [{}, {"blanks": True}, {"odd_labels": True}, {"inconsistent": True}, {"amount_in_yuan": True},
           {"blanks": True, "odd_labels": True, "inconsistent": True}]
WRAPPERS = ("png", "jpg", "tiff", "pdf")


def case(i: int) -> tuple[int, str, str, dict, Scan, str]:
    """Case `i`: (seed, template, table, generator options, scan, wrapper), all from `i`."""
    seed = FIRST_SEED + i
    rng = random.Random(f"table-scan:{seed}")
    scan = Scan(dpi=rng.choice([150, 200, 240, 300]), angle=round(rng.uniform(-1.5, 1.5), 2),
                noise=rng.choice([4.0, 8.0, 12.0]), jpeg_quality=rng.choice([45, 60, 75]), seed=seed,
                seals=1 if i % 6 == 5 else 0, crop=True)
    return (seed, ("2019", "2021")[i % 2], ("table3", "table2", "table4")[i % 3], OPTIONS[(i // 3) % len(OPTIONS)],
            scan, WRAPPERS[(i // 2) % len(WRAPPERS)])


def picture(page, wrapper: str, dpi: int) -> bytes:  # noqa: ANN001 - a PIL image
    if wrapper == "pdf":
        return image_only_pdf([page], dpi)
    if wrapper == "tiff":
        return tiff([page], dpi)
    buf = io.BytesIO()
    page.save(buf, {"png": "PNG", "jpg": "JPEG"}[wrapper], dpi=(dpi, dpi), **({"quality": 85} if wrapper == "jpg" else {}))
    return buf.getvalue()


def read_case(i: int):  # noqa: ANN201 - (the table's name, its Score, seconds the parse took)
    """Case `i` printed, scanned, wrapped, parsed and scored: the one way a case is read, here and
    in bench/ocr.py --tables."""
    import time

    seed, template, table, options, scan, wrapper = case(i)
    spec = make_spec(seed, template, **options)
    (page,) = scan_pages(render_tables_page(spec, only=table), scan)
    data = picture(page, wrapper, scan.dpi)
    started = time.perf_counter()
    report = parse_bytes(data, f"table.{wrapper}", name=f"table.{wrapper}").to_dict()
    seconds = time.perf_counter() - started
    return table, score(report, expected(spec), tables=(TABLES[table],), parents=parents_of(spec)), seconds


@pytest.mark.first
@pytest.mark.parametrize("first", range(0, CASES, CHUNK), ids=lambda first: f"cases-{first}-{min(first + CHUNK, CASES) - 1}")
def test_scanned_tables_read_back_with_every_wrong_or_unread_cell_said(first: int) -> None:
    failures, cells, correct = [], 0, 0
    for i in range(first, min(first + CHUNK, CASES)):
        table, result, _seconds = read_case(i)
        assert result.cells > 0
        cells, correct = cells + result.cells, correct + result.correct
        if result.wrong_unflagged or result.unread_unflagged:
            _seed, _template, _table, _options, scan, wrapper = case(i)
            failures.append((i, table, wrapper, scan.dpi, scan.angle, scan.seals,
                             f"{result.correct}/{result.cells}", result.wrong_unflagged, result.unread_unflagged))
    assert not failures, failures
    assert correct >= 0.995 * cells, f"{correct} of {cells} cells"
