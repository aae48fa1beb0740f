"""Citable releases for people who download the data: `nianbao export --out DIR`.

Each export writes a new directory `DIR/nianbao-<date>.<n>/` — the date and a sequence number
within it, so a second export the same day is a second release, never an overwrite — holding:

- `nianbao.db`: the archive without its internal tables (`schema.INTERNAL_TABLES`: the crawler's
  state, SQLite's statistics); the search index stays, so the file is searchable in plain sqlite3;
- `csv/<table>.csv`: every table and the `report_summary` view (raw capture bytes stay in the
  SQLite file only; the contentless search index has no text to export);
- `CHANGELOG.md` and `changes.json`: what changed against the previous release in DIR — reports
  new, changed (other content or other table values) and withdrawn, by URL; extractor and schema
  versions before and after;
- `CITATION.cff` (Citation File Format 1.2.0) and `dataset.jsonld` (schema.org `Dataset`, with
  one `DataDownload` per file and its sha256), so the release can be cited and indexed;
- `manifest.json`: every file with its sha256, every table with its row count, the nianbao,
  extractor, schema and indicator-definitions versions (the codebook itself is
  `csv/indicator_definitions.csv`).

CSV is written with the stdlib csv module (streamed: the requests table of a full archive has
millions of rows).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .research.definitions import DEFINITIONS_VERSION
from .schema import INTERNAL_TABLES, schema_version
from .serve import snapshot
from .write import extractor_version

SKIP_COLUMNS = {"capture_blobs": {"data"}}
RELEASE = re.compile(r"^nianbao-(\d{4}-\d{2}-\d{2})\.(\d+)$")
TITLE = "nianbao: government information-disclosure annual reports of China (政府信息公开工作年度报告)"
DESCRIPTION = ("Every government information-disclosure annual report the archive has read, every cell of its three "
               "statutory tables, every consistency check with both sides, and each report's source page.")


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


def releases(out: Path) -> list[Path]:
    """The releases already in `out`, oldest first (by date, then sequence)."""
    found = [(m.group(1), int(m.group(2)), p) for p in out.glob("nianbao-*") if p.is_dir()
             and (m := RELEASE.match(p.name)) and (p / "manifest.json").exists()]
    return [p for _d, _n, p in sorted(found)]


def _new_release_dir(out: Path, date: str) -> Path:
    """`out/nianbao-<date>.<n>`, n one more than any release of that date: made here, never reused."""
    out.mkdir(parents=True, exist_ok=True)
    n = 1 + max((int(m.group(2)) for p in out.glob(f"nianbao-{date}.*") if (m := RELEASE.match(p.name))), default=0)
    while True:
        release = out / f"nianbao-{date}.{n}"
        try:
            release.mkdir()
            return release
        except FileExistsError:  # another export took it meanwhile
            n += 1


def _write_csvs(db: Database, release: Path) -> dict[str, Any]:
    (release / "csv").mkdir()
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
    return tables


def _reports(db_path: Path) -> dict[str, tuple[str | None, str | None]]:
    """Each report (not a re-posted copy) by URL: its content hash and its table values' hash."""
    con = Database(db_path)
    try:
        return {url: (content, values) for url, content, values in con.execute(
            "select url, content_sha256, values_sha256 from reports where duplicate_of is null")}
    finally:
        con.close()


def changes(previous: dict[str, Any] | None, before: dict[str, tuple], after: dict[str, tuple],
            versions: dict[str, Any]) -> dict[str, Any]:
    """What a release changes against the previous one: reports new, changed, withdrawn (by URL)."""
    out: dict[str, Any] = {
        "previous_release": previous["release"] if previous else None,
        "new": sorted(after.keys() - before.keys()),
        "changed": sorted(u for u in after.keys() & before.keys() if after[u] != before[u]),
        "withdrawn": sorted(before.keys() - after.keys()),
        "reports": len(after),
        "extractor_version": {"before": previous.get("extractor_version") if previous else None,
                              "after": versions["extractor_version"]},
        "schema_version": {"before": previous.get("schema_version") if previous else None,
                           "after": versions["schema_version"]},
    }
    out["unchanged"] = len(after) - len(out["new"]) - len(out["changed"])
    return out


