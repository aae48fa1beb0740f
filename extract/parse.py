"""The extraction pipeline: bytes → Document → tables → metadata → checks → Report."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from . import templates as T
from .checks import check_report
from .errors import ExtractError
from .files import path_text, pictures_beside
from .limits import MAX_INPUT_BYTES
from .metadata import read_metadata
from .model import ActiveRow, Document, Problem, Report
from .readers import read_document
from .tables import Tables, read_tables
from .uncertain import ocr_uncertain

REPORT_TITLE = re.compile(r"年度报告|年报|工作报告")  # what a report's own title says it is


def parse_file(path: str | os.PathLike[str], hints: dict[str, str] | None = None) -> Report:
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise ExtractError(f"cannot read {path_text(p)}: {exc.strerror or exc}") from exc
    if p.is_dir():
        raise ExtractError(f"{path_text(p)} is a directory")
    if size > MAX_INPUT_BYTES:
        raise ExtractError(f"{path_text(p)} is {size} bytes, over the {MAX_INPUT_BYTES}-byte limit")
    data = p.read_bytes()
    source = path_text(p)
    return parse_bytes(data, source, name=path_text(p.name), hints=hints, pictures=pictures_beside(p, data, source))


def parse_bytes(data: bytes, source: str = "", *, name: str | None = None, hints: dict[str, str] | None = None,
                charset: str | None = None, pictures: Mapping[str, bytes] | None = None) -> Report:
    """Read one report.  `hints` are what a crawler knows from the portal (title, agency,
    pub_date); they win over what the document says about itself.  `pictures` are an HTML page's
    images by absolute URL, fetched with it (its tables may be pictures); `source` is its URL."""
    doc = read_document(data, name or source, declared_charset=charset, pictures=pictures, base_url=source)
    return build_report(doc, source, hints)


def build_report(doc: Document, source: str, hints: dict[str, str] | None = None) -> Report:
    tables = read_tables(doc)
    meta = read_metadata(doc, hints)
    report = Report(source=source, title=meta.title, agency=meta.agency, year=meta.year)
    report.active_disclosure = tables.active
    report.requests = tables.requests
    report.reviews = tables.reviews
    report.format = _format(tables, meta.year)
    if report.format == "legacy":  # free-form tables: nothing in them maps onto template codes
        tables.active, tables.requests, tables.reviews, tables.problems = [], [], [], []
        report.active_disclosure, report.requests, report.reviews = [], [], []
    template = T.template(report.format)
    _label_rows(tables, template)
    report.checks = check_report(tables.active, tables.requests, tables.reviews, template)
    report.problems = [*doc.problems, *_structure_problems(doc, tables, report.format, template), *tables.problems,
                       *ocr_uncertain(tables, report.checks, whole_document=doc.kind == "ocr")]
    report.extras = {"kind": doc.kind, "pub_date": meta.pub_date, "image_only": doc.image_only, "document": doc}
    return report


def not_a_report(report: Report) -> str | None:
    """Why a document that was read is no annual report at all, or None.

    A file can be valid HTML or text and still be no report (a README, a news item, a login page):
    it must not be counted as read.  A report names itself or its year, or carries a table; one
    printed as pictures is still a report (its tables wait for OCR), so pictures count too."""
    doc = report.extras.get("document")
    pictures = bool(doc is not None and (doc.image_only or doc.images))
    tables = report.active_disclosure or report.requests or report.reviews
    titled = bool(report.title and REPORT_TITLE.search(report.title))
    unread = bool(doc is not None and doc.problems)  # a reader that could not see it all (truncated …)
    if titled or report.year or tables or pictures or report.format or unread:
        return None
    return "no report title, year, table or picture in it"


def _format(tables: Tables, year: int | None) -> str | None:
    """The template, told by its labels (`Template.markers`, `marker_groups`); the year only
    breaks a tie.  Reports before the oldest template follow none (their tables, if any, are
    free-form) and are `legacy`."""
    labels = tables.labels_seen
    rows = {r.row for r in tables.requests}
    candidates = T.templates()
    votes = {t.name: sum(any(m in lab for lab in labels) for m in t.markers)
             + any(r.startswith(g + ".") for g in t.marker_groups for r in rows) for t in candidates}
    best = max(votes.values())
    leaders = [t for t in candidates if votes[t.name] == best]
    if len(leaders) == 1:
        return leaders[0].name
    if year is not None and year < candidates[0].first_year:
        return "legacy"
    if tables.found and year is not None:
        due = [t for t in leaders if t.first_year <= year]
        return (due[-1] if due else leaders[0]).name
    return None


def _label_rows(tables: Tables, template: T.Template | None) -> None:
    """Each table-3 row under its label in the report's own template (a revision may reword a
    row it keeps); rows the template does not print keep the reader's label."""
    for r in tables.requests:
        row = template.row(r.row) if template else None
        if row is not None:
            r.row_label = row.label


