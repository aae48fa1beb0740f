"""`nianbao parse`: the extractor from the shell, a thin layer over `extract.bounded` and `extract.batch`."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import click

from .batch import cells_read, checks_failed, parse_files
from .bounded import parse_one
from .errors import ExtractError
from .files import path_text, report_files
from .model import Report
from .parse import not_a_report


def _summary_line(report: Report) -> str:
    return (f"{report.source}: {report.agency or '?'} {report.year or '?'} format={report.format or '-'} "
            f"cells={cells_read(report)} checks_failed={checks_failed(report)} problems={len(report.problems)}")


@click.command("parse")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (JSON Lines for a directory).")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds allowed per file (0: no limit).")
def parse_command(path: Path, as_json: bool, timeout: float) -> None:
    """Read one report FILE (HTML, PDF, DOCX, DOC/WPS, text) or every report under a DIR.

    With a FILE and --json, print the object described in shared/spec/parse-output.md.  With a DIR, show a
    progress bar and a closing summary: reports read, cells, checks failed, problems by kind.

    Exit status: 0 when a report was read (whatever its checks say); for a FILE, 2 with one line on
    standard error when it cannot be read or is not a report; for a DIR, 1 when no report was read.
    """
    if path.is_dir():
        _parse_dir(path, as_json, timeout)
        return
    try:
        report = parse_one(path, timeout)
    except ExtractError as exc:
        click.echo(f"nianbao parse: {path_text(path)}: {exc}", err=True)
        sys.exit(2)
    reason = not_a_report(report)
    if reason:
        click.echo(f"nianbao parse: {path_text(path)}: not a report ({reason})", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(_summary_line(report))
        for check in report.checks:
            if check.status == "fail":
                click.echo(f"  check failed: {check.rule} [{check.scope}] {check.lhs} != {check.rhs}")
        for kind, n in Counter(p.kind for p in report.problems).most_common():
            click.echo(f"  problem: {kind} ×{n}")


def _parse_dir(root: Path, as_json: bool, timeout: float) -> None:
    files = report_files([root])
    with click.progressbar(files, label=f"parsing {len(files)} files", file=sys.stderr,
                           item_show_func=lambda p: path_text(p.name) if p else "") as bar:
        tally = parse_files(bar, timeout, on_report=(
            (lambda r: click.echo(json.dumps(r.to_dict(), ensure_ascii=False))) if as_json else None))
    out = sys.stderr if as_json else sys.stdout
    print(f"reports read: {tally.reports} of {len(files)} files", file=out)
    print(f"formats: {', '.join(f'{k}={v}' for k, v in sorted(tally.formats.items())) or '-'}", file=out)
    print(f"cells read: {tally.cells}", file=out)
    print(f"checks failed: {tally.failed_checks}", file=out)
    print(f"problems: {', '.join(f'{k}={v}' for k, v in tally.problems.most_common()) or 'none'}", file=out)
    for line in tally.unreadable:
        print(f"unreadable: {line}", file=out)
    for line in tally.not_reports:
        print(f"not a report: {line}", file=out)
    if not tally.reports:  # nothing was read: say so to the shell too
        print(f"nianbao parse: no report read under {root} ({len(files)} files: {len(tally.unreadable)} unreadable, "
              f"{len(tally.not_reports)} not reports)", file=sys.stderr)
        sys.exit(1)


COMMANDS = [parse_command]
