"""How fast `extract` reads reports, per format, on one core, and where the time goes.

    .venv/bin/python bench/parse.py                  # Markdown table (the one in BENCHMARKS.md)
    .venv/bin/python bench/parse.py --profile        # plus a cProfile top 10 per format
    .venv/bin/python bench/parse.py --json           # machine-readable figures
    .venv/bin/python bench/parse.py --ocr 12         # plus OCR of 12 generated scans (bench/ocr.py)

Why one core: an archive run parses reports one per process, so the figure that sizes a crawl is
reports per second per core (multiply by the cores you give it).  The aims from the issue are
≥ 100 HTML reports/s and ≥ 10 five-page PDFs/s.

Inputs are the shared examples (`../shared/examples`, or $NIANBAO_EXAMPLES) and, when
`tests/generate.py` can render them, synthetic reports of both templates in every layout it
knows.  Every file is parsed once to warm up (imports, PDFium, compiled regexes), then `--repeat`
times; the figure per file is the median of its repeats, and reports/s for a format is its file
count over the sum of those medians.  Stages are timed inside the real `parse_bytes` by wrapping
the four functions `extract.parse` calls (read_document, read_tables, read_metadata,
check_report); `other` is the remainder (format vote, structure problems).  `body_text`
(trafilatura for HTML) is timed apart: the archive calls it, `nianbao parse` does not.

The extractor caches what labels and cell texts mean (`extract.templates.per_vocabulary`, functools
caches): a crawl's process reads many reports, and they print the same labels and mostly the same
small numbers.  The repeats see those caches warm from the file's own earlier parse, which
flatters; `--cold` empties them before every timed parse, the worst case — report both.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import extract.parse as parse_module  # noqa: E402
from extract import parse_bytes  # noqa: E402
from extract.body import body_text  # noqa: E402
from extract.readers import read_document  # noqa: E402

EXAMPLES = Path(os.environ.get("NIANBAO_EXAMPLES", ROOT.parent / "shared" / "examples"))
STAGES = ("read", "tables", "metadata", "checks")
_WRAPPED = {"read": "read_document", "tables": "read_tables", "metadata": "read_metadata", "checks": "check_report"}
FORMATS = ("html", "pdf", "text", "docx", "xlsx", "ofd")
AIMS = {"html": 100.0, "pdf": 10.0}  # reports/s on one core (PDF: five-page reports)
SUFFIX_FORMAT = {".html": "html", ".htm": "html", ".pdf": "pdf", ".txt": "text", ".docx": "docx", ".xlsx": "xlsx", ".ofd": "ofd"}


@dataclass
class Sample:
    """One input file and its timings (seconds), one entry per repetition."""

    name: str
    fmt: str
    source: str  # "example" or "generated"
    data: bytes
    pages: int = 0
    total: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # process CPU time: robust to a busy machine
    stages: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    body: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)  # the format's floor (see floor()), same runs


# --- corpus ---------------------------------------------------------------------------------------


def example_samples() -> list[Sample]:
    if not EXAMPLES.is_dir():
        return []
    out = []
    for path in sorted(EXAMPLES.iterdir()):
        fmt = SUFFIX_FORMAT.get(path.suffix.lower())
        if fmt:
            out.append(Sample(path.name, fmt, "example", path.read_bytes()))
    return out


def generated_samples(count: int) -> tuple[list[Sample], str | None]:
    """Synthetic reports from tests/generate.py; (samples, why none) so a broken or absent
    generator degrades the benchmark to the examples instead of stopping it."""
    if count <= 0:
        return [], "disabled"
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import generate as g  # type: ignore[import-not-found]
    except Exception as exc:  # the generator is being written alongside; the examples still run
        return [], f"tests/generate.py not importable: {type(exc).__name__}: {exc}"
    needed = ("make_spec", "render_html", "render_pdf", "render_text", "render_docx")
    missing = [n for n in needed if not hasattr(g, n)]
    if missing:
        return [], f"tests/generate.py lacks {', '.join(missing)}"
    layouts = ("trs", "flat_repeat", "flat_empty", "shanghai")
    out: list[Sample] = []
    try:
        for seed in range(count):
            template = "2019" if seed % 2 == 0 else "2021"
            spec = g.make_spec(seed, template, blanks=seed % 3 == 0, odd_labels=seed % 4 == 1,
                               amount_in_yuan=seed % 5 == 2)
            tag = f"gen-{seed:03d}-{template}"
            layout = layouts[seed % len(layouts)]
            encoding = "gbk" if seed % 3 == 1 else "utf-8"
            out.append(Sample(f"{tag}-{layout}.html", "html", "generated", g.render_html(spec, layout, encoding)))
            ruled = seed % 4 != 3
            out.append(Sample(f"{tag}{'' if ruled else '-unruled'}.pdf", "pdf", "generated",
                              g.render_pdf(spec, ruled=ruled)))
            out.append(Sample(f"{tag}.txt", "text", "generated", g.render_text(spec)))
            out.append(Sample(f"{tag}.docx", "docx", "generated", g.render_docx(spec)))
            out.append(Sample(f"{tag}.xlsx", "xlsx", "generated", g.render_xlsx(spec, sheet_per_table=seed % 2 == 1)))
            out.append(Sample(f"{tag}{'' if ruled else '-unruled'}.ofd", "ofd", "generated",
                              g.render_ofd(spec, ("strings", "glyphs", "ctm")[seed % 3], ruled=ruled)))
    except Exception as exc:  # report what ran rather than nothing
        return out, f"generation stopped: {type(exc).__name__}: {exc}"
    return out, None


def count_pages(sample: Sample) -> int:
    if sample.fmt != "pdf":
        return 0
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(sample.data)
    try:
        return len(pdf)
    finally:
        pdf.close()


# --- timing ---------------------------------------------------------------------------------------


@contextmanager
def stage_timers(into: dict[str, float]) -> Iterator[None]:
    """Wrap the stage functions as `extract.parse` sees them, adding their time to `into`."""
    originals = {stage: getattr(parse_module, fn) for stage, fn in _WRAPPED.items()}

    def timed(stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                into[stage] += time.perf_counter() - start

        return wrapper

    for stage, fn in originals.items():
        setattr(parse_module, _WRAPPED[stage], timed(stage, fn))
    try:
        yield
    finally:
        for stage, fn in originals.items():
            setattr(parse_module, _WRAPPED[stage], fn)


def floor(sample: Sample) -> None:
    """The least any reader of the format must do, timed in the same loop as the parse: for a PDF,
    PDFium opening the file and extracting every page's text; for HTML, lxml parsing the page.
    nianbao's time is reported as a multiple of it (issue 11 item 5)."""
    if sample.fmt == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(sample.data)
        try:
            for page in pdf:
                text = page.get_textpage()
                text.get_text_range()
                text.close()
                page.close()
        finally:
            pdf.close()
    elif sample.fmt == "html":
        import lxml.html

        lxml.html.document_fromstring(sample.data)


FLOORS = {"pdf": "PDFium: open + every page's text", "html": "lxml: parse the page"}


def clear_caches() -> None:
    """Empty every cache the extractor keeps between reports (label normalization, label → code,
    cell text → value: functools caches and `templates.per_vocabulary`), so a parse is timed as a
    process's first sight of those texts.  Found by looking, not listed, so a new cache is included."""
    for name, module in list(sys.modules.items()):
        if name == "extract" or name.startswith("extract."):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def run_once(sample: Sample, cold: bool = False) -> None:
    if cold:
        clear_caches()
    spent: dict[str, float] = defaultdict(float)
    with stage_timers(spent):
        cpu = time.process_time()
        start = time.perf_counter()
        report = parse_bytes(sample.data, sample.name, name=sample.name)
        total = time.perf_counter() - start
        cpu = time.process_time() - cpu
    sample.total.append(total)
    sample.cpu.append(cpu)
    for stage in STAGES:
        sample.stages[stage].append(spent[stage])
    doc = report.extras["document"]
    start = time.perf_counter()
    body_text(doc)
    sample.body.append(time.perf_counter() - start)
    if sample.fmt in FLOORS:
        start = time.perf_counter()
        floor(sample)
        sample.floor.append(time.perf_counter() - start)


def pin_to_one_core(cpu: int | None = None) -> str:
    if hasattr(os, "sched_setaffinity"):
        try:
            cpu = min(os.sched_getaffinity(0)) if cpu is None else cpu
            os.sched_setaffinity(0, {cpu})
            return f"pinned to CPU {cpu}"
        except OSError as exc:
            return f"not pinned ({exc})"
    return "not pinned (no sched_setaffinity)"


# --- summary --------------------------------------------------------------------------------------


def summarize(samples: list[Sample]) -> dict[str, dict[str, Any]]:
    by_fmt: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_fmt[s.fmt].append(s)
    out: dict[str, dict[str, Any]] = {}
    for fmt in FORMATS:
        group = by_fmt.get(fmt)
        if not group:
            continue
        medians = [statistics.median(s.total) for s in group]
        stage_med = {st: [statistics.median(s.stages[st]) for s in group] for st in STAGES}
        total = sum(medians)
        cpu_total = sum(statistics.median(s.cpu) for s in group)
        other = max(total - sum(sum(v) for v in stage_med.values()), 0.0)
        row: dict[str, Any] = {
            "files": len(group),
            "examples": sum(s.source == "example" for s in group),
            "median_ms": 1000 * statistics.median(medians),
            "max_ms": 1000 * max(medians),
            "reports_per_s": len(group) / total,
            "reports_per_cpu_s": len(group) / cpu_total if cpu_total else None,
            "stage_ms": {st: 1000 * sum(v) / len(group) for st, v in stage_med.items()} | {
                "other": 1000 * other / len(group)},
            "stage_share": {st: sum(v) / total for st, v in stage_med.items()} | {"other": other / total},
            "body_text_ms": 1000 * statistics.median(statistics.median(s.body) for s in group),
        }
        if fmt in FLOORS:
            floor_total = sum(statistics.median(s.floor) for s in group)
            row["floor"] = FLOORS[fmt]
            row["floor_ms"] = 1000 * floor_total / len(group)
            row["floor_multiple"] = total / floor_total
        if fmt == "pdf":
            pages = sum(s.pages for s in group)
            row["pages_mean"] = pages / len(group)
            row["ms_per_page"] = 1000 * total / pages
            row["five_page_reports_per_s"] = pages / 5 / total
        if fmt in AIMS:
            rate = row["five_page_reports_per_s"] if fmt == "pdf" else row["reports_per_s"]
            row["aim"] = AIMS[fmt]
            row["aim_met"] = rate >= AIMS[fmt]
        out[fmt] = row
    return out


def per_file(samples: list[Sample]) -> list[dict[str, Any]]:
    return [{"name": s.name, "format": s.fmt, "source": s.source, "pages": s.pages or None,
             "median_ms": 1000 * statistics.median(s.total)} for s in samples]


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def markdown(summary: dict[str, dict[str, Any]]) -> str:
    head = ("| format | files (examples) | median ms/file | max ms/file | reports/s | reports/CPU-s | read | tables "
            "| metadata | checks | other | body_text ms | aim |")
    lines = [head, "|" + " --- |" * (head.count("|") - 1)]
    for fmt, r in summary.items():
        stages = [f"{r['stage_ms'][st]:.1f} ({100 * r['stage_share'][st]:.0f}%)" for st in (*STAGES, "other")]
        if "aim" in r:
            measured = r["five_page_reports_per_s"] if fmt == "pdf" else r["reports_per_s"]
            unit = " five-page" if fmt == "pdf" else ""
            aim = f"≥ {r['aim']:g}{unit}/s: {'met' if r['aim_met'] else 'MISSED'} ({measured:.1f})"
        else:
            aim = "-"
        lines.append(f"| {fmt} | {r['files']} ({r['examples']}) | {r['median_ms']:.1f} | {r['max_ms']:.1f} | "
                     f"{r['reports_per_s']:.1f} | {_num(r['reports_per_cpu_s'])} | {' | '.join(stages)} | {r['body_text_ms']:.2f} | {aim} |")
    floors = [(fmt, r) for fmt, r in summary.items() if "floor_multiple" in r]
    if floors:
        lines += ["", "| format | nianbao ms/file (mean of medians) | floor ms/file | floor | multiple of the floor |",
                  "| --- | ---: | ---: | --- | ---: |"]
        for fmt, r in floors:
            mean = 1000 / r["reports_per_s"]
            lines.append(f"| {fmt} | {mean:.1f} | {r['floor_ms']:.1f} | {r['floor']} | **{r['floor_multiple']:.1f}×** |")
    if "pdf" in summary:
        p = summary["pdf"]
        lines.append("")
        lines.append(f"PDF: {p['pages_mean']:.1f} pages per file on average, {p['ms_per_page']:.1f} ms per page, "
                     f"{p['five_page_reports_per_s']:.1f} five-page reports/s.")
    lines.append("")
    lines.append("reports/s is wall-clock (files over the sum of per-file medians); reports/CPU-s uses process "
                 "CPU time, which a busy machine disturbs less. Stage columns: mean ms per file (share of the "
                 "format's parse time). `read` is sniff + decode + the format's reader; `other` is the rest of "
                 "build_report. body_text is not part of parse.")
    return "\n".join(lines)


# --- profiling ------------------------------------------------------------------------------------


def profile(samples: list[Sample], repeat: int, top: int = 10) -> dict[str, list[dict[str, Any]]]:
    """cProfile per format over `repeat` passes of its files: the top functions by cumulative
    time, below the entry points (parse_bytes, build_report) that are 100% by definition."""
    out: dict[str, list[dict[str, Any]]] = {}
    skip = {("parse.py", "parse_bytes"), ("parse.py", "build_report"), ("parse.py", "_profiled_pass")}
    for fmt in FORMATS:
        group = [s for s in samples if s.fmt == fmt]
        if not group:
            continue
        prof = cProfile.Profile()
        prof.enable()
        _profiled_pass(group, repeat)
        prof.disable()
        stats = pstats.Stats(prof, stream=io.StringIO())
        total = max((v[3] for v in stats.stats.values()), default=0.0)  # type: ignore[attr-defined]
        rows = []
        for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            short = _short_path(filename)
            if (Path(filename).name, func) in skip or func.startswith("<built-in method builtins.exec"):
                continue
            if filename == "~" and func in ("<method 'disable' of '_lsprof.Profiler' objects>",):
                continue
            rows.append({"function": f"{short}:{line}({func})" if filename != "~" else func, "calls": ncalls,
                         "tottime_s": tottime, "cumtime_s": cumtime, "cum_share": cumtime / total if total else 0})
        rows.sort(key=lambda r: -r["cumtime_s"])
        out[fmt] = rows[:top]
    return out


def _profiled_pass(group: list[Sample], repeat: int) -> None:
    for _ in range(repeat):
        for s in group:
            parse_bytes(s.data, s.name, name=s.name)


def _short_path(filename: str) -> str:
    """`extract/tables.py`, `lxml/html/__init__.py`: short enough for a table, still unambiguous."""
    parts = Path(filename).parts
    if "site-packages" in parts:
        return "/".join(parts[parts.index("site-packages") + 1:])
    if "extract" in parts:
        return "/".join(parts[parts.index("extract"):])
    return Path(filename).name


def profile_markdown(prof: dict[str, list[dict[str, Any]]]) -> str:
    parts = []
    for fmt, rows in prof.items():
        parts.append(f"\n#### {fmt}: top {len(rows)} by cumulative time\n")
        parts.append("| function | calls | self s | cumulative s | share |")
        parts.append("| --- | --- | --- | --- | --- |")
        for r in rows:
            parts.append(f"| `{r['function']}` | {r['calls']} | {r['tottime_s']:.3f} | {r['cumtime_s']:.3f} | "
                         f"{100 * r['cum_share']:.0f}% |")
    return "\n".join(parts)


# --- machine --------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for dist in ("lxml", "pypdfium2", "python-docx", "trafilatura"):
        try:
            versions[dist] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            versions[dist] = None
    return {"nproc": os.cpu_count(), "cpu": model or platform.processor() or None,
            "python": platform.python_version(), "platform": platform.platform(), "versions": versions}


def _loadavg() -> list[float] | None:
    """Other work on the machine skews wall-clock figures; the load average records how much."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=7, help="timed passes over every file (median taken)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed passes first")
    ap.add_argument("--generated", type=int, default=24, help="synthetic specs to render (0: examples only)")
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated subset of " + ",".join(FORMATS))
    ap.add_argument("--profile", action="store_true", help="also print a cProfile top 10 per format")
    ap.add_argument("--profile-repeat", type=int, default=3, help="passes over the files under cProfile")
    ap.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    ap.add_argument("--save", type=Path, default=None, help="also write the JSON figures to this file")
    ap.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: the first one allowed)")
    ap.add_argument("--cold", action="store_true",
                    help="empty the extractor's label and value caches before every timed parse (a process's "
                         "first report; by default they are warm, as in a crawl that has read others)")
    ap.add_argument("--ocr", type=int, default=0,
                    help="also OCR this many generated scans (bench/ocr.py, in its own unpinned process)")
    args = ap.parse_args(argv)

    pinned = pin_to_one_core(args.cpu)
    load_before = _loadavg()
    wanted = {f.strip() for f in args.formats.split(",") if f.strip()}
    gen, gen_note = generated_samples(args.generated)
    samples = [s for s in example_samples() + gen if s.fmt in wanted]
    if not samples:
        print("no input files (examples missing and nothing generated)", file=sys.stderr)
        return 1
    for s in samples:
        s.pages = count_pages(s)

    for _ in range(max(args.warmup, 0)):
        for s in samples:
            parse_bytes(s.data, s.name, name=s.name)
            body_text(read_document(s.data, s.name))
    wall = time.perf_counter()
    gc.collect()
    for _ in range(args.repeat):
        for s in samples:  # interleaved, so a slow moment of the machine spreads over every format
            run_once(s, args.cold)
    wall = time.perf_counter() - wall
    summary = summarize(samples)
    prof = profile(samples, args.profile_repeat) if args.profile else None

    info = machine() | {"affinity": pinned, "loadavg_before": load_before, "loadavg_after": _loadavg(),
                        "repeat": args.repeat, "warmup": args.warmup, "caches": "cold" if args.cold else "warm",
                        "generated": gen_note or f"{sum(s.source == 'generated' for s in samples)} files",
                        "timed_wall_s": wall}
    figures = {"machine": info, "summary": summary, "files": per_file(samples), "profile": prof}
    if args.save:
        args.save.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return 0
    print(f"machine: {info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, {pinned}; "
          f"repeat={args.repeat}, warmup={args.warmup}, caches {info['caches']}; generated: {info['generated']}; "
          f"timed passes took {wall:.1f} s; load average before/after {info['loadavg_before']} / "
          f"{info['loadavg_after']}\n")
    print(markdown(summary))
    if prof:
        print(profile_markdown(prof))
    if args.ocr:
        print()
        return ocr_figures(args.ocr)
    return 0


def ocr_figures(count: int) -> int:
    """bench/ocr.py in a child process: its peak memory is the OCR's alone, and it is not held
    to the one core this process pinned itself to (the child's affinity is reset to all)."""
    import subprocess

    allowed = list(range(os.cpu_count() or 1))
    return subprocess.run([sys.executable, str(ROOT / "bench" / "ocr.py"), "--count", str(count)],
                          preexec_fn=(lambda: os.sched_setaffinity(0, allowed)) if hasattr(os, "sched_setaffinity")
                          else None, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
