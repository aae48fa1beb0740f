"""The one table reader every format shares: locate tables 2, 3 and 4 and align their cells by label.

Input is the reader's `Document`; rows from all grids are consumed as one stream, so a table that
crosses a page break (two grids) or is cut into several HTML tables reads as one.  Each row is
split into label cells (text) and value cells (numbers, blanks, dashes): a label is never taken
for a value and a value is never counted to find a column — columns are matched by header label,
by position when the format keeps positions, and by order only when the count agrees with the
header.  Context labels that span rows (三、本年度办理结果, （三）不予公开, 其他对外管理服务事项)
are carried to the rows below them, whether the format repeats them (HTML rowspan, PDF merged
cells) or leaves the cell empty (text copies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import templates as T
from .labels import best_match, has_cjk, normalize, strip_brackets, strip_numbering
from .model import ActiveRow, Cell, Document, Grid, Paragraph, Problem, RequestRow, ReviewRow
from .values import looks_like_value, parse_value, unit_factor_from_header

_SECTION = re.compile(r"第二十条第[（(]?([一二三四五六七八九十]+)[）)]?项")
_HEADING_ACTIVE = re.compile(r"主动公开政府信息(?:的)?情况")
_HEADING_REQUESTS = re.compile(r"收到和处理政府信息公开申请(?:的)?情况")
_HEADING_REVIEWS = re.compile(r"行政复议[、，和及]*行政诉讼(?:的)?情况|被申请行政复议|提起行政诉讼")
_HEADING_END = re.compile(r"存在的主要问题|其他需要报告的事项|主要问题及改进")
# Header labels of table 3 that are no row (with the column groups, 法人或其他组织, from the templates).
_IGNORED_HEADER = ("申请人情况", "勾稽关系", "信息内容")

Slot = tuple[str, float, float]  # key, x0, x1


def _heading_zone(t: str) -> str | None:
    """The zone a section's heading opens (三、收到和处理政府信息公开申请情况 → requests; "end" for
    the sections after the tables), None when `t` is no heading."""
    if _HEADING_ACTIVE.search(t):
        return "active"
    if _HEADING_REQUESTS.search(t):
        return "requests"
    if _HEADING_REVIEWS.search(t) and re.match(r"^[（(]?[一二三四五六七八九十\d]", t):
        return "reviews"
    return "end" if _HEADING_END.search(t) else None


@dataclass
class Tables:
    active: list[ActiveRow] = field(default_factory=list)
    requests: list[RequestRow] = field(default_factory=list)
    reviews: list[ReviewRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    found: set[str] = field(default_factory=set)  # which of active/requests/reviews had a value row
    labels_seen: set[str] = field(default_factory=set)  # normalized labels, for telling the template
    # each value's source cell, by table and place (`3.1/natural`), for what OCR doubts (uncertain.py)
    cells: list[tuple[str, str, Cell | None]] = field(default_factory=list)


def is_label(cell: Cell) -> bool:
    return _is_label_text(cell.text)


@lru_cache(maxsize=8192)
def _is_label_text(text: str) -> bool:
    """Cached: every cell is asked several times per row, and tables repeat their texts."""
    return has_cjk(text) and not looks_like_value(text)


def read_tables(doc: Document) -> Tables:
    reader = _Reader()
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            reader.paragraph(block.text)
        elif isinstance(block, Grid):
            reader.grid_start(block)
            for row in block.rows:
                reader.row(row, block.positional)
    reader.finish()
    return reader.out


def lacks_a_table(blocks: list) -> bool:
    """Whether blocks read as a report lack one of the three statutory tables: then the
    document's pictures may hold it (a page whose text came with its tables as pictures)."""
    return len(read_tables(Document(kind="", blocks=list(blocks))).found) < 3


