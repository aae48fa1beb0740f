"""DOC and WPS reports through LibreOffice: the same cells as the report they were made from.

A real example (text copy) is written out as a DOCX, LibreOffice converts it to a binary .doc
(the container Kingsoft WPS files share), and the .doc and a .wps copy are parsed back.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from conftest import EXAMPLES

from extract import ExtractError, parse_bytes, parse_file
from extract.model import Grid, Paragraph
from extract.readers.text import read_text

needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")


def _docx_from_text(path: Path) -> bytes:
    document = docx.Document()
    for block in read_text(path.read_text(encoding="utf-8")).blocks:
        if isinstance(block, Paragraph):
            document.add_paragraph(block.text)
        elif isinstance(block, Grid):
            width = max(len(r) for r in block.rows)
            table = document.add_table(rows=len(block.rows), cols=width)
            for i, row in enumerate(block.rows):
                for j, cell in enumerate(row):
                    table.cell(i, j).text = cell.text
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _cells(report) -> dict:
    return {
        "requests": {(r.row, r.column): r.value for r in report.requests},
        "reviews": {(r.group, r.outcome): r.value for r in report.reviews},
        "active": {(a.item, a.metric): a.value for a in report.active_disclosure},
        "meta": (report.agency, report.year, report.format),
    }


@pytest.fixture(scope="module")
def doc_bytes(tmp_path_factory) -> bytes:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice not installed")
    work = tmp_path_factory.mktemp("lo")
    src = work / "dongcheng.docx"
    src.write_bytes(_docx_from_text(EXAMPLES / "dongcheng-2020.txt"))
    subprocess.run(["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(work), str(src)], check=True, capture_output=True, timeout=180)
    return (work / "dongcheng.doc").read_bytes()


@needs_libreoffice
@pytest.mark.libreoffice
@pytest.mark.parametrize("name", ["report.doc", "report.wps", "downfile.jsp"])
def test_doc_and_wps_read_like_the_original(doc_bytes: bytes, name: str) -> None:
    assert doc_bytes.startswith(b"\xd0\xcf\x11\xe0")
    original = parse_file(EXAMPLES / "dongcheng-2020.txt")
    converted = parse_bytes(doc_bytes, name, name=name)
    assert converted.extras["kind"] == ("wps" if name.endswith(".wps") else "doc")
    assert _cells(converted) == _cells(original)
    assert len(converted.requests) == 161


def test_missing_converter_is_named(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ExtractError, match="LibreOffice"):
        parse_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "a.doc", name="a.doc")


@pytest.fixture(scope="module")
def office_pdfs(tmp_path_factory) -> list[tuple[object, Path]]:
    """Generated DOCX reports printed to PDF by LibreOffice, as offices export them from Word:
    rows and headers break across pages, labels wrap inside narrow cells."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice not installed")
    import generate as G

    work = tmp_path_factory.mktemp("office-pdf")
    specs = []
    for seed in range(16):
        options = [{}, {"blanks": True}, {"odd_labels": True}, {"inconsistent": True, "amount_in_yuan": True}][seed % 4]
        spec = G.make_spec(seed, ("2019", "2021")[seed % 2], **options)
        (work / f"r{seed}.docx").write_bytes(G.render_docx(spec))
        specs.append((spec, work / f"r{seed}.pdf"))
    subprocess.run(["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(work), *[str(work / f"r{s}.docx") for s in range(16)]],
                   check=True, capture_output=True, timeout=600)
    return specs


@needs_libreoffice
@pytest.mark.libreoffice
def test_office_exported_pdfs_round_trip(office_pdfs) -> None:
    import generate as G
    from expected import to_expected_from_report

    for spec, path in office_pdfs:
        assert to_expected_from_report(parse_file(path).to_dict()) == G.expected(spec), path.name
