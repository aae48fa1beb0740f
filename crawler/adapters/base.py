"""What every platform adapter does with a list page, and the generic link harvesting they share.

An adapter reads one list response (a column page, a pager page, an API answer) and says three
things: the report entries it lists, the sub-columns it links (years, unit types), and the next
list request.  The spider turns those into requests; the adapter never fetches anything itself.
Pagination is sequential (only the *next* page is requested) so that an incremental crawl can
stop walking a column as soon as a page holds nothing new.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy import Request
from scrapy.http import Response, TextResponse

from ..detail import is_attachment_url, normalise_date
from ..registry import Portal

COLUMN_LABEL = re.compile(r"年报|年度报告|公开年报|年度|\d{4}\s*年?|区政府|部门|街道|乡镇|镇|乡|单位|区属|委办局")
NEXT_TEXT = re.compile(r"^\s*(下一页|下页|后页|next\s*page|>|›|»)\s*$", re.I)
ONCLICK_URL = re.compile(r"""['"]((?:https?://|/|\.{1,2}/)[^'"]+|[\w\-]+\.s?html?)['"]""")
_SPACES = re.compile(r"[\s\u3000\xa0]+")


@dataclass
class Entry:
    """One report listed by a column: a detail page or, on some sites, the file itself."""

    url: str
    title: str
    date: str | None = None

    @property
    def signature(self) -> str:
        """What the list says about the entry; a change here means the entry was re-published."""
        return f"{self.title}|{self.date or ''}"


@dataclass
class Listing:
    """What one list response says.  Besides entries, sub-columns and the next request, what the
    column *advertises* (so a walk can be checked against it: docs/crawling.md, coverage) and the
    script-driven lists the adapter saw but could not follow (so a shortfall is never silent)."""

    entries: list[Entry] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)  # (url, label)
    next_requests: list[Request] = field(default_factory=list)
    advertised: int | None = None  # entries the column says it holds (totalRecord, 共N条, recordCount …)
    advertised_pages: int | None = None  # pages its pager says it has (共N页, createPageHTML count …)
    unfollowed: list[str] = field(default_factory=list)  # script-driven lists seen, not followed ("avalon ms-repeat" …)


class Adapter:
    """The generic adapter: links inside the column, title filtering, 下一页/onclick pagers."""

    name: ClassVar[str] = "generic"

    @classmethod
    def matches(cls, response: Response) -> bool:
        return True

    def parse_list(self, response: Response, portal: Portal) -> Listing:
        if not isinstance(response, TextResponse):
            return Listing()
        sel = response.selector
        listing = Listing(entries=harvest_entries(sel, response.url, portal))
        listing.columns = harvest_columns(sel, response.url, portal, {e.url for e in listing.entries})
        nxt = self.next_page(response)
        if nxt:
            listing.next_requests.append(Request(nxt))
        return listing

    def next_page(self, response: TextResponse) -> str | None:
        return next_link(response.selector, response.url)


def link_title(a: Selector) -> str:
    """The full title: the `title` attribute (list text is often cut with …), else the link text."""
    title = a.attrib.get("title") or ""
    text = _SPACES.sub(" ", " ".join(a.xpath(".//text()").getall())).strip()
    title = html.unescape(title).strip()  # parsel unescapes once; some sites double-encode (&amp;#x5E74;)
    if title and len(title) >= len(text.rstrip(".…")):
        return title
    return text or title


def _row_date(a: Selector) -> str | None:
    """The date printed beside a list link: a sibling span/i/em/td, in any of the usual formats."""
    row = a.xpath("./ancestor::*[self::li or self::tr or self::dd or self::div][1]")
    text = " ".join(row.xpath(".//text()").getall()) if row else ""
    return normalise_date(text)


def harvest_entries(sel: Selector, base_url: str, portal: Portal) -> list[Entry]:
    """Links whose title names a report (年度报告/年报 by default), on the portal's hosts."""
    out: dict[str, Entry] = {}
    for a in sel.xpath("//a[@href]"):
        href = a.attrib["href"].strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        url = urljoin(base_url, href).split("#")[0]
        if url == base_url.split("#")[0] or not portal.allows(url) or portal.excluded(url):
            continue
        title = link_title(a)
        if not portal.title_re.search(title):
            continue
        if _looks_like_column(url) and not is_attachment_url(url):
            continue  # a sub-column named 年报 (e.g. 部门年报/) is a column, not a report
        if url not in out:
            out[url] = Entry(url, title, _row_date(a))
    return list(out.values())


def _looks_like_column(url: str) -> bool:
    path = urlsplit(url).path
    return path.endswith("/") or bool(re.search(r"/(index|list|default)(_\d+)?\.s?html?$", path))


def harvest_columns(sel: Selector, base_url: str, portal: Portal, entry_urls: set[str]) -> list[tuple[str, str]]:
    """Sub-columns: directory links below the current column, within the portal's scope."""
    here = urlsplit(base_url).path
    here_dir = here if here.endswith("/") else here.rsplit("/", 1)[0] + "/"
    out: dict[str, str] = {}
    for a in sel.xpath("//a[@href]"):
        href = a.attrib["href"].strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        url = urljoin(base_url, href).split("#")[0]
        if url in entry_urls or url in out or is_attachment_url(url):
            continue
        path = urlsplit(url).path
        if not _looks_like_column(url) or re.search(r"/(index|list)_\d+\.s?html?$", path):
            continue  # pager pages are walked by the pager, not as columns
        column_dir = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
        if not column_dir.startswith(here_dir) or column_dir == here_dir:
            continue  # only below the current column: never up to the portal's home or siblings
        if portal.in_scope(url):
            out[url] = _SPACES.sub(" ", " ".join(a.xpath(".//text()").getall())).strip()
    return list(out.items())


def next_link(sel: Selector, base_url: str) -> str | None:
    """A 下一页 link (href, or a URL inside its onclick), as in-house systems print it."""
    for a in sel.xpath("//a"):
        text = _SPACES.sub("", " ".join(a.xpath(".//text()").getall()))
        if not (NEXT_TEXT.match(text) or a.attrib.get("title", "").strip() == "下一页"):
            continue
        href = (a.attrib.get("href") or "").strip()
        if href and not href.startswith(("javascript:", "#")):
            return urljoin(base_url, href)
        m = ONCLICK_URL.search(a.attrib.get("onclick", "") + " " + href)
        if m:
            return urljoin(base_url, m.group(1))
    return None
