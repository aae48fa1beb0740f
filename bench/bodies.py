"""Real-length report bodies for the benchmarks: generated reports carry ~100 characters of body,
real ones 600–5,000, and search, facets over matched rows and text reuse cost in proportion to that.

Shared by bench/search.py (its search candidates) and bench/archive.py (`--real-bodies`, the
publication pages at 100,000 reports), so both measure the same kind of archive.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = Path(os.environ.get("NIANBAO_EXAMPLES", ROOT.parent / "shared" / "examples"))


def example_paragraphs() -> list[str]:
    """Paragraphs (≥ 30 characters) of the shared examples' bodies, as the archive reads them."""
    from archive.ingest import ingest_paths
    from archive.schema import open_db

    if not EXAMPLES.is_dir():
        return []
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "ex.db")
        ingest_paths(db, [EXAMPLES])
        bodies = [b for (b,) in db.execute("select body from reports") if b]
        db.close()
    return [line for body in bodies for line in body.split("\n") if len(line) >= 30]


def lengthen(body: str, paragraphs: list[str], seed: object) -> str:
    """`body` followed by the examples' paragraphs (their numbers redrawn) up to a length drawn from a
    triangular distribution 600–5,000, mode 1,800: deterministic per `seed`."""
    if not paragraphs:
        return body
    rng = random.Random(f"body:{seed}")
    target = rng.triangular(600, 5000, 1800)
    while len(body) < target:
        para = rng.choice(paragraphs)
        body += "\n" + re.sub(r"\d+", lambda m: str(rng.randint(1, 10 ** len(m.group()))), para)
    return body
