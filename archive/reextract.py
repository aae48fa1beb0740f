"""Re-extraction: every report's derived rows rebuilt from its stored capture, offline.

A better extractor upgrades the whole archive without a crawl; a capture it cannot read keeps the
rows the report has, and rows that would be worse than the stored ones (fewer cells, more failed
checks) are not written (`kept`).  Reads go through the one bounded parse
(`extract.bounded.parse_bytes_bounded`), writes through the archive's write path (`archive.write`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from extract import ExtractError, Report
from extract.bounded import parse_bytes_bounded

from .captures import latest_capture, page_pictures, read_blob
from .retry import retrying_write
from .write import (
    Hints,
    IngestSummary,
    Outcome,
    extractor_version,
    has_rows,
    supersede,
    write_report,
    write_unreadable,
)

PENDING_REPORTS = ("select r.id, r.url from reports r where (select v.status from report_versions v "
                   "where v.report_id = r.id order by v.version desc limit 1) = 'pending' order by r.id")


def _reports_query(pending_only: bool) -> str:
    return PENDING_REPORTS if pending_only else "select id, url from reports order by id"


def reports_to_reextract(db: Database, *, pending_only: bool = False) -> int:
    """How many reports `reextract` will visit: its progress bar's length and, for `nianbao
    reextract`, whether there was anything to read at all."""
    return db.execute(f"select count(*) from ({_reports_query(pending_only)})").fetchone()[0]


def reextract(db: Database, *, pending_only: bool = False,
              on_report: Callable[[int, str], None] | None = None) -> IngestSummary:
    """Rebuild every report's derived rows from its latest stored capture, offline.

    A better extractor upgrades the whole archive; a capture the new extractor cannot read keeps
    the rows the report has.  `pending_only` reads just the reports whose latest version was
    stored without extraction (a crawl with NIANBAO_EXTRACT off)."""
    from .research import derive_publication, rebuild_research_layer, refresh_research_layer

    summary = IngestSummary()
    for report_id, url in list(db.execute(_reports_query(pending_only))):
        last = _capture_to_read(db, report_id, url)
        if last is None:
            continue
        outcome = _reextract_one(db, report_id, url, last)
        summary.outcomes.append(outcome)
        if on_report:
            on_report(report_id, outcome.status)
    if pending_only:  # a few reports read: the per-report part follows them, as after a crawl
        retrying_write(lambda: refresh_research_layer(db))
    else:  # the whole archive re-read: every derived table rebuilt, rollups and leaderboard too
        retrying_write(lambda: rebuild_research_layer(db))
        retrying_write(lambda: derive_publication(db))
    return summary


def _capture_to_read(db: Database, report_id: int, url: str) -> dict[str, Any] | None:
    """The latest capture of a report's URL, except that a version stored unread is read from its
    own capture (a later capture of the same bytes, recorded `unchanged`, must not take its place)."""
    rows = list(db.query("select v.status as version_status, c.* from report_versions v join captures c "
                         "on c.id = v.capture_id where v.report_id = ? order by v.version desc limit 1", [report_id]))
    if rows and rows[0].pop("version_status") == "pending":
        return rows[0]
    latest = latest_capture(db, url)
    if rows and latest is not None and latest["status"] == "unchanged":
        # a fetch that repeated the version (the same bytes, or the same content around a new visit
        # count): the version's own capture is what it holds
        return rows[0]
    return latest


def _capture_version(db: Database, report_id: int, capture: dict[str, Any]) -> int | None:
    """The version whose bytes `capture` holds: its own, or for a capture recorded `unchanged`
    the latest version with the same bytes."""
    row = db.execute("select version from report_versions where report_id = ? and capture_id = ?",
                     [report_id, capture["id"]]).fetchone()
    if row is None:
        row = db.execute("select max(version) from report_versions where report_id = ? and sha256 = ?",
                         [report_id, capture["sha256"]]).fetchone()
    return row[0] if row else None


def _reextract_one(db: Database, report_id: int, url: str, capture: dict[str, Any]) -> Outcome:
    data = read_blob(db, capture["sha256"])
    known = json.loads(capture["hints"] or "{}")
    hints = Hints(**{k: v for k, v in known.items() if k in Hints.__dataclass_fields__})
    try:
        report = parse_bytes_bounded(data, url, known.get("file_name") or Path(url).name, hints.for_parser(),
                                     pictures=page_pictures(db, url, data))
    except ExtractError as exc:
        message = str(exc) or "unreadable"

        def keep() -> None:
            with db.atomic():
                db.execute("update captures set status = 'extract_error', error = ? where id = ?",
                           [message, capture["id"]])
                version = _capture_version(db, report_id, capture)
                pending = db.execute("select status from report_versions where report_id = ? and version = ?",
                                     [report_id, version]).fetchone()
                if pending and pending[0] == "pending":  # first read of a version stored unread
                    db.execute("update report_versions set status = 'error', error = ?, extractor_version = ? "
                               "where report_id = ? and version = ?",
                               [message, extractor_version(), report_id, version])
                    current = db.execute("select extraction_status from reports where id = ?", [report_id]).fetchone()
                    if not has_rows(current[0]):
                        write_unreadable(db, report_id, capture["id"], version, message, hints)
        retrying_write(keep)
        return Outcome(url, "error", report_id, capture["id"], message)

    worse = _worse_than_stored(db, report_id, report)
    if worse:  # never trade rows for fewer or worse ones (a host font missing, a reader regression)
        return Outcome(url, "kept", report_id, capture["id"], worse)

    def write() -> bool:
        with db.atomic():
            current = db.execute("select capture_id, version from reports where id = ?", [report_id]).fetchone()
            version = _capture_version(db, report_id, capture)
            if version is None:  # an older capture than the latest version: should not happen
                version = current[1]
            if current[0] != capture["id"] and current[1]:
                supersede(db, report_id, current[1])
            db.execute("update report_versions set status = 'ok', error = null, extractor_version = ?, title = ?, "
                       "agency = ?, year = ?, format = ? where report_id = ? and version = ? and status = 'pending'",
                       [extractor_version(), report.title, report.agency, report.year, report.format, report_id,
                        version])
            db.execute("update report_versions set status = 'ok', error = null, extractor_version = ? "
                       "where report_id = ? and version = ?", [extractor_version(), report_id, version])
            db.execute("update captures set status = 'parsed', error = null where id = ?", [capture["id"]])
            return write_report(db, report_id, report, capture["id"], version, hints)

    duplicate = retrying_write(write)
    return Outcome(url, "duplicate" if duplicate else "reextracted", report_id, capture["id"])


def _worse_than_stored(db: Database, report_id: int, report: Report) -> str | None:
    """Why re-extracted rows would be worse than the stored ones (fewer cells, or as many with more
    failed checks), or None.  Re-extraction then keeps the stored rows and says so."""
    row = db.execute("select (select count(*) from requests where report_id = :r) + (select count(*) from reviews "
                     "where report_id = :r) + (select count(*) from active_disclosure where report_id = :r), "
                     "coalesce((select checks_failed from reports where id = :r), 0)", {"r": report_id}).fetchone()
    stored, stored_failed = row
    cells = len(report.requests) + len(report.reviews) + len(report.active_disclosure)
    failed = sum(c.status == "fail" for c in report.checks)
    if cells < stored:
        return f"re-extraction read {cells} cells, fewer than the {stored} stored: the stored rows are kept"
    if cells == stored and failed > stored_failed:
        return (f"re-extraction fails {failed} checks, more than the {stored_failed} of the stored rows: "
                "the stored rows are kept")
    return None
