"""Ingestion: one capture's bytes → a report document, its version history and its derived rows.

The rules an archive that researchers trust has to keep:

- **Idempotent.** A capture whose bytes equal the latest capture of the same URL changes nothing
  (a crawler that passes `fetched_at` only moves the report's `last_seen`).
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
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from extract import ExtractError, Report, parse_bytes

from .captures import Fetch, add_capture, latest_capture, now, read_blob
from .fts import index_report
from .regions import agency_type, locate
from .schema import FIGURES

ROW_TABLES = ("active_disclosure", "requests", "reviews", "checks", "problems")
TABLE_PROBLEMS = {"table_not_found", "template_unknown"}


def extractor_version() -> str:
    import extract
    import nianbao

    return getattr(extract, "__version__", None) or nianbao.__version__


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def retrying_write(fn: Callable[[], Any]) -> Any:
    """Run one idempotent write unit, retrying while another connection holds the lock."""
    for attempt in Retrying(retry=retry_if_exception(_is_locked), wait=wait_exponential(multiplier=0.05, max=5),
                            stop=stop_after_attempt(12), reraise=True):
        with attempt:
            return fn()
    return None  # pragma: no cover - Retrying either returns or raises


@dataclass
class Hints:
    """What the caller knows that the file may not say: from the crawler's portal or from flags."""

    agency: str | None = None
    title: str | None = None
    pub_date: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None

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


def parse_capture(data: bytes, url: str, name: str | None, hints: Hints, timeout: float = 120.0) -> Report:
    """Run the extractor on a capture's bytes; any failure becomes an ExtractError with one line."""
    from extract.commands import time_limit

    try:
        with time_limit(timeout):
            return parse_bytes(data, url, name=name, hints=hints.for_parser() or None)
    except ExtractError:
        raise
    except Exception as exc:  # a reader bug costs one capture, never the run
        raise ExtractError(f"{type(exc).__name__}: {exc}") from exc


def ingest_bytes(db: Database, data: bytes, fetch: Fetch, hints: Hints | None = None, *,
                 name: str | None = None, report: Report | None = None) -> Outcome:
    """Add one capture to the archive.  `report` may be given when the caller already parsed the
    bytes (the crawler parses in a worker thread); otherwise they are parsed here."""
    hints = hints or Hints()
    digest = hashlib.sha256(data).hexdigest()
    last = latest_capture(db, fetch.url)
    if last is not None and last["sha256"] == digest:
        return retrying_write(lambda: _unchanged(db, data, fetch, last))
    error: str | None = None
    if report is None:
        try:
            report = parse_capture(data, fetch.url, name, hints)
        except ExtractError as exc:
            error = str(exc) or "unreadable"
    return retrying_write(lambda: _write_capture(db, data, fetch, hints, report, error))


def _unchanged(db: Database, data: bytes, fetch: Fetch, last: dict[str, Any]) -> Outcome:
    report_id = last["report_id"]
    if fetch.fetched_at is None:  # a local file seen again: nothing to record
        return Outcome(fetch.url, "unchanged", report_id, last["id"])
    with db.atomic():
        capture_id = add_capture(db, data, fetch, status="unchanged")
        db.execute("update captures set report_id = ? where id = ?", [report_id, capture_id])
        if report_id is not None:
            db.execute("update reports set last_seen = max(coalesce(last_seen, ''), ?) where id = ?",
                       [fetch.fetched_at, report_id])
    return Outcome(fetch.url, "unchanged", report_id, capture_id)


def _write_capture(db: Database, data: bytes, fetch: Fetch, hints: Hints, report: Report | None,
                   error: str | None) -> Outcome:
    seen = fetch.fetched_at or now()
    with db.atomic():
        capture_id = add_capture(db, data, fetch, status="extract_error" if error else "parsed",
                                 hints=hints.as_dict())
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
            "seen_at": seen, "status": "error" if error else "ok", "error": error,
            "extractor_version": extractor_version(),
            "title": report.title if report else None, "agency": report.agency if report else None,
            "year": report.year if report else None, "format": report.format if report else None,
        })
        db.execute("update reports set last_seen = ?, portal_id = coalesce(portal_id, ?) where id = ?",
                   [seen, fetch.portal_id, report_id])
        if error or report is None:
            has_good_rows = existing is not None and existing[2] not in (None, "error")
            if not has_good_rows:
                _write_unreadable(db, report_id, capture_id, version, error or "unreadable", hints)
            return Outcome(fetch.url, "error", report_id, capture_id, error)
        if existing is not None and existing[1]:
            _supersede(db, report_id, existing[1])
        duplicate = write_report(db, report_id, report, capture_id, version, hints)
    return Outcome(fetch.url, "duplicate" if duplicate else status, report_id, capture_id)


def _write_unreadable(db: Database, report_id: int, capture_id: int, version: int, error: str,
                      hints: Hints) -> None:
    region = locate(hints.agency, hints.province, hints.city, hints.district)
    _clear_rows(db, report_id)
    db["reports"].update(report_id, {
        "agency": hints.agency, "title": hints.title, "agency_type": agency_type(hints.agency),
        "province": region.province, "city": region.city, "district": region.district,
        "adcode": region.adcode, "capture_id": capture_id, "version": version,
        "extraction_status": "error", "extraction_error": error, "extractor_version": extractor_version(),
        "checks_failed": 0, "check_status": "none", "problems": 1,
    })
    db["problems"].insert({"report_id": report_id, "kind": "unreadable", "where": "document", "detail": error})


def _clear_rows(db: Database, report_id: int) -> None:
    for table in (*ROW_TABLES, "report_figures"):
        db.execute(f'delete from "{table}" where report_id = ?', [report_id])
    db.execute("delete from report_terms where id = ?", [report_id])


def rows_as_json(db: Database, report_id: int) -> dict[str, list[dict[str, Any]]]:
    """A report's current rows in the shape of parse-output.md (without report_id)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table in ROW_TABLES:
        rows = db.query(f'select * from "{table}" where report_id = ? order by rowid', [report_id])
        out[table] = [{k: v for k, v in row.items() if k not in ("report_id", "against_report_id")} for row in rows]
    return out


def _supersede(db: Database, report_id: int, old_version: int) -> None:
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
    for name, (_table, codes) in FIGURES.items():
        present = [totals[c] for c in codes if c in totals]
        out[name] = sum(present) if present else None
    return out


def _body(report: Report) -> str:
    doc = report.extras.get("document")
    if doc is None:
        return report.extras.get("body", "") or ""
    try:
        from extract.body import body_text

        return body_text(doc)
    except Exception:  # trafilatura trouble must not lose the tables
        return doc.text()


def write_report(db: Database, report_id: int, report: Report, capture_id: int, version: int,
                 hints: Hints) -> bool:
    """Replace a report's derived rows with `report`'s; returns True when it is a re-posted copy."""
    sha = db.execute("select sha256 from captures where id = ?", [capture_id]).fetchone()[0]
    agency = report.agency or hints.agency
    region = locate(agency, hints.province, hints.city, hints.district, report.title or hints.title)
    body = _body(report)
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
        "problems": len(report.problems), "content_sha256": sha, "values_sha256": values_sha,
        "duplicate_of": None,
    })
    original = _original_of(db, report_id, sha, values_sha, agency, report.year)
    if original is not None:
        db.execute("update reports set duplicate_of = ?, checks_failed = 0, check_status = 'duplicate' where id = ?",
                   [original, report_id])
        return True
    for table, rows in (("active_disclosure", report.active_disclosure), ("requests", report.requests),
                        ("reviews", report.reviews), ("checks", report.checks), ("problems", report.problems)):
        _insert_rows(db, table, report_id, rows)
    db["report_figures"].insert({"report_id": report_id, **figures(report)})
    index_report(db, report_id, report.title or hints.title, body)
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


# --- local files -------------------------------------------------------------------------------

def report_files(paths: Iterable[Path]) -> list[Path]:
    """The report files named or found under directories (the extractor's suffixes)."""
    from extract.commands import REPORT_SUFFIXES

    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES
                              and not p.name.startswith(".") and not p.name.endswith(".expected.json")))
        elif path.is_file():
            out.append(path)
    return out


def ingest_paths(db: Database, paths: Iterable[Path], hints: Hints | None = None, *,
                 on_file: Callable[[Path, Outcome], None] | None = None) -> IngestSummary:
    """Ingest local report files (directories are walked), then run the checks across reports."""
    from .crossref import refresh_cross_checks

    summary = IngestSummary()
    for path in report_files(paths):
        fetch = Fetch(url=path.resolve().as_uri())
        outcome = ingest_bytes(db, path.read_bytes(), fetch, hints, name=path.name)
        summary.outcomes.append(outcome)
        if on_file:
            on_file(path, outcome)
    if any(o.status in ("new", "changed", "duplicate") for o in summary.outcomes):
        retrying_write(lambda: refresh_cross_checks(db))
    return summary


# --- re-extraction -------------------------------------------------------------------------------

def reextract(db: Database, *, on_report: Callable[[int, str], None] | None = None) -> IngestSummary:
    """Rebuild every report's derived rows from its latest stored capture, offline.

    A better extractor upgrades the whole archive; a capture the new extractor cannot read keeps
    the rows the report has."""
    from .crossref import refresh_cross_checks

    summary = IngestSummary()
    for report_id, url in list(db.execute("select id, url from reports order by id")):
        last = latest_capture(db, url)
        if last is None:
            continue
        outcome = _reextract_one(db, report_id, url, last)
        summary.outcomes.append(outcome)
        if on_report:
            on_report(report_id, outcome.status)
    retrying_write(lambda: refresh_cross_checks(db))
    return summary


def _reextract_one(db: Database, report_id: int, url: str, capture: dict[str, Any]) -> Outcome:
    data = read_blob(db, capture["sha256"])
    known = json.loads(capture["hints"] or "{}")
    hints = Hints(**{k: v for k, v in known.items() if k in Hints.__dataclass_fields__})
    try:
        report = parse_capture(data, url, Path(url).name, hints)
    except ExtractError as exc:
        message = str(exc) or "unreadable"

        def keep() -> None:
            with db.atomic():
                db.execute("update captures set status = 'extract_error', error = ? where id = ?",
                           [message, capture["id"]])
        retrying_write(keep)
        return Outcome(url, "error", report_id, capture["id"], message)

    def write() -> bool:
        with db.atomic():
            current = db.execute("select capture_id, version from reports where id = ?", [report_id]).fetchone()
            version = db.execute("select version from report_versions where report_id = ? and capture_id = ?",
                                 [report_id, capture["id"]]).fetchone()
            if version is None:  # an older capture than the latest version: should not happen
                version = (current[1],)
            if current[0] != capture["id"] and current[1]:
                _supersede(db, report_id, current[1])
            db.execute("update report_versions set status = 'ok', error = null, extractor_version = ? "
                       "where report_id = ? and version = ?", [extractor_version(), report_id, version[0]])
            db.execute("update captures set status = 'parsed', error = null where id = ?", [capture["id"]])
            return write_report(db, report_id, report, capture["id"], version[0], hints)

    duplicate = retrying_write(write)
    return Outcome(url, "duplicate" if duplicate else "reextracted", report_id, capture["id"])


def iter_reports(db: Database) -> Iterator[dict[str, Any]]:
    yield from db.query("select * from reports order by id")
