"""Regenerate the sample scans and their golden results (only on purpose).

    python -m orthofit.sample_scans.make_samples            # check: differences are listed
    python -m orthofit.sample_scans.make_samples --write    # rewrite scans and golden JSON

Each scan is made by the foot model with a fixed seed. Its golden JSON holds the model's exact
values (``truth``) and what the analysis gave when the golden file was written (``expected``);
``tests/test_sample_scans.py`` compares the analysis with ``expected`` within tolerances, and
``expected`` with ``truth`` within the accuracy targets.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from orthofit import footmodel as fm
from orthofit.analysis import analyze_recording, analyze_trials
from orthofit.io.ofs import save_ofs
from orthofit.model import Recording

HERE = Path(__file__).resolve().parent
#: Sensor effects shared by all samples: 1 kPa noise on loaded sensels, readings in whole kPa
#: (as a mat's counts would be), a few stray specks.
SENSOR = {"noise_kpa": 1.0, "quantum_kpa": 1.0, "specks_per_frame": 0.05}
#: Measures kept in the golden files (per foot).
GOLDEN_KEYS = ("arch_index", "arch_type", "cpei", "pronation", "chippaux_smirak_pct", "staheli",
               "foot_length_mm", "foot_width_mm", "contact_area_cm2", "peak_pressure_kpa",
               "medial_pct", "stance_time_s", "n_steps")


def _walk(kind: str) -> tuple[Recording, dict]:
    return fm.walk_trial(kind, rate_hz=100.0, seed=11, **SENSOR)


def _walk_2(kind: str) -> tuple[Recording, dict]:
    # The second pass of the same visit: starting with the other foot.
    return fm.walk_trial(kind, rate_hz=100.0, seed=21, first_side="right", **SENSOR)


def _walk_3(kind: str) -> tuple[Recording, dict]:
    return fm.walk_trial(kind, rate_hz=100.0, seed=31, **SENSOR)


def _static(kind: str) -> tuple[Recording, dict]:
    return fm.static_trial(kind, rate_hz=50.0, duration_s=3.0, seed=12, **SENSOR)


def _balance(kind: str) -> tuple[Recording, dict]:
    # A 30 s trial at 50 Hz (stabilometry wants >= 25 s at >= 50 Hz) on a 8.47 mm plate.
    mat = fm.Mat(40, 44, (8.47, 8.47))
    return fm.static_trial(kind, mat=mat, rate_hz=50.0, duration_s=30.0, sway_mm=3.0, seed=13,
                           mode="balance", **SENSOR)


SAMPLES = {
    "static_normal": ("Normal foot, two-foot static stance, 3 s", _static, "normal"),
    "static_flat": ("Flat, pronated foot, static stance, 3 s", _static, "planus"),
    "static_cavus": ("High-arched, supinated foot, static stance, 3 s", _static, "cavus"),
    "walk_normal": ("Normal foot, three steps over a 2 m plate at 100 Hz", _walk, "normal"),
    "walk_normal_2": ("Normal foot, second pass (right foot first)", _walk_2, "normal"),
    "walk_normal_3": ("Normal foot, third pass", _walk_3, "normal"),
    "walk_flat": ("Flat, pronated foot, three steps over a 2 m plate", _walk, "planus"),
    "walk_flat_2": ("Flat, pronated foot, second pass (right foot first)", _walk_2, "planus"),
    "walk_flat_3": ("Flat, pronated foot, third pass", _walk_3, "planus"),
    "walk_cavus": ("High-arched, supinated foot, three steps over a 2 m plate", _walk, "cavus"),
    "walk_cavus_2": ("High-arched, supinated foot, second pass (right foot first)", _walk_2,
                     "cavus"),
    "walk_cavus_3": ("High-arched, supinated foot, third pass", _walk_3, "cavus"),
    "balance_normal": ("Normal feet, 30 s balance trial on an 8.47 mm plate", _balance, "normal"),
}


#: Visits: walk trials analysed together (``orthofit analyze ... --combine``).
VISITS = {
    "visit_walk_normal": ("walk_normal", "walk_normal_2", "walk_normal_3"),
    "visit_walk_flat": ("walk_flat", "walk_flat_2", "walk_flat_3"),
    "visit_walk_cavus": ("walk_cavus", "walk_cavus_2", "walk_cavus_3"),
}


def _truth_summary(truth: dict) -> dict:
    items = truth.get("steps") or truth.get("feet")
    out: dict = {}
    for side in ("left", "right"):
        entries = [e for e in items if e["side"] == side]
        if not entries:
            continue
        out[side] = {k: float(np.median([e[k] for e in entries]))
                     for k in ("arch_index", "chippaux_smirak", "cpei") if k in entries[0]}
    return out


def golden(name: str) -> tuple[Recording, dict, dict]:
    """Make one sample: the recording, its golden dict and the model's truth."""
    description, make, kind = SAMPLES[name]
    rec, truth = make(kind)
    rec = rec.replace(metadata={"sample": name, "description": description,
                                "generator": "orthofit.footmodel", "foot": kind})
    result = analyze_recording(rec).to_dict(series=False)
    feet = [{k: f[k] for k in ("side", *GOLDEN_KEYS)} for f in result["feet"]]
    gold = {
        "scan": f"{name}.ofs",
        "description": description,
        "mode": result["mode"],
        "truth": _truth_summary(truth),
        "expected": {"feet": feet, "balance": result["balance"]},
    }
    return rec, gold, truth


def visit_golden(name: str, recordings: dict[str, Recording], truths: dict[str, dict]) -> dict:
    """The golden dict of a visit: its walk trials analysed together."""
    scans = VISITS[name]
    result = analyze_trials([recordings[s] for s in scans], labels=[f"{s}.ofs" for s in scans])
    data = result.to_dict(series=False)
    feet = [{k: f[k] for k in ("side", *GOLDEN_KEYS)} for f in data["feet"]]
    steps = {"steps": [st for s in scans for st in truths[s]["steps"]]}
    return {"scans": [f"{s}.ofs" for s in scans], "description": f"{scans[0]} and its other "
            "passes, analysed together", "mode": data["mode"], "truth": _truth_summary(steps),
            "expected": {"feet": feet, "balance": data["balance"]}}


def main(argv: list[str] | None = None) -> int:
    """Check (default) or rewrite (--write) the samples."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the scans and golden JSON")
    args = parser.parse_args(argv)
    changed = 0
    recordings: dict[str, Recording] = {}
    truths: dict[str, dict] = {}
    golds: dict[str, dict] = {}
    for name in SAMPLES:
        recordings[name], golds[name], truths[name] = golden(name)
    for name in VISITS:
        golds[name] = visit_golden(name, recordings, truths)
    for name, gold in golds.items():
        gold_path = HERE / f"{name}.json"
        text = json.dumps(gold, indent=2, sort_keys=True) + "\n"
        if args.write:
            if name in recordings:
                save_ofs(recordings[name], HERE / f"{name}.ofs")
                print(f"wrote {name}.ofs ({(HERE / f'{name}.ofs').stat().st_size // 1024} KiB)")
            gold_path.write_text(text, encoding="utf-8")
        elif not gold_path.exists() or gold_path.read_text(encoding="utf-8") != text:
            changed += 1
            print(f"{name}: golden result differs (run with --write to accept)")
    return 1 if changed and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())
