"""Hostile pages told by content, not status or size (issue 14, item 5): each anti-bot family, WAF,
captcha, login, soft-404 and empty page, served with status 200, larger than a stub and wrapped in
the site's chrome; a picture served where a report was linked.  And the negatives: real reports
that mention 验证码 or 登录, or are printed as pictures, are never called hostile.

The crawl-level tests (real crawls of the demo portals with the pages injected) are in
tests/test_security.py (`-k hostile`); these are the classifier on hand-written pages."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Request, Response, TextResponse

from crawler.middlewares.hostile import KINDS, classify
from nianbao.demo.pages import PNG_1PX

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64)
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(32)


def chrome(middle: str, title: str = "演示·东城区人民政府", extra_head: str = "") -> str:
    """A portal page: header with a search box and a login link, a long nav, a breadcrumb, a footer
    with the site's identity — ≈ 6 KB of furniture around `middle`."""
    nav = "".join(f'<li><a href="/col{i}/">栏目{i}：政务公开信息{i}</a></li>' for i in range(60))
    friends = "".join(f'<a href="http://www{i}.example.gov.cn/">友情链接单位{i}人民政府</a>' for i in range(30))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{extra_head}</head><body>'
            '<div class="header"><div class="logo"><img src="/images/logo.png" alt="演示·东城区人民政府"></div>'
            '<div class="search"><form action="/search/"><input name="q"><button>搜索</button></form></div>'
            '<a href="/login/">登录</a> | <a href="/reg/">注册</a></div>'
            f'<div class="nav"><ul>{nav}</ul></div>'
            '<div class="bread">当前位置：<a href="/">首页</a> &gt; 政务公开 &gt; 政府信息公开年报</div>'
            f'<div class="main">{middle}</div>'
            f'<div class="footer"><div class="links">{friends}</div><p>主办：演示·东城区人民政府办公室 '
            '承办：演示·东城区政务服务和数据管理局 网站标识码：1101010001 京ICP备05060933号 京公网安备 11010102000001号</p>'
            "<p>地址：北京市东城区钱粮胡同3号 邮编：100010 电话：010-12345678 建议使用1920×1080分辨率浏览本网站</p></div>"
            "</body></html>")


def resp(body: str | bytes, url: str = "http://a.gov.cn/zfxxgk/nb/t20260120_1.html", status: int = 200,
         kind: str = "detail", ctype: str = "text/html; charset=utf-8", file_name: str | None = None) -> Response:
    meta = {"nb_portal": "p", "nb_kind": kind}
    if file_name:
        meta["nb_page"] = {"file_name": file_name}
    req = Request(url, meta=meta)
    data = body.encode("utf-8") if isinstance(body, str) else body
    if "html" in ctype:
        return HtmlResponse(url, body=data, status=status, headers={"Content-Type": ctype}, request=req, encoding="utf-8")
    if ctype.startswith("text/"):
        return TextResponse(url, body=data, status=status, headers={"Content-Type": ctype}, request=req, encoding="utf-8")
    return Response(url, body=data, status=status, headers={"Content-Type": ctype}, request=req)


REPORT_TEXT = ("依据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《北京市政府信息公开规定》，"
               "现公布本机关2025年政府信息公开工作年度报告。本报告由总体情况、主动公开政府信息情况、"
               "收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、"
               "其他需要报告的事项六部分组成。") * 3

