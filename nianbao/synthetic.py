"""Synthetic annual reports with values known by construction, rendered as portals publish them.

Why: the real examples are few.  A generator lets the round-trip tests cover both templates, every
reader (text copy, HTML, DOCX, PDF) and the oddities real reports carry — blank cells, broken and
misspelled labels, totals that do not add up, amounts printed in 元 — with the expected parse known
from the spec itself rather than copied from parser output.  The demo portals (`nianbao/demo`)
publish its reports too, which is why it is part of the package and not of tests/ (reportlab and
python-docx are runtime dependencies for that reason); tests/generate.py re-exports it for the
tests, with `expected` in their canonical form.

    spec = make_spec(7, "2021", blanks=True)
    data = render_pdf(spec)            # bytes of a real file
    want = expected_parse(spec)        # the expected.json shape (tests/generate.py: canonical form)

Everything is reproducible from (seed, template, options): each random choice comes from a
`random.Random` seeded with a string derived from them.

`archive/synthetic.py` is a different generator: text copies only, built for the archive's
100,000-report benchmark, with its own `Report` shortcut (`to_report`).
"""

from __future__ import annotations

import copy
import html as htmlmod
import io
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Value = int | float | None

# --- The templates, as printed ----------------------------------------------------------------

COLUMNS = ["natural", "commercial", "research", "social", "legal", "other", "total"]
APPLICANTS = COLUMNS[:6]
COLUMN_LABELS = {"natural": "自然人", "commercial": "商业企业", "research": "科研机构", "social": "社会公益组织",
                 "legal": "法律服务机构", "other": "其他", "total": "总计"}

ROW_LABELS = {
    "1": "一、本年新收政府信息公开申请数量",
    "2": "二、上年结转政府信息公开申请数量",
    "3.1": "（一）予以公开",
    "3.2": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "3.3.1": "1.属于国家秘密",
    "3.3.2": "2.其他法律行政法规禁止公开",
    "3.3.3": "3.危及“三安全一稳定”",
    "3.3.4": "4.保护第三方合法权益",
    "3.3.5": "5.属于三类内部事务信息",
    "3.3.6": "6.属于四类过程性信息",
    "3.3.7": "7.属于行政执法案卷",
    "3.3.8": "8.属于行政查询事项",
    "3.4.1": "1.本机关不掌握相关政府信息",
    "3.4.2": "2.没有现成信息需要另行制作",
    "3.4.3": "3.补正后申请内容仍不明确",
    "3.5.1": "1.信访举报投诉类申请",
    "3.5.2": "2.重复申请",
    "3.5.3": "3.要求提供公开出版物",
    "3.5.4": "4.无正当理由大量反复申请",
    "3.5.5": "5.要求行政机关确认或重新出具已获取信息",
    "3.6": "（六）其他处理",
    "3.6.1": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "3.6.2": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.6.3": "3.其他",
    "3.7": "（七）总计",
    "4": "四、结转下年度继续办理",
}
GROUP_LABELS = {"3": "三、本年度办理结果", "3.3": "（三）不予公开", "3.4": "（四）无法提供", "3.5": "（五）不予处理",
                "3.6": "（六）其他处理"}
ROWS_2019 = ["1", "2", "3.1", "3.2", *[f"3.3.{i}" for i in range(1, 9)], *[f"3.4.{i}" for i in range(1, 4)],
             *[f"3.5.{i}" for i in range(1, 6)], "3.6", "3.7", "4"]
ROWS_2021 = [r for r in ROWS_2019 if r != "3.6"]
ROWS_2021[ROWS_2021.index("3.7"):ROWS_2021.index("3.7")] = ["3.6.1", "3.6.2", "3.6.3"]
CORNER_LABEL = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

LIT_GROUPS = ["review", "suit_direct", "suit_after_review"]
LIT_OUTCOMES = ["upheld", "corrected", "other", "pending", "total"]
LIT_GROUP_LABELS = {"review": "行政复议", "suit": "行政诉讼", "suit_direct": "未经复议直接起诉",
                    "suit_after_review": "复议后起诉"}
LIT_OUTCOME_LABELS = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结",
                      "total": "总计"}

# Table 2: (section, metrics, items) per template.
ACTIVE_2019: list[tuple[str, list[str], list[str]]] = [
    ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "规范性文件"]),
    ("第二十条第（五）项", ["上一年项目数量", "本年增/减", "处理决定数量"], ["行政许可", "其他对外管理服务事项"]),
    ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"], ["行政处罚", "行政强制"]),
    ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], ["行政事业性收费"]),
    ("第二十条第（九）项", ["采购项目数量", "采购总金额"], ["政府集中采购"]),
]
ACTIVE_2021: list[tuple[str, list[str], list[str]]] = [
    ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "行政规范性文件"]),
    ("第二十条第（五）项", ["本年处理决定数量"], ["行政许可"]),
    ("第二十条第（六）项", ["本年处理决定数量"], ["行政处罚", "行政强制"]),
    ("第二十条第（八）项", ["本年收费金额"], ["行政事业性收费"]),
]
AMOUNT_METRICS = {"采购总金额", "本年收费金额"}
# How an amount column's header is printed (the unit in brackets is not part of the canonical label).
AMOUNT_HEADERS = {"采购总金额": ["采购总金额（万元，保留四位小数）", "采购总金额（万元）", "采购总金额"],
                  "本年收费金额": ["本年收费金额（单位：万元）", "本年收费金额（万元）", "本年收费金额"]}
OTHER_SERVICES = "其他对外管理服务事项"
LOCAL_SUBROWS = ["行政检查", "行政确认", "行政征收", "行政裁决", "行政奖励", "行政给付"]
INFO_LABEL = "信息内容"

