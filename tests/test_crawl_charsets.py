"""A charset header that lies: a page labelled utf-8 whose bytes are GBK is read as GBK, and
stored as the bytes the server sent."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from faults import Fault
from faulty_crawls import complete, crawl, sound

pytestmark = pytest.mark.slow


def test_lying_charset_header_is_not_believed(faulty, tmp_path: Path) -> None:
    """Every gkmlpt detail page re-encoded as GBK while its header and its <meta> say utf-8."""
    server, registry = faulty
    server.plan.add(Fault("lying_charset", site="gkmlpt", path=r"/gkmlpt/content/.*\.html$"))
    db = tmp_path / "archive.db"
    crawl(registry, db)
    assert server.plan.count("lying_charset") >= 12
    sound(db)
    complete(db, server)  # includes: every capture is the GBK bytes that were served
    con = sqlite3.connect(db)
    w = server.world
    for doc in (d for d in w.docs if d.site == "gkmlpt"):
        url = server.url("gkmlpt", w.report_path(doc))
        title, agency, body = con.execute("select title, agency, coalesce(body, '') from reports where url = ?",
                                          [url]).fetchone()
        assert title == doc.title
        assert "\ufffd" not in title + (agency or "") + body
    pages = con.execute("select count(*) from captures where url like '%/gkmlpt/content/%' and encoding is not null "
                        "and lower(encoding) not in ('gb18030', 'gbk')").fetchone()[0]
    assert pages == 0  # the encoding recorded with each page is the one that read it
