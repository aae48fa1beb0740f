"""The table templates are data: a revision is one `Template` entry, and the generator agrees with it.

`test_a_template_revision_is_one_data_entry` declares a test-only revision of the 2021 template
(a reworded row, a row added under a group, an amount metric added to table 2) as one value,
registers it for the test only, and parses a report printed in it: the rows, the template it is
told to be, the checks and the archive's headline figures all follow from that entry with no code
changed.  The same report parsed without the entry shows what the entry is for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from archive.write import figures
from extract import parse_bytes
from extract import templates as T
from extract.labels import strip_numbering
from extract.model import Report
from nianbao import synthetic

BASE = T.TEMPLATE_2021
RENAMED = T.RowDef("3.4.1", "本机关未制作或保存相关政府信息", ("未制作或保存",), "3.4")
ADDED = T.RowDef("3.5.6", "要求提供非本机关职责范围的信息", ("非本机关职责",), "3.5")
RELIEF = T.MetricDef("本年减免金额", ("减免金额", "减免"), amount=True)
REVISED_ROWS = {"3.4.1": (RENAMED,), "3.5.5": (BASE.row("3.5.5"), ADDED)}  # what replaces a 2021 row

# The one entry: everything else is the 2021 template's.
REVISION = replace(
    BASE,
    name="2031",
    circular="测试用修订（not a real notice）",
    first_year=2031,
    rows=tuple(r for old in BASE.rows for r in REVISED_ROWS.get(old.code, (old,))),
    metrics=(*BASE.metrics, RELIEF),
    sections=tuple(replace(s, metrics=(*s.metrics, RELIEF.label)) if s.article == "第二十条第（八）项" else s
                   for s in BASE.sections),
    markers=(*BASE.markers, RELIEF.label, "未制作或保存"),
)


@pytest.fixture
def revision() -> Iterator[T.Template]:
    with T.registered(REVISION) as template:
        yield template


# --- A report printed in the revision, as a text copy (one cell per line, ../shared/examples) -----

APPLICANTS = ["natural", "commercial", "research", "social", "legal", "other"]
RELIEF_PRINTED = "1250元"  # an amount printed in 元: 0.125 万元 when the metric is known to be an amount


def _row(*cells: str) -> list[str]:
    return [f"\t{c}" for c in cells] + [""]


def _table3_values() -> dict[str, list[int]]:
    """Applicant values per row; each row's total and the outcome total follow from them."""
    leaves = {code: [(i + k) % 4 for i in range(6)] for k, code in enumerate(
        c for c in REVISION.row_codes if c.startswith("3.") and c != "3.7")}
    leaves["3.5.6"] = [2, 1, 0, 0, 3, 1]  # the added row counts: without it 3.7 does not add up
    handled = [sum(v[i] for v in leaves.values()) for i in range(6)]
    received = [h + 5 for h in handled]
    return {"1": received, "2": [0, 1, 0, 0, 0, 1], **leaves, "3.7": handled,
            "4": [r + c - h for r, c, h in zip(received, [0, 1, 0, 0, 0, 1], handled, strict=True)]}


PLANTED = "3.5.6"  # its printed total is one more than its applicants add up to


def _printed_total(code: str, values: list[int]) -> int:
    return sum(values) + (1 if code == PLANTED else 0)


