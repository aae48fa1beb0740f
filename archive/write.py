"""The archive's write path: one capture's bytes → a report document, its version history and its derived rows.

Every writer uses it: the crawl (`crawler.store`), `nianbao ingest` (`archive.ingest`) and
`nianbao reextract` (`archive.reextract`, through `write_report`).

The rules an archive that researchers trust has to keep:

- **Idempotent.** A capture whose bytes equal the latest capture of the same URL changes nothing
  (a crawler that passes `fetched_at` only moves the report's `last_seen`).  Nor does an HTML page
  whose bytes differ only in volatile furniture — a visit counter, a clock, a rotating token
  (`same_content`: equal `captures.content_fingerprint`): its exact bytes are kept as an
  `unchanged` capture (`hints.same_content_as` names the capture it repeats), never a new version.
- **Versions kept.** New bytes at a known URL are a new version in `report_versions`; the rows
  they replace are kept there as the JSON of `parse-output.md` (`superseded`), queryable with
  SQLite's JSON functions, and the capture itself stays in `captures`.
- **Failures never remove good rows.** A capture that cannot be read is recorded (capture
  `status = 'extract_error'`, a failed version) and the report keeps the rows it had.
- **Transactional.** Each capture is written in one `db.atomic()` transaction; parsing happens
  before it, so the write lock is held for milliseconds.  A write that meets `database is locked`
  (Datasette or a backup reading, another ingest) is retried with tenacity's exponential backoff —
  safe because the unit of work is idempotent.
- **Re-posted copies** (the same bytes at another URL, or the same agency, year and table
  values in another format) become a `reports` row with `duplicate_of` set and no table rows, so
  nothing is counted twice.
"""


from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from extract import ExtractError, Report
from extract.body import report_body
from extract.bounded import parse_bytes_bounded
from extract.encoding import canonical
from extract.metadata import page_meta
from extract.model import Problem
from extract.templates import headline_figures

from .captures import Fetch, add_capture, content_fingerprint, latest_capture, now, read_blob
from .regions import Placement, agency_type, place_report
from .retry import retrying_write

ROW_TABLES = ("active_disclosure", "requests", "reviews", "checks", "problems")
TABLE_PROBLEMS = {"table_not_found", "template_unknown"}


def extractor_version() -> str:
    import extract
    import nianbao

    return getattr(extract, "__version__", None) or nianbao.__version__


@dataclass
class Hints:
    """What the caller knows that the file may not say: from the crawler's portal or from flags.

    `province`, `city`, `district` are the portal's region (or the command line's); `source` (the
    page's ContentSource / 来源 / 发布机构) and `site_name` (its SiteName) are the page's word on who
    published the report, read for the report's region only (`archive.regions.place_report`)."""

    agency: str | None = None
    title: str | None = None
    pub_date: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    source: str | None = None
    site_name: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}

    def for_parser(self) -> dict[str, str]:
        return {k: v for k, v in (("agency", self.agency), ("title", self.title), ("pub_date", self.pub_date)) if v}


@dataclass
class Outcome:
    """What ingesting one capture did: new, changed, unchanged, duplicate or error."""

    url: str
    status: str
    report_id: int | None = None
    capture_id: int | None = None
    detail: str | None = None


@dataclass
class IngestSummary:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    def line(self) -> str:
        statuses = ("new", "changed", "unchanged", "duplicate", "error")
        return ", ".join(f"{s}={self.count(s)}" for s in statuses)


