"""PDFium's fonts: the one directory it may take substitutes from for fonts a PDF names but does
not embed.

Text extraction depends on them.  Measured on a generated report set in the unembedded CID font
STSong-Light (encoding UniGB-UCS2-H, no ToUnicode: PDFium maps its codes to Unicode through its
built-in Adobe-GB1 tables, but takes glyph boxes from a substitute font): on a host without a CJK
font PDFium gives 1,245 of the 1,572 characters boxes less than 1 pt high and drops 14 of them
outright (the vertical label 三、本年度办理结果, the last lines of wrapped headers), so the same
file read differently on two machines.  With a CJK font found, nothing is lost; an embedded font
(every real report in the examples) reads the same either way.

So PDFium is initialised, once per process and before any document is opened, to look for fonts
only in FONT_DIR — the directory of the pinned Debian package fonts-wqy-zenhei that
scripts/install-system.sh installs, or the one `$NIANBAO_PDF_FONTS` names — and never in the
host's other font directories.  When FONT_DIR holds no font, a PDF that relies on unembedded fonts
gets the problem `fonts_missing` (its text may be incomplete), never a silent difference.
"""

from __future__ import annotations

import ctypes
import gc
import os
from pathlib import Path

FONT_DIR = os.environ.get("NIANBAO_PDF_FONTS", "/usr/share/fonts/truetype/wqy")
FONT_SUFFIXES = {".ttf", ".ttc", ".otf", ".pfb", ".pfa"}

_state: dict[str, object] = {}


def pin_fonts() -> bool:
    """Point PDFium at FONT_DIR (once per process); False when that was impossible because PDFium
    objects were already open (re-initialising would close them under their owner)."""
    if "pinned" in _state:
        return bool(_state["pinned"])
    import pypdfium2.raw as raw
    from pypdfium2 import _library_scope
    from pypdfium2.internal import bases

    gc.collect()
    if any(len(refs) for refs in bases.ObjectTracker.values()):
        _state["pinned"] = False
        return False
    _library_scope.destroy_lib()
    paths = (ctypes.c_char_p * 2)(os.fsencode(FONT_DIR), None)
    field = dict(raw.FPDF_LIBRARY_CONFIG._fields_)["m_pUserFontPaths"]
    config = raw.FPDF_LIBRARY_CONFIG(version=2, m_pUserFontPaths=ctypes.cast(paths, field), m_pIsolate=None,
                                     m_v8EmbedderSlot=0)
    raw.FPDF_InitLibraryWithConfig(config)
    bases.LIBRARY_AVAILABLE = True
    _state["paths"] = paths  # PDFium keeps the pointers
    _state["pinned"] = True
    return True


def fonts_available() -> bool:
    """Whether FONT_DIR holds a font PDFium can substitute with."""
    if "available" not in _state:
        folder = Path(FONT_DIR)
        _state["available"] = folder.is_dir() and any(p.suffix.lower() in FONT_SUFFIXES for p in folder.iterdir())
    return bool(_state["available"])


def uses_unembedded_font(page) -> bool:
    """Whether any text on `page` is set in a font the PDF does not embed."""
    import pypdfium2.raw as raw

    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT], max_depth=2):
        font = raw.FPDFTextObj_GetFont(obj.raw)
        if font and not raw.FPDFFont_GetIsEmbedded(font):
            return True
    return False
