"""The research indicators as data: one definition per indicator, read by every layer that shows one.

Why data rather than SQL or prose: the indicators table, `docs/indicators.md`, the Datasette
descriptions and the export's `indicator_definitions` table must say the same thing, and a
researcher who disagrees with a denominator must be able to read it in one place.  Numerators
and denominators are sums of template cells named by the codes of `extract/templates.py`
(table 3 row × column, table 4 group × outcome, table 2 item × metric); the cell lists are
built from that module's own rows and groups, so a template correction reaches them.  The
definitions are those of `../shared/spec/indicators.md`; bump `DEFINITIONS_VERSION` when any of
them changes, since every stored indicator row carries the version it was computed under.
"""

from __future__ import annotations

from dataclasses import dataclass

from extract.templates import (
    APPLICANT_COLUMNS,
    ITEMS,
    METRICS_BY_LABEL,
    REQUEST_ROWS,
    REVIEW_GROUPS,
    REVIEW_OUTCOMES,
    ROWS_BY_CODE,
)

DEFINITIONS_VERSION = "1"

# The spec's minimum denominators for rankings: requests handled (3.7) or decided review cases.
MIN_REQUESTS = 30
MIN_DECIDED_CASES = 10

TABLE_NUMBERS = {"active_disclosure": 2, "requests": 3, "reviews": 4}
_ROW_CODES = {r.code for r in REQUEST_ROWS}
_COLUMN_CODES = {*APPLICANT_COLUMNS, "total"}
_GROUP_CODES = {g for g, _label, _keys in REVIEW_GROUPS}
_OUTCOME_CODES = {o for o, _label, _keys in REVIEW_OUTCOMES}
_ITEM_NAMES = {name for name, _keys in ITEMS}


@dataclass(frozen=True)
class Cell:
    """One template cell: `table` is requests (row, column), reviews (group, outcome) or
    active_disclosure (item, metric).  Construction fails on a code the templates do not have."""

    table: str
    row: str
    column: str

    def __post_init__(self) -> None:
        known = {"requests": (_ROW_CODES, _COLUMN_CODES), "reviews": (_GROUP_CODES, _OUTCOME_CODES),
                 "active_disclosure": (_ITEM_NAMES, set(METRICS_BY_LABEL))}[self.table]
        if self.row not in known[0] or self.column not in known[1]:
            raise ValueError(f"{self} names a cell the templates (extract/templates.py) do not have")

    def describe(self) -> str:
        if self.table == "requests":
            return f"3:{self.row}/{self.column}"
        return f"{TABLE_NUMBERS[self.table]}:{self.row}/{self.column}"


# A sum of cells; an expression is a list of alternative sums, the first one the report prints
# being used (format 2019 prints row 3.6, format 2021 rows 3.6.1 … 3.6.3).
Sum = tuple[Cell, ...]


@dataclass(frozen=True)
class Expr:
    alternatives: tuple[Sum, ...]

    def cells(self) -> set[Cell]:
        return {c for alt in self.alternatives for c in alt}

    def describe(self) -> str:
        return " or ".join(" + ".join(c.describe() for c in alt) for alt in self.alternatives)


@dataclass(frozen=True)
class Indicator:
    """One indicator.  `kind`: rate (numerator / denominator), count (a number of cases, value =
    numerator), amount (万元, value = amount) or change (year on year against the same agency's
    previous report: numerator = this − last, denominator = last)."""

    code: str
    table: int  # the report's table it is computed from (2, 3 or 4)
    label_zh: str
    label_en: str
    kind: str
    numerator: Expr
    denominator: Expr | None = None
    unit: str = "fraction"
    note: str = ""
    min_denominator: int | None = None  # rankings consider only reports whose denominator reaches it

    def numerator_text(self) -> str:
        if self.kind == "change":
            return f"{self.numerator.describe()} − last year's"
        return self.numerator.describe()

    def denominator_text(self) -> str:
        if self.kind == "change":
            return f"last year's {self.numerator.describe()}"
        return self.denominator.describe() if self.denominator else ""


def _t3(*rows: str, column: str = "total") -> Sum:
    return tuple(Cell("requests", r, column) for r in rows)


def _one(s: Sum) -> Expr:
    return Expr((s,))


