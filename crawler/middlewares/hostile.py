"""HostilePageMiddleware: recognise anti-bot walls and error pages so they are counted, never stored.

Portals answer crawlers with pages that look like content (portals.md §3): 瑞数 challenges (HTTP
412 with a `$_ts` script), 加速乐/创宇盾 (HTTP 521 setting `__jsl_clearance_s`), WAF block pages
served with status 200 (电信云堤, 安全狗, 云锁, 宝塔, 360, D盾, 长亭 …), tiny JavaScript redirect
stubs, and soft 404s (status 200, 页面不存在).  Each is classified by fingerprint, counted, written
to `crawl_urls` as `blocked:<kind>`, and dropped — except a JS redirect stub, which is followed
once when it stays on the same host (that is what a browser would do).  No cookies are forged or
pasted: solving a challenge is out of scope; reporting it precisely is not.

Runs after RetryMiddleware and HttpCompressionMiddleware in process_response (a lower order
number), so it sees decompressed bodies and the final status.

Settings: NIANBAO_HOSTILE (default True), NIANBAO_HOSTILE_MAX_STUB (bytes, default 2048).
Stats: nianbao/hostile/<kind>, nianbao/portal/<name>/hostile/<kind>.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response, TextResponse

from ..health import Refused

# Fingerprints as data: (kind, status codes or None for any, regex over the first 64 KiB).
FINGERPRINTS: list[tuple[str, set[int] | None, re.Pattern[str]]] = [
    ("ruishu_412", {412, 202}, re.compile(r"\$_ts\s*=|\$_ts\.|r=['\"]m['\"]")),
    ("jsl_521", {521}, re.compile(r"__jsl_clearance|__jsluid|document\.cookie\s*=|go\(\{")),
    ("waf_block", None, re.compile(
        r"云堤|网站安全防护拦截|安全狗|safedog|yunsuo_session|云锁|bt-waf|宝塔.{0,10}防火墙|wzws_cid|"
        r"webscan\.360\.cn|360网站卫士|yunjiasu|百度云加速.{0,20}拦截|D盾_拦截|safeline|长亭|当前访问疑似黑客攻击|"
        r"您的访问请求可能对网站造成安全威胁|访问被拒绝.{0,20}防火墙")),
]
SOFT_404 = re.compile(r"页面不存在|页面未找到|找不到(该|此)?页面|已被删除|页面已删除|404\s*Not\s*Found|访问的页面不存在", re.I)
JS_REDIRECT = re.compile(r"""(?:window\.|self\.|top\.)?location(?:\.href)?\s*=\s*["']([^"']+)["']|"""
                         r"""location\.replace\(\s*["']([^"']+)["']\s*\)""")


def classify(response: Response, max_stub: int = 2048) -> tuple[str | None, str | None]:
    """(kind, redirect target) for a hostile response; (None, None) for a normal one."""
    head = response.body[:65536]
    text = response.text[:65536] if isinstance(response, TextResponse) else head.decode("utf-8", "replace")
    for kind, statuses, pattern in FINGERPRINTS:
        if (statuses is None or response.status in statuses) and pattern.search(text):
            if statuses is None and len(text) > 20000:
                continue  # a long page merely mentioning a WAF vendor is content
            return kind, None
    if response.status in (412, 521):
        return ("ruishu_412" if response.status == 412 else "jsl_521"), None
    if response.status != 200 or not isinstance(response, TextResponse):
        return None, None
    if len(head) <= max_stub:
        links = len(re.findall(r"<a\s", text, re.I))
        m = JS_REDIRECT.search(text)
        if m and links <= 1:
            return "js_redirect", m.group(1) or m.group(2)
        visible = re.sub(r"<[^>]+>|\s+", "", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", text, flags=re.S | re.I))
        if SOFT_404.search(visible) and len(visible) < 400:
            return "soft_404", None
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
        kind, target = classify(response, self.max_stub)
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
        self._remember(request, portal, kind)
        self.crawler.spider.logger.info("hostile page (%s, HTTP %s): %s", kind, response.status, response.url)
        raise Refused("blocked", f"hostile page: {kind}")

    def _count(self, portal: str, kind: str) -> None:
        self.stats.inc_value(f"nianbao/hostile/{kind}")
        self.stats.inc_value(f"nianbao/portal/{portal}/hostile/{kind}")

    def _remember(self, request: Request, portal: str, kind: str) -> None:
        if not self.crawler.settings.get("NIANBAO_DB"):
            return
        from ..state import CrawlState

        CrawlState.for_crawler(self.crawler).remember(request.url, portal, request.meta.get("nb_kind", "?"),
                                                      f"blocked:{kind}")
