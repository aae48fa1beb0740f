"""What every platform adapter does with a list page, and the generic link harvesting they share.

An adapter reads one list response (a column page, a pager page, an API answer) and says: the
report entries it lists, the sub-columns it links (years, unit types), the next list request, what
the column advertises (entries, pages) and the script-driven lists it saw but could not follow.
The spider turns those into requests; the adapter never fetches anything itself.  Pagination is
sequential (only the *next* page is requested) so that an incremental crawl can stop walking a
column as soon as a page holds nothing new.

Every pager URL comes from the page: a 下一页 href or the URL inside its onclick, the page's form
(`goPage(2)` submitting `<form action=…>` with its page field), the URL a pager function builds
(`location.href = 'list_' + p + '.html'`), a loader's literal URL in the page's scripts — each
resolved against the page's own base URL (`<base href>`, else the page URL), so a site mounted
under a path prefix is paged where it lives.
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector
from scrapy import FormRequest, Request
from scrapy.http import Response, TextResponse
from scrapy.utils.response import get_base_url

from ..detail import is_attachment_url, normalise_date
from ..registry import Portal
from . import scripts as js

logger = logging.getLogger(__name__)

COLUMN_LABEL = re.compile(r"年报|年度报告|公开年报|年度|\d{4}\s*年?|区政府|部门|街道|乡镇|镇|乡|单位|区属|委办局")
NEXT_TEXT = re.compile(r"^\s*(下一页|下页|后页|next\s*page|>|›|»)\s*$", re.I)
LAST_TEXT = re.compile(r"^\s*(尾页|末页|最后一页|last)\s*$", re.I)
ONCLICK_URL = re.compile(r"""['"]((?:https?://|/|\.{1,2}/)[^'"]+|[\w\-]+\.s?html?)['"]""")
_SPACES = re.compile(r"[\s\u3000\xa0]+")
# Navigation blocks: their links lead to columns (this one, its siblings, the site), never to reports.
NAV_CONTAINER = re.compile(r"nav|menu|crumb|bread|dqwz|daohang|lanmu|position|location|sidebar", re.I)
_YEAR = re.compile(r"(19|20)\d\d|[〇零一二三四五六七八九]{4}")
_COLUMN_TITLE = re.compile(r"(年报|年度报告|年报汇总|年度报告汇总|专栏|目录)$")
_ROW_STOP = {"ul", "ol", "table", "tbody", "thead", "dl", "body", "html", "form"}

# What a column says it holds, in the words portals print (visible text or script variables).
_ADVERTISED_RECORDS = (
    re.compile(r"共\s*(?:有\s*)?(\d+)\s*(?:条|篇|项)"),
    re.compile(r"总(?:共|计)\s*(\d+)\s*(?:条|篇)"),
    re.compile(r"(?:总记录数|记录总数|信息总数)\s*[:：]?\s*(\d+)"),
    re.compile(r"""\b(?:recordCount|totalCount|totalRecords?|total_count|totalNum|totalElements|rowCount)\b["']?"""
               r"""\s*[:=]\s*["']?(\d+)"""),
)
_ADVERTISED_PAGES = (
    re.compile(r"共\s*(\d+)\s*页"),
    re.compile(r"第?\s*\d+\s*/\s*(\d+)\s*页"),
    re.compile(r"""\b(?:pageCount|totalPages?|countPage|page_count|totalPageNum|pageTotal)\b["']?\s*[:=]\s*["']?(\d+)"""),
)


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
    notes: list[str] = field(default_factory=list)  # what the adapter assumed because the page did not say

    def advertise(self, records: int | None = None, pages: int | None = None) -> None:
        """Record what the column states, the first statement winning (family-specific first)."""
        if self.advertised is None and records is not None:
            self.advertised = records
        if self.advertised_pages is None and pages is not None:
            self.advertised_pages = pages


