"""A foot judged from all its steps: several trials, uncertainty, timing, stepping in place."""

import dataclasses
import json

import numpy as np
import pytest

import orthofit
from orthofit import footmodel as fm
from orthofit.analysis import AnalysisError, Thresholds
from orthofit.analysis.classify import classify_values, median_interval
from orthofit.analysis.gait import frame_durations_s
from orthofit.analysis.pipeline import recording_threshold_kpa
from orthofit.cli import main as cli_main
from orthofit.model import Recording

from conftest import SAMPLES, stance, walk


def passes(kind="normal"):
    """Three passes of one foot over the plate (L R L, R L R, L R L)."""
    return [walk(kind)[0], walk(kind, seed=5, first_side="right")[0], walk(kind, seed=9)[0]]


def one_step(bow_mm, seed=0):
    """A single step of a flat foot whose COP path bows ``bow_mm`` (sets its CPEI)."""
    shape = dataclasses.replace(fm.named_foot("planus"), cop_bow_mm=bow_mm)
    mat = fm.Mat(int(600 / 5.08), int(300 / 5.08), (5.08, 5.08))
    step = fm.Step(shape, fm.Placement((150, 450), 7.0, "left"), t_on_s=0.02)
    return fm.render_walk([step], mat, rate_hz=100, noise_kpa=1.0, seed=seed)


def test_several_trials_of_a_known_foot():
    recs = passes("normal")
    truth = walk("normal")[1]["steps"][0]
    result = orthofit.analyze_trials(recs, labels=["a.ofs", "b.ofs", "c.ofs"])
    assert result.combined and [t["label"] for t in result.trials] == ["a.ofs", "b.ofs", "c.ofs"]
    assert [t["steps"] for t in result.trials] == [3, 3, 3]
    left, right = result.foot("left"), result.foot("right")
    assert (len(left.used_steps), len(right.used_steps)) == (5, 4)
    assert sorted({s.trial for s in left.used_steps}) == [0, 1, 2]
    for foot in (left, right):
        assert foot.metrics["arch_index"] == pytest.approx(truth["arch_index"], abs=0.02)
        assert foot.metrics["cpei"] == pytest.approx(truth["cpei"], abs=3.0)
        assert foot.classification["arch_type"] == "normal"
        assert foot.classification["pronation"] == "neutral"
        st = foot.stats["arch_index"]
        assert st["n"] == len(foot.used_steps) and len(st["values"]) == st["n"]
        assert st["min"] <= st["q1"] <= st["median"] <= st["q3"] <= st["max"]
        assert st["median"] == pytest.approx(np.median(st["values"]))
        # Each trial's first and last step open and close a pass; too few others to drop them.
        assert foot.notes == ["the first and last steps of a pass were kept: too few other "
                              "steps"]
    data = json.loads(json.dumps(result.to_dict(series=False)))
    assert data["feet"][0]["n_steps"] == 5 and data["feet"][0]["stats"]["cpei"]["n"] == 5
    assert {s["trial"] for s in data["feet"][0]["steps"]} == {0, 1, 2}


def test_first_and_last_step_of_a_pass_are_left_out_when_enough_remain():
    # Passes of five steps over a 3 m walkway: L R L R L, then R L R L R.
    mat = fm.Mat(600, 110, (5.08, 5.08))
    a = fm.walk_trial("normal", mat=mat, n_steps=5, step_length_mm=560.0, seed=1)[0]
    b = fm.walk_trial("normal", mat=mat, n_steps=5, step_length_mm=560.0, seed=2,
                      first_side="right")[0]
    single = orthofit.analyze(a)
    assert [s.pass_position for s in single.steps] == ["first"] + ["middle"] * 3 + ["last"]
    result = orthofit.analyze_trials([a, b])
    for foot in result.feet:
        left_out = [s for s in foot.steps if s.complete and not s.used]
        assert [s.pass_position for s in left_out] == ["first", "last"] or \
            sorted(s.pass_position for s in left_out) == ["first", "last"]
        assert len(foot.used_steps) == 3
        assert all(s.pass_position == "middle" for s in foot.used_steps)
        assert foot.notes == ["2 steps at the start or end of a pass left out (gait "
                              "initiation and termination are not typical steps)"]
    assert result.to_dict(series=False)["feet"][0]["n_steps_left_out"] == 2


def test_median_interval_from_order_statistics():
    assert median_interval([5.0, 1.0, 4.0, 2.0, 3.0]) == (1.0, 5.0, 0.9375)
    lo, hi, cov = median_interval(list(range(1, 9)))
    assert (lo, hi) == (2, 7) and cov == pytest.approx(1 - 2 * 9 / 256)
    assert median_interval([7.0, 3.0]) == (3.0, 7.0, 0.5)


