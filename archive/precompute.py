"""What a served snapshot's pages read precomputed, built once per publication (issue 13 item 7).

Datasette answers a table page with a count and one `group by` per facet over the page's rows, on
every request.  On `reports` unfiltered that is seven scans of the whole table (cheap at 100,000
reports, seconds at 2 M); on the `report_summary` view each scan is the view's join.  The snapshot
that `nianbao serve` publishes is immutable, so those answers can be computed once, when it is
taken, and read on each request instead:

- `publication_region_reports`: reports per region with coordinates, for the dashboard's map;
- the search index `report_search` is merged into one segment (FTS5 `optimize`);
- `report_summary` becomes a table (`MATERIALIZED_VIEWS`): the same name, columns and rows as the
  view, with `id` its primary key and an index per facet and sort column, so its count comes from
  the inspect file, its filters use indexes, and no page runs the view's join; the working archive
  and a release keep the view;
- `publication_facet_counts`: for every table of metadata.yml with default facets, the counts of
  each default facet column's values — unfiltered and with one default facet's value applied
  (`reports?year=2021` shows the other six from here);
- `SERVING_INDEXES`: the indexes parameterized canned queries need to stop early (one rule's
  newest failing checks) or to read one province's year (the leaderboard, the red and yellow
  lists, the narrative check given a province and a year); and an index on each sortable column
  of a table (metadata.yml's `sortable_columns`) that has none, so a sorted page reads its first
  rows in order and stops;
- `publication_query_<name>`: the result of each canned query metadata.yml marks `precomputed:
  true`, with its parameters empty — the page as it opens (whole-archive aggregates, every failing
  check, the leaderboard's default province …) — and, for a query with a `province`, a `year` or
  an `indicator` parameter (`PER_VALUE`), once more for every province, every year and every
  indicator the snapshot holds, each alone, the other parameters empty; each part at most the rows Datasette would show, its place in
  the table recorded in `publication_query_parts`.  The served copy of metadata.yml
  (`served_metadata_file`) reads the part when every other parameter is empty and runs the query
  otherwise, says so in the description, and hides the tables.  A province, year or indicator no
  table holds has an empty result live, and no part: the served query reads none.

The facet class in `datasette/plugins/nianbao_facets.py` reads these rows when a page's filter is
exactly one of those (or none) and queries the database otherwise; `tests/test_precompute.py` proves
both give the same facets.  These tables are in served snapshots only (`PUBLICATION_TABLES`), never
in the working archive or a release, and are hidden from browsing (archive.schema.HIDDEN_TABLES).
"""

from __future__ import annotations

import copy
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import yaml

MAP_TABLE = "publication_region_reports"
FACET_COUNTS_TABLE = "publication_facet_counts"
PARTS_TABLE = "publication_query_parts"  # where each part of a precomputed query's result lies
PUBLICATION_TABLES = (MAP_TABLE, FACET_COUNTS_TABLE, PARTS_TABLE)  # in served snapshots only
MATERIALIZED_VIEWS = ("report_summary",)  # tables in served snapshots, views elsewhere
QUERY_TABLE = "publication_query_{}"  # a precomputed canned query's result

@dataclass(frozen=True)
class PerValue:
    """A parameter whose every value is precomputed, the query's other parameters empty: a
    visitor's whole-province page would otherwise read that province's rows (1/34 of a national
    archive), a whole-year page that year's (1/15).  Such a parameter must only ever be compared,
    once made `key` (the value the query compares), for equality with a column named like it
    (`province = :province`, `year = cast(:year as integer)`), and be empty for "any": a value no
    table's column holds then gives an empty result, which the served query gives too (its key
    finds no part), so every value is answered exactly — `02021` is the part of 2021, as it is
    2021 to the query."""

    zh: str  # its name in the description
    key: str  # SQL: the value a non-empty parameter stands for, as the part's text


PER_VALUE = {"province": PerValue("省份", ":province"),
             "year": PerValue("年度", "cast(cast(:year as integer) as text)"),
             # an indicator alone: the export sorted every value of it (≈ 0.5 s at 100,000 reports)
             "indicator": PerValue("指标", ":indicator")}
# Indexes a served snapshot adds for the canned queries that run when given a parameter (the
# working archive does without: they would cost it space and every write time).
SERVING_INDEXES = {"idx_checks_rule_status_report": ("checks", ("rule", "status", "report_id")),
                   "idx_reports_province_year": ("reports", ("province", "year"))}
_PARAM = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables_metadata(metadata: dict) -> dict[str, dict]:
    return {table: meta or {} for database in (metadata.get("databases") or {}).values()
            for table, meta in ((database or {}).get("tables") or {}).items()}