def ingest_bytes(db: Database, data: bytes, fetch: Fetch, hints: Hints | None = None, *,
                 name: str | None = None, report: Report | None = None, error: str | None = None,
                 pending: bool = False, pictures: Mapping[str, bytes] | None = None) -> Outcome:
    """Add one capture to the archive.

    The bytes are parsed here unless the caller did it already: `report` is its result
    (`extract_capture`'s report carries its body text, so nothing CPU-heavy is left for here; the
    search index follows `reports` through its triggers), `error` the extractor's message when that parse failed (recorded as
    is, not parsed again).  `pending=True` stores the capture without reading it: the report is
    recorded as waiting for extraction (`captures.status` and its version's status `pending`;
    `reports.extraction_status` `pending` unless it keeps rows of an earlier version), and
    `reextract(db, pending_only=True)` reads it later.  `pictures` are an HTML page's images by
    URL, for the parse here (the caller keeps them as `picture` captures, `captures.add_pictures`)."""
    hints = hints or Hints()
    digest = hashlib.sha256(data).hexdigest()
    last = latest_capture(db, fetch.url)
    if last is not None and last["sha256"] == digest:
        return retrying_write(lambda: _unchanged(db, data, fetch, last))
    if last is not None and same_content(db, last, data, fetch):
        return retrying_write(lambda: _unchanged(db, data, fetch, last, same_as=last["id"]))
    if pending:
        return retrying_write(lambda: _write_pending(db, data, fetch, hints, name))
    if report is None and error is None:
        try:
            report = parse_bytes_bounded(data, fetch.url, name, hints.for_parser(), pictures=pictures or None)
        except ExtractError as exc:
            error = str(exc) or "unreadable"
    if error is not None:
        report, error = None, error or "unreadable"
    return retrying_write(lambda: _write_capture(db, data, fetch, hints, name, report, error))


def same_content(db: Database, last: dict[str, Any], data: bytes, fetch: Fetch) -> bool:
    """Whether new bytes of an HTML page show what its latest capture shows, once volatile furniture
    (visit counters, clocks, rotating tokens, scripts) is set aside (`captures.content_fingerprint`).
    Only between two HTML captures of the same URL with enough text to judge; anything else — a PDF,
    a page with next to no text — is judged by its bytes."""
    if not _html_type(fetch.content_type) or not _html_type(last["content_type"]):
        return False
    new = content_fingerprint(data, fetch.encoding)
    if new is None:
        return False
    try:
        old = content_fingerprint(read_blob(db, last["sha256"]), last["encoding"])
    except KeyError:
        return False
    return old == new


def _html_type(content_type: str | None) -> bool:
    """A content type an HTML page may come with (none at all: a local file or a bare server)."""
    return content_type is None or "html" in content_type.lower()


def _unchanged(db: Database, data: bytes, fetch: Fetch, last: dict[str, Any], same_as: int | None = None) -> Outcome:
    """The same bytes again, or (`same_as`: the capture whose content they repeat) other bytes showing
    the same page: kept as a capture (every fetch's exact bytes), never as a new version."""
    report_id = last["report_id"]
    if fetch.fetched_at is None and same_as is None:  # a local file seen again: nothing to record
        return Outcome(fetch.url, "unchanged", report_id, last["id"])
    with db.atomic():
        capture_id = add_capture(db, data, fetch, status="unchanged",
                                 hints={"same_content_as": same_as} if same_as is not None else None)
        db.execute("update captures set report_id = ? where id = ?", [report_id, capture_id])
        if report_id is not None:
            db.execute("update reports set last_seen = max(coalesce(last_seen, ''), ?) where id = ?",
                       [fetch.fetched_at, report_id])
    return Outcome(fetch.url, "unchanged", report_id, capture_id,
                   f"same content as capture {same_as}, volatile furniture aside" if same_as is not None else None)


def _new_version(db: Database, data: bytes, fetch: Fetch, hints: Hints, name: str | None, capture_status: str,
                 version_status: str, error: str | None, report: Report | None) -> tuple[int, int, int, str, Any]:
    """Record a capture of new bytes and its `report_versions` row (inside the caller's
    transaction); returns (capture id, report id, version, new|changed, the report's previous
    (id, version, extraction_status) or None).  The file name the bytes were read under is kept
    with the hints when the URL does not end in it (the extractor sniffs formats by suffix too),
    so `reextract` reads them the same way."""
    seen = fetch.fetched_at or now()
    kept = hints.as_dict()
    if name and name != Path(fetch.url).name:
        kept["file_name"] = name
    declared = declared_charset(data, fetch.content_type)
    if declared and fetch.encoding and _charset(declared) != _charset(fetch.encoding):
        kept["charset_declared"] = declared  # the page's word, which the crawler did not believe
    capture_id = add_capture(db, data, fetch, status=capture_status, hints=kept)
    if error:
        db.execute("update captures set error = ? where id = ?", [error, capture_id])
    existing = db.execute("select id, version, extraction_status from reports where url = ?",
                          [fetch.url]).fetchone()
    if existing is None:
        report_id = db["reports"].insert({"url": fetch.url, "portal_id": fetch.portal_id, "first_seen": seen,
                                          "version": 0}).last_pk
        status = "new"
    else:
        report_id = existing[0]
        status = "changed"
    version = 1 + (db.execute("select max(version) from report_versions where report_id = ?",
                              [report_id]).fetchone()[0] or 0)
    db.execute("update captures set report_id = ? where id = ?", [report_id, capture_id])
    db["report_versions"].insert({
        "report_id": report_id, "version": version, "capture_id": capture_id,
        "sha256": db.execute("select sha256 from captures where id = ?", [capture_id]).fetchone()[0],
        "seen_at": seen, "status": version_status, "error": error,
        "extractor_version": extractor_version() if version_status != "pending" else None,
        "title": report.title if report else None, "agency": report.agency if report else None,
        "year": report.year if report else None, "format": report.format if report else None,
    })
    db.execute("update reports set last_seen = ?, portal_id = coalesce(portal_id, ?) where id = ?",
               [seen, fetch.portal_id, report_id])
    return capture_id, report_id, version, status, existing


_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)


def declared_charset(data: bytes, content_type: str | None) -> str | None:
    """The charset a capture declares: its Content-Type header's, else its `<meta>`'s (as written,
    lower case), when Python knows it."""
    m = _HEADER_CHARSET.search(content_type or "")
    if m and canonical(m.group(1)):
        return m.group(1).lower()
    from extract.encoding import meta_charset

    return meta_charset(data) if content_type is None or "html" in content_type.lower() else None


def _charset(name: str) -> str | None:
    name = canonical(name)
    return "utf-8" if name == "utf-8-sig" else name


def charset_problems(db: Database, capture_id: int) -> list[Problem]:
    """`charset_overridden` when the capture was read in another charset than it declared."""
    row = db.execute("select encoding, hints from captures where id = ?", [capture_id]).fetchone()
    declared = json.loads(row[1] or "{}").get("charset_declared") if row else None
    if not declared or not row[0]:
        return []
    return [Problem("charset_overridden", "document", f"declared {declared}, used {row[0]}")]


def has_rows(extraction_status: str | None) -> bool:
    """Whether a report with this `extraction_status` holds rows read from an earlier version,
    which a failed or not yet read capture must not remove."""
    return extraction_status not in (None, "error", "pending")


def _write_capture(db: Database, data: bytes, fetch: Fetch, hints: Hints, name: str | None,
                   report: Report | None, error: str | None) -> Outcome:
    with db.atomic():
        capture_id, report_id, version, status, existing = _new_version(
            db, data, fetch, hints, name, "extract_error" if error else "parsed", "error" if error else "ok", error, report)
        if error or report is None:
            if not has_rows(existing[2] if existing else None):
                write_unreadable(db, report_id, capture_id, version, error or "unreadable", hints)
            return Outcome(fetch.url, "error", report_id, capture_id, error)
        if existing is not None and existing[1]:
            supersede(db, report_id, existing[1])
        duplicate = write_report(db, report_id, report, capture_id, version, hints)
    return Outcome(fetch.url, "duplicate" if duplicate else status, report_id, capture_id)


