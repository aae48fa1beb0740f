"""Peak memory and time of `nianbao parse` and `nianbao ingest` on the hostile files of issue 14.

    .venv/bin/python bench/bombs.py --out /tmp/nb-bombs            # this checkout
    .venv/bin/python bench/bombs.py --out /tmp/nb-bombs --code OLD  # another checkout's code (PYTHONPATH=OLD)

Builds the files with tests/bombs.py (PDF bombs of 1 GiB in every filter form, HTML pages of
nested, many-tag and spanning tables), runs each command in a subprocess under a 4 GiB address-space
cap, and prints its exit status, seconds and peak RSS (`os.wait4`'s ru_maxrss).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import bombs  # noqa: E402

from extract.limits import MAX_HTML_BYTES  # noqa: E402

CAP = 4 << 30


def run(args: list[str], code: str | None, out: Path) -> tuple[int, float, int, str]:
    """One command, run in `out` (so that `-c` puts no checkout's code first on sys.path)."""
    env = {"PYTHONPATH": code} if code else {}
    started = time.monotonic()
    status, peak = bombs.run_measured([sys.executable, "-c", "from nianbao.cli import main; main(prog_name='nianbao')",
                                       *args], out / "stdout.txt", out / "stderr.txt", env=env, cwd=out,
                                      address_space=CAP, timeout=900)
    err = (out / "stderr.txt").read_text("utf-8", "replace").strip().splitlines()
    return status, time.monotonic() - started, peak // (1024 * 1024), (err or [""])[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--code", help="run the code of another checkout (its root, put on PYTHONPATH)")
    opts = parser.parse_args()
    out = opts.out
    shutil.rmtree(out, ignore_errors=True)
    (out / "pdf").mkdir(parents=True)
    files: list[Path] = []
    for form in bombs.PDF_VARIANTS:
        path = out / "pdf" / f"{form}.pdf"
        path.write_bytes(bombs.pdf_variant(form, 1 << 30))
        files.append(path)
    for method in ("rc4", "aes"):
        path = out / "pdf" / f"encrypted_{method}.pdf"
        path.write_bytes(bombs.encrypted_pdf(method, 1 << 30))
        files.append(path)
    pages = {"nested-30MB.html": bombs.nested_tables_html(30 << 20), "tags-7MB.html": bombs.wide_tables_html(7 << 20),
             "spans-within-limits.html": bombs.spanning_tables_html(MAX_HTML_BYTES - 512 * 1024, rows=50)}
    for name, text in pages.items():
        (out / name).write_text(text, encoding="utf-8")
        files.append(out / name)
    print("| command | file | exit | seconds | peak RSS MiB | last line |")
    print("|---|---|---|---|---|---|")
    for path in files:
        rc, secs, peak, line = run(["parse", str(path), "--json"], opts.code, out)
        print(f"| parse | {path.name} | {rc} | {secs:.1f} | {peak} | {line[-90:]} |", flush=True)
    for target in (out / "pdf", out / "spans-within-limits.html"):
        db = out / "archive.db"
        for stale in out.glob("archive.db*"):
            stale.unlink()
        rc, secs, peak, line = run(["ingest", str(target), "--db", str(db)], opts.code, out)
        print(f"| ingest | {target.name} | {rc} | {secs:.1f} | {peak} | {line[-90:]} |", flush=True)


if __name__ == "__main__":
    main()
