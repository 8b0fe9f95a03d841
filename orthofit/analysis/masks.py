"""Anatomical masks along the foot axis, and the loads under them.

Masks follow the foot axis, not the mat's rows (DOMAIN.md). They are geometric, like the
percentage masks of commercial software: along the toe-less length L0 from the back of the heel,
heel 0-37.5 % (30 % of a typical full foot length), midfoot to 64 % (the traditional forefoot
band starts at 51 % of foot length, Forghany 2018), metatarsals from there to the toe line, toes
in front of it. Across the forefoot, from the medial edge: M1 0-30 %, M2 to 47 %, M3 to 63 %,
M4 to 80 %, M5 the rest (the heads' usual spacing); the heel splits at the axis; the hallux is
the toe region medial of 15 % of the forefoot width from the axis.
"""

from __future__ import annotations

import numpy as np

from orthofit.analysis.footprint import Footprint

MASK_NAMES = (
    "medial_heel", "lateral_heel", "midfoot", "m1", "m2", "m3", "m4", "m5", "hallux", "toes_2_5",
)
MEDIAL_MASKS = ("m1", "m2", "medial_heel")
LATERAL_MASKS = ("m3", "m4", "m5", "lateral_heel")
_HEEL_END, _MIDFOOT_END = 0.375, 0.64
_MET_EDGES = (0.30, 0.47, 0.63, 0.80)


def assign_masks(fp: Footprint) -> np.ndarray:
    """Index into :data:`MASK_NAMES` for every sensel of the footprint (same order as its mask).

    Examples
    --------
    >>> MASK_NAMES[0]
    'medial_heel'
    """
    u = fp.sensel_u_mm / max(fp.toeless_length_mm, 1e-9)
    w = fp.sensel_w_mm
    w_med, w_lat = fp.toeless_extent_w_mm
    across = np.clip((w - w_med) / max(w_lat - w_med, 1e-9), 0.0, 1.0)
    out = np.full(u.shape, MASK_NAMES.index("midfoot"))
    heel = u < _HEEL_END
    out[heel & (w < 0)] = MASK_NAMES.index("medial_heel")
    out[heel & (w >= 0)] = MASK_NAMES.index("lateral_heel")
    mets = (u >= _MIDFOOT_END) & ~fp.sensel_is_toe
    bands = np.searchsorted(np.asarray(_MET_EDGES), across, side="right")
    out[mets] = MASK_NAMES.index("m1") + bands[mets]
    hallux_edge = -0.15 * fp.forefoot_width_mm
    toes = fp.sensel_is_toe
    out[toes & (w < hallux_edge)] = MASK_NAMES.index("hallux")
    out[toes & (w >= hallux_edge)] = MASK_NAMES.index("toes_2_5")
    return out


def mask_loads(values_kpa: np.ndarray, mask_index: np.ndarray, sensel_area_mm2: float,
               durations_s: np.ndarray | float) -> dict[str, dict[str, float]]:
    """Peak pressure, pressure-time integral and load share under each mask.

    Parameters
    ----------
    values_kpa : ndarray, shape (T, N)
        Pressure of the foot's N sensels over the contact's frames.
    mask_index : ndarray, shape (N,)
        Mask of each sensel (:func:`assign_masks`).
    sensel_area_mm2 : float
    durations_s : ndarray, shape (T,), or float
        How long each frame stands for in s (:func:`orthofit.analysis.gait.frame_durations_s`;
        mats deliver frames irregularly), or one frame interval for all.

    Returns
    -------
    dict
        Per mask name: ``peak_kpa`` (highest sensel), ``pti_kpa_s`` (highest sensel's
        pressure-time integral), ``impulse_n_s`` (force-time integral) and ``load_pct`` (share
        of the foot's impulse).
    """
    peak = values_kpa.max(axis=0)
    held = np.broadcast_to(np.asarray(durations_s, dtype=np.float64), values_kpa.shape[:1])
    pti = held @ values_kpa.astype(np.float64, copy=False)
    impulse = pti * sensel_area_mm2 * 1e-3
    total = impulse.sum()
    out = {}
    for i, name in enumerate(MASK_NAMES):
        sel = mask_index == i
        if not sel.any():
            out[name] = {"peak_kpa": 0.0, "pti_kpa_s": 0.0, "impulse_n_s": 0.0, "load_pct": 0.0}
            continue
        imp = float(impulse[sel].sum())
        out[name] = {
            "peak_kpa": float(peak[sel].max()),
            "pti_kpa_s": float(pti[sel].max()),
            "impulse_n_s": imp,
            "load_pct": 100.0 * imp / total if total > 0 else 0.0,
        }
    return out


def balance_pct(loads: dict[str, dict[str, float]]) -> dict[str, float | None]:
    """Medial/lateral and forefoot balance in % of the foot's load (footscan's zones).

    ``medial_pct`` = (M1 + M2 + medial heel) / (those + M3 + M4 + M5 + lateral heel);
    ``forefoot_medial_pct`` = (M1 + M2) / (M1 + ... + M5).
    """
    med = sum(loads[m]["impulse_n_s"] for m in MEDIAL_MASKS)
    lat = sum(loads[m]["impulse_n_s"] for m in LATERAL_MASKS)
    fmed = loads["m1"]["impulse_n_s"] + loads["m2"]["impulse_n_s"]
    flat = sum(loads[m]["impulse_n_s"] for m in ("m3", "m4", "m5"))
    return {
        "medial_pct": 100.0 * med / (med + lat) if med + lat > 0 else None,
        "forefoot_medial_pct": 100.0 * fmed / (fmed + flat) if fmed + flat > 0 else None,
    }
