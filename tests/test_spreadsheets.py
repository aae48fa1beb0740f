"""Spreadsheet copies of reports: XLSX read by openpyxl, XLS and ET converted by LibreOffice,
each sheet through the same row reader as a CSV copy (extract/readers/spreadsheet.py)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import openpyxl
import pytest
from copies import render_delimited
from expected import to_expected_from_report
from generate import expected, make_spec

from extract import ExtractError, parse_bytes
from extract.readers import read_document, spreadsheet
from extract.sniff import sniff
from nianbao.synthetic import render_xlsx

OPTIONS = [{}, {"blanks": True}, {"odd_labels": True}, {"inconsistent": True, "amount_in_yuan": True},
           {"blanks": True, "odd_labels": True, "inconsistent": True}]
FORMS = {"merged": {}, "unmerged": {"merged": False}, "sheet-per-table": {"sheet_per_table": True},
         "numbered-headers": {"numbered": True}}
CASES = [(form, seed) for form in FORMS for seed in range(6300, 6308)]


def _spec(seed: int):
    return make_spec(seed, ("2019", "2021")[seed % 2], **OPTIONS[seed % len(OPTIONS)])


def _got(data: bytes, name: str) -> dict:
    return to_expected_from_report(parse_bytes(data, name, name=name).to_dict())


def _converted(tmp_path: Path, data: bytes, source: str, target: str) -> bytes:
    """`data` (a file named `source`) as LibreOffice writes it in `target` (xls, doc)."""
    src = tmp_path / source
    src.write_bytes(data)
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", target, "--outdir", str(tmp_path / "out"), str(src)],
                   check=True, capture_output=True, timeout=180)
    return (tmp_path / "out" / f"{src.stem}.{target}").read_bytes()


@pytest.mark.parametrize(("form", "seed"), CASES, ids=[f"{f}-s{s}" for f, s in CASES])
def test_xlsx_copy_round_trips(form: str, seed: int) -> None:
    spec = _spec(seed)
    assert _got(render_xlsx(spec, **FORMS[form]), "report.xlsx") == expected(spec)


def test_xls_workbook_is_converted_and_read_whatever_its_name(tmp_path: Path) -> None:
    """An XLS behind a download link (`downfile.jsp`, no extension) or saved as `.doc` is a
    workbook by the streams it holds, converted to XLSX by LibreOffice, and reads as its XLSX did."""
    spec = _spec(6301)
    xls = _converted(tmp_path, render_xlsx(spec), "report.xlsx", "xls")
    assert {sniff(xls, n) for n in ("downfile.jsp", "report.doc", "report.et", "report.xls")} == {"xls"}
    assert read_document(xls, "downfile.jsp").kind == "xls"
    assert _got(xls, "downfile.jsp") == expected(spec)


def test_a_word_document_named_xls_stays_a_word_document(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("某某区人民政府2021年政府信息公开工作年度报告")
    buf = io.BytesIO()
    document.save(buf)
    doc = _converted(tmp_path, buf.getvalue(), "report.docx", "doc")
    assert sniff(doc, "report.xls") == "doc"
    assert sniff(doc, "report.wps") == "wps"


@pytest.mark.parametrize("render", ["csv-padded", "xlsx", "xlsx-sheet-per-table"])
def test_a_heading_in_a_row_of_its_own_is_no_table_item(render: str) -> None:
    """A section heading alone in a padded row (三、收到和处理政府信息公开申请情况 after table 2,
    as a spreadsheet or its CSV export holds it) opens its section; it was an `unknown_row` of
    table 2 ("not a table-2 item")."""
    for seed in range(6300, 6306):
        spec = make_spec(seed, ("2019", "2021")[seed % 2])
        if render == "csv-padded":
            data = render_delimited(spec, ",", padded=True)
        else:
            data = render_xlsx(spec, sheet_per_table=render == "xlsx-sheet-per-table")
        report = parse_bytes(data, "report." + render.split("-")[0], name="report").to_dict()
        assert [p for p in report["problems"] if p["kind"] == "unknown_row"] == [], seed


def _workbook(cells: dict[str, object]) -> bytes:
    workbook = openpyxl.Workbook()
    for ref, value in cells.items():
        workbook.active[ref] = value
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def test_a_sheet_declaring_the_whole_grid_is_read_by_what_it_holds() -> None:
    """One cell in A1 and one in XFD1048576 (5 kB): python-calamine asked for 512 GB and aborted
    the process; streamed, the sheet is 2 rows."""
    doc = read_document(_workbook({"A1": "标题", "XFD1048576": 1}), "bomb.xlsx")
    assert [p.kind for p in doc.problems] == []
    assert doc.text().startswith("标题")


def test_a_workbook_past_the_cell_limit_says_what_it_left(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec(6300)
    monkeypatch.setattr(spreadsheet, "MAX_SHEET_CELLS", 200)
    report = parse_bytes(render_xlsx(spec), "report.xlsx", name="report.xlsx").to_dict()
    cut = [p for p in report["problems"] if p["kind"] == "truncated"]
    assert len(cut) == 1 and cut[0]["where"] == "sheet 1" and "more than 200 cells" in cut[0]["detail"], cut


def test_a_zip_bomb_named_xlsx_is_refused_before_inflating() -> None:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 << 20))
    with pytest.raises(ExtractError, match="XLSX refused"):
        read_document(buf.getvalue(), "report.xlsx")


@pytest.mark.parametrize(("value", "text"), [(12.0, "12"), (0.1 + 0.2, "0.3"), (1.25, "1.25"), (7, "7"),
                                             (None, ""), (True, "TRUE"), (" 予以公开 ", "予以公开")])
def test_cells_read_as_the_sheet_shows_them(value: object, text: str) -> None:
    assert spreadsheet._text(value) == text


@pytest.mark.parametrize("damage", ["cut-in-half", "sheet-not-xml"])
def test_a_damaged_workbook_is_one_clear_refusal(damage: str) -> None:
    import zipfile

    data = render_xlsx(_spec(6300))
    if damage == "cut-in-half":
        data = data[: len(data) // 2]
    else:
        src, buf = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
        with zipfile.ZipFile(buf, "w") as dst:
            for name in src.namelist():
                dst.writestr(name, b"<c>not xml" if name == "xl/worksheets/sheet1.xml" else src.read(name))
        data = buf.getvalue()
    with pytest.raises(ExtractError, match="unreadable XLSX"):
        read_document(data, "report.xlsx")
