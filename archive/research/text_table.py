"""The `text_table` check: what the narrative states for a table quantity against the table's cells.

Stored in `checks` like every rule, both sides kept: `lhs` the number the text states
(extract/narrative.py), `rhs` the cells' value, `scope` the quantity (`requests_new`: row 1 of
table 3, total column; `reviews_total`: 行政复议 total; `suits_total`: 行政诉讼 totals, direct and
after review).  A quantity the text states and the table does not print is not checked; a blank
cell makes the check `uncheckable`.  Re-posted copies take no part (their original is checked).
"""

from __future__ import annotations

from collections import defaultdict

from sqlite_utils import Database

from extract.narrative import narrative_numbers

from .changes import SCOPE_TABLE

# quantity → the cells that hold it (table, row/group, column/outcome), summed
CELLS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "requests_new": (("requests", "1", "total"),),
    "reviews_total": (("reviews", "review", "total"),),
    "suits_total": (("reviews", "suit_direct", "total"), ("reviews", "suit_after_review", "total")),
}
RULE = "text_table"


def _cells(db: Database, only: str) -> dict[int, dict[tuple[str, str, str], list[float | None]]]:
    out: dict[int, dict[tuple[str, str, str], list[float | None]]] = defaultdict(dict)
    scope = f" and report_id in ({only})" if only else ""
    for rid, row, col, value in db.execute(
            f"select report_id, row, \"column\", value from requests where row = '1' and \"column\" = 'total'{scope}"):
        out[rid].setdefault(("requests", row, col), []).append(value)
    for rid, group, outcome, value in db.execute(
            f"select report_id, \"group\", outcome, value from reviews where outcome = 'total'{scope}"):
        out[rid].setdefault(("reviews", group, outcome), []).append(value)
    return out


def refresh_text_table(db: Database, *, scoped: bool = False) -> int:
    """Recompute the `text_table` checks of the reports in `research_scope` (every report unless
    `scoped`).  Returns the rows written."""
    only = f"select report_id from temp.{SCOPE_TABLE}" if scoped else ""
    db.execute(f"delete from checks where rule = '{RULE}'{f' and report_id in ({only})' if only else ''}")
    cells = _cells(db, only)
    rows = []
    for rid, body in db.execute(f"select id, body from reports where duplicate_of is null and body is not null"
                                f"{f' and id in ({only})' if only else ''}"):
        mine = cells.get(rid, {})
        for statement in narrative_numbers(body):
            keys = CELLS[statement.quantity]
            if not all(k in mine for k in keys):
                continue  # the table does not print the quantity: nothing to compare
            values = [v for k in keys for v in mine[k]]
            table = None if any(v is None for v in values) else sum(values)  # type: ignore[arg-type]
            status = "uncheckable" if table is None else "pass" if table == statement.value else "fail"
            rows.append((rid, RULE, statement.quantity, statement.value, table, status))
    db.conn.executemany("insert into checks (report_id, rule, scope, lhs, rhs, status) values (?, ?, ?, ?, ?, ?)",
                        rows)
    return len(rows)
