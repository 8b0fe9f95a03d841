"""XSENSOR ``.csv`` exports of in-shoe sensors (FORMATS.md section 3).

UTF-8 with a BOM; ``key,value`` header pairs (``Units:``), then per frame a ``FRAME,n`` line,
``Time, hh:mm:ss.mmm``, and for each insole in turn (left ``-LF``, then right ``-RF``) a
``SENSOR`` line, ``Rows``, ``Columns``, ``Sensel Width (cm)``, ``Sensel Height (cm)``, frame
statistics, and ``SENSELS`` followed by the grid. Both insoles go into one image side by side
(left on the left, four invalid columns between them), as the two feet would stand.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from orthofit.errors import ScanFileError
from orthofit.io.vendor.numtext import NumberTextError, parse_numbers
from orthofit.model import Recording, RecordingError

MMHG_TO_KPA = 0.133322
_UNITS = {"mmhg": MMHG_TO_KPA, "kpa": 1.0, "psi": 6.89476, "n/cm2": 10.0}
GAP_COLS = 4


def sniff(head: bytes, path: Path) -> bool:
    """XSENSOR exports begin (after a BOM) with ``File:`` and carry ``SENSELS`` blocks."""
    text = head.lstrip(b"\xef\xbb\xbf")
    return text.startswith(b"File:,") and (b"XSN" in head or b"Units:" in head)


def _field(block: str, key: str) -> str | None:
    m = re.search(rf"^{re.escape(key)},\s*([^,\r\n]*)", block, re.MULTILINE)
    return m.group(1).strip() if m else None


def read(path: Path, *, pitch_mm: object = None, rate_hz: object = None) -> Recording:
    """Read an XSENSOR export (one or two insoles)."""
    raw = Path(path).read_bytes()
    text = raw.decode("utf-8-sig", errors="replace")
    units = (_field(text, "Units:") or "").lower()
    if units not in _UNITS:
        raise ScanFileError(path, f"Units {units!r} is not mmHg, kPa, PSI or N/cm2")
    frames_txt = re.split(r"^FRAME,", text, flags=re.MULTILINE)[1:]
    if not frames_txt:
        raise ScanFileError(path, "no FRAME block was found")
    images, times, sensors = [], [], None
    line = text[:text.find("FRAME,")].count("\n") + 1
    geometry = None
    for block in frames_txt:
        parts = re.split(r"^SENSOR,", block, flags=re.MULTILINE)
        t = _field("FRAME," + parts[0], "Time")
        names, grids = [], []
        for sensor in parts[1:]:
            names.append(sensor.split(",", 1)[0].strip())
            try:
                rows = int(float(_field(sensor, "Rows") or "nan"))
                cols = int(float(_field(sensor, "Columns") or "nan"))
                width = float(_field(sensor, "Sensel Width (cm)") or "nan") * 10
                height = float(_field(sensor, "Sensel Height (cm)") or "nan") * 10
            except ValueError:
                raise ScanFileError(path, "a SENSOR block lacks Rows, Columns or the sensel "
                                    "size", line=line) from None
            grid_text = sensor.split("SENSELS", 1)[1].split("\n", 1)[1] if "SENSELS" in \
                sensor else ""
            lines = [ln for ln in grid_text.splitlines() if ln.strip(", \r")]
            try:
                values = parse_numbers("\n".join(lines[:rows]).encode())
            except NumberTextError as exc:
                raise ScanFileError(path, f"a sensel value is not a number ({exc})",
                                    line=line) from None
            if values.size != rows * cols:
                raise ScanFileError(path, f"a SENSELS grid has {values.size} values; Rows and "
                                    f"Columns promise {rows} x {cols}", line=line)
            grids.append(values.reshape(rows, cols))
            geometry = geometry or (height, width)
        if sensors is None:
            sensors = names
        line += block.count("\n")
        if names != sensors:
            raise ScanFileError(path, "the insoles change between frames", line=line)
        if t is None:
            raise ScanFileError(path, "a frame has no Time", line=line)
        h, m, s = t.split(":")
        times.append(int(h) * 3600 + int(m) * 60 + float(s))
        images.append(grids)
    order = sorted(range(len(sensors)), key=lambda i: 0 if "-LF" in sensors[i] else 1)
    rows = max(g.shape[0] for g in images[0])
    parts = []
    for k, i in enumerate(order):
        stack = np.stack([img[i] for img in images])
        pad = np.zeros((stack.shape[0], rows, stack.shape[2]))
        pad[:, :stack.shape[1]] = stack
        parts.append(pad)
        if k < len(order) - 1:
            parts.append(np.full((stack.shape[0], rows, GAP_COLS), np.nan))
    frames = np.concatenate(parts, axis=2)
    valid = ~np.isnan(frames[0])
    frames = np.nan_to_num(frames) * _UNITS[units]
    times = np.asarray(times) - times[0]
    try:
        return Recording(frames.astype(np.float32), times, geometry,
                         profile={"name": "xsensor-insoles", "in_shoe": True,
                                  "sensors": [sensors[i] for i in order]},
                         mode="walk", valid=valid,
                         metadata={"source": {"file": Path(path).name, "format": "xsensor-csv",
                                              "units": units, "sensors": sensors}})
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc
