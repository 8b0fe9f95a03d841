"""Novel emed ``.lst`` exports (FORMATS.md section 3).

Pages separated by form feeds. A page header gives ``Matrix: 64x95`` (columns x rows of the
plate), ``Sensor area``, ``Time/picture:10.0 ms``, ``Sensor size: 0.500x0.500 cm`` and
``Pict-No.``; then a tab table whose first line gives the column indices of the printed window
and whose rows start with their row index; a ``Force`` column and row (newtons, the sum times
the sensor area) are appended. The window is placed back at its offset on the plate, and the
Force column is checked against the pressures, which confirms the units (kPa). Summary pages
(``MVP``, ``MPP``) are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from orthofit.errors import ScanFileError
from orthofit.model import Recording, RecordingError

_MATRIX = re.compile(r"Matrix:\s*(\d+)\s*x\s*(\d+)")
_TIME = re.compile(r"Time/picture:\s*([\d.]+)\s*ms")
_SIZE = re.compile(r"Sensor size:\s*([\d.]+)\s*x\s*([\d.]+)\s*cm")
_PICT = re.compile(r"Pict-No\.:\s*(\d+)")


def sniff(head: bytes, path: Path) -> bool:
    """True for an emed list: its first page header names the matrix and the sensor size."""
    return b"Matrix:" in head and b"Sensor size:" in head and b"Pict-No" in head


def read(path: Path, *, pitch_mm: object = None, rate_hz: object = None) -> Recording:
    """Read an emed list of pictures."""
    text = Path(path).read_bytes().decode("latin-1")
    pages = text.split("\f")
    frames, numbers, window = [], [], None
    matrix = dt_ms = size_cm = None
    line_no = 1
    for page in pages:
        start_line = line_no
        line_no += page.count("\n")
        m_pict = _PICT.search(page)
        if not m_pict:
            continue  # an empty or summary page (MVP, MPP)
        if matrix is None:
            m, t, s = _MATRIX.search(page), _TIME.search(page), _SIZE.search(page)
            if not (m and t and s):
                raise ScanFileError(path, "the page header lacks Matrix, Time/picture or "
                                    "Sensor size", line=start_line)
            matrix = (int(m.group(1)), int(m.group(2)))  # columns x rows
            dt_ms, size_cm = float(t.group(1)), (float(s.group(1)), float(s.group(2)))
        lines = page.splitlines()
        head_idx = next((i for i, ln in enumerate(lines)
                         if ln.strip().endswith("Force") and ln.startswith("\t")), None)
        if head_idx is None:
            raise ScanFileError(path, f"picture {m_pict.group(1)} has no table header",
                                line=start_line)
        try:
            col_idx = [int(v) for v in lines[head_idx].split()[:-1]]
        except ValueError as exc:
            raise ScanFileError(path, f"picture {m_pict.group(1)}: the column indices do not "
                                "parse", line=start_line + head_idx) from exc
        rows, row_idx, forces = [], [], []
        for j, ln in enumerate(lines[head_idx + 1:], start=head_idx + 1):
            parts = ln.split("\t")
            if not parts or not parts[0].strip():
                continue
            if parts[0].strip() == "Force":
                break
            try:
                row_idx.append(int(parts[0]))
                values = [float(v) for v in parts[1:]]
            except ValueError as exc:
                raise ScanFileError(path, f"picture {m_pict.group(1)}: a value is not a "
                                    f"number ({exc})", line=start_line + j) from exc
            if len(values) != len(col_idx) + 1:
                raise ScanFileError(path, f"picture {m_pict.group(1)}: a row has "
                                    f"{len(values)} values, expected {len(col_idx) + 1}",
                                    line=start_line + j)
            rows.append(values[:-1])
            forces.append(values[-1])
        this_window = (row_idx[0], col_idx[0], len(row_idx), len(col_idx))
        if window is None:
            window = this_window
        elif this_window != window:
            raise ScanFileError(path, f"picture {m_pict.group(1)} prints another window than "
                                "the first", line=start_line)
        block = np.asarray(rows, np.float64)
        area_cm2 = size_cm[0] * size_cm[1]
        # Force [N] = kPa x cm^2 x 0.1: agreement confirms that the values are kPa.
        expect = block.sum(axis=1) * area_cm2 * 0.1
        if not np.allclose(expect, forces, atol=0.02 + 0.01 * np.abs(forces).max()):
            raise ScanFileError(path, f"picture {m_pict.group(1)}: the Force column does not "
                                "match kPa values", "Export pressures in kPa",
                                line=start_line + head_idx)
        frames.append(block)
        numbers.append(int(m_pict.group(1)))
    if not frames:
        raise ScanFileError(path, "no picture was found")
    n_cols, n_rows = matrix
    r0, c0, h, w = window
    plate = np.zeros((len(frames), n_rows, n_cols), np.float32)
    plate[:, r0:r0 + h, c0:c0 + w] = np.stack(frames)
    try:
        return Recording(plate, (np.asarray(numbers) - numbers[0]) * dt_ms / 1000.0,
                         (size_cm[1] * 10.0, size_cm[0] * 10.0),
                         profile={"name": "novel-emed", "rows": n_rows, "cols": n_cols},
                         mode="walk",
                         metadata={"source": {"file": Path(path).name, "format": "novel-emed-lst",
                                              "window_rows_cols": [r0, c0, h, w],
                                              "matrix": f"{n_cols}x{n_rows}"}})
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc
