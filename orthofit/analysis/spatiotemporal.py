"""Spatio-temporal gait parameters of a walk: step and stride, cadence, speed, foot angle.

Each step of a walk is placed by two things the analysis already has: its initial contact (IC,
the first frame it is loaded) and its print on the mat (the back of the heel and the foot axis,
:class:`~orthofit.analysis.footprint.Footprint`). Within one pass over the mat (see
``pipeline._mark_passes``), and never across passes or trials:

- **step time** (s): from the IC of a step of the other foot to the IC of this step;
- **step length** (mm): from the heel of that step to the heel of this one, along the walking
  direction of the pass;
- **stride time** (s) and **stride length** (mm): the same between two consecutive steps of one
  foot; **walking speed** (m/s) = stride length / stride time;
- **cadence** (steps/min) = 60 / step time (or 120 / stride time when the other foot was not
  recorded, as with one insole);
- **foot progression angle** (deg): between the foot axis and the walking direction, positive
  when the toes point out (for both feet);
- **stance time** (s): IC to toe off (measured per step by the pipeline).

A value belongs to the later of the two steps it joins; a foot's figure is the median over its
used steps, like every other measure of a walk. The walking direction of a pass is the line
through the midpoints of consecutive left-right heel pairs: the midpoints lie on the line of
progression whatever the step width, so the direction needs three steps in the pass (two pairs),
or two steps of one foot. With two steps only (one pair) the direction is taken halfway between
the two foot axes: good enough for a step length (an error of a few degrees shortens it by less
than 0.5 %), not for an angle measured against it. Where the mat cannot show a value it is None,
and the analysis says why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the pipeline imports this module
    from orthofit.analysis.footprint import Footprint
    from orthofit.analysis.pipeline import FootResult, StepResult

#: Per-step values this module sets (besides ``progression_angle_deg``, which it refines).
STEP_KEYS = ("step_length_mm", "step_time_s", "stride_length_mm", "stride_time_s", "speed_m_s")

#: Keys of each foot's entry in ``Analysis.gait``.
GAIT_KEYS = ("steps", "stance_time_s", "step_time_s", "step_length_mm", "stride_time_s",
             "stride_length_mm", "cadence_steps_min", "speed_m_s", "progression_angle_deg")

#: A step whose first (last) frame is the recording's first (last) and already carries this
#: fraction of the step's peak force was cut by the recording: its initial contact (toe off)
#: lies outside it. A step that starts from a light load in frame 0 is an export trimmed to the
#: step (footscan, emed do that) and is whole.
CUT_FORCE_FRACTION = 0.25

#: Heels that advance less than this per step along the walk are stepping in place (the
#: shortest shuffling steps are about 200 mm; stepping in place moves a heel by a sensel or two).
MIN_ADVANCE_MM = 100.0

SIDES = ("left", "right")


def cut_by_recording(force_n: np.ndarray, frames: tuple[int, int],
                     n_frames: int) -> tuple[bool, bool]:
    """Whether a step's initial contact and its toe off lie inside the recording.

    Parameters
    ----------
    force_n : ndarray, shape (T,)
        The step's force over its frames (N; NaN frames are ignored).
    frames : (int, int)
        The step's first frame and one past its last, in the recording.
    n_frames : int
        Frames in the recording.

    Returns
    -------
    (bool, bool)
        ``(ic_seen, toe_off_seen)``.

    Examples
    --------
    >>> f = np.array([900.0, 950.0, 600.0, 50.0])
    >>> cut_by_recording(f, (0, 4), 40), cut_by_recording(f, (10, 14), 40)
    ((False, True), (True, True))
    """
    f = np.nan_to_num(np.asarray(force_n, dtype=float))
    peak = float(f.max()) if f.size else 0.0
    if peak <= 0:
        return frames[0] > 0, frames[1] < n_frames
    start_cut = frames[0] == 0 and f[0] >= CUT_FORCE_FRACTION * peak
    end_cut = frames[1] >= n_frames and f[-1] >= CUT_FORCE_FRACTION * peak
    return not start_cut, not end_cut


def heel_back_mm(fp: Footprint) -> np.ndarray:
    """The back of the heel on the foot axis, in mat mm (x, y): where a step is placed."""
    return np.asarray(fp.heel_xy_mm) + np.asarray(fp.axis) * fp.u_back_mm


def toe_out_deg(axis: Sequence[float], side: str, direction: Sequence[float]) -> float:
    """Angle (deg) of a foot axis from a walking direction, positive when the toes point out.

    Mat coordinates: x along columns, y along rows; the walker's right of ``direction``
    ``(dx, dy)`` is ``(-dy, dx)``. A right foot turned toward the right, or a left foot toward
    the left, points its toes out.

    Examples
    --------
    >>> a = np.radians(7.0)
    >>> round(toe_out_deg((np.sin(a), -np.cos(a)), "right", (0.0, -1.0)), 6)
    7.0
    >>> round(toe_out_deg((np.sin(a), -np.cos(a)), "left", (0.0, -1.0)), 6)
    -7.0
    """
    d = np.asarray(direction, dtype=float)
    ax = np.asarray(axis, dtype=float)
    right = np.array([-d[1], d[0]])
    to_right = math.degrees(math.atan2(float(ax @ right), float(ax @ d)))
    return to_right if side == "right" else -to_right


def _unit(v: np.ndarray) -> np.ndarray | None:
    n = float(np.hypot(*v))
    return v / n if n > 1e-9 else None


def _pass_direction(seq: list[StepResult], placed: list[bool],
                    heels: dict[int, np.ndarray]) -> tuple[np.ndarray | None, bool, float | None]:
    """Walking direction of one pass, whether it is good for an angle, and the advance per step.

    Returns ``(direction, for_angles, advance_mm)``; ``direction`` is None when fewer than two
    steps of the pass are placed on the mat.
    """
    mids, at = [], []
    for i in range(len(seq) - 1):
        a, b = seq[i], seq[i + 1]
        if placed[i] and placed[i + 1] and a.side != b.side:
            mids.append(0.5 * (heels[id(a)] + heels[id(b)]))
            at.append(i)
    if len(mids) >= 2:
        pts = np.asarray(mids)
        centred = pts - pts.mean(axis=0)
        _, vecs = np.linalg.eigh(centred.T @ centred)
        d = vecs[:, -1]
        if (pts[-1] - pts[0]) @ d < 0:
            d = -d
        return d, True, float((pts[-1] - pts[0]) @ d) / (at[-1] - at[0])
    # Two steps of one foot: their stride is parallel to the line of progression.
    for side in SIDES:
        own = [(i, s) for i, s in enumerate(seq) if placed[i] and s.side == side]
        if len(own) >= 2:
            (i0, s0), (i1, s1) = own[0], own[-1]
            d = _unit(heels[id(s1)] - heels[id(s0)])
            if d is not None:
                return d, True, float((heels[id(s1)] - heels[id(s0)]) @ d) / (i1 - i0)
    if len(mids) == 1:
        i = at[0]
        a, b = seq[i], seq[i + 1]
        d = _unit(np.asarray(a.footprint.axis) + np.asarray(b.footprint.axis))
        if d is not None:
            if (heels[id(b)] - heels[id(a)]) @ d < 0:
                d = -d
            return d, False, float((heels[id(b)] - heels[id(a)]) @ d)
    return None, False, None


def mark_gait(steps: Iterable[StepResult], *, in_shoe: bool = False,
              timing_only: bool = False) -> dict[str, int]:
    """Set each step's step and stride values (``metrics``) from its pass over the mat.

    Sets ``step_time_s``, ``step_length_mm``, ``stride_time_s``, ``stride_length_mm``,
    ``speed_m_s`` and ``progression_angle_deg`` of every step (None where they cannot be seen).
    Steps are grouped by ``trial`` and ``pass_index`` and ordered by their first frame.

    Parameters
    ----------
    steps : iterable of StepResult
        The steps of one recording (or several: trials are never mixed).
    in_shoe : bool
        The recording is an in-shoe sensor: where the foot lands is not seen, only when.
    timing_only : bool
        The steps have no print (a list of sensors): time them, place none of them.

    Returns
    -------
    dict
        What the recording allows, for the notes: ``passes``, ``in_place`` (passes whose feet
        do not advance), ``single`` (passes of one step), ``cut`` (steps cut by the start or
        end of the recording), ``not_steps`` (contacts too long to be a step: their timing and
        stance time are left out), ``in_shoe`` (1 or 0).
    """
    groups: dict[tuple[int, int], list[StepResult]] = {}
    for s in steps:
        groups.setdefault((s.trial, s.pass_index), []).append(s)
    facts = {"passes": len(groups), "in_place": 0, "cut": 0, "single": 0, "not_steps": 0,
             "in_shoe": int(in_shoe)}
    for group in groups.values():
        seq = sorted(group, key=lambda s: s.frames[0])
        for s in seq:
            for key in STEP_KEYS:
                s.metrics[key] = None
            s.metrics["progression_angle_deg"] = None
            facts["cut"] += not (s.ic_seen and s.toe_off_seen)
        timed = [s.side in SIDES and s.ic_seen and (s.complete or timing_only) for s in seq]
        # A foot is on the ground once per stride: a contact during which the other foot lands
        # twice is not a walking step (the foot stood, or an insole never unloaded).
        for i, s in enumerate(seq):
            lands = sum(1 for o in seq if o.side in SIDES and o.side != s.side
                        and s.times_s[0] < o.times_s[0] < s.times_s[-1])
            if lands >= 2 and s.side in SIDES:
                timed[i] = False
                s.metrics["stance_time_s"] = None
                facts["not_steps"] += 1
        placed = [not (in_shoe or timing_only) and s.complete and s.footprint is not None
                  and s.side in SIDES for s in seq]
        heels = {id(s): heel_back_mm(s.footprint) for s, p in zip(seq, placed, strict=True) if p}
        direction, for_angles, advance = _pass_direction(seq, placed, heels)
        in_place = advance is not None and advance < MIN_ADVANCE_MM
        facts["in_place"] += in_place
        if in_place:
            direction = None
        for i in range(1, len(seq)):
            a, b = seq[i - 1], seq[i]
            if a.side == b.side or a.side not in SIDES or b.side not in SIDES:
                continue
            # Two feet landing in one frame are not a step (both feet put down at once).
            if timed[i - 1] and timed[i] and b.times_s[0] > a.times_s[0]:
                b.metrics["step_time_s"] = float(b.times_s[0] - a.times_s[0])
            if direction is not None and placed[i - 1] and placed[i]:
                b.metrics["step_length_mm"] = float((heels[id(b)] - heels[id(a)]) @ direction)
        facts["single"] += len(seq) == 1
        for side in SIDES:
            own = [i for i, s in enumerate(seq) if s.side == side]
            for i, j in zip(own, own[1:], strict=False):
                # On a mat, two prints of one foot with none of the other between them are not
                # a stride (a step was missed, or a side mistaken). An insole sees its own foot
                # only, and one that never unloads fully joins its steps into one contact.
                if j == i + 1 and not (in_shoe or timing_only):
                    continue
                a, c = seq[i], seq[j]
                if timed[i] and timed[j] and c.times_s[0] > a.times_s[0]:
                    c.metrics["stride_time_s"] = float(c.times_s[0] - a.times_s[0])
                if direction is not None and placed[i] and placed[j]:
                    c.metrics["stride_length_mm"] = float((heels[id(c)] - heels[id(a)])
                                                          @ direction)
                t, length = c.metrics["stride_time_s"], c.metrics["stride_length_mm"]
                if t and length is not None and t > 0:
                    c.metrics["speed_m_s"] = length / t / 1000.0
        if direction is not None and for_angles:
            for s, p in zip(seq, placed, strict=True):
                if p:
                    s.metrics["progression_angle_deg"] = toe_out_deg(s.footprint.axis, s.side,
                                                                     direction)
    return facts


def _merge(facts: Sequence[dict[str, int]]) -> dict[str, int]:
    out = {"passes": 0, "in_place": 0, "cut": 0, "single": 0, "not_steps": 0, "in_shoe": 0,
           "trials": 0}
    for f in facts:
        for k in out:
            out[k] += f.get(k, 1 if k == "trials" else 0)
    return out


def foot_gait(feet: Sequence[FootResult], facts: Sequence[dict[str, int]], *,
              timing_only: bool = False) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Each foot's gait parameters from its aggregated metrics, and notes on what is missing.

    Parameters
    ----------
    feet : list of FootResult
        The walk's feet; their ``metrics`` hold the medians of the step values over the used
        steps (see :func:`mark_gait`).
    facts : list of dict
        What :func:`mark_gait` returned for each trial.
    timing_only : bool
        The steps are a list of sensors' contacts (no prints): every step counts.

    Returns
    -------
    gait : dict
        ``"left"`` / ``"right"`` (feet with steps): the keys of :data:`GAIT_KEYS`.
    notes : list of str
        Why a parameter is None, and how cadence was found where that is not the usual way.
    """
    f = _merge(facts)
    gait: dict[str, dict[str, Any]] = {}
    for foot in feet:
        if not foot.steps:
            continue
        m = foot.metrics
        step_t, stride_t = m.get("step_time_s"), m.get("stride_time_s")
        # Two steps make a stride: with one foot's steps only, its strides give the cadence.
        cadence = 60.0 / step_t if step_t else 120.0 / stride_t if stride_t else None
        gait[foot.side] = {
            "steps": len(foot.steps) if timing_only else len(foot.used_steps),
            "stance_time_s": m.get("stance_time_s"),
            "step_time_s": step_t,
            "step_length_mm": m.get("step_length_mm"),
            "stride_time_s": stride_t,
            "stride_length_mm": m.get("stride_length_mm"),
            "cadence_steps_min": cadence,
            "speed_m_s": m.get("speed_m_s"),
            "progression_angle_deg": m.get("progression_angle_deg"),
        }
    return gait, _notes(gait, f) if gait else []


