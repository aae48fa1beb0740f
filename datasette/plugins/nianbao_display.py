"""Datasette plugin: numbers read as the reports print them, and descriptions rendered.

Why: the archive stores cell values as REAL (a table-2 amount can be 12.5 万元), so Datasette
shows every count as 19.0 — on table pages, row pages and canned-query results alike.
`render_cell` shows an integral float as an integer (the JSON and CSV keep the stored value);
anything else is left to Datasette (returns None).  `prepare_jinja2_environment` adds the
`nb_described` filter the overridden `_description_source_license.html` uses: a plain-text
description is HTML-escaped, then its `code` spans become <code> — never markup from the data.
"""

from __future__ import annotations

import re

from datasette import hookimpl
from markupsafe import Markup, escape

DATABASE = "nianbao"
_CODE = re.compile(r"`([^`]+)`")


def integral(value: object) -> int | None:
    """The int a float stands for when it is integral (19.0 → 19), else None."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def described(text: str | None) -> Markup:
    """A plain-text description with `code` spans shown as code."""
    return Markup(_CODE.sub(r"<code>\1</code>", str(escape(text or ""))))


@hookimpl(trylast=True)
def render_cell(value, database):
    if database != DATABASE:
        return None
    number = integral(value)
    return None if number is None else Markup(str(number))


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["nb_described"] = described
