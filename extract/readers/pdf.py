"""PDF reports with a text layer, read through PDFium (pypdfium2).

Why PDFium: it returns every character with its box and every vector path in a few milliseconds
per page (about 20 ms for a five-page report here, against 250 ms for pdfminer-based pdfplumber
on the same file), and it survives malformed files that pure-Python parsers choke on.

This module takes from PDFium what the page holds (characters with their boxes, ruling segments
from path objects) and gives it to the one geometric reader (`geometry.py`), which OCR'd scans go
through too.  Page numbers (`- 3 -`) are dropped; a table that crosses a page break yields one
grid per page, mended here when the break cut a row, and read by the table reader as one stream.
"""

from __future__ import annotations

import ctypes
import re

from ..errors import ExtractError
from ..limits import MAX_PAGES
from ..model import Document, Grid, Problem
from ..values import looks_like_value
from .geometry import SNAP, Char, H, V, page_blocks
from .ocr import Budget, ocr_note, page_image_blocks, render_page
from .pdffonts import FONT_DIR, fonts_available, pin_fonts, uses_unembedded_font
from .pdfstreams import check_streams

SCANNER_TEXT = 4  # invisible text objects this many times the visible ones, over a picture: a scan's OCR layer
PICTURE_SHARE = 0.15  # of a text page's area, covered by pictures: perhaps a table pasted as one (a seal covers ~3 %)
MIN_PAGE_CHARS = 20  # a page with fewer characters and a picture is a picture of a page
DRAWN_GLYPHS = 50  # glyph-sized filled shapes on a page without text: its text drawn as outlines ("转曲")
GLYPH_SIZE = 60.0  # points, each way, at most: a character of a heading; a table's rule or a seal is bigger
GLYPH_SEGMENTS = 6  # a glyph's outline has more segments than a rectangle's four or five
_FONTS_MISSING = (f"text in fonts the PDF does not embed, and no substitute font in {FONT_DIR} "
                  "(NIANBAO_PDF_FONTS): characters may be missing or misplaced")
_FONTS_UNPINNED = ("text in fonts the PDF does not embed, read with the host's fonts: PDFium was in use before "
                   "the extractor could point it at NIANBAO_PDF_FONTS")


def read_pdf(data: bytes) -> Document:
    import pypdfium2 as pdfium

    check_streams(data)
    pinned = pin_fonts()
    fonts_ok = pinned and fonts_available()
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ExtractError(f"unreadable PDF: {exc}") from exc
    doc = Document(kind="pdf")
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise ExtractError("PDF has no pages")
        if n_pages > MAX_PAGES:
            doc.problems.append(Problem("truncated", "document", f"only the first {MAX_PAGES} of {n_pages} pages read"))
        total_chars = images = ocr_pages = 0
        budget = Budget()
        pictured: list[tuple[int, int, int]] = []  # text pages showing a big picture: (index, first block, end)
        outlined: list[str] = []  # pages whose text is drawn as shapes
        for index in range(min(n_pages, MAX_PAGES)):
            try:
                page = pdf[index]
            except pdfium.PdfiumError as exc:
                doc.problems.append(Problem("unreadable_page", f"page {index + 1}", str(exc)))
                continue
            if not fonts_ok and uses_unembedded_font(page):
                doc.problems.append(Problem("fonts_missing", f"page {index + 1}",
                                            _FONTS_MISSING if pinned else _FONTS_UNPINNED))
                fonts_ok = True  # said once
            chars = _chars(page)
            paths, pictures, visible, invisible, picture_area = _page_objects(page)
            images += pictures
            drawn = len(chars) < MIN_PAGE_CHARS and _drawn_glyphs(paths) >= DRAWN_GLYPHS
            if drawn:
                outlined.append(f"page {index + 1}")
            if drawn or (pictures and (len(chars) < MIN_PAGE_CHARS or invisible > SCANNER_TEXT * visible)):
                # a picture of a page, or a scan with its scanner's OCR laid over it as invisible
                # text (a "searchable" PDF: text without confidences, placed where that OCR put
                # it, and the table's rules only in the picture), perhaps with a line of visible
                # text stamped on it, or a page whose text a design tool turned into outlines:
                # read its rendering ourselves (which shows that line, and those shapes as text)
                ocr_pages += _ocr_page(page, index, doc, budget)
            else:
                total_chars += len(chars)  # the text the report's own layer gives
                segments = _segments(paths)
                turn = _text_turn(chars)
                if turn:
                    chars, segments = _turned(chars, segments, turn, page.get_mediabox())
                first = len(doc.blocks)
                doc.blocks.extend(page_blocks(chars, segments))
                width, height = page.get_size()
                if picture_area >= PICTURE_SHARE * width * height:
                    pictured.append((index, first, len(doc.blocks)))
            page.close()
        if pictured:
            ocr_pages += _ocr_pictured_pages(pdf, doc, pictured, budget)
        doc.blocks = _join_split_rows(doc.blocks)
        _read_info(pdf, doc)
        doc.images = images
        if ocr_pages:
            doc.problems.insert(0, ocr_note(ocr_pages, turned=budget.turned, outlined=outlined))
            if total_chars < MIN_PAGE_CHARS:
                doc.kind = "ocr"  # every word of it came from the pictures
        elif total_chars < MIN_PAGE_CHARS and images:
            doc.image_only = True  # pictures without legible text
    finally:
        pdf.close()
    return doc


