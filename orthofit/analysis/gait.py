"""Per-step measures from the centre of pressure: CPEI, stance phases, COP velocity."""

from __future__ import annotations

import numpy as np

from orthofit.analysis.footprint import Footprint

#: Fraction of a region's own peak force above which it counts as loaded (rejects noise).
LOADED_FRACTION = 0.05


#: Song's construction line joins the COP at touch-down and at toe off. Those frames carry a few
#: sensels and their single COP points wander by several millimetres from step to step, so each
#: end is the time-weighted mean COP over this fraction of the loaded stance (touch-down and
#: toe-off themselves, read robustly; see README).
CPEI_END_FRACTION = 0.05


def frame_durations_s(times_s: np.ndarray) -> np.ndarray:
    """How long each frame stands for (s): half the interval to each neighbour.

    Mats that deliver frames irregularly (10 to 160 ms apart) give each frame the time around
    it; the first and last frames get the whole interval to their one neighbour, so evenly
    spaced frames all get the frame interval.

    Examples
    --------
    >>> frame_durations_s(np.array([0.0, 0.01, 0.02, 0.05])).round(3).tolist()
    [0.01, 0.01, 0.02, 0.03]
    """
    t = np.asarray(times_s, dtype=float)
    if t.size < 2:
        return np.ones(t.size)
    gaps = np.diff(t)
    out = np.empty(t.size)
    out[1:-1] = 0.5 * (gaps[:-1] + gaps[1:])
    out[0], out[-1] = gaps[0], gaps[-1]
    return out


def cpei_pct(cop_uw_mm: np.ndarray, fp: Footprint,
             times_s: np.ndarray | None = None) -> float | None:
    """Centre of pressure excursion index (Song et al. 1996, JAPMA 86:16), in %.

    The construction line joins the COP at touch-down and at toe off (each the time-weighted
    mean over the first or last :data:`CPEI_END_FRACTION` of the loaded stance). At two thirds
    of the foot length from the back of the heel, where the COP path first crosses that level,
    its lateral distance from the line (positive lateral) is divided by the width of the foot
    at that level (of the print's convex hull: a high arch's print can be much narrower there
    than the foot).

    Parameters
    ----------
    cop_uw_mm : ndarray, shape (N, 2)
        COP path of one step in foot coordinates: ``u`` from the back of the heel along the
        axis, ``w`` across it, positive lateral (NaN rows are skipped).
    fp : Footprint
        The step's print (its length and widths).
    times_s : ndarray, shape (N,), optional
        Time of each COP point (evenly spaced when omitted).

    Returns
    -------
    float or None
        None when the path never reaches the two-thirds level or the print has no width there.

    Examples
    --------
    A straight path along the chord has no excursion:

    >>> from orthofit.analysis.footprint import footprint
    >>> img = np.zeros((60, 30)); img[5:55, 8:22] = 100.0
    >>> fp = footprint(img, img > 0, (5.0, 5.0), direction=(0, -1))
    >>> path = np.stack([np.linspace(20, 230, 50), np.zeros(50)], axis=1)
    >>> cpei_pct(path, fp)
    0.0
    """
    ok = np.isfinite(cop_uw_mm).all(axis=1)
    path = cop_uw_mm[ok]
    if path.shape[0] < 3:
        return None
    t = np.arange(cop_uw_mm.shape[0], dtype=float) if times_s is None else \
        np.asarray(times_s, dtype=float)
    t = t[ok]
    level = 2.0 / 3.0 * fp.length_mm
    weight = frame_durations_s(t)
    span = CPEI_END_FRACTION * (t[-1] - t[0])
    first = t <= t[0] + span
    last = t >= t[-1] - span
    (u0, w0) = weight[first] @ path[first] / weight[first].sum()
    (u1, w1) = weight[last] @ path[last] / weight[last].sum()
    if u1 - u0 <= 0:
        return None
    u, w = path[:, 0], path[:, 1]
    if not ((u.min() <= level) and (u.max() >= level)):
        return None
    i = int(np.flatnonzero((u[:-1] - level) * (u[1:] - level) <= 0)[0])
    f = (level - u[i]) / (u[i + 1] - u[i]) if u[i + 1] != u[i] else 0.0
    w_path = w[i] + f * (w[i + 1] - w[i])
    w_chord = w0 + (level - u0) * (w1 - w0) / (u1 - u0)
    width = fp.foot_width_at(level)
    if width <= 0:
        return None
    return float(100.0 * (w_path - w_chord) / width)


