"""Capture through the real stack: emulator bytes over a pty or TCP, driver thread, recorder."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import orthofit
from orthofit.capture.journal import JournalWriter, index_journal
from orthofit.capture.modes import Trigger, trigger_for
from orthofit.capture.recorder import CaptureError, capture, journal_path_for, recover_journal
from orthofit.drivers.emulator import FaultSpec, MatEmulator, foot_model_frames
from orthofit.drivers.reader import MatReader
from orthofit.drivers.transport import PortError
from orthofit.io.profiles import load_mat_profile, profile_names
from orthofit.matprofile import MatProfile

from conftest import SAMPLES

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


def numbered_frames(n, rows, cols, top=1000):
    """Frame i carries its own number in sensel (0, 0), so a recording shows which arrived."""
    rng = np.random.default_rng(n)
    frames = rng.integers(1, top, size=(n, rows, cols)).astype(np.float32)
    frames[:, 0, 0] = np.arange(n) % top
    return frames


def run_capture(profile, frames, tmp_path, trigger, *, faults=None, rate_hz=200.0, tcp=False,
                **emulator_options):
    emulator = MatEmulator(profile, frames, rate_hz=rate_hz, faults=faults,
                           **emulator_options)
    port = "socket://{}:{}".format(*emulator.start_tcp(0)) if tcp else emulator.start_pty()
    reader = MatReader(port, profile)
    reader.start()
    reader.wait_open()
    out = tmp_path / "scan.ofs"
    try:
        result = capture(reader, out, trigger, mode="unknown")
    finally:
        emulator.stop()
    return result, emulator, out


def test_ofp1_generic_is_bit_exact_and_time_survives_a_clock_wrap(tmp_path):
    profile = load_mat_profile("ofp1-generic")
    frames = numbered_frames(60, 32, 24, top=60000)
    result, _, out = run_capture(profile, frames, tmp_path, trigger_for("x", sensel_area_cm2=1,
                                 frames=120), clock_start_us=2**32 - 150_000,
                                 wait_for_start=True)
    rec = orthofit.load(out)
    assert result.complete and rec.n_frames == 120
    assert np.array_equal(rec.frames, np.concatenate([frames, frames]))
    assert rec.raw_counts.dtype == np.uint16
    assert np.all(np.diff(rec.times_s) > 0)
    assert np.allclose(np.diff(rec.times_s), 1 / 200, atol=1e-6)  # from the device clock
    assert rec.profile["name"] == "ofp1-generic" and rec.profile["rows"] == 32
    assert not journal_path_for(out).exists()


@pytest.mark.parametrize("name", [n for n in profile_names("mats") if n != "ofp1-generic"])
def test_every_profile_records_through_the_real_stack(name, tmp_path):
    profile = load_mat_profile(name)
    kind = profile.codec["kind"]
    top = min(profile.max_count, 254)
    if kind == "ascii_index":
        frames = np.round(np.random.default_rng(1).uniform(0, 3.3, (10, profile.rows,
                                                                     profile.cols)), 3)
        kpa = profile.calibration.to_kpa(frames)
    else:
        frames = numbered_frames(10, profile.rows, profile.cols, top=top)
        kpa = profile.calibration.to_kpa(frames)
    result, emulator, out = run_capture(profile, kpa, tmp_path,
                                        trigger_for("x", sensel_area_cm2=1, frames=15),
                                        rate_hz=100.0)
    rec = orthofit.load(out)
    assert result.complete and rec.n_frames == 15
    sent = {f.astype(np.float64).tobytes() for f in emulator.counts}
    assert all(f.astype(np.float64).tobytes() in sent for f in rec.raw_counts)
    assert rec.frames.dtype == np.float32 and rec.frames.max() > 0


def test_garbage_crc_cuts_and_drops_lose_no_intact_frame(tmp_path):
    profile = load_mat_profile("ofp1-generic")
    frames = numbered_frames(1000, 16, 16, top=60000)
    faults = FaultSpec(garbage=0.05, crc=0.05, cut=0.05, drop=0.05)
    result, emulator, out = run_capture(profile, frames, tmp_path,
                                        trigger_for("x", sensel_area_cm2=1, frames=300),
                                        faults=faults, rate_hz=500.0, wait_for_start=True,
                                        loop=False)
    rec = orthofit.load(out)
    got = rec.raw_counts[:, 0, 0].astype(int).tolist()
    assert got == emulator.intact[:len(got)]  # every intact frame, in order, nothing else
    assert result.stats["crc_errors"] >= 1
    assert result.stats["sequence_gaps"] >= 10
    assert result.stats["bytes_skipped"] > 0


def test_stalled_mat_gives_a_timeout_and_keeps_the_frames(tmp_path):
    profile = load_mat_profile("ofp1-generic").with_calibration()
    profile = MatProfile.from_dict({**profile.to_dict(),
                                    "link": {**profile.link, "timeout_s": 0.5}})
    frames = numbered_frames(50, 8, 8)
    result, _, out = run_capture(profile, frames, tmp_path,
                                 trigger_for("x", sensel_area_cm2=1, seconds=30),
                                 faults=FaultSpec(stall_at_s=0.3, stall_for_s=60),
                                 rate_hz=100.0, wait_for_start=True)
    assert not result.complete
    assert "sent nothing" in result.message
    rec = orthofit.load(out)
    assert 20 <= rec.n_frames <= 40
    assert rec.metadata["capture"]["complete"] is False


def test_pulled_cable_keeps_everything_received(tmp_path):
    profile = load_mat_profile("ofp1-generic")
    frames = numbered_frames(500, 8, 8)
    result, emulator, out = run_capture(profile, frames, tmp_path,
                                        trigger_for("x", sensel_area_cm2=1, seconds=30),
                                        faults=FaultSpec(disconnect_at_s=0.5), rate_hz=100.0,
                                        wait_for_start=True)
    assert not result.complete
    assert result.faults[-1]["kind"] == "disconnected"
    assert "frames received so far are kept" in result.message
    rec = orthofit.load(out)
    assert rec.n_frames == emulator.sent >= 40
    assert rec.raw_counts[:, 0, 0].tolist() == list(range(rec.n_frames))


def test_wrong_profile_is_named(tmp_path):
    sender = load_mat_profile("m1616-module")
    frames = numbered_frames(40, 16, 16)
    emulator = MatEmulator(sender, frames, rate_hz=100)
    port = emulator.start_pty()
    wrong = load_mat_profile("bbaa-modbus-16x16")
    wrong = MatProfile.from_dict({**wrong.to_dict(), "link": {**wrong.link, "timeout_s": 0.5}})
    reader = MatReader(port, wrong)
    reader.start()
    with pytest.raises(CaptureError, match="no frame arrived") as err:
        capture(reader, tmp_path / "x.ofs", trigger_for("x", sensel_area_cm2=1, frames=10))
    emulator.stop()
    assert "'bbaa-modbus-16x16' the right profile" in str(err.value)
    assert not (tmp_path / "x.ofs").exists()


def test_ofp1_size_mismatch_is_named(tmp_path):
    generic = load_mat_profile("ofp1-generic")
    fixed = MatProfile.from_dict({**generic.to_dict(), "name": "ofp1-64", "rows": 64,
                                  "cols": 64})
    emulator = MatEmulator(generic, numbered_frames(20, 16, 16), rate_hz=100)
    port = emulator.start_pty()
    reader = MatReader(port, fixed)
    reader.start()
    with pytest.raises(CaptureError, match="64 x 64"):
        capture(reader, tmp_path / "x.ofs", trigger_for("x", sensel_area_cm2=1, frames=10))
    emulator.stop()


def test_tcp_link(tmp_path):
    profile = load_mat_profile("ofp1-generic")
    frames = numbered_frames(30, 8, 8)
    result, _, out = run_capture(profile, frames, tmp_path,
                                 trigger_for("x", sensel_area_cm2=1, frames=30), tcp=True,
                                 wait_for_start=True)
    assert result.complete
    assert orthofit.load(out).raw_counts[:, 0, 0].tolist() == list(range(30))


def test_missing_port_is_explained():
    reader = MatReader("/dev/does-not-exist", load_mat_profile("ofp1-generic"))
    reader.start()
    with pytest.raises(PortError, match="cannot open the mat's port /dev/does-not-exist"):
        reader.wait_open()


def test_static_mode_waits_for_a_steady_stance(tmp_path):
    profile = load_mat_profile("ofp1-generic")
    stance = foot_model_frames(profile, "normal", "static", rate_hz=50).frames[:60]
    empty = np.zeros((40,) + stance.shape[1:], np.float32)
    frames = np.concatenate([empty, stance, stance])  # 0.8 s empty, then standing
    trigger = Trigger("static", duration_s=1.0, min_area_cm2=40.0)
    result, _, out = run_capture(profile, frames, tmp_path, trigger, rate_hz=50.0,
                                 wait_for_start=True, loop=False)
    rec = orthofit.load(out)
    assert result.complete and rec.n_frames == 50
    assert rec.metadata["capture"]["window_frames"][0] >= 40 + 45  # empty + 1 s of settling
    assert rec.frames.min(axis=0).max() > 0  # someone stood there throughout


def test_walk_mode_spans_first_landing_to_last_lift(tmp_path):
    rec_walk = orthofit.load(SAMPLES / "walk_normal.ofs")
    profile = load_mat_profile("ofp1-generic")
    pad = np.zeros((150,) + rec_walk.shape, np.float32)
    frames = np.concatenate([pad, rec_walk.frames, pad])
    trigger = trigger_for("walk", sensel_area_cm2=0.258)
    result, _, out = run_capture(profile, frames, tmp_path, trigger, rate_hz=100.0,
                                 wait_for_start=True, loop=False)
    rec = orthofit.load(out)
    start, end = rec.metadata["capture"]["window_frames"]
    loaded = np.flatnonzero(rec_walk.frames.reshape(rec_walk.n_frames, -1).max(1) > 5) + 150
    assert result.complete
    assert loaded[0] - 25 <= start <= loaded[0]  # a short lead-in before the first foot
    assert loaded[-1] + 95 <= end <= loaded[-1] + 110  # one second after the last foot
    result = orthofit.analyze(rec)
    assert [s.side for s in result.steps] == ["left", "right", "left"]


def test_journal_survives_a_cut_tail(tmp_path):
    path = tmp_path / "j"
    writer = JournalWriter(path, {"profile": load_mat_profile("ofp1-generic").to_dict()})
    for i in range(5):
        writer.append_frame(np.full((2, 3), i, np.uint16), i, 1000 * i, 0.01 * i)
    writer.append_fault("timeout", "silence", 0.06)
    writer.close()
    data = path.read_bytes()
    path.write_bytes(data + data[-30:-5])  # a crash mid-record
    contents = index_journal(path)
    assert contents.n_frames == 5 and contents.faults[0]["kind"] == "timeout"
    assert "cut short" in contents.damaged_tail
    assert [int(b[0, 0]) for block in contents.frames(block=2) for b in block] == [0, 1, 2, 3, 4]
    frames, index = recover_journal(path, tmp_path / "r.ofs")
    rec = orthofit.load(tmp_path / "r.ofs")
    assert frames == 5 and rec.raw_counts[:, 0, 0].tolist() == [0, 1, 2, 3, 4]
    assert rec.metadata["capture"]["reason"] == "recovered from a journal"
    assert "cut short" in index.damaged_tail


def cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "orthofit.cli", *args], capture_output=True,
                          text=True, **kw)


def start_emulator(*args):
    proc = subprocess.Popen([sys.executable, "-m", "orthofit.cli", "emulate", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    assert line, proc.stderr.read()
    return proc, line


def recorder_with_journal(port: str, out: Path, seconds: float,
                          size: int) -> subprocess.Popen:
    """``orthofit record`` running in the background once its journal holds ``size`` bytes."""
    proc = subprocess.Popen([sys.executable, "-m", "orthofit.cli", "record", "--port", port,
                             "--profile", "ofp1-generic", "--seconds", str(seconds), "-o",
                             str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    journal = journal_path_for(out)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not journal.exists()
                                           or journal.stat().st_size < size):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    return proc


def test_cli_record_json_and_a_killed_recorder_is_recovered(tmp_path):
    frames = numbered_frames(2000, 16, 16, top=60000)
    np.save(tmp_path / "frames.npy", frames)
    src = tmp_path / "src.ofs"
    orthofit.save(orthofit.load(tmp_path / "frames.npy", pitch_mm=5.08, rate_hz=100), src)
    emu, port = start_emulator("--scan", str(src), "--wait-for-start", "--seconds", "60")
    try:
        done = cli("record", "--port", port, "--profile", "ofp1-generic", "--frames", "40",
                   "-o", str(tmp_path / "a.ofs"), "--json", timeout=60)
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        assert summary["frames"] == 40
        assert {"rate", "crc_errors", "sequence_gaps", "bytes_skipped"} <= summary.keys()
        # A recorder killed mid-capture leaves its journal; recover turns it into a scan.
        out = tmp_path / "b.ofs"
        victim = recorder_with_journal(port, out, 30, 50_000)
        journal = journal_path_for(out)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        assert journal.exists() and not out.exists()
        again = cli("record", "--port", port, "--profile", "ofp1-generic", "--frames", "5",
                    "-o", str(out), timeout=60)
        assert again.returncode == 1 and "orthofit recover" in again.stderr
        assert "Traceback" not in again.stderr
        rescued = tmp_path / "rescued.ofs"
        rec_proc = cli("recover", str(journal), "-o", str(rescued), timeout=60)
        assert rec_proc.returncode == 0, rec_proc.stderr
        rec = orthofit.load(rescued)
        ids = rec.raw_counts[:, 0, 0].astype(int)
        assert rec.n_frames >= 50 and np.all(np.diff(ids) == 1)
        assert np.array_equal(rec.raw_counts, frames[ids].astype(np.uint16))
    finally:
        emu.send_signal(signal.SIGINT)
        emu.wait(10)


def test_cli_calibration_zero_and_weight(tmp_path):
    env = {**os.environ, "ORTHOFIT_CONFIG": str(tmp_path / "config")}
    empty = np.full((30, 20, 20), 3.0, np.float32)  # an offset of 3 counts, nothing on it
    np.save(tmp_path / "empty.npy", empty)
    orthofit.save(orthofit.load(tmp_path / "empty.npy", pitch_mm=5.0, rate_hz=50),
                  tmp_path / "empty.ofs")
    emu, port = start_emulator("--scan", str(tmp_path / "empty.ofs"), "--wait-for-start")
    try:
        zero = cli("calibrate", "zero", "--port", port, "--profile", "ofp1-generic",
                   "--seconds", "0.5", env=env, timeout=60)
        assert zero.returncode == 0, zero.stderr
    finally:
        emu.send_signal(signal.SIGINT)
        emu.wait(10)
    person = np.zeros((30, 20, 20), np.float32)
    # 246 kPa on 100 sensels of 5.08 mm (the profile's pitch): 634.8 N for a 700 N person.
    person[:, 5:15, 5:15] = 3.0 + 246.0
    np.save(tmp_path / "person.npy", person)
    orthofit.save(orthofit.load(tmp_path / "person.npy", pitch_mm=5.0, rate_hz=50),
                  tmp_path / "person.ofs")
    emu, port = start_emulator("--scan", str(tmp_path / "person.ofs"), "--wait-for-start")
    try:
        weight = cli("calibrate", "weight", "--port", port, "--profile", "ofp1-generic",
                     "--kg", f"{700 / 9.80665:.4f}", "--seconds", "0.5", "--save", env=env,
                     timeout=60)
        assert weight.returncode == 0, weight.stderr
        assert "-9.3 %" in weight.stdout
    finally:
        emu.send_signal(signal.SIGINT)
        emu.wait(10)
    from orthofit.io.matcal import load_mat_calibration

    stored = load_mat_calibration("ofp1-generic", tmp_path / "config" / "calibration")
    assert stored["scale"] == pytest.approx(700 / (246 * 100 * 5.08**2 * 1e-3), rel=1e-4)
    assert np.allclose(stored["zero_map"], 3.0)


def test_demo_records_from_the_emulated_mat_and_analyses_it(tmp_path):
    out = tmp_path / "demo.ofs"
    proc = cli("demo", "--no-samples", "--foot", "cavus", "-o", str(out), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "recorded 100 frames" in proc.stdout and "arch: high" in proc.stdout
    rec = orthofit.load(out)
    assert rec.mode == "static" and rec.profile["name"] == "ofp1-generic"


def test_cli_record_says_a_pulled_cable_once(tmp_path):
    emu, port = start_emulator("--faults", "disconnect=0.5", "--wait-for-start")
    try:
        proc = cli("record", "--port", port, "--profile", "ofp1-generic", "--seconds", "5",
                   "-o", str(tmp_path / "a.ofs"), timeout=60)
    finally:
        emu.send_signal(signal.SIGINT)
        emu.wait(10)
    assert proc.returncode == 1
    assert "WARNING" not in proc.stderr  # no log line beside the message
    said = proc.stdout + proc.stderr
    assert said.count("the mat was disconnected") == 1, said
    assert said.startswith("capture ended early: the mat was disconnected")
    assert orthofit.load(tmp_path / "a.ofs").n_frames > 10


@pytest.mark.parametrize("link", ["pty", "tcp"])
@pytest.mark.parametrize("name", profile_names("mats"))
def test_a_100_hz_mat_is_saved_at_100_hz(name, link, tmp_path):
    # The emulator streams before the recorder opens the port, so the first frames arrive in
    # one burst: the saved times are the mat's, not the bursty arrival's.
    profile = load_mat_profile(name)
    rows, cols = (profile.rows, profile.cols) if profile.rows else (24, 16)
    if profile.codec["kind"] == "ascii_index":
        counts = np.round(np.random.default_rng(1).uniform(0.1, 3.3, (50, rows, cols)), 3)
    else:
        counts = numbered_frames(50, rows, cols, top=min(profile.max_count, 254))
    emulator = MatEmulator(profile, profile.calibration.to_kpa(counts), rate_hz=100.0)
    port = "socket://{}:{}".format(*emulator.start_tcp(0)) if link == "tcp" else \
        emulator.start_pty()
    time.sleep(0.4)  # frames pile up in the port's buffer meanwhile
    reader = MatReader(port, profile)
    reader.start()
    reader.wait_open()
    try:
        result = capture(reader, tmp_path / "s.ofs", trigger_for("x", frames=200))
    finally:
        emulator.stop()
    rec = orthofit.load(tmp_path / "s.ofs")
    assert result.complete and rec.n_frames == 200
    assert rec.rate_hz == pytest.approx(100.0, rel=0.01)
    assert rec.duration_s == pytest.approx(2.0, rel=0.01)
    assert result.rate_hz == pytest.approx(100.0, rel=0.01)  # what the summary says too


def test_irregular_clock_free_frames_keep_their_arrival_times():
    from orthofit.capture.clock import frame_times

    rng = np.random.default_rng(4)
    arrival = np.cumsum(rng.uniform(0.010, 0.160, 100))  # a mat taking 10 to 160 ms a frame
    assert np.allclose(frame_times([None] * 100, arrival), arrival - arrival[0])
    burst = arrival.copy()
    burst[:6] = burst[5]  # the first six frames waited in the buffer
    times = frame_times([None] * 100, burst)
    assert np.all(np.diff(times) > 0) and np.allclose(times[5:], burst[5:] - burst[0] +
                                                       (times[5] - (burst[5] - burst[0])))
    gaps = np.diff(times)
    assert gaps[:5] == pytest.approx([np.diff(arrival).min()] * 5)


def test_walk_mode_ends_after_its_passes_and_never_runs_forever():
    t = trigger_for("walk", sensel_area_cm2=1.0, passes=2)
    foot = np.zeros((20, 20))
    foot[5:15, 5:15] = 50.0  # 100 cm^2 loaded
    empty = np.zeros((20, 20))
    frames = [empty] * 10 + [foot] * 50 + [empty] * 150 + [foot] * 50 + [empty] * 150
    done_at = next(i for i, f in enumerate(frames) if t.update(i, i * 0.01, f))
    assert t.passes_done == 2 and not t.capped
    assert done_at == 10 + 50 + 150 + 50 + 100 - 1  # 1 s of empty mat after the second pass
    stuck = trigger_for("walk", sensel_area_cm2=1.0)
    stuck.max_s = 5.0
    ends = next(i for i in range(10_000) if stuck.update(i, i * 0.01, foot))
    assert stuck.capped and ends == 500  # someone standing on the mat: 5 s, then it ends


def test_cli_walk_against_the_emulated_walk_ends(tmp_path):
    emu, port = start_emulator("--mode", "walk", "--wait-for-start")
    try:
        proc = cli("record", "--port", port, "--profile", "ofp1-generic", "--mode", "walk",
                   "-o", str(tmp_path / "w.ofs"), "--json", timeout=60)
        two = cli("record", "--port", port, "--profile", "ofp1-generic", "--mode", "walk",
                  "--passes", "2", "-o", str(tmp_path / "w2.ofs"), "--json", timeout=60)
    finally:
        emu.send_signal(signal.SIGINT)
        emu.wait(10)
    assert proc.returncode == 0, proc.stderr
    one = orthofit.analyze(orthofit.load(tmp_path / "w.ofs"))
    assert len(one.steps) == 3 and one.mode == "walk"
    assert two.returncode == 0, two.stderr
    assert len(orthofit.analyze(orthofit.load(tmp_path / "w2.ofs")).steps) == 6


def test_ctrl_c_saves_what_was_recorded(tmp_path):
    emu, port = start_emulator("--wait-for-start")
    out = tmp_path / "c.ofs"
    try:
        proc = recorder_with_journal(port, out, 60, 500_000)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        emu.send_signal(signal.SIGINT)
        emu.wait(10)
    assert proc.returncode == 1, stderr
    assert "capture ended early: stopped by the user" in stdout
    assert orthofit.load(out).n_frames > 20 and not journal_path_for(out).exists()


def test_saving_streams_from_the_journal_in_bounded_memory(tmp_path):
    import tracemalloc

    from orthofit.capture.journal import index_journal
    from orthofit.capture.recorder import write_scan

    rng = np.random.default_rng(0)
    block = rng.integers(0, 4000, (100, 64, 64)).astype(np.uint16)

    def save_peak(n: int) -> int:
        path = tmp_path / f"big{n}.journal"
        writer = JournalWriter(path, {"profile": load_mat_profile("ofp1-generic").to_dict()})
        for i in range(n):
            writer.append_frame(block[i % 100], i, i * 2000, i * 0.002)
        writer.close()
        index = index_journal(path)
        tracemalloc.start()
        written, rate = write_scan(index, tmp_path / f"big{n}.ofs",
                                   load_mat_profile("ofp1-generic"), mode="walk",
                                   patient_id=None, device_id=None, metadata={})
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert written == n and rate == pytest.approx(500.0)
        rec = orthofit.load(tmp_path / f"big{n}.ofs")
        assert np.array_equal(rec.raw_counts[[0, 1234, n - 1]], block[[0, 34, (n - 1) % 100]])
        return peak

    short, long = save_peak(1500), save_peak(6000)
    frames_bytes = 6000 * 64 * 64 * (4 + 2)  # the kPa frames and the raw counts
    # Four times the frames, not four times the memory: only the per-frame times grow.
    assert long < 1.5 * short, f"{short / 2**20:.1f} -> {long / 2**20:.1f} MiB"
    assert long < 0.05 * frames_bytes, f"{long / 2**20:.1f} MiB"


def test_recover_leaves_out_frames_that_are_not_numbers_and_keeps_the_rest(tmp_path):
    # A journal written before the driver refused such frames: one nan frame among good ones.
    path = tmp_path / "j"
    writer = JournalWriter(path, {"profile": load_mat_profile("index-volts-44x32").to_dict()})
    for i in range(6):
        frame = np.full((44, 32), 0.1 * i, np.float32)
        if i == 3:
            frame[5, 5] = np.nan
        writer.append_frame(frame, i, None, 0.02 * i)
    writer.close()
    frames, index = recover_journal(path, tmp_path / "r.ofs")
    rec = orthofit.load(tmp_path / "r.ofs")
    assert frames == 5 and index.unusable_frames == 1
    assert rec.raw_counts[:, 0, 0] == pytest.approx([0.0, 0.1, 0.2, 0.4, 0.5])
    assert rec.metadata["capture"]["unusable_frames"] == 1
    done = cli("recover", str(path), "-o", str(tmp_path / "r2.ofs"))
    assert done.returncode == 0 and "1 frame(s) held values that are not finite" in done.stdout


def test_a_journal_record_claiming_gigabytes_is_not_read(tmp_path):
    from orthofit.capture import journal as jr

    path = tmp_path / "j"
    writer = JournalWriter(path, {"profile": load_mat_profile("ofp1-generic").to_dict()})
    writer.append_frame(np.ones((4, 4), np.uint16), 0, 0, 0.0)
    writer.close()
    head = jr.RECORD.pack(jr.FRAME, 1, 1, 10, 0.01, 2, 4, 4, 3_000_000_000)
    with path.open("ab") as fh:
        fh.write(head + b"\0" * 64)
    index = index_journal(path)
    assert index.n_frames == 1 and "unreadable bytes" in index.damaged_tail
