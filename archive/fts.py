"""Chinese full-text search over report titles and bodies, usable through Datasette's `?_search=`.

SQLite's tokenizers do not segment Chinese: `unicode61` makes a whole run of Han characters one
token, and `trigram` cannot match a query shorter than three characters (复议, 诉讼 are two).
Datasette's `?_search=` quotes each whitespace-separated query word as an FTS5 phrase, which the
table's own tokenizer then splits — so whatever we index must contain the query word as a token.

Measured on the shared examples (docs/schema.md has the table): all CJK bigrams alone find every
two-character query and nothing longer; jieba's search-mode segmentation alone finds dictionary
words of any length but misses some two-character substrings; trigram misses every two-character
query.  We index, with the built-in `unicode61` tokenizer, **jieba search-mode words (plus the
domain vocabulary below) followed by every CJK bigram**: every two-character query and every word
a researcher is likely to type (行政复议, 政府信息公开, 依申请公开 …) is found, the downloaded file
needs no custom tokenizer or extension, and queries stay index lookups (≈1 ms).  A three-or-more-character
string that is not a word (依申请) is found in Datasette with `?_searchmode=raw` as a phrase of
its bigrams (`"依申 申请"`): the bigrams sit side by side in the indexed text wherever the
substring occurs.  `search()` below builds that phrase itself, so the Python API finds every
substring of two or more characters.

jieba (0.42.1, MIT) is the standard Chinese segmenter, pure Python, ships its dictionary; it costs
about 5 ms for a 2,500-character body.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from sqlite_utils import Database

# Terms of the reports' own vocabulary kept whole by the segmenter (search mode adds their parts).
VOCABULARY = [
    "政府信息公开", "信息公开", "政务公开", "主动公开", "依申请公开", "年度报告", "工作年度报告",
    "行政复议", "行政诉讼", "复议后起诉", "未经复议直接起诉", "予以公开", "部分公开", "不予公开",
    "无法提供", "不予处理", "其他处理", "国家秘密", "过程性信息", "内部事务信息", "行政执法案卷",
    "行政查询事项", "信息处理费", "政府集中采购", "行政许可", "行政处罚", "行政强制",
    "行政事业性收费", "规范性文件", "行政规范性文件", "上年结转", "结转下年度", "三安全一稳定",
    "第三方合法权益", "信访举报投诉", "公开出版物", "政策解读", "政府网站", "政务新媒体",
]

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    for word in VOCABULARY:
        jieba.add_word(word, freq=20000)
    jieba.initialize()
    return jieba


def bigrams(text: str) -> list[str]:
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out.extend(run[i:i + 2] for i in range(max(1, len(run) - 1)))
    return out


def segment(text: str | None) -> str:
    """The indexed form of a text: jieba search-mode words, then every CJK bigram, space-separated."""
    if not text:
        return ""
    jb = _jieba()
    words = [w for w in jb.cut_for_search(text) if w.strip()]
    return " ".join(words + _long_subwords(jb, words) + bigrams(text))


def _long_subwords(jb, words: list[str]) -> list[str]:
    """Dictionary words of four or more characters inside longer words (年度报告 in
    工作年度报告): jieba's search mode only adds the two- and three-character ones."""
    freq = jb.dt.FREQ
    out: list[str] = []
    for word in words:
        for n in range(4, len(word)):
            out.extend(sub for i in range(len(word) - n + 1) if freq.get(sub := word[i:i + n]))
    return out


def index_report(db: Database, report_id: int, title: str | None, body: str | None,
                 segmented: tuple[str, str] | None = None) -> None:
    """(Re)index one report; the FTS table follows `report_terms` through sqlite-utils' triggers.
    `segmented` is `(segment(title), segment(body))` when the caller did it already (the crawler
    segments in its extractor process: jieba is pure Python, ~5 ms a body)."""
    seg_title, seg_body = segmented if segmented is not None else (segment(title), segment(body))
    db["report_terms"].upsert({"id": report_id, "title": seg_title, "body": seg_body}, pk="id")


def match_expression(query: str) -> str:
    """An FTS5 expression finding each query word as a substring: the word itself as a token,
    or — for three or more Han characters — its overlapping bigrams as a phrase, which are adjacent
    in the indexed text exactly where the word occurs (依申请 → "依申 申请")."""
    parts: list[str] = []
    for word in query.split():
        word = word.replace('"', "")
        if not word:
            continue
        grams = bigrams(word)
        if len(word) >= 3 and _CJK_RUN.fullmatch(word):
            parts.append(f'("{word}" OR "{" ".join(grams)}")')
        else:
            parts.append(f'"{word}"')
    return " AND ".join(parts) or '""'


def search(db: Database, query: str, limit: int = 20) -> list[dict]:
    """Reports whose title or body contains every word of `query` (canonical reports only)."""
    return list(db.query(
        "select reports.id, reports.title, reports.agency, reports.year from reports "
        "where reports.id in (select rowid from report_terms_fts where report_terms_fts match ?) "
        "and reports.duplicate_of is null order by reports.year desc, reports.id limit ?",
        [match_expression(query), limit]))
