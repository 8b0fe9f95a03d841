"""Every shipped mat profile loads, builds its codec and round-trips frames through it."""

import copy
import dataclasses

import numpy as np
import pytest

from orthofit.drivers.emulator import FaultSpec, MatEmulator
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


def recorded(profile, n, faults, seed):
    """The bytes a mat of ``profile`` sends for ``n`` frames, with the emulator's faults."""
    rng = np.random.default_rng(seed)
    counts = np.stack(frames_for(profile, n, rng))
    emulator = MatEmulator(profile, profile.calibration.to_kpa(counts),
                           faults=FaultSpec.parse(faults), seed=seed)
    # The emulator's own frame writer (faults included), without a pty in between.
    return b"".join(filter(None, (emulator._frame_bytes(i) for i in range(n))))


def same(a, b):
    """Deep equality that understands arrays, dataclasses and frames."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(same(getattr(a, f.name), getattr(b, f.name))
                                          for f in dataclasses.fields(a))
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    return a == b


def decode_chunks(codec, data, sizes, state=None):
    state = codec.initial_state() if state is None else state
    frames = []
    pos = 0
    for size in sizes:
        got, state = codec.decode(state, data[pos:pos + size])
        frames += got
        pos += size
    assert pos >= len(data)
    return frames, state


@pytest.mark.parametrize("name", PROFILES)
def test_decoding_is_pure_and_does_not_depend_on_chunking(name):
    profile = load_mat_profile(name)
    codec = make_codec(profile)
    seed = sum(name.encode())
    # Garbage, flipped bits and cut frames exercise the resynchronisation paths too.
    n = 4 if profile.codec["kind"] in ("ascii_index", "ascii_rows") else 8  # ~10 kB frames
    data = recorded(profile, n, "garbage=0.3,crc=0.2,cut=0.2", seed)
    whole, end = codec.decode(codec.initial_state(), data)
    assert whole, "the stream should hold frames"
    rng = np.random.default_rng(seed)
    # Pure: the same state and bytes decoded twice give the same, and the state is unchanged,
    # from states left anywhere in the stream (mid-frame, mid-line, mid-run).
    for cut in [0, *rng.integers(1, len(data), size=8)]:
        head, mid = codec.decode(codec.initial_state(), data[:cut])
        before = copy.deepcopy(mid)
        first = codec.decode(mid, data[cut:])
        second = codec.decode(mid, data[cut:])
        assert same(mid, before), "decode changed the state it was given"
        assert same(first, second)
        assert same(head + first[0], whole) and same(first[1], end)
    # Chunk boundaries anywhere: random sizes (seeded), then one byte at a time.
    for top in (16, 160, 1600, 16000, 160000):
        sizes = rng.integers(1, top, size=len(data) // (top // 2) + 16)
        sizes[-1] = len(data)  # whatever is left
        frames, state = decode_chunks(codec, data, sizes.tolist())
        assert same(frames, whole) and same(state, end)
    head = data[:min(len(data), 12000)]
    frames, state = decode_chunks(codec, head, [1] * len(head))
    assert same(frames, codec.decode(codec.initial_state(), head)[0])
