"""Report quality: `report_quality` (one row per canonical report) and `quality_problems`.

What the spec asks (indicators.md, "Report quality"), each in one function here:
- `deadline_for`: 政府信息公开条例 art. 49 — a government department at county level and above
  publishes by 31 January of the next year, a people's government (人民政府) by 31 March
  (`deadline_basis = statutory`); other bodies (乡镇, 街道, public institutions) are given 31 March,
  `deadline_basis = assumed`.  `days_late` = publication date − deadline in days (negative: early;
  null without a publication date).
- `all_zero`: every count of tables 3 and 4 is 0 (null when the report prints neither, or when the
  only non-zero candidates are blanks: a blank is not 0).
- `text_reuse`: Jaccard similarity of the sets of character 5-grams (`shingles`: NFKC, whitespace
  removed) of the body and the same agency's previous-year report's body (`text_reuse_report_id`),
  0–1; the measure is named in `text_reuse_measure`.
- `structure`: the six parts 一 … 六 under their headings, present and in order (`complete`,
  `out_of_order`, `incomplete`); each fault is a `quality_problems` row saying whose it is: the
  report's (the part is not there) or the reader's (the body is empty, or the part's table was read
  but its heading was not found — the reader lost it).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from .changes import SCOPE_TABLE

SHINGLE = 5
REUSE_MEASURE = "jaccard_char5"
# A report repeating at least this share of the previous year's shingles is listed as reused text
# (researchers found reports repeating up to 90% of the year before).
HIGH_REUSE = 0.9
# Each part's numeral and a word of its heading (report-format.md; headings vary a little).
PARTS: tuple[tuple[str, str], ...] = (
    ("一", r"总体情况|总体工作情况|概述"),
    ("二", r"主动公开"),
    ("三", r"收到和处理|依申请"),
    ("四", r"行政复议|行政诉讼"),
    ("五", r"存在的主要问题|问题"),
    ("六", r"其他需要报告|其他事项"),
)
# The table a part holds: its rows read means the part is there even when its heading was not found.
PART_TABLES = {"二": "active_disclosure", "三": "requests", "四": "reviews"}
_HEADINGS = [(numeral, re.compile(rf"(?:^|[\n。\s]){numeral}\s*[、.．]\s*[^\n]{{0,8}}?(?:{words})"))
             for numeral, words in PARTS]


def deadline_for(year: int | None, agency_type: str | None, level: str | None) -> tuple[str | None, str | None]:
    """The publication deadline of a report for `year` and its basis (statutory / assumed)."""
    if year is None or agency_type is None:
        return None, None
    if agency_type == "人民政府":
        return dt.date(year + 1, 3, 31).isoformat(), "statutory"
    if level == "department" and agency_type in ("政府部门", "政府办公厅（室）"):
        return dt.date(year + 1, 1, 31).isoformat(), "statutory"
    return dt.date(year + 1, 3, 31).isoformat(), "assumed"


def published_on(pub_date: str | None) -> str | None:
    """The page's publication date as YYYY-MM-DD, or None when it does not say one."""
    if not pub_date:
        return None
    match = re.match(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", pub_date.strip())
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups())).isoformat()
    except ValueError:
        return None


def days_between(published: str | None, deadline: str | None) -> int | None:
    if published is None or deadline is None:
        return None
    return (dt.date.fromisoformat(published) - dt.date.fromisoformat(deadline)).days


def shingles(text: str | None) -> set[str]:
    flat = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    return {flat[i:i + SHINGLE] for i in range(len(flat) - SHINGLE + 1)}


def jaccard(a: set[str], b: set[str]) -> float | None:
    """|a ∩ b| / |a ∪ b|; None when either text is shorter than one shingle."""
    if not a or not b:
        return None
    return len(a & b) / len(a | b)


def structure(body: str | None, tables_read: set[str]) -> tuple[str | None, str, list[dict[str, Any]]]:
    """(structure, the numerals found in reading order, problems) of one report's body."""
    if not body or not body.strip():
        return None, "", [{"kind": "no_body", "part": None, "fault": "reader",
                           "detail": "no body text was read, so the parts cannot be checked"}]
    found: list[tuple[int, str]] = []
    problems: list[dict[str, Any]] = []
    for numeral, pattern in _HEADINGS:
        match = pattern.search(body)
        if match:
            found.append((match.start(), numeral))
            continue
        table = PART_TABLES.get(numeral)
        if table in tables_read:
            problems.append({"kind": "part_heading_not_read", "part": numeral, "fault": "reader",
                             "detail": f"part {numeral}'s table ({table}) was read but its heading was not found"})
        else:
            problems.append({"kind": "part_missing", "part": numeral, "fault": "report",
                             "detail": f"part {numeral} is not in the report"})
    order = "".join(numeral for _pos, numeral in sorted(found))
    expected = "".join(numeral for _pos, numeral in found)
    if order != expected:
        problems.append({"kind": "parts_out_of_order", "part": None, "fault": "report",
                         "detail": f"parts in the order {order}"})
    if len(found) < len(PARTS):
        return "incomplete", order, problems
    return ("complete" if order == expected else "out_of_order"), order, problems


def _scope(only: str, column: str = "id") -> str:
    return f" and {column} in ({only})" if only else ""


def _all_zero(db: Database, only: str) -> dict[int, int | None]:
    out: dict[int, int | None] = {}
    for rid, cells, nonzero, blanks in db.execute(f"""
            select report_id, count(*), sum(value is not null and value != 0), sum(value is null)
            from (select report_id, value from requests where 1{_scope(only, 'report_id')}
                  union all select report_id, value from reviews where 1{_scope(only, 'report_id')})
            group by report_id"""):  # the filter in each branch: SQLite does not push it into a union
        out[rid] = 0 if nonzero else (None if blanks or not cells else 1)
    return out


def _tables_read(db: Database, only: str) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for table in PART_TABLES.values():
        for (rid,) in db.execute(f"select distinct report_id from {table} where 1{_scope(only, 'report_id')}"):
            out.setdefault(rid, set()).add(table)
    return out


def refresh_quality(db: Database, *, scoped: bool = False) -> int:
    """Recompute `report_quality` and `quality_problems` for the reports in `research_scope`
    (every report unless `scoped`), after the agencies are assigned.  Returns the rows written."""
    only = f"select report_id from temp.{SCOPE_TABLE}" if scoped else ""
    for table in ("quality_problems", "report_quality"):
        db.execute(f"delete from {table} where 1{_scope(only, 'report_id')}")
    zero = _all_zero(db, only)
    read = _tables_read(db, only)
    reports = list(db.execute(f"""
        select r.id, r.agency_id, r.year, r.format, r.pub_date, r.agency_type, a.level, r.body,
               (select p.id from reports p where p.agency_id = r.agency_id and p.year = r.year - 1
                and p.duplicate_of is null order by p.id desc limit 1)
        from reports r left join agencies a on a.id = r.agency_id
        where r.duplicate_of is null{_scope(only, 'r.id')}
        order by r.agency_id, r.year, r.id"""))
    in_run = {row[0] for row in reports}
    previous_bodies = dict(_bodies(db, {row[8] for row in reports if row[8] is not None} - in_run))
    # in agency and year order, a report's previous year was usually shingled just before it: keep
    # the shingles of the agency's reports seen so far (one agency's, never the archive's)
    seen: dict[int, set[str]] = {}
    seen_agency: str | None = None
    rows: list[tuple[Any, ...]] = []
    problems: list[tuple[Any, ...]] = []
    for rid, agency, year, fmt, pub_date, agency_type, level, body, prev_id in reports:
        deadline, basis = deadline_for(year, agency_type, level)
        published = published_on(pub_date)
        if agency != seen_agency:
            seen, seen_agency = {}, agency
        seen[rid] = mine = shingles(body)
        if prev_id is None:
            reuse = None
        else:
            theirs = seen.get(prev_id)
            reuse = jaccard(mine, theirs if theirs is not None else shingles(previous_bodies.get(prev_id)))
        shape, order, faults = (structure(body, read.get(rid, set())) if fmt in ("2019", "2021")
                                else (None, "", []))
        rows.append((rid, agency, year, published, deadline, basis, days_between(published, deadline),
                     zero.get(rid), reuse, prev_id if reuse is not None else None,
                     REUSE_MEASURE if reuse is not None else None, shape, order or None))
        problems += [(rid, p["kind"], p["part"], p["fault"], p["detail"]) for p in faults]
    db.conn.executemany(
        "insert into report_quality (report_id, agency_id, year, published_on, deadline, deadline_basis, days_late, "
        "all_zero, text_reuse, text_reuse_report_id, text_reuse_measure, structure, parts_found) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.conn.executemany("insert into quality_problems (report_id, kind, part, fault, detail) values (?, ?, ?, ?, ?)",
                        problems)
    return len(rows)


def _bodies(db: Database, ids: Iterable[int]) -> Iterable[tuple[int, str]]:
    ids = list(ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        yield from db.execute(f"select id, body from reports where id in ({', '.join('?' * len(chunk))})", chunk)
