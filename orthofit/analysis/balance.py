"""Standing balance (stabilometry) from the whole-body COP.

Sway path length = sum |dCOP|; mean velocity = path / time; 95 % prediction ellipse area =
pi * 5.991 * sqrt(l1 * l2) from the eigenvalues of the COP covariance (Schubert & Kirchner
2014; often called the 95 % confidence ellipse). Normal values differ between platforms, so
none are built in. The stabilogram is the sway path itself, drawn with that ellipse.
"""

from __future__ import annotations

import math

import numpy as np

from orthofit.analysis.gait import path_length_mm

#: chi-square quantile with 2 degrees of freedom at 95 %.
CHI2_95_2DOF = 5.991

#: A stabilogram keeps at most this many points (evenly in time): enough to draw, small in JSON.
STABILOGRAM_MAX_POINTS = 2000


def ellipse_95(cop_xy_mm: np.ndarray) -> dict | None:
    """The 95 % prediction ellipse of a COP path (NaN frames skipped).

    Its semi-axes are ``sqrt(5.991 * l)`` for the eigenvalues ``l`` of the path's covariance
    (n - 1 normalisation), so its area is pi * 5.991 * sqrt(l1 * l2) (Schubert & Kirchner 2014).

    Parameters
    ----------
    cop_xy_mm : ndarray, shape (N, 2)
        The path in mm, ``(x, y)``.

    Returns
    -------
    dict or None
        ``centre_mm`` (x, y: the mean), ``semi_axes_mm`` (major, minor), ``angle_deg`` (of the
        major axis from +x toward +y, in (-90, 90]), ``area_mm2``; None for fewer than 3 points.

    Examples
    --------
    >>> e = ellipse_95(np.array([[-3.0, -1.0], [3.0, -1.0], [3.0, 1.0], [-3.0, 1.0]]))
    >>> [round(v, 4) for v in e["semi_axes_mm"]], e["angle_deg"], e["centre_mm"]
    ([8.4789, 2.8263], 0.0, (0.0, 0.0))
    """
    p = cop_xy_mm[np.isfinite(cop_xy_mm).all(axis=1)]
    if p.shape[0] < 3:
        return None
    centre = p.mean(axis=0)
    eig, vecs = np.linalg.eigh(np.cov((p - centre).T))
    minor, major = max(float(eig[0]), 0.0), max(float(eig[1]), 0.0)
    angle = math.degrees(math.atan2(vecs[1, 1], vecs[0, 1]))
    # An axis has no direction: fold into (-90, 90].
    angle = angle - 180.0 if angle > 90.0 else angle + 180.0 if angle <= -90.0 else angle
    return {"centre_mm": (float(centre[0]), float(centre[1])),
            "semi_axes_mm": (math.sqrt(CHI2_95_2DOF * major), math.sqrt(CHI2_95_2DOF * minor)),
            "angle_deg": float(angle) + 0.0,
            "area_mm2": float(math.pi * CHI2_95_2DOF * math.sqrt(major * minor))}


def ellipse_area_95_mm2(cop_xy_mm: np.ndarray) -> float | None:
    """Area (mm^2) of the 95 % prediction ellipse of a COP path (:func:`ellipse_95`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> xy = rng.normal(size=(200000, 2)) * [2.0, 1.0]
    >>> round(ellipse_area_95_mm2(xy) / (np.pi * 5.991 * 2.0), 2)
    1.0
    """
    e = ellipse_95(cop_xy_mm)
    return None if e is None else e["area_mm2"]


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


def sway_path(times_s: np.ndarray, cop_xy_mm: np.ndarray, facing: np.ndarray,
              lowpass_hz: float | None = 6.0) -> tuple[np.ndarray, np.ndarray] | None:
    """The body's sway path as the measures see it: evenly sampled, filtered, turned to the body.

    Parameters
    ----------
    times_s : ndarray, shape (T,)
    cop_xy_mm : ndarray, shape (T, 2)
        Whole-body COP in mat mm (NaN where nothing was loaded).
    facing : ndarray, shape (2,)
        Unit vector the patient faces; anterior-posterior (AP) is along it and medial-lateral
        (ML) across it, positive to the patient's right.
    lowpass_hz : float or None
        Cutoff of the zero-phase low-pass applied first (see :func:`lowpass`).

    Returns
    -------
    (ndarray, ndarray) or None
        Times (s, shape (N,)) and the path (N, 2): ML to the right and AP forwards, in mm
        about its mean. None with fewer than 3 loaded frames.
    """
    ok = np.isfinite(cop_xy_mm).all(axis=1)
    if ok.sum() < 3:
        return None
    t, p = evenly_sampled(times_s[ok], cop_xy_mm[ok])
    p = lowpass(t, p, lowpass_hz)
    p = p - p.mean(axis=0)
    facing = np.asarray(facing, dtype=float)
    return t, np.stack([p @ np.array([-facing[1], facing[0]]), p @ facing], axis=1)


