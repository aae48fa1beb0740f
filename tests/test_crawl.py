"""Real crawls of the demo portals on localhost: Scrapy in a subprocess, the portals in this one.

The demo world is the truth: it says which reports sit where, which pages are hostile and what
robots.txt forbids, so every assertion compares the archive with what was published.  One
module-scoped world is crawled, then mutated (three reports added, one changed) between crawls,
so the tests of this module run in order.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import DEMO_EXIT, DEMO_STATUSES, last_run

from archive.regions import place_report
from crawler.registry import RegistryError, load_registry, parse_registry
from nianbao.demo import DemoServer, DemoWorld
from nianbao.demo.model import CROSS_REGION_EXAMPLE
from nianbao.demo.server import HOSTS

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def nianbao(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from nianbao.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def start_crawl(registry: Path, db: Path, *extra: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-c", "from nianbao.cli import main; main()", "crawl", "--portals", str(registry),
           "--db", str(db), "--local", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def crawl(registry: Path, db: Path, *extra: str, expect: int = DEMO_EXIT) -> dict:
    """A crawl; of the whole demo by default, which exits 4: its walls are deliberate (DEMO_STATUSES)."""
    res = nianbao("crawl", "--portals", str(registry), "--db", str(db), "--local", *extra)
    assert res.returncode == expect, res.stdout + res.stderr[-3000:]
    return {**last_run(db), "stdout": res.stdout}


def report_paths(db: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(db)
    return [(urlsplit(u).hostname, urlsplit(u).path) for (u,) in con.execute("select url from reports")]


def expected_paths(server: DemoServer) -> list[tuple[str, str]]:
    w = server.world
    return [(urlsplit(server.base_url(d.site)).hostname, w.report_path(d)) for d in w.reachable_docs()]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("crawl")
    server = DemoServer(DemoWorld()).start()
    registry = tmp / "portals.yml"
    registry.write_text(server.registry_yaml(), encoding="utf-8")
    db = tmp / "archive.db"
    first = crawl(registry, db)
    yield {"server": server, "registry": registry, "db": db, "first": first, "hits": list(server.hits)}
    server.stop()


def test_every_report_found_exactly_once(demo):
    got = report_paths(demo["db"])
    want = expected_paths(demo["server"])
    assert len(got) == len(set(got)), "a report was stored twice"
    assert sorted(got) == sorted(want)
    assert demo["first"]["new_reports"] == len(want)
    health = demo["first"]["portal_health"]
    assert {h["platform"] for h in health.values()} == {"trs", "hanweb", "generic", "gkmlpt"}
    assert {name: h["status"] for name, h in health.items()} == DEMO_STATUSES
    for h in health.values():  # every listed entry accounted for, and every non-ok status explained
        assert h["outcomes"]["unaccounted"] == 0 and (h["status"] == "ok") == (h["reasons"] == []), h
    trs = health["演示·东城区（TRS）"]
    assert trs["blocked"].get("ruishu_412") == 1 and trs["list_errors"] == 1, trs  # the walled 2019 column
    shown = [line.split()[0] for line in demo["first"]["stdout"].splitlines() if line.startswith("  ")
             and line.split()[0] in DEMO_STATUSES.values()]
    assert shown == ["incomplete", "degraded", "degraded", "ok"], demo["first"]["stdout"]  # non-ok portals first


def test_portals_platform_is_the_detected_family(demo):
    """Every demo portal is registered `auto`; the archive's `portals` row keeps what was detected."""
    registry = yaml.safe_load(demo["registry"].read_text(encoding="utf-8"))["portals"]
    assert {p["platform"] for p in registry} == {"auto"}
    con = sqlite3.connect(demo["db"])
    got = dict(con.execute("select name, platform from portals"))
    assert got == {name: h["platform"] for name, h in demo["first"]["portal_health"].items()}
    assert got["演示·江北区（大汉）"] == "hanweb" and got["演示·朝阳区（GBK 自建）"] == "generic"


