"""HostilePageMiddleware: recognise anti-bot walls and error pages so they are counted, never stored.

Portals answer crawlers with pages that look like content (portals.md §3): 瑞数 challenges (HTTP
412 with a `$_ts` script), 加速乐/创宇盾 (HTTP 521 setting `__jsl_clearance_s`), WAF block pages
(电信云堤, 安全狗, 云锁, 宝塔, 360, D盾, 长亭, 知道创宇, 阿里云盾 …), captcha and slider pages,
统一身份认证 login forms, tiny JavaScript redirect stubs, soft 404s (status 200, 页面不存在), pages that
carry the site's header, nav and footer around nothing, and a picture served where a report file
was linked.  Many come with status 200, at the size of a real page and inside the site's chrome,
so they are told by *content*, not by status or size:

- the markers of each family (scripts, cookies, vendor names, captcha widgets, password fields,
  not-found wording) are looked for first, cheaply, in the text;
- a page that shows a marker is hostile only if it carries **no report content** — judged on the
  region the detail reader reads (`crawler.detail.BODY_XPATH`, else the page minus its chrome:
  header, nav, breadcrumb, footer, scripts): no report file linked, no picture of the report in
  the body, no table, and less than `CONTENT_MIN` characters of text.  A real report that mentions
  验证码 or 登录, or is printed as pictures, has that content and is left alone;
- a detail page with no marker at all but nothing in it either (chrome around an empty body) is
  `empty_page`;
- an image body (PNG, JPEG, GIF, BMP, WebP, by magic bytes) for a URL or a link text that promised
  a report (a PDF/DOC/HTML page or file) is `image_for_report`.

Each is classified (KINDS), counted, written to `crawl_urls` as `blocked:<kind>` (so it is asked
again on the next run), and dropped — except a JS redirect stub, which is followed once when it
stays on the same host (that is what a browser would do).  No cookies are forged or pasted:
solving a challenge is out of scope; reporting it precisely is not.

Runs after RetryMiddleware and HttpCompressionMiddleware in process_response (a lower order
number), and after EncodingRepairMiddleware, so it sees decompressed bodies, the final status and
the text as it really reads.

Settings: NIANBAO_HOSTILE (default True), NIANBAO_HOSTILE_MAX_STUB (bytes, default 2048).
Stats: nianbao/hostile/<kind>, nianbao/portal/<name>/hostile/<kind>; a blocked attachment also
counts as nianbao/portal/<name>/attachments_failed (the report it was meant to be is not archived).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.response import get_meta_refresh

from ..detail import ATTACHMENT_EXTENSIONS
from ..health import Refused
from ..stats import count

# What each kind means (docs/crawling.md lists them; a test checks that every kind is documented).
KINDS: dict[str, str] = {
    "ruishu_412": "瑞数 (RiverSecurity) challenge: HTTP 412/202, or any status with its `$_ts` script",
    "jsl_521": "加速乐/创宇盾 challenge: HTTP 521, or any status with its `__jsl_clearance` cookie script",
    "waf_block": "a WAF block page (云堤, 安全狗, 云锁, 宝塔, 360, D盾, 长亭, 知道创宇, 阿里云盾 …)",
    "captcha": "a captcha or slider-verification page (验证码, 滑块, 人机验证)",
    "login": "a login form (统一身份认证, a password field) where a report was linked",
    "soft_404": "a not-found page with status 200 (页面不存在, 404), stub or inside the site's chrome",
    "empty_page": "a detail page with the site's chrome around no report content at all",
    "image_for_report": "an image body (by magic bytes) where a PDF, DOC or HTML report was linked",
    "js_redirect": "a script-only stub that moves the browser elsewhere (followed once when same-host)",
}

# Fingerprints as data: (kind, status codes or None for any, regex over the first 64 KiB).
FINGERPRINTS: list[tuple[str, set[int] | None, re.Pattern[str]]] = [
    ("ruishu_412", {412, 202}, re.compile(r"\$_ts\s*=|\$_ts\.|r=['\"]m['\"]")),
    ("jsl_521", {521}, re.compile(r"__jsl_clearance|__jsluid|document\.cookie\s*=|go\(\{")),
]
# Markers that make a page a candidate whatever its status; confirmed by the absence of content.
# Written in lower case and searched in lower-cased text: Python's `re` with IGNORECASE over CJK
# alternations costs ~10 ms a page, case-sensitive on lower-cased text ~0.1 ms.
RUISHU = re.compile(r"\$_ts\s*=\s*window\[|if\s*\(\s*!\s*\$_ts\s*\)|\$_ts\.(?:cd|nsd|lcd)\b|<meta[^>]+\br=['\"]m['\"]")
JSL = re.compile(r"__jsl_clearance|__jsluid|document\.cookie\s*=\s*\(\s*['\"]_['\"]\s*\)\s*\+|go\(\{\s*['\"]?bts")
WAF = re.compile(
    r"云堤|网站安全防护拦截|安全狗|safedog|yunsuo_session|云锁|bt-waf|宝塔.{0,10}防火墙|wzws_cid|"
    r"webscan\.360\.cn|360网站卫士|yunjiasu|百度云加速.{0,20}拦截|d盾_拦截|safeline|长亭|当前访问疑似黑客攻击|"
    r"您的访问请求可能对网站造成安全威胁|访问被拒绝.{0,20}防火墙|知道创宇|创宇盾|加速乐|阿里云盾|云盾|yundun|"
    r"errors\.aliyun\.com|aliyun_waf|您的请求(?:已)?被(?:拦截|阻断)|访问已被拦截|网站防火墙|web\s*应用防火墙")
CAPTCHA = re.compile(r"验证码|captcha|滑块|滑动验证|拖动.{0,8}(?:滑块|验证)|人机验证|安全验证|请完成验证|geetest|"
                     r"nc_token|nocaptcha|slide-?verify|slider-?(?:track|verify|captcha)")
LOGIN = re.compile(r"统一身份认证|统一认证平台|用户登录|请先登录|请登录|登录后(?:查看|访问|下载)|单点登录|/cas/login|sso/login")
PASSWORD = re.compile(r"<input[^>]+type\s*=\s*['\"]?password")
SOFT_404 = re.compile(r"页面不存在|页面未找到|找不到(该|此)?页面|已被删除|页面已删除|404\s*not\s*found|访问的页面不存在|"
                      r"(?:错误|error)\s*404|404\s*(?:错误|error|页面)|信息不存在|文章不存在|内容不存在|"
                      r"该信息已(?:撤销|下线|过期)")
TITLE_404 = re.compile(r"(?<!\d)404(?!\d)|页面不存在|找不到|错误提示")
JS_REDIRECT = re.compile(r"""(?:window\.|self\.|top\.)?location(?:\.href)?\s*=\s*["']([^"']+)["']|"""
                         r"""location\.replace\(\s*["']([^"']+)["']\s*\)""")
# Images where a report was promised (sniffed, never by Content-Type).
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")
IMAGE_SUFFIX = re.compile(r"\.(?:png|jpe?g|gif|bmp|webp|tiff?)$", re.I)
# Page chrome: elements whose tag, class or id says header, nav, breadcrumb, footer, search …
CHROME_TAGS = {"header", "nav", "footer", "aside", "script", "style", "noscript", "template", "select", "option"}
CHROME_TOKEN = re.compile(r"^(?:header|head|top|topbar|nav|navbar|menu|mainnav|subnav|leftnav|footer|foot|bottom|"
                          r"copyright|bread|breadcrumb|crumb|position|location|banner|logo|search|toolbar|sitemap|"
                          r"friendlink|links|sidebar)(?:[-_]\w*)?$", re.I)
CAPTCHA_IMAGE = re.compile(r"captcha|verif|yzm|checkcode|validat|kaptcha|vcode|randcode|imgcode|authcode|securimage|"
                           r"验证码", re.I)
DECOR_IMAGE = re.compile(r"404|error|err[-_.]|notfound|nofound|sorry|warn|tips?[-_.]|icon|logo|loading|btn|button|"
                         r"arrow|bg[-_.]|spacer|blank\.|qrcode|erweima|share", re.I)
CONTENT_MIN = 300  # characters of text (spaces removed) that make a page's body content
_BODY_XPATH = None  # crawler.detail.BODY_XPATH, imported lazily (the detail reader's own container)
_SPACES = re.compile(r"[\s\u3000\xa0]+")

_VISIBLE = re.compile(r"<(?:(?:script|style|SCRIPT|STYLE)\b.*?</(?:script|style|SCRIPT|STYLE)>|!--.*?-->|[^>]+>)", re.S)
_FILE_LINK = re.compile(r"\.(?:" + "|".join(ATTACHMENT_EXTENSIONS) + r")\b|downfile|/attachment/|/attach/", re.I)


def is_image(body: bytes) -> bool:
    head = body[:16]
    return head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def promised_report(request: Request | None, url: str) -> bool:
    """Whether the link that was followed promised a report (a page or a report file), not a picture:
    a detail or attachment request whose URL, `filename=` or link text does not name an image."""
    if request is None or request.meta.get("nb_kind") not in ("detail", "attachment"):
        return False
    names = [urlsplit(url).path, urlsplit(request.url).path]
    names += parse_qs(urlsplit(request.url).query).get("filename", [])
    names.append(((request.meta.get("nb_page") or {}).get("file_name")) or "")
    return not any(IMAGE_SUFFIX.search(n.strip()) for n in names if n)


def _looks_html(text: str) -> bool:
    probe = text[:2048].lstrip("\ufeff \t\r\n").lower()
    if probe.startswith("<?xml") and "<html" not in text[:4096].lower():
        return False
    return probe.startswith(("<!doctype", "<html", "<head", "<meta", "<body", "<div", "<script", "<!--", "<title",
                             "<p", "<table", "<form", "<center", "<h1", "<h2")) or "<body" in text[:8192].lower()


class _Region:
    """What a page holds besides its chrome: the text, pictures, tables and form fields the reader
    would see in the region it reads (the body container, else <body> minus chrome)."""

    def __init__(self, text: str, url: str) -> None:
        global _BODY_XPATH
        if _BODY_XPATH is None:
            from ..detail import BODY_XPATH

            _BODY_XPATH = BODY_XPATH
        sel = Selector(text=text)
        root = sel.root
        self.title = " ".join(t.strip() for t in sel.xpath("//title//text()").getall())
        containers = sel.xpath(_BODY_XPATH)
        self.container = bool(containers)
        base = containers[0].root if containers else (sel.xpath("//body") or sel)[0].root
        self.texts: list[str] = []
        self.images: list[str] = []  # pictures that may be the report (not captcha pictures)
        self.captcha_images = 0
        self.cells = 0
        self.links = 0
        self.password = False
        self.links_to_files = 0
        if hasattr(base, "iter"):
            self._walk(base, chrome_free=not containers)
        self.text = _SPACES.sub("", "".join(self.texts))
        from ..detail import is_attachment_url

        hrefs = root.xpath("//a/@href | //iframe/@src | //embed/@src | //object/@data") if hasattr(root, "xpath") else []
        self.links_to_files = sum(1 for h in hrefs if is_attachment_url(urljoin(url, str(h).strip())))

    def _walk(self, el, chrome_free: bool) -> None:  # noqa: ANN001 - an lxml element
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag.lower() in CHROME_TAGS:
            return
        if chrome_free and tag:
            tokens = f"{el.get('class') or ''} {el.get('id') or ''}".split()
            if any(CHROME_TOKEN.match(t) for t in tokens):
                return
        if tag == "img":
            src = el.get("src") or ""
            if CAPTCHA_IMAGE.search(f"{src} {el.get('id') or ''} {el.get('class') or ''} {el.get('alt') or ''}"):
                self.captcha_images += 1
            elif src and not DECOR_IMAGE.search(f"{src} {el.get('class') or ''} {el.get('alt') or ''}"):
                self.images.append(src)
        elif tag in ("td", "th"):
            self.cells += 1
        elif tag == "a":
            self.links += 1
        elif tag == "input" and (el.get("type") or "").lower() == "password":
            self.password = True
        if tag and el.text:
            self.texts.append(el.text)
        for child in el:
            self._walk(child, chrome_free)
            if child.tail:
                self.texts.append(child.tail)

    @property
    def has_report_content(self) -> bool:
        return bool(self.links_to_files or self.images or self.cells >= 6 or len(self.text) >= CONTENT_MIN)


def _markers(text: str) -> tuple[list[str], str]:
    """The hostile families whose markers the page shows, most specific first.  Cheap: `in` tests
    on the raw text before any regex (a 60 KB report page costs ~1 ms here), regexes over its
    visible text, lower-cased."""
    found = []
    if ("$_ts" in text or 'r="m"' in text or "r='m'" in text) and RUISHU.search(text):
        found.append("ruishu_412")
    if any(w in text for w in ("__jsl", "document.cookie", "go({")) and JSL.search(text):
        found.append("jsl_521")
    visible = _VISIBLE.sub(" ", text).lower()
    if WAF.search(visible) or WAF.search(text[:4096].lower()):
        found.append("waf_block")
    if CAPTCHA.search(visible) or any(w in text for w in (
            "captcha", "Captcha", "CAPTCHA", "geetest", "nc_token", "slideVerify", "slide-verify", "slideverify")):
        found.append("captcha")
    if LOGIN.search(visible) or (any(w in text for w in ("password", "Password", "PASSWORD"))
                                 and PASSWORD.search(text.lower())):
        found.append("login")
    if SOFT_404.search(visible):
        found.append("soft_404")
    return found, visible


def classify(response: Response, max_stub: int = 2048, request: Request | None = None) -> tuple[str | None, str | None]:
    """(kind, redirect target) for a hostile response; (None, None) for a normal one.  `request` (the
    crawler's, with `nb_kind`) tells what the link promised; without it the page is judged as a
    detail page."""
    request = request if request is not None else getattr(response, "request", None)
    kind = (request.meta.get("nb_kind") if request is not None else None) or "detail"
    if response.status == 200 and is_image(response.body) and promised_report(request, response.url):
        return "image_for_report", None
    head = response.body[:65536]
    if isinstance(response, TextResponse):
        text = response.text[:65536]
    else:  # an HTML page under a PDF or DOCX content type (a WAF answering for the file)
        from extract.encoding import decode

        text = decode(head)[0] if head.lstrip()[:1] == b"<" else head.decode("utf-8", "replace")
    for name, statuses, pattern in FINGERPRINTS:
        if response.status in statuses and pattern.search(text):
            return name, None
    if response.status in (412, 521):
        return ("ruishu_412" if response.status == 412 else "jsl_521"), None
    if response.status != 200 and not WAF.search(_VISIBLE.sub(" ", text[:16384]).lower()):
        return None, None
    if not _looks_html(text):
        return None, None
    if response.status == 200 and len(head) <= max_stub and isinstance(response, TextResponse):
        links = len(re.findall(r"<a\s", text, re.I))
        m = JS_REDIRECT.search(text)
        if m and links <= 1:
            return "js_redirect", m.group(1) or m.group(2)
    if isinstance(response, HtmlResponse) and b"refresh" in head[:8192].lower() and get_meta_refresh(response)[1]:
        return None, None  # a meta-refresh stub: MetaRefreshMiddleware follows it, or the offsite rules refuse it
    markers, visible = _markers(text)
    if not markers and (kind != "detail" or text.count("<td") >= 6 or _FILE_LINK.search(text)
                        or len(_SPACES.sub("", visible)) > 10 * CONTENT_MIN):
        return None, None  # the common case: nothing hostile shown, and tables, files or much text
    region = _Region(text, response.url)
    if kind in ("column", "list"):
        # a list page carries links and script-driven pagers, not report content: hostile only when
        # a marker stands in a page that lists nothing besides its chrome
        content = region.links >= 5 or len(region.text) >= CONTENT_MIN or bool(re.search(
            r"<datastore|createPageHTML|_CONFIG|jpage\(", text))
    else:
        content = region.has_report_content
    if content:
        return None, None
    shown = (region.text + " " + region.title).lower()
    for name in markers:
        if name in ("ruishu_412", "jsl_521", "waf_block"):
            return name, None
        if name == "captcha" and (CAPTCHA.search(shown) or region.captcha_images):
            return name, None
        if name == "login" and (region.password or LOGIN.search(shown)):
            return name, None
        if name == "soft_404" and SOFT_404.search(shown):
            return name, None
    if kind == "detail" and TITLE_404.search(region.title.lower()) and len(region.text) < CONTENT_MIN:
        return "soft_404", None
    if kind == "detail" and len(region.text) < 20:
        return "empty_page", None
    return None, None


class HostilePageMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_stub = crawler.settings.getint("NIANBAO_HOSTILE_MAX_STUB", 2048)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostilePageMiddleware:
        if not crawler.settings.getbool("NIANBAO_HOSTILE", True):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response | Request:
        if "nb_portal" not in request.meta or response.status in (301, 302, 303, 307, 308, 304):
            return response
        kind, target = classify(response, self.max_stub, request)
        if kind is None:
            return response
        portal = request.meta["nb_portal"]
        if kind == "js_redirect" and target and not request.meta.get("nb_js_redirected"):
            url = urljoin(response.url, target)
            if urlsplit(url).hostname == urlsplit(response.url).hostname:
                self._count(portal, "js_redirect_followed")
                return request.replace(url=url, meta={**request.meta, "nb_js_redirected": True,
                                                      "nb_column": url if request.meta.get("nb_kind") == "column"
                                                      else request.meta.get("nb_column")})
        self._count(portal, kind)
        if request.meta.get("nb_kind") == "attachment" and "nb_entry" not in request.meta:
            # the page was fetched, its report file was not: the portal is not ok tonight
            self.stats.inc_value("nianbao/attachments_failed")
            self.stats.inc_value(f"nianbao/portal/{portal}/attachments_failed")
        self._remember(request, portal, kind)
        self.crawler.spider.logger.info("hostile page (%s, HTTP %s): %s", kind, response.status, response.url)
        raise Refused("blocked", f"hostile page: {kind}")

    def _count(self, portal: str, kind: str) -> None:
        count(self.stats, portal, f"hostile/{kind}")

    def _remember(self, request: Request, portal: str, kind: str) -> None:
        if not self.crawler.settings.get("NIANBAO_DB"):
            return
        from ..state import CrawlState

        CrawlState.for_crawler(self.crawler).remember(request.url, portal, request.meta.get("nb_kind", "?"),
                                                      f"blocked:{kind}")
