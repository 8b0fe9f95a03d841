"""The whole analysis of a recording: feet, steps, indices, loads, balance, classification."""

from __future__ import annotations

import dataclasses
import math
import statistics
from typing import Any

import numpy as np

from orthofit.analysis.balance import sway
from orthofit.analysis.classify import Thresholds, classify_arch, classify_pronation
from orthofit.analysis.cop import masked_force_and_cop
from orthofit.analysis.footprint import Footprint, footprint
from orthofit.analysis.gait import cop_velocity_mm_s, cpei_pct, stance_phases
from orthofit.analysis.masks import MASK_NAMES, assign_masks, balance_pct, mask_loads
from orthofit.analysis.segment import Contact, find_contacts, noise_threshold_kpa
from orthofit.model import Recording

#: Scalar step measures aggregated per foot (median over complete steps).
STEP_SCALARS = (
    "arch_index", "chippaux_smirak_pct", "staheli", "cpei", "foot_length_mm",
    "toeless_length_mm", "foot_width_mm", "contact_area_cm2", "peak_pressure_kpa",
    "mean_pressure_kpa", "max_force_n", "stance_time_s", "cop_velocity_mm_s", "medial_pct",
    "forefoot_medial_pct", "progression_angle_deg",
)


#: Frames whose force is below this fraction of the contact's peak force get no COP.
COP_MIN_FORCE_FRACTION = 0.05


@dataclasses.dataclass
class StepResult:
    """Measures of one contact of one foot (a walking step, or a standing foot)."""

    index: int
    side: str | None
    complete: bool
    flags: list[str]
    frames: tuple[int, int]
    times_s: np.ndarray
    force_n: np.ndarray
    cop_xy_mm: np.ndarray
    metrics: dict[str, Any]
    masks: dict[str, dict[str, float]]
    phases: dict[str, Any]
    contact: Contact
    footprint: Footprint | None

    def to_dict(self, *, series: bool = True) -> dict[str, Any]:
        """JSON-ready dict; ``series`` adds the force curve and COP path per frame."""
        out: dict[str, Any] = {
            "index": self.index, "side": self.side, "complete": self.complete,
            "flags": list(self.flags),
            "t_start_s": _r(float(self.times_s[0]), 4), "t_end_s": _r(float(self.times_s[-1]), 4),
            **{k: _r(v) for k, v in self.metrics.items()},
            "phases": {k: _r(v) for k, v in self.phases.items()},
            "masks": {k: {kk: _r(vv) for kk, vv in v.items()} for k, v in self.masks.items()},
        }
        if series:
            out["force_n"] = [_r(float(v), 1) for v in self.force_n]
            out["cop_mm"] = [None if not np.isfinite(p).all() else [_r(float(p[0]), 1),
                             _r(float(p[1]), 1)] for p in self.cop_xy_mm]
        return out


@dataclasses.dataclass
class FootResult:
    """One side's result: the median over its complete steps, and its classification."""

    side: str
    steps: list[StepResult]
    metrics: dict[str, Any]
    masks: dict[str, dict[str, float]]
    classification: dict[str, Any]
    flags: list[str]

    def representative(self) -> StepResult | None:
        """The complete step closest to this foot's median arch index (for pictures)."""
        complete = [s for s in self.steps if s.complete and s.footprint is not None]
        if not complete:
            return None
        target = self.metrics.get("arch_index")
        if target is None:
            return complete[0]
        return min(complete, key=lambda s: abs((s.metrics.get("arch_index") or 0) - target))

    def to_dict(self, *, series: bool = True) -> dict[str, Any]:
        """JSON-ready dict with the per-step values under ``steps``."""
        return {
            "side": self.side,
            "n_steps": sum(s.complete for s in self.steps),
            **{k: _r(v) for k, v in self.metrics.items()},
            **{k: _r(v) for k, v in self.classification.items()},
            "masks": {k: {kk: _r(vv) for kk, vv in v.items()} for k, v in self.masks.items()},
            "flags": list(self.flags),
            "steps": [s.to_dict(series=series) for s in self.steps],
        }


@dataclasses.dataclass
class Analysis:
    """Everything ``orthofit.analyze`` finds in a recording. ``to_dict()`` gives the JSON."""

    mode: str
    threshold_kpa: float
    thresholds: Thresholds
    facing: np.ndarray
    feet: list[FootResult]
    steps: list[StepResult]
    balance: dict[str, Any] | None
    asymmetry: dict[str, Any]
    warnings: list[str]
    recording: dict[str, Any]

    def foot(self, side: str) -> FootResult | None:
        """The result for ``"left"`` or ``"right"``, if that foot was found."""
        return next((f for f in self.feet if f.side == side), None)

    def to_dict(self, *, series: bool = True) -> dict[str, Any]:
        """The analysis as JSON-ready data (``feet`` ordered left to right)."""
        return {
            "mode": self.mode,
            "recording": self.recording,
            "threshold_kpa": _r(self.threshold_kpa),
            "thresholds": self.thresholds.name,
            "feet": [f.to_dict(series=series) for f in self.feet],
            "unassigned_steps": [s.to_dict(series=series) for s in self.steps if s.side is None],
            "balance": None if self.balance is None else {k: _r(v) if not isinstance(v, dict)
                                                          else v for k, v in self.balance.items()},
            "asymmetry": self.asymmetry,
            "warnings": list(self.warnings),
        }