def default_facets(metadata: dict) -> dict[str, list[str]]:
    """{table or view: its default facet columns} from metadata.yml: the pages these counts serve."""
    out: dict[str, list[str]] = {}
    for table, meta in _tables_metadata(metadata).items():
        columns = [f for f in meta.get("facets") or [] if isinstance(f, str)]
        if columns:
            out[table] = columns
    return out


def precompute_publication(con: sqlite3.Connection, metadata: dict | None = None) -> None:
    """Build the map table, the materialized views and the facet counts in the snapshot behind
    `con` (see the module), from metadata.yml's facets and sort columns."""
    if metadata is None:
        from .serve import METADATA

        metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    _region_reports(con)
    _optimize_search_index(con)
    tables = _tables_metadata(metadata)
    for view in MATERIALIZED_VIEWS:
        meta = tables.get(view, {})
        _materialize(con, view, meta.get("facets", []))  # its sortable columns: _sort_indexes
    _sort_indexes(con, {t: m.get("sortable_columns") or [] for t, m in tables.items()})
    _facet_counts(con, default_facets(metadata))
    for index, (table, columns) in SERVING_INDEXES.items():
        con.execute(f"CREATE INDEX IF NOT EXISTS {_q(index)} ON {_q(table)} ({', '.join(map(_q, columns))})")
    _precompute_queries(con, precomputed_queries(metadata))
    con.commit()


def _precompute_queries(con: sqlite3.Connection, queries: dict[str, tuple[str, list[str]]]) -> None:
    """Each query's result with its parameters empty (part ''), then with each value of each of its
    `PER_VALUE` parameters (part = the value), into one table per query; the parts' rowid ranges
    into PARTS_TABLE."""
    con.execute(f"DROP TABLE IF EXISTS {_q(PARTS_TABLE)}")
    con.execute(f"""CREATE TABLE {_q(PARTS_TABLE)} (query TEXT NOT NULL, parameter TEXT NOT NULL,
        value TEXT NOT NULL, first_row INTEGER NOT NULL, last_row INTEGER NOT NULL,
        PRIMARY KEY (query, parameter, value))""")
    values = {p: list(dict.fromkeys(_key(con, p, v) for v in _values(con, p))) for p in PER_VALUE
              if any(p in params for _, params in queries.values())}
    for name, (sql, params) in queries.items():
        table = _q(QUERY_TABLE.format(name))
        con.execute(f"DROP TABLE IF EXISTS {table}")
        # a canned query never shows more than max_returned_rows (+ 1 tells Datasette it was cut)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM ({sql}) LIMIT 0", dict.fromkeys(params, ""))
        parts = [("", "", dict.fromkeys(params, ""))]
        parts += [(p, v, {**dict.fromkeys(params, ""), p: v}) for p in PER_VALUE if p in params for v in values[p]]
        for parameter, value, arguments in parts:
            (before,) = con.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()
            con.execute(f"INSERT INTO {table} SELECT * FROM ({sql}) LIMIT {_shown_rows() + 1}", arguments)
            (after,) = con.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()
            con.execute(f"INSERT INTO {_q(PARTS_TABLE)} VALUES (?, ?, ?, ?, ?)", [name, parameter, value, before + 1, after])


def _values(con: sqlite3.Connection, parameter: str) -> list[str]:
    """Every value of a column named `parameter` in any table of the snapshot (as text, what a URL
    carries): the values for which an equality filter on it can select anything."""
    tables = [name for (name,) in con.execute(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' "
        "and name not like 'publication_%' and sql not like 'CREATE VIRTUAL%'")]
    selects = [f"SELECT CAST({_q(parameter)} AS TEXT) AS v FROM {_q(t)} WHERE {_q(parameter)} IS NOT NULL"
               for t in tables if parameter in {row[1] for row in con.execute(f"PRAGMA table_info({_q(t)})")}]
    if not selects:
        return []
    return [v for (v,) in con.execute(" UNION ".join(selects) + " ORDER BY 1") if v != ""]


def _key(con: sqlite3.Connection, parameter: str, value: str) -> str:
    """The part a parameter's value is stored under: what the served query looks it up by."""
    (key,) = con.execute(f"select {PER_VALUE[parameter].key}", {parameter: value}).fetchone()
    return key


def _shown_rows() -> int:
    from .serve import SETTINGS

    return int(SETTINGS["max_returned_rows"])


def _params(sql: str) -> list[str]:
    """A canned query's named parameters, in order of first use (as Datasette's form lists them)."""
    return list(dict.fromkeys(_PARAM.findall(sql)))


def precomputed_queries(metadata: dict) -> dict[str, tuple[str, list[str]]]:
    """{name: (SQL, its parameters)} of the canned queries marked `precomputed: true`.  One without
    parameters is served from its table; one with parameters is served from its table when every
    parameter is empty (the page as it opens, its defaults) and computed otherwise."""
    out = {}
    for database in (metadata.get("databases") or {}).values():
        for name, query in ((database or {}).get("queries") or {}).items():
            if isinstance(query, dict) and query.get("precomputed"):
                out[name] = (query["sql"], _params(query["sql"]))
    return out


def served_metadata(metadata: dict) -> dict:
    """metadata.yml as a served snapshot needs it: each precomputed query reads its table (in the
    order the query gave), and the publication tables are hidden."""
    served = copy.deepcopy(metadata)
    for database in (served.get("databases") or {}).values():
        tables = database.setdefault("tables", {})
        for name, query in (database.get("queries") or {}).items():
            if isinstance(query, dict) and query.get("precomputed"):
                table = QUERY_TABLE.format(name)
                params = _params(query["sql"])
                if not params:
                    query["sql"] = f"select * from {_q(table)} order by rowid"
                else:
                    query["sql"] = _served_sql(name, table, query["sql"], params)
                per_value = [p for p in params if p in PER_VALUE]
                alone = "、".join(f"每个{PER_VALUE[p].zh}" for p in per_value)
                zh = ("默认结果" + (f"及{alone}单独给定时的结果" if per_value else "")) if params else "结果"
                en = ("as it opens" + (f" and for each {' or '.join(per_value)} alone" if per_value else "") + ", "
                      if params else "")
                query["description"] = ((query.get("description") or "").rstrip() + " "
                                        f"（{zh}发布时预先算好 · {en}precomputed when this copy was "
                                        f"published, into {table}）").strip()
                query.pop("precomputed")
                tables.setdefault(table, {})["hidden"] = True
    return served


def _served_sql(name: str, table: str, sql: str, params: list[str]) -> str:
    """A precomputed query with parameters, as served: its part of the table when its parameters
    are empty but for (at most) one of `PER_VALUE`, its own SQL otherwise.  The choice depends on
    the parameters alone, a constant to SQLite, which skips the branch whose WHERE is false: only
    one of the two runs, and the part is a rowid range of the table.  (A condition asking whether
    the part exists would not be a constant: SQLite would run the query's own branch as well.)"""
    per_value = [p for p in params if p in PER_VALUE]
    conditions = [f":{p} = ''" for p in params if p not in per_value]
    if len(per_value) > 1:
        conditions.append("(" + " + ".join(f"(:{p} <> '')" for p in per_value) + ") <= 1")
    served = " and ".join(conditions) or "1"
    parameter = "case " + " ".join(f"when :{p} <> '' then '{p}'" for p in per_value) + " else '' end" \
        if per_value else "''"
    value = "case " + " ".join(f"when :{p} <> '' then {PER_VALUE[p].key}" for p in per_value) + " else '' end" \
        if per_value else "''"
    literal = "'" + name.replace("'", "''") + "'"
    part = (f"select {{}} from {_q(PARTS_TABLE)} where query = {literal} and parameter = {parameter} "
            f"and value = {value}")
    return (f"select * from {table} where ({served}) and rowid between ({part.format('first_row')}) "
            f"and ({part.format('last_row')})\nunion all\n"
            f"select * from (\n{sql}\n) where not ({served})")


