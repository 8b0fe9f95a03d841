"""Calibration a clinic can do itself (pure functions).

- **Zero / tare**: with nothing on the mat, the mean count of every sensel over a few seconds
  is its zero; it is subtracted from later readings.
- **Body-weight check**: a person of known mass stands still on the mat; the force the mat
  measures is compared with mass x g, and the ratio can be stored as the mat's scale factor.
  A mat is not a scale: this corrects a whole-mat gain, not the shape of a sensor's curve.
"""

from __future__ import annotations

from typing import Any

import numpy as np

G = 9.80665


def tare_map(counts: np.ndarray) -> np.ndarray:
    """Per-sensel zero (counts) from frames recorded with nothing on the mat.

    Parameters
    ----------
    counts : ndarray, shape (T, R, C)

    Examples
    --------
    >>> tare_map(np.array([[[2, 4]], [[4, 4]]])).tolist()
    [[3.0, 4.0]]
    """
    return np.asarray(counts, dtype=np.float32).mean(axis=0)


def empty_noise_kpa(counts: np.ndarray, calibration: Any) -> float:
    """How much an empty mat's sensels read (kPa): the noise level of the mat.

    The standard deviation over time of every sensel's count, taken at the 95th percentile
    over the sensels (so the noisier sensels are covered), converted to the kPa that many
    counts above zero read. The analysis puts this mat's noise threshold at six of these.

    Parameters
    ----------
    counts : ndarray, shape (T, R, C)
        Frames recorded with nothing on the mat.
    calibration : Calibration
        The mat's counts-to-kPa conversion.

    Examples
    --------
    >>> from orthofit.matprofile import Calibration
    >>> frames = np.array([[[10, 10]], [[14, 10]], [[10, 10]], [[14, 10]]])
    >>> empty_noise_kpa(frames, Calibration(scale_kpa_per_count=0.5))
    0.95
    """
    sd = float(np.percentile(np.asarray(counts, dtype=np.float64).std(axis=0), 95))
    return round(float(calibration.to_kpa(np.array([sd]), np.zeros(1))[0]), 3)


def tare_is_plausible(counts: np.ndarray, max_count: int) -> str | None:
    """A reason the tare frames look like something stood on the mat, or None."""
    zero = tare_map(counts)
    if zero.max() > 0.25 * max_count:
        return ("some sensels read more than a quarter of their range with the mat supposedly "
                "empty; clear the mat and zero it again")
    return None


def weight_check(frames_kpa: np.ndarray, pitch_mm: tuple[float, float],
                 mass_kg: float) -> dict[str, float]:
    """Compare the mat's force with body weight.

    Parameters
    ----------
    frames_kpa : ndarray, shape (T, R, C)
        A still standing trial.
    pitch_mm : (float, float)
    mass_kg : float
        The person's mass.

    Returns
    -------
    dict
        ``measured_n`` (median force), ``expected_n`` (mass x g), ``error_pct`` and ``scale``
        (the factor that would make them agree).

    Examples
    --------
    >>> frames = np.full((3, 10, 10), 70 * G / (100 * 25 * 1e-3) * 0.9)  # reads 10 % low
    >>> weight_check(frames, (5.0, 5.0), 70.0)["error_pct"]
    -10.0
    """
    force = np.asarray(frames_kpa, dtype=np.float64).sum(axis=(1, 2)) * \
        pitch_mm[0] * pitch_mm[1] * 1e-3
    measured = float(np.median(force))
    expected = mass_kg * G
    if measured <= 0:
        raise ValueError("the mat measured no load: is the person standing on it?")
    return {"measured_n": measured, "expected_n": expected,
            "error_pct": round(100.0 * (measured - expected) / expected, 2),
            "scale": expected / measured}
