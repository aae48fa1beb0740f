"""The captures store: every fetched or ingested file's raw bytes, kept so any report can be re-read.

Bytes live inside the archive, gzip-compressed, in `capture_blobs` keyed by their sha256
(content-addressed: the same PDF fetched every night is stored once).  Inside the database rather
than beside it because the published file must be self-contained: a researcher who downloads
`nianbao.db` can re-run the extractor on any report offline.  gzip (stdlib, `mtime=0`, so equal
bytes compress to equal blobs) rather than zstd: every SQLite user can read it with `gunzip`.
`captures` rows hold what the fetch said (URL, time, HTTP status, content type, encoding,
ETag/Last-Modified) and point at a blob.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Fetch:
    """What is known about one capture besides its bytes (the crawler fills all of it; a local
    file has only its URL, a `file:` path)."""

    url: str
    fetched_at: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    portal_id: int | None = None
    crawl_run_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def store_blob(db: Database, data: bytes) -> str:
    """Store bytes once under their sha256 and return it."""
    digest = sha256(data)
    if not db.execute("select 1 from capture_blobs where sha256 = ?", [digest]).fetchone():
        db["capture_blobs"].insert({"sha256": digest, "size": len(data), "compression": "gzip",
                                    "data": gzip.compress(data, compresslevel=6, mtime=0)})
    return digest


def read_blob(db: Database, digest: str) -> bytes:
    row = db.execute("select compression, data from capture_blobs where sha256 = ?", [digest]).fetchone()
    if row is None:
        raise KeyError(f"no capture blob {digest}")
    compression, data = row
    return gzip.decompress(data) if compression == "gzip" else bytes(data)


def read_capture(db: Database, capture_id: int) -> bytes:
    """The raw bytes of one capture, as fetched."""
    row = db.execute("select sha256 from captures where id = ?", [capture_id]).fetchone()
    if row is None:
        raise KeyError(f"no capture {capture_id}")
    return read_blob(db, row[0])


def latest_capture(db: Database, url: str) -> dict[str, Any] | None:
    rows = list(db.query("select * from captures where url = ? order by id desc limit 1", [url]))
    return rows[0] if rows else None


def add_capture(db: Database, data: bytes, fetch: Fetch, status: str = "stored",
                hints: dict[str, Any] | None = None) -> int:
    """Record one capture (and its bytes, once) and return its id; call inside a transaction.
    `hints` are what the caller knew beyond the bytes (agency, region), kept for re-extraction."""
    digest = store_blob(db, data)
    return db["captures"].insert({
        "url": fetch.url, "portal_id": fetch.portal_id, "crawl_run_id": fetch.crawl_run_id,
        "fetched_at": fetch.fetched_at or now(), "http_status": fetch.http_status,
        "content_type": fetch.content_type, "encoding": fetch.encoding, "etag": fetch.etag,
        "last_modified": fetch.last_modified, "sha256": digest, "size": len(data), "status": status,
        "hints": json.dumps(hints, ensure_ascii=False, sort_keys=True) if hints else None,
    }).last_pk
