"""Datasette plugin: the reports search finds any substring (archive/fts.py), ranked with snippets.

Loaded by `nianbao serve` (`--plugins-dir datasette/plugins`, archive/serve.py).  What it does, on
Datasette 0.65.5's own hooks:

- `prepare_connection` replaces the SQL function `escape_fts`.  Datasette's `?_search=` filter
  (datasette/filters.py `search_filters`) is `id in (select rowid from report_search where
  report_search match escape_fts(:search))`; Datasette's own `escape_fts` quotes each word as an
  FTS5 phrase, which the one-token-per-character index cannot match.  Ours turns each word into
  its phrase of character tokens (`依申请` → `"依 申 请"`), so the search box, `?_search=`,
  `?_search_title=` / `?_search_body=`, the facets and the counts of the search all work as
  Datasette built them.  `trylast=True` puts our registration after Datasette's own
  (datasette/sql_functions.py), so ours is the one in force.  The archive has no other FTS table.
  It also registers `nianbao_match`, `nianbao_snippet`, `nianbao_chars` and `nianbao_broad_cap`
  (archive.fts.BROAD_SEARCH: above it a search is broad, listed newest first, not ranked) for the
  `search` canned query of metadata.yml, and `nianbao_contains(q, title, body)` (archive.fts.matches:
  the index's answer for one report, from its text), with which nianbao_facets probes the reports
  of a broad search's page in an order the index cannot give.
- `render_cell` shows a `snippet` column's marked matches as <mark>: the value is HTML-escaped
  first, then only the marker characters become tags (never markup from the data).
- `table_actions` links a searched `reports` or `report_summary` page to the ranked search.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from datasette import hookimpl
from markupsafe import Markup, escape

from archive.fts import BROAD_SEARCH, END, MARK, chars, match_expression, matches, snippet

DATABASE = "nianbao"
_MARKED = re.compile(f"{MARK}([^{MARK}{END}]*){END}")


@hookimpl(trylast=True)
def prepare_connection(conn) -> None:
    conn.create_function("escape_fts", 1, match_expression, deterministic=True)
    conn.create_function("nianbao_match", 1, match_expression, deterministic=True)
    conn.create_function("nianbao_snippet", 2, snippet, deterministic=True)
    conn.create_function("nianbao_chars", 1, chars, deterministic=True)
    conn.create_function("nianbao_broad_cap", 0, lambda: BROAD_SEARCH, deterministic=True)
    conn.create_function("nianbao_contains", -1, lambda query, *texts: int(matches(query, *texts)),
                         deterministic=True)


@hookimpl
def render_cell(value, column, database):
    if database != DATABASE or column != "snippet" or not isinstance(value, str) or MARK not in value:
        return None
    html = _MARKED.sub(r"<mark>\1</mark>", str(escape(value)))
    return Markup(html.replace(MARK, "").replace(END, ""))


@hookimpl
def table_actions(database, table, request):
    query = request.args.get("_search") if request is not None else None
    if database != DATABASE or table not in ("reports", "report_summary") or not query:
        return None
    return [{"href": f"/{DATABASE}/search?{urlencode({'q': query})}",
             "label": "按相关度排序并显示摘要 · Ranked, with snippets"}]
