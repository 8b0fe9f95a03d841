"""Tekscan exports: F-Scan ``.asf`` and I-Scan ``.csv`` (FORMATS.md section 3).

``KEY value`` header lines (``ROWS``, ``COLS``, ``ROW_SPACING 5.08 mm`` or ``0.127
centimeters``, ``SECONDS_PER_FRAME``, ``UNITS`` KPa / PSI / raw, ``MIRROR_ROW`` /
``MIRROR_COL``...), then after ``ASCII_DATA @@`` a ``Frame N`` line followed by ROWS lines of
comma-separated values per frame; ``B`` marks a sensel outside the trimmed sensor; a line
``@@`` closes the data. The values are parsed by numpy in one pass over the data section.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from orthofit.errors import ScanFileError
from orthofit.io.vendor import checks
from orthofit.io.vendor.numtext import NumberTextError, parse_numbers
from orthofit.model import Recording, RecordingError

PSI_TO_KPA = 6.89476
_UNIT_MM = {"mm": 1.0, "millimeters": 1.0, "cm": 10.0, "centimeters": 10.0, "inches": 25.4,
            "in": 25.4, "m": 1000.0}
_FRAME = re.compile(rb"^Frame\s+(\d+)", re.MULTILINE)
_FRAME_LINE = re.compile(rb"^Frame[^\n]*\n?", re.MULTILINE)


def sniff(head: bytes, path: Path) -> bool:
    """Tekscan exports start with ``DATA_TYPE`` and name Tekscan in their header."""
    text = head.lstrip(b"\xef\xbb\xbf")
    return text.startswith(b"DATA_TYPE") and b"ASCII_DATA" in head or \
        (text.startswith(b"DATA_TYPE") and b"Tekscan" in head)


def _length_mm(path: Path, text: str, key: str, line: int | None) -> float:
    parts = text.split()
    try:
        value = float(parts[0])
        unit = parts[1].lower() if len(parts) > 1 else "mm"
        mm = value * _UNIT_MM[unit]
    except (ValueError, KeyError, IndexError):
        raise ScanFileError(path, f"{key} {text!r} is not a length in mm, cm or inches",
                            line=line) from None
    return checks.pitch_mm(path, mm, f"{key} {text}", line=line)


def read(path: Path, *, pitch_mm: object = None, rate_hz: object = None) -> Recording:
    """Read a Tekscan ASCII movie.

    A file cut short (no closing ``@@``, as when a copy or a download stopped) keeps every
    complete frame; the unfinished frame at the cut is dropped and the recording's
    ``metadata["warning"]`` says so.
    """
    data = Path(path).read_bytes()
    start = data.find(b"ASCII_DATA @@")
    if start < 0:
        raise ScanFileError(path, "no 'ASCII_DATA @@' line: the frames are missing",
                            "Export the movie as ASCII from the Tekscan software")
    header: dict[str, str] = {}
    where: dict[str, int] = {}  # the line of each header key, for messages
    for i, line in enumerate(data[:start].decode("latin-1").splitlines()):
        key, _, value = line.strip().partition(" ")
        if key and key.isupper():
            header[key] = value.strip()
            where[key] = i + 1
    missing = [k for k in ("ROWS", "COLS", "SECONDS_PER_FRAME") if k not in header]
    if missing:
        raise ScanFileError(path, f"the header lacks {missing[0]} (ROWS, COLS and "
                            "SECONDS_PER_FRAME are needed)", "Export the movie as ASCII "
                            "from the Tekscan software with its header")
    rows = checks.count(path, header["ROWS"], "ROWS", line=where["ROWS"])
    cols = checks.count(path, header["COLS"], "COLS", line=where["COLS"])
    spf = checks.number(path, header["SECONDS_PER_FRAME"], "SECONDS_PER_FRAME",
                        line=where["SECONDS_PER_FRAME"])
    checks.rate_hz(path, 1.0 / spf if spf > 0 else math.inf,
                   f"SECONDS_PER_FRAME {header['SECONDS_PER_FRAME']}",
                   line=where["SECONDS_PER_FRAME"])
    row_mm = _length_mm(path, header.get("ROW_SPACING", "5.08 mm"), "ROW_SPACING",
                        where.get("ROW_SPACING"))
    col_mm = _length_mm(path, header.get("COL_SPACING", "5.08 mm"), "COL_SPACING",
                        where.get("COL_SPACING"))
    try:
        promised = int(header["END_FRAME"]) - int(header.get("START_FRAME", "1")) + 1
    except (KeyError, ValueError):
        promised = None
    if promised is not None:
        checks.size(path, promised, rows, cols, line=where["END_FRAME"])
    body = data[start:]
    # The data section ends with a line of '@@'; without it the file was cut short, and the
    # text after the last line break is an unfinished line (a value there may be cut too).
    close = re.search(rb"^@@\s*$", body[len(b"ASCII_DATA @@"):], re.MULTILINE)
    cut = close is None
    if cut:
        body = body[:body.rfind(b"\n") + 1]
    else:
        body = body[:len(b"ASCII_DATA @@") + close.start()]
    marks = list(_FRAME.finditer(body))
    if not marks:
        raise ScanFileError(path, "no 'Frame N' line after ASCII_DATA @@",
                            "The export is truncated or garbled")
    head_lines = data[:start].count(b"\n")

    def frame_line(i: int) -> int:
        return head_lines + body.count(b"\n", 0, marks[i].start()) + 1

    numbers = []
    for i, m in enumerate(marks):
        n = int(m.group(1)) if len(m.group(1)) <= 9 else -1
        if n < 0 or (numbers and n <= numbers[-1]):
            raise ScanFileError(path, f"frame number {m.group(1).decode()} does not follow "
                                f"frame {numbers[-1] if numbers else '(none)'}",
                                "The export is garbled", line=frame_line(i))
        numbers.append(n)
    values = _values(body[marks[0].start():])
    dropped = None  # the number of the unfinished frame dropped at a cut
    if values is None or values.size != len(marks) * rows * cols:
        # A cut file: keep the complete frames before the one the cut fell in.
        if cut and len(marks) > 1:
            values = _values(body[marks[0].start():marks[-1].start()])
            if values is not None and values.size == (len(marks) - 1) * rows * cols:
                dropped = numbers[-1]
                marks, numbers = marks[:-1], numbers[:-1]
        if dropped is None:
            _find_bad_frame(path, body, marks, rows, cols, frame_line, cut)
    frames = checks.pressures(path, values.reshape(len(marks), rows, cols),
                              line_of=lambda i: frame_line(i[0]) + 1 + i[1], nan_ok=True)
    metadata = {"source": {"file": Path(path).name, "format": "tekscan-ascii",
                           "sensor_type": header.get("SENSOR_TYPE"),
                           "version": header.get("VERSION"), "units": header.get("UNITS"),
                           "noise_threshold": header.get("NOISE_THRESHOLD"),
                           "saturation": header.get("SATURATION_PRESSURE"),
                           "time": header.get("TIME"),
                           "comments": header.get("COMMENTS:")}}
    if promised is not None and promised > len(marks) and not cut:
        raise ScanFileError(path, f"the header promises {promised} frames (START_FRAME to "
                            f"END_FRAME) but the file holds {len(marks)}",
                            "The export is truncated", line=head_lines + 1)
    if cut:
        metadata["source"]["truncated"] = True
        metadata["source"]["dropped_frames"] = 0 if dropped is None else 1
        kept = f"{len(marks)} complete frame{'s' if len(marks) > 1 else ''}"
        if promised:
            kept += f" (its header promises {promised})"
        lost = "" if dropped is None else f"; the unfinished frame {dropped} was dropped"
        checks.add_warning(metadata, f"the file is cut short (no closing '@@'): {kept} "
                           f"read{lost}")
    valid = ~np.isnan(frames[0])
    frames = np.nan_to_num(frames, nan=0.0)
    units = header.get("UNITS", "KPa").strip().lower()
    if units == "psi":
        frames = frames * np.float32(PSI_TO_KPA)
    elif units == "raw":
        checks.add_warning(metadata, "values are raw sensor units, not kPa: the export was "
                           "not calibrated; pressures and forces are relative only")
    elif units != "kpa":
        raise ScanFileError(path, f"UNITS {header.get('UNITS')!r} is not KPa, PSI or raw",
                            line=where.get("UNITS"))
    if header.get("MIRROR_ROW", "0").strip() == "1":
        frames, valid = frames[:, ::-1], valid[::-1]
    if header.get("MIRROR_COL", "0").strip() == "1":
        frames, valid = frames[:, :, ::-1], valid[:, ::-1]
    in_shoe = (header.get("SENSOR_TYPE") or "").upper().startswith("FSCAN")
    mode = "walk" if in_shoe else "unknown"
    try:
        return Recording(np.ascontiguousarray(frames, np.float32),
                         (np.asarray(numbers) - numbers[0]) * spf, (row_mm, col_mm),
                         profile={"name": f"tekscan-{(header.get('SENSOR_TYPE') or '').lower()}",
                                  "rows": rows, "cols": cols, "in_shoe": in_shoe},
                         mode=mode, valid=np.ascontiguousarray(valid), metadata=metadata)
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc


def _values(text: bytes) -> np.ndarray | None:
    """Every value of the frames in ``text`` ('B', outside the sensor, as NaN), or None."""
    # Drop the 'Frame N ...' lines (the CSV variant adds a timestamp there), then parse every
    # value at once.
    try:
        return parse_numbers(_FRAME_LINE.sub(b"", text), nan_token=b"B")
    except NumberTextError:
        return None


def _find_bad_frame(path: Path, body: bytes, marks: list[re.Match], rows: int, cols: int,
                    frame_line: Callable[[int], int], cut: bool) -> None:
    """Raise the ScanFileError of the first frame that does not parse or has too few values."""
    # The slow path only runs on a broken file: find the first bad frame and its line.
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
        chunk = body[m.start():end]
        chunk = chunk[chunk.find(b"\n") + 1:] if b"\n" in chunk else b""
        try:
            got = parse_numbers(chunk, nan_token=b"B").size
        except NumberTextError as exc:
            raise ScanFileError(path, f"frame {m.group(1).decode()}: {exc}",
                                "The export is garbled", line=frame_line(i) + 1 +
                                chunk.count(b"\n", 0, exc.offset)) from None
        if got != rows * cols:
            raise ScanFileError(path, f"frame {m.group(1).decode()} has {got} "
                                f"values; the header promises {rows} x {cols}",
                                "The export is truncated" if cut and i == len(marks) - 1
                                else "The export is truncated or garbled",
                                line=frame_line(i))
    raise ScanFileError(path, f"the frames do not hold {len(marks)} x {rows} x {cols} values",
                        "The export is garbled")
