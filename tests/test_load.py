import numpy as np
import pytest

import orthofit
from orthofit.errors import ScanFileError


def test_npy_image_needs_pitch_only(tmp_path):
    path = tmp_path / "img.npy"
    np.save(path, np.ones((10, 8)) * 50)
    with pytest.raises(ScanFileError, match="--pitch-mm"):
        orthofit.load(path)
    rec = orthofit.load(path, pitch_mm=(7.62, 5.08))
    assert rec.frames.shape == (1, 10, 8)
    assert rec.pitch_mm == (7.62, 5.08)


def test_npy_frames_need_rate(tmp_path):
    path = tmp_path / "frames.npy"
    np.save(path, np.ones((4, 10, 8), np.float32))
    with pytest.raises(ScanFileError, match="--rate-hz"):
        orthofit.load(path, pitch_mm=5.0)
    rec = orthofit.load(path, pitch_mm=5.0, rate_hz=50)
    assert rec.rate_hz == 50
    assert np.allclose(np.diff(rec.times_s), 0.02)


def test_reader_is_chosen_by_content_not_extension(tmp_path):
    path = tmp_path / "frames.dat"
    np.save(tmp_path / "tmp.npy", np.ones((2, 3, 4)))
    path.write_bytes((tmp_path / "tmp.npy").read_bytes())
    assert orthofit.load(path, pitch_mm=5.0, rate_hz=10).frames.shape == (2, 3, 4)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"hello, this is text", "not a scan format orthofit knows"),
    ],
)
def test_unknown_content_is_explained(tmp_path, content, message):
    path = tmp_path / "x.bin"
    path.write_bytes(content)
    with pytest.raises(ScanFileError, match=message):
        orthofit.load(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ScanFileError, match="no such file"):
        orthofit.load(tmp_path / "nope.ofs")
    with pytest.raises(ScanFileError, match="folder"):
        orthofit.load(tmp_path)


def test_npy_with_wrong_contents(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(5))
    with pytest.raises(ScanFileError, match="R x C or T x R x C"):
        orthofit.load(tmp_path / "a.npy", pitch_mm=5)
    np.save(tmp_path / "b.npy", np.array([[1, np.nan]]))
    with pytest.raises(ScanFileError, match="not finite"):
        orthofit.load(tmp_path / "b.npy", pitch_mm=5)
    np.save(tmp_path / "c.npy", np.array(["a", "b"]))
    with pytest.raises(ScanFileError, match="not pressures"):
        orthofit.load(tmp_path / "c.npy", pitch_mm=5)
    np.save(tmp_path / "d.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ScanFileError, match="not a plain numeric"):
        orthofit.load(tmp_path / "d.npy", pitch_mm=5)
