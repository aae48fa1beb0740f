"""Tables printed without ruling lines: rows by baseline, columns by header positions.

Words at positions with no rules around them are what an unruled PDF table and an OCR'd scan
without visible lines both give.  Read line by line, such a table falls apart in two ways:

- a row's label wraps over two or three lines while its values sit on one line in the middle
  (cells are centred vertically), so the label's lines land above and below the value line and
  the value line may carry no label at all;
- a header cell wraps (`商业企` over `业`), and a header that is one cell on a line shorter than
  its neighbours (`其他`) sits on a line of its own, so no single line names every column.

This module rebuilds both from geometry alone.  Lines that carry numbers are *anchors*, one per
table row.  A line that carries only label text, all of it left of the value columns, belongs
to the anchor nearest it (within one and a half line heights): its pieces join the anchor's label
cells they stand over, top to bottom.  Consecutive lines above the value columns that carry no
numbers are one header: their pieces are joined down the page where one piece stands over exactly
one piece of the line below, and the header is given as one row whose cells keep their x
positions, so the table reader can place each value under its column.  What it cannot place
stays a line of its own, and the table reader reports what it could not read.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..labels import normalize, strip_numbering
from ..model import Cell, Grid, Paragraph
from ..values import looks_like_value

ATTACH = 1.5  # line heights: how far a wrapped label line may stand from its row's value line
HEADER_GAP = 0.7  # character widths: a gap this wide separates two header cells on one line
# (narrower gaps do where a column boundary falls in them: `_header_pieces`)
HEADER_LINES = 12  # a header is a few lines: a longer run of them is text, and is not joined (nor costly)
HEADER_JOIN = 1.6  # line heights: how far down a wrapped header cell continues
_NUMERIC = re.compile(r"[-.,%]*\d[-\d.,%]*")  # a number has a digit: a lone `.` is a mark
LABEL_HEADER = "信息内容"  # table 2's label-column header: never a row's wrapped label
_TOP_HEADING = re.compile(r"^[一二三四五六七八九十]+[、.．]")  # 四、政府信息公开行政复议… heads a table, is no header cell


@dataclass
class _Piece:
    """A run of characters on one line with no wide gap: one cell's text on that line."""
    chars: list  # geometry.Char
    y: float  # the line's centre

    @property
    def x0(self) -> float:
        return self.chars[0].x0

    @property
    def x1(self) -> float:
        return self.chars[-1].x1


@dataclass
class _Line:
    chars: list
    text: str
    y: float
    size: float
    block: object  # what the line reads as on its own (geometry._text_line_block)
    attached: list[_Piece] = field(default_factory=list)  # label lines that belong to this anchor row

    @property
    def anchor(self) -> bool:
        """A table row: a line of cells with a number among them."""
        return isinstance(self.block, Grid) and any(
            _NUMERIC.fullmatch(c.text.strip()) and looks_like_value(c.text) for c in self.block.rows[0])


def split(chars: list, gap: float) -> list[list]:
    """A line's characters cut where two stand more than `gap` apart."""
    out = [[chars[0]]]
    for prev, ch in zip(chars, chars[1:], strict=False):
        if ch.x0 - prev.x1 > gap:
            out.append([ch])
        else:
            out[-1].append(ch)
    return out


def table_lines(lines: list[list], text_of: Callable[[list], str], block_of: Callable[[list, str], object],
                size_of: Callable[[list], float], confidence_of: Callable[[list], float | None],
                skip: Callable[[str], bool]) -> list[tuple[float, object]]:
    """(centre y, block) for each line outside ruled tables, wrapped rows and headers rebuilt."""
    infos: list[_Line] = []
    for line in lines:
        text = text_of(line)
        if skip(text.strip()):
            continue
        y = _middle(line)
        infos.append(_Line(line, text, y, size_of(line), block_of(line, text)))
    anchors = [ln for ln in infos if ln.anchor]
    if not anchors:
        return [(ln.y, ln.block) for ln in infos]
    heights = [-a.y for a in anchors]  # ascending: lines come top to bottom
    order = [ln for ln in infos if ln.anchor or not _attach(ln, anchors, heights)]
    at = [k for k, ln in enumerate(order) if ln.anchor]  # positions of the anchors in `order`
    header: dict[int, list[_Line]] = {}  # index of an anchor's first header line -> the header run
    used: set[int] = set()
    for n, j in enumerate(at):
        ln = order[j]
        # where this table's numbers begin: its first rows may leave the first columns blank
        left = min(_value_left(order[k]) for k in at[n:n + 6])
        i = j
        while i > 0 and j - i < HEADER_LINES and not order[i - 1].anchor and id(order[i - 1]) not in used \
                and order[i - 1].y - order[i].y <= 3 * order[i - 1].size and (
                    _header_line(order[i - 1], left) or _inside_header(order, i - 1, left)):
            i -= 1
        if i < j:
            header[i] = order[i:j]
            used.update(id(x) for x in order[i:j])
    # a header at the foot of a page, its rows on the next: read with no columns to guide it
    left = min(_value_left(a) for a in anchors)
    i = len(order)
    while i > 0 and len(order) - i < HEADER_LINES and not order[i - 1].anchor and _header_line(order[i - 1], left) and (
            i == len(order) or order[i - 1].y - order[i].y <= 3 * order[i - 1].size):
        i -= 1
    if i < len(order) and any(isinstance(ln.block, Grid) for ln in order[i:]):
        header[i] = order[i:]
        used.update(id(x) for x in order[i:])
    starts_at = _label_starts(anchors)
    out: list[tuple[float, object]] = []
    starts = sorted(header)
    for i, ln in enumerate(order):
        if ln.anchor:
            out.extend(_anchor_block(ln, confidence_of, starts_at))
        elif i in header:
            nxt = bisect.bisect_right(starts, i)
            end = starts[nxt] if nxt < len(starts) else len(order)
            first = bisect.bisect_left(at, i + len(header[i]))
            body = [order[k] for k in at[first:first + 60] if k < end]  # a sample of its rows is enough
            out.extend(_flush(header[i], confidence_of, _columns(body)))
        elif id(ln) not in used:
            out.append((ln.y, ln.block))
    return out


def _columns(rows: list[_Line]) -> list[float]:
    """The centres of a table's value columns, from where its rows print numbers."""
    centres = sorted(c.center for a in rows for c in a.block.rows[0]
                     if _NUMERIC.fullmatch(c.text.strip()) and looks_like_value(c.text))
    groups: list[list[float]] = []
    for x in centres:
        if groups and x - groups[-1][-1] <= 4.0:
            groups[-1].append(x)
        else:
            groups.append([x])
    return [sum(g) / len(g) for g in groups if len(g) >= 1]


