"""The whole analysis of a recording: feet, steps, indices, loads, balance, classification."""

from __future__ import annotations

import dataclasses
import math
import statistics
from typing import Any

import numpy as np

from orthofit.analysis.balance import stabilogram, sway_measures, sway_path
from orthofit.analysis.classify import INTERVAL_METHOD, MIN_STEPS, Thresholds, classify_values
from orthofit.analysis.cop import masked_force_and_cop
from orthofit.analysis.footprint import Footprint, footprint
from orthofit.analysis.gait import (
    cop_velocity_mm_s,
    cpei_pct,
    frame_durations_s,
    stance_phases,
)
from orthofit.analysis.masks import MASK_NAMES, assign_masks, balance_pct, mask_loads
from orthofit.analysis.segment import Contact, find_contacts, noise_threshold_kpa
from orthofit.analysis.spatiotemporal import cut_by_recording, foot_gait, mark_gait, toe_out_deg
from orthofit.errors import OrthofitError
from orthofit.model import Recording

#: Scalar step measures aggregated per foot (median over complete steps).
STEP_SCALARS = (
    "arch_index", "chippaux_smirak_pct", "staheli", "cpei", "foot_length_mm",
    "toeless_length_mm", "foot_width_mm", "contact_area_cm2", "peak_pressure_kpa",
    "mean_pressure_kpa", "max_force_n", "stance_time_s", "cop_velocity_mm_s", "medial_pct",
    "forefoot_medial_pct", "progression_angle_deg",
    # Step and stride of a walk (orthofit.analysis.spatiotemporal; None when standing).
    "step_length_mm", "step_time_s", "stride_length_mm", "stride_time_s", "speed_m_s",
)

#: Roll-off phases of a walking step in % of stance (``StepResult.phases``), aggregated per foot
#: as the other step measures (medians; they need not add up to 100 %).
PHASE_SCALARS = ("initial_contact_pct", "forefoot_contact_pct", "foot_flat_pct", "push_off_pct")


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
    #: Which recording of the analysis the step comes from (0 for a single recording).
    trial: int = 0
    #: Where the step stands in its pass over the mat: "first", "middle", "last" or "only".
    pass_position: str = "only"
    #: Whether the step counts in its foot's figures (complete, and not left out as the first
    #: or last step of a pass).
    used: bool = True
    #: Which pass over the mat of its trial the step belongs to (0, 1, ... in time order).
    pass_index: int = 0
    #: Whether the recording shows the step's initial contact and its toe off (a recording that
    #: starts or ends in mid-stance cuts the step: its timing is unknown).
    ic_seen: bool = True
    toe_off_seen: bool = True

    def to_dict(self, *, series: bool = True) -> dict[str, Any]:
        """JSON-ready dict; ``series`` adds the force curve and COP path per frame."""
        out: dict[str, Any] = {
            "index": self.index, "trial": self.trial, "side": self.side,
            "complete": self.complete, "used": self.used, "pass_position": self.pass_position,
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
    """One side's result over all its steps (and trials), and its classification.

    ``metrics`` holds each measure's median over the used steps of a walk (the mean over the
    trials of standing); ``stats`` its spread: ``n``, ``median`` (or ``mean``), ``q1``, ``q3``,
    ``min``, ``max`` and the per-step ``values``.
    """

    side: str
    steps: list[StepResult]
    metrics: dict[str, Any]
    masks: dict[str, dict[str, float]]
    classification: dict[str, Any]
    flags: list[str]
    stats: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def used_steps(self) -> list[StepResult]:
        """The steps this foot's figures come from."""
        return [s for s in self.steps if s.complete and s.used]

    def representative(self) -> StepResult | None:
        """The used step closest to this foot's median arch index (for pictures)."""
        complete = [s for s in self.used_steps if s.footprint is not None] or \
            [s for s in self.steps if s.complete and s.footprint is not None]
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
            "n_steps": len(self.used_steps),
            "n_steps_left_out": sum(s.complete and not s.used for s in self.steps),
            **{k: _r(v) for k, v in self.metrics.items()},
            **{k: _rr(v) for k, v in self.classification.items()},
            "stats": {k: _rr(v) for k, v in self.stats.items()},
            "masks": {k: {kk: _r(vv) for kk, vv in v.items()} for k, v in self.masks.items()},
            "flags": list(self.flags),
            "notes": list(self.notes),
            "steps": [s.to_dict(series=series) for s in self.steps],
        }


@dataclasses.dataclass
class Analysis:
    """Everything ``orthofit.analyze`` finds in a recording. ``to_dict()`` gives the JSON.

    An analysis of several trials (:func:`analyze_trials`) has the same shape: ``steps`` holds
    the steps of every trial (each knows its ``trial``), ``trials`` describes each recording,
    ``recording`` the first one, and ``recordings`` keeps the recordings themselves (for
    pictures; not part of the JSON).

    A walk's ``gait`` holds each foot's step and stride parameters (see
    :mod:`orthofit.analysis.spatiotemporal`; None for standing trials), and ``gait_notes`` says
    why any of them could not be measured. A standing trial's ``balance`` holds the load shares,
    the sway measures and its ``stabilogram`` (:func:`orthofit.analysis.balance.stabilogram`).
    """

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
    trials: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    recordings: list[Recording] = dataclasses.field(default_factory=list, repr=False)
    gait: dict[str, dict[str, Any]] | None = None
    gait_notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def combined(self) -> bool:
        """Whether this analysis judges the feet from more than one recording."""
        return len(self.trials) > 1

    def frames_of(self, step: StepResult) -> np.ndarray | None:
        """The frames (T x R x C kPa) of the recording a step comes from, when kept."""
        return self.recordings[step.trial].frames if step.trial < len(self.recordings) else None

    def foot(self, side: str) -> FootResult | None:
        """The result for ``"left"`` or ``"right"``, if that foot was found."""
        return next((f for f in self.feet if f.side == side), None)

    def to_dict(self, *, series: bool = True) -> dict[str, Any]:
        """The analysis as JSON-ready data (``feet`` ordered left to right).

        ``series`` adds the per-frame series: each step's force and COP, and the stabilogram's
        trace (its ellipse is always there).
        """
        return {
            "mode": self.mode,
            "recording": self.recording,
            "threshold_kpa": _r(self.threshold_kpa),
            "thresholds": self.thresholds.name,
            "feet": [f.to_dict(series=series) for f in self.feet],
            "unassigned_steps": [s.to_dict(series=series) for s in self.steps if s.side is None],
            "balance": _balance_json(self.balance, series=series),
            "gait": None if self.gait is None else {
                side: {k: _r(v, GAIT_DIGITS.get(k, 4)) for k, v in g.items()}
                for side, g in self.gait.items()},
            "gait_notes": list(self.gait_notes),
            "asymmetry": self.asymmetry,
            "warnings": list(self.warnings),
            "trials": [dict(t) for t in self.trials],
        }


#: Decimals of the gait parameters in the JSON (mm to 0.1, s to the ms, speed to the mm/s).
GAIT_DIGITS = {"stance_time_s": 3, "step_time_s": 3, "stride_time_s": 3, "step_length_mm": 1,
               "stride_length_mm": 1, "cadence_steps_min": 1, "speed_m_s": 3,
               "progression_angle_deg": 1}


def _balance_json(balance: dict[str, Any] | None, *, series: bool) -> dict[str, Any] | None:
    """The balance dict for JSON: figures rounded, the stabilogram trace to 0.01 mm."""
    if balance is None:
        return None
    out: dict[str, Any] = {}
    for key, value in balance.items():
        if key != "stabilogram" or value is None:
            out[key] = _r(value) if not isinstance(value, dict) else value
            continue
        ell = value["ellipse"]
        out[key] = {
            "n_points": len(value["x_mm"]), "trials": value.get("trials", 1),
            "ellipse": None if ell is None else {
                # A centre a rounding error from 0 must not print as -0.0.
                "centre_mm": [_r(v, 3) + 0.0 for v in ell["centre_mm"]],
                "semi_axes_mm": [_r(v, 3) for v in ell["semi_axes_mm"]],
                "angle_deg": _r(ell["angle_deg"], 2), "area_mm2": _r(ell["area_mm2"], 2)},
        }
        if series:
            out[key]["x_mm"] = [_r(float(v), 2) for v in value["x_mm"]]
            out[key]["y_mm"] = [_r(float(v), 2) for v in value["y_mm"]]
            out[key]["trial_starts"] = list(value.get("trial_starts", [0]))
    return out


def _r(value: Any, digits: int = 4) -> Any:
    """Round floats for JSON; NaN and inf become None."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float | np.floating):
        v = float(value)
        return round(v, digits) if math.isfinite(v) else None
    return value


def _rr(value: Any) -> Any:
    """:func:`_r` through lists and dicts."""
    if isinstance(value, dict):
        return {k: _rr(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rr(v) for v in value]
    return _r(value)


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
          mode: str, force_floor_kpa: float, durations: np.ndarray) -> StepResult:
    """Every measure of one contact; ``durations`` is how long each frame stands for (s)."""
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
    held = durations[t0:t1]
    loaded = values > threshold
    n_loaded = loaded.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.where(n_loaded > 0, (values * loaded).sum(axis=1) / n_loaded, np.nan)
    metrics: dict[str, Any] = {
        "contact_area_cm2": float(rows.size * rec.sensel_area_mm2 / 100.0),
        "peak_pressure_kpa": float(values.max()),
        "mean_pressure_kpa": float(np.nanmean(mean_p)) if np.isfinite(mean_p).any() else None,
        "max_force_n": float(force.max()),
        "stance_time_s": float(held.sum()) if dynamic else None,
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
                       direction=direction, threshold_kpa=threshold,
                       cop_xy_mm=cop if dynamic else None)
    except (ValueError, IndexError, np.linalg.LinAlgError) as exc:
        flags.append(f"footprint: the print could not be measured ({exc})")
        return StepResult(index, None, False, flags, contact.frames, times, force, cop,
                          metrics, {}, {}, contact, None)
    mask_idx = assign_masks(fp)
    loads = mask_loads(values, mask_idx, rec.sensel_area_mm2, held)
    bal = balance_pct(loads)
    cop_uw = fp.to_foot(cop)
    metrics.update({
        "arch_index": fp.arch_index,
        "chippaux_smirak_pct": fp.chippaux_smirak_pct,
        "staheli": fp.staheli,
        "cpei": cpei_pct(cop_uw, fp, times) if dynamic else None,
        "foot_length_mm": fp.length_mm,
        "toeless_length_mm": fp.toeless_length_mm,
        "foot_width_mm": fp.forefoot_width_mm,
        "medial_pct": bal["medial_pct"],
        "forefoot_medial_pct": bal["forefoot_medial_pct"],
        # Toe-out: needs the settled side and, in a walk, the direction of the pass (_trial).
        "progression_angle_deg": None,
    })
    if dynamic and metrics["cpei"] is None:
        flags.append("cpei: the COP path does not reach two thirds of the foot length")
    if fp.toe_line is None:
        flags.append("no_toes: no toe prints were found; the arch index uses the whole print")
    phases: dict[str, Any] = {}
    seen = (True, True)
    if dynamic:
        per_mask = np.stack([values[:, mask_idx == i].sum(axis=1) for i in range(len(MASK_NAMES))],
                            axis=1) * rec.sensel_area_mm2 * 1e-3
        heel = per_mask[:, :2].sum(axis=1)
        mets = per_mask[:, 3:8]
        phases = stance_phases(times, heel, mets, stance_s=float(held.sum()))
        seen = cut_by_recording(force, contact.frames, rec.n_frames)
        if not all(seen):
            # Stance and its phases are fractions of a stance the recording does not hold.
            flags.append("cut: the recording " + ("starts" if not seen[0] else "ends")
                         + " during this step: its stance time and phases are not known")
            metrics["stance_time_s"] = None
            phases.update({k: None for k in PHASE_SCALARS})
    return StepResult(index, fp.side, True, flags, contact.frames, times, force, cop, metrics,
                      loads, phases, contact, fp, ic_seen=seen[0], toe_off_seen=seen[1])


#: A step after this many seconds of empty mat, or landing this far behind the one before once
#: the pass has travelled twice as far (a turn), starts a new pass over the mat.
PASS_GAP_S = 1.0
PASS_TURN_MM = 150.0


def _mark_passes(steps: list[StepResult], times_s: np.ndarray, pitch_mm: tuple[float, float],
                 *, in_shoe: bool = False) -> None:
    """Mark each step's pass (``pass_index``) and place in it (first, middle, last, only).

    A pass is a walk over the mat in one direction: it ends when the mat stays empty for
    :data:`PASS_GAP_S` or the next step lands well behind the last, against the way the pass
    has been going (the person turned). The way is the pass's own, from its first step to its
    last: a walk back over the mat is a pass too, and feet stepping in place (which move
    sideways only, less than twice :data:`PASS_TURN_MM`) never turn. An in-shoe sensor's
    prints stay where the insole is: only the time gap counts. In a pass of three or more
    contacts the first is gait initiation and the last termination.
    """
    order = sorted(steps, key=lambda s: s.frames[0])
    passes: list[list[StepResult]] = []
    starts: list[np.ndarray] = []
    last_end = -np.inf
    last_pos = np.zeros(2)
    for s in order:
        r0, r1, c0, c1 = s.contact.box
        pos = np.array([(c0 + c1) / 2 * pitch_mm[1], (r0 + r1) / 2 * pitch_mm[0]])
        start = float(times_s[s.frames[0]])
        turned = False
        if passes and not in_shoe:
            way = last_pos - starts[-1]
            travel = float(np.hypot(*way))
            turned = travel >= 2 * PASS_TURN_MM and \
                float((pos - last_pos) @ way) / travel < -PASS_TURN_MM
        if not passes or start - last_end >= PASS_GAP_S or turned:
            passes.append([])
            starts.append(pos)
        passes[-1].append(s)
        last_end = max(last_end, float(times_s[s.frames[1] - 1]))
        last_pos = pos
    for k, group in enumerate(passes):
        for i, s in enumerate(group):
            s.pass_index = k
            if len(group) < 3:
                s.pass_position = "only"
            else:
                s.pass_position = "first" if i == 0 else "last" if i == len(group) - 1 else \
                    "middle"


def _quantile(ordered: list[float], q: float) -> float:
    """Linear-interpolation quantile of sorted values (numpy's default method)."""
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (pos - lo) * (ordered[hi] - ordered[lo])


def _stats(values: list[float], *, standing: bool) -> dict[str, Any]:
    """Spread of one measure over a foot's steps (few values: plain Python is quickest)."""
    v = [float(x) for x in values]
    ordered = sorted(v)
    out: dict[str, Any] = {"n": len(v), "min": ordered[0], "max": ordered[-1],
                           "q1": _quantile(ordered, 0.25), "q3": _quantile(ordered, 0.75),
                           "values": v}
    out["mean" if standing else "median"] = statistics.fmean(v) if standing else \
        _quantile(ordered, 0.5)
    return out


def _aggregate(side: str, steps: list[StepResult], th: Thresholds, standing: bool) -> FootResult:
    """One foot from all its steps: medians (walk) or means of trials (standing), classes."""
    complete = [s for s in steps if s.complete]
    notes: list[str] = []
    if not standing:
        edges = [s for s in complete if s.pass_position in ("first", "last")]
        inner = [s for s in complete if s.pass_position not in ("first", "last")]
        if edges and len(inner) >= MIN_STEPS:
            for s in edges:
                s.used = False
            notes.append(f"{len(edges)} step{'s' if len(edges) != 1 else ''} at the start or "
                         "end of a pass left out (gait initiation and termination are not "
                         "typical steps)")
        elif edges:
            notes.append("the first and last steps of a pass were kept: too few other steps")
    used = [s for s in complete if s.used]
    metrics: dict[str, Any] = {}
    stats: dict[str, dict[str, Any]] = {}
    for key in STEP_SCALARS + PHASE_SCALARS:
        source = "phases" if key in PHASE_SCALARS else "metrics"
        vals = [v for s in used if (v := getattr(s, source).get(key)) is not None]
        if vals:
            stats[key] = _stats(vals, standing=standing)
            metrics[key] = stats[key]["mean" if standing else "median"]
        else:
            metrics[key] = None
    masks: dict[str, dict[str, float]] = {}
    for name in MASK_NAMES:
        entries = [s.masks[name] for s in used if name in s.masks]
        if entries:
            centre = statistics.fmean if standing else statistics.median
            masks[name] = {k: float(centre([e[k] for e in entries])) for k in entries[0]}
    arch = classify_values("arch_index", [s.metrics.get("arch_index") for s in used], th,
                           standing=standing)
    cpei = [s.metrics.get("cpei") for s in used if s.metrics.get("cpei") is not None]
    basis = "cpei" if cpei else "medial_lateral_balance"
    pron = classify_values("cpei", cpei, th) if cpei else classify_values(
        "medial_pct", [s.metrics.get("medial_pct") for s in used], th, standing=standing)
    if pron["class"] is None:
        basis = None
    flags = []
    if not complete:
        flags.append("incomplete: no complete print of this foot; indices are not computed")
    classification = {
        "arch_type": arch["class"], "arch_borderline": arch["borderline"],
        "arch_reason": arch["reason"], "arch_interval": arch["interval"],
        "pronation": pron["class"], "pronation_borderline": pron["borderline"],
        "pronation_basis": basis, "pronation_reason": pron["reason"],
        "pronation_interval": pron["interval"], "n_steps": len(used),
        "interval_method": INTERVAL_METHOD,
    }
    return FootResult(side=side, steps=steps, metrics=metrics, masks=masks,
                      classification=classification, flags=flags, stats=stats, notes=notes)


def _standing_balance(rec: Recording, steps: list[StepResult], facing: np.ndarray,
                      lowpass_hz: float) -> tuple[dict, np.ndarray | None]:
    """Load shares, sway and stabilogram of a standing trial from the feet's own sensels.

    Returns the balance dict and the body's sway path (medio-lateral, antero-posterior mm,
    evenly sampled and filtered; None when too short) for pooling trials.
    """
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
    # Shares of the load over time: each frame weighs the time it stands for (frames of a
    # low-cost mat come unevenly).
    held = frame_durations_s(rec.times_s)
    grand = float(total_f @ held)
    fore_i, rear_i = float(fore @ held), float(rear @ held)
    out: dict[str, Any] = {
        "left_pct": 100.0 * float(forces.get("left", np.zeros(t)) @ held) / grand
        if grand else None,
        "right_pct": 100.0 * float(forces.get("right", np.zeros(t)) @ held) / grand
        if grand else None,
        "fore_pct": 100.0 * fore_i / (fore_i + rear_i) if fore_i + rear_i > 0 else None,
        "mean_force_n": grand / float(held.sum()),
    }
    out["rear_pct"] = None if out["fore_pct"] is None else 100.0 - out["fore_pct"]
    path = sway_path(rec.times_s, body, facing, lowpass_hz or None)
    out.update(sway_measures(path))
    out["stabilogram"] = stabilogram([path[1]]) if path is not None else None
    return out, None if path is None else path[1]


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


class AnalysisError(OrthofitError):
    """Recordings that cannot be analysed together (say which and what to do).

    ``modes`` holds each recording's trial kind when walks and standing trials were mixed, so a
    caller can split them.
    """

    def __init__(self, message: str, modes: list[str] | None = None):
        super().__init__(message)
        self.modes = modes


@dataclasses.dataclass
class _Trial:
    """What one recording contributes to an analysis, before its steps are pooled by foot."""

    mode: str
    threshold_kpa: float
    facing: np.ndarray
    steps: list[StepResult]
    balance: dict[str, Any] | None
    warnings: list[str]
    recording: dict[str, Any]
    #: What the walk lets the gait parameters see (spatiotemporal.mark_gait), None standing.
    gait_facts: dict[str, int] | None = None
    #: The body's sway path of a standing trial (ML, AP mm), for a stabilogram of all trials.
    sway_ml_ap_mm: np.ndarray | None = None


def recording_threshold_kpa(rec: Recording, th: Thresholds) -> float:
    """The noise threshold (kPa) for a recording: its mat's, or estimated from its frames.

    An in-shoe sensor is covered by the foot, so its readings are contact: the profile's floor
    is the threshold. See :func:`orthofit.analysis.segment.noise_threshold_kpa`.
    """
    if rec.profile.get("in_shoe"):
        return th.noise_floor_kpa
    noise = rec.profile.get("noise_kpa")
    noise = float(noise) if isinstance(noise, int | float) and not isinstance(noise, bool) \
        else None
    return noise_threshold_kpa(rec.frames, th.noise_floor_kpa, noise_kpa=noise)


def _trial(rec: Recording, th: Thresholds, threshold: float, index: int) -> _Trial:
    """Find the feet and steps of one recording and measure every step."""
    frames = rec.frames
    peak = frames.max(axis=0)
    if rec.valid is not None:
        peak = np.where(rec.valid, peak, 0.0)
    in_shoe = bool(rec.profile.get("in_shoe"))
    contacts, facing, n_specks = find_contacts(frames, rec.pitch_mm, threshold, th,
                                               peak_kpa=peak, valid=rec.valid, in_shoe=in_shoe,
                                               standing=rec.mode in ("static", "balance"))
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
    durations = frame_durations_s(rec.times_s)
    steps = [_step(i, c, rec, threshold, facing, mode, th.force_floor_kpa, durations)
             for i, c in enumerate(contacts)]
    for s in steps:
        s.trial = index
    _assign_sides(steps, mode, facing)
    facts = None
    if mode == "walk":
        _mark_passes(steps, rec.times_s, rec.pitch_mm, in_shoe=in_shoe)
        facts = mark_gait(steps, in_shoe=in_shoe)
    else:
        for s in steps:
            if s.footprint is not None and s.side is not None:
                s.metrics["progression_angle_deg"] = toe_out_deg(s.footprint.axis, s.side,
                                                                 facing)
    for s in steps:
        s.used = s.complete
        if not s.complete and s.flags and s.flags[0].startswith("off_edge"):
            warnings.append(f"step {s.index}: part of the foot is off the mat (not analysed)")
    standing = mode in ("static", "balance") and steps
    balance, sway_ml_ap = _standing_balance(rec, steps, facing, th.sway_lowpass_hz) \
        if standing else (None, None)
    return _Trial(mode, threshold, facing, steps, balance, warnings, {
        "frames": rec.n_frames, "rows": rec.shape[0], "cols": rec.shape[1],
        "pitch_mm": list(rec.pitch_mm), "rate_hz": rec.rate_hz,
        "duration_s": _r(rec.duration_s), "profile": rec.profile.get("name"),
    }, facts, sway_ml_ap)


def _mean_balance(balances: list[dict[str, Any]],
                  paths: list[np.ndarray]) -> dict[str, Any] | None:
    """The mean of each balance figure over standing trials (None where no trial has it).

    The stabilogram of several trials pools their sway paths (``paths``), each about its own
    mean (:func:`orthofit.analysis.balance.stabilogram`).
    """
    if not balances:
        return None
    if len(balances) == 1:
        return balances[0]
    out: dict[str, Any] = {}
    for key in balances[0]:
        if key == "stabilogram":
            continue
        vals = [b.get(key) for b in balances if isinstance(b.get(key), int | float)]
        out[key] = float(np.mean(vals)) if vals else None
    out["stabilogram"] = stabilogram(paths) if paths else None
    return out


def analyze_trials(recordings: list[Recording] | tuple[Recording, ...],
                   thresholds: Thresholds | None = None, *,
                   labels: list[str] | None = None) -> Analysis:
    """Analyse several trials of one visit as one: each foot judged from all its steps.

    Walks: every complete step of every trial counts, except the first and last step of a pass
    when at least :data:`~orthofit.analysis.classify.MIN_STEPS` others remain (gait initiation
    and termination are not typical steps; the foot's ``notes`` say so). Each measure is the
    median with its spread in ``stats``; a class is stated only where the steps support it
    (:func:`~orthofit.analysis.classify.classify_values`). Step and stride parameters
    (``gait``) join steps of one pass of one trial only. Standing (static and balance)
    trials: the mean of the trials; the stabilogram pools every trial's sway. Each recording
    is read once; trials from the same mat share one noise threshold.

    Parameters
    ----------
    recordings : list of Recording
        Trials of one kind: walks, or standing (static and balance) trials.
    thresholds : Thresholds, optional
    labels : list of str, optional
        A name for each trial (file names), used in warnings and in ``trials``.

    Returns
    -------
    Analysis

    Raises
    ------
    AnalysisError
        No recordings, or walks mixed with standing trials.
    """
    th = thresholds or Thresholds()
    recs = list(recordings)
    if not recs:
        raise AnalysisError("no recordings to analyse: give at least one scan")
    names = list(labels) if labels is not None else [f"trial {i + 1}" for i in range(len(recs))]
    if len(names) != len(recs):
        raise AnalysisError(f"{len(recs)} recordings but {len(names)} labels")
    if any(r.profile.get("layout") == "sensors" for r in recs):
        if len(recs) > 1:
            raise AnalysisError("insoles known only as a list of sensors (pedar) are analysed "
                                "one recording at a time")
        from orthofit.analysis.layout import analyze_layout  # a list of sensors, not an image

        return analyze_layout(recs[0], th)
    # One noise floor per mat: it is the mat's property, not one trial's.
    floors: dict[Any, float] = {}
    for r in recs:
        key = (r.profile.get("name"), r.shape, r.pitch_mm)
        floors[key] = max(floors.get(key, 0.0), recording_threshold_kpa(r, th))
    trials = [_trial(r, th, floors[(r.profile.get("name"), r.shape, r.pitch_mm)], i)
              for i, r in enumerate(recs)]
    kinds = {"walk" if t.mode == "walk" else "standing" if t.mode in ("static", "balance")
             else "unknown" for t in trials if t.steps}
    if "walk" in kinds and "standing" in kinds:
        walks = [n for n, t in zip(names, trials, strict=True) if t.mode == "walk"]
        raise AnalysisError(
            "walks and standing trials cannot be judged together (walks: "
            f"{', '.join(walks)}): analyse the walks and the standing trials separately",
            [t.mode for t in trials])
    modes = [t.mode for t in trials]
    mode = modes[0] if len(set(modes)) == 1 else next(
        (m for m in ("walk", "static", "balance") if m in modes), modes[0])
    standing = mode in ("static", "balance")
    steps = [s for t in trials for s in t.steps]
    warnings = []
    for name, t in zip(names, trials, strict=True):
        warnings += [f"{name}: {w}" if len(trials) > 1 else w for w in t.warnings]
    feet = [_aggregate(side, [s for s in steps if s.side == side], th, standing)
            for side in ("left", "right") if any(s.side == side for s in steps)]
    balance = _mean_balance([t.balance for t in trials if t.balance is not None],
                            [t.sway_ml_ap_mm for t in trials if t.sway_ml_ap_mm is not None])
    gait, gait_notes = None, []
    if mode == "walk":
        gait, gait_notes = foot_gait(feet, [t.gait_facts for t in trials if t.gait_facts])
    described = []
    for name, t in zip(names, trials, strict=True):
        described.append({"label": name, "mode": t.mode, "threshold_kpa": _r(t.threshold_kpa),
                          "steps": sum(s.complete for s in t.steps), **t.recording})
    return Analysis(
        mode=mode, threshold_kpa=max(t.threshold_kpa for t in trials), thresholds=th,
        facing=trials[0].facing, feet=feet, steps=steps, balance=balance,
        asymmetry=_asymmetry(feet, balance, th), warnings=warnings,
        recording=trials[0].recording, trials=described, recordings=recs,
        gait=gait, gait_notes=gait_notes,
    )


def analyze_recording(rec: Recording, thresholds: Thresholds | None = None) -> Analysis:
    """Analyse one recording: find the feet and steps and compute every measure.

    The same as :func:`analyze_trials` with one recording.

    Parameters
    ----------
    rec : Recording
    thresholds : Thresholds, optional
        Segmentation parameters and cut-offs (the default profile's values if omitted).

    Returns
    -------
    Analysis
    """
    return analyze_trials([rec], thresholds)
