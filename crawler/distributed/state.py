"""The archive's incremental state, published to Redis by the writer and read there by workers.

Why a mirror rather than workers reading the SQLite file: workers on other machines have no
file to read, and a mirror taken at the start of a run is exactly what the single-machine crawl
uses too (what earlier runs captured; within a run the shared duplicate filter stops re-fetches).
It costs Redis memory per known URL — measured in BENCHMARKS.md — and one HGET per lookup.
"""

from __future__ import annotations

import json
from typing import Any

from ..registry import Portal
from ..state import CrawlState, Known
from . import Keys
from .codec import remember_message

BATCH = 2000


def known_rows(state: CrawlState) -> dict[str, dict[str, Any]]:
    """`CrawlState.known(url)` for every URL the archive knows (`CrawlState.known_all`: the same
    rule, computed in bulk), as the rows the workers' `RedisState.known` reads back."""
    return {url: {k: v for k, v in vars(known).items() if k != "url"} for url, known in state.known_all().items()}


def publish_state(state: CrawlState, r: Any, keys: Keys, portals: list[Portal]) -> int:
    """Write the known-URL mirror and the per-portal walk decisions; return the URLs published."""
    rows = known_rows(state)
    r.delete(keys.known, keys.portals)
    pipe = r.pipeline(transaction=False)
    for i, (url, row) in enumerate(rows.items(), 1):
        pipe.hset(keys.known, url, json.dumps(row, separators=(",", ":")))
        if i % BATCH == 0:
            pipe.execute()
    pipe.execute()
    for p in portals:
        r.hset(keys.portals, p.name, json.dumps({"full": state.is_full_walk(p.name),
                                                 "stop": state.may_stop_at_known(p.name),
                                                 "portal_id": state.portal_ids.get(p.name)}))
    return len(rows)


class RedisState:
    """What a worker's middlewares see instead of `CrawlState`: the same questions, answered from
    the writer's mirror; `remember` travels to the writer on the item list."""

    def __init__(self, r: Any, keys: Keys, run_id: int | None) -> None:
        self.r = r
        self.keys = keys
        self.run_id = run_id
        self.portal_ids: dict[str, int] = {}
        self._portals: dict[str, dict[str, Any]] = {}

    def _portal(self, name: str) -> dict[str, Any]:
        if name not in self._portals:
            raw = self.r.hget(self.keys.portals, name)
            self._portals[name] = json.loads(raw) if raw else {"full": True, "stop": False}
        return self._portals[name]

    def known(self, url: str) -> Known | None:
        raw = self.r.hget(self.keys.known, url)
        return Known(url, **json.loads(raw)) if raw else None

    def is_full_walk(self, portal: str) -> bool:
        return bool(self._portal(portal)["full"])

    def may_stop_at_known(self, portal: str) -> bool:
        return bool(self._portal(portal)["stop"])

    def remember(self, url: str, portal: str, kind: str, status: str, signature: str | None = None,
                 children: list[str] | None = None) -> None:
        self.r.rpush(self.keys.items, remember_message(url, portal, kind, status, signature, children))
