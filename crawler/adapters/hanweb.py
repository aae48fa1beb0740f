"""Hanweb jcms (大汉): records embedded as CDATA in `<datastore>` scripts, the rest from dataproxy.jsp.

Only the first group of records (about three pages' worth) is embedded in the column page, and
inside a `<script type="text/xml">`, where HTML parsers and LinkExtractor do not look; so records
are unwrapped from CDATA and parsed as HTML.  The remaining records come from the proxy the page
names, in one of its two styles (portals.md §1.2):

- GET, page-based, when the page carries a `<nextgroup>` link: that link's own URL (path and
  parameters as written) with `page=N&perpage=P`;
- POST, record-range-based otherwise: `?startrecord=S&endrecord=E&perpage=P` on the `jpage({…})`
  configuration's `proxyUrl` (else a `url:` or any string literal naming `dataproxy.jsp` in the
  page), with the configuration's `ajaxParam` as the form body and `X-Requested-With`/`Referer`
  headers, as the page's own script sends it.

Every URL is resolved against the page, so a site under a path prefix is asked at
`/prefix/module/web/jpage/dataproxy.jsp` when the page says so.  Only a page that names no proxy
at all gets jpage's own default, the root-relative `/module/web/jpage/dataproxy.jsp` — and the
listing says so in `notes`.  The walk reads `totalrecord` from every answer (never a hard-coded
page count) and stops when it is reached or when an answer brings no record.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from parsel import Selector
from scrapy import FormRequest, Request
from scrapy.http import Response, TextResponse

from ..registry import Portal
from . import scripts as js
from .base import Adapter, Entry, Listing, advertised_in, harvest_entries, page_base, with_query

logger = logging.getLogger(__name__)

RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)[\"']", re.S)
TOTAL = re.compile(r"(?:totalRecord\s*:\s*['\"]?|<totalrecord>\s*)(\d+)", re.I)
TOTAL_PAGE = re.compile(r"<totalpage>\s*(\d+)", re.I)
PER_PAGE = re.compile(r"perPage\s*:\s*['\"]?(\d+)")
UNIT_ID = re.compile(r"""<div[^>]+id=["'](\d+)["'][^>]*>\s*<script[^>]+text/xml|jpageform_(\d+)|unitid['"]?\s*[:=]\s*['"]?(\d+)""")
PARAM = re.compile(r"""\b(col|appid|webid|path|columnid|sourceContentType|unitid|webname|permissiontype)\s*:\s*['"]?([^,'"}]*)['"]?""")
PROXY_LITERAL = re.compile(r"""["']([^"'\s<>]*dataproxy\.jsp[^"'\s<>]*)["']""")
JPAGE = re.compile(r"\.jpage\s*\(")
HANWEB_MARKERS = re.compile(r"<datastore>|/module/web/jpage/|\.jpage\(|ZJEG_RSS|/col/col\d+/")
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"  # jpage's own default when its configuration names none
GROUP_PAGES = 3  # jpage asks for three pages of records at a time unless `groupSize` says otherwise


