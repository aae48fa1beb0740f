"""Report pages whose tables are pictures (`tables_as_images`), read by OCR like a scan.

Why: many portals publish the report's text as HTML and paste its three tables as images, inline
(`data:` URIs) or as pictures beside the page.  The extractor OCRs an inline picture directly; a
picture at its own URL must be fetched by the crawler with the page, kept in the archive, and
read with the page again by `reextract`.  The crawl here is real: the demo's TRS portal on
loopback, whose `picture` report (`nianbao/demo/`) is a generated report's text with its tables
rendered to one 150-dpi picture (`nianbao.demo.reports.tables_picture`).
"""

from __future__ import annotations

import base64
import io
import sqlite3
from pathlib import Path

import pytest
from conftest import nianbao_cmd
from generate import expected, render_html
from scans import score

from extract import Report, parse_bytes
from nianbao import synthetic
from nianbao.demo import DemoServer, DemoWorld
from nianbao.demo.reports import report_spec, tables_picture

TITLE = "{agency}{year}年政府信息公开工作年度报告"
TEXT = "<p>" + "本报告依据《中华人民共和国政府信息公开条例》编制，统计期限自1月1日起至12月31日止。" * 8 + "</p>"  # prose: not a picture-only page


def _page(spec: synthetic.ReportSpec, img: str) -> bytes:
    title = TITLE.format(agency=spec.agency_full, year=spec.year)
    return (f"<html><head><title>{title}</title></head><body><div id='zoom'><h1>{title}</h1>{TEXT}"
            f"<p><img src=\"{img}\"></p></div></body></html>").encode()


def _icon() -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (40, 40), 0).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _read_by_ocr(page: bytes, spec: synthetic.ReportSpec) -> Report:
    """The page read, its tables from the picture: ≥ 99.5 % of cells, nothing wrong or lost unsaid,
    the report saying it was OCR'd and no table missing."""
    report = parse_bytes(page, "https://example.gov.cn/a.html", name="a.html")
    got = report.to_dict()
    result = score(got, expected(spec))
    assert result.wrong_unflagged == [] and result.unread_unflagged == []
    assert result.rate >= 0.995, result
    kinds = {p["kind"] for p in got["problems"]}
    assert "ocr" in kinds and "tables_as_images" not in kinds and "table_not_found" not in kinds
    return report


def _inline(spec: synthetic.ReportSpec) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(tables_picture(spec)).decode()


def test_tables_inline_as_a_data_uri_are_read_by_ocr() -> None:
    spec = synthetic.make_spec(7030, "2021")
    report = _read_by_ocr(_page(spec, _inline(spec)), spec)
    assert report.extras["kind"] == "ocr" and report.format == "2021"


def test_a_picture_not_fetched_or_too_small_leaves_tables_as_images() -> None:
    """Without the picture's bytes (a page read alone) nothing is guessed; an icon is not OCR'd."""
    spec = synthetic.make_spec(7031, "2019")
    for img in ("./W0123.jpg", _icon()):
        report = parse_bytes(_page(spec, img), "https://example.gov.cn/a.html", name="a.html")
        kinds = {p.kind for p in report.problems}
        assert "tables_as_images" in kinds and "ocr" not in kinds, img
        assert report.extras["kind"] == "html"


def test_a_page_with_a_table_as_text_and_the_report_tables_as_a_picture_reads_them_by_ocr() -> None:
    """A body with a small table of its own (the page's 索引号 box, a summary) and the three tables
    pasted as a picture: the text lacks the tables, so the picture is OCR'd — it was not while the
    rule was "no table in the body".  The page stays an HTML report whose cells the OCR doubts."""
    spec = synthetic.make_spec(7032, "2021")
    box = "<table><tr><td>索引号</td><td>000014348/2022-00012</td></tr></table>".encode()
    report = _read_by_ocr(_page(spec, _inline(spec)).replace(b"<h1>", box + b"<h1>", 1), spec)
    assert report.extras["kind"] == "html"


