"""Title, agency, report year and publication date of a report.

Sources are tried from the most to the least reliable: what the crawler saw on the portal (hints),
the page's own metadata (`<meta>` tags, the 信息公开 table), the title, then the body.  Some
bodies never name their agency (`我局`), and dates typed in bodies can be wrong, so the year is
read from the title first and the body's statistical period next, never from a URL.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .labels import normalize, squash
from .model import Document, Grid, Paragraph, Report

_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_CN_YEAR = re.compile(r"([〇○零Ｏ一二三四五六七八九]{4})年")
_YEAR = re.compile(r"(?<!\d)(20[0-4]\d|199\d)\s*年")
_REPORT_WORDS = re.compile(r"(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?(?:报告|年报)|年度报告|年报")
_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜]|--|—|－\s)\s*")
_AGENCY_SUFFIX = (
    r"(?:人民政府(?:办公室|办公厅)?|政府办公室|政府办|政府|办公室|办公厅|委员会|管理委员会|管委会|委|局|厅|署|办|"
    r"中心|院|所|街道办事处|街道|办事处|镇|乡|区|县|市|旗|分局|支队|大队|总队|公司|部|会|处|站|馆|社|园)"
)
_AGENCY = re.compile(r"^[\u4e00-\u9fa5（）()]{2,40}?" + _AGENCY_SUFFIX + "$")
_BODY_AGENCY = [
    re.compile(r"^(?:20\d\d年度?[，,、]?\s*)([\u4e00-\u9fa5]{2,30}?" + _AGENCY_SUFFIX + r")"
               r"(?:以|坚持|认真|深入|全面|严格|紧紧|紧扣|围绕|按照|在|始终|持续|进一步|高度|聚焦|立足|扎实|积极|不断|依法|着力|继续|大力|对照|结合|切实|共|主动)"),
    re.compile(r"([\u4e00-\u9fa5]{2,30}?" + _AGENCY_SUFFIX + r")(?:20\d\d年度?)?(?:政府信息公开|信息公开)工作年度报告"),
    re.compile(r"本(?:年度)?报告(?:是)?由([\u4e00-\u9fa5]{2,30}?" + _AGENCY_SUFFIX + r")(?:根据|依据|按照|编制|负责|依照)"),
]
_PERIOD = re.compile(r"(?:统计期限|统计时限|统计时间|统计区间|数据统计|所列数据)[^。]{0,12}?(20\d\d)\s*年\s*1\s*月\s*1\s*日")
_DATE = re.compile(r"(20\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# Province-level municipalities keep their name in an agency's; a prefecture city before a
# county-level unit is dropped (淮安市洪泽区人民政府 → 洪泽区人民政府), as portals name them.
_MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")
_CITY_PREFIX = re.compile(r"^(?:[\u4e00-\u9fa5]{2,7}?(?:省|自治区))?([\u4e00-\u9fa5]{2,6}?(?:市|自治州|地区|盟))(?=[\u4e00-\u9fa5]{1,6}?(?:区|县|旗|自治县|县级市)(?:人民政府|政府|委员会|[\u4e00-\u9fa5]{0,12}?(?:局|办|委|室|厅|中心|街道|镇|乡)|$))")
_PROVINCE_PREFIX = re.compile(r"^(?:[\u4e00-\u9fa5]{2,7}?(?:省|自治区))(?=[\u4e00-\u9fa5]{2,6}?(?:市|自治州|地区|盟))")
_BAD_AGENCY = ("网站", "门户", "首页", "本网", "政府信息公开", "年度报告", "本机关", "我局", "我委", "我办")


@dataclass
class Metadata:
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    pub_date: str | None = None


def read_metadata(doc: Document, hints: dict[str, str] | None = None) -> Metadata:
    hints = hints or {}
    meta = doc.meta
    paras = _leading_paragraphs(doc)
    title = hints.get("title") or meta.get("meta:articletitle") or _title_from_body(paras) or _html_title(meta) \
        or meta.get("mt:name") or meta.get("docx:title")
    title = re.sub(r"\s+", " ", title).strip() if title else None
    pub_date = _date(hints.get("pub_date") or meta.get("meta:pubdate") or meta.get("mt:pub_date")
                     or meta.get("meta:maketime") or meta.get("meta:publishdate") or "")
    return Metadata(
        title=title,
        agency=_agency(hints, meta, title, paras),
        year=_year(title, paras, pub_date),
        pub_date=pub_date,
    )


def _leading_paragraphs(doc: Document, limit: int = 40) -> list[str]:
    out: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            out.append(block.text.strip())
        elif isinstance(block, Grid) and out:
            break  # metadata lives before the first table
        if len(out) >= limit:
            break
    return [p for p in out if p]


def _html_title(meta: dict[str, str]) -> str | None:
    t = meta.get("html_title")
    if not t:
        return None
    parts = [p for p in _TITLE_SPLIT.split(t) if p.strip()]
    for p in parts:
        if _REPORT_WORDS.search(p):
            return p.strip()
    return parts[0].strip() if parts else None


def _title_line(s: str) -> bool:
    """A short line that can be part of a title broken over lines (no sentence, no label:value)."""
    return 0 < len(s) <= 40 and not re.search(r"[。，；：:]|〔\d{4}〕|^\d+[.、．]|^第.+页|根据|依据|本报告|按照", s)


def _title_from_body(paras: list[str]) -> str | None:
    """The first run of up to three short lines that together name a report and end with
    报告/年报: titles are broken anywhere (`…工作年度` / `报告`, `淮安市洪泽区人民政府` / `2024年…`)."""
    lines = [squash(p) for p in paras[:10]]
    for i in range(len(lines)):
        for j in range(i, min(i + 3, len(lines))):
            if not _title_line(lines[j]):
                break
            joined = "".join(lines[i: j + 1])
            if _REPORT_WORDS.search(joined) and re.search(r"(?:报告|年报)(?:[（(][^）)]{1,12}[）)])?(?:》的通知)?$", joined):
                return joined
    return None


def _clean_agency(name: str | None) -> str | None:
    if not name:
        return None
    name = normalize(name).strip("《》〈〉\"'“”：:，,。 ")
    name = re.sub(r"^(?:关于印发|关于公布|关于发布|关于)", "", name)
    name = re.sub(r"(?:20\d\d|[〇○零一二三四五六七八九]{4})年度?$", "", name)
    name = re.sub(r"^(?:20\d\d|[〇○零一二三四五六七八九]{4})年度?", "", name)
    name = re.sub(r"(?:关于)?$", "", name)
    if not name or len(name) < 2 or len(name) > 40 or any(b in name for b in _BAD_AGENCY):
        return None
    if not _AGENCY.match(name):
        return None
    if not name.startswith(_MUNICIPALITIES):
        m = _CITY_PREFIX.match(name)
        if m:
            name = name[m.end():]
        else:
            name = _PROVINCE_PREFIX.sub("", name)
    return name


def _agency(hints: dict[str, str], meta: dict[str, str], title: str | None, paras: list[str]) -> str | None:
    if cleaned := _clean_agency(hints.get("agency")):
        return cleaned
    if title:
        t = squash(title)
        t = re.sub(r"[（(](?:图片版|附政策解读|超链版|全文|正文|修订版)[）)]$", "", t)
        inner = re.search(r"《([^》]+)》", t)
        if inner:
            t = inner.group(1)
        for words in ("政府信息公开", "政务公开", "信息公开"):
            m = re.match(rf"^(.*){words}(?:工作)?(?:年度)?(?:报告|年报)", t)
            if m:
                break
        m = m or re.match(r"^(.*)(?:年度报告|年报)", t)
        if m and (cleaned := _clean_agency(m.group(1))):
            return cleaned
    # the page says who published it: 发布机构 in the 信息公开 table, then ContentSource
    for candidate in (hints.get("publisher"), meta.get("mt:publisher"), meta.get("meta:contentsource"),
                      meta.get("mt:source_line")):
        if cleaned := _clean_agency(candidate):
            return cleaned
    for p in paras[:30]:
        s = squash(p)
        for pattern in _BODY_AGENCY:
            m = pattern.search(s)
            if m and (cleaned := _clean_agency(m.group(1))):
                return cleaned
    return None


def _cn_year(text: str) -> str:
    return _CN_YEAR.sub(lambda m: "".join(_CN_DIGITS.get(c, c) for c in m.group(1)) + "年", text)


def _plausible(y: int) -> bool:
    return 2000 <= y <= 2100


def _year(title: str | None, paras: list[str], pub_date: str | None) -> int | None:
    if title:
        t = _cn_year(squash(title))
        years = [int(y) for y in _YEAR.findall(t) if _plausible(int(y))]
        if years:
            return years[0]
    text = _cn_year(squash("\n".join(paras[:40])))
    m = _PERIOD.search(text)
    if m:
        return int(m.group(1))
    pub_year = int(pub_date[:4]) if pub_date else None
    first = re.search(r"(?:总体情况|总体工作情况)\s*(?:\n)?(20\d\d)\s*年", text)
    if first:
        return int(first.group(1))
    counts = Counter(int(y) for y in _YEAR.findall(text[:4000]) if _plausible(int(y)))
    if pub_year:
        for y in (pub_year - 1, pub_year):
            if counts.get(y):
                return y
    if counts:
        return counts.most_common(1)[0][0]
    if pub_date and pub_year:
        return pub_year - 1 if int(pub_date[5:7]) <= 6 else pub_year
    return None


def _date(text: str) -> str | None:
    m = _DATE.search(text or "")
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def page_meta(report: Report) -> dict[str, str]:
    """Who the document says published it (an HTML report's ContentSource meta or 发布机构 cell) and
    on which site (SiteName), read for the report's region: kept in `report.extras["page"]` by a
    parse in another process, read from the in-memory document otherwise."""
    if report.extras.get("page") is not None:
        return report.extras["page"]
    doc = report.extras.get("document")
    meta = getattr(doc, "meta", None) or {}
    source = meta.get("mt:publisher") or meta.get("meta:contentsource")
    site = meta.get("meta:sitename")
    return {k: v for k, v in (("source", source), ("site_name", site)) if v}
