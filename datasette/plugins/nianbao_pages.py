"""Datasette plugin: a page per report and per agency, and a report's archived original as a download.

Loaded by `nianbao serve` with the other plugin of this folder.  The data of each page is
archive/pages.py's (tested without a server); this module only routes, renders and sets headers,
on Datasette 0.65's `register_routes` (plugin routes are matched before Datasette's own) and the
templates of datasette/templates/ (`--template-dir`, archive/serve.py):

- `/-/report/<id>`: the three tables as the report prints them, its checks with both sides, its
  problems, its versions, and the link to its original.
- `/-/report/<id>/original`: the archived bytes, always as a download — `application/octet-stream`,
  `Content-Disposition: attachment`, `X-Content-Type-Options: nosniff` and a sandboxing
  Content-Security-Policy, so an archived HTML page (which may carry script) is never rendered
  or run in the archive's origin.
- `/-/agency/<agency id>`: its reports by year with headline figures, indicators, failed checks,
  coverage and source links.

`render_cell` links a report's title (reports, report_summary) to its page, and an agency id
(reports, indicators, leaderboard) or an agency's name (agencies) to the agency's page.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from archive import interface, pages

DATABASE = "nianbao"
# Headers of every download of an original: never sniffed, never rendered, never able to run script.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-transform",
}


def report_url(report_id: int) -> str:
    return f"/-/report/{int(report_id)}"


def agency_url(agency_id: str) -> str:
    return "/-/agency/" + quote(agency_id, safe="")


async def _not_found(datasette, request, message: str):
    """Datasette's own error page, status 404, saying what was asked for."""
    return Response.html(await datasette.render_template(
        "error.html", {"ok": False, "error": message, "title": interface.word("Not found"), "status": 404},
        request=request), status=404)


async def _report(datasette, request):
    report_id = int(request.url_vars["report_id"])
    data = await datasette.get_database(DATABASE).execute_fn(lambda con: pages.report_page(con, report_id))
    if data is None:
        return await _not_found(datasette, request, f"没有编号为 {report_id} 的年报 · No report {report_id}")
    context = {**data, "database": DATABASE, "agency_href": agency_url(data["agency_id"]) if data["agency_id"] else None,
               "original_href": report_url(report_id) + "/original"}
    return Response.html(await datasette.render_template("nianbao_report.html", context, request=request))


async def _original(datasette, request):
    report_id = int(request.url_vars["report_id"])
    found = await datasette.get_database(DATABASE).execute_fn(lambda con: pages.original(con, report_id))
    if found is None:
        return Response.text(f"没有存档的原件 · No archived original for report {report_id} "
                             "(no such report, or the publication was made without raw bytes)",
                             status=404, headers=DOWNLOAD_HEADERS)
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": f'attachment; filename="{found.filename}"'}
    return Response(found.data, status=200, headers=headers, content_type="application/octet-stream")


async def _agency(datasette, request):
    agency_id = unquote(request.url_vars["agency_id"])
    data = await datasette.get_database(DATABASE).execute_fn(lambda con: pages.agency_page(con, agency_id))
    if data is None:
        return await _not_found(datasette, request, f"没有机关 {agency_id} · No agency {agency_id}")
    context = {**data, "database": DATABASE, "report_url": report_url}
    return Response.html(await datasette.render_template("nianbao_agency.html", context, request=request))


@hookimpl
def register_routes(datasette):
    return [
        (r"^/-/report/(?P<report_id>\d+)$", _report),
        (r"^/-/report/(?P<report_id>\d+)/original$", _original),
        (r"^/-/agency/(?P<agency_id>[^/]+)$", _agency),
    ]


def _id(row):
    """The row's `id` (a sqlite3.Row: `in` looks at its values, not its column names)."""
    try:
        return row["id"]
    except (IndexError, KeyError):
        return None


@hookimpl
def render_cell(row, value, column, table, database):
    if database != DATABASE or value is None:
        return None
    if column == "title" and table in ("reports", "report_summary") and _id(row) is not None:
        return Markup(f'<a href="{report_url(_id(row))}">{escape(value)}</a>')
    if column == "agency_id" and isinstance(value, str) and table in ("reports", "indicators", "leaderboard"):
        return Markup(f'<a href="{agency_url(value)}">{escape(value)}</a>')
    if column == "name" and table == "agencies" and _id(row) is not None:  # the id cell is Datasette's row link
        return Markup(f'<a href="{agency_url(_id(row))}">{escape(value)}</a>')
    return None
