"""The national table templates (国办公开办函〔2019〕60号 and 〔2021〕30号), each one `Template` value.

Why one value per template: a template revision used to touch the parser, the checks, the
archive's figures and their tests at once.  Now everything a revision changes — table-3 rows
(codes, labels, keywords) and groups, the applicant columns, table-2 sections with their items and
metrics, table-4 groups and outcomes, units, blank markers, the labels that identify the template,
the operands of the consistency rules and the archive's headline figures — is declared in one
`Template`, and the parser (`tables.py`, `parse.py`), the checks (`checks.py`) and the archive
(`archive/schema.py`, `archive/ingest.py`) only read it.  A new revision is one more `Template`
passed to `register`; docs/extractor.md says what the entry contains.

The reader does not know a report's template before it has read the labels, so it matches against
the `vocabulary()`: every registered template merged, in template order.  Once the template is
told (`parse.py`), its own labels, rows and operands apply.

The codes are the ones `../shared/spec/report-format.md` defines; the archive, the JSON output and
Datasette all use them unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, wraps
from typing import TypeVar

# --- The parts a template is made of ---------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A code, its canonical label and the substrings (`keys`) that identify the printed label
    through typos and rewording; the first key is the strongest."""

    code: str
    label: str
    keys: tuple[str, ...]
    exact: bool = False  # matched by its exact label only (其他 is part of too many labels)
    requires: str = ""  # a key hit counts only when the label also has this (其他 + 结果)
    group: str = ""  # the header it sits under (法人或其他组织, 行政诉讼), if any


@dataclass(frozen=True)
class RowDef:
    """One value row of table 3."""

    code: str
    label: str  # canonical label, without its numbering
    keys: tuple[str, ...]  # distinctive substrings; the first is the strongest
    group: str  # "" for top-level rows, else the group code ("3.3" for （三）不予公开 …)
    in_group_only: bool = False  # matched only under its group heading (3.6.3 其他)


@dataclass(frozen=True)
class Group:
    """A group heading of table 3 (三、本年度办理结果, （三）不予公开 …)."""

    code: str
    label: str  # as the template prints it, numbering included
    keys: tuple[str, ...]  # a label starting with one of these is this heading
    parent: str = ""  # "" for the outermost heading (三)


@dataclass(frozen=True)
class MetricDef:
    """A metric (column) of table 2; its canonical label is its code in the output."""

    label: str
    keys: tuple[str, ...]
    amount: bool = False  # an amount in the template's amount unit rather than a count
    signed: bool = False  # may be negative (本年增/减): outside the `non_negative` rule


@dataclass(frozen=True)
class Item:
    """An item (row) of table 2 the template prints; anything else is a local variant."""

    name: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """One block of table 2: an article item of 第二十条 with the items and metrics it prints."""

    article: str  # 第二十条第（一）项
    items: tuple[str, ...]  # Item names
    metrics: tuple[str, ...]  # MetricDef labels


@dataclass(frozen=True)
class CheckOperands:
    """What `checks.py` sums and compares (the rules are `../shared/spec/report-format.md`'s)."""

    balance: tuple[tuple[str, ...], tuple[str, ...]]  # table 3, per column: sum of rows = sum of rows
    outcome_total: tuple[str, str]  # (total row, group): the total = every leaf row under the group
    row_total: tuple[str, tuple[str, ...]]  # table 3, per row: (total column, the columns it sums)
    litigation_total: tuple[str, tuple[str, ...]]  # table 4, per group: (total outcome, its parts)


@dataclass(frozen=True)
class Figure:
    """A headline figure of the archive (`report_figures`, `report_summary`): the sum of the
    totals column (table 3) or total outcome (table 4) over some rows or groups."""

    name: str
    table: str  # "requests" or "reviews"
    codes: tuple[str, ...] = ()  # row codes (table 3) or group codes (table 4)
    groups: tuple[str, ...] = ()  # table 3: every row under these groups counts too


