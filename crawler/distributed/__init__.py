"""Distributed crawling on scrapy-redis: N crawler processes, one Redis, one archive writer.

    nianbao crawl --redis redis://host:6379/0 --workers 3            # writer + 3 local workers
    nianbao crawl --redis redis://host:6379/0 --role worker          # a worker on another machine

Design (docs/scale.md has the operator's side):

- **Frontier and duplicate filter: scrapy-redis.**  Every worker runs the ordinary `portals`
  spider with scrapy-redis's `Scheduler` and `RFPDupeFilter`, so all requests go through one Redis
  priority queue and one fingerprint set: a URL is fetched once per run whichever worker found
  it.  `SCHEDULER_PERSIST` is on because scrapy-redis otherwise *deletes the shared queue and
  filter when any one worker closes*; the writer clears them at the start of a run instead
  (which also sidesteps the fingerprint-expiry problem, scrapy-redis #84: every run starts with
  an empty filter, and the archive — not the filter — says what is already known).  Requests
  are queued as JSON (`codec`), not pickle: whoever can write to the Redis must not be able to
  run code in every worker.
- **One SQLite writer.**  SQLite allows one writer at a time and the archive's ingest is a
  transaction per capture; several processes writing would only queue on the lock, and the
  archive would need to be on a disk every machine mounts.  So workers never open the database:
  they fetch, *extract* (the CPU-heavy part, so it spreads over the workers) and push each
  captured document with its parsed report to a Redis list; the writer (`writer.run_writer`,
  the process that ran `nianbao crawl --redis`, next to the database) pops them and calls the
  crawl's one store step (`crawler.store`: `archive.write.ingest_bytes`, `archive.captures.add_capture`), exactly as
  the single-machine `ArchivePipeline` does.  Workers pause when that list is long
  (`NIANBAO_REDIS_MAX_ITEMS`), so a slow writer slows the crawl instead of filling Redis.
- **Incremental state, read-only, mirrored.**  The incremental and conditional-request
  middlewares ask "what does the archive hold for this URL?".  At the start of a run the writer
  publishes that answer for every known URL (`state.publish_state`: content hash, validators,
  list signature, completeness — the same rule as `CrawlState.known`) and the per-portal
  decisions (full walk or not, may a walk stop at known items) into Redis; workers read it there
  (`state.RedisState`), so a worker needs nothing but the Redis URL and the registry file.  What
  workers learn (304s, hostile pages) travels to the writer on the item list, in order.
- **Per-column walk state shared.**  The spider's repeated-page detection and page cap are
  per column; a column's pages may be parsed by different workers, so those two maps live in
  Redis too (`worker.DistributedPortalsSpider`).
- **End of a run.**  A worker may stop only when the shared queue is empty and every live
  worker is idle, read in one Redis transaction; a worker sets itself busy *before* it pops a
  request, so that snapshot cannot miss work in flight.  The writer then merges the workers'
  crawl stats with its own and writes the `crawl_runs` row through the same `RunRecorder` as a
  single-machine run.  A worker whose heartbeat stops (killed) is counted lost after
  `NIANBAO_REDIS_DEAD_AFTER` seconds; the run then ends as `worker_lost` and, like a killed
  single-machine run, the next run fetches what it did not capture.

Politeness is per worker process (Scrapy's download slots are in-process): with N workers a
host may see up to N requests at a time.  docs/scale.md says how to set delays for that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Keys:
    """The Redis keys of one distributed archive (one prefix per archive sharing a Redis)."""

    prefix: str = "nianbao"

    def __getattr__(self, name: str) -> str:  # keys.requests → "nianbao:requests"
        if name.startswith("_"):
            raise AttributeError(name)
        return f"{self.prefix}:{name}"

    def all(self) -> list[str]:
        """Every key a run creates (the writer deletes them before and after a run)."""
        return [f"{self.prefix}:{k}" for k in ("requests", "dupefilter", "items", "workers", "beats", "stats",
                                              "known", "portals", "pagesigs", "pages", "done", "run")]


def connect(url: str) -> Any:
    """A redis-py client that returns bytes (item bodies are binary)."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=30, retry_on_timeout=True)
