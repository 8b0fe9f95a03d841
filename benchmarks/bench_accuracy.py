"""Accuracy of the arch index and the CPEI against the foot model's exact values.

    python benchmarks/bench_accuracy.py

Arch index: the three preset feet (cavus, normal, planus) rotated -25..25 degrees on mats of
5.08 mm, 7.62 x 5.08 mm, 7.62 mm and 10 mm, with 1 kPa sensor noise; targets: within 0.02 of
the exact value at 5.08 mm, within 0.04 at 7.6-10 mm. CPEI: walking steps with a known COP path
(three bows per foot type, two pitches); target: within 3 percentage points.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np

import orthofit
from orthofit import footmodel as fm

PITCHES = {"5.08": (5.08, 5.08), "7.62x5.08": (7.62, 5.08), "7.62": (7.62, 7.62),
           "10": (10.0, 10.0)}
ANGLES = (-25, -15, -5, 0, 5, 15, 25)
TARGET_AI = {"5.08": 0.02, "7.62x5.08": 0.04, "7.62": 0.04, "10": 0.04}


def arch_index_errors(pitch: tuple[float, float]) -> list[float]:
    errors = []
    for kind in fm.NAMED_FEET:
        shape = fm.named_foot(kind)
        for angle in ANGLES:
            for side, x in (("left", 150.0), ("right", 170.0)):
                mat = fm.Mat(int(420 / pitch[0]), int(320 / pitch[1]), pitch)
                rec, truth = fm.render_stance([(shape, fm.Placement((x, 360), angle, side))],
                                              mat, duration_s=0.05, rate_hz=20, noise_kpa=1.0,
                                              seed=angle + 100)
                result = orthofit.analyze(rec)
                errors.append(result.feet[0].metrics["arch_index"] - truth["feet"][0]["arch_index"])
    return errors


def cpei_errors(pitch: tuple[float, float]) -> list[float]:
    errors = []
    for kind in fm.NAMED_FEET:
        base = fm.named_foot(kind)
        for bow in (base.cop_bow_mm - 6, base.cop_bow_mm, base.cop_bow_mm + 6):
            shape = dataclasses.replace(base, cop_bow_mm=bow)
            mat = fm.Mat(int(600 / pitch[0]), int(300 / pitch[1]), pitch)
            step = fm.Step(shape, fm.Placement((150, 450), 7.0, "right"), t_on_s=0.02)
            rec, truth = fm.render_walk([step], mat, rate_hz=100, noise_kpa=1.0, seed=int(bow))
            got = orthofit.analyze(rec).steps[0].metrics["cpei"]
            errors.append(got - truth["steps"][0]["cpei"])
    return errors


def main() -> int:
    ok = True
    print("arch index error (analysis - exact), 42 prints per pitch:")
    for name, pitch in PITCHES.items():
        e = np.asarray(arch_index_errors(pitch))
        worst = float(np.abs(e).max())
        good = worst <= TARGET_AI[name]
        ok &= good
        print(f"  {name:>10} mm: mean {e.mean():+.4f}, worst |error| {worst:.4f} "
              f"(target <= {TARGET_AI[name]}){'  ok' if good else '  OVER TARGET'}")
    print("CPEI error (analysis - exact, percentage points), 9 steps per pitch:")
    for name in ("5.08", "7.62x5.08"):
        e = np.asarray(cpei_errors(PITCHES[name]))
        worst = float(np.abs(e).max())
        ok &= worst <= 3.0
        print(f"  {name:>10} mm: mean {e.mean():+.2f}, worst |error| {worst:.2f} (target <= 3)"
              f"{'  ok' if worst <= 3 else '  OVER TARGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
