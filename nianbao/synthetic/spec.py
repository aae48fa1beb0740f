"""The spec of one synthetic report: everything it says, chosen at random but reproducibly.

Every random choice comes from a `random.Random` seeded with a string derived from (seed,
template, options), so a spec — and every rendering of it — is the same in every process.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from .expected import failing_checks
from .labels import (
    ACTIVE_2019,
    ACTIVE_2021,
    AMOUNT_HEADERS,
    AMOUNT_METRICS,
    APPLICANTS,
    COLUMNS,
    LIT_GROUPS,
    LIT_OUTCOMES,
    LOCAL_SUBROWS,
    OTHER_SERVICES,
    ROWS_2019,
    ROWS_2021,
    garble,
    make_labels,
)

Value = int | float | None  # a printed value; None is a blank cell

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


@dataclass
class ActiveRowSpec:
    """One row of table 2 as the spec prints it: `item` is its canonical label (a local sub-row's own label)."""

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
    rows: list[ActiveRowSpec]
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
    labels = make_labels(rng, rows, odd_labels)
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


# --- Values ------------------------------------------------------------------------------------


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
            metric_labels.append(garble(rng, label, droppable=False) if odd_labels else label)
        sec = ActiveSection(section=section, label=garble(rng, section, droppable=False) if odd_labels else section,
                            metrics=list(metrics), metric_labels=metric_labels, rows=[])
        for item in items:
            if item == OTHER_SERVICES and subrows:
                sec.parent_label = garble(rng, item, droppable=False) if odd_labels else item
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
                label = garble(rng, name, droppable=False) if odd_labels else name
                sec.rows.append(ActiveRowSpec(item=name, parent=parent, label=label, values=values, printed=printed))
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
