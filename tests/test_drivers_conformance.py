"""Every shipped mat profile loads, builds its codec and round-trips frames through it."""

import numpy as np
import pytest

from orthofit.drivers.registry import make_codec
from orthofit.io.profiles import load_mat_profile, profile_names

PROFILES = profile_names("mats")


def test_every_protocol_has_a_profile():
    kinds = {load_mat_profile(n).codec["kind"] for n in PROFILES}
    assert kinds == {"ofp1", "ascii_rows", "ascii_index", "poll", "binary", "rle"}
    assert {"ofp1-generic", "m1616-module", "bbaa-modbus-16x16", "aacc-16x16"} <= set(PROFILES)


def frames_for(profile, n, rng):
    rows, cols = (profile.rows, profile.cols) if profile.rows else (12, 9)
    kind = profile.codec["kind"]
    if kind == "ascii_index":
        return [np.round(rng.uniform(0, 3.3, (rows, cols)), 3).astype(np.float32)
                for _ in range(n)]
    low = 1 if kind == "poll" else 0
    high = min(profile.max_count, 254 if kind == "rle" else profile.max_count)
    out = []
    for _ in range(n):
        f = rng.integers(low, high + 1, size=(rows, cols))
        if kind != "poll":
            f[rng.random((rows, cols)) < 0.5] = 0  # mostly empty, as a mat is
        out.append(f)
    return out


def decode_in_chunks(codec, data, rng):
    state = codec.initial_state()
    got = []
    pos = 0
    while pos < len(data):
        step = int(rng.integers(1, 700))
        frames, state = codec.decode(state, data[pos:pos + step])
        got += frames
        pos += step
    return got, state


@pytest.mark.parametrize("name", PROFILES)
def test_profile_round_trips_frames(name):
    profile = load_mat_profile(name)
    codec = make_codec(profile)
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    frames = frames_for(profile, 6, rng)
    data = b"".join(codec.encode(f, seq=i, time_us=1000 * i) for i, f in enumerate(frames))
    got, state = decode_in_chunks(codec, data, rng)
    assert len(got) == len(frames)
    for want, frame in zip(frames, got, strict=True):
        assert frame.counts.shape == want.shape
        assert np.allclose(frame.counts, want)
    assert state.stats.frames == len(frames)
    assert state.stats.crc_errors == state.stats.bad_frames == 0


@pytest.mark.parametrize("name", PROFILES)
def test_profile_calibration_gives_kpa(name):
    profile = load_mat_profile(name)
    cal = profile.calibration
    top = profile.max_count if cal.saturation_counts is None else cal.saturation_counts
    kpa = cal.to_kpa(np.array([0.0, top / 2, top]))
    assert kpa.dtype == np.float32
    assert kpa[0] == 0 and kpa[1] > 0 and kpa[2] >= kpa[1]
    assert profile.pitch_mm[0] > 0 and profile.notes  # every profile says where it comes from
    if cal.kind == "linear":
        back = cal.to_counts(kpa, profile.max_count)
        assert np.allclose(cal.to_kpa(back), kpa, atol=cal.scale_kpa_per_count)
