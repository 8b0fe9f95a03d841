import numpy as np
import pytest

import orthofit
from orthofit import footmodel as fm
from orthofit.analysis.balance import ellipse_area_95_mm2, sway
from orthofit.analysis.gait import path_length_mm


def test_ellipse_area_of_a_known_covariance():
    # A rectangle's 4 corners have covariance diag(a^2, b^2) * 4/3 (n-1 normalisation).
    pts = np.array([[-3.0, -1.0], [3.0, -1.0], [3.0, 1.0], [-3.0, 1.0]])
    expected = np.pi * 5.991 * np.sqrt(9 * 4 / 3 * 1 * 4 / 3)
    assert ellipse_area_95_mm2(pts) == pytest.approx(expected)


def test_sway_of_a_square_path():
    t = np.arange(5) * 0.5
    xy = np.array([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], float)
    s = sway(t, xy, np.array([0.0, -1.0]))
    assert s["path_length_mm"] == 40.0
    assert s["mean_velocity_mm_s"] == 20.0
    assert s["range_ap_mm"] == 10.0 and s["range_ml_mm"] == 10.0


def test_balance_trial_against_the_known_body_cop():
    mat = fm.Mat(40, 44, (8.47, 8.47))
    rec, truth = fm.static_trial("normal", mat=mat, rate_hz=50, duration_s=30, sway_mm=3.0,
                                 mode="balance", noise_kpa=1.0, seed=4)
    result = orthofit.analyze(rec)
    bal = result.balance
    body = truth["body_cop_xy_mm"]
    assert bal["ellipse_area_95_mm2"] == pytest.approx(ellipse_area_95_mm2(body), rel=0.15)
    assert bal["path_length_mm"] == pytest.approx(path_length_mm(body), rel=0.25)
    assert bal["left_pct"] + bal["right_pct"] == pytest.approx(100.0)
    assert bal["mean_force_n"] == pytest.approx(70 * fm.G_M_S2, rel=0.03)


def test_load_shares_follow_the_feet():
    shape = fm.named_foot("normal")
    mat = fm.Mat(96, 96, (5.08, 5.08))
    feet = [(shape, fm.Placement((170, 380), -8, "left")),
            (shape, fm.Placement((320, 380), 8, "right"))]
    rec, _ = fm.render_stance(feet, mat, load_share=[0.65, 0.35], duration_s=1.0)
    result = orthofit.analyze(rec)
    assert result.balance["left_pct"] == pytest.approx(65.0, abs=1.0)
    assert any("left foot carries" in f for f in result.asymmetry["flags"])
    assert "leg length" in result.asymmetry["flags"][0]
