"""DOC, WPS, RTF and OpenDocument text (ODT) reports, converted to DOCX by LibreOffice headless and
read as DOCX; XLS workbooks (and WPS's ET) and OpenDocument spreadsheets (ODS) converted to XLSX the
same way (extract/readers/spreadsheet.py), as is an XLSX whose formulas were saved without their values
(LibreOffice computes them).  An OpenDocument file is a zip: it passes the zip guard
(readers/zipguard.py) before LibreOffice inflates it.

Kingsoft WPS Writer files and legacy Word files share the OLE container; LibreOffice reads both.
Each conversion runs with its own throw-away profile (concurrent runs otherwise fight over the
profile lock), a time limit, and one retry through tenacity, since a cold LibreOffice start
occasionally exits without output.  Without LibreOffice the error names the missing converter.

LibreOffice is three processes deep (the `soffice` script, `oosplash`, `soffice.bin`), and
killing the first leaves `soffice.bin` burning CPU on a hostile file after the parse gave up.  So
each conversion starts in a session of its own, and its whole process group is killed when the
conversion ends, however it ends: finished, over CONVERT_TIMEOUT, or interrupted by the parse's
own time limit (`extract.bounded`) or any error.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_fixed

from ..errors import ExtractError
from ..limits import CONVERT_TIMEOUT
from ..model import Document

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
    from .docx import read_docx

    if kind == "odt":
        from .zipguard import check_zip

        check_zip(data, "ODT")
    doc = read_docx(convert(data, kind, "docx"))
    doc.kind = kind
    return doc


def convert(data: bytes, kind: str, target: str) -> bytes:
    """`data` (a `kind` file: doc, wps, rtf, odt, xls, ods, xlsx) as LibreOffice writes it in `target`
    (docx, xlsx)."""
    binary = converter()
    if binary is None:
        raise ExtractError(f"{kind.upper()} needs LibreOffice to convert it (no soffice/libreoffice on PATH)")
    try:
        return _convert(binary, data, kind, target)
    except _ConversionFailed as exc:
        raise ExtractError(f"LibreOffice could not convert this {kind.upper()} file: {exc}") from exc


@retry(retry=retry_if_exception_type(_ConversionFailed), stop=stop_after_attempt(2), wait=wait_fixed(1), reraise=True)
def _convert(binary: str, data: bytes, kind: str, target: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as tmp:
        work = Path(tmp)
        src = work / f"report.{'doc' if kind == 'wps' else kind}"
        src.write_bytes(data)
        profile = (work / "profile").as_uri()
        cmd = [binary, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", target,
               "--outdir", str(work / "out"), str(src)]
        try:
            returncode, stdout, stderr = _run(cmd, CONVERT_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise _ConversionFailed(f"timed out after {CONVERT_TIMEOUT} s") from exc
        out = work / "out" / f"report.{target}"
        if not out.exists():
            detail = (stderr or stdout).decode("utf-8", "replace").strip().splitlines()
            raise _ConversionFailed(detail[-1] if detail else f"exit status {returncode}")
        return out.read_bytes()


def _run(cmd: list[str], timeout: float) -> tuple[int, bytes, bytes]:
    """Run `cmd` as the leader of a new session; kill its whole process group when it returns,
    times out (TimeoutExpired) or is interrupted by anything, the parse's alarm included."""
    with subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          start_new_session=True) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
            return proc.returncode, stdout, stderr
        finally:
            kill_group(proc.pid)


def kill_group(pgid: int) -> None:
    """SIGKILL every process left in group `pgid` (none, after a clean exit of all of them)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
