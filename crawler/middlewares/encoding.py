"""EncodingRepairMiddleware: decode pages the way Chinese portals need, not the way they declare.

Scrapy resolves a page's encoding BOM → HTTP header → `<meta>` → sniffing, and trusts the header:
a GBK page served with `charset=utf-8` becomes U+FFFD mojibake (libraries.md §1.1, measured).
This middleware re-decides with `extract.encoding.decode` — the extractor's own rule (a declared
charset is used only if the bytes decode with it *and read*: a GBK page declared cp1251, or UTF-8
declared KOI8-R or GB2312, reads as what it is; gb2312/gbk read as gb18030) — and, when the answer
differs, replaces the response with one carrying the right encoding.  One rule for the
crawler and the extractor, so a page reads the same in both.

Settings: NIANBAO_ENCODING_REPAIR (default True).
Stats: nianbao/encoding/repaired, nianbao/encoding/overridden (the declared charset was not used), nianbao/encoding/undeclared (no header, BOM or `<meta>`: our rule
decides and Scrapy's sniffing is skipped), nianbao/encoding/<codec>.
"""

from __future__ import annotations

import codecs

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from extract.encoding import canonical, decode, meta_charset


def _same(a: str | None, b: str | None) -> bool:
    try:
        return bool(a and b) and codecs.lookup(a).name == codecs.lookup(b).name
    except LookupError:
        return False


def _with_encoding(response: TextResponse, encoding: str) -> TextResponse:
    """`response.replace(encoding=...)` without its cost: `replace` reads every attribute of the old
    response first, `encoding` included, and for a page that declares none that read is Scrapy's
    charset sniffing (every PDF, DOCX and undeclared page).  `Response.attributes` is Scrapy's
    documented list of the keyword arguments that rebuild a response."""
    kwargs = {name: getattr(response, name) for name in response.attributes if name != "encoding"}
    return type(response)(**kwargs, encoding=encoding)


class EncodingRepairMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EncodingRepairMiddleware:
        if not crawler.settings.getbool("NIANBAO_ENCODING_REPAIR", True):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or not response.body:
            return response
        declared = http_content_type_encoding((response.headers.get(b"Content-Type") or b"").decode("latin-1"))
        _, used = decode(response.body, canonical(declared))
        self.stats.inc_value(f"nianbao/encoding/{used}")
        if not (declared or read_bom(response.body)[0] or html_body_declared_encoding(response.body)):
            # Nothing declared: Scrapy would sniff (charset_normalizer, ~4 ms a page, the largest
            # single cost of such pages); our rule has decided already, so it is given outright.
            self.stats.inc_value("nianbao/encoding/undeclared")
            return _with_encoding(response, used)
        said = canonical(declared) or meta_charset(response.body)
        if said and not _same(said, used):
            # a charset that lies: the archive records both (`charset_overridden`, archive/write.py)
            self.stats.inc_value("nianbao/encoding/overridden")
            self.crawler.spider.logger.info("charset_overridden: declared %s, used %s: %s", said, used, response.url)
        if _same(used, response.encoding):
            return response
        self.stats.inc_value("nianbao/encoding/repaired")
        self.crawler.spider.logger.debug("encoding of %s: %s, not %s", response.url, used, response.encoding)
        return _with_encoding(response, used)
