"""Checks on the numbers vendor files declare, made where they are read, before any allocation.

A damaged or crafted header must give a :class:`~orthofit.errors.ScanFileError` that names the
file, the line and the field, never an ``OverflowError`` from ``int(float("inf"))`` or an array
of gigabytes from ``Rows 100000``. The ranges hold every pressure plate and insole sold today
with a wide margin.
"""

from __future__ import annotations

import math
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import numpy as np

from orthofit.errors import ScanFileError
from orthofit.model import MAX_SENSELS, PITCH_MM_RANGE, RATE_HZ_RANGE

# The ranges are the recording model's (one place says what a recording can be).
PITCH_MM = PITCH_MM_RANGE
RATE_HZ = RATE_HZ_RANGE
GRID = (1, MAX_SENSELS)
#: Most values (frames x rows x columns) a text export's header may declare, lower than the
#: model's limit for any recording: 2**28 float32 values are 1 GiB, ten minutes at 100 Hz of
#: a 4,400-sensel walkway, and as text several GB; more is a damaged or crafted header.
MAX_VALUES = 2**28
#: Largest magnitude accepted as a pressure (kPa or raw counts); 1e9 kPa is a thousand times
#: what steel yields at, so only a damaged file holds more, and float32 stays finite.
MAX_PRESSURE = 1e9


def number(path: str | Path, text: object, what: str, *, line: int | None = None) -> float:
    """``text`` as a finite float, or a ScanFileError naming ``what``.

    Examples
    --------
    >>> number("a.csv", " 0.5 ", "the sensel width")
    0.5
    >>> number("a.csv", "inf", "the sensel width", line=3)
    Traceback (most recent call last):
    ...
    orthofit.errors.ScanFileError: a.csv, line 3: the sensel width 'inf' is not a number...
    """
    raw = str(text).strip()
    try:
        # float() takes Python's "1_000"; no vendor writes that, so it is damage.
        value = float(raw) if "_" not in raw else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ScanFileError(path, f"{what} {raw!r} is not a number",
                            "The export is damaged; export it again from the vendor's "
                            "software", line=line)
    return value


def count(path: str | Path, text: object, what: str, *, lo: int = GRID[0], hi: int = GRID[1],
          line: int | None = None) -> int:
    """``text`` as a whole number in ``[lo, hi]`` (rows, columns, sizes), or a ScanFileError.

    Examples
    --------
    >>> count("a.asf", "60", "ROWS")
    60
    >>> count("a.asf", "60000", "ROWS", line=9)
    Traceback (most recent call last):
    ...
    orthofit.errors.ScanFileError: a.asf, line 9: ROWS 60000 is not between 1 and 4096...
    """
    value = number(path, text, what, line=line)
    if not value.is_integer():
        raise ScanFileError(path, f"{what} {str(text).strip()!r} is not a whole number",
                            "The export is damaged; export it again", line=line)
    if not lo <= value <= hi:
        raise ScanFileError(path, f"{what} {int(value)} is not between {lo} and {hi}",
                            "The header is damaged; export the file again", line=line)
    return int(value)


def pitch_mm(path: str | Path, value: float, what: str, *, line: int | None = None) -> float:
    """A sensel size in mm within 0.5-50 mm, or a ScanFileError."""
    if not (math.isfinite(value) and PITCH_MM[0] <= value <= PITCH_MM[1]):
        raise ScanFileError(path, f"{what} gives a sensel of {value:g} mm; a pressure sensor's "
                            f"sensels measure {PITCH_MM[0]:g} to {PITCH_MM[1]:g} mm",
                            "The header is damaged or in another unit; export the file again",
                            line=line)
    return value


def rate_hz(path: str | Path, value: float, what: str, *, line: int | None = None) -> float:
    """A frame rate in Hz within 1-2000 Hz, or a ScanFileError."""
    if not (math.isfinite(value) and RATE_HZ[0] <= value <= RATE_HZ[1]):
        raise ScanFileError(path, f"{what} gives {value:g} frames a second; pressure systems "
                            f"record {RATE_HZ[0]:g} to {RATE_HZ[1]:g}",
                            "The header is damaged; export the file again", line=line)
    return value


def size(path: str | Path, frames: int, rows: int, cols: int, *,
         line: int | None = None) -> None:
    """Refuse a declared recording of more than :data:`MAX_VALUES` values before allocating it."""
    total = int(frames) * int(rows) * int(cols)
    if total > MAX_VALUES:
        raise ScanFileError(path, f"the file declares {frames} frames of {rows} x {cols} "
                            f"sensels ({total:,} values), more than any recording holds "
                            f"({MAX_VALUES:,})", "The header is damaged; export the file again",
                            line=line)


def pressures(path: str | Path, values: np.ndarray, *,
              line_of: Callable[[tuple[int, ...]], int | None] | None = None,
              nan_ok: bool = False) -> np.ndarray:
    """``values`` as float32 once every one is finite and below :data:`MAX_PRESSURE`.

    ``line_of`` turns the index of the first bad value into its line in the file; ``nan_ok``
    lets NaN through (a format's mark for a sensel outside the sensor).

    Examples
    --------
    >>> pressures("a.csv", np.array([[0.0, 12.5]])).dtype
    dtype('float32')
    >>> pressures("a.csv", np.array([[0.0, 1e12]]), line_of=lambda i: 10 + i[0])
    Traceback (most recent call last):
    ...
    orthofit.errors.ScanFileError: a.csv, line 10: a value of 1e+12 is not a plausible pressure...
    """
    values = np.asarray(values, dtype=np.float64)
    bad = ~(np.abs(values) < MAX_PRESSURE)  # NaN too, unless allowed
    if nan_ok:
        bad &= ~np.isnan(values)
    if bad.any():
        index = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), values.shape))
        raise ScanFileError(path, f"a value of {values[index]:g} is not a plausible pressure",
                            "The export is damaged; export it again",
                            line=line_of(index) if line_of else None)
    return values.astype(np.float32)


def add_warning(metadata: MutableMapping[str, Any], text: str) -> None:
    """Add ``text`` to ``metadata["warning"]``, the note the analysis repeats to the user."""
    old = metadata.get("warning")
    metadata["warning"] = f"{old}; {text}" if old else text
