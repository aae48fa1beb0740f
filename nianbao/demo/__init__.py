"""Demo portals: the four real portal families, served on localhost, carrying real and generated reports.

Why: the crawler must be exercised against the page structures real portals use (portals.md §7.1)
without the internet.  `DemoWorld` is the content model (which reports sit where, what is hostile),
`DemoServer` serves it over real HTTP, one host per site (127.0.0.1–4), so Scrapy's per-host slots,
robots.txt and politeness behave as they would on real portals.

Why here, above `crawler/` and `archive/`: the demo composes them (`nianbao demo` crawls these
portals into an archive and serves it); nothing in crawler/, extract/ or archive/ imports it.

    with DemoServer(DemoWorld()) as server:
        server.registry_yaml()        # a portal registry pointing at the running sites

Modules: model.py (sites, columns, documents), regions.py (the district each site stands for and
its agencies), reports.py (report documents as bytes), pages.py (shared page chrome, hostile
pages), trs.py / hanweb.py / gbk.py / gkmlpt.py (one per site family), world.py (the world that
routes requests to them), server.py (HTTP), commands.py (`nianbao demo`).
"""

from .server import DemoServer
from .world import DemoWorld

__all__ = ["DemoServer", "DemoWorld"]
