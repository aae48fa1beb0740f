"""OFD reports (GB/T 33190): generated reports written as OFD packages the ways producers write them
(`nianbao.synthetic.render_ofd`), read back through the geometric reader PDFs use
(extract/readers/ofd.py); a scanned OFD through OCR; hostile and damaged packages refused in one line."""

from __future__ import annotations

import io
import zipfile

import pytest
from expected import to_expected_from_report
from generate import expected, make_spec
from test_generated import unread_and_unflagged

from extract import ExtractError, parse_bytes
from extract.readers import read_document
from extract.sniff import sniff
from nianbao.synthetic import render_ofd
from nianbao.synthetic.ofd_file import STYLES

OPTIONS = [{}, {"blanks": True}, {"odd_labels": True}, {"inconsistent": True, "amount_in_yuan": True},
           {"blanks": True, "odd_labels": True, "inconsistent": True}]
CASES = [(style, seed) for style in STYLES for seed in range(6400, 6410)]
NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def _spec(seed: int):
    return make_spec(seed, ("2019", "2021")[seed % 2], **OPTIONS[seed % len(OPTIONS)])


def _parse(data: bytes, name: str = "report.ofd") -> dict:
    return parse_bytes(data, name, name=name).to_dict()


@pytest.mark.parametrize(("style", "seed"), CASES, ids=[f"{s}-s{n}" for s, n in CASES])
def test_ofd_round_trips(style: str, seed: int) -> None:
    """Ruled tables broken across pages, wrapped and vertical labels: every cell as printed."""
    spec = _spec(seed)
    report = _parse(render_ofd(spec, style))
    assert to_expected_from_report(report) == expected(spec)


@pytest.mark.parametrize("seed", range(6420, 6426))
def test_unruled_ofd_reads_every_cell_or_flags_it_and_never_misreads(seed: int) -> None:
    spec = _spec(seed)
    report = _parse(render_ofd(spec, STYLES[seed % len(STYLES)], ruled=False))
    misread, unflagged, read = unread_and_unflagged(report, spec)
    assert misread == [] and unflagged == [] and read > 0


@pytest.mark.parametrize("name", ["report.ofd", "downfile.jsp", "report.zip"])
def test_an_ofd_is_told_by_its_package_whatever_its_name(name: str) -> None:
    spec = _spec(6400)
    data = render_ofd(spec)
    assert sniff(data, name) == "ofd"
    doc = read_document(data, name)
    assert doc.kind == "ofd"
    assert doc.meta["docx:title"] in (spec.title, f"Microsoft Word - {spec.year}年度报告.docx")


