"""The crawl's one per-portal counter: every event is counted overall and for its portal.

Why one function: `crawler/extensions/runs.py` builds each portal's health from the
`nianbao/portal/<name>/…` keys beside the overall `nianbao/…` ones; a component that counted only
one of the two (or spelled the prefix its own way) would make the health disagree with the totals.
"""

from __future__ import annotations

from typing import Any


def count(stats: Any, portal: str, key: str, n: int = 1) -> None:
    """`n` events `key` of `portal`: `nianbao/<key>` and `nianbao/portal/<portal>/<key>`."""
    stats.inc_value(f"nianbao/{key}", n)
    stats.inc_value(f"nianbao/portal/{portal}/{key}", n)
