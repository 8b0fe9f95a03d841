"""Zebris plate text exports (FORMATS.md section 3).

A ``Platform { ... }`` block names the geometry (``Columns 128``, ``Lines 56``,
``Cell width,mm 8.47``, ``Units N/cm^2``, ``Frequency 100``); each ``Frame n { ... }`` block
then holds ``Lines`` rows of ``Columns`` numbers (other lines in a frame, such as a time stamp,
are skipped). N/cm2 x 10 = kPa. No sample of this export is available to the project: the
reader follows the documented layout and rejects anything else with the line it stopped at.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from orthofit.errors import ScanFileError
from orthofit.io.vendor.numtext import NumberTextError, parse_numbers
from orthofit.model import Recording, RecordingError

_UNITS = {"n/cm^2": 10.0, "n/cm2": 10.0, "kpa": 1.0, "mpa": 1000.0}
_NUMERIC_LINE = re.compile(r"^[\s\d.,;-]+$")


def sniff(head: bytes, path: Path) -> bool:
    """A Zebris export opens with a ``Platform {`` block."""
    return re.match(rb"\s*Platform\s*\{", head) is not None


def _key(block: str, name: str) -> str | None:
    m = re.search(rf"^\s*{re.escape(name)}[\s,:=]+(.+?)\s*$", block, re.MULTILINE | re.IGNORECASE)
    return m.group(1) if m else None


def read(path: Path, *, pitch_mm: object = None, rate_hz: object = None) -> Recording:
    """Read a Zebris text export."""
    text = Path(path).read_bytes().decode("latin-1")
    m = re.match(r"\s*Platform\s*\{(.*?)\}", text, re.DOTALL)
    if m is None:
        raise ScanFileError(path, "no closed 'Platform { ... }' block at the start")
    platform = m.group(1)
    try:
        cols = int(_key(platform, "Columns") or "")
        rows = int(_key(platform, "Lines") or "")
        cell = float((_key(platform, "Cell width,mm") or "").split()[0])
        freq = float(_key(platform, "Frequency") or "")
    except ValueError:
        raise ScanFileError(path, "the Platform block needs Columns, Lines, 'Cell width,mm' "
                            "and Frequency", line=1) from None
    units = (_key(platform, "Units") or "N/cm^2").strip().lower()
    if units not in _UNITS:
        raise ScanFileError(path, f"Units {units!r} is not N/cm^2 or kPa", line=1)
    frames = []
    for fm in re.finditer(r"Frame\s+(\d+)\s*\{(.*?)\}", text[m.end():], re.DOTALL):
        line = text[:m.end() + fm.start()].count("\n") + 1
        lines = [ln for ln in fm.group(2).splitlines() if ln.strip()]
        numeric = [ln for ln in lines if _NUMERIC_LINE.match(ln)]
        try:
            values = parse_numbers("\n".join(numeric).encode())
        except NumberTextError as exc:
            raise ScanFileError(path, f"frame {fm.group(1)}: {exc}", line=line) from None
        if values.size != rows * cols:
            raise ScanFileError(path, f"frame {fm.group(1)} has {values.size} values; the "
                                f"Platform block promises {rows} x {cols}", line=line)
        frames.append(values.reshape(rows, cols))
    if not frames:
        raise ScanFileError(path, "no 'Frame n { ... }' block was found")
    try:
        return Recording(np.stack(frames).astype(np.float32) * _UNITS[units],
                         np.arange(len(frames)) / freq, cell,
                         profile={"name": "zebris", "rows": rows, "cols": cols},
                         metadata={"source": {"file": Path(path).name, "format": "zebris-text",
                                              "units": units}})
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc
