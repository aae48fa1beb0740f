"""Reading pictures of pages: OCR with rapidocr (PP-OCRv6 on onnxruntime), offline.

Why rapidocr: its PyPI wheel carries the detection and recognition models, and onnxruntime runs
them on a CPU, so a scan reads the same on every machine with no network and no fee.  The
engine is given the model files inside the installed package by path (`model_paths`), so it has
no reason to look anywhere else (rapidocr downloads a model only when no path is given and the
file is missing); the tests run it with sockets refused.

A page image goes through four stages: straighten it (`scan.deskew`), find its ruling lines
(`scan.rules`), recognize text boxes, and hand the boxes as characters with confidences to the
one geometric reader (`geometry.page_blocks`) in points with y up, as a PDF text layer is.
A numeric cell may have the classic confusions repaired (`O`→0, `l`→1, a stray full stop);
the OCR'd text stays on the cell (`Cell.ocr_text`) and the confidence with it, and the report
says which cells it doubts (`extract/uncertain.py`).

onnxruntime (1.32) sends usage telemetry to mobile.events.data.microsoft.com from Linux too, once
a session has run: an archive that promises no request beyond the portals it crawls
(tests/test_offline.py caught it) switches that off with `ORT_DISABLE_TELEMETRY=1`, set before
onnxruntime is loaded unless the environment says otherwise.

Threads: onnxruntime's own choice (one per core) unless `NIANBAO_OCR_THREADS` names a number.
Measured on this 2-core machine, idle: a five-page 150-dpi scan took 15.6 s wall (28.8 CPU-s) with
two threads and 23.8 s (24.3 CPU-s) with one, so a report read alone wants both cores; where the
cores are already busy (parallel tests, other work on the host) one thread wastes less on spinning.
"""

from __future__ import annotations

import io
import os
import re
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ExtractError
from ..limits import MAX_IMAGE_PIXELS, MAX_OCR_PAGES, OCR_DETECT_SIDE, OCR_DPI, OCR_MAX_SIDE, OCR_TIME_LIMIT
from ..model import Cell, Document, Grid, Problem
from .geometry import Char, page_blocks

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # before onnxruntime is imported: see above

ENGINE = "rapidocr"
THREADS = max(0, int(os.environ.get("NIANBAO_OCR_THREADS", "0") or 0))  # 0: onnxruntime's choice
LOW_DPI, UPSCALED_DPI = 140, 150  # pictures under LOW_DPI are enlarged to UPSCALED_DPI (bench: 80 dpi 89 % -> 95 % of cells)
MODELS = {"det": "PP-OCRv6_det_small.onnx", "rec": "PP-OCRv6_rec_small.onnx"}
# Confusions of a recognizer in a cell that is otherwise a number.
_REPAIR = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "〇": "0", "l": "1", "I": "1", "|": "1", "i": "1",
                         "S": "5", "B": "8", "Z": "2", "，": "", ",": "", "。": ".", "．": "."})
