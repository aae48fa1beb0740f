"""`nianbao crawl | portals check | portals discover`: a thin click layer over crawler.run and crawler.discover.

`nianbao demo` composes the crawler with the demo portals and the archive, so it lives above them
(nianbao/demo/commands.py) and reuses `print_summary` from here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from archive.commands import db_option

from .summary import summary_lines

# options shared by several commands, declared once (the archive's --db and --port: archive/commands.py)
portals_option = click.option("--portals", "registry", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                              help="Portal registry (YAML); default: the shipped crawler/portals.yml.")
portal_option = click.option("--portal", "names", multiple=True, help="Only this registry entry (repeatable).")
local_option = click.option("--local", is_flag=True,
                            help="No politeness delays (only for sites on localhost, e.g. the demo).")


def _settings_pairs(pairs: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="-s")
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


def print_summary(summary: dict[str, Any]) -> None:
    for line in summary_lines(summary):
        click.echo(line)


@click.command("crawl")
@portals_option
@db_option
@portal_option
@click.option("--full", is_flag=True, help="Full walk: every list page, every known page revalidated.")
@local_option
@click.option("-s", "--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a Scrapy setting.")
@click.option("--redis", "redis_url", metavar="URL",
              help="Distributed mode (docs/scale.md): share the frontier through this Redis.")
@click.option("--role", type=click.Choice(["writer", "worker"]), default="writer", show_default=True,
              help="With --redis: the archive writer (next to --db) or a crawler worker (any machine).")
@click.option("--workers", default=2, show_default=True, help="With --redis: local workers the writer starts.")
@click.option("--redis-prefix", default="nianbao", show_default=True, help="With --redis: the keys' prefix.")
@click.option("--wait", default=600.0, show_default=True, help="A worker waits this long (s) for a run.")
def crawl_command(registry: Path | None, db_path: Path, names: tuple[str, ...], full: bool, local: bool,
                  sets: tuple[str, ...], redis_url: str | None = None, role: str = "writer", workers: int = 2,
                  redis_prefix: str = "nianbao", wait: float = 600.0) -> None:
    """Crawl the registry's 年报 columns into the archive, fetching only what is new.

    Exit status: 0 when the run finished and every portal is ok, 4 when it finished but some
    portal is not ok (incomplete, degraded, empty, blocked, error), 3 when another crawl holds the
    lock, 2 for a usage or registry error, 1 when the run failed (docs/scheduling.md)."""
    from .health import exit_code
    from .registry import RegistryError
    from .run import LOCAL_OVERRIDES, crawl

    overrides = {**(LOCAL_OVERRIDES if local else {}), **_settings_pairs(sets)}
    try:
        if redis_url and role == "worker":
            from .distributed.worker import run_worker

            result = run_worker(registry, redis_url, prefix=redis_prefix, portals=list(names) or None,
                                overrides=overrides, wait=wait)
            click.echo(f"worker: {result['finish_reason']}, {result['requests']} requests")
            sys.exit(0 if result["finish_reason"] == "finished" else 1)
        if redis_url:
            from .distributed.writer import run_writer

            summary = run_writer(registry, db_path, redis_url, workers=workers, prefix=redis_prefix,
                                 portals=list(names) or None, full=full, overrides=overrides)
        else:
            summary = crawl(registry, db_path, portals=list(names) or None, full=full, overrides=overrides)
    except RegistryError as exc:
        click.echo(f"nianbao crawl: {exc}", err=True)
        sys.exit(2)
    print_summary(summary)
    sys.exit(exit_code(summary, json.loads(summary.get("portal_health") or "{}")))


@click.group("portals")
def portals_group() -> None:
    """The portal registry."""


@portals_group.command("check")
@portals_option
@portal_option
@local_option
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's own log (INFO) on standard error.")
def portals_check_command(registry: Path | None, names: tuple[str, ...], local: bool, verbose: bool = False) -> None:
    """Fetch each entry's start pages (and first sub-columns): does it answer, on the platform it
    says, with report entries?  Nothing is stored.  One line per entry, with the cause when it does
    not answer (DNS, refused, TLS, timeout, HTTP status).  Exit status 1 when any entry fails."""
    from .check import check_portals
    from .registry import RegistryError
    from .run import LOCAL_OVERRIDES

    overrides = {**(LOCAL_OVERRIDES if local else {}), "LOG_ENABLED": verbose, "LOG_LEVEL": "INFO"}
    try:
        checks = check_portals(registry, list(names) or None, overrides=overrides)
    except RegistryError as exc:
        click.echo(f"nianbao portals check: {exc}", err=True)
        sys.exit(2)
    for check in checks:
        click.echo(check.line())
    sys.exit(0 if all(c.ok for c in checks) else 1)


@portals_group.command("discover")
@click.argument("urls", nargs=-1, required=True)
@click.option("--max-pages", default=8, show_default=True, type=click.IntRange(1, 50),
              help="Pages read per site: the page given, 信息公开 pages, 年报 columns (robots.txt not counted).")
@click.option("--max-depth", default=2, show_default=True, type=click.IntRange(0, 5),
              help="信息公开/政务公开 links followed below the page given (home → 信息公开 → 信息公开目录).")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds per request.")
@click.option("--site-timeout", default=60.0, show_default=True, help="Seconds per site, all its requests together.")
@click.option("--delay", default=1.0, show_default=True, help="Seconds between two requests to one host.")
@local_option
def portals_discover_command(urls: tuple[str, ...], max_pages: int, max_depth: int, timeout: float,
                             site_timeout: float, delay: float, local: bool) -> None:
    """Find the 年报 column(s) of government sites from their home page or 政府信息公开 page, and
    print registry entries (YAML for crawler/portals.yml, with the evidence) on standard output.

    Robots.txt is obeyed, one request at a time.  Standard error gets one line per URL: `ok` with
    what was found, or `FAIL` with the reason (nothing found, or the cause when unreachable: DNS,
    refused, TLS, timeout).  Exit status: 0 every URL gave a column, 3 some did, 1 none did."""
    from .discover import discover, entries_yaml

    results = discover(list(urls), max_pages=max_pages, max_depth=max_depth, timeout=timeout,
                       site_timeout=site_timeout, delay=0.0 if local else delay)
    for r in results:
        if r.found:
            cols = ", ".join(f"{c.url} ({c.platform})" for c in r.found)
            click.echo(f"ok   {r.given}: {len(r.found)} 年报 column(s): {cols}; {len(r.pages)} pages read", err=True)
            if not all(r.region.values()):
                click.echo(f"     {r.given}: {r.region_note}", err=True)
        else:
            click.echo(f"FAIL {r.given}: {r.reason()}", err=True)
    out = entries_yaml(results)
    if out:
        click.echo(out, nl=False)
    found = sum(bool(r.found) for r in results)
    sys.exit(0 if found == len(results) else 3 if found else 1)


COMMANDS = [crawl_command, portals_group]
