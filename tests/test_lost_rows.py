"""No unflagged loss: a template row, table-2 item or table-4 cell a report does not give us is a problem.

Table 3's sums would show a lost row; table 2 has no check at all, so a table-2 item a scan or
an unruled page loses (政府集中采购 at the foot of a long picture) would pass unseen unless the
parse says it.  The files here are generated reports with a row really taken out before they are
rendered, read through the ordinary readers.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from generate import ReportSpec, make_spec, render_pdf, render_text

RENDER = {"pdf": lambda spec: render_pdf(spec, ruled=True), "txt": render_text}


def _parse(path: Path) -> dict[str, Any]:
    from extract import parse_file

    return parse_file(path).to_dict()


def _without_item(spec: ReportSpec, item: str) -> ReportSpec:
    sections = [dataclasses.replace(sec, rows=[r for r in sec.rows if r.item != item]) for sec in spec.sections]
    return dataclasses.replace(spec, sections=[sec for sec in sections if sec.rows])


def _missing(report: dict[str, Any]) -> set[str]:
    return {p["where"] for p in report["problems"] if p["kind"] == "missing_row"}


@pytest.mark.parametrize("ext", sorted(RENDER))
@pytest.mark.parametrize("template", ["2019", "2021"])
def test_a_table_2_item_not_read_is_a_problem(ext: str, template: str, tmp_path: Path) -> None:
    spec = make_spec(11, template)
    lost = spec.sections[-1].rows[-1].item  # the last item: 政府集中采购 (2019), 行政事业性收费 (2021)
    path = tmp_path / f"report.{ext}"
    path.write_bytes(RENDER[ext](_without_item(spec, lost)))
    report = _parse(path)
    assert lost not in {r["item"] for r in report["active_disclosure"]}
    assert lost in _missing(report)
    assert report["active_disclosure"]  # the rest of table 2 is still read


@pytest.mark.parametrize("ext", sorted(RENDER))
@pytest.mark.parametrize("template", ["2019", "2021"])
def test_a_whole_report_has_no_missing_item(ext: str, template: str, tmp_path: Path) -> None:
    spec = make_spec(11, template)
    path = tmp_path / f"report.{ext}"
    path.write_bytes(RENDER[ext](spec))
    report = _parse(path)
    items = {row.item for sec in spec.sections for row in sec.rows}
    assert not _missing(report) & items
    assert {r["item"] for r in report["active_disclosure"]} >= items - {"其他对外管理服务事项"}


def _without_metric(spec: ReportSpec, metric: str) -> ReportSpec:
    """The spec with one of table 2's metric columns not printed (header and values)."""
    def drop(sec):  # noqa: ANN001, ANN202 - an ActiveSection
        if metric not in sec.metrics:
            return sec
        k = sec.metrics.index(metric)
        rows = [dataclasses.replace(r, values={m: v for m, v in r.values.items() if m != metric},
                                    printed={m: v for m, v in r.printed.items() if m != metric}) for r in sec.rows]
        return dataclasses.replace(sec, metrics=sec.metrics[:k] + sec.metrics[k + 1:],
                                   metric_labels=sec.metric_labels[:k] + sec.metric_labels[k + 1:], rows=rows)
    return dataclasses.replace(spec, sections=[drop(sec) for sec in spec.sections])


@pytest.mark.parametrize("ext", sorted(RENDER))
def test_a_table_2_cell_not_read_is_a_problem_at_its_item_and_metric(ext: str, tmp_path: Path) -> None:
    """A column of table 2 whose header a scan lost reads as a section with one metric fewer: no
    check would show it, so each of that section's items says which cell it lacks."""
    spec = make_spec(11, "2021")
    section = spec.sections[0]  # 第二十条第（一）项: 规章, 行政规范性文件 × three metrics
    lost = section.metrics[-1]
    path = tmp_path / f"report.{ext}"
    path.write_bytes(RENDER[ext](_without_metric(spec, lost)))
    report = _parse(path)
    assert lost not in {r["metric"] for r in report["active_disclosure"]}
    assert {f"{row.item}/{lost}" for row in section.rows} <= _missing(report)
    assert not {p for p in _missing(report) if "/" in p and not p.endswith(f"/{lost}")}


def _with_blank_subrow_label(spec: ReportSpec) -> tuple[ReportSpec, str, str]:
    """The spec with its first local sub-row's label printed blank; (spec, that sub-row, its parent)."""
    for k, sec in enumerate(spec.sections):
        for j, row in enumerate(sec.rows):
            if row.parent:
                rows = sec.rows[:j] + [dataclasses.replace(row, label="")] + sec.rows[j + 1:]
                sections = spec.sections[:k] + [dataclasses.replace(sec, rows=rows)] + spec.sections[k + 1:]
                return dataclasses.replace(spec, sections=sections), row.item, row.parent
    raise AssertionError("no sub-rows")


@pytest.mark.parametrize("ext", ["pdf", "html"])
def test_a_sub_row_whose_label_is_blank_is_said_at_its_parent_not_filed_under_it(ext: str, tmp_path: Path) -> None:
    """A scan that loses a sub-row's label (行政确认 under 其他对外管理服务事项) leaves a row whose
    only label is the parent's, spanning down from above: its values are not the parent's."""
    from generate import render_html

    spec = next(s for s in (make_spec(seed, "2019") for seed in range(200)) if s.has_subrows())
    spec, lost, parent = _with_blank_subrow_label(spec)
    path = tmp_path / f"report.{ext}"
    path.write_bytes(render_html(spec) if ext == "html" else RENDER[ext](spec))
    report = _parse(path)
    items = {r["item"] for r in report["active_disclosure"]}
    assert lost not in items and parent not in items  # nothing filed under the parent itself
    assert parent in _missing(report)
    assert {r["item"] for r in report["active_disclosure"] if r["parent"] == parent}  # its other sub-rows read