def test_reports_are_filed_under_their_agency_not_the_portal(demo):
    """The demo's one deliberate cross-region report (上海市人民政府办公厅's, on 宁波市江北区's portal)
    is 上海市's, with a `region_conflict` holding both sides; every other report is by an agency of
    its portal's district and is filed there, without a region problem."""
    server, w = demo["server"], demo["server"].world
    cross = next(d for d in w.docs if d.source == ("example", CROSS_REGION_EXAMPLE))
    con = sqlite3.connect(demo["db"])
    rid, *row = con.execute("select id, agency, province, city, district, adcode from reports where url = ?",
                            [server.url(cross.site, w.report_path(cross))]).fetchone()
    assert row == ["上海市人民政府办公厅", "上海市", "上海市", None, "310000"]
    [(where, detail)] = con.execute("select \"where\", detail from problems where report_id = ? and kind = "
                                    "'region_conflict'", [rid]).fetchall()
    detail = json.loads(detail)
    assert where == "province" and detail["used"] == "agency"
    assert (detail["agency"]["province"], detail["agency"]["text"]) == ("上海市", "上海市人民政府办公厅")
    assert detail["portal"] == {"province": "浙江省", "city": "宁波市", "district": "江北区", "adcode": "330205"}
    others = con.execute("select r.url, r.agency, r.province, r.city, r.district, p.province, p.city, p.district "
                         "from reports r join portals p on p.id = r.portal_id where r.id != ?", [rid]).fetchall()
    assert len(others) == len(w.reachable_docs()) - 1
    assert [r for r in others if r[2:5] != r[5:8]] == []
    assert con.execute("select kind, count(*) from problems where kind like 'region%' and report_id != ? "
                       "group by kind", [rid]).fetchall() == []
    # 宁波's reports are named by their district alone (江北区民政局) and are 宁波市's
    assert con.execute("select count(*), group_concat(distinct city) from reports where agency like '江北区%'"
                       ).fetchone()[1] == "宁波市"


def test_every_pagination_walked_to_the_end(demo):
    paths = {(h.site, h.path) for h in demo["hits"]}
    trs = "/zfxxgkzl/zfxxgknb/"
    for p in ("2025nb/dcqzfbm2025/index_1.html", "2025nb/dcqzfbm2025/index_2.html", "2025nb/dcqjd2025/index_1.html",
              "bmnb_97166/list_2.shtml", "bmnb_97166/list_3.shtml"):
        assert ("trs", trs + p) in paths  # TRS variant A (0-based index_N) and variant B (list_N, 1-based)
    assert ("trs", trs + "2025nb/dcqzfbm2025/index_3.html") not in paths  # no page past the pager's count
    hanweb = [h for h in demo["hits"] if h.site == "hanweb" and "dataproxy.jsp" in h.path]
    assert {h.method for h in hanweb} == {"GET", "POST"}  # both dataproxy styles
    assert any("page=6" in h.path for h in hanweb if h.method == "GET")  # 16 records, 9 embedded, 3 per page
    assert ("gkmlpt", "/gkmlpt/api/all/721?page=3&sid=755041") in paths
    assert not any(h.site == "gkmlpt" and "page=0" in h.path for h in demo["hits"])  # page 0 == page 1
    assert ("gbk", "/zfxxgk/gknb/?page=3") in paths
    assert demo["first"]["portal_health"]["演示·朝阳区（GBK 自建）"]["repeated_pages"] == 1  # ?page=4 repeats page 1


