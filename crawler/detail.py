"""Read a detail page: its metadata, where its report is (in the page or in attachments), and
whether it is printed as images only.

Metadata comes first from the standard `<meta>` tags government-website rules require
(ArticleTitle, PubDate, ContentSource; parsed by attribute, since templates swap the order), then
from the visible 日期/来源 line, then from the 信息公开 metadata table (索引号, 发布机构, 文号,
成文日期 …, labels written with inner spaces and either colon).  Attachments are links to report
files (PDF, DOC, DOCX, WPS, XLS, RTF …), Hanweb `downfile.jsp` links, `/attachment/` paths, PDFs
in iframes/embeds/pdf.js viewers, and links that exist only inside a `<script>` string.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from parsel import Selector

# The file extensions a report's attachment comes under (the extractor reads all but OFD and zip,
# which it refuses with one line); crawler.discover and the hostile-page check use the same list.
ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ods", "odt", "rtf", "ofd", "txt", "zip")
_EXT_RE = re.compile(r"\.(" + "|".join(ATTACHMENT_EXTENSIONS) + r")$", re.I)
_DOWNLOAD_RE = re.compile(r"downfile\.jsp|/attachment/|/attach/|download\.jsp|/download/", re.I)
_SCRIPT_HREF = re.compile(r"""(?:href|src)\s*=\s*\\?["']([^"'\\]+?\.(?:""" + "|".join(ATTACHMENT_EXTENSIONS)
                          + r"""))\\?["']""", re.I)
_VIEWER = re.compile(r"viewer\.html?\?file=([^&\"']+)", re.I)

# Containers portals put the article body in (TRS, UEditor-era TRS, Hanweb, gkmlpt, generic).
BODY_XPATH = ("//div[contains(@class,'TRS_Editor') or contains(@class,'trs_editor_view') or "
              "contains(@class,'TRS_PreAppend') or @id='zoom' or contains(@class,'article-content') or "
              "@id='ivs_content' or contains(@class,'xxgk_content') or @class='content' or contains(@class,'Custom_UnionStyle')]")

DATE_LABELS = ("发布日期", "发布时间", "发文日期", "成文日期", "公文生成日期", "生成日期", "日期", "时间")
SOURCE_LABELS = ("信息来源", "来源", "发布机构", "公开部门", "发文机关", "所属机构")
TABLE_LABELS = {"索引号": "index_no", "发布机构": "publisher", "文号": "doc_no", "发文字号": "doc_no",
                "成文日期": "written_date", "发文日期": "written_date", "发布日期": "pub_date", "名称": "name",
                "分类": "category", "主题分类": "category", "公开属性": "openness"}
_DATE = r"(\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)"
_LINE_DATE = re.compile(r"(?:" + "|".join(DATE_LABELS) + r")\s*[:：]\s*\[?" + _DATE)
_LINE_SOURCE = re.compile(r"(?:" + "|".join(SOURCE_LABELS) + r")\s*[:：]\s*([^\s:：|]{2,40})")
_SPACES = re.compile(r"[\s\u3000\xa0]+")


@dataclass
class Attachment:
    url: str
    name: str


@dataclass
class DetailPage:
    title: str | None
    pub_date: str | None
    source: str | None
    metas: dict[str, str]
    table: dict[str, str]
    attachments: list[Attachment] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    body_text_len: int = 0
    body_tables: int = 0

    def pictures_to_fetch(self, url: str) -> list[str]:
        """The body's pictures the extractor may need as the report's tables: a page with no
        attachment and fewer tables in its body than the report's three (the tables pasted as
        images, some of them, or the report one picture per page).  The HTML reader OCRs them
        when the body's text lacks one of the three tables; the crawl cannot read the tables, so
        it counts them, and fetches for a page the reader will not OCR rather than miss one it
        will.  Only pictures on the page's own host (not a CDN's logo, not another site's counter
        pixel); `data:` pictures are in the page already.  In body order, each once."""
        if self.attachments or self.body_tables >= 3:
            return []
        host = urlsplit(url).hostname
        out: list[str] = []
        for src in self.images:
            parts = urlsplit(src)
            if parts.scheme in ("http", "https") and parts.hostname == host and src not in out:
                out.append(src)
        return out

    @property
    def image_only(self) -> bool:
        """A report printed as pictures: images in the body, hardly any text, no attachment."""
        return bool(self.images) and not self.attachments and self.body_text_len < 120

    def metadata(self) -> dict[str, str]:
        out = {f"meta_{k}": v for k, v in self.metas.items() if k in (
            "ArticleTitle", "PubDate", "ContentSource", "ColumnName", "SiteName", "SiteIDCode", "Maketime")}
        out.update(self.table)
        return out


def is_attachment_url(url: str) -> bool:
    path = urlsplit(url).path
    if _EXT_RE.search(path):
        return True
    if _DOWNLOAD_RE.search(url):
        name = parse_qs(urlsplit(url).query).get("filename", [""])[0]
        return not name or bool(_EXT_RE.search(name))
    return False


def normalise_date(text: str | None) -> str | None:
    if not text:
        return None
    m = re.search(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})", text)
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def clean_label(text: str) -> str:
    return _SPACES.sub("", text).strip(":：")


def read_detail(text: str, url: str) -> DetailPage:
    sel = Selector(text=text)
    metas: dict[str, str] = {}
    for m in sel.xpath("//meta[@name and @content]"):
        metas.setdefault(m.attrib["name"], m.attrib["content"].strip())
    body_nodes = sel.xpath(BODY_XPATH)
    body = body_nodes[0] if body_nodes else sel.xpath("//body") or sel
    body_sel = body[0] if isinstance(body, list) else body
    # Text nodes through lxml, not parsel: `.getall()` wraps every node in a Selector first (the
    # same strings, at ten times the cost on a page of a few hundred nodes).
    visible = _SPACES.sub(" ", " ".join(_texts(sel, "//body//text()[not(ancestor::script) and not(ancestor::style)]")))
    title = metas.get("ArticleTitle") or _first(sel.xpath("//h1//text()").getall()) or _title_tag(sel)
    date_m = _LINE_DATE.search(visible)
    source_m = _LINE_SOURCE.search(visible)
    table = _metadata_table(sel)
    pub_date = normalise_date(metas.get("PubDate") or metas.get("Maketime") or (date_m.group(1) if date_m else None)
                              or table.get("pub_date") or table.get("written_date"))
    source = metas.get("ContentSource") or (source_m.group(1) if source_m else None) or table.get("publisher")
    page = DetailPage(title=html.unescape(title).strip() if title else None, pub_date=pub_date, source=source,
                      metas=metas, table=table)
    page.attachments = _attachments(sel, body_sel, text, url)
    page.images = [urljoin(url, s.strip()) for s in body_sel.xpath(".//img/@src").getall()]
    page.body_tables = len(body_sel.xpath(".//table"))
    page.body_text_len = len(_SPACES.sub("", "".join(_texts(body_sel, ".//text()[not(ancestor::script)]"))))
    return page


def _texts(sel: Selector, xpath: str) -> list[str]:
    """`sel.xpath(xpath).getall()` for an expression that selects text nodes, without a Selector per
    node and without lxml's "smart" strings (each keeps a proxy of its parent element, whose class
    lookup alone was the largest cost of a page here)."""
    root = sel.root
    if not hasattr(root, "xpath"):  # a text or attribute selector: nothing below it
        return sel.xpath(xpath).getall()
    return root.xpath(xpath, smart_strings=False)


def _first(values: list[str]) -> str | None:
    for v in values:
        if v.strip():
            return v.strip()
    return None


def _title_tag(sel: Selector) -> str | None:
    title = _first(sel.xpath("//title/text()").getall())
    if not title:
        return None
    # Hanweb titles are "站名 栏目 标题", others "标题_站名" or "标题-站名": keep the part naming a report
    parts = [p for p in re.split(r"\s+|_|-|\|", title) if p]
    for p in reversed(parts):
        if re.search(r"年度报告|年报", p):
            return p
    return parts[0] if parts else None


_LINE_LABEL = re.compile(r"^(索引号|发布机构|文号|成文日期|发文日期|发布日期)[:：](.+)$")


def _metadata_table(sel: Selector) -> dict[str, str]:
    """Label/value pairs from the 信息公开 table, in alternating cells or `label：value` spans.

    Walks lxml's tree directly: a parsel `xpath()` per cell and per li/span/p (≈ 400 per detail
    page) was the largest single cost of a crawl without extraction.  A cell's text is
    `itertext()` (= its `.//text()` nodes) and a node's own text its `.text` plus its children's
    tails (= `./text()`); whitespace between them is removed anyway, so the labels and values are
    exactly the XPath ones."""
    out: dict[str, str] = {}
    root = sel.root
    if not hasattr(root, "iter"):  # parsel had nothing to parse
        return out
    cells = [clean_label("".join(td.itertext())) for td in root.xpath("//table//td | //table//th")]
    for label, value in zip(cells, cells[1:], strict=False):
        key = TABLE_LABELS.get(label)
        if key and key not in out and clean_label(value) not in TABLE_LABELS:
            out[key] = value
    # only nodes with a colon somewhere in them can hold `label：value` (C-speed prefilter)
    for node in root.xpath("//*[self::li or self::span or self::p][contains(., ':') or contains(., '：')]"):
        parts = [node.text or ""]
        parts.extend(child.tail or "" for child in node)
        text = _SPACES.sub("", "".join(parts))
        m = _LINE_LABEL.match(text)
        if m and TABLE_LABELS[m.group(1)] not in out:
            out[TABLE_LABELS[m.group(1)]] = m.group(2)
    return out


def _attachments(sel: Selector, body: Selector, text: str, url: str) -> list[Attachment]:
    found: dict[str, Attachment] = {}

    def add(href: str, name: str) -> None:
        href = html.unescape(href.strip())
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            return
        absolute = urljoin(url, href)
        if absolute.split("#")[0] == url.split("#")[0]:
            return
        if is_attachment_url(absolute) and absolute not in found:
            found[absolute] = Attachment(absolute, _SPACES.sub(" ", name).strip() or unquote(absolute.rsplit("/", 1)[-1]))

    for a in sel.xpath("//a[@href]"):
        add(a.attrib["href"], " ".join(a.xpath(".//text()").getall()) or a.attrib.get("title", ""))
    for node in sel.xpath("//iframe[@src] | //embed[@src] | //object[@data]"):
        src = node.attrib.get("src") or node.attrib.get("data") or ""
        viewer = _VIEWER.search(src)
        add(unquote(viewer.group(1)) if viewer else src, "")
    for script in sel.xpath("//script/text()").getall():  # `var file_appendix='<a href="…pdf">…</a>'`
        for m in _SCRIPT_HREF.finditer(script):
            tail = script[m.end():m.end() + 200]
            name = re.match(r"[^>]*>([^<]+)<", tail)
            add(m.group(1), name.group(1) if name else "")
    return list(found.values())