def test_a_page_with_its_tables_as_text_leaves_its_pictures_alone() -> None:
    """Every table present as text: a large picture beside them (a seal, a photo) is not OCR'd."""
    from PIL import Image

    spec = synthetic.make_spec(7033, "2019")
    buf = io.BytesIO()
    Image.new("L", (400, 400), 255).save(buf, "PNG")
    img = b'<p><img src="data:image/png;base64,' + base64.b64encode(buf.getvalue()) + b'"></p>'
    page = render_html(spec, "trs")
    assert b"<table" in page
    report = parse_bytes(page.replace(b"<table", img + b"<table", 1), "https://example.gov.cn/a.html", name="a.html")
    assert "ocr" not in {p.kind for p in report.problems}
    assert score(report.to_dict(), expected(spec)).rate == 1.0


def test_the_crawl_fetches_the_pictures_of_a_page_with_fewer_than_three_tables() -> None:
    """The crawl cannot read the tables, so it counts them: one table in the body and pictures on
    the page's host are fetched (the reader may need them), three tables are not."""
    from crawler.detail import read_detail

    url = "https://www.example.gov.cn/art/2022/a.html"
    for tables, fetched in ((0, True), (1, True), (3, False)):
        body = "<table><tr><td>x</td></tr></table>" * tables + '<p><img src="/pic/t1.jpg"></p>'
        page = read_detail(f"<html><body><div id='zoom'>{body}</div></body></html>", url)
        assert page.pictures_to_fetch(url) == (["https://www.example.gov.cn/pic/t1.jpg"] if fetched else []), tables


