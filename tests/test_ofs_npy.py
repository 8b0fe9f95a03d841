"""Plain .npy arrays get the same plausibility checks as .ofs scans, before their data is read."""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest

import orthofit
from orthofit.errors import ScanFileError


def save(path, array):
    np.save(path, array)
    return path


def header_only(path, descr, shape, data=b""):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": descr, "fortran_order": False, "shape": shape})
    path.write_bytes(buf.getvalue() + data)
    return path


@pytest.mark.parametrize("pitch, rate, words", [
    (1e6, 50, ["pitch_mm", "0.5 to 50"]),
    ((5.08, 0.1), 50, ["pitch_mm"]),
    ((1.0, 10.0), 50, ["4 times longer"]),
    ("5.08", 50, ["pitch_mm"]),
    (5.08, 1e6, ["Hz from 1 to 2000"]),
    (5.08, 0.5, ["Hz from 1 to 2000"]),
    (5.08, float("nan"), ["Hz from 1 to 2000"]),
    (5.08, "50", ["Hz from 1 to 2000"]),
])
def test_implausible_pitch_or_rate_is_refused(tmp_path, pitch, rate, words):
    path = save(tmp_path / "frames.npy", np.ones((4, 10, 8), np.float32))
    with pytest.raises(ScanFileError) as err:
        orthofit.load(path, pitch_mm=pitch, rate_hz=rate)
    assert str(path) in str(err.value)
    for word in words:
        assert word in str(err.value)


def test_plausible_values_still_load(tmp_path):
    path = save(tmp_path / "frames.npy", np.ones((4, 10, 8)))
    rec = orthofit.load(path, pitch_mm=(7.62, 5.08), rate_hz=2000)
    assert rec.frames.dtype == np.float32 and rec.rate_hz == 2000
    assert orthofit.load(save(tmp_path / "img.npy", np.ones((3, 3), np.int16)),
                         pitch_mm=0.5).n_frames == 1


@pytest.mark.parametrize("shape, words", [
    ((10**6, 4096, 4096), ["split the recording"]),
    ((1, 5000, 8), ["at most 4096"]),
    ((5000, 8), ["at most 4096"]),
    ((0, 10, 8), ["empty"]),
    ((-3, 10, 8), ["empty"]),
    ((1000, 394, 110), ["truncated", "declares"]),
])
def test_declared_shape_is_checked_before_reading(tmp_path, shape, words):
    path = header_only(tmp_path / "big.npy", "<f4", shape, bytes(4096))
    tracemalloc.start()
    try:
        with pytest.raises(ScanFileError) as err:
            orthofit.load(path, pitch_mm=5.0, rate_hz=100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    for word in words:
        assert word in str(err.value), str(err.value)
    assert peak < 16 << 20


def test_arrays_must_fit_the_memory_available(tmp_path, monkeypatch):
    path = save(tmp_path / "frames.npy", np.zeros((50, 100, 100)))  # 4 MB of float64
    monkeypatch.setattr("orthofit.model.available_memory_bytes", lambda: 8 << 20,
                        raising=False)
    with pytest.raises(ScanFileError, match="GiB of memory"):
        orthofit.load(path, pitch_mm=5.0, rate_hz=100)


@pytest.mark.parametrize("descr, words", [
    ("|O", ["not a plain numeric"]), ("<c16", ["not pressures"]), ("|b1", ["not pressures"]),
    ("<U3", ["not pressures"]), ([("a", "<f4")], ["not pressures"]),
])
def test_declared_dtype_is_checked_before_reading(tmp_path, descr, words):
    path = header_only(tmp_path / "odd.npy", descr, (2, 3, 4), bytes(1024))
    with pytest.raises(ScanFileError) as err:
        orthofit.load(path, pitch_mm=5.0, rate_hz=100)
    for word in words:
        assert word in str(err.value)
