"""The demo world's content model: whose reports each portal carries.

Why: a district portal publishes the reports of its own district's agencies, one per agency and
year; a demo that mixes another province's agency into a Beijing district by accident, or files
the same agency's year twice, teaches the archive (regions, carry-over, duplicates) the wrong
things.  One cross-region report is there on purpose (world.CROSS_REGION_EXAMPLE).
"""

from __future__ import annotations

from collections import Counter

import pytest

from archive.regions import place_report
from nianbao.demo import DemoWorld
from nianbao.demo.model import CROSS_REGION_EXAMPLE, SITES
from nianbao.demo.regions import SITE_REGIONS, agency_years, district_agencies


def _generated(world: DemoWorld) -> list:
    return [d for d in world.docs if d.source[0] == "gen"]


@pytest.mark.parametrize("scale", [1, 12])
def test_generated_reports_are_by_the_portals_own_district(scale: int) -> None:
    world = DemoWorld(scale=scale)
    for doc in _generated(world):
        province, city, district = SITE_REGIONS[doc.site]
        prefix = (province if province in ("北京市", "上海市", "天津市", "重庆市") else city) + district
        assert doc.agency.startswith(prefix), (doc.site, doc.agency)
        assert doc.agency in doc.title  # the title names the same agency the page's 发布机构 shows
        assert str(doc.source[5]) in doc.title


def test_every_report_but_one_is_by_an_agency_of_its_portals_district() -> None:
    """Read as the archive reads them (archive.regions.place_report on the agency and the title,
    the site's region as the portal's), the demo's reports are their portal's district's, with no
    region problem — except the one deliberate cross-region example, which is 上海市's."""
    world = DemoWorld(scale=2)
    for doc in world.docs:
        province, city, district = SITE_REGIONS[doc.site]
        placement = place_report(doc.agency, doc.title, province=province, city=city, district=district)
        if doc.source == ("example", CROSS_REGION_EXAMPLE):
            assert placement.region.province == "上海市" != province
            assert [p.kind for p in placement.problems] == ["region_conflict"]
            continue
        region = placement.region
        assert (region.province, region.city, region.district) == (province, city, district), (doc.site, doc.title)
        assert placement.problems == [], (doc.site, doc.title)
    assert sum(d.source == ("example", CROSS_REGION_EXAMPLE) for d in world.docs) == 1


@pytest.mark.parametrize("scale", [1, 12])
def test_agency_and_year_unique_in_a_world(scale: int) -> None:
    world = DemoWorld(scale=scale)
    world.add_reports(20)
    pairs = Counter((d.agency, d.source[5]) for d in _generated(world))
    assert pairs and max(pairs.values()) == 1
    # nor does a generated report repeat a real example's agency and year (东城区人民政府 2020)
    examples = [d for d in world.docs if d.source[0] == "example"]
    for ex in examples:
        assert not any(d.agency == ex.agency and str(d.source[5]) in ex.title for d in _generated(world))


def test_a_small_world_has_consecutive_years_and_both_templates() -> None:
    """carry_over (tests/test_crawl.py) needs an agency's consecutive years; the extractor both templates."""
    gen = _generated(DemoWorld(scale=1))
    years: dict[str, set[int]] = {}
    for d in gen:
        years.setdefault(d.agency, set()).add(d.source[5])
    assert any(y + 1 in ys for ys in years.values() for y in ys)
    assert {d.source[2] for d in gen} == {"2019", "2021"}
    assert all(d.source[2] == ("2021" if d.source[5] >= 2021 else "2019") for d in gen)


def test_a_world_of_one_portal_for_any_district() -> None:
    world = DemoWorld(sites=("gkmlpt",), regions={"gkmlpt": ("江苏省", "南京市", "鼓楼区")}, counts={"721": 30},
                      examples=False)
    assert {d.site for d in world.docs} == {"gkmlpt"} and len(world.docs) == 30
    assert all(d.agency.startswith("南京市鼓楼区") for d in world.docs)


def test_the_pool_ends_with_an_error_not_a_repeat() -> None:
    region = ("江苏省", "南京市", "鼓楼区")
    pool = list(agency_years(*region))
    assert len(pool) == len(set(pool)) == len(district_agencies(*region)) * 18  # 2008–2025
    world = DemoWorld(sites=("gbk",), regions={"gbk": region}, counts={"gknb": len(pool)}, examples=False,
                      generated=True)
    assert len(world.docs) == len(pool)
    with pytest.raises(ValueError, match="every"):
        world.add_reports(1)


def test_every_site_has_a_region() -> None:
    assert set(SITE_REGIONS) == set(SITES)


def test_reports_are_published_the_year_after_the_year_they_report_on() -> None:
    """The list and the page show a date early in Y + 1 for a report on year Y, as real portals
    do (the deadline is 31 January), never a date before the year has ended."""
    import re

    world = DemoWorld(scale=4)
    for doc in world.docs:
        year = doc.source[5] if doc.source[0] == "gen" else int(re.search(r"20\d\d", doc.title).group())
        assert doc.pub_date.year == year + 1, (doc.title, doc.pub_date)
