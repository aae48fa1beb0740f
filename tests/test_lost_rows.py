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