def _middle(chars: list) -> float:
    return sorted(c.cy for c in chars)[len(chars) // 2]


def _value_left(anchor: _Line) -> float:
    """Where an anchor row's numbers begin: labels stand left of it, column headers above it."""
    return min(c.x0 for c in anchor.block.rows[0] if _NUMERIC.fullmatch(c.text.strip()) and looks_like_value(c.text))


def _attach(line: _Line, anchors: list[_Line], heights: list[float]) -> bool:
    """Give a label-only line to the nearest row, if one is near: True when given."""
    k = bisect.bisect_left(heights, -line.y)
    nearest = min(anchors[max(k - 1, 0):k + 1], key=lambda a: abs(a.y - line.y))
    if max(c.x1 for c in line.chars) > _value_left(nearest) - 1.0 or _TOP_HEADING.match(line.text.strip()) \
            or line.text.strip().startswith(LABEL_HEADER):
        return False
    if abs(nearest.y - line.y) > ATTACH * max(line.size, nearest.size):
        return False
    nearest.attached.extend(_Piece(p, line.y) for p in split(line.chars, 0.9 * line.size))
    return True


def _anchor_block(anchor: _Line, confidence_of: Callable[[list], float | None],
                  starts: list[float]) -> list[tuple[float, object]]:
    """The anchor's row with its wrapped label lines joined into the label cells they stand over.

    A label line that opens with its own numbering (`2.重复申请`) below a label of this row, or
    above this row's numbered label, is another row: a row whose cells are all blank prints
    nothing but its label, and giving this row's numbers to it would misread them.  Such a line
    stays a line of its own."""
    row = anchor.block.rows[0]
    start = next((i for i, c in enumerate(row) if _NUMERIC.fullmatch(c.text.strip())), len(row))
    # label cells: x0, x1, fragments (y, text, confidence, the anchor's own)
    labels: list[list] = [[c.x0, c.x1, [(anchor.y, c.text, c.confidence, True, c.x0)]] for c in row[:start]]
    for piece in anchor.attached:
        frag = (piece.y, "".join(ch.text for ch in piece.chars), confidence_of(piece.chars), False, piece.x0)
        hit = next((lab for lab in labels if piece.x0 < lab[1] and piece.x1 > lab[0]), None)
        if hit is None:
            labels.append([piece.x0, piece.x1, [frag]])
        else:
            hit[0], hit[1] = min(hit[0], piece.x0), max(hit[1], piece.x1)
            hit[2].append(frag)
    joined: list[list] = []
    for lab in sorted(labels, key=lambda lab: lab[0]):
        if joined and not _starts_column(lab[0], starts):
            # `4.无正当理由大量　反复申请`: a wide space inside one label, not a label column
            joined[-1][1] = max(joined[-1][1], lab[1])
            joined[-1][2].extend(lab[2])
        else:
            joined.append(lab)
    cells: list[Cell] = []
    apart: list[tuple[float, object]] = []
    for x0, x1, frags in joined:
        frags.sort(key=lambda f: (-round(f[0], 1), f[4]))  # top to bottom, left to right
        kept = _one_label(frags)
        apart.extend((f[0], Paragraph(f[1])) for f in frags if f not in kept)
        known = [f[2] for f in kept if f[2] is not None]
        cells.append(Cell("\n".join(f[1] for f in kept), x0, x1, confidence=min(known) if known else None))
    return [(anchor.y, Grid([[*cells, *row[start:]]], positional=True)), *apart]


def _label_starts(anchors: list[_Line]) -> list[float]:
    """Where label columns begin: the left edges shared by label pieces of two rows or more."""
    edges = sorted([c.x0 for a in anchors for c in a.block.rows[0] if not _NUMERIC.fullmatch(c.text.strip())]
                   + [p.x0 for a in anchors for p in a.attached])
    out: list[float] = []
    for k, x in enumerate(edges):
        if (k and x - edges[k - 1] <= 2.0) or (k + 1 < len(edges) and edges[k + 1] - x <= 2.0):
            out.append(x)
    return out


def _starts_column(x: float, starts: list[float]) -> bool:
    return any(abs(x - s) <= 2.0 for s in starts)


def _one_label(frags: list[tuple]) -> list[tuple]:
    """The fragments (top to bottom) that are one label: from the last numbered fragment at or
    above the anchor's own text (or the first numbered one) down to the next numbered one."""
    numbered = [i for i, f in enumerate(frags) if _numbered(f[1])]
    own = next((i for i, f in enumerate(frags) if f[3]), None)
    if not numbered:
        return frags
    if own is not None:
        first = max((i for i in numbered if i <= own), default=0)
    else:
        first = numbered[0] if numbered[0] == 0 else 0
    end = next((i for i in numbered if i > first and (own is None or i > own)), len(frags))
    if own is not None and own >= end:
        end = len(frags)
    return frags[first:end]


def _numbered(text: str) -> bool:
    t = normalize(text)
    return strip_numbering(t) != t


def _inside_header(order: list[_Line], k: int, left: float) -> bool:
    """A label-column header line (`信息内容`, centred between the two lines of `本年处理` /
    `决定数量`) with a header line right above it: part of the header."""
    line = order[k]
    return k > 0 and max(c.x1 for c in line.chars) <= left - 1.0 and not order[k - 1].anchor \
        and _header_line(order[k - 1], left) and order[k - 1].y - line.y <= 3 * line.size


def _header_line(line: _Line, value_left: float) -> bool:
    """A line that may be part of a table's header: text over the value columns, no numbers,
    either cut into cells or standing wholly over the value columns (`其他`, `申请人情况`)."""
    if line.anchor or _TOP_HEADING.match(line.text.strip()):
        return False
    over = [c for c in line.chars if c.x0 >= value_left - 1.0]
    if not over:
        return False
    return isinstance(line.block, Grid) or min(c.x0 for c in line.chars) >= value_left - 1.0 or \
        len(split(line.chars, 0.9 * line.size)) >= 2


def _flush(run: list[_Line], confidence_of: Callable[[list], float | None],
           columns: list[float]) -> list[tuple[float, object]]:
    """A run of header lines as one row of header cells, each wrapped cell joined down the page."""
    if not run:
        return []
    if len(run) == 1 and not isinstance(run[0].block, Grid):
        return [(run[0].y, run[0].block)]
    if len(columns) >= 2:
        # the rows below may leave whole columns blank (or go on over a page break): columns
        # seen in fewer places than the header's fullest line has cells are not all the columns
        fullest = max(sum(1 for p in split(line.chars, HEADER_GAP * line.size) if p[-1].x1 > columns[0] - 1)
                      for line in run)
        if len(columns) < fullest - 1:
            columns = []
    pieces = [(piece, line.size) for line in run for piece in _header_pieces(line, columns)]
    cols = _by_column(pieces, columns) if len(columns) >= 2 else _stacked(pieces)
    cells = [Cell(_text_of(c), min(ch.x0 for ch in c), max(ch.x1 for ch in c),
                  confidence=confidence_of(c)) for c in sorted(cols, key=lambda c: min(ch.x0 for ch in c))]
    return [(run[0].y, Grid([cells], positional=True))]


def _stacked(pieces: list[tuple[list, float]]) -> list[list]:
    """Pieces joined down the page where one stands over exactly one piece of the line below
    (`商业企` over `业`), within a line height and a half; anything else is a cell of its own."""
    cols: list[dict] = []
    for piece, size in pieces:  # top to bottom, each line left to right
        x0, x1, y = piece[0].x0, piece[-1].x1, _middle(piece)
        line = [p for p, _s in pieces if abs(_middle(p) - y) < 0.5 * size]
        # a piece's own height, not its line's: a line gathers pieces of cells centred apart
        near = [c for c in cols if 0 < c["bottom"] - y <= HEADER_JOIN * max(size, c["size"])]
        over = [c for c in near if x0 < c["x1"] and x1 > c["x0"]]
        if len(over) == 1 and sum(1 for p in line if p[0].x0 < over[0]["x1"] and p[-1].x1 > over[0]["x0"]) == 1:
            col = over[0]
            col["chars"].extend(piece)
            col["x0"], col["x1"], col["bottom"] = min(col["x0"], x0), max(col["x1"], x1), y
        else:
            cols.append({"x0": x0, "x1": x1, "bottom": y, "size": size, "chars": list(piece)})
    return [c["chars"] for c in cols]


def _header_pieces(line: _Line, columns: list[float]) -> list[list]:
    """A header line cut into cells: at wide gaps, and at narrower ones where a column boundary
    (half way between two value columns) falls in the gap, since header cells filling their
    columns stand only their padding apart.  Punctuation alone (a full-width comma has a small
    box, so gaps open around it) stays with the word nearest it."""
    bounds = [(a + b) / 2 for a, b in zip(columns, columns[1:], strict=False)]
    out: list[list] = [[line.chars[0]]]
    for prev, ch in zip(line.chars, line.chars[1:], strict=False):
        gap = ch.x0 - prev.x1
        if gap > HEADER_GAP * line.size or (gap > 0.25 * line.size and any(prev.x1 <= b <= ch.x0 for b in bounds)):
            out.append([ch])
        else:
            out[-1].append(ch)
    words = [p for p in out if any(c.text.isalnum() for c in p)]
    for piece in out:
        if piece in words or not words:
            continue
        near = min(words, key=lambda w: min(abs(w[0].x0 - piece[-1].x1), abs(piece[0].x0 - w[-1].x1)))
        if min(abs(near[0].x0 - piece[-1].x1), abs(piece[0].x0 - near[-1].x1)) <= 1.5 * line.size:
            near.extend(piece)
            near.sort(key=lambda c: c.x0)
        # else a stray mark far from any word names no column: not a header cell
    return words or out


def _by_column(pieces: list[tuple[list, float]], columns: list[float]) -> list[list]:
    """Header pieces that stand over one value column, and only that one, are that column's
    header, however they wrap (`商业企` over `业`; `社　会` printed with a wide space over
    `公益组织`).  A piece over several columns or wider than one (法人或其他组织, 行政复议) is a
    group heading, and so is a piece above one (申请人情况); those and the labels left of the
    columns are joined as `_stacked` joins them."""
    pitch = min(b - a for a, b in zip(columns, columns[1:], strict=False))

    def span(piece: list) -> list[int]:
        x0, x1 = piece[0].x0, piece[-1].x1
        if x1 - x0 > 1.2 * pitch:
            return list(range(len(columns)))  # wider than a column: a heading over several
        over = [k for k, x in enumerate(columns) if x0 - 1 <= x <= x1 + 1]
        if not over:
            near = min(range(len(columns)), key=lambda k: abs(columns[k] - (x0 + x1) / 2))
            over = [near] if abs(columns[near] - (x0 + x1) / 2) <= pitch * 0.4 else []
        return over

    spans = [span(p) for p, _s in pieces]
    groups = [p for (p, _s), sp in zip(pieces, spans, strict=True) if len(sp) > 1]
    by_col: dict[int, list] = {}
    rest: list[tuple[list, float]] = []
    for (piece, size), sp in zip(pieces, spans, strict=True):
        above_group = any(_middle(piece) > _middle(g) and piece[0].x0 < g[-1].x1 and piece[-1].x1 > g[0].x0
                          for g in groups)
        if len(sp) == 1 and not above_group:
            by_col.setdefault(sp[0], []).extend(piece)
        else:
            rest.append((piece, size))
    return [*by_col.values(), *_stacked(rest)]


def _text_of(chars: list) -> str:
    """Characters of one header cell as text: lines top to bottom, each left to right."""
    rows: list[list] = []
    for ch in sorted(chars, key=lambda c: -c.cy):
        if rows and abs(rows[-1][0].cy - ch.cy) <= (ch.y1 - ch.y0) * 0.5:
            rows[-1].append(ch)
        else:
            rows.append([ch])
    return "\n".join("".join(c.text for c in sorted(r, key=lambda c: c.x0)) for r in rows)
