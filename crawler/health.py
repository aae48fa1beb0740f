"""What a crawl says about each portal: the health statuses, the fate of every listed entry, exit codes.

Declared once here; the run recorder (`extensions/runs.py`) computes them, `nianbao crawl` prints
them and exits by them, and docs/crawling.md and docs/scheduling.md describe them (a test checks
that every status, outcome and exit code is documented).

Why so much care: a researcher pooling rates over a region cannot tell a badly published region
from a badly crawled one unless the crawl says, per portal, what it expected and what it got.  A
status other than `ok` always comes with the numbers behind it, and only `ok`, `degraded` and
`empty` record a complete walk — an `incomplete` portal is walked to the end again next night.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest

# Health statuses, most severe first (the run summary prints portals in this order).
STATUSES: dict[str, str] = {
    "error": "no list page could be read (network or HTTP errors): nothing is known about the column",
    "blocked": "no list page could be read, and the portal answered with challenge, WAF or captcha pages",
    "incomplete": "the walk did not cover the column: a list or pager page failed or was blocked, fewer entries "
                  "were listed than the column advertises, a script-driven list could not be followed, the "
                  "page or depth cap was reached, or the run was stopped before the end; not recorded as a "
                  "complete walk, so the next run walks the column to its end again",
    "empty": "list pages were read but listed no report (a new column, a redesign, or a wall: see `flag`)",
    "degraded": "the column was walked to its end, but some listed entries were not archived: their pages or "
                "attachments failed, were blocked, were forbidden by robots.txt, or could not be read (or a "
                "sub-column is forbidden by robots.txt); those URLs are asked again next run",
    "ok": "the column was walked to its end (or, on an incremental night, to where known entries begin) and "
          "every listed entry was archived, unchanged, skipped as known, or not modified",
}
COMPLETE_WALK = ("ok", "degraded", "empty")  # statuses after which the next run may stop at known entries

# What became of each entry a list showed (counted per portal as `entry/<outcome>`):
# entries = fetched + skipped + not_modified + duplicate + blocked + forbidden + offsite + refused + failed
#           + unrequested
OUTCOMES: dict[str, str] = {
    "fetched": "its page or file was downloaded and stored (its reports are counted as new, changed, "
               "unchanged or duplicate)",
    "skipped": "known from an earlier run with the same list title and date: not requested (incremental)",
    "not_modified": "asked with validators and answered 304",
    "duplicate": "listed again (another page or sub-column of the same portal showed the same URL)",
    "blocked": "answered with a challenge, WAF, captcha, login or soft-404 page",
    "forbidden": "forbidden by the portal's robots.txt",
    "offsite": "on a host the registry entry does not allow",
    "refused": "not an http(s) URL (file:, ftp:, data: …)",
    "failed": "the download failed (HTTP error, timeout, connection, too large)",
    "unrequested": "not requested: the portal's request budget for the run was used up",
}
NOT_ARCHIVED = ("blocked", "forbidden", "failed")  # outcomes that make a portal `degraded`

# `nianbao crawl` exit codes, for cron and systemd (docs/scheduling.md).
EXIT_CODES: dict[int, str] = {
    0: "the run finished and every portal is ok",
    1: "the run failed: it did not finish (the extractor could not start, the archive cannot be written — "
       "a full disk —, a crash) or no portal could be read",
    2: "usage error: a bad option or registry file",
    3: "not started: another crawl holds the archive's lock",
    4: "the run finished but at least one portal is not ok (incomplete, degraded, empty, blocked or error)",
}


def column_key(field: str, column: str) -> str:
    """The stats key of one column's coverage figure (`nianbao/column/<field>`, a tab, the column's URL).

    Stats, not spider attributes: distributed workers hand their stats to the writer, which
    merges them (numbers add up; strings keep the first value, and every worker reads the same
    advertised figure from the same page)."""
    return f"nianbao/column/{field}\t{column}"


class Refused(IgnoreRequest):
    """A request a component decided not to send or not to keep, with the entry outcome it means."""

    def __init__(self, outcome: str, message: str) -> None:
        assert outcome in OUTCOMES, outcome
        super().__init__(message)
        self.outcome = outcome


def network_cause(exc: BaseException) -> str:
    """A download failure in the words an operator checks first: DNS, refused, TLS, timeout."""
    from twisted.internet import error as tx

    name = type(exc).__name__
    text = str(exc)
    if isinstance(exc, tx.DNSLookupError) or "ResolveHost" in name or "DNS lookup failed" in text:
        return "DNS: the host name does not resolve"
    if isinstance(exc, tx.ConnectionRefusedError) or "ConnectionRefused" in name:
        return "connection refused"
    if isinstance(exc, (tx.TimeoutError, tx.TCPTimedOutError)) or "timeout" in name.lower() or "took longer" in text:
        return "timeout"
    if "SSL" in text or "TLS" in text or "certificate" in text.lower() or "handshake" in text.lower():
        return "TLS: the handshake failed"
    if isinstance(exc, (tx.ConnectionLost, tx.ConnectionDone)) or "ResponseNeverReceived" in name:
        return "connection closed before an answer"
    return f"{name}: {text}".splitlines()[0][:200]


def classify_status(h: dict[str, Any]) -> tuple[str, list[str]]:
    """A portal's status from its health numbers, and the reasons for anything but `ok`."""
    reasons: list[str] = []
    if h["list_pages"] == 0:
        return ("blocked" if h["blocked"] else "error"), ["no list page read"]
    if h["list_errors"]:
        reasons.append(f"{h['list_errors']} list/pager pages failed or were blocked")
    for col in h["coverage"]["short"]:
        reasons.append(f"{col['url']}: {col['listed']} of {col['advertised']} advertised entries listed")
    for col in h["coverage"]["unfollowed"]:
        reasons.append(f"{col['url']}: script-driven list not followed ({', '.join(col['markers'])})")
    if h["page_cap_reached"]:
        reasons.append(f"page cap reached on {h['page_cap_reached']} columns")
    if h["columns_too_deep"]:
        reasons.append(f"{h['columns_too_deep']} sub-columns below the depth limit not walked")
    if h.get("stopped"):
        reasons.append(f"run stopped before the end ({h['stopped']})")
    if h["budget_exhausted"]:
        reasons.append(f"request budget used up: {h['budget_exhausted']} requests not sent")
    if h["entries_capped"]:
        reasons.append(f"{h['entries_capped']} entries beyond the per-page cap not requested")
    if h["attachments_capped"]:
        reasons.append(f"{h['attachments_capped']} attachment links beyond the per-page cap not followed")
    if h["columns_capped"]:
        reasons.append(f"{h['columns_capped']} sub-columns beyond the per-portal cap not walked")
    if h["list_pages_cut"]:
        reasons.append(f"{h['list_pages_cut']} list pages over the parse size cap read only in part")

    if reasons:
        return "incomplete", reasons
    if h["entries"] == 0:
        return "empty", ["no report listed"]
    lost = {k: h["outcomes"].get(k, 0) for k in NOT_ARCHIVED if h["outcomes"].get(k)}
    if h["attachments_failed"]:
        lost["attachments failed"] = h["attachments_failed"]
    if h["extract_errors"]:
        lost["unreadable"] = h["extract_errors"]
    if h["columns_forbidden"]:
        lost["sub-columns forbidden by robots.txt"] = h["columns_forbidden"]
    if h["detail_pages_unparsed"]:
        lost["detail pages over the parse size cap, links not followed"] = h["detail_pages_unparsed"]
    if lost:
        return "degraded", [", ".join(f"{k} {v}" for k, v in lost.items())]
    return "ok", []


def exit_code(summary: dict[str, Any], health: dict[str, Any]) -> int:
    """The `nianbao crawl` exit status for a finished summary (EXIT_CODES)."""
    reason = summary.get("finish_reason")
    if reason == "locked":
        return 3
    if reason != "finished" or not health or all(h["status"] in ("error", "blocked") for h in health.values()):
        return 1
    return 0 if all(h["status"] == "ok" for h in health.values()) else 4


def severity(status: str) -> int:
    return list(STATUSES).index(status) if status in STATUSES else -1