def _ocr_pictured_pages(pdf, doc: Document, pictured: list[tuple[int, int, int]], budget: Budget) -> int:
    """When the text lacks one of the statutory tables, the text pages that show a big picture
    (a table pasted into the document as a picture, beside its heading and paragraphs as text)
    are read again whole by OCR, their OCR'd blocks standing in for their text's; the pages read.
    A report with its tables as text, or pictures of seals and logos only, costs nothing."""
    from ..tables import lacks_a_table

    if not lacks_a_table(doc.blocks):
        return 0
    read = 0
    out: list = []
    kept = 0  # doc.blocks up to here are in out
    for index, first, end in pictured:
        out.extend(doc.blocks[kept:first])
        kept = end
        page = pdf[index]
        try:
            blocks = _picture_blocks(page, index, doc, budget)
        finally:
            page.close()
        if blocks:
            out.extend(blocks)
            read += 1
        else:  # not read (the budget spent) or nothing found: the page's text stays
            out.extend(doc.blocks[first:end])
    out.extend(doc.blocks[kept:])
    doc.blocks = out
    return read


def _ocr_page(page, index: int, doc: Document, budget: Budget) -> int:
    """Read a page that is a picture (a scan, or a table pasted as an image) by OCR, within the
    report's OCR budget; 1 if any text was found on it (a logo or a photo gives none, and the
    page stays a picture)."""
    blocks = _picture_blocks(page, index, doc, budget)
    doc.blocks.extend(blocks)
    return 1 if blocks else 0


def _picture_blocks(page, index: int, doc: Document, budget: Budget) -> list:
    """The page rendered and read by OCR, within the report's OCR budget (none when it is spent,
    which the budget says in `doc`)."""
    if not budget.allow(f"page {index + 1}", doc):
        return []
    gray, dpi = render_page(page)
    blocks = page_image_blocks(gray, dpi, f"page {index + 1}", budget, doc)
    budget.read()
    return blocks


def _read_info(pdf, doc: Document) -> None:
    try:
        title = (pdf.get_metadata_dict() or {}).get("Title")
    except Exception:  # metadata is optional; a broken Info dictionary must not lose the report
        title = None
    if title and re.search(r"[\u4e00-\u9fff]", title):
        # a broken UTF-16 Info string decodes with lone surrogates, which no UTF-8 text (nor
        # SQLite) can hold: each becomes U+FFFD, the rest of the title stays
        doc.meta["docx:title"] = re.sub("[\ud800-\udfff]", "\ufffd", title).strip()


