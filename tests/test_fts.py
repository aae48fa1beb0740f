"""The search index (archive/fts.py): its encoding, its queries, and that it follows `reports`
through every write — ingest, a new version, reextract, pending captures, a migrated archive.

Recall over a whole generated archive, through Datasette and plain sqlite3, is tests/test_search.py.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from archive.captures import Fetch
from archive.fts import END, MARK, chars, match_expression, reindex, search, snippet, terms
from archive.ingest import Hints, ingest_bytes, ingest_paths, reextract
from archive.schema import MIGRATIONS, SCHEMA_VERSION, open_db, schema_version
from archive.synthetic import balanced, render_text


@pytest.fixture
def db(tmp_path: Path):
    rep = balanced("北京市海淀区人民政府", 2020)
    (tmp_path / "a.txt").write_bytes(render_text(rep))
    other = balanced("上海市徐汇区人民政府", 2021)
    other.body = "本机关全年主动公开政府信息，未发生相关案件。"
    (tmp_path / "b.txt").write_bytes(render_text(other))
    database = open_db(tmp_path / "fts.db")
    ingest_paths(database, [tmp_path])
    yield database
    sound(database)


def sound(db: Database) -> None:
    """The file is sound, and the index agrees with `reports`: rebuilt from scratch, every
    report's own title is still found, and the rebuilt index gives the same answers."""
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    db.execute("insert into report_search(report_search) values ('integrity-check')")
    probes = ["复议", "依申请", "海淀", "徐汇", "2021", "，"]
    before = {q: ids(db, q) for q in probes}
    assert reindex(db) == db["reports"].count
    assert {q: ids(db, q) for q in probes} == before
    for rid, title in db.execute("select id, title from reports where title is not null"):
        assert rid in ids(db, title)


def ids(db: Database, query: str) -> set[int]:
    return {r[0] for r in db.execute("select rowid from report_search where report_search match ?",
                                     [match_expression(query)])}


def agencies(db: Database, query: str) -> set[str]:
    return {row["agency"] for row in search(db, query)}


def test_each_character_is_a_token() -> None:
    assert chars("依申请公开") == "依 申 请 公 开"
    assert chars("第3.1项，H5") == "第 3 x2e 1 项 xff0c H 5"
    assert chars("a b\n") == "a x20 b xa"
    assert chars("Ａ𠀀") == "xff21 x20000"  # full-width forms and rarer CJK blocks by code point
    assert chars("") == "" and chars(None) is None


def test_queries_are_phrases_of_character_tokens_all_required() -> None:
    assert match_expression("依申请") == '"依 申 请"'
    assert match_expression("复议  海淀") == '"复 议" AND "海 淀"'
    assert match_expression('"依申请 公开" 3.1') == '"依 申 请 x20 公 开" AND "3 x2e 1"'
    assert terms('a "b c') == ["a", "b c"]  # an unbalanced quote is closed at the end
    assert match_expression("") == match_expression("   ") == '""'  # matches nothing, never an error
    # FTS5 syntax in a query is text to find, never an operator
    assert match_expression("a OR b*") == '"a" AND "O R" AND "b x2a"'
    assert match_expression('NEAR(") -x') == '"N E A R x28" AND "x29 x20 x2d x"'


@pytest.mark.parametrize("query", ["复议", "诉讼", "行政复议", "行政诉讼", "信息公开", "年度报告", "复", "，"])
def test_search_finds_words_of_both_reports(db: Database, query: str) -> None:
    # both bodies carry the heading 四、政府信息公开行政复议、行政诉讼情况
    assert agencies(db, query) == {"北京市海淀区人民政府", "上海市徐汇区人民政府"}


@pytest.mark.parametrize("query", ["依申请", "依申请公开", "政策解读", "有序", "有", "海淀区人民", "序开展，主动"])
def test_search_finds_substrings_of_one_report(db: Database, query: str) -> None:
    assert agencies(db, query) == {"北京市海淀区人民政府"}


def test_search_over_titles_and_other_terms(db: Database) -> None:
    assert agencies(db, "徐汇") == {"上海市徐汇区人民政府"}
    assert agencies(db, "海淀 复议") == {"北京市海淀区人民政府"}  # words are ANDed
    assert agencies(db, "海淀 徐汇") == set()
    assert agencies(db, "地震") == agencies(db, "") == set()
    assert agencies(db, "依申请公开工作依法有序开展") == {"北京市海淀区人民政府"}
    assert agencies(db, "依申请公开工作依法有序开展了") == set()