def advertised_in(text: str) -> tuple[int | None, int | None]:
    """(records, pages) a page states in words or script variables: 共45条 / 共45条记录 / 总记录数：45 /
    recordCount = 45 / totalCount: 45, and 共5页 / 1/5页 / pageCount = 5.  The earliest statement wins."""
    def first(patterns: tuple[re.Pattern[str], ...]) -> int | None:
        hits = [m for p in patterns for m in [p.search(text)] if m]
        return int(min(hits, key=lambda m: m.start()).group(1)) if hits else None
    return first(_ADVERTISED_RECORDS), first(_ADVERTISED_PAGES)


def page_base(response: TextResponse) -> str:
    """The URL the page's relative links (and its scripts' relative URLs) resolve against."""
    return get_base_url(response)


class Adapter:
    """The generic adapter: links inside the column, title filtering, 下一页/onclick/form pagers,
    and the script-driven lists every family shares."""

    name: ClassVar[str] = "generic"

    @classmethod
    def matches(cls, response: Response) -> bool:
        return True

    def parse_list(self, response: Response, portal: Portal) -> Listing:
        state = response.meta.get("nb_script")
        if state:
            return self.parse_script_answer(response, portal, state)
        return self.parse_page(response, portal)

    def parse_page(self, response: Response, portal: Portal) -> Listing:
        if not isinstance(response, TextResponse):
            return Listing()
        sel = response.selector
        base = page_base(response)
        listing = Listing(entries=harvest_entries(sel, base, portal, page_url=response.url,
                                                  column_urls=_column_urls(response)))
        listing.columns = harvest_columns(sel, base, portal, {e.url for e in listing.entries})
        req = self.next_request(response)
        if req is not None:
            listing.next_requests.append(req)
        listing.advertise(*self.advertised(response))
        listing.advertise(*advertised_in(response.text))
        if listing.advertised_pages is None:
            listing.advertise(pages=last_page_number(sel))
        self.follow_scripts(response, portal, listing)
        return listing

    def advertised(self, response: TextResponse) -> tuple[int | None, int | None]:
        """(records, pages) the family's own pager states; the shared textual forms come after."""
        return None, None

    def next_page(self, response: TextResponse) -> str | None:
        return next_link(response.selector, page_base(response))

    def next_request(self, response: TextResponse) -> Request | None:
        url = self.next_page(response)
        if url:
            return Request(url)
        return script_pager_request(response)

    # --- script-driven lists -------------------------------------------------------------------

    def follow_scripts(self, response: TextResponse, portal: Portal, listing: Listing, *,
                       source_named: bool = False) -> None:
        """Follow the data sources the page's scripts name; mark the script-driven lists it cannot.

        A loader is taken for the list's source when the page shows no report link of its own, when
        it pages (a page parameter), or when a repeat template waits for its data; a page whose
        list is static and whose script only fetches, say, a visit counter is left alone."""
        sel = response.selector
        templates = js.template_markers(sel)
        repeats = [t for t in templates if t.split()[0] in ("avalon", "vue", "angular")]
        empty = not (listing.entries or listing.columns or source_named)
        loaders = [ld for ld in js.loader_calls(js.inline_scripts(sel)) if empty or ld.paged or repeats]
        base = page_base(response)
        followed, blind = 0, []
        for ld in loaders:
            if not ld.followable:
                blind.append(ld)
                continue
            template = urljoin(base, ld.template)
            if not portal.allows(template.replace("{page}", "1")):  # a source off the portal's hosts: said, not asked
                listing.unfollowed.append(f"{ld.call} (source off the portal's hosts: {urlsplit(template).netloc})")
                continue
            state = {"call": ld.call, "template": template, "base": base, "method": ld.method, "params": ld.params,
                     "json_body": ld.json_body, "page_key": ld.page_key, "page": ld.page, "first": ld.page,
                     "size": ld.size, "fetched": 0}
            listing.next_requests.append(script_request(state))
            followed += 1
        for ld in blind:  # beside a source that was followed, only a paged loader still looks like a list
            if ld.paged or not followed:
                listing.unfollowed.append(f"jquery {ld.call} ({ld.reason})" if ld.call.startswith(("$", "."))
                                          else f"{ld.call} ({ld.reason})")
        if not followed:
            listing.unfollowed += repeats if not empty else templates

    def parse_script_answer(self, response: Response, portal: Portal, state: dict) -> Listing:
        """An answer to a request a page's script makes: JSON (or JSONP) records, or an HTML fragment."""
        data = js.parse_json(response.body)
        listing = Listing()
        path = urlsplit(response.url).path
        if data is None:
            if not isinstance(response, TextResponse):
                listing.unfollowed.append(f"{state['call']} answer neither JSON nor HTML ({path})")
                return listing
            base = state.get("base") or page_base(response)  # a fragment's links resolve in the page it fills
            listing.entries = harvest_entries(response.selector, base, portal, page_url=response.url)
            listing.advertise(*advertised_in(response.text))
            nxt = next_link(response.selector, base)
            if nxt:
                listing.next_requests.append(Request(nxt, meta={"nb_script": dict(state, page_key=None)}))
            elif state.get("page_key") and listing.entries:
                listing.next_requests.append(script_request(dict(state, page=state["page"] + 1)))
            return listing
        found = js.json_records(data)
        if found is None:
            listing.unfollowed.append(f"{state['call']} answer without a list ({path})")
            return listing
        listing.advertise(found.total, found.pages)
        linked = 0
        for rec in found.records:
            url = js.record_field(rec, js.URL_KEYS)
            if not isinstance(url, str):
                continue
            linked += 1
            url = urljoin(state.get("base") or response.url, url.strip())  # the page's script links it there
            title = html.unescape(_SPACES.sub(" ", str(js.record_field(rec, js.TITLE_KEYS) or ""))).strip()
            if portal.title_re.search(title) and portal.allows(url) and not portal.excluded(url):
                listing.entries.append(Entry(url, title, normalise_date(js.record_date(rec))))
        if found.records and not linked:
            listing.unfollowed.append(f"{state['call']} records without links ({path})")
        fetched = state.get("fetched", 0) + len(found.records)
        if not found.records:
            return listing
        if state.get("page_key"):
            per = state.get("size") or len(found.records)
            if found.total is not None:
                more = fetched < found.total
            elif found.pages is not None:
                more = state["page"] - state.get("first", 1) + 1 < found.pages
            else:
                more = len(found.records) >= per
            if more:
                listing.next_requests.append(script_request(dict(state, page=state["page"] + 1, fetched=fetched)))
        elif (found.total or 0) > len(found.records) or (found.pages or 0) > 1:
            listing.unfollowed.append(f"{state['call']} pager without a page parameter ({path})")
        return listing


def script_request(state: dict) -> Request:
    """The request a page's loader makes for page `state['page']`."""
    page = state["page"]
    url = state["template"].replace("{page}", str(page))
    params = dict(state.get("params") or {})
    key = state.get("page_key")
    if key and key != "{page}":
        params[key] = page
    meta = {"nb_script": state}
    headers = {"X-Requested-With": "XMLHttpRequest"}
    if state["method"] == "GET":
        return Request(with_query(url, params), headers=headers, meta=meta)
    if state.get("json_body"):
        return Request(url, method="POST", body=json.dumps(params, ensure_ascii=False),
                       headers={**headers, "Content-Type": "application/json;charset=UTF-8"}, meta=meta)
    return FormRequest(url, formdata={k: _form_value(v) for k, v in params.items()}, headers=headers, meta=meta)


def _form_value(v: Any) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def with_query(url: str, params: dict[str, Any]) -> str:
    """`url` with `params` set in its query (existing keys replaced, order kept)."""
    if not params:
        return url
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: _form_value(v) for k, v in params.items()})
    return urlunsplit(parts._replace(query=urlencode(query)))


def _column_urls(response: Response) -> tuple[str, ...]:
    meta = response.meta if response.request is not None else {}
    return tuple(u for u in (meta.get("nb_column"), meta.get("nb_start_url")) if u)


def link_title(a: Selector) -> str:
    """The full title: the `title` attribute (list text is often cut with …), else the link text
    (without a date printed inside the link in an element of its own)."""
    title = a.attrib.get("title") or ""
    el = a.root
    dated = {d for d in el.iterdescendants() if isinstance(d.tag, str) and _date_only(_all_text(d))}
    text = _SPACES.sub(" ", " ".join(_text_outside(el, dated))).strip()
    title = html.unescape(title).strip()  # parsel unescapes once; some sites double-encode (&amp;#x5E74;)
    if title and len(title) >= len(text.rstrip(".…")):
        return title
    return text or title


