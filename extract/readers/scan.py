"""Preparing a scanned page for the geometric reader: straighten it, and find its ruling lines.

A scan is rarely square to the page: a degree of rotation moves a table rule by 25 pixels across
an A4 page at 200 dpi, enough to put a value in the row above.  A photo of a table is turned
further: up to MAX_SKEW (15°) is straightened; a page turned past that is not read, and said.
The skew is measured the classic way (the angle at which the page's dark pixels fall into the
sharpest horizontal bands), on a small copy, and the page is turned back once.  Ruling lines are then long thin runs of dark
pixels, found by morphological opening with a long horizontal (or vertical) kernel, and given
to the geometric reader in points with y up, like a PDF's path segments.
"""

from __future__ import annotations

from typing import Any

from .geometry import H, V

REDDISH = 50  # grey levels by which a seal's red channel outshines its green and blue
SCAN_SKEW = 3.0  # degrees: a scan's skew, turned back on the page's own size
MAX_SKEW = 15.0  # degrees straightened (a photo of a table); a page turned further is said and not read
SEARCHED = 30.0  # degrees searched, so that a page turned past MAX_SKEW is told, not taken for less
_CLEAR = 1.5  # a page is turned past when its bands at the angle found are this much sharper than upright
_PROBE_WIDTH = 1200


def _dark(gray: Any) -> Any:
    import cv2

    _t, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return binary


def skew_angle(gray: Any) -> float:
    """The rotation (degrees, cv2's sense) that makes the page's lines horizontal."""
    return measure_skew(gray)[0]


def measure_skew(gray: Any) -> tuple[float, bool]:
    """(The rotation that makes the page's lines horizontal, whether the page is turned past
    MAX_SKEW.)  Searched to ±SEARCHED in half degrees, then in quarters and fiftieths around the
    best: a search to ±3° (a scan's) took a table photographed 4° or 6° off for 3° and put its
    values in other rows unsaid (41 and 29 of 175 cells read, 26 and 25 of the rest unsaid; its
    sharpness has other peaks, so a wider search only where the narrow one ends at its edge
    missed them too).  Past MAX_SKEW, and clearly so (its bands at that angle sharper than
    upright's by _CLEAR), the page is not straightened but said."""
    import cv2
    import numpy as np

    scale = min(1.0, _PROBE_WIDTH / gray.shape[1])
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    binary = _dark(small)

    def sharpness(angle: float, image: Any = binary) -> float:
        ih, iw = image.shape
        m = cv2.getRotationMatrix2D((iw / 2, ih / 2), angle, 1.0)
        turned = cv2.warpAffine(image, m, (iw, ih), flags=cv2.INTER_NEAREST, borderValue=0)
        profile = turned.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(profile)).sum())

    # the half-degree steps on a copy half as wide (a fifth of the time; a text line's drift over
    # it at half a degree is still under half its height), the finer ones on the probe itself
    half = cv2.resize(binary, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA) if min(binary.shape) >= 8 else binary
    coarse = max(np.arange(-SEARCHED, SEARCHED + 1e-9, 0.5), key=lambda a: sharpness(a, half))
    best = max(np.arange(coarse - 0.5, coarse + 0.5 + 1e-9, 0.25), key=sharpness)
    fine = float(max(np.arange(best - 0.2, best + 0.2 + 1e-9, 0.02), key=sharpness))
    if abs(fine) <= MAX_SKEW:
        return fine, False
    upright = sharpness(0.0)
    if upright > 0 and sharpness(fine) >= _CLEAR * upright:
        return fine, True
    return 0.0, False  # no clearer at that angle (a blank or uniform picture): read as it stands


def deskew(gray: Any, angle: float) -> Any:
    """The page turned back by its skew (`measure_skew`'s angle; unchanged when it is already
    square).  Past a scan's skew the canvas grows to hold the turned page: a tight picture of a
    table turned on its own size lost its corners."""
    import cv2
    import numpy as np

    if abs(angle) < 0.05:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    if abs(angle) <= SCAN_SKEW + 0.2:  # a scan's small skew: the page's margins hold it, its size stays
        return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    cos, sin = abs(np.cos(np.radians(angle))), abs(np.sin(np.radians(angle)))
    nw, nh = int(np.ceil(w * cos + h * sin)), int(np.ceil(w * sin + h * cos))
    m[0, 2] += (nw - w) / 2
    m[1, 2] += (nh - h) / 2
    return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=255)


def ink(rgb: Any) -> Any:
    """A colour page (an RGB array) in grey with red ink lifted out: seals and red stamps go pale,
    black and blue ink keep their luminance (a pixel is reddish when its red exceeds both other
    channels by REDDISH)."""
    import cv2
    import numpy as np

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    r = rgb[:, :, 0].astype(np.int16)
    reddish = (r - np.maximum(rgb[:, :, 1], rgb[:, :, 2])) > REDDISH
    if reddish.any():
        gray = np.where(reddish, np.maximum(gray, rgb[:, :, 0]), gray)
    return gray


def rules(gray: Any, dpi: float) -> tuple[list[H], list[V]]:
    """Horizontal and vertical ruling lines of a page image, in points with y up."""
    import cv2

    binary = _dark(gray)
    h, w = binary.shape
    scale = 72.0 / dpi
    min_len = max(int(dpi * 0.25), 12)  # a quarter inch: longer than any stroke of a character
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (min_len, 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, min_len)))
    thick = max(int(dpi / 40), 3)  # a rule is a few pixels thick; a thick bar is shading or a picture
    hs: list[H] = []
    vs: list[V] = []
    n, _labels, stats, _c = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    for x, y, bw, bh, _area in stats[1:n]:
        if bh <= thick * 2:
            hs.append(((h - (y + bh / 2)) * scale, x * scale, (x + bw) * scale))
    n, _labels, stats, _c = cv2.connectedComponentsWithStats(vertical, connectivity=8)
    for x, y, bw, bh, _area in stats[1:n]:
        if bw <= thick * 2:
            vs.append(((x + bw / 2) * scale, (h - (y + bh)) * scale, (h - y) * scale))
    return hs, vs
