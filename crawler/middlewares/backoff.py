"""RetryBackoffMiddleware: make Scrapy's retries wait, exponentially, honouring Retry-After.

RetryMiddleware re-queues a failed request at once, only at lower priority (scrapy #3849, open
since 2019); against a portal that answers 503 under load that is a burst, not a retry.  This
middleware delays a request that RetryMiddleware produced — `retry_times` in its meta — by
`base * 2**(n-1)` seconds (capped), or by the server's `Retry-After` when it sent one.  The wait
happens before the request enters its download slot, so other hosts are not held up.

Settings: NIANBAO_RETRY_BACKOFF_BASE (seconds, default 2; 0 disables), NIANBAO_RETRY_BACKOFF_MAX (60).
Stats: nianbao/retry_backoff/waits, nianbao/retry_backoff/seconds.
"""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response


class RetryBackoffMiddleware:
    def __init__(self, stats, base: float, cap: float) -> None:
        self.stats = stats
        self.base = base
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoffMiddleware:
        base = crawler.settings.getfloat("NIANBAO_RETRY_BACKOFF_BASE", 2.0)
        if base <= 0:
            raise NotConfigured
        return cls(crawler.stats, base, crawler.settings.getfloat("NIANBAO_RETRY_BACKOFF_MAX", 60.0))

    async def process_request(self, request: Request) -> None:
        n = request.meta.get("retry_times", 0)
        if not n:
            return None
        delay = request.meta.get("nb_retry_after")
        if delay is None:
            delay = self.base * 2 ** (n - 1)
        delay = min(float(delay), self.cap)
        self.stats.inc_value("nianbao/retry_backoff/waits")
        self.stats.inc_value("nianbao/retry_backoff/seconds", int(delay))
        await asyncio.sleep(delay)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        value = response.headers.get(b"Retry-After")
        if value and value.strip().isdigit():
            request.meta["nb_retry_after"] = int(value.strip())  # RetryMiddleware copies meta into the retry
        return response
