"""Readers: one per source format, each producing the intermediate `model.Document`.

`read_document` picks the reader by sniffing the bytes.  Heavy libraries are imported by the
reader that needs them, so reading a text copy never loads PDFium.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..encoding import decode
from ..errors import ExtractError
from ..model import Document
from ..sniff import REFUSED_KINDS, sniff


def read_document(data: bytes, name: str = "", declared_charset: str | None = None,
                  pictures: Mapping[str, bytes] | None = None, base_url: str = "") -> Document:
    """`pictures` and `base_url` are for an HTML page: its body's images, fetched with it, by URL."""
    kind = sniff(data, name)
    if kind == "empty":
        raise ExtractError("empty file")
    if kind == "pdf":
        from .pdf import read_pdf

        return read_pdf(data)
    if kind == "ofd":
        from .ofd import read_ofd

        return read_ofd(data)
    if kind == "docx":
        from .docx import read_docx

        return read_docx(data)
    if kind in ("doc", "wps", "rtf", "odt"):
        from .convert import read_converted

        return read_converted(data, kind)
    if kind == "image":
        from .ocr import read_image

        return read_image(data)
    if kind == "xlsx":
        from .spreadsheet import read_xlsx

        return read_xlsx(data)
    if kind in ("xls", "ods"):
        from .spreadsheet import read_converted_workbook

        return read_converted_workbook(data, kind)
    if kind in REFUSED_KINDS:
        raise ExtractError(f"{kind} files are not reports this reader handles")
    if kind == "html":
        from .html import check_page, read_html

        check_page(data)
    text, _encoding = decode(data, declared_charset)
    if kind == "html":

        return read_html(text, pictures, base_url)
    from .text import read_text

    return read_text(text)
