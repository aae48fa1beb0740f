"""Hanweb jcms (大汉): records embedded as CDATA in `<datastore>` scripts, the rest from dataproxy.jsp.

Only the first group of records (about three pages' worth) is embedded in the column page, and
inside a `<script type="text/xml">`, where HTML parsers and LinkExtractor do not look; so records
are unwrapped from CDATA and parsed as HTML.  The remaining records come from
`/module/web/jpage/dataproxy.jsp` in one of its two styles (portals.md §1.2):

- GET, page-based, when the page carries a `<nextgroup>` link: `?page=N&…&perpage=P`;
- POST, record-range-based otherwise: `?startrecord=S&endrecord=E&perpage=P` with the column's
  `ajaxParam` as the form body and `X-Requested-With`/`Referer` headers, as the page's own script
  sends it.

The walk reads `totalrecord` from every answer (never a hard-coded page count) and stops when it
is reached or when an answer brings no record it has not seen.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from parsel import Selector
from scrapy import FormRequest, Request
from scrapy.http import Response, TextResponse

from ..registry import Portal
from .base import Adapter, Entry, Listing, harvest_entries

RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)[\"']", re.S)
TOTAL = re.compile(r"(?:totalRecord\s*:\s*['\"]?|<totalrecord>\s*)(\d+)", re.I)
PER_PAGE = re.compile(r"perPage\s*:\s*['\"]?(\d+)")
UNIT_ID = re.compile(r"""<div[^>]+id=["'](\d+)["'][^>]*>\s*<script[^>]+text/xml|jpageform_(\d+)|unitid['"]?\s*[:=]\s*['"]?(\d+)""")
PARAM = re.compile(r"""\b(col|appid|webid|path|columnid|sourceContentType|unitid|webname|permissiontype)\s*:\s*['"]?([^,'"}]*)['"]?""")
HANWEB_MARKERS = re.compile(r"<datastore>|/module/web/jpage/|\.jpage\(|ZJEG_RSS|/col/col\d+/")
PROXY = "/module/web/jpage/dataproxy.jsp"
GROUP_PAGES = 3  # jpage asks for three pages of records at a time


class HanwebAdapter(Adapter):
    name = "hanweb"

    @classmethod
    def matches(cls, response: Response) -> bool:
        return isinstance(response, TextResponse) and bool(
            HANWEB_MARKERS.search(response.text) or re.search(r"/col/col\d+/", response.url))

    def parse_list(self, response: Response, portal: Portal) -> Listing:
        if not isinstance(response, TextResponse):
            return Listing()
        text = response.text
        state = response.meta.get("nb_hanweb")
        records = RECORD.findall(text)
        entries = self._entries(records, response.url, portal)
        if state is None:  # the column page itself: embedded records, visible links, sub-columns
            seen = {e.url for e in entries}
            entries += [e for e in harvest_entries(response.selector, response.url, portal) if e.url not in seen]
            listing = Listing(entries=entries, columns=self._columns(response, portal))
            state = self._initial_state(text, response.url, len(records))
        else:
            listing = Listing(entries=entries)
            state = dict(state, fetched=state["fetched"] + len(records))
        total_m = TOTAL.search(text)
        total = int(total_m.group(1)) if total_m else state.get("total", 0)
        state["total"] = total
        if state.get("style") and records and state["fetched"] < total:
            listing.next_requests.append(self._request(state, response.url))
        return listing

    def _entries(self, records: list[str], base: str, portal: Portal) -> list[Entry]:
        html = "<ul>" + "".join(records) + "</ul>"
        return harvest_entries(Selector(text=html), base, portal) if records else []

    def _columns(self, response: TextResponse, portal: Portal) -> list[tuple[str, str]]:
        """Sibling 年报 columns (部门/乡镇年报) linked from the column's navigation."""
        out = []
        for a in response.xpath("//a[contains(@href, '/col/col')]"):
            url = urljoin(response.url, a.attrib["href"])
            label = "".join(a.xpath(".//text()").getall()).strip()
            if url != response.url and portal.allows(url) and re.search(r"年报|年度报告", label):
                out.append((url, label))
        return out

    def _initial_state(self, text: str, url: str, embedded: int) -> dict:
        per_m = PER_PAGE.search(text)
        per = int(per_m.group(1)) if per_m else 15
        nextgroup = NEXTGROUP.search(text)
        if nextgroup and "page=" in nextgroup.group(1):
            params = dict(parse_qsl(urlsplit(nextgroup.group(1).replace("&amp;", "&")).query))
            return {"style": "get", "params": params, "perpage": per, "fetched": embedded,
                    "page": embedded // per + 1 if embedded else 1}
        params = {k: v for k, v in PARAM.findall(text)}
        unit = UNIT_ID.search(text)
        if unit and "unitid" not in params:
            params["unitid"] = next(g for g in unit.groups() if g)
        if "columnid" not in params:
            col = re.search(r"/col/col(\d+)/", url)
            if col:
                params["columnid"] = col.group(1)
        if "columnid" not in params:
            return {"style": None, "fetched": embedded}
        return {"style": "post", "params": params, "perpage": per, "fetched": embedded, "referer": url}

    def _request(self, state: dict, url: str) -> Request:
        proxy = urljoin(url, PROXY)
        per = state["perpage"]
        if state["style"] == "get":
            page = state.get("page", 1)
            query = dict(state["params"], page=str(page), perpage=str(per))
            nxt = dict(state, page=page + 1)
            return Request(f"{proxy}?{urlencode(query)}", meta={"nb_hanweb": nxt})
        start = state["fetched"] + 1
        end = start + per * GROUP_PAGES - 1
        query = urlencode({"startrecord": start, "endrecord": end, "perpage": per})
        headers = {"X-Requested-With": "XMLHttpRequest", "Referer": state.get("referer", url)}
        return FormRequest(f"{proxy}?{query}", formdata={k: str(v) for k, v in state["params"].items()},
                           headers=headers, meta={"nb_hanweb": state})
