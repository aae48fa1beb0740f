"""Hostile files for the bomb tests (tests/test_bombs.py): PDFs whose page content decodes to
gigabytes with its filter written in every legal way a textual check misses, HTML pages of nested
and spanning tables.  Each PDF variant is also built around a tiny payload, so a test can show that
PDFium really decodes that form (it reads the payload's text) before it shows the guard refusing
the bomb.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from functools import cache

PAYLOAD = b"BT /F1 24 Tf 100 700 Td (Hello bomb) Tj ET\n"
PAYLOAD_TEXT = "Hello bomb"
CHUNK = 1 << 20


@cache
def deflated_spaces(size: int) -> bytes:
    """zlib data of PAYLOAD followed by spaces up to `size` bytes: valid page content, about
    size/1000 bytes compressed (built in 1 MiB steps, so it costs the test little memory)."""
    packer = zlib.compressobj(9)
    out = [packer.compress(PAYLOAD)]
    block = b" " * CHUNK
    left = size - len(PAYLOAD)
    while left > 0:
        out.append(packer.compress(block[:min(left, CHUNK)]))
        left -= CHUNK
    out.append(packer.flush())
    return b"".join(out)


def write_pdf(objects: list[bytes], *, stream_keyword: bytes = b"\nstream\n") -> bytes:
    """A PDF of the given object bodies (object 1 first) with a correct xref table.  A body
    `<<…>>\\x00STREAM\\x00data` becomes a stream object, written with `stream_keyword`."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        if b"\x00STREAM\x00" in body:
            head, data = body.split(b"\x00STREAM\x00", 1)
            body = head + stream_keyword + data + b"\nendstream"
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PAGE = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R /Resources << /Font << /F1 "
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>")


def one_page(content_dict: bytes, data: bytes, *extra: bytes, stream_keyword: bytes = b"\nstream\n") -> bytes:
    """Catalog, pages, the content stream (object 3), the page (4), then `extra` objects (5, 6 …)."""
    return write_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
                      content_dict + b"\x00STREAM\x00" + data, PAGE, *extra], stream_keyword=stream_keyword)


def _stored_then(text: bytes, packed_rest: bytes, rest_adler: Callable[[int], int]) -> bytes:
    """A zlib stream whose first deflate block is stored (so `text` appears in it literally),
    followed by the raw deflate blocks `packed_rest`."""
    stored = b"\x00" + len(text).to_bytes(2, "little") + (len(text) ^ 0xFFFF).to_bytes(2, "little") + text
    return b"\x78\x01" + stored + packed_rest + rest_adler(zlib.adler32(text)).to_bytes(4, "big")


def _fake_endstream(size: int) -> bytes:
    """Content whose compressed data holds the word `endstream` in its first (stored) block."""
    head = b"%endstream\n" + PAYLOAD
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b" " * CHUNK
    parts = []
    adler = zlib.adler32(head)
    left = size - len(head)
    while left > 0:
        piece = block[:min(left, CHUNK)]
        parts.append(packer.compress(piece))
        adler = zlib.adler32(piece, adler)
        left -= CHUNK
    parts.append(packer.flush())
    return _stored_then(head, b"".join(parts), lambda _a: adler)


def _ascii85(data: bytes) -> bytes:
    import base64

    return base64.a85encode(data, wrapcol=76) + b"~>"


def _lzw(size: int) -> bytes:
    """LZW codes (EarlyChange 1) for PAYLOAD then spaces: between clear codes each code names a
    string one space longer than the last, so the output grows with the square of the codes."""
    codes: list[tuple[int, int]] = []
    state = {"n": 258, "first": True}  # the decoder's table length, and whether no code followed a clear

    def emit(code: int) -> None:
        n = state["n"]
        codes.append((code, 9 if n + 1 < 512 else 10 if n + 1 < 1024 else 11 if n + 1 < 2048 else 12))
        if code == 256:
            state.update(n=258, first=True)
            return
        if not state["first"]:
            state["n"] = n + 1
        state["first"] = False

    emit(256)
    for byte in PAYLOAD:
        emit(byte)
    out_len = len(PAYLOAD)
    while out_len < size:
        emit(256)
        emit(32)
        out_len += 1
        run = 1
        while state["n"] < 4000 and out_len < size:
            run += 1
            emit(state["n"])  # the string the decoder is about to add: the last one and a space
            out_len += run
    emit(257)
    acc = nbits = 0
    out = bytearray()
    for code, width in codes:
        acc = (acc << width) | code
        nbits += width
        while nbits >= 8:
            nbits -= 8
            out.append((acc >> nbits) & 0xFF)
        acc &= (1 << nbits) - 1
    if nbits:
        out.append((acc << (8 - nbits)) & 0xFF)
    return bytes(out)


