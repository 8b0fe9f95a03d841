import numpy as np
import pytest

from orthofit.errors import ProfileError
from orthofit.matprofile import Calibration, MatProfile


def test_linear_with_zero_and_saturation():
    cal = Calibration(scale_kpa_per_count=0.5, zero_offset_counts=10, saturation_counts=1010)
    assert cal.to_kpa(np.array([0, 10, 210, 5000])).tolist() == [0.0, 0.0, 100.0, 500.0]
    zero = np.array([[10.0, 20.0]])
    assert cal.to_kpa(np.array([[30, 30]]), zero_map=zero).tolist() == [[10.0, 5.0]]


def test_polynomial_and_its_inverse():
    cal = Calibration(kind="polynomial", coefficients=(0.0, 0.2, 0.001))
    kpa = cal.to_kpa(np.array([0, 100, 200]))
    assert kpa.tolist() == pytest.approx([0.0, 30.0, 80.0])
    assert cal.to_counts(kpa, 1023).tolist() == [0, 100, 200]


def test_lookup_table_and_its_inverse():
    cal = Calibration(kind="lut", lut_counts=(0, 100, 200), lut_kpa=(0, 50, 300))
    assert cal.to_kpa(np.array([50, 150, 400])).tolist() == [25.0, 175.0, 300.0]
    assert cal.to_counts(np.array([25.0, 175.0]), 255).tolist() == [50, 150]


def test_clinic_scale_multiplies():
    cal = Calibration(scale_kpa_per_count=2.0, clinic_scale=1.1)
    assert cal.to_kpa(np.array([10]))[0] == pytest.approx(22.0)
    assert cal.to_counts(np.array([22.0]), 255)[0] == 10


BASE = {"name": "m", "rows": 4, "cols": 4, "pitch_mm": 5.0,
        "codec": {"kind": "poll"}, "calibration": {"kind": "linear"}}


@pytest.mark.parametrize("change, message", [
    ({"codec": {"kind": "magic"}}, "kind must be one of"),
    ({"rows": 0}, "both be positive"),
    ({"pitch_mm": [5, -1]}, "pitch_mm"),
    ({"calibration": {"kind": "lut", "lut_counts": [0, 10], "lut_kpa": [0]}}, "two or more"),
    ({"calibration": {"kind": "linear", "gain": 2}}, "unknown keys: gain"),
    ({"rows": 0, "cols": 0}, "needs rows and cols"),
])
def test_bad_profiles_name_the_problem(change, message):
    with pytest.raises(ProfileError, match=message):
        MatProfile.from_dict({**BASE, **change})


def test_round_trip_through_dict():
    p = MatProfile.from_dict({**BASE, "link": {"usb_ids": ["2341:0043"]}})
    assert MatProfile.from_dict(p.to_dict()) == p
    assert p.usb_ids == [(0x2341, 0x0043)]


@pytest.mark.parametrize("change, words", [
    ({"calibration": {"kind": "polynomial", "coefficients": "linear"}},
     "coefficients must be a list of numbers"),
    ({"calibration": {"kind": "linear", "scale_kpa_per_count": 2e308}},
     "scale_kpa_per_count must hold finite numbers"),
    ({"calibration": {"kind": "linear", "scale_kpa_per_count": "2"}},
     "scale_kpa_per_count must hold finite numbers"),
    ({"calibration": {"kind": "lut", "lut_counts": [0, "x"], "lut_kpa": [0, 1]}},
     "lut_counts must hold finite numbers"),
    ({"calibration": {"kind": "linear", "zero_offset_counts": 10 ** 400}},
     "zero_offset_counts must hold finite numbers"),
    ({"rows": float("inf")}, "rows, cols and pitch_mm must be numbers"),
    ({"codec": "ofp1"}, r"\[codec\] must be a table"),
    ({"link": [1, 2]}, r"\[link\] must be a table"),
    ({"max_count": "4095"}, "max_count must be a whole number"),
    ({"max_count": 0}, "max_count must be a whole number"),
])
def test_damaged_profile_numbers_are_refused_by_name(change, words):
    """A profile travels inside journals and scans: a damaged number is a ProfileError that
    names it (found by fuzzing a journal: a string of coefficients was read character by
    character into a ValueError)."""
    data = {"name": "x", "rows": 2, "cols": 2, "pitch_mm": 10, "codec": {"kind": "ofp1"},
            **change}
    with pytest.raises(ProfileError, match=words):
        MatProfile.from_dict(data)
