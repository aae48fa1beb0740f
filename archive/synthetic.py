"""Synthetic reports in the text-copy format of `../shared/examples/*.txt`, for tests, the
benchmark and demos of the archive.

One cell per line starting with a tab, an empty line between table rows — the shape the text
reader (`extract/readers/text.py`) reads.  Values are known by construction, so an archive test
can assert on them (carry_over across two years, a changed report) without a real report.
The template labels come from `extract.templates`, the extractor's own vocabulary.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from extract import templates as T
from extract.model import Report

COLUMNS = [code for code, _label, _keys in T.REQUEST_COLUMNS]  # natural … other, total
NUMERALS = "一二三四五六七八"


@dataclass
class SyntheticReport:
    agency: str
    year: int
    # row code → six applicant values (the total column is their sum)
    requests: dict[str, list[int]] = field(default_factory=dict)
    reviews: dict[str, list[int]] = field(default_factory=dict)  # group → upheld, corrected, other, pending
    body: str = ""

    def row_values(self, code: str) -> list[int]:
        six = self.requests.get(code, [0] * 6)
        return [*six, sum(six)]


def balanced(agency: str, year: int, seed: int = 0, carried_over: list[int] | None = None) -> SyntheticReport:
    """A consistent 2019-format report: rows 1 + 2 = 3.7 + 4 in every column."""
    rng = random.Random(f"{agency}/{year}/{seed}")
    rep = SyntheticReport(agency, year)
    leaves = [r for r in T.ROWS_2019 if r.startswith("3.") and r != "3.7"]
    new = [rng.randint(0, 40) for _ in range(6)]
    prev = carried_over if carried_over is not None else [rng.randint(0, 5) for _ in range(6)]
    forward = [rng.randint(0, min(5, n + p)) for n, p in zip(new, prev, strict=True)]
    handled = [n + p - f for n, p, f in zip(new, prev, forward, strict=True)]
    rep.requests = {code: [0] * 6 for code in T.ROWS_2019}
    rep.requests["1"], rep.requests["2"], rep.requests["4"], rep.requests["3.7"] = new, prev, forward, handled
    for col, total in enumerate(handled):
        for _ in range(total):
            rep.requests[rng.choice(leaves)][col] += 1
    rep.reviews = {g: [rng.randint(0, 3) for _ in range(4)] for g, _label, _keys in T.REVIEW_GROUPS}
    rep.body = (f"{agency}{year}年政府信息公开工作年度报告。本年度共办理行政复议{sum(rep.reviews['review'])}件，"
                f"行政诉讼{sum(rep.reviews['suit_direct']) + sum(rep.reviews['suit_after_review'])}件。"
                "依申请公开工作依法有序开展，主动公开政策文件并做好政策解读。")
    return rep


def _row_label(code: str) -> str:
    row = T.ROWS_BY_CODE[code]
    if code in ("1", "2", "4"):
        return {"1": "一、", "2": "二、", "4": "四、"}[code] + row.label
    parts = code.split(".")
    if len(parts) == 2:
        return f"（{NUMERALS[int(parts[1]) - 1]}）{row.label}"
    return f"{parts[2]}.{row.label}"


GROUP_HEADINGS = {"3.3": "（三）不予公开", "3.4": "（四）无法提供", "3.5": "（五）不予处理"}


def _table2(rep: SyntheticReport) -> list[str]:
    """A minimal table 2 (第二十条第（一）项) in the template of the report's year."""
    if rep.year >= 2021:
        metrics, items = ("本年制发件数", "本年废止件数", "现行有效件数"), ("规章", "行政规范性文件")
    else:
        metrics, items = ("本年新制作数量", "本年新公开数量", "对外公开总数量"), ("规章", "规范性文件")
    lines = ["二、主动公开政府信息情况", "", "\t第二十条第（一）项", "", "\t信息内容", *(f"\t{m}" for m in metrics), ""]
    for i, item in enumerate(items):
        lines += [f"\t{item}", *(f"\t{(rep.year + i + k) % 7}" for k in range(3)), ""]
    return [*lines, ""]


