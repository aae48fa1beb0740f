"""`nianbao demo`: start the demo portals, crawl them into an archive, serve it.

Why here and not in crawler/commands.py: the command composes the demo portals (this package), the
crawler and the archive's server; the crawler must not depend on its own test bed.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click

from archive.commands import db_option, port_option
from crawler.commands import print_summary

# Fixed, so that a second `nianbao demo` finds the same URLs and its crawl is incremental.
DEMO_SITES_PORT = 8450


@click.command("demo")
@db_option
@click.option("--no-serve", is_flag=True, help="Crawl and build the archive, print a summary, exit.")
@port_option
@click.option("--sites-port", default=DEMO_SITES_PORT, show_default=True,
              help="Port of the demo portals (on 127.0.0.1–4; fixed so a second run is incremental).")
@click.option("--scale", default=1, show_default=True, help="Multiply the generated reports per column.")
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              help="Scrapy's log level on standard error (INFO: the operator's log of `nianbao crawl`).")
def demo_command(db_path: Path, no_serve: bool, port: int, sites_port: int, scale: int,
                 log_level: str = "WARNING") -> None:
    """Start the demo portals (TRS, Hanweb, GBK in-house, gkmlpt) on localhost, crawl them into
    the archive, and serve it with Datasette — all offline.

    Scrapy logs at WARNING here, not INFO as in `nianbao crawl`: someone trying the demo wants to
    see what happens and the summary, not a page of component lists and a stats dump.  The
    summary says everything the INFO log would (hostile pages, robots.txt, per-portal counts)."""
    from archive.serve import PortInUse, ensure_port_free, serve
    from crawler.health import exit_code
    from crawler.run import LOCAL_OVERRIDES, crawl

    from .server import DemoServer
    from .world import DemoWorld

    if not no_serve:
        try:  # before any work: a taken port must not cost a crawl
            ensure_port_free("127.0.0.1", port)
        except PortInUse as exc:
            click.echo(f"nianbao demo: {exc}", err=True)
            sys.exit(2)
    world = DemoWorld(scale=scale)
    try:
        server = DemoServer(world, port=sites_port).start()
    except OSError as exc:
        click.echo(f"nianbao demo: cannot bind the demo portals on port {sites_port}: {exc}", err=True)
        sys.exit(2)
    click.echo(f"demo portals: {', '.join(server.base_url(s) for s in ('trs', 'hanweb', 'gbk', 'gkmlpt'))} "
               f"({len(world.reachable_docs())} reports)")
    click.echo(f"crawling them into {db_path} (Scrapy; robots.txt obeyed) …")
    with tempfile.NamedTemporaryFile("w", suffix=".yml", prefix="nianbao-demo-", delete=False,
                                     encoding="utf-8") as fh:
        fh.write(server.registry_yaml())
        registry = fh.name
    try:
        summary = crawl(registry, db_path, overrides={**LOCAL_OVERRIDES, "LOG_LEVEL": log_level.upper()})
    finally:
        server.stop()
        os.unlink(registry)
    print_summary(summary)
    if exit_code(summary, json.loads(summary.get("portal_health") or "{}")) in (1, 3):
        sys.exit(1)  # the demo's deliberate walls leave portals degraded: served, said above
    if no_serve:
        return
    click.echo(f"snapshotting {db_path} into a directory of this server's own under publish/ beside it, then "
               f"serving that with Datasette: http://127.0.0.1:{port}/nianbao (Ctrl-C to stop)")
    try:
        serve(db_path, port=port)
    except PortInUse as exc:  # taken while the crawl ran
        click.echo(f"nianbao demo: {exc}; the archive is in {db_path}", err=True)
        sys.exit(2)


COMMANDS = [demo_command]