def _write_pending(db: Database, data: bytes, fetch: Fetch, hints: Hints, name: str | None) -> Outcome:
    """New bytes stored without reading them (a crawl with NIANBAO_EXTRACT off).  A report that
    has rows keeps them, and its `extraction_status`, until `reextract` reads the new version."""
    with db.atomic():
        capture_id, report_id, version, status, existing = _new_version(
            db, data, fetch, hints, name, "pending", "pending", None, None)
        if not has_rows(existing[2] if existing else None):
            _write_placeholder(db, report_id, capture_id, version, hints, status="pending")
    return Outcome(fetch.url, status, report_id, capture_id, "pending extraction")


def write_unreadable(db: Database, report_id: int, capture_id: int, version: int, error: str,
                      hints: Hints) -> None:
    _write_placeholder(db, report_id, capture_id, version, hints, status="error", error=error)
    db["problems"].insert({"report_id": report_id, "kind": "unreadable", "where": "document", "detail": error})


def _write_placeholder(db: Database, report_id: int, capture_id: int, version: int, hints: Hints, *,
                       status: str, error: str | None = None) -> None:
    """A report with no rows: what the crawl knew of it (title, region), and why there are none."""
    placement = place(hints.agency, hints.title, hints)
    region = placement.region
    _clear_rows(db, report_id)
    _insert_rows(db, "problems", report_id, placement.problems)
    db["reports"].update(report_id, {
        "agency": hints.agency, "title": hints.title, "agency_type": agency_type(hints.agency),
        "province": region.province, "city": region.city, "district": region.district,
        "adcode": region.adcode, "capture_id": capture_id, "version": version,
        "extraction_status": status, "extraction_error": error,
        "extractor_version": extractor_version() if status != "pending" else None,
        "checks_failed": 0, "check_status": "none", "problems": (1 if error else 0) + len(placement.problems),
    })


def _clear_rows(db: Database, report_id: int) -> None:
    for table in (*ROW_TABLES, "report_figures"):
        db.execute(f'delete from "{table}" where report_id = ?', [report_id])


