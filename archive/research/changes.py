"""Which reports the research layer must recompute: the ones written since its last refresh, and
the reports that pair with them.

Why triggers: every write path (the ingest, the crawler's store, `reextract`, a release's
withdrawal) goes through `reports`, and a trigger there records the change in `research_dirty`
whatever code made it — no caller has to pass the ids along, none can forget to.  The triggers
fire only for the columns the research layer reads (the agency and its placement, the year, the
format, the cells' signature, the publication date, the body, `duplicate_of`), so the layer's own
writes (`agency_id`, the check summary) do not mark a report again.  An update or a delete also
records the report's *old* agency and year, so last year's partner of a report that moved (or
vanished) is recomputed too.

"Pairs with them": year-on-year measures (`carry_over`, `requests_change`, `stock_flow`,
`text_reuse`) read a report and the same agency's report a year earlier, so a report written for
year Y changes its own results and those of the agency's year-Y+1 report.  `scope_reports` puts
both into the temporary table `research_scope`, which the scoped SQL of the layer joins.
"""

from __future__ import annotations

from sqlite_utils import Database

DIRTY_TABLE = "research_dirty"
SCOPE_TABLE = "research_scope"  # temp: this connection's reports to recompute
AGENCY_SCOPE_TABLE = "research_agency_scope"  # temp: this connection's agencies to recount

# The reports columns the research layer reads: a write to any of them makes the report dirty.
WATCHED_COLUMNS = ("agency", "adcode", "province", "city", "district", "agency_type", "year", "format",
                   "values_sha256", "pub_date", "body", "duplicate_of")

TRIGGERS = (
    f"create trigger if not exists {DIRTY_TABLE}_ai after insert on reports begin "
    f"insert into {DIRTY_TABLE} (report_id, agency_id, year) values (new.id, null, null); end",
    f"create trigger if not exists {DIRTY_TABLE}_au after update of {', '.join(WATCHED_COLUMNS)} on reports begin "
    f"insert into {DIRTY_TABLE} (report_id, agency_id, year) values (new.id, old.agency_id, old.year); end",
    f"create trigger if not exists {DIRTY_TABLE}_ad after delete on reports begin "
    f"insert into {DIRTY_TABLE} (report_id, agency_id, year) values (old.id, old.agency_id, old.year); end",
)


def create_tracking(db: Database) -> None:
    """The `research_dirty` table and its triggers (a migration's step)."""
    db.execute(f"create table if not exists {DIRTY_TABLE} (report_id integer, agency_id text, year integer)")
    for sql in TRIGGERS:
        db.execute(sql)


def pending(db: Database) -> int:
    """How many report writes await the research layer (0: it is up to date with the reports)."""
    return db.execute(f"select count(distinct report_id) from {DIRTY_TABLE}").fetchone()[0]


def _temp_tables(db: Database) -> None:
    db.execute(f"create temp table if not exists {SCOPE_TABLE} (report_id integer primary key)")
    db.execute(f"create temp table if not exists {AGENCY_SCOPE_TABLE} (id text primary key)")
    db.execute(f"delete from temp.{SCOPE_TABLE}")
    db.execute(f"delete from temp.{AGENCY_SCOPE_TABLE}")


def written_reports(db: Database) -> int:
    """Put the reports written since the last refresh (those that still exist) in `research_scope`;
    returns how many.  Call before agencies are assigned: the pairs are found afterwards."""
    _temp_tables(db)
    db.execute(f"insert or ignore into temp.{SCOPE_TABLE} (report_id) "
               f"select distinct d.report_id from {DIRTY_TABLE} d join reports r on r.id = d.report_id")
    return db.execute(f"select count(*) from temp.{SCOPE_TABLE}").fetchone()[0]


def add_partners(db: Database) -> int:
    """Add to `research_scope` the reports that pair with the written ones — the same agency's
    next-year report (by agency id, as the checks across reports pair them, and by name and division), also for
    the agency and year a report had before it was rewritten — and put every agency touched
    (old or new) in `research_agency_scope`.  Returns the size of the scope."""
    db.execute(f"""
        insert or ignore into temp.{AGENCY_SCOPE_TABLE} (id)
        select agency_id from {DIRTY_TABLE} where agency_id is not null
        union select r.agency_id from reports r join temp.{SCOPE_TABLE} s on s.report_id = r.id
        where r.agency_id is not null""")
    db.execute(f"""
        insert or ignore into temp.{SCOPE_TABLE} (report_id)
        select n.id from reports n join (
            select r.agency_id, r.year from reports r join temp.{SCOPE_TABLE} s on s.report_id = r.id
            union select agency_id, year from {DIRTY_TABLE}) w
          on n.agency_id = w.agency_id and n.year = w.year + 1""")
    db.execute(f"""
        insert or ignore into temp.{SCOPE_TABLE} (report_id)
        select n.id from reports n join (
            select r.agency, r.adcode, r.year from reports r join temp.{SCOPE_TABLE} s on s.report_id = r.id
            where r.agency is not null) w
          on n.agency = w.agency and n.year = w.year + 1 and coalesce(n.adcode, '') = coalesce(w.adcode, '')""")
    return db.execute(f"select count(*) from temp.{SCOPE_TABLE}").fetchone()[0]


def every_report(db: Database) -> None:
    """Scope the whole archive (a full rebuild)."""
    _temp_tables(db)
    db.execute(f"insert into temp.{SCOPE_TABLE} (report_id) select id from reports")


def clear(db: Database) -> None:
    """The writes are accounted for: forget them."""
    db.execute(f"delete from {DIRTY_TABLE}")
