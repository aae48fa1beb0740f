"""The layout every renderer shares: each table as a grid of cells with spans (`LTable`), and the
report in reading order (`blocks`): title, narrative under the six headings, the three tables.

Why one layout for all formats: the text copy, HTML, DOCX and PDF renderers draw the same cells,
so a merged cell or a split table means the same thing in each, and the parse of every format
can be held to the one expected parse.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .labels import APPLICANTS, COLUMNS, HEADINGS, INFO_LABEL, LIT_GROUPS, LIT_OUTCOMES
from .spec import ReportSpec


@dataclass
class LCell:
    """A table cell at grid position (row, col) spanning rowspan × colspan grid cells."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "label"  # label | header | value | section | corner | vertical


@dataclass
class LTable:
    nrows: int
    ncols: int
    cells: list[LCell]
    weights: list[float]  # relative column widths, for the renderers that draw
    name: str = ""

    def origin_rows(self) -> list[list[LCell]]:
        rows: list[list[LCell]] = [[] for _ in range(self.nrows)]
        for cell in self.cells:
            rows[cell.row].append(cell)
        return [sorted(r, key=lambda c: c.col) for r in rows]

    def grid(self) -> list[list[LCell | None]]:
        """Each grid position mapped to the cell covering it (None where nothing does)."""
        g: list[list[LCell | None]] = [[None] * self.ncols for _ in range(self.nrows)]
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    if g[r][c] is not None:
                        raise AssertionError(f"{self.name}: cells overlap at ({r}, {c})")
                    g[r][c] = cell
        return g

    def texts(self, *, repeat: bool) -> list[list[str]]:
        """Each grid position's text: a merged cell's text everywhere it covers (`repeat`), or only
        at its origin (as a spreadsheet keeps it)."""
        return [["" if cell is None or (not repeat and (cell.row, cell.col) != (r, c)) else cell.text
                 for c, cell in enumerate(row)] for r, row in enumerate(self.grid())]

    def header_rows(self) -> int:
        """How many leading rows of the table are its column header (no value cells)."""
        values = {cell.row for cell in self.cells if cell.kind == "value"}
        n = 0
        while n < self.nrows and n not in values:
            n += 1
        return n

    def numbered_header(self) -> list[str]:
        """A header that numbers the value columns instead of naming them (`| | | | 1 | 2 | … |`)."""
        value_cols = sorted({cell.col for cell in self.cells if cell.kind == "value"})
        return ["" if c not in value_cols else str(value_cols.index(c) + 1) for c in range(self.ncols)]


def _split(total: int, k: int, pattern: str) -> list[int]:
    """Spread `total` grid columns over `k` cells: `pattern` says which cells take the extra width."""
    if k == 1:
        return [total]
    if k == total:
        return [1] * k
    spans = [1] * k
    extra = total - k
    order = {"last": list(range(k - 1, -1, -1)), "first": list(range(k)), "middle": [1, 0, 2][:k]}[pattern]
    i = 0
    while extra:
        spans[order[i % len(order)]] += 1
        extra -= 1
        i += 1
    return spans


def table2(spec: ReportSpec, *, mismatch: bool = False, split: bool = False) -> list[LTable]:
    """Table 2, one table or one per section.  `mismatch` gives the value cells other colspans than
    their header cells, as the Shanghai page does (header 1+2+1, values 2+1+1)."""
    label_cols = 2 if spec.has_subrows() else 1
    vcols = 4 if mismatch else 3
    ncols = label_cols + vcols
    weights = [2.2] if label_cols == 1 else [1.3, 1.3]
    weights = weights + [3.0 / vcols] * vcols
    tables: list[LTable] = []
    cells: list[LCell] = []
    r = 0

    def close(name: str) -> None:
        nonlocal cells, r
        if cells:
            tables.append(LTable(nrows=r, ncols=ncols, cells=cells, weights=weights, name=name))
        cells, r = [], 0

    for sec in spec.sections:
        k = len(sec.metrics)
        hdr = _split(vcols, k, "middle" if mismatch else "last")
        val = _split(vcols, k, "first" if mismatch else "last")
        cells.append(LCell(r, 0, sec.label, colspan=ncols, kind="section"))
        r += 1
        cells.append(LCell(r, 0, INFO_LABEL, colspan=label_cols, kind="header"))
        c = label_cols
        for text, span in zip(sec.metric_labels, hdr, strict=True):
            cells.append(LCell(r, c, text, colspan=span, kind="header"))
            c += span
        r += 1
        sub = [row for row in sec.rows if row.parent]
        for row in sec.rows:
            if row.parent:
                if row is sub[0]:
                    cells.append(LCell(r, 0, sec.parent_label or row.parent, rowspan=len(sub)))
                cells.append(LCell(r, 1, row.label))
            else:
                cells.append(LCell(r, 0, row.label, colspan=label_cols))
            c = label_cols
            for m, span in zip(sec.metrics, val, strict=True):
                cells.append(LCell(r, c, row.printed[m], colspan=span, kind="value"))
                c += span
            r += 1
        if split:
            close(sec.section)
    close("table2")
    return tables


def table3(spec: ReportSpec) -> LTable:
    """Table 3 as the template draws it: three label columns, seven value columns."""
    lab = spec.labels
    cells = [LCell(0, 0, lab["corner"], rowspan=3, colspan=3, kind="corner"),
             LCell(0, 3, lab["applicant"], colspan=7, kind="header"),
             LCell(1, 3, lab["col:natural"], rowspan=2, kind="header"),
             LCell(1, 4, lab["org"], colspan=5, kind="header"),
             LCell(1, 9, lab["col:total"], rowspan=2, kind="header")]
    cells += [LCell(2, 4 + i, lab[f"col:{c}"], kind="header") for i, c in enumerate(APPLICANTS[1:])]
    r = 3
    outcome_rows = [code for code in spec.rows if code.startswith("3.")]
    group_start: dict[str, int] = {}
    for code in spec.rows:
        parts = code.split(".")
        if code == outcome_rows[0]:
            cells.append(LCell(r, 0, lab["group:3"], rowspan=len(outcome_rows), kind="vertical"))
        if len(parts) == 1:
            cells.append(LCell(r, 0, lab[f"row:{code}"], colspan=3))
        elif len(parts) == 2:
            cells.append(LCell(r, 1, lab[f"row:{code}"], colspan=2))
        else:
            group = ".".join(parts[:2])
            if group not in group_start:
                group_start[group] = r
                n = sum(1 for c in spec.rows if c.startswith(group + "."))
                cells.append(LCell(r, 1, lab[f"group:{group}"], rowspan=n))
            cells.append(LCell(r, 2, lab[f"row:{code}"]))
        for i, col in enumerate(COLUMNS):
            v = spec.applications[code][col]
            cells.append(LCell(r, 3 + i, "" if v is None else str(v), kind="value"))
        r += 1
    return LTable(nrows=r, ncols=10, cells=cells, weights=[0.55, 1.6, 3.3] + [1.0] * 7, name="table3")


def table4(spec: ReportSpec) -> LTable:
    lab = spec.labels
    cells = [LCell(0, 0, lab["lit:review"], colspan=5, kind="header"),
             LCell(0, 5, lab["lit:suit"], colspan=10, kind="header"),
             LCell(1, 5, lab["lit:suit_direct"], colspan=5, kind="header"),
             LCell(1, 10, lab["lit:suit_after_review"], colspan=5, kind="header")]
    for i, outcome in enumerate(LIT_OUTCOMES):
        cells.append(LCell(1, i, lab[f"out:review:{outcome}"], rowspan=2, kind="header"))
        cells.append(LCell(2, 5 + i, lab[f"out:suit_direct:{outcome}"], kind="header"))
        cells.append(LCell(2, 10 + i, lab[f"out:suit_after_review:{outcome}"], kind="header"))
    for gi, g in enumerate(LIT_GROUPS):
        for oi, outcome in enumerate(LIT_OUTCOMES):
            v = spec.litigation[f"{g}/{outcome}"]
            cells.append(LCell(3, gi * 5 + oi, "" if v is None else str(v), kind="value"))
    return LTable(nrows=4, ncols=15, cells=cells, weights=[1.0] * 15, name="table4")


# --- The document body --------------------------------------------------------------------------

Block = tuple[str, Any]  # ("title" | "date" | "heading" | "para", str) or ("table", LTable)


def _short(agency: str) -> str:
    """How a body calls itself: 区政府办, 本局, 本机关 …"""
    if agency.endswith("人民政府办公室"):
        return "区政府办"
    if agency.endswith("局"):
        return "本局"
    if agency.endswith("人民政府"):
        return "区政府"
    return "本机关"


def blocks(spec: ReportSpec, *, split_active: bool = False, mismatch: bool = False) -> list[Block]:
    """The report in reading order: title, narrative with the six headings, and the three tables."""
    rng = random.Random(f"body:{spec.seed}:{spec.template}")
    me, y = _short(spec.agency_full), spec.year
    out: list[Block] = []
    if spec.title_style == "two_lines":
        out += [("title", spec.agency_full), ("title", f"{y}年政府信息公开工作年度报告")]
    else:
        out.append(("title", spec.title))
    out.append(("para", f"本报告依据《中华人民共和国政府信息公开条例》（以下简称《条例》）第五十条规定编制。"
                        f"报告中所列数据统计期限自{y}年1月1日起至{y}年12月31日止。如对本报告有疑问，"
                        f"请与{spec.agency_full}联系（电话：0{rng.randint(10, 999)}-{rng.randint(1000000, 89999999)}）。"))
    out.append(("heading", HEADINGS[0]))
    out.append(("para", f"{y}年，{me}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实党中央、国务院关于"
                        f"全面推进政务公开工作的决策部署，围绕中心工作，以公开促落实、以公开强监管、以公开优服务，"
                        f"政府信息公开工作取得新成效。"))
    published = rng.randint(50, 5000)
    out.append(("para", f"（一）主动公开方面。{me}通过政府门户网站、政务新媒体等平台主动公开各类政府信息"
                        f"{published}条，及时发布政策文件及其解读材料，重点领域信息公开持续深化。"))
    new_total = spec.applications["1"]["total"]
    if new_total is not None:
        out.append(("para", f"（二）依申请公开方面。严格执行《条例》规定的办理程序和时限要求，全年共新收政府信息"
                            f"公开申请{new_total}件，均已在法定期限内答复。"))
    out.append(("para", "（三）政府信息管理方面。严格落实信息发布审核制度，坚持“先审后发”，动态调整主动公开"
                        "目录，切实做好信息公开保密审查工作。"))
    if rng.random() < 0.5:
        out.append(("para", "（四）平台建设方面。持续优化政府网站信息公开专栏，加强政务新媒体日常监管，确保"
                            "公开信息及时准确规范。"))
    out.append(("heading", HEADINGS[1]))
    out += [("table", t) for t in table2(spec, mismatch=mismatch, split=split_active)]
    out.append(("heading", HEADINGS[2]))
    out.append(("table", table3(spec)))
    out.append(("heading", HEADINGS[3]))
    out.append(("table", table4(spec)))
    out.append(("heading", HEADINGS[4]))
    out.append(("para", f"{y}年，{me}政府信息公开工作取得了一定成效，但仍存在一些不足：政策解读形式还不够丰富，"
                        f"依申请公开答复的规范化水平有待进一步提升。"))
    out.append(("para", f"{y + 1}年，{me}将进一步加强政府信息公开业务培训，完善依申请公开工作机制，丰富解读"
                        f"形式，持续提升政务公开质量和实效。"))
    out.append(("heading", HEADINGS[5]))
    if spec.template == "2021":
        out.append(("para", f"依据《政府信息公开信息处理费管理办法》，{me}{y}年度未收取信息处理费。"))
    else:
        out.append(("para", "无。"))
    return out
