"""Numbers a report's narrative states for its tables' quantities.

Why: a report says "全年共收到政府信息公开申请26件" in its text and prints row 1 of table 3 below;
when the two disagree one of them is wrong, and researchers quoting either need to know.  This
reader finds only statements whose wording names one table quantity unambiguously (the verb of
receiving plus 申请 for row 1; 行政复议 / 行政诉讼 followed by a count for table 4), and takes
the first statement of each quantity: a number in a sentence about last year (上年, 同比) or about
a part (其中, 结转) is not the quantity.  Returns what it read, never a guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# The quantity a statement reports → its wording.  `n` is the number.
_PATTERNS: dict[str, re.Pattern[str]] = {
    # 共收到/新收/受理/接收（政府信息公开）申请26件
    "requests_new": re.compile(r"(?:新收|收到|受理|接收|收取)(?:[^，。；：\d]{0,10}?)申请(?:共|总计|合计)?\s*(?P<n>\d+)\s*[件个]"),
    # 办理/收到/发生行政复议（案件）1件
    "reviews_total": re.compile(r"行政复议(?:案件|申请)?(?:共|总计|合计)?\s*(?P<n>\d+)\s*[件起个]"),
    # 行政诉讼（案件）2件
    "suits_total": re.compile(r"行政诉讼(?:案件)?(?:共|总计|合计)?\s*(?P<n>\d+)\s*[件起个]"),
}
# A statement within this many characters after one of these words is about something else.
_NOT_THIS_YEAR = re.compile(r"(上年|上一年|去年|同比|其中|结转|较\d{4}年)")
_CONTEXT = 12


@dataclass(frozen=True)
class Statement:
    """One number the narrative states: the quantity, the number, and the words it was read from."""

    quantity: str
    value: int
    text: str


def narrative_numbers(body: str) -> list[Statement]:
    """The first statement of each quantity in `body` (none: the narrative does not state it)."""
    text = unicodedata.normalize("NFKC", body or "")
    out: list[Statement] = []
    for quantity, pattern in _PATTERNS.items():
        for match in pattern.finditer(text):
            before = re.split(r"[。；;！!？?\n]", text[max(0, match.start() - _CONTEXT):match.start()])[-1]
            if _NOT_THIS_YEAR.search(before) or _NOT_THIS_YEAR.search(match.group(0)):
                continue
            out.append(Statement(quantity, int(match.group("n")), match.group(0)))
            break
    return out
