"""Every limit that protects a run from one hostile or broken file, declared once.

Each limit turns a file that would cost minutes or gigabytes into a one-line refusal
(`ExtractError`) or a problem on the report, never a crash and never silence.  The readers import
their limits from here; docs/security.md lists each with its default and the test that tries to
break it.  The defaults sit far above anything a real annual report needs (the figures in the
comments are the largest seen in real reports).
"""

from __future__ import annotations

# --- any file ---------------------------------------------------------------------------------------
MAX_INPUT_BYTES = 200 * 1024 * 1024  # a file larger than this is refused before it is read into memory

# --- PDF (extract/readers/pdf.py, extract/readers/pdfstreams.py) ------------------------------------------
MAX_PAGES = 300  # pages read; the rest are reported `truncated`
MAX_SEGMENTS = 3000  # ruling segments per page beyond which the page's lines are ignored (a drawing)
MAX_LATTICE = 5000  # lattice cells per ruled table beyond which it is not read as a grid (table 3 has ~300)
MAX_STREAM = 256 * 1024 * 1024  # bytes one PDF stream may decode to, at any stage of its filter chain
MAX_INFLATED = 1024 * 1024 * 1024  # bytes all of a PDF's streams together may decode to
MAX_PDF_OBJECTS = 500_000  # `N G obj` headers in one PDF (a 3,000-page report has ~20,000)

# --- DOCX (extract/readers/docx.py) ---------------------------------------------------------------------
MAX_UNCOMPRESSED = 64 * 1024 * 1024  # bytes of XML a DOCX may inflate to
MAX_RATIO = 200  # uncompressed/compressed beyond this is a zip bomb, not a report

# --- OFD (extract/readers/ofd.py): MAX_PAGES, MAX_SEGMENTS and MAX_LATTICE as for a PDF, and ------------
MAX_OFD_OBJECTS = 500_000  # text, path and image objects read over all pages (a 30-page report: ~30,000); then `truncated`

# --- XLSX, XLS (extract/readers/spreadsheet.py) --------------------------------------------------------
MAX_SHEETS = 50  # worksheets read; the rest are reported `truncated` (a report's workbook: 1-4)
MAX_SHEET_ROWS = 1_048_576  # rows (empty ones too) walked per sheet: Excel's own limit
MAX_SHEET_CELLS = 200_000  # cells (blank ones within a row too) of all sheets read; then `truncated` (a report: < 2,000)

# --- HTML (extract/readers/html.py) ---------------------------------------------------------------------
MAX_HTML_BYTES = 8 * 1024 * 1024  # an HTML page larger than this is refused (report pages run to a few hundred KB)
MAX_HTML_TAGS = 500_000  # start tags (`<` not followed by `/`) a page may hold (a portal page: < 30,000)
MAX_SPAN = 200  # a rowspan or colspan above this is read as this
MAX_TABLE_CELLS = 20_000  # cells of one table's grid (spanned copies counted) beyond which it is not read
MAX_HTML_CELLS = 100_000  # cells of all grids of one page; later tables are not read (a report: < 3,000)

# --- DOC, WPS, RTF (extract/readers/convert.py) ---------------------------------------------------------
CONVERT_TIMEOUT = 180  # seconds LibreOffice may take for one conversion; then its whole process group is killed

# --- OCR of scans and pictures (extract/readers/ocr.py) --------------------------------------------------
MAX_OCR_PAGES = 30  # page pictures OCR'd per report (a scan: 3-8 pages at ~5-25 s each on 2 cores); the rest `truncated`
# seconds of OCR per report: once spent, no further picture is started and the report says which were
# not read (`truncated`); a page's worth below the parse's own limit (120 s in the crawl), so a scan
# gives a labelled partial result instead of costing the whole file
OCR_TIME_LIMIT = 90.0
MAX_PAGE_PICTURES = 12  # pictures kept with an HTML page whose tables may be images (crawl and ingest alike)
MAX_PICTURE_BYTES = 16 * 1024 * 1024  # a larger picture is not kept with its page (not a table's picture)
MAX_IMAGE_PIXELS = 60_000_000  # a picture larger than this is refused before it is decoded (A4 at 600 dpi: 35 M)
OCR_DPI = 200  # PDF pages without text are rendered at this resolution for OCR
OCR_MAX_SIDE = 3000  # pixels: larger pictures are scaled down to this before OCR (A4 at 250 dpi)
# pixels: text is *found* on the page scaled to this longest side (A4 at ~170 dpi) and *read* from
# the full-resolution picture.  rapidocr's default finds at full size (a 200-dpi page is 3.9 MP).
# 1,600 was a fifth to a third faster on generated scans but lost a cell of a DOCX's table picture
# (tests/test_ocr_pictures.py), 1,800 kept it: 2,000 leaves a margin
OCR_DETECT_SIDE = 2000
