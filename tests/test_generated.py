"""Round trips: a synthetic report with known values, rendered as a real file, parses back to them.

The generator (`generate.py`) knows every cell by construction; the parser sees only the file.
Cases cover both templates, every reader (text copy, HTML in four layouts and two encodings, DOCX
with merged cells, ruled and unruled PDF) and the options that real reports force on a parser:
blank cells, garbled labels, an inconsistent printed total, an amount printed in 元.
The first tests check the generator itself, so that a round-trip failure is the parser's.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from expected import canonical, to_expected_from_report
from generate import (
    AMOUNT_METRICS,
    APPLICANTS,
    COLUMNS,
    HTML_LAYOUTS,
    ReportSpec,
    expected,
    failing_checks,
    make_spec,
    render_docx,
    render_html,
    render_pdf,
    render_text,
)

# --- The cases ------------------------------------------------------------------------------------

OPTION_SETS: list[dict[str, bool]] = [
    {},
    {"inconsistent": True},
    {"blanks": True},
    {"odd_labels": True},
    {"amount_in_yuan": True},
    {"blanks": True, "inconsistent": True},
    {"odd_labels": True, "blanks": True},
    {"odd_labels": True, "inconsistent": True, "amount_in_yuan": True},
    {"blanks": True, "odd_labels": True, "inconsistent": True, "amount_in_yuan": True},
]


@dataclass(frozen=True)
class Case:
    kind: str  # text | html | docx | pdf
    variant: str  # html layout (+ ":gbk"), pdf "ruled"/"unruled", else ""
    seed: int
    template: str
    options: tuple[tuple[str, bool], ...]

    @property
    def id(self) -> str:
        opts = "+".join(k for k, _ in self.options) or "plain"
        kind = f"{self.kind}-{self.variant}" if self.variant else self.kind
        return f"{kind}-{self.template}-s{self.seed}-{opts}"

    @property
    def ext(self) -> str:
        return {"text": "txt", "html": "html", "docx": "docx", "pdf": "pdf"}[self.kind]

    def spec(self) -> ReportSpec:
        return make_spec(self.seed, self.template, **dict(self.options))

    def render(self, spec: ReportSpec) -> bytes:
        if self.kind == "text":
            return render_text(spec)
        if self.kind == "html":
            layout, _, enc = self.variant.partition(":")
            return render_html(spec, layout, encoding=enc or "utf-8")
        if self.kind == "docx":
            return render_docx(spec)
        return render_pdf(spec, ruled=self.variant == "ruled")


def _cases(kind: str, variant: str, count: int, first_seed: int) -> list[Case]:
    """`count` cases; templates alternate and the option sets cycle, so that every (template,
    options) pair comes up once in 18 consecutive cases."""
    out = []
    for i in range(count):
        opts = OPTION_SETS[i % len(OPTION_SETS)]
        out.append(Case(kind, variant, first_seed + i, ("2019", "2021")[i % 2], tuple(sorted(opts.items()))))
    return out


CASES: list[Case] = [
    *_cases("text", "", 46, 1000),
    *_cases("html", "trs", 30, 2000),
    *_cases("html", "trs:gbk", 8, 2100),
    *_cases("html", "flat_repeat", 22, 2200),
    *_cases("html", "flat_empty", 22, 2300),
    *_cases("html", "shanghai", 18, 2400),
    *_cases("html", "shanghai:gbk", 6, 2500),
    *_cases("docx", "", 60, 3000),
    *_cases("pdf", "ruled", 48, 4000),
]
# PDFs whose tables have no ruling lines: blank cells print nothing and labels wrap between rows,
# so the reader is only held to never misreading a cell and to saying what it could not read.
UNRULED: list[Case] = _cases("pdf", "unruled", 36, 4100)


def _parse(path: Path) -> dict[str, Any]:
    from extract import parse_file  # imported here: a broken parser fails cases, not collection

    return parse_file(path).to_dict()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_round_trip(case: Case, tmp_path: Path) -> None:
    spec = case.spec()
    path = tmp_path / f"report.{case.ext}"
    path.write_bytes(case.render(spec))
    got = to_expected_from_report(_parse(path))
    assert got == expected(spec)


def _active_fields(spec: ReportSpec) -> dict[tuple[str, str], tuple[str | None, str | None, str]]:
    """(item, metric) -> (parent, unit, raw) as the parse must report them."""
    return {(row.item, m): (row.parent, "万元" if m in AMOUNT_METRICS else None, row.printed[m])
            for sec in spec.sections for row in sec.rows for m in sec.metrics}


# Cases whose table 2 has local sub-rows or an amount in 元: what the expected shape cannot show.
DETAIL_CASES = [c for c in CASES if c.kind in ("text", "docx") or c.variant in ("trs", "ruled")]
DETAIL_CASES = [c for c in DETAIL_CASES if c.spec().has_subrows() or dict(c.options).get("amount_in_yuan")][:40]


@pytest.mark.parametrize("case", DETAIL_CASES, ids=[c.id for c in DETAIL_CASES])
def test_active_rows_keep_parent_unit_and_raw_text(case: Case, tmp_path: Path) -> None:
    spec = case.spec()
    path = tmp_path / f"report.{case.ext}"
    path.write_bytes(case.render(spec))
    rows = _parse(path)["active_disclosure"]
    assert {(r["item"], r["metric"]): (r["parent"], r["unit"], r["raw"]) for r in rows} == _active_fields(spec)


def unread_and_unflagged(report: dict[str, Any], spec: ReportSpec) -> tuple[list[str], list[str], int]:
    """(misread cells, unread cells no problem speaks for, cells read) of a parse against the spec.

    A cell the reader gives must be the printed one (rows it flags `ambiguous_row` aside); a cell
    it does not give must be spoken for by a problem at its row (`missing_row`, `column_mismatch`),
    its table-2 section (`unknown_header`), its table-2 item or table-4 cell (`missing_row`) or its
    table (`table_not_found`)."""
    got, want = to_expected_from_report(report), expected(spec)
    problems = report["problems"]
    section_of = {row.item: sec.section for sec in spec.sections for row in sec.rows}
    doubtful = {p["where"] for p in problems if p["kind"] == "ambiguous_row"}
    flagged = {p["where"] for p in problems if p["kind"] in ("missing_row", "column_mismatch", "unknown_header")}
    tables = {p["where"] for p in problems if p["kind"] == "table_not_found"}
    misread: list[str] = []
    unflagged: list[str] = []
    read = 0
    for key, table in (("active", "active_disclosure"), ("litigation", "reviews")):
        for cell, value in got[key].items():
            if want[key].get(cell, "absent") != value:
                misread.append(f"{key}:{cell}")
            read += 1
        for cell in set(want[key]) - set(got[key]):
            row = cell.split("/", 1)[0]  # the item or the group (a metric may hold a slash: 本年增/减)
            if not ({cell, row, section_of.get(row), "reviews"} & flagged or table in tables):
                unflagged.append(f"{key}:{cell}")
    for row, cols in got["applications"].items():
        if row in doubtful:
            continue  # the reader says it could not tell this row apart; it is not counted as read
        for col, value in cols.items():
            if want["applications"].get(row, {}).get(col, "absent") != value:
                misread.append(f"applications:{row}/{col}")
            read += 1
    for row, cols in want["applications"].items():
        for col in set(cols) - set(got["applications"].get(row, {})):
            if not (row in flagged | doubtful or "requests" in tables or row.startswith("3.6")):
                unflagged.append(f"applications:{row}/{col}")
    return misread, unflagged, read


@pytest.mark.parametrize("case", UNRULED, ids=[c.id for c in UNRULED])
def test_unruled_pdf_reads_every_cell_or_flags_it_and_never_misreads(case: Case, tmp_path: Path) -> None:
    spec = case.spec()
    path = tmp_path / "report.pdf"
    path.write_bytes(case.render(spec))
    report = _parse(path)
    misread, unflagged, read = unread_and_unflagged(report, spec)
    assert misread == []
    assert unflagged == []
    assert read > 0


# --- The generator's own guarantees -----------------------------------------------------------


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_spec_and_files_are_reproducible(template: str) -> None:
    a, b = make_spec(5, template, blanks=True, odd_labels=True), make_spec(5, template, blanks=True, odd_labels=True)
    assert a == b
    assert render_text(a) == render_text(b)
    assert render_html(a, "trs") == render_html(b, "trs")
    assert render_pdf(a) == render_pdf(b)
    assert make_spec(6, template) != a


@pytest.mark.parametrize("seed", range(12))
def test_consistent_spec_has_no_failing_check_and_no_blank(seed: int) -> None:
    template = ("2019", "2021")[seed % 2]
    spec = make_spec(seed, template, odd_labels=seed % 3 == 0, amount_in_yuan=seed % 4 == 0)
    want = expected(spec)
    assert want["failing_checks"] == []
    assert want["missing_cells"] == []
    assert None not in want["active"].values() and None not in want["litigation"].values()
    assert want["format"] == template
    years = range(2019, 2021) if template == "2019" else range(2021, 2026)
    assert want["year"] in years
    assert len(want["litigation"]) == 15
    assert all(set(cols) == set(COLUMNS) for cols in want["applications"].values())


def test_row_sets_follow_the_template() -> None:
    rows_2019 = {tuple(make_spec(s, "2019").rows) for s in range(20)}
    rows_2021 = {tuple(make_spec(s, "2021").rows) for s in range(40)}
    assert len(rows_2019) == 1 and len(next(iter(rows_2019))) == 23
    assert {len(r) for r in rows_2021} == {23, 25}  # some 2021 reports keep the single （六） row


@pytest.mark.parametrize("seed", range(12))
def test_inconsistent_spec_fails_on_the_perturbed_total(seed: int) -> None:
    spec = make_spec(seed, ("2019", "2021")[seed % 2], inconsistent=True, blanks=seed % 2 == 0)
    assert spec.perturbed
    failing = expected(spec)["failing_checks"]
    a, b = spec.perturbed.split("/")
    assert failing and any(c["column"] in (a, b) for c in failing), (spec.perturbed, failing)
    for c in failing:
        assert c["lhs"] != c["rhs"] and c["lhs"] is not None and c["rhs"] is not None


def test_failing_checks_are_computed_from_the_values() -> None:
    spec = make_spec(3, "2019")
    assert failing_checks(spec) == []
    spec.applications["1"]["natural"] = int(spec.applications["1"]["natural"] or 0) + 4
    got = {(c["rule"], c["column"]) for c in failing_checks(spec)}
    assert got == {("balance", "natural"), ("row_total", "1")}
    balance = next(c for c in failing_checks(spec) if c["rule"] == "balance")
    apps = spec.applications
    assert balance["lhs"] == apps["1"]["natural"] + apps["2"]["natural"]
    assert balance["rhs"] == apps["3.7"]["natural"] + apps["4"]["natural"]
    spec.applications["4"]["natural"] = None  # a blank input: the rule cannot fail
    assert {(c["rule"], c["column"]) for c in failing_checks(spec)} == {("row_total", "1")}
    spec.litigation["review/total"] = int(spec.litigation["review/total"] or 0) + 1
    assert ("litigation_total", "review") in {(c["rule"], c["column"]) for c in failing_checks(spec)}


@pytest.mark.parametrize("seed", range(8))
def test_blanks_are_null_and_missing(seed: int) -> None:
    spec = make_spec(seed, ("2019", "2021")[seed % 2], blanks=True)
    want = expected(spec)
    blank = [f"{r}/{c}" for r in spec.rows for c in COLUMNS if spec.applications[r][c] is None]
    assert blank and want["missing_cells"] == canonical({"missing_cells": blank})["missing_cells"]
    assert want["failing_checks"] == []  # blanking never makes a consistent table fail
    text = render_text(spec).decode("utf-8")
    assert "\t\n" in text


def test_amount_in_yuan_is_expected_in_wan() -> None:
    for seed in range(10):
        spec = make_spec(seed, ("2019", "2021")[seed % 2], amount_in_yuan=True)
        row = next(r for s in spec.sections for r in s.rows for m in s.metrics if r.printed[m].endswith("元"))
        metric = next(m for m in row.printed if row.printed[m].endswith("元"))
        yuan = int(row.printed[metric][:-1])
        assert row.printed[metric] == f"{yuan}元" and not row.printed[metric].endswith("万元")
        assert expected(spec)["active"][f"{row.item}/{metric}"] == round(yuan / 10000, 6)


def test_odd_labels_vary_the_printed_labels() -> None:
    plain = make_spec(0, "2021").labels
    odd = [make_spec(s, "2021", odd_labels=True).labels for s in range(10)]
    changed = {k for labels in odd for k in labels if labels[k] != plain.get(k)}
    assert len(changed) > 20
    assert any("\n" in v for labels in odd for v in labels.values())
    assert any(labels.get("row:3.3.2") == "2.其他法律行政止公开" for labels in odd)


def test_text_copy_has_one_cell_per_line() -> None:
    spec = make_spec(1, "2019")
    lines = render_text(spec).decode("utf-8").split("\n")
    i = lines.index("\t一、本年新收政府信息公开申请数量")
    assert lines[i + 1:i + 9] == [f"\t{spec.applications['1'][c]}" for c in COLUMNS] + [""]
    assert lines[i + 9:i + 11] == ["\t二、上年结转政府信息公开申请数量", f"\t{spec.applications['2']['natural']}"]


@pytest.mark.parametrize("layout", HTML_LAYOUTS)
def test_html_layouts(layout: str) -> None:
    import lxml.html

    spec = make_spec(2, "2019", blanks=True)
    page = render_html(spec, layout, encoding="gbk").decode("gbk")
    assert "gb2312" in page
    doc = lxml.html.fromstring(page)
    tables = doc.xpath("//table")
    assert len(tables) >= 3
    spans = doc.xpath("//td[@rowspan]")
    if layout in ("trs", "shanghai"):
        assert spans and doc.xpath("//td[@colspan]")
    else:
        assert not spans and not doc.xpath("//td[@colspan]")
        widths = {len(tr.xpath("./td")) for tr in tables[-2].xpath(".//tr")}
        assert widths == {10}
    if layout == "trs":
        for name in ("ArticleTitle", "PubDate", "ContentSource"):
            assert doc.xpath(f"//meta[@name='{name}']/@content")
        assert doc.xpath("//div[@class='TRS_Editor']//table")
        assert "&nbsp;" in page or "\xa0" in page


def test_shanghai_layout_value_colspans_differ_from_the_header() -> None:
    import lxml.html

    doc = lxml.html.fromstring(render_html(make_spec(4, "2019"), "shanghai").decode("utf-8"))
    rows = doc.xpath("//table[1]//tr")
    header = [td.get("colspan", "1") for td in rows[1].xpath("./td")]
    values = [td.get("colspan", "1") for td in rows[2].xpath("./td")]
    assert header == ["1", "1", "2", "1"] and values == ["1", "2", "1", "1"]


def test_docx_tables_have_real_merges() -> None:
    import docx

    spec = make_spec(7, "2021")
    data = render_docx(spec)
    document = docx.Document(io.BytesIO(data))
    table3 = next(t for t in document.tables if "申请人情况" in t._tbl.xml)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert 'w:vMerge w:val="restart"' in xml and "w:gridSpan" in xml
    outcome_rows = [r for r in spec.rows if r.startswith("3.")]
    first = 3 + spec.rows.index(outcome_rows[0])
    trs = table3._tbl.tr_lst
    merges = [trs[first + i].tc_lst[0].vMerge for i in range(len(outcome_rows))]
    assert merges == ["restart"] + ["continue"] * (len(outcome_rows) - 1)
    assert table3.cell(first, 0).text == "三、本年度办理结果"
    assert [tc.grid_span for tc in trs[1].tc_lst] == [3, 1, 5, 1]  # corner, 自然人, 法人或其他组织, 总计
    assert table3.cell(1, 4).text == "法人或其他组织"


def _pdf_pages(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]


@pytest.mark.parametrize("ruled", [True, False])
def test_pdf_has_a_text_layer_and_splits_table_3(ruled: bool) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    spec = make_spec(9, "2019")
    data = render_pdf(spec, ruled=ruled)
    pages = _pdf_pages(data)
    assert len(pages) >= 3
    assert all(f"- {i + 1} -" in text for i, text in enumerate(pages))
    first = next(i for i, t in enumerate(pages) if "本年新收政府信息公开申请数量" in t)
    last = next(i for i, t in enumerate(pages) if "结转下年度继续办理" in t)
    assert last > first  # table 3 crosses a page break
    assert any(spec.agency_full in t.replace("\r\n", "").replace("\n", "") for t in pages)
    pdf = pdfium.PdfDocument(data)
    paths = sum(1 for i in range(len(pdf)) for o in pdf[i].get_objects() if o.type == pdfium_c.FPDF_PAGEOBJ_PATH)
    assert (paths > 100) if ruled else (paths == 0)
    # 三、本年度办理结果 is written one character per line: a column of characters, top to bottom.
    found = False
    for p in range(len(pdf)):
        textpage = pdf[p].get_textpage()
        chars = []
        for i in range(textpage.count_chars()):
            left, bottom, right, _ = textpage.get_charbox(i)
            chars.append(((left + right) / 2, bottom, textpage.get_text_range(i, 1)))
        for x, _, ch in chars:
            if ch == "本":
                column = sorted((-b, c) for cx, b, c in chars if abs(cx - x) < 2)
                found = found or "本年度办理结果" in "".join(c for _, c in column)
    assert found


def test_converter_brings_a_parse_result_into_the_expected_shape() -> None:
    report = {
        "agency": "某区人民政府", "year": 2020, "format": "2019",
        "active_disclosure": [
            {"section": "第二十条第（九）项", "item": "政府集中采购", "parent": None, "metric": "采购总金额",
             "value": 251000 * 0.0001, "unit": "万元", "raw": "251000元"},
            {"section": "第二十条第（五）项", "item": "行政检查", "parent": "其他对外管理服务事项",
             "metric": "本年增/减", "value": -3, "unit": None, "raw": "-3"},
        ],
        "requests": [{"row": "3.7", "row_label": "总计", "column": c, "value": None if c == "legal" else 1, "raw": ""}
                     for c in APPLICANTS],
        "reviews": [{"group": "review", "outcome": "total", "value": 2, "raw": "2"}],
        "checks": [
            {"rule": "row_total", "scope": "3.7", "lhs": 9, "rhs": 8, "status": "fail"},
            {"rule": "balance", "scope": "total", "lhs": 3, "rhs": 2, "status": "fail"},
            {"rule": "balance", "scope": "natural", "lhs": 3, "rhs": 3, "status": "pass"},
            {"rule": "outcome_total", "scope": "legal", "lhs": None, "rhs": 3, "status": "uncheckable"},
        ],
        "problems": [
            {"kind": "missing_cell", "where": "3.7/legal", "detail": "blank cell"},
            {"kind": "missing_cell", "where": "review/corrected", "detail": "blank cell"},
            {"kind": "not_a_number", "where": "1/natural", "detail": "x"},
        ],
    }
    assert to_expected_from_report(report) == {
        "agency": "某区人民政府", "year": 2020, "format": "2019",
        "active": {"政府集中采购/采购总金额": 25.1, "行政检查/本年增/减": -3},
        "applications": {"3.7": {c: None if c == "legal" else 1 for c in APPLICANTS}},
        "litigation": {"review/total": 2},
        "failing_checks": [{"rule": "balance", "column": "total", "lhs": 3, "rhs": 2},
                           {"rule": "row_total", "column": "3.7", "lhs": 9, "rhs": 8}],
        "missing_cells": ["3.7/legal"],
    }