def _all_text(el: Any) -> str:
    return "".join(el.itertext()) if isinstance(el.tag, str) else ""


def _date_only(text: str) -> bool:
    text = _SPACES.sub("", text).strip("[]【】()（）")
    return bool(text) and normalise_date(text) is not None and len(text) <= 20


def _text_outside(el: Any, skip: set[Any] | Any) -> list[str]:
    """The text of `el` without that of the elements in `skip` (nor scripts and styles)."""
    skip = skip if isinstance(skip, set) else {skip}
    out: list[str] = []

    def walk(node: Any) -> None:
        if node.text and node not in skip:
            out.append(node.text)
        for child in node:
            if child in skip or not isinstance(child.tag, str) or child.tag in ("script", "style"):
                pass
            else:
                walk(child)
            if child.tail:
                out.append(child.tail)

    if el not in skip:
        walk(el)
    return out


def _row_date(a: Selector, others: set[Any] | None = None) -> str | None:
    """The date printed in the link's own row: in a sibling cell or span of the link (`<tr><td><a/>
    </td><td>date</td></tr>`, `<li><a/><span class=date>…</span></li>`), in the `<dd>` after its
    `<dt>`, or in an element of its own inside the link.  The row is the largest ancestor holding
    no other entry link and no wider than a list item, so a date is never taken from a neighbour."""
    el = a.root
    others = others or set()
    node = el
    for _ in range(6):
        parent = node.getparent()
        if parent is None or not isinstance(parent.tag, str) or parent.tag in _ROW_STOP:
            break
        if any(o is not el and o in others for o in parent.iter("a")):
            break
        date = normalise_date(" ".join(_text_outside(parent, el)))
        if date:
            return date
        if parent.tag == "dt":
            for sib in parent.itersiblings():
                if not isinstance(sib.tag, str) or sib.tag == "dt":
                    break
                if any(o in others for o in sib.iter("a")):
                    break
                date = normalise_date(_all_text(sib))
                if date:
                    return date
        node = parent
    for d in el.iterdescendants():
        if isinstance(d.tag, str) and _date_only(_all_text(d)):
            return normalise_date(_all_text(d))
    return None


def _in_navigation(el: Any) -> bool:
    for anc in el.iterancestors():
        if not isinstance(anc.tag, str):
            continue
        if anc.tag in ("nav", "header", "footer"):
            return True
        if NAV_CONTAINER.search(f"{anc.get('class', '')} {anc.get('id', '')}"):
            return True
    return False


def _same_page(u1: str, u2: str) -> bool:
    """Two URLs of the same column page: `./`, `index.html`, `index.shtml`, a `?page=1` aside."""
    def norm(u: str) -> tuple[str, str, str]:
        p = urlsplit(u)
        path = re.sub(r"/(index|default)(_\d+)?\.\w+$", "/", p.path or "/")
        query = urlencode(sorted((k, v) for k, v in parse_qsl(p.query) if not js.PAGE_KEY.match(k)))
        return (p.hostname or "", path.rstrip("/") or "/", query)
    return norm(u1) == norm(u2)


def _column_label(title: str, date: str | None) -> bool:
    """A link named like a column (部门年报, 政府信息公开年报), not like a report: no year, short, undated."""
    t = _SPACES.sub("", title)
    return date is None and not _YEAR.search(t) and len(t) <= 14 and bool(_COLUMN_TITLE.search(t))


