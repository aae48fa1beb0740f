"""What a capture says, judged without a crawl: which charset its bytes are really in (item 7), and
whether new bytes of a page show new content or only new furniture (item 6)."""

from __future__ import annotations

import pytest

from archive.captures import content_fingerprint
from extract.encoding import decode, plausibility

PAGE = ('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={cs}">'
        "<title>深圳市坪山区2025年政府信息公开工作年度报告</title></head><body><div class=\"header\">首页</div>"
        "<h1>深圳市坪山区2025年政府信息公开工作年度报告</h1><div class=\"article-content\"><p>本年度共收到政府信息公开"
        "申请25件，办结24件；网站总访问量123万次。一、总体情况……二、主动公开政府信息情况……</p></div></body></html>")


@pytest.mark.parametrize(("declared", "real", "used"), [
    ("cp1251", "gbk", "gb18030"), ("koi8-r", "utf-8", "utf-8"), ("iso-8859-5", "gb18030", "gb18030"),
    ("windows-1250", "gbk", "gb18030"), ("gb2312", "utf-8", "utf-8"), ("utf-8", "gbk", "gb18030"),
    ("latin-1", "gbk", "gb18030"), ("gbk", "gbk", "gb18030"), ("utf-8", "utf-8", "utf-8")])
def test_a_declared_charset_is_used_only_when_the_page_reads(declared: str, real: str, used: str) -> None:
    data = PAGE.format(cs=declared).encode(real)
    for header in (declared, None):  # declared in the header and the <meta>, or in the <meta> only
        text, enc = decode(data, header)
        assert enc == used, (declared, real, header, enc)
        assert "深圳市坪山区2025年政府信息公开工作年度报告" in text


def test_a_page_really_in_its_declared_single_byte_charset_is_left_alone() -> None:
    data = "<html><body>Отчёт о работе по раскрытию информации за 2025 год</body></html>".encode("cp1251")
    assert decode(data, "cp1251")[1] == "cp1251"
    assert decode(b"<html><body>annual report 2025</body></html>", "koi8-r")[1] == "koi8-r"  # ASCII reads in anything


def test_plausibility() -> None:
    good = "深圳市坪山区2025年政府信息公开工作年度报告"
    assert plausibility(good) == 1.0
    assert plausibility(good.encode("gbk").decode("cp1251", "replace")) < 0
    assert plausibility(good.encode("utf-8").decode("koi8-r")) < 0
    assert plausibility("plain ascii") == 1.0


def _page(counter: int, clock: str, token: str, body: str = "本年度共收到申请25件。") -> bytes:
    return (f'<html><head><title>2025年年度报告</title><meta name="csrf-token" content="{token}">'
            f'<meta name="ArticleTitle" content="2025年年度报告"></head><body><div class="top">'
            f'<span id="nowTime">{clock}</span><input type="hidden" name="t" value="{token}"></div>'
            f'<h1>2025年政府信息公开工作年度报告</h1><div class="info">发布日期：2026-01-20 浏览次数：{counter}</div>'
            f'<div class="TRS_Editor"><p>{body}网站总访问量123万次。</p><p>一、总体情况。二、主动公开政府信息情况。</p>'
            f'<img src="./W020260120.png?t={token}"></div><script>var _hmt="{token}";</script>'
            f"<!-- {counter} ms --></body></html>").encode()


def test_furniture_does_not_change_the_fingerprint_and_content_does() -> None:
    a = content_fingerprint(_page(101, "今天是2026年1月5日 星期一 10:01:02", "x9f3"))
    b = content_fingerprint(_page(2345, "今天是2026年1月6日 星期二 23:59:59", "k2p7"))
    assert a is not None and a == b
    assert content_fingerprint(_page(101, "", "x9f3", body="本年度共收到申请26件。")) != a  # a real edit
    # a report's own figure that looks like a counter is content: 访问量 without a label's colon
    edited = _page(101, "", "x9f3").replace("总访问量123万次".encode(), "总访问量124万次".encode())
    assert content_fingerprint(edited) != a
    assert content_fingerprint(b"%PDF-1.7\n...") is None  # files are judged by their bytes
    assert content_fingerprint(b"<html><body><p>short</p></body></html>") is None  # too little to judge