def served_metadata_file(metadata_path: Path, snapshot_path: Path) -> Path:
    """Write `served_metadata` of `metadata_path` beside the snapshot; the served site's metadata."""
    target = snapshot_path.with_name("metadata.yml")
    served = served_metadata(yaml.safe_load(metadata_path.read_text(encoding="utf-8")))
    target.write_text(yaml.safe_dump(served, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def _optimize_search_index(con: sqlite3.Connection) -> None:
    """Merge the search index's segments into one (FTS5 'optimize'): written report by report, it
    holds many, and every search opens each of them — 3–4× the time of one merged index at 100,000
    reports (BENCHMARKS.md "Publication at 100,000 reports"); 8 s there, once per publication."""
    from .fts import TABLE

    if con.execute("select 1 from sqlite_master where name = ?", [TABLE]).fetchone():
        con.execute(f"INSERT INTO {_q(TABLE)}({_q(TABLE)}) VALUES ('optimize')")


def _materialize(con: sqlite3.Connection, view: str, indexed: list[str]) -> None:
    """Replace `view` by a table of its rows: `id` the primary key, an index on each `indexed`
    column.  Column order and names are the view's, so every page and query reads it unchanged."""
    if not con.execute("select 1 from sqlite_master where type = 'view' and name = ?", [view]).fetchone():
        return
    info = [(row[1], row[2]) for row in con.execute(f"PRAGMA table_info({_q(view)})")]
    columns = [name for name, _ in info]
    # the declared types of the view's source columns: their affinity is what makes `year = '2021'`
    # (a URL's filter, text) match the stored integer, as it does on the view
    spec = ", ".join(f"{_q(c)} INTEGER PRIMARY KEY" if c == "id" else f"{_q(c)} {kind}".rstrip() for c, kind in info)
    built = f"_{view}_table"
    con.execute(f"DROP TABLE IF EXISTS {_q(built)}")
    con.execute(f"CREATE TABLE {_q(built)} ({spec})")
    con.execute(f"INSERT INTO {_q(built)} SELECT * FROM {_q(view)}")
    con.execute(f"DROP VIEW {_q(view)}")
    con.execute(f"ALTER TABLE {_q(built)} RENAME TO {_q(view)}")
    for column in dict.fromkeys(indexed):
        if column in columns and column != "id":
            con.execute(f"CREATE INDEX {_q(f'idx_{view}_{column}')} ON {_q(view)} ({_q(column)})")


def _sort_indexes(con: sqlite3.Connection, sortable: dict[str, list[str]]) -> None:
    """An index on each sortable column of a table that has none leading with it: a page sorted by
    it reads its first rows in order and stops (a broad search's page probes its reports in that
    order, nianbao_facets), where without one every row of the table is sorted on each request."""
    for table, columns in sortable.items():
        if not con.execute("select 1 from sqlite_master where type = 'table' and name = ?", [table]).fetchone():
            continue
        info = list(con.execute(f"PRAGMA table_info({_q(table)})"))
        keys = {row[1] for row in info if row[5]}
        leading = {con.execute(f"PRAGMA index_info({_q(name)})").fetchone()[2]
                   for (name,) in con.execute("select name from sqlite_master where type = 'index' and tbl_name = ?",
                                              [table])}
        for column in columns:
            if column in {row[1] for row in info} and column not in keys | leading:
                con.execute(f"CREATE INDEX {_q(f'idx_{table}_{column}')} ON {_q(table)} ({_q(column)})")


def _region_reports(con: sqlite3.Connection) -> None:
    """Reports per region with the region's coordinates: the map's query otherwise groups every
    canonical report on each load; this table has one row per region (≤ 3,400)."""
    con.execute(f"DROP TABLE IF EXISTS {_q(MAP_TABLE)}")
    con.execute(f"""
        CREATE TABLE {_q(MAP_TABLE)} AS
        SELECT r.adcode, coalesce(r.district, r.city, r.province) AS region, r.province, count(*) AS reports,
               g.latitude, g.longitude, g.coordinates
        FROM reports r JOIN regions g ON g.adcode = r.adcode
        WHERE r.duplicate_of IS NULL AND g.latitude IS NOT NULL
        GROUP BY r.adcode""")


def _facet_counts(con: sqlite3.Connection, facets: dict[str, list[str]]) -> None:
    """One grouped scan per (filter column, facet column) pair: the same `count(*) … where col is
    not null group by col` Datasette runs, with the filter value kept as text (what a URL carries).
    Tables only: a view's page (none with facets is left unmaterialized) queries as usual."""
    con.execute(f"DROP TABLE IF EXISTS {_q(FACET_COUNTS_TABLE)}")
    con.execute(f"""CREATE TABLE {_q(FACET_COUNTS_TABLE)} (
        table_name TEXT NOT NULL, filter_column TEXT NOT NULL, filter_value TEXT, column_name TEXT NOT NULL,
        value, count INTEGER NOT NULL)""")
    tables = {name for (name,) in con.execute("select name from sqlite_master where type = 'table'")}
    for table, columns in facets.items():
        if table not in tables:
            continue
        have = {row[1] for row in con.execute(f"PRAGMA table_info({_q(table)})")}
        columns = [c for c in columns if c in have]
        source = _q(table)
        for column in columns:
            con.execute(f"""INSERT INTO {_q(FACET_COUNTS_TABLE)}
                SELECT ?, '', NULL, ?, {_q(column)}, count(*) FROM {source}
                WHERE {_q(column)} IS NOT NULL GROUP BY {_q(column)}""", [table, column])
        for filter_column in columns:
            for column in columns:
                if column == filter_column:
                    continue
                con.execute(f"""INSERT INTO {_q(FACET_COUNTS_TABLE)}
                    SELECT ?, ?, CAST({_q(filter_column)} AS TEXT), ?, {_q(column)}, count(*) FROM {source}
                    WHERE {_q(column)} IS NOT NULL AND {_q(filter_column)} IS NOT NULL
                    GROUP BY {_q(filter_column)}, {_q(column)}""", [table, filter_column, column])
    con.execute(f"""CREATE INDEX {_q("idx_" + FACET_COUNTS_TABLE)} ON {_q(FACET_COUNTS_TABLE)}
                    (table_name, filter_column, filter_value, column_name, count DESC)""")