def test_classes_from_steps_on_built_values():
    th = Thresholds()
    assert classify_values("cpei", [8.0, 9.0, 11.0], th)["class"] == "pronated"
    out = classify_values("cpei", [12.0, 31.0, 20.0], th)
    assert out["class"] == "uncertain" and out["interval"] == [12.0, 31.0]
    assert out["reason"] == "3 steps, CPEI 12.0-31.0 %: record more steps"
    two = classify_values("arch_index", [0.30, 0.31], th)
    assert two["class"] == "uncertain"
    assert two["reason"] == "2 steps: at least 3 are needed; record more steps"
    # Twenty steps around 0.23: the interval of their median holds no cut-off.
    many = [0.23 + 0.01 * ((i % 5) - 2) for i in range(20)]
    assert classify_values("arch_index", many, th)["class"] == "normal"
    # A standing print: the profile's margin around it.
    assert classify_values("arch_index", [0.255], th, standing=True)["class"] == "uncertain"
    assert classify_values("arch_index", [0.245], th, standing=True)["class"] == "normal"


def test_a_step_set_whose_class_must_be_uncertain():
    steps = [one_step(bow, seed=i) for i, bow in enumerate((6.0, 20.0, 11.0))]
    truths = [t["steps"][0]["cpei"] for _, t in steps]
    assert min(truths) < 14.0 < max(truths)  # the steps themselves straddle the cut-off
    result = orthofit.analyze_trials([r for r, _ in steps])
    foot = result.feet[0]
    got = sorted(s.metrics["cpei"] for s in foot.used_steps)
    assert got == pytest.approx(sorted(truths), abs=1.5)
    c = foot.classification
    assert c["pronation"] == "uncertain" and c["pronation_basis"] == "cpei"
    assert c["pronation_reason"] == (f"3 steps, CPEI {got[0]:.1f}-{got[-1]:.1f} %: record more "
                                     "steps")
    # The same foot with three steps that agree is stated.
    agree = orthofit.analyze_trials([one_step(bow, seed=i)[0] for i, bow in
                                     enumerate((6.0, 7.0, 8.0))])
    assert agree.feet[0].classification["pronation"] == "pronated"


def test_standing_trials_combine_as_the_mean():
    a = stance("normal")[0]
    b = fm.static_trial("normal", seed=4, sway_mm=3.0)[0]
    one, two = orthofit.analyze(a), orthofit.analyze(b)
    both = orthofit.analyze_trials([a, b])
    assert both.mode == "static" and both.combined
    for side in ("left", "right"):
        want = np.mean([one.foot(side).metrics["arch_index"], two.foot(side).metrics["arch_index"]])
        assert both.foot(side).metrics["arch_index"] == pytest.approx(want, abs=1e-12)
        assert both.foot(side).stats["arch_index"]["n"] == 2
    assert both.balance["left_pct"] == pytest.approx(
        (one.balance["left_pct"] + two.balance["left_pct"]) / 2)


def test_walks_and_standing_trials_are_not_mixed():
    with pytest.raises(AnalysisError, match="analyse the walks and the standing trials") as err:
        orthofit.analyze_trials([walk("normal")[0], stance("normal")[0]])
    assert err.value.modes == ["walk", "static"]


def test_combine_on_the_command_line(capsys):
    paths = [str(SAMPLES / n) for n in ("walk_cavus.ofs", "walk_cavus_2.ofs",
                                        "walk_cavus_3.ofs", "static_cavus.ofs")]
    assert cli_main(["analyze", *paths, "--combine", "--json", "--no-series"]) == 0
    walks, standing = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert walks["combined"] and walks["paths"] == paths[:3] and walks["mode"] == "walk"
    assert [f["n_steps"] for f in walks["feet"]] == [5, 4]
    assert [f["arch_type"] for f in walks["feet"]] == ["high", "high"]
    assert standing["paths"] == paths[3:] and standing["mode"] == "static"
    assert cli_main(["analyze", paths[0]]) == 0
    text = capsys.readouterr().out
    assert "arch: uncertain (2 steps: at least 3 are needed; record more steps)" in text


def _irregular(times_s: np.ndarray, seed: int, low_s: float, high_s: float) -> np.ndarray:
    """Indices of frames kept so that they come ``low_s`` to ``high_s`` apart."""
    rng = np.random.default_rng(seed)
    picks, t = [0], times_s[0]
    while True:
        t += rng.uniform(low_s, high_s)
        i = int(np.searchsorted(times_s, t))
        if i >= times_s.size:
            return np.asarray(picks)
        picks.append(i)


