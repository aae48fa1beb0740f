"""`nianbao ingest`: local report files into the archive, through its one write path (`archive.write`).

The crawl writes through the same path (`crawler.store`); re-reading stored captures is
`archive.reextract`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from sqlite_utils import Database

from extract.files import path_text, pictures_beside, report_files

from .captures import Fetch, add_pictures
from .retry import retrying_write
from .write import Hints, IngestSummary, Outcome, ingest_bytes


def ingest_paths(db: Database, paths: Iterable[Path], hints: Hints | None = None, *,
                 on_file: Callable[[Path, Outcome], None] | None = None) -> IngestSummary:
    """Ingest local report files (directories are walked), then run the checks across reports."""
    from .research import refresh_research_layer

    summary = IngestSummary()

    for path in report_files(paths):
        # the URL percent-encodes the name's real bytes (GBK ones too); the name is kept as text
        fetch = Fetch(url=path.resolve().as_uri())
        data = path.read_bytes()
        # a saved page's pictures from its own folder: kept as `picture` captures, so `reextract`
        # reads the page with them again, as a crawled page's are
        pictures = pictures_beside(path, data, fetch.url)
        if pictures:
            def keep(pictures: dict[str, bytes] = pictures, fetch: Fetch = fetch) -> int:
                with db.atomic():
                    return add_pictures(db, pictures, fetch, fetch.url)

            retrying_write(keep)
        outcome = ingest_bytes(db, data, fetch, hints, name=path_text(path.name), pictures=pictures)
        summary.outcomes.append(outcome)
        if on_file:
            on_file(path, outcome)
    if any(o.status in ("new", "changed", "duplicate") for o in summary.outcomes):
        retrying_write(lambda: refresh_research_layer(db))
    return summary
