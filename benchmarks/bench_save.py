"""Benchmark: saving a long capture from its journal, memory and time.

    python benchmarks/bench_save.py [--minutes 10]

Target (issue: command line and capture): a 10-minute capture at 500 Hz from a 64 x 64 16-bit
mat (300,000 frames: a 2.4 GB journal, 7 GB of frames once in kPa) saves to its ``.ofs`` in
under 1 GB of memory. Each save runs in its own process, whose peak resident memory is read
from the kernel (``VmHWM``). The baseline is the same save of a 1-minute journal in the
same run: memory that does not grow with the length of the capture gives a ratio near 1.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RATE_HZ = 500.0
TARGET_BYTES = 2**30

# VmHWM, not ru_maxrss: after fork and exec Linux carries the parent's peak into ru_maxrss.
SAVE = """
import sys, time
from orthofit.capture.journal import index_journal
from orthofit.capture.recorder import write_scan
from orthofit.io.profiles import load_mat_profile
t0 = time.perf_counter()
index = index_journal(sys.argv[1])
n, rate = write_scan(index, sys.argv[2], load_mat_profile("ofp1-generic"), mode="seconds",
                     patient_id=None, device_id=None, metadata={})
wall = time.perf_counter() - t0
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(n, rate, wall, int(hwm.split()[1]) * 1024)
"""


def standing_counts() -> np.ndarray:
    """One second of two feet standing on a 64 x 64 mat at 500 Hz, as OFP1 counts."""
    from orthofit import footmodel as fm
    from orthofit.drivers.emulator import counts_from_kpa
    from orthofit.io.profiles import load_mat_profile

    mat = fm.Mat(64, 64, (5.08, 5.08))
    shape = fm.named_foot("normal")
    feet = [(shape, placement) for placement in fm.standing_placements(shape, mat)]
    rec, _ = fm.render_stance(feet, mat, rate_hz=RATE_HZ, duration_s=1.0, noise_kpa=1.0,
                              sway_mm=2.0, seed=0)
    return counts_from_kpa(load_mat_profile("ofp1-generic"), rec.frames)


def write_journal(path: Path, counts: np.ndarray, n_frames: int) -> None:
    from orthofit.capture.journal import JournalWriter
    from orthofit.io.profiles import load_mat_profile

    writer = JournalWriter(path, {"profile": load_mat_profile("ofp1-generic").to_dict()})
    period_us = round(1e6 / RATE_HZ)
    for i in range(n_frames):
        writer.append_frame(counts[i % len(counts)], i, i * period_us, i / RATE_HZ)
    writer.close()


def save(journal: Path, out: Path) -> tuple[int, float, float, int]:
    """Frames, rate (Hz), seconds and peak memory (bytes) of saving ``journal`` in a child."""
    done = subprocess.run([sys.executable, "-c", SAVE, str(journal), str(out)],
                          capture_output=True, text=True, check=True)
    n, rate, wall, peak = done.stdout.split()
    return int(n), float(rate), float(wall), int(peak)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    counts = standing_counts()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for label, minutes in (("baseline", 1.0), ("long", args.minutes)):
            n = round(minutes * 60 * RATE_HZ)
            journal = folder / f"{label}.journal"
            t0 = time.perf_counter()
            write_journal(journal, counts, n)
            made = time.perf_counter() - t0
            size = journal.stat().st_size
            got = save(journal, folder / f"{label}.ofs")
            results[label] = got
            print(f"{label}: {minutes:g} min = {n} frames, journal {size / 2**30:.2f} GiB "
                  f"(written in {made:.0f} s); saved {got[0]} frames at {got[1]:.1f} Hz in "
                  f"{got[2]:.0f} s, .ofs {(folder / f'{label}.ofs').stat().st_size / 2**20:.0f} "
                  f"MiB, peak memory {got[3] / 2**20:.0f} MiB")
            journal.unlink()
            (folder / f"{label}.ofs").unlink()
    peak, base = results["long"][3], results["baseline"][3]
    ok = peak < TARGET_BYTES and results["long"][0] == round(args.minutes * 60 * RATE_HZ)
    print(f"saving {args.minutes:g} min: peak {peak / 2**20:.0f} MiB (target < "
          f"{TARGET_BYTES / 2**20:.0f} MiB), {peak / base:.2f}x the 1-minute save"
          f"{'  ok' if ok else '  OVER TARGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
