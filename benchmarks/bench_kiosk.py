"""Benchmark: the kiosk's live guidance and a networked (TCP) mat.

    python benchmarks/bench_kiosk.py [--seconds 5]

Targets (issue: kiosk): the guidance computed for every displayed frame of the 1.0 x 0.5 m
kiosk mat (197 x 98 sensels) costs under 5 ms, a sixth of the 33 ms display tick (baseline in
the same run: numpy's sum of that frame); and a mat on TCP (``socket://``) delivers every frame
at 100 Hz, as the same mat on a pseudo-terminal does (the baseline, in the same run).
"""

from __future__ import annotations

import argparse
import sys
import time

from common import best_of

from orthofit.capture.link import MatLink
from orthofit.drivers.emulator import MatEmulator
from orthofit.io.profiles import load_mat_profile
from orthofit.kiosk.flow import KIOSK_MAT, patient_script
from orthofit.kiosk.guidance import stance_guidance

RATE_HZ = 100.0


def received(link: MatLink, seconds: float) -> tuple[int, float]:
    """Frames a reader on ``link`` gets in ``seconds`` (draining as the kiosk does), and rate."""
    reader = link.open()
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < seconds:
        time.sleep(0.033)
        while not reader.out.empty():
            reader.out.get_nowait()
            n += 1
    rate = reader.frame_rate_hz or 0.0
    reader.stop()
    return n, rate


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    ok = True

    frames = patient_script([("one_foot", 0.2), ("stand", 0.2)], rate_hz=50.0)
    frame = frames[-1]
    per_frame = best_of(lambda: [stance_guidance(f, KIOSK_MAT.pitch_mm) for f in frames],
                        repeat=5) / len(frames)
    base = best_of(lambda: [float(f.sum()) for f in frames], repeat=5) / len(frames)
    print(f"guidance per frame ({frame.shape[0]} x {frame.shape[1]}): {per_frame * 1e3:.2f} ms "
          f"= {per_frame / base:.0f} x numpy.sum ({base * 1e6:.1f} us); target < 5 ms")
    ok &= per_frame < 5e-3

    profile = load_mat_profile("ofp1-generic")
    script = patient_script([("stand", 2.0)], rate_hz=RATE_HZ)
    expected = args.seconds * RATE_HZ
    pty = MatLink(profile, frames_kpa=script, rate_hz=RATE_HZ)
    try:
        n_pty, rate_pty = received(pty, args.seconds)
    finally:
        pty.close()
    emulator = MatEmulator(profile, script, rate_hz=RATE_HZ)
    _, port = emulator.start_tcp()
    try:
        n_tcp, rate_tcp = received(MatLink(profile, f"socket://127.0.0.1:{port}"), args.seconds)
    finally:
        emulator.stop()
    size_kb = script[0].size * 2 / 1024
    print(f"pty (baseline): {n_pty} frames of {size_kb:.0f} KiB in {args.seconds:g} s, "
          f"{rate_pty:.1f} Hz")
    print(f"tcp:            {n_tcp} frames, {rate_tcp:.1f} Hz = {n_tcp / max(n_pty, 1):.2f} x "
          f"the pty; target >= 0.95 x the {expected:.0f} frames sent")
    ok &= n_tcp >= 0.95 * expected
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