def test_irregular_frame_times_are_used_not_an_assumed_rate():
    rec, truth = walk("normal", rate_hz=100.0)
    # The same frames, delivered unevenly (5 to 15 ms apart, 10 ms on average).
    rng = np.random.default_rng(3)
    times = np.concatenate([[0.0], np.cumsum(rng.uniform(0.005, 0.015, rec.n_frames - 1))])
    even, uneven = orthofit.analyze(rec), orthofit.analyze(rec.replace(times_s=times))
    held = frame_durations_s(times)
    for a, b in zip(even.steps, uneven.steps, strict=True):
        t0, t1 = b.frames
        assert b.metrics["stance_time_s"] == pytest.approx(held[t0:t1].sum(), abs=1e-12)
        assert b.metrics["arch_index"] == a.metrics["arch_index"]  # no time in a footprint
        # The pressure-time integral weighs every frame by its own duration.
        rows, cols = np.nonzero(b.contact.mask)
        values = b.contact.window(rec.frames)[:, rows, cols].astype(np.float64)
        assert max(m["pti_kpa_s"] for m in b.masks.values()) == pytest.approx(
            (held[t0:t1] @ values).max(), rel=1e-9)


def test_uneven_frames_of_a_real_mat_give_the_same_answers():
    # One walk rendered at 500 Hz, read as a mat that sends frames 10 to 30 ms apart, and as
    # one sending every 20 ms: the results agree (and with the model's exact values).
    fine = walk("normal", rate_hz=500.0)[0]
    uneven = _irregular(fine.times_s, 1, 0.010, 0.030)
    regular = np.arange(0, fine.n_frames, 10)
    full = orthofit.analyze(fine)
    a = orthofit.analyze(fine.replace(frames=fine.frames[regular], times_s=fine.times_s[regular]))
    b = orthofit.analyze(fine.replace(frames=fine.frames[uneven], times_s=fine.times_s[uneven]))
    assert len(a.steps) == len(b.steps) == 3
    for sa, sb, sf in zip(a.steps, b.steps, full.steps, strict=True):
        # Touch-down and toe-off fall between frames: within a frame interval (30 ms at most).
        assert sb.metrics["stance_time_s"] == pytest.approx(sf.metrics["stance_time_s"],
                                                            abs=0.03)
        assert sa.metrics["stance_time_s"] == pytest.approx(sf.metrics["stance_time_s"],
                                                            abs=0.02)
        assert sb.metrics["cpei"] == pytest.approx(sa.metrics["cpei"], abs=1.5)
        assert sb.metrics["arch_index"] == pytest.approx(sa.metrics["arch_index"], abs=0.01)
        pa = max(m["pti_kpa_s"] for m in sa.masks.values())
        pb = max(m["pti_kpa_s"] for m in sb.masks.values())
        assert pb == pytest.approx(pa, rel=0.05)


def test_uneven_frames_of_a_balance_trial():
    fine = fm.static_trial("normal", rate_hz=200.0, duration_s=25.0, sway_mm=3.0, seed=2,
                           mode="balance")[0]
    uneven = _irregular(fine.times_s, 2, 0.010, 0.060)
    regular = np.arange(0, fine.n_frames, 7)  # every 35 ms, the uneven frames' mean
    a = orthofit.analyze(fine.replace(frames=fine.frames[regular], times_s=fine.times_s[regular]))
    b = orthofit.analyze(fine.replace(frames=fine.frames[uneven], times_s=fine.times_s[uneven]))
    assert b.balance["left_pct"] == pytest.approx(a.balance["left_pct"], abs=0.5)
    assert b.balance["fore_pct"] == pytest.approx(a.balance["fore_pct"], abs=0.5)
    for key in ("ellipse_area_95_mm2", "mean_velocity_mm_s", "rms_ap_mm"):
        assert b.balance[key] == pytest.approx(a.balance[key], rel=0.1), key


