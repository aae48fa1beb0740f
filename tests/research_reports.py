"""Hand-built reports for the research-layer tests: `extract.model.Report` objects with exactly the
cells a test names, stored through the archive's own `ingest_bytes` (as the crawler stores them)."""

from __future__ import annotations

import itertools
from typing import Any

from sqlite_utils import Database

from archive.captures import Fetch
from archive.ingest import Hints, ingest_bytes
from extract.model import ActiveRow, Report, RequestRow, ReviewRow
from extract.templates import APPLICANT_COLUMNS, ROWS_2019, ROWS_2021, ROWS_BY_CODE

_serial = itertools.count(1)


def make_report(agency: str, year: int, *, fmt: str = "2021", totals: dict[str, float | None] | None = None,
                row1: dict[str, float | None] | None = None,
                reviews: dict[tuple[str, str], float | None] | None = None,
                active: list[tuple[str, str, float | None]] | None = None, table3: bool = True) -> Report:
    """A report with table 3's `total` column from `totals` (row code → value; rows not named are
    0, a None is a blank cell), row 1's applicant columns from `row1`, table 4 from `reviews`
    ((group, outcome) → value; omitted groups are 0) and table 2 rows (item, metric, value)."""
    report = Report(source=f"hand-{next(_serial)}", title=f"{agency}{year}年政府信息公开工作年度报告",
                    agency=agency, year=year, format=fmt)
    if table3:
        totals = totals or {}
        for code in (ROWS_2021 if fmt == "2021" else ROWS_2019):
            value = totals.get(code, 0)
            report.requests.append(RequestRow(code, ROWS_BY_CODE[code].label, "total", value,
                                              "" if value is None else str(value)))
        for column in APPLICANT_COLUMNS:
            value = (row1 or {}).get(column, 0)
            report.requests.append(RequestRow("1", ROWS_BY_CODE["1"].label, column, value,
                                              "" if value is None else str(value)))
    if reviews is not None:
        for group in ("review", "suit_direct", "suit_after_review"):
            for outcome in ("upheld", "corrected", "other", "pending", "total"):
                value = reviews.get((group, outcome), 0)
                report.reviews.append(ReviewRow(group, outcome, value, "" if value is None else str(value)))
    for item, metric, value in active or []:
        unit = "万元" if "金额" in metric else None
        report.active_disclosure.append(ActiveRow("第二十条", item, None, metric, value, unit, str(value)))
    return report


def store(db: Database, report: Report, *, url: str | None = None, data: bytes | None = None,
          hints: Hints | None = None) -> int:
    """Store a hand-built report as one capture; returns its report id."""
    url = url or f"http://portal.example/{report.source}.html"
    data = data if data is not None else report.source.encode()
    outcome = ingest_bytes(db, data, Fetch(url=url), hints or Hints(province="北京市"), report=report)
    assert outcome.report_id is not None, outcome
    return outcome.report_id


def indicator(db: Database, report_id: int, code: str) -> dict[str, Any]:
    rows = list(db.query("select * from indicators where report_id = ? and indicator = ?", [report_id, code]))
    assert len(rows) == 1, (report_id, code, rows)
    return rows[0]
