"""Guangdong gkmlpt (政府信息公开目录平台): a Vue front-end over a JSON API.

`…/gkmlpt/index` is an empty SPA shell whose `window._CONFIG` carries the site id (`SID`) and the
category tree (`TREE`).  The 年报 categories are chosen by name (or by the `#<id>` of the start
URL), then listed through `GET <api>/all/<id>?page=N&sid=<SID>`.  Page 0 and page 1 return the
same batch (the API's off-by-one), so the walk starts at 1; it ends when `total` is reached or a
page comes back empty.

Where the API lives is read, never assumed: an API address `_CONFIG` names (a key with `API` in
its name, or a value holding `/api/`), else the path of the page itself — the API sits beside
the `/gkmlpt/` the page is served under, so a site mounted at `/sub/gkmlpt/index` is asked at
`/sub/gkmlpt/api/all/…`.  The next page is the answer's own URL with its `page` moved on.  Only a
shell served outside any `/gkmlpt/` path, naming no API, gets the root default `/gkmlpt/api/`,
and the listing says so in `notes`.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import urlencode, urljoin, urlsplit

from scrapy import Request
from scrapy.http import Response, TextResponse

from ..detail import normalise_date
from ..registry import Portal
from .base import Adapter, Entry, Listing, advertised_in, page_base, with_query

logger = logging.getLogger(__name__)

CONFIG = re.compile(r"window\._CONFIG\s*=\s*(\{.*?\})\s*;\s*(?:</script>|\n)", re.S)
SID = re.compile(r"""["']?SID["']?\s*:\s*["']?(\d+)""")
TREE_NODE = re.compile(r"""["']?id["']?\s*:\s*(\d+)\s*,\s*["']?name["']?\s*:\s*["']([^"']+)["']""")
CONFIG_API = re.compile(r"""["']?(\w*API\w*)["']?\s*:\s*["']([^"']+)["']""", re.I)
CATEGORY_NAME = re.compile(r"年报|年度报告")
DEFAULT_API = "/gkmlpt/api/"


class GkmlptAdapter(Adapter):
    name = "gkmlpt"

    @classmethod
    def matches(cls, response: Response) -> bool:
        if "/gkmlpt/" in response.url:
            return True
        return isinstance(response, TextResponse) and "window._CONFIG" in response.text and bool(SID.search(response.text))

    def parse_page(self, response: Response, portal: Portal) -> Listing:
        if "nb_gkmlpt" in response.meta or "/gkmlpt/api/" in urlsplit(response.url).path:
            return self._api(response, portal)
        if not isinstance(response, TextResponse):
            return Listing()
        text = response.text
        sid_m = SID.search(text)
        if not sid_m:
            return Listing()
        sid = sid_m.group(1)
        config = self._config(text)
        tree = self._tree(config, text)
        start = response.meta.get("nb_start_url") or response.url
        wanted = urlsplit(start).fragment
        cats = [cid for cid, name in tree if (wanted and cid == wanted) or (not wanted and CATEGORY_NAME.search(name))]
        listing = Listing()
        api = self.api_root(response, config, text, listing)
        for cid in cats:
            url = urljoin(api, f"all/{cid}?" + urlencode({"page": 1, "sid": sid}))
            listing.next_requests.append(Request(url, meta={"nb_gkmlpt": {"cat": cid, "sid": sid, "page": 1}}))
        listing.advertise(*advertised_in(text))
        self.follow_scripts(response, portal, listing, source_named=bool(cats))
        return listing

    def api_root(self, response: TextResponse, config: dict | None, text: str, listing: Listing) -> str:
        """The API's root URL (ending in `/`): as `_CONFIG` names it, else beside the page's `/gkmlpt/`."""
        base = page_base(response)
        named = [v for k, v in _strings(config or {}) if "api" in k.lower() or "/api/" in v]
        if not named:
            named = [v for _, v in CONFIG_API.findall(CONFIG.search(text).group(1) if CONFIG.search(text) else "")]
        for value in named:
            if "/api" in value or value.rstrip("/").endswith("api"):
                root = value[:value.index("/api") + 4] if "/api" in value else value.rstrip("/")
                return urljoin(base, root.rstrip("/") + "/")
        path = urlsplit(response.url).path
        i = path.find("/gkmlpt/")
        if i >= 0:
            return urljoin(response.url, path[:i] + "/gkmlpt/api/")
        note = f"gkmlpt: the page names no API and is not under /gkmlpt/; {DEFAULT_API} (site root) assumed"
        listing.notes.append(note)
        logger.warning("%s (%s)", note, response.url)
        return urljoin(response.url, DEFAULT_API)

    def _config(self, text: str) -> dict | None:
        return config_of(text)

    def _tree(self, config: dict | None, text: str) -> list[tuple[str, str]]:
        return category_tree(text, config)

    def _api(self, response: Response, portal: Portal) -> Listing:
        state = response.meta.get("nb_gkmlpt") or {}
        try:
            data = json.loads(response.body)
        except ValueError:
            return Listing()
        if not isinstance(data, dict):
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
        pages = next((int(data[k]) for k in ("total_page", "totalPage", "pages") if str(data.get(k, "")).isdigit()), None)
        listing.advertise(total if "total" in data else None, pages)
        page = int(state.get("page", 1))
        per = int(state.get("per") or len(articles) or 1)
        if articles and page * per < total:
            nxt = dict(state, page=page + 1, per=per)
            url = with_query(response.url, {"page": page + 1})  # the answer's own URL, page moved on
            listing.next_requests.append(Request(url, meta={"nb_gkmlpt": nxt}))
        return listing


def _strings(d: dict, prefix: str = "") -> list[tuple[str, str]]:
    """(key, value) of the string values of a configuration (nested objects too; not TREE)."""
    out = []
    for k, v in d.items():
        if k == "TREE":
            continue
        if isinstance(v, str):
            out.append((f"{prefix}{k}", v))
        elif isinstance(v, dict):
            out.extend(_strings(v, f"{prefix}{k}."))
    return out


def config_of(text: str) -> dict | None:
    """A gkmlpt page's `window._CONFIG`, parsed, or None."""
    m = CONFIG.search(text)
    if not m:
        return None
    try:
        config = json.loads(m.group(1))
    except ValueError:
        return None
    return config if isinstance(config, dict) else None


def category_tree(text: str, config: dict | None = None) -> list[tuple[str, str]]:
    """(id, name) of every category in the page's tree, breadth first: from `_CONFIG` when it
    parses, else from the id/name pairs written in the page (also what `portals discover` reads)."""
    config = config if config is not None else config_of(text)
    if config is not None:
        try:
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