class _Reader:
    def __init__(self) -> None:
        self.out = Tables()
        self.zone: str | None = None
        self.pending = ""  # a short label fragment printed on the line above a row
        # table 2 state
        self.section: str | None = None
        self.metrics: list[tuple[str, T.MetricDef | None, float]] = []
        self.metric_slots: list[Slot] = []
        self.parent: str | None = None
        # table 3 state
        self.group: str | None = None
        self.column_slots: list[Slot] = []
        self.header_cells: list[tuple[str, Cell]] = []
        self.seen_rows: set[str] = set()
        self.group_label_rows: set[str] = set()  # subtotals read from a bare group label
        # table 4 state
        self.outcome_cells: list[Cell] = []
        self.review_done = False

    # --- zones -------------------------------------------------------------------------------

    def paragraph(self, text: str) -> None:
        t = normalize(text)
        self.pending = ""
        if len(t) > 40:
            return
        m = _SECTION.search(t)
        if m and self.zone == "active":  # a section heading printed as a line (no table around it)
            self.section = f"第二十条第（{m.group(1)}）项"
            self.metrics, self.metric_slots = [], []  # each section prints its own header
            self.parent = None
            return
        if self.zone in ("active", "requests") and len(t) <= 4 and has_cjk(t) and not looks_like_value(t):
            self.pending = t  # the first line of a label wrapped above its row (tables without rules)
            return
        zone = _heading_zone(t)
        if zone == "end":
            self.zone = None
        elif zone is not None:
            self._enter(zone)

    def grid_start(self, grid: Grid) -> None:
        pass

    def _enter(self, zone: str) -> None:
        if zone == self.zone:
            return
        self.zone = zone
        self.parent = None
        self.group = None
        if zone == "requests":
            self.header_cells = []
            self.column_slots = []
        if zone == "reviews":
            self.outcome_cells = []

    def _detect_zone(self, labels: list[str]) -> None:
        joined = "".join(labels)
        if _SECTION.search(joined) or (labels and labels[0].startswith("信息内容")):
            self._enter("active")
        elif "申请人情况" in joined or "自然人" in labels or any(
            k in joined for k in ("本年新收", "上年结转政府信息")
        ):
            self._enter("requests")
        elif ("行政复议" in joined and "行政诉讼" in joined) or "尚未审结" in joined or "复议后起诉" in joined:
            self._enter("reviews")

    # --- rows --------------------------------------------------------------------------------

    def row(self, cells: list[Cell], positional: bool) -> None:
        if self.pending:
            first = next((c for c in cells if is_label(c)), None)
            if first is not None and not first.spanned:
                first.text = self.pending + first.text  # 规 / 章 0 0 1 → 规章
            self.pending = ""
        label_idx = [i for i, c in enumerate(cells) if is_label(c)]
        # a label repeated in adjacent cells is one merged cell printed twice (flat layouts)
        label_idx = [i for k, i in enumerate(label_idx)
                     if k == 0 or normalize(cells[i].text) != normalize(cells[label_idx[k - 1]].text)]
        labels = [normalize(cells[i].text) for i in label_idx]
        if len(labels) == 1 and _heading_zone(labels[0]) is not None and not any(c.text.strip() for c in cells if not is_label(c)):
            # a section heading in a row of its own (a spreadsheet's, a CSV export's padded row, a
            # table's title row): the heading it is, not an unknown item of the table before
            self.paragraph(cells[label_idx[0]].text)
            return
        self.out.labels_seen.update(labels)
        self._detect_zone(labels)
        if self.zone == "active":
            self._active_row(cells, label_idx, labels, positional)
        elif self.zone == "requests":
            self._request_row(cells, label_idx, labels, positional)
        elif self.zone == "reviews":
            self._review_row(cells, label_idx, labels, positional)

    @staticmethod
    def _values(cells: list[Cell], label_idx: list[int], boundary: float | None) -> list[Cell]:
        """The value cells of a row: after its last label, right of the header's first data
        column when positions are known; copies of cells spanning down from above are not
        values of this row."""
        start = max((i for i, c in enumerate(cells) if is_label(c)), default=-1) + 1
        values = [c for c in cells[start:] if not c.spanned]
        if boundary is not None:
            values = [c for c in values if c.center > boundary]
        return values

    # --- table 2 -----------------------------------------------------------------------------

    def _active_row(self, cells: list[Cell], label_idx: list[int], labels: list[str], positional: bool) -> None:
        section_here = False
        for lab in labels:
            m = _SECTION.search(lab)
            if m:
                self.section = f"第二十条第（{m.group(1)}）项"
                section_here = True
                self.metrics, self.metric_slots = [], []  # each section prints its own header
        if any(lab.startswith("信息内容") for lab in labels):
            start = next(i for i, lab in zip(label_idx, labels, strict=True) if lab.startswith("信息内容"))
            heads = [c for c in cells[start + 1:]
                     if not c.spanned and c.text.strip() and not normalize(c.text).startswith("信息内容")]
            self.metrics, self.metric_slots = [], []
            for c in heads:
                canon, mdef = _metric(c.text)
                self.metrics.append((canon, mdef, unit_factor_from_header(c.text)))
                self.metric_slots.append((canon, c.x0, c.x1))
            self.parent = None
            if any(mdef is None and len(canon) < 4 for canon, mdef, _f in self.metrics):
                self.out.problems.append(Problem("unknown_header", self.section or "active_disclosure",
                                                 "metric labels broken: " + " | ".join(m[0] for m in self.metrics)))
                self.metrics, self.metric_slots = [], []
            return
        context = [lab for lab in labels if not _SECTION.search(lab)]
        if not context or not self.metrics:
            if section_here:
                self.parent = None
            return
        boundary = min(s[1] for s in self.metric_slots) - 0.01 if positional and self.metric_slots else None
        values = self._values(cells, label_idx, boundary)
        if not values:
            return
        if boundary is not None and all(cells[i].spanned or cells[i].spans_down for i in label_idx) and any(
                not c.spanned and not c.text.strip() and c.center < boundary for c in cells[label_idx[-1] + 1:]):
            # its labels all span down beside other rows (a parent: 其他对外管理服务事项) and its own
            # label cell is blank (a sub-row label a scan lost): its values are not the parent's to
            # take.  A flat table's empty cell beside an item that spans nothing is not this.
            parent = strip_numbering(context[-1])
            shown = " | ".join(c.text.strip() or "-" for c in values)
            self.out.problems.append(Problem("missing_row", parent, f"a row under {parent} whose own label is blank: its values ({shown}) not read"))
            return
        own = strip_numbering(context[-1].removeprefix("其中：").removeprefix("其中"))
        item = _item(own)
        vocab = T.vocabulary()
        if item not in vocab.item_names and (len(item) < 3 or not any(w in item for w in ("行政", "其他", "事项", "收费"))):
            # local items (行政检查, 行政确认 …) read as such; a fragment of a wrapped label does not
            self.out.problems.append(Problem("unknown_row", item, "not a table-2 item"))
            return
        parent: str | None = None
        if item in vocab.item_names:
            self.parent = None if len(context) == 1 else self.parent
        for lab in context[:-1]:
            p = _item(strip_numbering(lab))
            if p in vocab.item_names:
                parent = p
        if parent is None and item not in vocab.item_names:
            parent = self.parent
        if parent is not None:
            self.parent = parent
        assigned = _assign(values, [(m[0], 0.0, 0.0) for m in self.metrics], self.metric_slots if positional else None)
        if assigned is None:
            self.out.problems.append(Problem("column_mismatch", f"{item}", f"{len(values)} values for {len(self.metrics)} metrics"))
            return
        self.out.found.add("active")
        for (canon, mdef, factor), cell in zip(self.metrics, assigned, strict=True):
            amount = bool(mdef and mdef.amount)
            raw = cell.text.strip() if cell else ""
            cv = parse_value(raw, amount=amount, header_factor=factor)
            self.out.active.append(ActiveRow(self.section, item, parent, canon, cv.value, vocab.amount_unit if amount else None, raw))
            self.out.cells.append(("active", f"{item}/{canon}", cell))
            self._value_problem(cv, "missing_active", f"{item}/{canon}")

    # --- table 3 -----------------------------------------------------------------------------

    def _request_row(self, cells: list[Cell], label_idx: list[int], labels: list[str], positional: bool) -> None:
        row_labels = [lab for lab in labels if not _ignored_header(lab)]
        has_numbers = any(c.text.strip() and not c.spanned and not is_label(c) for c in cells)
        header = not row_labels or all(_column_code(lab) for lab in row_labels) or not self.seen_rows
        if not has_numbers and header:
            self.header_cells.extend((normalize(c.text), c) for c in cells if not c.spanned and is_label(c))
            return
        slots = self._request_slots(positional)
        boundary = min(s[1] for s in slots) - 0.01 if positional and slots and slots[0][1] != slots[0][2] else None
        values = self._values(cells, label_idx, boundary)
        if not values or not row_labels:
            for lab in row_labels:  # a group heading row without values (三、本年度办理结果)
                g = _group(lab)
                if g:
                    self.group = g
            return
        vocab = T.vocabulary()
        own_group = _group(row_labels[-1])
        if own_group and own_group not in vocab.rows_by_code and not any(c.text.strip() for c in values):
            self.group = own_group  # a group heading printed as its own row with empty cells
            return
        code = self._row_code(row_labels, cells, label_idx)
        if code is None:
            self.out.problems.append(Problem("unknown_row", row_labels[-1], "row label not in the template"))
            return
        if code in self.seen_rows:
            self.out.problems.append(Problem("duplicate_row", code, row_labels[-1]))
            return
        self.seen_rows.add(code)
        keys = [s[0] for s in slots]
        assigned = _assign(values, [(k, 0.0, 0.0) for k in keys], slots if positional else None)
        if assigned is None and len(values) == len(vocab.columns):
            keys = [c.code for c in vocab.columns]
            assigned = list(values)
        if assigned is None:
            self.out.problems.append(Problem("column_mismatch", code, f"{len(values)} values for {len(keys)} columns"))
            return
        self.out.found.add("requests")
        label = "小计" if code.endswith(".subtotal") else vocab.rows_by_code[code].label
        requests, cells_out = self.out.requests, self.out.cells
        for col, cell in zip(keys, assigned, strict=True):
            raw = cell.text.strip() if cell else ""
            cv = parse_value(raw)
            where = f"{code}/{col}"
            requests.append(RequestRow(code, label, col, cv.value, raw))
            cells_out.append(("requests", where, cell))
            if cv.blank or cv.invalid:
                self._value_problem(cv, "missing_cell", where)

    def _request_slots(self, positional: bool) -> list[Slot]:
        """Leaf columns of table 3, in printed order, with their positions when known."""
        if self.column_slots:
            return self.column_slots
        found: dict[str, Cell] = {}
        for lab, cell in self.header_cells:
            code = _column_code(lab)
            if code and code not in found:
                found[code] = cell
        columns = T.vocabulary().columns
        standard = [c.code for c in columns]
        if positional and all(c in found for c in standard) and _disjoint(found.values()):
            order = sorted(found, key=lambda k: found[k].center)
            slots = [(k, found[k].x0, found[k].x1) for k in order]
        else:
            order = list(standard)
            if T.ORG_SUBTOTAL.code in found:  # printed after the last column of its group
                last = max((i for i, c in enumerate(columns) if c.group), default=len(order) - 1)
                order.insert(last + 1, T.ORG_SUBTOTAL.code)
            slots = [(k, 0.0, 0.0) for k in order]  # positions only count when every column has one
        self.column_slots = slots
        return slots

    def _row_code(self, labels: list[str], cells: list[Cell], label_idx: list[int]) -> str | None:
        own = labels[-1]
        carried = self.group
        group = None
        for lab in labels[:-1]:
            g = _group(lab)
            if g:
                group = g if group is None or len(g) >= len(group) else group
        leading_blank = bool(label_idx) and label_idx[0] > 0 and not cells[0].text.strip()
        if group is None and (leading_blank or len(labels) == 1):
            group = carried if len(labels) == 1 and leading_blank else None
        core = strip_numbering(own)
        vocab = T.vocabulary()
        # Top-level rows 一、二、四、
        for row in vocab.rows:
            if not row.group and any(k in core for k in row.keys):
                self.group = None
                return row.code
        if core.startswith(T.SUBTOTAL_KEYS):
            g = group or carried
            return f"{g}.subtotal" if g and not vocab.top_group(g) else None
        own_group = _group(own)
        # a bare group label with values is its subtotal, unless the group is also a row (（六）其他处理)
        if own_group and not vocab.top_group(own_group) and own_group not in vocab.rows_by_code:
            self.group = own_group
            self.group_label_rows.add(f"{own_group}.subtotal")
            return f"{own_group}.subtotal"
        if group is None and len(labels) == 1 and carried:
            group = carried
        if group:
            self.group = group
        candidates = _candidates(group)
        code = best_match(own, candidates, threshold=0.55)
        if code is None and group:
            code = best_match(own, _candidates(None), threshold=0.55)
        if code is None and group and group != "3":
            num = re.match(r"^(\d{1,2})", normalize(own))
            if num and f"{group}.{num.group(1)}" in vocab.rows_by_code:
                code = f"{group}.{num.group(1)}"
        row = vocab.rows_by_code.get(code or "")
        if row and vocab.top_group(row.group) and row.code not in vocab.groups_by_code:
            self.group = row.group  # (一)(二)(七) sit directly under 三
        return code

    def finish(self) -> None:
        """A blank row that is also a group heading (（六）其他处理: a row in 2019, a heading in
        2021) followed by its sub-rows was their heading, not a row."""
        rows = {r.row for r in self.out.requests}
        vocab = T.vocabulary()
        for g in (g for g in vocab.groups if g.code in vocab.rows_by_code):
            heading = [r for r in self.out.requests if r.row == g.code]
            if any(r.startswith(g.code + ".") for r in rows) and heading:
                if all(r.value is None for r in heading):
                    self.out.requests = [r for r in self.out.requests if r.row != g.code]
                    self.out.problems = [p for p in self.out.problems if not p.where.startswith(g.code + "/")]
                else:
                    self.out.problems.append(Problem("ambiguous_row", g.code, f"{g.label} printed with values and with sub-rows"))
                    # a sub-row not read beside it may be where those values belong (an unruled
                    # table's OCR put 3.6.3 其他's label with the heading's): said at the row itself
                    for sub in (r for r in vocab.rows if r.code.startswith(g.code + ".") and r.code not in rows):
                        self.out.problems.append(Problem(
                            "missing_row", sub.code, f"not read; the values printed at {g.label} ({g.code}) may be its"))
        for code in sorted(self.group_label_rows):
            group = code.removesuffix(".subtotal")
            if any(r.startswith(group + ".") and r != code for r in rows):
                self.out.problems.append(Problem("ambiguous_row", code, "a group heading printed with values beside its own rows"))

    # --- table 4 -----------------------------------------------------------------------------

    def _review_row(self, cells: list[Cell], label_idx: list[int], labels: list[str], positional: bool) -> None:
        if self.review_done:
            return
        values = [c for c in cells if not c.spanned and not is_label(c)]
        if label_idx:
            values = self._values(cells, label_idx, None)
        numeric = [c for c in values if c.text.strip()]
        if not numeric:
            self.outcome_cells.extend(c for c in cells if not c.spanned and is_label(c) and _outcome(normalize(c.text)))
            return
        vocab = T.vocabulary()
        groups = [g.code for g in vocab.review_groups]
        outcomes = [o.code for o in vocab.review_outcomes]
        if labels and len(values) in (len(outcomes), len(outcomes) - 1):  # transposed: one row per group
            g = _review_group(labels[-1])
            if g is None:
                return
            keys = [f"{g}/{o}" for o in outcomes[: len(values)]]
            assigned: list[Cell | None] | None = list(values)
        else:
            keys = [f"{g}/{o}" for g in groups for o in outcomes]
            slots = self._review_slots() if positional else None
            if slots:
                keys = [s[0] for s in slots]
            assigned = _assign(values, [(k, 0.0, 0.0) for k in keys], slots)
            if assigned is None:
                cells = len(groups) * len(outcomes)
                self.out.problems.append(Problem("column_mismatch", "reviews", f"{len(values)} values for {cells} cells"))
                return
            self.review_done = True
        self.out.found.add("reviews")
        for key, cell in zip(keys, assigned, strict=True):
            g, o = key.split("/")
            raw = cell.text.strip() if cell else ""
            cv = parse_value(raw)
            self.out.reviews.append(ReviewRow(g, o, cv.value, raw))
            self.out.cells.append(("reviews", key, cell))
            self._value_problem(cv, "missing_review", key)

    def _review_slots(self) -> list[Slot] | None:
        vocab = T.vocabulary()
        groups = [g.code for g in vocab.review_groups]
        per_group = len(vocab.review_outcomes)
        cells = sorted(self.outcome_cells, key=lambda c: c.center)
        if len(cells) != len(groups) * per_group or not _disjoint(cells):
            return None
        slots = []
        for i, c in enumerate(cells):
            slots.append((f"{groups[i // per_group]}/{_outcome(normalize(c.text))}", c.x0, c.x1))
        if len({s[0] for s in slots}) != len(cells):
            return None
        return slots

    # --- values ------------------------------------------------------------------------------

    def _value_problem(self, cv, kind: str, where: str) -> None:
        if cv.blank:
            self.out.problems.append(Problem(kind, where, "blank cell" if not cv.raw else f"printed {cv.raw!r}"))
        elif cv.invalid:
            self.out.problems.append(Problem("not_a_number", where, f"printed {cv.raw!r}"))


# --- matching helpers ---------------------------------------------------------------------------


@T.per_vocabulary
def _ignored_header(label: str) -> bool:
    """A table-3 header label that is no row: 申请人情况, 勾稽关系 …, and the column groups."""
    return any(k in label for k in (*_IGNORED_HEADER, *T.vocabulary().column_groups))


@T.per_vocabulary
def _item(label: str) -> str:
    label = strip_brackets(label) or label
    items = T.vocabulary().items
    for item in items:
        if label == item.name:
            return item.name
    for item in items:
        if any(k in label for k in item.keys) and len(label) <= len(item.name) + 4:
            return item.name
    return label


@T.per_vocabulary
def _metric(text: str) -> tuple[str, T.MetricDef | None]:
    label = normalize(text)
    bare = strip_brackets(label) or label
    vocab = T.vocabulary()
    cands = [(m.label, m.label, m.keys) for m in vocab.metrics]
    code = best_match(bare, cands, threshold=0.7)
    if code is None:
        return bare, None
    return code, vocab.metrics_by_label[code]


@T.per_vocabulary
def _column_code(label: str) -> str | None:
    if strip_numbering(label) != label:
        return None  # （七）总计 is a row, not the 总计 column
    lab = strip_brackets(label) or label
    columns = T.vocabulary().columns
    if "申请人" in lab or any(g in lab for g in T.vocabulary().column_groups):
        return None  # the headers above the columns (申请人情况, 法人或其他组织)
    for c in columns:
        if lab == c.label:
            return c.code
    if any(k == lab for k in T.ORG_SUBTOTAL.keys):
        return T.ORG_SUBTOTAL.code
    for c in columns:
        if not c.exact and any(k in lab for k in c.keys):
            return c.code
    return None


@T.per_vocabulary
def _group(label: str) -> str | None:
    core = strip_numbering(label)
    groups = T.vocabulary().groups
    for g in groups:
        if any(core.startswith(k) or core == k for k in g.keys):
            return g.code
    for g in groups:  # the outermost heading, however it is prefixed (本年度办理结果 anywhere)
        if not g.parent and g.keys[0] in label:
            return g.code
    return None


@T.per_vocabulary
def _candidates(group: str | None) -> list[tuple[str, str, tuple[str, ...]]]:
    rows = T.vocabulary().rows
    if group is None:
        found = [r for r in rows if not r.in_group_only]
    else:
        found = [r for r in rows if r.group == group]
    return [(r.code, r.label, r.keys) for r in found]


@T.per_vocabulary
def _outcome(label: str) -> str | None:
    for o in T.vocabulary().review_outcomes:
        if label == o.label or any(k in label for k in o.keys):
            if o.requires and o.requires not in label:
                continue
            return o.code
    return None


@T.per_vocabulary
def _review_group(label: str) -> str | None:
    for g in reversed(T.vocabulary().review_groups):
        if any(k in label for k in g.keys):
            return g.code
    return None


def _disjoint(cells) -> bool:
    """Header cells whose x ranges do not overlap: positions that can be trusted for order."""
    spans = sorted((c.x0, c.x1) for c in cells)
    return all(a[1] <= b[0] + 0.5 for a, b in zip(spans, spans[1:], strict=False))


def _assign(values: list[Cell], keys: list[Slot], slots: list[Slot] | None) -> list[Cell | None] | None:
    """Values for each key: in order when the counts agree, by overlap with the header otherwise.

    Counting is only trusted when it matches the header exactly; a short row (a PDF that prints
    nothing in blank cells) is aligned by position, and a row that cannot be aligned returns None
    so the caller reports it instead of shifting cells.
    """
    values = list(values)
    while len(values) > len(keys) and not values[-1].text.strip():
        values.pop()  # rows padded with empty cells past the table's last column
    if len(values) == len(keys):
        return values
    trailing = [c for c in values if c.text.strip()]
    if trailing and len(trailing) == len(keys) and not slots:
        return trailing
    if not slots or all(s[1] == s[2] for s in slots):
        return None
    out: list[Cell | None] = [None] * len(slots)
    centers = [(x0 + x1) / 2 for _k, x0, x1 in slots]
    spacing = min((b - a for a, b in zip(sorted(centers), sorted(centers)[1:], strict=False)), default=0.0)
    for cell in values:
        if not cell.text.strip():
            continue  # a blank that a grid did print: its slot stays blank either way
        best = min(range(len(slots)), key=lambda i: abs(cell.center - centers[i]))
        # a value is centred under its header; one that lies between two headers is not guessed
        if spacing and abs(cell.center - centers[best]) > spacing * 0.4:
            return None
        if out[best] is not None:
            return None
        out[best] = cell
    return out
