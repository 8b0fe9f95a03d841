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
from orthofit.io.vendor import checks
from orthofit.io.vendor.numtext import NumberTextError, parse_numbers
from orthofit.model import Recording, RecordingError

_RATE = re.compile(r"scanning rate \[Hz\]:\s*([\d.,]+)")
_SUMMARY = re.compile(r"\s*[A-Za-z]+\s")  # MPP, MVP... rows that close the table


def sniff(head: bytes, path: Path) -> bool:
    """Novel .asc: ``file name:`` first, and a pedar sensor or pliance mat type."""
    return head.startswith(b"file name:") and (b"sensor type:" in head or b"mat type" in head)


def _decimal_comma(path: Path, lines: list[str], first: int, last: int) -> bool:
    """Whether lines ``first`` to ``last`` write decimal commas (a European export).

    The columns are separated by blanks, so a comma can only be a decimal mark; a file that
    mixes both marks is refused at the first value that differs from the rest.
    """
    commas = [k for k in range(first, last) if "," in lines[k]]
    if not commas:
        return False
    dots = next((k for k in range(first, last) if "." in lines[k]), None)
    if dots is None:
        return True
    # Mixed: the minority mark is the damage (a hand edit, a bad conversion).
    odd, mark = (commas[0], ",") if len(commas) <= last - first - len(commas) else (dots, ".")
    value = next(t for t in lines[odd].split() if mark in t)
    raise ScanFileError(path, f"the value {value!r} is written with a decimal "
                        f"{'comma' if mark == ',' else 'point'}, the rest of the table with "
                        f"decimal {'points' if mark == ',' else 'commas'}",
                        "Export the file again with one decimal separator throughout",
                        line=odd + 1)


def _table(path: Path, lines: list[str], start: int, cut: bool
           ) -> tuple[list[str], np.ndarray, int, bool, bool]:
    """The ``time[secs]`` table from line ``start``.

    Returns the sensor names, the values (T, 1 + N), the line after the table, whether the
    file writes decimal commas and whether an unfinished last row (a cut file) was dropped.
    """
    names = lines[start].split()[1:]
    if not names:
        raise ScanFileError(path, "the time[secs] line names no sensor column", line=start + 1)
    # The table runs to the first blank line; summary rows (MPP, MVP) may close it. A garbled
    # row stays in the table, so its line is reported instead of the rows after it being lost.
    end = start + 1
    while end < len(lines) and lines[end].strip():
        end += 1
    stop = next((k for k in range(start + 1, end) if _SUMMARY.match(lines[k])), end)
    dropped = cut and stop == len(lines) and stop > start + 2
    if dropped:
        stop -= 1  # the file ends inside this row: a value in it may be cut
    comma = _decimal_comma(path, lines, start + 1, stop)
    text = "\n".join(lines[start + 1:stop])
    if comma:
        text = text.replace(",", ".")
    data = text.encode("ascii", errors="replace")
    try:
        values = parse_numbers(data)
    except NumberTextError as exc:
        raise ScanFileError(path, f"the pressure table holds {exc}", "The export is garbled",
                            line=start + 2 + data.count(b"\n", 0, exc.offset)) from None
    width = len(names) + 1
    if values.size % width:
        k = next((k for k in range(start + 1, stop) if len(lines[k].split()) != width), start)
        raise ScanFileError(path, f"a row of the pressure table has "
                            f"{len(lines[k].split())} values, not the {width} its first line "
                            "names (time and sensors)", "The export is garbled", line=k + 1)
    return names, values.reshape(-1, width), stop + dropped, comma, dropped


def read(path: Path, *, pitch_mm: object = None, rate_hz: object = None) -> Recording:
    """Read a pliance (grid) or pedar (sensor layout) export.

    European exports with decimal commas are read like the others. A file cut inside its
    pressure table keeps every complete row (``metadata["warning"]`` says what was dropped).
    """
    text = Path(path).read_bytes().decode("latin-1")
    lines = text.splitlines()
    header = "\n".join(lines[:12])
    if "kPa" not in header:
        raise ScanFileError(path, "the header does not say 'pressure values in kPa'",
                            "Export pressures in kPa", line=4)
    rate = _RATE.search(header)
    start = next((i for i, ln in enumerate(lines) if ln.strip().startswith("time[secs]")), None)
    if rate is None or start is None:
        raise ScanFileError(path, "no 'scanning rate [Hz]' or no 'time[secs]' table",
                            "Export the measurement again as ASCII from the Novel software")
    cut = bool(text) and not text.endswith(("\n", "\r"))
    names, table, end, comma, dropped = _table(path, lines, start, cut)
    if table.shape[0] == 0:
        raise ScanFileError(path, "the pressure table is empty", line=start + 1)
    rate_line = header.count("\n", 0, rate.start()) + 1
    rate_text = rate.group(1).replace(",", ".") if comma else rate.group(1)
    checks.rate_hz(path, checks.number(path, rate_text, "scanning rate [Hz]", line=rate_line),
                   "scanning rate [Hz]", line=rate_line)
    step = np.diff(table[:, 0])
    if np.any(step <= 0):
        k = int(np.flatnonzero(step <= 0)[0])
        raise ScanFileError(path, f"the time {table[k + 1, 0]:g} s does not come after "
                            f"{table[k, 0]:g} s", "The export is garbled", line=start + k + 3)
    times = table[:, 0] - table[0, 0]
    kpa = checks.pressures(path, np.maximum(table[:, 1:], 0.0),
                           line_of=lambda i: start + 2 + i[0])
    source = {"file": Path(path).name, "rate_hz": float(rate_text),
              "type": lines[1].split(":", 1)[-1].strip() if len(lines) > 1 else ""}
    if comma:
        source["decimal_comma"] = True
    metadata: dict = {}
    if dropped:
        source["truncated"] = True
        source["dropped_frames"] = 1
        checks.add_warning(metadata, f"the file is cut short inside its pressure table: "
                           f"{table.shape[0]} complete rows read, the unfinished last row "
                           "dropped")
    if "mat type" in header:
        return _pliance(path, lines, names, kpa, times, end, source, metadata, comma)
    return _pedar(path, lines, names, kpa, times, source, metadata)


