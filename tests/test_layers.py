"""The packages stack one way: the demo and the generator's command layer sit above the stages.

Why: the demo portals compose the crawler and the archive (`nianbao demo` crawls them into an
archive and serves it), so a stage that imported the demo would depend on its own test bed, and
a non-demo install would carry it.  Checked on the source, so a new import fails here at once.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("crawler", "extract", "archive")


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved against its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            out.add(module)
            out |= {f"{module}.{alias.name}" for alias in node.names}
    return out


@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_imports_the_demo_or_the_tests(stage: str) -> None:
    offenders = sorted(f"{path.relative_to(ROOT)}: {name}" for path in (ROOT / stage).rglob("*.py")
                       for name in imported_modules(path)
                       if name == "nianbao.demo" or name.startswith(("nianbao.demo.", "tests", "faults")))
    assert offenders == []
