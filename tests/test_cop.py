import numpy as np
import pytest

from orthofit.analysis.cop import force_and_cop, masked_force_and_cop


def test_rectangle_cop_and_force_are_exact():
    f = np.zeros((2, 10, 12), np.float32)
    f[0, 2:6, 3:9] = 200.0  # rows 2-5, cols 3-8
    f[1, 0, 0] = 50.0
    force, cop = force_and_cop(f, (7.62, 5.08))
    area_mm2 = 24 * 7.62 * 5.08
    assert force[0] == pytest.approx(200.0 * area_mm2 * 1e-3)
    assert cop[0] == pytest.approx([(6.0) * 5.08, 4.0 * 7.62])  # centre col 5.5 -> 6 sensels
    assert cop[1] == pytest.approx([0.5 * 5.08, 0.5 * 7.62])


def test_empty_frame_gives_nan_not_an_error():
    f = np.zeros((3, 4, 4), np.float32)
    f[1, 1, 1] = 10
    force, cop = force_and_cop(f, (5.0, 5.0))
    assert force[0] == 0 and np.isnan(cop[0]).all()
    assert np.isfinite(cop[1]).all()


def test_window_offset_and_mask():
    f = np.zeros((1, 6, 6), np.float32)
    f[0, 1, 1] = 100.0  # inside the mask
    f[0, 4, 4] = 100.0  # outside: the other foot
    mask = np.zeros((6, 6), bool)
    mask[0:3, 0:3] = True
    force, cop = masked_force_and_cop(f, mask, (5.0, 5.0), offset=(10, 20))
    assert force[0] == pytest.approx(100 * 25 * 1e-3)
    assert cop[0] == pytest.approx([(20 + 1.5) * 5.0, (10 + 1.5) * 5.0])


def test_threshold_drops_noise_from_cop():
    f = np.zeros((1, 5, 5), np.float32)
    f[0, 0, 0] = 100.0
    f[0, 4, 4] = 3.0  # noise below a 5 kPa threshold
    _, cop = masked_force_and_cop(f, np.ones((5, 5), bool), (5.0, 5.0), threshold_kpa=5.0)
    assert cop[0] == pytest.approx([2.5, 2.5])


def test_whole_recording_matches_masked_version():
    rng = np.random.default_rng(3)
    f = rng.random((20, 15, 11)).astype(np.float32) * 100
    a_force, a_cop = force_and_cop(f, (5.08, 7.62))
    b_force, b_cop = masked_force_and_cop(f, np.ones((15, 11), bool), (5.08, 7.62))
    assert np.allclose(a_force, b_force, rtol=1e-5)
    assert np.allclose(a_cop, b_cop, rtol=1e-5)
