import numpy as np
import pytest

from orthofit.model import Recording, RecordingError


def frames(t=3, r=4, c=5):
    return np.arange(t * r * c, dtype=np.float32).reshape(t, r, c)


def test_recording_normalises_fields():
    rec = Recording(frames().astype(np.float64), [0.0, 0.01, 0.02], 5.08)
    assert rec.frames.dtype == np.float32
    assert rec.pitch_mm == (5.08, 5.08)
    assert rec.rate_hz == 100.0
    assert rec.shape == (4, 5)
    assert rec.sensel_area_mm2 == pytest.approx(5.08 * 5.08)
    assert rec.duration_s == pytest.approx(0.03)


def test_single_image_becomes_one_frame():
    rec = Recording(np.ones((4, 5)), [0.0], (7.62, 5.08))
    assert rec.frames.shape == (1, 4, 5)
    assert rec.rate_hz is None
    assert rec.pitch_mm == (7.62, 5.08)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"times_s": [0.0, 0.02, 0.01]}, "strictly increasing"),
        ({"times_s": [0.0, 0.01]}, "3 frames but 2 timestamps"),
        ({"pitch_mm": (0, 5)}, "pitch_mm"),
        ({"pitch_mm": (1, 2, 3)}, "pitch_mm"),
        ({"mode": "jumping"}, "mode must be one of"),
        ({"raw_counts": np.zeros((2, 4, 5))}, "raw_counts has shape"),
        ({"valid": np.ones((5, 4), bool)}, "valid mask has shape"),
    ],
)
def test_recording_rejects_inconsistent_input(kwargs, message):
    args = {"frames": frames(), "times_s": [0.0, 0.01, 0.02], "pitch_mm": 5.0, **kwargs}
    with pytest.raises(RecordingError, match=message):
        Recording(**args)


def test_recording_rejects_nan_and_empty():
    f = frames()
    f[1, 2, 3] = np.nan
    with pytest.raises(RecordingError, match="not finite"):
        Recording(f, [0, 1, 2], 5.0)
    with pytest.raises(RecordingError, match="empty"):
        Recording(np.zeros((0, 4, 5)), [], 5.0)


def test_replace_validates_again():
    rec = Recording(frames(), [0.0, 0.01, 0.02], 5.0)
    assert rec.replace(mode="walk").mode == "walk"
    with pytest.raises(RecordingError):
        rec.replace(times_s=[0.0, 0.0, 0.1])
