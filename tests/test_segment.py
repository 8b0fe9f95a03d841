import numpy as np
import pytest
from skimage.measure import label

import orthofit
from orthofit import footmodel as fm
from orthofit.analysis.classify import Thresholds
from orthofit.analysis.segment import find_contacts, noise_threshold_kpa
from orthofit.model import Recording

from conftest import stance, walk


def contacts_of(rec):
    peak = rec.frames.max(0)
    thr = noise_threshold_kpa(peak, 5.0)
    return find_contacts(rec.frames, rec.pitch_mm, thr, Thresholds())


def test_two_feet_in_one_image_are_two_feet():
    rec, _ = stance("normal")
    contacts, direction, _ = contacts_of(rec)
    assert len(contacts) == 2
    assert direction.tolist() == [0.0, -1.0]
    result = orthofit.analyze(rec)
    assert [f.side for f in result.feet] == ["left", "right"]
    # The left foot stands at lower columns (the patient's left).
    left, right = (result.foot("left").steps[0], result.foot("right").steps[0])
    assert left.contact.box[2] < right.contact.box[2]


def test_high_arch_heel_and_forefoot_make_one_foot():
    rec, _ = stance("cavus")
    peak = rec.frames.max(0)
    # Each foot's print falls apart into heel, forefoot and toes...
    assert label(peak > 5, connectivity=2).max() >= 6
    contacts, _, _ = contacts_of(rec)
    # ...yet there are exactly two feet.
    assert len(contacts) == 2


def test_noise_specks_make_no_foot():
    rec, _ = stance("normal")
    frames = rec.frames.copy()
    rng = np.random.default_rng(5)
    for _ in range(40):
        t, r, c = rng.integers(0, frames.shape[0]), rng.integers(0, 8), rng.integers(0, 96)
        frames[t, r, c] = 60.0  # spikes along the far edge, away from the feet
    result = orthofit.analyze(rec.replace(frames=frames))
    assert len(result.steps) == 2
    assert any("ignored as noise" in w for w in result.warnings)


def test_steps_of_a_walk_are_separate_and_alternate():
    rec, truth = walk("normal")
    result = orthofit.analyze(rec)
    assert result.mode == "walk"
    assert [s.side for s in result.steps] == [s["side"] for s in truth["steps"]]
    starts = [rec.times_s[s.frames[0]] for s in result.steps]
    assert starts == pytest.approx([s["t_on_s"] for s in truth["steps"]], abs=0.03)


def test_same_place_stepped_twice_gives_two_contacts():
    rec, _ = fm.render_stance([(fm.named_foot("normal"), fm.Placement((150, 380), 0, "right"))],
                              fm.Mat(80, 60, (5.08, 5.08)), duration_s=0.4, rate_hz=50)
    gap = np.zeros((10,) + rec.shape, np.float32)
    frames = np.concatenate([rec.frames, gap, rec.frames])
    twice = Recording(frames, np.arange(frames.shape[0]) / 50.0, rec.pitch_mm, mode="walk")
    contacts, _, _ = contacts_of(twice)
    assert [c.frames for c in contacts] == [(0, 20), (30, 50)]


def test_foot_off_the_edge_is_flagged_not_analysed():
    shape = fm.named_foot("normal")
    mat = fm.Mat(40, 60, (5.08, 5.08))  # 20 cm long: the foot does not fit
    rec, _ = fm.render_stance([(shape, fm.Placement((150, 230), 0, "left"))], mat,
                              duration_s=0.2, rate_hz=20)
    result = orthofit.analyze(rec)
    step = result.steps[0]
    assert step.contact.touches_edge
    assert not step.complete
    assert "arch_index" not in step.metrics
    assert any("off the mat" in w for w in result.warnings)
    data = result.to_dict()
    assert data["feet"] == [] and data["unassigned_steps"][0]["complete"] is False


def test_invalid_sensels_count_as_edge():
    rec, _ = stance("normal")
    valid = np.ones(rec.shape, bool)
    r, c = np.argwhere(rec.frames.max(0) > 20)[0]
    valid[r - 1, c] = False  # a trimmed sensel right next to the print
    contacts, _, _ = find_contacts(rec.frames, rec.pitch_mm, 5.0, Thresholds(), valid=valid)
    assert sorted(c.touches_edge for c in contacts) == [False, True]


def test_noise_threshold_rises_on_noisy_mats():
    rng = np.random.default_rng(0)
    peak = np.abs(rng.normal(10.0, 1.0, size=(100, 100)))
    peak[40:60, 40:60] = 200
    assert noise_threshold_kpa(peak, 5.0) == pytest.approx(16, abs=1.5)
    assert noise_threshold_kpa(np.zeros((10, 10)), 5.0) == 5.0
