"""The published interface in Chinese (issue 13 item 4): Datasette's own words, said once, in
`datasette/interface_zh.yml`, and put into its pages by three means — none of which sees data.

1. **Template text** (`ChineseTemplates`, a Jinja extension): when Jinja loads one of Datasette's
   own template files, each English fragment the vocabulary lists is replaced in the template's
   *source*, before it is compiled.  A cell, a title, a facet value is put in later, at render
   time, through `{{ … }}` — the translation has already happened and cannot touch it.  A template
   of the project's own (datasette/templates/) is never rewritten, even under a Datasette name.
2. **Words Datasette passes as values** (`word`, `nb_word` in templates): the filter operators'
   names, "hide"/"show", the facet types, the first crumb's "home".  The templates call it only
   on those values (the rewritten fragments say where), never on a cell.
3. **The table page's description** (`description`, `nb_description`): "where year = 2021 sorted by
   id descending" is said again in Chinese from the page's filters, search and sort; values as
   typed.  A clause the vocabulary does not know (another plugin's) keeps Datasette's English
   whole: the Chinese is only used when Datasette's own sentence, rebuilt from the same parts,
   is exactly the one Datasette made.

And `rewrite_static`: the column menu of Datasette's table.js (JavaScript-only words), rewritten
as the file is served (`static_wrapper`, an ASGI wrapper; datasette/plugins/nianbao_interface.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import datasette
import yaml
from jinja2 import Environment
from jinja2.ext import Extension

DATASETTE = Path(datasette.__file__).resolve().parent
DATASETTE_TEMPLATES = DATASETTE / "templates"


def _plugin_templates(module: str) -> Path | None:
    """A plugin package's templates/ folder (its pages extend Datasette's and show its words)."""
    from importlib.util import find_spec

    spec = find_spec(module)
    return Path(spec.origin).resolve().parent / "templates" if spec and spec.origin else None


# Whose template files the vocabulary may rewrite: Datasette's, and datasette-dashboards' pages
TEMPLATE_DIRS = tuple(d for d in (DATASETTE_TEMPLATES, _plugin_templates("datasette_dashboards")) if d is not None)
STATIC_PATH = "/-/static/"


def _vocabulary_file() -> Path:
    """interface_zh.yml beside metadata.yml, wherever the site is installed (archive/serve.py)."""
    from .serve import SITE

    return SITE / "interface_zh.yml"


@cache
def vocabulary() -> dict[str, Any]:
    return yaml.safe_load(_vocabulary_file().read_text(encoding="utf-8"))


def translate(source: str, entries: list[dict[str, str]]) -> str:
    for entry in entries:
        source = source.replace(entry["en"], entry["zh"])
    return source


def datasette_template(filename: str | None) -> str | None:
    """The name of Datasette's own template file at `filename` (`table.html`) or of a page of
    datasette-dashboards (`dashboard_view.html`), else None: the project's own are never rewritten."""
    if not filename:
        return None
    path = Path(filename).resolve()
    return path.name if path.parent in TEMPLATE_DIRS else None


def template_file(name: str) -> Path:
    """Where the installed template the vocabulary names `name` is."""
    return next((d / name for d in TEMPLATE_DIRS if (d / name).is_file()), DATASETTE_TEMPLATES / name)


class ChineseTemplates(Extension):
    """Datasette's template files, their interface words in Chinese (the vocabulary's `templates`)."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        entries = vocabulary()["templates"].get(datasette_template(filename) or "")
        return translate(source, entries) if entries else source


def word(english: Any) -> Any:
    """The Chinese of one of Datasette's interface words (the vocabulary's `words`), else the value itself."""
    return vocabulary()["words"].get(english, english) if isinstance(english, str) else english


# --- the table page's description ---------------------------------------------------------------

_BARE = {"gt", "gte", "lt", "lte", "date"}  # shown without quotes, as Datasette shows them


def _searches(request: Any) -> list[tuple[str | None, str]]:
    """The page's searches as Datasette's search filter reads them (datasette/filters.py, 0.65.5):
    `_search`, else every `_search_<column>`; (column or None, text)."""
    keys = [k for k in request.args if k.startswith("_search") and k != "_searchmode"]
    if "_search" in keys:
        return [(None, request.args["_search"])]
    return [(k.split("_search_", 1)[1], request.args[k]) for k in keys if "_search_" in k]


def _english(filters: Any, searches: list[tuple[str | None, str]], sort: str | None, sort_desc: str | None) -> str:
    extra = [f'search matches "{text}"' if column is None else f'search column "{column}" matches "{text}"'
             for column, text in searches]
    text = filters.human_description_en(extra=extra)
    if sort or sort_desc:
        text = " ".join(b for b in [text, "sorted by {}{}".format(sort or sort_desc, " descending" if sort_desc else "")] if b)
    return text


def _quoted(text: str) -> str:
    return f"“{text}”"


def _chinese(filters: Any, searches: list[tuple[str | None, str]], sort: str | None, sort_desc: str | None) -> str | None:
    words = vocabulary()["descriptions"]
    clauses = [words["search"].format(v=_quoted(text)) if column is None
               else words["search_column"].format(c=column, v=_quoted(text)) for column, text in searches]
    for column, lookup, value in filters.selections():
        known = filters._filters_by_key.get(lookup)
        if known is None:  # Datasette leaves it out of its sentence too
            continue
        template = words["lookups"].get(lookup)
        if template is None:
            return None
        bare = lookup in _BARE or (lookup in ("exact", "not") and value.isdigit())
        listed = json.dumps(known.split_value(value), ensure_ascii=False) if hasattr(known, "split_value") else ""
        clauses.append(template.format(c=column, v=value if bare else _quoted(value), list=listed))
    parts = [words["where"].format(clauses=words["join"].join(clauses))] if clauses else []
    if sort or sort_desc:
        parts.append(words["sorted_desc" if sort_desc else "sorted"].format(c=sort or sort_desc))
    return words["then"].join(parts)


def description(english: str, request: Any, filters: Any, sort: str | None = None, sort_desc: str | None = None) -> str:
    """The table page's `human_description_en` in Chinese; Datasette's English when it holds a
    clause this cannot say (rebuilt from the same parts, it would differ).  Plain text: the
    template escapes it, values and all."""
    if not english or request is None or filters is None:
        return english
    searches = _searches(request)
    for candidate in (searches, []):  # a table without full-text search ignores ?_search=
        if _english(filters, candidate, sort, sort_desc) == english:
            return _chinese(filters, candidate, sort, sort_desc) or english
    return english


def install(env: Environment) -> None:
    """Datasette's Jinja environment, made to speak Chinese (datasette/plugins/nianbao_interface.py)."""
    env.add_extension(ChineseTemplates)
    env.globals["nb_word"] = word
    env.globals["nb_description"] = description


# --- static files --------------------------------------------------------------------------------

def static_name(path: str) -> str | None:
    """The name of a Datasette static file the vocabulary rewrites (`table.js`), else None."""
    if not path.startswith(STATIC_PATH):
        return None
    name = path[len(STATIC_PATH):]
    return name if name in vocabulary()["static"] else None


def rewrite_static(name: str, body: bytes) -> bytes:
    return translate(body.decode("utf-8"), vocabulary()["static"][name]).encode("utf-8")


def static_wrapper(app: Callable) -> Callable:
    """An ASGI app whose responses for the vocabulary's static files are rewritten (GET only;
    the whole file is held, it is small, and its Content-Length set again)."""

    async def wrapped(scope, receive, send):
        name = static_name(scope.get("path", "")) if scope.get("type") == "http" else None
        if name is None or scope.get("method", "GET") != "GET":
            return await app(scope, receive, send)
        start: dict = {}
        chunks: list[bytes] = []

        async def held(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                return await send(message)
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            if start.get("status") == 200:
                body = rewrite_static(name, body)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, held)

    return wrapped
