import json
import os
import stat

import numpy as np
import pytest

import orthofit
from orthofit.errors import ScanFileError
from orthofit.io.ofs import FORMAT_VERSION, load_ofs, read_meta, save_ofs
from orthofit.model import Recording


def sample_recording():
    rng = np.random.default_rng(1)
    raw = rng.integers(0, 4096, size=(5, 6, 7), dtype=np.uint16)
    valid = np.ones((6, 7), bool)
    valid[0, 0] = False
    return Recording(
        frames=raw.astype(np.float32) * 0.25,
        times_s=np.array([0.0, 0.01, 0.02, 0.031, 0.04]),
        pitch_mm=(7.62, 5.08),
        profile={"name": "test-mat", "rows": 6, "cols": 7, "calibration": {"scale": 0.25}},
        mode="walk",
        patient_id="P-001",
        device_id="dev-9",
        raw_counts=raw,
        valid=valid,
        metadata={"source": {"file": "x.asf", "sha256": "ab"}, "note": "é"},
    )


def test_round_trip_is_bit_exact(tmp_path):
    rec = sample_recording()
    path = save_ofs(rec, tmp_path / "scan.ofs")
    back = load_ofs(path)
    assert back.frames.tobytes() == rec.frames.tobytes()
    assert back.times_s.tobytes() == rec.times_s.tobytes()
    assert back.raw_counts.dtype == np.uint16
    assert np.array_equal(back.raw_counts, rec.raw_counts)
    assert np.array_equal(back.valid, rec.valid)
    assert back.pitch_mm == (7.62, 5.08)
    assert (back.mode, back.patient_id, back.device_id) == ("walk", "P-001", "dev-9")
    assert back.profile == rec.profile
    assert back.metadata == rec.metadata


def test_file_is_owner_only_and_no_temp_left(tmp_path):
    path = save_ofs(sample_recording(), tmp_path / "scan.ofs")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["scan.ofs"]


def test_readable_with_numpy_alone(tmp_path):
    rec = sample_recording()
    path = save_ofs(rec, tmp_path / "scan.ofs")
    with np.load(path) as z:
        meta = json.loads(z["meta"].tobytes())
        assert meta["format"] == "orthofit-scan"
        assert meta["version"] == FORMAT_VERSION
        assert meta["pitch_mm"] == [7.62, 5.08]
        assert np.array_equal(z["frames_kpa"], rec.frames)
    assert read_meta(path)["mode"] == "walk"


def test_failed_write_keeps_previous_file(tmp_path, monkeypatch):
    path = save_ofs(sample_recording(), tmp_path / "scan.ofs")
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", boom)
    with pytest.raises(OSError, match="disk full"):
        save_ofs(sample_recording().replace(mode="static"), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["scan.ofs"]


def test_truncated_file_names_the_file(tmp_path):
    path = save_ofs(sample_recording(), tmp_path / "scan.ofs")
    data = path.read_bytes()
    cut = tmp_path / "cut.ofs"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ScanFileError) as err:
        orthofit.load(cut)
    assert str(cut) in str(err.value)
    assert "truncated or corrupted" in str(err.value)


def test_corrupted_payload_is_caught(tmp_path):
    rec = sample_recording()
    path = save_ofs(rec, tmp_path / "scan.ofs")
    data = bytearray(path.read_bytes())
    # Flip a byte in the middle of the compressed frames: zip CRC or our checksum must notice.
    data[len(data) // 3] ^= 0xFF
    bad = tmp_path / "bad.ofs"
    bad.write_bytes(bytes(data))
    with pytest.raises(ScanFileError, match="bad.ofs"):
        orthofit.load(bad)


def rewritten(tmp_path, change):
    """A saved scan whose archive members were changed by ``change(members)`` and re-zipped."""
    path = save_ofs(sample_recording(), tmp_path / "scan.ofs")
    with np.load(path) as z:
        members = {k: z[k] for k in z.files}
    change(members)
    out = tmp_path / "changed.ofs"
    with out.open("wb") as fh:
        np.savez_compressed(fh, **members)
    return out


def test_checksum_catches_a_well_formed_but_wrong_array(tmp_path):
    def add_one(members):
        members["frames_kpa"] = members["frames_kpa"] + 1

    with pytest.raises(ScanFileError, match="does not match its checksum"):
        load_ofs(rewritten(tmp_path, add_one))


def test_newer_version_is_refused_with_advice(tmp_path):
    def bump(members):
        meta = json.loads(members["meta"].tobytes())
        meta["version"] = FORMAT_VERSION + 1
        members["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)

    with pytest.raises(ScanFileError, match="Update orthofit"):
        load_ofs(rewritten(tmp_path, bump))


def test_plain_npz_is_not_taken_for_a_scan(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(ScanFileError, match="no 'meta' member"):
        orthofit.load(other)
