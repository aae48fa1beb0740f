"""Publication through Datasette: an immutable snapshot, its inspect file, and the right settings.

Why a snapshot: Datasette only offers the database download, cached counts and long HTTP caching
for databases opened immutable (`-i`); an immutable database must not change under it, while the
working archive keeps being written by ingests.  So `snapshot()` copies the archive with
`VACUUM INTO` (a consistent, compact copy taken in one read transaction, safe while an ingest
writes), `inspect()` precomputes table counts with `datasette inspect`, and `serve()` starts
Datasette on the copy — read-only by construction, with a SQL time limit.

Never serve half-built, never replace a live file: each `serve` builds its own snapshot in a
directory of its own (`publish/serve-<time>-<pid>/`), beside any other server's, and only the
server that built it uses it; the pid file in it says who that is, so a later `serve` removes the
directories of servers that have stopped and never touches a running one's.  The port is checked
before any of this work (`ensure_port_free`): a taken port fails in a second, not after a crawl
and a snapshot.  Interface and charts
are configuration (`datasette/metadata.yml`, datasette-dashboards), not code; small plugins of
our own: `datasette/plugins/nianbao_search.py` makes `?_search=` find any substring,
`nianbao_pages.py` serves a page per report and per agency (archive/pages.py, datasette/templates/),
`nianbao_map.py` the map's province outlines (archive/outlines.py), and `nianbao_interface.py` puts Datasette's own words in Chinese (archive/interface.py,
datasette/interface_zh.yml).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from .precompute import precompute_publication, served_metadata_file

DB_NAME = "nianbao"  # the database's name in Datasette URLs and in metadata.yml


def _site_folder() -> Path:
    """The Datasette site (the repository's datasette/ folder), wherever the package is installed.

    It ships as the data-only package `nianbao_datasette` (pyproject.toml maps that name onto
    datasette/), found through the import system: the folder itself in an editable install, its
    copy in site-packages in a plain one.  It has no `__init__.py` (one in datasette/ would make the
    checkout's folder shadow the Datasette library), so it is a namespace package, and Python 3.11's
    importlib.resources cannot read one from an editable install (setuptools adds a path-hook entry
    that is not a folder): its search locations are read instead.  Datasette reads files by path,
    so a site that is not a folder on disk is an error here, not later inside Datasette."""
    spec = importlib.util.find_spec("nianbao_datasette")
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / "metadata.yml").is_file():
            return Path(location)
    raise RuntimeError("the Datasette site (package nianbao_datasette: metadata.yml, static/, plugins/) is not "
                       "installed as a folder; reinstall nianbao (`pip install .`)")


SITE = _site_folder()
METADATA = SITE / "metadata.yml"
STATIC = SITE / "static"  # served at /nianbao-static/ (metadata.yml's extra_css_urls)
PLUGINS = SITE / "plugins"  # nianbao_search.py: the search (archive/fts.py); nianbao_pages.py: report and agency pages
TEMPLATES = SITE / "templates"  # the report and agency pages' templates (archive/pages.py has their data)

# Datasette settings (0.65): limits keep one slow query from starving the others on a 2-core host.
SETTINGS = {
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 1500,
    "facet_suggest_time_limit_ms": 100,
    "suggest_facets": "off",  # suggestions cost a query per column on 100,000-row tables
    "max_returned_rows": 1000,
    "default_page_size": 50,
    "truncate_cells_html": 80,
    "allow_download": "on",
    "default_cache_ttl": 300,
    "num_sql_threads": 3,
}


def snapshot(db_path: str | Path, out_dir: str | Path, *, without_raw: bool = False, drop: tuple[str, ...] = (),
             served: bool = True) -> Path:
    """Copy the archive to `out_dir/nianbao.db` with VACUUM INTO; bring the copy's research layer up
    to date (`publish_research`); optionally drop the raw bytes (`capture_blobs.data`) for a lighter
    publication (hashes and sizes stay) and the tables in `drop` (a release leaves out the internal
    ones); a `served` copy also gets what its pages read precomputed (`precompute_publication`) and
    the planner statistics its facet queries need (a release is a file for readers: neither)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{DB_NAME}.db"
    partial = out_dir / f".{DB_NAME}.db.partial"
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(str(db_path))
    try:
        src.execute("VACUUM INTO ?", [str(partial)])
    finally:
        src.close()
    publish_research(partial)
    con = sqlite3.connect(str(partial))
    try:
        con.execute("PRAGMA journal_mode = DELETE")
        if without_raw:
            con.execute("UPDATE capture_blobs SET data = NULL")
        for table in drop:
            con.execute(f'DROP TABLE IF EXISTS "{table}"')
        con.commit()
        if without_raw or drop:
            con.execute("VACUUM")
        if served:
            precompute_publication(con)
            con.execute("ANALYZE")
            con.commit()
    finally:
        con.close()
    os.replace(partial, target)
    return target


def publish_research(copy: Path) -> bool:
    """Build the rollups and leaderboard in a snapshot when the archive's are stale (they are
    computed once per publication, archive/research/state.py): a published copy never serves
    rollups older than its reports; the coverage rows are recomputed every time.  Done on the copy, so the working archive — which an ingest
    may be writing — is only read.  Returns whether they were rebuilt."""
    from sqlite_utils import Database

    from . import fts
    from .research import derive_publication, publication_stale
    from .research.coverage import refresh_coverage

    db = Database(str(copy))
    try:
        fts.register(db)  # the report triggers call it when the layer updates reports
        db.execute("PRAGMA recursive_triggers = ON")
        if not publication_stale(db):
            with db.atomic():  # the crawl's state may have moved on without any report written
                refresh_coverage(db)
            return False
        derive_publication(db)
        return True
    finally:
        db.close()


def inspect(snapshot_path: Path) -> Path:
    """Precompute counts for an immutable database (`datasette inspect`)."""
    counts = snapshot_path.with_suffix(".inspect.json")
    subprocess.run([sys.executable, "-m", "datasette", "inspect", str(snapshot_path), "--inspect-file",
                    str(counts)], check=True)
    return counts


def datasette_command(snapshot_path: Path, inspect_file: Path, *, host: str = "127.0.0.1", port: int = 8001,
                      metadata: Path = METADATA) -> list[str]:
    cmd = [sys.executable, "-m", "datasette", "serve", "-i", str(snapshot_path), "--inspect-file",
           str(inspect_file), "--metadata", str(metadata), "--host", host, "--port", str(port),
           "--static", f"nianbao-static:{STATIC}", "--plugins-dir", str(PLUGINS),
           "--template-dir", str(TEMPLATES)]
    for key, value in SETTINGS.items():
        cmd += ["--setting", key, str(value)]
    return cmd


class PortInUse(RuntimeError):
    """The port a server was asked for is taken: said before any work is done."""


def ensure_port_free(host: str, port: int) -> None:
    """Raise PortInUse unless `host:port` can be bound now (the check `serve` and `demo` make first)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise PortInUse(f"port {port} on {host} is taken ({exc.strerror or exc}): "
                            "stop the server that holds it, or choose another --port") from exc


OWNER = "server.pid"  # in each serve's snapshot directory: the pid of the Datasette that uses it


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stopped_snapshots(base: Path) -> list[Path]:
    """Delete the snapshot directories whose server has stopped; a running one's are left alone,
    and so is a directory still being built (its owner is the live `serve` building it)."""
    removed = []
    for d in sorted(base.glob("serve-*")) if base.is_dir() else []:
        try:
            pid = int((d / OWNER).read_text().strip())
        except (OSError, ValueError):
            continue  # no owner recorded: not ours to judge
        if not _alive(pid):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def own_snapshot_dir(base: Path) -> Path:
    """A new directory for this process's snapshot, owned by it (the pid survives the exec into Datasette)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    d = base / f"serve-{stamp}-{os.getpid()}"
    d.mkdir(parents=True, exist_ok=False)
    (d / OWNER).write_text(str(os.getpid()), encoding="ascii")
    return d


def new_snapshot_dir(db_path: str | Path, base: str | Path | None = None) -> Path:
    """A fresh directory of this process's own under `base` (default `publish/` beside the
    archive), after removing those of stopped servers there."""
    base = Path(base) if base else Path(db_path).resolve().parent / "publish"
    remove_stopped_snapshots(base)
    return own_snapshot_dir(base)


def prepare(db_path: str | Path, snapshot_dir: str | Path | None = None, *, without_raw: bool = False) -> tuple[Path, Path]:
    """Snapshot and inspect into `snapshot_dir` (default: `new_snapshot_dir`): everything `serve`
    needs, as (snapshot, inspect file)."""
    snap = snapshot(db_path, snapshot_dir or new_snapshot_dir(db_path), without_raw=without_raw)
    return snap, inspect(snap)


def serve(db_path: str | Path, *, port: int = 8001, host: str = "127.0.0.1", snapshot_dir: str | Path | None = None,
          without_raw: bool = False, metadata: Path = METADATA) -> None:
    """Check the port, snapshot into a directory of this server's own, inspect, then become the
    Datasette process (exec: signals reach Datasette itself, and the pid stays the owner's).

    `snapshot_dir` is the parent under which that directory is made (default `publish/` beside
    the archive)."""
    ensure_port_free(host, port)
    snap, counts = prepare(db_path, new_snapshot_dir(db_path, snapshot_dir), without_raw=without_raw)
    cmd = datasette_command(snap, counts, host=host, port=port, metadata=served_metadata_file(metadata, snap))
    sys.stdout.flush()
    os.execv(cmd[0], cmd)
