"""Preparing a scanned page for the geometric reader: straighten it, and find its ruling lines.

A scan is rarely square to the page: a degree of rotation moves a table rule by 25 pixels across
an A4 page at 200 dpi, enough to put a value in the row above.  The skew is measured the classic
way (the angle at which the page's dark pixels fall into the sharpest horizontal bands), on a
small copy, and the page is turned back once.  Ruling lines are then long thin runs of dark
pixels, found by morphological opening with a long horizontal (or vertical) kernel, and given
to the geometric reader in points with y up, like a PDF's path segments.
"""

from __future__ import annotations

from typing import Any

from .geometry import H, V

REDDISH = 50  # grey levels by which a seal's red channel outshines its green and blue
MAX_SKEW = 3.0  # degrees: a page turned further is a photo, not a scan, and is read as it is
_PROBE_WIDTH = 1200


def _dark(gray: Any) -> Any:
    import cv2

    _t, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return binary


def skew_angle(gray: Any) -> float:
    """The rotation (degrees, cv2's sense) that makes the page's lines horizontal."""
    import cv2
    import numpy as np

    scale = min(1.0, _PROBE_WIDTH / gray.shape[1])
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    binary = _dark(small)
    h, w = binary.shape
    center = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        m = cv2.getRotationMatrix2D(center, angle, 1.0)
        turned = cv2.warpAffine(binary, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        profile = turned.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(profile)).sum())

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25), key=sharpness)
    fine = max(np.arange(best - 0.2, best + 0.2 + 1e-9, 0.02), key=sharpness)
    return float(fine)


def deskew(gray: Any) -> Any:
    """The page turned back by its measured skew (unchanged when it is already square)."""
    import cv2

    angle = skew_angle(gray)
    if abs(angle) < 0.05:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


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
