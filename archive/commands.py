"""`nianbao ingest | reextract | serve | export`: a thin click layer over the archive's Python API."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from .schema import DEFAULT_DB

# options every command that opens the archive or serves it shares (the crawler's commands too), declared once
db_option = click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(path_type=Path),
                         help="The archive (SQLite file); $NIANBAO_DB sets the default.")
port_option = click.option("--port", default=8001, show_default=True, type=int, help="Port for Datasette.")


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@db_option
@click.option("--agency", help="Agency, when the files do not say (e.g. 北京市通州区人民政府办公室).")
@click.option("--province", help="Province of the agency (e.g. 北京市).")
@click.option("--city", help="City of the agency.")
@click.option("--district", help="District or county of the agency.")
def ingest_command(paths: tuple[Path, ...], db_path: Path, agency: str | None, province: str | None,
                   city: str | None, district: str | None) -> None:
    """Add local report files (or every report under directories) to the archive.

    Ingesting the same file twice changes nothing; a changed file becomes a new version; a file
    that cannot be read is recorded and never removes rows read earlier.  Exit status 1 when no
    file was found or none could be read."""
    from extract.files import report_files

    from .ingest import ingest_paths
    from .schema import open_db
    from .write import Hints

    db = open_db(db_path)
    hints = Hints(agency=agency, province=province, city=city, district=district)
    files = report_files(paths)
    errors: list[str] = []
    with click.progressbar(length=len(files), label=f"ingesting {len(files)} files", file=sys.stderr) as bar:
        def step(path: Path, outcome) -> None:
            if outcome.status == "error":
                errors.append(f"{path}: {outcome.detail}")
            bar.update(1)

        summary = ingest_paths(db, list(paths), hints, on_file=step)
    click.echo(f"{db_path}: {summary.line()}")
    for line in errors:
        click.echo(f"unreadable: {line}")
    if not files or summary.count("error") == len(files):  # nothing was read: a non-zero exit says so
        click.echo(f"nianbao ingest: no report read ({len(files)} files, {summary.count('error')} unreadable)",
                   err=True)
        sys.exit(1)


@click.command("reextract")
@db_option
@click.option("--pending", "pending_only", is_flag=True,
              help="Only the reports stored without extraction (a crawl with NIANBAO_EXTRACT=False).")
def reextract_command(db_path: Path, pending_only: bool) -> None:
    """Rebuild every derived table from the stored captures, offline (after an extractor upgrade),
    or with --pending read just what a capture-only crawl stored.

    A report whose stored rows are better than what the extractor reads now (more cells, or as many
    with fewer failed checks) keeps them, and is listed as `kept` with the two counts.  Exit status
    1 when there was nothing to read (an empty archive) or every report failed; with --pending,
    nothing pending is success."""
    from .reextract import reextract, reports_to_reextract
    from .schema import open_db

    db = open_db(db_path)
    total = reports_to_reextract(db, pending_only=pending_only)
    statuses: Counter[str] = Counter()
    with click.progressbar(length=total, label=f"re-extracting {total} reports", file=sys.stderr) as bar:
        def step(_report_id: int, status: str) -> None:
            statuses[status] += 1
            bar.update(1)

        summary = reextract(db, pending_only=pending_only, on_report=step)
    for outcome in summary.outcomes:
        if outcome.status in ("kept", "error"):
            click.echo(f"{outcome.status}: report {outcome.report_id} {outcome.url}: {outcome.detail}")
    click.echo(f"{db_path}: " + (", ".join(f"{k}={v}" for k, v in sorted(statuses.items()))
                                 or ("nothing pending" if pending_only else "no reports")))
    if (total == 0 and not pending_only) or (total and statuses["error"] == sum(statuses.values())):
        click.echo(f"nianbao reextract: no report read ({total} reports, {statuses['error']} unreadable)", err=True)
        sys.exit(1)


@click.command("derive")
@db_option
def derive_command(db_path: Path) -> None:
    """Build the research layer's rollups and leaderboard in the working archive now (publishing
    builds them in its snapshot anyway), after recomputing any reports written since the last
    refresh; prints what was built.  Exit status 1 when the archive has no indicators to roll up."""
    import time

    from .research import derive_publication
    from .schema import open_db

    if not db_path.exists():
        raise click.ClickException(f"{db_path} does not exist")
    db = open_db(db_path)
    t0 = time.perf_counter()
    counts = derive_publication(db)
    click.echo(f"{db_path}: indicator_rollups={counts.rollups}, leaderboard={counts.leaderboard} "
               f"({time.perf_counter() - t0:.1f} s)")
    if counts.rollups == 0:
        click.echo("nianbao derive: no indicators to roll up (no report with tables 2-4)", err=True)
        sys.exit(1)


@click.command("serve")
@db_option
@port_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--snapshot-dir", type=click.Path(path_type=Path), help="Under which this server's own snapshot directory is made [DB's dir/publish].")
@click.option("--without-raw", is_flag=True, help="Publish without the captured bytes (smaller download).")
def serve_command(db_path: Path, port: int, host: str, snapshot_dir: Path | None, without_raw: bool) -> None:
    """Publish the archive with Datasette: an immutable snapshot with counts, download, search, dashboard."""
    from .serve import PortInUse, serve

    if not db_path.exists():
        raise click.ClickException(f"{db_path} does not exist; build it with `nianbao ingest`")
    click.echo(f"serving a snapshot of {db_path} on http://{host}:{port}/", err=True)
    try:
        serve(db_path, port=port, host=host, snapshot_dir=snapshot_dir, without_raw=without_raw)
    except PortInUse as exc:  # said before any work, like `demo`: exit 2
        click.echo(f"nianbao serve: {exc}", err=True)
        sys.exit(2)


@click.command("export")
@db_option
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Directory of releases (a new one is added).")
def export_command(db_path: Path, out: Path) -> None:
    """Write a new release DIR/nianbao-<date>.<n>/ (never overwriting one): the SQLite file without internal
    tables, a CSV per table, a changelog against the previous release, CITATION.cff, dataset.jsonld, manifest.json."""
    from .export import export

    if not db_path.exists():
        raise click.ClickException(f"{db_path} does not exist")
    release = export(db_path, out)
    click.echo(str(release))


COMMANDS = [ingest_command, reextract_command, derive_command, serve_command, export_command]
