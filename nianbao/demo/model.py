"""The demo world's shared model: its sites, their list columns, the documents they publish.

Why one module: every site family (trs.py, hanweb.py, gbk.py, gkmlpt.py) renders the same
documents from the same columns, and the tests and benchmarks build other worlds from them; what
sits where is declared here once, and how each family shows it lives in the family's module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

SITES = ("trs", "hanweb", "gbk", "gkmlpt")
BASE_DATE = dt.date(2024, 1, 8)
# A fixed Last-Modified for version 1 of every document; a changed version moves it forward.
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

Response = tuple[int, dict[str, str], bytes]


@dataclass
class Column:
    """One list column: where it lives, how it paginates, how many reports a page shows."""

    site: str
    key: str
    path: str  # directory (TRS, GBK) or column page (Hanweb) or category id (gkmlpt)
    label: str
    pager: str  # trs_a | trs_b | hanweb_get | hanweb_post | next_link | gkmlpt
    per_page: int
    count: int  # reports at world creation (before scaling)
    unit: str = ""


@dataclass
class Doc:
    """One published report: its place, its form (in-page HTML or an attachment) and its source."""

    key: str
    site: str
    column: str
    seq: int
    form: str  # html | pdf | docx | txt | image | script_pdf | scan (image-only PDF) | picture (tables as a picture)
    source: tuple  # ("example", file name) or ("gen", seed, template, agency as printed, agency, year)
    title: str
    agency: str
    version: int = 1
    published: dt.date | None = None  # the date the portal shows: the report's own, a year after its year

    @property
    def doc_id(self) -> int:
        return 4449000 + self.seq * 7

    @property
    def pub_date(self) -> dt.date:
        return self.published or BASE_DATE + dt.timedelta(days=self.seq * 2)

    @property
    def hexid(self) -> str:
        return hashlib.md5(f"doc:{self.key}".encode()).hexdigest()[:24]

    @property
    def file_hex(self) -> str:
        return hashlib.md5(f"file:{self.key}".encode()).hexdigest()

    @property
    def attachment_ext(self) -> str | None:
        """The file extension of the report's attachment; None when the report is in the page."""
        return ATTACHMENT_EXT.get(self.form)


ATTACHMENT_EXT = {"pdf": "pdf", "script_pdf": "pdf", "docx": "docx", "txt": "txt", "scan": "pdf", "xlsx": "xlsx",
                  "ofd": "ofd"}

# The columns of each site.  Counts are chosen so that every pager has several pages and both
# edge cases (a column with a single page and no pager; a last page that is not full) occur.
COLUMNS: list[Column] = [
    Column("trs", "dcqzf2025", "/zfxxgkzl/zfxxgknb/2025nb/dcqzf2025/", "区政府", "trs_a", 4, 1),
    Column("trs", "dcqzfbm2025", "/zfxxgkzl/zfxxgknb/2025nb/dcqzfbm2025/", "区政府部门", "trs_a", 4, 10),
    Column("trs", "dcqjd2025", "/zfxxgkzl/zfxxgknb/2025nb/dcqjd2025/", "街道", "trs_a", 4, 5),
    Column("trs", "dcqzf2024", "/zfxxgkzl/zfxxgknb/2024nb/dcqzf2024/", "区政府", "trs_a", 4, 2),
    Column("trs", "bmnb_97166", "/zfxxgkzl/zfxxgknb/bmnb_97166/", "部门年报", "trs_b", 3, 7),
    Column("trs", "jbxxjgm", "/zfxxgkzl/zfxxgknb/jbxxjgm/", "街道（新版）", "trs_a", 4, 2),
    Column("trs", "nbk", "/zfxxgkzl/zfxxgknb/nbk/", "年报库", "trs_a", 4, 1),  # robots.txt Disallow
    Column("hanweb", "col1229214366", "/col/col1229214366/index.html", "政府信息公开年报", "hanweb_get", 3, 14),
    Column("hanweb", "col1229214370", "/col/col1229214370/index.html", "部门政府信息公开年报", "hanweb_post", 3, 11),
    Column("gbk", "gknb", "/zfxxgk/gknb/", "政府信息公开年报", "next_link", 5, 12),
    Column("gkmlpt", "721", "721", "政府信息公开年报", "gkmlpt", 5, 12),
]
ROBOTS_DISALLOWED = {"nbk"}

# The real examples and where they are published.  A district portal carries its own district's
# reports, so only the examples by an agency of a demo district are published, on its portal
# (东城区's own report on the TRS 东城区 site) — except one deliberate cross-region case: the
# 上海市人民政府办公厅 report on the Hanweb site of 浙江省宁波市江北区, which the archive must file
# under 上海市 with a `region_conflict` problem (tests/test_crawl.py).  hongze-2024.pdf (江苏省淮安市)
# and tongzhou-2020.txt (北京市通州区) belong to no demo district and are not published.
EXAMPLE_PLACES = {
    "dongcheng-2020.txt": ("trs", "dcqzf2024", "txt"),
    "shanghai-office-2019.html": ("hanweb", "col1229214366", "html"),
}
CROSS_REGION_EXAMPLE = "shanghai-office-2019.html"

# Two generated reports the demo publishes for OCR, beside the real examples (and like them not
# in worlds built without examples, e.g. the benchmarks'): a scan (an image-only PDF attachment)
# and a TRS page whose three tables are one picture beside its text.  One 150-dpi page each
# (`reports.tables_picture`): a fresh demo crawl spends seconds, not minutes, on OCR.
OCR_PLACES = {"picture": ("trs", "dcqjd2025"), "scan": ("hanweb", "col1229214370")}
# Reports in a file form of their own, published once each like the above: a report whose tables
# are an Excel workbook attachment (`附件：统计表.xlsx`), behind Hanweb's downfile.jsp (no extension:
# the extractor tells it by its content), and a report published as OFD (GB/T 33190), a TRS attachment.
FILE_PLACES = {"xlsx": ("hanweb", "col1229214370"), "ofd": ("trs", "dcqzfbm2025")}

# The cycle of document forms each site publishes its generated reports in.
FORMS = {"trs": ["html", "pdf", "html", "docx", "script_pdf", "html", "image"],
         "hanweb": ["html", "pdf", "docx", "html"],
         "gbk": ["html"],
         "gkmlpt": ["html", "pdf", "docx"]}

# Hostile URLs (path → expected classification), always hostile whatever the request.
HOSTILE = {
    "trs": {"/zfxxgkzl/zfxxgknb/2019nb/": "ruishu_412"},
    "hanweb": {"/art/2025/6/3/art_1229214366_9990001.html": "jsl_521",
               "/art/2025/6/4/art_1229214366_9990002.html": "waf_block"},
    "gbk": {"/zfxxgk/gknb/ffffffffffffffffffffffff.html": "soft_404"},
    "gkmlpt": {},
}
JS_REDIRECTS = {"trs": {"/zfxxgkzl/zfxxgknb/jgmjdgs/": "../jbxxjgm/"}}
