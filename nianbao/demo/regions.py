"""Where each demo site stands and whose reports it carries: the site regions, declared once.

Why: a district portal publishes the reports of its own district's agencies, one per agency and
year.  The world hands its generated reports out from these districts (world.py), and the portal
registry the server writes names the same regions (server.py); both read `SITE_REGIONS`.
"""

from __future__ import annotations

from collections.abc import Iterator

# Each site is one district's portal: (province, city, district).
SITE_REGIONS: dict[str, tuple[str, str, str]] = {
    "trs": ("北京市", "北京市", "东城区"),
    "hanweb": ("浙江省", "宁波市", "江北区"),
    "gbk": ("北京市", "北京市", "朝阳区"),
    "gkmlpt": ("广东省", "深圳市", "坪山区"),
}
MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")
# What follows a district's name in its agencies' names: the government, its office, the
# departments a district usually has (names vary a little by province; these are common forms).
DISTRICT_BODIES = (
    "人民政府", "人民政府办公室", "发展和改革委员会", "教育委员会", "科学技术和信息化局", "民政局",
    "司法局", "财政局", "人力资源和社会保障局", "生态环境局", "住房和城乡建设委员会", "交通局", "水务局",
    "农业农村局", "商务局", "文化和旅游局", "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局",
    "人民政府国有资产监督管理委员会", "市场监督管理局", "统计局", "医疗保障局", "城市管理委员会", "体育局",
    "政务服务管理局", "园林绿化局", "信访办公室", "民族宗教事务办公室", "档案局", "人民防空办公室",
    "投资促进局", "金融服务办公室", "地方志编纂委员会办公室", "机关事务管理局", "城市管理综合行政执法局",
    "粮食和物资储备局",
)
# Street offices and towns of the four demo districts (real names); other districts get none.
STREETS: dict[str, tuple[str, ...]] = {
    "东城区": ("东华门街道", "景山街道", "交道口街道", "安定门街道", "北新桥街道", "东四街道", "朝阳门街道",
              "建国门街道", "东直门街道", "和平里街道", "前门街道", "崇文门外街道", "东花市街道", "龙潭街道",
              "体育馆路街道", "天坛街道", "永定门外街道"),
    "朝阳区": ("朝外街道", "劲松街道", "建外街道", "呼家楼街道", "八里庄街道", "三里屯街道", "团结湖街道",
              "双井街道", "垡头街道", "左家庄街道", "小关街道", "和平街街道", "酒仙桥街道", "首都机场街道",
              "潘家园街道", "六里屯街道", "麦子店街道", "香河园街道", "亚运村街道", "望京街道"),
    "江北区": ("庄桥街道", "洪塘街道", "甬江街道", "孔浦街道", "文教街道", "白沙街道", "中马街道", "前江街道",
              "慈城镇"),
    "坪山区": ("坪山街道", "马峦街道", "碧岭街道", "石井街道", "坑梓街道", "龙田街道"),
}
# The order in which an agency's report years are handed out: recent pairs of consecutive years
# first (so a small world already has carry-over pairs and both templates), older years only
# when a big world has used every recent (agency, year).  Reports before 2019 followed no national
# template; the generator has only the two national ones, so those years print the 2019 one.
RECENT_BLOCKS = ((2024, 2025), (2020, 2021), (2022, 2023), (2019,))
OLDER_BLOCKS = ((2017, 2018), (2015, 2016), (2013, 2014), (2011, 2012), (2009, 2010), (2008,))


def district_agencies(province: str, city: str, district: str) -> list[tuple[str, str]]:
    """The agencies of one district as (name as printed, name as the archive gives it).

    A municipality's districts keep the municipality (北京市东城区民政局); elsewhere a report is
    titled with the prefecture city (宁波市江北区民政局) and the archive names the body by its
    district alone (江北区民政局), as `nianbao.synthetic.AGENCIES` spell out."""
    prefix = province if province in MUNICIPALITIES else city
    keep = province + district if province in MUNICIPALITIES else district
    bodies = [*DISTRICT_BODIES, *(f"{street}办事处" if street.endswith("街道") else f"{street}人民政府"
                                  for street in STREETS.get(district, ()))]
    return [(f"{prefix}{district}{body}", f"{keep}{body}") for body in bodies]


def agency_years(province: str, city: str, district: str) -> Iterator[tuple[str, str, int]]:
    """Every (printed agency, archive agency, year) of a district, each once, in hand-out order."""
    pool = district_agencies(province, city, district)
    for blocks in (RECENT_BLOCKS, OLDER_BLOCKS):
        for rnd in range(len(blocks)):
            for i, (full, short) in enumerate(pool):
                for year in blocks[(i + rnd) % len(blocks)]:
                    yield full, short, year
