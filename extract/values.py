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
from .templates import AMOUNT_UNITS, BLANK_MARKERS

_NUMBER = re.compile(
    r"^(?P<sign>[-+−－]?)(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<unit>亿元|万元|千元|元|件|个|项|条|次|人次|家|笔)?$"
)


MAX_DIGITS = 16


@dataclass
class CellValue:
    value: int | float | None
    raw: str
    blank: bool = False  # printed as blank or a blank marker
    invalid: bool = False  # printed text that is not a number


def _clean(raw: str) -> str:
    t = unicodedata.normalize("NFKC", squash(raw))
    return t.replace("−", "-").replace("－", "-")


@lru_cache(maxsize=8192)
def looks_like_value(raw: str) -> bool:
    """True for cell text that is a number (with or without unit) or a blank marker."""
    t = _clean(raw)
    return t in BLANK_MARKERS or squash(raw) in BLANK_MARKERS or bool(_NUMBER.match(t))


def parse_value(raw: str, amount: bool = False, header_factor: float = 1.0) -> CellValue:
    """Parse one cell.  `amount` cells are returned in 万元 as floats; `header_factor` converts a
    column whose header names another unit (采购总金额（元）)."""
    raw = raw.strip()
    t = _clean(raw)
    if t in BLANK_MARKERS or squash(raw) in BLANK_MARKERS:
        return CellValue(None, raw, blank=True)
    m = _NUMBER.match(t)
    if not m:
        return CellValue(None, raw, invalid=True)
    num = m.group("num").replace(",", "")
    if len(num) > MAX_DIGITS:
        return CellValue(None, raw, invalid=True)  # no report counts past 10^15; this is damage
    negative = m.group("sign") == "-"
    unit = m.group("unit")
    if amount:
        factor = AMOUNT_UNITS.get(unit, header_factor) if unit else header_factor
        value = float(num) * factor
        value = round(value, 6)
        return CellValue(-value if negative else value, raw)
    if unit in AMOUNT_UNITS:  # a currency in a count cell is not a count
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
    for unit in ("亿元", "万元", "千元"):
        if unit in t:
            return AMOUNT_UNITS[unit]
    if re.search(r"[（(:：][^（）()]*元", t) or t.endswith("元"):
        if "金额" in t and "元" not in t.split("金额")[-1]:
            return 1.0
        return AMOUNT_UNITS["元"]
    return 1.0