HOSTILE_PAGES = {
    "ruishu_412": chrome("", extra_head='<meta id="9DhefwqGPrzGxEp9hPaoag" content="a1b2c3" r="m">'
                         "<script>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=4242;$_ts.cd=\"qvcXrr\";</script>"
                         '<script type="text/javascript" charset="utf-8" src="/9DhefwqGPrzG/c.FxJzG50F.js" r="m"></script>'),
    "jsl_521": chrome("<script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')"
                      "+('a')+('n')+('c')+('e')+('_')+('s')+('=')+('1718')+';Expires=Mon, 01-Jan-2035 00:00:00 GMT;"
                      "Path=/;';location.href=location.pathname+location.search</script>"),
    "waf_block": chrome('<div class="safedog"><h2>您的请求带有不合法参数，已被网站管理员设置拦截！</h2>'
                        "<p>可能原因：您提交的内容包含危险的攻击请求</p><p>如何解决：检查提交内容；如网站托管，请联系空间提供商；"
                        "普通网站访客，请联系网站管理员</p><p>网站防火墙 服务器安全狗</p></div>"),
    "captcha": chrome('<div class="verify-box"><h3>请完成安全验证</h3><p>请拖动下方滑块完成拼图</p>'
                      '<div id="nc_1_wrapper" class="slider-track"><span class="nc_iconfont btn_slide"></span></div>'
                      '<form method="post"><img src="/servlet/captcha.jpg?r=0.13" id="captchaImg">'
                      '<input name="code" placeholder="请输入验证码"><button>提交</button></form></div>'),
    "login": chrome('<div class="login-box"><h3>统一身份认证平台</h3><form method="post" action="/cas/login">'
                    '<p>用户名：<input name="username"></p><p>密码：<input type="password" name="password"></p>'
                    "<button>登录</button><a href=\"/forget\">忘记密码</a></form></div>"),
    "soft_404": chrome('<div class="error-box"><img src="/images/404.png" class="err-pic"><h2>抱歉，您访问的页面不存在！</h2>'
                       '<p>可能原因：网址有错误；该页面已被删除或移动。</p><p><a href="/">返回首页</a></p></div>',
                       title="404 - 演示·东城区人民政府"),
    "empty_page": chrome('<div class="article"><h1></h1><div class="info">日期: 来源:</div><div class="body"></div></div>'),
}


@pytest.mark.parametrize("kind", list(HOSTILE_PAGES))
def test_hostile_page_in_chrome_with_status_200(kind: str) -> None:
    page = HOSTILE_PAGES[kind]
    assert len(page.encode()) > 6000  # far larger than a stub (NIANBAO_HOSTILE_MAX_STUB is 2048)
    assert classify(resp(page))[0] == kind
    assert kind in KINDS


def test_waf_vendors_by_name() -> None:
    for text in ("云锁正在保护您的网站安全，您的访问被阻断", "知道创宇云安全 创宇盾 提示：当前访问疑似黑客攻击，已被拦截",
                 "阿里云盾 Web 应用防火墙 很抱歉，由于您访问的URL有可能对网站造成安全威胁，您的访问被阻断"):
        assert classify(resp(chrome(f"<div class=\"block\"><p>{text}</p><p>事件ID：7f3a9c</p></div>")))[0] == "waf_block"


def test_hostile_pages_on_other_requests() -> None:
    """A WAF page or soft 404 served for an attachment link, a captcha for a list page, with status 200."""
    assert classify(resp(HOSTILE_PAGES["waf_block"], url="http://a.gov.cn/P0202601.pdf", kind="attachment"))[0] == "waf_block"
    assert classify(resp(HOSTILE_PAGES["soft_404"], url="http://a.gov.cn/P0202601.pdf", kind="attachment"))[0] == "soft_404"
    assert classify(resp(HOSTILE_PAGES["captcha"], url="http://a.gov.cn/zfxxgk/nb/", kind="column"))[0] == "captcha"


def test_an_image_where_a_report_was_linked() -> None:
    pdf_url = "http://a.gov.cn/attachment/0/1/4449007.pdf"
    assert classify(resp(PNG_1PX, url=pdf_url, kind="attachment", ctype="application/pdf"))[0] == "image_for_report"
    assert classify(resp(JPEG, url=pdf_url, kind="attachment", ctype="image/jpeg"))[0] == "image_for_report"
    # no suffix in the URL, but the link text named a .doc file
    assert classify(resp(GIF, url="http://a.gov.cn/module/download/downfile.jsp?classid=0&id=7", kind="attachment",
                         ctype="application/octet-stream", file_name="2025年年度报告.doc"))[0] == "image_for_report"
    # a list entry (a report page) answered with a picture
    assert classify(resp(PNG_1PX, ctype="image/png"))[0] == "image_for_report"


# --- negatives: real reports stay reports ---------------------------------------------------------------

