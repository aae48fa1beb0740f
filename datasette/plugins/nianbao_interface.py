"""Datasette plugin: the interface in Chinese (issue 13 item 4; the words: datasette/interface_zh.yml).

Loaded by `nianbao serve` with the other plugins of this folder; the work is archive/interface.py's:
`prepare_jinja2_environment` adds its Jinja extension (Datasette's own template files, their
interface words replaced in the template source as Jinja loads them, so no value — a cell, a title,
a facet — is ever touched) and the `nb_word` / `nb_description` globals; `asgi_wrapper` rewrites
the column menu's words in Datasette's table.js as it is served.
"""

from __future__ import annotations

from datasette import hookimpl

from archive import interface


@hookimpl
def prepare_jinja2_environment(env):
    interface.install(env)


@hookimpl
def asgi_wrapper(datasette):
    return interface.static_wrapper
