"""XSENSOR ``.csv`` exports of in-shoe sensors (FORMATS.md section 3).

UTF-8 with a BOM; ``key,value`` header pairs (``Units:``), then per frame a ``FRAME,n`` line,
``Time, hh:mm:ss.mmm``, and for each insole in turn (left ``-LF``, then right ``-RF``) a
``SENSOR`` line, ``Rows``, ``Columns``, ``Sensel Width (cm)``, ``Sensel Height (cm)``, frame
statistics, and ``SENSELS`` followed by the grid. Both insoles go into one image side by side
(left on the left, four invalid columns between them), as the two feet would stand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from orthofit.errors import ScanFileError
from orthofit.io.vendor import checks
from orthofit.io.vendor.numtext import NumberTextError, parse_numbers
from orthofit.model import Recording, RecordingError

MMHG_TO_KPA = 0.133322
_UNITS = {"mmhg": MMHG_TO_KPA, "kpa": 1.0, "psi": 6.89476, "n/cm2": 10.0}
GAP_COLS = 4


def sniff(head: bytes, path: Path) -> bool:
    """XSENSOR exports begin (after a BOM) with ``File:`` and carry ``SENSELS`` blocks."""
    text = head.lstrip(b"\xef\xbb\xbf")
    return text.startswith(b"File:,") and (b"XSN" in head or b"Units:" in head)


class _Sensor:
    """One insole's block in one frame, as found in the text (checked later)."""

    def __init__(self, name: str, line: int):
        self.name, self.line = name, line
        self.fields: dict[str, tuple[str, int]] = {}  # key: (value, line)
        self.grid: list[tuple[int, str]] | None = None  # (line, text) of each grid row
        self.grid_end: int | None = None  # the line that closed the grid; None: end of file


class _Frame:
    def __init__(self, line: int):
        self.line = line
        self.time: tuple[str, int] | None = None
        self.sensors: list[_Sensor] = []


_FIELDS = ("Rows", "Columns", "Sensel Width (cm)", "Sensel Height (cm)")


def _scan(lines: list[str]) -> tuple[tuple[str, int] | None, list[_Frame]]:
    """The units and the frames' blocks, by line; nothing is interpreted yet."""
    units = None
    frames: list[_Frame] = []
    sensor: _Sensor | None = None
    i = 0
    while i < len(lines):
        key, _, rest = lines[i].partition(",")
        key = key.strip()
        value = rest.split(",", 1)[0].strip()
        if key == "FRAME":
            frames.append(_Frame(i + 1))
            sensor = None
        elif not frames:
            if key == "Units:" and units is None:
                units = (value, i + 1)
        elif key == "Time" and sensor is None and frames[-1].time is None:
            frames[-1].time = (value, i + 1)
        elif key == "SENSOR":
            sensor = _Sensor(value, i + 1)
            frames[-1].sensors.append(sensor)
        elif key == "GROUP":
            sensor = None  # region statistics and sensel lists follow: not the insole's grid
        elif sensor is not None and key in _FIELDS:
            sensor.fields.setdefault(key, (value, i + 1))
        elif sensor is not None and key == "SENSELS" and sensor.grid is None:
            # The grid: the rows up to the next keyword line (GROUP, SENSOR, FRAME...),
            # skipping the empty ',,,' lines between them.
            sensor.grid = []
            i += 1
            while i < len(lines) and not lines[i].lstrip()[:1].isalpha():
                row = lines[i].rstrip(", \t\r")
                if row.strip(", "):
                    sensor.grid.append((i + 1, row))
                i += 1
            sensor.grid_end = i + 1 if i < len(lines) else None
            continue
        i += 1
    return units, frames


class _Incomplete(Exception):
    """The text ends inside this frame (a file cut short): a message for the warning."""


