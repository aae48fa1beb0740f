"""OFD reports (GB/T 33190, China's national fixed-layout format), read through the geometric reader.

Agencies publish official documents as OFD beside or instead of PDF (`附件：….ofd`).  An OFD is a
zip of XML: `OFD.xml` names each document's `Document.xml`, which lists the pages, the page area and
the template pages; each page's `Content.xml` holds layers of TextObjects (a string, its glyph
advances in `DeltaX`, its baseline at `X`/`Y`), PathObjects (`AbbreviatedData`: `M x y L x y … C`)
and ImageObjects, each placed by its `Boundary` and perhaps scaled by its `CTM`.  Positions are
millimetres with the y axis down.  This reader turns them into what the PDF reader gives the one
geometric reader (`geometry.py`): characters with boxes and horizontal and vertical rules, in points
with the y axis up — so ruled tables, wrapped labels, page breaks and unruled tables read as a PDF's
do.  A page with no text but a picture (a scanned OFD) is read by OCR, within the report's budget.

The package passes the zip guard first (readers/zipguard.py); its XML is parsed without entities,
DTDs or network access.  Element names are matched by local name: producers write the `ofd:` prefix,
a default namespace, or none.
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator

from ..errors import ExtractError
from ..limits import MAX_OFD_OBJECTS, MAX_PAGES
from ..model import Document, Problem
from .geometry import SNAP, Char, H, V, page_blocks
from .zipguard import check_zip

PT = 72 / 25.4  # points per millimetre
MIN_PAGE_CHARS = 20  # as for a PDF page: fewer characters and a picture make a picture of a page
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PATH_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ARGS = {"M": 2, "S": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}
Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def read_ofd(data: bytes) -> Document:
    check_zip(data, "OFD")
    try:
        package = _Package(zipfile.ZipFile(io.BytesIO(data)))
        root = package.xml("OFD.xml")
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractError(f"unreadable OFD: {exc}") from exc
    bodies = list(_children(root, "DocBody"))
    body = bodies[0] if bodies else None
    doc_root = _first(body, "DocRoot") if body is not None else None
    if doc_root is None or not (doc_root.text or "").strip():
        raise ExtractError("unreadable OFD: OFD.xml names no document (DocRoot)")
    doc = Document(kind="ofd")
    title = _first(_first(body, "DocInfo"), "Title")
    if title is not None and (title.text or "").strip():
        doc.meta["docx:title"] = title.text.strip()
    try:
        _read_document(package, package.resolve("OFD.xml", doc_root.text.strip()), doc)
    except (KeyError, ValueError) as exc:
        raise ExtractError(f"unreadable OFD: {exc}") from exc
    if len(bodies) > 1:
        doc.problems.append(Problem("truncated", "document", f"only the first of the package's {len(bodies)} documents read"))
    return doc


class _Package:
    """The zip's members, found by the paths OFD files give (relative to the file that names them,
    or to the package's root with a leading `/`; case differs between producers and zips)."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.names = {name.lower(): name for name in archive.namelist()}

    def resolve(self, base: str, location: str) -> str:
        location = location.strip().replace("\\", "/")
        path = location.lstrip("/") if location.startswith("/") else posixpath.join(posixpath.dirname(base), location)
        path = posixpath.normpath(path)
        if path.lower() not in self.names:
            raise KeyError(f"no {path} in the package")
        return self.names[path.lower()]

    def read(self, path: str) -> bytes:
        return self.archive.read(path)

    def xml(self, path: str):  # noqa: ANN201 - an lxml element
        from lxml import etree

        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                 remove_comments=True)
        try:
            return etree.fromstring(self.read(self.names.get(path.lower(), path)), parser)
        except etree.XMLSyntaxError as exc:
            raise ValueError(f"{path}: {exc}") from exc


def _local(element) -> str:  # noqa: ANN001
    tag = element.tag
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1] if isinstance(tag, str) else ""


def _children(element, name: str) -> Iterator:  # noqa: ANN001
    if element is not None:
        for child in element:
            if _local(child) == name:
                yield child


def _first(element, name: str):  # noqa: ANN001, ANN201
    return next(_children(element, name), None)


def _numbers(text: str | None) -> list[float]:
    return [float(n) for n in _NUMBER.findall(text or "")]


def _box(text: str | None) -> tuple[float, float, float, float] | None:
    values = _numbers(text)
    return (values[0], values[1], values[2], values[3]) if len(values) == 4 else None


