"""Demo portals: the four real portal families, served on localhost, carrying real and generated reports.

Why: the crawler must be exercised against the page structures real portals use (portals.md §7.1)
without the internet.  `DemoWorld` is the content model (which reports sit where, what is hostile),
`DemoServer` serves it over real HTTP, one host per site (127.0.0.1–4), so Scrapy's per-host slots,
robots.txt and politeness behave as they would on real portals.

    with DemoServer(DemoWorld()) as server:
        server.registry_yaml()        # a portal registry pointing at the running sites
"""

from .server import DemoServer
from .world import DemoWorld

__all__ = ["DemoServer", "DemoWorld"]
