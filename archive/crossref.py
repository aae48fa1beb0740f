"""Checks across reports: `carry_over` between consecutive years of the same agency.

The template's own rules (balance, outcome_total …) are checked inside one report by the
extractor.  `carry_over` needs two reports: this year's row 2 (上年结转) must equal the same
agency's row 4 (结转下年度) a year earlier, column by column.  It is recomputed in SQL after every
ingest for the reports written and their next-year partners (archive/research/changes.py; one
INSERT … SELECT over indexed columns, about a second for all of 100,000 reports) and stored
in `checks` like every other rule, with both sides and `against_report_id` naming the earlier
report.  "The same agency" is the same agency name in the same administrative division; re-posted
copies (`duplicate_of` set) take no part.
"""

from __future__ import annotations

from sqlite_utils import Database

CARRY_OVER_SQL = """
insert into checks (report_id, rule, scope, lhs, rhs, status, against_report_id)
select cur.id, 'carry_over', c2."column", c2.value, p4.value,
       case when c2.value is null or p4.value is null then 'uncheckable'
            when c2.value = p4.value then 'pass' else 'fail' end,
       prev.id
from reports cur
join reports prev on prev.id = (
    select p.id from reports p
    where p.agency = cur.agency and p.year = cur.year - 1
      and coalesce(p.adcode, '') = coalesce(cur.adcode, '')
      and p.duplicate_of is null
    order by p.id desc limit 1)
join requests c2 on c2.report_id = cur.id and c2.row = '2'
join requests p4 on p4.report_id = prev.id and p4.row = '4' and p4."column" = c2."column"
where cur.duplicate_of is null and cur.agency is not null and cur.year is not null
"""
# The reports a scoped refresh recomputes (archive/research/changes.py): the written ones and their partners.
SCOPE = " and {alias}.id in (select report_id from temp.research_scope)"

CHECK_SUMMARY_SQL = """
update reports set
  checks_failed = (select count(*) from checks c where c.report_id = reports.id and c.status = 'fail'),
  check_status = coalesce(
    (select c.status from checks c where c.report_id = reports.id
     order by case c.status when 'fail' then 0 when 'pass' then 1 else 2 end limit 1), 'none')
where duplicate_of is null
"""


def refresh_cross_checks(db: Database, *, scoped: bool = False) -> int:
    """Recompute the `carry_over` checks and the check summary of the reports in the temporary
    table `research_scope` (every report unless `scoped`); returns the number of carry_over rows
    written."""
    cur = SCOPE.format(alias="cur") if scoped else ""
    mine = " and report_id in (select report_id from temp.research_scope)" if scoped else ""
    with db.atomic():
        db.execute(f"delete from checks where rule = 'carry_over'{mine}")
        db.execute(CARRY_OVER_SQL.rstrip() + cur)
        db.execute(CHECK_SUMMARY_SQL.rstrip() + (SCOPE.format(alias="reports") if scoped else ""))
        return db.execute(f"select count(*) from checks where rule = 'carry_over'{mine}").fetchone()[0]
