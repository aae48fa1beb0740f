"""What a list page's own scripts say: the data source of a script-driven list, or that it names none.

Many columns render their list in the browser.  Where the page names the source — a literal URL
in a jQuery `$.ajax`/`$.get`/`$.getJSON`/`$.post`/`.load(`, `fetch(` or `axios` call, with its
`data`/`params` object — the adapter follows it (`loader_calls`); where the list is a template
(avalon `ms-repeat`/`ms-for`, Vue `v-for`/`{{ }}`, Angular `ng-repeat`, `<script type="text/html">`)
or the loader builds its URL at run time, nothing can be followed and the adapter says so in
`Listing.unfollowed` (`template_markers`).  Nothing here executes JavaScript: it reads literals,
concatenations of literals, and variables assigned a literal (`var pageNo = 1`).

`json_records` finds the records in a JSON answer (the first array of objects carrying a title),
with the totals the answer states.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from parsel import Selector

PAGE_KEY = re.compile(r"^(page|pageno|pagenum|pagenumber|pageindex|curpage|currpage|currentpage|cpage|pn|page_no|"
                      r"page_index|current)$", re.I)
SIZE_KEY = re.compile(r"^(pagesize|page_size|size|rows|limit|perpage|per_page|ps|pagecount_per)$", re.I)
_LOADER = re.compile(r"(?:\$|\bjQuery)\s*\.\s*(ajax|getJSON|get|post)\s*\(|\.\s*(load)\s*\(|\b(fetch)\s*\("
                     r"|\b(axios)(?:\s*\.\s*(get|post))?\s*\(")
_ASSET = re.compile(r"\.(js|css|png|jpe?g|gif|svg|ico|woff2?|ttf)(\?|$)", re.I)


# --- a small reader of JavaScript literals ------------------------------------------------------

def balanced(text: str, start: int) -> str | None:
    """The text inside the bracket opening at `start` (quotes and nesting respected), or None."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    if start >= len(text) or text[start] not in pairs:
        return None
    depth, quote, i = 0, None, start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
        i += 1
    return None


def split_top(text: str, sep: str = ",") -> list[str]:
    """`text` split at `sep` outside quotes and brackets."""
    out, cur, depth, quote, i = [], [], 0, None, 0
    while i < len(text):
        ch = text[i]
        if quote:
            cur.append(ch)
            if ch == "\\" and i + 1 < len(text):
                cur.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
            cur.append(ch)
        elif ch in "([{":
            depth += 1
            cur.append(ch)
        elif ch in ")]}":
            depth -= 1
            cur.append(ch)
        elif ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    if "".join(cur).strip():
        out.append("".join(cur))
    return out


@dataclass
class Value:
    """A JavaScript expression as far as it can be read without running it."""

    kind: str  # str | num | bool | obj | json | ref | concat | expr
    value: Any = None  # the literal, the object's {key: Value}, the variable's name, the concat parts

    @property
    def literal(self) -> bool:
        return self.kind in ("str", "num", "bool")


_STRING = re.compile(r"""(["'`])((?:\\.|(?!\1).)*)\1""", re.S)
_IDENT = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s)


def js_value(raw: str) -> Value:
    raw = raw.strip()
    m = _STRING.fullmatch(raw)
    if m and not (m.group(1) == "`" and "${" in m.group(2)):
        return Value("str", _unescape(m.group(2)))
    if re.fullmatch(r"-?\d+(?:\.\d+)?", raw):
        return Value("num", raw)
    if raw in ("true", "false"):
        return Value("bool", raw)
    if raw.startswith("{") and raw.endswith("}"):
        return Value("obj", js_object(raw[1:-1]))
    m = re.fullmatch(r"JSON\s*\.\s*stringify\s*\((.*)\)", raw, re.S)
    if m:
        inner = js_value(m.group(1))
        return Value("json", inner.value) if inner.kind == "obj" else Value("expr", raw)
    if _IDENT.fullmatch(raw):
        return Value("ref", raw)
    parts = split_top(raw, "+")
    if len(parts) > 1:
        return Value("concat", [js_value(p) for p in parts])
    return Value("expr", raw)


def js_object(inner: str) -> dict[str, Value]:
    """The top-level `key: value` pairs of an object literal's inside."""
    out: dict[str, Value] = {}
    for piece in split_top(inner):
        m = re.match(r"""\s*(?:["']([^"']+)["']|([A-Za-z_$][\w$]*))\s*:(.*)\Z""", piece, re.S)
        if m:
            out[m.group(1) or m.group(2)] = js_value(m.group(3))
        elif _IDENT.fullmatch(piece.strip()):  # shorthand {pageNo}
            out[piece.strip()] = Value("ref", piece.strip())
    return out


