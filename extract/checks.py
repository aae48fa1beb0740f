"""The consistency rules (勾稽关系) within one report, evaluated on the values as printed.

What each rule sums and compares is data (`templates.CheckOperands`); the rule shapes are here.
Every evaluation is kept — pass, fail or uncheckable — with both sides of the equation, so a
reader can see exactly which printed totals disagree.  A rule with a blank input is
`uncheckable`, never failed, and nothing here changes a value.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import templates as T
from .model import ActiveRow, Check, RequestRow, ReviewRow

Number = int | float


def _sum(values: Iterable[Number | None]) -> Number | None:
    total: Number = 0
    for v in values:
        if v is None:
            return None
        total += v
    return round(total, 6) if isinstance(total, float) else total


def _check(rule: str, scope: str, lhs: Number | None, rhs: Number | None) -> Check:
    if lhs is None or rhs is None:
        return Check(rule, scope, lhs, rhs, "uncheckable")
    return Check(rule, scope, lhs, rhs, "pass" if abs(lhs - rhs) < 1e-6 else "fail")


def check_report(active: list[ActiveRow], requests: list[RequestRow], reviews: list[ReviewRow],
                 template: T.Template | None = None) -> list[Check]:
    """Every rule, with the operands of `template` (the oldest registered one when the report's
    template was not told)."""
    operands = (template or T.templates()[0]).checks
    return [*_request_checks(requests, operands), *_review_checks(reviews, operands),
            *_non_negative(active, requests, reviews)]


def _request_checks(requests: list[RequestRow], operands: T.CheckOperands) -> list[Check]:
    if not requests:
        return []
    vocab = T.vocabulary()
    cell: dict[tuple[str, str], Number | None] = {(r.row, r.column): r.value for r in requests}
    rows = {r.row for r in requests}
    columns = [c.code for c in vocab.columns if any(r.column == c.code for r in requests)]

    def get(row: str, col: str) -> Number | None:
        return cell.get((row, col))

    out: list[Check] = []
    lhs_rows, rhs_rows = operands.balance
    for col in columns:
        if {*lhs_rows, *rhs_rows} <= rows:
            lhs = _sum([get(code, col) for code in lhs_rows])
            rhs = _sum([get(code, col) for code in rhs_rows])
            out.append(_check("balance", col, lhs, rhs))
        else:
            out.append(Check("balance", col, None, None, "uncheckable"))
    total_row, group = operands.outcome_total
    leaves = [code for code in vocab.rows_under(group) if code != total_row and code in rows]
    # a report printing a row and its sub-rows (3.6 and 3.6.x) keeps the row as their subtotal
    above = {code[:i] for code in leaves for i, ch in enumerate(code) if ch == "."}
    leaves = [code for code in leaves if code not in above]
    for col in columns:
        if total_row in rows and leaves:
            out.append(_check("outcome_total", col, get(total_row, col), _sum(get(code, col) for code in leaves)))
        else:
            out.append(Check("outcome_total", col, None, None, "uncheckable"))
    total_col, parts = operands.row_total
    with_total = {r.row for r in requests if r.column == total_col}
    for row in [r.code for r in vocab.rows if r.code in rows]:
        if row in with_total:
            out.append(_check("row_total", row, get(row, total_col), _sum(get(row, c) for c in parts)))
    return out


def _review_checks(reviews: list[ReviewRow], operands: T.CheckOperands) -> list[Check]:
    cell = {(r.group, r.outcome): r.value for r in reviews}
    total, parts = operands.litigation_total
    out = []
    for group in T.vocabulary().review_groups:
        if (group.code, total) not in cell:
            continue
        out.append(_check("litigation_total", group.code, cell[(group.code, total)],
                          _sum([cell.get((group.code, o)) for o in parts])))
    return out


def _non_negative(active: list[ActiveRow], requests: list[RequestRow], reviews: list[ReviewRow]) -> list[Check]:
    """One evaluation per table row (table 3), group (table 4) and item (table 2): lhs is the
    smallest printed value of that scope, rhs the bound 0."""
    metrics = T.vocabulary().metrics_by_label
    scopes: dict[str, list[Number]] = {}
    for r in requests:
        if r.value is not None:
            scopes.setdefault(r.row, []).append(r.value)
    for v in reviews:
        if v.value is not None:
            scopes.setdefault(v.group, []).append(v.value)
    for a in active:
        mdef = metrics.get(a.metric)
        if a.value is not None and not (mdef and mdef.signed):
            scopes.setdefault(a.item, []).append(a.value)
    return [Check("non_negative", scope, min(vals), 0, "pass" if min(vals) >= 0 else "fail")
            for scope, vals in scopes.items() if vals]
