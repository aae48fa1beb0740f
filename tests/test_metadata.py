"""Title, agency and year from the places real reports put them."""

from __future__ import annotations

import pytest

from extract.metadata import read_metadata
from extract.model import Document, Paragraph


def meta_of(paragraphs: list[str], meta: dict[str, str] | None = None, hints: dict[str, str] | None = None):
    doc = Document(kind="text", blocks=[Paragraph(p) for p in paragraphs], meta=meta or {})
    return read_metadata(doc, hints)


@pytest.mark.parametrize(
    ("title", "agency", "year"),
    [
        ("北京市通州区人民政府办公室2020年政府信息公开工作年度报告", "北京市通州区人民政府办公室", 2020),
        ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "上海市人民政府办公厅", 2019),
        ("北京市人民政府2021年度政府信息公开工作年度报告", "北京市人民政府", 2021),
        ("关于印发《重庆市北碚区财政局2022年政府信息公开工作年度报告》的通知", "重庆市北碚区财政局", 2022),
        ("淮安市洪泽区人民政府2024年政府信息公开工作年度报告", "洪泽区人民政府", 2024),
        ("江苏省淮安市人民政府2023年政府信息公开工作年度报告", "淮安市人民政府", 2023),
        ("宿州市人民政府二〇一九年政府信息公开工作年度报告（图片版）", "宿州市人民政府", 2019),
        ("东城区东华门街道2025年政府信息公开工作年度报告", "东城区东华门街道", 2025),
    ],
)
def test_title_gives_agency_and_year(title: str, agency: str, year: int) -> None:
    m = meta_of([title, "一、总体情况"])
    assert (m.title, m.agency, m.year) == (title, agency, year)


def test_title_broken_over_lines_is_joined() -> None:
    m = meta_of(["淮安市洪泽区人民政府", "2024 年政府信息公开", "工作年度报告", "本报告由淮安市洪泽区人民政府办公室根据《条例》编制。"])
    assert m.title == "淮安市洪泽区人民政府2024年政府信息公开工作年度报告"
    assert (m.agency, m.year) == ("洪泽区人民政府", 2024)


def test_body_names_the_agency_when_the_title_does_not() -> None:
    m = meta_of([" 政府信息公开工作年度报告", "一、总体情况", "2020年度，北京市东城区以习近平新时代中国特色社会主义思想为指导，全面贯彻。"])
    assert (m.agency, m.year) == ("北京市东城区", 2020)


def test_page_metadata_names_an_agency_the_body_calls_only_我局() -> None:
    m = meta_of(["政府信息公开工作年度报告", "2023年，我局认真贯彻落实《条例》。"], meta={"mt:publisher": "北京市朝阳区民政局"})
    assert m.agency == "北京市朝阳区民政局"


def test_crawler_hints_win_and_dates_are_normalised() -> None:
    m = meta_of(["年度报告"], hints={"title": "某某镇2021年政府信息公开工作年度报告", "pub_date": "2022/1/20"})
    assert (m.title, m.agency, m.year, m.pub_date) == ("某某镇2021年政府信息公开工作年度报告", "某某镇", 2021, "2022-01-20")


def test_statistical_period_beats_a_mistyped_year_in_the_body() -> None:
    m = meta_of(["政府信息公开工作年度报告", "本报告中所列数据统计期限自2021年1月1日起至2021年12月31日止。",
                 "一、总体情况", "2012年，我局认真贯彻"])
    assert m.year == 2021


def test_reports_before_2019_are_legacy_with_no_template_rows() -> None:
    from extract import parse_bytes

    text = "北京市某区2017年政府信息公开工作年度报告\n一、概述\n\t行政复议\n\t3\n\n\t行政诉讼\n\t1\n"
    report = parse_bytes(text.encode(), "old.txt", name="old.txt")
    assert (report.year, report.format) == (2017, "legacy")
    assert not report.requests and not report.reviews and not report.active_disclosure
    assert not [p for p in report.problems if p.kind == "table_not_found"]