_NO_SWAY = {"path_length_mm": None, "mean_velocity_mm_s": None, "ellipse_area_95_mm2": None,
            "range_ap_mm": None, "range_ml_mm": None, "rms_ap_mm": None, "rms_ml_mm": None,
            "duration_s": None}


def sway_measures(path: tuple[np.ndarray, np.ndarray] | None) -> dict:
    """Sway measures of a path from :func:`sway_path` (None values when there is none).

    Returns
    -------
    dict
        ``path_length_mm``, ``mean_velocity_mm_s``, ``ellipse_area_95_mm2``, ``range_ap_mm``,
        ``range_ml_mm``, ``rms_ap_mm``, ``rms_ml_mm``, ``duration_s``.
    """
    if path is None:
        return dict(_NO_SWAY)
    t, p = path
    ml, ap = p[:, 0], p[:, 1]
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


def sway(times_s: np.ndarray, cop_xy_mm: np.ndarray, facing: np.ndarray,
         lowpass_hz: float | None = 6.0) -> dict:
    """Sway measures of a standing trial (:func:`sway_path` then :func:`sway_measures`).

    Parameters
    ----------
    times_s : ndarray, shape (T,)
    cop_xy_mm : ndarray, shape (T, 2)
        Whole-body COP in mat mm (NaN where nothing was loaded).
    facing : ndarray, shape (2,)
        Unit vector the patient faces.
    lowpass_hz : float or None
        Cutoff of the zero-phase low-pass applied to the COP first (see :func:`lowpass`).
    """
    return sway_measures(sway_path(times_s, cop_xy_mm, facing, lowpass_hz))


def stabilogram(paths: list[np.ndarray], max_points: int = STABILOGRAM_MAX_POINTS) -> dict:
    """The stabilogram of one or more standing trials: the sway path and its 95 % ellipse.

    Several trials (a visit's standing trials, whose other figures are means of the trials) are
    concatenated, each about its own mean: the trace shows every trial's sway and the ellipse is
    that of all of it together (pooled). Its area is then close to, but not the same as, the
    mean of the trials' areas; for one trial it is exactly ``ellipse_area_95_mm2``.

    Parameters
    ----------
    paths : list of ndarray, shape (N_i, 2)
        Each trial's path from :func:`sway_path` (ML to the right, AP forwards, mm, evenly
        sampled).
    max_points : int
        The trace is thinned to at most this many points, by keeping every k-th sample (evenly
        in time); the ellipse uses every sample.

    Returns
    -------
    dict
        ``x_mm`` (ML) and ``y_mm`` (AP) lists, ``ellipse`` (see :func:`ellipse_95`),
        ``trials`` (how many were pooled) and ``trial_starts`` (index in the trace where each
        trial begins: do not join the line across them).
    """
    centred = [p - p.mean(axis=0) for p in paths if len(p)]
    if not centred:
        return {"x_mm": [], "y_mm": [], "ellipse": None, "trials": 0, "trial_starts": []}
    pooled = np.concatenate(centred)
    # The same stride through every trial from its first sample: each trial keeps at most one
    # point more than its share, hence the room left for one per trial.
    k = max(1, math.ceil(pooled.shape[0] / max(max_points - len(centred), 1)))
    kept = [p[::k] for p in centred]
    starts = np.cumsum([0] + [len(p) for p in kept[:-1]]).tolist()
    trace = np.concatenate(kept)
    return {"x_mm": trace[:, 0].tolist(), "y_mm": trace[:, 1].tolist(),
            "ellipse": ellipse_95(pooled), "trials": len(centred), "trial_starts": starts}
