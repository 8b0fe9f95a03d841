"""Force and centre of pressure (COP) per frame.

COP of a frame = pressure-weighted mean of sensel centres (mm); force = sum(p * sensel area).
With p in kPa and areas in mm^2, ``sum(p * a) * 1e-3`` is in newtons.
"""

from __future__ import annotations

import numpy as np

KPA_MM2_TO_N = 1e-3


def sensel_centres_mm(n: int, pitch_mm: float, offset: int = 0) -> np.ndarray:
    """Centres of ``n`` sensels along one axis in mm, starting at sensel index ``offset``.

    Examples
    --------
    >>> sensel_centres_mm(3, 5.0)
    array([ 2.5,  7.5, 12.5])
    """
    return (np.arange(offset, offset + n, dtype=np.float64) + 0.5) * pitch_mm


def force_and_cop(
    frames_kpa: np.ndarray, pitch_mm: tuple[float, float], *, offset: tuple[int, int] = (0, 0)
) -> tuple[np.ndarray, np.ndarray]:
    """Force (N) and COP (x, y in mm) of every frame.

    Parameters
    ----------
    frames_kpa : ndarray, shape (T, R, C)
        Pressure frames in kPa.
    pitch_mm : (float, float)
        Row pitch and column pitch in mm.
    offset : (int, int)
        Row and column index of ``frames_kpa[:, 0, 0]`` on the mat, for sub-windows.

    Returns
    -------
    force_n : ndarray, shape (T,)
    cop_xy_mm : ndarray, shape (T, 2)
        ``x`` along columns and ``y`` along rows, in mat mm; NaN for a frame with no load (it is
        left out of path measures rather than aborting the analysis).

    Examples
    --------
    >>> f = np.zeros((1, 4, 4), np.float32); f[0, 1:3, 2] = 100.0
    >>> force, cop = force_and_cop(f, (5.0, 5.0))
    >>> float(force[0]), cop[0].tolist()
    (5.0, [12.5, 10.0])
    """
    t, r, c = frames_kpa.shape
    ys = sensel_centres_mm(r, pitch_mm[0], offset[0])
    xs = sensel_centres_mm(c, pitch_mm[1], offset[1])
    # One pass over the frames: a (T*R, C) x (C, 2) product gives every row's sum and its
    # x-moment at once (BLAS, memory-bound, no frame-sized temporary); float32 is exact enough
    # within one row of sensels, the rest is summed in float64.
    weights = np.stack([np.ones(c), xs], axis=1).astype(np.float32)
    per_row = np.ascontiguousarray(frames_kpa, dtype=np.float32).reshape(t * r, c) @ weights
    per_row = per_row.astype(np.float64).reshape(t, r, 2)
    total = per_row[:, :, 0].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cop = np.stack([per_row[:, :, 1].sum(axis=1) / total, per_row[:, :, 0] @ ys / total],
                       axis=1)
    cop[total <= 0] = np.nan
    return total * pitch_mm[0] * pitch_mm[1] * KPA_MM2_TO_N, cop


def masked_force_and_cop(
    frames_kpa: np.ndarray, mask: np.ndarray, pitch_mm: tuple[float, float],
    offset: tuple[int, int] = (0, 0), threshold_kpa: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Force (N) and COP (mm) per frame from the sensels in ``mask`` only.

    Used per foot, so that the other foot (double support) does not pull a step's COP.
    ``frames_kpa`` is (T, R, C) and ``mask`` (R, C) bool, both in the same window. Readings at
    or below ``threshold_kpa`` count as zero: spread over a whole sole, noise would otherwise
    pull the COP of a lightly loaded frame toward the middle of the foot.
    """
    rows, cols = np.nonzero(mask)
    values = frames_kpa[:, rows, cols].astype(np.float64)  # (T, n) gathered once
    if threshold_kpa > 0:
        values[values <= threshold_kpa] = 0.0
    total = values.sum(axis=1)
    ys = (rows + offset[0] + 0.5) * pitch_mm[0]
    xs = (cols + offset[1] + 0.5) * pitch_mm[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        cop = np.stack([values @ xs / total, values @ ys / total], axis=1)
    cop[total <= 0] = np.nan
    return total * pitch_mm[0] * pitch_mm[1] * KPA_MM2_TO_N, cop
