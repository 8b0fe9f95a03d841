"""Comparing two visits or trials: better / worse against the normal range, kinds, alignment."""

from types import SimpleNamespace

import numpy as np
import pytest

from orthofit.report.comparison import (
    BETTER,
    MEASURES,
    NEUTRAL,
    WORSE,
    align,
    compare,
    difference_range,
    distance_to_range,
    judge,
    kind_warning,
)

ARCH = (0.21, 0.26)
PEAK = (0.0, 700.0)


@pytest.mark.parametrize("before, after, normal, digits, verdict", [
    (0.300, 0.270, ARCH, 3, BETTER),    # a high index falls towards the range
    (0.250, 0.280, ARCH, 3, WORSE),     # leaves the range
    (0.220, 0.250, ARCH, 3, NEUTRAL),   # within the range either way
    (0.300, 0.190, ARCH, 3, BETTER),    # crosses it: 0.04 above, then 0.02 below
    (0.280, 0.190, ARCH, 3, NEUTRAL),   # 0.02 above, then 0.02 below: no nearer
    (0.270, 0.2704, ARCH, 3, NEUTRAL),  # smaller than the last digit shown
    (0.180, 0.200, ARCH, 3, BETTER),    # a low index rises towards it
    (750.0, 690.0, PEAK, 0, BETTER),    # a peak over the diabetic-risk line falls under it
    (690.0, 720.0, PEAK, 0, WORSE),
    (650.0, 690.0, PEAK, 0, NEUTRAL),
    (720.0, 720.4, PEAK, 0, NEUTRAL),
    (80.0, 95.0, None, 0, NEUTRAL),     # no range: nothing to judge against
    (None, 0.25, ARCH, 3, None),        # a value missing
])
def test_a_change_is_judged_against_the_normal_range(before, after, normal, digits, verdict):
    assert judge(before, after, normal, digits) == verdict


def test_a_median_among_the_other_visits_steps_has_not_changed():
    # 0.30 -> 0.27 is nearer the range, but the first visit's steps ran from 0.26 to 0.33.
    assert judge(0.30, 0.27, ARCH, 3, spread_before=(0.26, 0.33)) == NEUTRAL
    assert judge(0.30, 0.27, ARCH, 3, spread_after=(0.25, 0.30)) == NEUTRAL
    assert judge(0.30, 0.27, ARCH, 3, spread_before=(0.29, 0.31),
                 spread_after=(0.26, 0.28)) == BETTER
    before = fake("walk", left={"peak_pressure_kpa": 739.0})
    before.foot("left").stats = {"peak_pressure_kpa": {"n": 3, "min": 736.0, "max": 742.0}}
    after = fake("walk", left={"peak_pressure_kpa": 741.0})
    peak = next(c for c in compare(before, after)
                if c.measure.key == "peak_pressure_kpa" and c.side == "left")
    assert peak.verdict == NEUTRAL and peak.text("change") == "+2 kPa"


def test_a_change_that_rounds_to_nothing_has_no_sign():
    before = fake("walk", left={"arch_index": 0.0321})
    after = fake("walk", left={"arch_index": 0.0319})
    arch = compare(before, after)[0]
    assert arch.text("change") == "0.000" and arch.verdict == NEUTRAL


def test_distance_to_range():
    assert distance_to_range(0.30, ARCH) == pytest.approx(0.04)
    assert distance_to_range(0.15, ARCH) == pytest.approx(0.06)
    assert distance_to_range(0.21, ARCH) == 0.0


def fake(mode, **sides):
    feet = {side: SimpleNamespace(metrics=metrics) for side, metrics in sides.items()}
    return SimpleNamespace(mode=mode, foot=feet.get)


def test_compare_gives_every_measure_of_both_feet():
    before = fake("walk", left={"arch_index": 0.30, "peak_pressure_kpa": 690.0},
                  right={"arch_index": 0.23})
    after = fake("walk", left={"arch_index": 0.27, "peak_pressure_kpa": 720.0})
    changes = compare(before, after)
    assert len(changes) == 2 * len(MEASURES)
    by = {(c.measure.key, c.side): c for c in changes}
    arch = by[("arch_index", "left")]
    assert arch.verdict == BETTER and arch.change == pytest.approx(-0.03)
    assert [arch.text(w) for w in ("before", "after", "change")] == ["0.300", "0.270", "-0.030"]
    peak = by[("peak_pressure_kpa", "left")]
    assert peak.verdict == WORSE and peak.text("change") == "+30 kPa"
    gone = by[("arch_index", "right")]  # the right foot is missing after
    assert gone.verdict is None and gone.text("after") == "n/a" and gone.text("change") == "n/a"


def test_a_walk_and_a_standing_trial_compare_only_the_size_of_the_foot():
    before = fake("walk", left={"arch_index": 0.30, "foot_length_mm": 250.0})
    after = fake("static", left={"arch_index": 0.24, "foot_length_mm": 251.0})
    by = {(c.measure.key, c.side): c for c in compare(before, after)}
    arch = by[("arch_index", "left")]
    assert not arch.comparable and arch.verdict is None
    assert arch.text("change") == "not comparable" and arch.text("after") == "0.240"
    length = by[("foot_length_mm", "left")]
    assert length.comparable and length.verdict == NEUTRAL and length.text("change") == "+1 mm"
    text = kind_warning("walk", "static")
    assert text.startswith("Before is a walk, after is a static (standing) trial.")
    assert "arch index, CPEI" in text and "stance time cannot be compared" in text
    assert "only the foot length and forefoot width can" in text
    assert kind_warning("static", "balance") is None and kind_warning("walk", "walk") is None
    assert "after is a walk" in kind_warning("balance", "walk")


def foot_map(side, img, heel_rc, axis, lateral, pitch=5.0, origin=(0.0, 0.0)):
    """A FootMap-like object; ``heel_rc`` is the heel sensel (row, col)."""
    heel = (origin[0] + (heel_rc[1] + 0.5) * pitch, origin[1] + (heel_rc[0] + 0.5) * pitch)
    return SimpleNamespace(side=side, peak_kpa=img, origin_mm=origin, pitch_mm=(pitch, pitch),
                           heel_xy_mm=heel, axis=axis, lateral=lateral, u_back_mm=-22.5,
                           length_mm=200.0)


def right_print():
    """A right foot pointing to row 0: 40 x 10 sensels of 100 kPa, a 300 kPa spot by the toes,
    and a 150 kPa column along its lateral (+x) edge."""
    img = np.zeros((50, 20))
    img[5:45, 5:15] = 100.0
    img[5:45, 14] = 150.0
    img[10:14, 6:9] = 300.0
    return img


def test_a_shifted_print_is_aligned_by_heel_and_axis():
    img = right_print()
    before = foot_map("right", img, (40, 10), (0.0, -1.0), (1.0, 0.0))
    moved = np.zeros((60, 30))
    moved[8:58, 1:21] = img  # 8 rows further down the mat and 1 column to the right
    moved[8 + 10:8 + 14, 1 + 6:1 + 9] = 350.0  # the spot is 50 kPa higher after
    after = foot_map("right", moved, (48, 11), (0.0, -1.0), (1.0, 0.0), origin=(10.0, -5.0))
    a = align(before, after)
    loaded = np.isfinite(a.difference)
    assert loaded.sum() == 400  # the 40 x 10 print, cell for cell
    assert np.array_equal(a.before[loaded] > 0, a.after[loaded] > 0)
    assert sorted(np.unique(a.difference[loaded])) == [0.0, 50.0]
    assert (a.difference == 50.0).sum() == 12  # the 4 x 3 spot
    rows, cols = np.nonzero(a.difference == 50.0)
    assert rows.max() < a.before.shape[0] / 2  # the spot by the toes is drawn at the top
    lateral = np.nonzero(a.before == 150.0)[1]
    assert lateral.min() > a.before.shape[1] / 2  # a right foot's little-toe side: the right


@pytest.mark.parametrize("turn", ["half", "quarter"])
def test_a_print_walked_another_way_aligns_exactly(turn):
    img = right_print()
    before = foot_map("right", img, (40, 10), (0.0, -1.0), (1.0, 0.0))
    if turn == "half":  # the same foot walking towards the last row
        after = foot_map("right", img[::-1, ::-1], (49 - 40, 19 - 10), (0.0, 1.0), (-1.0, 0.0))
    else:  # towards the first column: rot90 takes (row r, col c) to (19 - c, r)
        after = foot_map("right", np.rot90(img), (19 - 10, 40), (-1.0, 0.0), (0.0, -1.0))
    a = align(before, after)
    assert np.array_equal(a.before, a.after)
    assert np.nanmax(np.abs(a.difference)) == 0.0 and np.isfinite(a.difference).sum() == 400


def test_a_left_foot_is_drawn_with_its_little_toe_side_on_the_left():
    img = right_print()
    left = foot_map("left", img, (40, 10), (0.0, -1.0), (1.0, 0.0))
    a = align(left, left)
    assert np.nonzero(a.before == 150.0)[1].max() < a.before.shape[1] / 2
    with pytest.raises(ValueError, match="left foot with a right foot"):
        align(left, foot_map("right", img, (40, 10), (0.0, -1.0), (1.0, 0.0)))


def test_difference_range():
    assert difference_range([], 800.0) == 200.0  # a quarter of the clinic scale
    assert difference_range([np.array([[-130.0, 40.0, np.nan]])], None) == 150.0
    assert difference_range([np.array([[3.0]])], None) == 20.0


def test_a_change_smaller_than_chance_is_not_judged():
    """A median of a few steps moves by about its standard error between visits (arch index
    0.022, CPEI 3.6 from SpeedPP2D's step-to-step spread): smaller changes are not coloured."""
    assert judge(0.032, 0.033, ARCH, 3, smallest=0.022) == NEUTRAL
    assert judge(0.30, 0.27, ARCH, 3, smallest=0.022) == BETTER
    arch = next(m for m in MEASURES if m.key == "arch_index")
    cpei = next(m for m in MEASURES if m.key == "cpei")
    assert (arch.smallest, cpei.smallest) == (0.022, 3.6)
    assert judge(34.0, 31.0, cpei.normal, cpei.digits, smallest=cpei.smallest) == NEUTRAL
    assert judge(34.0, 30.0, cpei.normal, cpei.digits, smallest=cpei.smallest) == BETTER