_REPAIRABLE = re.compile(r"^[-\dOoDQ〇lIi|。．.]+$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def model_paths() -> dict[str, Path]:
    """The model files inside the installed rapidocr package: nothing is fetched at run time."""
    import rapidocr

    root = Path(rapidocr.__file__).resolve().parent / "models"
    paths = {task: root / name for task, name in MODELS.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise ExtractError(f"OCR models missing from the rapidocr package: {', '.join(missing)}")
    return paths


def versions() -> dict[str, str]:
    """What read the text: engine, runtime and model versions, recorded on every OCR'd report."""
    import onnxruntime
    import rapidocr

    return {"engine": f"{ENGINE} {rapidocr.__version__ if hasattr(rapidocr, '__version__') else _dist('rapidocr')}",
            "runtime": f"onnxruntime {onnxruntime.__version__}",
            "models": " + ".join(MODELS.values())}


def _dist(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def describe() -> str:
    v = versions()
    return f"{v['engine']}, {v['models']} on {v['runtime']}"


@lru_cache(maxsize=1)
def engine() -> Any:
    """One engine per process: loading the models costs about a second."""
    from rapidocr import RapidOCR

    paths = model_paths()
    return RapidOCR(params={
        "Global.log_level": "error",
        "Global.use_cls": False,  # pages are upright; a small skew is straightened before
        "Global.max_side_len": OCR_MAX_SIDE,  # no hidden downscaling: long pictures are cut into pages first
        "Det.limit_type": "max",  # text is found on the page scaled down to OCR_DETECT_SIDE, read at full size
        "Det.limit_side_len": OCR_DETECT_SIDE,
        "Det.model_path": str(paths["det"]),
        "Rec.model_path": str(paths["rec"]),
        **({"EngineConfig.onnxruntime.intra_op_num_threads": THREADS} if THREADS else {}),
    })


# --- one page ------------------------------------------------------------------------------------


def page_image_blocks(gray: Any, dpi: float, where: str = "", budget: Budget | None = None,
                      doc: Document | None = None) -> list:
    """The blocks of one page picture (a greyscale numpy array scanned at `dpi`), turned upright
    first when its text runs sideways or upside down (said in the budget's `turned`); none for a
    page turned past MAX_SKEW, which `doc` says (`truncated` at the page)."""
    from .scan import MAX_SKEW, deskew, measure_skew, rules

    angle, past = measure_skew(gray)
    if past:
        if doc is not None:
            doc.problems.append(Problem("truncated", where or "picture",
                                        f"turned {abs(angle):.0f}°, more than {MAX_SKEW:g}° (a photo?): not read"))
        return []
    gray = deskew(gray, angle)
    gray, result, turn = _upright(gray, engine()(gray, use_det=True, use_cls=False, use_rec=True))
    if turn and budget is not None:
        budget.turned.append(f"{where or 'picture'} ({turn})")
    hs, vs = rules(gray, dpi)
    chars: list[Char] = []
    if result.boxes is not None:
        height = gray.shape[0]
        scale = 72.0 / dpi
        for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            chars.extend(_box_chars(box, text, float(score), height, scale))
    blocks = page_blocks(chars, (hs, vs))
    for block in blocks:
        if isinstance(block, Grid):
            for row in block.rows:
                for cell in row:
                    repair_number(cell)
    return blocks


# --- orientation -------------------------------------------------------------------------------
# A landscape table scanned on a portrait page lies on its side, and a page fed the wrong way up
# is upside down: the recognizer reads neither as a table (0 of 175 cells of a generated table 3
# turned 90°, 180° or 270°).  Both show in the upright reading itself, so an upright page costs
# nothing more: text lines that run down the page (most text boxes of three or more characters
# taller than wide: the recognizer turns such boxes and reads them, but the rows are columns),
# or text that reads as noise (under LEGIBLE of its characters Chinese and recognized with
# confidence ≥ 0.9: 0.58–0.81 upright on generated tables and pages, 0.00–0.08 upside down).
# Then the page is read turned, and the turn kept when it reads upright.
LEGIBLE = 0.3
_CONFIDENT = 0.9
_MIN_CHARS = 20  # fewer recognized characters (a logo, a photo): nothing to orient by
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _legibility(result: Any) -> tuple[float, int]:
    """(share of recognized characters that are Chinese read with confidence, characters)."""
    texts = list(zip(result.txts or (), result.scores or (), strict=False))
    chars = sum(len(t) for t, _s in texts)
    confident = sum(len(_CJK.findall(t)) for t, s in texts if s >= _CONFIDENT)
    return (confident / chars if chars else 0.0), chars


def _sideways(result: Any) -> bool:
    """Do most text boxes of three or more characters stand taller than wide?"""
    tall = wide = 0
    for box, text in zip(result.boxes if result.boxes is not None else (), result.txts or (), strict=False):
        if len(text) < 3:
            continue
        w = ((box[1][0] - box[0][0]) ** 2 + (box[1][1] - box[0][1]) ** 2) ** 0.5
        h = ((box[3][0] - box[0][0]) ** 2 + (box[3][1] - box[0][1]) ** 2) ** 0.5
        tall += h > 1.5 * w
        wide += w > 1.5 * h
    return tall > wide


def _upright(gray: Any, result: Any) -> tuple[Any, Any, str]:
    """The page and its reading, turned upright when its text runs sideways or upside down, and
    the turn made ('' when none)."""
    import cv2

    legible, chars = _legibility(result)
    if chars < _MIN_CHARS:
        return gray, result, ""
    if _sideways(result):
        # the recognizer reads a sideways page's tall boxes well: the turn must read upright
        turns = [("90° counter-clockwise", cv2.ROTATE_90_COUNTERCLOCKWISE), ("90° clockwise", cv2.ROTATE_90_CLOCKWISE)]
    elif legible < LEGIBLE:  # a page of digits alone reads no Chinese either way, and stays as it is
        turns = [("180°", cv2.ROTATE_180)]
    else:
        return gray, result, ""
    for name, code in turns:
        turned = cv2.rotate(gray, code)
        reading = engine()(turned, use_det=True, use_cls=False, use_rec=True)
        if _legibility(reading)[0] >= LEGIBLE and not _sideways(reading):
            return turned, reading, name
    return gray, result, ""


def _box_chars(box: Any, text: str, score: float, height: int, scale: float) -> list[Char]:
    """A recognized text box as characters spread over it (left to right, or top to bottom for a
    tall box: 三、本年度办理结果 printed in a narrow column), in points with y up."""
    glyphs = [ch for ch in text if not ch.isspace()]
    if not glyphs:
        return []
    xs = [float(p[0]) for p in box]
    ys = [float(p[1]) for p in box]
    x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
    n = len(glyphs)
    vertical = n > 1 and (bottom - top) > 1.5 * (x1 - x0)
    out = []
    for i, ch in enumerate(glyphs):
        if vertical:
            step = (bottom - top) / n
            cx0, cx1, ct, cb = x0, x1, top + i * step, top + (i + 1) * step
        else:
            step = (x1 - x0) / n
            cx0, cx1, ct, cb = x0 + i * step, x0 + (i + 1) * step, top, bottom
        out.append(Char(ch, cx0 * scale, (height - cb) * scale, cx1 * scale, (height - ct) * scale, score))
    return out


def repair_number(cell: Cell) -> None:
    """`l2` → `12`, `O` → `0`, `1。5` → `1.5` in a cell that is otherwise a number; the OCR'd text
    is kept in `ocr_text` and the cell is doubted (`extract/uncertain.py`)."""
    if cell.confidence is None or not cell.text:
        return
    text = re.sub(r"\s+", "", cell.text)
    if _NUMBER.match(text) or not _REPAIRABLE.match(text) or not re.search(r"\d|^[OoDQ〇lIi|]$", text):
        return
    fixed = text.translate(_REPAIR).strip(".")
    if _NUMBER.match(fixed):
        cell.ocr_text, cell.text = cell.text, fixed


# --- documents -----------------------------------------------------------------------------------


class Budget:
    """OCR's own limits for one report: `MAX_OCR_PAGES` pictures and `OCR_TIME_LIMIT` seconds.

    Checked before each picture is started (a page cannot be stopped half read, and the first is
    always read), so a long scan ends with what it read and a `truncated` problem naming the first
    picture it did not read, well before the parse's hard limit would throw the whole file away."""

    def __init__(self, seconds: float | None = None, pages: int | None = None) -> None:
        self.seconds = OCR_TIME_LIMIT if seconds is None else seconds
        self.pages = MAX_OCR_PAGES if pages is None else pages
        self.started: float | None = None
        self.done = 0
        self.stopped = False
        self.turned: list[str] = []  # pictures turned upright before reading: "page 3 (180°)"

    def allow(self, where: str, doc: Document) -> bool:
        """May the next picture (`where`, e.g. `page 7`) be OCR'd?  When not, the report says so, once."""
        if self.stopped:
            return False
        if self.started is None:
            self.started = time.monotonic()
        why = None
        if self.done >= self.pages:
            why = f"only the first {self.pages} pictures OCR'd (MAX_OCR_PAGES)"
        elif self.done and time.monotonic() - self.started >= self.seconds:
            why = f"OCR stopped after {self.done} picture{'s' if self.done != 1 else ''}: its {self.seconds:g} s limit (OCR_TIME_LIMIT) was spent"
        if why is None:
            return True
        self.stopped = True
        doc.problems.append(Problem("truncated", where, f"{why}; {where} and after not read"))
        return False

    def read(self) -> None:
        self.done += 1



def ocr_note(pages: int, where: str = "document", turned: list[str] | None = None,
             outlined: list[str] | None = None) -> Problem:
    """The report says it was read by OCR, and by what, which pages had their text drawn as
    outlines rather than written, and which pictures were turned upright first: the contract's
    problems are where a reader of the JSON and of the archive looks for how far to trust the
    numbers."""
    drawn = f"; text drawn as outlines, no text layer: {', '.join(outlined)}" if outlined else ""
    turns = f"; turned upright before reading: {', '.join(turned)}" if turned else ""
    return Problem("ocr", where,
                   f"read by OCR ({pages} page{'s' if pages != 1 else ''}): {describe()}{drawn}{turns}")


def read_image(data: bytes) -> Document:
    """A JPG/PNG/TIFF/GIF/BMP attachment: each frame a page, OCR'd."""
    doc = Document(kind="ocr")
    budget = Budget()
    try:
        pages = picture_blocks(data, doc, budget, "picture")
    except ExtractError:
        raise
    except Undecodable:
        return Document(kind="image", image_only=True)  # a picture no decoder reads: still a picture
    doc.images = pages
    if not any(isinstance(b, Grid) or getattr(b, "text", "").strip() for b in doc.blocks):
        doc.kind, doc.image_only = "image", True  # nothing legible: still waiting for a reader
        return doc
    doc.problems.insert(0, ocr_note(pages, turned=budget.turned))
    return doc


class Undecodable(Exception):
    """A picture no decoder reads (its first frame already): it stays a picture."""


def picture_blocks(data: bytes, doc: Document, budget: Budget, where: str) -> int:
    """OCR one picture file's frames (a long picture a page-high strip at a time) into
    `doc.blocks`, within `budget`; the number of frames read.  A picture embedded in a DOCX goes
    through here as an attachment does."""
    import numpy as np
    from PIL import Image, ImageSequence

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ExtractError(f"image refused: {exc}") from exc
    except (OSError, ValueError) as exc:
        raise Undecodable(str(exc)) from exc
    pages = 0
    frames = getattr(img, "n_frames", 1)
    try:
        for index, frame in enumerate(ImageSequence.Iterator(img)):
            gray, dpi = _page_array(frame, img.info.get("dpi"))
            strips = page_strips(np.asarray(gray))
            for k, strip in enumerate(strips):
                here = (f"{where} {index + 1}" if frames > 1 or where == "picture" else where) + \
                    (f" strip {k + 1}" if len(strips) > 1 else "")
                if not budget.allow(here, doc):
                    return pages
                doc.blocks.extend(page_image_blocks(strip, dpi, here, budget, doc))
                budget.read()
            pages += 1
    except Image.DecompressionBombError as exc:
        raise ExtractError(f"image refused: {exc}") from exc
    except (OSError, ValueError) as exc:  # a cut or damaged picture: what was read stays, and says so
        if not pages:
            raise Undecodable(str(exc)) from exc
        doc.problems.append(Problem("truncated", f"{where} {pages + 1}", f"unreadable: {exc}"))
    return pages


def _page_array(frame: Any, dpi_info: Any) -> tuple[Any, float]:
    """A frame as greyscale at a size OCR reads well, and its resolution in dots per inch.
    The width is capped (so that a page-high strip fits OCR_MAX_SIDE), not the height: a long
    picture (长图, pages one below the other) keeps its text size and is cut by `page_strips`.

    Without a usable resolution a page is taken to be A4 wide (8.27 in), which is what a scanned
    report page is; only ratios of sizes matter after that.  A colour picture goes grey through
    `scan.ink`, which lifts red seals off the text."""
    gray = _gray(frame)
    width, height = gray.size
    dpi = None
    if isinstance(dpi_info, tuple) and dpi_info and float(dpi_info[0] or 0) >= 50:
        dpi = float(dpi_info[0])
    if dpi is None or width / dpi > 20:
        dpi = max(width / 8.27, 50.0)
    scale = min(1.0, OCR_MAX_SIDE / (width * 1.414), OCR_DPI * 1.5 / dpi)
    if dpi < LOW_DPI:  # a screenshot or a fax: text a dozen pixels high, found and read better enlarged
        scale = min(UPSCALED_DPI / dpi, OCR_MAX_SIDE / (width * 1.414))
    if scale != 1.0:
        gray = gray.resize((max(1, round(width * scale)), max(1, round(height * scale))))
        dpi *= scale
    return gray, dpi


def _gray(frame: Any) -> Any:
    """A picture frame in grey; a colour one with its red ink lifted (`scan.ink`), a 16-bit one
    scaled down (converted as it is, every level above 255 clips to white).  Transparent pixels
    are paper: a PNG cut from a page often has no background at all, and dropping the
    alpha channel would leave black (transparent pixels mostly hold 0, 0, 0)."""
    from PIL import Image

    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(paper, rgba).convert("RGB")
    import numpy as np

    if frame.mode.startswith("I") or frame.mode == "F":  # 16-bit grey: PIL's convert would clip it to white
        levels = np.asarray(frame, dtype=np.float64)
        top = 65535.0 if frame.mode.startswith("I;16") or levels.max(initial=0) > 255 else 255.0
        return Image.fromarray(np.clip(levels * (255.0 / top), 0, 255).astype(np.uint8))
    if frame.mode in ("1", "L"):
        return frame.convert("L")

    from .scan import ink

    return Image.fromarray(ink(np.asarray(frame.convert("RGB"))))


def page_strips(gray: Any) -> list[Any]:
    """A long picture (长图) cut into page-high strips at its emptiest rows near each A4 height:
    detection on a 10,000-pixel picture takes gigabytes, a page at a time a few hundred MB."""
    height, width = gray.shape
    page = int(width * 1.414)
    if height <= page * 1.3:
        return [gray]
    ink = (255 - gray).sum(axis=1)
    strips, top = [], 0
    while height - top > page * 1.3:
        lo, hi = top + int(page * 0.85), min(top + int(page * 1.15), height - 1)
        cut = lo + int(ink[lo:hi].argmin())
        strips.append(gray[top:cut])
        top = cut
    strips.append(gray[top:])
    return strips


def render_page(page: Any) -> tuple[Any, float]:
    """A PDF page (pypdfium2) rendered for OCR at OCR_DPI, capped at OCR_MAX_SIDE: in colour,
    then grey through `scan.ink` (a scanned page's red seals lifted off the text)."""
    from .scan import ink

    width, height = page.get_size()
    scale = min(OCR_DPI / 72.0, OCR_MAX_SIDE / max(width, height, 1.0))
    bitmap = page.render(scale=scale, rev_byteorder=True)
    array = bitmap.to_numpy()
    if array.ndim == 2:
        return array.copy(), scale * 72.0
    return ink(array[:, :, :3].copy()), scale * 72.0