# (name as printed in the title, name the parse must give).  The archive names a county-level body
# without its prefecture city or province, as portals do: hongze-2024.expected.json has
# 洪泽区人民政府 for a report titled 淮安市洪泽区人民政府…; the four municipalities keep their name.
AGENCIES: list[tuple[str, str]] = [
    ("北京市朝阳区人民政府办公室", "北京市朝阳区人民政府办公室"),
    ("北京市通州区人民政府办公室", "北京市通州区人民政府办公室"),
    ("北京市海淀区海淀街道办事处", "北京市海淀区海淀街道办事处"),
    ("北京市东城区市场监督管理局", "北京市东城区市场监督管理局"),
    ("重庆市北碚区财政局", "重庆市北碚区财政局"),
    ("重庆市渝中区人民政府", "重庆市渝中区人民政府"),
    ("上海市浦东新区生态环境局", "上海市浦东新区生态环境局"),
    ("上海市徐汇区教育局", "上海市徐汇区教育局"),
    ("天津市和平区人民政府", "天津市和平区人民政府"),
    ("江苏省南京市玄武区人民政府", "玄武区人民政府"),
    ("淮安市洪泽区司法局", "洪泽区司法局"),
    ("广州市天河区卫生健康局", "天河区卫生健康局"),
    ("深圳市南山区住房和建设局", "南山区住房和建设局"),
    ("四川省成都市武侯区民政局", "武侯区民政局"),
    ("杭州市西湖区交通运输局", "西湖区交通运输局"),
    ("武汉市江汉区人力资源和社会保障局", "江汉区人力资源和社会保障局"),
    ("长沙市岳麓区城市管理和综合执法局", "岳麓区城市管理和综合执法局"),
    ("西安市雁塔区自然资源局", "雁塔区自然资源局"),
    ("济南市历下区退役军人事务局", "历下区退役军人事务局"),
    ("福建省福州市鼓楼区应急管理局", "鼓楼区应急管理局"),
    ("昆明市五华区统计局", "五华区统计局"),
    ("沈阳市和平区发展和改革局", "和平区发展和改革局"),
    ("洪泽区人民政府", "洪泽区人民政府"),
    ("苏州市财政局", "苏州市财政局"),
    ("宁波市人民政府办公厅", "宁波市人民政府办公厅"),
    ("青岛市科学技术局", "青岛市科学技术局"),
]

# --- The spec -----------------------------------------------------------------------------------


@dataclass
class ActiveRow:
    """One row of table 2: `item` is its canonical label (a local sub-row's own label)."""

    item: str
    parent: str | None
    label: str  # as printed
    values: dict[str, Value]
    printed: dict[str, str]


@dataclass
class ActiveSection:
    section: str
    label: str  # as printed
    metrics: list[str]
    metric_labels: list[str]  # as printed
    rows: list[ActiveRow]
    parent_label: str | None = None  # printed label of 其他对外管理服务事项 when it has sub-rows


@dataclass
class ReportSpec:
    """Everything a rendered report says, and so everything its parse must find."""

    seed: int
    template: str
    agency: str  # as the parse must name it
    agency_full: str  # as printed in the title and body
    year: int
    pub_date: str
    inconsistent: bool
    blanks: bool
    odd_labels: bool
    amount_in_yuan: bool
    sections: list[ActiveSection]
    rows: list[str]  # table-3 row codes in print order
    applications: dict[str, dict[str, Value]]  # printed values; None = blank cell
    litigation: dict[str, Value]  # "group/outcome" -> printed value
    labels: dict[str, str]  # printed labels of tables 3 and 4 and of the body headings
    title_style: str
    perturbed: str | None = None  # the total made inconsistent, for a reader of a failing case
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.title_style == "year_agency":
            return f"{self.year}年{self.agency_full}政府信息公开工作年度报告"
        return f"{self.agency_full}{self.year}年政府信息公开工作年度报告"

    @property
    def format(self) -> str:
        return self.template

    def has_subrows(self) -> bool:
        return any(s.parent_label for s in self.sections)


def make_spec(seed: int, template: str, *, inconsistent: bool = False, blanks: bool = False,
              odd_labels: bool = False, amount_in_yuan: bool = False) -> ReportSpec:
    """Random but reproducible content for one report of `template` ("2019" or "2021").

    Totals are consistent unless `inconsistent` (one printed total is off, so a check must fail);
    `blanks` leaves cells empty (null, and missing for table 3); `odd_labels` prints labels the way
    real reports garble them; `amount_in_yuan` prints an amount in 元 (the parse converts to 万元).
    """
    if template not in ("2019", "2021"):
        raise ValueError(f"unknown template {template!r}")
    flags = f"{int(inconsistent)}{int(blanks)}{int(odd_labels)}{int(amount_in_yuan)}"
    rng = random.Random(f"spec:{seed}:{template}:{flags}")
    agency_full, agency = rng.choice(AGENCIES)
    year = rng.choice([2019, 2020]) if template == "2019" else rng.randint(2021, 2025)
    pub_date = f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"
    sections = _make_sections(rng, template, odd_labels=odd_labels, yuan=amount_in_yuan, blanks=blanks)
    single_36 = template == "2021" and rng.random() < 0.3  # many 2021 reports keep the old （六） row
    rows = list(ROWS_2019 if template == "2019" or single_36 else ROWS_2021)
    apps = _make_table3(rng, rows)
    lit = _make_table4(rng)
    perturbed = _perturb(rng, rows, apps, lit) if inconsistent else None
    if blanks:
        _blank(rng, rows, apps, lit, perturbed)
    labels = _make_labels(rng, rows, odd_labels)
    title_style = rng.choices(["agency_year", "year_agency", "two_lines"], weights=[6, 3, 1])[0]
    spec = ReportSpec(seed=seed, template=template, agency=agency, agency_full=agency_full, year=year, pub_date=pub_date,
                      inconsistent=inconsistent, blanks=blanks, odd_labels=odd_labels,
                      amount_in_yuan=amount_in_yuan, sections=sections, rows=rows, applications=apps,
                      litigation=lit, labels=labels, title_style=title_style, perturbed=perturbed)
    if single_36:
        spec.notes.append("2021 template with the single （六）其他处理 row")
    if inconsistent and not failing_checks(spec):
        raise AssertionError(f"seed {seed}: the perturbation of {perturbed} fails no check")
    return spec


# --- Values -------------------------------------------------------------------------------------


def _amount(rng: random.Random) -> int:
    """An amount in yuan (so 万元 carries at most four decimals)."""
    kind = rng.random()
    if kind < 0.15:
        return 0
    if kind < 0.45:
        return rng.randint(1, 5000) * 100
    return rng.randint(1, 300_000_000)


def _wan(yuan: int) -> float:
    return float(Decimal(yuan) / Decimal(10000))


def _print_amount(rng: random.Random, yuan: int, in_yuan: bool) -> str:
    if in_yuan:
        return f"{yuan}元"
    wan = Decimal(yuan) / Decimal(10000)
    short = format(wan.normalize(), "f") if wan else "0"
    return rng.choice([f"{wan:.4f}", short, f"{short}万元", short])