@pytest.mark.parametrize("n_steps", [3, 6, 10])
def test_stepping_in_place_gives_every_step(n_steps):
    # Feet side by side on a 64 x 64 mat, left and right in turn: the prints touch, and each
    # foot loads the same sensels again and again.
    mat = fm.Mat(64, 64, (5.08, 5.08))
    shape = fm.named_foot("normal")
    places = fm.standing_placements(shape, mat)
    steps = [fm.Step(shape, places[i % 2], t_on_s=0.05 + 0.55 * i) for i in range(n_steps)]
    rec, truth = fm.render_walk(steps, mat, noise_kpa=1.0, seed=n_steps)
    result = orthofit.analyze(rec)
    assert len(result.steps) == n_steps
    assert [s.side for s in result.steps] == [s["side"] for s in truth["steps"]]
    starts = [rec.times_s[s.frames[0]] for s in result.steps]
    assert starts == pytest.approx([s["t_on_s"] for s in truth["steps"]], abs=0.03)
    for s in result.steps:
        assert s.complete
        assert s.metrics["arch_index"] == pytest.approx(truth["steps"][0]["arch_index"],
                                                        abs=0.02)
    assert not any("noise" in w for w in result.warnings)


def test_the_noise_threshold_is_the_mats_not_one_trials():
    rec, _ = walk("normal")

    def noisy(frames, seed):
        r = np.random.default_rng(seed)
        return np.maximum(frames + r.normal(3.0, 1.0, frames.shape).astype(np.float32), 0)

    short = rec.replace(frames=noisy(rec.frames[:60], 1), times_s=rec.times_s[:60])
    long = rec.replace(frames=noisy(np.concatenate([rec.frames] * 4), 2),
                       times_s=np.arange(rec.n_frames * 4) / 100.0)
    th = Thresholds()
    # Estimated from a few frames, not from the peak image: a longer trial (whose peak image
    # collects more extreme noise) gets the same threshold.
    est_short, est_long = recording_threshold_kpa(short, th), recording_threshold_kpa(long, th)
    assert est_short == pytest.approx(9.0, abs=1.0) and est_long == pytest.approx(est_short,
                                                                                   abs=0.5)
    # A mat whose profile states its noise: six of it, for every trial.
    stated = {**rec.profile, "noise_kpa": 2.5}
    assert recording_threshold_kpa(short.replace(profile=stated), th) == 15.0
    assert recording_threshold_kpa(long.replace(profile=stated), th) == 15.0
    both = orthofit.analyze_trials([short, long])
    assert both.threshold_kpa == max(est_short, est_long)  # one mat, one threshold
    assert [t["threshold_kpa"] for t in both.trials] == [round(both.threshold_kpa, 4)] * 2


def test_empty_mat_noise_is_measured_when_zeroing():
    from orthofit.capture.calibration import empty_noise_kpa
    from orthofit.io.profiles import load_mat_profile

    profile = load_mat_profile("ofp1-generic")  # 1 count = 1 kPa
    counts = np.random.default_rng(1).normal(40.0, 2.0, (400, 16, 16))
    assert empty_noise_kpa(counts, profile.calibration) == pytest.approx(2.0, abs=0.25)
    noisy = profile.with_noise(2.0)
    assert noisy.to_dict()["noise_kpa"] == 2.0
    rec = Recording(np.zeros((3, 8, 8), np.float32), np.arange(3) / 50.0, (5.0, 5.0),
                    profile=noisy.to_dict())
    assert recording_threshold_kpa(rec, Thresholds()) == 12.0


def test_the_demo_judges_the_sample_walks_as_visits(capsys):
    assert cli_main(["demo", "--foot", "normal"]) == 0
    text = capsys.readouterr().out
    visit = text.split("walk_flat.ofs + walk_flat_2.ofs + walk_flat_3.ofs")[1].split("\n\n")[0]
    assert "LEFT foot (5 complete step(s))" in visit and visit.count("arch: low") == 2
    assert "walk_flat_2.ofs\n" not in text  # a pass is not judged on its own


@pytest.mark.parametrize("side", ["left", "right"])
def test_a_step_cut_before_toe_off_keeps_its_side(side):
    # A slow mat or a recording that stops early: the COP path ends under the metatarsal
    # heads, lateral of the axis, which says nothing about which side is medial.
    mat = fm.Mat(int(600 / 5.08), int(300 / 5.08), (5.08, 5.08))
    step = fm.Step(fm.named_foot("normal"), fm.Placement((150, 450), 7.0, side), t_on_s=0.02)
    rec, _ = fm.render_walk([step], mat, rate_hz=100, noise_kpa=1.0, seed=4)
    force = rec.frames.sum(axis=(1, 2))
    loaded = np.flatnonzero(force > 0)
    cut = loaded[0] + int(0.8 * loaded.size)  # the last fifth of the stance never arrives
    result = orthofit.analyze(rec.replace(frames=rec.frames[:cut], times_s=rec.times_s[:cut]))
    fp = result.steps[0].footprint
    assert "toe_off" not in fp.side_votes
    assert result.steps[0].side == side
