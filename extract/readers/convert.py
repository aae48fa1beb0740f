"""DOC, WPS and RTF reports, converted to DOCX by LibreOffice headless and read as DOCX.

Kingsoft WPS Writer files and legacy Word files share the OLE container; LibreOffice reads both.
Each conversion runs with its own throw-away profile (concurrent runs otherwise fight over the
profile lock), a time limit, and one retry through tenacity, since a cold LibreOffice start
occasionally exits without output.  Without LibreOffice the error names the missing converter.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_fixed

from ..errors import ExtractError
from ..model import Document

TIMEOUT = 180
_BINARIES = ("soffice", "libreoffice", "lowriter")


class _ConversionFailed(Exception):
    pass


def converter() -> str | None:
    for name in _BINARIES:
        path = shutil.which(name)
        if path:
            return path
    return None


def read_converted(data: bytes, kind: str) -> Document:
    binary = converter()
    if binary is None:
        raise ExtractError(f"{kind.upper()} needs LibreOffice to convert it (no soffice/libreoffice on PATH)")
    from .docx import read_docx

    try:
        docx_bytes = _convert(binary, data, kind)
    except _ConversionFailed as exc:
        raise ExtractError(f"LibreOffice could not convert this {kind.upper()} file: {exc}") from exc
    doc = read_docx(docx_bytes)
    doc.kind = kind
    return doc


@retry(retry=retry_if_exception_type(_ConversionFailed), stop=stop_after_attempt(2), wait=wait_fixed(1), reraise=True)
def _convert(binary: str, data: bytes, kind: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as tmp:
        work = Path(tmp)
        src = work / f"report.{'doc' if kind == 'wps' else kind}"
        src.write_bytes(data)
        profile = (work / "profile").as_uri()
        cmd = [binary, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "docx",
               "--outdir", str(work / "out"), str(src)]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise _ConversionFailed(f"timed out after {TIMEOUT} s") from exc
        out = work / "out" / "report.docx"
        if not out.exists():
            detail = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip().splitlines()
            raise _ConversionFailed(detail[-1] if detail else f"exit status {proc.returncode}")
        return out.read_bytes()
