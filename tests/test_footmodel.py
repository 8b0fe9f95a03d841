import numpy as np
import pytest
from skimage.measure import label

from orthofit import footmodel as fm


def test_static_load_is_body_weight():
    rec, truth = fm.static_trial("normal", body_mass_kg=80, noise_kpa=0, sway_mm=0,
                                 duration_s=0.2)
    force = rec.frames.sum(axis=(1, 2)) * rec.sensel_area_mm2 * 1e-3
    assert force == pytest.approx(80 * fm.G_M_S2, rel=0.002)


def test_arch_index_orders_the_presets():
    ai = {k: fm.exact_arch_index(fm.named_foot(k)) for k in fm.NAMED_FEET}
    assert ai["cavus"] < 0.21 < ai["normal"] < 0.26 < ai["planus"]


def test_toes_are_separate_prints_in_front_of_the_metatarsal_heads():
    shape = fm.named_foot("normal")
    uu, vv = np.meshgrid(np.arange(-5, 260, 0.5), np.arange(-80, 80, 0.5), indexing="ij")
    p = fm.pressure_field(shape, uu, vv)
    toeless = fm.toeless_mask(shape, uu, vv)
    toes = (p > 0) & ~toeless
    assert label(toes).max() == 5
    assert uu[toes].min() > uu[toeless].max() - 20  # toes lie in front of the forefoot
    assert uu[p > 0].max() == pytest.approx(shape.length_mm, abs=0.6)  # 2nd toe tip at L


def test_walk_cop_follows_the_prescribed_path():
    rec, truth = fm.walk_trial("normal", noise_kpa=0, n_steps=1)
    step = truth["steps"][0]
    cop = np.array(step["cop_xy_mm"])
    frames = np.searchsorted(rec.times_s, cop[:, 0] - 1e-9)
    f = rec.frames[frames]
    total = f.sum(axis=(1, 2))
    ys = (np.arange(rec.shape[0]) + 0.5) * rec.pitch_mm[0]
    xs = (np.arange(rec.shape[1]) + 0.5) * rec.pitch_mm[1]
    measured = np.stack([(f.sum(1) @ xs) / total, (f.sum(2) @ ys) / total], axis=1)
    loaded = total > 0.05 * total.max()
    assert np.abs(measured[loaded] - cop[loaded, 1:]).max() < 1.0  # mm


def test_sensor_effects():
    rec, _ = fm.static_trial("normal", duration_s=0.2, noise_kpa=0, sway_mm=0,
                             saturation_kpa=60.0, dead=[(50, 30)], quantum_kpa=2.0)
    assert rec.frames.max() == 60.0
    assert np.all(rec.frames[:, 50, 30] == 0)
    assert np.allclose(rec.frames % 2.0, 0)
