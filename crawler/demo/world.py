"""The demo portals' content: which report sits in which column of which site, rendered per family.

Every page is rendered on request from this model, deterministically (no clocks, no randomness
outside seeded generators), so a test can mutate the world between two crawls — add reports,
change one — and know exactly what the crawler must find.  The page structures follow
`../shared/research/portals.md` §7.1: a TRS WCM district, a Hanweb jcms site, a GBK in-house
site served over http without a charset header, and a Guangdong gkmlpt site; plus the hostile
behaviours of §3 (瑞数 412, 加速乐 521, a 200-status WAF page, a JS redirect stub, a soft 404, an
out-of-range list page that repeats page 1) and a robots.txt with a Disallow rule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import os
import re
import threading
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, quote

from nianbao import synthetic

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = Path(os.environ.get("NIANBAO_EXAMPLES", ROOT.parent / "shared" / "examples"))

SITES = ("trs", "hanweb", "gbk", "gkmlpt")
BASE_DATE = dt.date(2024, 1, 8)
# A fixed Last-Modified for version 1 of every document; a changed version moves it forward.
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")

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
    form: str  # html | pdf | docx | txt | image | script_pdf
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
TRS_CHANNEL = "/zfxxgkzl/zfxxgknb/"
HANWEB_WEBID = 3305
GKMLPT_SID = "755041"
HANWEB_ZWGK = "/col/col1229214300/index.html"  # the Hanweb site's 政务公开 page (links the 年报 columns)

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
# Each site is one district's portal; every generated report on it is by an agency of that district
# (the registry in server.py names the same regions).
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


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _spec(source: tuple) -> synthetic.ReportSpec:
    """The generator's spec for `source`, with the agency and year the world gave the report (the
    generator picks them from its own list, which knows nothing of the portal's district)."""
    _, seed, template, agency_full, agency, year = source
    spec = synthetic.make_spec(seed, template)
    spec.agency_full, spec.agency, spec.year = agency_full, agency, year
    spec.pub_date = f"{year + 1}{spec.pub_date[4:]}"
    return spec


# Unbounded: a world's documents are rendered once (bench/ renders them all before timing) and
# held for the server's lifetime; the biggest world benchmarked holds a few hundred MB.
@cache
def _render(source: tuple, form: str, version: int) -> bytes:
    """A report document's bytes; a later version carries a correction note (a real edit)."""
    if source[0] == "example":
        data = (EXAMPLES / source[1]).read_bytes()
        if version > 1 and form in ("txt", "html"):
            note = f"\n（第{version}次更正）\n".encode()
            data = data + note if form == "txt" else data.replace(b"</body>", note + b"</body>", 1)
        return data
    spec = _spec(source)
    if version > 1:  # a corrected report: one value in table 3 moves
        spec.applications["1"]["natural"] = (spec.applications["1"]["natural"] or 0) + version
        spec.applications["1"]["total"] = (spec.applications["1"]["total"] or 0) + version
    if form in ("pdf", "script_pdf"):
        return synthetic.render_pdf(spec)
    if form == "docx":
        return _stable_zip(synthetic.render_docx(spec))
    if form == "gbk":
        return synthetic.render_html(spec, "flat_repeat", encoding="gbk")
    return synthetic.render_html(spec, "trs")