def _revision_report() -> bytes:
    vals = _table3_values()
    lines = ["测试区人民政府2031年政府信息公开工作年度报告", "",
             "一、总体情况", "2031年，本区政府信息公开工作平稳有序。",
             "二、主动公开政府信息情况"]
    for s in REVISION.sections:
        lines += _row(s.article)
        lines += _row("信息内容", *s.metrics)
        for n, item in enumerate(s.items):
            printed = [RELIEF_PRINTED if m == RELIEF.label else str(3 + n) for m in s.metrics]
            lines += _row(item, *printed)
    lines += ["", "三、收到和处理政府信息公开申请情况"]
    lines += _row("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况")
    lines += _row("", "自然人", "法人或其他组织", "总计")
    lines += _row("", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "")
    seen_groups: set[str] = set()
    first_outcome = True
    for code in REVISION.row_codes:
        row = REVISION.row(code)
        assert row is not None
        numbers = [str(v) for v in vals[code]] + [str(_printed_total(code, vals[code]))]
        number = code.rsplit(".", 1)[-1]
        if not row.group:
            label = ["一、", "二、", "", "四、"][int(code) - 1] + row.label
            lines += _row(label, *numbers)
            continue
        head = "三、本年度办理结果" if first_outcome else ""
        first_outcome = False
        if row.group == "3":
            numeral = "一二三四五六七"[int(number) - 1]
            lines += _row(head, f"（{numeral}）{row.label}", *numbers)
        else:
            group = next(g for g in REVISION.groups if g.code == row.group)
            heading = group.label if group.code not in seen_groups else ""
            seen_groups.add(group.code)
            lines += _row(head, heading, f"{number}.{row.label}", *numbers)
    lines += ["", "四、政府信息公开行政复议、行政诉讼情况"]
    lines += _row("行政复议", "行政诉讼")
    lines += _row(*[o.label for o in REVISION.review_outcomes], "未经复议直接起诉", "复议后起诉")
    lines += _row(*[""] * len(REVISION.review_outcomes), *[o.label for o in REVISION.review_outcomes] * 2)
    lines += _row(*["1", "0", "0", "1", "2"] * 3)
    lines += ["", "五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _parse() -> Report:
    return parse_bytes(_revision_report(), "revision.txt")


# --- The revision, registered ---------------------------------------------------------------------


def test_a_template_revision_is_one_data_entry(revision: T.Template) -> None:
    report = _parse()
    assert report.format == revision.name
    vals = _table3_values()

    # rows: every row of the revision, the reworded one under its new label, the added one read
    got = {(r.row, r.column): r.value for r in report.requests}
    want = {(code, col): v for code in revision.row_codes
            for col, v in zip([*APPLICANTS, "total"], [*vals[code], _printed_total(code, vals[code])], strict=True)}
    assert got == want
    labels = {r.row: r.row_label for r in report.requests}
    assert labels["3.4.1"] == RENAMED.label and labels["3.5.6"] == ADDED.label
    assert not [p for p in report.problems if p.kind in ("unknown_row", "missing_row", "column_mismatch")]

    # the added metric: read as an amount, converted from the 元 it is printed in
    relief = [a for a in report.active_disclosure if a.metric == RELIEF.label]
    assert [(a.item, a.value, a.unit, a.raw) for a in relief] == [("行政事业性收费", 0.125, "万元", RELIEF_PRINTED)]

    # checks: the outcome total adds up per applicant column only with the added row counted; its
    # planted total fails its row_total and the totals column's outcome_total, both sides kept
    checks = {(c.rule, c.scope): c for c in report.checks}
    for col in APPLICANTS:
        assert checks[("outcome_total", col)].status == "pass"
        assert checks[("outcome_total", col)].lhs == sum(vals[c][APPLICANTS.index(col)]
                                                         for c in vals if c.startswith("3.") and c != "3.7")
    handled_total = sum(vals["3.7"])
    failed = [(c.rule, c.scope, c.lhs, c.rhs) for c in report.checks if c.status == "fail"]
    assert failed == [("outcome_total", "total", handled_total, handled_total + 1),
                      ("row_total", PLANTED, sum(vals[PLANTED]) + 1, sum(vals[PLANTED]))]

    # the archive's headline figures: not_processed sums every row under （五）, the added one too
    assert figures(report)["not_processed"] == sum(_printed_total(c, vals[c]) for c in vals if c.startswith("3.5."))


def test_without_the_entry_the_same_report_reads_as_2021_without_what_it_adds() -> None:
    """What the entry is for: unregistered, the report is a 2021 report whose added row is unknown
    and whose added metric is no amount, so its 元 cell is no number."""
    assert T.template(REVISION.name) is None
    report = _parse()
    assert report.format == "2021"
    assert "3.5.6" not in {r.row for r in report.requests}
    assert any(p.kind == "unknown_row" and ADDED.label in p.where for p in report.problems)
    relief = [a for a in report.active_disclosure if a.metric == RELIEF.label]
    assert [(a.value, a.unit) for a in relief] == [(None, None)]
    assert any(p.kind == "not_a_number" for p in report.problems)


def test_registering_and_unregistering_leave_the_national_vocabulary_as_it_was() -> None:
    before = T.vocabulary()
    with T.registered(REVISION):
        during = T.vocabulary()
        assert "3.5.6" in during.rows_by_code and RELIEF.label in during.metrics_by_label
        assert during.rows_by_code["3.4.1"].keys == ("不掌握", "未制作或保存")  # first template's label, both keys
    assert T.vocabulary() == before and T.template(REVISION.name) is None


# --- The templates' own consistency ----------------------------------------------------------------


@pytest.mark.parametrize("template", [*T.NATIONAL, REVISION], ids=lambda t: t.name)
def test_every_template_refers_only_to_what_it_declares(template: T.Template) -> None:
    rows = set(template.row_codes)
    groups = {g.code for g in template.groups}
    columns = [c.code for c in template.columns]
    metrics = [m.label for m in template.metrics]
    items = [i.name for i in template.items]
    outcomes = [o.code for o in template.review_outcomes]
    assert len(rows) == len(template.rows) and len(set(metrics)) == len(metrics) and len(set(items)) == len(items)
    assert {r.group for r in template.rows} - {""} <= groups
    assert {g.parent for g in template.groups} - {""} <= groups
    assert sorted({m for s in template.sections for m in s.metrics}) == sorted(metrics)
    assert sorted({i for s in template.sections for i in s.items}) == sorted(items)
    lhs, rhs = template.checks.balance
    total_row, outcome_group = template.checks.outcome_total
    assert {*lhs, *rhs, total_row} <= rows and outcome_group in groups
    total_col, parts = template.checks.row_total
    assert [*parts, total_col] == columns
    total_outcome, outcome_parts = template.checks.litigation_total
    assert [*outcome_parts, total_outcome] == outcomes
    for fig in template.figures:
        known = T.vocabulary().rows_by_code if fig.table == "requests" else {g.code for g in template.review_groups}
        assert set(fig.codes) <= set(known) and set(fig.groups) <= groups | {g.code for g in T.vocabulary().groups}
    assert set(template.markers) and all(m for m in template.markers)


# --- The generator's printed labels, an oracle of their own ----------------------------------------


def test_the_generator_and_the_templates_agree_on_every_code() -> None:
    """The generator (nianbao.synthetic) prints its own labels on purpose, so that a round trip is
    not the parser checked against itself; they must still name the same codes as the templates."""
    vocab = T.vocabulary()
    by_name = {"2019": (synthetic.ROWS_2019, synthetic.ACTIVE_2019), "2021": (synthetic.ROWS_2021, synthetic.ACTIVE_2021)}
    assert set(by_name) == {t.name for t in T.NATIONAL}
    for template in T.NATIONAL:
        gen_rows, gen_active = by_name[template.name]
        assert list(gen_rows) == template.row_codes, template.name
        assert [(sec, list(metrics), list(items)) for sec, metrics, items in gen_active] == \
            [(s.article, list(s.metrics), list(s.items)) for s in template.sections], template.name

    # table 3: rows, groups, columns — each code with the same label
    assert {code: strip_numbering(label) for code, label in synthetic.ROW_LABELS.items()} == \
        {r.code: r.label for r in vocab.rows}
    assert {g.code: g.label for g in vocab.groups} == synthetic.GROUP_LABELS
    assert list(synthetic.COLUMNS) == [c.code for c in vocab.columns]
    assert {c.code: c.label for c in vocab.columns} == synthetic.COLUMN_LABELS
    assert list(synthetic.APPLICANTS) == list(T.TEMPLATE_2021.checks.row_total[1])

    # table 4: groups (and the 行政诉讼 header over two of them), outcomes
    assert list(synthetic.LIT_GROUPS) == [g.code for g in vocab.review_groups]
    headers = {g.group for g in vocab.review_groups if g.group}
    assert {**{g.code: g.label for g in vocab.review_groups}, "suit": headers.pop()} == synthetic.LIT_GROUP_LABELS
    assert list(synthetic.LIT_OUTCOMES) == [o.code for o in vocab.review_outcomes]
    assert {o.code: o.label for o in vocab.review_outcomes} == synthetic.LIT_OUTCOME_LABELS

    # table 2: every metric the generator prints is a template metric and vice versa; amounts agree
    printed = {m for active in (synthetic.ACTIVE_2019, synthetic.ACTIVE_2021) for _s, ms, _i in active for m in ms}
    assert printed == set(vocab.metrics_by_label)
    assert set(synthetic.AMOUNT_METRICS) == {m.label for m in vocab.metrics if m.amount}
    printed_items = {i for active in (synthetic.ACTIVE_2019, synthetic.ACTIVE_2021) for _s, _m, items in active for i in items}
    assert printed_items == vocab.item_names


def test_what_the_reader_caches_follows_the_registered_templates() -> None:
    """The reader caches what a label and a cell mean per vocabulary (`templates.per_vocabulary`):
    the same report read with, without and again with the revision, in one process, reads each
    time as that vocabulary says — no answer outlives the vocabulary it came from."""
    reads = []
    for registered in (True, False, True):
        if registered:
            with T.registered(REVISION):
                report = _parse()
        else:
            report = _parse()
        relief = [a.value for a in report.active_disclosure if a.metric == RELIEF.label]
        reads.append((report.format, "3.5.6" in {r.row for r in report.requests}, relief))
    assert reads == [("2031", True, [0.125]), ("2021", False, [None]), ("2031", True, [0.125])]
