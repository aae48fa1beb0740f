"""Real crawls of the four pager families mounted under path prefixes, each on a host of its own.

Why (issue 10): tried against a portal outside the suite, a Hanweb column whose pager endpoint
lives under the site's path prefix was paged from the site root (`/module/web/jpage/dataproxy.jsp`,
a 404) and 3 of its 5 reports were archived; gkmlpt built `/gkmlpt/api/…` from the root too.
Here the demo world is served as sites mounted below a prefix — TRS at `/site/a/`, Hanweb with
its proxy at `/prefix/module/web/jpage/dataproxy.jsp`, the GBK in-house site (下一页) at
`/portal/gk/`, gkmlpt at `/sub/gkmlpt/` — on 127.0.0.21–24, and everything outside a prefix is a
404.  What was published is the truth: every pager must be walked to its end, below its prefix,
and every report read.
"""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest
from conftest import DEMO_STATUSES
from test_crawl import crawl, report_paths

from nianbao.demo import DemoServer, DemoWorld

pytestmark = pytest.mark.slow

PREFIXES = {"trs": "/site/a", "hanweb": "/prefix", "gbk": "/portal/gk", "gkmlpt": "/sub"}
HOSTS = {"trs": "127.0.0.21", "hanweb": "127.0.0.22", "gbk": "127.0.0.23", "gkmlpt": "127.0.0.24"}


@pytest.fixture(scope="module")
def mounted(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("prefixed")
    server = DemoServer(DemoWorld(), hosts=HOSTS, prefixes=PREFIXES).start()
    registry = tmp / "portals.yml"
    registry.write_text(server.registry_yaml(), encoding="utf-8")
    db = tmp / "archive.db"
    run = crawl(registry, db)
    yield {"server": server, "db": db, "run": run, "hits": list(server.hits)}
    server.stop()


def test_every_report_of_every_prefixed_family_read(mounted):
    w = mounted["server"].world
    want = sorted((HOSTS[d.site], PREFIXES[d.site] + w.report_path(d)) for d in w.reachable_docs())
    got = sorted(report_paths(mounted["db"]))
    assert len(got) == len(set(got)), "a report was stored twice"
    missing = sorted(set(want) - set(got))
    by_site = Counter(next(s for s, h in HOSTS.items() if h == host) for host, _ in missing)
    assert missing == [], f"{len(missing)} of {len(want)} reports not archived, by site {dict(by_site)}"
    assert got == want
    assert mounted["run"]["new_reports"] == len(want)
    con = sqlite3.connect(mounted["db"])
    statuses = dict(con.execute("select extraction_status, count(*) from reports group by 1").fetchall())
    assert set(statuses) <= {"ok", "image_only"}, statuses  # every report read, none left unreadable
    health = mounted["run"]["portal_health"]
    assert {h["platform"] for h in health.values()} == {"trs", "hanweb", "generic", "gkmlpt"}
    # the demo's deliberate walls cost what they cost at the root, and nothing more under a prefix
    assert {name: h["status"] for name, h in health.items()} == DEMO_STATUSES, health


def test_every_pager_walked_below_its_prefix(mounted):
    hits = mounted["hits"]
    outside = [(h.site, h.path) for h in hits
               if h.path != "/robots.txt" and not h.path.startswith(PREFIXES[h.site] + "/")]
    assert outside == [], f"{len(outside)} requests outside the prefix, by site {dict(Counter(s for s, _ in outside))}"
    # nothing was asked of the site root: no URL rebuilt from assumptions
    assert [h for h in hits if h.status == 404] == []
    paths = {(h.site, h.path) for h in hits}
    trs = PREFIXES["trs"] + "/zfxxgkzl/zfxxgknb/"
    for p in ("2025nb/dcqzfbm2025/index_1.html", "2025nb/dcqzfbm2025/index_2.html", "2025nb/dcqjd2025/index_1.html",
              "bmnb_97166/list_2.shtml", "bmnb_97166/list_3.shtml"):
        assert ("trs", trs + p) in paths  # createPageHTML's own file name and suffix, beside the page
    assert ("trs", trs + "2025nb/dcqzfbm2025/index_3.html") not in paths
    proxy = [h for h in hits if h.site == "hanweb" and "dataproxy.jsp" in h.path]
    assert proxy and all(h.path.startswith("/prefix/module/web/jpage/dataproxy.jsp?") for h in proxy)
    assert {h.method for h in proxy} == {"GET", "POST"}  # nextgroup's URL (GET), jpage's proxyUrl (POST)
    assert any("page=6" in h.path for h in proxy if h.method == "GET")
    gk = [h.path for h in hits if h.site == "gkmlpt" and "/api/" in h.path]
    assert "/sub/gkmlpt/api/all/721?page=3&sid=755041" in gk and all(p.startswith("/sub/gkmlpt/api/all/") for p in gk)
    assert ("gbk", "/portal/gk/zfxxgk/gknb/?page=3") in paths  # 下一页 resolved against the page
    # Hanweb attachments: downfile.jsp below the prefix, its 302 to /prefix/attach/… followed
    assert any(h.path.startswith("/prefix/module/download/downfile.jsp?") and h.status == 302 for h in hits)
    assert any(h.path.startswith("/prefix/attach/0/") and h.status == 200 for h in hits)
