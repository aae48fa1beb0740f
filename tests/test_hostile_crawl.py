"""Hostile pages, healing and noise on real crawls of the demo gkmlpt portal (issue 14, items 5–7).

Each test runs `nianbao crawl` in subprocesses against `FaultyDemoServer` (loopback), with the
faults of tests/faults.py, and checks what the archive holds after a faulty run and after
the run in which the portal has healed (`times=` faults, or `plan.clear()`).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXIT_ALL_OK, EXIT_NOT_ALL_OK, last_run
from faults import Fault, FaultyDemoServer
from faulty_crawls import GKMLPT, archived, complete, crawl, expected_reports, sound, untrue_captures

from nianbao.demo.model import Doc
from nianbao.demo.pages import PNG_1PX

pytestmark = pytest.mark.slow


def docs(server: FaultyDemoServer) -> dict[str, list[Doc]]:
    """The gkmlpt reports by form (html, pdf, docx), newest first."""
    out: dict[str, list[Doc]] = {}
    for d in server.world.column_docs("gkmlpt", "721"):
        out.setdefault(d.form, []).append(d)
    return out


def at(path: str) -> str:
    return re.escape(path) + "$"


def in_chrome(middle: str, title: str = "演示·坪山区人民政府", head: str = "") -> Callable[[bytes], bytes]:
    """A page in the portal's own template — header, an 80-item nav, breadcrumb, footer, ≈ 5 KB —
    around `middle`, whatever was asked for (a WAF or a login wall configured with the site's skin)."""
    nav = "".join(f'<li><a href="/col{i}/">政务公开栏目{i}</a></li>' for i in range(80))

    def page(_body: bytes) -> bytes:
        return (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
                f"<title>{title}</title>{head}</head><body><div class=\"header\"><a href=\"/\">首页</a> "
                '<a href="/login/">登录</a></div>'
                f'<div class="nav"><ul>{nav}</ul></div><div class="bread">当前位置：<a href="/">首页</a> &gt; 信息公开</div>'
                f'<div class="main">{middle}</div><div class="footer">主办：演示门户 网站标识码：1101010001 '
                "粤ICP备12345678号 地址：深圳市坪山区坪山大道1号 电话：0755-12345678</div></body></html>").encode()
    return page


HOSTILE_BODIES = {
    "waf_block": in_chrome('<div class="box"><h2>网站防火墙</h2><p>您的请求带有不合法参数，已被网站管理员设置拦截！</p>'
                           "<p>可能原因：您提交的内容包含危险的攻击请求</p><p>服务器安全狗</p></div>"),
    "captcha": in_chrome('<div class="verify"><h3>请完成安全验证</h3><p>请拖动下方滑块完成拼图</p>'
                         '<div class="slider-track"></div><img src="/captcha.jpg?r=1" id="captchaImg">'
                         '<input name="code" placeholder="请输入验证码"></div>'),
    "login": in_chrome('<div class="login-box"><h3>统一身份认证平台</h3><form method="post" action="/cas/login">'
                       '<input name="username"><input type="password" name="password"><button>登录</button></form></div>'),
    "soft_404": in_chrome('<div class="err"><img src="/images/404.png"><h2>抱歉，您访问的页面不存在！</h2>'
                          '<p><a href="/">返回首页</a></p></div>', title="404 页面不存在"),
    "jsl_521": in_chrome("<script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')"
                         "+('a')+('n')+('c')+('e')+('_')+('s')+('=')+('1718')+';Path=/;';"
                         "location.href=location.pathname+location.search</script>"),
    "empty_page": in_chrome('<div class="article-content"><h1></h1><div class="info"></div></div>'),
    "ruishu_412": in_chrome("", head='<meta id="9Dhefwq" content="a1b2c3" r="m"><script>$_ts=window[\'$_ts\'];'
                            'if(!$_ts)$_ts={};$_ts.nsd=4242;$_ts.cd="qvcXrr";</script>'),
}


def mention_login_and_captcha(body: bytes) -> bytes:
    """A real report that mentions 登录 and 验证码 in its text, with a login box beside it."""
    text = body.decode("utf-8")
    words = ("<p>申请人可登录“统一身份认证平台”在线提交申请，系统已取消图形验证码，改为短信验证码；用户登录后可查询办理进度。</p>")
    box = ('<div class="userbox">用户登录 <input name="u"><input type="password" name="p">'
           '<img src="/captcha.jpg" class="checkcode"> 验证码</div>')
    text = text.replace('<div class="article-content">', box + '<div class="article-content">', 1)
    return text.replace("</h1>", "</h1>" + words, 1).encode("utf-8")


def pictures_only(body: bytes) -> bytes:
    """A real report printed as pictures: its body replaced by two images of its pages (and no
    metadata table, as TRS prints them)."""
    text = re.sub(r'<table class="introduce">.*?</table>', "", body.decode("utf-8"), count=1, flags=re.S)
    pics = "".join(f'<p style="text-align:center"><img src="/images/nb/W02026012{i}.png"></p>' for i in range(2))
    return re.sub(r'(<div class="article-content"><h1>.*?</h1>).*?(</div><script>)', lambda m: m.group(1) + pics +
                  m.group(2), text, count=1, flags=re.S).encode("utf-8")


def test_hostile_pages_served_with_status_200_are_blocked_and_archived_once_healed(faulty, tmp_path: Path) -> None:
    """First run: WAF, captcha, login, soft-404, JSL, Ruishu and empty pages (status 200, site chrome,
    ≈ 5 KB) stand where six reports' pages and a DOCX were linked, a PNG where a PDF was: none is
    archived, each is counted blocked with its kind, recorded `blocked:<kind>`.  A report mentioning
    登录/验证码 beside a login box, and a report printed as pictures, are archived as reports.  Second
    run, healed: every report archived, true bytes."""
    server, registry = faulty
    w = server.world
    f = docs(server)
    html, pdf, docx = f["html"], f["pdf"], f["docx"]
    detail_faults = {  # entry detail pages
        "waf_block": html[0], "captcha": html[1], "login": pdf[0], "soft_404": docx[0], "jsl_521": pdf[1],
        "empty_page": docx[1],
    }
    for kind, doc in detail_faults.items():
        server.plan.add(Fault("mutate", site="gkmlpt", path=at(w.detail_path(doc)), mutate=HOSTILE_BODIES[kind], times=1))
    attachment_faults = {"image_for_report": pdf[2], "ruishu_412": docx[2]}
    server.plan.add(Fault("mutate", site="gkmlpt", path=at(w.attachment_path(pdf[2])), mutate=lambda _b: PNG_1PX, times=1),
                    Fault("mutate", site="gkmlpt", path=at(w.attachment_path(docx[2])), mutate=HOSTILE_BODIES["ruishu_412"],
                          times=1))
    # the negatives, for good (what the portal really publishes)
    server.plan.add(Fault("mutate", site="gkmlpt", path=at(w.detail_path(html[2])), mutate=mention_login_and_captcha),
                    Fault("mutate", site="gkmlpt", path=at(w.detail_path(html[3])), mutate=pictures_only))
    db = tmp_path / "archive.db"
    crawl(registry, db, expect=EXIT_NOT_ALL_OK)
    sound(db)
    health = last_run(db)["portal_health"][GKMLPT]
    for kind in [*detail_faults, *attachment_faults]:
        assert health["blocked"].get(kind) == 1, (kind, health["blocked"])
    assert health["outcomes"]["blocked"] == len(detail_faults), health["outcomes"]
    assert health["attachments_failed"] == len(attachment_faults)
    assert health["status"] == "degraded", health
    con = sqlite3.connect(db)
    status = dict(con.execute("select url, status from crawl_urls"))
    captured = {u for (u,) in con.execute("select url from captures")}
    for kind, doc in detail_faults.items():
        url = server.url("gkmlpt", w.detail_path(doc))
        assert status[url] == f"blocked:{kind}" and url not in captured, (kind, url)
    for kind, doc in attachment_faults.items():
        url = server.url("gkmlpt", w.attachment_path(doc))
        assert status[url] == f"blocked:{kind}" and url not in captured, (kind, url)
    got = archived(db)
    assert got[server.url("gkmlpt", w.detail_path(html[2]))] == "ok"  # mentions 登录 and 验证码: a report
    assert got[server.url("gkmlpt", w.detail_path(html[3]))] == "image_only"  # pictures of a report: a report
    hostile_urls = {server.url("gkmlpt", w.report_path(d)) for d in [*detail_faults.values(), *attachment_faults.values()]}
    assert set(got) == expected_reports(server) - hostile_urls

    crawl(registry, db, expect=EXIT_ALL_OK)
    sound(db)
    got = archived(db)
    assert set(got) == expected_reports(server)
    assert {u: s for u, s in got.items() if s != "ok"} == {server.url("gkmlpt", w.detail_path(html[3])): "image_only"}
    current = {cid for (cid,) in con.execute("select capture_id from reports")}
    assert [c for c in untrue_captures(db, server) if c[0] in current] == []
    assert last_run(db)["new_reports"] == len(hostile_urls)


# --- healing (item 6): what the first run could not get is archived when the portal heals ----------------

@pytest.mark.parametrize("times", [1, 2])
def test_304_to_a_request_without_validators_is_no_answer(times: int, faulty, tmp_path: Path) -> None:
    """A broken cache answers 304 to the first requests of a report page and of a PDF — requests that
    carried no validators, for URLs the archive has never captured.  That is not `not_modified`: the
    crawler asks once more without validators (times=1: archived in the same run); when the 304 comes
    back (times=2) the entry is `failed:http_304_uncached`, the portal degraded, and the next run,
    healed, archives both."""
    server, registry = faulty
    w = server.world
    f = docs(server)
    page, pdf = f["html"][0], f["pdf"][0]
    server.plan.add(Fault("not_modified", site="gkmlpt", path=at(w.detail_path(page)), times=times),
                    Fault("not_modified", site="gkmlpt", path=at(w.attachment_path(pdf)), times=times))
    db = tmp_path / "archive.db"
    urls = {server.url("gkmlpt", w.report_path(d)) for d in (page, pdf)}
    if times == 1:
        crawl(registry, db, expect=EXIT_ALL_OK)
        assert server.plan.count("not_modified") == 2
        sound(db)
        complete(db, server)
        return
    crawl(registry, db, expect=EXIT_NOT_ALL_OK)
    assert server.plan.count("not_modified") == 4
    sound(db)
    health = last_run(db)["portal_health"][GKMLPT]
    assert health["outcomes"]["not_modified"] == 0 and health["not_modified"] == 0, health
    assert health["outcomes"]["failed"] == 1 and health["attachments_failed"] == 1, health
    assert health["status"] == "degraded"
    con = sqlite3.connect(db)
    status = dict(con.execute("select url, status from crawl_urls"))
    assert {status[u] for u in urls} == {"failed:http_304_uncached"}
    assert urls.isdisjoint(archived(db))
    crawl(registry, db, expect=EXIT_ALL_OK)
    sound(db)
    complete(db, server)
    assert last_run(db)["new_reports"] == 2


def test_validators_carried_by_a_redirect_to_a_url_never_captured(faulty, tmp_path: Path) -> None:
    """A known report page moves: on the full walk its old URL answers 302 to a new one, and Scrapy's
    redirect carries the old page's If-Modified-Since along.  The new URL answers 304 (its file is as
    old as the validator says) — but the archive has no capture of it.  The crawler must fetch it
    without validators and archive it, not record `not_modified`."""
    server, registry = faulty
    w = server.world
    page = docs(server)["html"][0]
    old = w.detail_path(page)
    db = tmp_path / "archive.db"
    crawl(registry, db)
    moved = server.url("gkmlpt", old) + "?moved=1"  # the demo serves the same page there
    server.plan.add(Fault("redirect", site="gkmlpt", path=at(old), location=moved))
    crawl(registry, db, "--full", expect=None)
    sound(db)
    con = sqlite3.connect(db)
    assert any(h.path == old + "?moved=1" and h.conditional and h.status == 304 for h in server.hits) or \
        any(h.path == old + "?moved=1" and h.status == 200 for h in server.hits)
    row = con.execute("select count(*) from captures where url = ?", [moved]).fetchone()
    assert row[0] == 1, dict(con.execute("select url, status from crawl_urls where url like '%moved%'"))
    assert con.execute("select status from crawl_urls where url = ?", [moved]).fetchone()[0] == "captured"


def test_a_pdf_received_truncated_is_archived_when_the_portal_heals(faulty, tmp_path: Path) -> None:
    """A PDF cut short by a Content-Length half its size (the client cannot tell): the first run keeps
    half a file, flagged; the next run, healed, archives the whole file as a new version."""
    server, registry = faulty
    w = server.world
    pdf = docs(server)["pdf"][0]
    url = server.url("gkmlpt", w.attachment_path(pdf))
    server.plan.add(Fault("length_under", site="gkmlpt", path=at(w.attachment_path(pdf))))
    db = tmp_path / "archive.db"
    crawl(registry, db, expect=EXIT_NOT_ALL_OK)
    assert archived(db)[url] == "error"
    server.plan.clear()
    crawl(registry, db)
    sound(db)
    complete(db, server)


def test_a_pdf_received_truncated_twice_is_archived_on_the_full_walk(faulty, tmp_path: Path) -> None:
    """The same cut twice: the second copy is `unchanged` (the nightly retries of a file that really is
    like that end there), but the cut capture's validators are the whole file's — a conditional
    request on the weekly full walk would be told 304 and the report never archived whole.  Validators
    of a suspect capture are never sent: the full walk, healed, archives the whole PDF."""
    server, registry = faulty
    w = server.world
    pdf = docs(server)["pdf"][0]
    url = server.url("gkmlpt", w.attachment_path(pdf))
    server.plan.add(Fault("length_under", site="gkmlpt", path=at(w.attachment_path(pdf))))
    db = tmp_path / "archive.db"
    crawl(registry, db, expect=EXIT_NOT_ALL_OK)
    crawl(registry, db, expect=None)
    con = sqlite3.connect(db)
    assert [s for (s,) in con.execute("select status from captures where url = ? order by id", [url])] == \
        ["extract_error", "unchanged"]
    server.plan.clear()
    server.reset_log()
    crawl(registry, db, "--full")
    sound(db)
    complete(db, server)
    assert not any(h.conditional for h in server.hits if h.path == w.attachment_path(pdf))


# --- versions from noise (item 6): a visit counter, a clock or a token is not a new version --------------

def furniture() -> Callable[[bytes], bytes]:
    """What changes on every request of a real portal page and is not the report: a visit counter,
    a clock and today's date, a CSRF meta, a hidden token, a cache-busting script and counter image,
    a render-time comment — each different in every response."""
    calls = iter(range(1000, 100000))

    def mutate(body: bytes) -> bytes:
        i = next(calls)
        text = body.decode("utf-8")
        text = text.replace("</title>", f'</title><meta name="csrf-token" content="c{i * 7919}">', 1)
        text = text.replace('<div class="header">', f'<div class="header"><span id="clock">今天是2026年1月{i % 28 + 1}日 '
                            f'星期{"一二三四五六日"[i % 7]} {i % 24:02d}:{i % 60:02d}:{i * 7 % 60:02d}</span>'
                            f'<input type="hidden" name="__RequestVerificationToken" value="t{i * 104729}">', 1)
        text = text.replace("</h1>", f'</h1><div class="read">浏览次数：{i} 阅读量：[{i * 3}]'
                            f'<img src="/count.gif?id=1&t={i}"></div>', 1)
        return text.replace("</body>", f'<script src="/js/app.js?v={i}"></script><!-- {i / 997:.4f}s --></body>').encode()
    return mutate


def test_visit_counters_clocks_and_tokens_make_no_new_version(faulty, tmp_path: Path) -> None:
    """Every gkmlpt page carries a counter, a clock and tokens that change on every request.  A full
    walk of an unchanged portal stores each page's new bytes but creates no version; a real edit of
    one report, under the same noise, is one new version."""
    server, registry = faulty
    w = server.world
    server.plan.add(Fault("mutate", site="gkmlpt", path=r"/gkmlpt/content/.*\.html$", mutate=furniture()))
    db = tmp_path / "archive.db"
    crawl(registry, db)
    assert last_run(db)["new_reports"] == 12
    html = [server.url("gkmlpt", w.detail_path(d)) for d in docs(server)["html"]]
    server.plan.epoch += 1  # the pages' Last-Modified moves on, as a server that dates its output would
    crawl(registry, db, "--full")
    sound(db)
    run = last_run(db)
    assert (run["new_reports"], run["changed_reports"]) == (0, 0), run
    con = sqlite3.connect(db)
    for url in html:
        caps = con.execute("select sha256, status, hints from captures where url = ? order by id", [url]).fetchall()
        assert len(caps) == 2 and caps[0][0] != caps[1][0], caps  # both exact copies kept
        assert caps[1][1] == "unchanged" and '"same_content_as"' in caps[1][2]
        assert con.execute("select count(*) from report_versions v join reports r on r.id = v.report_id "
                           "where r.url = ?", [url]).fetchone()[0] == 1
    edited = w.change_report(docs(server)["html"][0].key)
    server.plan.epoch += 1
    crawl(registry, db, "--full")
    sound(db)
    run = last_run(db)
    assert (run["new_reports"], run["changed_reports"]) == (0, 1), run
    url = server.url("gkmlpt", w.detail_path(edited))
    assert con.execute("select max(v.version) from report_versions v join reports r on r.id = v.report_id "
                       "where r.url = ?", [url]).fetchone()[0] == 2
    assert set(archived(db).values()) == {"ok"}


# --- charsets that lie (item 7) ---------------------------------------------------------------------------

MISLABELS = [("cp1251", "gbk"), ("koi8-r", "utf-8"), ("gb2312", "utf-8"), ("iso-8859-5", "gb18030")]


def test_charsets_that_lie_and_still_decode(faulty, tmp_path: Path) -> None:
    """Detail pages re-encoded and mislabelled in header and <meta>: GBK declared cp1251, UTF-8 declared
    KOI8-R and GB2312, GB18030 declared ISO-8859-5 — every one decodes without an error in the charset
    it declares, as mojibake.  Each must read in the charset it is really in: titles, agencies and
    bodies right, the capture's `encoding` the one used, a `charset_overridden` problem naming both."""
    server, registry = faulty
    w = server.world
    pages = list(server.world.column_docs("gkmlpt", "721"))
    lies: dict[str, tuple[str, str]] = {}
    for i, doc in enumerate(pages):
        charset, encoding = MISLABELS[i % len(MISLABELS)]
        server.plan.add(Fault("mislabel_charset", site="gkmlpt", path=at(w.detail_path(doc)), charset=charset,
                              encoding=encoding))
        lies[server.url("gkmlpt", w.detail_path(doc))] = (charset, encoding)
    db = tmp_path / "archive.db"
    crawl(registry, db)
    assert server.plan.count("mislabel_charset") == len(pages)
    sound(db)
    complete(db, server)  # every capture is the mislabelled bytes that were served
    con = sqlite3.connect(db)
    used = {"gbk": "gb18030", "gb18030": "gb18030", "utf-8": "utf-8"}
    for doc in pages:
        page = server.url("gkmlpt", w.detail_path(doc))
        charset, encoding = lies[page]
        assert con.execute("select encoding from captures where url = ?", [page]).fetchone()[0] == used[encoding], page
        report = server.url("gkmlpt", w.report_path(doc))
        title, agency, body = con.execute("select title, agency, coalesce(body, '') from reports where url = ?",
                                          [report]).fetchone()
        assert title == doc.title, (charset, encoding, title)
        assert "\ufffd" not in title + (agency or "") + body
        if report == page:  # the page is the report: the problem is on it
            problems = con.execute("select detail from problems p join reports r on r.id = p.report_id "
                                   "where r.url = ? and p.kind = 'charset_overridden'", [page]).fetchall()
            assert problems == [(f"declared {charset}, used {used[encoding]}",)], (page, problems)
