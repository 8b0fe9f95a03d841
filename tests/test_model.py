import numpy as np
import pytest

import orthofit
from orthofit.model import Recording, RecordingError

from conftest import SHARED


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


# -- plausible ranges, checked in one place for every way a recording comes in ---------------

@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"pitch_mm": 1e6}, "from 0.5 to 50"),  # took 10 GB in the footprint before
        ({"pitch_mm": (0.1, 0.1)}, "from 0.5 to 50"),
        ({"pitch_mm": (5.0, 60.0)}, "from 0.5 to 50"),
        ({"pitch_mm": (0.5, 50.0)}, "4 times longer"),
        ({"pitch_mm": "5.08"}, "pitch_mm"),  # numpy turned the text into a number before
        ({"pitch_mm": (5.0, "5")}, "pitch_mm"),
        ({"pitch_mm": True}, "pitch_mm"),
        ({"pitch_mm": {"row": 5}}, "pitch_mm"),
        ({"times_s": [0.0, 1e-11, 2e-11]}, "another unit"),  # a LinAlgError in analysis before
        ({"times_s": [0.0, 20.0, 40.0]}, "another unit"),
        ({"times_s": [0.0, np.inf, 1.0]}, "not finite"),
        ({"times_s": ["a", "b", "c"]}, "numbers of seconds"),
        ({"profile": [("name", "x")]}, "profile must be a mapping"),
        ({"profile": {"name": 5}}, "'name' must be text"),
        ({"profile": {"name": "m", "rows_are": "left"}}, "'rows_are'"),
        ({"profile": {"name": "m", "noise_kpa": -1}}, "'noise_kpa'"),
        ({"metadata": [1, 2]}, "metadata must be a mapping"),
        ({"metadata": {"capture": "done"}}, "'capture' must be a mapping"),
        ({"patient_id": 17}, "patient_id must be text"),
        ({"device_id": ["d"]}, "device_id must be text"),
        ({"mode": ["walk"]}, "mode must be one of"),
        ({"raw_counts": np.array([[["a"] * 5] * 4] * 3)}, "raw_counts must be numbers"),
    ],
)
def test_recording_rejects_implausible_input(kwargs, message):
    args = {"frames": frames(), "times_s": [0.0, 0.01, 0.02], "pitch_mm": 5.0, **kwargs}
    with pytest.raises(RecordingError, match=message):
        Recording(**args)


@pytest.mark.parametrize("array, message", [
    (np.zeros((1, 2, 5000), np.float32), "at most 4096"),
    (np.array([[["1", "2"]]]), "numbers of kPa"),
    (np.array([[[1 + 2j]]]), "numbers of kPa"),
])
def test_recording_rejects_frames_no_mat_makes(array, message):
    with pytest.raises(RecordingError, match=message):
        Recording(array, [0.0], 5.0)


@pytest.mark.parametrize("pitch, times", [
    (0.5, [0.0, 1.0, 2.0]), (50.0, [0.0, 0.0005, 0.001]), ((2.0, 8.0), [0.0, 0.01, 0.03]),
    ((10.28, 5.28), [0.0, 1 / 24, 2 / 24]),
])
def test_recording_accepts_the_edges_of_the_ranges(pitch, times):
    assert Recording(frames(), times, pitch).n_frames == 3


def test_ranges_are_checked_before_allocating():
    from orthofit.model import check_memory, check_rate, check_shape

    with pytest.raises(RecordingError, match="split the recording"):
        check_shape(10**6, 4096, 4096)
    with pytest.raises(RecordingError, match="integer"):
        check_shape(1.5, 4, 4)
    with pytest.raises(RecordingError, match="Hz from 1 to 2000"):
        check_rate(0.5)
    with pytest.raises(RecordingError, match="Hz from 1 to 2000"):
        check_rate(float("nan"))
    with pytest.raises(RecordingError, match="GiB of memory"):
        check_memory(1 << 60, "the frames")
    check_memory(1 << 10, "the frames")


def test_the_ranges_hold_every_real_vendor_sample():
    folder = SHARED / "vendor-samples"
    files = [p for p in sorted(folder.glob("*")) if p.suffix in (".lst", ".xls", ".asf", ".csv",
                                                                  ".asc")]
    if not files:
        pytest.skip(f"no vendor samples in {folder}")
    read = []
    for path in files:
        try:
            rec = orthofit.load(path)
        except orthofit.ScanFileError as exc:
            assert "not a scan format orthofit knows" in str(exc), str(exc)
            continue
        read.append(path.name)
        assert 0.5 <= min(rec.pitch_mm) <= max(rec.pitch_mm) <= 50
    assert len(read) >= 7, read
