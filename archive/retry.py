"""The archive's one retrying write: every write unit — ingest, re-extraction, crawl state — goes through it.

Why: SQLite lets one writer at a time.  A reader holding the lock (Datasette, a backup, another
ingest) makes a write fail with `database is locked`; the unit of work is idempotent, so it is
retried with tenacity's exponential backoff rather than lost (a crawl once lost a state row that
way and exited 0).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def retrying_write(fn: Callable[[], Any]) -> Any:
    """Run one idempotent write unit, retrying while another connection holds the lock."""
    for attempt in Retrying(retry=retry_if_exception(_is_locked), wait=wait_exponential(multiplier=0.05, max=5),
                            stop=stop_after_attempt(12), reraise=True):
        with attempt:
            return fn()
    return None  # pragma: no cover - Retrying either returns or raises
