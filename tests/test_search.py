"""Recall of the reports search: every report whose title or body contains the typed text, no other.

The archive is generated (`nianbao.synthetic` reports rendered as text copies and HTML pages, plus
the shared examples when present), ingested through `ingest_paths`, and published by a real
`nianbao serve`.  The search terms are drawn from the archive's own titles and bodies — random
substrings of 1–6 characters with a fixed seed, plus 依申请 and 政府办 — and each must give exactly
the reports a `LIKE '%term%'` scan over `title` and `body` gives:

- through Datasette's `/nianbao/reports.json?_search=…` (what the search box sends);
- through the SQL docs/schema.md gives for plain `sqlite3`, run with the standard library's sqlite3
  module and no nianbao code, on the database file downloaded from the site;
- and for several space-separated terms, the intersection (AND).
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from archive.ingest import ingest_paths
from archive.schema import open_db
from nianbao.synthetic import make_spec, render_html, render_text

SEED = 20261202
N_TERMS = 72  # random substrings, besides the fixed ones
FIXED = ["依申请", "政府办", "复议", "诉讼", "依申请公开", "行政复议", "公", "年", "2021", "（一）", "3.1",
         "地震", "政府办公"]

ROOT = Path(__file__).resolve().parent.parent


def plain_sql() -> str:
    """The one-term query docs/schema.md gives for plain SQLite (the block after its marker)."""
    doc = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    after = doc.split("<!-- plain-sqlite-search", 1)[1]
    return after.split("```sql\n", 1)[1].split("```", 1)[0]


def build_archive(root: Path, examples: Path | None, n: int = 120) -> Path:
    """Generated reports, as text copies and as HTML pages of three layouts."""
    files = root / "reports"
    files.mkdir(parents=True, exist_ok=True)
    for seed in range(n):
        spec = make_spec(seed, "2019" if seed % 3 == 0 else "2021", blanks=seed % 5 == 0, odd_labels=seed % 4 == 1)
        if seed % 2:
            (files / f"r{seed}.html").write_bytes(render_html(spec, layout=("trs", "flat_repeat", "shanghai")[seed % 3]))
        else:
            (files / f"r{seed}.txt").write_bytes(render_text(spec))
    db_path = root / "nianbao.db"
    db = open_db(db_path)
    ingest_paths(db, [files] + ([examples] if examples and examples.is_dir() else []))
    db.close()
    return db_path


def like_ids(con: sqlite3.Connection, term: str) -> set[int]:
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return {r[0] for r in con.execute("select id from reports where title like ?1 escape '\\' "
                                      "or body like ?1 escape '\\'", [pattern])}


def draw_terms(con: sqlite3.Connection) -> list[str]:
    """Random substrings (1–6 characters, no whitespace: the search box splits on it) of the
    archive's own titles and bodies, drawn with a fixed seed."""
    rng = random.Random(SEED)
    texts = [t for row in con.execute("select title, body from reports order by id") for t in row if t]
    terms: list[str] = []
    while len(terms) < N_TERMS:
        text = rng.choice(texts)
        size = rng.randint(1, 6)
        start = rng.randrange(max(1, len(text) - size + 1))
        term = text[start:start + size]
        if term and not any(c.isspace() or c == '"' for c in term) and term not in terms:
            terms.append(term)
    # Latin letters are found whatever their case, as LIKE finds them
    terms += [t.swapcase() for t in terms if t.isascii() and any(c.isalpha() for c in t)][:3]
    return FIXED + terms


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    from conftest import EXAMPLES
    from test_serve import start_server

    root = tmp_path_factory.mktemp("search")
    db_path = build_archive(root, EXAMPLES)
    for base in start_server(db_path, root):
        download = root / "downloaded.db"
        download.write_bytes(httpx.get(f"{base}/nianbao.db", timeout=60).content)
        yield base, download