def _report_table() -> str:
    rows = "".join(f"<tr><td>（{i}）</td><td>申请事项{i}</td><td>{i * 3}</td><td>0</td></tr>" for i in range(1, 8))
    return f"<table>{rows}</table>"


def test_real_reports_that_mention_login_and_captcha_are_reports() -> None:
    words = ("申请人可登录“统一身份认证平台”在线提交申请，系统已取消图形验证码，改为短信验证码，用户登录后可查询办理进度。"
             "本年度共收到申请25件，对网站防火墙进行了升级。")
    page = chrome(f'<div class="article"><h1>2025年政府信息公开工作年度报告</h1><div class="TRS_Editor">'
                  f"<p>{words}</p><p>{REPORT_TEXT}</p>{_report_table()}</div></div>")
    assert classify(resp(page)) == (None, None)
    # the same report with a login box (password field, captcha image) in its sidebar
    box = ('<div class="userbox"><h4>用户登录</h4><input name="u"><input type="password" name="p">'
           '<img src="/captcha.jpg"><input name="yzm" placeholder="验证码"></div>')
    assert classify(resp(page.replace('<div class="main">', f'<div class="main">{box}'))) == (None, None)
    # a short page whose report is an attachment, mentioning 登录
    short = chrome('<div class="article"><h1>2025年年度报告</h1><div class="TRS_Editor"><p>全文见附件（请登录后下载）。</p>'
                   '<p>附件：<a href="./P020260120612395936729.pdf">2025年年度报告.pdf</a></p></div></div>')
    assert classify(resp(short)) == (None, None)


def test_real_image_only_reports_are_reports() -> None:
    """A report printed as pictures: no text, images in the body — even with a login box beside it."""
    pictures = "".join(f'<p style="text-align:center"><img src="./W020260120{i}.png" title="年度报告"/></p>' for i in range(3))
    for container in ('<div class="TRS_Editor">{}</div>', '<div class="article-body">{}</div>'):
        page = chrome(f'<div class="article"><h1>2025年政府信息公开工作年度报告（图片版）</h1>{container.format(pictures)}</div>')
        assert classify(resp(page)) == (None, None), container
        login = page.replace('<div class="main">', '<div class="main"><div class="userbox">用户登录 <input type="password">'
                             '<img src="/code.jsp" class="checkcode"> 验证码</div>')
        assert classify(resp(login)) == (None, None), container


def test_pictures_promised_as_pictures_and_list_pages_are_not_hostile() -> None:
    assert classify(resp(PNG_1PX, url="http://a.gov.cn/nb/W020260120.png", kind="attachment", ctype="image/png")) == (None, None)
    listing = chrome('<ul class="list">' + "".join(f'<li><a href="./t{i}.html">2025年某单位{i}年度报告</a><span>2026-01-2{i % 9}'
                                                   "</span></li>" for i in range(10)) + "</ul>")
    assert classify(resp(listing.replace("</div><div class=\"nav\">", '<input type="password"> 用户登录</div><div class="nav">'),
                         url="http://a.gov.cn/zfxxgk/nb/", kind="column")) == (None, None)
    pdf = b"%PDF-1.7\n" + "验证码 登录 页面不存在".encode() + bytes(100)
    assert classify(resp(pdf, url="http://a.gov.cn/P1.pdf", kind="attachment", ctype="application/pdf")) == (None, None)
    text = "2025年年度报告\n申请人可登录平台并输入验证码。页面不存在的链接已修复。\n" * 3
    assert classify(resp(text, url="http://a.gov.cn/nb.txt", kind="attachment", ctype="text/plain; charset=utf-8")) == (None, None)


def test_every_kind_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "crawling.md").read_text(encoding="utf-8")
    table = doc.split("### Hostile pages: the classifier's kinds", 1)[1]
    for kind in KINDS:
        assert f"| `{kind}` |" in table, kind


def test_a_meta_refresh_stub_is_left_to_the_redirect_rules() -> None:
    """MetaRefreshMiddleware follows it, or the offsite rules refuse its target (a `file:` URL): not a wall."""
    stub = '<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=file:///etc/passwd"></head><body></body></html>'
    assert classify(resp(stub)) == (None, None)
