"""The PDFium functions the PDF reader calls per character, per page object and per path segment,
bound to take and return plain addresses.

Why: `pypdfium2.raw` declares each function with typed pointer arguments and results, so ctypes
checks every argument's type and builds a pointer object for every handle it returns, on every
call.  A ruled page asks ≈ 650 characters two questions each and ≈ 150 path objects a dozen each;
here a call with integer addresses (`c_void_p`) costs half of one through the typed binding
(`FPDFPathSegment_GetPoint` 0.4 µs against 0.9, `FPDFPath_GetPathSegment` 0.5 against 1.2, on this
machine), a fifth of a ruled PDF's parse.  They are the same functions of the same library: each
is pypdfium2's own function pointer cast to an address prototype, so loading, initialisation and
the pinned fonts stay pypdfium2's, and its typed bindings, which other code uses, are untouched.

Handles are integers (`None` for NULL, as ctypes gives a NULL `c_void_p`); out-parameters are the
`ctypes.addressof` of values the caller keeps alive for the call.
"""

from __future__ import annotations

import ctypes
from ctypes import c_double, c_float, c_int, c_uint, c_ulong, c_void_p

import pypdfium2.raw as raw


def _bind(name: str, restype, *argtypes):
    return ctypes.cast(getattr(raw, name), ctypes.CFUNCTYPE(restype, *argtypes))


def address(handle) -> int:
    """A pypdfium2 handle (a typed pointer) as the integer these functions take."""
    return ctypes.cast(handle, c_void_p).value or 0


# text page
text_unicode = _bind("FPDFText_GetUnicode", c_uint, c_void_p, c_int)
text_charbox = _bind("FPDFText_GetCharBox", c_int, c_void_p, c_int, c_void_p, c_void_p, c_void_p, c_void_p)
# page objects
page_count_objects = _bind("FPDFPage_CountObjects", c_int, c_void_p)
page_object = _bind("FPDFPage_GetObject", c_void_p, c_void_p, c_int)
form_count_objects = _bind("FPDFFormObj_CountObjects", c_int, c_void_p)
form_object = _bind("FPDFFormObj_GetObject", c_void_p, c_void_p, c_ulong)
object_type = _bind("FPDFPageObj_GetType", c_int, c_void_p)
text_render_mode = _bind("FPDFTextObj_GetTextRenderMode", c_int, c_void_p)
object_bounds = _bind("FPDFPageObj_GetBounds", c_int, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p)
object_matrix = _bind("FPDFPageObj_GetMatrix", c_int, c_void_p, c_void_p)
# paths
path_draw_mode = _bind("FPDFPath_GetDrawMode", c_int, c_void_p, c_void_p, c_void_p)
path_count_segments = _bind("FPDFPath_CountSegments", c_int, c_void_p)
path_segment = _bind("FPDFPath_GetPathSegment", c_void_p, c_void_p, c_int)
segment_point = _bind("FPDFPathSegment_GetPoint", c_int, c_void_p, c_void_p, c_void_p)
segment_type = _bind("FPDFPathSegment_GetType", c_int, c_void_p)
segment_close = _bind("FPDFPathSegment_GetClose", c_int, c_void_p)


class OutValues:
    """Reusable out-parameters of one C type, with their addresses: `OutValues(c_float, 4)`."""

    __slots__ = ("values", "addresses")

    def __init__(self, kind: type[c_float] | type[c_double] | type[c_int], count: int) -> None:
        self.values = [kind() for _ in range(count)]
        self.addresses = [ctypes.addressof(v) for v in self.values]
