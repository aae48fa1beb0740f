"""Security rules, each with a test that tries to break it (docs/security.md lists rule → enforcement → test).

0. Only http and https are requested: `file://`, `ftp://`, `data:` links, redirects and meta refreshes
   are recorded (`refused_scheme`), never read.
1. The crawler never leaves a portal's registry hosts: 302s, meta refreshes and attachment links to
   another host are recorded (`crawl_urls.status = 'offsite'`), not followed — unless the entry's
   `allowed_hosts` lists that host.
2. Server-supplied file names (Content-Disposition, link text, downfile.jsp names) never become
   filesystem paths.
3. Decompression and response sizes are capped (DOWNLOAD_MAXSIZE): a gzip bomb and an oversized
   body are refused in bounded memory and reported.
4. Datasette serves read-only data, with a SQL time limit and no write plugins.
5. A report whose title, agency or body holds `<script>` or an `<img onerror>` is shown as text,
   never run, on every Datasette page (real headless Chromium).
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from bombs import run_measured
from conftest import EXIT_NOT_ALL_OK, last_run
from faults import Fault, FaultPlan, FaultyDemoServer, OffsiteServer, gunzip_size, gzip_bomb
from faulty_crawls import GKMLPT, ROOT, blob, crawl, nianbao_cmd, sound

from nianbao.demo import DemoWorld

pytestmark = pytest.mark.slow
CHROMIUM = Path(os.environ.get("NIANBAO_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[FaultyDemoServer]:
    server = FaultyDemoServer(DemoWorld(), FaultPlan()).start()
    try:
        yield server
    finally:
        server.stop()


def gkmlpt_registry(server: FaultyDemoServer, path: Path, **extra: object) -> Path:
    """The demo registry reduced to the gkmlpt portal, with extra registry keys."""
    entry = next(p for p in server.registry()["portals"] if p["name"] == GKMLPT)
    entry.update(extra)
    path.write_text(yaml.safe_dump({"portals": [entry]}, allow_unicode=True), encoding="utf-8")
    return path


# --- 1. never leave the registry's hosts -------------------------------------------------------------

def _offsite_faults(server: FaultyDemoServer, evil: str) -> list[Fault]:
    w = server.world
    docs = w.column_docs("gkmlpt", "721")[:5]  # all on the first list page
    html = [d for d in docs if d.form == "html"][0]
    pdf = [d for d in docs if d.form == "pdf"][0]
    docx = [d for d in docs if d.form == "docx"]
    return [
        # a report's attachment answers 302 to another host
        Fault("redirect", site="gkmlpt", path=re.escape(w.attachment_path(pdf)) + "$", location=f"{evil}/redirected.pdf"),
        # a detail page links an attachment on another host
        Fault("inject_link", site="gkmlpt", path=re.escape(w.detail_path(html)) + "$", location=f"{evil}/linked.pdf",
              name="附件：年度报告.pdf"),
        # a detail page is a meta-refresh stub pointing at another host
        Fault("meta_refresh", site="gkmlpt", path=re.escape(w.detail_path(docx[0])) + "$",
              location=f"{evil}/refreshed.html"),
    ]


def test_redirects_and_links_to_other_hosts_are_recorded_not_followed(faulty, tmp_path: Path) -> None:
    with OffsiteServer() as evil:
        faulty.plan.add(*_offsite_faults(faulty, evil.base_url))
        registry = gkmlpt_registry(faulty, tmp_path / "portals.yml")
        db = tmp_path / "archive.db"
        crawl(registry, db)
        assert faulty.plan.count("redirect") >= 1 and faulty.plan.count("inject_link") >= 1
        assert faulty.plan.count("meta_refresh") >= 1
        assert evil.hits == [], "the crawler asked a host outside the registry"
        sound(db)
        con = sqlite3.connect(db)
        recorded = dict(con.execute("select url, status from crawl_urls where status like 'offsite%'"))
        for path in ("/redirected.pdf", "/linked.pdf", "/refreshed.html"):
            assert recorded.get(evil.base_url + path) == "offsite", (path, recorded)
        assert con.execute("select count(*) from captures where url like ?", [evil.base_url + "%"]).fetchone()[0] == 0
        assert last_run(db)["notes"]["offsite"] >= 3  # the operator sees it in crawl_runs

        # the same crawl again: still nothing goes offsite, and the pages whose attachment was offsite
        # do not look incomplete (they would be fetched again every night)
        faulty.reset_log()
        crawl(registry, db)
        assert evil.hits == []
        w = faulty.world
        linking = {w.detail_path(d) for d in w.column_docs("gkmlpt", "721")[:5] if d.form in ("html", "pdf")}
        assert [h.path for h in faulty.hits if h.path in linking] == []


def test_a_host_the_registry_allows_is_followed(faulty, tmp_path: Path) -> None:
    with OffsiteServer() as evil:
        faulty.plan.add(*_offsite_faults(faulty, evil.base_url))
        own = faulty.base_url("gkmlpt").split("://")[1].split(":")[0]
        evil_origin = evil.base_url.split("://")[1]  # host:port: a host alone means ports 80 and 443
        registry = gkmlpt_registry(faulty, tmp_path / "portals.yml", allowed_hosts=[own, evil_origin])
        db = tmp_path / "archive.db"
        crawl(registry, db, expect=EXIT_NOT_ALL_OK)  # the allowed host answers 404: a failed entry, said so
        assert sorted(set(evil.hits) - {"/robots.txt"}) == ["/linked.pdf", "/redirected.pdf", "/refreshed.html"]


def test_only_http_and_https_are_ever_requested(faulty, tmp_path: Path) -> None:
    """A portal that links, redirects or meta-refreshes to `file://` (host name set to the portal's,
    so a host check alone lets it through) must not make the crawler read local files into the
    archive: each such URL is recorded as refused, none is read, and the crawl says so."""
    marker = "NIANBAO-LOCAL-SECRET-7f3a"
    secret_pdf = tmp_path / "planted.pdf"
    secret_pdf.write_bytes(b"%PDF-1.4\n% " + marker.encode() + b"\n%%EOF\n")
    linked_pdf = tmp_path / "linked.pdf"
    linked_pdf.write_bytes(secret_pdf.read_bytes())
    w = faulty.world
    host = faulty.base_url("gkmlpt").split("://")[1].split(":")[0]
    docs = w.column_docs("gkmlpt", "721")[:5]
    html = [d for d in docs if d.form == "html"]
    pdf = [d for d in docs if d.form == "pdf"][0]
    docx = [d for d in docs if d.form == "docx"][0]
    targets = {
        "redirect": f"file://{host}{secret_pdf}",
        "inject_link": f"file://{host}{linked_pdf}",
        "meta_refresh": f"file://{host}/etc/passwd",
    }
    faulty.plan.add(
        Fault("redirect", site="gkmlpt", path=re.escape(w.attachment_path(pdf)) + "$", location=targets["redirect"]),
        Fault("inject_link", site="gkmlpt", path=re.escape(w.detail_path(html[0])) + "$",
              location=targets["inject_link"], name="附件：2024年年度报告.pdf"),
        Fault("meta_refresh", site="gkmlpt", path=re.escape(w.detail_path(docx)) + "$", location=targets["meta_refresh"]),
    )
    registry = gkmlpt_registry(faulty, tmp_path / "portals.yml")
    db = tmp_path / "archive.db"
    crawl(registry, db)
    assert {k: faulty.plan.count(k) >= 1 for k in targets} == dict.fromkeys(targets, True)
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from captures where url not like 'http%'").fetchone()[0] == 0
    for sha, in con.execute("select sha256 from captures"):
        data = blob(con, sha)
        assert marker.encode() not in data and b"root:x:0:0" not in data, sha
    leaked = con.execute("select count(*) from reports where body like ? or body like '%root:x:0:0%'",
                         [f"%{marker}%"]).fetchone()[0]
    assert leaked == 0
    refused = dict(con.execute("select url, status from crawl_urls where url like 'file:%'"))
    assert refused == dict.fromkeys(targets.values(), "refused_scheme"), refused
    assert last_run(db)["notes"]["refused_scheme"] == 3


def test_the_registry_pins_origins_not_host_names(faulty, tmp_path: Path) -> None:
    """The portal's own host on another port is another server: links and redirects to it are not
    followed; robots.txt redirected to a foreign host is not fetched there."""
    w = faulty.world
    host = faulty.base_url("gkmlpt").split("://")[1].split(":")[0]
    docs = w.column_docs("gkmlpt", "721")[:5]
    html = [d for d in docs if d.form == "html"][0]
    pdf = [d for d in docs if d.form == "pdf"][0]
    with OffsiteServer(host=host) as same_host, OffsiteServer() as foreign:
        faulty.plan.add(
            Fault("inject_link", site="gkmlpt", path=re.escape(w.detail_path(html)) + "$",
                  location=f"{same_host.base_url}/other-port.pdf", name="附件：年度报告.pdf"),
            Fault("redirect", site="gkmlpt", path=re.escape(w.attachment_path(pdf)) + "$",
                  location=f"{same_host.base_url}/redirected.pdf"),
            Fault("redirect", site="gkmlpt", path=r"^/robots\.txt$", location=f"{foreign.base_url}/robots.txt"),
        )
        registry = gkmlpt_registry(faulty, tmp_path / "portals.yml")
        db = tmp_path / "archive.db"
        crawl(registry, db, expect=None)
        assert faulty.plan.count("redirect") >= 2 and faulty.plan.count("inject_link") >= 1
        assert same_host.hits == [], "the crawler asked the portal's host on another port"
        assert foreign.hits == [], "robots.txt was fetched from another host"
    con = sqlite3.connect(db)
    recorded = dict(con.execute("select url, status from crawl_urls where status like 'offsite%'"))
    assert recorded.get(f"{same_host.base_url}/other-port.pdf") == "offsite", recorded
    assert recorded.get(f"{same_host.base_url}/redirected.pdf") == "offsite", recorded


def test_allowed_hosts_entries_are_origins() -> None:
    from crawler.registry import RegistryError, parse_registry

    entry = {"name": "a", "region": {}, "start_urls": ["https://www.x.gov.cn/nb/"], "platform": "auto",
             "allowed_hosts": ["cdn.x.cn", "img.x.cn:8080"]}
    portal = parse_registry({"portals": [entry]})[0]
    allowed = {u: portal.allows(u) for u in (
        "https://www.x.gov.cn/a", "http://www.x.gov.cn/a", "http://www.x.gov.cn:8080/a", "http://cdn.x.cn/a.pdf",
        "https://cdn.x.cn/a.pdf", "http://cdn.x.cn:81/a.pdf", "http://img.x.cn:8080/a", "http://img.x.cn/a",
        "ftp://www.x.gov.cn/a", "http://www.x.gov.cn:notaport/a")}
    assert [u for u, ok in allowed.items() if ok] == [
        "https://www.x.gov.cn/a", "http://www.x.gov.cn/a", "http://cdn.x.cn/a.pdf", "https://cdn.x.cn/a.pdf",
        "http://img.x.cn:8080/a"]
    with pytest.raises(RegistryError, match="port must be a number"):
        parse_registry({"portals": [{**entry, "allowed_hosts": ["cdn.x.cn:eighty"]}]})


# --- 2. server-supplied names never become paths -----------------------------------------------------------

TRAVERSAL = "../../../../../../tmp/nianbao-pwned"


def test_server_file_names_never_become_paths(faulty, tmp_path: Path) -> None:
    """Content-Disposition names, link texts and titles of `../../…` form: nothing is written outside
    the archive, and the names are kept only as data."""
    for stale in Path("/tmp").glob("nianbao-pwned*"):
        stale.unlink()
    w = faulty.world
    for doc in (d for d in w.docs if d.site == "gkmlpt"):
        doc.title = f"{TRAVERSAL}-{doc.seq}/passwd年度报告"  # becomes the attachment's link text and name
    faulty.plan.add(Fault("disposition", site="gkmlpt", path=r"/attachment/", name=f"{TRAVERSAL}.pdf"),
                    Fault("disposition", site="gkmlpt", path=r"/content/", name="/etc/passwd"))
    work = tmp_path / "cwd"
    work.mkdir()
    registry = gkmlpt_registry(faulty, tmp_path / "portals.yml")
    db = tmp_path / "archive.db"
    before = {p for p in tmp_path.rglob("*")}
    crawl(registry, db, cwd=work)
    assert faulty.plan.count("disposition") >= 12
    assert list(Path("/tmp").glob("nianbao-pwned*")) == []
    assert list(work.iterdir()) == []  # nothing written where the crawler runs
    made = {p.name for p in tmp_path.rglob("*")} - {p.name for p in before}
    assert made <= {"archive.db", "archive.db-wal", "archive.db-shm", "archive.db.crawl.lock"}, made
    sound(db)
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from reports").fetchone()[0] == 12
    assert con.execute("select count(*) from reports where title like ?", [TRAVERSAL + "%"]).fetchone()[0] >= 1


def test_converter_names_its_input_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """A DOC/WPS/RTF is written to LibreOffice's work directory under a fixed name, whatever the
    server called it."""
    from extract import ExtractError, parse_bytes
    from extract.readers import convert

    seen: list[list[str]] = []

    def fake_run(cmd: list[str], timeout: float) -> tuple[int, bytes, bytes]:
        seen.append(cmd)
        return 1, b"", b"refused by the test"

    monkeypatch.setattr(convert, "converter", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(convert, "_run", fake_run)
    monkeypatch.setattr(convert._convert.retry, "sleep", lambda _s: None)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048)
    for name in (f"{TRAVERSAL}.doc", "/etc/passwd.wps", "..\\..\\x.rtf"):
        with pytest.raises(ExtractError):
            parse_bytes(ole, "http://example.gov.cn/a", name=name)
    assert seen
    for cmd in seen:
        src = Path(cmd[-1])
        assert src.name in ("report.doc", "report.rtf") and ".." not in cmd[-1], cmd
        assert src.parent.name.startswith("nianbao-lo-"), cmd


# --- 3. sizes are capped ------------------------------------------------------------------------------------

def test_gzip_bomb_and_oversized_bodies_are_refused(faulty, tmp_path: Path) -> None:
    """A 1 GiB gzip bomb (≈ 1 MiB on the wire) and an 8 MiB body against a 4 MB DOWNLOAD_MAXSIZE:
    neither is stored, the crawler's memory stays far below the bomb, the run reports both."""
    w = faulty.world
    pdfs = [d for d in w.column_docs("gkmlpt", "721") if d.form == "pdf"]
    bomb_size = 1 << 30
    faulty.plan.add(Fault("gzip_bomb", site="gkmlpt", path=re.escape(w.attachment_path(pdfs[0])) + "$", size=bomb_size),
                    Fault("oversize", site="gkmlpt", path=re.escape(w.attachment_path(pdfs[1])) + "$", size=8 << 20))
    assert gunzip_size(gzip_bomb(8 << 20)) == 8 << 20  # the bomb is what it claims (checked small)
    registry = gkmlpt_registry(faulty, tmp_path / "portals.yml")
    db = tmp_path / "archive.db"
    # measured as the grandchild of a small measurer (tests/bombs.py): Linux carries a parent's
    # high-water mark across fork and exec, and a test worker that has loaded the OCR engine
    # (1.4 GiB) would lend the crawl its peak
    status, peak = run_measured(nianbao_cmd("crawl", "--portals", str(registry), "--db", str(db), "--local",
                                            "-s", "DOWNLOAD_MAXSIZE=4000000"),
                                tmp_path / "crawl.out", tmp_path / "crawl.err", cwd=ROOT)
    err = (tmp_path / "crawl.err").read_text("utf-8", "replace")
    assert status == EXIT_NOT_ALL_OK, err[-3000:]  # refused bodies are failures, not ok
    assert faulty.plan.count("gzip_bomb") >= 1 and faulty.plan.count("oversize") >= 1
    # measured 350–530 MiB (the crawler and its readers, varying with load); inflating the bomb would
    # hold at least its whole 1 GiB at once. Scrapy inflates in 64 KiB steps and stops at the cap.
    assert peak < bomb_size, f"peak RSS {peak >> 20} MiB: the bomb was inflated"
    sound(db)
    con = sqlite3.connect(db)
    for doc in pdfs[:2]:
        url = faulty.url("gkmlpt", w.attachment_path(doc))
        assert con.execute("select count(*) from captures where url = ?", [url]).fetchone()[0] == 0
    assert con.execute("select max(size) from captures").fetchone()[0] < 4_000_000
    errors = last_run(db)["errors"]
    assert errors.get("errors/too_large", 0) >= 1, errors  # the bomb, counted for the operator
    assert errors.get("errors/DownloadCancelledError", 0) >= 1, errors  # the oversized body


def test_shipped_size_caps() -> None:
    from crawler import settings

    assert 0 < settings.DOWNLOAD_MAXSIZE <= 200 * 1024 * 1024
    assert settings.DOWNLOAD_TIMEOUT <= 120


# --- 4 and 5. Datasette -----------------------------------------------------------------------------------

PAYLOAD = "注入测试<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">"


def build_hostile_archive(root: Path) -> tuple[Path, int]:
    """Synthetic reports plus one whose title, agency, body, province and district carry markup."""
    from archive.captures import Fetch
    from archive.schema import open_db
    from archive.write import Hints, ingest_bytes
    from nianbao.synthetic import demo_reports

    db_path = root / "nianbao.db"
    db = open_db(db_path)
    for name, data in demo_reports():
        ingest_bytes(db, data, Fetch(url=f"file:///reports/{name}"), Hints(province="北京市"), name=name)
    import generate

    text = generate.render_text(generate.make_spec(4242, "2021")).decode("utf-8") + f"\n{PAYLOAD}\n"
    outcome = ingest_bytes(db, text.encode("utf-8"), Fetch(url="http://127.0.0.1/xss/report.txt"),
                           Hints(title=PAYLOAD, agency=PAYLOAD), name="report.txt")
    rid = outcome.report_id
    with db.atomic():  # what a hostile portal controls (title, agency, body), and the region labels too
        db.execute("update reports set title = ?, agency = ?, province = ?, district = ?, body = body || ? "
                   "where id = ?", [PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD, rid])
    row = db.execute("select title, agency, body like ?, duplicate_of from reports where id = ?",
                     [f"%{PAYLOAD}%", rid]).fetchone()
    assert row == (PAYLOAD, PAYLOAD, 1, None)
    assert db.execute("select rowid from report_search where report_search match '\"注 入 测 试\"'").fetchall() == [(rid,)]
    db.close()
    return db_path, rid


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    from test_serve import start_server

    root = tmp_path_factory.mktemp("security-serve")
    db_path, rid = build_hostile_archive(root)
    for base in start_server(db_path, root):
        yield base, rid


