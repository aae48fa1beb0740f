"""Definitions as data: the docs page, Datasette's descriptions and the archive's codebook table say
what archive/research/definitions.py says, and every cell it names is a template cell."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from archive.research import refresh_research_layer
from archive.research.definitions import (
    BY_CODE,
    COLUMN_DESCRIPTIONS,
    DEFINITIONS_VERSION,
    INDICATORS,
    TABLE_DESCRIPTIONS,
    Cell,
)
from archive.research.docs_page import PAGE, render
from archive.schema import open_db

ROOT = Path(__file__).resolve().parent.parent


def test_docs_page_is_generated_from_the_definitions() -> None:
    assert PAGE.read_text(encoding="utf-8") == render(), "run: python -m archive.research.docs_page"
    for ind in INDICATORS:
        assert f"| `{ind.code}` |" in render()


def test_datasette_descriptions_are_the_definitions() -> None:
    meta = yaml.safe_load((ROOT / "datasette" / "metadata.yml").read_text(encoding="utf-8"))
    tables = meta["databases"]["nianbao"]["tables"]
    for table, columns in COLUMN_DESCRIPTIONS.items():
        assert tables[table]["columns"] == columns, table
        assert tables[table]["description"] == TABLE_DESCRIPTIONS[table], table


def test_described_columns_are_the_tables_columns() -> None:
    db = open_db(":memory:")
    for table, columns in COLUMN_DESCRIPTIONS.items():
        assert list(db[table].columns_dict) == list(columns), table


def test_the_archive_stores_the_codebook_with_its_version() -> None:
    db = open_db(":memory:")
    refresh_research_layer(db)
    rows = {r["code"]: r for r in db.query("select * from indicator_definitions")}
    assert set(rows) == set(BY_CODE)
    assert {r["version"] for r in rows.values()} == {DEFINITIONS_VERSION}
    assert rows["rate_disclosed"]["numerator"] == "3:3.1/total"
    assert rows["rate_disclosed"]["denominator"] == "3:3.7/total"
    assert rows["review_correction_rate"]["min_denominator"] == 10


def test_one_share_per_refusal_and_not_processed_reason() -> None:
    refused = sorted(c for c in BY_CODE if c.startswith("rate_refused_"))
    not_processed = sorted(c for c in BY_CODE if c.startswith("rate_not_processed_"))
    assert refused == [f"rate_refused_3_3_{i}" for i in range(1, 9)]
    assert not_processed == [f"rate_not_processed_3_5_{i}" for i in range(1, 6)]


@pytest.mark.parametrize("cell", [("requests", "3.9", "total"), ("requests", "1", "people"),
                                  ("reviews", "review", "won"), ("active_disclosure", "行政许可", "件数")])
def test_a_cell_the_templates_do_not_have_is_refused(cell: tuple[str, str, str]) -> None:
    with pytest.raises(ValueError, match="templates"):
        Cell(*cell)
