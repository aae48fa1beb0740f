"""Bytes to text for Chinese pages, where declared charsets are often wrong.

Order: a byte-order mark is definitive; then the declared charset (HTTP header, then `<meta>`)
if the bytes actually decode with it; then UTF-8 if they decode strictly; then GB18030, the
superset of GBK and GB2312 that portals mislabel.  A page that declares UTF-8 but is GBK must
still read right, so a declaration is only trusted when the bytes agree with it.
"""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "cp936": "gb18030",
            "utf8": "utf-8", "unicode": "utf-8"}
_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def canonical(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def meta_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:4096])
    return canonical(m.group(1).decode("ascii", "ignore")) if m else None


def decode(data: bytes, declared: str | None = None, sniff_meta: bool = True) -> tuple[str, str]:
    """Return (text, encoding actually used)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    candidates = [canonical(declared)]
    if sniff_meta:
        candidates.append(meta_charset(data))
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        if not enc:
            continue
        # iso-8859-1 and friends decode anything; a Chinese page declaring them is mislabeled.
        if enc in ("latin-1", "iso8859-1", "cp1252", "ascii") and _has_high_bytes(data):
            continue
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", errors="replace"), "gb18030"


def _has_high_bytes(data: bytes) -> bool:
    return any(b > 0x7F for b in data[:65536])