def test_ranked_results_carry_a_marked_snippet(db: Database) -> None:
    first = search(db, "海淀")[0]
    assert first["agency"] == "北京市海淀区人民政府"
    assert f"{MARK}海淀{END}" in first["snippet"]


def test_snippet_marks_every_match_in_its_window() -> None:
    text = "一二三四五六七八九十" * 3 + "依申请公开，依申请" + "十" * 100
    got = snippet(text, "依申请 公开", width=40)
    assert got.startswith("…") and got.endswith("…")
    assert got.count(MARK) == 3 and f"{MARK}依申请{END}{MARK}公开{END}" in got
    assert snippet("Report H5 and h5", "h5") == f"Report {MARK}H5{END} and {MARK}h5{END}"
    assert snippet("没有", "依申请") is None and snippet(None, "x") is None
    assert MARK not in snippet(f"a{MARK}b依申请", "依申请").replace(f"{MARK}依申请", "")  # markers in the text are dropped


def test_the_index_follows_a_new_version_and_reextract(tmp_path: Path) -> None:
    db = open_db(tmp_path / "v.db")
    rep = balanced("北京市海淀区人民政府", 2020)
    url = "https://example.invalid/a.txt"
    first = ingest_bytes(db, render_text(rep), Fetch(url=url), Hints())
    assert ids(db, "有序开展") == {first.report_id}
    rep.body = "第二版正文：本年度依申请公开工作稳步推进。"
    ingest_bytes(db, render_text(rep), Fetch(url=url), Hints())
    assert ids(db, "稳步推进") == {first.report_id}
    assert ids(db, "有序开展") == set()  # the replaced body is no longer found
    db.execute("update reports set body = 'x' where id = ?", [first.report_id])  # what reextract repairs
    assert ids(db, "稳步推进") == set()
    reextract(db)
    assert ids(db, "稳步推进") == {first.report_id}
    sound(db)


def test_pending_captures_and_re_posts_are_searchable_by_what_reports_holds(tmp_path: Path) -> None:
    db = open_db(tmp_path / "p.db")
    data = render_text(balanced("北京市海淀区人民政府", 2020))
    pending = ingest_bytes(db, data, Fetch(url="https://example.invalid/p.txt"),
                           Hints(title="海淀区2020年年报（待读）"), pending=True)
    assert ids(db, "待读") == {pending.report_id}  # the title the crawl knew
    assert ids(db, "有序开展") == set()  # no body yet
    reextract(db, pending_only=True)
    assert ids(db, "有序开展") == {pending.report_id}
    copy = ingest_bytes(db, data, Fetch(url="https://mirror.invalid/p.txt"), Hints())
    assert db.execute("select duplicate_of from reports where id = ?", [copy.report_id]).fetchone() == (pending.report_id,)
    assert ids(db, "有序开展") == {pending.report_id, copy.report_id}  # the re-post too, as LIKE would
    assert [r["id"] for r in search(db, "有序开展")] == [pending.report_id]  # the Python API leaves re-posts out
    sound(db)


def test_an_archive_of_the_segmented_index_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    MIGRATIONS.apply(old, stop_before="0004_report_search")
    old.execute("PRAGMA foreign_keys = ON")
    old["reports"].insert_all([
        {"id": 1, "url": "https://example.invalid/1", "title": "海淀区2020年年报", "body": "依申请公开工作依法有序开展。"},
        {"id": 2, "url": "https://example.invalid/2", "title": "徐汇区2021年年报", "body": None},
    ])
    old["report_terms"].insert({"id": 1, "title": "海淀区 2020 年 年报", "body": "依 申请 公开"})
    assert schema_version(old) == 3
    old.close()
    db = open_db(path)
    assert schema_version(db) == SCHEMA_VERSION >= 4
    assert not [t for t in db.table_names() if t.startswith("report_terms")]
    assert ids(db, "依申请") == ids(db, "有序") == {1} and ids(db, "年年报") == {1, 2}
    sound(db)


def test_a_connection_without_nianbao_chars_reads_but_cannot_change_a_body(db: Database, tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "fts.db")
    assert con.execute("select count(*) from report_search where report_search match '\"复 议\"'").fetchone() == (2,)
    con.execute("update reports set checks_failed = checks_failed where id = 1")  # other columns: no trigger
    with pytest.raises(sqlite3.OperationalError, match="nianbao_chars"):
        con.execute("update reports set body = 'x' where id = 1")
    con.rollback()
    con.close()
