"""One geometric table reader: characters at positions, with or without ruling lines → blocks.

A PDF's text layer (`pdf.py`) and an OCR'd scan (`ocr.py`) are the same problem: characters with
boxes on a page, and perhaps horizontal and vertical rules.  Both come here, in points with the
y axis up (PDF's convention), so that one set of rules reads both:

- ruled tables: segments are snapped into a lattice, missing segments merge lattice cells into
  spanning cells, and characters are placed into cells by their centres, so stacked header
  characters (`商\\n业\\n企\\n业`), labels wrapped onto two lines and vertical labels
  (三、本年度办理结果) all read as one cell text;
- everything else is grouped into lines by their vertical extent (the baseline band), and a line
  whose pieces stand a full character apart is a row of cells keeping its x positions, so that
  the table reader aligns values with the header's columns even when blank cells print nothing.

A character may carry the recognizer's confidence (OCR); a cell's confidence is its least
confident character's, and stays on the `Cell` for the checks on OCR'd reports.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from ..limits import MAX_LATTICE, MAX_SEGMENTS
from ..model import Cell, Grid, Paragraph
from .wordrows import LABEL_HEADER, table_lines

SNAP = 2.5  # points: segments this close are the same line
PAGE_NUMBER = re.compile(r"^[-－—–\s]*\d{1,3}[-－—–\s]*$|^第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?$|^\d+\s*/\s*\d+$")

H = tuple[float, float, float]  # y, x0, x1
V = tuple[float, float, float]  # x, y0, y1


@dataclass(slots=True)
class Char:
    """A character and its box.  Never moved once made: its centre is computed once (the reader
    asks for it several times per character, and a page has thousands)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float | None = None  # the recognizer's, for OCR'd text
    cx: float = field(init=False, repr=False, compare=False)
    cy: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.cx = (self.x0 + self.x1) / 2
        self.cy = (self.y0 + self.y1) / 2

def cluster(values: list[float], tol: float = SNAP) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def covered(segs: list[tuple[float, float, float]], pos: float, a: float, b: float) -> bool:
    """Is the span a..b along the line at `pos` drawn (allowing small gaps between segments)?"""
    need = b - a
    if need <= 0:
        return True
    spans = [(s0 if s0 > a else a, s1 if s1 < b else b) for p, s0, s1 in segs
             if s1 > a and s0 < b and -SNAP <= p - pos <= SNAP]
    spans.sort()
    covered, cursor = 0.0, a
    for s0, s1 in spans:
        if s1 <= cursor:
            continue
        covered += s1 - max(s0, cursor)
        cursor = s1
    return covered >= need * 0.7


def tables(hs: list[H], vs: list[V]) -> list[tuple[list[float], list[float]]]:
    """Lattices (ys top→bottom, xs left→right) of ruled tables: connected groups of crossing lines."""
    if len(hs) < 2 or len(vs) < 2:
        return []
    n_h = len(hs)
    parent = list(range(n_h + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # the vertical segments by x, so each horizontal one looks only at those within its x extent
    # (every pair was tried before: a fifth of a ruled PDF's parse); the same crossings, the same groups
    by_x = sorted(range(len(vs)), key=lambda j: vs[j][0])
    xs_sorted = [vs[j][0] for j in by_x]
    lows = [vs[j][1] - SNAP for j in by_x]
    highs = [vs[j][2] + SNAP for j in by_x]
    for i, (y, x0, x1) in enumerate(hs):
        root = find(i)  # stays the root: each crossing vertical's group joins it
        for k in range(bisect_left(xs_sorted, x0 - SNAP), bisect_right(xs_sorted, x1 + SNAP)):
            if lows[k] <= y <= highs[k]:
                other = find(n_h + by_x[k])
                if other != root:
                    parent[other] = root
    groups: dict[int, tuple[list[H], list[V]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(n_h + j), ([], []))[1].append(v)
    out = []
    for ghs, gvs in groups.values():
        ys = cluster([h[0] for h in ghs])
        xs = cluster([v[0] for v in gvs])
        if len(ys) >= 2 and len(xs) >= 2:
            out.append((sorted(ys, reverse=True), sorted(xs)))
    return out


def lattice_cells(ys: list[float], xs: list[float], hs: list[H], vs: list[V]) -> list[tuple[int, int, int, int]]:
    """Merged cells as (row0, row1, col0, col1), half-open, by joining lattice cells whose
    separating segment is not drawn."""
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # the segments on each lattice line, found once instead of once per cell (`covered` scanned
    # every segment of the page for each of them), each line's by bisection over the segments in
    # order of position; `covered` sorts what it takes, so their order does not matter
    v_on = _on_lines(vs, xs[1:-1])
    h_on = _on_lines(hs, ys[1:-1])
    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not covered(v_on[xs[c + 1]], xs[c + 1], ys[r + 1], ys[r]):
                parent[find(r * nc + c)] = find(r * nc + c + 1)
            if r + 1 < nr and not covered(h_on[ys[r + 1]], ys[r + 1], xs[c], xs[c + 1]):
                parent[find(r * nc + c)] = find((r + 1) * nc + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            groups.setdefault(find(r * nc + c), []).append((r, c))
    cells = []
    for members in groups.values():
        rs = [m[0] for m in members]
        cs = [m[1] for m in members]
        cells.append((min(rs), max(rs) + 1, min(cs), max(cs) + 1))
    return cells


def _on_lines(segs: list[tuple[float, float, float]], positions: list[float]) -> dict[float, list]:
    """{position: the segments within SNAP of it}: a window found by bisection (a hair wider than
    SNAP), then the same test as ever, so no segment at the boundary changes sides."""
    ordered = sorted(segs, key=lambda seg: seg[0])
    keys = [seg[0] for seg in ordered]
    out = {}
    for p in positions:
        window = ordered[bisect_left(keys, p - SNAP - 1e-6):bisect_right(keys, p + SNAP + 1e-6)]
        out[p] = [seg for seg in window if abs(seg[0] - p) <= SNAP]
    return out


# --- text placement ----------------------------------------------------------------------------


def lines(chars: list[Char]) -> list[list[Char]]:
    """Group characters into visual lines (top to bottom), each sorted left to right.

    A character joins a line when its centre lies within the line's vertical extent: CJK
    punctuation has small boxes near the baseline, so comparing centres would split it off.
    """
    if len(chars) <= 1:  # most cells of a table: one number
        return [list(chars)] if chars else []
    lines: list[tuple[list[Char], list[float]]] = []  # chars, [y0, y1]
    for ch in sorted(chars, key=_top_left):
        cy = ch.cy
        n = len(lines)
        # the common case first: the character fits the last line and neither of the two before
        # it (the same choice as the general test below, without building its list)
        if n:
            members, band = lines[-1]
            if band[0] - 0.5 <= cy <= band[1] + 0.5 and not (
                    n > 1 and lines[-2][1][0] - 0.5 <= cy <= lines[-2][1][1] + 0.5) and not (
                    n > 2 and lines[-3][1][0] - 0.5 <= cy <= lines[-3][1][1] + 0.5):
                members.append(ch)
                if ch.y1 - ch.y0 > (band[1] - band[0]) * 0.6:
                    band[0], band[1] = min(band[0], ch.y0), max(band[1], ch.y1)
                continue
        fits = [(members, band) for members, band in reversed(lines[-3:]) if band[0] - 0.5 <= cy <= band[1] + 0.5]
        if not fits:
            lines.append(([ch], [ch.y0, ch.y1]))
            continue
        # in two bands at once (a full stop's small box at a baseline where the next line's
        # band begins): the line with a character nearest it across the page, `29220.9651`
        members, band = min(fits, key=lambda fit: min(max(c.x0 - ch.x1, ch.x0 - c.x1, 0.0) for c in fit[0])) \
            if len(fits) > 1 else fits[0]
        members.append(ch)
        if ch.y1 - ch.y0 > (band[1] - band[0]) * 0.6:
            band[0], band[1] = min(band[0], ch.y0), max(band[1], ch.y1)
    out = []
    for members, _band in lines:
        members.sort(key=lambda c: c.x0)
        out.append(members)
    return out


def _top_left(c: Char) -> tuple[float, float]:
    return (-c.y1, c.x0)


def _size(line: list[Char]) -> float:
    return max(max(c.y1 - c.y0 for c in line), 1.0)


def _line_text(line: list[Char]) -> str:
    """Join a line's characters; a space only between Latin letters or digits set well apart,
    since justified CJK text spreads every glyph (`2 024年`) and spaces there mean nothing."""
    out = []
    prev: Char | None = None
    size = _size(line)
    for ch in line:
        if prev is not None and ch.x0 - prev.x1 > size * 0.6 and prev.text.isascii() and ch.text.isascii() \
                and not (prev.text.isdigit() and ch.text.isdigit() and ch.x0 - prev.x1 < size * 1.5):
            out.append(" ")
        out.append(ch.text)
        prev = ch
    return "".join(out)


def _cell_text(chars: list[Char]) -> str:
    if len(chars) <= 1:
        return chars[0].text if chars else ""
    return "\n".join(_line_text(line) for line in lines(chars))


def _confidence(chars: list[Char]) -> float | None:
    known = [c.confidence for c in chars if c.confidence is not None]
    return min(known) if known else None


def page_blocks(chars: list[Char], segments: tuple[list[H], list[V]]) -> list:
    """One page's blocks top to bottom: a Grid per ruled table, and a Paragraph or a one-row Grid
    per line of the characters outside them."""
    hs, vs = segments
    placed: set[int] = set()
    items: list[tuple[float, object]] = []  # (top y, block) to order tables among paragraphs
    if len(hs) > MAX_SEGMENTS or len(vs) > MAX_SEGMENTS:
        hs, vs = [], []  # a page of thousands of rules is a drawing, not a report table
    for ys, xs in tables(hs, vs):
        if (len(ys) - 1) * (len(xs) - 1) > MAX_LATTICE:
            continue
        cells = lattice_cells(ys, xs, hs, vs)
        content: dict[tuple[int, int, int, int], list[Char]] = {c: [] for c in cells}
        lookup = {}
        for cell in cells:
            for r in range(cell[0], cell[1]):
                for c in range(cell[2], cell[3]):
                    lookup[(r, c)] = cell
        # the first lattice row (column) whose band holds the centre, by bisection: ys run top →
        # bottom, xs left → right; a centre on a line belongs to the band above (left of) it
        neg_ys = [-y for y in ys]
        left, right, top, bottom = xs[0], xs[-1], ys[0], ys[-1]
        for i, ch in enumerate(chars):
            cx, cy = ch.cx, ch.cy
            if not (left <= cx <= right and bottom <= cy <= top):
                continue
            r = max(bisect_left(neg_ys, -cy) - 1, 0)
            c = max(bisect_left(xs, cx) - 1, 0)
            content[lookup[(r, c)]].append(ch)
            placed.add(i)
        rows: list[list[Cell]] = []
        for r in range(len(ys) - 1):
            row: list[Cell] = []
            for cell in sorted({lookup[(r, c)] for c in range(len(xs) - 1)}, key=lambda k: k[2]):
                text = _cell_text(content[cell])
                row.append(Cell(text, xs[cell[2]], xs[cell[3]], spanned=cell[0] != r,
                                spans_down=cell[0] == r and cell[1] > r + 1, confidence=_confidence(content[cell])))
            if any(c.text for c in row):
                rows.append(row)
        if rows:
            items.append((ys[0], Grid(rows, positional=True)))
    rest = [ch for i, ch in enumerate(chars) if i not in placed]
    items.extend(table_lines(lines(rest), _line_text, _text_line_block, _size, _confidence, PAGE_NUMBER.match))
    items.sort(key=lambda it: -it[0])
    return [block for _y, block in items]


def _text_line_block(line: list[Char], text: str):
    """A line outside ruled tables: a paragraph, or a row of cells when its pieces stand a full
    character or more apart and either end in numbers or are three or more (a header row of a
    table printed without ruling lines).  Justified body text never leaves such gaps."""
    cells: list[list[Char]] = [[line[0]]]
    size = _size(line)
    for prev, ch in zip(line, line[1:], strict=False):
        if ch.x0 - prev.x1 > size * 0.9:
            cells.append([ch])
        else:
            cells[-1].append(ch)
    numeric = any(re.fullmatch(r"[-\d.,%]+", "".join(c.text for c in cell)) for cell in cells[1:])
    header = len(cells) >= 2 and "".join(c.text for c in cells[0]).startswith(LABEL_HEADER)
    if (len(cells) >= 2 and (numeric or header)) or len(cells) >= 3:
        row = [Cell(_line_text(cell), cell[0].x0, cell[-1].x1, confidence=_confidence(cell)) for cell in cells]
        return Grid([row], positional=True)
    return Paragraph(text)