@dataclass(frozen=True)
class Template:
    """One national table template: everything the parser, the checks and the archive know of it."""

    name: str  # the report's `format`
    circular: str  # the notice that issued it
    first_year: int  # first report year it applies to: breaks a tie between templates' labels
    # table 2
    sections: tuple[Section, ...]
    metrics: tuple[MetricDef, ...]
    items: tuple[Item, ...]
    # table 3
    columns: tuple[Term, ...]  # applicant columns, in printed order
    groups: tuple[Group, ...]
    rows: tuple[RowDef, ...]  # value rows, in printed order
    # table 4
    review_groups: tuple[Term, ...]
    review_outcomes: tuple[Term, ...]
    # telling this template from the others
    markers: tuple[str, ...]  # labels that vote for this template
    marker_groups: tuple[str, ...]  # a row printed under one of these groups votes too
    # what is checked and what the archive sums
    checks: CheckOperands
    figures: tuple[Figure, ...]
    # cell values
    amount_unit: str
    amount_units: dict[str, float]  # units an amount may be printed in, as a factor to amount_unit
    blank_markers: frozenset[str]  # printed in a cell to mean "nothing here": null, reported missing

    @property
    def row_codes(self) -> list[str]:
        return [r.code for r in self.rows]

    @cached_property
    def _rows_by_code(self) -> dict[str, RowDef]:
        return {r.code: r for r in self.rows}

    def row(self, code: str) -> RowDef | None:
        return self._rows_by_code.get(code)


# --- Shared by the two national templates: declared once, named in both ------------------------

_ORG = "法人或其他组织"
_COLUMNS: tuple[Term, ...] = (
    Term("natural", "自然人", ("自然人", "自然")),
    Term("commercial", "商业企业", ("商业企业", "商业", "企业"), group=_ORG),
    Term("research", "科研机构", ("科研机构", "科研"), group=_ORG),
    Term("social", "社会公益组织", ("社会公益组织", "公益组织", "社会公益", "公益", "社会"), group=_ORG),
    Term("legal", "法律服务机构", ("法律服务机构", "法律服务", "法律"), group=_ORG),
    Term("other", "其他", ("其他",), exact=True, group=_ORG),
    Term("total", "总计", ("总计", "合计")),
)
# A subtotal of the 法人或其他组织 group, printed by some reports after the group's last column;
# kept apart from template cells (never a check operand).
ORG_SUBTOTAL = Term("org_subtotal", "小计", ("小计",))
# A subtotal row under a group (小计 under （三）…（五）), kept as `<group>.subtotal`.
SUBTOTAL_KEYS = ("小计",)

_GROUPS_2019: tuple[Group, ...] = (
    Group("3", "三、本年度办理结果", ("本年度办理结果", "办理结果")),
    Group("3.3", "（三）不予公开", ("不予公开",), "3"),
    Group("3.4", "（四）无法提供", ("无法提供",), "3"),
    Group("3.5", "（五）不予处理", ("不予处理",), "3"),
)
_GROUPS_2021 = (*_GROUPS_2019, Group("3.6", "（六）其他处理", ("其他处理",), "3"))