def render_text(rep: SyntheticReport) -> bytes:
    """The report as a text copy: title, narrative, table 3 and table 4."""
    lines = [f"{rep.agency}{rep.year}年政府信息公开工作年度报告", "", "一、总体情况", rep.body, "",
             *_table2(rep), "三、收到和处理政府信息公开申请情况", "\t（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
             "\t申请人情况", "", "\t", "\t自然人", "\t法人或其他组织", "\t总计", "",
             "\t", "\t", *(f"\t{label}" for _c, label, _k in T.REQUEST_COLUMNS[1:6]), "\t", ""]
    seen_groups: set[str] = set()
    for code in T.ROWS_2019:
        cells: list[str] = []
        if code == "3.1":
            cells.append("三、本年度办理结果")
        elif code.startswith("3."):
            cells.append("")
        group = ".".join(code.split(".")[:2]) if code.count(".") == 2 else None
        if group:
            cells.append(GROUP_HEADINGS[group] if group not in seen_groups else "")
            seen_groups.add(group)
        cells.append(_row_label(code))
        cells.extend(str(v) for v in rep.row_values(code))
        lines.extend(f"\t{c}" for c in cells)
        lines.append("")
    lines += ["", "四、政府信息公开行政复议、行政诉讼情况", "", "\t行政复议", "\t行政诉讼", "",
              *(f"\t{x}" for x in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")),
              "\t未经复议直接起诉", "\t复议后起诉", ""]
    lines += ["\t"] * 5 + [f"\t{x}" for x in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计") * 2] + [""]
    values: list[int] = []
    for group, _label, _keys in T.REVIEW_GROUPS:
        four = rep.reviews.get(group, [0] * 4)
        values += [*four, sum(four)]
    lines += [f"\t{v}" for v in values] + ["", "五、存在的主要问题及改进情况", "无。", ""]
    return "\n".join(lines).encode("utf-8")


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
            out.append((f"demo-{n}-{year}.txt", render_text(rep)))
    return out


def to_report(rep: SyntheticReport, source: str = "") -> Report:
    """The `Report` the extractor reads from `render_text(rep)`, built directly (no parsing): the
    benchmark uses it to load 100,000 reports in minutes; a test checks it equals the parse."""
    from extract.checks import check_report
    from extract.model import ActiveRow, RequestRow, ReviewRow

    fmt = "2021" if rep.year >= 2021 else "2019"
    if fmt == "2021":
        metrics, items = ("本年制发件数", "本年废止件数", "现行有效件数"), ("规章", "行政规范性文件")
    else:
        metrics, items = ("本年新制作数量", "本年新公开数量", "对外公开总数量"), ("规章", "规范性文件")
    active = [ActiveRow("第二十条第（一）项", item, None, metric, v := (rep.year + i + k) % 7, None, str(v))
              for i, item in enumerate(items) for k, metric in enumerate(metrics)]
    requests = [RequestRow(code, T.ROWS_BY_CODE[code].label, col, v, str(v))
                for code in T.ROWS_2019 for col, v in zip(COLUMNS, rep.row_values(code), strict=True)]
    reviews = []
    for group, _label, _keys in T.REVIEW_GROUPS:
        four = rep.reviews.get(group, [0] * 4)
        for outcome, v in zip(("upheld", "corrected", "other", "pending", "total"), [*four, sum(four)], strict=True):
            reviews.append(ReviewRow(group, outcome, v, str(v)))
    report = Report(source=source, title=f"{rep.agency}{rep.year}年政府信息公开工作年度报告", agency=rep.agency,
                    year=rep.year, format=fmt, active_disclosure=active, requests=requests, reviews=reviews)
    report.checks = check_report(active, requests, reviews)
    report.extras = {"kind": "text", "pub_date": None, "image_only": False, "body": rep.body}
    return report
