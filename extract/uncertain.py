"""What OCR doubts: the cells of an OCR'd report a reader must not trust blindly (`ocr_uncertain`).

A recognizer's confidence is one signal; the report's own arithmetic is a better one.  A cell is
doubted when it was OCR'd and

- its confidence is below `CONFIDENCE_FLOOR`, or
- its text was repaired (`l2` read as 12: the OCR'd text is in the detail), or
- it lies in a row or column whose check fails (a misread digit breaks a sum: every cell the
  failing rule adds up is doubted, since the check cannot say which one is wrong), or
- it is blank in a report read wholly by OCR (a faint digit the recognizer missed looks blank).

Nothing is changed: the value stays as read, with one `ocr_uncertain` problem per doubted cell
giving its confidence.
"""

from __future__ import annotations

from .model import Cell, Check, Problem
from .tables import Tables

CONFIDENCE_FLOOR = 0.85


def ocr_uncertain(tables: Tables, checks: list[Check], whole_document: bool) -> list[Problem]:
    """One `ocr_uncertain` problem per doubted cell, in the order the tables were read."""
    kept = {*(f"{r.row}/{r.column}" for r in tables.requests), *(f"{r.group}/{r.outcome}" for r in tables.reviews),
            *(f"{r.item}/{r.metric}" for r in tables.active)}  # rows the reader dropped again are not doubted
    ocr_cells = [(table, where, cell) for table, where, cell in tables.cells
                 if where in kept and ((cell is not None and cell.confidence is not None) or whole_document)]
    if not ocr_cells:
        return []
    failing = [c for c in checks if c.status == "fail"]
    out: list[Problem] = []
    for table, where, cell in ocr_cells:
        reasons: list[str] = []
        text = cell.text.strip() if cell is not None else ""
        if cell is not None and cell.ocr_text is not None:
            reasons.append(f"OCR read {cell.ocr_text.strip()!r}, repaired to {text!r}")
        if cell is not None and cell.confidence is not None and cell.confidence < CONFIDENCE_FLOOR:
            reasons.append(f"below the {CONFIDENCE_FLOOR} floor")
        if not text and whole_document:
            reasons.append("blank on the scan: a missed mark reads as blank")
        reasons.extend(f"in failing check {c.rule} {c.scope}" for c in failing if _in_scope(table, where, c))
        if reasons:
            out.append(Problem("ocr_uncertain", where, f"confidence {_confidence(cell)}: " + "; ".join(reasons)))
    return out


def _confidence(cell: Cell | None) -> str:
    return "none" if cell is None or cell.confidence is None else f"{cell.confidence:.3f}"


def _in_scope(table: str, where: str, check: Check) -> bool:
    """Does the failing `check` add up the cell at `where`?"""
    head, _, tail = where.partition("/")
    if table == "requests":
        row, col = head, tail
        if check.rule == "balance":
            return col == check.scope and row in ("1", "2", "3.7", "4")
        if check.rule == "outcome_total":
            return col == check.scope and row.startswith("3.")
        if check.rule in ("row_total", "non_negative"):
            return row == check.scope
        return False
    if table == "reviews":
        return check.rule in ("litigation_total", "non_negative") and head == check.scope
    return check.rule == "non_negative" and head == check.scope