def _r(value: Any, digits: int = 4) -> Any:
    """Round floats for JSON; NaN and inf become None."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float | np.floating):
        v = float(value)
        return round(v, digits) if math.isfinite(v) else None
    return value


def _infer_mode(rec: Recording, contacts: list[Contact]) -> str:
    if rec.mode != "unknown":
        return rec.mode
    if not contacts:
        return "unknown"
    n = rec.n_frames
    if n > 1 and all(c.frames[1] - c.frames[0] >= 0.9 * n for c in contacts):
        # Loaded all along: standing, unless the load rises from nothing and falls back to it
        # (one step recorded tight around its stance, as single-step exports are).
        total = rec.frames.sum(axis=(1, 2))
        rolls = max(total[:3].min(), total[-3:].min()) < 0.25 * total.max()
        if not rolls:
            return "balance" if rec.duration_s >= 20.0 else "static"
    return "walk" if n > 1 else "static"


def _assign_sides(steps: list[StepResult], mode: str, facing: np.ndarray) -> None:
    """Settle left and right: by position for feet standing together, else by shape.

    In a walk, steps alternate; when the shape-based votes mostly agree with one alternation,
    that alternation wins (a single step's shape can mislead, the sequence rarely does).
    """
    usable = [s for s in steps if s.footprint is not None]
    right_vec = np.array([-facing[1], facing[0]])
    if mode in ("static", "balance") and len(usable) == 2:
        xs = [np.asarray(s.footprint.heel_xy_mm) @ right_vec for s in usable]
        order = np.argsort(xs)
        usable[order[0]].side, usable[order[1]].side = "left", "right"
        return
    if mode == "walk" and len(usable) >= 2:
        shape_sides = [s.footprint.side for s in usable]
        alt_a = ["left" if i % 2 == 0 else "right" for i in range(len(usable))]
        alt_b = ["right" if i % 2 == 0 else "left" for i in range(len(usable))]
        agree_a = sum(a == b for a, b in zip(alt_a, shape_sides, strict=True))
        agree_b = sum(a == b for a, b in zip(alt_b, shape_sides, strict=True))
        # Steps alternate only when they advance along the walk one after the other.
        chosen = alt_a if agree_a >= agree_b else alt_b
        if max(agree_a, agree_b) >= 0.6 * len(usable):
            for s, side in zip(usable, chosen, strict=True):
                s.side = side
            return
    for s in usable:
        s.side = s.footprint.side


def _step(index: int, contact: Contact, rec: Recording, threshold: float, facing: np.ndarray,
          mode: str, force_floor_kpa: float) -> StepResult:
    frames = rec.frames
    t0, t1 = contact.frames
    win = contact.window(frames)
    rows, cols = np.nonzero(contact.mask)
    values = win[:, rows, cols]
    times = rec.times_s[t0:t1]
    force, cop = masked_force_and_cop(win, contact.mask, rec.pitch_mm, contact.offset,
                                      min(force_floor_kpa, threshold))
    # Frames carrying almost nothing (a sensel or two at touch-down, a stray spike) give a COP
    # that is mostly noise; Song's construction line starts and ends on loaded frames.
    cop[force < COP_MIN_FORCE_FRACTION * max(float(force.max()), 1e-9)] = np.nan
    peak = np.zeros(contact.mask.shape, np.float32)
    peak[rows, cols] = values.max(axis=0)
    flags: list[str] = []
    dynamic = mode == "walk"
    direction = facing
    valid = np.isfinite(cop).all(axis=1)
    if dynamic and valid.sum() >= 2:
        travel = cop[valid][-1] - cop[valid][0]
        if np.hypot(*travel) > 30.0:
            direction = travel / np.hypot(*travel)
    dt = float(np.median(np.diff(rec.times_s))) if rec.n_frames > 1 else 1.0
    loaded = values > threshold
    n_loaded = loaded.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.where(n_loaded > 0, (values * loaded).sum(axis=1) / n_loaded, np.nan)
    metrics: dict[str, Any] = {
        "contact_area_cm2": float(rows.size * rec.sensel_area_mm2 / 100.0),
        "peak_pressure_kpa": float(values.max()),
        "mean_pressure_kpa": float(np.nanmean(mean_p)) if np.isfinite(mean_p).any() else None,
        "max_force_n": float(force.max()),
        "stance_time_s": float(times[-1] - times[0] + dt) if dynamic else None,
        "cop_velocity_mm_s": cop_velocity_mm_s(times, cop),
    }
    if contact.touches_edge:
        flags.append("off_edge: part of this foot is off the mat; its indices are not computed")
        return StepResult(index, None, False, flags, contact.frames, times, force, cop,
                          metrics, {}, {}, contact, None)
    if t1 - t0 < 3 and dynamic:
        flags.append("too_short: the foot touched the mat for fewer than 3 frames")
    try:
        fp = footprint(peak, contact.mask, rec.pitch_mm, offset=contact.offset,
                       direction=direction, threshold_kpa=threshold)
    except (ValueError, IndexError, np.linalg.LinAlgError) as exc:
        flags.append(f"footprint: the print could not be measured ({exc})")
        return StepResult(index, None, False, flags, contact.frames, times, force, cop,
                          metrics, {}, {}, contact, None)
    mask_idx = assign_masks(fp)
    loads = mask_loads(values, mask_idx, rec.sensel_area_mm2, dt)
    bal = balance_pct(loads)
    cop_uw = fp.to_foot(cop)
    heading = np.degrees(np.arctan2(fp.axis[0], -fp.axis[1]))
    metrics.update({
        "arch_index": fp.arch_index,
        "chippaux_smirak_pct": fp.chippaux_smirak_pct,
        "staheli": fp.staheli,
        "cpei": cpei_pct(cop_uw, fp) if dynamic else None,
        "foot_length_mm": fp.length_mm,
        "toeless_length_mm": fp.toeless_length_mm,
        "foot_width_mm": fp.forefoot_width_mm,
        "medial_pct": bal["medial_pct"],
        "forefoot_medial_pct": bal["forefoot_medial_pct"],
        "progression_angle_deg": float(heading),
    })
    if dynamic and metrics["cpei"] is None:
        flags.append("cpei: the COP path does not reach two thirds of the foot length")
    if fp.toe_line is None:
        flags.append("no_toes: no toe prints were found; the arch index uses the whole print")
    phases: dict[str, Any] = {}
    if dynamic:
        per_mask = np.stack([values[:, mask_idx == i].sum(axis=1) for i in range(len(MASK_NAMES))],
                            axis=1) * rec.sensel_area_mm2 * 1e-3
        heel = per_mask[:, :2].sum(axis=1)
        mets = per_mask[:, 3:8]
        phases = stance_phases(times, heel, mets)
    return StepResult(index, fp.side, True, flags, contact.frames, times, force, cop, metrics,
                      loads, phases, contact, fp)


def _aggregate(side: str, steps: list[StepResult], th: Thresholds) -> FootResult:
    complete = [s for s in steps if s.complete]
    metrics: dict[str, Any] = {}
    for key in STEP_SCALARS:
        vals = [s.metrics.get(key) for s in complete if s.metrics.get(key) is not None]
        metrics[key] = float(statistics.median(vals)) if vals else None
    masks: dict[str, dict[str, float]] = {}
    for name in MASK_NAMES:
        entries = [s.masks[name] for s in complete if name in s.masks]
        if entries:
            masks[name] = {k: float(statistics.median([e[k] for e in entries]))
                           for k in entries[0]}
    arch, arch_border = classify_arch(metrics["arch_index"], th)
    pron, pron_border, basis = classify_pronation(metrics["cpei"], metrics["medial_pct"], th)
    flags = []
    if not complete:
        flags.append("incomplete: no complete print of this foot; indices are not computed")
    return FootResult(
        side=side, steps=steps, metrics=metrics, masks=masks,
        classification={"arch_type": arch, "arch_borderline": arch_border, "pronation": pron,
                        "pronation_borderline": pron_border, "pronation_basis": basis},
        flags=flags,
    )


def _standing_balance(rec: Recording, steps: list[StepResult], facing: np.ndarray,
                      lowpass_hz: float) -> dict:
    """Load shares and sway of a standing trial from the feet's own sensels."""
    frames = rec.frames
    t = rec.n_frames
    forces = {}
    fore = np.zeros(t)
    rear = np.zeros(t)
    total_xy = np.zeros((t, 2))
    total_f = np.zeros(t)
    for s in steps:
        f = np.zeros(t)
        t0, t1 = s.frames
        f[t0:t1] = s.force_n
        xy = np.zeros((t, 2))
        xy[t0:t1] = np.nan_to_num(s.cop_xy_mm)
        total_xy += xy * f[:, None]
        total_f += f
        if s.side:
            forces[s.side] = forces.get(s.side, 0.0) + f
        if s.footprint is not None:
            rows, cols = np.nonzero(s.contact.mask)
            r0, _, c0, _ = s.contact.box
            vals = frames[t0:t1, rows + r0, cols + c0]
            is_rear = s.footprint.sensel_u_mm < 0.5 * s.footprint.length_mm
            k = rec.sensel_area_mm2 * 1e-3
            rear[t0:t1] += vals[:, is_rear].sum(axis=1) * k
            fore[t0:t1] += vals[:, ~is_rear].sum(axis=1) * k
    with np.errstate(invalid="ignore", divide="ignore"):
        body = total_xy / total_f[:, None]
    body[total_f <= 0] = np.nan
    grand = float(total_f.sum())
    out: dict[str, Any] = {
        "left_pct": 100.0 * float(forces.get("left", np.zeros(1)).sum()) / grand if grand else None,
        "right_pct": 100.0 * float(forces.get("right", np.zeros(1)).sum()) / grand
        if grand else None,
        "fore_pct": 100.0 * float(fore.sum()) / float(fore.sum() + rear.sum())
        if fore.sum() + rear.sum() > 0 else None,
        "mean_force_n": float(total_f.mean()),
    }
    out["rear_pct"] = None if out["fore_pct"] is None else 100.0 - out["fore_pct"]
    out.update(sway(rec.times_s, body, facing, lowpass_hz or None))
    return out


def _asymmetry(feet: list[FootResult], balance: dict | None, th: Thresholds) -> dict:
    left = next((f for f in feet if f.side == "left"), None)
    right = next((f for f in feet if f.side == "right"), None)
    out: dict[str, Any] = {"flags": []}
    if left is None or right is None:
        return out
    for key, limit, label in (("arch_index", th.asym_arch_index, "arch index"),
                              ("cpei", th.asym_cpei_pct, "CPEI")):
        a, b = left.metrics.get(key), right.metrics.get(key)
        if a is not None and b is not None:
            out[f"{key}_diff"] = _r(a - b)
            if abs(a - b) >= limit:
                out["flags"].append(f"{label} differs between feet by {abs(a - b):.3g}")
    if balance and balance.get("left_pct") is not None:
        diff = balance["left_pct"] - balance["right_pct"]
        out["load_share_diff_pct"] = _r(diff)
        if abs(diff) >= th.asym_load_share_pct:
            heavier = "left" if diff > 0 else "right"
            out["flags"].append(
                f"the {heavier} foot carries {abs(diff):.0f} percentage points more load "
                "(a pressure mat shows load, not leg length: measure leg length if relevant)"
            )
    return out


def analyze_recording(rec: Recording, thresholds: Thresholds | None = None) -> Analysis:
    """Analyse a recording: find the feet and steps and compute every measure.

    Parameters
    ----------
    rec : Recording
    thresholds : Thresholds, optional
        Segmentation parameters and cut-offs (the default profile's values if omitted).

    Returns
    -------
    Analysis
    """
    th = thresholds or Thresholds()
    if rec.profile.get("layout") == "sensors":
        from orthofit.analysis.layout import analyze_layout  # a list of sensors, not an image

        return analyze_layout(rec, th)
    frames = rec.frames
    peak = frames.max(axis=0)
    if rec.valid is not None:
        peak = np.where(rec.valid, peak, 0.0)
    in_shoe = bool(rec.profile.get("in_shoe"))
    # An insole sensor is covered by the foot: its median is contact, not noise.
    threshold = th.noise_floor_kpa if in_shoe else noise_threshold_kpa(peak, th.noise_floor_kpa)
    contacts, facing, n_specks = find_contacts(frames, rec.pitch_mm, threshold, th,
                                               peak_kpa=peak, valid=rec.valid, in_shoe=in_shoe)
    mode = _infer_mode(rec, contacts)
    warnings: list[str] = []
    if not contacts:
        warnings.append("no foot was found on the mat: nothing above the noise threshold "
                        f"({threshold:.1f} kPa) is large enough to be a foot")
    if n_specks:
        warnings.append(f"{n_specks} small blob(s) were ignored as noise")
    if in_shoe:
        warnings.append("in-shoe sensor: the indices describe the foot's contact inside the "
                        "shoe, not a barefoot footprint; barefoot norms do not apply")
    if rec.metadata.get("warning"):
        warnings.append(str(rec.metadata["warning"]))
    steps = [_step(i, c, rec, threshold, facing, mode, th.force_floor_kpa)
             for i, c in enumerate(contacts)]
    _assign_sides(steps, mode, facing)
    for s in steps:
        if not s.complete and s.flags and s.flags[0].startswith("off_edge"):
            warnings.append(f"step {s.index}: part of the foot is off the mat (not analysed)")
    feet = [_aggregate(side, [s for s in steps if s.side == side], th)
            for side in ("left", "right") if any(s.side == side for s in steps)]
    standing = mode in ("static", "balance") and steps
    balance = _standing_balance(rec, steps, facing, th.sway_lowpass_hz) if standing else None
    return Analysis(
        mode=mode, threshold_kpa=threshold, thresholds=th, facing=facing, feet=feet, steps=steps,
        balance=balance, asymmetry=_asymmetry(feet, balance, th), warnings=warnings,
        recording={
            "frames": rec.n_frames, "rows": rec.shape[0], "cols": rec.shape[1],
            "pitch_mm": list(rec.pitch_mm), "rate_hz": rec.rate_hz,
            "duration_s": _r(rec.duration_s), "profile": rec.profile.get("name"),
        },
    )
