"""Bytes to text for Chinese pages, where declared charsets are often wrong.

Order: a byte-order mark is definitive; then the declared charset (HTTP header, then `<meta>`)
if the bytes actually decode with it *and read as a Chinese page*; then UTF-8 if they decode
strictly; then GB18030, the superset of GBK and GB2312 that portals mislabel.  A page that
declares UTF-8 but is GBK must still read right, so a declaration is only trusted when the bytes
agree with it:

- UTF-8 is trusted when the bytes decode strictly (GBK text practically never does);
- GBK/GB2312/GB18030 (and Big5) are trusted unless the bytes are valid UTF-8 with multi-byte
  sequences: a UTF-8 page declared GB2312 would otherwise decode, as 涓枃 mojibake;
- any other charset (cp1251, KOI8-R, ISO-8859-5 …) decodes nearly any byte string, so its text is
  scored (`plausibility`: the share of CJK characters against replacement characters, C1 controls,
  Latin-1, Cyrillic, Greek and box-drawing mojibake) against UTF-8 and GB18030, and the one that
  reads is kept.  Latin-1 and cp1252 declared over high bytes are skipped outright.

`decode` returns the encoding it used; the crawler records it with each capture (`captures.encoding`)
and, when it is not the declared one, the archive adds a `charset_overridden` problem naming both.
"""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "cp936": "gb18030",
            "utf8": "utf-8", "unicode": "utf-8"}
_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
_LATIN = ("latin-1", "iso8859-1", "cp1252", "ascii")
_CJK = ("gb18030", "big5", "big5hkscs", "cp950", "hz")  # codecs' names of the Chinese legacy charsets
PLAUSIBLE = 0.5  # a declared non-Chinese charset whose text scores below this is not believed


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


def plausibility(text: str, sample: int = 20000) -> float:
    """How much a decoded page reads like Chinese: (CJK − mojibake) / non-ASCII characters, in [−1, 1];
    1.0 for text with no non-ASCII character at all (any ASCII-compatible charset reads it)."""
    good = bad = total = 0
    for ch in text[:sample]:
        o = ord(ch)
        if o < 0x80:
            continue
        total += 1
        if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF \
                or 0x2000 <= o <= 0x206F or 0xF900 <= o <= 0xFAFF:
            good += 1
        elif o == 0xFFFD or o <= 0x24F or 0x370 <= o <= 0x52F or 0x2500 <= o <= 0x259F or 0xE000 <= o <= 0xF8FF:
            bad += 1  # replacement, C1 controls, Latin-1/Extended, Greek, Cyrillic, box drawing, private use
    return 1.0 if total == 0 else (good - bad) / total


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
        if enc in _LATIN and _has_high_bytes(data):
            continue
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if enc == "utf-8" or not _has_high_bytes(data):
            return text, enc
        if enc in _CJK:
            utf8 = _utf8(data)
            return (utf8, "utf-8") if utf8 is not None else (text, enc)
        return _most_plausible(data, text, enc)
    return data.decode("gb18030", errors="replace"), "gb18030"


def _most_plausible(data: bytes, text: str, enc: str) -> tuple[str, str]:
    """A declared non-Chinese charset's reading, unless UTF-8 or GB18030 reads the bytes better."""
    score = plausibility(text)
    if score >= PLAUSIBLE:
        return text, enc
    best = (score, text, enc)
    for other in ("utf-8", "gb18030"):
        try:
            alt = data.decode(other)
        except UnicodeDecodeError:
            continue
        alt_score = plausibility(alt)
        if alt_score > best[0]:
            best = (alt_score, alt, other)
    return best[1], best[2]


def _utf8(data: bytes) -> str | None:
    """The bytes as UTF-8 when they decode strictly and hold multi-byte sequences, else None."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _has_high_bytes(data: bytes) -> bool:
    return any(b > 0x7F for b in data[:65536])
