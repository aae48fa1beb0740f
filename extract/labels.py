"""Label normalization and tolerant matching against the template vocabulary.

Real labels come with full-width and half-width variants, stray spaces and line breaks inside
words (`不予\\n公开`), numbering in several styles and the odd typo.  Matching works on the
normalized text and on keywords from `templates`, never on exact strings.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

# White space as labels carry it: every character Python calls space (\s), and zero-width ones.
# Declared once as characters: `squash` removes them by regex, `first_char` skips them by str.lstrip.
_SPACE_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u200b\ufeff"
_SPACE = re.compile("[" + re.escape(_SPACE_CHARS) + "]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
# Leading numbering: 一、 1、 1. （一） (一) ① 第一
_NUMBERING = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+[、.．]|"
    r"[（(]?\d{1,2}[）)]|\d{1,2}(?:[、.．](?!\d))|[①-⑳])\s*"
)
_BRACKETED = re.compile(r"[（(][^（）()]*[）)]")


def first_char(text: str) -> str:
    """The first character `squash(text)` would keep ("" when none)."""
    return text.lstrip(_SPACE_CHARS)[:1]


def squash(text: str) -> str:
    """Drop every kind of white space: labels are broken over lines and padded at random."""
    return _SPACE.sub("", text)


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Canonical form of a label: NFKC (full-width digits and letters to half-width) without
    spaces, with brackets made full-width again as the templates print them."""
    t = unicodedata.normalize("NFKC", squash(text))
    return t.replace("(", "（").replace(")", "）").replace(":", "：").replace(",", "，")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


@lru_cache(maxsize=65536)
def strip_numbering(label: str) -> str:
    """`（三）不予公开` → `不予公开`; `2.其他法律…` → `其他法律…` (applied twice for `三、（一）…`)."""
    for _ in range(2):
        label = _NUMBERING.sub("", label, count=1)
    return label


def strip_brackets(label: str) -> str:
    return _BRACKETED.sub("", label)


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def best_match(label: str, candidates: list[tuple[str, str, tuple[str, ...]]], threshold: float = 0.6) -> str | None:
    """Return the code of the candidate (code, canonical label, keys) this label means.

    A keyword hit wins (the first key of a candidate is its strongest); otherwise the closest
    canonical label by edit similarity, if it is close enough to be a typo rather than another row.
    """
    core = strip_numbering(label)
    hits = [(len(k), code) for code, _canon, keys in candidates for k in keys if k in core]
    if hits:
        return max(hits)[1]
    scored = [(similarity(core, strip_numbering(canon)), code) for code, canon, _ in candidates]
    if not scored:
        return None
    score, code = max(scored)
    return code if score >= threshold else None
