"""Gait parameters of a walk (step, stride, cadence, speed, foot angle) on walks known exactly.

The foot model places every heel, turns every foot and starts every stance where it is told, so
each parameter has an exact value. What the mat adds, and the tolerances below allow:
- lengths: each step is placed by the back of its heel, read from the print to within about a
  third of a sensel, so a step or stride length (a difference of two heels) is within half the
  coarser pitch;
- times: a step starts on the first frame that carries load above the noise threshold, so each
  initial contact, and a step or stride time, is within one frame;
- angles: the foot axis read from a print is within 1 degree (the axis of a print is found to
  within 2 degrees per print in test_footprint; the measured error here is below 0.9 degree).
"""

import functools
import json
import math
from io import StringIO

import numpy as np
import pytest

import orthofit
from orthofit import footmodel as fm
from orthofit.analysis.spatiotemporal import GAIT_KEYS
from orthofit.cli import main as cli_main

from conftest import SAMPLES

ANGLE_TOL_DEG = 1.0


@functools.cache
def gait_walk(step_length_mm=560.0, step_time_s=0.55, toe_out=(6.0, 6.0), n_steps=5,
              pitch=(5.08, 5.08), rate_hz=100.0, heading_deg=0.0, first_side="left",
              half_width_mm=45.0, seed=0):
    """A straight walk of ``n_steps`` steps, every one fully on a mat made to fit it."""
    shape = fm.named_foot("normal")
    a = math.radians(heading_deg)
    d = np.array([math.sin(a), -math.cos(a)])
    right = np.array([-d[1], d[0]])
    along = (n_steps - 1) * step_length_mm + shape.length_mm + 300.0
    across = 2 * half_width_mm + 2 * shape.forefoot_width_mm + 200.0
    ext = np.abs(d) * along + np.abs(right) * across
    mat = fm.Mat(int(math.ceil(ext[1] / pitch[0])), int(math.ceil(ext[0] / pitch[1])), pitch)
    centre = np.array([mat.cols * pitch[1], mat.rows * pitch[0]]) / 2
    start = centre - d * ((n_steps - 1) * step_length_mm + shape.length_mm) / 2
    return fm.render_walk(
        _steps(shape, start, d, n_steps, step_length_mm, step_time_s, toe_out, heading_deg,
               first_side, half_width_mm), mat, rate_hz=rate_hz, noise_kpa=1.0, seed=seed,
        oversample=3)


def _steps(shape, start, d, n, length, period, toe_out, heading, first_side, half_width,
           t0=0.05):
    right = np.array([-d[1], d[0]])
    other = "right" if first_side == "left" else "left"
    steps = []
    for i in range(n):
        side = first_side if i % 2 == 0 else other
        sgn = -1 if side == "left" else 1
        out = toe_out[0] if side == "left" else toe_out[1]
        heel = start + d * i * length + right * sgn * half_width
        steps.append(fm.Step(shape, fm.Placement(tuple(heel), heading + sgn * out, side),
                             t_on_s=t0 + period * i))
    return steps


WALKS = {
    # name: walk parameters (step length mm, step time s, toe-out left/right, ...)
    "plate": dict(),
    "coarse, slow frames, uneven toe-out": dict(pitch=(7.62, 5.08), rate_hz=50.0,
                                                step_length_mm=700.0, step_time_s=0.6,
                                                toe_out=(3.0, 12.0)),
    "across the mat, left in-toeing": dict(heading_deg=90.0, toe_out=(-5.0, 10.0),
                                           step_length_mm=480.0, step_time_s=0.5, n_steps=6),
    "8.47 mm, back toward row 0 reversed": dict(pitch=(8.47, 8.47), rate_hz=60.0,
                                                heading_deg=180.0, n_steps=4,
                                                step_length_mm=650.0, step_time_s=0.57,
                                                first_side="right"),
}


@pytest.mark.parametrize("name", list(WALKS))
def test_gait_parameters_of_a_known_walk(name):
    kw = {**{"step_length_mm": 560.0, "step_time_s": 0.55, "toe_out": (6.0, 6.0),
             "pitch": (5.08, 5.08), "rate_hz": 100.0}, **WALKS[name]}
    rec, _ = gait_walk(**WALKS[name])
    result = orthofit.analyze(rec)
    length, period = kw["step_length_mm"], kw["step_time_s"]
    len_tol, frame = 0.5 * max(kw["pitch"]), 1.0 / kw["rate_hz"] + 1e-9
    assert set(result.gait) == {"left", "right"} and result.gait_notes == []
    for side, toe_out in zip(("left", "right"), kw["toe_out"], strict=True):
        g = result.gait[side]
        assert set(g) == set(GAIT_KEYS)
        assert g["steps"] == len(result.foot(side).used_steps)
        assert g["step_length_mm"] == pytest.approx(length, abs=len_tol)
        assert g["stride_length_mm"] == pytest.approx(2 * length, abs=len_tol)
        assert g["step_time_s"] == pytest.approx(period, abs=frame)
        assert g["stride_time_s"] == pytest.approx(2 * period, abs=frame)
        assert 60.0 / (period + frame) <= g["cadence_steps_min"] <= 60.0 / (period - frame)
        assert (2 * length - len_tol) / (2 * period + frame) / 1000 <= g["speed_m_s"] \
            <= (2 * length + len_tol) / (2 * period - frame) / 1000
        assert g["progression_angle_deg"] == pytest.approx(toe_out, abs=ANGLE_TOL_DEG)
        assert g["stance_time_s"] == pytest.approx(0.66, abs=0.03)  # as test_gait
        # Each step's own values, not only the medians.
        for s in result.foot(side).steps:
            if s.metrics["step_length_mm"] is not None:
                assert s.metrics["step_length_mm"] == pytest.approx(length, abs=len_tol)
                assert s.metrics["step_time_s"] == pytest.approx(period, abs=frame)
            assert s.metrics["progression_angle_deg"] == pytest.approx(toe_out,
                                                                       abs=ANGLE_TOL_DEG)


def test_one_pass_of_three_steps_shows_what_it_can():
    # L R L over a 2 m plate: the right foot has one step, so no stride of its own; its angle
    # is measured against the direction the left stride gives.
    rec, truth = gait_walk(step_length_mm=620.0, n_steps=3)
    result = orthofit.analyze(rec)
    left, right = result.gait["left"], result.gait["right"]
    assert left["stride_length_mm"] == pytest.approx(1240.0, abs=2.54)
    assert left["speed_m_s"] == pytest.approx(1.24 / 1.1, rel=0.015)
    assert right["step_length_mm"] == pytest.approx(620.0, abs=2.54)
    assert right["stride_length_mm"] is right["stride_time_s"] is right["speed_m_s"] is None
    assert right["progression_angle_deg"] == pytest.approx(6.0, abs=ANGLE_TOL_DEG)
    assert right["cadence_steps_min"] == pytest.approx(60 / 0.55, abs=2.1)
    assert result.gait_notes == ["stride time and length and walking speed (right foot) need "
                                 "two steps of the same foot in one pass: the recording has "
                                 "one step of that foot per pass (a longer mat or walkway "
                                 "shows more)"]


def test_two_steps_give_a_step_but_no_angle():
    rec, _ = gait_walk(step_length_mm=620.0, n_steps=2, toe_out=(8.0, 8.0))
    result = orthofit.analyze(rec)
    right = result.gait["right"]
    # The direction halfway between the two foot axes: exact for equal toe-out.
    assert right["step_length_mm"] == pytest.approx(620.0, abs=2.54)
    assert right["step_time_s"] == pytest.approx(0.55, abs=0.011)
    assert right["progression_angle_deg"] is None and result.gait["left"]["step_time_s"] is None
    assert any(n.startswith("foot progression angle (both feet) needs the walking direction")
               for n in result.gait_notes)


def test_one_step_per_pass_says_so():
    rec, _ = gait_walk(n_steps=1)
    result = orthofit.analyze(rec)
    g = result.gait["left"]
    assert g["stance_time_s"] == pytest.approx(0.66, abs=0.03)
    assert all(g[k] is None for k in GAIT_KEYS if k not in ("steps", "stance_time_s"))
    assert result.gait_notes == ["one step per pass over the mat: step and stride time and "
                                 "length, cadence, walking speed and foot progression angle "
                                 "need several steps in one pass (walk further over the mat)"]


def test_stepping_in_place_has_a_cadence_but_no_length():
    mat = fm.Mat(64, 64, (5.08, 5.08))
    shape = fm.named_foot("normal")
    places = fm.standing_placements(shape, mat)
    steps = [fm.Step(shape, places[i % 2], t_on_s=0.05 + 0.5 * i) for i in range(6)]
    rec, _ = fm.render_walk(steps, mat, noise_kpa=1.0, seed=6, oversample=3)
    result = orthofit.analyze(rec)
    for g in result.gait.values():
        assert g["step_time_s"] == pytest.approx(0.5, abs=0.011)
        assert g["stride_time_s"] == pytest.approx(1.0, abs=0.011)
        assert g["cadence_steps_min"] == pytest.approx(120.0, abs=2.5)
        assert g["step_length_mm"] is g["stride_length_mm"] is g["speed_m_s"] is None
        assert g["progression_angle_deg"] is None
    assert result.gait_notes == ["the feet do not move forward (stepping in place): step and "
                                 "stride length, walking speed and foot progression angle are "
                                 "not measured"]


def test_passes_and_trials_are_never_joined():
    # One recording: L R L toward row 0, 1.5 s on the mat's end, then R L R back.
    shape = fm.named_foot("normal")
    mat = fm.Mat(394, 110, (5.08, 5.08))
    mid = 110 * 5.08 / 2
    go = _steps(shape, np.array([mid, 1650.0]), np.array([0.0, -1.0]), 3, 600.0, 0.55,
                (6.0, 6.0), 0.0, "left", 45.0)
    back = _steps(shape, np.array([mid, 350.0]), np.array([0.0, 1.0]), 3, 600.0, 0.55,
                  (6.0, 6.0), 180.0, "right", 45.0, t0=go[-1].t_on_s + 0.66 + 1.5)
    rec, _ = fm.render_walk(go + back, mat, noise_kpa=1.0, seed=2, oversample=3)
    result = orthofit.analyze(rec)
    assert [s.pass_index for s in result.steps] == [0, 0, 0, 1, 1, 1]
    first_back = result.steps[3]
    assert first_back.side == "right" and result.steps[2].side == "left"
    assert first_back.metrics["step_time_s"] is None
    assert first_back.metrics["step_length_mm"] is None
    for s in result.steps:
        # Each pass has its own direction: toe-out is toe-out walking either way.
        assert s.metrics["progression_angle_deg"] == pytest.approx(6.0, abs=ANGLE_TOL_DEG)
        if s.metrics["step_length_mm"] is not None:
            assert s.metrics["step_length_mm"] == pytest.approx(600.0, abs=2.54)
    # Two recordings analysed together: the second's first step does not follow the first's
    # last (the time between them is not a step).
    a, _ = gait_walk(step_length_mm=620.0, n_steps=3)
    b, _ = gait_walk(step_length_mm=620.0, n_steps=3, first_side="right", seed=5)
    both = orthofit.analyze_trials([a, b])
    second = [s for s in both.steps if s.trial == 1]
    assert second[0].metrics["step_time_s"] is None
    assert both.gait["right"]["step_time_s"] == pytest.approx(0.55, abs=0.011)
    assert both.gait["right"]["stride_length_mm"] == pytest.approx(1240.0, abs=2.54)
    assert both.gait["left"]["stride_length_mm"] == pytest.approx(1240.0, abs=2.54)


def test_a_step_cut_by_the_recording_has_no_timing():
    rec, _ = gait_walk(step_length_mm=620.0, n_steps=3)
    start = 30  # mid-stance of the first step (0.05 to 0.71 s)
    cut = rec.replace(frames=rec.frames[start:], times_s=rec.times_s[start:] - rec.times_s[start])
    result = orthofit.analyze(cut)
    first = result.steps[0]
    assert not first.ic_seen and first.toe_off_seen
    assert first.metrics["stance_time_s"] is None and first.flags[-1].startswith("cut:")
    assert first.phases["push_off_pct"] is None
    second = result.steps[1]
    assert second.metrics["step_time_s"] is None  # its previous initial contact is unseen
    assert second.metrics["step_length_mm"] == pytest.approx(620.0, abs=2.54)  # still placed
    assert "1 step cut by the start or end of the recording: their timing and stance time are " \
        "left out" in result.gait_notes


def test_roll_off_phases_are_each_foots_medians():
    rec, _ = gait_walk()
    result = orthofit.analyze(rec)
    for foot in result.feet:
        for key in ("initial_contact_pct", "forefoot_contact_pct", "foot_flat_pct",
                    "push_off_pct"):
            values = [s.phases[key] for s in foot.used_steps]
            assert foot.metrics[key] == pytest.approx(float(np.median(values)))
            assert foot.stats[key]["n"] == len(values)
        # The model's roll-off: heel first, the forefoot within the first fifth, push-off last.
        assert 0 < foot.metrics["initial_contact_pct"] < 20
        assert 25 < foot.metrics["push_off_pct"] < 60


def test_standing_has_no_gait_and_its_toe_out_is_against_the_facing():
    result = orthofit.analyze(orthofit.load(SAMPLES / "static_normal.ofs"))
    assert result.gait is None and result.gait_notes == []
    for foot in result.feet:  # standing_placements: toes out 8 degrees
        assert foot.metrics["progression_angle_deg"] == pytest.approx(8.0, abs=ANGLE_TOL_DEG)
        assert foot.metrics["step_length_mm"] is None


def test_gait_in_the_json_of_orthofit_analyze():
    out = StringIO()
    paths = [str(SAMPLES / f"walk_normal{s}.ofs") for s in ("", "_2", "_3")]
    assert cli_main(["analyze", *paths, "--json", "--combine", "--no-series"], out=out) == 0
    obj = json.loads(out.getvalue())
    assert set(obj["gait"]) == {"left", "right"}
    for g in obj["gait"].values():
        assert set(g) == set(GAIT_KEYS)
        assert round(g["step_length_mm"], 1) == g["step_length_mm"]
        assert round(g["stance_time_s"], 3) == g["stance_time_s"]
        # The sample walks: 620 mm steps every 0.55 s, 6 degrees toe-out.
        assert g["step_length_mm"] == pytest.approx(620.0, abs=2.54)
        assert g["cadence_steps_min"] == pytest.approx(60 / 0.55, abs=2.1)
        assert g["progression_angle_deg"] == pytest.approx(6.0, abs=ANGLE_TOL_DEG)
    # One pass L R L (and R L R): each foot has a stride in the passes it steps twice in.
    assert obj["gait"]["left"]["speed_m_s"] == pytest.approx(1.24 / 1.1, rel=0.015)
    assert isinstance(obj["gait_notes"], list)
    foot = obj["feet"][0]
    assert {"initial_contact_pct", "push_off_pct", "step_length_mm"} <= foot.keys()
    out = StringIO()
    cli_main(["analyze", str(SAMPLES / "static_normal.ofs"), "--json"], out=out)
    assert json.loads(out.getvalue())["gait"] is None


# ------------------------------------------------------------------------------------------
# Real recordings: values a person walks with
# ------------------------------------------------------------------------------------------


def test_fscan_walk_is_physiologically_plausible(shared_dir):
    # One F-Scan insole (left), 6.6 s at 31.25 Hz, six steps; the recording starts in the
    # middle of the first one.
    result = orthofit.analyze(orthofit.load(shared_dir / "vendor-samples" / "fscan_testL.asf"))
    g = result.gait["left"]
    assert set(result.gait) == {"left"} and g["steps"] == 4
    assert 80 <= g["cadence_steps_min"] <= 140
    assert 0.5 <= g["stance_time_s"] <= 1.0
    assert 0.9 <= g["stride_time_s"] <= 1.5
    assert g["step_time_s"] is None and g["step_length_mm"] is None and g["speed_m_s"] is None
    assert any(n.startswith("in-shoe sensor") for n in result.gait_notes)
    assert any(n.startswith("cadence (left foot) from the stride time") for n in
               result.gait_notes)
    first = result.foot("left").steps[0]
    assert not first.ic_seen and first.metrics["stance_time_s"] is None
    # The stance of the foot no longer counts the cut step (0.48 s of a 0.74 s stance).
    assert result.foot("left").metrics["stance_time_s"] == g["stance_time_s"]


def test_insoles_of_both_feet_are_timed_against_each_other(shared_dir):
    # XSENSOR: 1.3 s, right - left - right; the first right step starts before the recording,
    # the last ends after it.
    result = orthofit.analyze(orthofit.load(shared_dir / "vendor-samples" / "xsensor_data.csv"))
    right = result.gait["right"]
    assert 0.4 <= right["step_time_s"] <= 0.75  # left initial contact to right
    assert 80 <= right["cadence_steps_min"] <= 140
    assert 0.5 <= result.gait["left"]["stance_time_s"] <= 1.0
    assert right["stance_time_s"] is None  # both right steps are cut
    # pedar (sensor list): the right insole walks; the left one barely unloads (contacts of
    # 2.7 to 8.2 s while the right foot steps several times), so those are not steps.
    result = orthofit.analyze(orthofit.load(shared_dir / "vendor-samples" /
                                            "pedar_example.asc"))
    right = result.gait["right"]
    assert 80 <= right["cadence_steps_min"] <= 140 and 0.5 <= right["stance_time_s"] <= 1.0
    assert result.gait["left"]["stance_time_s"] is None
    assert any("not walking steps" in n for n in result.gait_notes)
