"""The decompression-bomb guard of the PDF reader: what each stream of a PDF decodes to, read from
the file's objects before PDFium sees it.

PDFium decodes a stream whole, so a 1 MB file can ask it for gigabytes (or make it abort the
process).  The guard finds the objects the way PDFium can: every `N G obj` in the file (PDFium
rebuilds a broken cross-reference table by the same scan) and every object inside an object
stream.  Objects are read by a tokenizer, not searched as text: names are unescaped
(`/Fl#61teDecode` is `/FlateDecode`), dictionaries and arrays nest to any length, strings and
comments are skipped, and indirect references (`/Filter 12 0 R`, `/Length 13 0 R`) are resolved —
to every definition of the object, since a file can define one twice.  So a stream's filter chain
is the one PDFium applies, however it is written: a name or an array, abbreviated (`/Fl`, `/AHx`,
`/A85`, `/LZW`, `/RL`), chained (`[/FlateDecode /FlateDecode]`), behind ASCII85 or LZW.  Its data
runs to its /Length when `endstream` follows there, else to the first `endstream`; the longer of
the two is checked, since decoding a prefix never yields more.

A stream is decoded only when its encoded size cannot already prove it small: no filter expands
data by more than a known factor (Flate 1,032×, LZW 3,641×, RunLength 64×, ASCII85 4×), so most
streams of a real report are never decoded here.  Otherwise the whole chain runs in bounded steps
(no stage hands on more than `STEP` bytes at a time), the output is counted and thrown away, and
decoding stops as soon as a limit is passed.  The limits (`MAX_STREAM` for the largest stage of
one stream, `MAX_INFLATED` for all streams, `MAX_PDF_OBJECTS`) are in `extract/limits.py`.

Streams of an encrypted PDF (a standard security handler, the empty user password PDFium opens
such files with) are decrypted first: RC4 and AES, through `cryptography`.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import ExtractError
from ..limits import MAX_INFLATED, MAX_PDF_OBJECTS, MAX_STREAM
from .pdfcrypt import stream_decryptor

STEP = 1024 * 1024  # bytes a decoding stage produces, or is fed, per call
MAX_DEPTH = 64  # nesting of arrays and dictionaries PDFium parses (kParserMaxRecursionDepth)
MAX_CHAINS = 16  # filter chains tried per stream when its /Filter resolves to several definitions
OBJSTM_KEEP = 16 * 1024 * 1024  # decoded bytes of one object stream parsed for the objects it holds

_WS = b"\x00\t\n\x0c\r "
_SEP = rb"(?:[\x00\t\n\x0c\r ]++|%[^\r\n]*+)++"  # possessive: comments cannot be split two ways
# Object headers ("12 0 obj"), found anywhere in the file as PDFium's rebuilt cross-reference finds
# them.  A comment inside a header is read only up to MAX_HEADER_COMMENT bytes: every digit before
# a `%` starts an attempt that reads the comment to its line's end, and a stream encoded as text
# (ASCII85) without line breaks made that quadratic (a 6 MB scan: 26 s).  A longer comment that
# does split a header is refused, not skipped (`_long_comment_header`): no object hides from the guard.
MAX_HEADER_COMMENT = 256
_HEADER_SEP = rb"(?:[\x00\t\n\x0c\r ]++|%[^\r\n]{0," + str(MAX_HEADER_COMMENT).encode() + rb"}+(?=[\r\n]|\Z))++"
_OBJ = re.compile(rb"(\d{1,10})" + _HEADER_SEP + rb"(\d{1,10})" + _HEADER_SEP + rb"obj(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
# a comment longer than that, and the line after it going on with a header's rest ("0 obj", "obj")
_LONG_COMMENT = re.compile(rb"%[^\r\n]{" + str(MAX_HEADER_COMMENT + 1).encode() + rb",}+[\r\n]")
_HEADER_REST = re.compile(rb"(?:[\x00\t\n\x0c\r ]++|%[^\r\n]*+)*+(?:\d{1,10}(?:[\x00\t\n\x0c\r ]++|%[^\r\n]*+)++)?obj(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
_TOKEN = re.compile(rb"""(?:[\x00\t\n\x0c\r ]++|%[^\r\n]*+)*+(?:
      (?P<open_dict><<) | (?P<close_dict>>>) | (?P<open_array>\[) | (?P<close_array>\])
    | /(?P<name>[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)
    | (?P<hex><[^>]*>?) | (?P<string>\()
    | (?P<word>[^\x00\t\n\x0c\r ()<>\[\]{}/%]+) | (?P<other>.) )""", re.X | re.S)
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STRING_STOP = re.compile(rb"[()\\]")
_ESCAPED = re.compile(rb"[0-7]{1,3}|\r\n|[\s\S]")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
_ENDSTREAM = re.compile(rb"endstream")
_EOL = re.compile(rb"\r\n|\n|\r")


class Name(str):
    """A PDF name, unescaped, without its slash."""


class Keyword(str):
    """A bare word: `R`, `stream`, `endobj`, `true` …"""


@dataclass(frozen=True)
class Ref:
    num: int


class _Mark:
    """Punctuation: the brackets of arrays and dictionaries, a stray delimiter, the end of input."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_END = _Mark("end")
_OPEN_DICT, _CLOSE_DICT, _OPEN_ARRAY, _CLOSE_ARRAY, _OTHER = (
    _Mark(n) for n in ("<<", ">>", "[", "]", "other"))
_PUNCTUATION = {"open_dict": _OPEN_DICT, "close_dict": _CLOSE_DICT, "open_array": _OPEN_ARRAY,
                "close_array": _CLOSE_ARRAY, "other": _OTHER}


def _token(data: bytes, pos: int) -> tuple[object, int]:
    """The next token at `pos` (whitespace and comments skipped) and the position after it."""
    m = _TOKEN.match(data, pos)
    if m is None:
        return _END, len(data)
    kind = m.lastgroup
    end = m.end()
    if kind == "name":
        return Name(_ESCAPE.sub(lambda e: bytes([int(e.group(1), 16)]), m.group("name")).decode("latin-1")), end
    if kind == "word":
        word = m.group("word")
        if _NUMBER.fullmatch(word):
            return (float(word) if b"." in word else int(word)), end
        return Keyword(word.decode("latin-1")), end
    if kind == "string":
        return _literal(data, end)
    if kind == "hex":
        digits = bytes(c for c in m.group("hex")[1:] if c in _HEX_DIGITS)
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii")), end
    return _PUNCTUATION[kind], end


def _literal(data: bytes, pos: int) -> tuple[bytes, int]:
    """The bytes of a literal string whose `(` ends at `pos`, and the position after it
    (balanced parentheses, backslash escapes, octal codes, line continuations)."""
    out = bytearray()
    depth = 1
    while True:
        m = _STRING_STOP.search(data, pos)
        if m is None:
            out += data[pos:]
            return bytes(out), len(data)
        out += data[pos:m.start()]
        pos = m.end()
        char = m.group()
        if char == b"(":
            depth += 1
        elif char == b")":
            depth -= 1
            if not depth:
                return bytes(out), pos
        else:
            esc = _ESCAPED.match(data, pos)
            if esc is None:
                continue
            pos = esc.end()
            code = esc.group()
            if code[:1] in b"01234567":
                out.append(int(code, 8) & 0xFF)
                continue
            if code in (b"\r\n", b"\n", b"\r"):
                continue
            out += _ESCAPES.get(code, code)
            continue
        out += char


def parse_value(data: bytes, pos: int, depth: int = 0) -> tuple[object, int]:
    """One object at `pos`: a number, name, keyword, string (as b""), array (list), dictionary
    (dict of names), or `Ref` for `N G R`; `_END` at a closing bracket or the end of the input.
    Arrays and dictionaries nested past MAX_DEPTH are skipped as None, as PDFium drops them."""
    token, end = _token(data, pos)
    if isinstance(token, int):
        gen, after_gen = _token(data, end)
        if isinstance(gen, int):
            r, after_r = _token(data, after_gen)
            if isinstance(r, Keyword) and r == "R":
                return Ref(token), after_r
        return token, end
    if token is _OPEN_ARRAY or token is _OPEN_DICT:
        if depth >= MAX_DEPTH:
            return None, _skip_nested(data, end)
        return (_array if token is _OPEN_ARRAY else _dictionary)(data, end, depth + 1)
    if token is _CLOSE_DICT or token is _CLOSE_ARRAY or token is _END:
        return _END, end
    if token is _OTHER:
        return None, end
    return token, end


def _array(data: bytes, pos: int, depth: int) -> tuple[list[object], int]:
    """Items up to `]`, or up to the first word that is no object (PDFium's loose parse)."""
    items: list[object] = []
    while True:
        item, end = parse_value(data, pos, depth)
        if item is _END:
            return items, (pos if _token(data, pos)[0] is _CLOSE_DICT else end)
        if isinstance(item, Keyword) and item not in ("true", "false", "null"):
            return items, end
        items.append(item)
        pos = end


def _dictionary(data: bytes, pos: int, depth: int) -> tuple[dict[str, object], int]:
    """Names each followed by a value, up to `>>` or `endobj`; a token that is no name is skipped
    where a key should be, as PDFium does."""
    out: dict[str, object] = {}
    while True:
        key, end = _token(data, pos)
        if key is _CLOSE_DICT or key is _END and end >= len(data):
            return out, end
        if isinstance(key, Keyword) and key == "endobj":
            return out, pos
        if not isinstance(key, Name):
            pos = end
            continue
        value, after = parse_value(data, end, depth)
        if value is _END:  # `/Key >>`: the key has no value, the dictionary ends
            return out, after
        out[key] = value
        pos = after


def _skip_nested(data: bytes, pos: int) -> int:
    """The position after the array or dictionary opened just before `pos`, without building it."""
    depth = 1
    while depth:
        token, pos = _token(data, pos)
        if token is _END and pos >= len(data):
            return pos
        if token is _OPEN_ARRAY or token is _OPEN_DICT:
            depth += 1
        elif token is _CLOSE_ARRAY or token is _CLOSE_DICT or token is _END:
            depth -= 1
    return pos


# --- decoding stages: each fed bytes, each producing at most STEP bytes at a time -------------------

class _Flate:
    ratio = 1032  # deflate's largest expansion: 258 bytes for two bits

    def __init__(self) -> None:
        self._z = zlib.decompressobj()
        self._done = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        z = self._z
        while data and not self._done:
            try:
                out = z.decompress(data, STEP)
            except zlib.error:  # PDFium keeps what inflated before the damage: so is it counted here
                self._done = True
                return
            if out:
                yield out
            if z.eof:
                self._done = True
            data = z.unconsumed_tail


class _LZW:
    ratio = 3641  # a code of 9 or more bits stands for at most 4,096 bytes

    def __init__(self) -> None:
        self._bits = self._nbits = 0
        self._reset()
        self._done = False

    def _reset(self) -> None:
        self._table: list[bytes] = [bytes([i]) for i in range(256)] + [b"", b""]
        self._width = 9
        self._prev: bytes | None = None

    def feed(self, data: bytes) -> Iterator[bytes]:
        out = bytearray()
        for byte in data:
            if self._done:
                break
            self._bits = (self._bits << 8) | byte
            self._nbits += 8
            while self._nbits >= self._width and not self._done:
                self._nbits -= self._width
                code = self._bits >> self._nbits
                self._bits &= (1 << self._nbits) - 1
                self._code(code, out)
            if len(out) >= STEP:
                yield bytes(out)
                out.clear()
        if out:
            yield bytes(out)

    def _code(self, code: int, out: bytearray) -> None:
        table = self._table
        if code == 256:
            self._reset()
            return
        if code == 257:
            self._done = True
            return
        prev = self._prev
        if code < len(table):
            entry = table[code]
            if prev is not None and len(table) < 4096:
                table.append(prev + entry[:1])
        elif code == len(table) and prev is not None:
            entry = prev + prev[:1]
            if len(table) < 4096:
                table.append(entry)
        else:
            self._done = True
            return
        out += entry
        self._prev = entry
        if len(table) + 1 >= 1 << self._width and self._width < 12:  # EarlyChange 1, PDFium's default
            self._width += 1


class _RunLength:
    ratio = 64  # 128 bytes for two

    def __init__(self) -> None:
        self._pending = b""
        self._done = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        data = self._pending + data
        out = bytearray()
        i, n = 0, len(data)
        while i < n and not self._done:
            length = data[i]
            if length == 128:
                self._done = True
            elif length < 128:
                if i + 1 + length + 1 > n:
                    break
                out += data[i + 1:i + 2 + length]
                i += 2 + length
                continue
            else:
                if i + 1 >= n:
                    break
                out += data[i + 1:i + 2] * (257 - length)
                i += 2
                continue
            i += 1
            if len(out) >= STEP:
                yield bytes(out)
                out.clear()
        self._pending = data[i:] if not self._done else b""
        if out:
            yield bytes(out)


class _ASCII85:
    ratio = 4  # `z` is four zero bytes

    def __init__(self) -> None:
        self._group = b""
        self._done = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._done:
            return
        end = data.find(b"~")
        if end >= 0:
            data, self._done = data[:end], True
        data = self._group + data.translate(None, _WS)
        out = bytearray()
        i = 0
        while i < len(data):
            if data[i:i + 1] == b"z":
                out += b"\0\0\0\0"
                i += 1
                continue
            group = data[i:i + 5]
            if len(group) < 5:
                break
            out += _a85_group(group)
            i += 5
        self._group = data[i:]
        if self._done and self._group and b"z" not in self._group:
            out += _a85_group(self._group + b"u" * (5 - len(self._group)))[:len(self._group) - 1]
        yield bytes(out)


def _a85_group(group: bytes) -> bytes:
    value = 0
    for c in group:
        value = value * 85 + max(0, min(c - 33, 84))
    return (value & 0xFFFFFFFF).to_bytes(4, "big")


class _ASCIIHex:
    ratio = 1

    def __init__(self) -> None:
        self._odd = b""
        self._done = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._done:
            return
        end = data.find(b">")
        if end >= 0:
            data, self._done = data[:end], True
        digits = self._odd + bytes(c for c in data if c in b"0123456789abcdefABCDEF")
        if self._done and len(digits) % 2:
            digits += b"0"
        whole = len(digits) - len(digits) % 2
        self._odd = digits[whole:]
        yield bytes.fromhex(digits[:whole].decode("ascii"))


class _Pass:
    ratio = 1

    def feed(self, data: bytes) -> Iterator[bytes]:
        yield data


STAGES = {"FlateDecode": _Flate, "LZWDecode": _LZW, "RunLengthDecode": _RunLength, "ASCII85Decode": _ASCII85,
          "ASCIIHexDecode": _ASCIIHex, "Crypt": _Pass}
ABBREVIATIONS = {"Fl": "FlateDecode", "LZW": "LZWDecode", "RL": "RunLengthDecode", "A85": "ASCII85Decode",
                 "AHx": "ASCIIHexDecode", "DCT": "DCTDecode", "CCF": "CCITTFaxDecode"}
GUESS = ("FlateDecode", "FlateDecode", "FlateDecode")  # a filter that cannot be resolved: inflate while it inflates


class _TooLarge(Exception):
    pass


def decoded_size(data: bytes, chain: tuple[str, ...], cap: int, keep: int = 0) -> tuple[int, bytes]:
    """The largest size any stage of `chain` reaches on `data`, and the first `keep` bytes of the
    last stage's output.  Raises _TooLarge as soon as a stage passes `cap`.  Image codecs end the
    chain: PDFium decodes them only to draw, and nothing here draws."""
    stages = []
    for name in chain:
        if name not in STAGES:
            break
        stages.append(STAGES[name]())
    sizes = [0] * len(stages)
    kept = bytearray()

    def push(i: int, chunk: bytes) -> None:
        if i == len(stages):
            if len(kept) < keep:
                kept.extend(chunk[:keep - len(kept)])
            return
        for out in stages[i].feed(chunk):
            sizes[i] += len(out)
            if sizes[i] > cap:
                raise _TooLarge
            push(i + 1, out)

    if stages:
        view = memoryview(data)
        for offset in range(0, len(data), STEP):
            push(0, bytes(view[offset:offset + STEP]))
    elif keep:
        kept.extend(data[:keep])
    return max(sizes, default=0), bytes(kept)


def expansion(chain: tuple[str, ...]) -> int:
    factor = 1
    for name in chain:
        if name not in STAGES:
            break
        factor *= STAGES[name].ratio
    return factor if any(name in STAGES and name != "Crypt" for name in chain) else 0


# --- the file's objects --------------------------------------------------------------------------------

@dataclass
class _Stream:
    num: int
    gen: int
    info: dict
    start: int
    chains: list[tuple[str, ...]]
    end: int = 0
    bound: int = 0


def _long_comment_header(data: bytes) -> None:
    """Refuse a file where a comment longer than MAX_HEADER_COMMENT sits inside what may be an
    object header (a number before it, the header's rest after it): `_OBJ` would not see that
    object, and the guard must see every object PDFium can.  Each long comment is read once."""
    for m in _LONG_COMMENT.finditer(data):
        before = data[max(0, m.start() - 32):m.start()].rstrip(_WS)
        if before[-1:].isdigit() and _HEADER_REST.match(data, m.end()):
            raise ExtractError(f"PDF refused: an object header split by a comment over {MAX_HEADER_COMMENT} bytes")


class _Objects:
    """Every object a PDF defines, found and parsed the way PDFium can find it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.where: dict[int, list[int]] = {}  # object number → positions of its bodies
        self.held: dict[int, list[object]] = {}  # object number → values read from object streams
        self.streams: list[_Stream] = []
        self._values: dict[int, object] = {}
        _long_comment_header(data)
        for count, m in enumerate(_OBJ.finditer(data), 1):
            if count > MAX_PDF_OBJECTS:
                raise ExtractError(f"PDF refused: more than {MAX_PDF_OBJECTS} objects")
            self.where.setdefault(int(m.group(1)), []).append(m.end())
        for num, positions in self.where.items():
            for pos in positions:
                self._read(num, pos)

    def _read(self, num: int, pos: int) -> None:
        value, end = parse_value(self.data, pos)
        self._values[pos] = value
        if not isinstance(value, dict):
            return
        keyword, end = _token(self.data, end)
        if keyword != "stream" or not isinstance(keyword, Keyword):
            return
        eol = _EOL.search(self.data, end)  # PDFium starts the data on the next line
        start = eol.end() if eol else len(self.data)
        gen = _generation(self.data, pos)
        self.streams.append(_Stream(num, gen, value, start, []))

    def resolve(self, value: object, depth: int = 0) -> list[object]:
        """Every value `value` can stand for: itself, or each definition of the object it refers to
        (PDFium's references carry the object number only)."""
        if not isinstance(value, Ref):
            return [value]
        if depth > 4:
            return []
        out: list[object] = []
        for pos in self.where.get(value.num, []):
            out.extend(self.resolve(self._values.get(pos), depth + 1))
        for held in self.held.get(value.num, []):
            out.extend(self.resolve(held, depth + 1))
        return out

    def unresolved(self, value: object) -> bool:
        return isinstance(value, Ref) and not self.resolve(value)

    def chains(self, info: dict) -> list[tuple[str, ...]]:
        """The filter chains a stream dictionary can mean (GUESS when a reference leads nowhere)."""
        if "Filter" not in info:
            return [()]
        if self.unresolved(info["Filter"]):
            return [GUESS]
        out: list[tuple[str, ...]] = []
        for value in self.resolve(info["Filter"]):
            if isinstance(value, Name):
                out.append((_filter_name(value),))
            elif isinstance(value, list):
                options: list[list[str]] = [[]]
                for item in value:
                    names = [_filter_name(v) for v in self.resolve(item) if isinstance(v, Name)]
                    if self.unresolved(item):
                        names = list(GUESS[:1])
                    options = [o + [n] for o in options for n in (names or [""])][:MAX_CHAINS]
                out.extend(tuple(n for n in o if n) for o in options)
            else:
                out.append(())
        return list(dict.fromkeys(out))[:MAX_CHAINS] or [()]

    def lengths(self, info: dict) -> list[int]:
        return [v for v in self.resolve(info.get("Length")) if isinstance(v, int) and v >= 0]

    def extent(self, stream: _Stream) -> int:
        """Where the stream's data may end: the longest of what PDFium could take."""
        data = self.data
        found = _ENDSTREAM.search(data, stream.start)
        end = found.start() if found else len(data)
        for length in self.lengths(stream.info):
            stop = stream.start + length
            if stop <= len(data) and data[stop:stop + 256].lstrip(_WS).startswith(b"endstream"):
                end = max(end, stop)
        return end

    def read_object_stream(self, stream: _Stream, decoded: bytes) -> None:
        """Index the objects an object stream holds (`/N` pairs of number and offset, from `/First`)."""
        n = [v for v in self.resolve(stream.info.get("N")) if isinstance(v, int)]
        first = [v for v in self.resolve(stream.info.get("First")) if isinstance(v, int)]
        if not n or not first:
            return
        pos = 0
        pairs = []
        for _ in range(min(n[0], 1_000_000)):
            num, pos = _token(decoded, pos)
            offset, pos = _token(decoded, pos)
            if not isinstance(num, int) or not isinstance(offset, int):
                break
            pairs.append((num, offset))
        for num, offset in pairs:
            if 0 <= first[0] + offset < len(decoded):
                value, _ = parse_value(decoded, first[0] + offset)
                self.held.setdefault(num, []).append(value)


def _generation(data: bytes, body: int) -> int:
    m = re.search(rb"(\d+)" + _SEP + rb"obj$", data[max(0, body - 64):body])
    return int(m.group(1)) if m else 0


def _filter_name(name: str) -> str:
    return ABBREVIATIONS.get(name, name)


# --- the check ----------------------------------------------------------------------------------------------

def check_streams(data: bytes) -> None:
    """Refuse (ExtractError, one line) a PDF any stream of which decodes past MAX_STREAM at any
    stage of its filter chain, or whose streams together decode past MAX_INFLATED."""
    objects = _Objects(data)
    decrypt = stream_decryptor(objects)
    known = 0  # bytes decoded so far
    # object streams first: the objects they hold can be another stream's /Filter or /Length
    held = [s for s in objects.streams if "N" in s.info and "First" in s.info]
    for stream in held:
        _measure(objects, stream)
        known += _decode(objects, stream, decrypt, keep=OBJSTM_KEEP)
    pending = [s for s in objects.streams if not any(s is h for h in held)]
    for stream in pending:
        _measure(objects, stream)
    pending.sort(key=lambda s: s.bound, reverse=True)
    unknown = sum(s.bound for s in pending)  # the most the streams not decoded yet can decode to
    for stream in pending:
        if stream.bound <= MAX_STREAM and known + unknown <= MAX_INFLATED:
            break  # the encoded sizes prove every remaining stream small enough
        unknown -= stream.bound
        known += _decode(objects, stream, decrypt)
        if known > MAX_INFLATED:
            raise ExtractError(f"PDF refused: its streams decode past {MAX_INFLATED} bytes together "
                               "(a decompression bomb?)")


def _measure(objects: _Objects, stream: _Stream) -> None:
    """A stream's filter chains, the end of its data, and the most its chains can decode it to."""
    stream.chains = objects.chains(stream.info)
    stream.end = objects.extent(stream)
    stream.bound = max((stream.end - stream.start) * expansion(chain) for chain in stream.chains)


def _decode(objects: _Objects, stream: _Stream, decrypt, keep: int = 0) -> int:
    """The largest size a stream reaches in any of its chains, as written or decrypted; an object
    stream's objects are indexed on the way."""
    largest = 0
    for raw in decrypt(stream, objects.data[stream.start:stream.end]):
        for chain in stream.chains:
            try:
                size, kept = decoded_size(raw, chain, MAX_STREAM, keep)
            except _TooLarge:
                raise ExtractError(f"PDF refused: stream {stream.num} {stream.gen} decodes past {MAX_STREAM} "
                                   f"bytes ({'/'.join(chain) or 'no filter'}: a decompression bomb?)") from None
            largest = max(largest, size)
            if keep:
                objects.read_object_stream(stream, kept)
    return largest
