"""What the report page and the agency page show, read from the archive as plain data.

Why a module of its own, apart from the Datasette plugin that serves the pages
(datasette/plugins/nianbao_pages.py): the layouts are domain knowledge — a report's three tables
laid out as the report prints them, rows and columns in the template's order — and they are
tested on a real SQLite archive without a web server.  The layouts come from the templates
(`extract/templates.py`: sections, items and metrics of table 2, rows, groups and columns of
table 3, groups and outcomes of table 4), the one place that knows them; a cell the template does
not have (a local sub-row, a printed subtotal) is kept, after the template's own, never dropped.

Values are shown as the archive holds them: a blank cell is empty (NULL), never 0; a count is
an integer (19, not 19.0); a total that does not add up is shown as it is, beside its check.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from extract.sniff import KINDS
from extract.templates import (
    ORG_SUBTOTAL,
    REQUEST_COLUMNS,
    REQUEST_ROWS,
    REVIEW_GROUPS,
    REVIEW_OUTCOMES,
    Template,
    headline_figures,
    template,
    templates,
)

# The original's kind (reports.kind) → the file name extension it is offered under: the kind's own,
# but a text copy's `.txt`, and a picture's (whichever format it is) `.bin`, as is an OCR'd report's.
EXTENSIONS = {kind: {"text": "txt", "image": "bin"}.get(kind, kind) for kind in KINDS} | {"ocr": "bin"}

FIGURE_LABELS = {
    "requests_received": "本年新收申请", "carried_over": "上年结转", "granted": "予以公开",
    "partly_granted": "部分公开", "refused": "不予公开", "unable": "无法提供", "not_processed": "不予处理",
    "other_handling": "其他处理", "handled": "办理结果总计", "carried_forward": "结转下年度",
    "reviews": "行政复议", "lawsuits": "行政诉讼",
}
RULE_LABELS = {
    "balance": "收支平衡（新收＋结转＝办结＋结转下年）", "outcome_total": "办理结果总计", "row_total": "各列之和等于总计",
    "litigation_total": "复议诉讼总计", "non_negative": "非负", "carry_over": "上年结转与上一年报一致",
}
NULL_REASON_LABELS = {"blank": "空格", "not_printed": "未列出", "zero_denominator": "分母为0",
                      "no_previous_year": "无上年"}


def number(value: Any) -> Any:
    """A figure as it should read: an integral float as an int (19.0 → 19); None stays None."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _rows(con: sqlite3.Connection, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("select 1 from sqlite_master where name = ?", [name]).fetchone() is not None


@dataclass
class Cell:
    """One printed cell: its value (None for a blank) and the text as printed."""

    value: Any = None
    raw: str | None = None
    present: bool = False  # the report has this cell at all (absent cells are shown as such)


@dataclass
class Grid:
    """A table laid out as printed: row headings × column headings, and the cells."""

    columns: list[tuple[str, str]]  # (code, label)
    rows: list[dict[str, Any]] = field(default_factory=list)  # {code, label, depth, heading, cells}


def _template_for(fmt: str | None) -> Template:
    """The report's own template; a legacy or unknown one is laid out on the latest national one."""
    return template(fmt) or templates()[-1]


def requests_grid(con: sqlite3.Connection, report_id: int, fmt: str | None) -> Grid:
    """Table 3: the template's rows (group headings in between) × its applicant columns."""
    tpl = _template_for(fmt)
    cells = {(r["row"], r["column"]): r for r in
             _rows(con, 'select "row", "column", value, raw from requests where report_id = ?', (report_id,))}
    columns = [(c.code, c.label) for c in tpl.columns]
    extra_columns = sorted({c for _, c in cells} - {code for code, _ in columns})
    # a printed subtotal of the 法人或其他组织 group sits inside the group, before the total column
    columns[-1:-1] = [(c, c) for c in extra_columns]
    labels = {code: label for code, label, _ in REQUEST_COLUMNS} | {ORG_SUBTOTAL.code: ORG_SUBTOTAL.label}
    columns = [(code, labels.get(code, label)) for code, label in columns]
    grid = Grid(columns=columns)
    headings = {g.code: g for g in tpl.groups}
    by_code = {r.code: r for r in REQUEST_ROWS}
    for code in _row_order([r.code for r in tpl.rows], {r for r, _ in cells}, headings):
        rowdef = tpl.row(code) or by_code.get(code)
        if code in headings:  # a group printed with its own values (its total): the heading carries them
            group, label = headings[code].parent, headings[code].label
        else:
            group = rowdef.group if rowdef else code.rsplit(".", 1)[0]
            label = rowdef.label if rowdef else code
        for g in _ancestors(group, headings):
            if not any(r["code"] == g.code for r in grid.rows):
                grid.rows.append({"code": g.code, "label": g.label, "depth": _depth(g.code, headings),
                                  "heading": True, "cells": []})
        row = {"code": code, "label": label, "heading": code in headings,
               "depth": _depth(group, headings) + (0 if code in headings else 1) if group else 0,
               "cells": [_cell(cells.get((code, c))) for c, _ in columns]}
        grid.rows.append(row)
    return grid


def _row_order(template_rows: list[str], found: set[str], headings: dict) -> list[str]:
    """The template's rows in printed order, each cell row the report has beyond them placed
    where it was printed: a group's own row (its printed total) at the group's place, a subtotal
    (`3.3.subtotal`) after the group's last row."""
    order = list(template_rows)
    for code in sorted(found - set(order)):
        if code in headings:
            first = next((n for n, c in enumerate(order) if c.startswith(code + ".")), len(order))
            order.insert(first, code)
            continue
        prefix = code.rsplit(".", 1)[0] + "."
        last = max((n for n, c in enumerate(order) if c.startswith(prefix)), default=len(order) - 1)
        order.insert(last + 1, code)
    return order


def _ancestors(code: str, headings: dict) -> list:
    chain = []
    while code and code in headings:
        chain.append(headings[code])
        code = headings[code].parent
    return list(reversed(chain))


def _depth(code: str, headings: dict) -> int:
    return len(_ancestors(code, headings))


def _cell(row: dict[str, Any] | None) -> Cell:
    if row is None:
        return Cell()
    return Cell(value=number(row["value"]), raw=row["raw"], present=True)


def reviews_grid(con: sqlite3.Connection, report_id: int) -> Grid:
    """Table 4: the groups (行政复议, 未经复议直接起诉, 复议后起诉) × their outcomes."""
    cells = {(r["group"], r["outcome"]): r for r in
             _rows(con, 'select "group", outcome, value, raw from reviews where report_id = ?', (report_id,))}
    columns = [(code, label) for code, label, _ in REVIEW_OUTCOMES]
    columns += [(o, o) for o in sorted({o for _, o in cells} - {c for c, _ in columns})]
    groups = [(code, label) for code, label, _ in REVIEW_GROUPS]
    groups += [(g, g) for g in sorted({g for g, _ in cells} - {c for c, _ in groups})]
    grid = Grid(columns=columns)
    for code, label in groups:
        grid.rows.append({"code": code, "label": label, "depth": 0, "heading": False,
                          "cells": [_cell(cells.get((code, o))) for o, _ in columns]})
    return grid


def active_sections(con: sqlite3.Connection, report_id: int, fmt: str | None) -> list[dict[str, Any]]:
    """Table 2 by section: per article item of 第二十条, its items (rows) × its metrics (columns),
    in the template's order; a local sub-row sits under its parent; a section, item or metric the
    template does not have follows the template's own."""
    tpl = _template_for(fmt)
    found = _rows(con, "select section, item, parent, metric, value, unit, raw from active_disclosure "
                       "where report_id = ? order by rowid", (report_id,))
    order = [s.article for s in tpl.sections]
    order += [s for s in dict.fromkeys(r["section"] for r in found) if s not in order]
    template_sections = {s.article: s for s in tpl.sections}
    sections = []
    for article in order:
        here = [r for r in found if r["section"] == article]
        spec = template_sections.get(article)
        if spec is None and not here:
            continue
        metrics = list(spec.metrics) if spec else []
        metrics += [m for m in dict.fromkeys(r["metric"] for r in here) if m not in metrics]
        items = [(i, None) for i in spec.items] if spec else []
        for r in here:
            key = (r["item"], r["parent"])
            if key not in items:
                # a local sub-row goes right after its parent's last row
                at = max((n for n, (i, p) in enumerate(items) if r["parent"] in (i, p)), default=len(items) - 1)
                items.insert(at + 1, key)
        cells = {(r["item"], r["parent"], r["metric"]): r for r in here}
        units = {r["metric"]: r["unit"] for r in here if r["unit"]}
        sections.append({
            "article": article,
            "metrics": [(m, units.get(m)) for m in metrics],
            "rows": [{"item": item, "parent": parent,
                      "cells": [_cell(cells.get((item, parent, m))) for m in metrics]} for item, parent in items],
        })
    return sections


def report_page(con: sqlite3.Connection, report_id: int) -> dict[str, Any] | None:
    """Everything the report page shows, or None when there is no such report."""
    found = _rows(con, "select * from reports where id = ?", (report_id,))
    if not found:
        return None
    report = found[0]
    report.pop("body", None)
    figures = _rows(con, "select * from report_figures where report_id = ?", (report_id,))
    checks = _rows(con, "select rule, scope, lhs, rhs, status, against_report_id from checks "
                        "where report_id = ? order by status = 'pass', rule, scope", (report_id,))
    for c in checks:
        c["lhs"], c["rhs"] = number(c["lhs"]), number(c["rhs"])
    original = None
    if report.get("capture_id") is not None:
        rows = _rows(con, "select c.id, c.url, c.fetched_at, c.content_type, c.sha256, c.size, "
                          "b.sha256 is not null and b.data is not null as stored "
                          "from captures c left join capture_blobs b on b.sha256 = c.sha256 where c.id = ?",
                     (report["capture_id"],))
        original = rows[0] if rows else None
    return {
        "report": report,
        "figures": [(name, FIGURE_LABELS.get(name, name), number(figures[0][name]) if figures else None)
                    for name in headline_figures()],
        "active": active_sections(con, report_id, report.get("format")),
        "requests": requests_grid(con, report_id, report.get("format")),
        "reviews": reviews_grid(con, report_id),
        "checks": checks,
        "problems": _rows(con, 'select kind, "where", detail from problems where report_id = ? order by rowid',
                          (report_id,)),
        "versions": _rows(con, "select version, seen_at, status, error, extractor_version, sha256, capture_id "
                               "from report_versions where report_id = ? order by version desc", (report_id,)),
        "original": original,
        "agency_id": report.get("agency_id"),
    }


