"""`nianbao parse`: the extractor from the shell, a thin layer over `extract.parse_file`."""

from __future__ import annotations

import json
import signal
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import ExtractError
from .model import Report
from .parse import parse_file

T = TypeVar("T")

REPORT_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml", ".pdf", ".docx", ".doc", ".wps", ".rtf", ".txt", ".jsp", ""}


class _Timeout(BaseException):
    """The alarm, raised inside whatever the reader was doing.  A BaseException, like
    KeyboardInterrupt, so that a reader's own `except Exception` cannot swallow it."""


@contextmanager
def time_limit(seconds: float):
    """Bound one file's parse: a pathological document must not stall a whole directory run.

    Running out of time is `ExtractError("gave up after N s")`, however the alarm came back out of
    the reader: as itself, or wrapped by a C library it interrupted — pdfium's ctypes calls turn it
    into `ctypes.ArgumentError: argument 1: _Timeout` — or not at all, if something swallowed it
    and returned a result that cannot be trusted."""
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return
    fired = False

    def _raise(_signum, _frame):
        nonlocal fired
        fired = True
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except BaseException as exc:
        if fired:
            raise ExtractError(f"gave up after {seconds:g} s") from exc
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if fired:
        raise ExtractError(f"gave up after {seconds:g} s")


def call_with_time_limit(seconds: float, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` under `time_limit(seconds)`, with the one case the context manager
    cannot see: the alarm going off in the instant between `fn` returning and the timer being
    disarmed, which raises the bare alarm out of the `with` statement itself."""
    try:
        with time_limit(seconds):
            return fn(*args, **kwargs)
    except _Timeout as exc:
        raise ExtractError(f"gave up after {seconds:g} s") from exc


def parse_one(path: Path, timeout: float) -> Report:
    try:
        return call_with_time_limit(timeout, parse_file, path)
    except ExtractError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise ExtractError(f"{type(exc).__name__} while reading") from exc
    except Exception as exc:  # a reader bug must cost one file, not the run
        raise ExtractError(f"internal error: {type(exc).__name__}: {exc}") from exc


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES
                  and not p.name.startswith(".") and not p.name.endswith(".expected.json"))


def _summary_line(report: Report) -> str:
    failed = sum(c.status == "fail" for c in report.checks)
    cells = len(report.active_disclosure) + len(report.requests) + len(report.reviews)
    return (f"{report.source}: {report.agency or '?'} {report.year or '?'} format={report.format or '-'} "
            f"cells={cells} checks_failed={failed} problems={len(report.problems)}")


@click.command("parse")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (JSON Lines for a directory).")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds allowed per file (0: no limit).")
def parse_command(path: Path, as_json: bool, timeout: float) -> None:
    """Read one report FILE (HTML, PDF, DOCX, DOC/WPS, text) or every report under a DIR.

    With a FILE and --json, print the object described in shared/spec/parse-output.md.  With a DIR, show a
    progress bar and a closing summary: reports read, cells, checks failed, problems by kind.
    """
    if path.is_dir():
        _parse_dir(path, as_json, timeout)
        return
    try:
        report = parse_one(path, timeout)
    except ExtractError as exc:
        click.echo(f"nianbao parse: {path}: {exc}", err=True)
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
    files = _files(root)
    reports = cells = failed_checks = 0
    problems: Counter[str] = Counter()
    errors: list[str] = []
    formats: Counter[str] = Counter()
    with click.progressbar(files, label=f"parsing {len(files)} files", file=sys.stderr,
                           item_show_func=lambda p: p.name if p else "") as bar:
        for path in bar:
            try:
                report = parse_one(path, timeout)
            except ExtractError as exc:
                errors.append(f"{path}: {exc}")
                continue
            reports += 1
            cells += len(report.active_disclosure) + len(report.requests) + len(report.reviews)
            failed_checks += sum(c.status == "fail" for c in report.checks)
            problems.update(p.kind for p in report.problems)
            formats[report.format or "unknown"] += 1
            if as_json:
                click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    out = sys.stderr if as_json else sys.stdout
    print(f"reports read: {reports} of {len(files)} files", file=out)
    print(f"formats: {', '.join(f'{k}={v}' for k, v in sorted(formats.items())) or '-'}", file=out)
    print(f"cells read: {cells}", file=out)
    print(f"checks failed: {failed_checks}", file=out)
    print(f"problems: {', '.join(f'{k}={v}' for k, v in problems.most_common()) or 'none'}", file=out)
    for line in errors:
        print(f"unreadable: {line}", file=out)


COMMANDS = [parse_command]