def _children(group: str) -> list[str]:
    return [r.code for r in REQUEST_ROWS if r.group == group]


def _t4(groups: tuple[str, ...], outcomes: tuple[str, ...]) -> Expr:
    return _one(tuple(Cell("reviews", g, o) for g in groups for o in outcomes))


def _t2(item_metrics: list[tuple[str, str]]) -> Expr:
    return Expr(tuple((Cell("active_disclosure", item, metric),) for item, metric in item_metrics))


HANDLED = _one(_t3("3.7"))
NEW = _one(_t3("1"))
DECIDED = ("upheld", "corrected", "other")
SUITS = ("suit_direct", "suit_after_review")
ORG_COLUMNS = [c for c in APPLICANT_COLUMNS if c != "natural"]  # the five 法人或其他组织 columns
OTHER_HANDLING = Expr((_t3("3.6"), _t3(*_children("3.6"))))

# English names of the reasons, in template order (the Chinese ones are the templates' labels).
_REFUSAL_EN = ["state secret", "prohibited by other laws", "endangers the 'three securities, one stability'",
               "third-party rights", "internal affairs", "process information", "enforcement files",
               "enquiry matters"]
_NOT_PROCESSED_EN = ["petitions and complaints", "repeated request", "published material",
                     "mass repeated requests without good reason", "confirmation or re-issue of held information"]


def _rate(code: str, zh: str, en: str, numerator: Expr, denominator: Expr = HANDLED, note: str = "",
          minimum: int = MIN_REQUESTS) -> Indicator:
    return Indicator(code, 3, zh, en, "rate", numerator, denominator, note=note, min_denominator=minimum)


def _reason_shares(group: str, stem: str, zh_stem: str, english: list[str]) -> list[Indicator]:
    codes = _children(group)
    assert len(codes) == len(english), f"{group}: one English label per template reason"
    return [_rate(f"{stem}_{code.replace('.', '_')}", f"{zh_stem}：{ROWS_BY_CODE[code].label}",
                  f"{stem.replace('_', ' ').capitalize()}: {en}", _one(_t3(code)))
            for code, en in zip(codes, english, strict=True)]