def _read_document(package: _Package, path: str, doc: Document) -> None:
    from .ocr import Budget, ocr_note

    document = package.xml(path)
    common = _first(document, "CommonData")
    area = _box(_text_of(_first(_first(common, "PageArea"), "PhysicalBox"))) or (0.0, 0.0, 210.0, 297.0)
    templates = {t.get("ID"): package.resolve(path, t.get("BaseLoc", "")) for t in _children(common, "TemplatePage")
                 if t.get("BaseLoc")}
    media = _media(package, path, common, ("DocumentRes", "PublicRes"))
    pages = list(_children(_first(document, "Pages"), "Page"))
    if not pages:
        raise ExtractError("unreadable OFD: its document lists no pages")
    if len(pages) > MAX_PAGES:
        doc.problems.append(Problem("truncated", "document", f"only the first {MAX_PAGES} of {len(pages)} pages read"))
    budget = Budget()
    total_chars = ocr_pages = 0
    objects_left = MAX_OFD_OBJECTS
    for number, page in enumerate(pages[:MAX_PAGES], 1):
        if objects_left < 0:
            break
        try:
            content_path = package.resolve(path, page.get("BaseLoc", ""))
            content = package.xml(content_path)
        except (KeyError, ValueError) as exc:
            doc.problems.append(Problem("unreadable_page", f"page {number}", str(exc)))
            continue
        page_area = _box(_text_of(_first(_first(content, "Area"), "PhysicalBox"))) or area
        height = page_area[3] * PT
        reader = _PageReader(height, objects_left)
        for template in _children(content, "Template"):
            if template.get("TemplateID") in templates:
                try:
                    reader.walk(_first(package.xml(templates[template.get("TemplateID")]), "Content"))
                except ValueError as exc:
                    doc.problems.append(Problem("unreadable_page", f"page {number}", f"its template: {exc}"))
        reader.walk(_first(content, "Content"))
        objects_left = reader.left
        if objects_left < 0:
            doc.problems.append(Problem("truncated", f"page {number}", f"only the document's first {MAX_OFD_OBJECTS} "
                                        f"objects read (MAX_OFD_OBJECTS): the rest of page {number} and after not read"))
        doc.images += len(reader.images)
        if len(reader.chars) < MIN_PAGE_CHARS and reader.images:
            page_media = {**media, **_media(package, content_path, content, ("PageRes",))}
            ocr_pages += _ocr_pictures(package, page_media, reader.images, number, doc, budget)
            continue
        total_chars += len(reader.chars)
        doc.blocks.extend(page_blocks(reader.chars, (reader.hs, reader.vs)))
    from .pdf import _join_split_rows

    doc.blocks = _join_split_rows(doc.blocks)
    if ocr_pages:
        doc.problems.insert(0, ocr_note(ocr_pages))
        if total_chars < MIN_PAGE_CHARS:
            doc.kind = "ocr"
    elif total_chars < MIN_PAGE_CHARS and doc.images:
        doc.image_only = True


def _text_of(element) -> str | None:  # noqa: ANN001
    return element.text if element is not None else None


def _media(package: _Package, path: str, holder, names: tuple[str, ...]) -> dict[str, str]:  # noqa: ANN001
    """Image resources: ID → the member holding the picture, from the resource files `holder`
    names (a document's DocumentRes and PublicRes, a page's PageRes; each with its BaseLoc)."""
    out: dict[str, str] = {}
    for name in names:
        for res in _children(holder, name):
            try:
                res_path = package.resolve(path, res.text or "")
                res_root = package.xml(res_path)
            except (KeyError, ValueError):
                continue
            base = res_root.get("BaseLoc", "")
            for item in res_root.iter():
                if _local(item) == "MultiMedia" and item.get("ID"):
                    file = _first(item, "MediaFile")
                    if file is not None and (file.text or "").strip():
                        with contextlib.suppress(KeyError):  # a picture the package lacks: none to read
                            out[item.get("ID")] = package.resolve(res_path, posixpath.join(base, file.text.strip()))
    return out


def _ocr_pictures(package: _Package, media: dict[str, str], images: list[str], number: int, doc: Document,
                  budget) -> int:  # noqa: ANN001
    """A page that is a picture (a scanned OFD): its pictures read by OCR; 1 if any text was found."""
    from .ocr import Undecodable, picture_blocks

    read = 0
    for resource in images:
        if resource not in media:
            continue
        try:
            read += picture_blocks(package.read(media[resource]), doc, budget, f"page {number}")
        except Undecodable:
            continue
    return 1 if read else 0


class _PageReader:
    """One page's characters and rules in points, y up, from its layers (and its template's)."""

    def __init__(self, height: float, left: int = MAX_OFD_OBJECTS) -> None:
        self.height = height
        self.left = left  # objects it may still read
        self.chars: list[Char] = []
        self.hs: list[H] = []
        self.vs: list[V] = []
        self.images: list[str] = []

    def walk(self, content) -> None:  # noqa: ANN001
        if content is None:
            return
        for element in content.iter():
            name = _local(element)
            if name in ("TextObject", "PathObject", "ImageObject"):
                self.left -= 1
                if self.left < 0:
                    return
            if name == "TextObject":
                self._text(element)
            elif name == "PathObject":
                self._path(element)
            elif name == "ImageObject" and element.get("ResourceID"):
                self.images.append(element.get("ResourceID"))

    def _place(self, element) -> tuple[float, float, Matrix] | None:  # noqa: ANN001
        box = _box(element.get("Boundary"))
        if box is None:
            return None
        ctm = _numbers(element.get("CTM"))
        return box[0], box[1], (tuple(ctm) if len(ctm) == 6 else _IDENTITY)  # type: ignore[return-value]

    def _point(self, left: float, top: float, m: Matrix, x: float, y: float) -> tuple[float, float]:
        """Object space → page points, y up."""
        px = left + m[0] * x + m[2] * y + m[4]
        py = top + m[1] * x + m[3] * y + m[5]
        return px * PT, self.height - py * PT

    def _text(self, element) -> None:  # noqa: ANN001
        placed = self._place(element)
        if placed is None:
            return
        left, top, m = placed
        size = _numbers(element.get("Size"))
        size_value = size[0] if size else 3.5
        x = y = 0.0
        for code in _children(element, "TextCode"):
            text = code.text or ""
            x = _float(code.get("X"), x)  # a code without its own start continues where the last ended
            y = _float(code.get("Y"), y)
            dx = _deltas(code.get("DeltaX"))
            dy = _deltas(code.get("DeltaY"))
            for i, ch in enumerate(text):
                advance = dx[i] if i < len(dx) else (dx[-1] if dx and i < len(text) - 1 else _advance(ch, size_value))
                if not ch.isspace():
                    corners = [self._point(left, top, m, x + a, y + b)
                               for a, b in ((0.0, -0.88 * size_value), (advance, 0.12 * size_value))]
                    (xa, ya), (xb, yb) = corners
                    self.chars.append(Char(ch, min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)))
                if dy and not dx:
                    y += dy[i] if i < len(dy) else dy[-1]
                else:
                    x += advance

    def _path(self, element) -> None:  # noqa: ANN001
        placed = self._place(element)
        data = _first(element, "AbbreviatedData")
        if placed is None or data is None:
            return
        left, top, m = placed
        stroked = element.get("Stroke", "true").lower() != "false"
        filled = element.get("Fill", "false").lower() == "true"
        subpaths = _subpaths(data.text or "")
        points = [[self._point(left, top, m, x, y) for x, y in sub] for sub in subpaths]
        if not stroked:
            if filled:  # a thin filled bar is a rule drawn as a rectangle; anything else is shading
                flat = [p for sub in points for p in sub]
                if flat:
                    x0, x1 = min(p[0] for p in flat), max(p[0] for p in flat)
                    y0, y1 = min(p[1] for p in flat), max(p[1] for p in flat)
                    if y1 - y0 <= SNAP < x1 - x0:
                        self.hs.append(((y0 + y1) / 2, x0, x1))
                    elif x1 - x0 <= SNAP < y1 - y0:
                        self.vs.append(((x0 + x1) / 2, y0, y1))
            return
        for sub in points:
            for (xa, ya), (xb, yb) in zip(sub, sub[1:], strict=False):
                if abs(ya - yb) <= 0.5 and abs(xa - xb) > SNAP:
                    self.hs.append((ya, min(xa, xb), max(xa, xb)))
                elif abs(xa - xb) <= 0.5 and abs(ya - yb) > SNAP:
                    self.vs.append((xa, min(ya, yb), max(ya, yb)))


def _float(text: str | None, default: float) -> float:
    """An attribute's number; `default` when absent or malformed (one bad object never loses the page)."""
    values = _numbers(text)
    return values[0] if values else default


def _advance(ch: str, size: float) -> float:
    """A glyph's advance when the file gives none: a full em for CJK, half for Latin and digits."""
    return size if ord(ch) > 0x2E7F else size / 2


def _deltas(text: str | None) -> list[float]:
    """DeltaX/DeltaY, with `g N d` (N advances of d) expanded."""
    if not text:
        return []
    tokens = text.split()
    out: list[float] = []
    i = 0
    try:
        while i < len(tokens):
            if tokens[i] == "g" and i + 2 < len(tokens):
                out.extend([float(tokens[i + 2])] * min(int(float(tokens[i + 1])), 100_000))
                i += 3
            else:
                out.append(float(tokens[i]))
                i += 1
    except ValueError:
        pass  # the advances up to a malformed token stand; the rest fall back to the glyph's size
    return out


def _subpaths(text: str) -> list[list[tuple[float, float]]]:
    """AbbreviatedData's straight pieces: each subpath's points (curves reduced to their end
    point, a closed subpath back to its start)."""
    tokens = _PATH_TOKEN.findall(text)
    out: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    i = 0
    while i < len(tokens):
        op = tokens[i]
        i += 1
        if op not in _ARGS:
            continue
        n = _ARGS[op]
        try:
            args = [float(t) for t in tokens[i:i + n]]
        except ValueError:
            break
        if len(args) < n:
            break
        i += n
        if op in ("M", "S"):
            if len(current) > 1:
                out.append(current)
            current = [(args[0], args[1])]
        elif op == "C":
            if current:
                current.append(current[0])
                out.append(current)
                current = [current[0]]
        elif current:
            current.append((args[-2], args[-1]))
    if len(current) > 1:
        out.append(current)
    return out
