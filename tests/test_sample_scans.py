"""Golden results of the sample scans, and their agreement with the foot model's exact values."""

import json
from pathlib import Path

import pytest

import orthofit
from orthofit.sample_scans import make_samples

from conftest import SAMPLES

GOLDEN = sorted(p for p in SAMPLES.glob("*.json") if not p.stem.startswith("visit_"))
VISITS = sorted(SAMPLES.glob("visit_*.json"))
TOLERANCE = {
    "arch_index": 0.005, "cpei": 0.5, "chippaux_smirak_pct": 1.0, "staheli": 0.02,
    "foot_length_mm": 2.0, "foot_width_mm": 2.0, "contact_area_cm2": 1.0,
    "peak_pressure_kpa": 5.0, "medial_pct": 1.0, "stance_time_s": 0.011,
}


def test_every_sample_has_a_golden_file():
    names = {p.stem for p in SAMPLES.glob("*.ofs")}
    assert names == {p.stem for p in GOLDEN} == set(make_samples.SAMPLES)
    assert {p.stem for p in VISITS} == set(make_samples.VISITS)


def _check_feet(result: dict, gold: dict) -> None:
    assert result["mode"] == gold["mode"]
    assert [f["side"] for f in result["feet"]] == [f["side"] for f in gold["expected"]["feet"]]
    for got, want in zip(result["feet"], gold["expected"]["feet"], strict=True):
        for key in ("arch_type", "pronation", "n_steps"):
            assert got[key] == want[key], key
        for key, tol in TOLERANCE.items():
            if want[key] is None:
                assert got[key] is None, key
            else:
                assert got[key] == pytest.approx(want[key], abs=tol), key


@pytest.mark.parametrize("gold_path", GOLDEN, ids=lambda p: p.stem)
def test_analysis_matches_golden(gold_path: Path):
    gold = json.loads(gold_path.read_text())
    result = orthofit.analyze(orthofit.load(SAMPLES / gold["scan"])).to_dict(series=False)
    _check_feet(result, gold)


@pytest.mark.parametrize("gold_path", VISITS, ids=lambda p: p.stem)
def test_visits_match_golden(gold_path: Path):
    gold = json.loads(gold_path.read_text())
    recs = [orthofit.load(SAMPLES / name) for name in gold["scans"]]
    _check_feet(orthofit.analyze_trials(recs).to_dict(series=False), gold)


@pytest.mark.parametrize("gold_path", GOLDEN + VISITS, ids=lambda p: p.stem)
def test_golden_values_are_close_to_the_exact_ones(gold_path: Path):
    gold = json.loads(gold_path.read_text())
    pitch = orthofit.load(SAMPLES / (gold.get("scan") or gold["scans"][0])).pitch_mm
    ai_tol = 0.02 if max(pitch) <= 5.08 else 0.04
    for foot in gold["expected"]["feet"]:
        truth = gold["truth"][foot["side"]]
        assert foot["arch_index"] == pytest.approx(truth["arch_index"], abs=ai_tol)
        if "cpei" in truth:
            assert foot["cpei"] == pytest.approx(truth["cpei"], abs=3.0)


@pytest.mark.parametrize("name, arch, pronation", [
    ("walk_normal", "normal", "neutral"), ("walk_flat", "low", "pronated"),
    ("walk_cavus", "high", "supinated"), ("static_flat", "low", "pronated"),
    ("static_cavus", "high", "supinated"), ("static_normal", "normal", "neutral"),
])
def test_samples_are_what_their_names_say(name, arch, pronation):
    # A walk is judged from all passes of the visit; one standing trial is enough.
    names = [name, f"{name}_2", f"{name}_3"] if name.startswith("walk") else [name]
    result = orthofit.analyze_trials([orthofit.load(SAMPLES / f"{n}.ofs") for n in names])
    assert result.feet
    for foot in result.feet:
        assert foot.classification["arch_type"] == arch
        assert foot.classification["pronation"] == pronation


def test_one_pass_is_not_enough_to_state_a_class():
    result = orthofit.analyze(orthofit.load(SAMPLES / "walk_flat.ofs"))
    for foot in result.feet:
        assert foot.classification["arch_type"] == "uncertain"
        assert "record more steps" in foot.classification["arch_reason"]


def test_balance_sample_is_30_s_at_50_hz():
    rec = orthofit.load(SAMPLES / "balance_normal.ofs")
    assert rec.mode == "balance" and rec.rate_hz == 50 and rec.duration_s == pytest.approx(30)
    bal = orthofit.analyze(rec).balance
    assert bal["left_pct"] == pytest.approx(50, abs=2)
    assert bal["ellipse_area_95_mm2"] > 0
