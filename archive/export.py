"""A dated release for people who download the data: the SQLite file, a CSV per table, a manifest.

The manifest (manifest.json) lists every file with its sha256 and every table with its row count,
and the schema, extractor and indicator-definitions versions that produced them (the codebook
itself is csv/indicator_definitions.csv), so a release can be verified and cited.
CSV is written with the stdlib csv module from sqlite-utils row iterators (streamed: the requests
table of a full archive has millions of rows); raw capture bytes stay in the SQLite file only.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .ingest import extractor_version
from .research.definitions import DEFINITIONS_VERSION
from .schema import schema_version
from .serve import snapshot

SKIP_COLUMNS = {"capture_blobs": {"data"}}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export_tables(db: Database) -> list[str]:
    """The tables a release exports as CSV: every table but the search index (contentless: it has
    no text to export, and the SQLite file carries it) and migration bookkeeping."""
    fts = {t for t in db.table_names() if t.startswith("report_search")}
    return [t for t in db.table_names() if t not in fts and not t.startswith("_")] + ["report_summary"]


def export(db_path: str | Path, out: str | Path, *, date: str | None = None) -> Path:
    """Write `out/nianbao-YYYY-MM-DD/` and return it."""
    import nianbao

    date = date or datetime.now(UTC).date().isoformat()
    release = Path(out) / f"nianbao-{date}"
    (release / "csv").mkdir(parents=True, exist_ok=True)
    snap = snapshot(db_path, release)
    db = Database(snap)
    tables: dict[str, Any] = {}
    for name in export_tables(db):
        skip = SKIP_COLUMNS.get(name, set())
        columns = [c for c in db[name].columns_dict if c not in skip]
        path = release / "csv" / f"{name}.csv"
        rows = 0
        quoted = ", ".join(f'"{c}"' for c in columns)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in db.execute(f'select {quoted} from "{name}"'):
                writer.writerow(row)
                rows += 1
        tables[name] = {"rows": rows, "csv": f"csv/{name}.csv", "sha256": file_sha256(path)}
    manifest = {
        "name": "nianbao", "release": date, "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "nianbao_version": nianbao.__version__, "extractor_version": extractor_version(),
        "schema_version": schema_version(db), "definitions_version": DEFINITIONS_VERSION, "sqlite_version": db.execute("select sqlite_version()").fetchone()[0],
        "database": {"file": snap.name, "sha256": file_sha256(snap), "bytes": snap.stat().st_size},
        "tables": tables,
    }
    db.close()
    (release / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return release
