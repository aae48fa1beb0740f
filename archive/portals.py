"""Portals and crawl runs: what the crawler registers around the captures it adds.

`ensure_portal` gives a portal its row (region and code through `archive.regions`), idempotently
by name; `start_crawl_run` / `finish_crawl_run` bracket one crawl, so operators can see in
`crawl_runs` what last night's crawl did (pages, new/changed/unchanged reports, errors and blocked
pages by kind, per-portal health).  Counts are JSON objects, by kind or by portal name.

`portals.platform` is the family the crawler detected (trs, hanweb, gkmlpt, generic) for a portal
the registry lists as `auto`: `finish_crawl_run` writes it from the run's per-portal health, and a
registry still saying `auto` never overwrites a family once detected.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from .captures import now
from .regions import locate


def ensure_portal(db: Database, name: str, *, base_url: str | None = None, platform: str | None = None,
                  province: str | None = None, city: str | None = None, district: str | None = None) -> int:
    """The portal's id, creating or updating its row (`platform='auto'` keeps a detected family)."""
    region = locate(None, province, city, district) if (province or city or district) else locate(name)
    row = {"name": name, "base_url": base_url, "platform": platform, "province": region.province,
           "city": region.city, "district": region.district, "adcode": region.adcode}
    existing = db.execute("select id, platform from portals where name = ?", [name]).fetchone()
    with db.atomic():
        if existing:
            if platform == AUTO and existing[1]:
                row.pop("platform")
            db["portals"].update(existing[0], {k: v for k, v in row.items() if v is not None})
            return existing[0]
        return db["portals"].insert(row).last_pk


AUTO = "auto"  # the registry's "detect the family from the first list page"
DETECTED = ("trs", "hanweb", "gkmlpt", "generic")


def record_detected_platforms(db: Database, portal_health: dict[str, Any]) -> dict[str, str]:
    """Store in `portals.platform` the family the crawler detected for each portal (`portal_health`
    entries carry it as `platform` when the registry said auto); returns what was written."""
    detected = {name: h["platform"] for name, h in portal_health.items()
                if isinstance(h, dict) and h.get("platform") in DETECTED}
    if detected:
        with db.atomic():
            for name, family in detected.items():
                db.execute("update portals set platform = ? where name = ?", [family, name])
    return detected


def start_crawl_run(db: Database, notes: str | None = None) -> int:
    with db.atomic():
        return db["crawl_runs"].insert({"started": now(), "notes": notes}).last_pk


def finish_crawl_run(db: Database, run_id: int, *, pages: int = 0, new_reports: int = 0, changed_reports: int = 0,
                     unchanged_reports: int = 0, errors: dict[str, int] | None = None,
                     blocked: dict[str, int] | None = None, portal_health: dict[str, Any] | None = None) -> None:
    with db.atomic():
        db["crawl_runs"].update(run_id, {
            "finished": now(), "pages": pages, "new_reports": new_reports, "changed_reports": changed_reports,
            "unchanged_reports": unchanged_reports,
            "errors": json.dumps(errors or {}, ensure_ascii=False),
            "blocked": json.dumps(blocked or {}, ensure_ascii=False),
            "portal_health": json.dumps(portal_health or {}, ensure_ascii=False),
        })
    record_detected_platforms(db, portal_health or {})
