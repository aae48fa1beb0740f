"""What parsing any rendering of a spec must give: the expected parse, and the checks that fail.

Why from the spec itself: the expected values are known by construction, never copied from the
parser's output, so the round-trip tests can fail when the parser is wrong.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .labels import APPLICANTS, COLUMNS, LIT_GROUPS, LIT_OUTCOMES

if TYPE_CHECKING:
    from .spec import ReportSpec, Value


def _sum(values: list[Value]) -> Value:
    return None if any(v is None for v in values) else sum(values)  # type: ignore[arg-type]


def failing_checks(spec: ReportSpec) -> list[dict[str, Any]]:
    """The rules of report-format.md evaluated on the printed values; a blank input is not a failure."""
    apps, rows = spec.applications, spec.rows
    leaves = [r for r in rows if r.startswith("3.") and r != "3.7"]
    out: list[dict[str, Any]] = []

    def fail(rule: str, scope: str, lhs: Value, rhs: Value) -> None:
        if lhs is not None and rhs is not None and lhs != rhs:
            out.append({"rule": rule, "column": scope, "lhs": lhs, "rhs": rhs})

    for col in COLUMNS:
        fail("balance", col, _sum([apps["1"][col], apps["2"][col]]), _sum([apps["3.7"][col], apps["4"][col]]))
        fail("outcome_total", col, apps["3.7"][col], _sum([apps[leaf][col] for leaf in leaves]))
    for row in rows:
        fail("row_total", row, apps[row]["total"], _sum([apps[row][c] for c in APPLICANTS]))
    for g in LIT_GROUPS:
        fail("litigation_total", g, spec.litigation[f"{g}/total"],
             _sum([spec.litigation[f"{g}/{o}"] for o in LIT_OUTCOMES[:4]]))
    return out


def expected_parse(spec: ReportSpec) -> dict[str, Any]:
    """What parsing any rendering of `spec` must give, in the expected.json shape (lists in the
    generator's order: tests/generate.py's `expected` puts them in the tests' canonical form)."""
    active = {f"{row.item}/{m}": row.values[m] for sec in spec.sections for row in sec.rows for m in sec.metrics}
    missing = [f"{r}/{c}" for r in spec.rows for c in COLUMNS if spec.applications[r][c] is None]
    return {
        "agency": spec.agency,
        "year": spec.year,
        "format": spec.format,
        "active": active,
        "applications": copy.deepcopy(spec.applications),
        "litigation": dict(spec.litigation),
        "failing_checks": failing_checks(spec),
        "missing_cells": missing,
    }
