"""The docs say what the code does: every setting is declared once and documented, every command is
documented (as sqlite-utils' and Datasette's own test_docs do)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parent.parent
CODE = [p for d in ("crawler", "archive", "extract", "nianbao", "datasette") for p in (ROOT / d).rglob("*.py")]
DOCS = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
SETTINGS = (ROOT / "crawler" / "settings.py").read_text(encoding="utf-8")
TEST_ONLY = {"NIANBAO_EXAMPLES", "NIANBAO_CHROMIUM"}  # the tests' own environment, not the product's


def used_settings() -> set[str]:
    names: set[str] = set()
    for path in CODE:
        names |= set(re.findall(r"\bNIANBAO_[A-Z_]+[A-Z]\b", path.read_text(encoding="utf-8")))
    return names - TEST_ONLY


def environment_reads() -> dict[str, int]:
    """How many places read each NIANBAO_* environment variable (os.environ.get)."""
    counts: dict[str, int] = {}
    for path in CODE:
        for name in re.findall(r"environ\.get\(\"(NIANBAO_[A-Z_]+)\"", path.read_text(encoding="utf-8")):
            counts[name] = counts.get(name, 0) + 1
    return counts


def test_every_setting_the_code_reads_is_declared_once() -> None:
    """A crawl setting is declared in crawler/settings.py; a variable of the layers below the crawler
    (the extractor's font directory, the archive's default database) is read from the environment
    in exactly one place, which is its declaration."""
    declared = set(re.findall(r"^(NIANBAO_[A-Z_]+)\s*=", SETTINGS, re.M))
    env = environment_reads()
    assert {name: n for name, n in env.items() if n > 1} == {}
    assert sorted(used_settings() - declared - set(env)) == []
    assert "NIANBAO_DB = DEFAULT_DB" in SETTINGS  # archive/schema.py DEFAULT_DB, for every command


@pytest.mark.parametrize("name", sorted(used_settings()))
def test_every_setting_is_documented(name: str) -> None:
    assert name in DOCS, f"{name} is read by the code but no doc names it"


def commands() -> list[str]:
    from nianbao.cli import main as cli

    out = []
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        if isinstance(cmd, click.Group):
            out += [f"{name} {sub}" for sub in cmd.list_commands(ctx)]
        else:
            out.append(name)
    return out


@pytest.mark.parametrize("command", commands())
def test_every_command_is_documented(command: str) -> None:
    assert f"nianbao {command}" in DOCS, f"`nianbao {command}` is in the CLI but in no doc"


def test_hidden_tables_are_the_declared_ones_and_documented() -> None:
    """Datasette hides exactly `archive.schema.HIDDEN_TABLES` from browsing, and docs/schema.md
    still documents each of them (hidden is not secret: researchers may open them by URL)."""
    import yaml

    from archive.schema import HIDDEN_TABLES

    tables = yaml.safe_load((ROOT / "datasette" / "metadata.yml").read_text(encoding="utf-8"))[
        "databases"]["nianbao"]["tables"]
    assert {name for name, meta in tables.items() if (meta or {}).get("hidden")} == set(HIDDEN_TABLES)
    schema_doc = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    assert [t for t in HIDDEN_TABLES if f"`{t}`" not in schema_doc] == []
