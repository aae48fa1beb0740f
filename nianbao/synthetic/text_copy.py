"""The text-copy renderer: the format of `../shared/examples/*.txt`, a DOCX table copied as
text (one cell per line after a tab, an empty line after each row)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from .labels import (
    ACTIVE_2019,
    ACTIVE_2021,
    APPLICANT_LABEL,
    COLUMN_LABELS,
    COLUMNS,
    CORNER_LABEL,
    GROUP_LABELS,
    HEADINGS,
    INFO_LABEL,
    LIT_GROUP_LABELS,
    LIT_GROUPS,
    LIT_OUTCOME_LABELS,
    LIT_OUTCOMES,
    ORG_LABEL,
    ROW_LABELS,
    ROWS_2019,
)
from .layout import LTable, blocks
from .spec import ReportSpec

if TYPE_CHECKING:
    from .series import SeriesReport

def _text_table(table: LTable, rng: random.Random) -> list[str]:
    """A DOCX table copied as text: a cell per line after a tab, an empty line after each row.

    A merged cell appears once; where a vertical merge continues, the row has a tab-only line.
    A line break inside a cell continues on a line without the tab (sometimes after an empty line,
    as in the real copies: `（三）不予\\n\\n公开`).
    """
    grid = table.grid()
    sep = "\n\n" if rng.random() < 0.4 else "\n"
    out: list[str] = []
    for r in range(table.nrows):
        for c in range(table.ncols):
            cell = grid[r][c]
            if cell is None:
                continue
            if cell.row == r and cell.col == c:
                out.append("\t" + cell.text.replace("\n", sep))
            elif cell.col == c:  # a vertical merge continuing into this row
                out.append("\t")
        out.append("")
    return out


def render_text(spec: ReportSpec) -> bytes:
    """The text copy format of `../shared/examples/*.txt`."""
    rng = random.Random(f"text:{spec.seed}:{spec.template}")
    lines: list[str] = []
    for kind, content in blocks(spec, split_active=rng.random() < 0.3):
        if kind == "table":
            lines += _text_table(content, rng)
            lines.append("")
        else:
            lines.append(content)
            if kind == "title" or rng.random() < 0.3:
                lines.append("")
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- A report series' text copy: the archive benchmark's minimal report --------------------------


def _series_table2(rep: SeriesReport) -> list[str]:
    """A minimal table 2 (its first section only) in the template of the report's year."""
    section, metrics, items = (ACTIVE_2021 if rep.year >= 2021 else ACTIVE_2019)[0]
    lines = [HEADINGS[1], "", f"\t{section}", "", f"\t{INFO_LABEL}", *(f"\t{m}" for m in metrics), ""]
    for i, item in enumerate(items):
        lines += [f"\t{item}", *(f"\t{v}" for v in rep.active_values(i)), ""]
    return [*lines, ""]


def render_series_text(rep: SeriesReport) -> bytes:
    """A series report as a text copy: title, narrative, a minimal table 2, tables 3 and 4 (the
    2019 rows), in the generator's printed labels."""
    lines = [f"{rep.agency}{rep.year}年政府信息公开工作年度报告", "", HEADINGS[0], rep.body, "",
             *_series_table2(rep), HEADINGS[2], f"\t{CORNER_LABEL}",
             f"\t{APPLICANT_LABEL}", "", "\t", f"\t{COLUMN_LABELS['natural']}", f"\t{ORG_LABEL}",
             f"\t{COLUMN_LABELS['total']}", "", "\t", "\t", *(f"\t{COLUMN_LABELS[c]}" for c in COLUMNS[1:6]), "\t", ""]
    seen_groups: set[str] = set()
    for code in ROWS_2019:
        cells: list[str] = []
        if code == "3.1":
            cells.append(GROUP_LABELS["3"])
        elif code.startswith("3."):
            cells.append("")
        group = ".".join(code.split(".")[:2]) if code.count(".") == 2 else None
        if group:
            cells.append(GROUP_LABELS[group] if group not in seen_groups else "")
            seen_groups.add(group)
        cells.append(ROW_LABELS[code])
        cells.extend(str(v) for v in rep.row_values(code))
        lines.extend(f"\t{c}" for c in cells)
        lines.append("")
    outcomes = [LIT_OUTCOME_LABELS[o] for o in LIT_OUTCOMES]
    lines += ["", HEADINGS[3], "", f"\t{LIT_GROUP_LABELS['review']}", f"\t{LIT_GROUP_LABELS['suit']}", "",
              *(f"\t{x}" for x in outcomes), f"\t{LIT_GROUP_LABELS['suit_direct']}",
              f"\t{LIT_GROUP_LABELS['suit_after_review']}", ""]
    lines += ["\t"] * 5 + [f"\t{x}" for x in outcomes * 2] + [""]
    values: list[int] = []
    for group in LIT_GROUPS:
        four = rep.reviews.get(group, [0] * 4)
        values += [*four, sum(four)]
    lines += [f"\t{v}" for v in values] + ["", HEADINGS[4], "无。", ""]
    return "\n".join(lines).encode("utf-8")
