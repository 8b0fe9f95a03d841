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

import math
import re
from pathlib import Path

import numpy as np

from orthofit.errors import ScanFileError
from orthofit.io.vendor import checks
from orthofit.model import Recording, RecordingError

_MATRIX = re.compile(r"Matrix:\s*(\d+)\s*x\s*(\d+)")
_TIME = re.compile(r"Time/picture:\s*([\d.]+)\s*ms")
_SIZE = re.compile(r"Sensor size:\s*([\d.]+)\s*x\s*([\d.]+)\s*cm")
_PICT = re.compile(r"Pict-No\.:\s*(\d+)")


def sniff(head: bytes, path: Path) -> bool:
    """True for an emed list: its first page header names the matrix and the sensor size."""
    return b"Matrix:" in head and b"Sensor size:" in head and b"Pict-No" in head


class _Incomplete(Exception):
    """The page stops before its Force row: the file was cut inside it."""


def _header(path: Path, page: str, start_line: int) -> tuple[tuple[int, int], float,
                                                             tuple[float, float]]:
    """Matrix (columns, rows), ms per picture and sensor size (cm) of the first page."""
    m, t, s = _MATRIX.search(page), _TIME.search(page), _SIZE.search(page)
    if not (m and t and s):
        raise ScanFileError(path, "the page header lacks Matrix, Time/picture or "
                            "Sensor size", "Export the pictures again as a list from the "
                            "Novel software", line=start_line)

    def line(match: re.Match) -> int:
        return start_line + page.count("\n", 0, match.start())

    matrix = (checks.count(path, m.group(1), "the Matrix' columns", line=line(m)),
              checks.count(path, m.group(2), "the Matrix' rows", line=line(m)))
    dt_ms = checks.number(path, t.group(1), "Time/picture", line=line(t))
    checks.rate_hz(path, 1000.0 / dt_ms if dt_ms > 0 else math.inf,
                   f"Time/picture {t.group(1)} ms", line=line(t))
    size_cm = tuple(checks.pitch_mm(path, checks.number(path, v, "Sensor size",
                                                        line=line(s)) * 10.0,
                                    f"Sensor size {s.group(1)}x{s.group(2)} cm",
                                    line=line(s)) / 10.0 for v in s.groups())
    return matrix, dt_ms, (size_cm[0], size_cm[1])


