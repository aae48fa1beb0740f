"""TRS WCM (拓尔思): static columns with `createPageHTML(...)` pagers and `index_N` pages.

Both pager signatures of portals.md §1.1 are read by argument position, whatever the quotes,
spacing or `{ … }` wrapping, and the page name and suffix are the call's own arguments:

- variant A `createPageHTML(count, cur, "index", "html")`: `cur` is 0-based; page k+1 is
  `index_k.html`, the last is `index_{count-1}`; no pager at all when count ≤ 1;
- variant B `createPageHTML('page_div', count, cur, 'list', 'shtml', total)`: `cur` is 1-based;
  page n is `list_n.shtml`; `total` (when present) is the column's record count;
- a bare `var countPage = N` (Tianjin-style templates) with the current page taken from the URL.

Page names resolve against the page's own base URL (the JS pager writes relative links), so a
site under a path prefix (`/site/a/zfxxgknb/index_1.html`) is paged where it lives.  Without any
of these, 下一页 links, pager functions and forms (the shared pagers).  TRS list APIs a page's
script calls (JSON) are followed by the shared script-list reader.

Sub-columns (year `2025nb/`, unit type `dcqzf2025/`, channel dirs such as `bmnb_97166/`) are
found by the shared harvester; `TRS_Editor` / `trs_editor_view` bodies are read in `detail.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from scrapy.http import Response, TextResponse

from .base import Adapter, next_link, page_base

VARIANT_A = re.compile(r"""createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*["']([\w\-]+)["']\s*,\s*["'](\w+)["']\s*\)""")
VARIANT_B = re.compile(r"""createPageHTML\(\s*["'][\w\-]+["']\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*["']([\w\-]+)["']\s*,"""
                       r"""\s*["'](\w+)["']\s*(?:,\s*["']?(\d+)["']?\s*)?\)""")
COUNT_PAGE = re.compile(r"""var\s+countPage\s*=\s*['"]?(\d+)""")
TRS_MARKERS = re.compile(r"createPageHTML|TRS_Editor|trs_editor_view|/t\d{8}_\d+\.s?html?|TRS_PreAppend")


@dataclass
class TrsPager:
    """What a TRS list page's pager call says: pages, this page (0-based), file stem and suffix."""

    count: int
    index: int  # 0-based
    stem: str
    ext: str
    total: int | None  # records (variant B's 6th argument)
    one_based: bool  # variant B names page n `stem_n`; variant A names page k+1 `stem_k`

    def next_url(self, base: str) -> str | None:
        if self.index + 1 >= self.count:
            return None
        n = self.index + 2 if self.one_based else self.index + 1
        return urljoin(base, f"{self.stem}_{n}.{self.ext}")


def trs_pager(text: str, url: str) -> TrsPager | None:
    m = VARIANT_B.search(text)
    if m:
        total = int(m.group(5)) if m.group(5) else None
        return TrsPager(int(m.group(1)), int(m.group(2)) - 1, m.group(3), m.group(4), total, True)
    m = VARIANT_A.search(text)
    if m:
        return TrsPager(int(m.group(1)), int(m.group(2)), m.group(3), m.group(4), None, False)
    m = COUNT_PAGE.search(text)
    if m:
        path = urlsplit(url).path
        cur_m = re.search(r"/(\w+?)_(\d+)\.(s?html?)$", path)
        if cur_m:
            stem, cur, ext = cur_m.group(1), int(cur_m.group(2)), cur_m.group(3)
        else:
            file_m = re.search(r"/(\w+)\.(s?html?)$", path)
            stem, cur, ext = (file_m.group(1), 0, file_m.group(2)) if file_m else ("index", 0, "html")
        return TrsPager(int(m.group(1)), cur, stem, ext, None, False)
    return None


def trs_next_page(text: str, url: str, base: str | None = None) -> str | None:
    """The URL of the page after `url`, from the TRS pager call on it (None on the last page)."""
    pager = trs_pager(text, url)
    return pager.next_url(base or url) if pager else None


class TrsAdapter(Adapter):
    name = "trs"

    @classmethod
    def matches(cls, response: Response) -> bool:
        return isinstance(response, TextResponse) and bool(TRS_MARKERS.search(response.text))

    def next_page(self, response: TextResponse) -> str | None:
        base = page_base(response)
        pager = trs_pager(response.text, response.url)
        if pager is not None:
            return pager.next_url(base)
        return next_link(response.selector, base)

    def advertised(self, response: TextResponse) -> tuple[int | None, int | None]:
        pager = trs_pager(response.text, response.url)
        return (pager.total, pager.count) if pager else (None, None)
