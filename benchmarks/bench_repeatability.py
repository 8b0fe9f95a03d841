"""Repeatability on real walking data: the same foot, step after step (SpeedPP2D).

    python benchmarks/bench_repeatability.py [--subjects N]

Data: Pataky et al. 2008 (J Biomech 41:1987), 10 people x 3 walking speeds x 20 steps of one
foot, 500 Hz, 63 x 33 sensels taken as 5.08 mm along the foot x 7.62 mm across. They come with
the PyPI package ``jiku-data`` (GPL-3), installed here on demand with ``h5py`` into this
benchmark's environment; the data are read from the installed package and never copied into
the repository, its tests or the wheel.

Figures, per person and speed (20 steps each):
- pooled within-person SD of the single-step CPEI (target <= 5 points) and arch index
  (target <= 0.03);
- the 20 steps cut into four sets of 5 in recording order: the share of pairs of sets of one
  person and speed whose median arch type and rolling class agree (target >= 90 %);
- the same sets through ``orthofit.analyze_trials`` (every set analysed as one visit): pairs
  whose stated classes agree, pairs where both state a class and contradict each other, and
  how often a class is stated at all (the rest is "uncertain", with its reason);
- for comparison, the algorithm's own spread: one synthetic foot (the foot model) stepped 20
  times at random sub-sensel positions and +-3 degrees on the same 5.08 x 7.62 mm grid with
  1 kPa noise. What the real steps spread beyond it is the feet's own variation.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np

import orthofit
from orthofit import footmodel as fm
from orthofit.analysis.classify import Thresholds, classify_arch, classify_pronation

#: Sensel pitch of the footscan plate the data come from: along the foot, across it (mm).
PITCH_MM = (5.08, 7.62)
RATE_HZ = 500.0
SPEEDS = {1: "slow", 2: "normal", 3: "fast"}
TARGET_CPEI_SD, TARGET_AI_SD, TARGET_AGREE = 5.0, 0.03, 0.90


def ensure_data() -> Path:
    """Folder of the SpeedPP2DS data, installing ``jiku-data`` and ``h5py`` when missing."""
    missing = [p for p, mod in (("jiku-data", "jikudata"), ("h5py", "h5py"))
               if importlib.util.find_spec(mod) is None]
    if missing:
        print(f"installing {', '.join(missing)} into this environment (benchmark data only)")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)
        importlib.invalidate_caches()
    spec = importlib.util.find_spec("jikudata")
    return Path(spec.origin).parent / "datasets" / "SpeedPP2DS"


def trials(folder: Path, subject: int):
    """Yield ``(trial, speed, Recording)`` for one person's 60 steps."""
    import h5py

    speeds = np.loadtxt(folder / "data_x" / "conditions.csv", delimiter=",", skiprows=1,
                        dtype=int)[:, 1 + subject]
    with h5py.File(folder / "data_y" / f"subj{subject:03}.h5", "r") as f:
        for i in range(60):
            y = f[f"img{i:03}"][()]                      # rows x cols x time, zero-padded
            loaded = np.flatnonzero(y.reshape(-1, y.shape[-1]).max(axis=0) > 0)
            frames = np.moveaxis(y[:, :, : loaded[-1] + 1], 2, 0).astype(np.float32)
            # The step is cut tight at touch-down; a plate records the empty mat around it.
            frames = np.pad(frames, ((5, 5), (0, 0), (0, 0)))
            times = np.arange(frames.shape[0]) / RATE_HZ
            yield i, int(speeds[i]), orthofit.Recording(frames, times, PITCH_MM, mode="walk",
                                                        profile={"name": "speedpp2d"})


def single_step(analysis: orthofit.Analysis) -> dict | None:
    """CPEI and arch index of the recording's one complete step (None if not exactly one)."""
    steps = [s for s in analysis.steps if s.complete]
    if len(steps) != 1:
        return None
    return {"cpei": steps[0].metrics.get("cpei"), "arch_index": steps[0].metrics.get("arch_index")}


def pooled_sd(groups: list[list[float | None]]) -> tuple[float, int]:
    """Pooled within-group SD and the number of values that were missing."""
    num = den = missing = 0
    for vals in groups:
        v = np.array([x for x in vals if x is not None], float)
        missing += len(vals) - v.size
        if v.size > 1:
            num += (v.size - 1) * v.var(ddof=1)
            den += v.size - 1
    return float(np.sqrt(num / den)) if den else float("nan"), missing


def median_classes(values: list[dict | None], th: Thresholds) -> tuple:
    cpei = [v["cpei"] for v in values if v and v["cpei"] is not None]
    ai = [v["arch_index"] for v in values if v and v["arch_index"] is not None]
    arch = classify_arch(float(np.median(ai)), th)[0] if ai else None
    pron = classify_pronation(float(np.median(cpei)), None, th)[0] if cpei else None
    return arch, pron


def combined_classes(recs: list[orthofit.Recording], th: Thresholds) -> tuple:
    result = orthofit.analyze_trials(recs, thresholds=th)
    feet = [f for f in result.feet if f.metrics.get("arch_index") is not None]
    if not feet:
        return None, None
    foot = max(feet, key=lambda f: f.classification.get("n_steps", 0))
    return foot.classification["arch_type"], foot.classification["pronation"]