@dataclass
class Original:
    """An archived original, as it is offered for download."""

    data: bytes
    filename: str


def original(con: sqlite3.Connection, report_id: int) -> Original | None:
    """The bytes of a report's archived original (its current capture), or None when the report,
    its capture or its bytes (a publication made `--without-raw`) are not there."""
    import gzip

    row = con.execute("select r.kind, b.compression, b.data from reports r "
                      "join captures c on c.id = r.capture_id join capture_blobs b on b.sha256 = c.sha256 "
                      "where r.id = ?", [report_id]).fetchone()
    if row is None or row[2] is None:
        return None
    kind, compression, data = row
    data = gzip.decompress(data) if compression == "gzip" else bytes(data)
    return Original(data=data, filename=f"report-{report_id}.{EXTENSIONS.get(kind or '', 'bin')}")


def agency_page(con: sqlite3.Connection, agency_id: str) -> dict[str, Any] | None:
    """Everything the agency page shows, or None when there is no such agency."""
    found = _rows(con, "select * from agencies where id = ?", (agency_id,)) if _has_table(con, "agencies") else []
    if not found:
        return None
    agency = found[0]
    names = list(headline_figures())
    reports = _rows(con, f"""
        select r.id, r.title, r.agency, r.year, r.format, r.kind, r.pub_date, r.extraction_status,
               r.check_status, r.checks_failed, r.problems, r.url, p.name as portal, p.base_url,
               {", ".join(f"f.{n}" for n in names)}
        from reports r left join report_figures f on f.report_id = r.id left join portals p on p.id = r.portal_id
        where r.agency_id = ? and r.duplicate_of is null
        order by r.year desc, r.id""", (agency_id,))
    for r in reports:
        for n in names:
            r[n] = number(r[n])
    years = sorted({r["year"] for r in reports if r["year"] is not None})
    missing = [y for y in range(years[0], years[-1] + 1) if y not in years] if years else []
    indicators = _rows(con, """
        select i.indicator, d.label_zh, d.kind, d.unit, i.year, i.value, i.numerator, i.denominator, i.null_reason
        from indicators i join indicator_definitions d on d.code = i.indicator
        where i.agency_id = ? order by i.indicator, i.year""", (agency_id,)) if _has_table(con, "indicators") else []
    series: dict[str, dict[str, Any]] = {}
    for i in indicators:
        entry = series.setdefault(i["indicator"], {"code": i["indicator"], "label": i["label_zh"],
                                                   "kind": i["kind"], "values": {}})
        entry["values"][i["year"]] = {"value": _indicator_value(i), "numerator": number(i["numerator"]),
                                      "denominator": number(i["denominator"]),
                                      "null_reason": NULL_REASON_LABELS.get(i["null_reason"], i["null_reason"])}
    failed = _rows(con, """
        select c.report_id, r.year, c.rule, c.scope, c.lhs, c.rhs, c.against_report_id
        from checks c join reports r on r.id = c.report_id
        where r.agency_id = ? and r.duplicate_of is null and c.status = 'fail'
        order by r.year desc, c.rule, c.scope""", (agency_id,))
    for c in failed:
        c["lhs"], c["rhs"] = number(c["lhs"]), number(c["rhs"])
    sources = sorted({(r["portal"], r["base_url"]) for r in reports if r["portal"]})
    return {
        "agency": agency,
        "reports": reports,
        "figures": [(n, FIGURE_LABELS.get(n, n)) for n in names],
        "years": years,
        "coverage": {"years": years, "missing_years": missing, "reports": len(reports),
                     "read": sum(r["extraction_status"] == "ok" for r in reports),
                     "failing": sum(r["check_status"] == "fail" for r in reports)},
        "indicators": list(series.values()),
        "failed_checks": failed,
        "sources": [{"portal": p, "base_url": u} for p, u in sources],
    }


def _indicator_value(row: dict[str, Any]) -> Any:
    """A rate as a percentage with one decimal, a count or amount as it is."""
    value = row["value"]
    if value is None:
        return None
    if row["kind"] == "rate":
        return f"{value * 100:.1f}%"
    return number(round(value, 2) if isinstance(value, float) else value)
