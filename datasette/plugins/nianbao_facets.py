"""Datasette plugin: table pages that stay fast at national scale (issue 13 item 7, docs/scale.md).

Datasette 0.65 answers a table page with the page's rows, a `count(*)` and one `group by` per
facet, all over the rows the filters select; with a search, each of them evaluates the full-text
match again.  Two costs grow with the archive, and each gets its own remedy here (and a
Datasette paging bug its fix, 3):

1. **Facets of an unfiltered page, or of a page with one default facet applied** (`reports`,
   `reports?year=2021`): read from `publication_facet_counts`, which the served snapshot holds
   (archive/precompute.py).  `register_facet_classes` is wrapped (a pluggy hookwrapper) to put
   `PrecomputedColumnFacet` in the place of Datasette's `ColumnFacet`: the same results, the same
   links, from a table lookup; any other page — two filters, a search, another facet column, a
   database without the table — is the stock query.  `tests/test_precompute.py` compares both.
2. **A broad search** (more full-text hits than `archive.fts.BROAD_SEARCH`): the `asgi_wrapper`
   counts the hits of each `_search`/`_search_<column>` with a bounded query (it stops at the cap)
   before the page is built; over the cap, the request gets `_nocount=1&_nofacet=1&_broad=<cap>`,
   so Datasette does not count or facet what it would have to enumerate in full.  When the page
   is the search, with column filters at most, in key order (the reports table's default, newest
   first), the
   `filters_from_request` hookwrapper also limits the search clause `id in (select rowid … match
   …)` — which SQLite otherwise materializes whole before the first row — to the rowids of this
   page's hits: it reads the index from the page's boundary in key order and stops one hit after
   the page (with filters: one row past the page that passes them, in growing windows), so
   Datasette still links the next one.  The rows are exactly those of the stock
   clause, in the same order (tests page through every hit).  (A correlated `exists` probe per
   report was tried and measured: at 100,000 reports a term whose hits are all old reports probed
   every newer one, 233 s.)  The page says that the count and facets were left out and why
   (`nianbao_broad_search` in table.html).  The markers are the wrapper's own: it strips them from every request and
   decides again, so a narrower search gets its count back.
   In another order, with `_where`, or under filters few of the hits pass, the page's reports are
   instead read in the page's order and each asked whether its own text holds the words
   (`archive.fts.matches`, the index's answer for one report — not an FTS5 probe, which cost
   ≈ 4.7 ms a report), at most PROBE_ROWS of them; the clause becomes `id in (those found)`.
3. **The first page of a sorted table** gets the key as tie-break, as Datasette's next pages have
   (section 3 below): without it, rows with equal values were repeated or lost across pages.  The
   page's "View and edit SQL" shows the query as it ran, tie-break included.
"""

from __future__ import annotations

import contextvars
import json
import os
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.facets import ColumnFacet
from datasette.utils import await_me_maybe, escape_sqlite, path_with_added_args, path_with_removed_args

from archive.fts import BROAD_SEARCH, COLUMNS, SOURCE, match_expression
from archive.precompute import FACET_COUNTS_TABLE

DATABASE = "nianbao"
BROAD = "_broad"  # the wrapper's marker; with it, the _nocount and _nofacet it added
_PAGE = re.compile(rf"^/{DATABASE}/(?P<table>[^/.]+)(?:\.(?:json|csv))?$")
_SEARCH_CLAUSE = re.compile(r"^(?P<pk>\S+) in \(select rowid from (?P<fts>\S+) where (?P<col>\S+) match (?P<m>.+)\)$")


# --- 1. precomputed facets --------------------------------------------------------------------