def _picture(path: Path, page: str, start_line: int, number: str, size_cm: tuple[float, float]
             ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """One picture's table (kPa) and its window (first row, first column, rows, columns)."""
    lines = page.splitlines()
    head_idx = next((i for i, ln in enumerate(lines)
                     if ln.strip().endswith("Force") and ln.startswith("\t")), None)
    if head_idx is None:
        raise _Incomplete(f"picture {number} has no table header")
    try:
        col_idx = [int(v) for v in lines[head_idx].split()[:-1]]
    except ValueError as exc:
        raise ScanFileError(path, f"picture {number}: the column indices do not "
                            "parse", line=start_line + head_idx) from exc
    rows, row_idx, forces, lines_of = [], [], [], []
    closed = False
    for j, ln in enumerate(lines[head_idx + 1:], start=head_idx + 1):
        parts = ln.split("\t")
        if not parts[0].strip():
            continue
        if parts[0].strip() == "Force":
            closed = True
            break
        try:
            row_idx.append(int(parts[0]))
            values = [float(v) for v in parts[1:]]
        except ValueError as exc:
            raise ScanFileError(path, f"picture {number}: a value is not a "
                                f"number ({exc})", line=start_line + j) from exc
        if len(values) != len(col_idx) + 1:
            raise ScanFileError(path, f"picture {number}: a row has "
                                f"{len(values)} values, expected {len(col_idx) + 1}",
                                line=start_line + j)
        rows.append(values[:-1])
        forces.append(values[-1])
        lines_of.append(start_line + j)
    if not closed:
        raise _Incomplete(f"picture {number} stops before its Force row")
    if not rows or not col_idx:
        raise ScanFileError(path, f"picture {number} has an empty table",
                            line=start_line + head_idx)
    if col_idx != list(range(col_idx[0], col_idx[0] + len(col_idx))) or \
            row_idx != list(range(row_idx[0], row_idx[0] + len(row_idx))):
        raise ScanFileError(path, f"picture {number}: the row or column indices are not "
                            "consecutive", "The export is garbled",
                            line=start_line + head_idx)
    block = checks.pressures(path, np.asarray(rows, np.float64),
                             line_of=lambda i: lines_of[i[0]]).astype(np.float64)
    forces = np.asarray(forces)
    if not np.all(np.abs(forces) < checks.MAX_PRESSURE):
        k = int(np.argmax(~(np.abs(forces) < checks.MAX_PRESSURE)))
        raise ScanFileError(path, f"picture {number}: the Force column holds {forces[k]:g} N",
                            "The export is damaged; export it again", line=lines_of[k])
    area_cm2 = size_cm[0] * size_cm[1]
    # Force [N] = kPa x cm^2 x 0.1: agreement confirms that the values are kPa.
    expect = block.sum(axis=1) * area_cm2 * 0.1
    # np.allclose's own terms (atol, rtol 1e-5), written out: it took 40 % of the reading.
    if (np.abs(expect - forces) > 0.02 + 0.01 * np.abs(forces).max()
            + 1e-5 * np.abs(forces)).any():
        raise ScanFileError(path, f"picture {number}: the Force column does not "
                            "match kPa values", "Export pressures in kPa",
                            line=start_line + head_idx)
    return block, (row_idx[0], col_idx[0], len(row_idx), len(col_idx))


def read(path: Path, *, pitch_mm: object = None, rate_hz: object = None) -> Recording:
    """Read an emed list of pictures.

    A file cut inside its last picture keeps the complete ones; ``metadata["warning"]`` says
    that the unfinished picture was dropped.
    """
    text = Path(path).read_bytes().decode("latin-1")
    cut_at = max(text.rfind("\n"), text.rfind("\f")) + 1
    if not text[cut_at:].startswith("Force"):  # the Force row only closes a picture
        text = text[:cut_at]  # an unfinished line: a value in it may be cut short
    pages = text.split("\f")
    frames, numbers, window = [], [], None
    matrix = dt_ms = size_cm = None
    line_no = 1
    dropped = dropped_line = None
    for page in pages:
        start_line = line_no
        line_no += page.count("\n")
        m_pict = _PICT.search(page)
        if not m_pict:
            continue  # an empty or summary page (MVP, MPP)
        if dropped is not None:  # an unfinished picture before others: not a cut file
            raise ScanFileError(path, dropped, "The export is garbled", line=dropped_line)
        if len(m_pict.group(1)) > 9:
            raise ScanFileError(path, f"picture number {m_pict.group(1)} is not plausible",
                                "The export is garbled", line=start_line)
        if matrix is None:
            matrix, dt_ms, size_cm = _header(path, page, start_line)
        try:
            block, this_window = _picture(path, page, start_line, m_pict.group(1), size_cm)
        except _Incomplete as exc:
            dropped, dropped_line = str(exc), start_line
            continue
        if window is None:
            window = this_window
        elif this_window != window:
            raise ScanFileError(path, f"picture {m_pict.group(1)} prints another window than "
                                "the first", line=start_line)
        number = int(m_pict.group(1))
        if numbers and number <= numbers[-1]:
            raise ScanFileError(path, f"picture {number} comes after picture {numbers[-1]}",
                                "The export is garbled", line=start_line)
        frames.append(block)
        numbers.append(number)
    if not frames:
        if dropped:
            raise ScanFileError(path, f"no complete picture was found ({dropped})",
                                "The file is cut short: copy or export it again",
                                line=dropped_line)
        raise ScanFileError(path, "no picture was found", "Export the pictures as a list "
                            "(one page per picture) from the Novel software")
    n_cols, n_rows = matrix
    r0, c0, h, w = window
    if r0 < 0 or c0 < 0 or r0 + h > n_rows or c0 + w > n_cols:
        raise ScanFileError(path, f"the printed window (rows {r0}-{r0 + h - 1}, columns "
                            f"{c0}-{c0 + w - 1}) does not fit the {n_cols}x{n_rows} matrix",
                            "The export is garbled")
    checks.size(path, len(frames), n_rows, n_cols)
    plate = np.zeros((len(frames), n_rows, n_cols), np.float32)
    plate[:, r0:r0 + h, c0:c0 + w] = np.stack(frames)
    metadata: dict = {"source": {"file": Path(path).name, "format": "novel-emed-lst",
                                 "window_rows_cols": [r0, c0, h, w],
                                 "matrix": f"{n_cols}x{n_rows}"}}
    if dropped is not None:
        metadata["source"]["truncated"] = True
        metadata["source"]["dropped_frames"] = 1
        checks.add_warning(metadata, f"the file is cut short ({dropped}): {len(frames)} "
                           f"complete picture{'s' if len(frames) > 1 else ''} read, the "
                           "unfinished one dropped")
    try:
        return Recording(plate, (np.asarray(numbers) - numbers[0]) * dt_ms / 1000.0,
                         (size_cm[1] * 10.0, size_cm[0] * 10.0),
                         profile={"name": "novel-emed", "rows": n_rows, "cols": n_cols},
                         mode="walk", metadata=metadata)
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc
