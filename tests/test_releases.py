"""`nianbao export`: citable, versioned releases that never overwrite, with a changelog against the last."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote

import yaml
from conftest import nianbao_cmd
from sqlite_utils import Database

from archive.export import export, file_sha256
from archive.ingest import ingest_paths
from archive.research.definitions import DEFINITIONS_VERSION, INDICATORS
from archive.schema import INTERNAL_TABLES, SCHEMA_VERSION, open_db
from nianbao.synthetic import balanced, render_series_text


def reports_dir(root: Path, *specs: tuple[str, int, int]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for agency, year, seed in specs:
        (root / f"{agency}-{year}.txt").write_bytes(render_series_text(balanced(agency, year, seed)))
    return root


def archive_with(db_path: Path, folder: Path) -> None:
    db = open_db(db_path)
    ingest_paths(db, [folder])
    db.close()


def test_a_release_is_verifiable_and_citable(tmp_path: Path) -> None:
    db_path = tmp_path / "nianbao.db"
    archive_with(db_path, reports_dir(tmp_path / "r", ("北京市海淀区人民政府", 2020, 1), ("北京市东城区人民政府", 2021, 2)))
    db = open_db(db_path)
    db["crawl_urls"].insert({"url": "http://x.invalid/", "status": "captured"})  # internal state to leave out
    db.execute("ANALYZE")
    db.close()
    release = export(db_path, tmp_path / "out", date="2026-01-02")
    assert release.name == "nianbao-2026-01-02.1"
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == SCHEMA_VERSION and manifest["extractor_version"]
    assert manifest["tables"]["reports"]["rows"] == 2 and (release / "csv" / "report_summary.csv").exists()
    # the research layer travels with its codebook and the version of the definitions it was computed under
    assert manifest["definitions_version"] == DEFINITIONS_VERSION
    assert manifest["tables"]["indicator_definitions"]["rows"] == len(INDICATORS)
    assert manifest["tables"]["indicators"]["rows"] == Database(db_path)["indicators"].count > 0
    # every file listed with its checksum, and the checksums are true
    on_disk = {p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == on_disk
    assert all(file_sha256(release / name) == f["sha256"] for name, f in manifest["files"].items())
    # no internal table in the file or the CSVs; the search index is still there (plain sqlite3 can search)
    con = sqlite3.connect(release / "nianbao.db")
    tables = {r[0] for r in con.execute("select name from sqlite_master where type = 'table'")}
    assert not tables & set(INTERNAL_TABLES) and "report_search" in tables
    assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert not {f"csv/{t}.csv" for t in INTERNAL_TABLES} & set(manifest["files"])
    # citable: CITATION.cff and schema.org JSON-LD name this release and its files
    cff = yaml.safe_load((release / "CITATION.cff").read_text(encoding="utf-8"))
    assert (cff["cff-version"], cff["type"], cff["version"], cff["date-released"]) == (
        "1.2.0", "dataset", "2026-01-02.1", "2026-01-02") and cff["authors"] and cff["title"]
    ld = json.loads((release / "dataset.jsonld").read_text(encoding="utf-8"))
    assert (ld["@type"], ld["version"], ld["temporalCoverage"]) == ("Dataset", "2026-01-02.1", "2020/2021")
    listed = {d["contentUrl"]: d["sha256"] for d in ld["distribution"]}
    assert listed["nianbao.db"] == manifest["database"]["sha256"] and "csv/reports.csv" in listed
    assert "First release: 2 reports." in (release / "CHANGELOG.md").read_text(encoding="utf-8")


def test_a_second_export_is_a_new_release_with_a_changelog(tmp_path: Path) -> None:
    """Export, change the archive (one report new, one with other values, one gone), export again
    the same day: two releases side by side, the first untouched, the second saying exactly what changed."""
    db_path = tmp_path / "nianbao.db"
    first_reports = reports_dir(tmp_path / "r1", ("北京市海淀区人民政府", 2020, 1), ("北京市东城区人民政府", 2020, 2),
                                ("北京市西城区人民政府", 2020, 3))
    archive_with(db_path, first_reports)
    out = tmp_path / "out"
    first = export(db_path, out, date="2026-01-02")
    before = {p: file_sha256(p) for p in first.rglob("*") if p.is_file()}
    db = open_db(db_path)
    urls = {unquote(u).rsplit("/", 1)[1][3:6]: u for (u,) in db.execute("select url from reports")}  # 东城区 → URL
    withdrawn = urls["西城区"]  # withdrawn: gone from the archive (one rebuilt without it)
    db.execute("delete from indicators where report_id in (select id from reports where url = ?) "
               "or previous_report_id in (select id from reports where url = ?)", [withdrawn, withdrawn])
    db.execute("delete from leaderboard where report_id in (select id from reports where url = ?)", [withdrawn])
    db.execute("delete from report_quality where report_id in (select id from reports where url = ?) "
               "or text_reuse_report_id in (select id from reports where url = ?)", [withdrawn, withdrawn])
    for table in ("requests", "reviews", "active_disclosure", "checks", "problems", "report_figures",
                  "quality_problems"):
        db.execute(f"delete from {table} where report_id in (select id from reports where url = ?)", [withdrawn])
    db.execute("update captures set report_id = null where report_id in (select id from reports where url = ?)", [withdrawn])
    db.execute("delete from report_versions where report_id in (select id from reports where url = ?)", [withdrawn])
    db.execute("delete from reports where url = ?", [withdrawn])
    db.conn.commit()
    db.close()
    changed_file = first_reports / "北京市东城区人民政府-2020.txt"
    changed_file.write_bytes(render_series_text(balanced("北京市东城区人民政府", 2020, 99)))  # other values, same URL
    reports_dir(first_reports, ("北京市朝阳区人民政府", 2021, 4))
    archive_with(db_path, first_reports)
    second = export(db_path, out, date="2026-01-02")
    assert (first.name, second.name) == ("nianbao-2026-01-02.1", "nianbao-2026-01-02.2")
    assert {p: file_sha256(p) for p in first.rglob("*") if p.is_file()} == before  # never overwritten
    diff = json.loads((second / "changes.json").read_text(encoding="utf-8"))
    new_url = next(u for (u,) in sqlite3.connect(db_path).execute("select url from reports") if "朝阳区" in unquote(u))
    assert diff["previous_release"] == "2026-01-02.1"
    assert (diff["new"], diff["changed"], diff["withdrawn"]) == ([new_url], [urls["东城区"]], [withdrawn])
    assert diff["unchanged"] == 1 and diff["reports"] == 3
    log = (second / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "1 new, 1 changed, 1 withdrawn, 1 unchanged" in log and new_url in log and withdrawn in log
    assert json.loads((second / "manifest.json").read_text(encoding="utf-8"))["changes"] == {
        "new": 1, "changed": 1, "withdrawn": 1}


def test_export_command_uses_the_default_archive(tmp_path: Path) -> None:
    """`nianbao export` with no --db reads the archive every command defaults to (NIANBAO_DB, else nianbao.db)."""
    archive_with(tmp_path / "nianbao.db", reports_dir(tmp_path / "r", ("北京市海淀区人民政府", 2020, 1)))
    res = subprocess.run(nianbao_cmd("export", "--out", "releases"), capture_output=True, text=True, cwd=tmp_path,
                         timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert res.returncode == 0, res.stderr
    (release,) = (tmp_path / "releases").glob("nianbao-*")
    assert Path(res.stdout.strip()).name == release.name
    assert Database(release / "nianbao.db")["reports"].count == 1
