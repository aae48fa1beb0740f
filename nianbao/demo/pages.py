"""Page chrome and the responses every demo site shares: the HTML skeleton, 404s, a JS redirect
stub, and the anti-bot and error pages of portals.md §3.

Why apart from the families: these are the same on every site (a real portal family differs in
its lists and detail pages, not in how a WAF or a soft 404 looks), so they are written once.
"""

from __future__ import annotations

import hashlib
import html

from .model import Response

PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def _meta_tags(metas: dict[str, str]) -> str:
    out = []
    for i, (k, v) in enumerate(metas.items()):  # attribute order varies across templates
        out.append(f'<meta name="{k}" content="{esc(v)}">' if i % 2 else f'<meta content="{esc(v)}" name="{k}" />')
    return "\n".join(out)


def page(title: str, body: str, metas: dict[str, str] | None = None, charset: str = "utf-8") -> str:
    """A whole HTML page around `body`, with the demo portals' header and footer."""
    return (f"<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">\n"
            f"<title>{esc(title)}</title>\n{_meta_tags(metas or {})}\n</head>\n<body>\n<div class=\"header\">"
            f"<a href=\"/\">首页</a></div>\n{body}\n<div class=\"footer\">主办：演示门户 网站标识码：1101010001</div>\n"
            "</body>\n</html>\n")


def html_response(status: int, text: str, charset: str | None = "utf-8", encoding: str = "utf-8") -> Response:
    ctype = "text/html" + (f"; charset={charset}" if charset else "")
    return status, {"Content-Type": ctype}, text.encode(encoding)


def not_found() -> Response:
    return 404, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body><h1>404 Not Found</h1></body></html>"


def robots(site: str) -> Response:
    body = "User-agent: *\n"
    if site == "trs":
        body += "Disallow: /zfxxgkzl/zfxxgknb/nbk/\n"
    body += "Disallow: /search/\n"
    return 200, {"Content-Type": "text/plain"}, body.encode()


def js_redirect_stub(target: str) -> str:
    """A column URL whose whole page is a script moving the browser on (东城, 石景山, 怀柔)."""
    return (f'<html><head><meta charset="utf-8"><script type="text/javascript">window.location.href="{target}";'
            "</script></head><body></body></html>")


def hostile_page(kind: str, path: str) -> Response:
    """The anti-bot and error responses of portals.md §3, as the crawler meets them."""
    seed = hashlib.md5(path.encode()).hexdigest()
    if kind == "ruishu_412":
        body = (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
                f'<meta id="{seed[:10]}" content="{seed * 3}" r="m"><script type="text/javascript">'
                f'$_ts=window[\'$_ts\'];if(!$_ts)$_ts={{}};$_ts.nsd=4242;$_ts.cd="{seed * 4}";</script>'
                f'<script type="text/javascript" charset="utf-8" src="/{seed[:8]}/{seed[8:16]}.js" r="m"></script>'
                "</head><body></body></html>")
        return 412, {"Content-Type": "text/html; charset=utf-8", "Set-Cookie": f"FSSBBIl1UgzbN7N80S={seed}; Path=/"}, body.encode()
    if kind == "jsl_521":
        body = ("<html><body><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')+"
                f"('a')+('n')+('c')+('e')+('_')+('s')+('=')+('{seed[:10]}')+('|0|')+';Expires=Mon, 01-Jan-2035 00:00:00 GMT;'"
                "+'Path=/;';location.href=location.pathname+location.search</script></body></html>")
        return 521, {"Content-Type": "text/html", "Set-Cookie": f"__jsluid_h={seed}; Path=/"}, body.encode()
    if kind == "waf_block":
        body = ("<html><head><meta charset=\"utf-8\"><title>安全拦截</title></head><body><div class=\"box\">"
                "<h2>您的访问请求可能对网站造成安全威胁</h2><p>由于您使用的请求方法存在潜在安全风险，被云堤网站安全防护拦截。"
                f"</p><p>事件ID：{seed}</p></div></body></html>")
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()
    if kind == "soft_404":
        body = ("<html><head><meta charset=\"gb2312\"><title>提示信息</title></head><body><div class=\"err\">"
                "对不起，您访问的页面不存在或已被删除！<a href=\"/\">返回首页</a></div></body></html>")
        return 200, {"Content-Type": "text/html"}, body.encode("gb18030")
    raise ValueError(kind)