@pytest.fixture(scope="module")
def plain(site: tuple[str, Path]) -> Iterator[sqlite3.Connection]:
    """The downloaded file in the standard library's sqlite3: no nianbao function, no extension."""
    con = sqlite3.connect(f"file:{site[1]}?mode=ro", uri=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def terms(plain: sqlite3.Connection) -> list[str]:
    return draw_terms(plain)


def searched(base: str, query: str) -> set[int]:
    response = httpx.get(f"{base}/nianbao/reports.json", timeout=60,
                         params={"_search": query, "_col": "id", "_size": "max", "_nofacet": "1", "_shape": "objects"})
    assert response.status_code == 200, (query, response.text[:300])
    page = response.json()
    ids = {row["id"] for row in page["rows"]}
    assert page["filtered_table_rows_count"] == len(ids) and not page["next"], query
    return ids


def test_the_archive_is_worth_searching(plain: sqlite3.Connection, terms: list[str]) -> None:
    n, chars = plain.execute("select count(*), sum(length(title) + length(body)) from reports").fetchone()
    assert n >= 120 and chars > 80_000
    lengths = {len(t) for t in terms}
    assert lengths >= {1, 2, 3, 4, 5, 6}
    assert 0 < len(like_ids(plain, "政府办")) < n  # in some reports only: a real test of recall and precision
    assert len(like_ids(plain, "依申请")) >= n - 4  # every generated report; the examples as they print it


def test_datasette_search_finds_exactly_what_like_finds(site: tuple[str, Path], plain: sqlite3.Connection,
                                                        terms: list[str]) -> None:
    wrong = {}
    for term in terms:
        want, got = like_ids(plain, term), searched(site[0], term)
        if want != got:
            wrong[term] = (len(want), len(got), len(want & got))
    assert not wrong, f"(LIKE, search, both) for {len(wrong)} of {len(terms)} terms: {wrong}"


def test_several_terms_are_all_required(site: tuple[str, Path], plain: sqlite3.Connection, terms: list[str]) -> None:
    rng = random.Random(SEED + 1)
    pairs = [("海淀", "复议"), ("政府办", "2021"), ("依申请", "地震")]
    pairs += [tuple(rng.sample(terms, 2)) for _ in range(12)]
    pairs += [tuple(rng.sample(terms, 3)) for _ in range(4)]
    wrong = {}
    for group in pairs:
        want = set.intersection(*(like_ids(plain, t) for t in group))
        got = searched(site[0], " ".join(group))
        if want != got:
            wrong[" ".join(group)] = (len(want), len(got))
    assert not wrong, wrong


def test_plain_sqlite3_finds_exactly_what_like_finds(plain: sqlite3.Connection, terms: list[str]) -> None:
    sql = plain_sql()
    assert "report_search" in sql and "nianbao" not in sql
    wrong = {}
    for term in terms:
        want = like_ids(plain, term)
        got = {r[0] for r in plain.execute(sql, {"q": term})}
        if want != got:
            wrong[term] = (len(want), len(got))
    assert not wrong, wrong


def test_a_report_read_for_a_query_answers_as_the_index_does(plain: sqlite3.Connection, terms: list[str]) -> None:
    """`archive.fts.matches`, which the broad-search pages use to probe reports in an order the index
    cannot give, says yes for exactly the reports the index finds: single terms, groups of them,
    quoted phrases with spaces, Latin in either case, punctuation."""
    from archive.fts import match_expression, matches

    rng = random.Random(SEED + 2)
    rows = plain.execute("select id, title, body from reports").fetchall()
    queries = [*terms, *(" ".join(rng.sample(terms, 2)) for _ in range(10)),
               '"依申请 公开"', '"年 度"', "GB", "gb", "Gb 2021", "PDF", "（", "3.1", '""', "  "]
    for text in (rows[0][2] or "", rows[-1][1] or ""):
        at = rng.randrange(max(1, len(text) - 8))
        queries.append(f'"{text[at:at + 7]}"')
    capitals = [m.group() for _, t, b in rows for m in re.finditer(r"\S?[A-Z]\S?", f"{t} {b}")][:6]
    assert capitals, "the archive has Latin capitals to fold"
    queries += [*capitals, *(c.lower() for c in capitals), *(c.swapcase() for c in capitals)]
    wrong = {}
    for query in queries:
        want = {i for (i,) in plain.execute("select rowid from report_search where report_search match ?",
                                            [match_expression(query)])}
        got = {i for i, title, body in rows if matches(query, title, body)}
        if want != got:
            wrong[query] = (len(want), len(got))
    assert not wrong, wrong
    assert sum(bool(matches(q, t, b)) for q in queries for _, t, b in rows[:5]) > 0


def test_the_hand_written_phrases_of_the_docs(plain: sqlite3.Connection) -> None:
    def match(expr: str) -> set[int]:
        return {r[0] for r in plain.execute("select id from reports where id in "
                                            "(select rowid from report_search where report_search match ?)", [expr])}

    assert match('"依 申 请"') == like_ids(plain, "依申请")
    assert match('"政 府 办" "3 x2e 1"') == like_ids(plain, "政府办") & like_ids(plain, "3.1")
    ranked = plain.execute("select r.id from report_search s join reports r on r.id = s.rowid "
                           "where report_search match '\"依 申 请\"' and r.duplicate_of is null "
                           "order by s.rank limit 20").fetchall()
    assert len(ranked) == 20
