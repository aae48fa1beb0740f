"""The one intermediate form every reader produces, and the rows the table reader emits.

A reader turns a document into a `Document`: text blocks (`Paragraph`) and tables (`Grid`) in
reading order, plus whatever metadata the format carries.  Positions are kept so that the table
reader can align a value with its column header when a format drops blank cells (a PDF without
ruling lines prints nothing where a cell is empty).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)  # slots: a page holds thousands of cells, built and read in the hot loop
class Cell:
    text: str
    x0: float = 0.0  # left edge: a grid column index, or points on a PDF page
    x1: float = 1.0  # right edge
    spanned: bool = False  # a copy of a cell that spans down from an earlier row (rowspan)
    spans_down: bool = False  # the first row of a cell that spans down (its copies are `spanned`)
    confidence: float | None = None  # OCR'd text: the recognizer's confidence (its least sure character)
    ocr_text: str | None = None  # OCR'd text before a numeric repair (`l2` → `12`); None when unchanged

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Grid:
    rows: list[list[Cell]]
    positional: bool = True  # x0/x1 are meaningful (false for text copies of tables)


@dataclass
class Paragraph:
    text: str


Block = Grid | Paragraph


@dataclass
class Document:
    kind: str  # html, pdf, docx, doc, wps, text, image
    blocks: list[Block] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)  # title, agency, date, source … from the file itself
    image_only: bool = False
    images: int = 0  # pictures inside the report body (a table printed as a picture is one)
    problems: list[Problem] = field(default_factory=list)
    html: str | None = None  # the decoded page, for trafilatura's body text

    def text(self) -> str:
        """Plain text of the whole document in reading order, table cells separated by tabs."""
        parts: list[str] = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                parts.append(block.text)
            else:
                parts.extend("\t".join(c.text for c in row if not c.spanned) for row in block.rows)
        return "\n".join(parts)


@dataclass
class Problem:
    kind: str
    where: str
    detail: str


@dataclass
class ActiveRow:
    section: str | None
    item: str
    parent: str | None
    metric: str
    value: int | float | None
    unit: str | None
    raw: str


@dataclass
class RequestRow:
    row: str
    row_label: str
    column: str
    value: int | float | None
    raw: str


@dataclass
class ReviewRow:
    group: str
    outcome: str
    value: int | float | None
    raw: str


@dataclass
class Check:
    rule: str
    scope: str
    lhs: int | float | None
    rhs: int | float | None
    status: str  # pass | fail | uncheckable


@dataclass
class Report:
    """What `nianbao parse` prints and the archive stores, in the shape of `parse-output.md`."""

    source: str
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    format: str | None = None
    active_disclosure: list[ActiveRow] = field(default_factory=list)
    requests: list[RequestRow] = field(default_factory=list)
    reviews: list[ReviewRow] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Not part of the JSON contract: for the archive and the crawler.
    extras: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("extras")
        return out
