"""Installing nianbao: a plain `pip install .` serves the archive, and an old pip installs it too.

The Datasette site (datasette/: metadata.yml, static/, plugins/) ships as the data-only package
`nianbao_datasette` (pyproject.toml).  The slow tests install a copy of this checkout into fresh
virtualenvs with pip and the machine's package index, as a user would, and drive the installed
`nianbao` over its command line and HTTP: an editable install hides a missing package file, a
plain one does not.
"""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest
import yaml
from conftest import ROOT
from expected import EXPECTED_KEYS, canonical, to_expected_from_report
from test_serve import running_server

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# The pip that Python 3.11 bundles and Debian 12 ships: it ignores `lxml[html_clean]` (issue 9).
OLD_PIP = "23.2"
# What a checkout holds that is not the project: never copied into the tree pip builds from.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__",
                                    ".pytest_cache", ".ruff_cache", ".hypothesis", "publish", "*.db", "*.db-*")


def package_folders() -> dict[str, Path]:
    """Every Python package of the checkout (a folder with `__init__.py` under a top-level package)."""
    tops = {name.partition(".")[0] for name in PYPROJECT["tool"]["setuptools"]["packages"]}
    mapped = PYPROJECT["tool"]["setuptools"].get("package-dir", {})
    found = {}
    for top in sorted(tops - set(mapped)):
        for init in (ROOT / top).rglob("__init__.py"):
            found[".".join(init.parent.relative_to(ROOT).parts)] = init.parent
    return found


def test_every_package_folder_is_listed_for_the_wheel() -> None:
    # the list is spelled out (the site's mapping needs it): a folder left off it would be missing
    # from a plain install while every editable-install test still passed
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert set(package_folders()) == listed - set(PYPROJECT["tool"]["setuptools"]["package-dir"])


def test_the_site_package_maps_onto_the_datasette_folder() -> None:
    from archive.serve import METADATA, PLUGINS, SITE, STATIC

    folder = ROOT / PYPROJECT["tool"]["setuptools"]["package-dir"]["nianbao_datasette"]
    assert folder == ROOT / "datasette" and "nianbao_datasette" in PYPROJECT["tool"]["setuptools"]["packages"]
    # this suite runs on an editable install: the site is the checkout's folder itself, not a copy
    assert folder == SITE
    assert METADATA.is_file() and (STATIC / "nianbao.css").is_file() and (PLUGINS / "nianbao_search.py").is_file()
    assert not (folder / "__init__.py").exists(), "datasette/ as a regular package would shadow Datasette"


def test_datasette_entry_points_are_registered() -> None:
    declared = PYPROJECT["project"]["entry-points"]["datasette"]
    installed = {e.name: e.value for e in importlib.metadata.entry_points(group="datasette")}
    assert {name: installed.get(name) for name in declared} == declared


def run(cmd: list[str | Path], **kwargs) -> subprocess.CompletedProcess:
    """A command whose failure shows its output in the test report."""
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout: pip builds in the tree it is given, and must not write into this one."""
    copy = tmp_path_factory.mktemp("source") / "nianbao"
    shutil.copytree(ROOT, copy, ignore=NOT_SOURCE)
    return copy


def fresh_venv(where: Path) -> Path:
    """A new virtualenv with the pip its Python bundles (no upgrade); its bin/ folder."""
    run([sys.executable, "-m", "venv", where])
    return where / "bin"


def pip_version(bin_dir: Path) -> str:
    return run([bin_dir / "python", "-m", "pip", "--version"]).stdout.split()[1]


@pytest.mark.slow
def test_plain_install_serves_metadata_search_and_static_files(source: Path, tmp_path: Path,
                                                              examples_dir: Path) -> None:
    bin_dir = fresh_venv(tmp_path / "venv")
    run([bin_dir / "pip", "install", "-q", source], cwd=tmp_path)
    installed = bin_dir / "nianbao"
    db = tmp_path / "nianbao.db"
    run([installed, "ingest", "--db", db, examples_dir], cwd=tmp_path)

    meta = yaml.safe_load((ROOT / "datasette" / "metadata.yml").read_text(encoding="utf-8"))
    with running_server(db, tmp_path, nianbao=str(installed)) as (base, _proc):
        # the installed package's own metadata.yml, static files and plugins, not the checkout's
        assert httpx.get(f"{base}/-/metadata.json", timeout=10).json()["title"] == meta["title"]
        css = httpx.get(f"{base}/nianbao-static/nianbao.css", timeout=10)
        assert css.status_code == 200 and css.content == (ROOT / "datasette" / "static" / "nianbao.css").read_bytes()
        plugins = {p["name"] for p in httpx.get(f"{base}/-/plugins.json", timeout=10).json()}
        assert {"nianbao_search.py", "nianbao"} <= plugins  # plugins dir and the entry point
        found = httpx.get(f"{base}/nianbao/search.json", params={"q": "依申请", "_shape": "objects"}, timeout=30)
        assert found.status_code == 200 and found.json()["rows"], found.text[:500]
        page = httpx.get(f"{base}/nianbao/search", params={"q": "依申请"}, timeout=30)
        assert page.status_code == 200 and "<mark>" in page.text  # the plugin's snippet cells
    served = Path(run([bin_dir / "python", "-c", "import archive.serve as s; print(s.SITE)"], cwd=tmp_path).stdout.strip())
    assert served.parent == next((tmp_path / "venv" / "lib").glob("python3*/site-packages"))


@pytest.mark.slow
def test_old_pip_installs_a_parser_that_reads_html(source: Path, tmp_path: Path, examples_dir: Path) -> None:
    bin_dir = fresh_venv(tmp_path / "venv")
    if not pip_version(bin_dir).startswith(OLD_PIP):
        # a Python bundling another pip: bring the old one in, as issue 9 asks (needs it on the index)
        run([bin_dir / "python", "-m", "pip", "install", "-q", f"pip=={OLD_PIP}.*"])
    assert pip_version(bin_dir).startswith(OLD_PIP)
    run([bin_dir / "pip", "install", "-q", source], cwd=tmp_path)

    name = "shanghai-office-2019"
    got = json.loads(run([bin_dir / "nianbao", "parse", examples_dir / f"{name}.html", "--json"], cwd=tmp_path).stdout)
    expected = json.loads((examples_dir / f"{name}.expected.json").read_text(encoding="utf-8"))
    want = canonical({k: expected[k] for k in EXPECTED_KEYS if k in expected})
    shaped = canonical(to_expected_from_report(got))
    assert {k: shaped[k] for k in want} == want
