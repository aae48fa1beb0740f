"""Crawler: Scrapy spiders that walk each portal's 年报 column (see crawler/settings.py).

Importing this package, before anything imports Scrapy, keeps the crawler offline beyond the
portals it crawls: Scrapy's CookiesMiddleware asks tldextract whether a cookie's domain is a
public suffix, and tldextract, on a fresh machine, would first download the Public Suffix List
from publicsuffix.org (no timeout: a network that drops packets hangs the crawl).  An empty
`TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS` (tldextract ≥ 5.4, read when an extractor is constructed —
Scrapy constructs its own at import) makes it use the snapshot bundled with the package.  An
operator who wants the live list sets the variable to its URL; `setdefault` leaves that alone.
tests/test_offline.py proves the crawl makes no such request.
"""

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