def _stable_zip(data: bytes) -> bytes:
    """The same DOCX bytes in every process: zip entry times and core-property dates pinned."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-01-01T00:00:00Z", body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0)), body,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _report_body(doc: Doc, encoding: str = "utf-8") -> str:
    """The report as HTML body content (the inside of TRS_Editor / div#zoom)."""
    if doc.source[0] == "example":
        text = _render(doc.source, "html", doc.version).decode("utf-8")
        return text.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    if encoding == "gbk":
        text = _render(doc.source, "gbk", doc.version).decode("gb18030")
        return text.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    text = _render(doc.source, "html", doc.version).decode("utf-8")
    start = text.index('<div class="Custom_UnionStyle">') + len('<div class="Custom_UnionStyle">')
    return text[start:text.index('</div></div>\n<div class="share">')]


class DemoWorld:
    """The content of the four demo sites, with mutations for incremental tests."""

    def __init__(self, scale: int = 1, generated: bool = True, *, sites: Sequence[str] = SITES,
                 regions: dict[str, tuple[str, str, str]] | None = None, counts: dict[str, int] | None = None,
                 forms: dict[str, list[str]] | None = None, examples: bool = True, seed: int = 1000) -> None:
        """`scale` multiplies every column's reports.  The keywords build other worlds from the
        same renderers (bench/scale.py: one portal per world): only `sites`, each standing for
        the district `regions` gives it (default SITE_REGIONS), `counts` reports per column key
        instead of the scaled defaults (absent keys: none), `forms` the cycle of document forms
        per site (default FORMS), no real examples, generator seeds from `seed`."""
        self.scale = scale
        self.lock = threading.RLock()
        self.docs: list[Doc] = []
        self.columns = {(c.site, c.key): c for c in COLUMNS}
        self.sites = tuple(sites)
        self.regions = {site: (regions or SITE_REGIONS).get(site) or SITE_REGIONS[site] for site in self.sites}
        self.forms = {**FORMS, **(forms or {})}
        self._seq = 0
        self._seed = seed
        # (agency, year) pairs still free on each site: no agency reports twice for one year
        self._free = {site: agency_years(*self.regions[site]) for site in self.sites}
        self._taken: set[tuple[str, int]] = set()
        for name, (site, col, form) in EXAMPLE_PLACES.items():
            if examples and site in self.sites and (EXAMPLES / name).exists():
                self._add(site, col, form, ("example", name))
        for c in COLUMNS:
            if c.site not in self.sites:
                continue
            want = c.count * scale if counts is None else counts.get(c.key, 0)
            have = sum(d.site == c.site and d.column == c.key for d in self.docs)
            for _ in range(max(0, want - have)):
                if not generated:
                    break
                self._add_generated(c)
        self.hostile = {site: dict(paths) for site, paths in HOSTILE.items()}
        self.js_redirects = {site: dict(v) for site, v in JS_REDIRECTS.items()}
        self.base_urls: dict[str, str] = {}  # filled by the server once it has bound its ports

    # --- mutations ---------------------------------------------------------------------------

    def _add(self, site: str, column: str, form: str, source: tuple) -> Doc:
        self._seq += 1
        # A report on year Y is published early in Y + 1 (the deadline is 31 January): the list and
        # the page show that date, as real portals do, never one before the year it reports on.
        if source[0] == "example":
            title, agency = _example_title(source[1])
            year = re.search(r"20\d\d", title)
            self._taken.add((agency, int(year.group())) if year else (agency, 0))
            published = dt.date(int(year.group()) + 1, 1, 10) + dt.timedelta(days=self._seq % 40) if year else None
        else:
            spec = _spec(source)
            title, agency = spec.title, spec.agency_full
            self._taken.add((agency, spec.year))
            published = dt.date.fromisoformat(spec.pub_date)
            if form == "image":
                title += "（图片版）"
        doc = Doc(key=f"{site}-{column}-{self._seq}", site=site, column=column, seq=self._seq, form=form,
                  source=source, title=title, agency=agency, published=published)
        self.docs.append(doc)
        return doc

    def _add_generated(self, col: Column) -> Doc:
        n = sum(d.site == col.site for d in self.docs)
        forms = self.forms[col.site]
        form = forms[n % len(forms)]
        seed = self._seed + self._seq
        # the next free (agency, year): the real examples hold a few pairs already
        pair = next((p for p in self._free[col.site] if (p[0], p[2]) not in self._taken), None)
        if pair is None:
            raise ValueError(f"{col.site}: every (agency, year) of {''.join(self.regions[col.site])} has a report")
        full, short, year = pair
        return self._add(col.site, col.key, form, ("gen", seed, "2021" if year >= 2021 else "2019", full, short, year))

    def add_reports(self, n: int) -> list[Doc]:
        """Publish n new reports, spread over the sites' first columns (newest first in lists)."""
        with self.lock:
            targets = [c for c in COLUMNS if c.key not in ROBOTS_DISALLOWED and c.site in self.sites]
            added = [self._add_generated(targets[(self._seq + i) % len(targets)]) for i in range(n)]
            return added

    def publish(self, site: str, agency: str, year: int, *, column: str | None = None, form: str = "html") -> Doc:
        """Publish one generated report by `agency`, printed as given (a 开发区 the district's pool
        does not have, a body named without its city): tests of what the archive makes of names."""
        with self.lock:
            col = self.columns[(site, column)] if column else next(
                c for c in COLUMNS if c.site == site and c.key not in ROBOTS_DISALLOWED)
            seed = self._seed + self._seq
            return self._add(site, col.key, form, ("gen", seed, "2021" if year >= 2021 else "2019", agency, agency, year))

    def change_report(self, key: str | None = None) -> Doc:
        """Edit one published report in place (same URL, new content, new ETag/Last-Modified)."""
        with self.lock:
            doc = next(d for d in self.docs if d.key == key) if key else next(
                d for d in self.docs if d.source[0] == "gen" and d.form == "html" and d.site == "trs")
            doc.version += 1
            return doc

    # --- truth for tests ---------------------------------------------------------------------

    def reachable_docs(self) -> list[Doc]:
        """Reports a polite crawler can and must find (robots.txt excludes the 年报库 column)."""
        return [d for d in self.docs if d.column not in ROBOTS_DISALLOWED]

    def column_docs(self, site: str, column: str) -> list[Doc]:
        """A column's reports, newest first, as its list pages show them."""
        return sorted((d for d in self.docs if d.site == site and d.column == column), key=lambda d: -d.seq)

    # --- URLs --------------------------------------------------------------------------------

    def detail_path(self, doc: Doc) -> str:
        d = doc.pub_date
        if doc.site == "trs":
            col = self.columns[("trs", doc.column)]
            return f"{col.path}{d:%Y%m}/t{d:%Y%m%d}_{doc.doc_id}.html"
        if doc.site == "hanweb":
            return f"/art/{d.year}/{d.month}/{d.day}/art_{doc.column[3:]}_{doc.doc_id}.html"
        if doc.site == "gbk":
            return f"/zfxxgk/gknb/{doc.hexid}.html"
        return f"/gkmlpt/content/{doc.doc_id // 1000000}/{doc.doc_id // 1000 % 1000}/post_{doc.doc_id}.html"

    def attachment_path(self, doc: Doc) -> str | None:
        """Where the report file is served (the final URL, after any redirect)."""
        ext = {"pdf": "pdf", "script_pdf": "pdf", "docx": "docx", "txt": "txt"}.get(doc.form)
        if ext is None:
            return None
        d = doc.pub_date
        if doc.site == "trs":
            col = self.columns[("trs", doc.column)]
            return f"{col.path}{d:%Y%m}/P0{d:%Y%m%d}{doc.doc_id:012d}.{ext}"
        if doc.site == "hanweb":
            return f"/attach/0/{doc.file_hex}.{ext}"
        if doc.site == "gkmlpt":
            return f"/attachment/0/{doc.doc_id % 97}/{doc.doc_id % 89}/{doc.doc_id}.{ext}"
        return f"/zfxxgk/gknb/files/{doc.hexid}.{ext}"

    def attachment_link(self, doc: Doc) -> str | None:
        """The href the detail page carries (Hanweb: behind downfile.jsp)."""
        path = self.attachment_path(doc)
        if path is None:
            return None
        if doc.site == "hanweb":
            return f"/module/download/downfile.jsp?classid=0&filename={path.rsplit('/', 1)[1]}"
        if doc.site == "trs":
            return "./" + path.rsplit("/", 1)[1]
        return path

    def attachment_name(self, doc: Doc) -> str:
        ext = (self.attachment_path(doc) or ".html").rsplit(".", 1)[1]
        return f"{doc.title}.{ext}"

    def report_path(self, doc: Doc) -> str:
        """The document that holds the report: the attachment if any, else the detail page."""
        return self.attachment_path(doc) or self.detail_path(doc)

    def _find(self, site: str, path: str) -> tuple[Doc, str] | None:
        for doc in self.docs:
            if doc.site != site:
                continue
            if self.detail_path(doc) == path:
                return doc, "detail"
            if self.attachment_path(doc) == path:
                return doc, "attachment"
        return None

    # --- dispatch ----------------------------------------------------------------------------

    def render_all(self) -> int:
        """Render every detail page and attachment once, so that a server then answers from the
        cache (the benchmarks do this before timing anything); returns how many were rendered.
        Through DemoWorld's own `respond`, so a subclass that logs requests does not log these."""
        n = 0
        for doc in self.docs:
            for path in (self.detail_path(doc), self.attachment_path(doc)):
                if path:
                    DemoWorld.respond(self, doc.site, "GET", path, "", {}, {})
                    n += 1
        return n

    def respond(self, site: str, method: str, path: str, query: str, form: dict[str, list[str]],
                headers: dict[str, str]) -> Response:
        with self.lock:
            if path == "/robots.txt":
                return self._robots(site)
            if path in self.hostile.get(site, {}):
                return hostile_page(self.hostile[site][path], path)
            if path in self.js_redirects.get(site, {}):
                return _html(200, js_redirect_stub(self.js_redirects[site][path]), charset="utf-8")
            q = {k: v[-1] for k, v in parse_qs(query).items()}
            handler = getattr(self, f"_{site}")
            return handler(method, path, q, form)

    def _robots(self, site: str) -> Response:
        body = "User-agent: *\n"
        if site == "trs":
            body += "Disallow: /zfxxgkzl/zfxxgknb/nbk/\n"
        body += "Disallow: /search/\n"
        return 200, {"Content-Type": "text/plain"}, body.encode()

    def _document(self, doc: Doc, what: str, charset: str | None = "utf-8", validators: str = "both") -> Response:
        """A detail page or attachment with the validators this site supports."""
        if what == "detail":
            body = getattr(self, f"_{doc.site}_detail")(doc)
            ctype = "text/html" + (f"; charset={charset}" if charset else "")
        else:
            body = _attachment_bytes(doc)
            ext = self.attachment_path(doc).rsplit(".", 1)[1]
            ctype = {"pdf": "application/pdf", "txt": "text/plain; charset=utf-8",
                     "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}[ext]
        hdrs = {"Content-Type": ctype}
        if validators in ("both", "etag"):
            hdrs["ETag"] = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if validators in ("both", "last_modified"):
            when = EPOCH + dt.timedelta(days=doc.seq, hours=doc.version)
            hdrs["Last-Modified"] = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
        return 200, hdrs, body

    # --- TRS WCM -----------------------------------------------------------------------------

    def _trs(self, method: str, path: str, q: dict, form: dict) -> Response:
        if path in ("/", "/index.html"):
            return _html(200, _trs_home())
        if path in ("/zfxxgkzl/", "/zfxxgkzl/index.html"):
            return _html(200, _trs_zfxxgkzl())
        if path in (TRS_CHANNEL, TRS_CHANNEL + "index.html"):
            return _html(200, self._trs_root())
        m = re.fullmatch(r"/zfxxgkzl/zfxxgknb/(\d{4})nb/(?:index\.html)?", path)
        if m:
            return _html(200, self._trs_year(int(m.group(1))))
        for col in (c for c in COLUMNS if c.site == "trs"):
            if path.startswith(col.path):
                rest = path[len(col.path):]
                page = _trs_page_number(rest, col.pager)
                if page is not None:
                    return _html(200, self._trs_list(col, page))
        found = self._find("trs", path)
        if found:
            return self._document(*found)
        if re.search(r"/W0\d+\.png$", path):
            return 200, {"Content-Type": "image/png"}, PNG_1PX
        return _not_found()

    def _trs_root(self) -> str:
        nav = "".join(f'<li><a href="./{y}nb/" target="_blank">{y}年</a></li>' for y in (2025, 2024, 2019))
        nav += ('<li><a href="./bmnb_97166/">部门年报</a></li><li><a href="./jgmjdgs/">街道年报</a></li>'
                '<li><a href="./nbk/">年报库</a></li>')
        body = f'<div class="zfxxgk-nav"><ul class="nav-list">{nav}</ul></div>'
        return _trs_page_html("政府信息公开年报", body, column_meta=True)

    def _trs_year(self, year: int) -> str:
        units = [("dcqzf", "区政府"), ("dcqzfbm", "区政府部门"), ("dcqjd", "街道")]
        links = "".join(f'<a href="./{u}{year}/" class="tab">{label}</a>' for u, label in units
                        if ("trs", f"{u}{year}") in self.columns)
        return _trs_page_html(f"{year}年政府信息公开年报", f'<div class="sub-tabs">{links}</div>', column_meta=True)

    def _trs_list(self, col: Column, page: int) -> str:
        docs = self.column_docs("trs", col.key)
        per = col.per_page
        count = max(1, -(-len(docs) // per))
        if page >= count:  # out of range: real TRS sites serve the first page again (soft 404)
            page = 0
        rows = []
        for i, doc in enumerate(docs[page * per:(page + 1) * per]):
            href = "." + self.detail_path(doc)[len(col.path) - 1:]
            shown = doc.title if len(doc.title) <= 22 else doc.title[:20] + "..."
            title_attr = _esc(doc.title) if i % 3 else "".join(f"&#x{ord(ch):X};" for ch in doc.title)
            rows.append(f'<li><a href="{href}" title="{title_attr}" target="_blank">{_esc(shown)}</a>'
                        f"<span>{doc.pub_date:%Y-%m-%d}</span></li>")
        if col.pager == "trs_a":
            pager = f'<div class="page"><script>createPageHTML({count}, {page}, "index", "html");</script></div>'
        else:
            pager = (f"<div class=\"pages\"><span class=\"box\"><script>{{createPageHTML('page_div',{count},"
                     f"{page + 1},'list','shtml',{len(docs)});}}</script></span><div id=\"page_div\"></div></div>")
        body = f'<ul class="list">{"".join(rows)}</ul>{pager}'
        return _trs_page_html(col.label, body, column_meta=True)

    def _trs_detail(self, doc: Doc) -> bytes:
        d = doc.pub_date
        when = f"{d:%Y-%m-%d} {9 + doc.seq % 8:02d}:{doc.seq * 7 % 60:02d}"
        editor = "TRS_Editor" if doc.seq % 2 else "trs_editor_view TRS_UEDITOR trs_paper_default trs_web"
        link = self.attachment_link(doc)
        script = ""
        if doc.form == "image":
            inner = "".join(f'<p style="text-align:center"><img src="./W0{d:%Y%m%d}{doc.doc_id}{i}.png" '
                            f'title="{_esc(doc.title)}"/></p>' for i in range(2))
        elif link and doc.form == "script_pdf":
            inner = f"<p>{_esc(doc.title)}全文见附件。</p><div id=\"appendix\"></div>"
            script = (f"<script>var file_appendix='<a href=\"{link}\">{_esc(self.attachment_name(doc))}</a>';"
                      "document.getElementById('appendix').innerHTML=file_appendix;</script>")
        elif link:
            inner = (f"<p>{_esc(doc.title)}全文见附件。</p><p>附件：<a href=\"{link}\" "
                     f"OLDSRC=\"/M00/{doc.doc_id}.pdf\">{_esc(self.attachment_name(doc))}</a></p>")
        else:
            inner = _report_body(doc)
        body = (f'<div class="bread">当前位置：<a href="/">首页</a> &gt; 政务公开 &gt; 政府信息公开年报</div>'
                f'<div class="article"><h1>{_esc(doc.title)}</h1>'
                f'<div class="info">日期:{when}&nbsp;&nbsp;&nbsp;&nbsp;来源:{_esc(doc.agency)}'
                f"&nbsp;&nbsp;&nbsp;&nbsp;字号: 大 中 小</div>"
                f'<div class="{editor}">{inner}</div>{script}</div>')
        metas = {"ArticleTitle": doc.title, "PubDate": when, "ContentSource": doc.agency,
                 "ColumnName": "政府信息公开年报", "SiteName": "演示·东城区人民政府", "SiteIDCode": "1101010001"}
        return _trs_page_html(doc.title, body, metas=metas).encode("utf-8")

    # --- Hanweb jcms -------------------------------------------------------------------------

    def _hanweb(self, method: str, path: str, q: dict, form: dict) -> Response:
        if path in ("/", "/index.html"):
            return _html(200, _hanweb_home())
        if path in (HANWEB_ZWGK, HANWEB_ZWGK.rsplit("/", 1)[0] + "/"):
            return _html(200, _hanweb_zwgk())
        for col in (c for c in COLUMNS if c.site == "hanweb"):
            if path in (col.path, col.path.rsplit("/", 1)[0] + "/"):
                return _html(200, self._hanweb_column(col))
        if path == "/module/web/jpage/dataproxy.jsp":
            params = dict(q)
            params.update({k: v[-1] for k, v in form.items()})
            return self._hanweb_proxy(params)
        if path == "/module/download/downfile.jsp":
            name = q.get("filename", "")
            if not re.fullmatch(r"[0-9a-f]{32}\.\w+", name):
                return _not_found()
            return 302, {"Location": f"/attach/0/{name}", "Content-Type": "text/html"}, b""
        found = self._find("hanweb", path)
        if found:
            return self._document(*found)
        return _not_found()

    def _hanweb_records(self, col: Column) -> list[str]:
        recs = []
        for doc in self.column_docs("hanweb", col.key):
            recs.append(f"<li><a href='{self.detail_path(doc)}' title='{_esc(doc.title)}' target='_blank'>"
                        f"{_esc(doc.title)}</a><span>{doc.pub_date:%Y-%m-%d}</span></li>")
        if col.pager == "hanweb_get":  # two blocked articles sit in the first column's list
            recs.insert(1, "<li><a href='/art/2025/6/3/art_1229214366_9990001.html' title='某街道2024年政府信息公开"
                           "工作年度报告'>某街道2024年政府信息公开工作年度报告</a><span>2025-06-03</span></li>")
            recs.insert(2, "<li><a href='/art/2025/6/4/art_1229214366_9990002.html' title='某局2024年政府信息公开"
                           "工作年度报告'>某局2024年政府信息公开工作年度报告</a><span>2025-06-04</span></li>")
        return recs

    def _hanweb_column(self, col: Column) -> str:
        unitid = 212860 if col.pager == "hanweb_get" else 212861
        cid = col.key[3:]
        recs = self._hanweb_records(col)
        group = recs[:col.per_page * 3]  # only the first group (three pages) is embedded
        webname = quote("演示·江北区人民政府")
        nextgroup = ""
        if col.pager == "hanweb_get":
            nextgroup = (f"<nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid="
                         f"{HANWEB_WEBID}&path=/&columnid={cid}&unitid={unitid}&webname={webname}"
                         f"&permissiontype=0\"></a>]]></nextgroup>")
        records = "".join(f"<record><![CDATA[\n{r}\n]]></record>" for r in group)
        other = [c for c in COLUMNS if c.site == "hanweb" and c.key != col.key]
        nav = "".join(f'<li><a href="{c.path}">{c.label}</a></li>' for c in other)
        body = (f'<div class="leftnav"><ul>{nav}</ul></div>'
                f'<div id="{unitid}"><script type="text/xml"><datastore>{nextgroup}<recordset>{records}'
                f"</recordset></datastore></script></div>"
                f"<script>$('#{unitid}').jpage({{dataStore: [], totalRecord: {len(recs)}, perPage: {col.per_page}, "
                f"proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxParam: {{col: 1, appid: 1, webid: {HANWEB_WEBID}, "
                f"path: '/', columnid: {cid}, sourceContentType: 1, unitid: {unitid}, webname: '{webname}', "
                f"permissiontype: 0}}}});</script>")
        metas = {"SiteName": "演示·江北区人民政府", "ColumnName": col.label}
        return _page(col.label, body, metas=metas)

    def _hanweb_proxy(self, p: dict) -> Response:
        col = next((c for c in COLUMNS if c.site == "hanweb" and c.key == f"col{p.get('columnid', '')}"), None)
        if col is None:
            return 200, {"Content-Type": "text/xml;charset=UTF-8"}, b"<datastore><totalrecord>0</totalrecord></datastore>"
        recs = self._hanweb_records(col)
        per = int(p.get("perpage") or col.per_page)
        if "startrecord" in p:
            start, end = int(p["startrecord"]), int(p.get("endrecord") or 0)
            chunk = recs[start - 1:end]
        else:
            page = max(1, int(p.get("page") or 1))
            chunk = recs[(page - 1) * per:page * per]
        total_pages = -(-len(recs) // per)
        xml = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore><totalrecord>{len(recs)}</totalrecord>"
               f"<totalpage>{total_pages}</totalpage><recordset>"
               + "".join(f"<record><![CDATA[\n{r}\n]]></record>" for r in chunk)
               + "</recordset></datastore>")
        return 200, {"Content-Type": "text/xml;charset=UTF-8"}, xml.encode("utf-8")

    def _hanweb_detail(self, doc: Doc) -> bytes:
        d = doc.pub_date
        maketime = f"{d:%Y-%m-%d} 10:{doc.seq % 60:02d}:00"
        link = self.attachment_link(doc)
        if link:
            inner = (f"<p>{_esc(doc.title)}</p><p>附件：<a href=\"{link}\" target=\"_blank\">"
                     f"{_esc(self.attachment_name(doc))}</a></p>")
        else:
            inner = _report_body(doc)
        body = (f'<table class="xxgk_table"><tr><td>索 引 号：</td><td>0029{doc.doc_id}/{d.year}-{doc.seq:05d}</td>'
                f"<td>分 类：</td><td>政府信息公开年报</td></tr><tr><td>发布机构：</td><td>{_esc(doc.agency)}</td>"
                f"<td>发文日期：</td><td>{d:%Y-%m-%d}</td></tr><tr><td>文 号：</td><td></td><td>有 效 性：</td><td></td></tr></table>"
                f"<div class=\"title\">{_esc(doc.title)}</div>"
                f"<div class=\"info\">发布时间：{d:%Y-%m-%d} 信息来源：<!--<$[信息来源]>begin-->{_esc(doc.agency)}"
                f"<!--<$[信息来源]>end--></div>"
                f'<div id="zoom"><!--<$[信息内容]>begin--><!--ZJEG_RSS.content.begin--><meta name="ContentStart">'
                f"{inner}<meta name=\"ContentEnd\"><!--ZJEG_RSS.content.end--><!--<$[信息内容]>end--></div>")
        metas = {"ArticleTitle": doc.title, "PubDate": f"{d:%Y-%m-%d} 10:00", "ContentSource": doc.agency,
                 "Maketime": maketime, "i_columnid": doc.column[3:], "i_articleid": str(doc.doc_id)}
        return _page(f"演示·江北区人民政府 政府信息公开年报 {doc.title}", body, metas=metas).encode("utf-8")

    # --- GBK in-house (朝阳-like) -------------------------------------------------------------

    def _gbk(self, method: str, path: str, q: dict, form: dict) -> Response:
        if path in ("/", "/index.html"):
            return _html(200, _gbk_home(), charset=None, encoding="gb18030")
        if path in ("/zfxxgk/", "/zfxxgk/index.html"):
            return _html(200, _gbk_zfxxgk(), charset=None, encoding="gb18030")
        if path in ("/zfxxgk/gknb/", "/zfxxgk/gknb/index.html"):
            return _html(200, self._gbk_list(int(q.get("page", "1") or 1)), charset=None, encoding="gb18030")
        found = self._find("gbk", path)
        if found:
            doc, _ = found
            # one page declares utf-8 in its header although its bytes are GBK (a real misconfiguration)
            charset = "utf-8" if doc.seq % 5 == 0 else None
            return self._document(doc, "detail", charset=charset, validators="none")
        return _not_found()

    def _gbk_list(self, page: int) -> str:
        col = self.columns[("gbk", "gknb")]
        docs = self.column_docs("gbk", "gknb")
        pages = max(1, -(-len(docs) // col.per_page))
        if page > pages or page < 1:  # out of range: the first page again, with status 200
            page = 1
        rows = []
        for doc in docs[(page - 1) * col.per_page:page * col.per_page]:
            rows.append(f'<tr><td><a href="{self.detail_path(doc)}" target="_blank">{_esc(doc.title)}</a></td>'
                        f"<td>[{doc.pub_date:%Y-%m-%d}]</td></tr>")
        if page == 1:  # a stale link to a deleted report
            rows.append('<tr><td><a href="/zfxxgk/gknb/ffffffffffffffffffffffff.html">某乡2017年政府信息公开工作'
                        "年度报告</a></td><td>[2018-03-15]</td></tr>")
        # the last page still links a 下一页 (to an out-of-range page), as these systems do
        nav = f'<a href="?page=1">首页</a> <a href="?page={page + 1}">下一页</a> 共{pages}页'
        body = (f'<div class="position">首页&gt;&gt;政府信息公开&gt;&gt;政府信息公开年报</div>'
                f'<table class="list" width="100%">{"".join(rows)}</table><div class="fy">{nav}</div>')
        return _page("政府信息公开年报", body, charset="gb2312")

    def _gbk_detail(self, doc: Doc) -> bytes:
        d = doc.pub_date
        body = (f'<div class="position">首页&gt;&gt;政府信息公开&gt;&gt;政府信息公开年报</div>'
                f"<div class=\"detail\"><h2>{_esc(doc.title)}</h2><div class=\"time\">日期:{d:%Y-%m-%d} 10:35 "
                f"来源:{_esc(doc.agency)} 打印页面 关闭页面</div><div class=\"content\">{_report_body(doc, 'gbk')}</div></div>")
        return _page(doc.title, body, charset="gb2312").encode("gb18030")

    # --- Guangdong gkmlpt --------------------------------------------------------------------

    def _gkmlpt(self, method: str, path: str, q: dict, form: dict) -> Response:
        if path in ("/", "/index.html"):
            return _html(200, _gkmlpt_home())
        if path in ("/xxgk/", "/xxgk/index.html"):
            return _html(200, _gkmlpt_xxgk())
        if path in ("/gkmlpt/index", "/gkmlpt/"):
            return _html(200, self._gkmlpt_index())
        m = re.fullmatch(r"/gkmlpt/api/all/(\d+)", path)
        if m:
            return self._gkmlpt_api(m.group(1), q)
        found = self._find("gkmlpt", path)
        if found:
            return self._document(*found, validators="last_modified")
        return _not_found()

    def _gkmlpt_index(self) -> str:
        tree = [{"id": 700, "name": "通知公告", "parent": 0, "jump_url": ""},
                {"id": 721, "name": "政府信息公开年报", "parent": 0, "jump_url": ""},
                {"id": 735, "name": "政府信息公开指南", "parent": 0, "jump_url": ""}]
        config = {"SID": GKMLPT_SID, "SITE_NAME": "演示·坪山区人民政府", "TREE": tree}
        body = (f"<div id=\"app\"></div><script>window._CONFIG = {json.dumps(config, ensure_ascii=False)};</script>"
                '<script src="/gkmlpt/static/js/app.js"></script>')
        return _page("政府信息公开目录", body)

    def _gkmlpt_api(self, cat: str, q: dict) -> Response:
        if q.get("sid") != GKMLPT_SID:
            return 200, {"Content-Type": "application/json"}, b'{"error": "sid"}'
        col = self.columns.get(("gkmlpt", cat))
        docs = self.column_docs("gkmlpt", cat) if col else []
        per = col.per_page if col else 100
        page = max(1, int(q.get("page", "1") or 1))  # page 0 is page 1 (the API's off-by-one)
        chunk = docs[(page - 1) * per:page * per]
        base = self.base_url("gkmlpt")
        arts = []
        for doc in chunk:
            att = self.attachment_path(doc)
            arts.append({"id": doc.doc_id, "title": doc.title, "url": base + self.detail_path(doc),
                         "post_url": self.detail_path(doc), "date": int(dt.datetime.combine(doc.pub_date, dt.time(9)).timestamp()),
                         "created_at": f"{doc.pub_date:%Y-%m-%d} 09:00:00", "identifier": f"006939748/{doc.pub_date.year}-{doc.seq:05d}",
                         "document_number": "", "publisher": doc.agency,
                         "attachment": ([{"name": self.attachment_name(doc), "type": att.rsplit(".", 1)[1],
                                          "url": base + att}] if att else [])})
        data = {"classify": {"id": int(cat), "name": col.label if col else "", "post_count": len(docs)},
                "articles": arts, "total": len(docs)}
        return 200, {"Content-Type": "application/json;charset=UTF-8"}, json.dumps(data, ensure_ascii=False).encode()

    def _gkmlpt_detail(self, doc: Doc) -> bytes:
        d = doc.pub_date
        link = self.attachment_path(doc)
        detail = {"id": doc.doc_id, "title": doc.title, "publisher": doc.agency}
        meta_table = (f'<table class="introduce"><tr><td>索引号：</td><td>006939748/{d.year}-{doc.seq:05d}</td>'
                      f"<td>分类：</td><td>政府信息公开年报</td></tr><tr><td>发布机构：</td><td>{_esc(doc.agency)}</td>"
                      f"<td>成文日期：</td><td>{d:%Y-%m-%d}</td></tr><tr><td>名称：</td><td colspan=\"3\">{_esc(doc.title)}"
                      f"</td></tr><tr><td>文号：</td><td></td><td>发布日期：</td><td>{d:%Y-%m-%d}</td></tr></table>")
        if link:
            inner = (f"<p>{_esc(doc.title)}</p><div class=\"attachment\"><a href=\"{link}\">"
                     f"{_esc(self.attachment_name(doc))}</a></div>")
        else:
            inner = _report_body(doc)
        body = (f"{meta_table}<div class=\"article-content\"><h1>{_esc(doc.title)}</h1>{inner}</div>"
                f"<script>window._CONFIG = {{\"DETAIL\": {json.dumps(detail, ensure_ascii=False)}}};</script>")
        metas = {"ArticleTitle": doc.title, "PubDate": f"{d:%Y-%m-%d} 09:00", "ContentSource": doc.agency}
        return _page(doc.title, body, metas=metas).encode("utf-8")

    # --- hosts ---------------------------------------------------------------------------------

    def base_url(self, site: str) -> str:
        return self.base_urls.get(site, "")


# --- home pages and 政府信息公开 pages: the way in from a portal's front door ----------------------
# Each site's home is laid out as its family does it (portals.md §1.5), so that `nianbao portals
# discover` has four different ways to the 年报 column: a TRS nav bar → 政府信息公开专栏 →
# 政府信息公开年报; a Hanweb 政务公开 page with a 政府信息公开 box; an in-house GBK home whose
# 政府信息公开 link is an image (alt text only); a gkmlpt site whose 信息公开 page links
# /gkmlpt/index.  News items mention 政务公开 and a report title on purpose: neither is a column.

def _trs_home() -> str:
    nav = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in (
        ("/", "首页"), ("/zwdt/", "政务动态"), ("/zfxxgkzl/", "政府信息公开"), ("/zwfw/", "政务服务"),
        ("/hdjl/", "互动交流"), ("/zjdc/", "走进东城")))
    news = "".join(f'<li><a href="{href}" target="_blank">{text}</a><span>{day}</span></li>' for href, text, day in (
        ("/zwdt/202601/t20260121_4450001.html", "东城区召开2026年政务公开工作推进会", "2026-01-21"),
        ("/zwdt/202601/t20260119_4446500.html", "区政府常务会议研究部署政府信息公开工作", "2026-01-19"),
        ("/zwdt/202601/t20260115_4440001.html", "北京市东城区2026年政府工作报告", "2026-01-15")))
    body = (f'<div class="nav"><ul class="nav-list">{nav}</ul></div>'
            f'<div class="focus"><h3>政务动态</h3><ul class="list">{news}</ul></div>')
    return _page("北京市东城区人民政府门户网站", body, metas={"SiteName": "演示·东城区人民政府",
                                                       "SiteIDCode": "1101010001"})


def _trs_zfxxgkzl() -> str:
    cols = "".join(f'<li><a href="./{href}/" target="_blank">{text}</a></li>' for href, text in (
        ("zfxxgkzn", "政府信息公开指南"), ("zfxxgkzd", "政府信息公开制度"), ("fdzdgknr", "法定主动公开内容"),
        ("zfxxgknb", "政府信息公开年报"), ("ysqgk", "依申请公开")))
    body = (f'<div class="bread">当前位置：<a href="/">首页</a> &gt; 政府信息公开</div>'
            f'<div class="zfxxgk-left"><ul class="zfxxgk-menu">{cols}</ul></div>')
    return _page("政府信息公开专栏", body, metas={"SiteName": "演示·东城区人民政府", "ColumnName": "政府信息公开"})


def _hanweb_home() -> str:
    nav = "".join(f'<a href="/col/col{cid}/index.html" target="_blank">{text}</a>' for cid, text in (
        (1229214001, "首页"), (1229214100, "新闻中心"), (1229214300, "政务公开"), (1229214400, "政务服务"),
        (1229214500, "政民互动")))
    news = ("<li><a href='/art/2026/1/20/art_1229214100_5001.html' title='江北区召开政务公开工作会议'>"
            "江北区召开政务公开工作会议</a></li>")
    body = f'<div class="header-nav">{nav}</div><div class="xwzx"><ul>{news}</ul></div>'
    return _page("宁波市江北区人民政府", body, metas={"SiteName": "演示·江北区人民政府"})


def _hanweb_zwgk() -> str:
    box = "".join(f'<li><a href="/col/col{cid}/index.html">{text}</a></li>' for cid, text in (
        (1229214301, "政府信息公开指南"), (1229214302, "政府信息公开制度"), (1229214303, "法定主动公开内容"),
        (1229214366, "政府信息公开年报"), (1229214370, "部门政府信息公开年报"), (1229214304, "依申请公开")))
    body = (f'<div class="zwgk-box"><div class="title"><span>政府信息公开</span></div><ul>{box}</ul></div>'
            '<div class="zwgk-box"><div class="title"><span>重点领域信息公开</span></div><ul>'
            '<li><a href="/col/col1229214310/index.html">财政预决算</a></li></ul></div>')
    return _page("政务公开", body, metas={"SiteName": "演示·江北区人民政府", "ColumnName": "政务公开"})


def _gbk_home() -> str:
    body = ('<table width="1000" border="0" cellspacing="0" cellpadding="0"><tr>'
            '<td><a href="/zwyw/"><img src="/images/nav_01.gif" alt="政务要闻" border="0"></a></td>'
            '<td><a href="/zfxxgk/index.html" target="_blank"><img src="/images/nav_02.gif" alt="政府信息公开" '
            'border="0"></a></td><td><a href="/bsfw/"><img src="/images/nav_03.gif" alt="办事服务" border="0"></a></td>'
            "</tr></table>")
    return _page("北京市朝阳区人民政府", body, charset="gb2312")


def _gbk_zfxxgk() -> str:
    rows = "".join(f'<tr><td class="ml"><a href="{href}">{text}</a></td></tr>' for href, text in (
        ("/zfxxgk/zn/", "政府信息公开指南"), ("/zfxxgk/ml/", "政府信息公开目录"), ("/zfxxgk/gknb/", "政府信息公开年报"),
        ("/zfxxgk/ysq/", "依申请公开")))
    body = (f'<div class="position">首页&gt;&gt;政府信息公开</div>'
            f'<table class="xxgk" width="100%">{rows}</table>')
    return _page("政府信息公开", body, charset="gb2312")


def _gkmlpt_home() -> str:
    nav = "".join(f'<li class="nav-item"><a href="{href}">{text}</a></li>' for href, text in (
        ("/", "首页"), ("/xwzx/", "新闻中心"), ("/xxgk/", "信息公开"), ("/bsfw/", "办事服务"), ("/hygq/", "互动交流")))
    return _page("深圳市坪山区人民政府门户网站", f'<ul class="nav">{nav}</ul>',
                 metas={"SiteName": "演示·坪山区人民政府"})


def _gkmlpt_xxgk() -> str:
    links = "".join(f'<a class="xxgk-entry" href="{href}">{text}</a>' for href, text in (
        ("/gkmlpt/index", "政府信息公开目录"), ("/gkmlpt/index#735", "政府信息公开指南"),
        ("/xxgk/ysqgk/", "依申请公开"), ("/xxgk/zdlyxxgk/", "重点领域信息公开")))
    return _page("信息公开", f'<div class="xxgk-entries">{links}</div>', metas={"SiteName": "演示·坪山区人民政府"})


def _attachment_bytes(doc: Doc) -> bytes:
    form = "pdf" if doc.form == "script_pdf" else doc.form
    return _render(doc.source, form, doc.version)


def _example_title(name: str) -> tuple[str, str]:
    return {
        "dongcheng-2020.txt": ("北京市东城区2020年政府信息公开工作年度报告", "北京市东城区人民政府"),
        "shanghai-office-2019.html": ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "上海市人民政府办公厅"),
    }[name]


def _trs_page_number(rest: str, pager: str) -> int | None:
    """0-based page index of a TRS list file name, or None when `rest` is not a list page."""
    stem = "index" if pager == "trs_a" else "list"
    ext = "html" if pager == "trs_a" else "shtml"
    if rest in ("", f"{stem}.{ext}"):
        return 0
    m = re.fullmatch(rf"{stem}_(\d+)\.{ext}", rest)
    if not m:
        return None
    n = int(m.group(1))
    return n if pager == "trs_a" else n - 1  # variant B names page n `list_n` (1-based)


def _meta_tags(metas: dict[str, str]) -> str:
    out = []
    for i, (k, v) in enumerate(metas.items()):  # attribute order varies across templates
        out.append(f'<meta name="{k}" content="{_esc(v)}">' if i % 2 else f'<meta content="{_esc(v)}" name="{k}" />')
    return "\n".join(out)


def _page(title: str, body: str, metas: dict[str, str] | None = None, charset: str = "utf-8") -> str:
    return (f"<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">\n"
            f"<title>{_esc(title)}</title>\n{_meta_tags(metas or {})}\n</head>\n<body>\n<div class=\"header\">"
            f"<a href=\"/\">首页</a></div>\n{body}\n<div class=\"footer\">主办：演示门户 网站标识码：1101010001</div>\n"
            "</body>\n</html>\n")


def _trs_page_html(title: str, body: str, metas: dict[str, str] | None = None, column_meta: bool = False) -> str:
    metas = dict(metas or {})
    if column_meta:
        metas.update({"SiteName": "演示·东城区人民政府", "SiteIDCode": "1101010001", "ColumnName": title,
                      "ColumnType": "信息公开年报"})
    return _page(title, body + '<script src="/js/createPageHTML.js"></script>', metas=metas)


def _html(status: int, text: str, charset: str | None = "utf-8", encoding: str = "utf-8") -> Response:
    ctype = "text/html" + (f"; charset={charset}" if charset else "")
    return status, {"Content-Type": ctype}, text.encode(encoding)


def _not_found() -> Response:
    return 404, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body><h1>404 Not Found</h1></body></html>"


def js_redirect_stub(target: str) -> str:
    """A column URL whose whole page is a script moving the browser on (东城, 石景山, 怀柔)."""
    return (f'<html><head><meta charset="utf-8"><script type="text/javascript">window.location.href="{target}";'
            "</script></head><body></body></html>")


def hostile_page(kind: str, path: str) -> Response:
    """The anti-bot and error responses of portals.md §3, as the crawler meets them."""
    seed = hashlib.md5(path.encode()).hexdigest()
    if kind == "ruishu_412":
        body = (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
                f'<meta id="{seed[:10]}" content="{seed * 3}" r="m"><script type="text/javascript">'
                f'$_ts=window[\'$_ts\'];if(!$_ts)$_ts={{}};$_ts.nsd=4242;$_ts.cd="{seed * 4}";</script>'
                f'<script type="text/javascript" charset="utf-8" src="/{seed[:8]}/{seed[8:16]}.js" r="m"></script>'
                "</head><body></body></html>")
        return 412, {"Content-Type": "text/html; charset=utf-8", "Set-Cookie": f"FSSBBIl1UgzbN7N80S={seed}; Path=/"}, body.encode()
    if kind == "jsl_521":
        body = ("<html><body><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')+"
                f"('a')+('n')+('c')+('e')+('_')+('s')+('=')+('{seed[:10]}')+('|0|')+';Expires=Mon, 01-Jan-2035 00:00:00 GMT;'"
                "+'Path=/;';location.href=location.pathname+location.search</script></body></html>")
        return 521, {"Content-Type": "text/html", "Set-Cookie": f"__jsluid_h={seed}; Path=/"}, body.encode()
    if kind == "waf_block":
        body = ("<html><head><meta charset=\"utf-8\"><title>安全拦截</title></head><body><div class=\"box\">"
                "<h2>您的访问请求可能对网站造成安全威胁</h2><p>由于您使用的请求方法存在潜在安全风险，被云堤网站安全防护拦截。"
                f"</p><p>事件ID：{seed}</p></div></body></html>")
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()
    if kind == "soft_404":
        body = ("<html><head><meta charset=\"gb2312\"><title>提示信息</title></head><body><div class=\"err\">"
                "对不起，您访问的页面不存在或已被删除！<a href=\"/\">返回首页</a></div></body></html>")
        return 200, {"Content-Type": "text/html"}, body.encode("gb18030")
    raise ValueError(kind)
