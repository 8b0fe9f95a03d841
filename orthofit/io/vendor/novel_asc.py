"""Novel pliance and pedar ``.asc`` exports (FORMATS.md section 3).

Both start with a header (file name, sensor or mat type, ``scanning rate [Hz]``, ``pressure
values in kPa``) and a table: a ``time[secs]`` column and one column per sensor.

- **pliance** (mats): the file also gives each sensor's corners (``sensor`` / ``corner[cm]``
  block), and its sensors are equal rectangles on a lattice. They are placed on that grid (the
  largest y, the far end of the mat, in row 0) with the missing ones marked invalid, and the
  COP/force block of the export is kept to check against.
- **pedar** (insoles): 99 sensors per insole, left then right, and no sensor positions in the
  file. Without positions nothing that needs geometry can be measured (footprint indices,
  COP, CPEI, regions); the recording is marked as a sensor layout and the analysis reports per
  insole what the pressures alone give (steps, stance times, peak and mean pressure,
  pressure-time integral) and says what it cannot.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from orthofit.errors import ScanFileError
from orthofit.io.vendor.numtext import NumberTextError, parse_numbers
from orthofit.model import Recording, RecordingError

_RATE = re.compile(r"scanning rate \[Hz\]:\s*([\d.]+)")


def sniff(head: bytes, path: Path) -> bool:
    """Novel .asc: ``file name:`` first, and a pedar sensor or pliance mat type."""
    return head.startswith(b"file name:") and (b"sensor type:" in head or b"mat type" in head)


def _table(path: Path, lines: list[str], start: int) -> tuple[list[str], np.ndarray, int]:
    """The ``time[secs]`` table from line ``start``: sensor names, values (T, 1 + N), end."""
    names = lines[start].split()[1:]
    end = start + 1
    while end < len(lines) and lines[end].strip() and \
            re.match(r"^\s*[\d.]+\s", lines[end]) is not None:
        end += 1
    text = "\n".join(lines[start + 1:end]).encode("ascii", errors="replace")
    try:
        values = parse_numbers(text)
    except NumberTextError as exc:
        raise ScanFileError(path, f"the pressure table holds {exc}",
                            line=start + 2 + text.count(b"\n", 0, exc.offset)) from None
    width = len(names) + 1
    if values.size % width:
        raise ScanFileError(path, f"the pressure table rows do not all have {width} columns",
                            line=start + 1)
    return names, values.reshape(-1, width), end


def read(path: Path, *, pitch_mm: object = None, rate_hz: object = None) -> Recording:
    """Read a pliance (grid) or pedar (sensor layout) export."""
    text = Path(path).read_bytes().decode("latin-1")
    lines = text.splitlines()
    header = "\n".join(lines[:12])
    if "kPa" not in header:
        raise ScanFileError(path, "the header does not say 'pressure values in kPa'",
                            "Export pressures in kPa", line=4)
    rate = _RATE.search(header)
    start = next((i for i, ln in enumerate(lines) if ln.strip().startswith("time[secs]")), None)
    if rate is None or start is None:
        raise ScanFileError(path, "no 'scanning rate [Hz]' or no 'time[secs]' table")
    names, table, end = _table(path, lines, start)
    if table.shape[0] == 0:
        raise ScanFileError(path, "the pressure table is empty", line=start + 1)
    times = table[:, 0] - table[0, 0]
    kpa = np.maximum(table[:, 1:], 0.0)
    source = {"file": Path(path).name, "rate_hz": float(rate.group(1)),
              "type": lines[1].split(":", 1)[-1].strip() if len(lines) > 1 else ""}
    if "mat type" in header:
        return _pliance(path, lines, names, kpa, times, end, source)
    return _pedar(path, lines, names, kpa, times, source)


def _pliance(path: Path, lines: list[str], names: list[str], kpa: np.ndarray,
             times: np.ndarray, end: int, source: dict) -> Recording:
    layout = next((i for i in range(end, len(lines)) if lines[i].startswith("sensor ")), None)
    if layout is None:
        raise ScanFileError(path, "a pliance export needs the sensor corner block "
                            "('sensor' / 'corner[cm]') to place its sensors")
    ids = lines[layout].split()[1:]
    corners: dict[str, np.ndarray] = {}
    for ln in lines[layout + 1:layout + 14]:
        parts = ln.split()
        if parts and re.match(r"[xy]\[[0-9c]\]", parts[0]):
            corners[parts[0]] = np.array(parts[1:], float)
    try:
        xc, yc = corners["x[c]"], corners["y[c]"]
        w = float(np.median(corners["x[2]"] - corners["x[0]"]))
        h = float(np.median(corners["y[0]"] - corners["y[1]"]))
    except KeyError:
        raise ScanFileError(path, "the sensor corner block lacks x[c], y[c] or corners",
                            line=layout + 1) from None
    cols = np.rint((xc - xc.min()) / w).astype(int)
    rows = np.rint((yc.max() - yc) / h).astype(int)  # far end of the mat in row 0
    if not (np.allclose(cols * w, xc - xc.min(), atol=0.05 * w)
            and np.allclose(rows * h, yc.max() - yc, atol=0.05 * h)):
        raise ScanFileError(path, "the pliance sensors do not lie on a regular grid",
                            line=layout + 1)
    where = {sid: (r, c) for sid, r, c in zip(ids, rows, cols, strict=True)}
    missing = [n for n in names if n not in where]
    if missing:
        raise ScanFileError(path, f"sensor {missing[0]} has no corners in the layout block",
                            line=layout + 1)
    grid = np.zeros((kpa.shape[0], rows.max() + 1, cols.max() + 1), np.float32)
    valid = np.zeros(grid.shape[1:], bool)
    rr = np.array([where[n][0] for n in names])
    cc = np.array([where[n][1] for n in names])
    grid[:, rr, cc] = kpa
    valid[rr, cc] = True
    try:
        return Recording(grid, times, (h * 10.0, w * 10.0),
                         profile={"name": "novel-pliance", "rows": grid.shape[1],
                                  "cols": grid.shape[2]},
                         valid=valid,
                         metadata={"source": {**source, "format": "novel-pliance-asc"}})
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc


def _pedar(path: Path, lines: list[str], names: list[str], kpa: np.ndarray,
           times: np.ndarray, source: dict) -> Recording:
    n = kpa.shape[1]
    if n % 2:
        raise ScanFileError(path, f"{n} sensor columns: expected a left and a right insole")
    half = n // 2
    # One row per insole: left (sensors 1-99) and right; the columns are the sensors.
    frames = np.stack([kpa[:, :half], kpa[:, half:]], axis=1).astype(np.float32)
    try:
        return Recording(frames, times, 1.0,
                         profile={"name": "novel-pedar", "layout": "sensors", "in_shoe": True,
                                  "rows_are": ["left", "right"], "sensors_per_insole": half},
                         mode="walk",
                         metadata={"source": {**source, "format": "novel-pedar-asc",
                                              "sensors_per_insole": half}})
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc
