"""The 信息公开 metadata a detail page prints around the report: 索引号, 发布机构, 发布日期 ….

Portals show it as a small table of label/value cells, or as a visible line
`日期:2026-01-20 来源:区城市管理委`.  Labels are matched after removing the spaces that pad
them (`发 布 机 构`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from ..labels import first_char, squash

text_content = etree.XPath("string()")  # an element's whole text (lxml.html's text_content(), on plain lxml)

# label as printed (spaces removed) → our key
LABELS = {
    "索引号": "index_no", "发布机构": "publisher", "发文机关": "publisher", "公开部门": "publisher",
    "来源": "source_line", "信息来源": "source_line", "发布日期": "pub_date", "发布时间": "pub_date",
    "日期": "pub_date", "时间": "pub_date", "成文日期": "written_date", "生成日期": "written_date",
    "名称": "name", "标题": "name", "文号": "doc_no", "发文字号": "doc_no", "主题分类": "topic", "公开方式": "disclosure",
}
_LINE = re.compile(
    r"(?P<label>索引号|发布机构|发文机关|公开部门|信息来源|来源|发布日期|发布时间|成文日期|日期|时间)\s*[:：]\s*"
    r"(?P<value>[^\s:：|｜]{1,60}(?:\s\d{1,2}:\d{2}(?::\d{2})?)?)"
)


def from_text(text: str) -> dict[str, str]:
    """Label: value pairs from visible lines; the first occurrence of each key wins."""
    out: dict[str, str] = {}
    for m in _LINE.finditer(text[:20000]):
        key = LABELS[m.group("label")]
        out.setdefault(key, m.group("value").strip())
    return out


def from_html(root: etree._Element, exclude: etree._Element | None = None) -> dict[str, str]:
    """Pairs from metadata tables (label cell then value cell) and visible lines outside the body.

    One pass over the elements, reading each one's own text only: the label of a pair is short,
    so an element whose full text would be needed is never a label (and `text_content()` on
    every element of a large page was most of the HTML reader's time)."""
    out: dict[str, str] = {}
    text_parts: list[str] = []
    for el in _outside(root, exclude):
        tag = el.tag
        own = el.text or ""
        if len(el) <= 1 and len(own) <= 12 and (len(el) or first_char(own) in _LABEL_LEADS):
            label = squash(text_content(el) if len(el) else own).rstrip(":：")
            if label in LABELS:
                value_el = el.getnext()
                if value_el is not None:
                    value = str(text_content(value_el)).strip()
                    if value and len(value) < 80 and squash(value).rstrip(":：") not in LABELS:
                        out.setdefault(LABELS[label], re.sub(r"\s+", " ", value))
        if tag in _LINES:
            if "：" in own or ":" in own:
                text_parts.append(own)
            tail = el.tail
            if tail and ("：" in tail or ":" in tail):
                text_parts.append(tail)
    for key, value in from_text("\n".join(text_parts)).items():
        out.setdefault(key, value)
    return {"mt:" + k: v for k, v in out.items()}


def _outside(root: etree._Element, exclude: etree._Element | None) -> Iterator[etree._Element]:
    """The label and value elements of the page outside `exclude` (the report's own body: its lines
    are the report's, not the page's), in document order; all of them when the body is <body>."""
    if exclude is None or exclude.tag == "body":
        yield from root.iter(*_SCANNED)
        return
    walk = etree.iterwalk(root, events=("start",))
    for _event, el in walk:
        if el is exclude:
            walk.skip_subtree()
        elif el.tag in _SCANNED:
            yield el


_SCANNED = frozenset(("td", "th", "span", "div", "li", "label", "b", "strong", "em", "p"))  # label or value cells
_LINES = frozenset(("div", "p", "span", "td", "li"))  # elements whose own text may be a `日期:…` line
_LABEL_LEADS = frozenset(label[0] for label in LABELS)  # a label's first character: most texts are not one