@pytest.mark.slow
def test_a_crawled_page_with_its_tables_as_a_picture_is_archived_with_them(tmp_path: Path) -> None:
    import subprocess

    world = DemoWorld(sites=("trs",), counts={})  # the TRS site's real example and its `picture` report
    (doc,) = [d for d in world.docs if d.form == "picture"]
    want = expected(report_spec(doc.source))
    db = tmp_path / "nianbao.db"
    with DemoServer(world) as server:
        registry = tmp_path / "portals.yml"
        registry.write_text(server.registry_yaml(), encoding="utf-8")
        res = subprocess.run(nianbao_cmd("crawl", "--portals", str(registry), "--db", str(db), "--local"),
                             capture_output=True, text=True, timeout=600)
        assert res.returncode in (0, 4), res.stdout + res.stderr[-3000:]  # 4: the TRS site's deliberate wall
        page_url = server.url("trs", world.detail_path(doc))
        picture_url = server.url("trs", world.picture_path(doc))

    def archived() -> tuple[tuple, dict, set[str]]:
        con = sqlite3.connect(db)
        (rid, kind, status), = con.execute("select id, kind, extraction_status from reports where url = ?",
                                           [page_url]).fetchall()
        rows = {(r, c): v for r, c, v in con.execute('select row, "column", value from requests where report_id = ?',
                                                     [rid])}
        kinds = {k for (k,) in con.execute("select kind from problems where report_id = ?", [rid])}
        con.close()
        return (kind, status), rows, kinds

    def right(rows: dict) -> float:
        cells = {(r, c): v for r, cols in want["applications"].items() for c, v in cols.items()}
        return sum(rows.get(k, "absent") == v for k, v in cells.items()) / len(cells)

    (kind, status), rows, kinds = archived()
    assert (kind, status) == ("ocr", "ok")
    assert right(rows) >= 0.995
    assert "ocr" in kinds and "tables_as_images" not in kinds
    con = sqlite3.connect(db)
    pictures = con.execute("select url, status, hints from captures where status = 'picture'").fetchall()
    con.close()
    assert [(u, s) for u, s, _ in pictures] == [(picture_url, "picture")] and page_url in pictures[0][2]

    # read again from the archive alone: the page with its picture, as the crawl read it
    res = subprocess.run(nianbao_cmd("reextract", "--db", str(db)), capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr[-3000:]
    assert "kept" not in res.stdout + res.stderr  # read again with its picture: not the stored rows kept
    again = archived()
    assert again[0] == ("ocr", "ok") and again[1] == rows and "tables_as_images" not in again[2]


# --- saved pages: pictures beside the file ------------------------------------------------------


def _saved_page(folder: Path, spec: synthetic.ReportSpec) -> Path:
    """A page as a browser saves it "complete": report.html and its pictures in report_files/."""
    (folder / "report_files").mkdir(parents=True)
    (folder / "report_files" / "表格 1.jpg").write_bytes(tables_picture(spec))
    page = folder / "report.html"
    page.write_bytes(_page(spec, "report_files/%E8%A1%A8%E6%A0%BC%201.jpg"))
    return page


def test_a_saved_page_is_read_with_the_pictures_in_its_folder(tmp_path: Path) -> None:
    """`nianbao parse` of a saved page: its tables, pictures in report_files/, are OCR'd."""
    import json
    import subprocess

    spec = synthetic.make_spec(7034, "2019")
    page = _saved_page(tmp_path, spec)
    res = subprocess.run(nianbao_cmd("parse", str(page), "--json"), capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    got = json.loads(res.stdout)
    result = score(got, expected(spec))
    assert result.wrong_unflagged == [] and result.unread_unflagged == [] and result.rate >= 0.995, result
    assert "ocr" in {p["kind"] for p in got["problems"]}


def test_a_saved_page_cannot_reach_files_outside_its_folder(tmp_path: Path) -> None:
    """`../`, an absolute path, a file:// URL, a symlink out of the folder, a file that is no
    picture: none is read (nor, by ingest, put in the archive); the picture in the folder is."""
    from extract.files import pictures_beside

    spec = synthetic.make_spec(7035, "2021")
    picture = tables_picture(spec)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.jpg").write_bytes(picture)
    site = tmp_path / "site"
    (site / "p_files").mkdir(parents=True)
    (site / "p_files" / "ok.jpg").write_bytes(picture)
    (site / "p_files" / "link.jpg").symlink_to(outside / "secret.jpg")
    (site / "p_files" / "notes.jpg").write_bytes(b"not a picture at all, a text file named .jpg\n")
    srcs = ["../outside/secret.jpg", str(outside / "secret.jpg"), (outside / "secret.jpg").as_uri(),
            "p_files/link.jpg", "p_files/notes.jpg", "p_files/missing.jpg", "p_files/ok.jpg"]
    page = site / "p.html"
    page.write_bytes(("<html><body><div id='zoom'>" + "".join(f'<p><img src="{s}"></p>' for s in srcs)
                      + "</div></body></html>").encode())
    base = page.resolve().as_uri()
    assert pictures_beside(page, page.read_bytes(), base) == {(site / "p_files" / "ok.jpg").resolve().as_uri(): picture}


def test_ingest_keeps_a_saved_pages_pictures_and_reextract_reads_them_again(tmp_path: Path) -> None:
    import subprocess

    spec = synthetic.make_spec(7036, "2021")
    page = _saved_page(tmp_path / "saved", spec)
    db = tmp_path / "nianbao.db"
    res = subprocess.run(nianbao_cmd("ingest", str(tmp_path / "saved"), "--db", str(db)),
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr[-2000:]

    def archived() -> tuple[str, dict]:
        con = sqlite3.connect(db)
        (rid, kind), = con.execute("select id, kind from reports").fetchall()
        rows = {(r, c): v for r, c, v in con.execute('select row, "column", value from requests where report_id = ?',
                                                     [rid])}
        con.close()
        return kind, rows

    kind, rows = archived()
    cells = {(r, c): v for r, cols in expected(spec)["applications"].items() for c, v in cols.items()}
    assert kind == "ocr" and sum(rows.get(k, "absent") == v for k, v in cells.items()) >= 0.995 * len(cells)
    con = sqlite3.connect(db)
    pictures = con.execute("select url, status, hints from captures where status = 'picture'").fetchall()
    con.close()
    assert [(u, s) for u, s, _ in pictures] == [((page.parent / "report_files" / "表格 1.jpg").resolve().as_uri(),
                                                 "picture")]
    assert page.resolve().as_uri() in pictures[0][2]
    res = subprocess.run(nianbao_cmd("reextract", "--db", str(db)), capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr[-2000:]
    assert "reextracted=1" in res.stdout + res.stderr and "kept" not in res.stdout + res.stderr  # read, not kept
    assert archived() == (kind, rows)
