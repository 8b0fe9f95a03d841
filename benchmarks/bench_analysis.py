"""Benchmark: whole analysis and per-frame COP of a 2.4 s walk on a 2 m plate, against numpy.sum.

    python benchmarks/bench_analysis.py

Targets (issue: the analysis core): ``orthofit.analyze`` <= 15 x one ``numpy.sum`` over the same
frames; per-frame force and COP for the whole recording <= 3 x; analysis memory peak < 3 x the
size of the frames. Combining trials reads no recording twice: ``orthofit.analyze_trials`` of
three walks takes no longer than three single analyses (target <= 1.1 x). Ratios are measured
in one run on this machine, so a noisy machine moves both sides together.
"""

from __future__ import annotations

import sys
import tracemalloc

import numpy as np
from common import best_of

import orthofit
from orthofit import footmodel as fm
from orthofit.analysis.cop import force_and_cop
from orthofit.io.profiles import load_thresholds


def make_walk() -> orthofit.Recording:
    """2.4 s at 100 Hz on a 2 m x 0.56 m plate at 5.08 mm: 240 x 394 x 110 frames, 4 steps."""
    mat = fm.Mat(394, 110, (5.08, 5.08))
    rec, _ = fm.walk_trial("normal", mat=mat, rate_hz=100.0, n_steps=4, step_length_mm=420.0,
                           noise_kpa=1.0, quantum_kpa=1.0, oversample=3)
    frames = np.zeros((240, 394, 110), np.float32)
    n = min(240, rec.n_frames)
    frames[:n] = rec.frames[:n]
    return orthofit.Recording(frames, np.arange(240) / 100.0, (5.08, 5.08), mode="walk")


def main() -> int:
    rec = make_walk()
    frames = rec.frames
    th = load_thresholds("default")
    orthofit.analyze(rec, thresholds=th)  # warm-up: imports, caches
    t_sum = best_of(lambda: np.sum(frames))
    t_cop = best_of(lambda: force_and_cop(frames, rec.pitch_mm))
    t_all = best_of(lambda: orthofit.analyze(rec, thresholds=th), repeat=5)
    tracemalloc.start()
    orthofit.analyze(rec, thresholds=th)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result = orthofit.analyze(rec, thresholds=th)
    others = [rec.replace(frames=np.ascontiguousarray(np.roll(frames, k, axis=0)))
              for k in (7, 13)]
    trio = [rec, *others]
    t_three = best_of(lambda: [orthofit.analyze(r, thresholds=th) for r in trio], repeat=5)
    t_combined = best_of(lambda: orthofit.analyze_trials(trio, thresholds=th), repeat=5)
    mb = frames.nbytes / 2**20
    print(f"frames: {frames.shape[0]} x {frames.shape[1]} x {frames.shape[2]} float32 "
          f"({mb:.1f} MiB), {len(result.steps)} steps found")
    rows = [
        ("numpy.sum (baseline)", t_sum, 1.0, None),
        ("force + COP per frame", t_cop, t_cop / t_sum, 3.0),
        ("orthofit.analyze", t_all, t_all / t_sum, 15.0),
    ]
    ok = True
    for name, secs, ratio, limit in rows:
        verdict = "" if limit is None else ("  ok" if ratio <= limit else "  OVER TARGET")
        ok &= limit is None or ratio <= limit
        target = "" if limit is None else f" (target <= {limit:g}x)"
        print(f"{name:24s} {secs * 1e3:8.2f} ms  {ratio:6.2f}x{target}{verdict}")
    combined = t_combined / t_three
    ok &= combined <= 1.1
    print(f"{'3 walks combined':24s} {t_combined * 1e3:8.2f} ms  {combined:6.2f}x three single "
          f"analyses (target <= 1.1x){'  ok' if combined <= 1.1 else '  OVER TARGET'}")
    mem_ratio = peak / frames.nbytes
    ok &= mem_ratio < 3.0
    print(f"{'analysis memory peak':24s} {peak / 2**20:8.2f} MiB  {mem_ratio:6.2f}x of the frames "
          f"(target < 3x){'  ok' if mem_ratio < 3 else '  OVER TARGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
