"""Hostile files for the bomb tests (tests/test_bombs.py): PDFs whose page content decodes to
gigabytes with its filter written in every legal way a textual check misses, HTML pages of nested
and spanning tables.  Each PDF variant is also built around a tiny payload, so a test can show that
PDFium really decodes that form (it reads the payload's text) before it shows the guard refusing
the bomb.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

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


def write_pdf(objects: list[bytes], *, stream_keyword: bytes = b"\nstream\n", trailer: bytes = b"",
              encrypt: Callable[[int, bytes], bytes] | None = None) -> bytes:
    """A PDF of the given object bodies (object 1 first) with a correct xref table.  A body
    `<<…>>\\x00STREAM\\x00data` becomes a stream object, written with `stream_keyword`, its data
    passed through `encrypt(object number, data)` when given."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        if b"\x00STREAM\x00" in body:
            head, data = body.split(b"\x00STREAM\x00", 1)
            if encrypt is not None:
                data = encrypt(number, data)
            body = head + stream_keyword + data + b"\nendstream"
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
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


# --- encrypted PDFs: the standard security handler, empty user password (what PDFium opens) ----------

_PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")
_FILE_ID = bytes(range(16))


def _rc4(key: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
    from cryptography.hazmat.primitives.ciphers import Cipher

    return Cipher(ARC4(key), mode=None).encryptor().update(data)


def encrypted_pdf(method: str, size: int) -> bytes:
    """The one-page Flate bomb (content decoding to `size` bytes) encrypted with RC4-128 (V2 R3)
    or AES-128 (V4 R4, AESV2), owner password "owner", empty user password."""
    import hashlib

    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    owner = hashlib.md5((b"owner" + _PAD)[:32]).digest()
    for _ in range(50):
        owner = hashlib.md5(owner).digest()
    o = _rc4(owner, _PAD)
    for i in range(1, 20):
        o = _rc4(bytes(b ^ i for b in owner), o)
    p = -3904  # printing allowed, copying forbidden: what portals set
    key = hashlib.md5(_PAD + o + (p & 0xFFFFFFFF).to_bytes(4, "little") + _FILE_ID).digest()
    for _ in range(50):
        key = hashlib.md5(key).digest()
    u = _rc4(key, hashlib.md5(_PAD + _FILE_ID).digest())
    for i in range(1, 20):
        u = _rc4(bytes(b ^ i for b in key), u)
    u += bytes(16)

    def encrypt(num: int, data: bytes) -> bytes:
        salt = b"sAlT" if method == "aes" else b""
        obj_key = hashlib.md5(key + num.to_bytes(3, "little") + b"\0\0" + salt).digest()
        if method == "rc4":
            return _rc4(obj_key, data)
        iv = bytes(range(16, 32))
        padder = padding.PKCS7(128).padder()
        enc = Cipher(algorithms.AES(obj_key), modes.CBC(iv)).encryptor()
        return iv + enc.update(padder.update(data) + padder.finalize()) + enc.finalize()

    crypt = (b"/V 2 /R 3 /Length 128" if method == "rc4" else
             b"/V 4 /R 4 /Length 128 /CF << /StdCF << /CFM /AESV2 /AuthEvent /DocOpen /Length 16 >> >> "
             b"/StmF /StdCF /StrF /StdCF")
    z = deflated_spaces(size)
    stored = len(encrypt(3, z))
    info = b"<< /Filter /Standard %s /O <%s> /U <%s> /P %d >>" % (crypt, o.hex().encode(), u.hex().encode(), p)
    return write_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
                      b"<< /Length %d /Filter /FlateDecode >>\x00STREAM\x00" % stored + z, PAGE, info],
                     trailer=b"/Encrypt 5 0 R /ID [<%s> <%s>] " % (_FILE_ID.hex().encode(), _FILE_ID.hex().encode()),
                     encrypt=encrypt)


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


def spanning_tables_html(size: int, rows: int = 200) -> str:
    """Tables of `rows` rows, every row opening a 200 × 200 span, to about `size` bytes."""
    parts = [HTML_HEAD, "<p>2024年政府信息公开工作年度报告</p>"]
    total = 0
    block = "<table>" + "<tr><td rowspan=200 colspan=200>x</td><td>1</td></tr>" * rows + "</table>"
    while total < size:
        parts.append(block)
        total += len(block)
    parts.append("</body></html>")
    return "".join(parts)


def wide_tables_html(size: int) -> str:
    """Tables of one row of 1,000 one-digit cells (ten bytes a tag), to about `size` bytes."""
    block = "<table><tr>" + "<td>1</td>" * 1000 + "</tr></table>"
    return HTML_HEAD + "<p>2024年政府信息公开工作年度报告</p>" + block * (size // len(block)) + "</body></html>"


# --- measuring a command ------------------------------------------------------------------------------

# Linux counts a process's peak RSS across exec from the memory it had before (a child forked or
# spawned by a large test process inherits that process's high-water mark).  So the command runs as
# the grandchild of a small Python that forks it, waits for it and writes its rusage to a file.
_MEASURER = """
import os, resource, sys
report, cap, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
pid = os.fork()
if pid == 0:
    if cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    os.execvp(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as f:
    f.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss * 1024}")
"""


def run_measured(argv: list[str], stdout: Path, stderr: Path, *, env: dict[str, str] | None = None,
                 cwd: Path | None = None, address_space: int = 0, timeout: float = 300) -> tuple[int, int]:
    """Run `argv` (output to the two files, address space capped) and return its exit status and
    peak RSS in bytes, from its own rusage (os.wait4); killed, with its group, after `timeout`."""
    import signal
    import subprocess
    import sys

    report = stdout.with_suffix(".rusage")
    with stdout.open("wb") as out, stderr.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-S", "-c", _MEASURER, str(report), str(address_space), *argv],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd,
                                env={**os.environ, **(env or {})}, start_new_session=True)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    status, peak = report.read_text().split()
    return int(status), int(peak)
