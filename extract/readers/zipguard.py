"""Zip packages (DOCX, XLSX, ODT, ODS, OFD) checked before any library inflates them: a zip bomb is refused.

The declared sizes are checked first (cheap), then every member is inflated in 1 MiB steps and
counted, because headers can lie: zipfile's one-shot `read()` would inflate a member whole before
noticing that it outgrew its declared size.  A member whose real output differs from its header
fails its CRC here and the file is refused.  One guard for every zip-based format, so each gets
the same limits (`extract.limits`).
"""

from __future__ import annotations

import io
import zipfile
import zlib

from ..errors import ExtractError
from ..limits import MAX_RATIO, MAX_UNCOMPRESSED


def check_zip(data: bytes, what: str) -> None:
    """Raise ExtractError naming `what` (DOCX, XLSX, ODT, ODS, OFD) if `data` is unreadable or inflates past the limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ExtractError(f"unreadable {what}: {exc}") from exc
    limit = min(MAX_UNCOMPRESSED, max(len(data), 1) * MAX_RATIO)
    declared = sum(info.file_size for info in infos)
    if declared > limit:
        raise ExtractError(f"{what} refused: {declared} bytes uncompressed from {len(data)} (a zip bomb?)")
    inflated = 0
    for info in infos:
        try:
            with archive.open(info) as member:
                while chunk := member.read(1 << 20):
                    inflated += len(chunk)
                    if inflated > limit:
                        raise ExtractError(f"{what} refused: more than {limit} bytes uncompressed (a zip bomb?)")
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
            raise ExtractError(f"unreadable {what}: {info.filename}: {exc}") from exc
