"""Coverage: `missing_reports`, the agencies that published for year Y−1 on a portal and have
nothing for Y — and, where the archive cannot yet say so, why not.

Why not simply "no report for Y": a region with few reports may be badly published or badly
crawled, and the user must be able to tell which.  A portal's reports for Y are due by 31 March of
Y+1 (the latest statutory deadline, quality.py); only a walk of the portal's lists that reached
their end (`crawl_portal_state.last_complete_walk`, crawler/state.py) *after* that date has seen
every report for Y it will list.  So each (agency, Y) with a report for Y−1 on portal P and no
canonical report for Y anywhere is one row, `status`:

- `missing_report`: P's last complete walk finished after the deadline — the agency did not publish
  there (or published elsewhere, not crawled);
- `crawl_incomplete`: P was never walked to its end, or not since the deadline (`detail` says which
  and when), so absence proves nothing yet;
- `not_yet_due`: the deadline for Y has not passed.

Reports ingested from local files have no portal and take no part.  Computed once per publication
with the rollups (it reads the crawl's state, which changes without any report being written).
"""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database

# The latest deadline of any report for year Y: 31 March of Y+1.
DEADLINE_MONTH_DAY = (3, 31)

CANDIDATES_SQL = """
select prev.agency_id, prev.year + 1, prev.portal_id, p.name, max(prev.id), a.province, a.city, a.district,
       s.last_complete_walk, s.last_walk_started
from reports prev
join portals p on p.id = prev.portal_id
join agencies a on a.id = prev.agency_id
left join crawl_portal_state s on s.portal = p.name
where prev.duplicate_of is null and prev.agency_id is not null and prev.year is not null
  and prev.year + 1 <= ?
  and not exists (select 1 from reports cur where cur.agency_id = prev.agency_id and cur.year = prev.year + 1
                  and cur.duplicate_of is null)
group by prev.agency_id, prev.year, prev.portal_id
"""


def due_by(year: int) -> dt.date:
    return dt.date(year + 1, *DEADLINE_MONTH_DAY)


def refresh_coverage(db: Database, today: dt.date | None = None) -> int:
    """Rebuild `missing_reports` from the reports and the crawl's state as of `today`.  Returns
    the number of rows (of every status)."""
    today = today or dt.datetime.now(dt.UTC).date()
    db.execute("delete from missing_reports")
    rows = []
    for agency, year, portal_id, portal, prev_id, province, city, district, complete, started in db.execute(
            CANDIDATES_SQL, [today.year - 1]):
        deadline = due_by(year)
        if today <= deadline:
            status, detail = "not_yet_due", f"reports for {year} are due by {deadline.isoformat()}"
        elif not complete:
            status, detail = "crawl_incomplete", f"portal {portal} has never been walked to the end of its lists"
        elif complete[:10] <= deadline.isoformat():
            status, detail = "crawl_incomplete", (f"portal {portal} was last walked to its end on {complete[:10]}, "
                                                  f"before the deadline {deadline.isoformat()}")
        else:
            status, detail = "missing_report", f"portal {portal} walked to its end on {complete[:10]}"
            if started and started > complete:
                detail += f" (a later walk started {started[:10]} has not finished)"
        rows.append((agency, year, portal_id, province, city, district, prev_id, status, detail,
                     complete, deadline.isoformat()))
    db.conn.executemany(
        "insert into missing_reports (agency_id, year, portal_id, province, city, district, previous_report_id, "
        "status, detail, crawl_complete_at, deadline) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)
