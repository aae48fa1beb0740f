"""The consistency rules (勾稽关系) within one report, evaluated on the values as printed.

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


def check_report(active: list[ActiveRow], requests: list[RequestRow], reviews: list[ReviewRow]) -> list[Check]:
    return [*_request_checks(requests), *_review_checks(reviews), *_non_negative(active, requests, reviews)]


def _request_checks(requests: list[RequestRow]) -> list[Check]:
    if not requests:
        return []
    cell: dict[tuple[str, str], Number | None] = {(r.row, r.column): r.value for r in requests}
    rows = {r.row for r in requests}
    columns = [c[0] for c in T.REQUEST_COLUMNS if any(r.column == c[0] for r in requests)]

    def get(row: str, col: str) -> Number | None:
        return cell.get((row, col))

    out: list[Check] = []
    for col in columns:
        if {"1", "2", "3.7", "4"} <= rows:
            lhs = _sum([get("1", col), get("2", col)])
            rhs = _sum([get("3.7", col), get("4", col)])
            out.append(_check("balance", col, lhs, rhs))
        else:
            out.append(Check("balance", col, None, None, "uncheckable"))
    leaves = [code for code in T.OUTCOME_LEAVES if code in rows]
    if any(code.startswith("3.6.") for code in leaves) and "3.6" in leaves:
        leaves.remove("3.6")  # a report printing both keeps 3.6 as the subtotal of its sub-rows
    for col in columns:
        if "3.7" in rows and leaves:
            out.append(_check("outcome_total", col, get("3.7", col), _sum(get(code, col) for code in leaves)))
        else:
            out.append(Check("outcome_total", col, None, None, "uncheckable"))
    for row in [r.code for r in T.REQUEST_ROWS if r.code in rows]:
        if any(r.row == row and r.column == "total" for r in requests):
            out.append(_check("row_total", row, get(row, "total"), _sum(get(row, c) for c in T.APPLICANT_COLUMNS)))
    return out


def _review_checks(reviews: list[ReviewRow]) -> list[Check]:
    cell = {(r.group, r.outcome): r.value for r in reviews}
    out = []
    for group, _label, _keys in T.REVIEW_GROUPS:
        if (group, "total") not in cell:
            continue
        parts = [cell.get((group, o)) for o in ("upheld", "corrected", "other", "pending")]
        out.append(_check("litigation_total", group, cell[(group, "total")], _sum(parts)))
    return out


def _non_negative(active: list[ActiveRow], requests: list[RequestRow], reviews: list[ReviewRow]) -> list[Check]:
    """One evaluation per table row (table 3), group (table 4) and item (table 2): lhs is the
    smallest printed value of that scope, rhs the bound 0."""
    scopes: dict[str, list[Number]] = {}
    for r in requests:
        if r.value is not None:
            scopes.setdefault(r.row, []).append(r.value)
    for v in reviews:
        if v.value is not None:
            scopes.setdefault(v.group, []).append(v.value)
    for a in active:
        mdef = T.METRICS_BY_LABEL.get(a.metric)
        if a.value is not None and not (mdef and mdef.signed):
            scopes.setdefault(a.item, []).append(a.value)
    return [Check("non_negative", scope, min(vals), 0, "pass" if min(vals) >= 0 else "fail")
            for scope, vals in scopes.items() if vals]
