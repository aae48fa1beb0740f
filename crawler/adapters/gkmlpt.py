"""Guangdong gkmlpt (政府信息公开目录平台): a Vue front-end over a JSON API.

`/gkmlpt/index` is an empty SPA shell whose `window._CONFIG` carries the site id (`SID`) and the
category tree (`TREE`).  The 年报 categories are chosen by name (or by the `#<id>` of the start
URL), then listed through `GET /gkmlpt/api/all/<id>?page=N&sid=<SID>`.  Page 0 and page 1 return
the same batch (the API's off-by-one), so the walk starts at 1; it ends when `total` is reached
or a page comes back empty.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode, urljoin, urlsplit

from scrapy import Request
from scrapy.http import Response, TextResponse

from ..detail import normalise_date
from ..registry import Portal
from .base import Adapter, Entry, Listing

CONFIG = re.compile(r"window\._CONFIG\s*=\s*(\{.*?\})\s*;\s*(?:</script>|\n)", re.S)
SID = re.compile(r"""["']?SID["']?\s*:\s*["']?(\d+)""")
TREE_NODE = re.compile(r"""["']?id["']?\s*:\s*(\d+)\s*,\s*["']?name["']?\s*:\s*["']([^"']+)["']""")
CATEGORY_NAME = re.compile(r"年报|年度报告")


class GkmlptAdapter(Adapter):
    name = "gkmlpt"

    @classmethod
    def matches(cls, response: Response) -> bool:
        if "/gkmlpt/" in response.url:
            return True
        return isinstance(response, TextResponse) and "window._CONFIG" in response.text and bool(SID.search(response.text))

    def parse_list(self, response: Response, portal: Portal) -> Listing:
        if "/gkmlpt/api/" in urlsplit(response.url).path:
            return self._api(response, portal)
        if not isinstance(response, TextResponse):
            return Listing()
        text = response.text
        sid_m = SID.search(text)
        if not sid_m:
            return Listing()
        sid = sid_m.group(1)
        tree = self._tree(text)
        start = response.meta.get("nb_start_url") or response.url
        wanted = urlsplit(start).fragment
        cats = [cid for cid, name in tree if (wanted and cid == wanted) or (not wanted and CATEGORY_NAME.search(name))]
        listing = Listing()
        for cid in cats:
            url = urljoin(response.url, f"/gkmlpt/api/all/{cid}?" + urlencode({"page": 1, "sid": sid}))
            listing.next_requests.append(Request(url, meta={"nb_gkmlpt": {"cat": cid, "sid": sid, "page": 1}}))
        return listing

    def _tree(self, text: str) -> list[tuple[str, str]]:
        m = CONFIG.search(text)
        if m:
            try:
                config = json.loads(m.group(1))
                out: list[tuple[str, str]] = []
                stack = list(config.get("TREE") or [])
                while stack:
                    node = stack.pop(0)
                    out.append((str(node.get("id")), str(node.get("name", ""))))
                    stack.extend(node.get("children") or [])
                return out
            except (ValueError, AttributeError):
                pass
        return TREE_NODE.findall(text)

    def _api(self, response: Response, portal: Portal) -> Listing:
        state = response.meta.get("nb_gkmlpt") or {}
        try:
            data = json.loads(response.body)
        except ValueError:
            return Listing()
        articles = data.get("articles") or []
        entries = []
        for art in articles:
            url = art.get("url") or art.get("post_url")
            if not url:
                continue
            url = urljoin(response.url, url)
            title = str(art.get("title") or "")
            if portal.title_re.search(title) and portal.allows(url):
                entries.append(Entry(url, title, normalise_date(str(art.get("created_at") or ""))))
        listing = Listing(entries=entries)
        total = int(data.get("total") or 0)
        page = int(state.get("page", 1))
        per = int(state.get("per") or len(articles) or 1)
        if articles and page * per < total:
            nxt = dict(state, page=page + 1, per=per)
            url = urljoin(response.url, f"/gkmlpt/api/all/{state.get('cat')}?" + urlencode({"page": page + 1, "sid": state.get("sid")}))
            listing.next_requests.append(Request(url, meta={"nb_gkmlpt": nxt}))
        return listing
