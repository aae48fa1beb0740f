"""Synthetic annual reports with values known by construction, rendered as portals publish them.

Why: the real examples are few.  A generator lets the round-trip tests cover both templates, every
reader (text copy, HTML, DOCX, PDF) and the oddities real reports carry — blank cells, broken and
misspelled labels, totals that do not add up, amounts printed in 元 — with the expected parse known
from the spec itself rather than copied from parser output.  The demo portals (`nianbao/demo`)
publish its reports too, which is why it is part of the package and not of tests/ (reportlab and
python-docx are runtime dependencies for that reason); tests/generate.py re-exports it for the
tests, with `expected` in their canonical form.

    spec = make_spec(7, "2021", blanks=True)
    data = render_pdf(spec)            # bytes of a real file
    want = expected_parse(spec)        # the expected.json shape (tests/generate.py: canonical form)

Everything is reproducible from (seed, template, options): each random choice comes from a
`random.Random` seeded with a string derived from them.

Report series (series.py) are the archive's generator: minimal consistent reports of many agencies
over consecutive years, text copies only, with a `Report` shortcut (`to_report`) for the
100,000-report benchmark.  Both print the generator's own labels (labels.py), never the parser's.

Modules: labels.py (the templates as printed, and garbled), spec.py (`ReportSpec`, `make_spec`),
expected.py (`expected_parse`, `failing_checks`), layout.py (tables as cell grids, the report
in reading order), one renderer per format (text_copy.py, html_page.py, docx_file.py,
pdf_file.py, xlsx_file.py), series.py.  Everything is re-exported here: `from nianbao import synthetic`.
"""

from .docx_file import render_docx
from .expected import expected_parse, failing_checks
from .html_page import HTML_LAYOUTS, render_html
from .labels import (
    ACTIVE_2019,
    ACTIVE_2021,
    AMOUNT_HEADERS,
    AMOUNT_METRICS,
    APPLICANT_LABEL,
    APPLICANTS,
    COLUMN_LABELS,
    COLUMNS,
    CORNER_LABEL,
    GROUP_LABELS,
    HEADINGS,
    INFO_LABEL,
    LIT_GROUP_LABELS,
    LIT_GROUPS,
    LIT_OUTCOME_LABELS,
    LIT_OUTCOMES,
    LOCAL_SUBROWS,
    ORG_LABEL,
    OTHER_SERVICES,
    ROW_LABELS,
    ROWS_2019,
    ROWS_2021,
    canonical_row_label,
)
from .layout import Block, LCell, LTable, blocks, table2, table3, table4
from .ofd_file import render_ofd
from .pdf_file import PDF_FONT, render_pdf, render_tables_page
from .series import DEMO_AGENCIES, SeriesReport, balanced, demo_reports, to_report
from .spec import AGENCIES, ActiveRowSpec, ActiveSection, ReportSpec, Value, make_spec
from .text_copy import render_series_text, render_text
from .xlsx_file import render_xlsx

__all__ = [
    "ACTIVE_2019", "ACTIVE_2021", "AGENCIES", "AMOUNT_HEADERS", "AMOUNT_METRICS", "APPLICANTS", "APPLICANT_LABEL",
    "COLUMNS", "COLUMN_LABELS", "CORNER_LABEL", "DEMO_AGENCIES", "GROUP_LABELS", "HEADINGS", "HTML_LAYOUTS",
    "INFO_LABEL", "LIT_GROUPS", "LIT_GROUP_LABELS", "LIT_OUTCOMES", "LIT_OUTCOME_LABELS", "LOCAL_SUBROWS",
    "ORG_LABEL", "OTHER_SERVICES", "PDF_FONT", "ROWS_2019", "ROWS_2021", "ROW_LABELS", "ActiveRowSpec",
    "ActiveSection", "Block", "LCell", "LTable", "ReportSpec", "SeriesReport", "Value", "balanced", "blocks",
    "canonical_row_label", "demo_reports", "expected_parse", "failing_checks", "make_spec", "render_docx",
    "render_html", "render_ofd", "render_pdf", "render_tables_page", "render_series_text", "render_text", "render_xlsx", "table2", "table3", "table4", "to_report",
]