def test_attachments_and_encodings_read(demo):
    con = sqlite3.connect(demo["db"])
    kinds = dict(con.execute("select kind, count(*) from reports group by kind").fetchall())
    # text: dongcheng-2020.txt, the one text example by an agency of a demo district (world.EXAMPLE_PLACES)
    assert kinds.get("pdf", 0) >= 10 and kinds.get("docx", 0) >= 5 and kinds.get("text", 0) == 1
    # attachments behind Hanweb's downfile.jsp (302) were read and extracted
    rows = con.execute("select count(*) from reports r join requests q on q.report_id = r.id "
                       "where r.url like '%/attach/0/%'").fetchone()[0]
    assert rows > 0
    images = con.execute("select count(*) from reports where extraction_status = 'image_only'").fetchone()[0]
    assert images == sum(d.form == "image" for d in demo["server"].world.reachable_docs())
    # the scan (an image-only PDF) and the page whose tables are a picture (world.OCR_PLACES): OCR'd, all
    # three tables read, the picture kept as a capture of its own
    ocr = dict(con.execute("select url, extraction_status from reports where kind = 'ocr'").fetchall())
    w = demo["server"].world
    assert ocr == {demo["server"].url(d.site, w.report_path(d)): "ok" for d in w.reachable_docs()
                   if d.form in ("scan", "picture")}
    # the workbook behind downfile.jsp and the OFD attachment (world.FILE_PLACES): each told by its
    # content, its tables read
    for form in ("xlsx", "ofd"):
        files = {demo["server"].url(d.site, w.report_path(d)) for d in w.reachable_docs() if d.form == form}
        got = con.execute("select url, extraction_status, (select count(*) from requests q where q.report_id = r.id) "
                          "from reports r where kind = ?", [form]).fetchall()
        assert {u for u, _, _ in got} == files and len(files) == 1, form
        assert all(status == "ok" and n > 50 for _, status, n in got), (form, got)
    # the picture, and the two page pictures of each image-only TRS report (fetched: a body without a
    # table; too small to be a table's picture, so not OCR'd, and those reports stay image_only)
    pictures = 1 + 2 * sum(d.form == "image" for d in w.reachable_docs())
    assert con.execute("select count(*) from captures where status = 'picture'").fetchone()[0] == pictures
    # GBK pages without a charset header, one of them declaring utf-8 in its header, read right
    w = demo["server"].world
    gbk = {w.detail_path(d): d for d in w.docs if d.site == "gbk"}
    got = {urlsplit(u).path: (t, a) for u, t, a in con.execute(
        "select url, title, agency from reports where url like 'http://127.0.0.3:%'")}
    assert set(got) == set(gbk)
    for path, doc in gbk.items():
        assert got[path][0] == doc.title
    assert demo["first"]["portal_health"]["演示·朝阳区（GBK 自建）"]["https_fallback"] >= 1
    extract_ok = con.execute("select count(*) from reports where extraction_status = 'ok'").fetchone()[0]
    assert extract_ok >= len(got)


def test_hostile_pages_classified_and_not_archived(demo):
    blocked = demo["first"]["blocked"]
    for kind in ("ruishu_412", "jsl_521", "waf_block", "soft_404", "js_redirect_followed", "repeated_page"):
        assert blocked.get(kind, 0) >= 1, kind
    con = sqlite3.connect(demo["db"])
    urls = [u for (u,) in con.execute("select url from captures")]
    for paths in demo["server"].world.hostile.values():
        for path in paths:
            assert not any(urlsplit(u).path == path for u in urls), path
    # the JS redirect stub was followed to the real column, whose reports were found
    assert any("/jbxxjgm/" in u for u in urls)


def test_robots_txt_honoured(demo):
    assert not any("/nbk/" in h.path for h in demo["hits"])
    assert demo["first"]["notes"]["robots_forbidden"] >= 1
    assert all(h.site and h.path for h in demo["hits"])
    assert sum(h.path == "/robots.txt" for h in demo["hits"]) >= 4


def test_second_crawl_downloads_no_detail_page_again(demo):
    server = demo["server"]
    server.reset_log()
    run = crawl(demo["registry"], demo["db"])
    w = server.world
    reports = {w.detail_path(d) for d in w.docs} | {w.attachment_path(d) for d in w.docs if w.attachment_path(d)}
    again = [h for h in server.hits if h.path.split("?")[0] in reports or "downfile" in h.path]
    assert again == []
    assert run["new_reports"] == 0 and run["changed_reports"] == 0
    assert run["notes"]["requests"] <= 0.25 * demo["first"]["notes"]["requests"]
    assert run["notes"]["skipped"] >= 40


def test_three_reports_added_are_exactly_three_new(demo):
    server = demo["server"]
    added = server.world.add_reports(3)
    run = crawl(demo["registry"], demo["db"])
    assert run["new_reports"] == 3 and run["changed_reports"] == 0
    got = report_paths(demo["db"])
    assert len(got) == len(set(got)) == len(expected_paths(server))
    for doc in added:
        assert server.world.report_path(doc) in {p for _, p in got}


def test_one_changed_report_becomes_a_new_version(demo):
    server = demo["server"]
    doc = server.world.change_report()
    server.reset_log()
    run = crawl(demo["registry"], demo["db"], "--full")  # the periodic full walk revalidates known pages
    assert run["changed_reports"] == 1 and run["new_reports"] == 0
    assert run["notes"]["not_modified"] > 20  # ETag / Last-Modified answered 304
    con = sqlite3.connect(demo["db"])
    url = server.url(doc.site, server.world.detail_path(doc))
    versions = con.execute("select count(*) from report_versions v join reports r on r.id = v.report_id "
                           "where r.url = ?", [url]).fetchone()[0]
    assert versions == 2
    assert len(report_paths(demo["db"])) == len(expected_paths(server))


