"""Body text of a report for the archive and its full-text search.

HTML goes through trafilatura with `favor_recall=True`: on TRS markup (`div.TRS_Editor`) its
default precision mode drops the section headings (一、总体情况 …), which researchers search for.
Tables are left out of the body (their cells are stored as rows).  Other formats already are text.
"""

from __future__ import annotations

from .model import Document, Grid, Paragraph, Report


def body_text(doc: Document) -> str:
    if doc.html:  # an HTML page, its tables read as text or OCR'd from its pictures (kind `ocr`)
        import trafilatura

        text = trafilatura.extract(doc.html, favor_recall=True, include_tables=False, include_comments=False,
                                   deduplicate=False, with_metadata=False)
        if text and len(text) > 50:
            return text
    return "\n".join(b.text for b in doc.blocks if isinstance(b, Paragraph)) or "\n".join(
        "\t".join(c.text for c in row) for b in doc.blocks if isinstance(b, Grid) for row in b.rows)


def report_body(report: Report) -> str:
    """A parsed report's body text: from its in-memory document when it has one, else the text a
    parse in another process already derived (`extras["body"]`).  Trafilatura trouble must not lose
    the tables: the document's plain text stands in."""
    doc = report.extras.get("document")
    if doc is None:
        return report.extras.get("body", "") or ""
    try:
        return body_text(doc)
    except Exception:
        return doc.text()