def _count(rng: random.Random, metric: str) -> int:
    hi = {"本年新制作数量": 40, "本年新公开数量": 40, "对外公开总数量": 400, "上一年项目数量": 800,
          "处理决定数量": 60000, "采购项目数量": 2000, "本年制发件数": 30, "本年废止件数": 10,
          "现行有效件数": 300, "本年处理决定数量": 30000}[metric]
    if rng.random() < 0.3:
        return 0
    return rng.randint(0, rng.choice([hi // 100 or 1, hi // 10 or 1, hi]))


def _make_sections(rng: random.Random, template: str, *, odd_labels: bool, yuan: bool,
                   blanks: bool) -> list[ActiveSection]:
    table = ACTIVE_2019 if template == "2019" else ACTIVE_2021
    subrows: list[str] = []
    if template == "2019" and rng.random() < 0.45:  # Beijing-style split of 其他对外管理服务事项
        subrows = rng.sample(LOCAL_SUBROWS[:2], 2) if rng.random() < 0.5 else rng.sample(LOCAL_SUBROWS, rng.randint(2, 4))
    sections: list[ActiveSection] = []
    for section, metrics, items in table:
        metric_labels = []
        for m in metrics:
            if m in AMOUNT_METRICS:
                label = AMOUNT_HEADERS[m][-1] if yuan else rng.choice(AMOUNT_HEADERS[m][:2] + AMOUNT_HEADERS[m])
            else:
                label = m
            metric_labels.append(_odd(rng, label, droppable=False) if odd_labels else label)
        sec = ActiveSection(section=section, label=_odd(rng, section, droppable=False) if odd_labels else section,
                            metrics=list(metrics), metric_labels=metric_labels, rows=[])
        for item in items:
            if item == OTHER_SERVICES and subrows:
                sec.parent_label = _odd(rng, item, droppable=False) if odd_labels else item
                names = [(s, item) for s in subrows]
            else:
                names = [(item, None)]
            for name, parent in names:
                values: dict[str, Value] = {}
                printed: dict[str, str] = {}
                for m in metrics:
                    if m in AMOUNT_METRICS:
                        yuan_value = _amount(rng)
                        values[m] = _wan(yuan_value)
                        printed[m] = _print_amount(rng, yuan_value, yuan)
                    elif m == "本年增/减":
                        base = values.get("上一年项目数量") or 0
                        v = rng.randint(-min(int(base), 60), 60) if rng.random() < 0.7 else 0
                        values[m], printed[m] = v, str(v)
                    else:
                        v = _count(rng, m)
                        values[m], printed[m] = v, str(v)
                label = _odd(rng, name, droppable=False) if odd_labels else name
                sec.rows.append(ActiveRow(item=name, parent=parent, label=label, values=values, printed=printed))
        sections.append(sec)
    if blanks:  # a few blank cells in table 2 as well (never the amount printed in 元)
        cells = [(row, m) for sec in sections for row in sec.rows for m in sec.metrics
                 if not (yuan and m in AMOUNT_METRICS)]
        for row, m in rng.sample(cells, rng.randint(0, 2)):
            row.values[m], row.printed[m] = None, ""
    return sections


# Relative frequency of each outcome: most requests are granted or the information is not held.
_LEAF_WEIGHT = {"3.1": 1.0, "3.2": 0.3, "3.4.1": 0.6, "3.4.2": 0.2, "3.5.1": 0.2, "3.5.2": 0.2, "3.3.4": 0.15,
                "3.3.6": 0.15, "3.6": 0.2, "3.6.1": 0.15, "3.6.3": 0.15}


def _make_table3(rng: random.Random, rows: list[str]) -> dict[str, dict[str, Value]]:
    """Consistent values: 3.7 = sum of leaves, row 1 + row 2 = 3.7 + row 4, total = sum of six."""
    leaves = [r for r in rows if r.startswith("3.") and r != "3.7"]
    apps: dict[str, dict[str, Value]] = {r: {} for r in rows}
    busy = rng.choices([0, 1, 2, 3], weights=[1, 3, 4, 3])[0]
    for col in APPLICANTS:
        if col == "natural":
            scale = [0, 4, 30, 250][busy]
        else:
            scale = [0, 1, 4, 15][busy] if rng.random() < 0.5 else 0
        for leaf in leaves:
            w = _LEAF_WEIGHT.get(leaf, 0.05)
            v = rng.randint(0, max(1, round(scale * w))) if scale and rng.random() < min(1.0, w + 0.25) else 0
            apps[leaf][col] = v
        done = sum(int(apps[leaf][col] or 0) for leaf in leaves)
        carry_out = rng.randint(0, done // 4) if done else rng.choice([0, 0, 0, 1])
        carry_in = rng.randint(0, (done + carry_out) // 3) if rng.random() < 0.6 else 0
        apps["3.7"][col] = done
        apps["4"][col] = carry_out
        apps["2"][col] = carry_in
        apps["1"][col] = done + carry_out - carry_in
    for r in rows:
        apps[r]["total"] = sum(int(apps[r][c] or 0) for c in APPLICANTS)
    return apps


def _make_table4(rng: random.Random) -> dict[str, Value]:
    lit: dict[str, Value] = {}
    quiet = rng.random() < 0.3
    for g in LIT_GROUPS:
        parts = [0, 0, 0, 0] if quiet else [rng.randint(0, hi) if rng.random() < 0.6 else 0 for hi in (30, 4, 4, 8)]
        for outcome, v in zip(LIT_OUTCOMES[:4], parts, strict=True):
            lit[f"{g}/{outcome}"] = v
        lit[f"{g}/total"] = sum(parts)
    return lit


def _perturb(rng: random.Random, rows: list[str], apps: dict[str, dict[str, Value]],
             lit: dict[str, Value]) -> str:
    """Change one printed total so that it no longer adds up; return it as `row/column` or `group/total`."""
    kind = rng.choice(["row_total", "outcome_total", "litigation_total"])
    delta = rng.choice([-3, -2, -1, 1, 1, 2, 3, 10])
    if kind == "litigation_total":
        g = rng.choice(LIT_GROUPS)
        old = int(lit[f"{g}/total"] or 0)
        lit[f"{g}/total"] = old + delta if old + delta >= 0 else old + abs(delta)
        return f"{g}/total"
    row, col = (rng.choice(rows), "total") if kind == "row_total" else ("3.7", rng.choice(COLUMNS))
    old = int(apps[row][col] or 0)
    apps[row][col] = old + delta if old + delta >= 0 else old + abs(delta)
    return f"{row}/{col}"


def _blank(rng: random.Random, rows: list[str], apps: dict[str, dict[str, Value]], lit: dict[str, Value],
           perturbed: str | None) -> None:
    """Blank cells the way real reports do: mostly zeros left empty, now and then a real value.

    The perturbed total's row, column (or litigation group) keeps its values, so that the
    inconsistency stays checkable and the case still tests a failing check.
    """
    protected: set[tuple[str, str]] = set()
    lit_protected = ""
    if perturbed:
        a, b = perturbed.split("/")
        if a in LIT_GROUPS:
            lit_protected = a
        else:
            protected |= {(a, c) for c in COLUMNS} | {(r, b) for r in rows}
    free = [(r, c) for r in rows for c in COLUMNS if (r, c) not in protected]
    p = rng.uniform(0.3, 0.95)
    for r, c in free:
        if apps[r][c] == 0 and rng.random() < p:
            apps[r][c] = None
    nonzero = [(r, c) for r, c in free if apps[r][c]]
    for r, c in rng.sample(nonzero, min(len(nonzero), rng.choice([0, 0, 1, 2]))):
        apps[r][c] = None
    if not any(apps[r][c] is None for r, c in free) and free:
        r, c = rng.choice(free)
        apps[r][c] = None
    q = rng.uniform(0.0, 0.9)
    for key, v in lit.items():
        if v == 0 and not key.startswith(lit_protected or "\0") and rng.random() < q:
            lit[key] = None


# --- Labels -------------------------------------------------------------------------------------

_FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_PREFIX = re.compile(r"^(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、|\d+[.、．])")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _odd(rng: random.Random, label: str, *, droppable: bool = True, p: float = 0.45) -> str:
    """A label as real reports garble it: bracket/digit widths, spaces, line breaks, lost numbering."""
    if rng.random() >= p:
        return label
    ops = set(rng.sample(["drop", "brackets", "digits", "space", "break"], k=rng.choice([1, 1, 2])))
    prefix = _PREFIX.match(label)
    if "drop" in ops and droppable and prefix:
        label = label[prefix.end():]
        prefix = None
    if "brackets" in ops:
        label = label.replace("（", "(").replace("）", ")")
    if "digits" in ops:
        m = re.match(r"^(\d+)[.、．]", label)
        if m:
            label = m.group(1).translate(_FULLWIDTH_DIGITS) + rng.choice(["．", "、", "."]) + label[m.end():]
        elif "/" in label:
            label = label.replace("/", "／")
    start = _PREFIX.match(label).end() if _PREFIX.match(label) else 0
    # Interior positions between two CJK characters, after the numbering.
    spots = [i for i in range(start + 1, len(label)) if _CJK.match(label[i - 1]) and _CJK.match(label[i])]
    if "space" in ops and spots:
        i = rng.choice(spots)
        label = label[:i] + rng.choice([" ", "\u3000", "  "]) + label[i:]
        spots = [i for i in range(start + 1, len(label)) if _CJK.match(label[i - 1]) and _CJK.match(label[i])]
    if "break" in ops and spots:
        i = rng.choice(spots)
        label = label[:i] + "\n" + label[i:]
    return label


def _make_labels(rng: random.Random, rows: list[str], odd: bool) -> dict[str, str]:
    labels: dict[str, str] = {"corner": CORNER_LABEL, "applicant": "申请人情况", "org": "法人或其他组织"}
    for code in rows:
        text = ROW_LABELS[code]
        if odd and code == "3.3.2" and rng.random() < 0.5:
            text = "2.其他法律行政止公开"  # a typo seen in a real report
        elif odd:
            text = _odd(rng, text, droppable=code not in ("3.6.3",))
        labels[f"row:{code}"] = text
    for code, text in GROUP_LABELS.items():
        labels[f"group:{code}"] = _odd(rng, text) if odd else text
    for col in COLUMNS:
        labels[f"col:{col}"] = _odd(rng, COLUMN_LABELS[col], droppable=False) if odd else COLUMN_LABELS[col]
    if odd:
        labels["org"] = _odd(rng, labels["org"], droppable=False)
    for key, text in LIT_GROUP_LABELS.items():
        labels[f"lit:{key}"] = _odd(rng, text, droppable=False, p=0.3) if odd else text
    for g in LIT_GROUPS:
        for outcome in LIT_OUTCOMES:
            text = LIT_OUTCOME_LABELS[outcome]
            if odd and g == "review" and rng.random() < 0.25:
                text = "\n".join(text)  # typed one character per line, as a narrow Word cell forces
            elif odd:
                text = _odd(rng, text, droppable=False, p=0.25)
            labels[f"out:{g}:{outcome}"] = text
    return labels


# --- Expected parse -----------------------------------------------------------------------------


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


# --- Logical tables: one description of each table that every renderer lays out ---------------


@dataclass
class LCell:
    """A table cell at grid position (row, col) spanning rowspan × colspan grid cells."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "label"  # label | header | value | section | corner | vertical


@dataclass
class LTable:
    nrows: int
    ncols: int
    cells: list[LCell]
    weights: list[float]  # relative column widths, for the renderers that draw
    name: str = ""

    def origin_rows(self) -> list[list[LCell]]:
        rows: list[list[LCell]] = [[] for _ in range(self.nrows)]
        for cell in self.cells:
            rows[cell.row].append(cell)
        return [sorted(r, key=lambda c: c.col) for r in rows]

    def grid(self) -> list[list[LCell | None]]:
        """Each grid position mapped to the cell covering it (None where nothing does)."""
        g: list[list[LCell | None]] = [[None] * self.ncols for _ in range(self.nrows)]
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    if g[r][c] is not None:
                        raise AssertionError(f"{self.name}: cells overlap at ({r}, {c})")
                    g[r][c] = cell
        return g


def _split(total: int, k: int, pattern: str) -> list[int]:
    """Spread `total` grid columns over `k` cells: `pattern` says which cells take the extra width."""
    if k == 1:
        return [total]
    if k == total:
        return [1] * k
    spans = [1] * k
    extra = total - k
    order = {"last": list(range(k - 1, -1, -1)), "first": list(range(k)), "middle": [1, 0, 2][:k]}[pattern]
    i = 0
    while extra:
        spans[order[i % len(order)]] += 1
        extra -= 1
        i += 1
    return spans


def table2(spec: ReportSpec, *, mismatch: bool = False, split: bool = False) -> list[LTable]:
    """Table 2, one table or one per section.  `mismatch` gives the value cells other colspans than
    their header cells, as the Shanghai page does (header 1+2+1, values 2+1+1)."""
    label_cols = 2 if spec.has_subrows() else 1
    vcols = 4 if mismatch else 3
    ncols = label_cols + vcols
    weights = [2.2] if label_cols == 1 else [1.3, 1.3]
    weights = weights + [3.0 / vcols] * vcols
    tables: list[LTable] = []
    cells: list[LCell] = []
    r = 0

    def close(name: str) -> None:
        nonlocal cells, r
        if cells:
            tables.append(LTable(nrows=r, ncols=ncols, cells=cells, weights=weights, name=name))
        cells, r = [], 0

    for sec in spec.sections:
        k = len(sec.metrics)
        hdr = _split(vcols, k, "middle" if mismatch else "last")
        val = _split(vcols, k, "first" if mismatch else "last")
        cells.append(LCell(r, 0, sec.label, colspan=ncols, kind="section"))
        r += 1
        cells.append(LCell(r, 0, INFO_LABEL, colspan=label_cols, kind="header"))
        c = label_cols
        for text, span in zip(sec.metric_labels, hdr, strict=True):
            cells.append(LCell(r, c, text, colspan=span, kind="header"))
            c += span
        r += 1
        sub = [row for row in sec.rows if row.parent]
        for row in sec.rows:
            if row.parent:
                if row is sub[0]:
                    cells.append(LCell(r, 0, sec.parent_label or row.parent, rowspan=len(sub)))
                cells.append(LCell(r, 1, row.label))
            else:
                cells.append(LCell(r, 0, row.label, colspan=label_cols))
            c = label_cols
            for m, span in zip(sec.metrics, val, strict=True):
                cells.append(LCell(r, c, row.printed[m], colspan=span, kind="value"))
                c += span
            r += 1
        if split:
            close(sec.section)
    close("table2")
    return tables


def table3(spec: ReportSpec) -> LTable:
    """Table 3 as the template draws it: three label columns, seven value columns."""
    lab = spec.labels
    cells = [LCell(0, 0, lab["corner"], rowspan=3, colspan=3, kind="corner"),
             LCell(0, 3, lab["applicant"], colspan=7, kind="header"),
             LCell(1, 3, lab["col:natural"], rowspan=2, kind="header"),
             LCell(1, 4, lab["org"], colspan=5, kind="header"),
             LCell(1, 9, lab["col:total"], rowspan=2, kind="header")]
    cells += [LCell(2, 4 + i, lab[f"col:{c}"], kind="header") for i, c in enumerate(APPLICANTS[1:])]
    r = 3
    outcome_rows = [code for code in spec.rows if code.startswith("3.")]
    group_start: dict[str, int] = {}
    for code in spec.rows:
        parts = code.split(".")
        if code == outcome_rows[0]:
            cells.append(LCell(r, 0, lab["group:3"], rowspan=len(outcome_rows), kind="vertical"))
        if len(parts) == 1:
            cells.append(LCell(r, 0, lab[f"row:{code}"], colspan=3))
        elif len(parts) == 2:
            cells.append(LCell(r, 1, lab[f"row:{code}"], colspan=2))
        else:
            group = ".".join(parts[:2])
            if group not in group_start:
                group_start[group] = r
                n = sum(1 for c in spec.rows if c.startswith(group + "."))
                cells.append(LCell(r, 1, lab[f"group:{group}"], rowspan=n))
            cells.append(LCell(r, 2, lab[f"row:{code}"]))
        for i, col in enumerate(COLUMNS):
            v = spec.applications[code][col]
            cells.append(LCell(r, 3 + i, "" if v is None else str(v), kind="value"))
        r += 1
    return LTable(nrows=r, ncols=10, cells=cells, weights=[0.55, 1.6, 3.3] + [1.0] * 7, name="table3")


def table4(spec: ReportSpec) -> LTable:
    lab = spec.labels
    cells = [LCell(0, 0, lab["lit:review"], colspan=5, kind="header"),
             LCell(0, 5, lab["lit:suit"], colspan=10, kind="header"),
             LCell(1, 5, lab["lit:suit_direct"], colspan=5, kind="header"),
             LCell(1, 10, lab["lit:suit_after_review"], colspan=5, kind="header")]
    for i, outcome in enumerate(LIT_OUTCOMES):
        cells.append(LCell(1, i, lab[f"out:review:{outcome}"], rowspan=2, kind="header"))
        cells.append(LCell(2, 5 + i, lab[f"out:suit_direct:{outcome}"], kind="header"))
        cells.append(LCell(2, 10 + i, lab[f"out:suit_after_review:{outcome}"], kind="header"))
    for gi, g in enumerate(LIT_GROUPS):
        for oi, outcome in enumerate(LIT_OUTCOMES):
            v = spec.litigation[f"{g}/{outcome}"]
            cells.append(LCell(3, gi * 5 + oi, "" if v is None else str(v), kind="value"))
    return LTable(nrows=4, ncols=15, cells=cells, weights=[1.0] * 15, name="table4")


# --- The document body --------------------------------------------------------------------------

HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]

Block = tuple[str, Any]  # ("title" | "date" | "heading" | "para", str) or ("table", LTable)


def _short(agency: str) -> str:
    """How a body calls itself: 区政府办, 本局, 本机关 …"""
    if agency.endswith("人民政府办公室"):
        return "区政府办"
    if agency.endswith("局"):
        return "本局"
    if agency.endswith("人民政府"):
        return "区政府"
    return "本机关"


def blocks(spec: ReportSpec, *, split_active: bool = False, mismatch: bool = False) -> list[Block]:
    """The report in reading order: title, narrative with the six headings, and the three tables."""
    rng = random.Random(f"body:{spec.seed}:{spec.template}")
    me, y = _short(spec.agency_full), spec.year
    out: list[Block] = []
    if spec.title_style == "two_lines":
        out += [("title", spec.agency_full), ("title", f"{y}年政府信息公开工作年度报告")]
    else:
        out.append(("title", spec.title))
    out.append(("para", f"本报告依据《中华人民共和国政府信息公开条例》（以下简称《条例》）第五十条规定编制。"
                        f"报告中所列数据统计期限自{y}年1月1日起至{y}年12月31日止。如对本报告有疑问，"
                        f"请与{spec.agency_full}联系（电话：0{rng.randint(10, 999)}-{rng.randint(1000000, 89999999)}）。"))
    out.append(("heading", HEADINGS[0]))
    out.append(("para", f"{y}年，{me}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实党中央、国务院关于"
                        f"全面推进政务公开工作的决策部署，围绕中心工作，以公开促落实、以公开强监管、以公开优服务，"
                        f"政府信息公开工作取得新成效。"))
    published = rng.randint(50, 5000)
    out.append(("para", f"（一）主动公开方面。{me}通过政府门户网站、政务新媒体等平台主动公开各类政府信息"
                        f"{published}条，及时发布政策文件及其解读材料，重点领域信息公开持续深化。"))
    new_total = spec.applications["1"]["total"]
    if new_total is not None:
        out.append(("para", f"（二）依申请公开方面。严格执行《条例》规定的办理程序和时限要求，全年共新收政府信息"
                            f"公开申请{new_total}件，均已在法定期限内答复。"))
    out.append(("para", "（三）政府信息管理方面。严格落实信息发布审核制度，坚持“先审后发”，动态调整主动公开"
                        "目录，切实做好信息公开保密审查工作。"))
    if rng.random() < 0.5:
        out.append(("para", "（四）平台建设方面。持续优化政府网站信息公开专栏，加强政务新媒体日常监管，确保"
                            "公开信息及时准确规范。"))
    out.append(("heading", HEADINGS[1]))
    out += [("table", t) for t in table2(spec, mismatch=mismatch, split=split_active)]
    out.append(("heading", HEADINGS[2]))
    out.append(("table", table3(spec)))
    out.append(("heading", HEADINGS[3]))
    out.append(("table", table4(spec)))
    out.append(("heading", HEADINGS[4]))
    out.append(("para", f"{y}年，{me}政府信息公开工作取得了一定成效，但仍存在一些不足：政策解读形式还不够丰富，"
                        f"依申请公开答复的规范化水平有待进一步提升。"))
    out.append(("para", f"{y + 1}年，{me}将进一步加强政府信息公开业务培训，完善依申请公开工作机制，丰富解读"
                        f"形式，持续提升政务公开质量和实效。"))
    out.append(("heading", HEADINGS[5]))
    if spec.template == "2021":
        out.append(("para", f"依据《政府信息公开信息处理费管理办法》，{me}{y}年度未收取信息处理费。"))
    else:
        out.append(("para", "无。"))
    return out


# --- Text copy (one cell per line) --------------------------------------------------------------


def _text_table(table: LTable, rng: random.Random) -> list[str]:
    """A DOCX table copied as text: a cell per line after a tab, an empty line after each row.

    A merged cell appears once; where a vertical merge continues, the row has a tab-only line.
    A line break inside a cell continues on a line without the tab (sometimes after an empty line,
    as in the real copies: `（三）不予\\n\\n公开`).
    """
    grid = table.grid()
    sep = "\n\n" if rng.random() < 0.4 else "\n"
    out: list[str] = []
    for r in range(table.nrows):
        for c in range(table.ncols):
            cell = grid[r][c]
            if cell is None:
                continue
            if cell.row == r and cell.col == c:
                out.append("\t" + cell.text.replace("\n", sep))
            elif cell.col == c:  # a vertical merge continuing into this row
                out.append("\t")
        out.append("")
    return out


def render_text(spec: ReportSpec) -> bytes:
    """The text copy format of `../shared/examples/*.txt`."""
    rng = random.Random(f"text:{spec.seed}:{spec.template}")
    lines: list[str] = []
    for kind, content in blocks(spec, split_active=rng.random() < 0.3):
        if kind == "table":
            lines += _text_table(content, rng)
            lines.append("")
        else:
            lines.append(content)
            if kind == "title" or rng.random() < 0.3:
                lines.append("")
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- HTML -----------------------------------------------------------------------------------------

HTML_LAYOUTS = ("trs", "flat_repeat", "flat_empty", "shanghai")


def _esc(text: str) -> str:
    return htmlmod.escape(text, quote=False)


def _trs_cell_html(cell: LCell, rng: random.Random) -> str:
    """A cell as Word-to-TRS pages print it: nested p/span/font, &nbsp; padding, <br/> or <p> breaks."""
    align = ' align="center" style="text-align:center"' if cell.kind != "label" else ""
    if cell.kind == "value":
        if not cell.text:
            inner = rng.choice(["&nbsp;", "", "<span lang=\"EN-US\">&nbsp;</span>", "&nbsp;&nbsp;"])
        else:
            pad = rng.choice(["", "", "&nbsp;"])
            inner = f'<span lang="EN-US" style="font-size:10.5pt">{pad}{_esc(cell.text)}{pad}</span>'
        return f'<p class="MsoNormal"{align}>{inner}</p>'
    parts = [_esc(p) for p in cell.text.split("\n")]
    if rng.random() < 0.5:
        body = "<br/>".join(parts)
        return (f'<p class="MsoNormal"{align}><span style="font-size:10.5pt;font-family:宋体">'
                f'<font face="宋体">{body}</font></span></p>')
    return "".join(f'<p class="MsoNormal"{align}><span style="font-family:宋体">{p}</span></p>' for p in parts)


def _span_attrs(cell: LCell) -> str:
    out = ""
    if cell.rowspan > 1:
        out += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        out += f' colspan="{cell.colspan}"'
    return out


def _trs_table(table: LTable, rng: random.Random) -> str:
    rows = []
    for r in table.origin_rows():
        tds = "".join(f'<td{_span_attrs(c)} valign="center" style="border:solid windowtext 1.0pt;padding:0cm 5.4pt">'
                      f"{_trs_cell_html(c, rng)}</td>" for c in r)
        rows.append(f"<tr>{tds}</tr>")
    return ('<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" width="600" '
            'style="border-collapse:collapse;border:none">\n<tbody>\n' + "\n".join(rows) + "\n</tbody></table>")


def _trs_page(spec: ReportSpec, rng: random.Random, charset: str) -> str:
    body: list[str] = []
    for kind, content in blocks(spec, split_active=rng.random() < 0.3):
        if kind == "table":
            body.append(_trs_table(content, rng))
        elif kind == "title":
            body.append(f'<p align="center" style="text-align:center"><strong><span style="font-size:22px">'
                        f'<font face="方正小标宋简体">{_esc(content)}</font></span></strong></p>')
        elif kind == "heading":
            body.append(f'<p style="text-indent:2em"><strong><span style="font-family:黑体">{_esc(content)}'
                        f"</span></strong></p>")
        else:
            lead = rng.choice(["", "\u3000\u3000", "&nbsp;&nbsp;&nbsp;&nbsp;"])
            body.append(f'<p style="text-indent:2em;line-height:1.75"><span style="font-family:仿宋_GB2312;'
                        f'font-size:16px"><font>{lead}{_esc(content)}</font></span></p>')
    site = spec.agency_full
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}" />
<title>{_esc(spec.title)}</title>
<meta name="SiteName" content="{_esc(site)}">
<meta name="ColumnName" content="政府信息公开年报">
<meta name="ArticleTitle" content="{_esc(spec.title)}">
<meta name="PubDate" content="{spec.pub_date} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}">
<meta name="ContentSource" content="{_esc(spec.agency_full)}">
<meta name="Keywords" content="政府信息公开,年度报告">
<link rel="stylesheet" href="/css/article.css" />
<script type="text/javascript">var _hmt = _hmt || [];</script>
</head>
<body>
<div class="top"><a href="/">首页</a> &gt; <a href="../../">政务公开</a> &gt; <a href="../">政府信息公开年报</a></div>
<div class="article">
<h1 class="title">{_esc(spec.title)}</h1>
<div class="info"><span>发布时间：{spec.pub_date}</span><span>来源：{_esc(spec.agency_full)}</span><span>【字体：大 中 小】</span></div>
<div class="TRS_Editor"><div class="Custom_UnionStyle">
{chr(10).join(body)}
</div></div>
<div class="share">分享到：微信 微博</div>
</div>
<div class="footer"><p>主办：{_esc(site)}</p><p>网站标识码：{rng.randint(1000000000, 9999999999)}</p></div>
</body>
</html>
"""


def _flat_table(table: LTable, repeat: bool) -> str:
    """No spans at all: a merged cell's text repeated in every grid cell it covers, or only in the first."""
    grid = table.grid()
    rows = []
    for r in range(table.nrows):
        tds = []
        for c in range(table.ncols):
            cell = grid[r][c]
            text = "" if cell is None else cell.text
            if cell is not None and not repeat and (cell.row, cell.col) != (r, c):
                text = ""
            tds.append(f"<td>{'<br>'.join(_esc(p) for p in text.split(chr(10)))}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return '<table border="1" cellpadding="2">\n' + "\n".join(rows) + "\n</table>"


def _flat_page(spec: ReportSpec, rng: random.Random, charset: str, repeat: bool) -> str:
    body: list[str] = []
    for kind, content in blocks(spec, split_active=rng.random() < 0.5):
        if kind == "table":
            body.append(_flat_table(content, repeat))
        elif kind == "title":
            body.append(f"<h2>{_esc(content)}</h2>")
        else:
            body.append(f"<p>{_esc(content)}</p>")
    return (f'<html><head><meta charset="{charset}"><title>{_esc(spec.title)}</title></head>\n<body>\n'
            + "\n".join(body) + "\n</body></html>\n")


def _px(table: LTable, cell: LCell, total: int = 560) -> int:
    return round(total * sum(table.weights[cell.col:cell.col + cell.colspan]) / sum(table.weights))


def _shanghai_table(table: LTable, rng: random.Random) -> str:
    rows = []
    for r in table.origin_rows():
        tds = []
        for c in r:
            text = "<br />".join(_esc(p) for p in c.text.split("\n")) or "&nbsp;"
            nowrap = ' nowrap="nowrap"' if table.name != "table4" else ""
            if table.name == "table4" and c.kind == "value" and not c.text:
                inner = "&nbsp;"
            elif c.kind == "label":
                inner = f"<p>{text}</p>"
            else:
                inner = f'<p align="center">{text}</p>'
            tds.append(f'<td{_span_attrs(c)}{nowrap} style="width:{_px(table, c)}px;">{inner}</td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return '<table align="center" border="1" cellspacing="1"><tbody>' + "".join(rows) + "</tbody></table>"


def _shanghai_page(spec: ReportSpec, rng: random.Random, charset: str) -> str:
    title = f"{spec.year}年{spec.agency_full}政府信息公开工作年度报告"
    parts = [f"<!-- {title} -->\n<html><head><meta charset=\"{charset}\"><title>{_esc(title)}</title></head><body>",
             f"<p style='text-align: center;font-weight: bold;'>{_esc(title)}</p>\t"
             f"<p style='text-align: center'>发布日期：{spec.pub_date}</p>"]
    for kind, content in blocks(spec, mismatch=True):
        if kind == "table":
            parts.append(_shanghai_table(content, rng))
        elif kind == "title":
            continue  # the page prints its own one-line title, as the Shanghai portal does
        else:
            parts.append(f"<p>{_esc(content)}</p>")
    parts.append("</body></html>")
    return "".join(parts)


def render_html(spec: ReportSpec, layout: str = "trs", encoding: str = "utf-8") -> bytes:
    """An HTML page: `trs` (a TRS portal article with rowspans, metadata and page chrome),
    `flat_repeat` / `flat_empty` (no spans; merged labels repeated or left empty), `shanghai`
    (value colspans that do not match the header's).  `encoding` "gbk" declares gb2312."""
    rng = random.Random(f"html:{spec.seed}:{spec.template}:{layout}")
    charset = {"utf-8": "utf-8", "gbk": "gb2312"}[encoding]
    if layout == "trs":
        page = _trs_page(spec, rng, charset)
    elif layout in ("flat_repeat", "flat_empty"):
        page = _flat_page(spec, rng, charset, repeat=layout == "flat_repeat")
    elif layout == "shanghai":
        page = _shanghai_page(spec, rng, charset)
    else:
        raise ValueError(f"unknown layout {layout!r}")
    return page.encode(encoding)


# --- DOCX -----------------------------------------------------------------------------------------


def _docx_set_text(cell: Any, text: str, rng: random.Random, center: bool) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    lines = text.split("\n")
    cell.text = ""
    para = cell.paragraphs[0]
    run = para.add_run(lines[0])
    as_breaks = rng.random() < 0.5
    for line in lines[1:]:
        if as_breaks:  # a soft line break inside one paragraph
            run.add_break()
            run = para.add_run(line)
        else:  # a new paragraph in the same cell
            para = cell.add_paragraph(line)
    if center:
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def render_docx(spec: ReportSpec) -> bytes:
    """A Word document whose tables have real merged cells (vMerge for row groups, gridSpan in headers)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt
    from docx.table import _Cell

    rng = random.Random(f"docx:{spec.seed}:{spec.template}")
    doc = Document()
    if rng.random() < 0.5:
        doc.core_properties.title = spec.title
    for kind, content in blocks(spec, split_active=rng.random() < 0.4):
        if kind == "table":
            table: LTable = content
            t = doc.add_table(rows=table.nrows, cols=table.ncols)
            t.style = "Table Grid"
            # The <w:tc> elements taken once: Table.cell() rescans the whole table on every call.
            tcs = [list(tr.tc_lst) for tr in t._tbl.tr_lst]
            for cell in table.cells:
                target = _Cell(tcs[cell.row][cell.col], t)
                if cell.rowspan > 1 or cell.colspan > 1:
                    corner = tcs[cell.row + cell.rowspan - 1][cell.col + cell.colspan - 1]
                    target = target.merge(_Cell(corner, t))
                _docx_set_text(target, cell.text, rng, center=cell.kind != "label")
            if rng.random() < 0.5:
                doc.add_paragraph("")
        elif kind == "title":
            p = doc.add_paragraph()
            run = p.add_run(content)
            run.bold = True
            run.font.size = Pt(18)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "heading":
            p = doc.add_paragraph()
            p.add_run(content).bold = True
        else:
            doc.add_paragraph(content)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --- PDF ------------------------------------------------------------------------------------------

PDF_FONT = "STSong-Light"  # a built-in CID font: no font file needed, and pdfium maps it back to Unicode


def _pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


class _PdfWriter:
    """A minimal flowing layout on A4: wrapped paragraphs and ruled tables that break across pages."""

    WIDTH, HEIGHT = 595.27, 841.89
    LEFT, RIGHT, TOP, BOTTOM = 72.0, 72.0, 770.0, 80.0

    def __init__(self, rng: random.Random, ruled: bool) -> None:
        from reportlab.pdfgen import canvas

        self.font = _pdf_font()
        self.rng = rng
        self.ruled = ruled
        self.border = rng.choice(["rects", "lines"])  # cells as stroked rectangles, or as edge lines
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=(self.WIDTH, self.HEIGHT), invariant=1)
        self.page = 1
        self.y = self.TOP

    @property
    def avail(self) -> float:
        return self.WIDTH - self.LEFT - self.RIGHT

    def width(self, text: str, size: float) -> float:
        from reportlab.pdfbase import pdfmetrics

        return pdfmetrics.stringWidth(text, self.font, size)

    def wrap(self, text: str, size: float, width: float, first_indent: float = 0.0) -> list[str]:
        lines: list[str] = []
        for part in text.split("\n"):
            cur, limit = "", width - (first_indent if not lines else 0.0)
            for ch in part:
                if cur and self.width(cur + ch, size) > limit:
                    lines.append(cur)
                    cur, limit = ch, width
                else:
                    cur += ch
            lines.append(cur)
        return lines

    def end_page(self) -> None:
        self.c.setFont(self.font, 10)
        self.c.drawCentredString(self.WIDTH / 2, 45, f"- {self.page} -")
        self.c.showPage()
        self.page += 1
        self.y = self.TOP

    def text(self, text: str, size: float, *, center: bool = False, indent: bool = True, gap: float = 4) -> None:
        leading = size * 1.65
        first = 2 * size if indent and not center else 0.0
        for i, line in enumerate(self.wrap(text, size, self.avail, first)):
            if self.y - leading < self.BOTTOM:
                self.end_page()
            self.y -= leading
            self.c.setFont(self.font, size)
            if center:
                self.c.drawCentredString(self.WIDTH / 2, self.y, line)
            else:
                self.c.drawString(self.LEFT + (first if i == 0 else 0.0), self.y, line)
        self.y -= gap

    def table(self, table: LTable, size: float = 9.0, break_before: int | None = None) -> None:
        """Lay the table out row by row, breaking pages between rows; a merged cell that crosses a
        break is drawn on both pages, its text in the larger part."""
        pad, lh = 2.5, size * 1.3
        scale = self.avail / sum(table.weights)
        xs = [self.LEFT]
        for w in table.weights:
            xs.append(xs[-1] + w * scale)
        content: dict[int, tuple[list[str], float]] = {}
        for cell in table.cells:
            w = xs[cell.col + cell.colspan] - xs[cell.col] - 2 * pad
            fsize = size
            if cell.kind == "vertical":
                lines = [ch for ch in cell.text if not ch.isspace()]
            elif cell.kind == "value":
                while self.width(cell.text, fsize) > w and fsize > 5:
                    fsize -= 0.5
                lines = [cell.text] if cell.text else []
            else:
                lines = self.wrap(cell.text, size, w)
            content[id(cell)] = (lines, fsize)
        base = lh + 2 * pad + self.rng.choice([0.0, 2.0, 4.0])
        heights = [base] * table.nrows
        for cell in table.cells:
            if cell.rowspan == 1 and cell.kind != "vertical":
                heights[cell.row] = max(heights[cell.row], len(content[id(cell)][0]) * lh + 2 * pad)
        for cell in table.cells:
            if cell.rowspan > 1 and cell.kind != "vertical":
                rows = range(cell.row, cell.row + cell.rowspan)
                short = len(content[id(cell)][0]) * lh + 2 * pad - sum(heights[r] for r in rows)
                if short > 0:
                    for r in rows:
                        heights[r] += short / cell.rowspan
        # Place the rows: page (relative to the current one) and top edge of each.
        page_of, top_of = [], []
        page, y = 0, self.y - 6
        for r, h in enumerate(heights):
            if y - h < self.BOTTOM or (r == break_before and r > 0):
                page, y = page + 1, self.TOP
            page_of.append(page)
            top_of.append(y)
            y -= h
        for p in range(page + 1):
            if p:
                self.end_page()
            for cell in table.cells:
                self._draw_cell(cell, content[id(cell)], xs, heights, page_of, top_of, p, pad, lh)
        self.y = y - 10

    def _draw_cell(self, cell: LCell, content: tuple[list[str], float], xs: list[float], heights: list[float],
                   page_of: list[int], top_of: list[float], page: int, pad: float, lh: float) -> None:
        rows = list(range(cell.row, cell.row + cell.rowspan))
        frags: dict[int, list[int]] = {}
        for r in rows:
            frags.setdefault(page_of[r], []).append(r)
        if page not in frags:
            return
        x0, x1 = xs[cell.col], xs[cell.col + cell.colspan]

        def extent(rs: list[int]) -> tuple[float, float]:
            return top_of[rs[0]], top_of[rs[-1]] - heights[rs[-1]]

        top, bottom = extent(frags[page])
        c = self.c
        if self.ruled:
            c.setLineWidth(0.5)
            if self.border == "rects":
                c.rect(x0, bottom, x1 - x0, top - bottom, stroke=1, fill=0)
            else:
                for a, b, d, e in ((x0, top, x1, top), (x0, bottom, x1, bottom), (x0, bottom, x0, top),
                                   (x1, bottom, x1, top)):
                    c.line(a, b, d, e)
        lines, fsize = content
        if not lines:
            return
        # The text goes into the largest fragment of a cell split by a page break.
        best = max(frags, key=lambda p: (extent(frags[p])[0] - extent(frags[p])[1], -p))
        if best != page:
            return
        h = top - bottom
        step = lh if cell.kind != "vertical" else min(lh, (h - 2 * pad) / len(lines))
        block_top = top - (h - step * len(lines)) / 2
        c.setFont(self.font, fsize)
        for i, line in enumerate(lines):
            baseline = block_top - i * step - (step + fsize * 0.7) / 2
            if cell.kind == "label":
                c.drawString(x0 + pad, baseline, line)
            else:
                c.drawCentredString((x0 + x1) / 2, baseline, line)

    def finish(self) -> bytes:
        self.end_page()
        self.c.save()
        return self.buf.getvalue()


def render_pdf(spec: ReportSpec, ruled: bool = True) -> bytes:
    """A text-layer PDF as Word exports it: wrapped labels, vertical 三、本年度办理结果, table 3 split
    across a page break, `- N -` page numbers; `ruled=False` draws no lines at all."""
    rng = random.Random(f"pdf:{spec.seed}:{spec.template}:{ruled}")
    pdf = _PdfWriter(rng, ruled)
    pdf.c.setTitle(spec.title if rng.random() < 0.5 else f"Microsoft Word - {spec.year}年度报告.docx")
    size = rng.choice([8.5, 9.0, 9.5])
    first = True
    for kind, content in blocks(spec, split_active=rng.random() < 0.4):
        if kind == "title":
            pdf.text(content, 18, center=True, gap=2 if first else 12)
            first = False
        elif kind == "heading":
            pdf.text(content, 12, indent=True, gap=2)
        elif kind == "para":
            pdf.text(content, 12, gap=2)
        else:
            table: LTable = content
            brk = None
            if table.name == "table3":  # break inside the outcome rows, whatever room is left
                candidates = [r for r in ("3.3.3", "3.3.6", "3.4.1", "3.4.3", "3.5.2", "3.5.4") if r in spec.rows]
                brk = 3 + spec.rows.index(rng.choice(candidates))
            pdf.table(table, size=size, break_before=brk)
    return pdf.finish()
