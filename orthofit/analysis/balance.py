"""Standing balance (stabilometry) from the whole-body COP.

Sway path length = sum |dCOP|; mean velocity = path / time; 95 % prediction ellipse area =
pi * 5.991 * sqrt(l1 * l2) from the eigenvalues of the COP covariance (Schubert & Kirchner
2014). Normal values differ between platforms, so none are built in.
"""

from __future__ import annotations

import math

import numpy as np

from orthofit.analysis.gait import path_length_mm

#: chi-square quantile with 2 degrees of freedom at 95 %.
CHI2_95_2DOF = 5.991


def ellipse_area_95_mm2(cop_xy_mm: np.ndarray) -> float | None:
    """Area (mm^2) of the 95 % prediction ellipse of a COP path (NaN frames skipped).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> xy = rng.normal(size=(200000, 2)) * [2.0, 1.0]
    >>> round(ellipse_area_95_mm2(xy) / (np.pi * 5.991 * 2.0), 2)
    1.0
    """
    p = cop_xy_mm[np.isfinite(cop_xy_mm).all(axis=1)]
    if p.shape[0] < 3:
        return None
    eig = np.linalg.eigvalsh(np.cov(p.T))
    return float(math.pi * CHI2_95_2DOF * math.sqrt(max(eig[0], 0.0) * max(eig[1], 0.0)))


def lowpass(times_s: np.ndarray, xy: np.ndarray, cutoff_hz: float | None) -> np.ndarray:
    """Zero-phase 2nd-order Butterworth low-pass of a path sampled at ``times_s``.

    Sensor noise makes a COP path jitter from frame to frame, and a path length adds up every
    jitter; sway itself lies below ~2 Hz. Left unfiltered when the rate is too low for the
    cutoff or the path too short.
    """
    if not cutoff_hz or xy.shape[0] < 12:
        return xy
    rate = 1.0 / float(np.median(np.diff(times_s)))
    if rate <= 2.5 * cutoff_hz:
        return xy
    # scipy.signal takes half a second to import: only balance trials need it.
    from scipy.signal import butter, filtfilt

    b, a = butter(2, cutoff_hz / (rate / 2))
    return filtfilt(b, a, xy, axis=0)


def evenly_sampled(times_s: np.ndarray, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A path resampled at even times (the median interval), when its frames came unevenly.

    Low-cost mats deliver frames 10 to 160 ms apart; a filter that assumes one rate, and a path
    length that counts every sample, would both depend on when the frames happened to come.
    Evenly spaced input is returned as it is.

    Examples
    --------
    >>> t, p = evenly_sampled(np.array([0.0, 0.1, 0.3, 0.4]), np.array([[0.0], [1], [3], [4]]))
    >>> t.round(3).tolist(), p[:, 0].round(3).tolist()
    ([0.0, 0.1, 0.2, 0.3, 0.4], [0.0, 1.0, 2.0, 3.0, 4.0])
    """
    if times_s.size < 3:
        return times_s, xy
    gaps = np.diff(times_s)
    step = float(np.median(gaps))
    if step <= 0 or float(np.ptp(gaps)) <= 0.01 * step:
        return times_s, xy
    grid = times_s[0] + step * np.arange(int(np.floor((times_s[-1] - times_s[0]) / step + 1e-9))
                                         + 1)
    return grid, np.stack([np.interp(grid, times_s, xy[:, k]) for k in range(xy.shape[1])],
                          axis=1)


def sway(times_s: np.ndarray, cop_xy_mm: np.ndarray, facing: np.ndarray,
         lowpass_hz: float | None = 6.0) -> dict:
    """Sway measures of a standing trial.

    Parameters
    ----------
    times_s : ndarray, shape (T,)
    cop_xy_mm : ndarray, shape (T, 2)
        Whole-body COP in mat mm (NaN where nothing was loaded).
    facing : ndarray, shape (2,)
        Unit vector the patient faces; anterior-posterior (AP) is along it and
        medial-lateral (ML) across it.
    lowpass_hz : float or None
        Cutoff of the zero-phase low-pass applied to the COP first (see :func:`lowpass`).

    Returns
    -------
    dict
        ``path_length_mm``, ``mean_velocity_mm_s``, ``ellipse_area_95_mm2``, ``range_ap_mm``,
        ``range_ml_mm``, ``rms_ap_mm``, ``rms_ml_mm``, ``duration_s``.
    """
    ok = np.isfinite(cop_xy_mm).all(axis=1)
    if ok.sum() < 3:
        return {"path_length_mm": None, "mean_velocity_mm_s": None, "ellipse_area_95_mm2": None,
                "range_ap_mm": None, "range_ml_mm": None, "rms_ap_mm": None, "rms_ml_mm": None,
                "duration_s": None}
    t, p = evenly_sampled(times_s[ok], cop_xy_mm[ok])
    p = lowpass(t, p, lowpass_hz)
    ap = p @ facing
    ml = p @ np.array([-facing[1], facing[0]])
    length = path_length_mm(p)
    duration = float(t[-1] - t[0])
    return {
        "path_length_mm": length,
        "mean_velocity_mm_s": length / duration if duration > 0 else None,
        "ellipse_area_95_mm2": ellipse_area_95_mm2(p),
        "range_ap_mm": float(np.ptp(ap)),
        "range_ml_mm": float(np.ptp(ml)),
        "rms_ap_mm": float(np.std(ap)),
        "rms_ml_mm": float(np.std(ml)),
        "duration_s": duration,
    }