class Scope:
    """Variables the page's scripts assign a literal (`var pageNo = 1, columnId = '12';`)."""

    def __init__(self, scripts: str) -> None:
        self.vars: dict[str, Value] = {}
        for m in re.finditer(r"\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*", scripts):
            end = _statement_end(scripts, m.end())
            v = js_value(scripts[m.end():end])
            if v.literal or v.kind in ("obj", "concat"):
                self.vars.setdefault(m.group(1), v)

    def resolve(self, v: Value, depth: int = 0) -> Value:
        if v.kind == "ref" and v.value in self.vars and depth < 5:
            return self.resolve(self.vars[v.value], depth + 1)
        return v


def _statement_end(text: str, start: int) -> int:
    depth, quote, i = 0, None, start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif ch in ";\n," and depth == 0:
            return i
        i += 1
    return i


# --- loaders ------------------------------------------------------------------------------------

@dataclass
class Loader:
    """One script call that fetches something: what is known of its URL, method and parameters."""

    call: str  # "$.ajax", "$.get", ".load", "fetch", "axios" …
    template: str | None  # the URL, with "{page}" where a page variable is concatenated; None: built at run time
    method: str = "GET"
    params: dict[str, str] = field(default_factory=dict)  # literal parameters (data / params)
    json_body: bool = False  # data is JSON.stringify({...}) (sent as a JSON body)
    page_key: str | None = None  # the parameter that carries the page number
    page: int = 1  # its first value
    size: int | None = None  # records per page, when a parameter says
    reason: str = ""  # why the URL cannot be followed

    @property
    def followable(self) -> bool:
        return self.template is not None

    @property
    def paged(self) -> bool:
        return self.page_key is not None


def inline_scripts(sel: Selector) -> str:
    """The text of the page's inline scripts (not data islands or templates)."""
    return "\n".join(sel.xpath("//script[not(@src) and (not(@type) or contains(@type, 'javascript')"
                               " or @type='module')]/text()").getall())


def loader_calls(scripts: str) -> list[Loader]:
    scope = Scope(scripts)
    out: list[Loader] = []
    for m in _LOADER.finditer(scripts):
        kind = m.group(1) or m.group(2) or m.group(3) or ("axios" + (f".{m.group(5)}" if m.group(5) else ""))
        call = {"ajax": "$.ajax", "get": "$.get", "getJSON": "$.getJSON", "post": "$.post", "load": ".load",
                "fetch": "fetch"}.get(kind, kind)
        args_text = balanced(scripts, m.end() - 1)
        if args_text is None:
            continue
        args = [js_value(a) for a in split_top(args_text)]
        if not args:
            continue
        loader = _read_call(call, args, scope)
        if loader is not None:
            out.append(loader)
    return out


def _read_call(call: str, args: list[Value], scope: Scope) -> Loader | None:
    options: dict[str, Value] = {}
    url: Value | None = None
    first = scope.resolve(args[0])
    if call in ("$.ajax", "axios") and first.kind == "obj":
        options = first.value
        url = options.get("url")
    else:
        if first.kind == "expr" and first.value.startswith(("function", "(")):
            return None  # $(window).load(function …): an event, not a loader
        url = args[0]
        second = scope.resolve(args[1]) if len(args) > 1 else None
        if second is not None and second.kind == "obj":
            options = second.value if call in ("$.ajax", "fetch", "axios", "axios.get") else {"data": second}
    method = "POST" if call in ("$.post", "axios.post") else "GET"
    for key in ("type", "method"):
        v = scope.resolve(options[key]) if key in options else None
        if v is not None and v.kind == "str":
            method = v.value.upper()
    data = options.get("data") or options.get("params") or options.get("body")
    if call == "axios.post" and len(args) > 1:
        data = args[1]
    loader = Loader(call=call, template=None, method=method)
    if data is not None:
        data = scope.resolve(data)
        if data.kind in ("obj", "json"):
            loader.json_body = data.kind == "json"
            for key, raw in data.value.items():
                v = scope.resolve(raw)
                if PAGE_KEY.match(key):
                    loader.page_key = key
                    loader.page = int(v.value) if v.kind == "num" or (v.kind == "str" and v.value.isdigit()) else 1
                    continue
                if v.literal:
                    loader.params[key] = _typed(v)
                    if SIZE_KEY.match(key) and str(v.value).isdigit():
                        loader.size = int(v.value)
        elif data.kind == "str":
            for part in data.value.split("&"):
                k, _, val = part.partition("=")
                if k:
                    loader.params[k] = val
        else:
            loader.reason = "its data built at run time"
    if url is None:
        loader.reason = "no URL"
        return loader
    template = _url_template(scope.resolve(url), scope, loader)
    if template is None:
        loader.reason = loader.reason or "URL built at run time"
        return loader
    if call == ".load":
        template = template.split()[0] if template.split() else template  # `.load("url #fragment")`
    if _ASSET.search(template) or template.startswith(("javascript:", "#")) or not template:
        return None
    loader.template = template
    return loader


def _typed(v: Value) -> Any:
    """A literal as the page's script would send it in a JSON body (numbers and booleans kept)."""
    if v.kind == "num":
        return float(v.value) if "." in v.value else int(v.value)
    if v.kind == "bool":
        return v.value == "true"
    return v.value


