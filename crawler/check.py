"""`nianbao portals check` as a Python API: does each registry entry still answer as it says?

A check is a crawl in mode "check" (crawler/run.py: no pipelines, no archive, short timeouts) over
the entries' start pages; this module turns its raw per-portal results and stats into one verdict
per entry, so the command only prints them and picks the exit status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .registry import load_registry


@dataclass(frozen=True)
class PortalCheck:
    """One entry's verdict: `ok` when it gave report entries on the platform it names (or any, for
    `auto`); `notes` say what differs — another platform, hostile pages, or why nothing answered."""

    name: str
    ok: bool
    platform: str | None  # the platform detected, None when no list page answered
    pages: int
    entries: int
    verified: str | None  # the registry's date of the last good check
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{'ok ' if self.ok else 'FAIL'} {self.name}: platform {self.platform or '?'}, {self.pages} pages, "
                f"{self.entries} entries; verified {self.verified or 'never'}"
                + (f" ({'; '.join(self.notes)})" if self.notes else ""))


def check_portals(registry: str | Path | None, names: list[str] | None = None, *,
                  overrides: dict[str, Any] | None = None) -> list[PortalCheck]:
    """Check the registry's entries (only `names`, when given), in registry order.  Nothing is
    stored.  A bad registry raises crawler.registry.RegistryError before anything is fetched."""
    from .run import crawl

    entries = [p for p in load_registry(registry) if not names or p.name in names]
    result = crawl(registry, "", portals=[p.name for p in entries], mode="check", overrides=overrides)
    stats = result["stats"]
    checks = []
    for p in entries:
        r = result["portals"].get(p.name) or {}
        blocked = {k.rsplit("/", 1)[1]: v for k, v in stats.items()
                   if k.startswith(f"nianbao/portal/{p.name}/hostile/")}
        detected = r.get("platform")
        notes = []
        if detected and p.platform not in ("auto", detected):
            notes.append(f"registry says {p.platform}")
        if blocked:
            notes.append("blocked " + ",".join(f"{k}={v}" for k, v in blocked.items()))
        if not r.get("pages"):
            causes = sorted(set(r.get("causes") or [])) or ["no answer"]
            notes.append("no list page answered: " + "; ".join(causes))
        checks.append(PortalCheck(name=p.name, ok=bool(r.get("entries")) and p.platform in ("auto", detected),
                                  platform=detected, pages=r.get("pages", 0), entries=r.get("entries", 0),
                                  verified=p.verified, notes=notes))
    return checks
