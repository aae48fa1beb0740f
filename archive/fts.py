"""Search of report titles and bodies: any substring, of any length, in any script.

The index is `report_search`, an FTS5 table with the built-in `unicode61` tokenizer that holds
**one token per character** of `reports.title` and `reports.body`: a Chinese character, Latin
letter or digit is its own token, any other character (punctuation, whitespace, symbols,
full-width forms, rarer CJK blocks) the token `x` + its code point in hex (`，` → `xff0c`).  A
substring of the text is then exactly a phrase of consecutive tokens, so

    依申请  →  report_search MATCH '"依 申 请"'        3.1  →  '"3 x2e 1"'        复  →  '"复"'

finds every report containing it and no other — one character or fifty, Chinese, digits or
Latin (case-insensitive for ASCII letters, as SQLite's LIKE is; every other character as is).
Several space-separated words must all occur (AND); a "quoted phrase" keeps its spaces.

Why this and not FTS5's `trigram` tokenizer (docs/schema.md has the measurements): trigram
cannot match a term shorter than three characters, and 复议, 诉讼, 海淀 are two; a second index
or a LIKE scan would be needed for those, and the trigram index alone is 2.2 times the size of
this one.  The old jieba-segmented copy (`report_terms`) found 0 reports for 依申请 and missed
most other substrings that are not dictionary words.

The table is *contentless* (`content=''`): the tokens are not stored as text, only the index —
no second copy of the bodies.  SQLite triggers on `reports` keep it in step with every insert,
update of `title`/`body` and delete, whoever writes (ingest, reextract, a crawl); they call the
SQL function `nianbao_chars`, which `open_db` registers.  A connection without it can read and
search the file (Datasette, plain `sqlite3`), but cannot change a report's title or body.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from itertools import chain
from typing import Any

from sqlite_utils import Database

TABLE = "report_search"
SOURCE = "reports"  # the table whose rows the index holds: rowid = reports.id, columns COLUMNS
COLUMNS = ("title", "body")
FUNCTION = "nianbao_chars"
TOKENIZE = "unicode61 remove_diacritics 0"
# A search with more hits than this is "broad": the published table page shows its rows but neither
# counts nor facets them (datasette/plugins/nianbao_facets.py).  Each of Datasette's count and facet
# queries enumerates every hit, nine of them per page (4,760 hits: 191 ms p95 at 100,000 reports,
# BENCHMARKS.md "Publication at 100,000 reports"); over the cap the page reads only its own hits.  $NIANBAO_BROAD_SEARCH sets it (tests use a small cap).
BROAD_SEARCH = int(os.environ.get("NIANBAO_BROAD_SEARCH", "10000"))

# Characters that are their own token.  Everything else is spelled as x + hex, so the index never
# depends on the Unicode tables of the SQLite that built it, and no character is ever dropped.
_OWN = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff]")


class _Tokens(dict):
    """str.translate table: code point → its token and a space (filled in on first use)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        token = f"{char} " if _OWN.fullmatch(char) else f"x{code:x} "
        self[code] = token
        return token


_TOKENS = _Tokens()


def chars(text: str | None) -> str | None:
    """The indexed form of a text: its characters' tokens, space-separated."""
    if text is None:
        return None
    return text.translate(_TOKENS).rstrip(" ")


_WORD = re.compile(r'"([^"]*)"|([^\s"]+)')


def terms(query: str | None) -> list[str]:
    """The words of a query: whitespace separates them, double quotes keep a phrase together
    (an unbalanced quote is closed at the end, as Datasette's own escape_fts does)."""
    query = query or ""
    if query.count('"') % 2:
        query += '"'
    return [quoted or bare for quoted, bare in _WORD.findall(query) if (quoted or bare).strip()]


def match_expression(query: str | None) -> str:
    """The FTS5 expression for a query: one phrase of character tokens per word, all required.
    Never a syntax error: tokens are letters and digits only; an empty query matches nothing."""
    phrases = [f'"{chars(word)}"' for word in terms(query)]
    return " AND ".join(phrases) if phrases else '""'


# --- keeping the index in step with `reports` ------------------------------------------------

_INSERT = f"insert into {TABLE}(rowid, title, body) values (new.id, {FUNCTION}(new.title), {FUNCTION}(new.body));"
_DELETE = (f"insert into {TABLE}({TABLE}, rowid, title, body) "
           f"values ('delete', old.id, {FUNCTION}(old.title), {FUNCTION}(old.body));")

SCHEMA_SQL = [
    # columnsize stays on: bm25() ranks by it
    f"create virtual table {TABLE} using fts5(title, body, content='', tokenize='{TOKENIZE}')",
    f"create trigger {TABLE}_ai after insert on reports begin {_INSERT} end",
    f"create trigger {TABLE}_ad after delete on reports begin {_DELETE} end",
    f"create trigger {TABLE}_au after update of id, title, body on reports "
    f"when old.id is not new.id or old.title is not new.title or old.body is not new.body "
    f"begin {_DELETE} {_INSERT} end",
]


def register(db: Database) -> None:
    """Make `nianbao_chars` available on this connection (the triggers call it)."""
    db.register_function(chars, name=FUNCTION, deterministic=True)  # once per connection


RANK = "bm25(5.0, 1.0)"  # `order by rank`: a match in the title weighs five times one in the body


def create(db: Database) -> None:
    """Create the index and its triggers, and index every report (a migration's step)."""
    for sql in SCHEMA_SQL:
        db.execute(sql)
    db.execute(f"insert into {TABLE}({TABLE}, rank) values ('rank', ?)", [RANK])
    reindex(db)


def reindex(db: Database) -> int:
    """Rebuild the whole index from `reports` (a contentless table has no 'rebuild'); returns the
    number of reports indexed.  Needed only if the triggers were bypassed."""
    register(db)
    db.execute(f"insert into {TABLE}({TABLE}) values ('delete-all')")
    db.execute(f"insert into {TABLE}(rowid, title, body) select id, {FUNCTION}(title), {FUNCTION}(body) from reports")
    db.execute(f"insert into {TABLE}({TABLE}) values ('optimize')")
    return db.execute(f"select count(*) from {TABLE}_docsize").fetchone()[0]


# --- snippets and the Python API ---------------------------------------------------------------

MARK, END = "\x02", "\x03"  # around each match in a snippet; nianbao_search's render_cell makes them <mark>


@lru_cache(maxsize=64)
def _pattern(query: str) -> re.Pattern[str] | None:
    """Any word of the query, longest first; ASCII letters in either case (LIKE's rule, the index's)."""
    words = sorted(set(terms(query)), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)), re.IGNORECASE | re.ASCII) if words else None


def snippet(text: str | None, query: str | None, width: int = 80) -> str | None:
    """About `width` characters of `text` around the first match of any word of `query`, every
    match inside marked MARK…END.  None when no word occurs in the text."""
    pattern = _pattern(query or "")
    if not text or pattern is None:
        return None
    if MARK in text or END in text:
        text = text.replace(MARK, "").replace(END, "")
    hits = pattern.finditer(text)
    first = next(hits, None)
    if first is None:
        return None
    start = max(0, first.start() - width // 4)
    stop = min(len(text), max(start + width, first.end()))
    out, at = [], start
    for hit in chain([first], hits):
        if hit.end() > stop:
            break
        out += [text[at:hit.start()], MARK, hit.group(), END]
        at = hit.end()
    out.append(text[at:stop])
    line = "".join(out).replace("\n", " ")
    return ("…" if start else "") + line + ("…" if stop < len(text) else "")


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=64)
def _probe_words(query: str) -> tuple[tuple[str, bool], ...]:
    return tuple((w.translate(_ASCII_LOWER), bool(_ASCII_LETTER.search(w))) for w in terms(query))


def matches(query: str | None, *texts: str | None) -> bool:
    """What the index answers for one report, read off its own texts (title, body): every word of
    the query occurs in one of them, ASCII letters in either case.  The broad-search pages probe
    reports with it in an order the index cannot give (datasette/plugins/nianbao_facets.py); a test
    holds it equal to the index on the archive's own substrings."""
    words = _probe_words(query or "")
    if not words:
        return False
    folded: list[str | None] = [None] * len(texts)
    for word, has_letters in words:
        for i, text in enumerate(texts):
            if not text:
                continue
            if has_letters:
                if folded[i] is None:
                    folded[i] = text.translate(_ASCII_LOWER)
                text = folded[i]
            if word in text:
                break
        else:
            return False
    return True


RANKED_SQL = f"""
with hits as (
  select s.rowid as id, s.rank from {TABLE} s join reports r on r.id = s.rowid
  where {TABLE} match :match and r.duplicate_of is null
  order by s.rank, s.rowid limit :limit)
select r.id, r.title, r.agency, r.year, r.body from hits join reports r on r.id = hits.id
order by hits.rank, hits.id
"""


def search(db: Database, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Canonical reports (re-posted copies left out) containing every word of `query`, best
    first (`rank`: bm25, a match in the title weighing five times one in the body), with a
    snippet.  The ranking picks the `limit` reports before any body is read."""
    return [
        {**row, "snippet": snippet(row.pop("body"), query) or snippet(row["title"], query)}
        for row in db.query(RANKED_SQL, {"match": match_expression(query), "limit": limit})
    ]
