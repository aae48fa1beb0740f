"""The two national table templates (国办公开办函〔2019〕60号 and 〔2021〕30号) as data.

Everything a domain expert may want to correct lives here, apart from the code that applies it:
row, column and group codes with their canonical labels, the keywords that identify each label
through typos and rewording, the table-2 items and metrics, units and blank-cell markers.
The codes are the ones `../shared/spec/report-format.md` defines; the archive, the JSON output and
Datasette all use them unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Table 3: 收到和处理政府信息公开申请情况 ----------------------------------------------------

# Applicant columns, in template order.  `keys` are substrings that identify the header label.
REQUEST_COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    ("natural", "自然人", ("自然人", "自然")),
    ("commercial", "商业企业", ("商业企业", "商业", "企业")),
    ("research", "科研机构", ("科研机构", "科研")),
    ("social", "社会公益组织", ("社会公益组织", "公益组织", "社会公益", "公益", "社会")),
    ("legal", "法律服务机构", ("法律服务机构", "法律服务", "法律")),
    ("other", "其他", ("其他",)),
    ("total", "总计", ("总计", "合计")),
]
APPLICANT_COLUMNS = ["natural", "commercial", "research", "social", "legal", "other"]
# A subtotal of the 法人或其他组织 group, printed by some reports; kept apart from template cells.
ORG_SUBTOTAL_COLUMN = "org_subtotal"
ORG_SUBTOTAL_KEYS = ("小计",)


@dataclass(frozen=True)
class RowDef:
    """One value row of table 3."""

    code: str
    label: str  # canonical label, without its numbering
    keys: tuple[str, ...]  # distinctive substrings; the first is the strongest
    group: str  # "" for top-level rows, else the group code ("3.3" for （三）不予公开 …)


REQUEST_ROWS: list[RowDef] = [
    RowDef("1", "本年新收政府信息公开申请数量", ("本年新收", "新收"), ""),
    RowDef("2", "上年结转政府信息公开申请数量", ("上年结转",), ""),
    RowDef("3.1", "予以公开", ("予以公开",), "3"),
    RowDef("3.2", "部分公开（区分处理的，只计这一情形，不计其他情形）", ("部分公开",), "3"),
    RowDef("3.3.1", "属于国家秘密", ("国家秘密",), "3.3"),
    RowDef("3.3.2", "其他法律行政法规禁止公开", ("法律行政法规", "禁止公开"), "3.3"),
    RowDef("3.3.3", "危及“三安全一稳定”", ("三安全一稳定", "三安全", "一稳定", "危及"), "3.3"),
    RowDef("3.3.4", "保护第三方合法权益", ("第三方合法权益", "第三方", "合法权益"), "3.3"),
    RowDef("3.3.5", "属于三类内部事务信息", ("三类内部事务", "内部事务"), "3.3"),
    RowDef("3.3.6", "属于四类过程性信息", ("四类过程性", "过程性"), "3.3"),
    RowDef("3.3.7", "属于行政执法案卷", ("行政执法案卷", "执法案卷"), "3.3"),
    RowDef("3.3.8", "属于行政查询事项", ("行政查询事项", "行政查询"), "3.3"),
    RowDef("3.4.1", "本机关不掌握相关政府信息", ("不掌握",), "3.4"),
    RowDef("3.4.2", "没有现成信息需要另行制作", ("没有现成", "另行制作"), "3.4"),
    RowDef("3.4.3", "补正后申请内容仍不明确", ("补正后", "仍不明确"), "3.4"),
    RowDef("3.5.1", "信访举报投诉类申请", ("信访举报投诉", "信访", "举报投诉"), "3.5"),
    RowDef("3.5.2", "重复申请", ("重复申请",), "3.5"),
    RowDef("3.5.3", "要求提供公开出版物", ("公开出版物", "出版物"), "3.5"),
    RowDef("3.5.4", "无正当理由大量反复申请", ("大量反复", "反复申请"), "3.5"),
    RowDef("3.5.5", "要求行政机关确认或重新出具已获取信息", ("重新出具", "确认或重新", "已获取信息"), "3.5"),
    RowDef("3.6.1", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", ("逾期不补正", "不补正"), "3.6"),
    RowDef("3.6.2", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", ("缴纳费用", "收费通知"), "3.6"),
    RowDef("3.6.3", "其他", ("其他",), "3.6"),
    RowDef("3.6", "其他处理", ("其他处理",), "3"),
    RowDef("3.7", "总计", ("总计", "合计"), "3"),
    RowDef("4", "结转下年度继续办理", ("结转下年度", "结转下年", "下年度继续"), ""),
]
ROWS_BY_CODE = {r.code: r for r in REQUEST_ROWS}

# Group headings inside 三、本年度办理结果 (and the heading itself).
REQUEST_GROUPS: list[tuple[str, tuple[str, ...]]] = [
    ("3", ("本年度办理结果", "办理结果")),
    ("3.3", ("不予公开",)),
    ("3.4", ("无法提供",)),
    ("3.5", ("不予处理",)),
    ("3.6", ("其他处理",)),
]
SUBTOTAL_KEYS = ("小计",)

ROWS_2019 = [r.code for r in REQUEST_ROWS if not r.code.startswith("3.6.")]
ROWS_2021 = [r.code for r in REQUEST_ROWS if r.code != "3.6"]
# The leaves whose sum is row 3.7 (3.6 or its 3.6.x sub-rows, whichever the report prints).
OUTCOME_LEAVES = [r.code for r in REQUEST_ROWS if r.code.startswith("3.") and r.code != "3.7"]

# --- Table 4: 行政复议、行政诉讼 ---------------------------------------------------------------

REVIEW_GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("review", "行政复议", ("行政复议",)),
    ("suit_direct", "未经复议直接起诉", ("未经复议", "直接起诉")),
    ("suit_after_review", "复议后起诉", ("复议后起诉", "复议后")),
]
REVIEW_OUTCOMES: list[tuple[str, str, tuple[str, ...]]] = [
    ("upheld", "结果维持", ("维持",)),
    ("corrected", "结果纠正", ("纠正",)),
    ("other", "其他结果", ("其他",)),
    ("pending", "尚未审结", ("尚未", "审结")),
    ("total", "总计", ("总计", "合计")),
]

# --- Table 2: 主动公开政府信息情况 -------------------------------------------------------------

AMOUNT_UNIT = "万元"


@dataclass(frozen=True)
class MetricDef:
    label: str
    keys: tuple[str, ...]
    amount: bool = False  # an amount in 万元 rather than a count
    signed: bool = False  # may be negative (本年增/减)


METRICS: list[MetricDef] = [
    MetricDef("本年新制作数量", ("新制作",)),
    MetricDef("本年新公开数量", ("新公开",)),
    MetricDef("对外公开总数量", ("对外公开总", "公开总数")),
    MetricDef("上一年项目数量", ("上一年", "上年项目")),
    MetricDef("本年增/减", ("增/减", "增减", "增（减）", "增(减)"), signed=True),
    MetricDef("本年处理决定数量", ("本年处理决定",)),
    MetricDef("处理决定数量", ("处理决定",)),
    MetricDef("采购项目数量", ("采购项目",)),
    MetricDef("采购总金额", ("采购总金额", "采购金额", "总金额"), amount=True),
    MetricDef("本年制发件数", ("制发",)),
    MetricDef("本年废止件数", ("废止",)),
    MetricDef("现行有效件数", ("现行有效", "有效件数")),
    MetricDef("本年收费金额", ("收费金额",), amount=True),
]
METRICS_BY_LABEL = {m.label: m for m in METRICS}

# Items printed by the templates; anything else in table 2 is a local variant kept as printed.
ITEMS: list[tuple[str, tuple[str, ...]]] = [
    ("规章", ("规章",)),
    ("行政规范性文件", ("行政规范性文件",)),
    ("规范性文件", ("规范性文件",)),
    ("行政许可", ("行政许可",)),
    ("其他对外管理服务事项", ("其他对外管理服务事项", "对外管理服务")),
    ("行政处罚", ("行政处罚",)),
    ("行政强制", ("行政强制",)),
    ("行政事业性收费", ("行政事业性收费", "事业性收费")),
    ("政府集中采购", ("政府集中采购", "集中采购")),
]

SECTION_NUMERALS = "一二三四五六七八九十"

# --- Which template a report follows, told by its labels --------------------------------------

FORMAT_2021_MARKERS = ("本年制发件数", "现行有效件数", "本年废止件数", "本年收费金额", "行政规范性文件")
FORMAT_2019_MARKERS = ("本年新制作数量", "对外公开总数量", "上一年项目数量", "采购项目数量", "采购总金额")

# --- Cell values ------------------------------------------------------------------------------

# Printed in a cell to mean "nothing here": kept as raw text, read as null, reported as missing.
BLANK_MARKERS = frozenset({"", "/", "／", "\\", "—", "——", "-", "－", "–", "─", "无", "空", "—/—", "×", "*", "、"})
# Units a table-2 amount may be printed in, as a factor to 万元.
AMOUNT_UNITS = {"亿元": 10000.0, "万元": 1.0, "千元": 0.1, "元": 0.0001}
