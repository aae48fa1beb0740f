"""The synthetic report generator, for the tests: `nianbao.synthetic` (the package nianbao/synthetic/) re-exported under the name
the tests import (`import generate`, `from generate import make_spec, …`), plus `expected`.

Why the generator lives in the package: the demo portals (`nianbao/demo/`) publish its
reports, and a module outside the package was reachable from there only by editing sys.path.
`expected` stays here because its canonical form (tests/expected.py) is the tests' own.
"""

from __future__ import annotations

from typing import Any

from nianbao.synthetic import *  # noqa: F403 - the generator's whole public API, as before
from nianbao.synthetic import ReportSpec, expected_parse

try:  # tests/ is on sys.path when pytest runs these files as rootdir-less modules
    from expected import canonical
except ImportError:  # pragma: no cover - imported as the package `tests.generate`
    from tests.expected import canonical  # type: ignore[no-redef]


def expected(spec: ReportSpec) -> dict[str, Any]:
    """What parsing any rendering of `spec` must give, in the expected.json shape (canonical)."""
    return canonical(expected_parse(spec))
