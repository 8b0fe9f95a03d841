"""CPEI and stance measures on walks whose COP path is known exactly (the foot model)."""

import dataclasses

import numpy as np
import pytest

import orthofit
from orthofit import footmodel as fm
from orthofit.analysis.gait import path_length_mm, stance_phases

from conftest import walk


@pytest.mark.parametrize("kind", fm.NAMED_FEET)
def test_cpei_within_3_points_of_the_known_path(kind):
    rec, truth = walk(kind, noise_kpa=1.0)
    result = orthofit.analyze(rec)
    assert len(result.steps) == len(truth["steps"])
    for step, true in zip(result.steps, truth["steps"], strict=True):
        assert step.metrics["cpei"] == pytest.approx(true["cpei"], abs=3.0)


@pytest.mark.parametrize("bow", [0.0, 10.0, 25.0])
@pytest.mark.parametrize("pitch", [(5.08, 5.08), (7.62, 5.08)])
def test_cpei_follows_the_bow(bow, pitch):
    shape = dataclasses.replace(fm.named_foot("normal"), cop_bow_mm=bow)
    mat = fm.Mat(int(600 / pitch[0]), int(300 / pitch[1]), pitch)
    step = fm.Step(shape, fm.Placement((150, 450), 8.0, "right"), t_on_s=0.02)
    rec, truth = fm.render_walk([step], mat, rate_hz=100, noise_kpa=1.0, seed=3)
    result = orthofit.analyze(rec)
    assert result.steps[0].metrics["cpei"] == pytest.approx(truth["steps"][0]["cpei"], abs=3.0)


def test_cpei_sign_and_classification():
    # Two passes: three steps of each foot, enough to state a class.
    results = {k: orthofit.analyze_trials([walk(k)[0], walk(k, seed=5, first_side="right")[0]])
               for k in fm.NAMED_FEET}
    assert all(f.classification["n_steps"] == 3 for r in results.values() for f in r.feet)
    cpei = {k: r.feet[0].metrics["cpei"] for k, r in results.items()}
    assert cpei["planus"] < cpei["normal"] < cpei["cavus"]
    assert results["planus"].feet[0].classification["pronation"] == "pronated"
    assert results["normal"].feet[0].classification["pronation"] == "neutral"
    assert results["cavus"].feet[0].classification["pronation"] == "supinated"


def test_stance_time_and_roll_off_order():
    rec, truth = walk("normal")
    result = orthofit.analyze(rec)
    for step in result.steps:
        assert step.metrics["stance_time_s"] == pytest.approx(truth["steps"][0]["stance_s"],
                                                              abs=0.03)
        ph = step.phases
        assert 0 < ph["forefoot_contact_s"] <= ph["foot_flat_s"] < ph["heel_off_s"] \
            < ph["toe_off_s"]
        total = (ph["initial_contact_pct"] + ph["forefoot_contact_pct"] + ph["foot_flat_pct"]
                 + ph["push_off_pct"])
        assert total == pytest.approx(100.0)


def test_phases_from_known_mask_forces():
    t = np.arange(10) * 0.1
    heel = np.array([5, 9, 9, 9, 9, 5, 0, 0, 0, 0], float)
    mets = np.zeros((10, 5))
    mets[2:9, 0] = 8  # M1 from frame 2
    mets[4:10, 1:] = 8  # the others from frame 4
    ph = stance_phases(t, heel, mets)
    assert ph["forefoot_contact_s"] == pytest.approx(0.2)
    assert ph["foot_flat_s"] == pytest.approx(0.4)
    assert ph["heel_off_s"] == pytest.approx(0.6)
    assert ph["stance_s"] == pytest.approx(1.0)
    assert ph["push_off_pct"] == pytest.approx(40.0)


def test_walk_force_follows_body_weight():
    rec, truth = walk("normal")
    result = orthofit.analyze(rec)
    weight = truth["body_mass_kg"] * fm.G_M_S2
    for step in result.steps:
        assert 1.0 * weight < step.force_n.max() < 1.3 * weight


def test_a_frame_with_no_load_does_not_abort():
    rec, _ = walk("normal")
    frames = rec.frames.copy()
    frames[40] = 0.0  # a dropped frame in mid-stance
    result = orthofit.analyze(rec.replace(frames=frames))
    assert all(s.metrics.get("cpei") is not None for s in result.steps)
    assert path_length_mm(np.array([[0, 0], [np.nan, np.nan], [3, 4]])) == 5.0


@pytest.mark.parametrize("heading, rows, cols", [(180, 394, 110), (90, 110, 394), (-90, 110, 394)])
def test_walks_in_any_direction(heading, rows, cols):
    shape = fm.named_foot("normal")
    mat = fm.Mat(rows, cols, (5.08, 5.08))
    a = np.radians(heading)
    d = np.array([np.sin(a), -np.cos(a)])
    right = np.array([-d[1], d[0]])
    centre = np.array([cols * 5.08 / 2, rows * 5.08 / 2])
    steps = []
    for i, side in enumerate(("left", "right", "left")):
        sgn = -1 if side == "left" else 1
        heel = centre + d * ((i - 1) * 620 - 125) + right * sgn * 45
        steps.append(fm.Step(shape, fm.Placement(tuple(heel), heading + sgn * 6, side),
                             0.05 + 0.55 * i))
    rec, truth = fm.render_walk(steps, mat, noise_kpa=1.0)
    result = orthofit.analyze(rec)
    assert result.facing @ d > 0.99
    assert [s.side for s in result.steps] == ["left", "right", "left"]
    for step, true in zip(result.steps, truth["steps"], strict=True):
        assert step.metrics["arch_index"] == pytest.approx(true["arch_index"], abs=0.02)
        assert step.metrics["cpei"] == pytest.approx(true["cpei"], abs=3.0)
