"""Chinese full-text search finds two-character words (复议, 诉讼) and longer terms, as `?_search=` does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from archive.fts import bigrams, search, segment
from archive.ingest import ingest_paths
from archive.schema import open_db
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
    assert Database(tmp_path / "fts.db").execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def agencies(db: Database, query: str) -> set[str]:
    return {row["agency"] for row in search(db, query)}


@pytest.mark.parametrize("query", ["复议", "诉讼", "行政复议", "行政诉讼"])
def test_search_finds_two_character_words(db: Database, query: str) -> None:
    # both bodies carry the heading 四、政府信息公开行政复议、行政诉讼情况
    assert agencies(db, query) == {"北京市海淀区人民政府", "上海市徐汇区人民政府"}


@pytest.mark.parametrize("query", ["依申请", "依申请公开", "政策解读", "有序"])
def test_search_finds_words_of_one_report(db: Database, query: str) -> None:
    assert agencies(db, query) == {"北京市海淀区人民政府"}


def test_search_over_titles_and_other_terms(db: Database) -> None:
    assert agencies(db, "徐汇") == {"上海市徐汇区人民政府"}
    assert agencies(db, "年度报告") == {"北京市海淀区人民政府", "上海市徐汇区人民政府"}
    assert agencies(db, "信息公开") == {"北京市海淀区人民政府", "上海市徐汇区人民政府"}
    assert agencies(db, "海淀 复议") == {"北京市海淀区人民政府"}  # words are ANDed
    assert agencies(db, "地震") == set()


def test_segment_keeps_words_and_every_bigram() -> None:
    terms = segment("行政复议和行政诉讼").split()
    assert {"行政复议", "复议", "诉讼", "行政诉讼", "政复"} <= set(terms)
    assert bigrams("复议") == ["复议"] and bigrams("") == []