def stance_phases(times_s: np.ndarray, heel_n: np.ndarray, mets_n: np.ndarray, *,
                  stance_s: float | None = None) -> dict:
    """Roll-off events and phases of one step (after De Cock et al. 2005, Gait Posture 21:432).

    Parameters
    ----------
    times_s : ndarray, shape (T,)
        Times of the step's frames (first = initial contact, last = toe off).
    heel_n : ndarray, shape (T,)
        Force under the heel masks (N).
    mets_n : ndarray, shape (T, 5)
        Force under M1..M5 (N).
    stance_s : float, optional
        The step's stance time (s); by default the span of ``times_s`` plus its last interval.

    Returns
    -------
    dict
        Event times (s from initial contact): ``forefoot_contact_s`` (first metatarsal head
        loaded), ``foot_flat_s`` (all loaded heads), ``heel_off_s`` and ``toe_off_s``; phase
        durations in % of stance: ``initial_contact_pct``, ``forefoot_contact_pct``,
        ``foot_flat_pct``, ``push_off_pct``. None where an event cannot be seen.
    """
    t = times_s - times_s[0]
    durations = frame_durations_s(times_s)
    stance = float(stance_s) if stance_s is not None else float(t[-1] + durations[-1])
    met_on = mets_n > LOADED_FRACTION * np.maximum(mets_n.max(axis=0), 1e-9)
    present = mets_n.max(axis=0) > 0
    any_met = np.flatnonzero(met_on[:, present].any(axis=1)) if present.any() else np.array([])
    all_met = np.flatnonzero(met_on[:, present].all(axis=1)) if present.any() else np.array([])
    heel_on = np.flatnonzero(heel_n > LOADED_FRACTION * max(float(heel_n.max()), 1e-9))
    ffc = float(t[any_met[0]]) if any_met.size else None
    ff = float(t[all_met[0]]) if all_met.size else None
    ho = float(t[heel_on[-1]] + durations[heel_on[-1]]) if heel_on.size and heel_n.max() > 0 \
        else None
    out = {"stance_s": float(stance), "forefoot_contact_s": ffc, "foot_flat_s": ff,
           "heel_off_s": ho, "toe_off_s": float(stance)}
    if None not in (ffc, ff, ho) and stance > 0:
        ff = max(ff, ffc)
        ho = max(ho, ff)
        out.update({
            "initial_contact_pct": 100.0 * ffc / stance,
            "forefoot_contact_pct": 100.0 * (ff - ffc) / stance,
            "foot_flat_pct": 100.0 * (ho - ff) / stance,
            "push_off_pct": 100.0 * (stance - ho) / stance,
        })
    else:
        out.update({"initial_contact_pct": None, "forefoot_contact_pct": None,
                    "foot_flat_pct": None, "push_off_pct": None})
    return out


def path_length_mm(cop_xy_mm: np.ndarray) -> float:
    """Length of a COP path in mm (NaN frames skipped).

    Examples
    --------
    >>> path_length_mm(np.array([[0.0, 0.0], [3.0, 4.0], [np.nan, np.nan], [3.0, 10.0]]))
    11.0
    """
    p = cop_xy_mm[np.isfinite(cop_xy_mm).all(axis=1)]
    if p.shape[0] < 2:
        return 0.0
    return float(np.hypot(*np.diff(p, axis=0).T).sum())


def cop_velocity_mm_s(times_s: np.ndarray, cop_xy_mm: np.ndarray) -> float | None:
    """Mean COP velocity (mm/s): path length over the time between first and last valid frame."""
    ok = np.isfinite(cop_xy_mm).all(axis=1)
    if ok.sum() < 2:
        return None
    span = float(times_s[ok][-1] - times_s[ok][0])
    return path_length_mm(cop_xy_mm) / span if span > 0 else None
