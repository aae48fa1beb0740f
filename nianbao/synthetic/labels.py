"""The generator's printed labels: the national templates as a report prints them, and how real
reports garble them.

Why its own labels, not the parser's (`extract.templates`): the generator is the oracle the
round-trip tests check the parser against, so it must not share the parser's vocabulary — a
label the parser got wrong would otherwise be printed wrong too and the round trip would pass.
"""

from __future__ import annotations

import random
import re

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

# The document's headings, in order (report-format.md).
HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]

APPLICANT_LABEL = "申请人情况"
ORG_LABEL = "法人或其他组织"

_FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_PREFIX = re.compile(r"^(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、|\d+[.、．])")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def canonical_row_label(code: str) -> str:
    """A table-3 row's label without its printed numbering (一、 （二） 3.): what the parse names it."""
    label = ROW_LABELS[code]
    m = _PREFIX.match(label)
    return label[m.end():] if m else label


def garble(rng: random.Random, label: str, *, droppable: bool = True, p: float = 0.45) -> str:
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


def make_labels(rng: random.Random, rows: list[str], odd: bool) -> dict[str, str]:
    labels: dict[str, str] = {"corner": CORNER_LABEL, "applicant": APPLICANT_LABEL, "org": ORG_LABEL}
    for code in rows:
        text = ROW_LABELS[code]
        if odd and code == "3.3.2" and rng.random() < 0.5:
            text = "2.其他法律行政止公开"  # a typo seen in a real report
        elif odd:
            text = garble(rng, text, droppable=code not in ("3.6.3",))
        labels[f"row:{code}"] = text
    for code, text in GROUP_LABELS.items():
        labels[f"group:{code}"] = garble(rng, text) if odd else text
    for col in COLUMNS:
        labels[f"col:{col}"] = garble(rng, COLUMN_LABELS[col], droppable=False) if odd else COLUMN_LABELS[col]
    if odd:
        labels["org"] = garble(rng, labels["org"], droppable=False)
    for key, text in LIT_GROUP_LABELS.items():
        labels[f"lit:{key}"] = garble(rng, text, droppable=False, p=0.3) if odd else text
    for g in LIT_GROUPS:
        for outcome in LIT_OUTCOMES:
            text = LIT_OUTCOME_LABELS[outcome]
            if odd and g == "review" and rng.random() < 0.25:
                text = "\n".join(text)  # typed one character per line, as a narrow Word cell forces
            elif odd:
                text = garble(rng, text, droppable=False, p=0.25)
            labels[f"out:{g}:{outcome}"] = text
    return labels
