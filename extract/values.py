"""Reading the number printed in a table cell, and saying why when there is none.

The printed text is always kept as `raw`.  A value is never invented: a blank or a dash is null
(and the caller records a problem), a number with a unit is converted only between units of the
same kind (元 → 万元), and anything else is null with a `not_a_number` problem.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .labels import squash
from .templates import per_vocabulary, vocabulary

# Units a count may be printed with; the amount units come from the templates.
COUNT_UNITS = ("件", "个", "项", "条", "次", "人次", "家", "笔")


@lru_cache(maxsize=8)
def _number(amount_units: tuple[str, ...]) -> re.Pattern[str]:
    units = "|".join(re.escape(u) for u in (*amount_units, *COUNT_UNITS))
    return re.compile(
        r"^(?P<sign>[-+−－]?)(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
        rf"(?P<unit>{units})?$"
    )


MAX_DIGITS = 16


@dataclass(frozen=True)
class CellValue:
    value: int | float | None
    raw: str
    blank: bool = False  # printed as blank or a blank marker
    invalid: bool = False  # printed text that is not a number


def _clean(raw: str) -> str:
    t = unicodedata.normalize("NFKC", squash(raw))
    return t.replace("−", "-").replace("－", "-")


def looks_like_value(raw: str) -> bool:
    """True for cell text that is a number (with or without unit) or a blank marker."""
    vocab = vocabulary()
    return _looks_like_value(raw, vocab.blank_markers, vocab.amount_unit_names)


@lru_cache(maxsize=8192)
def _looks_like_value(raw: str, blanks: frozenset[str], amount_units: tuple[str, ...]) -> bool:
    """Cached per vocabulary: a registered template revision may add blank markers or units."""
    t = _clean(raw)
    return t in blanks or squash(raw) in blanks or bool(_number(amount_units).match(t))


def parse_value(raw: str, amount: bool = False, header_factor: float = 1.0) -> CellValue:
    """Parse one cell.  `amount` cells are returned in 万元 as floats; `header_factor` converts a
    column whose header names another unit (采购总金额（元）)."""
    return _parse_value(raw.strip(), amount, header_factor)


@per_vocabulary
def _parse_value(raw: str, amount: bool, header_factor: float) -> CellValue:
    """Cached per vocabulary (its blank markers and units decide): tables repeat their texts."""
    t = _clean(raw)
    vocab = vocabulary()
    if t in vocab.blank_markers or squash(raw) in vocab.blank_markers:
        return CellValue(None, raw, blank=True)
    m = _number(vocab.amount_unit_names).match(t)
    if not m:
        return CellValue(None, raw, invalid=True)
    num = m.group("num").replace(",", "")
    if len(num) > MAX_DIGITS:
        return CellValue(None, raw, invalid=True)  # no report counts past 10^15; this is damage
    negative = m.group("sign") == "-"
    unit = m.group("unit")
    if amount:
        factor = vocab.amount_units.get(unit, header_factor) if unit else header_factor
        value = float(num) * factor
        value = round(value, 6)
        return CellValue(-value if negative else value, raw)
    if unit in vocab.amount_units:  # a currency in a count cell is not a count
        return CellValue(None, raw, invalid=True)
    if "." in num:
        f = float(num)
        if not f.is_integer():
            return CellValue(-f if negative else f, raw)
        num = str(int(f))
    n = int(num)
    return CellValue(-n if negative else n, raw)


def unit_factor_from_header(label: str) -> float:
    """The 万元 factor a metric header announces: `采购总金额（元）` → 0.0001, `（万元）` → 1."""
    t = _clean(label)
    units = vocabulary().amount_units
    for unit in (u for u in units if len(u) > 1):  # 亿元, 万元, 千元 before the bare 元
        if unit in t:
            return units[unit]
    if re.search(r"[（(:：][^（）()]*元", t) or t.endswith("元"):
        if "金额" in t and "元" not in t.split("金额")[-1]:
            return 1.0
        return units["元"]
    return 1.0
