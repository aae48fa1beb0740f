"""RobotsTxtMiddleware that gives robots.txt rules to *every* request waiting for them.

Scrapy 2.19's `RobotsTxtMiddleware.robot_parser` parks every request for a host whose robots.txt
is still downloading on one shared Deferred and awaits it with `maybe_deferred_to_future`; the
first waiter's callback swallows the result, so every later waiter gets `None` — "no rules" — and
is let through even where robots.txt forbids it.  One process walking a column sequentially
rarely has two requests waiting (the first request to a host is usually alone); distributed
workers, portals with several start URLs on one host and attachment hosts do, and the demo's
`Disallow: /zfxxgkzl/zfxxgknb/nbk/` was fetched (tests/test_distributed.py caught it).  Here each
later waiter gets its own Deferred, fired with the parser and passing it on.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> Any:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)  # first request for the host, or rules known
        waiter: Deferred[Any] = Deferred()

        def relay(parser: Any) -> Any:
            waiter.callback(parser)
            return parser  # the next waiter in the chain gets the parser too

        pending.addCallback(relay)
        return await maybe_deferred_to_future(waiter)
