"""Which files are reports: the one rule `nianbao parse DIR` and `nianbao ingest DIR` walk by."""

from __future__ import annotations

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