def sql(base: str, query: str, **params: str) -> httpx.Response:
    return httpx.get(f"{base}/nianbao.json", params={"sql": query, **params}, timeout=30)


def test_datasette_refuses_every_write(site: tuple[str, int]) -> None:
    base, _ = site
    before = sql(base, "select count(*) as n, sum(length(title)) as t from reports").json()["rows"]
    attempts = [
        "insert into reports (url) values ('http://evil/')",
        "update reports set title = 'defaced'",
        "delete from reports",
        "drop table reports",
        "with x as (select 1) delete from reports",
        "with x as (select 1) update reports set title = 'defaced'",
        "select 1; delete from reports",
        "attach database '/tmp/nianbao-evil.db' as evil",
        "pragma writable_schema = 1",
        "vacuum into '/tmp/nianbao-evil.db'",
        "create table evil (x)",
        "replace into reports (id, url) values (1, 'x')",
    ]
    for statement in attempts:
        res = sql(base, statement)
        assert res.status_code >= 400 or not res.json().get("ok", True), (statement, res.text[:300])
    # the write API of Datasette 1.0, JSON and form posts: none of them exist here
    for path in ("/nianbao/reports/-/insert", "/nianbao/reports/1/-/update", "/nianbao/reports/1/-/delete",
                 "/nianbao/-/create", "/nianbao/reports/-/drop", "/nianbao/-/query"):
        res = httpx.post(base + path, json={"row": {"url": "x"}, "sql": "delete from reports"}, timeout=30)
        assert res.status_code in (400, 403, 404, 405), (path, res.status_code)
    assert sql(base, "select count(*) as n, sum(length(title)) as t from reports").json()["rows"] == before
    assert not os.path.exists("/tmp/nianbao-evil.db")
    databases = httpx.get(f"{base}/-/databases.json", timeout=30).json()
    assert all(not d["is_mutable"] for d in databases)
    plugins = {p["name"] for p in httpx.get(f"{base}/-/plugins.json", timeout=30).json()}
    writers = {p for p in plugins if re.search(r"write|insert|upload|import|edit|delete|mutable|csvs|sql-", p)}
    assert writers == set(), writers
    # nianbao_search.py: our own, from datasette/plugins (SQL functions, snippet cells, a link);
    # nianbao_pages.py (report and agency pages, read-only GET routes) and nianbao_display.py (cell
    # display) likewise, nianbao_facets.py (precomputed facets, broad searches: reads only) and
    # nianbao_interface.py (the interface's words in Chinese: templates and table.js, no data),
    # nianbao_map.py (the map's province outlines, from an installed package: one GET route);
    # "nianbao": this package's own entry-point plugins (archive/datasette_limits.py: limits, no writes)
    assert plugins <= {"datasette-dashboards", "datasette-leaflet", "datasette-render-markdown",
                       "nianbao_search.py", "nianbao_pages.py", "nianbao_display.py", "nianbao_facets.py",
                       "nianbao_interface.py", "nianbao_map.py", "nianbao"}, plugins


