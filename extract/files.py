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


def pictures_beside(page: Path, data: bytes, base: str) -> dict[str, bytes]:
    """The pictures a saved HTML page shows from its own folder (a browser's "save page, complete"
    puts them in `name_files/` beside it), keyed as the HTML reader looks them up: `src` resolved
    against `base`, the page's source (a path or a file:// URL).  Only relative references that
    stay inside the page's folder once links are followed (`../`, absolute paths, symlinks out and
    URLs with a scheme are not read), regular files that are pictures, at most MAX_PAGE_PICTURES of
    at most MAX_PICTURE_BYTES each — a saved page cannot make `parse` or `ingest` read, or put in
    the archive, any other file of the machine."""
    from urllib.parse import unquote, urljoin, urlsplit

    from .limits import MAX_PAGE_PICTURES, MAX_PICTURE_BYTES
    from .readers.html import picture_sources
    from .sniff import sniff

    if sniff(data, page.name) != "html":
        return {}
    folder = page.resolve().parent
    out: dict[str, bytes] = {}
    for src in picture_sources(data):
        parts = urlsplit(src)
        if parts.scheme or parts.netloc or not parts.path or parts.path.startswith(("/", "\\")):
            continue
        try:
            target = (folder / unquote(parts.path)).resolve()
            if not target.is_relative_to(folder) or not target.is_file() or target.stat().st_size > MAX_PICTURE_BYTES:
                continue
            picture = target.read_bytes()
        except (OSError, ValueError):
            continue
        if sniff(picture, target.name) == "image":
            out.setdefault(urljoin(base, src), picture)
        if len(out) >= MAX_PAGE_PICTURES:
            break
    return out
