"""The summary a crawl prints (`nianbao crawl`, `nianbao demo`): its crawl_runs row in words.

Kept apart from the commands so both say the same thing, and so the wording is a function of the
row alone, testable without a terminal.
"""

from __future__ import annotations

import json
from typing import Any

from .health import severity


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The crawl_runs row, as an operator reads it in the morning: non-ok portals first, each
    with the numbers behind its status."""
    lines: list[str] = []
    echo = lines.append
    if summary.get("finish_reason") == "locked":
        echo("crawl not started: another crawl holds the archive's lock")
        return lines
    if summary.get("finish_reason") == "archive_error":
        echo(f"crawl run {summary.get('run_id') or '(not recorded)'} stopped: the archive cannot be written "
             f"({summary.get('archive_error')})")
        return lines
    if summary.get("finish_reason") == "extractor_failed":
        echo(f"crawl run {summary.get('run_id')} failed before fetching any document: the extractor cannot start "
             f"({summary.get('extractor_error')})")
        return lines
    echo(f"crawl run {summary.get('run_id')}: {summary.get('finish_reason')} in {summary.get('elapsed', '?')} s, "
         f"{summary.get('requests', 0)} requests")
    echo(f"reports: {summary.get('new_reports', 0)} new, {summary.get('changed_reports', 0)} changed, "
         f"{summary.get('unchanged_reports', 0)} unchanged, {summary.get('duplicates', 0)} duplicate; "
         f"{summary.get('skipped', 0)} known pages skipped, {summary.get('not_modified', 0)} not modified (304)")
    blocked = json.loads(summary.get("blocked") or "{}")
    echo("blocked/hostile: " + (", ".join(f"{k}={v}" for k, v in sorted(blocked.items())) or "none")
         + f"; robots.txt forbidden: {summary.get('robots_forbidden', 0)}")
    health = json.loads(summary.get("portal_health") or "{}")
    statuses = summary.get("statuses") or {}
    echo("portals: " + (", ".join(f"{n} {s}" for s, n in statuses.items()) or "none"))
    for name, h in sorted(health.items(), key=lambda kv: severity(kv[1]["status"])):  # most severe first
        flag = f" [{h['flag']}]" if h.get("flag") else ""
        fallback = f", https→http fallback: {h['https_fallback']}" if h.get("https_fallback") else ""
        cov = h.get("coverage") or {}
        advertised = ""
        if cov.get("columns_advertising"):
            advertised = (f" of {cov['advertised']} advertised" if cov["columns_advertising"] == cov["columns"] else
                          f", {cov['advertised']} advertised by {cov['columns_advertising']} of {cov['columns']} columns")
        outcomes = ", ".join(f"{k} {v}" for k, v in (h.get("outcomes") or {}).items() if v)
        echo(f"  {h['status']:<10} {name} ({h.get('platform') or '?'}): {h['list_pages']} list pages, "
             f"{h['entries']} entries{advertised} ({outcomes or 'none'}); {h['new']} new, {h['changed']} changed, "
             f"{h['unchanged']} unchanged reports{fallback}{flag}")
        for reason in h.get("reasons") or []:
            echo(f"             - {reason}")
    return lines
