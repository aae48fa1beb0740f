"""Reading many report files at once (`nianbao parse DIR`): each under the time limit, tallied.

One file's failure costs that file only; the tally says what was read and what was not, so the
caller can report a partial result as partial and a run that read nothing as a failure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .bounded import parse_one
from .errors import ExtractError
from .files import path_text
from .model import Report
from .parse import not_a_report


def cells_read(report: Report) -> int:
    return len(report.active_disclosure) + len(report.requests) + len(report.reviews)


def checks_failed(report: Report) -> int:
    return sum(c.status == "fail" for c in report.checks)


@dataclass
class BatchTally:
    """What a batch read: reports with their cells, failed checks, problems and formats, and one
    line per file that was unreadable or not a report."""

    files: int = 0
    reports: int = 0
    cells: int = 0
    failed_checks: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    unreadable: list[str] = field(default_factory=list)
    not_reports: list[str] = field(default_factory=list)


def parse_files(files: Iterable[Path], timeout: float, *,
                on_report: Callable[[Report], None] | None = None) -> BatchTally:
    """Parse each file under `timeout` seconds; `on_report` gets every report read, in order."""
    tally = BatchTally()
    for path in files:
        tally.files += 1
        try:
            report = parse_one(path, timeout)
        except ExtractError as exc:
            tally.unreadable.append(f"{path_text(path)}: {exc}")
            continue
        reason = not_a_report(report)
        if reason:
            tally.not_reports.append(f"{path_text(path)}: {reason}")
            continue
        tally.reports += 1
        tally.cells += cells_read(report)
        tally.failed_checks += checks_failed(report)
        tally.problems.update(p.kind for p in report.problems)
        tally.formats[report.format or "unknown"] += 1
        if on_report:
            on_report(report)
    return tally
