"""TRS WCM (拓尔思): static columns with `createPageHTML(...)` pagers and `index_N` pages.

Both pager signatures of portals.md §1.1 are read by argument position, whatever the quotes,
spacing or `{ … }` wrapping:

- variant A `createPageHTML(count, cur, "index", "html")`: `cur` is 0-based; page k+1 is
  `index_k.html`, the last is `index_{count-1}`; no pager at all when count ≤ 1;
- variant B `createPageHTML('page_div', count, cur, 'list', 'shtml', total)`: `cur` is 1-based;
  page n is `list_n.shtml`;
- a bare `var countPage = N` (Tianjin-style templates) with the current page taken from the URL.

Sub-columns (year `2025nb/`, unit type `dcqzf2025/`, channel dirs such as `bmnb_97166/`) are
found by the shared harvester; `TRS_Editor` / `trs_editor_view` bodies are read in `detail.py`.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from scrapy.http import Response, TextResponse

from .base import Adapter, next_link

VARIANT_A = re.compile(r"""createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*["']([\w\-]+)["']\s*,\s*["'](\w+)["']\s*\)""")
VARIANT_B = re.compile(r"""createPageHTML\(\s*["'][\w\-]+["']\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*["']([\w\-]+)["']\s*,"""
                       r"""\s*["'](\w+)["']\s*(?:,\s*\d+\s*)?\)""")
COUNT_PAGE = re.compile(r"""var\s+countPage\s*=\s*['"]?(\d+)""")
TRS_MARKERS = re.compile(r"createPageHTML|TRS_Editor|trs_editor_view|/t\d{8}_\d+\.s?html?|TRS_PreAppend")


def trs_next_page(text: str, url: str) -> str | None:
    """The URL of the page after `url`, from the TRS pager call on it (None on the last page)."""
    m = VARIANT_B.search(text)
    if m:
        count, cur, stem, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        return urljoin(url, f"{stem}_{cur + 1}.{ext}") if cur < count else None
    m = VARIANT_A.search(text)
    if m:
        count, cur, stem, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        return urljoin(url, f"{stem}_{cur + 1}.{ext}") if cur + 1 < count else None
    m = COUNT_PAGE.search(text)
    if m:
        count = int(m.group(1))
        path = urlsplit(url).path
        cur_m = re.search(r"/(\w+?)_(\d+)\.(s?html?)$", path)
        stem, cur, ext = (cur_m.group(1), int(cur_m.group(2)), cur_m.group(3)) if cur_m else (
            "index", 0, (re.search(r"\.(s?html?)$", path) or re.match("(.*)", "html")).group(1))
        return urljoin(url, f"{stem}_{cur + 1}.{ext}") if cur + 1 < count else None
    return None


class TrsAdapter(Adapter):
    name = "trs"

    @classmethod
    def matches(cls, response: Response) -> bool:
        return isinstance(response, TextResponse) and bool(TRS_MARKERS.search(response.text))

    def next_page(self, response: TextResponse) -> str | None:
        return trs_next_page(response.text, response.url) or next_link(response.selector, response.url)
