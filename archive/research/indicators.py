"""The `indicators` table: every definition of definitions.py evaluated on every report.

One row per report and indicator of a table the report has (a report without table 4 gets no
table-4 rows; a legacy report none), with numerator, denominator and value side by side, so a
researcher can pool, re-weight or disagree.  The spec's rules, in one place (`evaluate`): inputs
as printed; a blank input (a cell printed empty) or a cell the report does not print makes the
indicator null and `null_reason` says which; a zero denominator gives a null value beside the
known numerator and denominator; counts are integers, amounts 万元 in `amount`.  Re-posted copies
(`reports.duplicate_of`) have no cells and get no rows: they count once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .changes import SCOPE_TABLE
from .definitions import DEFINITIONS_VERSION, INDICATORS, TABLE_NUMBERS, Cell, Expr, Indicator, cells_needed

# What a report printed for one cell: its values (a code printed twice is summed, as
# report_figures does), None standing for a blank cell.
Cells = dict[tuple[str, str, str], list[float | None]]


@dataclass(frozen=True)
class Term:
    """An expression's value on one report, or why it has none (blank / not_printed)."""

    value: float | None
    reason: str | None = None


def _number(value: float | None) -> int | float | None:
    """A count as an integer (SQLite's REAL cells hold 26.0 for 26); a fractional value as printed."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def evaluate_expr(expr: Expr, cells: Cells) -> Term:
    """The first alternative the report prints in full, summed; a blank cell in it makes it blank."""
    for alternative in expr.alternatives:
        keys = [(c.table, c.row, c.column) for c in alternative]
        if all(k in cells for k in keys):
            values = [v for k in keys for v in cells[k]]
            if any(v is None for v in values):
                return Term(None, "blank")
            return Term(sum(values))  # type: ignore[arg-type]
    return Term(None, "not_printed")


def evaluate(ind: Indicator, cells: Cells, previous: Cells | None = None) -> dict[str, Any]:
    """One indicator on one report: numerator, denominator, amount, value and null_reason.
    `previous` is the same agency's previous-year report's cells (None: there is none)."""
    num = evaluate_expr(ind.numerator, cells)
    if ind.kind == "change":
        if previous is None:
            den = Term(None, "no_previous_year")
        else:
            den = evaluate_expr(ind.numerator, previous)
        if num.value is not None and den.value is not None:
            num = Term(num.value - den.value)
        elif den.value is None:
            num = Term(None, den.reason)
    elif ind.denominator is not None:
        den = evaluate_expr(ind.denominator, cells)
    else:
        den = Term(None)
    out: dict[str, Any] = {"numerator": None, "denominator": None, "amount": None, "value": None,
                           "null_reason": None}
    if ind.kind == "amount":
        out["amount"] = out["value"] = num.value
        out["null_reason"] = num.reason
        return out
    out["numerator"] = _number(num.value)
    if ind.kind == "count":
        out["value"] = _number(num.value)
        out["null_reason"] = num.reason
        return out
    out["denominator"] = _number(den.value)
    if num.value is None or den.value is None:
        out["null_reason"] = num.reason or den.reason
    elif den.value == 0:
        out["null_reason"] = "zero_denominator"
    else:
        out["value"] = num.value / den.value
    return out


def load_cells(db: Database, only: str = "") -> dict[int, Cells]:
    """The cells any indicator reads, per report, in three queries; `only` is a subquery of the
    report ids wanted (default: every report)."""
    needed = cells_needed()
    rows_by_table = {t: {(c.row, c.column) for c in needed if c.table == t} for t in TABLE_NUMBERS}
    items = sorted({c.row for c in needed if c.table == "active_disclosure"})
    queries = {
        "requests": ('select q.report_id, q.row, q."column", q.value from requests q '
                     f'where (q."column" = \'total\' or q.row = \'1\'){_in("q", only)}', []),
        "reviews": (f'select v.report_id, v."group", v.outcome, v.value from reviews v where 1{_in("v", only)}', []),
        # local sub-rows (a parent item) are not the template's item of the same name
        "active_disclosure": ("select a.report_id, a.item, a.metric, a.value from active_disclosure a "
                              f"where a.parent is null and a.item in ({', '.join('?' * len(items))}){_in('a', only)}", items),
    }
    out: dict[int, Cells] = defaultdict(dict)
    for table, (sql, params) in queries.items():
        wanted = rows_by_table[table]
        for report_id, row, column, value in db.execute(sql, params):
            if (row, column) in wanted:
                out[report_id].setdefault((table, row, column), []).append(value)
    return out


def _in(alias: str, only: str) -> str:
    return f" and {alias}.report_id in ({only})" if only else ""


def previous_reports(db: Database, only: str = "") -> dict[int, int]:
    """Each canonical report (of `only`, a subquery of ids; default every one) → the same agency's
    canonical report a year earlier (the latest one stored, as carry_over takes it)."""
    rows = db.execute(f"""
        select cur.id, (select p.id from reports p where p.agency_id = cur.agency_id and p.year = cur.year - 1
                        and p.duplicate_of is null order by p.id desc limit 1)
        from reports cur
        where cur.duplicate_of is null and cur.agency_id is not null and cur.year is not null
        {f"and cur.id in ({only})" if only else ""}""")
    return {cur: prev for cur, prev in rows if prev is not None}


def refresh_indicators(db: Database, *, scoped: bool = False) -> int:
    """Recompute `indicators` for the reports in `research_scope` (every report unless `scoped`),
    after the agencies are assigned: year-on-year pairs go through them.  Returns the rows written."""
    only = f"select report_id from temp.{SCOPE_TABLE}" if scoped else ""
    previous = previous_reports(db, only)
    if scoped:
        db.execute("create temp table if not exists research_cells_scope (report_id integer primary key)")
        db.execute("delete from temp.research_cells_scope")
        db.conn.executemany("insert or ignore into temp.research_cells_scope values (?)",
                            [(r,) for r in {*previous.values()}])
        db.execute(f"insert or ignore into temp.research_cells_scope select report_id from temp.{SCOPE_TABLE}")
        cells = load_cells(db, "select report_id from temp.research_cells_scope")
    else:
        cells = load_cells(db)
    meta = {rid: (agency, year) for rid, agency, year in
            db.execute("select id, agency_id, year from reports where duplicate_of is null"
                       f"{f' and id in ({only})' if only else ''}")}
    db.execute(f"delete from indicators{f' where report_id in ({only})' if only else ''}")
    columns = ["report_id", "agency_id", "year", "indicator", "numerator", "denominator", "amount", "value",
               "null_reason", "previous_report_id", "definitions_version"]
    batch: list[tuple[Any, ...]] = []
    count = 0
    sql = (f"insert into indicators ({', '.join(columns)}) values ({', '.join('?' * len(columns))})")
    for rid, report_cells in cells.items():
        if rid not in meta:
            continue
        agency, year = meta[rid]
        tables = {TABLE_NUMBERS[t] for t, _row, _col in report_cells}
        prev_id = previous.get(rid)
        prev_cells = cells.get(prev_id, {}) if prev_id is not None else None
        for ind in INDICATORS:
            if not (tables & _tables_read(ind)):
                continue
            got = evaluate(ind, report_cells, prev_cells)
            batch.append((rid, agency, year, ind.code, got["numerator"], got["denominator"], got["amount"],
                          got["value"], got["null_reason"], prev_id if ind.kind == "change" else None,
                          DEFINITIONS_VERSION))
        if len(batch) >= 20000:
            db.conn.executemany(sql, batch)
            count += len(batch)
            batch.clear()
    db.conn.executemany(sql, batch)
    return count + len(batch)


def _tables_read(ind: Indicator) -> set[int]:
    """The report tables an indicator's numerator reads: a report that has none of them gets no row
    (disputes_per_request is a table-4 indicator even though row 1 of table 3 is its denominator)."""
    cells: set[Cell] = ind.numerator.cells()
    return {TABLE_NUMBERS[c.table] for c in cells}
