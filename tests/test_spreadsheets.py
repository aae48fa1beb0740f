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


def _with_formulas(data: bytes, every: int = 3) -> tuple[bytes, int]:
    """`data` with every `every`-th number turned into a formula giving it (`=0+12`), saved as
    report generators save them: openpyxl writes a formula with no value beside it."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    turned = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if type(cell.value) in (int, float):
                    turned += 1
                    if turned % every == 0:
                        cell.value = f"=0+{cell.value}"
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue(), turned // every


@pytest.mark.libreoffice
@pytest.mark.parametrize("seed", range(6300, 6304))
def test_formulas_saved_without_values_are_computed_and_named(seed: int) -> None:
    """A workbook whose formulas carry no value (openpyxl, Apache POI, report generators) read as
    blank cells, silently: now LibreOffice computes them, and a problem names every such cell."""
    spec = _spec(seed)
    data, formulas = _with_formulas(render_xlsx(spec, sheet_per_table=seed % 2 == 0))
    assert formulas > 20
    report = parse_bytes(data, "report.xlsx", name="report.xlsx").to_dict()
    named = [p for p in report["problems"] if p["kind"] == "formula_uncached"]
    assert named and all("computed by LibreOffice" in p["detail"] for p in named), named
    assert sum(int(p["detail"].split(" ", 1)[0]) for p in named) == formulas
    assert all(p["where"].startswith("sheet ") for p in named)
    report["problems"] = [p for p in report["problems"] if p["kind"] != "formula_uncached"]
    assert to_expected_from_report(report) == expected(spec)


def test_without_libreoffice_uncomputed_formulas_stay_blank_and_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from extract.readers import convert

    monkeypatch.setattr(convert, "converter", lambda: None)
    data, _ = _with_formulas(_workbook({"A1": "本年新收政府信息公开申请数量", "B1": 3, "B2": 4, "B3": 5}), every=1)
    doc = read_document(data, "report.xlsx")
    [problem] = doc.problems
    assert problem.kind == "formula_uncached" and problem.where == "sheet 1"
    assert problem.detail.startswith("3 formula cell(s)") and "read as blank" in problem.detail
    assert "needs LibreOffice" in problem.detail and "B1 =0+3, B2 =0+4, B3 =0+5" in problem.detail


def test_a_workbook_with_its_values_saved_is_not_converted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cached values are read as saved: no LibreOffice run, no problem."""
    from extract.readers import convert

    monkeypatch.setattr(convert, "convert", lambda *a: pytest.fail("converted a workbook that had its values"))
    spec = _spec(6300)
    assert _got(render_xlsx(spec), "report.xlsx") == expected(spec)


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", ["report.ods", "downfile.jsp", "report.xlsx"])
def test_opendocument_spreadsheet_is_converted_and_read(tmp_path: Path, name: str) -> None:
    spec = _spec(6305)
    ods = _converted(tmp_path, render_xlsx(spec, sheet_per_table=True), "report.xlsx", "ods")
    assert sniff(ods, name) == "ods"
    assert read_document(ods, name).kind == "ods"
    assert _got(ods, name) == expected(spec)


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", ["report.odt", "downfile.jsp"])
def test_opendocument_text_is_converted_and_read(tmp_path: Path, name: str) -> None:
    from nianbao.synthetic import render_docx

    spec = _spec(6306)
    odt = _converted(tmp_path, render_docx(spec), "report.docx", "odt")
    assert sniff(odt, name) == "odt"
    assert read_document(odt, name).kind == "odt"
    assert _got(odt, name) == expected(spec)


@pytest.mark.parametrize("kind", ["ods", "odt"])
def test_a_zip_bomb_dressed_as_opendocument_is_refused_before_libreoffice(kind: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    from extract.readers import convert

    monkeypatch.setattr(convert, "convert", lambda *a: pytest.fail("handed a zip bomb to LibreOffice"))
    mimetype = {"ods": "spreadsheet", "odt": "text"}[kind]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", f"application/vnd.oasis.opendocument.{mimetype}")
        z.writestr("content.xml", b"\0" * (200 << 20))
    assert sniff(buf.getvalue(), "downfile.jsp") == kind
    with pytest.raises(ExtractError, match=f"{kind.upper()} refused"):
        read_document(buf.getvalue(), "downfile.jsp")


def test_a_cut_short_opendocument_file_is_told_by_its_name() -> None:
    data = render_xlsx(_spec(6300))[:200]
    assert sniff(data, "report.ods") == "ods" and sniff(data, "report.odt") == "odt"

