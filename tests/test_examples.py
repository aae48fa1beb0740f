"""Every real example in ../shared/examples yields exactly its .expected.json."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLES, example_names, example_source
from expected import EXPECTED_KEYS, canonical, to_expected_from_report

from extract import parse_file

NAMES = example_names()


def test_examples_are_present() -> None:
    assert len(NAMES) >= 4, f"expected the shared examples at {EXAMPLES}"


@pytest.mark.parametrize("name", NAMES)
def test_example_matches_expected(name: str) -> None:
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    report = parse_file(example_source(name)).to_dict()
    got = canonical(to_expected_from_report(report))
    want = canonical({k: expected[k] for k in EXPECTED_KEYS if k in expected})
    assert {k: got[k] for k in want} == want


@pytest.mark.parametrize("name", NAMES)
def test_example_checks_keep_both_sides(name: str) -> None:
    """Every evaluation is kept, passing ones included, with both sides of its equation."""
    report = parse_file(example_source(name)).to_dict()
    rules = {c["rule"] for c in report["checks"]}
    assert {"balance", "outcome_total", "row_total", "litigation_total", "non_negative"} <= rules
    for check in report["checks"]:
        if check["status"] in ("pass", "fail"):
            assert check["lhs"] is not None and check["rhs"] is not None
        assert check["status"] in ("pass", "fail", "uncheckable")


def test_blank_cells_are_null_with_raw_text_kept() -> None:
    report = parse_file(EXAMPLES / "shanghai-office-2019.html").to_dict()
    blank = next(r for r in report["requests"] if r["row"] == "3.2" and r["column"] == "total")
    assert blank["value"] is None and blank["raw"] == ""
    amount = next(a for a in report["active_disclosure"] if a["metric"] == "采购总金额")
    assert amount["raw"] == "251000元" and abs(amount["value"] - 25.1) < 1e-9 and amount["unit"] == "万元"
    uncheckable = [c for c in report["checks"] if c["rule"] == "row_total" and c["scope"] == "3.1"]
    assert uncheckable and uncheckable[0]["status"] == "uncheckable"


def test_printed_totals_are_never_repaired() -> None:
    report = parse_file(EXAMPLES / "dongcheng-2020.txt").to_dict()
    cells = {(r["row"], r["column"]): r["value"] for r in report["requests"]}
    assert cells[("3.7", "natural")] == 774 and cells[("4", "natural")] == 89  # 866 ≠ 863 as printed