class PrecomputedColumnFacet(ColumnFacet):
    """Datasette's column facet, answered from `publication_facet_counts` where it has the answer."""

    def _filter(self) -> tuple[str, str | None] | None:
        """('', None) for an unfiltered page, (column, value) for one `column=value` filter, else
        None: read off the SQL Datasette built, so no other clause (a plugin's, `_next`'s) is missed."""
        head = f"from {escape_sqlite(self.table)} "
        sql = self.sql or ""
        at = sql.find(head)
        if at < 0:
            return None
        rest = sql[at + len(head):].strip()
        if not rest and not self.params:
            return "", None
        one = re.fullmatch(r'where "([^"]+)" = :p0', rest)
        if one and list(self.params) == ["p0"]:
            return one.group(1), str(self.params["p0"])
        return None

    async def facet_results(self):  # noqa: ANN201 - Datasette's signature
        where = self._filter() if self.table else None
        db = self.ds.get_database(self.database)
        if where is None or not await db.table_exists(FACET_COUNTS_TABLE):
            return await super().facet_results()
        filter_column, filter_value = where
        known = await db.execute(
            f"select 1 from {FACET_COUNTS_TABLE} where table_name = ? and filter_column = ? and filter_value is ? limit 1",
            [self.table, filter_column, filter_value])
        if not known.rows:  # a value the snapshot did not see in that column (or a table it skipped)
            return await super().facet_results()
        configs = super().get_configs()
        stored = {row["column_name"] for row in await db.execute(
            f"select distinct column_name from {FACET_COUNTS_TABLE} where table_name = ? and filter_column = ? "
            "and filter_value is ?", [self.table, filter_column, filter_value])}
        live = [c for c in configs if _column(c) not in stored]  # incl. the filter's own column: an index count
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        if live:
            self.get_configs = lambda: live  # the stock query for the columns not precomputed
            results, timed_out = await super().facet_results()
        done = {r["name"]: r for r in results}
        size = self.get_facet_size()
        qs_pairs = self.get_querystring_pairs()
        ordered = []
        for config in configs:
            column = _column(config)
            if column in done:
                ordered.append(done[column])
            elif column in stored:
                rows = (await db.execute(
                    f"select value, count from {FACET_COUNTS_TABLE} where table_name = ? and filter_column = ? "
                    "and filter_value is ? and column_name = ? order by count desc, value limit ?",
                    [self.table, filter_column, filter_value, column, size + 1])).rows
                ordered.append(await self._result(column, config["source"], rows, size, qs_pairs))
        return ordered, timed_out

    async def _result(self, column: str, source: str, rows: list, size: int, qs_pairs: list) -> dict[str, Any]:
        """One facet's entry, built as ColumnFacet builds it (datasette/facets.py, 0.65.5)."""
        shown = rows[:size]
        expanded = await self.ds.expand_foreign_keys(self.database, self.table, column, [r["value"] for r in shown])
        values = []
        for row in shown:
            column_qs = f"{column}__exact" if column.startswith("_") else column
            selected = (column_qs, str(row["value"])) in qs_pairs
            toggle = (path_with_removed_args(self.request, {column_qs: str(row["value"])}) if selected
                      else path_with_added_args(self.request, {column_qs: row["value"]}))
            values.append({"value": row["value"], "label": expanded.get((column, row["value"]), row["value"]),
                           "count": row["count"], "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                           "selected": selected})
        return {"name": column, "type": self.type, "hideable": source != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                "results": values, "truncated": len(rows) > size}


def _column(config: dict) -> str:
    return config["config"].get("column") or config["config"]["simple"]


@hookimpl(hookwrapper=True)
def register_facet_classes():
    outcome = yield
    classes = [[PrecomputedColumnFacet if c is ColumnFacet else c for c in group] for group in outcome.get_result()]
    outcome.force_result(classes)


# --- 2. broad searches ------------------------------------------------------------------------

def _expression(text: str, raw: bool) -> str:
    """The FTS5 expression Datasette's clause matches: the text itself in raw mode, else ours."""
    return text if raw else match_expression(text)


async def _hits(datasette: Any, fts: str, column: str | None, query: str, raw: bool, cap: int) -> int:
    """Full-text hits of one search, counted up to cap + 1 (the match stops there)."""
    expression = _expression(query, raw)
    target = escape_sqlite(column) if column else escape_sqlite(fts)
    sql = f"select count(*) from (select rowid from {escape_sqlite(fts)} where {target} match ? limit ?)"
    try:
        result = await datasette.get_database(DATABASE).execute(sql, [expression, cap + 1])
    except Exception:  # a malformed raw query: Datasette's own page reports it
        return 0
    return result.first()[0]


async def mark_broad(datasette: Any, scope: dict) -> dict:
    """The scope with this wrapper's markers removed, and added again if a search is broad."""
    found = _PAGE.match(scope.get("path", ""))
    if not found:
        return scope
    pairs = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
    marked = any(k == BROAD for k, _ in pairs)
    if marked:
        pairs = [(k, v) for k, v in pairs if k not in (BROAD, "_nocount", "_nofacet")]
    searches = [(k, v) for k, v in pairs if k.startswith("_search") and k != "_searchmode" and v]
    meta = datasette.table_metadata(DATABASE, found["table"]) or {}
    fts = meta.get("fts_table")
    if searches and fts:
        raw = dict(pairs).get("_searchmode", meta.get("searchmode")) == "raw"
        for key, value in searches:
            column = key[len("_search_"):] if key.startswith("_search_") else None
            if await _hits(datasette, fts, column, value, raw, BROAD_SEARCH) > BROAD_SEARCH:
                pairs += [("_nocount", "1"), ("_nofacet", "1"), (BROAD, str(BROAD_SEARCH))]
                return dict(scope, query_string=urlencode(pairs).encode())
    return dict(scope, query_string=urlencode(pairs).encode()) if marked else scope


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def broad(scope, receive, send):
            if scope.get("type") == "http" and scope.get("method", "GET") in ("GET", "HEAD"):
                scope = await mark_broad(datasette, scope)
                if _json_page(scope):
                    await _showing_sql_run(app, scope, receive, send)
                    return
            await app(scope, receive, send)
        return broad
    return wrap


def _json_page(scope: dict) -> bool:
    path = scope.get("path", "")
    return bool(_PAGE.match(path)) and (path.endswith(".json") or b"_format=json" in scope.get("query_string", b""))


async def _showing_sql_run(app: Any, scope: dict, receive: Any, send: Any) -> None:
    """A table page's JSON with `query.sql` as it ran: the sorted first page's query carries its
    tie-break (`_tie_broken`), and the JSON, like the HTML page's "View and edit SQL", says so.
    The response is held until its last part (Datasette builds a JSON page whole anyway)."""
    held: list[dict] = []

    async def hold(message: dict) -> None:
        held.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            await _release(held, send)

    await app(scope, receive, hold)
    if held and not (held[-1]["type"] == "http.response.body" and not held[-1].get("more_body")):
        for message in held:  # an app that stopped short of a last part: pass on what it sent
            await send(message)


async def _release(held: list[dict], send: Any) -> None:
    run_as = _RUN_AS.get()
    start, parts = held[0], held[1:]
    if run_as is not None and start.get("status") == 200:
        body = b"".join(m.get("body", b"") for m in parts)
        shown, ran = (b'"sql": ' + json.dumps(sql).encode() for sql in (run_as[2], run_as[0]))
        if body.count(shown) == 1:
            body = body.replace(shown, ran)
            headers = [(k, str(len(body)).encode() if k.lower() == b"content-length" else v)
                       for k, v in start.get("headers", [])]
            start, parts = dict(start, headers=headers), [{"type": "http.response.body", "body": body}]
    for message in (start, *parts):
        await send(message)


_FAR = 2**62  # a rowid bound beyond any report
# Reports a broad search's page reads in its own order (another sort, `_where`), probing each with
# `nianbao_contains`, before it gives up and evaluates the whole match (BENCHMARKS.md: ≈ 20 µs a
# report with a real-length body, so ≈ 0.1 s at most).  $NIANBAO_PROBE_ROWS sets it (tests use a
# small one).
PROBE_ROWS = int(os.environ.get("NIANBAO_PROBE_ROWS", "5000"))


def _order(request: Any, meta: dict, pk: str) -> tuple[str, bool, bool]:
    """The page's order as Datasette builds it: (column, descending, whether a sort was given —
    by `_sort`/`_sort_desc` or the table's metadata; without one Datasette orders by the key)."""
    args = request.args
    sort, sort_desc = args.get("_sort"), args.get("_sort_desc")
    if not sort and not sort_desc:
        sort, sort_desc = meta.get("sort"), meta.get("sort_desc")
    if sort:
        return sort, False, True
    if sort_desc:
        return sort_desc, True, True
    return pk, False, False


def _one_search(request: Any) -> bool:
    """One `_search`/`_search_<column>` and no `_through`: the pages whose search clause the
    window or the probe replace."""
    args = request.args
    return not args.get("_through") and len([k for k in args if k.startswith("_search") and k != "_searchmode"]) == 1


def _window_order(request: Any, meta: dict, pk: str) -> bool | None:
    """True (id descending) or False (ascending) when a broad search's page can be read as a window
    of the full-text index: one search, column filters at most, the page ordered by the key alone.
    None otherwise (the page is then probed in its own order, `_probe_order`)."""
    if request.args.get("_where") or not _one_search(request):
        return None
    column, desc, _ = _order(request, meta, pk)
    return desc if column == pk else None


def _after(request: Any, column: str, desc: bool, given: bool, pk: str) -> tuple[str, dict] | None:
    """The rows after `_next`, as the clause Datasette adds for it (views/table.py, 0.65.5: the sort
    value, then the key; NULLs first ascending, last descending).  ('1', {}) on a first page; None
    for a token of another shape (the page is then left to Datasette's own query)."""
    token = request.args.get("_next")
    if not token:
        return "1", {}
    from datasette.utils import urlsafe_components

    parts = urlsafe_components(token)
    value: str | None = None
    if given and len(parts) > 1:
        value = None if token.split(",")[0] == "$null" else parts[0]
        parts = parts[1:]
    if len(parts) != 1:
        return None
    key, col = escape_sqlite(pk), escape_sqlite(column)
    after = f"{key} > :nianbao_after_key"
    params = {"nianbao_after_key": parts[0]}
    if not given:
        return after, params
    if value is None:
        clause = f"({col} is null and {after})" if desc else f"({col} is not null or ({col} is null and {after}))"
        return clause, params
    nulls = f" or {col} is null" if desc else ""
    op = "<" if desc else ">"
    return (f"({col} {op} :nianbao_after_value{nulls} or ({col} = :nianbao_after_value and {after}))",
            {**params, "nianbao_after_value": value})


class _Probe:
    """A broad search's page found by reading the reports of the page's own order and asking each
    whether it matches, in growing batches, until the page and one more row are found — where the
    index, read in its own order, would have to find every hit first.  A search box query is asked
    of each report's own texts (`nianbao_contains`, archive.fts.matches: exactly the index's
    answer); a raw-mode query (FTS5 syntax, which only the index evaluates) is asked of the index
    for those reports alone (`rowid in (…)`: FTS5 seeks each term to each rowid — 5,000 reports in
    54 ms at 100,000 for `"复 议"`, where the whole match took 293 ms)."""

    def __init__(self, db: Any, table: str, pk: str, where: list[str], values: dict, order: str,
                 query: str, columns: tuple[str, ...], want: int, index: tuple[str, str] | None = None) -> None:
        """`index`: a raw-mode search's full-text table and match column (as Datasette's clause names them)."""
        self.db, self.want, self.query = db, want, query
        conditions = " and ".join(f"({w})" for w in where) or "1"
        self.candidates = (f"select {escape_sqlite(pk)} from {escape_sqlite(table)} where {conditions} "
                           f"order by {order} limit :nianbao_n offset :nianbao_o")
        self.values = values
        texts = ", ".join(escape_sqlite(c) for c in columns)
        if index is None:
            self.probe = (f"select id from {escape_sqlite(SOURCE)} where id in (select value from "
                          f"json_each(:nianbao_ids)) and nianbao_contains(:nianbao_q, {texts})")
        else:
            self.probe = (f"select rowid from {index[0]} where {index[1]} match :nianbao_q "
                          f"and rowid in (select value from json_each(:nianbao_ids))")
        self.read = 0
        self.hits: list[Any] = []
        self.exhausted = False

    def done(self) -> bool:
        return self.exhausted or len(self.hits) >= self.want

    async def step(self, rows: int) -> None:
        """Read the next `rows` reports of the order and keep those that match, in order."""
        ids = [r[0] for r in (await self.db.execute(
            self.candidates, {**self.values, "nianbao_n": rows, "nianbao_o": self.read})).rows]
        self.read += len(ids)
        self.exhausted = len(ids) < rows
        at = 0
        batch = self.want * 2
        while at < len(ids) and len(self.hits) < self.want:
            chunk = ids[at:at + batch]
            found = {r[0] for r in (await self.db.execute(
                self.probe, {"nianbao_ids": json.dumps(chunk), "nianbao_q": self.query})).rows}
            self.hits += [i for i in chunk if i in found][:self.want - len(self.hits)]
            at += len(chunk)
            batch *= 2
        if len(self.hits) >= self.want:
            self.exhausted = False

    def clause(self, pk: str) -> tuple[str, dict]:
        return (f"{escape_sqlite(pk)} in (select value from json_each(:nianbao_ids))",
                {"nianbao_ids": json.dumps(self.hits)})


def _column_filters(request: Any, table: str, meta: dict) -> tuple[list[str], dict]:
    """The page's column filters as Datasette builds them (views/table.py, 0.65.5), to be run here."""
    from datasette.filters import Filters
    from datasette.views.base import ureg

    pairs = [(k, v) for k in request.args if not (k.startswith("_") and "__" not in k)
             for v in request.args.getlist(k)]
    return Filters(sorted(pairs), meta.get("units", {}), ureg).build_where_clauses(table)


async def _window(datasette: Any, request: Any, table: str, clause: str, params: dict) -> tuple[str, dict] | None:
    """The search clause limited to this page's hits (and one more, so Datasette still sees a next
    page), or None to leave Datasette's clause, which evaluates every hit before the first row.

    In key order the index is read from the page's boundary and stops after them (with column
    filters, in growing windows until the page's rows pass them, alternating with a probe of the
    filtered reports in key order — whichever finds the page first: a filter rare among the hits
    or hits rare under the filter).  In any other order, or with `_where`, the page's reports are
    probed in that order (`_Probe`), at most PROBE_ROWS of them."""
    found = _SEARCH_CLAUSE.match(clause)
    meta = datasette.table_metadata(DATABASE, table) or {}
    pk = meta.get("fts_pk", "rowid")
    if not found or found["pk"] not in (escape_sqlite(pk), "rowid") or not params:
        return None
    (key, text), = [(k, v) for k, v in params.items() if k.startswith("search")]
    raw = (request.args.get("_searchmode") or meta.get("searchmode")) == "raw"
    fts_column = found["col"].strip('[]"')
    columns = COLUMNS if fts_column == found["fts"].strip('[]"') else (fts_column,)
    size = request.args.get("_size") or meta.get("size") or datasette.page_size
    size = datasette.max_returned_rows if size == "max" else int(size)
    db = datasette.get_database(DATABASE)
    where, values = _column_filters(request, table, meta)
    desc = _window_order(request, meta, pk)
    index = (found["fts"], found["col"]) if raw else None
    if desc is None:
        return await _probe_order(datasette, request, table, meta, pk, where, values, text, columns, size, key, index)
    after = request.args.get("_next")
    bound = int(after.split(",")[-1]) if after else None
    op, order = ("<", "desc") if desc else (">", "asc")
    expression = _expression(text, raw)
    hits = (f"select rowid from {found['fts']} where {found['col']} match :nianbao_m"
            + (f" and rowid {op} :nianbao_bound" if bound is not None else "") + f" order by rowid {order}")
    base = {"nianbao_m": expression, "nianbao_bound": bound}
    if not where:
        last = (await db.execute(f"{hits} limit 1 offset :nianbao_n", {**base, "nianbao_n": size})).first()
    else:
        sql = (f"select {found['pk']} from {escape_sqlite(table)} where {' and '.join(where)} and "
               f"{found['pk']} in ({hits} limit :nianbao_w) order by {found['pk']} {order} limit 1 offset :nianbao_n")
        probe = _Probe(
            db, table, pk, [*where, *([f"{escape_sqlite(pk)} {op} :nianbao_bound"] if bound is not None else [])],
            {**values, "nianbao_bound": bound}, f"{escape_sqlite(pk)} {order}", text, columns, size + 1, index)
        window, rows = (size + 1) * 8, (size + 1) * 2
        while True:
            last = (await db.execute(sql, {**values, **base, "nianbao_w": window, "nianbao_n": size})).first()
            if last is not None:
                break
            counted = (await db.execute(f"select count(*) from ({hits} limit :nianbao_w)",
                                        {**base, "nianbao_w": window})).first()[0]
            if counted < window:  # every remaining hit was read: fewer rows than a page are left
                break
            await probe.step(rows)
            if probe.done():
                limited, extra = probe.clause(pk)
                return limited, {**extra, key: text}
            rows *= 4
            window *= 4
    start = bound if bound is not None else (_FAR if desc else -_FAR)
    end = last[0] if last else (-_FAR if desc else _FAR)
    low, high = (end, start) if desc else (start, end)
    limited = (f"{found['pk']} in (select rowid from {found['fts']} where {found['col']} match {found['m']} "
               f"and rowid between :nianbao_low and :nianbao_high)")
    return limited, {"nianbao_low": low, "nianbao_high": high, key: text}


async def _probe_order(datasette: Any, request: Any, table: str, meta: dict, pk: str, where: list[str],
                       values: dict, text: str, columns: tuple[str, ...], size: int, key: str,
                       index: tuple[str, str] | None) -> tuple[str, dict] | None:
    """A broad search in another order or with `_where`: the page's reports probed in that order."""
    if not _one_search(request):
        return None
    extra = request.args.getlist("_where")
    if extra and not await datasette.permission_allowed(request.actor, "execute-sql", resource=DATABASE,
                                                        default=True):
        return None  # Datasette's own filter refuses the page
    column, desc, given = _order(request, meta, pk)
    after = _after(request, column, desc, given, pk)
    if after is None:
        return None
    order = f"{escape_sqlite(column)}{' desc' if desc else ''}" + (f", {escape_sqlite(pk)}" if column != pk else "")
    probe = _Probe(datasette.get_database(DATABASE), table, pk, [*where, *extra, after[0]], {**values, **after[1]},
                   order, text, columns, size + 1, index)
    rows = (size + 1) * 4
    while not probe.done() and probe.read < PROBE_ROWS:
        await probe.step(min(rows, PROBE_ROWS - probe.read))
        rows *= 4
    if not probe.done():
        return None
    limited, params = probe.clause(pk)
    return limited, {**params, key: text}


# --- 3. the first page of a sorted table in the order its next pages assume ---------------------
#
# Datasette 0.65 orders a sorted page `order by col [desc]` and only from the second page on
# `order by col [desc], pk`, its `_next` token saying "after (value, key)".  When SQLite reads the
# first page from an index on `col` backwards (a descending sort), rows with equal values come in
# descending key order, so the token taken from the page's last row skips some of them and repeats
# others (report_summary sorted by year, descending, lost 10 of 124 reports across its pages).
# The first page of a table page sorted by a column other than the key gets the key as tie-break
# too: `filters_from_request` notes the page's order in a context variable (one per request task)
# and the page's own query, recognised by its ORDER BY and LIMIT, is given `, pk`.

_FIRST_PAGE: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("nianbao_first_page",
                                                                                     default=None)
# The first page's query as run (tie-broken), its parameters and the query as Datasette wrote it: the
# page's "View and edit SQL" (extra_template_vars) and its JSON's `query.sql` (_showing_sql_run) show
# the one that ran, so the SQL a researcher copies gives the rows in the page's order.
_RUN_AS: contextvars.ContextVar[tuple[str, Any, str] | None] = contextvars.ContextVar("nianbao_run_as", default=None)


def _note_first_page(request: Any, table: str, datasette: Any) -> None:
    meta = datasette.table_metadata(DATABASE, table) or {}
    column, desc, given = _order(request, meta, "")
    _RUN_AS.set(None)
    if not given or request.args.get("_next"):
        _FIRST_PAGE.set(None)
        return
    _FIRST_PAGE.set((f"order by {escape_sqlite(column)}{' desc' if desc else ''}", table))


async def _tie_broken(db: Any, sql: str) -> str:
    """The first page's query with the key after its sort column (Datasette's order_by_pks)."""
    noted = _FIRST_PAGE.get()
    if noted is None:
        return sql
    order, table = noted
    found = re.search(rf"{re.escape(order)} (limit \d+)$", sql)
    if not found:
        return sql
    pks = await db.primary_keys(table)
    if not pks and table in await db.view_names():
        return sql  # a view pages by offset: no token to agree with
    keys = ", ".join(escape_sqlite(k) for k in pks) if pks else "rowid"
    if order.split(" ", 2)[2].removesuffix(" desc") in (keys, escape_sqlite(keys)):
        return sql  # sorted by the key itself: no ties
    return f"{sql[:found.start()]}{order}, {keys} {found.group(1)}"


@hookimpl
def startup(datasette):
    from datasette.database import Database

    if getattr(Database.execute, "nianbao_tie_break", False):
        return
    execute = Database.execute

    async def tie_broken_execute(self, sql, *args, **kwargs):
        if self.name == DATABASE and _FIRST_PAGE.get() is not None:
            broken = await _tie_broken(self, sql)
            if broken != sql:
                _RUN_AS.set((broken, args[0] if args else kwargs.get("params"), sql))
            sql = broken
        return await execute(self, sql, *args, **kwargs)

    tie_broken_execute.nianbao_tie_break = True  # type: ignore[attr-defined]
    Database.execute = tie_broken_execute


@hookimpl(hookwrapper=True)
def filters_from_request(request, database, table, datasette):
    if database == DATABASE and request is not None and table:
        _note_first_page(request, table, datasette)
    outcome = yield
    if database != DATABASE or request is None or not request.args.get(BROAD):
        return

    def rewrite(result: Any) -> Any:
        async def inner():
            arguments = await await_me_maybe(result)
            if arguments is None or len(arguments.where_clauses) != 1:
                return arguments
            windowed = await _window(datasette, request, table, arguments.where_clauses[0], arguments.params)
            if windowed is not None:
                arguments.where_clauses = [windowed[0]]
                arguments.params.update(windowed[1])
            return arguments
        return inner

    outcome.force_result([rewrite(r) for r in outcome.get_result()])


@hookimpl
def extra_template_vars(request, database, table, view_name):
    extra: dict[str, Any] = {}
    run_as = _RUN_AS.get()
    if database == DATABASE and view_name == "table" and run_as is not None:
        extra["query"] = {"sql": run_as[0], "params": run_as[1] or {}}
    if database == DATABASE and request is not None and request.args.get(BROAD):
        extra["nianbao_broad_search"] = int(request.args[BROAD])
    return extra