#: What each reason leaves unmeasured.
_PLACING = {"step_length_mm", "stride_length_mm", "speed_m_s", "progression_angle_deg"}
_SEVERAL = {"step_time_s", "step_length_mm", "stride_time_s", "stride_length_mm",
            "cadence_steps_min", "speed_m_s", "progression_angle_deg"}


def _notes(gait: dict[str, dict[str, Any]], f: dict[str, int]) -> list[str]:
    """Why each missing gait parameter is missing: the broadest reason first, each said once."""
    notes: list[str] = []
    missing = {(side, k) for side, g in gait.items() for k, v in g.items() if v is None}

    def settle(keys: set[str], text: str) -> None:
        nonlocal missing
        if any(k in keys for _, k in missing):
            notes.append(text)
            missing = {(side, k) for side, k in missing if k not in keys}

    if f["passes"] and f["single"] == f["passes"]:
        settle(_SEVERAL, "one step per pass over the mat: step and stride time and length, "
               "cadence, walking speed and foot progression angle need several steps in one "
               "pass (walk further over the mat)")
    if f["in_shoe"] and f["in_shoe"] == f["trials"]:
        settle(_PLACING, "in-shoe sensor: where the feet land is not seen, so step and stride "
               "length, walking speed and foot progression angle are not measured")
    if f["in_place"] and f["in_place"] == f["passes"]:
        settle(_PLACING, "the feet do not move forward (stepping in place): step and stride "
               "length, walking speed and foot progression angle are not measured")
    if len(gait) == 1:
        side = next(iter(gait))
        settle({"step_time_s", "step_length_mm"},
               f"only the {side} foot's steps were recorded: step time and length need the "
               "other foot's")
    if f["not_steps"]:
        notes.append(f"{f['not_steps']} contact{'s' if f['not_steps'] != 1 else ''} lasted "
                     "while the other foot landed twice: not walking steps (the foot stood, or "
                     "the sensor stayed loaded), left out of the timing and stance time")
        missing = {(side, k) for side, k in missing if k != "stance_time_s"}
    if f["cut"]:
        notes.append(f"{f['cut']} step{'s' if f['cut'] != 1 else ''} cut by the start or end "
                     "of the recording: their timing and stance time are left out")
        missing = {(side, k) for side, k in missing if k != "stance_time_s"}
    from_stride = sorted(side for side, g in gait.items()
                         if g["step_time_s"] is None and g["stride_time_s"] is not None)
    if from_stride:
        notes.append(f"cadence ({_sides(from_stride)}) from the stride time (120 / stride "
                     "time): two steps make a stride")
    for keys, text in (
        ({"step_time_s", "step_length_mm"}, "step time and length ({}) need a step of the "
         "other foot just before, in the same pass over the mat"),
        ({"stride_time_s", "stride_length_mm", "speed_m_s"}, "stride time and length and "
         "walking speed ({}) need two steps of the same foot in one pass: the recording has "
         "one step of that foot per pass (a longer mat or walkway shows more)"),
        ({"progression_angle_deg"}, "foot progression angle ({}) needs the walking direction, "
         "which takes three steps in one pass"),
        ({"stance_time_s"}, "stance time ({}) needs a step whose initial contact and toe off "
         "both lie inside the recording"),
        ({"cadence_steps_min"}, "cadence ({}) needs a step or stride time"),
    ):
        sides = sorted({side for side, k in missing if k in keys})
        if sides:
            settle(keys, text.format(_sides(sides)))
    return notes


def _sides(sides: list[str]) -> str:
    """``both feet``, ``left foot`` or ``right foot``."""
    return "both feet" if len(sides) == 2 else f"{sides[0]} foot" if sides else "no foot"
