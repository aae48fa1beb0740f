"""Adapter and detail-page readers on hand-written pages: the pager variants real portals print."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request

from crawler.adapters import detect
from crawler.adapters.trs import trs_next_page
from crawler.detail import read_detail
from crawler.middlewares.hostile import classify


def test_trs_pager_variants() -> None:
    base = "https://www.example.gov.cn/zfxxgknb/"
    assert trs_next_page('createPageHTML(50, 0, "index", "htm");', base) == base + "index_1.htm"
    assert trs_next_page("createPageHTML(50,49,'index','htm')", base + "index_49.htm") is None
    assert trs_next_page("createPageHTML(12, 10, \"index\", \"html\")", base) == base + "index_11.html"
    assert trs_next_page("{createPageHTML('page_div',22,1,'common_list','shtml',325);}", base) == base + "common_list_2.shtml"
    assert trs_next_page("createPageHTML('page_div', 5, 5, 'list', 'shtml', 89);", base) is None
    assert trs_next_page("<script>var countPage = 3</script>", base + "index_1.html") == base + "index_2.html"
    assert trs_next_page('createPageHTML(1, 0, "index","html")', base) is None


def _resp(url: str, body: str, status: int = 200) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode("utf-8"), status=status, encoding="utf-8", request=Request(url))


def test_detection_by_family() -> None:
    assert detect(_resp("http://a/gkmlpt/index", "<script>window._CONFIG = {\"SID\": \"1\"};</script>")) == "gkmlpt"
    assert detect(_resp("http://a/col/col1/index.html", "<div id='2'><script type='text/xml'><datastore>")) == "hanweb"
    assert detect(_resp("http://a/x/", '<script>createPageHTML(2, 0, "index", "html");</script>')) == "trs"
    assert detect(_resp("http://a/x/", "<a href='?page=2'>下一页</a>")) == "generic"


def test_detail_metadata_and_hidden_attachment() -> None:
    page = read_detail(
        '<html><head><meta content="某区2025年政府信息公开工作年度报告" name="ArticleTitle"></head><body>'
        '<table><tr><td>索 引 号：</td><td>000014349/2026-04314</td><td>发布日期</td><td>2026-01-20</td></tr></table>'
        '<div class="info">日期:2026-01-20 17:10 来源:区城市管理委 字号: 大 中 小</div>'
        "<div class=\"TRS_Editor\"><p>全文见附件</p></div><script>var file_appendix='<a href=\"./P020260120612395936729.pdf\">"
        "报告.pdf</a>';</script></body></html>", "https://a.gov.cn/nb/202601/t20260120_1.html")
    assert page.title == "某区2025年政府信息公开工作年度报告"
    assert page.pub_date == "2026-01-20" and page.source == "区城市管理委"
    assert page.table["index_no"] == "000014349/2026-04314"
    assert [a.url for a in page.attachments] == ["https://a.gov.cn/nb/202601/P020260120612395936729.pdf"]


def test_detail_metadata_table_cells_and_labelled_lines() -> None:
    """The 信息公开 metadata as portals print it: labels with inner spaces and either colon, values
    split by markup and comments, a label cell followed by another label, `label：value` lines whose
    own text counts (not their children's), and the first value of a label kept."""
    page = read_detail(
        "<html><body><table>"
        "<tr><th>索 引 号：</th><td><span>0001</span>/<!-- 编号 -->2026-7</td></tr>"
        "<tr><td>发布机构</td><td>文号</td><td>京东政办〔2026〕1号</td></tr>"
        "<tr><td>成文日期：</td><td> 2026 年 01 月 20 日 </td></tr>"
        "</table>"
        "<ul><li>发布机构：<b>不是这个</b>区政府办</li></ul>"
        "<p>索引号：重复的不算</p><span>发布日期: 2026-01-21</span><div>公开属性：不在 li/span/p 里</div>"
        "</body></html>", "https://a.gov.cn/nb/t1.html")
    assert page.table == {"index_no": "0001/2026-7", "doc_no": "京东政办〔2026〕1号",
                          "written_date": "2026年01月20日", "publisher": "区政府办", "pub_date": "2026-01-21"}


def test_hostile_fingerprints() -> None:
    assert classify(_resp("http://a/", "<script>$_ts=window['$_ts'];</script>", 412))[0] == "ruishu_412"
    assert classify(_resp("http://a/", "<script>document.cookie=('__jsl_clearance_s=1')</script>", 521))[0] == "jsl_521"
    assert classify(_resp("http://a/", "<p>被云堤网站安全防护拦截</p>"))[0] == "waf_block"
    assert classify(_resp("http://a/", '<script>location.href="./jbxx/";</script>')) == ("js_redirect", "./jbxx/")
    assert classify(_resp("http://a/", "<div>您访问的页面不存在</div>"))[0] == "soft_404"
    assert classify(_resp("http://a/", "<h1>2025年政府信息公开工作年度报告</h1>" + "<p>正文</p>" * 50)) == (None, None)


def test_encoding_repair_decides_undeclared_pages_without_scrapys_sniffing(monkeypatch) -> None:
    """A GBK page with no charset anywhere is read as GB18030 by our rule, and Scrapy's own
    charset sniffing (charset_normalizer, a few ms a page) is never run for it; a PDF, which Scrapy
    also makes a TextResponse, is passed on the same way without being sniffed."""
    from scrapy.http import TextResponse
    from scrapy.utils.test import get_crawler

    from crawler.middlewares.encoding import EncodingRepairMiddleware

    def no_sniffing(self):
        raise AssertionError(f"Scrapy sniffed the encoding of {self.url}")

    monkeypatch.setattr(TextResponse, "_body_inferred_encoding", no_sniffing)
    mw = EncodingRepairMiddleware.from_crawler(get_crawler())
    page = "<html><body><p>二〇二四年政府信息公开工作年度报告</p></body></html>".encode("gbk")
    req = Request("http://127.0.0.3/zfxxgk/gknb/1.html")
    out = mw.process_response(req, HtmlResponse(req.url, body=page, headers={"Content-Type": "text/html"},
                                                request=req))
    assert isinstance(out, HtmlResponse) and out.body == page and out.request is req
    assert out.encoding == "gb18030" and "年度报告" in out.text
    pdf = TextResponse("http://127.0.0.1/a.pdf", body=b"%PDF-1.7\n\xe2\xe3\xcf\xd3 binary",
                       headers={"Content-Type": "application/pdf"})
    assert mw.process_response(Request(pdf.url), pdf).body == pdf.body
