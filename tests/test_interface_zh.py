"""The published interface in Chinese (issue 13 item 4): Datasette's own words are Chinese on every
page kind, the words are the vocabulary's (datasette/interface_zh.yml), and no value is ever
translated — a report titled with Datasette's English words shows them verbatim.

The vocabulary against Datasette's pinned template files (no server), then a real `nianbao serve`
over real HTTP, on an archive with one report whose title and agency type are interface words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import lxml.html
import pytest
from jinja2 import Environment
from markupsafe import escape

from archive import interface
from archive.schema import open_db

PLANTED_TITLE = "Search: Next page, Apply, 2 rows, This data as json · Powered by Datasette 2021年"
PLANTED_TYPE = "Next page"  # a facet value (reports.agency_type is a default facet)
# The interface's templates: every one a published page renders (the debug pages of /-/ are not
# the published interface; _description_source_license.html is the project's own, overriding it).
PAGE_TEMPLATES = ["base.html", "_crumbs.html", "_footer.html", "_close_open_menus.html", "_codemirror.html",
                  "_codemirror_foot.html", "index.html", "database.html", "table.html", "_table.html",
                  "_facet_results.html", "_suggested_facets.html", "query.html", "row.html", "error.html",
                  "dashboard_view.html", "dashboard_chart.html", "dashboard_list.html"]  # datasette-dashboards
# English a translated template may keep in its text: names of formats and tools, SQL keywords
# (the operators like/glob, the where of a clause count), the download's file extension.
ALLOWED = {"CSV", "JSON", "SQL", "SQLite", "Datasette", "immutable", "where", "like", "glob", "null", "db"}


# --- the vocabulary against Datasette's own files ----------------------------------------------

def template_words(source: str, env: Environment) -> set[str]:
    """The English words of a template's own text: Jinja's literal text (no expression, no
    comment), without tags (attributes and all), scripts, styles, entities, the body class, the
    SQL a textarea is filled with, or the English half of a "中文 · English" heading."""
    source = re.sub(r"{% block body_class %}.*?{% endblock %}", "", source, flags=re.S)
    text = "".join(value if kind == "data" else "" for _, kind, value in env.lex(source))
    text = re.sub(r"<(script|style|textarea)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>|&#?\w+;", " ", text)
    text = re.sub(r"· [A-Z][A-Za-z ]+", " ", text)
    return set(re.findall(r"[A-Za-z][A-Za-z-]+", text)) - ALLOWED


def test_every_fragment_of_the_vocabulary_is_in_the_pinned_datasette() -> None:
    words = interface.vocabulary()
    for group, where in (("templates", interface.template_file), ("static", lambda name: interface.DATASETTE / "static" / name)):
        for name, entries in words[group].items():
            path = where(name)
            assert path.is_file(), name
            source = path.read_text(encoding="utf-8")
            missing = [e["en"] for e in entries if e["en"] not in source]
            assert missing == [], (name, missing)


def test_no_english_word_is_left_in_the_text_of_datasettes_page_templates() -> None:
    plain, chinese = Environment(), Environment(extensions=[interface.ChineseTemplates])
    left, english_before = {}, set()
    for name in PAGE_TEMPLATES:
        path = interface.template_file(name)
        source = path.read_text(encoding="utf-8")
        english = template_words(plain.preprocess(source, name, str(path)), plain)
        translated = template_words(chinese.preprocess(source, name, str(path)), chinese)
        if english:
            english_before.add(name)
        if translated:
            left[name] = sorted(translated)
    assert left == {}
    # the scan sees what is there: untranslated, these are English
    assert {"index.html", "database.html", "table.html", "query.html", "row.html", "_footer.html",
            "dashboard_view.html", "dashboard_list.html"} <= english_before


def test_the_project_templates_are_never_rewritten(tmp_path: Path) -> None:
    """Only Datasette's own files are: a template of the project's under a Datasette name is as written."""
    env = Environment(extensions=[interface.ChineseTemplates])
    ours = tmp_path / "table.html"
    ours.write_text("<p>This data as json · Next page</p>", encoding="utf-8")
    assert env.preprocess(ours.read_text(), "table.html", str(ours)) == ours.read_text()


def test_a_description_the_vocabulary_cannot_say_stays_datasettes_english() -> None:
    from datasette.filters import Filters
    from datasette.utils.asgi import Request

    request = Request.fake("/nianbao/reports?year=2021&agency__contains=%E6%B5%B7")
    filters = Filters(sorted([("year", "2021"), ("agency__contains", "海")]))
    english = 'where agency contains "海" and year = 2021 sorted by id descending'
    assert interface.description(english, request, filters, None, "id") == "其中 agency 包含 “海”，year = 2021；按 id 降序排列"
    other = 'where through.column = "x" and agency contains "海" and year = 2021'  # another filter's clause
    assert interface.description(other, request, filters, None, None) == other


# --- the served pages --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    from conftest import EXAMPLES
    from test_serve import build_archive, start_server

    root = tmp_path_factory.mktemp("interface-zh")
    db_path = build_archive(root, EXAMPLES)
    db = open_db(db_path)  # with the search index's functions, which the reports' triggers call
    (report_id,) = db.execute("select id from reports where duplicate_of is null and agency_id is not null "
                              "order by id limit 1").fetchone()
    db["reports"].update(report_id, {"title": PLANTED_TITLE, "agency_type": PLANTED_TYPE})
    db.close()
    for base in start_server(db_path, root):
        yield base, report_id


def fetch(base: str, path: str, status: int = 200) -> str:
    response = httpx.get(base + path, timeout=30)
    assert response.status_code == status, (path, response.text[:300])
    return response.text


def chrome(html: str) -> str:
    """The page without its values: rows, facet values, descriptions, SQL — what is left is the
    interface's own markup, where no English word of Datasette's may remain."""
    doc = lxml.html.fromstring(html)
    for part in doc.xpath("//table[contains(@class, 'rows-and-columns')] | //div[@class='facet-results']//li"
                          " | //div[@class='metadata-description'] | //pre | //textarea | //script | //style | //head/title"
                          " | //table[starts-with(@class, 'nb-')] | //dl[contains(@class, 'nb-facts')] | //h1"
                          " | //dl[@class='column-descriptions'] | //details[@class='nb-column-notes']"):
        part.drop_tree()
    return lxml.html.tostring(doc, encoding="unicode")


def agency_path(base: str, report_id: int) -> str:
    row = httpx.get(f"{base}/nianbao/reports/{report_id}.json", params={"_shape": "array"}, timeout=30).json()[0]
    return "/-/agency/" + quote(row["agency_id"], safe="")


# page kind: (path, Chinese that must be there, English of Datasette's that must not — a
# string or a pattern — in the page's chrome); {id} is the planted report
PAGES = {
    "home": ("/", ['lang="zh-CN"', ">首页</a>", "个表（共", "个隐藏表", "个视图", "本站由", "仪表盘"],
             [re.compile(r"\d[\d,]* rows? in \d+ tables?"), re.compile(r"\d+ hidden tables?"), re.compile(r"\d+ views?\b"), re.compile(r'title="\d+ rows"'),
              "Powered by", ">home</a>", ">Dashboards<"]),
    "database": ("/nianbao", ["自定义 SQL 查询 · Custom SQL query", 'value="运行 SQL"', "查询 · Queries", "表 · Tables",
                              "视图 · Views", "下载 SQLite 数据库：", re.compile(r"\d[\d,]* 行</p>"), "个隐藏表"],
                 ["<h3>Custom SQL query</h3>", 'value="Run SQL"', '<h2 id="queries">Queries</h2>',
                  '<h2 id="tables">Tables</h2>', '<h2 id="views">Views</h2>', "Download SQLite DB",
                  re.compile(r"\d rows?</p>"), "hidden table", "Format SQL</button>"]),
    "table": ("/nianbao/reports?year=2021&_facet=kind&_size=1",
              [re.compile(r"\d[\d,]* 行"), "其中 year = 2021", "按 id 降序排列", ">搜索：</label>", "- 删除此筛选 -", "- 选择列 -",
               ">包含</option>", 'value="应用"', "查看并编辑 SQL", "其他格式：", "高级导出</a>", ">下一页</a>",
               'title="取消此分面"', 'title="取消此筛选"', "高级导出 · Advanced export", "JSON 结构：", ">数组</a>",
               "CSV 选项：", "下载为文件", 'value="导出 CSV"'],
              [re.compile(r"\d rows?\b"), "where year", "sorted by", "Search:</label>", "- remove filter -", "- column -",
               ">contains</option>", ">is not blank</option>", 'value="Apply"', "View and edit SQL", "This data as",
               ">advanced</a>", ">Next page</a>", "<h3>Advanced export</h3>", "JSON shape", ">array</a>",
               "CSV options", "download file", 'value="Export CSV"', "Table actions", "Sort..."]),
    "search": ("/nianbao/reports?_search=%E5%A4%8D%E8%AE%AE", ["其中 全文搜索 “复议”", "表操作"],
               ["search matches", "Table actions"]),
    "row": ("/nianbao/reports/{id}", ["其他格式：", "其他表中的引用 · Links from other tables", re.compile(r"\d[\d,]* 行</a>"),
                                      re.compile(r"（\w+ 表的 report_id 列）")],
            ["This data as", "<h2>Links from other tables</h2>", re.compile(r"\d rows?</a>"), " from report_id in "]),
    "canned query": ("/nianbao/reports_failing_rule?rule=carry_over",
                     ["自定义 SQL 查询 · Custom SQL query：返回 ", "查询参数 · Query parameters", 'value="运行 SQL"',
                      ">编辑 SQL</a>", ">隐藏</a>", "其他格式："],
                     ["returning", "<h3>Query parameters</h3>", 'value="Run SQL"', ">Edit SQL</a>", ">hide</a>",
                      "This data as"]),
    "custom SQL": ("/nianbao?sql=select+id%2C+title+from+reports+where+id+%3D+{id}", ["：返回 1 行", "格式化 SQL"],
                   ["returning 1 row", ">Format SQL<"]),
    "no results": ("/nianbao?sql=select+1+where+0", ["没有结果"], ["0 results"]),
    "report page": ("/-/report/{id}", ['lang="zh-CN"', ">首页</a>", "本站由"], ["Powered by", ">home</a>"]),
    "agency page": ("{agency}", ['lang="zh-CN"', ">首页</a>", "本站由"], ["Powered by", ">home</a>"]),
    "error": ("/nianbao/no_such_table", ["错误 404", "没有这个表"], ["Error 404", ">Table not found<"]),
    "dashboard": ("/-/dashboards/overview", [">首页</a>", ">仪表盘</a>", 'value="应用"'],
                  [">home</a>", ">dashboards</a>", 'value="Apply"']),
    "dashboard list": ("/-/dashboards", ["<title>仪表盘", "<h1>仪表盘 · Dashboards</h1>", ">首页</a>"],
                       ["<title>Dashboards", ">home</a>"]),
}


def found(expected: str | re.Pattern, page: str) -> bool:
    return bool(expected.search(page)) if isinstance(expected, re.Pattern) else expected in page


@pytest.mark.parametrize("kind", list(PAGES))
def test_each_page_kind_speaks_chinese(site: tuple[str, int], kind: str) -> None:
    base, report_id = site
    path, chinese, english = PAGES[kind]
    path = path.format(id=report_id, agency=agency_path(base, report_id) if "{agency}" in path else "")
    page = fetch(base, path, 404 if kind == "error" else 200)
    shown = chrome(page)
    assert [c for c in chinese if not found(c, page)] == [], kind
    assert [e for e in english if found(e, shown)] == [], kind


def test_the_vocabulary_is_what_the_pages_render(site: tuple[str, int]) -> None:
    """Every Chinese fragment of the vocabulary without template code is on one of the pages (and
    its English on none), but those these pages cannot show, each for its reason."""
    base, report_id = site
    not_shown = {
        '<button class="button-as-link" title="Log out">退出登录</button>',  # nobody logs in
        '<p>以下数据库已附加到此连接，可用于跨库联接：</p>', '">表</a></li>',  # no attached database
        '<title id="actions-menu-links-title">数据库操作</title>',  # no plugin has database actions
        '<p class="facets-timed-out">以下分面超时：', '建议的分面：',  # no facet times out; suggest_facets is off
        '<p class="message-error">数据库只读（immutable），此查询不能执行。</p>',  # no writable canned query
        '<p>没有仪表盘</p>',  # the site has its dashboard
        '<button type="button" onclick="toggleFullscreen()" title="Fullscreen">全屏</button>',  # allow_fullscreen is off
    }
    pages = [fetch(base, p) for p in ("/", "/nianbao", "/nianbao?_show_hidden=1", "/nianbao/reports?year=2021&_facet=kind&_size=1",
                                      f"/nianbao/reports/{report_id}", "/nianbao/reports_failing_rule?rule=carry_over",
                                      "/nianbao?sql=select+1+where+0", "/nianbao/reports?id=0",
                                      "/nianbao/reports?_search=%E5%A4%8D%E8%AE%AE",
                                      "/nianbao/reports?_where=0&_where=1",
                                      "/-/dashboards", "/-/dashboards/overview", "/-/dashboards/overview/reports-count")]
    pages.append(fetch(base, "/nianbao/no_such_table", 404))
    html = "\n".join(pages)
    literal = [e for entries in interface.vocabulary()["templates"].values() for e in entries if "{" not in e["zh"]]
    assert [e["zh"] for e in literal if e["zh"] not in html and e["zh"] not in not_shown] == []
    assert [e["en"] for e in literal if e["en"] in html] == []
    assert [zh for zh in not_shown if zh in html] == []  # the reasons still hold


def test_a_report_titled_with_interface_words_shows_them_verbatim(site: tuple[str, int]) -> None:
    """The translation touches the interface only: a title made of Datasette's English words, and a
    facet value that is one, read exactly as stored on every page that shows them."""
    base, report_id = site
    title = str(escape(PLANTED_TITLE))
    for path in (f"/nianbao/reports?id={report_id}", f"/nianbao/reports/{report_id}", f"/-/report/{report_id}",
                 f"/nianbao?sql=select+title+from+reports+where+id+%3D+{report_id}", f"/nianbao/report_summary?id={report_id}",
                 agency_path(base, report_id)):
        assert title in fetch(base, path), path
    table = lxml.html.fromstring(fetch(base, f"/nianbao/reports?id={report_id}"))
    assert table.xpath("//td[contains(@class, 'col-title')]")[0].text_content() == PLANTED_TITLE
    assert table.xpath("//td[contains(@class, 'col-agency_type')]")[0].text_content() == PLANTED_TYPE
    assert lxml.html.fromstring(fetch(base, f"/-/report/{report_id}")).xpath("//h1")[0].text_content() == PLANTED_TITLE
    facet = lxml.html.fromstring(fetch(base, "/nianbao/reports"))
    values = [a.text_content() for a in facet.xpath("//div[@id='facet-agency_type']//li/a")]
    assert PLANTED_TYPE in values
    filtered = fetch(base, f"/nianbao/reports?agency_type={quote(PLANTED_TYPE)}")
    heading = lxml.html.fromstring(filtered).xpath("//h3")[0].text_content()
    assert f"agency_type = “{PLANTED_TYPE}”" in heading and "1 行" in heading
    json_rows = httpx.get(f"{base}/nianbao/reports/{report_id}.json", params={"_shape": "array"}, timeout=30).json()
    assert json_rows[0]["title"] == PLANTED_TITLE


def test_the_column_menu_script_is_chinese(site: tuple[str, int]) -> None:
    base, _ = site
    response = httpx.get(f"{base}/-/static/table.js", timeout=30)
    assert response.status_code == 200 and int(response.headers["content-length"]) == len(response.content)
    script = response.text
    for entry in interface.vocabulary()["static"]["table.js"]:
        assert entry["zh"] in script and entry["en"] not in script
    assert "function" in script and script.count("`") == (interface.DATASETTE / "static" / "table.js").read_text().count("`")
