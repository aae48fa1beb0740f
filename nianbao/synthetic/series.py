"""Report series: consistent minimal reports of many agencies over consecutive years, for the
archive's tests and benchmarks (carry-over across years, a changed report, 100,000 reports).

Why apart from the spec: a series report is smaller than a `ReportSpec` (table 2's first section,
tables 3 and 4 in the 2019 rows) and is built for volume — `to_report` gives the `Report` its text
copy parses to without parsing it, which a test holds equal to the parse.  Its labels are the
generator's own (labels.py), never the parser's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from extract.model import Report

from .labels import (
    ACTIVE_2019,
    ACTIVE_2021,
    COLUMNS,
    LIT_GROUPS,
    LIT_OUTCOMES,
    ROWS_2019,
    canonical_row_label,
)
from .text_copy import render_series_text


@dataclass
class SeriesReport:
    """One report of a series: values by construction."""

    agency: str
    year: int
    # row code → six applicant values (the total column is their sum)
    requests: dict[str, list[int]] = field(default_factory=dict)
    reviews: dict[str, list[int]] = field(default_factory=dict)  # group → upheld, corrected, other, pending
    body: str = ""

    def row_values(self, code: str) -> list[int]:
        six = self.requests.get(code, [0] * 6)
        return [*six, sum(six)]

    def active_values(self, item: int) -> list[int]:
        """The three values of table 2's `item`-th row (its first section)."""
        return [(self.year + item + k) % 7 for k in range(3)]


def balanced(agency: str, year: int, seed: int = 0, carried_over: list[int] | None = None) -> SeriesReport:
    """A consistent 2019-format report: rows 1 + 2 = 3.7 + 4 in every column."""
    rng = random.Random(f"{agency}/{year}/{seed}")
    rep = SeriesReport(agency, year)
    leaves = [r for r in ROWS_2019 if r.startswith("3.") and r != "3.7"]
    new = [rng.randint(0, 40) for _ in range(6)]
    prev = carried_over if carried_over is not None else [rng.randint(0, 5) for _ in range(6)]
    forward = [rng.randint(0, min(5, n + p)) for n, p in zip(new, prev, strict=True)]
    handled = [n + p - f for n, p, f in zip(new, prev, forward, strict=True)]
    rep.requests = {code: [0] * 6 for code in ROWS_2019}
    rep.requests["1"], rep.requests["2"], rep.requests["4"], rep.requests["3.7"] = new, prev, forward, handled
    for col, total in enumerate(handled):
        for _ in range(total):
            rep.requests[rng.choice(leaves)][col] += 1
    rep.reviews = {g: [rng.randint(0, 3) for _ in range(4)] for g in LIT_GROUPS}
    rep.body = (f"{agency}{year}年政府信息公开工作年度报告。本年度共办理行政复议{sum(rep.reviews['review'])}件，"
                f"行政诉讼{sum(rep.reviews['suit_direct']) + sum(rep.reviews['suit_after_review'])}件。"
                "依申请公开工作依法有序开展，主动公开政策文件并做好政策解读。")
    return rep


DEMO_AGENCIES = [
    ("北京市海淀区人民政府", None), ("北京市朝阳区人民政府办公室", None), ("上海市浦东新区人民政府", None),
    ("江苏省南京市鼓楼区人民政府", None), ("浙江省杭州市西湖区教育局", None), ("广东省深圳市南山区人民政府", None),
    ("四川省成都市武侯区人民政府", None), ("湖北省武汉市江汉区民政局", None),
]


def demo_reports(years: tuple[int, ...] = (2020, 2021, 2022)) -> list[tuple[str, bytes]]:
    """A small, varied set of text reports (file name, bytes): several agencies and provinces over
    consecutive years, carried-over values matching except for one agency, for demos and the
    publication tests."""
    out: list[tuple[str, bytes]] = []
    for n, (agency, _) in enumerate(DEMO_AGENCIES):
        forward: list[int] | None = None
        for year in years:
            carried = forward if (forward is not None and n != 3) else None
            rep = balanced(agency, year, seed=n, carried_over=carried)
            forward = rep.requests["4"]
            out.append((f"demo-{n}-{year}.txt", render_series_text(rep)))
    return out


def to_report(rep: SeriesReport, source: str = "") -> Report:
    """The `Report` the extractor reads from `render_series_text(rep)`, built directly (no parsing):
    the benchmark uses it to load 100,000 reports in minutes; a test checks it equals the parse."""
    from extract.checks import check_report
    from extract.model import ActiveRow, RequestRow, ReviewRow
    from extract.parse import missing_items
    from extract.templates import template

    fmt = "2021" if rep.year >= 2021 else "2019"
    section, metrics, items = (ACTIVE_2021 if fmt == "2021" else ACTIVE_2019)[0]
    active = [ActiveRow(section, item, None, metric, v, None, str(v))
              for i, item in enumerate(items) for metric, v in zip(metrics, rep.active_values(i), strict=True)]
    requests = [RequestRow(code, canonical_row_label(code), col, v, str(v))
                for code in ROWS_2019 for col, v in zip(COLUMNS, rep.row_values(code), strict=True)]
    reviews = []
    for group in LIT_GROUPS:
        four = rep.reviews.get(group, [0] * 4)
        for outcome, v in zip(LIT_OUTCOMES, [*four, sum(four)], strict=True):
            reviews.append(ReviewRow(group, outcome, v, str(v)))
    report = Report(source=source, title=f"{rep.agency}{rep.year}年政府信息公开工作年度报告", agency=rep.agency,
                    year=rep.year, format=fmt, active_disclosure=active, requests=requests, reviews=reviews)
    report.checks = check_report(active, requests, reviews)
    report.problems = missing_items(active, template(fmt))  # the series prints one section of table 2
    report.extras = {"kind": "text", "pub_date": None, "image_only": False, "body": rep.body}
    return report