def harvest_entries(sel: Selector, base_url: str, portal: Portal, *, page_url: str | None = None,
                    column_urls: tuple[str, ...] = ()) -> list[Entry]:
    """Links whose title names a report (年度报告/年报 by default), on the portal's hosts.

    Not entries: links back to this page or the column being walked, links in navigation blocks
    (nav, menus, breadcrumbs, side bars), directory/`index.html`/`list.jsp` links (sub-columns),
    and links named like a column with no year and no date (部门年报)."""
    here = [u for u in (page_url or base_url, *column_urls) if u]
    candidates: list[tuple[Selector, str, str]] = []
    for a in sel.xpath("//a[@href]"):
        href = a.attrib["href"].strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        url = urljoin(base_url, href).split("#")[0]
        title = link_title(a)
        if portal.title_re.search(title):
            candidates.append((a, url, title))
    others = {a.root for a, _, _ in candidates}
    urls_of = {a.root: url for a, url, _ in candidates}
    out: dict[str, Entry] = {}
    for a, url, title in candidates:
        if url in out or any(_same_page(url, h) for h in here):
            continue
        if not portal.allows(url) or portal.excluded(url):
            continue
        if _looks_like_column(url) and not is_attachment_url(url):
            continue  # a sub-column named 年报 (e.g. 部门年报/) is a column, not a report
        if _in_navigation(a.root):
            continue
        same = {o for o in others if urls_of[o] == url}
        date = _row_date(a, others - same)
        if _column_label(title, date) and not is_attachment_url(url):
            continue
        out[url] = Entry(url, title, date)
    return list(out.values())


def _looks_like_column(url: str) -> bool:
    path = urlsplit(url).path
    return path.endswith("/") or bool(re.search(r"/(index|list|default)(_\d+)?\.(s?html?|jsp|do|aspx?|php)$", path))


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


def _next_anchors(sel: Selector) -> list[Selector]:
    out = []
    for a in sel.xpath("//a"):
        text = _SPACES.sub("", " ".join(a.xpath(".//text()").getall()))
        if NEXT_TEXT.match(text) or a.attrib.get("title", "").strip() == "下一页":
            out.append(a)
    return out


def next_link(sel: Selector, base_url: str) -> str | None:
    """A 下一页 link (href, or a URL inside its onclick), as in-house systems print it, resolved
    against the page's base URL."""
    for a in _next_anchors(sel):
        href = (a.attrib.get("href") or "").strip()
        if href and not href.startswith(("javascript:", "#")):
            return urljoin(base_url, href)
        m = ONCLICK_URL.search(a.attrib.get("onclick", "") + " " + href)
        if m:
            return urljoin(base_url, m.group(1))
    return None


_JS_CALL = re.compile(r"([A-Za-z_$][\w$.]*)\s*\(\s*['\"]?(\d+)['\"]?\s*[,)]")
_NOT_PAGERS = {"void", "parseInt", "parseFloat", "Number", "String", "alert", "eval", "setTimeout", "history", "go"}


def script_pager_request(response: TextResponse) -> Request | None:
    """下一页 that calls a page function (`goPage(2)`, `turnPage('3')`): the URL the function builds
    from literals (`location.href = 'list_' + p + '.html'`), or the page's form submitted with its
    page field set (`<form action=…><input name=pageNo>`), as the page's own script does."""
    sel = response.selector
    for a in _next_anchors(sel):
        code = f"{a.attrib.get('onclick', '')} {a.attrib.get('href', '')}"
        m = _page_call(code)
        if not m:
            continue
        fn, page = m.group(1).rsplit(".", 1)[-1], m.group(2)
        scripts = js.inline_scripts(sel)
        body = _function_body(scripts, fn)
        if body is not None:
            url = _built_url(body, page)
            if url:
                return Request(urljoin(page_base(response), url))
        form = _page_form(sel, body or "")
        if form is not None:
            return form_request(response, *form, page)
    return None


