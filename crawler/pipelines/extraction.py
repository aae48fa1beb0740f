"""The crawl's extraction step (`extract_capture`), run off the reactor in a child process.

Why a process, not a thread: parsing a report (pdfium, python-docx, lxml) and deriving its body
text (trafilatura) is 10–40 ms of mostly-Python CPU per document.  In a thread of the crawl
process it holds the GIL against the reactor, which then schedules downloads late, so the crawl
ran at a fraction of what it downloads without extraction (BENCHMARKS.md, "Crawl").  A child
process has its own GIL and its own main thread, so the parse also keeps its time limit
(`extract.bounded`'s SIGALRM, which a thread may not set).  The parent only pickles bytes in and a
plain `Extracted` out, then stores it (`crawler.store`) in the SQLite transaction.

Children are started with `spawn` (a fresh interpreter), never `fork`: the crawl process has
threads (Twisted's pool, the heartbeat) and forking a threaded process can copy a held lock.
The pool starts on the first document, so a re-crawl that extracts nothing starts no process.
A child exits as soon as the crawl process is gone, however it went (kill -9 included): it
watches its parent's sentinel, since a pool worker would otherwise wait on its task queue forever.

A child that dies (killed, out of memory, a crash in a C reader) breaks the whole pool and fails
every document in flight, not just the one that killed it.  Each of those is therefore tried once
more, alone, in a fresh one-off process: the innocent ones are read normally, and a document that
kills that process too is recorded as unreadable (`Extracted.error`), so it is stored, marked and
asked again next run — never lost.  The shared pool is replaced for the documents that follow.

Settings: NIANBAO_EXTRACT_PROCESSES (default 1; 0 runs the extractor in one thread of the crawl
process, without the time limit, as before), NIANBAO_EXTRACT_TIMEOUT (seconds per document, 120).
Stats: nianbao/extract/process_died (pool breakages), nianbao/extract/killed_process (documents
that killed their own process and were recorded as unreadable).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from archive.write import Hints
from extract import ExtractError, Report
from extract.body import report_body
from extract.bounded import parse_bytes_bounded
from extract.metadata import page_meta

log = logging.getLogger("nianbao.extract")


@dataclass
class Extracted:
    """What `extract_capture` read from one capture: a report ready for the archive's write path,
    or the extractor's one-line error.  Plain data (the report's in-memory document is replaced by
    its body text), so it crosses a process boundary — to this process, and over Redis to the
    distributed writer."""

    report: Report | None = None
    error: str | None = None


def extract_capture(data: bytes, url: str, name: str | None, hints: Hints, timeout: float = 120.0,
                    pictures: dict[str, bytes] | None = None) -> Extracted:
    """Everything CPU-heavy about one capture, done before the write transaction: the bounded parse
    (OCR of an HTML page's `pictures` included) and the body text (trafilatura for HTML), kept in
    `report.extras["body"]`, which the archive uses instead of deriving it again.  Module-level and
    picklable: it runs in a child process."""
    try:
        report = parse_bytes_bounded(data, url, name, hints.for_parser(), timeout, pictures or None)
    except ExtractError as exc:
        return Extracted(error=str(exc) or "unreadable")
    report.extras["page"] = page_meta(report)
    report.extras["body"] = report_body(report)
    report.extras.pop("document", None)
    return Extracted(report=report)


def _exit_with_parent() -> None:
    """In a child: exit at once when the parent process ends.  The parent's end of the pipe
    behind `parent_process().sentinel` closes when it dies, by any means."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="nianbao-parent-watch", daemon=True).start()


def _load_readers() -> None:
    """Import the readers and trafilatura (≈ 1 s in a new process)."""
    import trafilatura  # noqa: F401

    import extract.body  # noqa: F401
    import extract.parse  # noqa: F401


def _warm_up() -> None:
    """Start the parent watch, then load the readers before the child's first document, while
    the crawl is still fetching list pages.  A failure is left for `_probe` to report: an
    initializer that raises only breaks the pool, and its cause would be lost."""
    _exit_with_parent()
    with contextlib.suppress(Exception):  # reported by _probe, with its cause
        _load_readers()


def _probe() -> str | None:
    """In a child: can it read documents at all?  None, or the cause in one line."""
    try:
        _load_readers()
    except Exception as exc:  # noqa: BLE001 - any failure to load means no document can be read
        return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    return None


class Extractor:
    """Runs `extract_capture` for the crawler's pipelines; `await extract(...)` from the reactor."""

    def __init__(self, processes: int = 1, timeout: float = 120.0, stats: Any = None,
                 fn: Callable[[bytes, str, str | None, Hints, float, dict[str, bytes] | None], Extracted]
                 = extract_capture) -> None:
        """`fn` is what runs in the child: `extract_capture`, or in the fault tests a module-level
        wrapper of it that makes the process die on a chosen document."""
        self.processes = max(0, processes)
        self.timeout = timeout
        self.stats = stats
        self.fn = fn
        self._pool: Executor | None = None

    @classmethod
    def from_settings(cls, settings: Any, stats: Any = None) -> Extractor:
        return cls(settings.getint("NIANBAO_EXTRACT_PROCESSES"), settings.getfloat("NIANBAO_EXTRACT_TIMEOUT"), stats)

    def _new_pool(self, workers: int) -> Executor:
        if self.processes == 0:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="nianbao-extract")
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_warm_up)

    def _shared(self) -> Executor:
        if self._pool is None:
            self._pool = self._new_pool(self.processes)
        return self._pool

    def _discard(self, pool: Executor) -> None:
        """Drop a broken pool (once, however many of its documents noticed)."""
        if self._pool is pool:
            self._pool = None
            self._inc("nianbao/extract/process_died")
        pool.shutdown(wait=False, cancel_futures=True)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    async def probe(self, timeout: float = 120.0) -> str | None:
        """Start the extractor and ask it to load its readers, before the crawl fetches anything:
        None when it can read documents, else why not, in one line.  Without this, a child that
        cannot import its readers failed every document, each was recorded as unreadable, and
        the crawl exited 0."""
        try:
            fut = self._shared().submit(_probe)
            return await asyncio.wait_for(asyncio.wrap_future(fut), timeout)
        except TimeoutError:
            return f"the extractor process did not start within {timeout:.0f} s"
        except Exception as exc:  # BrokenProcessPool, or a process that could not be spawned
            return f"the extractor process could not start ({type(exc).__name__}: {exc or 'died'})".splitlines()[0]

    async def extract(self, data: bytes, url: str, name: str | None, hints: Hints,
                      pictures: dict[str, bytes] | None = None) -> Extracted:
        """Parse one capture (and the pictures fetched with a page) off the reactor thread; never
        raises for a bad document."""
        pool = self._shared()
        try:
            return await asyncio.wrap_future(pool.submit(self.fn, data, url, name, hints, self.timeout, pictures))
        except BrokenProcessPool:
            self._discard(pool)
        except Exception as exc:  # e.g. a result that cannot be pickled: a reader bug costs one document
            return Extracted(error=f"{type(exc).__name__}: {exc}")
        log.warning("extractor process died with %s in flight; reading it again in a process of its own", url)
        alone = self._new_pool(1)
        try:
            return await asyncio.wrap_future(alone.submit(self.fn, data, url, name, hints, self.timeout, pictures))
        except BrokenProcessPool as exc:
            self._inc("nianbao/extract/killed_process")
            log.error("%s killed the extractor process twice: recorded as unreadable", url)
            return Extracted(error=f"the extractor's process died reading this document ({exc or 'killed'})")
        finally:
            alone.shutdown(wait=False)

    def close(self) -> None:
        """Wait for the documents in flight, then stop the children."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
