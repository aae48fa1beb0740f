"""JSON on the wire: queued requests (scrapy-redis's SCHEDULER_SERIALIZER) and captured documents.

Why not scrapy-redis's default pickle: a queued request is read back by every worker, and
unpickling runs code — anyone able to write to the Redis would own the crawl machines.  JSON
carries only data.  Bytes become {"__b": base64}, dicts with non-string keys (Scrapy's header
dicts) {"__d": [[k, v], …]}, tuples {"__t": […]}; anything else in a request's meta is an error
naming its type, raised when the request is queued.

This module is the SCHEDULER_SERIALIZER itself: scrapy-redis calls `dumps` and `loads`.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

from extract.model import ActiveRow, Check, Problem, Report, RequestRow, ReviewRow

from ..items import FetchedDocument

_TAGS = ("__b", "__d", "__t")


def encode(o: Any) -> Any:
    """A JSON-able form of `o` (see the module docstring for the tags)."""
    if o is None or isinstance(o, str | bool | int | float):
        return o
    if isinstance(o, bytes):
        return {"__b": base64.b64encode(o).decode("ascii")}
    if isinstance(o, dict):
        if all(isinstance(k, str) for k in o) and not any(t in o for t in _TAGS):
            return {k: encode(v) for k, v in o.items()}
        return {"__d": [[encode(k), encode(v)] for k, v in o.items()]}
    if isinstance(o, tuple):
        return {"__t": [encode(x) for x in o]}
    if isinstance(o, list):
        return [encode(x) for x in o]
    raise TypeError(f"cannot queue a {type(o).__name__} in Redis (request meta must be plain data)")


def decode(o: Any) -> Any:
    if isinstance(o, list):
        return [decode(x) for x in o]
    if isinstance(o, dict):
        if len(o) == 1:
            (tag, value), = o.items()
            if tag == "__b":
                return base64.b64decode(value)
            if tag == "__d":
                return {decode(k): decode(v) for k, v in value}
            if tag == "__t":
                return tuple(decode(x) for x in value)
        return {k: decode(v) for k, v in o.items()}
    return o


def dumps(obj: Any) -> str:
    return json.dumps(encode(obj), ensure_ascii=False, separators=(",", ":"))


def loads(data: str | bytes) -> Any:
    return decode(json.loads(data))


# --- captured documents and parsed reports ---------------------------------------------------

def report_to_wire(report: Report, body: str) -> dict[str, Any]:
    """A parsed report as plain data.  The extractor's in-memory document is replaced by the body
    text the archive would derive from it (`extras["body"]`, which `archive.write` reads when no
    document is attached), so trafilatura runs on the worker too."""
    out = report.to_dict()
    out["extras"] = {k: report.extras.get(k) for k in ("kind", "pub_date", "image_only", "page")}
    out["extras"]["body"] = body
    return out


def report_from_wire(d: dict[str, Any]) -> Report:
    rows = {"active_disclosure": ActiveRow, "requests": RequestRow, "reviews": ReviewRow, "checks": Check,
            "problems": Problem}
    fields = {k: v for k, v in d.items() if k not in rows}
    return Report(**fields, **{k: [cls(**r) for r in d.get(k) or []] for k, cls in rows.items()})


def document_message(item: FetchedDocument, fetched_at: str, report: Report | None, body: str | None,
                     error: str | None, pending: bool = False) -> str:
    """One captured document for the writer: the item, when it was fetched, and — when the worker
    ran the extractor — the parsed report, or the extractor's error; `pending` when the worker
    crawls with NIANBAO_EXTRACT=False (the writer stores it unread, as ArchivePipeline does)."""
    return dumps({"type": "document", "doc": dataclasses.asdict(item), "fetched_at": fetched_at,
                  "report": report_to_wire(report, body or "") if report is not None else None, "error": error,
                  "pending": pending})


def remember_message(url: str, portal: str, kind: str, status: str, signature: str | None,
                     children: list[str] | None) -> str:
    """What a worker learnt about a URL without capturing it (a 304, a hostile page)."""
    return dumps({"type": "remember", "url": url, "portal": portal, "kind": kind, "status": status,
                  "signature": signature, "children": children})