INDICATORS: list[Indicator] = [
    # --- table 3 ---------------------------------------------------------------------------
    Indicator("requests_new", 3, "本年新收申请数", "New requests", "count", NEW, unit="count",
              note="the request load"),
    Indicator("requests_change", 3, "新收申请数同比变化", "Change in new requests on last year", "change", NEW,
              note="the same agency's previous-year report (agencies.id), re-posted copies left out"),
    _rate("share_organisations", "法人或其他组织申请占比", "Share of requests from organisations",
          _one(tuple(Cell("requests", "1", c) for c in ORG_COLUMNS)), NEW,
          note="who applies: the five 法人或其他组织 columns of row 1"),
    _rate("share_business", "商业企业申请占比", "Share of requests from businesses",
          _one(_t3("1", column="commercial")), NEW),
    _rate("share_legal_services", "法律服务机构申请占比", "Share of requests from legal services",
          _one(_t3("1", column="legal")), NEW),
    _rate("rate_disclosed", "予以公开率", "Disclosure rate", _one(_t3("3.1")),
          note="denominator is what was decided this year (3.7), not new + carried requests"),
    _rate("rate_partly_disclosed", "部分公开率", "Partial disclosure rate", _one(_t3("3.2"))),
    _rate("rate_substantive", "实质公开率", "Substantive disclosure rate", _one(_t3("3.1", "3.2"))),
    _rate("rate_refused", "不予公开率", "Refusal rate", _one(_t3(*_children("3.3")))),
    *_reason_shares("3.3", "rate_refused", "不予公开", _REFUSAL_EN),
    _rate("rate_unable", "无法提供率", "Unable-to-provide rate", _one(_t3(*_children("3.4")))),
    _rate("rate_not_held", "本机关不掌握占比", "Share not held by the agency", _one(_t3("3.4.1"))),
    _rate("rate_not_processed", "不予处理率", "Not-processed rate", _one(_t3(*_children("3.5")))),
    *_reason_shares("3.5", "rate_not_processed", "不予处理", _NOT_PROCESSED_EN),
    _rate("rate_other_handling", "其他处理率", "Other-handling rate", OTHER_HANDLING,
          note="row 3.6 as printed (format 2019), else the sum of 3.6.1 … 3.6.3 (format 2021)"),
    _rate("rate_carried_out", "结转下年度占比", "Share carried into next year", _one(_t3("4")),
          _one(_t3("1", "2")), note="share still open at year end"),
    # --- table 4 ---------------------------------------------------------------------------
    Indicator("reviews", 4, "行政复议数", "Administrative reviews", "count", _t4(("review",), ("total",)),
              unit="count"),
    Indicator("review_correction_rate", 4, "行政复议纠错率", "Review correction rate", "rate",
              _t4(("review",), ("corrected",)), _t4(("review",), DECIDED),
              note="decided cases only: 尚未审结 is excluded", min_denominator=MIN_DECIDED_CASES),
    Indicator("suit_correction_rate", 4, "行政诉讼纠错率（败诉率）", "Litigation correction rate", "rate",
              _t4(SUITS, ("corrected",)), _t4(SUITS, DECIDED),
              note="诉讼败诉率 in the literature; direct suits and suits after review, decided cases only",
              min_denominator=MIN_DECIDED_CASES),
    Indicator("disputes_per_request", 4, "每件新收申请的复议诉讼数", "Disputes per new request", "rate",
              _t4(("review", "suit_direct"), ("total",)), NEW,
              note="a suit after review is the same dispute escalated: not counted twice",
              min_denominator=MIN_REQUESTS),
    # --- table 2 ---------------------------------------------------------------------------
    Indicator("normative_in_force", 2, "规范性文件数", "Normative documents", "count",
              _t2([("行政规范性文件", "现行有效件数"), ("规范性文件", "现行有效件数"),
                   ("规范性文件", "对外公开总数量"), ("行政规范性文件", "对外公开总数量")]), unit="count",
              note="format 2021: 行政规范性文件 现行有效件数; format 2019: 规范性文件 对外公开总数量"),
    Indicator("licences", 2, "行政许可处理决定数", "Licensing decisions", "count",
              _t2([("行政许可", "本年处理决定数量"), ("行政许可", "处理决定数量")]), unit="count"),
    Indicator("penalties", 2, "行政处罚处理决定数", "Penalty decisions", "count",
              _t2([("行政处罚", "本年处理决定数量"), ("行政处罚", "处理决定数量")]), unit="count"),
    Indicator("enforcement", 2, "行政强制处理决定数", "Coercive-measure decisions", "count",
              _t2([("行政强制", "本年处理决定数量"), ("行政强制", "处理决定数量")]), unit="count"),
    Indicator("fees", 2, "行政事业性收费金额", "Administrative fees charged", "amount",
              _t2([("行政事业性收费", "本年收费金额")]), unit="万元",
              note="format 2021 only (format 2019 prints no amount)"),
]
BY_CODE = {i.code: i for i in INDICATORS}
assert len(BY_CODE) == len(INDICATORS), "indicator codes are unique"


def cells_needed() -> set[Cell]:
    """Every template cell some indicator reads: what the indicator build loads, and nothing else."""
    out: set[Cell] = set()
    for ind in INDICATORS:
        out |= ind.numerator.cells()
        if ind.denominator:
            out |= ind.denominator.cells()
    return out


# --- the derived tables' columns, described once: metadata.yml and docs/indicators.md follow ---

TABLE_DESCRIPTIONS: dict[str, str] = {
    "indicators": ("每份年报每项研究指标一行，含分子、分母 · One row per report and research indicator, "
                   "with numerator and denominator (docs/indicators.md; re-posted copies left out)"),
    "indicator_definitions": "研究指标的定义 · The indicators' definitions (archive/research/definitions.py)",
    "agencies": "机关面板：跨年度、跨门户的同一机关 · Agencies as a panel across years and portals",
    "indicator_rollups": ("按地区×年度×机关类型汇总的指标（合并计算，非比率平均）· Indicators pooled by region, "
                          "year and agency type (Σ numerators / Σ denominators, never an average of rates)"),
    "leaderboard": ("各省各年度机关排名，仅含分母达到门槛者 · Agencies ranked within province and year, only "
                    "those whose denominator reaches the threshold stored beside the rank"),
}