_HEAD_ROWS: tuple[RowDef, ...] = (
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
)
_TAIL_ROWS: tuple[RowDef, ...] = (
    RowDef("3.7", "总计", ("总计", "合计"), "3"),
    RowDef("4", "结转下年度继续办理", ("结转下年度", "结转下年", "下年度继续"), ""),
)
_OTHER_HANDLING_2019 = (RowDef("3.6", "其他处理", ("其他处理",), "3"),)
_OTHER_HANDLING_2021 = (
    RowDef("3.6.1", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", ("逾期不补正", "不补正"), "3.6"),
    RowDef("3.6.2", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", ("缴纳费用", "收费通知"), "3.6"),
    RowDef("3.6.3", "其他", ("其他",), "3.6", in_group_only=True),
)

_REVIEW_GROUPS: tuple[Term, ...] = (
    Term("review", "行政复议", ("行政复议",)),
    Term("suit_direct", "未经复议直接起诉", ("未经复议", "直接起诉"), group="行政诉讼"),
    Term("suit_after_review", "复议后起诉", ("复议后起诉", "复议后"), group="行政诉讼"),
)
_REVIEW_OUTCOMES: tuple[Term, ...] = (
    Term("upheld", "结果维持", ("维持",)),
    Term("corrected", "结果纠正", ("纠正",)),
    Term("other", "其他结果", ("其他",), requires="结果"),
    Term("pending", "尚未审结", ("尚未", "审结")),
    Term("total", "总计", ("总计", "合计")),
)

_CHECKS = CheckOperands(
    balance=(("1", "2"), ("3.7", "4")),
    outcome_total=("3.7", "3"),
    row_total=("total", ("natural", "commercial", "research", "social", "legal", "other")),
    litigation_total=("total", ("upheld", "corrected", "other", "pending")),
)

# One column each in `report_figures` and the `report_summary` view (docs/schema.md).
_FIGURES: tuple[Figure, ...] = (
    Figure("requests_received", "requests", ("1",)),
    Figure("carried_over", "requests", ("2",)),
    Figure("granted", "requests", ("3.1",)),
    Figure("partly_granted", "requests", ("3.2",)),
    Figure("refused", "requests", groups=("3.3",)),
    Figure("unable", "requests", groups=("3.4",)),
    Figure("not_processed", "requests", groups=("3.5",)),
    Figure("other_handling", "requests", ("3.6",), groups=("3.6",)),
    Figure("handled", "requests", ("3.7",)),
    Figure("carried_forward", "requests", ("4",)),
    Figure("reviews", "reviews", ("review",)),
    Figure("lawsuits", "reviews", ("suit_direct", "suit_after_review")),
)

AMOUNT_UNIT = "万元"
# Units a table-2 amount may be printed in, as a factor to 万元.
AMOUNT_UNITS = {"亿元": 10000.0, "万元": 1.0, "千元": 0.1, "元": 0.0001}
BLANK_MARKERS = frozenset({"", "/", "／", "\\", "—", "——", "-", "－", "–", "─", "无", "空", "—/—", "×", "*", "、"})

_ITEM_REGULATIONS = Item("规章", ("规章",))
_ITEM_LICENSING = Item("行政许可", ("行政许可",))
_ITEM_PENALTIES = Item("行政处罚", ("行政处罚",))
_ITEM_COERCION = Item("行政强制", ("行政强制",))
_ITEM_FEES = Item("行政事业性收费", ("行政事业性收费", "事业性收费"))

# --- The two national templates ---------------------------------------------------------------

TEMPLATE_2019 = Template(
    name="2019",
    circular="国办公开办函〔2019〕60号",
    first_year=2019,
    sections=(
        Section("第二十条第（一）项", ("规章", "规范性文件"), ("本年新制作数量", "本年新公开数量", "对外公开总数量")),
        Section("第二十条第（五）项", ("行政许可", "其他对外管理服务事项"), ("上一年项目数量", "本年增/减", "处理决定数量")),
        Section("第二十条第（六）项", ("行政处罚", "行政强制"), ("上一年项目数量", "本年增/减", "处理决定数量")),
        Section("第二十条第（八）项", ("行政事业性收费",), ("上一年项目数量", "本年增/减")),
        Section("第二十条第（九）项", ("政府集中采购",), ("采购项目数量", "采购总金额")),
    ),
    metrics=(
        MetricDef("本年新制作数量", ("新制作",)),
        MetricDef("本年新公开数量", ("新公开",)),
        MetricDef("对外公开总数量", ("对外公开总", "公开总数")),
        MetricDef("上一年项目数量", ("上一年", "上年项目")),
        MetricDef("本年增/减", ("增/减", "增减", "增（减）", "增(减)"), signed=True),
        MetricDef("处理决定数量", ("处理决定",)),
        MetricDef("采购项目数量", ("采购项目",)),
        MetricDef("采购总金额", ("采购总金额", "采购金额", "总金额"), amount=True),
    ),
    items=(
        _ITEM_REGULATIONS,
        Item("规范性文件", ("规范性文件",)),
        _ITEM_LICENSING,
        Item("其他对外管理服务事项", ("其他对外管理服务事项", "对外管理服务")),
        _ITEM_PENALTIES,
        _ITEM_COERCION,
        _ITEM_FEES,
        Item("政府集中采购", ("政府集中采购", "集中采购")),
    ),
    columns=_COLUMNS,
    groups=_GROUPS_2019,
    rows=(*_HEAD_ROWS, *_OTHER_HANDLING_2019, *_TAIL_ROWS),
    review_groups=_REVIEW_GROUPS,
    review_outcomes=_REVIEW_OUTCOMES,
    markers=("本年新制作数量", "对外公开总数量", "上一年项目数量", "采购项目数量", "采购总金额"),
    marker_groups=(),
    checks=_CHECKS,
    figures=_FIGURES,
    amount_unit=AMOUNT_UNIT,
    amount_units=AMOUNT_UNITS,
    blank_markers=BLANK_MARKERS,
)

TEMPLATE_2021 = Template(
    name="2021",
    circular="国办公开办函〔2021〕30号",
    first_year=2021,
    sections=(
        Section("第二十条第（一）项", ("规章", "行政规范性文件"), ("本年制发件数", "本年废止件数", "现行有效件数")),
        Section("第二十条第（五）项", ("行政许可",), ("本年处理决定数量",)),
        Section("第二十条第（六）项", ("行政处罚", "行政强制"), ("本年处理决定数量",)),
        Section("第二十条第（八）项", ("行政事业性收费",), ("本年收费金额",)),
    ),
    metrics=(
        MetricDef("本年制发件数", ("制发",)),
        MetricDef("本年废止件数", ("废止",)),
        MetricDef("现行有效件数", ("现行有效", "有效件数")),
        MetricDef("本年处理决定数量", ("本年处理决定",)),
        MetricDef("本年收费金额", ("收费金额",), amount=True),
    ),
    items=(
        _ITEM_REGULATIONS,
        Item("行政规范性文件", ("行政规范性文件",)),
        _ITEM_LICENSING,
        _ITEM_PENALTIES,
        _ITEM_COERCION,
        _ITEM_FEES,
    ),
    columns=_COLUMNS,
    groups=_GROUPS_2021,
    rows=(*_HEAD_ROWS, *_OTHER_HANDLING_2021, *_TAIL_ROWS),
    review_groups=_REVIEW_GROUPS,
    review_outcomes=_REVIEW_OUTCOMES,
    markers=("本年制发件数", "现行有效件数", "本年废止件数", "本年收费金额", "行政规范性文件"),
    marker_groups=("3.6",),  # 3.6.1 … 3.6.3 exist only in this template
    checks=_CHECKS,
    figures=_FIGURES,
    amount_unit=AMOUNT_UNIT,
    amount_units=AMOUNT_UNITS,
    blank_markers=BLANK_MARKERS,
)

NATIONAL: tuple[Template, ...] = (TEMPLATE_2019, TEMPLATE_2021)

# --- The registry, and what the reader matches against ----------------------------------------

_registry: dict[str, Template] = {t.name: t for t in NATIONAL}


@dataclass(frozen=True)
class Vocabulary:
    """Every registered template merged: what the reader recognises before it knows the template.

    Definitions with one code in several templates are merged (first template's label, keys of
    all); order is the first template's, with each later template's new entries placed after the
    entry that precedes them there (2021's 3.6.1 … 3.6.3 land between 3.5.5 and 3.6)."""

    rows: tuple[RowDef, ...]
    groups: tuple[Group, ...]
    columns: tuple[Term, ...]
    metrics: tuple[MetricDef, ...]
    items: tuple[Item, ...]
    review_groups: tuple[Term, ...]
    review_outcomes: tuple[Term, ...]
    amount_unit: str
    amount_units: dict[str, float]
    blank_markers: frozenset[str]
    rows_by_code: dict[str, RowDef] = field(default_factory=dict)
    groups_by_code: dict[str, Group] = field(default_factory=dict)
    metrics_by_label: dict[str, MetricDef] = field(default_factory=dict)
    item_names: frozenset[str] = frozenset()
    amount_unit_names: tuple[str, ...] = ()  # amount_units' keys, hashable (a cache key for values.py)
    column_groups: tuple[str, ...] = ()  # headers over table-3 columns (法人或其他组织)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows_by_code", {r.code: r for r in self.rows})
        object.__setattr__(self, "groups_by_code", {g.code: g for g in self.groups})
        object.__setattr__(self, "metrics_by_label", {m.label: m for m in self.metrics})
        object.__setattr__(self, "item_names", frozenset(i.name for i in self.items))
        object.__setattr__(self, "amount_unit_names", tuple(self.amount_units))
        object.__setattr__(self, "column_groups", tuple(dict.fromkeys(c.group for c in self.columns if c.group)))

    def top_group(self, code: str | None) -> bool:
        """The outermost heading (三、本年度办理结果): no subtotal, no row of its own."""
        g = self.groups_by_code.get(code or "")
        return g is not None and not g.parent

    def rows_under(self, group: str) -> list[str]:
        """Codes of every row under `group`, at any depth, in vocabulary order."""
        def inside(g: str) -> bool:
            while g:
                if g == group:
                    return True
                g = self.groups_by_code[g].parent if g in self.groups_by_code else ""
            return False

        return [r.code for r in self.rows if inside(r.group)]


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _merge(lists: Sequence[Sequence[V]], key: Callable[[V], K], join: Callable[[V, V], V]) -> tuple[V, ...]:
    """The entries of every list once, `join`ed where a key repeats; a new entry goes right after
    its predecessor in its own list, so a revision's added row sits in its group, not at the end."""
    merged: list[V] = []
    where: dict[K, int] = {}
    for entries in lists:
        previous: K | None = None
        for entry in entries:
            k = key(entry)
            if k in where:
                merged[where[k]] = join(merged[where[k]], entry)
            else:
                at = where[previous] + 1 if previous is not None else 0
                merged.insert(at, entry)
                where = {key(e): i for i, e in enumerate(merged)}
            previous = k
    return tuple(merged)


def _keys(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    return a + tuple(k for k in b if k not in a)


def _build(templates: Sequence[Template]) -> Vocabulary:
    units = {t.amount_unit for t in templates}
    if len(units) != 1:
        raise ValueError(f"templates disagree on the amount unit: {sorted(units)}")
    amount_units: dict[str, float] = {}
    for t in templates:
        amount_units.update({u: f for u, f in t.amount_units.items() if u not in amount_units})

    def term(a: Term, b: Term) -> Term:
        return Term(a.code, a.label, _keys(a.keys, b.keys), a.exact, a.requires, a.group)

    return Vocabulary(
        rows=_merge([t.rows for t in templates], lambda r: r.code,
                    lambda a, b: RowDef(a.code, a.label, _keys(a.keys, b.keys), a.group, a.in_group_only)),
        groups=_merge([t.groups for t in templates], lambda g: g.code,
                      lambda a, b: Group(a.code, a.label, _keys(a.keys, b.keys), a.parent)),
        columns=_merge([t.columns for t in templates], lambda c: c.code, term),
        metrics=_merge([t.metrics for t in templates], lambda m: m.label,
                       lambda a, b: MetricDef(a.label, _keys(a.keys, b.keys), a.amount, a.signed)),
        items=_merge([t.items for t in templates], lambda i: i.name,
                     lambda a, b: Item(a.name, _keys(a.keys, b.keys))),
        review_groups=_merge([t.review_groups for t in templates], lambda g: g.code, term),
        review_outcomes=_merge([t.review_outcomes for t in templates], lambda o: o.code, term),
        amount_unit=units.pop(),
        amount_units=amount_units,
        blank_markers=frozenset().union(*(t.blank_markers for t in templates)),
    )


_vocabulary: Vocabulary | None = None
_figures: dict[str, tuple[str, tuple[str, ...]]] | None = None


def templates() -> list[Template]:
    """The registered templates, oldest first (the first is assumed when none is told)."""
    return sorted(_registry.values(), key=lambda t: t.first_year)


def template(name: str | None) -> Template | None:
    return _registry.get(name or "")


def vocabulary() -> Vocabulary:
    global _vocabulary
    if _vocabulary is None:
        _vocabulary = _build(templates())
    return _vocabulary


def register(new: Template) -> None:
    """Add a template revision (or replace one of the same name)."""
    global _vocabulary, _figures
    _registry[new.name] = new
    _vocabulary = _figures = None


def unregister(name: str) -> None:
    global _vocabulary, _figures
    del _registry[name]
    _vocabulary = _figures = None


_F = TypeVar("_F", bound=Callable[..., object])
_CACHE_LIMIT = 65536  # entries per function: labels and cell texts repeat across reports


def per_vocabulary(fn: _F) -> _F:
    """Cache a pure function of the vocabulary and its (hashable) arguments.  The cache is
    emptied whenever the vocabulary is rebuilt (a template revision registered or removed), so
    an answer never outlives the vocabulary it was read from.  The table reader asks the same
    label the same questions several times per row, and every report prints the same labels."""
    cache: dict = {}
    owner: list[Vocabulary | None] = [None]

    @wraps(fn)
    def cached(*args: Hashable) -> object:
        vocab = vocabulary()
        if owner[0] is not vocab:
            cache.clear()
            owner[0] = vocab
        try:
            return cache[args]
        except KeyError:
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            value = cache[args] = fn(*args)
            return value

    cached.cache_clear = cache.clear  # type: ignore[attr-defined]  # as functools' caches have
    return cached  # type: ignore[return-value]


@contextmanager
def registered(new: Template) -> Iterator[Template]:
    """`new` registered for the duration of a `with` block (a test's own template variant)."""
    register(new)
    try:
        yield new
    finally:
        unregister(new.name)


def headline_figures() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each headline figure's table and the codes it sums, over every registered template (a
    2021-format report that keeps the single 3.6 row still counts it in `other_handling`).
    A figure name new to the archive also needs its `report_figures` column (a migration)."""
    global _figures
    if _figures is not None:
        return _figures
    vocab = vocabulary()
    out: dict[str, tuple[str, list[str]]] = {}
    for t in templates():
        for fig in t.figures:
            table, codes = out.setdefault(fig.name, (fig.table, []))
            for code in [*fig.codes, *(c for g in fig.groups for c in vocab.rows_under(g))]:
                if code not in codes:
                    codes.append(code)
    _figures = {name: (table, tuple(codes)) for name, (table, codes) in out.items()}
    return _figures


# --- Views of the national templates, for callers outside the parser ---------------------------
# (archive/synthetic.py, tests): the same data in the shapes they read.  The parser, the checks
# and the archive use `vocabulary()` and `template()`, which also see registered revisions.

_NATIONAL = _build(NATIONAL)
REQUEST_COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [(c.code, c.label, c.keys) for c in _NATIONAL.columns]
APPLICANT_COLUMNS: list[str] = list(TEMPLATE_2021.checks.row_total[1])  # the columns the total column sums (both templates)
REQUEST_ROWS: list[RowDef] = list(_NATIONAL.rows)
ROWS_BY_CODE: dict[str, RowDef] = dict(_NATIONAL.rows_by_code)
ROWS_2019: list[str] = TEMPLATE_2019.row_codes
ROWS_2021: list[str] = TEMPLATE_2021.row_codes
METRICS: list[MetricDef] = list(_NATIONAL.metrics)
METRICS_BY_LABEL: dict[str, MetricDef] = {m.label: m for m in _NATIONAL.metrics}
ITEMS: list[tuple[str, tuple[str, ...]]] = [(i.name, i.keys) for i in _NATIONAL.items]
REVIEW_GROUPS: list[tuple[str, str, tuple[str, ...]]] = [(g.code, g.label, g.keys) for g in _NATIONAL.review_groups]
REVIEW_OUTCOMES: list[tuple[str, str, tuple[str, ...]]] = [(o.code, o.label, o.keys) for o in _NATIONAL.review_outcomes]
