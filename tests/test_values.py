"""Cell values: numbers, units, blanks and junk, with the printed text always kept."""

from __future__ import annotations

import pytest

from extract.values import looks_like_value, parse_value, unit_factor_from_header


@pytest.mark.parametrize(
    ("raw", "amount", "value"),
    [
        ("0", False, 0), ("-31", False, -31), ("－31", False, -31), ("１２３", False, 123), ("1,234", False, 1234),
        ("3.0", False, 3), ("18.2790", True, 18.279), ("251000元", True, 25.1), ("764.8万元", True, 764.8),
        ("7545", True, 7545.0), ("1.5亿元", True, 15000.0), ("12 3", False, 123),
    ],
)
def test_numbers(raw: str, amount: bool, value: float) -> None:
    cv = parse_value(raw, amount=amount)
    assert cv.value == pytest.approx(value) and cv.raw == raw.strip() and not cv.blank and not cv.invalid


@pytest.mark.parametrize("raw", ["", " ", "\u00a0", "/", "／", "—", "——", "-", "无", "空"])
def test_blank_markers_are_null(raw: str) -> None:
    cv = parse_value(raw)
    assert cv.value is None and cv.blank


@pytest.mark.parametrize("raw", ["abc", "见附件", "12元", "1.2.3"])
def test_non_numbers_are_null_and_flagged(raw: str) -> None:
    cv = parse_value(raw)
    assert cv.value is None and cv.invalid and cv.raw == raw


def test_header_units_convert_amounts() -> None:
    assert unit_factor_from_header("采购总金额（元）") == pytest.approx(0.0001)
    assert unit_factor_from_header("采购总金额（万元，保留四位小数）") == 1.0
    assert unit_factor_from_header("本年收费金额（单位：万元）") == 1.0
    assert parse_value("251000", amount=True, header_factor=0.0001).value == pytest.approx(25.1)


def test_labels_are_not_values() -> None:
    assert looks_like_value("123") and looks_like_value("—") and looks_like_value("251000元")
    assert not looks_like_value("1.属于国家秘密") and not looks_like_value("行政许可")