class HanwebAdapter(Adapter):
    name = "hanweb"

    @classmethod
    def matches(cls, response: Response) -> bool:
        return isinstance(response, TextResponse) and bool(
            HANWEB_MARKERS.search(response.text) or re.search(r"/col/col\d+/", response.url))

    def parse_page(self, response: Response, portal: Portal) -> Listing:
        if not isinstance(response, TextResponse):
            return Listing()
        text = response.text
        state = response.meta.get("nb_hanweb")
        base = page_base(response)
        records = RECORD.findall(text)
        entries = self._entries(records, (state or {}).get("base") or base, portal)
        if state is None:  # the column page itself: embedded records, visible links, sub-columns
            seen = {e.url for e in entries}
            entries += [e for e in harvest_entries(response.selector, base, portal, page_url=response.url)
                        if e.url not in seen]
            listing = Listing(entries=entries, columns=self._columns(response, portal))
            state = self._initial_state(text, response.url, base, len(records), listing)
            listing.advertise(state.get("total"), None)
        else:
            listing = Listing(entries=entries)
            state = dict(state, fetched=state["fetched"] + len(records))
        total_m = TOTAL.search(text)
        total = int(total_m.group(1)) if total_m else state.get("total", 0)
        state["total"] = total
        pages_m = TOTAL_PAGE.search(text)
        listing.advertise(total if total_m else None, int(pages_m.group(1)) if pages_m else None)
        if response.meta.get("nb_hanweb") is None:
            listing.advertise(*advertised_in(response.text))
            self.follow_scripts(response, portal, listing, source_named=bool(state.get("style")))
        if state.get("style") and records and state["fetched"] < total:
            listing.next_requests.append(self._request(state))
        return listing

    def _entries(self, records: list[str], base: str, portal: Portal) -> list[Entry]:
        html = "<ul>" + "".join(records) + "</ul>"
        return harvest_entries(Selector(text=html), base, portal) if records else []

    def _columns(self, response: TextResponse, portal: Portal) -> list[tuple[str, str]]:
        """Sibling 年报 columns (部门/乡镇年报) linked from the column's navigation."""
        out = []
        base = page_base(response)
        for a in response.xpath("//a[contains(@href, '/col/col')]"):
            url = urljoin(base, a.attrib["href"])
            label = "".join(a.xpath(".//text()").getall()).strip()
            if url != response.url and portal.allows(url) and re.search(r"年报|年度报告", label):
                out.append((url, label))
        return out

    # --- the pager, as the page configures it ------------------------------------------------

    def _jpage_config(self, text: str) -> dict[str, js.Value]:
        """The `jpage({…})` call's options, read as literals (proxyUrl, perPage, ajaxParam …)."""
        for m in JPAGE.finditer(text):
            args = js.balanced(text, m.end() - 1)
            if args is None:
                continue
            first = js.split_top(args)
            if first:
                v = js.js_value(first[0])
                if v.kind == "obj":
                    return v.value
        return {}

    def _proxy(self, text: str, config: dict[str, js.Value]) -> str | None:
        """The proxy URL as the page writes it: `proxyUrl`, else the configuration's `url`, else any
        string literal naming dataproxy.jsp (morecolumndataproxy.jsp too)."""
        for key in ("proxyUrl", "proxyurl", "url"):
            v = config.get(key)
            if v is not None and v.kind == "str" and v.value:
                return v.value
        m = PROXY_LITERAL.search(text)
        return m.group(1).replace("&amp;", "&") if m else None

    def _initial_state(self, text: str, url: str, base: str, embedded: int, listing: Listing) -> dict:
        config = self._jpage_config(text)
        per_v = config.get("perPage")
        per_m = PER_PAGE.search(text)
        per = int(per_v.value) if per_v is not None and per_v.kind == "num" else int(per_m.group(1)) if per_m else 15
        group_v = config.get("groupSize")
        group = int(group_v.value) if group_v is not None and group_v.kind == "num" else GROUP_PAGES
        total_v = config.get("totalRecord")
        total = int(total_v.value) if total_v is not None and total_v.kind == "num" else None
        nextgroup = NEXTGROUP.search(text)
        if nextgroup and "page=" in nextgroup.group(1):
            href = urljoin(base, nextgroup.group(1).replace("&amp;", "&"))
            parts = urlsplit(href)
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            return {"style": "get", "proxy": urlunsplit(parts._replace(query="")), "params": params, "perpage": per,
                    "fetched": embedded, "page": embedded // per + 1 if embedded else 1, "total": total,
                    "base": base}
        params: dict[str, str] = {}
        ajax = config.get("ajaxParam")
        if ajax is not None and ajax.kind == "obj":
            params = {k: str(v.value) for k, v in ajax.value.items() if v.literal}
        if not params:
            params = {k: v for k, v in PARAM.findall(text)}
        unit = UNIT_ID.search(text)
        if unit and "unitid" not in params:
            params["unitid"] = next(g for g in unit.groups() if g)
        if "columnid" not in params:
            col = re.search(r"/col/col(\d+)/", url)
            if col:
                params["columnid"] = col.group(1)
        if "columnid" not in params:
            return {"style": None, "fetched": embedded, "total": total}
        proxy = self._proxy(text, config)
        if proxy is None:
            proxy = DEFAULT_PROXY
            note = f"hanweb: the page names no dataproxy URL; jpage's default {DEFAULT_PROXY} (site root) assumed"
            listing.notes.append(note)
            logger.warning("%s (%s)", note, url)
        return {"style": "post", "proxy": urljoin(base, proxy), "params": params, "perpage": per, "group": group,
                "fetched": embedded, "referer": url, "total": total, "base": base}

    def _request(self, state: dict) -> Request:
        per = state["perpage"]
        if state["style"] == "get":
            page = state.get("page", 1)
            nxt = dict(state, page=page + 1)
            return Request(with_query(state["proxy"], dict(state["params"], page=str(page), perpage=str(per))),
                           meta={"nb_hanweb": nxt})
        start = state["fetched"] + 1
        end = start + per * state.get("group", GROUP_PAGES) - 1
        url = with_query(state["proxy"], {"startrecord": start, "endrecord": end, "perpage": per})
        headers = {"X-Requested-With": "XMLHttpRequest", "Referer": state.get("referer", state["proxy"])}
        return FormRequest(url, formdata={k: str(v) for k, v in state["params"].items()},
                           headers=headers, meta={"nb_hanweb": state})
