"""One bounded parse: the time limit every caller of the extractor uses — `nianbao parse`, `ingest`,
`reextract` and the crawl's extractor process — so a pathological document costs one file, never
a whole run, and always fails with the same one-line `ExtractError`.

A module of its own, not the CLI's: the archive and the crawler call it too, and must not import
a command module to get it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from .errors import ExtractError
from .model import Report
from .parse import parse_bytes, parse_file

T = TypeVar("T")


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
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        # only a main thread may set the alarm: elsewhere the parse runs unbounded (the crawler
        # extracts in a child process, whose main thread has the alarm)
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


def bounded(timeout: float, fn: Callable[..., Report], *args: Any, **kwargs: Any) -> Report:
    """`fn(*args, **kwargs)` — a parse — under the time limit; every failure is an ExtractError with
    one line, and a reader bug says so (`internal error: …`): it must cost one file, not the run."""
    try:
        return call_with_time_limit(timeout, fn, *args, **kwargs)
    except ExtractError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise ExtractError(f"{type(exc).__name__} while reading") from exc
    except Exception as exc:
        raise ExtractError(f"internal error: {type(exc).__name__}: {exc}") from exc


def parse_one(path: Path, timeout: float) -> Report:
    """Read one file under the time limit (`nianbao parse`)."""
    return bounded(timeout, parse_file, path)


def parse_bytes_bounded(data: bytes, url: str, name: str | None, hints: dict[str, str] | None = None,
                        timeout: float = 120.0, pictures: Mapping[str, bytes] | None = None) -> Report:
    """Read one capture's bytes under the time limit (the crawl's extractor process, `ingest`, `reextract`);
    `pictures` are an HTML page's images, captured with it."""
    return bounded(timeout, parse_bytes, data, url, name=name, hints=hints or None, pictures=pictures)