def pdf_variant(name: str, size: int) -> bytes:
    """The one-page PDF of variant `name` whose content decodes to about `size` bytes."""
    if name == "plain":
        z = deflated_spaces(size)
        return one_page(b"<< /Length %d /Filter /FlateDecode >>" % len(z), z)
    if name == "nested_dictionary":
        z = deflated_spaces(size)
        return one_page(b"<< /Filter /FlateDecode /DecodeParms << /Columns 1 >> /Length %d >>" % len(z), z)
    if name == "long_dictionary":
        z = deflated_spaces(size)
        return one_page(b"<< /Filter /FlateDecode /Pad (" + b"x" * 2000 + b") /Length %d >>" % len(z), z)
    if name == "escaped_name":
        z = deflated_spaces(size)
        return one_page(b"<< /Length %d /Filter /#46l#61teDecode >>" % len(z), z)
    if name == "filter_array":
        z = deflated_spaces(size)
        return one_page(b"<< /Filter [/FlateDecode] /DecodeParms [<< /Columns 1 >>] /Length %d >>" % len(z), z)
    if name == "double_flate":
        z = zlib.compress(deflated_spaces(size), 9)
        return one_page(b"<< /Length %d /Filter [/FlateDecode /FlateDecode] >>" % len(z), z)
    if name == "indirect_filter_and_length":
        z = deflated_spaces(size)
        return one_page(b"<< /Length 5 0 R /Filter 6 0 R >>", z, b"%d" % len(z), b"/FlateDecode")
    if name == "endstream_inside_data":
        z = _fake_endstream(size)
        return one_page(b"<< /Length 5 0 R /Filter /FlateDecode >>", z, b"%d" % len(z))
    if name == "ascii85_then_flate":
        z = _ascii85(deflated_spaces(size))
        return one_page(b"<< /Length %d /Filter [/A85 /Fl] >>" % len(z), z)
    if name == "lzw":
        z = _lzw(size)
        return one_page(b"<< /Length %d /Filter /LZWDecode >>" % len(z), z)
    if name == "stream_then_cr":
        z = deflated_spaces(size)
        return one_page(b"<< /Length %d /Filter /FlateDecode >>" % len(z), z, stream_keyword=b"\nstream\r")
    raise ValueError(name)


PDF_VARIANTS = ("nested_dictionary", "long_dictionary", "escaped_name", "filter_array", "double_flate",
                "indirect_filter_and_length", "endstream_inside_data", "ascii85_then_flate", "lzw", "stream_then_cr")


# --- HTML -----------------------------------------------------------------------------------------------

HTML_HEAD = "<html><head><meta charset='utf-8'><title>2024年政府信息公开工作年度报告</title></head><body>"


def nested_tables_html(size: int) -> str:
    """Layout tables 50 deep whose cells span 200 rows and columns, each holding a spanning table:
    the shape that took minutes and gigabytes (issue 14)."""
    parts = [HTML_HEAD, "<p>2024年政府信息公开工作年度报告</p>"]
    total = 0
    block = ("<table><tr><td rowspan=200 colspan=200>" * 50 + "<table>"
             + "<tr><td colspan=200 rowspan=200>x</td><td>1</td></tr>" * 50 + "</table>" + "</td></tr></table>" * 50)
    while total < size:
        parts.append(block)
        total += len(block)
    parts.append("</body></html>")
    return "".join(parts)


def spanning_tables_html(size: int) -> str:
    """Many small tables whose every row opens a 200 × 200 span."""
    parts = [HTML_HEAD, "<p>2024年政府信息公开工作年度报告</p>"]
    total = 0
    block = "<table>" + "<tr><td rowspan=200 colspan=200>x</td><td>1</td></tr>" * 200 + "</table>"
    while total < size:
        parts.append(block)
        total += len(block)
    parts.append("</body></html>")
    return "".join(parts)