def rows_as_json(db: Database, report_id: int) -> dict[str, list[dict[str, Any]]]:
    """A report's current rows in the shape of parse-output.md (without report_id)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table in ROW_TABLES:
        rows = db.query(f'select * from "{table}" where report_id = ? order by rowid', [report_id])
        out[table] = [{k: v for k, v in row.items() if k not in ("report_id", "against_report_id")} for row in rows]
    return out


def supersede(db: Database, report_id: int, old_version: int) -> None:
    """Keep the rows of the version being replaced, as JSON on its `report_versions` row."""
    db.execute("update report_versions set superseded = ? where report_id = ? and version = ?",
               [json.dumps(rows_as_json(db, report_id), ensure_ascii=False), report_id, old_version])


def values_signature(report: Report) -> str | None:
    """A hash of the table values: equal for the same report posted as HTML on one portal and as
    PDF on another.  None when no table was read (legacy and image reports would all collide)."""
    if not report.requests and not report.reviews:
        return None
    cells = sorted((r.row, r.column, r.value) for r in report.requests)
    cells += sorted((r.group, r.outcome, r.value) for r in report.reviews)
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def extraction_status(report: Report) -> str:
    if report.extras.get("image_only"):
        return "image_only"
    if report.format == "legacy":
        return "legacy"
    if any(p.kind in TABLE_PROBLEMS for p in report.problems):
        return "tables_not_found"
    return "ok"


def figures(report: Report) -> dict[str, float | None]:
    totals: dict[str, float] = {}
    for r in report.requests:
        if r.column == "total" and r.value is not None:
            totals[r.row] = totals.get(r.row, 0) + r.value
    for r in report.reviews:
        if r.outcome == "total" and r.value is not None:
            totals[r.group] = totals.get(r.group, 0) + r.value
    out: dict[str, float | None] = {}
    for name, (_table, codes) in headline_figures().items():
        present = [totals[c] for c in codes if c in totals]
        out[name] = sum(present) if present else None
    return out


def place(agency: str | None, title: str | None, hints: Hints, page: dict[str, str] | None = None) -> Placement:
    """The report's region from its agency's side, the portal's region settling shared names
    (`archive.regions.place_report`), with the problems that explain it (`region_conflict`,
    `region_unknown`).  `page` is what the document itself says (`page_meta`)."""
    page = page or {}
    return place_report(agency, title, source=hints.source or page.get("source"),
                        site_name=hints.site_name or page.get("site_name"), province=hints.province,
                        city=hints.city, district=hints.district)


def write_report(db: Database, report_id: int, report: Report, capture_id: int, version: int,
                 hints: Hints) -> bool:
    """Replace a report's derived rows with `report`'s; returns True when it is a re-posted copy."""
    sha = db.execute("select sha256 from captures where id = ?", [capture_id]).fetchone()[0]
    agency = report.agency or hints.agency
    placement = place(agency, report.title or hints.title, hints, page_meta(report))
    region = placement.region
    problems = [*report.problems, *placement.problems, *charset_problems(db, capture_id)]
    body = report_body(report)
    values_sha = values_signature(report)
    failed = sum(c.status == "fail" for c in report.checks)
    _clear_rows(db, report_id)
    db["reports"].update(report_id, {
        "title": report.title or hints.title, "agency": agency, "agency_type": agency_type(agency),
        "province": region.province, "city": region.city, "district": region.district,
        "adcode": region.adcode, "year": report.year, "format": report.format,
        "pub_date": report.extras.get("pub_date") or hints.pub_date, "kind": report.extras.get("kind"),
        "body": body, "capture_id": capture_id, "version": version,
        "extraction_status": extraction_status(report), "extraction_error": None,
        "extractor_version": extractor_version(), "checks_failed": failed,
        "check_status": _check_status([c.status for c in report.checks]),
        "problems": len(problems), "content_sha256": sha, "values_sha256": values_sha,
        "duplicate_of": None,
    })
    original = _original_of(db, report_id, sha, values_sha, agency, report.year)
    if original is not None:
        db.execute("update reports set duplicate_of = ?, checks_failed = 0, check_status = 'duplicate' where id = ?",
                   [original, report_id])
        return True
    for table, rows in (("active_disclosure", report.active_disclosure), ("requests", report.requests),
                        ("reviews", report.reviews), ("checks", report.checks), ("problems", problems)):
        _insert_rows(db, table, report_id, rows)
    db["report_figures"].insert({"report_id": report_id, **figures(report)})
    return False


def _insert_rows(db: Database, table: str, report_id: int, rows: list[Any]) -> None:
    """Insert one report's rows of a long-form table.  The hot path of an ingest (≈ 250 rows per
    report): a prepared executemany, because sqlite-utils' insert_all re-inspects the table and
    converts every value per call — five times slower for these fixed, already-typed dataclass rows."""
    if not rows:
        return
    fields = list(vars(rows[0]))
    columns = ", ".join(f'"{f}"' for f in ["report_id", *fields])
    marks = ", ".join("?" * (len(fields) + 1))
    db.conn.executemany(f'insert into "{table}" ({columns}) values ({marks})',
                        [(report_id, *vars(r).values()) for r in rows])


def _original_of(db: Database, report_id: int, sha: str, values_sha: str | None, agency: str | None,
                 year: int | None) -> int | None:
    row = db.execute("select id from reports where content_sha256 = ? and id < ? and duplicate_of is null "
                     "order by id limit 1", [sha, report_id]).fetchone()
    if row is None and values_sha is not None and agency and year:
        row = db.execute("select id from reports where values_sha256 = ? and agency = ? and year = ? and id < ? "
                         "and duplicate_of is null order by id limit 1",
                         [values_sha, agency, year, report_id]).fetchone()
    return row[0] if row else None


def _check_status(statuses: Iterable[str]) -> str:
    seen = set(statuses)
    for status in ("fail", "pass", "uncheckable"):
        if status in seen:
            return status
    return "none"