def _chars(page) -> list[Char]:
    import pypdfium2 as pdfium

    from . import pdfium_calls as calls

    textpage = page.get_textpage()
    out: list[Char] = []
    unicode, charbox = calls.text_unicode, calls.text_charbox
    box = calls.OutValues(ctypes.c_double, 4)  # reused for every character: left right bottom top
    left, right, bottom, top = box.values
    handle = calls.address(textpage.raw)
    try:
        for i in range(textpage.count_chars()):
            code = unicode(handle, i)
            if code in (0, 0xFFFE, 0xFFFF) or code < 32:
                continue
            ch = chr(code) if not 0xD800 <= code <= 0xDFFF else "\ufffd"  # half of a pair: not text
            if ch.isspace():
                continue
            if not charbox(handle, i, *box.addresses):
                raise pdfium.PdfiumError("Failed to get charbox.")
            out.append(Char(ch, left.value, bottom.value, right.value, top.value))
    finally:
        textpage.close()
    return out


def _page_objects(page) -> tuple[list[int], int, int, int, float]:
    """The page's path objects (addresses, to three levels of Form XObjects, in content order),
    its number of images (two levels) and of text objects drawn visibly and invisibly, and the
    area its images cover (their boxes', in square points), in one walk over raw handles.
    pypdfium2's `get_objects` wraps every object of the page, text included, in a Python object,
    and the reader walked the page twice with it (for images, then for paths): 14 % of a ruled
    PDF's parse."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from . import pdfium_calls as calls

    paths: list[int] = []
    images = visible = invisible = 0
    area = 0.0
    kind_of, render_mode = calls.object_type, calls.text_render_mode
    box = calls.OutValues(ctypes.c_float, 4)  # left bottom right top

    def walk(count, get, parent, level: int) -> None:
        nonlocal images, visible, invisible, area
        n = count(parent)
        if n < 0:
            raise pdfium.PdfiumError("Failed to get number of pageobjects.")
        for i in range(n):
            obj = get(parent, i)
            if not obj:
                raise pdfium.PdfiumError("Failed to get pageobject.")
            kind = kind_of(obj)
            if kind == raw.FPDF_PAGEOBJ_PATH:
                paths.append(obj)
            elif kind == raw.FPDF_PAGEOBJ_IMAGE and level <= 1:
                images += 1
                if calls.object_bounds(obj, *box.addresses):
                    left, bottom, right, top = (v.value for v in box.values)
                    area += max(0.0, right - left) * max(0.0, top - bottom)
            elif kind == raw.FPDF_PAGEOBJ_TEXT:
                if render_mode(obj) == raw.FPDF_TEXTRENDERMODE_INVISIBLE:
                    invisible += 1
                else:
                    visible += 1
            elif kind == raw.FPDF_PAGEOBJ_FORM and level < 2:
                walk(calls.form_count_objects, calls.form_object, obj, level + 1)

    walk(calls.page_count_objects, calls.page_object, calls.address(page.raw), 0)
    return paths, images, visible, invisible, area


def _drawn_glyphs(paths: list[int]) -> int:
    """How many of the page's paths look like characters drawn as outlines: filled, no bigger than
    a heading's character, with more segments than a rectangle.  Asked only of pages without text,
    so a report with a text layer never pays for it."""
    from . import pdfium_calls as calls

    box = calls.OutValues(ctypes.c_float, 4)  # left bottom right top
    modes = calls.OutValues(ctypes.c_int, 2)  # fill stroke
    fill = modes.values[0]
    glyphs = 0
    for obj in paths:
        if not calls.object_bounds(obj, *box.addresses):
            continue
        left, bottom, right, top = (v.value for v in box.values)
        if not (0 < right - left <= GLYPH_SIZE and 0 < top - bottom <= GLYPH_SIZE):
            continue
        calls.path_draw_mode(obj, *modes.addresses)
        if fill.value and calls.path_count_segments(obj) >= GLYPH_SEGMENTS:
            glyphs += 1
            if glyphs >= DRAWN_GLYPHS:
                break  # enough to say so
    return glyphs


# --- ruling lines ------------------------------------------------------------------------------


def _segments(paths: list[int]) -> tuple[list[H], list[V]]:
    """Horizontal and vertical line segments from path objects (addresses), in page coordinates."""
    from . import pdfium_calls as calls

    hs: list[H] = []
    vs: list[V] = []
    bounds, draw_mode = calls.object_bounds, calls.path_draw_mode
    box = calls.OutValues(ctypes.c_float, 4)  # left bottom right top
    modes = calls.OutValues(ctypes.c_int, 2)  # fill stroke
    stroke = modes.values[1]
    reader = _PathReader()
    for obj in paths:
        if not bounds(obj, *box.addresses):
            continue
        left, bottom, right, top = (v.value for v in box.values)
        w, h = right - left, top - bottom
        if w < 0 or h < 0:
            continue
        draw_mode(obj, *modes.addresses)
        if not stroke.value:
            # a filled shape: a thin bar is a border drawn as a rectangle, anything else shading
            if h <= SNAP and w > SNAP:
                hs.append(((bottom + top) / 2, left, right))
            elif w <= SNAP and h > SNAP:
                vs.append(((left + right) / 2, bottom, top))
            continue
        pts = reader.points(obj)
        for (xa, ya), (xb, yb) in zip(pts, pts[1:], strict=False):
            if abs(ya - yb) <= 0.5 and abs(xa - xb) > SNAP:
                hs.append((ya, min(xa, xb), max(xa, xb)))
            elif abs(xa - xb) <= 0.5 and abs(ya - yb) > SNAP:
                vs.append((xa, min(ya, yb), max(ya, yb)))
    return hs, vs


class _PathReader:
    """Reads stroked paths' vertices with one set of out-parameters for a page's paths."""

    def __init__(self) -> None:
        import pypdfium2.raw as raw

        from . import pdfium_calls as calls

        self.calls = calls
        self.moveto = raw.FPDF_SEGMENT_MOVETO
        self.matrix = raw.FS_MATRIX()
        self.matrix_address = ctypes.addressof(self.matrix)
        self.xy = calls.OutValues(ctypes.c_float, 2)

    def points(self, obj: int) -> list[tuple[float, float]]:
        """The vertices of a stroked path, with closed subpaths returning to their start."""
        import pypdfium2 as pdfium

        calls, matrix = self.calls, self.matrix
        if not calls.object_matrix(obj, self.matrix_address):
            raise pdfium.PdfiumError("Failed to get matrix of pageobject.")
        a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
        pts: list[tuple[float, float]] = []
        start: tuple[float, float] | None = None
        n = calls.path_count_segments(obj)
        if n > 20000:
            return []
        x, y = self.xy.values
        xy = self.xy.addresses
        segment, point, kind, closes, moveto = (calls.path_segment, calls.segment_point, calls.segment_type,
                                                calls.segment_close, self.moveto)
        for i in range(n):
            seg = segment(obj, i)
            point(seg, *xy)
            px, py = a * x.value + c * y.value + e, b * x.value + d * y.value + f
            if kind(seg) == moveto:
                if pts:
                    pts.append((float("nan"), float("nan")))
                start = (px, py)
            pts.append((px, py))
            if closes(seg) and start:
                pts.append(start)
        return pts


# --- turned pages ------------------------------------------------------------------------------


MIN_TURN_VOTES = 10  # pairs of neighbouring characters it takes to say which way a page's text runs
TURN_SAMPLE = 200  # pairs looked at, at most


def _text_turn(chars: list[Char]) -> int:
    """Which way the page's text runs in the page's own coordinates, as the quarter turns (0, 90,
    180, 270) that make it read left to right: a page whose `/Rotate` shows it turned (a landscape
    table printed onto a portrait page by a print driver) has its content drawn turned the other
    way, its text running up or down the page and its rows standing as columns (2 of 203 values
    read).  Told by the text itself — most neighbouring characters' step from one to the next —
    not by `/Rotate`, which also turns pages drawn upright (a viewer shows those sideways, and
    their text reads as it is).  A vertical label in a table is a few steps among thousands."""
    votes = [0, 0, 0, 0]  # steps right, up, left, down
    step = max(1, len(chars) // TURN_SAMPLE)  # neighbours sampled across the page: a page's text runs one way
    for i in range(0, len(chars) - 1, step):
        a, b = chars[i], chars[i + 1]
        dx, dy = b.cx - a.cx, b.cy - a.cy
        size = max(a.x1 - a.x0, a.y1 - a.y0, 1.0)
        if abs(dx) + abs(dy) > 2.5 * size:
            continue  # a jump to the next line or cell
        votes[(0 if dx > 0 else 2) if abs(dx) >= abs(dy) else (1 if dy > 0 else 3)] += 1
    best = max(range(4), key=votes.__getitem__)
    if best == 0 or votes[best] < MIN_TURN_VOTES or votes[best] < 0.6 * sum(votes):
        return 0
    return (90, 180, 270)[best - 1]  # text stepping up is turned by /Rotate 90, left by 180, down by 270


def _turned(chars: list[Char], segments: tuple[list[H], list[V]], rotation: int,
             box: tuple[float, float, float, float]) -> tuple[list[Char], tuple[list[H], list[V]]]:
    """The page's characters and rules turned as a viewer turns a page of that `/Rotate`, y still up."""
    x0, y0, x1, y1 = box

    def point(x: float, y: float) -> tuple[float, float]:
        if rotation == 90:
            return y - y0, x1 - x
        if rotation == 180:
            return x1 - x, y1 - y
        return y1 - y, x - x0  # 270

    turned: list[Char] = []
    for ch in chars:
        ax, ay = point(ch.x0, ch.y0)
        bx, by = point(ch.x1, ch.y1)
        turned.append(Char(ch.text, min(ax, bx), min(ay, by), max(ax, bx), max(ay, by), ch.confidence))
    hs: list[H] = []
    vs: list[V] = []
    ends = [(point(a, y), point(b, y)) for y, a, b in segments[0]]
    ends += [(point(x, a), point(x, b)) for x, a, b in segments[1]]
    for (pa, qa), (pb, qb) in ends:  # each segment's two ends, turned; it lies along the longer side
        if abs(qa - qb) <= abs(pa - pb):
            hs.append(((qa + qb) / 2, min(pa, pb), max(pa, pb)))
        else:
            vs.append(((pa + pb) / 2, min(qa, qb), max(qa, qb)))
    return turned, (hs, vs)