def _field(path: Path, sensor: _Sensor, key: str, last: bool) -> tuple[str, int]:
    if key not in sensor.fields:
        if last:
            raise _Incomplete(f"insole {sensor.name} has no {key}")
        raise ScanFileError(path, f"the SENSOR block of {sensor.name} has no {key} line",
                            "The export is garbled", line=sensor.line)
    return sensor.fields[key]


def _grid(path: Path, sensor: _Sensor, last: bool) -> tuple[np.ndarray, tuple[float, float]]:
    """One insole's grid and sensel (height, width) in mm, every number checked."""
    text, rows_line = _field(path, sensor, "Rows", last)
    rows = checks.count(path, text, "Rows", line=rows_line)
    text, line = _field(path, sensor, "Columns", last)
    cols = checks.count(path, text, "Columns", line=line)
    size = []
    for key in ("Sensel Height (cm)", "Sensel Width (cm)"):
        text, line = _field(path, sensor, key, last)
        size.append(checks.pitch_mm(path, checks.number(path, text, key, line=line) * 10,
                                    f"{key} {text}", line=line))
    if sensor.grid is None:
        if last:
            raise _Incomplete(f"insole {sensor.name} has no SENSELS grid")
        raise ScanFileError(path, f"the SENSOR block of {sensor.name} has no SENSELS grid",
                            "The export is garbled", line=sensor.line)
    grid = sensor.grid
    if len(grid) < rows and last and sensor.grid_end is None:
        raise _Incomplete(f"the grid of {sensor.name} stops after {len(grid)} of {rows} rows")
    if len(grid) != rows:
        raise ScanFileError(path, f"the SENSELS grid of {sensor.name} has {len(grid)} rows; "
                            f"its Rows line says {rows}", "The export is garbled or edited",
                            line=rows_line)
    for k, (line, row) in enumerate(grid):
        if row.count(",") != cols - 1:
            if last and k == rows - 1 and sensor.grid_end is None:
                raise _Incomplete(f"the last row of {sensor.name} is cut")
            raise ScanFileError(path, f"a row of the SENSELS grid of {sensor.name} has "
                                f"{row.count(',') + 1} values; its Columns line says {cols}",
                                "The export is garbled", line=line)
    data = "\n".join(row for _, row in grid).encode("utf-8", errors="replace")
    try:
        values = parse_numbers(data)
    except NumberTextError as exc:
        raise ScanFileError(path, f"a sensel value is not a number ({exc})",
                            "The export is garbled",
                            line=grid[data.count(b"\n", 0, exc.offset)][0]) from None
    if values.size != rows * cols:  # an empty field between commas
        raise ScanFileError(path, f"the SENSELS grid of {sensor.name} holds {values.size} "
                            f"values, not {rows} x {cols}", "The export is garbled",
                            line=grid[0][0])
    values = checks.pressures(path, values.reshape(rows, cols),
                              line_of=lambda i: grid[i[0]][0])
    return values, (size[0], size[1])


def _time_s(path: Path, frame: _Frame, last: bool) -> float:
    if frame.time is None:
        if last:
            raise _Incomplete("the frame has no Time")
        raise ScanFileError(path, "a frame has no Time line", "The export is garbled",
                            line=frame.line)
    text, line = frame.time
    parts = text.split(":")
    if len(parts) != 3:
        raise ScanFileError(path, f"the Time {text!r} is not hh:mm:ss.mmm",
                            "The export is garbled", line=line)
    h = checks.count(path, parts[0], "the Time's hours", lo=0, hi=23, line=line)
    m = checks.count(path, parts[1], "the Time's minutes", lo=0, hi=59, line=line)
    s = checks.number(path, parts[2], "the Time's seconds", line=line)
    return h * 3600 + m * 60 + s


