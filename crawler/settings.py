"""Scrapy settings for the nianbao crawler: every concern switched and ordered here, not in spiders.

Politeness defaults are for real government portals (portals.md §3, libraries.md §1.1): robots.txt
obeyed, one request at a time per host, a 1 s base delay that AutoThrottle raises when a server
slows down, generous timeouts, retries that back off.  `nianbao demo` and the tests override the
delays for localhost only (see crawler/run.py).
"""

import os

from archive.schema import DEFAULT_DB
from extract.limits import MAX_PAGE_PICTURES, MAX_PICTURE_BYTES

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- identity and politeness ------------------------------------------------------------------
CONTACT_URL = os.environ.get("NIANBAO_CONTACT_URL", "https://github.com/nianbao-archive/nianbao")
USER_AGENT = f"nianbao/0.1 (+{CONTACT_URL}; archive of 政府信息公开工作年度报告)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# Scrapy starts CONCURRENT_ITEMS asyncio tasks for the output of *every* response (default 100);
# a list page yields a few dozen requests and a detail page one or two documents, so 100 tasks a
# response were pure overhead (a third of a crawl's reactor CPU without the pipeline, cProfile).
CONCURRENT_ITEMS = 16
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each wait is DOWNLOAD_DELAY ×(1 ± 0.5); RANDOMIZE_DOWNLOAD_DELAY is deprecated
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 200 * 1024 * 1024  # the extractor refuses larger inputs anyway
COOKIES_ENABLED = True  # session cookies only; none are ever pasted in
TELNETCONSOLE_ENABLED = False
# Scrapy ≥ 2.19's remote control runs Python sent to a localhost HTTP port and writes a job file
# to the user's profile: like the telnet console, nothing an unattended archive crawl needs open.
REMOTE_CONTROL_ENABLED = False
# --- distributed crawling (docs/scale.md) -----------------------------------------------------
NIANBAO_REDIS_PREFIX = "nianbao"  # the Redis keys' prefix (`--redis-prefix`)
NIANBAO_REDIS_MAX_WAITING = 4  # a worker takes new work only while fewer downloads than this wait
NIANBAO_REDIS_DEAD_AFTER = 30.0  # seconds without a heartbeat after which a worker is presumed dead
NIANBAO_REDIS_MAX_ITEMS = 200  # items a worker may have waiting for the writer before it pauses

# Only the web is crawled: Scrapy's file, data, ftp and s3 handlers are removed, so no link,
# redirect or meta refresh can read a local file or another service (security.md, rule 1).
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
# per-host delay/concurrency from the registry's `delay`/`concurrency` keys land in DOWNLOAD_SLOTS

# --- retries: Scrapy's RetryMiddleware, made to wait by RetryBackoffMiddleware -----------------
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
NIANBAO_RETRY_BACKOFF_BASE = 2.0
NIANBAO_RETRY_BACKOFF_MAX = 60.0

# --- the archive and incremental crawling -----------------------------------------------------
NIANBAO_DB = DEFAULT_DB  # $NIANBAO_DB or nianbao.db: archive/schema.py declares it for every command
NIANBAO_INCREMENTAL = True
NIANBAO_FULL_WALK = False
NIANBAO_FULL_WALK_DAYS = 7.0
NIANBAO_CONDITIONAL = True
NIANBAO_EXTRACT = True  # False: store captures unread, pending (`nianbao reextract --pending` reads them)
NIANBAO_EXTRACT_PROCESSES = 1  # extractor child processes; 0 runs it in a thread of the crawl, unbounded in time
NIANBAO_EXTRACT_TIMEOUT = 120.0  # seconds the extractor may spend on one document
NIANBAO_ENCODING_REPAIR = True
NIANBAO_HOSTILE = True
NIANBAO_HOSTILE_MAX_STUB = 2048  # bytes: a page this small with a challenge marker is a wall, not a report
NIANBAO_HTTPS_FALLBACK = True
NIANBAO_LOCK = True
NIANBAO_OFFSITE = True  # never leave a portal's allowed_hosts (redirects and attachments included)

# --- budgets per portal (docs/security.md): reaching one stops that portal's walk, marks it
# incomplete with the reason, and never stops the other portals -------------------------------
NIANBAO_PORTAL_MAX_REQUESTS = 5000  # requests per portal per run (retries included); registry `max_requests`
NIANBAO_MAX_ENTRIES_PER_PAGE = 500  # report entries read from one list page; the rest are not requested
NIANBAO_MAX_ATTACHMENTS = 20  # attachment links followed from one detail page
NIANBAO_MAX_PICTURES = MAX_PAGE_PICTURES  # body pictures fetched with a report page whose tables may be images
NIANBAO_MAX_PICTURE_BYTES = MAX_PICTURE_BYTES  # a larger body picture is not kept (not a table's picture)
NIANBAO_MAX_COLUMNS = 300  # sub-columns walked per portal (with `max_depth` levels below a start URL)
# Pages larger than this are not parsed on the crawl's reactor, where parsing would stall every
# other portal's requests: a list page is read up to the cap (its column marked incomplete), a
# detail page is archived as a report without harvesting its links (the extractor reads it in
# its own process, with its own time limit).
NIANBAO_MAX_PARSE_BYTES = 1024 * 1024
# Scrapy stops downloading while the responses whose items are still in the pipeline add up to
# more than this (default 5 MB): one 8 MB report being read by the extractor paused every portal's
# downloads for the whole parse.  64 MiB lets a few large reports be read while the others go on,
# and still bounds what the scraper holds.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 64 * 1024 * 1024

# process_request runs in increasing order, process_response/process_exception in decreasing
# order.  Built-ins: Robots 100, Retry 550, MetaRefresh 580, HttpCompression 590, Redirect 600,
# Cookies 700, DownloaderStats 850.
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.offsite.OffsitePortalMiddleware": 50,  # before Robots fetches a foreign robots.txt
    "crawler.middlewares.budget.PortalBudgetMiddleware": 60,  # counts what is really sent, after offsite
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,  # Scrapy 2.19 bug: see robots.py
    "crawler.middlewares.robots.SharedRobotsTxtMiddleware": 100,
    "crawler.middlewares.fallback.HttpsFallbackMiddleware": 530,  # after Retry gave up
    "crawler.middlewares.hostile.HostilePageMiddleware": 540,  # sees decoded, decompressed, final pages
    "crawler.middlewares.encoding.EncodingRepairMiddleware": 545,
    "crawler.middlewares.backoff.RetryBackoffMiddleware": 560,  # reads Retry-After before Retry copies meta
    "crawler.middlewares.conditional.ConditionalRequestMiddleware": 620,  # validators after redirects
}
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.incremental.IncrementalMiddleware": 800,
}
ITEM_PIPELINES = {
    "crawler.pipelines.archive.ArchivePipeline": 300,
}
EXTENSIONS = {
    "crawler.extensions.lock.CrawlLock": 0,
    "crawler.extensions.runs.RunRecorder": 10,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