def test_datasette_cuts_off_a_slow_query(site: tuple[str, int]) -> None:
    base, _ = site
    endless = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    for extra in ({}, {"_timelimit": "600000"}):  # asking for more time than the setting gives nothing
        t0 = time.monotonic()
        res = sql(base, endless, **extra)
        took = time.monotonic() - t0
        assert res.status_code >= 400, res.text[:300]
        assert "too long" in res.text or "interrupted" in res.text, res.text[:300]
        assert took < 10, f"the query ran {took:.1f} s (sql_time_limit_ms is 3000)"
    t0 = time.monotonic()
    assert httpx.get(f"{base}/nianbao.json?sql=select+1", timeout=30).status_code == 200
    assert time.monotonic() - t0 < 3  # the server is still answering


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (scripts/install-system.sh)")
def test_markup_in_reports_is_shown_never_run(site: tuple[str, int]) -> None:
    from urllib.parse import quote

    from playwright.sync_api import sync_playwright

    base, rid = site
    pages = [
        "/", "/nianbao", "/nianbao/reports", f"/nianbao/reports/{rid}", "/nianbao/report_summary",
        f"/-/report/{rid}", "/nianbao/agencies",
        f"/nianbao/reports?_search={quote('注入测试')}", f"/nianbao/report_summary?_search={quote('注入测试')}",
        f"/nianbao/search?q={quote('注入测试')}", f"/nianbao/search?q={quote('<script>')}",
        "/nianbao/reports?_facet=agency&_facet=province&_facet=district",
        f"/nianbao?sql={quote('select id, title, agency, body from reports order by id desc limit 5')}",
        f"/nianbao/problems?report_id={rid}", "/nianbao/tables_not_found", "/nianbao/agencies_most_requests",
        "/-/dashboards/overview", f"/-/dashboards/overview?province={quote(PAYLOAD)}",
        f"/-/dashboards/overview/report-map?province={quote(PAYLOAD)}",
        "/-/dashboards/overview?province=');window.__pwned=3;//",
    ]
    shown_as_text = {"/nianbao/reports", f"/nianbao/reports/{rid}", f"/nianbao/reports?_search={quote('注入测试')}",
                     f"/nianbao/search?q={quote('<script>')}"}  # the snippet, its match marked
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(20000)
        dialogs: list[str] = []
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            for path in pages:
                res = page.goto(base + path)
                assert res is not None and res.status == 200, (path, res and res.status)
                page.wait_for_load_state("networkidle")
                if "dashboards" in path:
                    page.wait_for_timeout(1500)  # charts and the map draw after load
                    # hover the maps' marks: their tooltips are built from rows (vega-tooltip shows text)
                    for marker in page.locator("#chart-report-map .layer_1_marks path, "
                                               "#chart-indicator-map .layer_1_marks path").all()[:20]:
                        marker.hover(force=True)
                        page.wait_for_timeout(50)
                pwned = page.evaluate("window.__pwned")
                assert pwned is None, f"{path}: injected markup ran (window.__pwned={pwned})"
                injected = page.evaluate(
                    "[...document.querySelectorAll('script')].filter(s => s.textContent.includes('__pwned=1')).length"
                    " + [...document.querySelectorAll('img[onerror]')].filter("
                    "i => i.getAttribute('onerror').includes('__pwned')).length")
                assert injected == 0, f"{path}: injected markup became elements"
                if path in shown_as_text:
                    assert "<script>window.__pwned=1</script>" in page.inner_text("body"), path
        finally:
            context.close()
            browser.close()
    assert dialogs == []