COLUMN_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "indicators": {
        "report_id": "年报编号 · Report",
        "agency_id": "机关编号 · Agency (agencies.id)",
        "year": "报告年度 · Report year",
        "indicator": "指标代码 · Indicator code (indicator_definitions.code)",
        "numerator": "分子（件数）· Numerator (a count; null when an input cell is blank or not printed)",
        "denominator": "分母（件数）· Denominator (a count; null for counts and amounts)",
        "amount": "金额（万元）· Amount in 万元 (amount indicators only)",
        "value": "指标值（比率为 0–1 的小数）· Value (rates as fractions; null when an input is blank or "
                 "the denominator is 0)",
        "null_reason": "空值原因 · Why the value is null: blank, not_printed, zero_denominator, no_previous_year",
        "previous_report_id": "上一年度年报（同比指标）· The previous-year report (year-on-year indicators)",
        "definitions_version": "定义版本 · Definitions version the row was computed under",
    },
    "indicator_definitions": {
        "code": "指标代码 · Indicator code",
        "table_no": "所据表格（2/3/4）· Report table it is computed from",
        "label_zh": "中文名称 · Chinese label",
        "label_en": "英文名称 · English label",
        "kind": "类别（rate/count/amount/change）· Kind",
        "numerator": "分子（模板单元格代码）· Numerator, as template cells (table:row/column)",
        "denominator": "分母（模板单元格代码）· Denominator, as template cells",
        "unit": "单位 · Unit (fraction, count, 万元)",
        "note": "说明 · Note",
        "min_denominator": "排名门槛（分母下限）· Minimum denominator for rankings",
        "version": "定义版本 · Definitions version",
    },
    "agencies": {
        "id": "机关编号（行政区划代码/规范名称）· Stable agency id (adcode/normalized name)",
        "name": "规范名称 · Normalized name",
        "adcode": "行政区划代码 · Administrative division code",
        "province": "省级行政区 · Province",
        "city": "地级行政区 · City",
        "district": "县级行政区 · District or county",
        "level": "层级（province/city/county/township/department）· Level",
        "agency_type": "机关类型 · Agency type",
        "variants": "名称写法（JSON）· Name variants as printed (JSON list)",
        "reports": "年报数（不含转载）· Reports (re-posted copies left out)",
        "first_year": "最早年度 · First year",
        "last_year": "最近年度 · Last year",
    },
    "indicator_rollups": {
        "level": "汇总层级（province/city/district）· Level of the region",
        "province": "省级行政区 · Province",
        "city": "地级行政区 · City (empty at province level)",
        "district": "县级行政区 · District (district level only)",
        "year": "报告年度 · Report year",
        "agency_type": "机关类型（全部 = 所有类型）· Agency type (全部 = all types)",
        "indicator": "指标代码 · Indicator code",
        "numerator": "分子之和 · Σ numerators over the reports used",
        "denominator": "分母之和 · Σ denominators over the reports used",
        "amount": "金额合计（万元）· Total amount in 万元 (amount indicators only)",
        "value": "合并值（Σ分子/Σ分母；计数与金额为合计）· Pooled value (Σ/Σ; a total for counts and amounts)",
        "reports_used": "所用年报数（分子分母均已知）· Reports used (both numerator and denominator known)",
        "reports": "该组年报数 · Reports in the group (coverage: reports_used of reports)",
        "p10": "第10百分位（≥5个单位）· P10 of the reports' own values (at least 5 units)",
        "p50": "中位数 · P50",
        "p90": "第90百分位 · P90",
        "definitions_version": "定义版本 · Definitions version",
    },
    "leaderboard": {
        "indicator": "指标代码 · Indicator code",
        "year": "报告年度 · Report year",
        "province": "省级行政区 · Province ranked within",
        "rank": "名次（1 = 值最高）· Rank (1 = highest value)",
        "units_ranked": "参与排名的机关数 · Agencies ranked",
        "report_id": "年报编号 · Report",
        "agency_id": "机关编号 · Agency",
        "agency": "机关 · Agency name",
        "numerator": "分子 · Numerator",
        "denominator": "分母 · Denominator",
        "value": "指标值 · Value",
        "min_denominator": "排名门槛 · Minimum denominator the ranking used",
        "definitions_version": "定义版本 · Definitions version",
    },
}
