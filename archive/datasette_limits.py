"""Datasette limits that hold (issue 14, item 9): a Datasette plugin, loaded as the `datasette`
entry point `nianbao_limits` (pyproject.toml), so every Datasette of this package has it.

Datasette's `sql_time_limit_ms` is a progress handler: SQLite calls it between VM opcodes, once per
1,000 of them, and at the bottom of loops only.  One opcode can run for minutes (`instr` of two long
strings is O(n·m), `printf('%.*c', 1e9, …)` loops a billion times), a thousand slow ones can too,
and straight-line code (no loop) is never looked at.  So, for the served database:

1. **Sizes** (`prepare_connection`, per connection): `SQLITE_LIMIT_LENGTH` caps every string, blob
   and row (zeroblob, randomblob, printf, replace, group_concat, `||` …) at `max_value_bytes`; the
   SQL text, the program size and LIKE patterns are capped too.
2. **Functions whose cost is not linear in that size** are replaced: `instr`, `replace`, `ltrim`/
   `rtrim`/`trim` with a character set, `like` and `glob` by linear-time versions that answer as
   SQLite's do (patterns with `_`, `?`, `[` or ESCAPE, and arguments that are not text, go to
   SQLite's own function on a private in-memory connection, after a size check); `printf`/
   `format` are refused when their widths and precisions add up to more than `max_value_bytes`
   (SQLite's `%.*c` keeps looping after the length limit is hit), else formatted by SQLite's own.
3. **Per statement** an authorizer counts the call sites of functions whose cost grows with their
   arguments (not `count`, `sum`, `coalesce` …): more than `max_function_calls` is refused.  This
   bounds straight-line code, which nothing can interrupt.
4. **Wall clock**: a watchdog thread calls `conn.interrupt()` when a query overruns its time limit
   (by `WATCHDOG_GRACE_S`).
   SQLite looks at the interrupt flag at the bottom of every loop, not every 1,000 opcodes, so a
   query of slow rows stops within one row.  Installed by wrapping `datasette.database.
   sqlite_timelimit`, which `Database.execute` enters around every query with its limit.
5. **Memory**: `PRAGMA hard_heap_limit` bounds all of SQLite's memory in the process; the rows one
   query hands to Python are capped at `max_result_bytes` (a row factory counts them).
6. **Admission** (`asgi_wrapper`): requests carrying a visitor's SQL (`?sql=`, `?_where=`; the
   dashboard's own chart queries excepted), raw full-text queries and whole-table CSV streams run at
   most `num_sql_threads - 1` at a time, so one SQL thread always stays for everything else; the
   others wait up to `queue_timeout_s`, then get 503.

Defaults are in `DEFAULTS`; metadata may override them under `plugins: nianbao-limits:`.
docs/security.md lists each promise with its test (tests/test_serve_limits.py); bench/limits.py
measures them.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import heapq
import itertools
import math
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl

import datasette.database
from datasette import hookimpl

MiB = 1 << 20
PLUGIN = "nianbao-limits"  # the key under metadata's `plugins:` for overrides
DEFAULTS: dict[str, float] = {
    "max_value_bytes": 4 * MiB,  # SQLITE_LIMIT_LENGTH: any string, blob or row
    "max_sql_bytes": 64 * 1024,  # SQLITE_LIMIT_SQL_LENGTH
    "max_vdbe_ops": 5000,  # SQLITE_LIMIT_VDBE_OP: one statement's program (Datasette's own: ≤ 260)
    "max_like_pattern_bytes": 1000,  # SQLITE_LIMIT_LIKE_PATTERN_LENGTH, and the replacements' limit
    "max_function_calls": 64,  # function call sites in one statement (Datasette's own: ≤ 11)
    "max_trim_chars": 32,  # distinct characters in trim's second argument
    "max_scan_steps": 4_000_000,  # string × pattern length where matching is O(n·m): ≈ 20-40 ms a call
    "max_result_bytes": 32 * MiB,  # characters and bytes of the values one query hands to Python
    "heap_limit_bytes": 256 * MiB,  # PRAGMA hard_heap_limit: all SQLite memory in the process
    "sql_slots": 0,  # user-SQL requests running at once; 0 means num_sql_threads - 1
    "queue_timeout_s": 10,  # a user-SQL request waiting longer for a slot gets 503
    "max_waiting": 32,  # more user-SQL requests waiting than this: 503 at once
}
SQLITE_LIMITS = [
    (sqlite3.SQLITE_LIMIT_LENGTH, "max_value_bytes"),
    (sqlite3.SQLITE_LIMIT_SQL_LENGTH, "max_sql_bytes"),
    (sqlite3.SQLITE_LIMIT_VDBE_OP, "max_vdbe_ops"),
    (sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, "max_like_pattern_bytes"),
]


class LimitError(sqlite3.OperationalError):
    """A query refused by one of these limits (Datasette shows it as a query error, status 400)."""


def limits(datasette: Any) -> dict[str, float]:
    cached = getattr(datasette, "_nianbao_limits", None)
    if cached is None:
        cached = {**DEFAULTS, **(datasette.plugin_config(PLUGIN) or {})}
        if not cached["sql_slots"]:
            cached["sql_slots"] = max(1, int(datasette.setting("num_sql_threads") or 1) - 1)
        datasette._nianbao_limits = cached
    return cached


# --- per-connection state -------------------------------------------------------------------------

class _State:
    """What the limits know about one connection's current query (a connection runs one at a time)."""

    def __init__(self, lim: dict[str, float]) -> None:
        self.lim = lim
        self.active = False  # inside Database.execute's time limit
        self.calls = 0
        self.result = 0
        self.refusal: str | None = None

    def begin(self) -> None:
        self.active, self.calls, self.result, self.refusal = True, 0, 0, None

    def refuse(self, message: str) -> LimitError:
        self.refusal = message
        return LimitError(message)


def _state(conn: sqlite3.Connection) -> _State | None:
    # sqlite3.Connection takes no attributes or weak references: the state rides on its row factory
    return getattr(conn.row_factory, "nianbao_limits", None)


_HEAP_SET = threading.Lock()
_heap_limit_done = False


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    global _heap_limit_done
    lim = limits(datasette)
    _install()
    with _HEAP_SET:
        if not _heap_limit_done:  # process-wide: every connection's SQLite memory counts
            conn.execute(f"PRAGMA hard_heap_limit = {int(lim['heap_limit_bytes'])}")
            _heap_limit_done = True
    for code, key in SQLITE_LIMITS:
        conn.setlimit(code, int(lim[key]))
    state = _State(lim)
    _replace_functions(conn, state)
    conn.set_authorizer(_authorizer(state))
    conn.row_factory = _counting_rows(conn.row_factory, state)


# Functions whose cost does not grow with their arguments' length: not counted against
# max_function_calls (aggregates run once a row, inside a loop that the watchdog interrupts).
CHEAP_FUNCTIONS = frozenset({
    "count", "sum", "total", "avg", "min", "max", "abs", "round", "sign", "coalesce", "ifnull", "nullif",
    "iif", "typeof", "likely", "unlikely", "likelihood", "random", "row_number", "rank", "dense_rank",
    "ntile", "percent_rank", "cume_dist", "sqlite_version", "date", "time", "datetime", "julianday",
    "unixepoch",
})


def _authorizer(state: _State) -> Callable[..., int]:
    most = int(state.lim["max_function_calls"])

    def authorize(action: int, arg1: Any, arg2: Any, dbname: Any, source: Any) -> int:
        if action == sqlite3.SQLITE_FUNCTION and state.active and arg2 not in CHEAP_FUNCTIONS:
            state.calls += 1
            if state.calls > most:
                state.refusal = f"query refused: more than {most} function calls in one statement"
                return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    return authorize


