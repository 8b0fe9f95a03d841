"""Footprint indices on arrays whose answer is exact, and on the foot model across pitches."""

import numpy as np
import pytest
from skimage.measure import label

from orthofit import footmodel as fm
from orthofit.analysis.classify import Thresholds
from orthofit.analysis.footprint import footprint
from orthofit.analysis.segment import find_contacts, noise_threshold_kpa


def stepped_print(pitch=(5.08, 5.08)):
    """Toes toward row 0: forefoot 18 wide, midfoot 6, heel 12 sensels; 20 rows each."""
    img = np.zeros((70, 30), np.float32)
    img[5:25, 6:24] = 120.0  # A (forefoot), 18 columns
    img[25:45, 15:21] = 120.0  # B (midfoot), 6 columns on the lateral side
    img[45:65, 9:21] = 120.0  # C (heel), 12 columns
    return img


@pytest.mark.parametrize("pitch", [(5.08, 5.08), (7.62, 5.08), (8.47, 8.47)])
def test_thirds_with_known_areas(pitch):
    img = stepped_print()
    fp = footprint(img, img > 0, pitch, direction=(0, -1))
    # Exact: B / (A + B + C) = 6 / (18 + 6 + 12), whatever the pitch.
    assert fp.arch_index == pytest.approx(6 / 36, abs=0.005)
    assert fp.chippaux_smirak_pct == pytest.approx(100 * 6 / 18, abs=1.5)
    assert fp.staheli == pytest.approx(6 / 12, abs=0.03)
    assert fp.toeless_length_mm == pytest.approx(60 * pitch[0], rel=0.01)
    assert fp.forefoot_width_mm == pytest.approx(18 * pitch[1], rel=0.03)
    assert fp.contact_area_cm2 == pytest.approx((18 + 6 + 12) * 20 * pitch[0] * pitch[1] / 100)
    assert fp.toe_line is None


def test_rectangle_is_a_third():
    img = np.zeros((60, 30))
    img[5:55, 8:22] = 100.0
    fp = footprint(img, img > 0, (5.0, 5.0), direction=(0, -1))
    assert fp.arch_index == pytest.approx(1 / 3, abs=0.003)


def measure(kind, pitch, angle, **shape_changes):
    shape = fm.named_foot(kind)
    if shape_changes:
        import dataclasses

        shape = dataclasses.replace(shape, **shape_changes)
    mat = fm.Mat(int(420 / pitch[0]), int(300 / pitch[1]), pitch)
    place = fm.Placement((150, 360), angle, "left")
    rec, truth = fm.render_stance([(shape, place)], mat, duration_s=0.05, rate_hz=20,
                                  noise_kpa=1.0, seed=1)
    peak = rec.frames.max(0)
    thr = noise_threshold_kpa(peak, 5.0)
    contacts, direction, _ = find_contacts(rec.frames, rec.pitch_mm, thr, Thresholds())
    assert len(contacts) == 1
    c = contacts[0]
    r0, r1, c0, c1 = c.box
    fp = footprint(peak[r0:r1, c0:c1], c.mask, rec.pitch_mm, offset=(r0, c0),
                   direction=direction, threshold_kpa=thr)
    return fp, truth["feet"][0], peak


ANGLES = (-25, -12, 0, 12, 25)


@pytest.mark.parametrize("kind", fm.NAMED_FEET)
@pytest.mark.parametrize("angle", ANGLES)
def test_arch_index_within_002_at_5mm(kind, angle):
    fp, truth, _ = measure(kind, (5.08, 5.08), angle)
    assert fp.arch_index == pytest.approx(truth["arch_index"], abs=0.02)
    assert fp.side == "left"
    heading = np.degrees(np.arctan2(fp.axis[0], -fp.axis[1]))
    assert heading == pytest.approx(angle, abs=2.0)


@pytest.mark.parametrize("kind", fm.NAMED_FEET)
@pytest.mark.parametrize("pitch", [(7.62, 5.08), (7.62, 7.62), (10.0, 10.0)])
@pytest.mark.parametrize("angle", (-25, 0, 15, 25))
def test_arch_index_within_004_on_coarse_mats(kind, pitch, angle):
    fp, truth, _ = measure(kind, pitch, angle)
    assert fp.arch_index == pytest.approx(truth["arch_index"], abs=0.04)


@pytest.mark.parametrize("kind", fm.NAMED_FEET)
def test_rotation_moves_arch_index_only_by_pixelation(kind):
    values = [measure(kind, (5.08, 5.08), a)[0].arch_index for a in ANGLES]
    assert max(values) - min(values) <= 0.02


def test_bridged_toes_are_still_removed():
    _, _, open_peak = measure("normal", (7.62, 7.62), 10)
    fp, truth, peak = measure("normal", (7.62, 7.62), 10, toe_bridge=True)
    # The bridge really joins toes to the forefoot (fewer separate blobs, the hallux attached)...
    assert label(peak > 5.0, connectivity=2).max() < label(open_peak > 5.0, connectivity=2).max()
    # ...and the toe line still cuts them off, so the arch index stays right.
    assert fp.toe_line is not None
    assert fp.sensel_is_toe.any()
    assert fp.arch_index == pytest.approx(truth["arch_index"], abs=0.04)


def test_leaving_toes_in_would_bias_the_arch_index():
    # Why toe removal matters (DOMAIN.md): the toes lengthen the print and move the thirds.
    fp, truth, _ = measure("normal", (5.08, 5.08), 0)
    assert fp.length_mm - fp.toeless_length_mm > 30
    assert fp.arch_index == pytest.approx(truth["arch_index"], abs=0.02)


def test_side_from_shape_for_both_feet():
    shape = fm.named_foot("normal")
    mat = fm.Mat(90, 70, (5.08, 5.08))
    for side in ("left", "right"):
        rec, _ = fm.render_stance([(shape, fm.Placement((170, 400), 5, side))], mat,
                                  duration_s=0.05, rate_hz=20)
        peak = rec.frames.max(0)
        fp = footprint(peak, peak > 5, rec.pitch_mm, direction=(0, -1))
        assert fp.side == side
