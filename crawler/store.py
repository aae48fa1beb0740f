"""The crawl's one store step: a fetched document into the archive, and what the crawl learnt of its URL.

Both crawl modes store through here — `crawler.pipelines.archive.ArchivePipeline` on one machine,
`crawler.distributed.writer.Writer` for what Redis workers fetched — so they cannot drift: they
once did, and the writer recorded a cut download as `captured`, so it was never asked again.

- `needs_reading`: a report is read unless its bytes are the archive's latest capture of the URL
  (nothing new to parse); the worker asks it of the writer's Redis mirror, the pipeline of the
  archive itself — the same rule (`crawler.state.decide_known`) behind both.
- `store`: a report document goes through the archive's write path (`archive.write.ingest_bytes`:
  capture, version history, rows, duplicates — one transaction, idempotent); a detail page whose
  report is an attachment is kept as a capture of status `page` (metadata and provenance, not
  extracted).  Then the URL is remembered in `crawl_urls`: `suspect` when the capture is
  unreadable or was read without its tables (a cut or garbled download: asked again next run),
  else `captured`; under its request URL too when a redirect named it otherwise.

- a report page's pictures (`item.pictures`, fetched with it because its tables may be images)
  are kept as captures of their own URLs, status `picture` (`archive.captures.add_pictures`).

Stats: nianbao/reports/<new|changed|unchanged|duplicate|error>, nianbao/reports/pending, nianbao/pictures/stored,
nianbao/pages/<stored|unchanged>, nianbao/image_only — each also per portal (`crawler.stats.count`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from .items import FetchedDocument
from .pipelines.extraction import Extracted
from .stats import count


def needs_reading(state: Any, item: FetchedDocument) -> bool:
    """Whether the extractor must read this report: not when the archive's latest capture of the
    URL has the same bytes (`state` is a `CrawlState`, or a worker's `RedisState`)."""
    known = state.known(item.url)
    return not (known and known.sha256 == hashlib.sha256(item.body).hexdigest())


def store(state: Any, stats: Any, item: FetchedDocument, portal: Any, fetched_at: str,
          extracted: Extracted | None, *, pending: bool) -> str:
    """Write one fetched document and remember its URL; return the status remembered.

    `state` is the writing process's `CrawlState`, `portal` the registry entry the document came
    from, `extracted` what the extractor read (None when it did not read: same bytes as before, or
    `pending` — extraction off, the report stored unread for `nianbao reextract --pending`)."""
    from archive.captures import Fetch, add_capture, add_pictures
    from archive.retry import retrying_write
    from archive.write import extraction_status, ingest_bytes

    fetch = Fetch(url=item.url, fetched_at=fetched_at, http_status=item.http_status, content_type=item.content_type,
                  encoding=item.encoding, etag=item.etag, last_modified=item.last_modified,
                  portal_id=state.portal_ids.get(item.portal), crawl_run_id=state.run_id)
    status = "captured"
    if item.pictures:  # kept whether or not the page is read now: `reextract` reads it with them
        def pictures() -> int:
            with state.db.atomic():
                return add_pictures(state.db, item.pictures, fetch, item.url)

        count(stats, item.portal, "pictures/stored", retrying_write(pictures))
    if item.is_report:
        report = extracted.report if extracted else None
        error = extracted.error if extracted else None
        outcome = ingest_bytes(state.db, item.body, fetch, item.hints(portal), name=item.read_name, report=report,
                               error=error, pending=pending)
        count(stats, item.portal, f"reports/{outcome.status}")
        if pending and outcome.status in ("new", "changed"):
            count(stats, item.portal, "reports/pending")
        if outcome.status == "error" or (report is not None and extraction_status(report) == "tables_not_found"):
            status = "suspect"  # a cut or garbled download: asked again next run (crawler.state.decide_known)
        if item.image_only or (report is not None and report.extras.get("image_only")):
            count(stats, item.portal, "image_only")
    else:
        known = state.known(item.url)
        if known and known.sha256 == hashlib.sha256(item.body).hexdigest():
            count(stats, item.portal, "pages/unchanged")
        else:
            def page() -> int:
                with state.db.atomic():
                    return add_capture(state.db, item.body, fetch, status="page", hints={
                        "title": item.title, "pub_date": item.pub_date,
                        **{k: v for k, v in item.metadata.items() if isinstance(v, str)}})

            retrying_write(page)
            count(stats, item.portal, "pages/stored")
    state.remember(item.url, item.portal, item.role, status, item.metadata.get("signature"),
                   children=item.metadata.get("attachments") if item.role == "page" else None)
    if item.request_url != item.url:  # Hanweb downfile.jsp → /attach/…: both names are known
        state.remember(item.request_url, item.portal, item.role, status)
    return status
