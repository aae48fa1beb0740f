"""The demo portals' content: which report sits in which column of which site, rendered per family.

Every page is rendered on request from this model, deterministically (no clocks, no randomness
outside seeded generators), so a test can mutate the world between two crawls — add reports,
change one — and know exactly what the crawler must find.  The page structures follow
`../shared/research/portals.md` §7.1: a TRS WCM district (trs.py), a Hanweb jcms site
(hanweb.py), a GBK in-house site served over http without a charset header (gbk.py), and a
Guangdong gkmlpt site (gkmlpt.py); plus the hostile behaviours of §3 (瑞数 412, 加速乐 521, a
200-status WAF page, a JS redirect stub, a soft 404, an out-of-range list page that repeats page 1;
pages.py) and a robots.txt with a Disallow rule.  What sits where is model.py; whose reports
each site carries is regions.py; the report documents themselves are reports.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from collections.abc import Sequence
from types import ModuleType
from urllib.parse import parse_qs

from . import gbk, gkmlpt, hanweb, trs
from .model import (
    COLUMNS,
    EPOCH,
    EXAMPLE_PLACES,
    FILE_PLACES,
    FORMS,
    HOSTILE,
    JS_REDIRECTS,
    OCR_PLACES,
    ROBOTS_DISALLOWED,
    SITES,
    Column,
    Doc,
    Response,
)
from .pages import hostile_page, html_response, js_redirect_stub, robots
from .regions import SITE_REGIONS, agency_years
from .reports import EXAMPLES, attachment_bytes, example_title, render, report_spec

# Each site is served by the module of its family.
FAMILIES: dict[str, ModuleType] = {"trs": trs, "hanweb": hanweb, "gbk": gbk, "gkmlpt": gkmlpt}


class DemoWorld:
    """The content of the four demo sites, with mutations for incremental tests."""

    def __init__(self, scale: int = 1, generated: bool = True, *, sites: Sequence[str] = SITES,
                 regions: dict[str, tuple[str, str, str]] | None = None, counts: dict[str, int] | None = None,
                 forms: dict[str, list[str]] | None = None, examples: bool = True, seed: int = 1000) -> None:
        """`scale` multiplies every column's reports.  The keywords build other worlds from the
        same renderers (bench/scale.py: one portal per world): only `sites`, each standing for
        the district `regions` gives it (default SITE_REGIONS), `counts` reports per column key
        instead of the scaled defaults (absent keys: none), `forms` the cycle of document forms
        per site (default FORMS), no real examples, generator seeds from `seed`."""
        self.scale = scale
        self.lock = threading.RLock()
        self.docs: list[Doc] = []
        self.columns = {(c.site, c.key): c for c in COLUMNS}
        self.sites = tuple(sites)
        self.regions = {site: (regions or SITE_REGIONS).get(site) or SITE_REGIONS[site] for site in self.sites}
        self.forms = {**FORMS, **(forms or {})}
        self._seq = 0
        self._seed = seed
        # (agency, year) pairs still free on each site: no agency reports twice for one year
        self._free = {site: agency_years(*self.regions[site]) for site in self.sites}
        self._taken: set[tuple[str, int]] = set()
        for name, (site, col, form) in EXAMPLE_PLACES.items():
            if examples and site in self.sites and (EXAMPLES / name).exists():
                self._add(site, col, form, ("example", name))
        for c in COLUMNS:
            if c.site not in self.sites:
                continue
            want = c.count * scale if counts is None else counts.get(c.key, 0)
            have = sum(d.site == c.site and d.column == c.key for d in self.docs)
            for _ in range(max(0, want - have)):
                if not generated:
                    break
                self._add_generated(c)
        for form, (site, col) in {**OCR_PLACES, **FILE_PLACES}.items():  # after the rest: their seeds stay as they were
            if examples and generated and site in self.sites:
                self._add_generated(self.columns[(site, col)], form)
        self.hostile = {site: dict(paths) for site, paths in HOSTILE.items()}
        self.js_redirects = {site: dict(v) for site, v in JS_REDIRECTS.items()}
        self.base_urls: dict[str, str] = {}  # filled by the server once it has bound its ports

    # --- mutations ---------------------------------------------------------------------------

    def _add(self, site: str, column: str, form: str, source: tuple) -> Doc:
        self._seq += 1
        # A report on year Y is published early in Y + 1 (the deadline is 31 January): the list and
        # the page show that date, as real portals do, never one before the year it reports on.
        if source[0] == "example":
            title, agency = example_title(source[1])
            year = re.search(r"20\d\d", title)
            self._taken.add((agency, int(year.group())) if year else (agency, 0))
            published = dt.date(int(year.group()) + 1, 1, 10) + dt.timedelta(days=self._seq % 40) if year else None
        else:
            spec = report_spec(source)
            title, agency = spec.title, spec.agency_full
            self._taken.add((agency, spec.year))
            published = dt.date.fromisoformat(spec.pub_date)
            if form == "image":
                title += "（图片版）"
        doc = Doc(key=f"{site}-{column}-{self._seq}", site=site, column=column, seq=self._seq, form=form,
                  source=source, title=title, agency=agency, published=published)
        self.docs.append(doc)
        return doc

    def _add_generated(self, col: Column, form: str | None = None) -> Doc:
        """The next generated report of `col`, in `form` or the site's next form in its cycle."""
        n = sum(d.site == col.site for d in self.docs)
        forms = self.forms[col.site]
        form = form or forms[n % len(forms)]
        seed = self._seed + self._seq
        # the next free (agency, year): the real examples hold a few pairs already
        pair = next((p for p in self._free[col.site] if (p[0], p[2]) not in self._taken), None)
        if pair is None:
            raise ValueError(f"{col.site}: every (agency, year) of {''.join(self.regions[col.site])} has a report")
        full, short, year = pair
        return self._add(col.site, col.key, form, ("gen", seed, "2021" if year >= 2021 else "2019", full, short, year))

    def add_reports(self, n: int) -> list[Doc]:
        """Publish n new reports, spread over the sites' first columns (newest first in lists)."""
        with self.lock:
            targets = [c for c in COLUMNS if c.key not in ROBOTS_DISALLOWED and c.site in self.sites]
            added = [self._add_generated(targets[(self._seq + i) % len(targets)]) for i in range(n)]
            return added

    def publish(self, site: str, agency: str, year: int, *, column: str | None = None, form: str = "html") -> Doc:
        """Publish one generated report by `agency`, printed as given (a 开发区 the district's pool
        does not have, a body named without its city): tests of what the archive makes of names."""
        with self.lock:
            col = self.columns[(site, column)] if column else next(
                c for c in COLUMNS if c.site == site and c.key not in ROBOTS_DISALLOWED)
            seed = self._seed + self._seq
            return self._add(site, col.key, form, ("gen", seed, "2021" if year >= 2021 else "2019", agency, agency, year))

    def change_report(self, key: str | None = None) -> Doc:
        """Edit one published report in place (same URL, new content, new ETag/Last-Modified)."""
        with self.lock:
            doc = next(d for d in self.docs if d.key == key) if key else next(
                d for d in self.docs if d.source[0] == "gen" and d.form == "html" and d.site == "trs")
            doc.version += 1
            return doc

    # --- truth for tests ---------------------------------------------------------------------

    def reachable_docs(self) -> list[Doc]:
        """Reports a polite crawler can and must find (robots.txt excludes the 年报库 column)."""
        return [d for d in self.docs if d.column not in ROBOTS_DISALLOWED]

    def column_docs(self, site: str, column: str) -> list[Doc]:
        """A column's reports, newest first, as its list pages show them."""
        return sorted((d for d in self.docs if d.site == site and d.column == column), key=lambda d: -d.seq)

    # --- URLs: each family places its documents its own way --------------------------------------

    def detail_path(self, doc: Doc) -> str:
        return FAMILIES[doc.site].detail_path(self, doc)

    def attachment_path(self, doc: Doc) -> str | None:
        """Where the report file is served (the final URL, after any redirect)."""
        ext = doc.attachment_ext
        return None if ext is None else FAMILIES[doc.site].attachment_path(self, doc, ext)

    def attachment_link(self, doc: Doc) -> str | None:
        """The href the detail page carries (Hanweb: behind downfile.jsp)."""
        path = self.attachment_path(doc)
        link = getattr(FAMILIES[doc.site], "attachment_link", None)  # a family without one links the file itself
        return path if path is None or link is None else link(path)

    def attachment_name(self, doc: Doc) -> str:
        ext = (self.attachment_path(doc) or ".html").rsplit(".", 1)[1]
        return f"{doc.title}.{ext}"

    def picture_path(self, doc: Doc) -> str | None:
        """Where the picture of a `picture` report's tables is served (beside its detail page)."""
        if doc.form != "picture":
            return None
        return FAMILIES[doc.site].picture_path(self, doc)

    def report_path(self, doc: Doc) -> str:
        """The document that holds the report: the attachment if any, else the detail page."""
        return self.attachment_path(doc) or self.detail_path(doc)

    def find(self, site: str, path: str) -> tuple[Doc, str] | None:
        """The document served at `path` on `site`, and whether it is its detail page or attachment."""
        for doc in self.docs:
            if doc.site != site:
                continue
            if self.detail_path(doc) == path:
                return doc, "detail"
            if self.attachment_path(doc) == path:
                return doc, "attachment"
            if doc.form == "picture" and self.picture_path(doc) == path:
                return doc, "picture"
        return None

    # --- dispatch ----------------------------------------------------------------------------

    def render_all(self) -> int:
        """Render every detail page and attachment once, so that a server then answers from the
        cache (the benchmarks do this before timing anything); returns how many were rendered.
        Through DemoWorld's own `respond`, so a subclass that logs requests does not log these."""
        n = 0
        for doc in self.docs:
            for path in (self.detail_path(doc), self.attachment_path(doc), self.picture_path(doc)):
                if path:
                    DemoWorld.respond(self, doc.site, "GET", path, "", {}, {})
                    n += 1
        return n

    def respond(self, site: str, method: str, path: str, query: str, form: dict[str, list[str]],
                headers: dict[str, str]) -> Response:
        with self.lock:
            if path == "/robots.txt":
                return robots(site)
            if path in self.hostile.get(site, {}):
                return hostile_page(self.hostile[site][path], path)
            if path in self.js_redirects.get(site, {}):
                return html_response(200, js_redirect_stub(self.js_redirects[site][path]), charset="utf-8")
            q = {k: v[-1] for k, v in parse_qs(query).items()}
            return FAMILIES[site].respond(self, method, path, q, form)

    def document(self, doc: Doc, what: str, charset: str | None = "utf-8", validators: str = "both") -> Response:
        """A detail page or attachment with the validators this site supports."""
        if what == "detail":
            body = FAMILIES[doc.site].detail(self, doc)
            ctype = "text/html" + (f"; charset={charset}" if charset else "")
        elif what == "picture":
            body, ctype = render(doc.source, "picture", doc.version), "image/jpeg"
        else:
            body = attachment_bytes(doc)
            ext = self.attachment_path(doc).rsplit(".", 1)[1]
            ctype = {"pdf": "application/pdf", "txt": "text/plain; charset=utf-8",
                     "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "ofd": "application/ofd"}[ext]
        hdrs = {"Content-Type": ctype}
        if validators in ("both", "etag"):
            hdrs["ETag"] = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if validators in ("both", "last_modified"):
            when = EPOCH + dt.timedelta(days=doc.seq, hours=doc.version)
            hdrs["Last-Modified"] = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
        return 200, hdrs, body

    # --- hosts ---------------------------------------------------------------------------------

    def base_url(self, site: str) -> str:
        return self.base_urls.get(site, "")