# --- page breaks -------------------------------------------------------------------------------

_NUMBERED = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+[、.．]|\d+[、.．])")


def _join_split_rows(blocks: list) -> list:
    """Mend a table row that a page break cut in two: the next page's grid opens with the rest
    of the label and empty value cells.  Its text joins the previous page's last row."""
    out: list = []
    for block in blocks:
        prev = out[-1] if out else None
        if isinstance(block, Grid) and isinstance(prev, Grid) and block.rows and prev.rows:
            first, last = block.rows[0], prev.rows[-1]
            same_columns = len(first) == len(last) and all(
                abs(a.x0 - b.x0) < SNAP and abs(a.x1 - b.x1) < SNAP for a, b in zip(first, last, strict=True))
            texts = [c.text for c in first if c.text.strip()]
            label_only = bool(texts) and not any(looks_like_value(t) for t in texts)
            last_had_values = any(c.text.strip() and looks_like_value(c.text) for c in last)
            fragments = all(len(re.sub(r"\s", "", t)) <= 4 for t in texts)  # 量, 人, 理 … a header's last line
            if same_columns and label_only and not _NUMBERED.match(texts[0]) and (
                    (last_had_values and len(texts) <= 2) or fragments):
                for a, b in zip(last, first, strict=True):
                    if b.text.strip() and not b.spanned:
                        a.text = a.text + "\n" + b.text
                block = Grid(block.rows[1:], positional=block.positional)
                if not block.rows:
                    continue
        out.append(block)
    return out
