"""DOCX reports: paragraphs and tables in body order, with merged cells expanded onto the grid.

The WordprocessingML is read directly (python-docx's `Document` opens the package and gives the
body element) because python-docx's `table.rows[i].cells` repeats a horizontally merged cell once
per grid column and hides the vMerge structure; here `w:gridSpan` gives a cell's width and
`w:vMerge` continuation cells become `spanned` copies of the cell above, as HTML rowspans do.
Content controls (`w:sdt`, a template's fields and repeating sections) and custom-XML wrappers
are opened wherever they stand — around paragraphs, tables, rows, cells or a cell's paragraphs:
python-docx's body and a plain walk of `w:p`/`w:tbl`/`w:tr`/`w:tc` children step over them, and
a table inside one was lost whole (table_not_found), a title inside one unsaid.
Archives are checked before anything is inflated: a zip bomb is refused, not decompressed.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from ..errors import ExtractError
from ..model import Cell, Document, Grid, Paragraph
from ..tables import lacks_a_table
from .zipguard import check_zip

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(data: bytes) -> Document:
    check_zip(data, "DOCX")
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ExtractError(f"unreadable DOCX: {exc}") from exc
    except Exception as exc:  # lxml errors inside a damaged package
        raise ExtractError(f"unreadable DOCX: {type(exc).__name__}: {exc}") from exc
    doc = Document(kind="docx")
    title = (document.core_properties.title or "").strip()
    if title:
        doc.meta["docx:title"] = title
    body = getattr(document.element, "body", None)
    if body is None:  # a main part whose root is not w:document
        raise ExtractError("unreadable DOCX: word/document.xml has no w:body")
    # a text box is written twice, for Word 2010 on (mc:Choice) and for older readers (mc:Fallback,
    # VML): its text read once, from the first
    for fallback in list(body.iter(_MC + "Fallback")):
        fallback.getparent().remove(fallback)
    pictures: list[tuple[int, str]] = []  # (index in doc.blocks, relationship id) of each picture
    images = _read_blocks(body, doc, pictures)
    doc.images = images
    if pictures and lacks_a_table(doc.blocks):  # tables 2 and 4 as text, table 3 a picture: read it too
        _ocr_pictures(document, doc, pictures)
    if images and not any(isinstance(b, Grid) for b in doc.blocks) and len(doc.text()) < 200:
        doc.image_only = True
    return doc


def _read_blocks(parent, doc: Document, pictures: list[tuple[int, str]]) -> int:  # noqa: ANN001 - an lxml element
    """The paragraphs and tables of the body (or of a layout table's cell) into `doc.blocks`, in
    order; the number of pictures they show."""
    images = 0
    for child in _children(parent):
        tag = child.tag
        if tag == W + "p":
            text = _text(child)
            if text.strip():
                doc.blocks.append(Paragraph(text.strip()))
            images += len(child.findall(".//" + W + "drawing")) + len(child.findall(".//" + _VML + "imagedata"))
            pictures.extend((len(doc.blocks), rid) for rid in _picture_ids(child))
        elif tag == W + "tbl" and _is_layout(child):
            for cell in _cells(child):
                images += _read_blocks(cell, doc, pictures)
        elif tag == W + "tbl":
            grid = _grid(child)
            if grid.rows:
                doc.blocks.append(grid)
    return images


def _cells(tbl) -> list:  # noqa: ANN001 - an lxml element
    return [tc for tr in _kids(tbl, W + "tr") for tc in _kids(tr, W + "tc")]


def _is_layout(tbl) -> bool:  # noqa: ANN001 - an lxml element
    """A table that holds a bigger table in a cell is page layout (a one-cell frame around the
    report, as some templates and converters write): its cells are read as the body is.  A table
    holding a smaller one (a cell's own little table) is data, the small one its cell's text."""
    cells = _cells(tbl)
    nested = [t for c in cells for t in _children(c) if t.tag == W + "tbl"]
    return any(len(_cells(t)) > len(cells) for t in nested)


_VML = "{urn:schemas-microsoft-com:vml}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _picture_ids(paragraph) -> list[str]:
    """The relationship ids of the pictures a paragraph shows (DrawingML blips, VML imagedata)."""
    ids = [b.get(_R + "embed") for b in paragraph.iter(_A + "blip")]
    ids += [v.get(_R + "id") for v in paragraph.iter(_VML + "imagedata")]
    return [i for i in ids if i]


def _ocr_pictures(document, doc: Document, pictures: list[tuple[int, str]]) -> None:
    """Tables pasted into a DOCX as pictures (its text lacks one): each picture OCR'd where it
    stands, within the report's OCR budget, so its tables read as a scan's do.  The report says
    it was read by OCR (an `ocr` problem); its kind stays `docx` since its text is the file's."""
    from .ocr import Budget, Undecodable, ocr_note, picture_blocks

    budget = Budget()
    related = document.part.related_parts
    out: list = []
    read = 0
    start = 0
    for k, (position, rid) in enumerate(pictures):
        out.extend(doc.blocks[start:position])
        start = position
        part = related.get(rid)
        if part is None:
            continue
        found = Document(kind="docx")
        try:
            frames = picture_blocks(part.blob, found, budget, f"picture {k + 1}")
        except Undecodable:
            continue  # an EMF or a damaged picture: it stays a picture
        out.extend(found.blocks)
        doc.problems.extend(found.problems)
        read += 1 if frames and found.blocks else 0
    out.extend(doc.blocks[start:])
    doc.blocks = out
    if read:
        doc.problems.insert(0, ocr_note(read, turned=budget.turned))


def _children(el) -> Iterator:
    """`el`'s children, with content controls (their `w:sdtContent`) and `w:customXml` wrappers
    opened in place, to any depth."""
    for child in el.iterchildren():
        if child.tag == _SDT:
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from _children(content)
        elif child.tag == _CUSTOM_XML:
            yield from _children(child)
        else:
            yield child


_SDT, _CUSTOM_XML = W + "sdt", W + "customXml"


def _kids(el, tag: str) -> list:  # noqa: ANN001 - an lxml element
    """`el`'s children of one tag, wrappers opened (`_children`)."""
    return [c for c in _children(el) if c.tag == tag]


def _text(el) -> str:
    parts = []
    for node in el.iter(W + "t", W + "tab", W + "br", W + "cr", W + "p"):
        if node.tag == W + "t":
            parts.append(node.text or "")
        elif node.tag == W + "p" and parts or node.tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif node.tag == W + "tab":
            parts.append(" ")
    return "".join(parts)


def _int(value: str | None, default: int = 1) -> int:
    try:
        return max(1, min(int(value or default), 200))
    except ValueError:
        return default


def _grid(tbl) -> Grid:
    rows: list[list[Cell]] = []
    above: dict[int, Cell] = {}  # grid column → the cell covering it in the previous row
    for tr in _kids(tbl, W + "tr"):
        row: list[Cell] = []
        col = 0
        trpr = tr.find(W + "trPr")
        if trpr is not None:
            before = trpr.find(W + "gridBefore")
            if before is not None:
                col += _int(before.get(W + "val"), 0)
        current: dict[int, Cell] = {}
        for tc in _kids(tr, W + "tc"):
            tcpr = tc.find(W + "tcPr")
            span, vmerge = 1, None
            if tcpr is not None:
                gs = tcpr.find(W + "gridSpan")
                if gs is not None:
                    span = _int(gs.get(W + "val"))
                vm = tcpr.find(W + "vMerge")
                if vm is not None:
                    vmerge = vm.get(W + "val") or "continue"
            if vmerge == "continue" and col in above:
                origin = above[col]
                cell = Cell(origin.text, col, col + span, spanned=True)
            else:
                content = list(_children(tc))
                cell = Cell("\n".join(_text(p) for p in content if p.tag == W + "p").strip(), col, col + span)
                for nested in (c for c in content if c.tag == W + "tbl"):
                    cell.text = (cell.text + "\n" + "\n".join(
                        "".join(_text(p) for p in c.iter(W + "p")) for c in nested.iter(W + "tc"))).strip()
            if vmerge == "restart":
                cell.spans_down = True
            row.append(cell)
            current[col] = cell if not cell.spanned else above.get(col, cell)
            col += span
        above = current
        if row:
            rows.append(row)
    return Grid(rows, positional=True)