def _url_template(v: Value, scope: Scope, loader: Loader) -> str | None:
    if v.kind == "str":
        return v.value if "${" not in v.value else None
    if v.kind != "concat":
        return None
    out = []
    for part in v.value:
        if part.kind == "ref" and PAGE_KEY.match(part.value.rsplit(".", 1)[-1]):
            resolved = scope.resolve(part)
            loader.page_key = loader.page_key or "{page}"
            if resolved.kind == "num":
                loader.page = int(resolved.value)
            out.append("{page}")
            continue
        part = scope.resolve(part)
        if not part.literal:
            return None
        out.append(str(part.value))
    return "".join(out)


# --- templates ----------------------------------------------------------------------------------

def template_markers(sel: Selector) -> list[str]:
    """Script-rendered lists the page carries, by framework: their data source is not in the markup."""
    found: list[str] = []

    def attr(prefix: str) -> bool:
        return bool(sel.xpath(f"//@*[starts-with(name(), '{prefix}')]"))

    if attr("ms-repeat"):
        found.append("avalon ms-repeat")
    if attr("ms-for") or attr(":for"):
        found.append("avalon ms-for")
    if attr("v-for"):
        found.append("vue v-for")
    if attr("ng-repeat") or attr("data-ng-repeat") or attr("*ngfor") or attr("*ngFor"):
        found.append("angular ng-repeat")
    if not found and sel.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)][contains(., '{{')]"):
        found.append("template {{ }}")
    for script in sel.xpath("//script[@type='text/html' or @type='text/template' or @type='text/x-template']"
                            "/text()").getall():
        if re.search(r"\{\{|<%|\{#|\$\{", script):
            found.append("script template")
            break
    return found


# --- JSON answers -------------------------------------------------------------------------------

TITLE_KEYS = ("title", "doctitle", "articletitle", "infotitle", "showtitle", "name", "subject", "filename", "bt")
URL_KEYS = ("url", "docpuburl", "puburl", "link", "linkurl", "href", "docurl", "articleurl", "pageurl", "detailurl",
            "infourl", "fileurl", "post_url", "path")
DATE_KEYS = ("publishdate", "pubdate", "publishtime", "pubtime", "docreltime", "releasedate", "fbrq", "fbsj",
             "created_at", "createtime", "createdate", "date", "time", "showtime")
TOTAL_KEYS = ("total", "totalcount", "recordcount", "totalrecord", "totalrecords", "totalelements", "totalnum",
              "total_count", "totalsize", "allcount")
PAGES_KEYS = ("totalpage", "totalpages", "pagecount", "pages", "total_page", "pagetotal", "totalpagenum")


@dataclass
class JsonList:
    records: list[dict[str, Any]]
    total: int | None = None
    pages: int | None = None


def parse_json(body: bytes | str) -> Any:
    """JSON, or JSONP (`callback({...})`), or None."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = text.strip().lstrip("\ufeff")
    try:
        return json.loads(text)
    except ValueError:
        m = re.fullmatch(r"[\w$.]+\s*\((.*)\)\s*;?", text, re.S)
        if m:
            try:
                return json.loads(m.group(1))
            except ValueError:
                return None
    return None


def _lower(d: dict) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in d.items()}


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None


def json_records(data: Any) -> JsonList | None:
    """The first array of objects with a title field, breadth first, and the totals stated on the
    objects on the way to it (`total`, `recordCount`, `totalPage` …)."""
    queue: list[tuple[Any, list[dict]]] = [(data, [])]
    while queue:
        node, chain = queue.pop(0)
        if isinstance(node, list):
            dicts = [x for x in node if isinstance(x, dict)]
            if dicts and sum(any(k in TITLE_KEYS for k in _lower(x)) for x in dicts) * 2 >= len(dicts):
                out = JsonList(records=dicts)
                for d in reversed(chain):  # the nearest object that states a total wins
                    low = _lower(d)
                    if out.total is None:
                        out.total = next((_int(low[k]) for k in TOTAL_KEYS if _int(low.get(k)) is not None), None)
                    if out.pages is None:
                        out.pages = next((_int(low[k]) for k in PAGES_KEYS if _int(low.get(k)) is not None), None)
                return out
            queue.extend((x, chain) for x in node if isinstance(x, (dict, list)))
        elif isinstance(node, dict):
            queue.extend((v, [*chain, node]) for v in node.values() if isinstance(v, (dict, list)))
    return None


def record_field(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    low = _lower(record)
    for k in keys:
        v = low.get(k)
        if v not in (None, ""):
            return v
    return None


def record_date(record: dict[str, Any]) -> str | None:
    v = record_field(record, DATE_KEYS)
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 10**8:
        seconds = v / 1000 if v > 10**11 else v  # epoch milliseconds or seconds, shown in China time
        return (dt.datetime.fromtimestamp(seconds, dt.UTC) + dt.timedelta(hours=8)).strftime("%Y-%m-%d")
    return str(v) if v is not None else None
