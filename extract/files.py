"""Which files are reports: the one rule `nianbao parse DIR` and `nianbao ingest DIR` walk by, and
how a file's name becomes text.

A file name is bytes.  Names that are not UTF-8 — GBK names, as Windows zip tools leave them on
a Linux disk — reach Python as str with lone surrogates (surrogateescape), which SQLite, JSON
and terminals refuse or garble.  `path_text` is the one place such a name becomes text: UTF-8 if
it is, else GB18030 (a superset of GBK and GB2312), else UTF-8 with replacement characters.  The
file itself is always opened by its real bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

REPORT_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml", ".pdf", ".docx", ".doc", ".wps", ".rtf", ".txt", ".jsp", ""}


def report_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the report files found under directories (by suffix; hidden files and
    the examples' `.expected.json` left out), in a stable order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES
                              and not p.name.startswith(".") and not p.name.endswith(".expected.json")))
        elif path.is_file():
            out.append(path)
    return out


def path_text(path: str | os.PathLike[str]) -> str:
    """`path` as text without surrogates: its bytes decoded as UTF-8, else as GB18030."""
    text = os.fspath(path)
    raw = os.fsencode(text)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")
