"""RSscan footscan ``.xls`` roll-off exports (FORMATS.md section 3).

A legacy Excel workbook (read with xlrd) holding text: ``Dynamic Roll off``, the patient, the
date, ``Scanning speed`` per foot, then per foot ``Right foot data`` / ``Left foot data``, the
foot's rectangle on the plate (bottom, left, width, height in sensors), and ``Frame n (t ms)``
blocks of height x width values in newtons per sensor. Sensors are 7.62 mm along the walk
(rows) by 5.08 mm across (columns): kPa = N / area. Each foot becomes one recording of its
rectangle with a two-sensor empty margin (the rectangle is cut tight around the foot, which
must not look like a foot running off the plate); the rectangle's place is kept in metadata.
When both feet are present, the first one in the file is read.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import numpy as np

from orthofit.errors import ScanFileError
from orthofit.io.vendor import checks
from orthofit.model import Recording, RecordingError

logger = logging.getLogger(__name__)

PITCH_MM = (7.62, 5.08)
MARGIN = 2
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FRAME = re.compile(r"Frame\s+(\d+)\s*\(([\d.]+)\s*ms\)")


def sniff(head: bytes, path: Path) -> bool:
    """An OLE2 (legacy Excel) file whose name says .xls, or that mentions footscan's title."""
    return head.startswith(_OLE_MAGIC) and (path.suffix.lower() == ".xls"
                                           or b"R\x00o\x00l\x00l" in head)


def sniff_text(head: bytes, path: Path) -> bool:
    """The older text roll-off export: ``Frame N (t ms)`` lines with tab-separated rows."""
    return re.search(rb"^Frame\s+\d+\s*\([\d.]+\s*ms\)", head, re.MULTILINE) is not None \
        and b"\t" in head


def read_text(path: Path, *, pitch_mm: object = None, rate_hz: object = None) -> Recording:
    """Read an older footscan text export: ``Frame N (t ms)`` then tab-separated rows (N).

    The export has no end mark: a file that does not end with a line break was cut, and the
    frame the cut fell in is dropped (``metadata["warning"]`` says so), the others are kept.
    """
    text = Path(path).read_bytes().decode("latin-1")
    lines = text.splitlines()
    cut = bool(text) and not text.endswith(("\n", "\r"))
    if cut:
        lines = lines[:-1]  # the unfinished line: a value in it may be cut short
    frames, times, width, starts = [], [], None, []
    dropped = None
    i = 0
    while i < len(lines):
        m = _FRAME.match(lines[i].strip())
        if m is None:
            i += 1
            continue
        block, j = [], i + 1
        while j < len(lines) and lines[j].strip() and not _FRAME.match(lines[j].strip()):
            try:
                block.append([float(v) for v in lines[j].split("\t") if v.strip()])
            except ValueError:
                raise ScanFileError(path, f"frame {m.group(1)}: a value is not a number",
                                    "The export is garbled", line=j + 1) from None
            j += 1
        widths = {len(r) for r in block}
        height = len(frames[0]) if frames else len(block)
        if cut and j >= len(lines) and frames and \
                (len(block) < height or not widths <= {width}):
            dropped = m.group(1)  # the frame the file was cut in
            break
        if not block or len(widths) != 1 or (width is not None and widths != {width}):
            raise ScanFileError(path, f"frame {m.group(1)} is not a rectangle of the same size "
                                "as the others", "The export is garbled", line=i + 1)
        width = widths.pop()
        if len(block) != height:
            raise ScanFileError(path, f"frame {m.group(1)} has {len(block)} rows, the first "
                                f"had {height}", "The export is garbled", line=i + 1)
        checks.size(path, len(frames) + 1, height, width, line=i + 1)
        frames.append(block)
        times.append(checks.number(path, m.group(2), f"frame {m.group(1)}'s time (ms)",
                                   line=i + 1) / 1000.0)
        starts.append(i + 1)
        i = j
    if not frames:
        raise ScanFileError(path, "no complete 'Frame N (t ms)' block was found",
                            "Export the roll-off again from footscan")
    metadata: dict = {"source": {"file": Path(path).name, "format": "footscan-text",
                                 "units": "N per sensor"}}
    if cut:
        metadata["source"]["truncated"] = True
        metadata["source"]["dropped_frames"] = 0 if dropped is None else 1
        lost = "" if dropped is None else f"; the unfinished frame {dropped} was dropped"
        checks.add_warning(metadata, "the file does not end with a line break, so it was cut "
                           f"short: {len(frames)} complete frame"
                           f"{'s' if len(frames) > 1 else ''} read{lost}")
    newtons = checks.pressures(path, np.asarray(frames, np.float64),
                               line_of=lambda k: starts[k[0]] + 1 + k[1])
    return _recording(path, newtons, times, metadata)