def _counting_rows(inner: Any, state: _State) -> Callable[[sqlite3.Cursor, tuple], Any]:
    most = int(state.lim["max_result_bytes"])
    inner = inner or (lambda cursor, row: row)

    def factory(cursor: sqlite3.Cursor, row: tuple) -> Any:
        if state.active:
            state.result += sum(len(v) for v in row if isinstance(v, str | bytes))
            if state.result > most:
                # Reset the statement first: left running (its cursor kept alive by the traceback), it
                # would keep an interrupt from the watchdog pending for the connection's next queries.
                cursor.close()
                raise state.refuse(f"query refused: its rows hold more than {most // MiB} MiB; ask for fewer "
                                   "rows or shorter values")
        return inner(cursor, row)

    factory.nianbao_limits = state  # type: ignore[attr-defined]
    return factory


# --- functions ------------------------------------------------------------------------------------

_local = threading.local()


def _sqlite_own(state: _State, name: str, args: tuple) -> Any:
    """SQLite's own `name(*args)`, on this thread's private in-memory connection (same limits)."""
    helper = getattr(_local, "helper", None)
    if helper is None:
        helper = sqlite3.connect(":memory:")
        for code, key in SQLITE_LIMITS:
            helper.setlimit(code, int(state.lim[key]))
        _local.helper = helper
    placeholders = ", ".join("?" * len(args))
    try:
        return helper.execute(f"select {name}({placeholders})", args).fetchone()[0]
    except sqlite3.Error as e:
        raise state.refuse(f"{name}: {e}") from e


def _size(v: Any) -> int:
    return len(v) if isinstance(v, str | bytes) else 32


def _checked_own(state: _State, name: str, args: tuple) -> Any:
    """SQLite's own function after checking its O(n·m) cost: string length × pattern length."""
    steps = _size(args[0]) * _size(args[1])
    if steps > state.lim["max_scan_steps"]:
        raise state.refuse(f"{name}: arguments too long for this pattern ({_size(args[0])} × {_size(args[1])})")
    return _sqlite_own(state, name, args)


def _wildcard_match(parts: Any, s: Any) -> bool:
    """`s` matches the pattern `parts` joined by any-sequence wildcards (linear: leftmost greedy)."""
    first, last = parts[0], parts[-1]
    if len(first) + len(last) > len(s) or not s.startswith(first) or not s.endswith(last):
        return False
    pos, end = len(first), len(s) - len(last)
    for mid in parts[1:-1]:
        if mid:
            found = s.find(mid, pos, end)
            if found < 0:
                return False
            pos = found + len(mid)
    return True


_ASCII_LETTER = re.compile(r"[A-Za-z]")


@functools.lru_cache(maxsize=512)
def _plan(p: str, wildcard: str, others: str, fold: bool) -> tuple[int, bool, Callable[[Any], bool] | None]:
    """A pattern's byte length, whether the string must be compared as case-folded bytes, and a
    linear matcher (None when the pattern has single-character wildcards `others` or a NUL: those go
    to SQLite's own function).  LIKE folds ASCII letters only: when the pattern has none, folding the
    string cannot change the answer, and the parts are compared as text, unencoded."""
    size = len(p.encode("utf-8"))
    if "\0" in p or "[" in others and "[" in p:
        return size, False, None
    if others[0] in p:
        return size, False, _one_char_plan(p, wildcard, others[0], fold)
    folded = fold and _ASCII_LETTER.search(p) is not None
    parts: Any = p.encode("utf-8").lower().split(wildcard.encode()) if folded else p.split(wildcard)
    if len(parts) == 1:
        return size, folded, parts[0].__eq__
    first, last = parts[0], parts[-1]
    if len(parts) == 2:
        if not last:
            return size, folded, lambda s: s.startswith(first)
        if not first:
            return size, folded, lambda s: s.endswith(last)
    if len(parts) == 3 and not first and not last:
        middle = parts[1]
        return size, folded, lambda s: middle in s
    return size, folded, lambda s: _wildcard_match(parts, s)


def _one_char_plan(p: str, wildcard: str, one: str, fold: bool) -> Callable[[Any], bool]:
    """A matcher for patterns with single-character wildcards: each part between the any-sequence
    wildcards has a fixed length, so the leftmost match of each part, in order, decides (O(n·m) at
    worst, hence the caller's size check)."""
    flags = re.S | (re.I | re.A if fold else 0)  # re.A: IGNORECASE folds ASCII letters only, as LIKE
    texts = p.split(wildcard)
    parts = [re.compile("".join("." if c == one else re.escape(c) for c in t), flags) for t in texts]
    if len(parts) == 1:
        return lambda s: parts[0].fullmatch(s) is not None
    first, last, middle, last_width = parts[0], parts[-1], parts[1:-1], len(texts[-1])

    def match(s: str) -> bool:
        head = first.match(s)
        tail = len(s) - last_width
        if head is None or tail < head.end() or last.fullmatch(s, tail) is None:
            return False
        pos = head.end()
        for part in middle:
            found = part.search(s, pos, tail)
            if found is None:
                return False
            pos = found.end()
        return True

    return match


def _wild(state: _State, name: str, p: str, s: str, wildcard: str, others: str, fold: bool) -> Any:
    size, folded, match = _plan(p, wildcard, others, fold)
    if match is None or "\0" in s:
        return _checked_own(state, name, (p, s))
    if size > state.lim["max_like_pattern_bytes"]:
        raise state.refuse("LIKE or GLOB pattern too complex")
    if others[0] in p and len(s) * size > state.lim["max_scan_steps"]:
        raise state.refuse(f"{name}: string too long for this pattern ({len(s)} × {size})")
    return int(match(s.encode("utf-8").lower() if folded else s))


def _replace_functions(conn: sqlite3.Connection, state: _State) -> None:
    max_len = int(state.lim["max_value_bytes"])
    max_trim = int(state.lim["max_trim_chars"])

    def like(p: Any, s: Any, *escape: Any) -> Any:
        if p is None or s is None or (escape and escape[0] is None):
            return None
        if escape or type(p) is not str or type(s) is not str:
            return _checked_own(state, "like", (p, s, *escape))
        return _wild(state, "like", p, s, "%", "_", True)  # folds ASCII letters only, as bytes.lower()

    def glob(p: Any, s: Any) -> Any:
        if p is None or s is None:
            return None
        if type(p) is not str or type(s) is not str:
            return _checked_own(state, "glob", (p, s))
        return _wild(state, "glob", p, s, "*", "?[", False)

    def instr(x: Any, y: Any) -> Any:
        if x is None or y is None:
            return None
        if (type(x) is str and type(y) is str) or (type(x) is bytes and type(y) is bytes):
            return x.find(y) + 1  # characters for text, bytes for blobs, as SQLite counts
        return _checked_own(state, "instr", (x, y))

    def replace(x: Any, y: Any, z: Any) -> Any:
        if x is None or y is None:
            return None
        if isinstance(y, str | bytes) and y[:1] in ("", "\0", b"", b"\0"):
            return x  # an empty pattern (to SQLite, one starting with NUL is too): X unchanged, any type
        if z is None:
            return None
        if type(x) is str and type(y) is str and type(z) is str:
            n = x.count(y)
            if n and len(x) + n * (len(z) - len(y)) > max_len:
                raise state.refuse("string or blob too big")
            return x.replace(y, z)
        return _checked_own(state, "replace", (x, y, z))

    def trimmer(name: str, strip: Callable[[str, str], str]) -> Callable[[Any, Any], Any]:
        def trim(x: Any, y: Any) -> Any:
            if x is None or y is None:
                return None
            if type(x) is str and type(y) is str and "\0" not in y:
                chars = "".join(dict.fromkeys(y)) if len(y) > max_trim else y
                if len(chars) > max_trim:
                    raise state.refuse(f"{name}: more than {max_trim} characters to trim")
                return strip(x, chars)
            if _size(y) > 4 * max_trim:
                raise state.refuse(f"{name}: more than {max_trim} characters to trim")
            return _checked_own(state, name, (x, y))  # SQLite's own trim is O(len(x) · len(y))

        return trim

    def printf(*args: Any) -> Any:
        if args and isinstance(args[0], str | bytes):
            fmt = args[0] if isinstance(args[0], str) else args[0].decode("utf-8", "replace")
            if _printf_room(fmt, args[1:]) > max_len:
                raise state.refuse(f"printf: widths and precisions add up to more than {max_len} bytes")
        return _sqlite_own(state, "printf", args)

    conn.create_function("like", 2, like, deterministic=True)
    conn.create_function("like", 3, like, deterministic=True)
    conn.create_function("glob", 2, glob, deterministic=True)
    conn.create_function("instr", 2, instr, deterministic=True)
    conn.create_function("replace", 3, replace, deterministic=True)
    conn.create_function("ltrim", 2, trimmer("ltrim", str.lstrip), deterministic=True)
    conn.create_function("rtrim", 2, trimmer("rtrim", str.rstrip), deterministic=True)
    conn.create_function("trim", 2, trimmer("trim", str.strip), deterministic=True)
    conn.create_function("printf", -1, printf, deterministic=True)
    conn.create_function("format", -1, printf, deterministic=True)


_INT_PREFIX = re.compile(r"\s*([+-]?\d+)")
_SPEC = re.compile(r"%([-+ #!0,]*)(\*|\d+)?(?:\.(\*|\d*))?(l{0,2})(.)", re.S)


def _printf_room(fmt: str, args: tuple) -> int:
    """Sum of every conversion's width and precision in a printf format (an upper bound of the
    padding SQLite writes, or loops over after the length limit is hit)."""
    room, i = 0, 0

    def arg_int() -> int:  # as sqlite3_value_int64 reads a `*` argument
        nonlocal i
        v = args[i] if i < len(args) else 0
        i += 1
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        if isinstance(v, str):  # text: its integer prefix, as CAST(… AS INTEGER)
            m = _INT_PREFIX.match(v)
            return abs(int(m.group(1))) if m else 0
        if isinstance(v, float):
            return abs(int(v)) if math.isfinite(v) else 1 << 62
        return abs(v) if isinstance(v, int) else 0

    for m in _SPEC.finditer(fmt):
        _, width, precision, _, kind = m.groups()
        for part in (width, precision):
            if part == "*":
                room += arg_int()
            elif part:
                room += int(part)
        if kind != "%":
            i += 1
    return room


# --- the wall-clock limit -------------------------------------------------------------------------

class _Watchdog:
    """One thread that interrupts each armed connection when its deadline passes."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._heap: list[tuple[float, int, list]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, conn: sqlite3.Connection, seconds: float) -> list:
        entry = [conn, True, False]  # connection, armed, fired
        with self._lock:
            heapq.heappush(self._heap, (time.monotonic() + seconds, next(self._seq), entry))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="nianbao-sql-watchdog", daemon=True)
                self._thread.start()
            if self._heap[0][2] is entry:  # the earliest deadline now: wake the thread to wait less
                self._lock.notify()
        return entry

    def disarm(self, entry: list) -> bool:
        with self._lock:  # after this, the watchdog never touches the connection for this query
            entry[1] = False
            return entry[2]

    def _run(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                while self._heap and (not self._heap[0][2][1] or self._heap[0][0] <= now):
                    _, _, entry = heapq.heappop(self._heap)
                    if entry[1]:
                        entry[2] = True
                        entry[0].interrupt()
                self._lock.wait(self._heap[0][0] - now if self._heap else None)


WATCHDOG = _Watchdog()
# The watchdog fires this long after Datasette's own deadline: a query its progress handler stops
# is over by then, and sqlite3_interrupt's flag, which stays set until a statement starts on an
# otherwise idle connection, is only raised for queries that really ran past their limit.
WATCHDOG_GRACE_S = 0.1
_datasette_timelimit = datasette.database.sqlite_timelimit


@contextmanager
def hard_timelimit(conn: sqlite3.Connection, ms: int) -> Iterator[None]:
    """Datasette's own limit (progress handler), the watchdog's interrupt at the same deadline,
    and this plugin's per-query counters; refusals come out as LimitError with their reason."""
    state = _state(conn)
    if state is None:  # a connection this plugin did not prepare
        with _datasette_timelimit(conn, ms):
            yield
        return
    entry = WATCHDOG.arm(conn, ms / 1000 + WATCHDOG_GRACE_S)
    state.begin()
    try:
        with _datasette_timelimit(conn, ms):
            yield
    except MemoryError as e:
        heap = int(state.lim["heap_limit_bytes"]) // MiB
        raise LimitError(f"query refused: it needs more memory than the server gives SQL ({heap} MiB)") from e
    except LimitError:
        raise
    except sqlite3.DatabaseError as e:
        if state.refusal:
            raise LimitError(state.refusal) from e
        raise
    finally:
        WATCHDOG.disarm(entry)
        state.active = False


def _install() -> None:
    """Put hard_timelimit where Database.execute looks for its limit (once, from the first
    prepared connection: a Datasette without this plugin registered keeps its own)."""
    if datasette.database.sqlite_timelimit is not hard_timelimit:
        datasette.database.sqlite_timelimit = hard_timelimit


# --- admission ------------------------------------------------------------------------------------

class _Slots:
    """A counting semaphore whose waiters give up after a timeout without losing a slot."""

    def __init__(self, n: int) -> None:
        self.free = n
        self.waiters: collections.deque[asyncio.Future] = collections.deque()

    async def acquire(self, timeout: float) -> bool:
        if self.free > 0 and not self.waiters:
            self.free -= 1
            return True
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append(fut)
        try:
            await asyncio.wait({fut}, timeout=timeout)
        except BaseException:
            self._give_up(fut)
            raise
        if fut.done() and not fut.cancelled():
            return True  # release() handed its slot over
        self._give_up(fut)
        return False

    def _give_up(self, fut: asyncio.Future) -> None:
        if fut.done() and not fut.cancelled():
            self.release()  # handed over just now: pass it on
            return
        fut.cancel()
        if fut in self.waiters:
            self.waiters.remove(fut)

    def release(self) -> None:
        while self.waiters:
            fut = self.waiters.popleft()
            if not fut.done():
                fut.set_result(True)
                return
        self.free += 1


def _own_sql(datasette: Any) -> set[str]:
    """The dashboard's chart queries as datasette-dashboards sends them (each `[[ … ]]` kept or
    dropped), whitespace-normalised: the site's own SQL, not a visitor's."""
    own = set()
    for dashboard in (datasette.plugin_config("datasette-dashboards") or {}).values():
        for chart in (dashboard.get("charts") or {}).values():
            query = chart.get("query") or ""
            groups = re.findall(r"\[\[.*?\]\]", query)[:6]
            for keep in itertools.product((False, True), repeat=len(groups)):
                variant = query
                for group, kept in zip(groups, keep, strict=True):
                    variant = variant.replace(group, group[2:-2] if kept else "", 1)
                own.add(" ".join(variant.split()))
    return own


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[Any], Any]:
    def wrap(app: Any) -> Any:
        slots: _Slots | None = None
        waiting = 0
        own: set[str] | None = None

        def user_sql(scope: dict) -> bool:
            """A visitor's SQL (`sql`, `_where`), a raw full-text query, or a CSV stream of a whole
            table (one query after another for as long as the download lasts)."""
            nonlocal own
            params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            if any((k == "_stream" and v not in ("", "0", "off")) or (k == "_searchmode" and v == "raw")
                   for k, v in params):
                return True
            queries = [v for k, v in params if k in ("sql", "_where") and v.strip()]
            if not queries:
                return False
            if own is None:
                own = _own_sql(datasette)
            return any(" ".join(q.split()) not in own for q in queries)

        async def busy(send: Any, lim: dict[str, float]) -> None:
            body = (f"Too many SQL queries are running: at most {int(lim['sql_slots'])} at once. "
                    "Try again in a few seconds.\n").encode()
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"5"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        async def limited(scope: dict, receive: Any, send: Any) -> None:
            nonlocal slots, waiting
            if scope.get("type") != "http" or not user_sql(scope):
                return await app(scope, receive, send)
            lim = limits(datasette)
            if slots is None:
                slots = _Slots(int(lim["sql_slots"]))
            if waiting >= lim["max_waiting"]:
                return await busy(send, lim)
            waiting += 1
            try:
                admitted = await slots.acquire(lim["queue_timeout_s"])
            finally:
                waiting -= 1
            if not admitted:
                return await busy(send, lim)
            try:
                await app(scope, receive, send)
            finally:
                slots.release()

        return limited

    return wrap