def test_a_second_run_waits_for_the_lock(demo, tmp_path):
    with open(f"{demo['db']}.crawl.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        res = nianbao("crawl", "--portals", str(demo["registry"]), "--db", str(demo["db"]), "--local")
    assert res.returncode == 3, res.stdout + res.stderr[-2000:]
    assert "another crawl" in res.stdout


def test_kill_9_then_restart_loses_and_duplicates_nothing(tmp_path):
    with DemoServer(DemoWorld()) as server:
        registry = tmp_path / "portals.yml"
        registry.write_text(server.registry_yaml(), encoding="utf-8")
        db = tmp_path / "archive.db"
        proc = start_crawl(registry, db)
        deadline = time.time() + 60
        captured = 0
        while time.time() < deadline and proc.poll() is None:
            time.sleep(0.2)
            try:
                captured = sqlite3.connect(db).execute("select count(*) from reports").fetchone()[0]
            except sqlite3.Error:
                continue
            if captured >= 25:
                break
        assert proc.poll() is None, "the crawl ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert 0 < captured < len(expected_paths(server))
        before = set(report_paths(db))
        server.reset_log()
        run = crawl(registry, db)
        got = report_paths(db)
        assert len(got) == len(set(got))
        assert sorted(got) == sorted(expected_paths(server))
        assert run["new_reports"] == len(got) - len(before)
        refetched = [h for h in server.hits if (HOSTS[h.site], h.path.split("?")[0]) in before]
        assert refetched == []  # what the killed run captured was not fetched again


def test_portals_check(demo):
    res = nianbao("portals", "check", "--portals", str(demo["registry"]), "--local")
    assert res.returncode == 0, res.stdout + res.stderr[-2000:]
    lines = [line for line in res.stdout.splitlines() if line.startswith(("ok", "FAIL"))]
    assert len(lines) == 4 and all(line.startswith("ok") for line in lines)
    assert "platform hanweb" in res.stdout and "platform gkmlpt" in res.stdout


def test_registry_validation():
    portals = load_registry()  # the shipped registry
    # every entry says where it comes from; `verified` only when it was seen live (none of the
    # shipped entries was: the research notes fetched nothing live)
    assert len(portals) >= 10 and all(p.evidence for p in portals)
    assert all(p.verified or "not seen live" in p.evidence for p in portals)
    assert {p.platform for p in portals} >= {"trs", "hanweb", "generic"}
    with pytest.raises(RegistryError, match="start_urls"):
        parse_registry({"portals": [{"name": "x", "region": {}, "platform": "auto"}]})
    with pytest.raises(RegistryError, match="platform"):
        parse_registry({"portals": [{"name": "x", "region": {}, "start_urls": ["http://a/"], "platform": "cms"}]})


def test_crawl_runs_the_cross_report_checks(demo):
    """carry_over needs the previous year's report of the same agency, which a crawl may have just
    added, so every run ends by recomputing it."""
    con = sqlite3.connect(demo["db"])
    rows = con.execute("select count(*), sum(lhs is not null and rhs is not null) from checks "
                       "where rule = 'carry_over' and status in ('pass', 'fail')").fetchone()
    assert rows[0] > 0 and rows[0] == rows[1]


def archived_by_url(db: Path) -> dict[str, tuple]:
    """What an archive says about each report, keyed by URL (ids depend on download order)."""
    con = sqlite3.connect(db)
    urls = dict(con.execute("select id, url from reports"))
    out = {}
    for rid, url, *facts in con.execute(
            "select id, url, title, agency, year, format, kind, pub_date, extraction_status, province, city, "
            "district, body, problems, checks_failed, check_status, content_sha256, values_sha256 from reports"):
        rows = []
        for table in ("active_disclosure", "requests", "reviews", "checks", "problems"):
            cols = [c for (_, c, *_) in con.execute(f'pragma table_info("{table}")') if c != "report_id"]
            quoted = ", ".join(f'"{c}"' for c in cols)
            got = con.execute(f'select {quoted} from "{table}" where report_id = ?', [rid]).fetchall()
            if "against_report_id" in cols:  # another report, named by URL
                i = cols.index("against_report_id")
                got = [(*r[:i], urls.get(r[i]), *r[i + 1:]) for r in got]
            rows.append(sorted(got, key=repr))
        out[url] = (*facts, rows)
    return out


def test_crawl_without_extraction_stores_everything_for_reextract(tmp_path):
    """NIANBAO_EXTRACT=False stores the captures and reads nothing; `nianbao reextract --pending`
    then gives the archive a crawl with extraction gives (ids aside: they follow download order)."""
    with DemoServer(DemoWorld()) as server:
        registry = tmp_path / "portals.yml"
        registry.write_text(server.registry_yaml(), encoding="utf-8")
        crawl(registry, tmp_path / "extracted.db")
        run = crawl(registry, tmp_path / "later.db", "-s", "NIANBAO_EXTRACT=False")
    n = len(server.world.reachable_docs())
    assert run["new_reports"] == n
    con = sqlite3.connect(tmp_path / "later.db")
    assert con.execute("select extraction_status, count(*) from reports group by 1").fetchall() == [("pending", n)]
    assert con.execute("select count(*) from captures where status = 'pending'").fetchone()[0] == n
    assert con.execute("select count(*) from requests").fetchone()[0] == 0
    con.close()
    res = nianbao("reextract", "--pending", "--db", str(tmp_path / "later.db"))
    assert res.returncode == 0, res.stderr[-3000:]
    assert f"reextracted={n}" in res.stdout
    assert archived_by_url(tmp_path / "later.db") == archived_by_url(tmp_path / "extracted.db")


def test_the_portal_settles_a_shared_name_and_a_zone_is_flagged(demo):
    """Two reports published late: a 宁波 body printed by its district alone (江北区…, a name 宁波 and,
    until 2025, 重庆 share; nothing but the portal tells them apart) and a 高新区 whose name names
    no division.  Runs last: the module's other tests count what the world held before."""
    server, w = demo["server"], demo["server"].world
    short = w.publish("hanweb", "江北区港航管理局", 2025)
    zone = w.publish("gkmlpt", "坪山高新区管理委员会", 2024)
    run = crawl(demo["registry"], demo["db"])
    assert run["new_reports"] == 2
    con = sqlite3.connect(demo["db"])

    def row(doc):
        return con.execute("select id, agency, title, province, city, district, adcode from reports where url = ?",
                           [server.url(doc.site, w.report_path(doc))]).fetchone()

    rid, agency, title, *region = row(short)
    assert agency == "江北区港航管理局" and "宁波" not in title
    assert region == ["浙江省", "宁波市", "江北区", "330205"]
    assert con.execute("select count(*) from problems where report_id = ? and kind like 'region%'",
                       [rid]).fetchone() == (0,)
    unsettled = place_report(agency, title)  # without the portal the name is ambiguous
    assert unsettled.region.adcode is None and json.loads(unsettled.problems[0].detail)["reason"] == "ambiguous"

    rid, agency, _, *region = row(zone)
    assert agency == "坪山高新区管理委员会"
    assert region == ["广东省", "深圳市", "坪山区", "440310"]
    [(where, detail)] = con.execute("select \"where\", detail from problems where report_id = ? and kind = "
                                    "'region_unknown'", [rid]).fetchall()
    detail = json.loads(detail)
    assert (detail["reason"], detail["used"], detail["portal"]["district"]) == ("no_division", "portal", "坪山区")
    # later runs of an `auto` registry keep the detected families
    assert {p for (p,) in con.execute("select platform from portals")} == {"trs", "hanweb", "generic", "gkmlpt"}


def test_one_known_rule_for_one_url_and_for_all(demo):
    """`CrawlState.known(url)` and the bulk `known_all()` the distributed writer publishes agree on
    every URL of a crawled archive; and a detail page captured without its attachments recorded (a
    run killed between the two writes) is not complete, so the next run fetches it and its files."""
    from crawler.state import CrawlState, decide_known

    state = CrawlState(str(demo["db"]))
    everything = state.known_all()
    assert len(everything) > len(demo["server"].world.reachable_docs())
    assert {url: state.known(url) for url in everything} == everything
    pages = [k for k in everything.values() if k.has_attachments]
    assert pages and all(k.complete for k in pages)
    page = pages[0]
    cap = (page.sha256, page.etag, page.last_modified, False, True, False)  # a sound capture of status `page`
    assert decide_known(page.url, cap, None, lambda _child: True).complete is False
    assert decide_known(page.url, cap, (None, "captured", '["http://x/a.pdf"]'), lambda _c: True).complete is True
    assert decide_known(page.url, cap, (None, "captured", '["http://x/a.pdf"]'), lambda _c: False).complete is False
