"""The comparable shape of a parse result, shared by the round-trip and the real-example tests.

`../shared/examples/*.expected.json` state what a parse must find in a compact shape (cells keyed by
their codes, only failing checks, only table-3 blanks).  `to_expected_from_report` brings the parser's
JSON (`../shared/spec/parse-output.md`) into that shape, and `canonical` puts its lists in one order,
so a test can compare whole structures with `==` and let pytest print the difference.
"""

from __future__ import annotations

import re
from typing import Any

# The keys of an expected.json that a parse result is compared on (others, like `seed`, are notes).
EXPECTED_KEYS = ("agency", "year", "format", "active", "applications", "litigation", "failing_checks",
                 "missing_cells")

COLUMN_ORDER = ["natural", "commercial", "research", "social", "legal", "other", "total"]
ROW_ORDER = ["1", "2", "3.1", "3.2", *[f"3.3.{i}" for i in range(1, 9)], *[f"3.4.{i}" for i in range(1, 4)],
             *[f"3.5.{i}" for i in range(1, 6)], "3.6", "3.6.1", "3.6.2", "3.6.3", "3.7", "4"]
GROUP_ORDER = ["review", "suit_direct", "suit_after_review"]
RULE_ORDER = ["balance", "outcome_total", "row_total", "litigation_total", "non_negative", "carry_over"]
_SCOPE_ORDER = {s: i for i, s in enumerate([*COLUMN_ORDER, *ROW_ORDER, *GROUP_ORDER])}
_ROW_CODE = re.compile(r"^\d+(?:\.\d+)*$")

# Floats are compared after rounding: 251000元 × 0.0001 is not exactly 25.1, and amounts never carry
# more than four decimals in 万元 (one yuan), so six decimals lose nothing that matters.
FLOAT_DIGITS = 6


def number(value: Any) -> Any:
    """A value as compared: ints stay ints, floats are rounded, None and others pass through."""
    if isinstance(value, float):
        return round(value, FLOAT_DIGITS)
    return value


def _order(table: dict[str, int], key: str) -> tuple[int, str]:
    return (table.get(key, len(table)), key)


def check_key(check: dict[str, Any]) -> tuple[Any, ...]:
    rule, scope = check.get("rule", ""), str(check.get("column", ""))
    return (RULE_ORDER.index(rule) if rule in RULE_ORDER else len(RULE_ORDER), rule,
            *_order(_SCOPE_ORDER, scope), repr(check.get("lhs")), repr(check.get("rhs")))


def cell_key(cell: str) -> tuple[Any, ...]:
    row, _, col = cell.partition("/")
    rows = {r: i for i, r in enumerate(ROW_ORDER)}
    cols = {c: i for i, c in enumerate(COLUMN_ORDER)}
    return (*_order(rows, row), *_order(cols, col))


def canonical(expected: dict[str, Any]) -> dict[str, Any]:
    """The same content with its lists sorted the one way (rule, then scope; row, then column)."""
    out = dict(expected)
    if "failing_checks" in out:
        out["failing_checks"] = sorted(
            ({"rule": c["rule"], "column": c["column"], "lhs": number(c["lhs"]), "rhs": number(c["rhs"])}
             for c in out["failing_checks"]), key=check_key)
    if "missing_cells" in out:
        out["missing_cells"] = sorted(out["missing_cells"], key=cell_key)
    for key in ("active", "litigation"):
        if key in out:
            out[key] = {k: number(v) for k, v in out[key].items()}
    if "applications" in out:
        out["applications"] = {r: {c: number(v) for c, v in cols.items()} for r, cols in out["applications"].items()}
    return out


def comparable(expected_json: dict[str, Any]) -> dict[str, Any]:
    """An expected.json as loaded, without its notes, in canonical order."""
    return canonical({k: expected_json[k] for k in EXPECTED_KEYS if k in expected_json})


def _is_table3_cell(where: str) -> bool:
    row, sep, col = where.partition("/")
    return bool(sep) and bool(_ROW_CODE.match(row)) and col in COLUMN_ORDER


def to_expected_from_report(report: dict[str, Any]) -> dict[str, Any]:
    """Convert a parse result (parse-output.md JSON) into the expected.json shape.

    Only the template's cells are compared: a subtotal column or row the parser keeps apart has its
    own codes and shows up as an extra key, which is a difference the test should report.
    Missing cells are those of table 3 (`row/column`), as the expected files list them.
    """
    active: dict[str, Any] = {}
    for row in report.get("active_disclosure") or []:
        active[f"{row['item']}/{row['metric']}"] = number(row.get("value"))
    applications: dict[str, dict[str, Any]] = {}
    for row in report.get("requests") or []:
        applications.setdefault(str(row["row"]), {})[row["column"]] = number(row.get("value"))
    litigation = {f"{r['group']}/{r['outcome']}": number(r.get("value")) for r in report.get("reviews") or []}
    failing = [{"rule": c["rule"], "column": c["scope"], "lhs": number(c.get("lhs")), "rhs": number(c.get("rhs"))}
               for c in report.get("checks") or [] if c.get("status") == "fail"]
    missing = [p["where"] for p in report.get("problems") or []
               if p.get("kind") == "missing_cell" and _is_table3_cell(str(p.get("where", "")))]
    fmt = report.get("format")
    return canonical({
        "agency": report.get("agency"),
        "year": report.get("year"),
        "format": None if fmt is None else str(fmt),
        "active": active,
        "applications": applications,
        "litigation": litigation,
        "failing_checks": failing,
        "missing_cells": missing,
    })
