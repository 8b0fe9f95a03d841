"""Capture through the real stack: emulator bytes over a pty or TCP, driver thread, recorder."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import orthofit
from orthofit.capture.journal import JournalWriter, read_journal
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
    contents = read_journal(path)
    assert len(contents.counts) == 5 and contents.faults[0]["kind"] == "timeout"
    assert "cut short" in contents.damaged_tail
    rec, _ = recover_journal(path, tmp_path / "r.ofs")
    assert orthofit.load(tmp_path / "r.ofs").raw_counts[:, 0, 0].tolist() == [0, 1, 2, 3, 4]
    assert rec.metadata["capture"]["reason"] == "recovered from a journal"


def cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "orthofit.cli", *args], capture_output=True,
                          text=True, **kw)


def start_emulator(*args):
    proc = subprocess.Popen([sys.executable, "-m", "orthofit.cli", "emulate", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    assert line, proc.stderr.read()
    return proc, line


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
        victim = subprocess.Popen([sys.executable, "-m", "orthofit.cli", "record", "--port",
                                   port, "--profile", "ofp1-generic", "--seconds", "30", "-o",
                                   str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        journal = journal_path_for(out)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not journal.exists()
                                               or journal.stat().st_size < 50_000):
            time.sleep(0.05)
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