def agreement(pairs: list[tuple[tuple, tuple]]) -> dict[str, float]:
    n = len(pairs)
    same = sum(a == b for a, b in pairs)
    contradict = sum(any(x != y and "uncertain" not in (x, y) and None not in (x, y)
                         for x, y in zip(a, b, strict=True)) for a, b in pairs)
    return {"agree": same / n, "contradict": contradict / n}


def own_spread(n: int = 20) -> dict[str, tuple[float, float]]:
    """CPEI and arch index SD of one synthetic foot stepped ``n`` times on the SpeedPP2D grid."""
    rng = np.random.default_rng(1)
    out = {}
    for kind in fm.NAMED_FEET:
        shape = fm.named_foot(kind)
        cpei, ai = [], []
        for k in range(n):
            mat = fm.Mat(int(600 / PITCH_MM[0]), int(300 / PITCH_MM[1]), PITCH_MM)
            place = fm.Placement((150 + rng.uniform(0, PITCH_MM[1]),
                                  450 + rng.uniform(0, PITCH_MM[0])), 7 + rng.uniform(-3, 3),
                                 "left")
            rec, _ = fm.render_walk([fm.Step(shape, place, t_on_s=0.02)], mat, rate_hz=RATE_HZ,
                                    noise_kpa=1.0, quantum_kpa=1.0, seed=k)
            step = orthofit.analyze(rec).steps[0]
            cpei.append(step.metrics["cpei"])
            ai.append(step.metrics["arch_index"])
        out[kind] = (float(np.std(cpei, ddof=1)), float(np.std(ai, ddof=1)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=10, help="people to use (1-10)")
    args = parser.parse_args()
    folder = ensure_data()
    th = Thresholds()
    has_combined = hasattr(orthofit, "analyze_trials")
    groups: dict[tuple[int, int], list] = {}
    recs: dict[tuple[int, int], list] = {}
    for subject in range(min(max(args.subjects, 1), 10)):
        for _i, speed, rec in trials(folder, subject):
            groups.setdefault((subject, speed), []).append(single_step(orthofit.analyze(rec)))
            recs.setdefault((subject, speed), []).append(rec)
    cpei_sd, cpei_missing = pooled_sd([[v and v["cpei"] for v in g] for g in groups.values()])
    ai_sd, ai_missing = pooled_sd([[v and v["arch_index"] for v in g] for g in groups.values()])
    n_steps = sum(len(g) for g in groups.values())
    print(f"SpeedPP2D: {len(groups)} person-speed groups, {n_steps} steps")
    people = sorted({k[0] for k in groups})
    per = [(p, pooled_sd([[v and v["cpei"] for v in g] for k, g in groups.items()
                          if k[0] == p])[0],
            pooled_sd([[v and v["arch_index"] for v in g] for k, g in groups.items()
                       if k[0] == p])[0]) for p in people]
    print("per person, CPEI SD / arch index SD: " + ", ".join(
        f"{p}: {c:.1f} / {a:.3f}" for p, c, a in per))
    ok = cpei_sd <= TARGET_CPEI_SD and ai_sd <= TARGET_AI_SD
    print(f"single-step CPEI  pooled within-person SD {cpei_sd:6.2f} points "
          f"(target <= {TARGET_CPEI_SD:g}){'  ok' if cpei_sd <= TARGET_CPEI_SD else '  OVER'}"
          f"; {cpei_missing} steps without a CPEI")
    print(f"single-step AI    pooled within-person SD {ai_sd:6.3f}        "
          f"(target <= {TARGET_AI_SD:g}){'  ok' if ai_sd <= TARGET_AI_SD else '  OVER'}"
          f"; {ai_missing} steps without an arch index")
    med_pairs, comb_pairs, stated = [], [], []
    for key, values in groups.items():
        sets = [list(range(j * 5, j * 5 + 5)) for j in range(len(values) // 5)]
        med = [median_classes([values[i] for i in s], th) for s in sets]
        med_pairs += list(itertools.combinations(med, 2))
        if has_combined:
            comb = [combined_classes([recs[key][i] for i in s], th) for s in sets]
            comb_pairs += list(itertools.combinations(comb, 2))
            stated += [c for c in comb]
    a = agreement(med_pairs)
    arch = np.mean([x[0] == y[0] for x, y in med_pairs])
    pron = np.mean([x[1] == y[1] for x, y in med_pairs])
    ok &= a["agree"] >= TARGET_AGREE
    verdict = "  ok" if a["agree"] >= TARGET_AGREE else "  UNDER"
    print(f"5-step sets, median of single steps: {len(med_pairs)} pairs, both classes agree "
          f"{100 * a['agree']:.1f} % (arch type {100 * arch:.1f} %, rolling {100 * pron:.1f} %; "
          f"target >= {100 * TARGET_AGREE:g} %){verdict}")
    if has_combined:
        c = agreement(comb_pairs)
        arch_stated = np.mean([s[0] not in ("uncertain", None) for s in stated])
        pron_stated = np.mean([s[1] not in ("uncertain", None) for s in stated])
        print(f"5-step sets, combined analysis:      {len(comb_pairs)} pairs, identical results "
              f"{100 * c['agree']:.1f} %, a stated class contradicted "
              f"{100 * c['contradict']:.1f} %; stated: arch type {100 * arch_stated:.0f} % of "
              f"sets, rolling {100 * pron_stated:.0f} %")
    spread = own_spread()
    print("the algorithm's own spread, one synthetic foot x 20 steps on the same grid: " +
          ", ".join(f"{k} CPEI SD {c:.2f} / arch index SD {a:.4f}" for k, (c, a) in
                    spread.items()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
