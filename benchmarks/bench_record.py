"""Benchmark: recording from the emulator over a pseudo-terminal at 500 Hz, 64 x 64 16-bit.

    python benchmarks/bench_record.py [--seconds 20]

Target (issue: drivers): every frame recorded for 20 s, and the recorder (driver thread,
journal, recorder; this process) below half a core of CPU. The emulator runs in its own process
so its cost is not counted; the baseline line shows the CPU of merely reading the same bytes
from the pty, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import orthofit
from orthofit.capture.modes import trigger_for
from orthofit.capture.recorder import capture
from orthofit.drivers.reader import MatReader
from orthofit.io.profiles import load_mat_profile

RATE_HZ = 500.0


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def start_emulator(scan: Path, seconds: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "orthofit.cli", "emulate", "--scan", str(scan), "--rate-hz",
         str(RATE_HZ), "--wait-for-start", "--seconds", str(seconds + 30)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return proc, proc.stdout.readline().strip()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    n_frames = int(args.seconds * RATE_HZ)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        rng = np.random.default_rng(0)
        frames = rng.integers(0, 4000, size=(500, 64, 64)).astype(np.float32)
        frames[:, 0, 0] = np.arange(500)
        np.save(folder / "f.npy", frames)
        scan = folder / "src.ofs"
        orthofit.save(orthofit.load(folder / "f.npy", pitch_mm=5.08, rate_hz=RATE_HZ), scan)
        profile = load_mat_profile("ofp1-generic")

        # Baseline: just read the bytes for the same time (no decoding, no journal).
        proc, port = start_emulator(scan, args.seconds)
        import serial

        link = serial.Serial(port, timeout=0.05)
        link.write(b"S\n")
        t0, c0, got = time.monotonic(), cpu_s(), 0
        while time.monotonic() - t0 < args.seconds:
            got += len(link.read(max(link.in_waiting, 1)))
        base_cpu = (cpu_s() - c0) / (time.monotonic() - t0)
        link.close()
        proc.terminate()
        proc.wait(10)

        proc, port = start_emulator(scan, args.seconds)
        reader = MatReader(port, profile)
        reader.start()
        reader.wait_open()
        t0, c0 = time.monotonic(), cpu_s()
        marks = {}

        def on_frame(i: int, t: float) -> None:
            if i == n_frames - 1:  # the last frame is in: recording ends, saving starts
                marks["end"] = (time.monotonic(), cpu_s())

        result = capture(reader, folder / "out.ofs",
                         trigger_for("x", sensel_area_cm2=1.0, frames=n_frames),
                         on_frame=on_frame)
        t_end, c_end = marks["end"]
        wall = t_end - t0
        cpu = (c_end - c0) / wall
        save_s = time.monotonic() - t_end
        save_cpu = cpu_s() - c_end
        proc.terminate()
        proc.wait(10)
        rec = orthofit.load(folder / "out.ofs")
        ids = rec.raw_counts[:, 0, 0].astype(int)
        complete = rec.n_frames == n_frames and bool(np.all(np.diff(ids) % 500 == 1))
    print(f"{n_frames} frames of 64 x 64 uint16 at {RATE_HZ:g} Hz over a pty "
          f"({got / max(args.seconds, 1e-9) / 2**20:.1f} MiB/s)")
    print(f"reading the bytes only (baseline): {base_cpu:.2f} core")
    print(f"recorder: {rec.n_frames} frames in {wall:.1f} s, gaps "
          f"{result.stats['sequence_gaps']}, crc errors {result.stats['crc_errors']}: "
          f"{'every frame' if complete else 'FRAMES MISSING'}")
    print(f"saving the .ofs afterwards: {save_s:.1f} s ({save_cpu:.1f} s of CPU)")
    ok = complete and cpu < 0.5
    print(f"recorder CPU: {cpu:.2f} core (target < 0.5), {cpu / max(base_cpu, 1e-9):.1f}x the "
          f"baseline{'  ok' if ok else '  OVER TARGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