def changelog_markdown(release: str, diff: dict[str, Any]) -> str:
    lines = [f"# nianbao release {release}", ""]
    if diff["previous_release"] is None:
        lines += [f"First release: {diff['reports']} reports.", ""]
    else:
        lines += [f"Against release {diff['previous_release']}: {len(diff['new'])} new, {len(diff['changed'])} changed, "
                  f"{len(diff['withdrawn'])} withdrawn, {diff['unchanged']} unchanged reports "
                  f"({diff['reports']} in all).", ""]
    for key in ("extractor_version", "schema_version"):
        v = diff[key]
        moved = "" if v["before"] in (None, v["after"]) else f" (was {v['before']})"
        lines.append(f"- {key.replace('_', ' ')}: {v['after']}{moved}")
    for kind in ("new", "changed", "withdrawn"):
        if diff["previous_release"] is not None and diff[kind]:
            lines += ["", f"## {kind.capitalize()} reports", "", *[f"- {url}" for url in diff[kind]]]
    return "\n".join(lines) + "\n"


def citation_cff(release: str, date: str) -> str:
    """CITATION.cff for the release (Citation File Format 1.2.0), as YAML text."""
    import yaml

    data = {"cff-version": "1.2.0", "message": "If you use this dataset, please cite this release.",
            "type": "dataset", "title": TITLE, "version": release, "date-released": date,
            "authors": [{"name": "nianbao contributors"}], "abstract": DESCRIPTION,
            "keywords": ["政府信息公开", "annual reports", "government transparency", "China", "FOI"]}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


ENCODINGS = {".db": "application/vnd.sqlite3", ".csv": "text/csv", ".md": "text/markdown", ".json": "application/json",
             ".cff": "application/x-yaml"}


def dataset_jsonld(release: str, date: str, files: dict[str, dict[str, Any]], years: tuple[Any, Any]) -> dict[str, Any]:
    """The release as a schema.org `Dataset`, each file a `DataDownload` with its sha256."""
    doc: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Dataset", "name": TITLE, "description": DESCRIPTION,
        "version": release, "datePublished": date, "creator": {"@type": "Organization", "name": "nianbao contributors"},
        "spatialCoverage": {"@type": "Place", "name": "中华人民共和国 · China"}, "inLanguage": "zh",
        "distribution": [{"@type": "DataDownload", "contentUrl": name, "encodingFormat": ENCODINGS.get(Path(name).suffix),
                          "contentSize": f"{f['bytes']} B", "sha256": f["sha256"]} for name, f in files.items()],
    }
    if years[0] is not None:
        doc["temporalCoverage"] = f"{years[0]}/{years[1]}"
    return doc


def export(db_path: str | Path, out: str | Path, *, date: str | None = None) -> Path:
    """Write a new release `out/nianbao-<date>.<n>/` and return it (see the module docstring)."""
    import nianbao

    out = Path(out)
    date = date or datetime.now(UTC).date().isoformat()
    previous_dir = (releases(out) or [None])[-1] if out.is_dir() else None
    release = _new_release_dir(out, date)
    name = release.name.removeprefix("nianbao-")
    snap = snapshot(db_path, release, drop=INTERNAL_TABLES, served=False)
    db = Database(snap)
    tables = _write_csvs(db, release)
    versions = {"extractor_version": extractor_version(), "schema_version": schema_version(db),
                "definitions_version": DEFINITIONS_VERSION}
    years = db.execute("select min(year), max(year) from reports").fetchone()
    sqlite_version = db.execute("select sqlite_version()").fetchone()[0]
    db.close()
    previous = json.loads((previous_dir / "manifest.json").read_text(encoding="utf-8")) if previous_dir else None
    before = _reports(previous_dir / previous["database"]["file"]) if previous_dir else {}
    diff = changes(previous, before, _reports(snap), versions)
    (release / "changes.json").write_text(json.dumps(diff, ensure_ascii=False, indent=1), encoding="utf-8")
    (release / "CHANGELOG.md").write_text(changelog_markdown(name, diff), encoding="utf-8")
    (release / "CITATION.cff").write_text(citation_cff(name, date), encoding="utf-8")
    files = {p.relative_to(release).as_posix(): {"sha256": file_sha256(p), "bytes": p.stat().st_size}
             for p in sorted(release.rglob("*")) if p.is_file()}
    (release / "dataset.jsonld").write_text(json.dumps(dataset_jsonld(name, date, files, years), ensure_ascii=False,
                                                       indent=1), encoding="utf-8")
    files["dataset.jsonld"] = {"sha256": file_sha256(release / "dataset.jsonld"),
                               "bytes": (release / "dataset.jsonld").stat().st_size}
    manifest = {
        "name": "nianbao", "release": name, "date": date, "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "previous_release": diff["previous_release"], "nianbao_version": nianbao.__version__, **versions,
        "sqlite_version": sqlite_version,
        "database": {"file": snap.name, "sha256": files[snap.name]["sha256"], "bytes": files[snap.name]["bytes"]},
        "tables": tables, "files": files,
        "changes": {k: len(diff[k]) for k in ("new", "changed", "withdrawn")},
    }
    (release / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return release