def form_request(response: TextResponse, form: Selector, key: str, value: str) -> Request:
    """The request a browser makes submitting `form` with `key` set to `value`: its action resolved
    against the page, its method, its successful controls (HTML §4.10.21.4, without a submitter)."""
    fields: list[tuple[str, str]] = []
    for ctl in form.xpath(".//input[@name]|.//select[@name]|.//textarea[@name]"):
        tag, name = ctl.root.tag, ctl.attrib["name"]
        if ctl.attrib.get("disabled") is not None:
            continue
        if tag == "input":
            kind = (ctl.attrib.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                continue
            if kind in ("checkbox", "radio") and ctl.attrib.get("checked") is None:
                continue
            fields.append((name, ctl.attrib.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select":
            opt = ctl.xpath(".//option[@selected]") or ctl.xpath(".//option")
            if opt:
                fields.append((name, opt[0].attrib.get("value", _all_text(opt[0].root).strip())))
        else:
            fields.append((name, _all_text(ctl.root)))
    fields = [(k, value if k == key else v) for k, v in fields]
    if key not in {k for k, _ in fields}:
        fields.append((key, value))
    action = urljoin(page_base(response), (form.attrib.get("action") or "").strip() or response.url)
    if (form.attrib.get("method") or "get").lower() == "post":
        return FormRequest(action, formdata=fields)
    return Request(urlunsplit(urlsplit(action)._replace(query=urlencode(fields), fragment="")))


def _page_call(code: str) -> re.Match[str] | None:
    """The first call in `code` that passes a page number (`goPage(2)`, not `void(0)`)."""
    return next((m for m in _JS_CALL.finditer(code) if m.group(1).rsplit(".", 1)[-1] not in _NOT_PAGERS), None)


def _function_body(scripts: str, name: str) -> str | None:
    m = re.search(rf"function\s+{re.escape(name)}\s*\(([^)]*)\)\s*\{{|\b{re.escape(name)}\s*=\s*function\s*\(([^)]*)\)\s*\{{",
                  scripts)
    if not m:
        return None
    inner = js.balanced(scripts, m.end() - 1)
    if inner is None:
        return None
    param = (m.group(1) or m.group(2) or "").split(",")[0].strip()
    return f"/*param:{param}*/{inner}"


def _built_url(body: str, page: str) -> str | None:
    param = re.match(r"/\*param:(.*?)\*/", body).group(1)
    for m in re.finditer(r"(?:location(?:\.href)?|window\.location(?:\.href)?|\.href)\s*=\s*|"
                         r"location\.(?:replace|assign)\s*\(|window\.open\s*\(", body):
        end = js._statement_end(body, m.end())
        raw = body[m.end():end]
        parts = js.split_top(raw.rstrip(") "), "+")
        out = []
        for part in parts:
            part = part.strip()
            if param and part == param:
                out.append(page)
                continue
            v = js.js_value(part)
            if not v.literal:
                out = []
                break
            out.append(str(v.value))
        if out:
            return "".join(out)
    return None


def _page_form(sel: Selector, body: str) -> tuple[Selector, str] | None:
    """(the form, its page field) — the form the pager function names, else the first form with a
    page field."""
    forms = sel.xpath("//form")
    for form in forms:
        ident = form.attrib.get("id") or form.attrib.get("name") or ""
        fields = [f.attrib.get("name", "") for f in form.xpath(".//input[@name]|.//select[@name]")]
        keys = [f for f in fields if js.PAGE_KEY.match(f)]
        named = [f for f in fields if f and re.search(rf"\b{re.escape(f)}\b", body)]
        key = next((k for k in named if k in keys), None) or (keys[0] if keys else None)
        if key is None:
            continue
        if body and ident and ident not in body and len(forms) > 1:
            continue
        return form, key
    return None


def last_page_number(sel: Selector) -> int | None:
    """The pager's last page: the highest page number beside the 下一页 link, or 尾页's own number."""
    numbers: list[int] = []
    for a in _next_anchors(sel):
        box = a.root.getparent()
        if box is not None and len(box) < 3 and box.getparent() is not None:
            box = box.getparent()
        if box is None:
            continue
        for node in box.iter("a", "span", "b", "strong", "font"):
            text = _SPACES.sub("", _all_text(node))
            if text.isdigit() and len(text) < 5:
                numbers.append(int(text))
            elif LAST_TEXT.match(text):
                code = f"{node.get('href', '')} {node.get('onclick', '')}"
                m = re.search(r"[?&](?:page|pageNo|pageNum|pageIndex|currentPage|curPage)=(\d+)", code, re.I) \
                    or _page_call(code)
                if m:
                    numbers.append(int(m.group(m.lastindex)))
    return max(numbers) if numbers else None

