"""What kind of document a file is, told by its bytes rather than its name.

Portals serve PDFs as `.html`, WPS files as `.doc` and attachments behind `downfile.jsp` with no
extension at all, so the extension is only a tie-breaker between formats that share a container
(DOC, WPS and XLS are all OLE compound files).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MARKDOWN_HEADING = re.compile(rb"(?m)^[ ]{0,3}#{1,6}[ \t]+\S")
# Every kind of report `sniff` tells, and what each is (reports.kind adds `ocr`: a report read from
# pictures).  The readers, the archived original's file name (archive/pages.py) and the kind
# column's description in datasette/metadata.yml follow this list (tests/test_readers.py).
KINDS = {
    "pdf": "PDF", "ofd": "OFD (GB/T 33190 fixed-layout document)", "docx": "Word (OOXML)", "doc": "Word 97–2003", "wps": "WPS Writer", "rtf": "RTF",
    "odt": "OpenDocument text", "xlsx": "Excel workbook (OOXML)", "xls": "Excel 97–2003 or WPS ET workbook",
    "ods": "OpenDocument spreadsheet", "html": "web page", "text": "text copy (markdown, CSV/TSV, plain)",
    "image": "picture (PNG, JPEG, GIF, BMP, TIFF)",
}
# What else it tells: files that are no report, refused with one line.
REFUSED_KINDS = {"zip": "other zip archive", "ppt": "PowerPoint", "binary": "other binary file", "empty": "empty file"}
# An OpenDocument package names its kind in its first member, `mimetype`.
_ODF_MIMETYPES = {b"application/vnd.oasis.opendocument.text": "odt",
                  b"application/vnd.oasis.opendocument.spreadsheet": "ods"}
IMAGE_MAGIC = {b"\x89PNG": "image", b"\xff\xd8\xff": "image", b"GIF8": "image", b"BM": "image", b"II*\x00": "image",
               b"MM\x00*": "image"}


def sniff(data: bytes, name: str = "") -> str:
    """Return one of `KINDS` or `REFUSED_KINDS`."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    lower_name = name.lower().rsplit("?", 1)[0]
    if not data.strip():
        return "empty"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(OLE_MAGIC):
        return _ole_kind(data, lower_name)
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data, lower_name)
    if head.startswith(b"{\\rtf"):
        return "rtf"
    for magic, kind in IMAGE_MAGIC.items():
        if head.startswith(magic):
            return kind
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = data[:2048].decode("utf-16", "ignore").encode("utf-8")  # sniff UTF-16 pages as text
    probe = head[:512].lower()
    if probe.startswith((b"<!doctype", b"<html", b"<?xml", b"<!--", b"<head", b"<meta", b"<body")):
        return "html"
    if b"<table" in data[:65536].lower() or b"<p" in probe or b"<div" in probe:
        # markdown that holds its merged tables as HTML (a converter's copy) starts with text and
        # has `#` headings: a text copy, whose HTML blocks the markdown reader reads
        return "text" if not probe.startswith(b"<") and _MARKDOWN_HEADING.search(data[:65536]) else "html"
    if _looks_binary(data[:4096]):
        return "binary"  # control bytes everywhere: some other file format, not a text copy
    return "text"


def _zip_kind(data: bytes, lower_name: str) -> str:
    """docx, xlsx, odt, ods, ofd or zip: by the members the package holds."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
            odf = _ODF_MIMETYPES.get(archive.read("mimetype").strip())
            if odf:
                return odf
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError):
        # cut short or damaged: its name says what it was meant to be
        return next((k for k in ("docx", "xlsx", "odt", "ods", "ofd") if lower_name.endswith("." + k)), "zip")
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "OFD.xml" in names:
        return "ofd"
    return "zip"


def _looks_binary(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text with its byte-order mark
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return len(head) >= 16 and controls > len(head) // 10


# Stream names in an OLE file's directory (UTF-16LE): what the container holds, whatever the name
# says (a workbook behind `downfile.jsp?id=…`, or saved as `.doc`, would go to the word converter).
_OLE_STREAMS = {"doc": "WordDocument", "xls": "Workbook", "ppt": "PowerPoint Document"}


def _ole_kind(data: bytes, lower_name: str) -> str:
    """doc, wps, xls or ppt: by the streams it holds, then by its name (WPS writes `WordDocument`
    too, and an old Excel 5 workbook names its stream `Book`)."""
    held = {kind for kind, stream in _OLE_STREAMS.items() if stream.encode("utf-16-le") in data}
    if "doc" not in held and ("xls" in held or lower_name.endswith((".xls", ".et"))):
        return "xls"
    if "doc" not in held and ("ppt" in held or lower_name.endswith(".ppt")):
        return "ppt"
    return "wps" if lower_name.endswith(".wps") else "doc"