def _pliance(path: Path, lines: list[str], names: list[str], kpa: np.ndarray,
             times: np.ndarray, end: int, source: dict, metadata: dict,
             comma: bool) -> Recording:
    layout = next((i for i in range(end, len(lines)) if lines[i].startswith("sensor ")), None)
    if layout is None:
        raise ScanFileError(path, "a pliance export needs the sensor corner block "
                            "('sensor' / 'corner[cm]') to place its sensors",
                            "Export the measurement again with the sensor geometry")
    ids = lines[layout].split()[1:]
    corners: dict[str, np.ndarray] = {}
    for k in range(layout + 1, min(layout + 14, len(lines))):
        parts = lines[k].split()
        if parts and re.match(r"[xy]\[[0-9c]\]", parts[0]):
            row = " ".join(parts[1:])
            try:
                corners[parts[0]] = parse_numbers((row.replace(",", ".") if comma else row)
                                                  .encode("ascii", errors="replace"))
            except NumberTextError as exc:
                raise ScanFileError(path, f"the sensor corner {parts[0]} holds {exc}",
                                    "The export is garbled", line=k + 1) from None
            if corners[parts[0]].size != len(ids):
                raise ScanFileError(path, f"the sensor corner {parts[0]} has "
                                    f"{corners[parts[0]].size} values for {len(ids)} sensors",
                                    "The export is garbled", line=k + 1)
    try:
        xc, yc = corners["x[c]"], corners["y[c]"]
        w = float(np.median(corners["x[2]"] - corners["x[0]"]))
        h = float(np.median(corners["y[0]"] - corners["y[1]"]))
    except KeyError:
        raise ScanFileError(path, "the sensor corner block lacks x[c], y[c] or corners",
                            line=layout + 1) from None
    checks.pitch_mm(path, h * 10.0, "the sensor corners (y)", line=layout + 1)
    checks.pitch_mm(path, w * 10.0, "the sensor corners (x)", line=layout + 1)
    span_cols = (xc.max() - xc.min()) / w
    span_rows = (yc.max() - yc.min()) / h
    if not max(span_cols, span_rows) < checks.GRID[1]:
        raise ScanFileError(path, f"the sensor corners span {span_rows:.0f} x {span_cols:.0f} "
                            f"sensors, more than any mat ({checks.GRID[1]})",
                            "The export is garbled", line=layout + 1)
    cols = np.rint((xc - xc.min()) / w).astype(int)
    rows = np.rint((yc.max() - yc) / h).astype(int)  # far end of the mat in row 0
    if not (np.allclose(cols * w, xc - xc.min(), atol=0.05 * w)
            and np.allclose(rows * h, yc.max() - yc, atol=0.05 * h)):
        raise ScanFileError(path, "the pliance sensors do not lie on a regular grid",
                            line=layout + 1)
    where = {sid: (r, c) for sid, r, c in zip(ids, rows, cols, strict=True)}
    if len(set(where.values())) != len(where) or len(where) != len(ids):
        raise ScanFileError(path, "two sensors of the corner block share one place or one "
                            "name", "The export is garbled", line=layout + 1)
    missing = [n for n in names if n not in where]
    if missing:
        raise ScanFileError(path, f"sensor {missing[0]} has no corners in the layout block",
                            line=layout + 1)
    if len(set(names)) != len(names):
        raise ScanFileError(path, "a sensor has two columns in the pressure table",
                            "The export is garbled")
    checks.size(path, kpa.shape[0], rows.max() + 1, cols.max() + 1, line=layout + 1)
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
                         metadata={**metadata,
                                   "source": {**source, "format": "novel-pliance-asc"}})
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc


def _pedar(path: Path, lines: list[str], names: list[str], kpa: np.ndarray,
           times: np.ndarray, source: dict, metadata: dict) -> Recording:
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
                         metadata={**metadata,
                                   "source": {**source, "format": "novel-pedar-asc",
                                              "sensors_per_insole": half}})
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc
