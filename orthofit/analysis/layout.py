"""Analysis of insoles known only as a list of sensors (pedar): what pressures alone allow.

Each row of the recording is one insole, each column one sensor; the file does not say where
the sensors are. Steps (contact intervals), stance times, step and stride times and cadence,
peak and mean pressure and the highest pressure-time integral can be measured; everything that
needs the sensors' positions (footprint indices, COP and CPEI, regions, balance, step length)
cannot, and the result says so.
"""

from __future__ import annotations

import statistics
from typing import Any

import numpy as np

from orthofit.analysis.classify import Thresholds
from orthofit.analysis.gait import frame_durations_s
from orthofit.analysis.pipeline import (
    STEP_SCALARS,
    Analysis,
    FootResult,
    StepResult,
    _mark_passes,
    _r,
)
from orthofit.analysis.segment import Contact, _contact_intervals
from orthofit.analysis.spatiotemporal import STEP_KEYS, cut_by_recording, foot_gait, mark_gait
from orthofit.model import Recording

CANNOT = ("sensor layout without sensor positions in the file: arch index, Chippaux-Smirak, "
          "Staheli, COP, CPEI, regions and balance need the positions and are not computed")


def analyze_layout(rec: Recording, th: Thresholds) -> Analysis:
    """Per insole: steps, stance, peak and mean pressure, pressure-time integral."""
    sides = list(rec.profile.get("rows_are") or ["left", "right"])
    durations = frame_durations_s(rec.times_s)
    feet, steps = [], []
    threshold = th.noise_floor_kpa
    for row, side in enumerate(sides[:rec.shape[0]]):
        values = rec.frames[:, row, :]
        loaded = values > threshold
        # A step: at least three sensors loaded (a single sensor can be a seam or a crease).
        active = loaded.sum(axis=1) >= 3
        foot_steps = []
        for t0, t1 in _contact_intervals(active):
            if t1 - t0 < 3:
                continue
            v = values[t0:t1]
            held = durations[t0:t1]
            lv = v > threshold
            n = lv.sum(axis=1)
            metrics: dict[str, Any] = {
                "peak_pressure_kpa": float(v.max()),
                "mean_pressure_kpa": float(np.mean(np.where(n > 0, (v * lv).sum(1) /
                                                            np.maximum(n, 1), np.nan))),
                "stance_time_s": float(held.sum()),
                "pti_max_kpa_s": float((held @ v).max()),
                "loaded_sensors": int(lv.any(axis=0).sum()),
            }
            mask = np.ones((1, rec.shape[1]), bool)
            contact = Contact(mask, (row, row + 1, 0, rec.shape[1]), (t0, t1), False)
            # Summed pressure stands in for force (the sensors' areas are not in the file).
            ic_seen, toe_off_seen = cut_by_recording(v.sum(axis=1), (t0, t1), rec.n_frames)
            if not (ic_seen and toe_off_seen):
                metrics["stance_time_s"] = None
            step = StepResult(len(steps), side, False, [CANNOT], (t0, t1), rec.times_s[t0:t1],
                              np.full(t1 - t0, np.nan), np.full((t1 - t0, 2), np.nan),
                              metrics, {}, {}, contact, None, ic_seen=ic_seen,
                              toe_off_seen=toe_off_seen)
            foot_steps.append(step)
            steps.append(step)
        feet.append((side, foot_steps))
    _mark_passes(steps, rec.times_s, rec.pitch_mm, in_shoe=True)
    facts = mark_gait(steps, in_shoe=True, timing_only=True)
    results = []
    for side, foot_steps in feet:
        agg = {k: None for k in STEP_SCALARS}
        for key in ("peak_pressure_kpa", "mean_pressure_kpa", "stance_time_s", *STEP_KEYS):
            vals = [v for s in foot_steps if (v := s.metrics.get(key)) is not None
                    and np.isfinite(v)]
            agg[key] = float(statistics.median(vals)) if vals else None
        agg["pti_max_kpa_s"] = max((s.metrics["pti_max_kpa_s"] for s in foot_steps),
                                   default=None)
        results.append(FootResult(side, foot_steps, agg, {}, {
            "arch_type": None, "arch_borderline": False, "pronation": None,
            "pronation_borderline": False, "pronation_basis": None}, [CANNOT]))
    gait, notes = foot_gait(results, [facts], timing_only=True) if rec.mode == "walk" \
        else (None, [])
    return Analysis(
        mode=rec.mode, threshold_kpa=threshold, thresholds=th, facing=np.array([0.0, -1.0]),
        feet=results, steps=steps, balance=None, asymmetry={"flags": []}, gait=gait,
        gait_notes=notes,
        warnings=[CANNOT], recording={
            "frames": rec.n_frames, "rows": rec.shape[0], "cols": rec.shape[1],
            "pitch_mm": list(rec.pitch_mm), "rate_hz": rec.rate_hz,
            "duration_s": _r(rec.duration_s), "profile": rec.profile.get("name")})
