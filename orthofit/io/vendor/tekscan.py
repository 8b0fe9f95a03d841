"""Tekscan exports: F-Scan ``.asf`` and I-Scan ``.csv`` (FORMATS.md section 3).

``KEY value`` header lines (``ROWS``, ``COLS``, ``ROW_SPACING 5.08 mm`` or ``0.127
centimeters``, ``SECONDS_PER_FRAME``, ``UNITS`` KPa / PSI / raw, ``MIRROR_ROW`` /
``MIRROR_COL``...), then after ``ASCII_DATA @@`` a ``Frame N`` line followed by ROWS lines of
comma-separated values per frame; ``B`` marks a sensel outside the trimmed sensor; a line
``@@`` closes the data. The values are parsed by numpy in one pass over the data section.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from orthofit.errors import ScanFileError
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


def _length_mm(path: Path, text: str, key: str) -> float:
    parts = text.split()
    try:
        value = float(parts[0])
        unit = parts[1].lower() if len(parts) > 1 else "mm"
        return value * _UNIT_MM[unit]
    except (ValueError, KeyError, IndexError):
        raise ScanFileError(path, f"{key} {text!r} is not a length in mm, cm or inches") \
            from None


def read(path: Path, *, pitch_mm: object = None, rate_hz: object = None) -> Recording:
    """Read a Tekscan ASCII movie."""
    data = Path(path).read_bytes()
    start = data.find(b"ASCII_DATA @@")
    if start < 0:
        raise ScanFileError(path, "no 'ASCII_DATA @@' line: the frames are missing",
                            "Export the movie as ASCII from the Tekscan software")
    header: dict[str, str] = {}
    for line in data[:start].decode("latin-1").splitlines():
        key, _, value = line.strip().partition(" ")
        if key and key.isupper():
            header[key] = value.strip()
    try:
        rows, cols = int(header["ROWS"]), int(header["COLS"])
        spf = float(header["SECONDS_PER_FRAME"])
    except (KeyError, ValueError) as exc:
        raise ScanFileError(path, f"the header lacks a readable {exc} (ROWS, COLS and "
                            "SECONDS_PER_FRAME are needed)") from exc
    row_mm = _length_mm(path, header.get("ROW_SPACING", "5.08 mm"), "ROW_SPACING")
    col_mm = _length_mm(path, header.get("COL_SPACING", "5.08 mm"), "COL_SPACING")
    body = data[start:]
    # The data section ends with a line of '@@'.
    close = re.search(rb"^@@\s*$", body[len(b"ASCII_DATA @@"):], re.MULTILINE)
    if close is not None:
        body = body[:len(b"ASCII_DATA @@") + close.start()]
    marks = list(_FRAME.finditer(body))
    if not marks:
        raise ScanFileError(path, "no 'Frame N' line after ASCII_DATA @@")
    head_lines = data[:start].count(b"\n")
    # Drop the 'Frame N ...' lines (the CSV variant adds a timestamp there), then parse every
    # value at once; 'B' (outside the sensor) becomes NaN.
    values_text = _FRAME_LINE.sub(b"", body[marks[0].start():])
    try:
        values = parse_numbers(values_text, nan_token=b"B")
    except NumberTextError:
        values = None
    if values is None or values.size != len(marks) * rows * cols:
        # The slow path only runs on a broken file: find the first bad frame and its line.
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
            frame_line = head_lines + body[:m.start()].count(b"\n") + 1
            chunk = body[m.start():end]
            chunk = chunk[chunk.find(b"\n") + 1:] if b"\n" in chunk else b""
            try:
                got = parse_numbers(chunk, nan_token=b"B").size
            except NumberTextError as exc:
                raise ScanFileError(path, f"frame {m.group(1).decode()}: {exc}",
                                    "The export is garbled", line=frame_line + 1 +
                                    chunk.count(b"\n", 0, exc.offset)) from None
            if got != rows * cols:
                raise ScanFileError(path, f"frame {m.group(1).decode()} has {got} "
                                    f"values; the header promises {rows} x {cols}",
                                    "The export is truncated or garbled", line=frame_line)
        raise ScanFileError(path, f"the frames hold {values.size} values, not "
                            f"{len(marks)} x {rows} x {cols}")
    try:
        promised = int(header["END_FRAME"]) - int(header.get("START_FRAME", "1")) + 1
    except (KeyError, ValueError):
        promised = None
    if promised is not None and promised > len(marks):
        raise ScanFileError(path, f"the header promises {promised} frames (START_FRAME to "
                            f"END_FRAME) but the file holds {len(marks)}",
                            "The export is truncated", line=head_lines + 1)
    frames = values.reshape(len(marks), rows, cols)
    valid = ~np.isnan(frames[0])
    frames = np.nan_to_num(frames, nan=0.0)
    units = header.get("UNITS", "KPa").strip().lower()
    metadata = {"source": {"file": Path(path).name, "format": "tekscan-ascii",
                           "sensor_type": header.get("SENSOR_TYPE"),
                           "version": header.get("VERSION"), "units": header.get("UNITS"),
                           "noise_threshold": header.get("NOISE_THRESHOLD"),
                           "saturation": header.get("SATURATION_PRESSURE"),
                           "time": header.get("TIME"),
                           "comments": header.get("COMMENTS:")}}
    if units == "psi":
        frames = frames * PSI_TO_KPA
    elif units == "raw":
        metadata["warning"] = ("values are raw sensor units, not kPa: the export was not "
                               "calibrated; pressures and forces are relative only")
    elif units != "kpa":
        raise ScanFileError(path, f"UNITS {header.get('UNITS')!r} is not KPa, PSI or raw")
    if header.get("MIRROR_ROW", "0").strip() == "1":
        frames, valid = frames[:, ::-1], valid[::-1]
    if header.get("MIRROR_COL", "0").strip() == "1":
        frames, valid = frames[:, :, ::-1], valid[:, ::-1]
    in_shoe = (header.get("SENSOR_TYPE") or "").upper().startswith("FSCAN")
    mode = "walk" if in_shoe else "unknown"
    try:
        return Recording(np.ascontiguousarray(frames, np.float32),
                         np.arange(len(marks)) * spf, (row_mm, col_mm),
                         profile={"name": f"tekscan-{(header.get('SENSOR_TYPE') or '').lower()}",
                                  "rows": rows, "cols": cols, "in_shoe": in_shoe},
                         mode=mode, valid=np.ascontiguousarray(valid), metadata=metadata)
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc
