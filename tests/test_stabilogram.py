"""The stabilogram of standing trials: the body's sway path and its 95 % ellipse, known exactly.

A COP that runs round an ellipse of semi-axes A, B turned by phi, sampled evenly over whole
turns (n samples), has the covariance R diag(A^2 / 2, B^2 / 2) R^T * n / (n - 1) (numpy's n - 1
normalisation), so its 95 % prediction ellipse has semi-axes sqrt(5.991 * A^2 / 2 * n / (n - 1))
and the same angle. A pressure field that is a linear ramp over a rectangle of sensels moves its
centre of pressure by exactly M g (M the second moment of the sensel centres, g the ramp), so a
recording can put the COP on that path to float precision.
"""

import json
import math
from io import StringIO

import numpy as np
import pytest

import orthofit
from orthofit.analysis.balance import (
    CHI2_95_2DOF,
    STABILOGRAM_MAX_POINTS,
    ellipse_95,
    ellipse_area_95_mm2,
    stabilogram,
    sway_path,
)
from orthofit.cli import main as cli_main

from conftest import SAMPLES


def ellipse_path(a_mm, b_mm, angle_deg, n, turns=6):
    """(ML, AP) points round an ellipse, evenly over whole turns."""
    w = 2 * np.pi * turns * np.arange(n) / n
    phi = math.radians(angle_deg)
    ml = a_mm * math.cos(phi) * np.cos(w) - b_mm * math.sin(phi) * np.sin(w)
    ap = a_mm * math.sin(phi) * np.cos(w) + b_mm * math.cos(phi) * np.sin(w)
    return np.stack([ml, ap], axis=1)


def expected_semi_axes(a_mm, b_mm, n):
    return tuple(math.sqrt(CHI2_95_2DOF * s * s / 2 * n / (n - 1)) for s in (a_mm, b_mm))


@pytest.mark.parametrize("a, b, angle", [(6.0, 2.0, 0.0), (5.0, 3.0, 35.0), (8.0, 1.5, -60.0),
                                         (4.0, 2.5, 90.0)])
def test_ellipse_of_a_path_round_a_known_ellipse(a, b, angle):
    n = 1200
    path = ellipse_path(a, b, angle, n) + [3.0, -7.0]
    e = ellipse_95(path)
    assert e["centre_mm"] == pytest.approx((3.0, -7.0), abs=1e-9)
    assert e["semi_axes_mm"] == pytest.approx(expected_semi_axes(a, b, n), rel=1e-9)
    assert e["angle_deg"] == pytest.approx(angle, abs=1e-6)
    assert e["area_mm2"] == pytest.approx(math.pi * np.prod(e["semi_axes_mm"]), rel=1e-12)
    # The area is the one the balance measures have always used, not a second formula.
    assert e["area_mm2"] == pytest.approx(ellipse_area_95_mm2(path), rel=1e-12)


def test_the_trace_is_thinned_evenly_in_time_and_the_ellipse_uses_every_sample():
    path = ellipse_path(6.0, 3.0, 20.0, 4500)  # 45 s at 100 Hz
    st = stabilogram([path])
    assert len(st["x_mm"]) <= STABILOGRAM_MAX_POINTS
    k = math.ceil(4500 / (STABILOGRAM_MAX_POINTS - 1))
    assert st["x_mm"] == pytest.approx(path[::k, 0].tolist())
    assert st["y_mm"] == pytest.approx(path[::k, 1].tolist())
    assert st["ellipse"] == ellipse_95(path - path.mean(axis=0))
    assert (st["trials"], st["trial_starts"]) == (1, [0])
    short = stabilogram([path[:500]])
    assert len(short["x_mm"]) == 500  # nothing thinned that fits


def test_trials_are_pooled_each_about_its_own_mean():
    one = ellipse_path(6.0, 2.0, 0.0, 1500) + [10.0, 0.0]
    two = ellipse_path(3.0, 1.0, 0.0, 900) - [0.0, 20.0]
    st = stabilogram([one, two])
    # 2400 samples: every second one is drawn, from each trial's first.
    assert st["trials"] == 2 and st["trial_starts"] == [0, 750] and len(st["x_mm"]) == 1200
    assert st["x_mm"][750:] == pytest.approx(two[::2, 0].tolist())
    assert np.mean(st["x_mm"][:750]) == pytest.approx(0.0, abs=1e-9)
    assert np.mean(st["y_mm"][750:]) == pytest.approx(0.0, abs=1e-9)
    # Pooled covariance: sums of squares of both trials over (n1 + n2 - 1).
    n = 1500 + 900
    var_ml = (1500 * 36.0 / 2 + 900 * 9.0 / 2) / (n - 1)
    var_ap = (1500 * 4.0 / 2 + 900 * 1.0 / 2) / (n - 1)
    assert st["ellipse"]["semi_axes_mm"] == pytest.approx(
        (math.sqrt(CHI2_95_2DOF * var_ml), math.sqrt(CHI2_95_2DOF * var_ap)), rel=1e-9)


def ramp_recording(a_mm, b_mm, angle_deg, *, rate_hz=50.0, duration_s=30.0, period_s=5.0,
                   mode="balance"):
    """A standing recording whose COP runs round a known ellipse (ML right, AP forwards).

    One rectangular print of 20 x 16 sensels (5 mm); its pressure is a linear ramp whose slope
    moves the COP by exactly the wanted offset. The patient faces row 0: ML is +x (columns), AP
    is -y (rows).
    """
    n = int(round(duration_s * rate_hz))
    path = ellipse_path(a_mm, b_mm, angle_deg, n, turns=int(round(duration_s / period_s)))
    pitch = 5.0
    frames = np.zeros((n, 40, 40), np.float32)
    rows, cols = np.mgrid[10:30, 12:28]
    x = (cols + 0.5) * pitch
    y = (rows + 0.5) * pitch
    dx, dy = x - x.mean(), y - y.mean()
    m = np.array([[np.mean(dx * dx), np.mean(dx * dy)], [np.mean(dx * dy), np.mean(dy * dy)]])
    offsets = np.stack([path[:, 0], -path[:, 1]], axis=1)  # mat x, y
    g = np.linalg.solve(m, offsets.T).T
    ramp = 1.0 + g[:, 0, None, None] * dx + g[:, 1, None, None] * dy
    assert ramp.min() > 0.3  # every sensel stays loaded
    frames[:, 10:30, 12:28] = 100.0 * ramp
    rec = orthofit.Recording(frames, np.arange(n) / rate_hz, (pitch, pitch), mode=mode)
    return rec, path


@pytest.mark.parametrize("a, b, angle", [(6.0, 2.0, 75.0), (4.0, 2.0, -30.0)])
def test_analysis_of_a_balance_trial_round_a_known_ellipse(a, b, angle):
    rec, path = ramp_recording(a, b, angle)
    bal = orthofit.analyze(rec).balance
    st = bal["stabilogram"]
    e = st["ellipse"]
    # The 6 Hz sway filter leaves a 0.2 Hz sway as it is (gain 1 - 1e-6; edges within 1e-3).
    assert e["semi_axes_mm"] == pytest.approx(expected_semi_axes(a, b, path.shape[0]), rel=1e-3)
    assert e["angle_deg"] == pytest.approx(angle, abs=0.1)
    assert e["centre_mm"] == pytest.approx((0.0, 0.0), abs=1e-6)
    assert e["area_mm2"] == pytest.approx(bal["ellipse_area_95_mm2"], rel=1e-9)
    assert np.array(st["x_mm"]) == pytest.approx(path[:, 0], abs=0.01)
    assert np.array(st["y_mm"]) == pytest.approx(path[:, 1], abs=0.01)


def test_a_long_trial_is_drawn_with_at_most_2000_points():
    rec, path = ramp_recording(5.0, 2.0, 10.0, rate_hz=100.0, duration_s=60.0)
    st = orthofit.analyze(rec).balance["stabilogram"]
    assert 1000 < len(st["x_mm"]) <= STABILOGRAM_MAX_POINTS
    k = math.ceil(6000 / (STABILOGRAM_MAX_POINTS - 1))
    assert np.array(st["x_mm"]) == pytest.approx(path[::k, 0], abs=0.01)


def test_standing_trials_analysed_together_pool_their_sway():
    (rec_a, path_a), (rec_b, path_b) = ramp_recording(6.0, 2.0, 0.0), \
        ramp_recording(3.0, 1.0, 0.0, duration_s=20.0)
    result = orthofit.analyze_trials([rec_a, rec_b])
    st = result.balance["stabilogram"]
    assert st["trials"] == 2 and st["trial_starts"] == [0, path_a.shape[0] // 2]
    pooled = np.concatenate([path_a, path_b])
    assert st["ellipse"]["semi_axes_mm"] == pytest.approx(ellipse_95(pooled)["semi_axes_mm"],
                                                          rel=1e-3)
    # The other figures are means of the trials, as before.
    each = [orthofit.analyze(r).balance["ellipse_area_95_mm2"] for r in (rec_a, rec_b)]
    assert result.balance["ellipse_area_95_mm2"] == pytest.approx(np.mean(each))


def test_sway_path_turns_the_mat_into_the_body_frame():
    t = np.arange(4) * 0.1
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0]])
    # Facing +x (columns): forwards is +x, the patient's right is +y.
    _, p = sway_path(t, xy, np.array([1.0, 0.0]), None)
    assert p[:, 1].tolist() == pytest.approx([-5.0, 5.0, 5.0, -5.0])  # AP
    assert p[:, 0].tolist() == pytest.approx([-2.5, -2.5, 2.5, 2.5])  # ML


def test_stabilogram_in_the_json_of_orthofit_analyze():
    out = StringIO()
    assert cli_main(["analyze", str(SAMPLES / "balance_normal.ofs"), "--json"], out=out) == 0
    bal = json.loads(out.getvalue())["balance"]
    st = bal["stabilogram"]
    assert set(st["ellipse"]) == {"centre_mm", "semi_axes_mm", "angle_deg", "area_mm2"}
    assert st["ellipse"]["area_mm2"] == pytest.approx(bal["ellipse_area_95_mm2"], abs=0.01)
    a, b = st["ellipse"]["semi_axes_mm"]
    assert math.pi * a * b == pytest.approx(st["ellipse"]["area_mm2"], rel=1e-3)
    assert len(st["x_mm"]) == len(st["y_mm"]) == st["n_points"] <= STABILOGRAM_MAX_POINTS
    assert all(round(v, 2) == v for v in st["x_mm"][:50])
    # 30 s at 50 Hz of a person standing: sway of a few mm about the mean.
    assert abs(np.mean(st["x_mm"])) < 0.05 and 1.0 < np.std(st["y_mm"]) < 10.0
    out = StringIO()
    cli_main(["analyze", str(SAMPLES / "balance_normal.ofs"), "--json", "--no-series"], out=out)
    lean = json.loads(out.getvalue())["balance"]["stabilogram"]
    assert "x_mm" not in lean and lean["ellipse"] == st["ellipse"]