def _recording(path: Path, newtons: np.ndarray, times: list[float],
               metadata: dict) -> Recording:
    """The recording in kPa, with an empty margin around the foot's rectangle."""
    n, height, width = newtons.shape
    kpa = newtons / (PITCH_MM[0] * PITCH_MM[1]) * 1000.0
    padded = np.zeros((n, height + 2 * MARGIN, width + 2 * MARGIN), np.float32)
    padded[:, MARGIN:MARGIN + height, MARGIN:MARGIN + width] = kpa
    try:
        return Recording(padded, np.asarray(times), PITCH_MM, profile={"name": "footscan"},
                         mode="walk", metadata=metadata)
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc


def _open_sheet(path: Path):
    """The workbook's first sheet; xlrd's diagnostics go to the log, never to stdout."""
    import xlrd  # only needed for this format

    # xlrd prints "WARNING ***" lines on sys.stdout by default, which would break the
    # one-object-per-line output of ``orthofit analyze --json``: they go to a buffer.
    log = io.StringIO()
    try:
        book = xlrd.open_workbook(str(path), on_demand=True, logfile=log, verbosity=0)
        try:
            return book.sheet_by_index(0)
        finally:
            book.release_resources()
    except Exception as exc:  # xlrd meets damage with whatever error it runs into
        notes = [ln.strip() for ln in log.getvalue().splitlines() if ln.strip()]
        logger.debug("xlrd could not read %s: %r; its log: %s", path, exc, notes)
        detail = next((n for n in notes if "truncated" in n.lower()), None)
        if detail is not None:
            detail = re.sub(r"^WARNING\W*", "", detail).rstrip("!. ")
        elif isinstance(exc, xlrd.XLRDError) and str(exc):
            detail = str(exc)
        else:
            detail = "its internal structure is damaged"
        raise ScanFileError(path, f"not a readable Excel 97 workbook ({detail})",
                            "The file is truncated or damaged: copy or export it again from "
                            "footscan") from None
    finally:
        if log.getvalue():
            logger.debug("xlrd on %s: %s", path, log.getvalue().strip())


def read(path: Path, *, pitch_mm: object = None, rate_hz: object = None) -> Recording:
    """Read the first foot of a footscan roll-off export."""
    sheet = _open_sheet(path)
    col0 = sheet.col_values(0)
    title = str(col0[0]) if col0 else ""
    if "Roll off" not in title and "Roll Off" not in title:
        raise ScanFileError(path, "this workbook is not a footscan 'Dynamic Roll off' export",
                            line=1)

    def number_after(label: str, start: int, lo: int) -> int:
        for i in range(start, min(start + 30, len(col0) - 1)):
            if str(col0[i]).strip().lower() == label.lower():
                return checks.count(path, col0[i + 1], f"'{label}'", lo=lo, line=i + 2)
        raise ScanFileError(path, f"no '{label}' in the foot's header", line=start + 1)

    start = next((i for i, v in enumerate(col0) if str(v).endswith("foot data")), None)
    if start is None:
        raise ScanFileError(path, "no 'Right foot data' or 'Left foot data' section")
    side = str(col0[start]).split()[0].lower()
    width = number_after("Rectangle width", start, 1)
    height = number_after("Rectangle height", start, 1)
    left = number_after("Rectangle left", start, 0)
    bottom = number_after("Rectangle bottom", start, 0)
    frames, times, starts = [], [], []
    i = start
    n = len(col0)
    while i < n:
        label = str(col0[i])
        m = _FRAME.match(label)
        if m is None:
            if label.endswith("foot data") and i > start:
                break  # the other foot follows
            i += 1
            continue
        block = []
        for r in range(i + 1, i + 1 + height):
            if r >= n:
                raise ScanFileError(path, f"frame {m.group(1)} is cut short", line=i + 1)
            row = sheet.row_values(r, 0, width)
            try:
                block.append([float(v) for v in row])
            except (TypeError, ValueError):
                raise ScanFileError(path, f"frame {m.group(1)}: a value is not a number",
                                    line=r + 1) from None
            if len(row) != width:
                raise ScanFileError(path, f"frame {m.group(1)}: a row has {len(row)} values, "
                                    f"the rectangle is {width} wide", line=r + 1)
        frames.append(block)
        times.append(checks.number(path, m.group(2), f"frame {m.group(1)}'s time (ms)",
                                   line=i + 1) / 1000.0)
        starts.append(i + 1)
        i += 1 + height
    if not frames:
        raise ScanFileError(path, f"the {side} foot section holds no frame")
    # The sheet lists the rectangle's rows from the plate's bottom edge up (the rectangle is
    # placed by its bottom): flipped, the image is seen from above with the walk toward row 0,
    # and the sample's foot then reads as the right foot its header names.
    newtons = checks.pressures(path, np.asarray(frames, np.float64),
                               line_of=lambda k: starts[k[0]] + 1 + k[1])[:, ::-1, :]
    return _recording(path, newtons, times, {"source": {
        "file": Path(path).name, "format": "footscan-xls", "side": side,
        "rectangle": {"left": left, "bottom": bottom, "width": width, "height": height},
        "title": title, "patient": str(col0[1]) if n > 1 else "",
        "date": str(col0[2]) if n > 2 else "", "units": "N per sensor"}})
