"""The portal registry: which 年报 columns to crawl, as YAML anyone can extend without code.

Fixed keys (every entry): `name`, `region: {province, city, district}`, `start_urls`, `platform`
(`auto | trs | hanweb | gkmlpt | generic`).  Optional keys (defaults below) tune one portal:

    allowed_hosts: [www.example.gov.cn, cdn.example.cn:8080]   # origins besides the start URLs' that may be
                                          # fetched: `host` means ports 80 and 443, `host:port` that port only
    include: ['/zfxxgknb/']               # regexes: sub-columns must match one (default: under a start URL)
    exclude: ['/zcjd/']                   # regexes: never follow
    title_pattern: '年度报告|年报'          # what a list entry's title must contain to be a report
    delay: 1.0                            # seconds between requests to this portal's hosts
    concurrency: 1                        # requests in flight per host (1–2 is polite)
    max_pages: 300                        # pages walked per list column, a guard against pager loops
    max_depth: 4                          # sub-column levels below a start URL
    max_requests: 5000                    # requests per run (default: NIANBAO_PORTAL_MAX_REQUESTS)
    verified: 2026-11-22                  # when the entry was last seen answering as expected
    evidence: 'portals.md §5'             # where the entry comes from
    enabled: true

A registry is validated when loaded: a missing fixed key or an unknown platform is an error
naming the entry, not a crawl that silently skips it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

PLATFORMS = ("auto", "trs", "hanweb", "gkmlpt", "generic")
DEFAULT_TITLE_PATTERN = r"年度报告|年报|年度工作报告"
DEFAULT_REGISTRY = Path(__file__).with_name("portals.yml")
WEB_SCHEMES = ("http", "https")  # the only schemes the crawler ever requests


class RegistryError(ValueError):
    """The registry file cannot be used as written."""


@dataclass
class Portal:
    """One registry entry, with its optional keys filled in."""

    name: str
    province: str | None
    city: str | None
    district: str | None
    start_urls: list[str]
    platform: str = "auto"
    allowed_hosts: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    title_pattern: str = DEFAULT_TITLE_PATTERN
    delay: float | None = None
    concurrency: int | None = None
    max_pages: int = 300
    max_depth: int = 4
    max_requests: int | None = None  # request budget per run (default NIANBAO_PORTAL_MAX_REQUESTS)
    verified: str | None = None
    evidence: str | None = None
    enabled: bool = True

    def __post_init__(self) -> None:
        self.title_re = re.compile(self.title_pattern)
        self.include_res = [re.compile(p) for p in self.include]
        self.exclude_res = [re.compile(p) for p in self.exclude]
        # Origins, not host names: the same host on another port is another server (security.md).
        # A start URL's own (host, port) is allowed under http and https alike, and one on a default
        # port allows both default ports (the https fallback asks http://same-host/).
        self.origins: set[tuple[str, int]] = set()
        for url in self.start_urls:
            host, port = origin(url)
            self.origins |= {(host, 80), (host, 443)} if port in (80, 443) else {(host, port)}
        for entry in self.allowed_hosts:
            host, sep, port = str(entry).rpartition(":") if ":" in str(entry) else (str(entry), "", "")
            if sep and not port.isdigit():
                raise ValueError(f"allowed_hosts entry {entry!r}: the port must be a number")
            self.origins |= {(host.lower(), int(port))} if sep else {(host.lower(), 80), (host.lower(), 443)}
        self.hosts = sorted({h for h, _ in self.origins})
        # sub-columns are followed only below a start URL's directory unless `include` says otherwise
        self.scopes = [_directory(u) for u in self.start_urls]

    @property
    def base_url(self) -> str:
        parts = urlsplit(self.start_urls[0])
        return f"{parts.scheme}://{parts.netloc}"

    def allows(self, url: str) -> bool:
        """May the crawl request `url` for this portal?  Only http(s), and only on the allowed hosts:
        a `file://` URL can carry the portal's own host name (security.md, rule 1)."""
        return urlsplit(url).scheme in WEB_SCHEMES and origin(url) in self.origins

    def in_scope(self, url: str) -> bool:
        """May `url` be followed as a sub-column of this portal's 年报 column?"""
        if not self.allows(url) or any(r.search(url) for r in self.exclude_res):
            return False
        if self.include_res:
            return any(r.search(url) for r in self.include_res)
        path = urlsplit(url).path
        return any(path.startswith(scope) for scope in self.scopes)

    def excluded(self, url: str) -> bool:
        return any(r.search(url) for r in self.exclude_res)


def origin(url: str) -> tuple[str, int]:
    """(host, port) of a URL, the port defaulted by its scheme; ("", 0) when it has none."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: no origin anyone allows
        return "", 0
    return (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(parts.scheme, 0)


def _directory(url: str) -> str:
    path = urlsplit(url).path or "/"
    return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


def parse_registry(data: Any, source: str = "registry") -> list[Portal]:
    if not isinstance(data, dict) or not isinstance(data.get("portals"), list):
        raise RegistryError(f"{source}: expected a mapping with a `portals:` list")
    portals: list[Portal] = []
    seen: set[str] = set()
    known = set(Portal.__dataclass_fields__) | {"region"}
    for i, entry in enumerate(data["portals"]):
        where = f"{source}: portal #{i + 1}"
        if not isinstance(entry, dict):
            raise RegistryError(f"{where}: expected a mapping")
        for key in ("name", "region", "start_urls", "platform"):
            if key not in entry:
                raise RegistryError(f"{where}: missing required key `{key}`")
        name = str(entry["name"])
        where = f"{source}: portal {name!r}"
        if name in seen:
            raise RegistryError(f"{where}: duplicate name")
        seen.add(name)
        region = entry["region"] or {}
        if not isinstance(region, dict):
            raise RegistryError(f"{where}: `region` must be a mapping of province, city, district")
        urls = entry["start_urls"]
        if isinstance(urls, str):
            urls = [urls]
        if not urls or not all(isinstance(u, str) and u.startswith(("http://", "https://")) for u in urls):
            raise RegistryError(f"{where}: `start_urls` must be a list of http(s) URLs")
        platform = str(entry["platform"]).lower()
        if platform not in PLATFORMS:
            raise RegistryError(f"{where}: platform {platform!r} is not one of {', '.join(PLATFORMS)}")
        unknown = set(entry) - known
        if unknown:
            raise RegistryError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        extra = {k: v for k, v in entry.items() if k not in ("name", "region", "start_urls", "platform")}
        if "verified" in extra and extra["verified"] is not None:
            extra["verified"] = str(extra["verified"])
        try:
            portals.append(Portal(name=name, province=region.get("province"), city=region.get("city"),
                                  district=region.get("district"), start_urls=list(urls), platform=platform, **extra))
        except (TypeError, ValueError, re.error) as exc:
            raise RegistryError(f"{where}: {exc}") from exc
    return portals


def load_registry(path: str | Path | None = None) -> list[Portal]:
    """Read and validate a registry file (the shipped `crawler/portals.yml` by default)."""
    path = Path(path) if path else DEFAULT_REGISTRY
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistryError(f"{path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML: {exc}") from exc
    return parse_registry(data, str(path))