def _package(files: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buf.getvalue()


def _minimal(page: str, *, ofd: str | None = None, extra: dict | None = None, res: str = "") -> bytes:
    return _package({
        "OFD.xml": ofd or f'<ofd:OFD {NS}><ofd:DocBody><ofd:DocInfo><ofd:Title>某某区2024年政府信息公开工作年度报告'
                          f'</ofd:Title></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>',
        "Doc_0/Document.xml": f'<ofd:Document {NS}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297'
                              f'</ofd:PhysicalBox></ofd:PageArea>{res}</ofd:CommonData><ofd:Pages>'
                              f'<ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/>'
                              f'<ofd:Page ID="2" BaseLoc="Pages/Page_1/Content.xml"/></ofd:Pages></ofd:Document>',
        "Doc_0/Pages/Page_0/Content.xml": page,
        **(extra or {}),
    })


def _text_page(text: str) -> str:
    return (f'<ofd:Page {NS}><ofd:Content><ofd:Layer ID="2"><ofd:TextObject ID="3" Boundary="20 20 170 8" Size="5">'
            f'<ofd:TextCode X="0" Y="5">{text}</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>')


def test_a_page_the_package_lacks_is_said_and_the_others_read() -> None:
    """Page 2's Content.xml is missing: `unreadable_page` names it, page 1's text stays."""
    doc = read_document(_minimal(_text_page("一、总体情况")), "report.ofd")
    assert "一、总体情况" in doc.text()
    assert [(p.kind, p.where) for p in doc.problems] == [("unreadable_page", "page 2")]


@pytest.mark.parametrize(("damage", "message"), [
    ("cut-in-half", "unreadable OFD"), ("no-docroot", "names no document"), ("not-xml", "unreadable OFD"),
    ("no-pages", "lists no pages")])
def test_a_damaged_ofd_is_one_clear_refusal(damage: str, message: str) -> None:
    if damage == "cut-in-half":
        data = render_ofd(_spec(6400))
        data = data[: len(data) // 2]
        with pytest.raises(ExtractError, match=message):
            read_document(data, "report.ofd")
        return
    if damage == "no-docroot":
        data = _minimal(_text_page("x"), ofd=f"<ofd:OFD {NS}><ofd:DocBody/></ofd:OFD>")
    elif damage == "not-xml":
        data = _minimal(_text_page("x"), ofd="<ofd:OFD <<")
    else:
        data = _package({"OFD.xml": f"<ofd:OFD {NS}><ofd:DocBody><ofd:DocRoot>D.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
                         "D.xml": f"<ofd:Document {NS}><ofd:Pages/></ofd:Document>"})
    with pytest.raises(ExtractError, match=message):
        read_document(data, "report.ofd")


def test_an_ofd_cannot_make_the_reader_read_local_files_or_expand_entities() -> None:
    """An XML entity naming a local file (XXE) or expanding a billion times is not expanded."""
    hostile = ('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY secret SYSTEM "file:///etc/passwd">'
               '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>')
    page = hostile + _text_page("总体情况&secret;&b;")
    try:
        doc = read_document(_minimal(page), "report.ofd")
    except ExtractError:
        return  # refused outright is as good
    assert "root:" not in doc.text() and "aaaaaaaaaa" not in doc.text()


def test_a_zip_bomb_dressed_as_ofd_is_refused_before_inflating() -> None:
    data = _package({"OFD.xml": f"<ofd:OFD {NS}/>", "Doc_0/Pages/Page_0/Content.xml": b"\0" * (200 << 20)})
    assert sniff(data, "x.ofd") == "ofd"
    with pytest.raises(ExtractError, match="OFD refused"):
        read_document(data, "x.ofd")


@pytest.mark.parametrize(("data", "expected_steps"), [
    ("M 0 0 L 10 0 L 10 5 L 0 5 C", [[(0, 0), (10, 0), (10, 5), (0, 5), (0, 0)]]),
    ("M 1 1 L 2 1 M 3 3 B 4 4 5 5 6 6 L 6 9", [[(1, 1), (2, 1)], [(3, 3), (6, 6), (6, 9)]]),
    ("S 0 0 L 1e1 0 Q 1 1 2 2", [[(0, 0), (10, 0), (2, 2)]]),
    ("M 0 0 L 5", []),  # cut short: the piece is dropped, not misread
])
def test_abbreviated_path_data(data: str, expected_steps: list) -> None:
    from extract.readers.ofd import _subpaths

    assert _subpaths(data) == expected_steps


def test_delta_x_shorthand() -> None:
    from extract.readers.ofd import _deltas

    assert _deltas("g 3 4.2 1 g 2 0.5") == [4.2, 4.2, 4.2, 1.0, 0.5, 0.5]
    assert _deltas("1 2 x 3") == [1.0, 2.0]
    assert _deltas(None) == []


def test_a_scanned_ofd_is_read_by_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    """An OFD whose page is a picture (scanned, then packaged): the picture is OCR'd as a PDF page's
    would be, and the report says it was read by OCR."""
    from generate import render_tables_page
    from scans import Scan, scan_pages

    from extract.readers import ocr

    monkeypatch.setattr(ocr, "OCR_TIME_LIMIT", 600.0)
    spec = _spec(6401)
    (picture,) = scan_pages(render_tables_page(spec, only="table4"), Scan(dpi=200, angle=0.3, noise=5, seed=3))
    png = io.BytesIO()
    picture.save(png, "PNG", dpi=(200, 200))
    page = (f'<ofd:Page {NS}><ofd:Content><ofd:Layer ID="2"><ofd:ImageObject ID="3" ResourceID="9" '
            f'Boundary="10 10 190 120" CTM="190 0 0 120 0 0"/></ofd:Layer></ofd:Content></ofd:Page>')
    res = "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>"
    data = _minimal(page, res=res, extra={
        "Doc_0/DocumentRes.xml": f'<ofd:Res {NS} BaseLoc="Res"><ofd:MultiMedias><ofd:MultiMedia ID="9" Type="Image">'
                                 f'<ofd:MediaFile>Image_9.png</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>',
        "Doc_0/Res/Image_9.png": png.getvalue(),
        "Doc_0/Pages/Page_1/Content.xml": f'<ofd:Page {NS}><ofd:Content/></ofd:Page>'})
    parsed = parse_bytes(data, "report.ofd", name="report.ofd")
    assert parsed.extras["kind"] == "ocr"
    report = parsed.to_dict()
    assert "ocr" in {p["kind"] for p in report["problems"]}
    assert to_expected_from_report(report)["litigation"] == expected(spec)["litigation"]


def test_an_ofd_past_the_object_limit_reads_what_it_may_and_says_where_it_stopped(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from extract.readers import ofd

    data = render_ofd(_spec(6400))
    whole = read_document(data, "report.ofd")
    monkeypatch.setattr(ofd, "MAX_OFD_OBJECTS", 400)
    cut = read_document(data, "report.ofd")
    [problem] = [p for p in cut.problems if p.kind == "truncated"]
    assert problem.where.startswith("page ") and "first 400 objects" in problem.detail
    assert 0 < len(cut.text()) < len(whole.text())


def test_a_package_of_several_documents_says_it_read_the_first() -> None:
    two = (f'<ofd:OFD {NS}>' + '<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody>' * 2
           + '</ofd:OFD>')
    doc = read_document(_minimal(_text_page("一、总体情况"), ofd=two), "report.ofd")
    assert ("truncated", "document") in {(p.kind, p.where) for p in doc.problems}


def test_malformed_attributes_lose_only_what_they_place() -> None:
    """A TextCode whose X is not a number continues where the last one ended; a Boundary that is
    not four numbers drops its object; the rest of the page reads."""
    page = (f'<ofd:Page {NS}><ofd:Content><ofd:Layer ID="2">'
            f'<ofd:TextObject ID="3" Boundary="20 20 170 8" Size="5"><ofd:TextCode X="0" Y="5">一、总体</ofd:TextCode>'
            f'<ofd:TextCode X="abc">情况</ofd:TextCode></ofd:TextObject>'
            f'<ofd:TextObject ID="4" Boundary="20 x" Size="5"><ofd:TextCode X="0" Y="5">丢</ofd:TextCode></ofd:TextObject>'
            f'<ofd:TextObject ID="5" Boundary="20 40 170 8" Size="5"><ofd:TextCode X="0" Y="5">二、主动公开</ofd:TextCode>'
            f'</ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>')
    text = read_document(_minimal(page), "report.ofd").text()
    assert "一、总体情况" in text and "二、主动公开" in text and "丢" not in text
