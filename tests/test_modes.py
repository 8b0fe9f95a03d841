import numpy as np
import pytest

from orthofit.capture.modes import Trigger, trigger_for


def feed(trigger, frames, rate_hz=100.0):
    for i, f in enumerate(frames):
        kpa = f if trigger.watches_load else None
        if trigger.update(i, i / rate_hz, kpa):
            return i
    return None


def test_frames_and_seconds_windows():
    t = trigger_for("unknown", sensel_area_cm2=1, frames=7)
    assert feed(t, [np.zeros((2, 2))] * 20) == 6 and t.window == (0, 7)
    t = trigger_for("walk", sensel_area_cm2=1, seconds=0.5)
    assert feed(t, [np.zeros((2, 2))] * 100) == 49 and t.window == (0, 50)


def test_static_starts_on_a_steady_stance_and_lasts_its_time():
    empty = [np.zeros((10, 10))] * 50
    shaky = [np.full((10, 10), 50.0 + 30 * (i % 2)) for i in range(50)]  # load jumps 50 %
    steady = [np.full((10, 10), 50.0)] * 400
    t = Trigger("static", duration_s=2.0, sensel_area_cm2=1.0, min_area_cm2=40)
    done = feed(t, empty + shaky + steady)
    start, end = t.window
    assert start >= 100 + 95  # one steady second after the shaking stopped
    assert end - start == 200 and done == end - 1


def test_static_gives_up_when_nobody_stands():
    t = Trigger("static", duration_s=2.0, sensel_area_cm2=1.0, max_wait_s=3.0)
    assert feed(t, [np.zeros((5, 5))] * 1000) == 301
    assert t.gave_up


def test_walk_keeps_a_lead_in_and_a_margin():
    frames = [np.zeros((10, 10))] * 100 + [np.full((10, 10), 80.0)] * 60 + \
        [np.zeros((10, 10))] * 300
    t = trigger_for("walk", sensel_area_cm2=1.0)
    done = feed(t, frames)
    start, end = t.window
    assert start == pytest.approx(100 - 20, abs=1)
    assert done == 159 + 100 and end == done + 1


def test_stepping_off_restarts_a_kiosk_static_scan():
    steady = [np.full((10, 10), 50.0)] * 150  # 1.5 s: steady after 1 s, then 0.5 s recorded
    off = [np.zeros((10, 10))] * 30
    t = Trigger("static", duration_s=2.0, sensel_area_cm2=1.0, min_area_cm2=40,
                restart_on_step_off=True)
    done = feed(t, steady + off + [np.full((10, 10), 50.0)] * 400)
    start, end = t.window
    assert t.restarts == 1
    assert start >= 180 + 95  # the first stance is forgotten: a steady second after the return
    assert end - start == 200 and done == end - 1
    # Without the option a static scan simply records through the empty frames.
    t = Trigger("static", duration_s=2.0, sensel_area_cm2=1.0, min_area_cm2=40)
    feed(t, steady + off + [np.full((10, 10), 50.0)] * 400)
    assert t.restarts == 0 and t.window[0] < 150
