"""Checks across reports: `carry_over` and `stock_flow` between consecutive years of the same agency.

The template's own rules (balance, outcome_total …) are checked inside one report by the
extractor.  `carry_over` needs two reports: this year's row 2 (上年结转) must equal the same
agency's row 4 (结转下年度) a year earlier, column by column.  It is recomputed in SQL after every
ingest for the reports written and their next-year partners (archive/research/changes.py; one
INSERT … SELECT over indexed columns, about a second for all of 100,000 reports) and stored
in `checks` like every other rule, with both sides and `against_report_id` naming the earlier
report.  "The same agency" is the same `agencies` row (archive/research/agencies.py: the same
body in the same division under any of its name variants — 东城区政府 and 北京市东城区人民政府 pair),
so the checks run after the agencies are assigned (`refresh_research_layer`); re-posted copies
(`duplicate_of` set) take no part.
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
    where p.agency_id = cur.agency_id and p.year = cur.year - 1 and p.duplicate_of is null
    order by p.id desc limit 1)
join requests c2 on c2.report_id = cur.id and c2.row = '2'
join requests p4 on p4.report_id = prev.id and p4.row = '4' and p4."column" = c2."column"
where cur.duplicate_of is null and cur.agency_id is not null and cur.year is not null
"""
# The reports a scoped refresh recomputes (archive/research/changes.py): the written ones and their partners.
SCOPE = " and {alias}.id in (select report_id from temp.research_scope)"

# stock_flow (format 2021, table 2 across years): this year's 现行有效件数 = last year's 现行有效件数
# + this year's 本年制发件数 − 本年废止件数, for 规章 and 行政规范性文件; lhs is this year's stock, rhs
# what last year's stock and this year's flows make.  Reports pair through `agencies` (the same
# body under name variants), the latest canonical report of the year before.
STOCK_FLOW_SQL = """
insert into checks (report_id, rule, scope, lhs, rhs, status, against_report_id)
select cur.id, 'stock_flow', items.item, stock.value,
       prev_stock.value + made.value - repealed.value,
       case when stock.value is null or prev_stock.value is null or made.value is null or repealed.value is null
            then 'uncheckable'
            when stock.value = prev_stock.value + made.value - repealed.value then 'pass' else 'fail' end,
       prev.id
from reports cur
join reports prev on prev.id = (
    select p.id from reports p
    where p.agency_id = cur.agency_id and p.year = cur.year - 1 and p.format = '2021' and p.duplicate_of is null
    order by p.id desc limit 1)
join (select '规章' as item union all select '行政规范性文件') items
join active_disclosure stock on stock.report_id = cur.id and stock.item = items.item and stock.parent is null
     and stock.metric = '现行有效件数'
join active_disclosure prev_stock on prev_stock.report_id = prev.id and prev_stock.item = items.item
     and prev_stock.parent is null and prev_stock.metric = '现行有效件数'
join active_disclosure made on made.report_id = cur.id and made.item = items.item and made.parent is null
     and made.metric = '本年制发件数'
join active_disclosure repealed on repealed.report_id = cur.id and repealed.item = items.item
     and repealed.parent is null and repealed.metric = '本年废止件数'
where cur.duplicate_of is null and cur.agency_id is not null and cur.year is not null and cur.format = '2021'
"""

CHECK_SUMMARY_SQL = """
update reports set
  checks_failed = (select count(*) from checks c where c.report_id = reports.id and c.status = 'fail'),
  check_status = coalesce(
    (select c.status from checks c where c.report_id = reports.id
     order by case c.status when 'fail' then 0 when 'pass' then 1 else 2 end limit 1), 'none')
where duplicate_of is null
"""


def refresh_cross_checks(db: Database, *, scoped: bool = False) -> int:
    """Recompute the `carry_over` and `stock_flow` checks and the check summary of the reports in the temporary
    table `research_scope` (every report unless `scoped`); returns the number of carry_over rows
    written."""
    cur = SCOPE.format(alias="cur") if scoped else ""
    mine = " and report_id in (select report_id from temp.research_scope)" if scoped else ""
    with db.atomic():
        db.execute(f"delete from checks where rule in ('carry_over', 'stock_flow'){mine}")
        db.execute(CARRY_OVER_SQL.rstrip() + cur)
        db.execute(STOCK_FLOW_SQL.rstrip() + cur)
        db.execute(CHECK_SUMMARY_SQL.rstrip() + (SCOPE.format(alias="reports") if scoped else ""))
        return db.execute(f"select count(*) from checks where rule = 'carry_over'{mine}").fetchone()[0]