def _structure_problems(doc: Document, tables: Tables, fmt: str | None, template: T.Template | None) -> list[Problem]:
    out: list[Problem] = []
    if doc.image_only:
        out.append(Problem("image_only", "document", "no legible text: the report is printed as images that OCR could not read"))
    if fmt == "legacy":
        return out
    if fmt is None and not doc.image_only:
        out.append(Problem("template_unknown", "document", "no standard table template recognised"))
    if not doc.image_only and doc.images and len(tables.found) < 3:
        out.append(Problem("tables_as_images", "document",
                           f"{doc.images} picture(s) in the body and {3 - len(tables.found)} table(s) not found as text"))
    for table in ("active_disclosure", "requests", "reviews"):
        key = {"active_disclosure": "active"}.get(table, table)
        if key not in tables.found and not doc.image_only:
            out.append(Problem("table_not_found", table, f"table {['active', 'requests', 'reviews'].index(key) + 2} not found"))
    if "active" in tables.found and template is not None:
        out.extend(missing_items(tables.active, template))
    if "reviews" in tables.found and template is not None:
        read = {(r.group, r.outcome) for r in tables.reviews}
        for g in template.review_groups:
            for o in template.review_outcomes:
                if (g.code, o.code) not in read:
                    out.append(Problem("missing_row", f"{g.code}/{o.code}", f"table-4 cell {g.label} {o.label} not read"))
    if "requests" in tables.found:
        rows = {r.row for r in tables.requests}
        expected = template or T.templates()[0]
        for row in expected.rows:
            if row.code in rows:
                continue
            if "." in row.code and row.code.rsplit(".", 1)[0] in rows:
                continue  # its parent row printed instead (a 2021-format report keeping the single 3.6 row)
            if any(r.startswith(row.code + ".") for r in rows):
                continue  # its sub-rows printed instead (3.6.x in a 2019-format report)
            out.append(Problem("missing_row", row.code, f"row {row.label} not printed"))
    return out


def missing_items(active: list[ActiveRow], template: T.Template) -> list[Problem]:
    """A table-2 item of the template that the report does not print, or that its reader lost
    (a row a scan or an unruled page could not align): table 2 has no check that would show it,
    so it is said here.  An item counts as printed under its name or any of its keywords, or as
    the parent of its local sub-rows (其他对外管理服务事项: 行政检查, 行政确认).

    Cells too: a printed item without one of its section's metrics (a column whose header a scan
    lost, a value no header claimed) is said at `item/metric`, as table 4's unread cells are."""
    printed = {r.item for r in active} | {r.parent for r in active if r.parent}  # or by its sub-rows
    metrics_of: dict[str, set[str]] = {}
    for r in active:
        metrics_of.setdefault(r.item, set()).add(r.metric)
    items = {i.name: i for i in template.items}
    out: list[Problem] = []
    for section in template.sections:
        for name in section.items:
            keys = items[name].keys if name in items else (name,)
            names = [item for item in printed if item == name or any(k in item for k in keys)]
            if not names:
                out.append(Problem("missing_row", name, f"table-2 item {name} ({section.article}) not read"))
            for item in names:
                if item not in metrics_of:
                    continue  # printed only as the parent of its sub-rows, which carry the cells
                for metric in section.metrics:
                    if metric not in metrics_of[item]:
                        out.append(Problem("missing_row", f"{item}/{metric}",
                                           f"table-2 cell {item} {metric} ({section.article}) not read"))
    return out