def read(path: Path, *, pitch_mm: object = None, rate_hz: object = None) -> Recording:
    """Read an XSENSOR export (one or two insoles).

    A file cut inside its last frame keeps every complete frame; ``metadata["warning"]``
    says that the unfinished one was dropped.
    """
    raw = Path(path).read_bytes()
    text = raw.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    cut = bool(text) and not text.endswith(("\n", "\r"))
    if cut:
        lines = lines[:-1]  # the unfinished line: a value in it may be cut short
    units_field, blocks = _scan(lines)
    units = (units_field[0] if units_field else "").lower()
    if units not in _UNITS:
        raise ScanFileError(path, f"Units {units!r} is not mmHg, kPa, PSI or N/cm2",
                            line=units_field[1] if units_field else None)
    if not blocks:
        raise ScanFileError(path, "no FRAME block was found",
                            "Export the recording again from the XSENSOR software")
    images, times, sensors, shapes, geometry = [], [], None, None, None
    dropped = None
    for n, frame in enumerate(blocks):
        last = n == len(blocks) - 1
        try:
            names = [s.name for s in frame.sensors]
            if sensors is not None and names != sensors:
                if last and names == sensors[:len(names)]:
                    raise _Incomplete(f"the frame has {len(names)} of {len(sensors)} insoles")
                raise ScanFileError(path, "the insoles change between frames",
                                    "The export is garbled", line=frame.line)
            if not names:
                if last:
                    raise _Incomplete("the frame has no SENSOR block")
                raise ScanFileError(path, "a FRAME holds no SENSOR block",
                                    "The export is garbled", line=frame.line)
            grids = []
            for sensor in frame.sensors:
                grid, size = _grid(path, sensor, last)
                geometry = geometry or size
                grids.append(grid)
            t = _time_s(path, frame, last)
        except _Incomplete as exc:
            if not images:
                raise ScanFileError(path, f"the file ends inside its first frame ({exc})",
                                    "The file is cut short: copy or export it again",
                                    line=frame.line) from None
            dropped = str(exc)
            break
        shape = [g.shape for g in grids]
        if shapes is not None and shape != shapes:
            raise ScanFileError(path, f"the insoles' grids change size between frames "
                                f"({shapes} then {shape})", "The export is garbled",
                                line=frame.line)
        sensors, shapes = names, shape
        times.append(t)
        images.append(grids)
    checks.size(path, len(images), max(r for r, _ in shapes), sum(c for _, c in shapes))
    order = sorted(range(len(sensors)), key=lambda i: 0 if "-LF" in sensors[i] else 1)
    rows = max(r for r, _ in shapes)
    parts = []
    for k, i in enumerate(order):
        stack = np.stack([img[i] for img in images])
        pad = np.zeros((stack.shape[0], rows, stack.shape[2]), np.float32)
        pad[:, :stack.shape[1]] = stack
        parts.append(pad)
        if k < len(order) - 1:
            parts.append(np.full((stack.shape[0], rows, GAP_COLS), np.nan, np.float32))
    frames = np.concatenate(parts, axis=2)
    valid = ~np.isnan(frames[0])
    frames = np.nan_to_num(frames) * np.float32(_UNITS[units])
    times = np.asarray(times) - times[0]
    metadata: dict = {"source": {"file": Path(path).name, "format": "xsensor-csv",
                                 "units": units, "sensors": sensors}}
    kept = f"{len(images)} complete frame{'s' if len(images) > 1 else ''} read"
    if dropped is not None:
        metadata["source"]["truncated"] = True
        metadata["source"]["dropped_frames"] = 1
        checks.add_warning(metadata, f"the file is cut short inside its last frame "
                           f"({dropped}): {kept}, the unfinished one dropped")
    elif cut:
        metadata["source"]["truncated"] = True
        metadata["source"]["dropped_frames"] = 0
        checks.add_warning(metadata, "the file does not end with a line break, so it was "
                           f"probably cut short: {kept}")
    try:
        return Recording(frames, times, geometry,
                         profile={"name": "xsensor-insoles", "in_shoe": True,
                                  "sensors": [sensors[i] for i in order]},
                         mode="walk", valid=valid, metadata=metadata)
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc
