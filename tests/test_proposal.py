import json
import re

import pytest

import orthofit
from orthofit.errors import ProfileError
from orthofit.io.profiles import load_insole_rules
from orthofit.proposal.model import (
    ELEMENT_KINDS,
    Proposal,
    ProposalError,
    differences,
    override,
    reset,
)
from orthofit.proposal.rules import RuleSet, propose, propose_foot

from conftest import SAMPLES, visit

RULES = load_insole_rules("default")


def measures(**changes):
    base = {"side": "left", "arch_type": "normal", "arch_index": 0.23, "arch_borderline": False,
            "pronation": "neutral", "pronation_basis": "cpei", "pronation_evidence": "CPEI 20 %",
            "cpei": 20.0, "medial_pct": 45.0, "peak_pressure_kpa": 400.0, "mth_peak_kpa": 300.0,
            "mth_peak_mask": "m2", "mth_peak_head": "2nd", "hallux_peak_kpa": 200.0,
            "heel_peak_kpa": 350.0, "load_pct": 50.0, "load_diff_pct": 0.0,
            "diabetic": False, "knee_oa": False, "regions_over_threshold": "none",
            "regions_over_threshold_list": []}
    base.update(changes)
    return base


def test_neutral_foot_gets_the_baseline_shell():
    foot, notes = propose_foot(measures(), RULES)
    assert set(foot.elements) == set(ELEMENT_KINDS)
    assert all(e.reason.rule == "baseline" for e in foot.elements.values())
    assert foot.elements["rearfoot_post"].describe() == "none"
    assert notes == []


def test_pronated_low_arch():
    foot, _ = propose_foot(measures(arch_type="low", arch_index=0.31, pronation="pronated",
                                    pronation_evidence="CPEI 9.0 %"), RULES)
    post = foot.elements["rearfoot_post"]
    assert post.values == {"side": "medial", "degrees": 5.0}
    assert "CPEI 9.0 %" in post.reason.text and "Banwell 2014" in post.reason.text
    assert post.reason.evidence == "practice convention"
    assert foot.elements["arch_support"].values["height_mm"] == 18.0


def test_supinated_high_arch():
    foot, _ = propose_foot(measures(arch_type="high", arch_index=0.05, pronation="supinated"),
                           RULES)
    assert foot.elements["rearfoot_post"].values == {"side": "lateral", "degrees": 4.0}
    assert foot.elements["top_cover"].values["cushioning"] == "extra"
    assert foot.elements["arch_support"].reason.rule == "high-arch"
    assert "0.050" in foot.elements["arch_support"].reason.text


def test_metatarsal_peak_targets_the_head():
    foot, _ = propose_foot(measures(mth_peak_kpa=620.0, mth_peak_mask="m3",
                                    mth_peak_head="3rd"), RULES)
    pad = foot.elements["metatarsal_pad"]
    assert pad.values["type"] == "dome" and pad.values["target"] == "m3"
    assert "3rd" in pad.reason.text and pad.reason.evidence == "trial evidence"
    assert "Lee & Menz 2014" in pad.reason.source


def test_diabetic_offloading_only_with_diabetes_and_700_kpa():
    over = measures(peak_pressure_kpa=760.0, regions_over_threshold="hallux",
                    regions_over_threshold_list=["hallux"])
    foot, _ = propose_foot(over, RULES)
    assert foot.elements["offloading"].values["regions"] == []
    foot, _ = propose_foot({**over, "diabetic": True}, RULES)
    off = foot.elements["offloading"]
    assert off.values["regions"] == ["hallux"]
    assert "Armstrong 1998" in off.reason.source and "200 kPa" in off.reason.text
    foot, _ = propose_foot(measures(diabetic=True, peak_pressure_kpa=690.0), RULES)
    assert foot.elements["offloading"].values["regions"] == []


def test_asymmetry_suggests_measuring_never_lifts():
    foot, notes = propose_foot(measures(load_diff_pct=14.0), RULES)
    lift = foot.elements["heel_lift"]
    assert lift.values["height_mm"] == 0.0
    assert "measure leg length" in lift.reason.text
    assert notes and "leg length" in notes[0]


def test_knee_oa_wedge_is_an_option_with_its_caveat():
    foot, _ = propose_foot(measures(knee_oa=True), RULES)
    assert foot.elements["forefoot_post"].values == {"side": "lateral", "degrees": 5.0}
    assert "no pain benefit" in foot.elements["forefoot_post"].reason.text


def test_samples_propose_what_their_feet_need():
    flat = propose(visit("flat"), RULES)
    cavus = propose(visit("cavus"), RULES)
    assert [f.side for f in flat.feet] == ["left", "right"]
    assert all(f.elements["rearfoot_post"].values["side"] == "medial" for f in flat.feet)
    assert all(f.elements["rearfoot_post"].values["side"] == "lateral" for f in cavus.feet)


def test_an_uncertain_rolling_class_gets_no_posting_and_says_so():
    # One pass of a flat foot: two steps of one foot, one of the other: no class is stated.
    one_pass = orthofit.analyze(orthofit.load(SAMPLES / "walk_flat.ofs"))
    assert all(f.classification["pronation"] == "uncertain" for f in one_pass.feet)
    p = propose(one_pass, RULES)
    assert all(f.elements["rearfoot_post"].describe() == "none" for f in p.feet)
    assert all(f.elements["rearfoot_post"].reason.rule == "baseline" for f in p.feet)
    for side in ("left", "right"):
        assert any(n.startswith(f"No posting is proposed for the {side} foot") and
                   "record more steps" in n for n in p.notes)


def test_override_reset_and_differences():
    p = propose(visit("flat"), RULES)
    q = override(p, "left", "rearfoot_post", degrees=6.0)
    el = q.foot("left").elements["rearfoot_post"]
    assert el.changed and el.values["degrees"] == 6.0 and el.proposed["degrees"] == 5.0
    assert differences(p, q) == [("left", "rearfoot_post", {"side": "medial", "degrees": 5.0},
                                  {"side": "medial", "degrees": 6.0})]
    assert not reset(q, "left", "rearfoot_post").foot("left").elements["rearfoot_post"].changed
    with pytest.raises(ProposalError, match="has no angle"):
        override(p, "left", "rearfoot_post", angle=3)


def test_json_round_trip_and_bad_files():
    p = propose(orthofit.analyze(orthofit.load(SAMPLES / "walk_cavus.ofs")), RULES)
    p = override(p, "right", "heel_cup", depth_mm=20.0)
    data = json.loads(json.dumps(p.to_dict()))
    assert data["format"] == "orthofit-insole-proposal" and data["version"] == 1
    back = Proposal.from_dict(data)
    assert back.to_dict() == p.to_dict()
    assert back.foot("right").elements["heel_cup"].changed
    with pytest.raises(ProposalError, match="newer"):
        Proposal.from_dict({**data, "version": 99})
    with pytest.raises(ProposalError, match="not an orthofit insole proposal"):
        Proposal.from_dict({"feet": []})


@pytest.mark.parametrize("change, message", [
    ({"rules": [{"id": "x", "when": [["a", "~", 1]], "set": {}}]}, "condition"),
    ({"rules": [{"id": "x", "when": [["a", "==", 1]], "set": {"wing": {}}}]}, "unknown element"),
    ({"rules": [{"id": "x", "when": [["a", ">=", "@nope"]], "set": {}}]}, "not in \\[settings\\]"),
    ({"rules": [{"id": "x", "when": [["a", "==", 1]], "evidence": "hunch", "set": {}}]},
     "evidence must be"),
    ({"rules": [{"id": "x", "when": [["a", "==", 1]],
                 "set": {"shell": {"product": "Gold insole"}}}]}, "not in the catalogue"),
])
def test_bad_rule_sets_are_explained(change, message):
    data = {"name": "t", "defaults": {k: {} for k in ELEMENT_KINDS}, **change}
    with pytest.raises(ProfileError, match=message):
        RuleSet.from_dict(data)


# -- what the reasons say, and how often -------------------------------------------------------

def test_a_flat_foot_has_its_own_arch_support_reason():
    foot, _ = propose_foot(measures(arch_type="low", arch_index=0.31, pronation="pronated",
                                    pronation_evidence="CPEI 9.0 %"), RULES)
    arch, post = foot.elements["arch_support"], foot.elements["rearfoot_post"]
    assert arch.values["height_mm"] == 18.0 and arch.reason.rule == "low-arch"
    assert arch.reason.text != post.reason.text and arch.reason.source != post.reason.source
    assert "arch index 0.310" in arch.reason.text and "Cavanagh & Rodgers 1987" in \
        arch.reason.source
    # A foot that rolls in over a normal arch gets the support for that reason, not the post's.
    foot, _ = propose_foot(measures(pronation="pronated", pronation_evidence="CPEI 9.0 %"),
                           RULES)
    arch, post = foot.elements["arch_support"], foot.elements["rearfoot_post"]
    assert arch.values["height_mm"] == 18.0 and arch.reason.rule == "pronated-arch"
    assert arch.reason.text != post.reason.text and "arch support" in arch.reason.text
    # An uncertain arch keeps the standard shell's support, as the note says.
    foot, _ = propose_foot(measures(arch_type="uncertain", pronation="pronated"), RULES)
    assert foot.elements["arch_support"].reason.rule == "baseline"


def test_the_flat_visit_reasons_its_arch_from_the_arch_index():
    for foot in propose(visit("flat"), RULES).feet:
        arch, post = foot.elements["arch_support"], foot.elements["rearfoot_post"]
        assert arch.reason.rule == "low-arch" and post.reason.rule == "pronated"
        assert arch.reason.text != post.reason.text


def every_sample_proposal():
    """A proposal for each sample scan alone and each visit, with and without diabetes."""
    analyses = [orthofit.analyze(orthofit.load(path)) for path in sorted(SAMPLES.glob("*.ofs"))]
    analyses += [visit(kind) for kind in ("flat", "normal", "cavus")]
    for analysis in analyses:
        yield propose(analysis, RULES)
        yield propose(analysis, RULES, diabetic=True, knee_oa=True)


def proposal_words(proposal):
    """Every text of a proposal that can reach a user."""
    from orthofit.proposal.footnotes import footnotes

    out = list(proposal.notes) + [n.text for n in footnotes(proposal)[0]]
    for foot in proposal.feet:
        for el in foot.elements.values():
            out += [el.describe(), el.reason.text, el.reason.source, el.reason.evidence]
    return out


def test_no_internal_file_name_reaches_a_user():
    assert ".md" not in RULES.description
    seen = 0
    for proposal in every_sample_proposal():
        for text in proposal_words(proposal):
            seen += 1
            assert not re.search(r"\.md\b", text, re.IGNORECASE), text
            assert "DOMAIN" not in text and "DESIGN" not in text, text
    assert seen > 100


def test_identical_reasons_share_one_footnote():
    from orthofit.proposal.footnotes import footnotes
    from orthofit.report.insole_blocks import proposal_blocks

    for proposal in every_sample_proposal():
        notes, refs = footnotes(proposal)
        texts = [n.text for n in notes]
        assert len(texts) == len(set(texts))  # each reason printed once
        assert sorted(set(refs.values())) == list(range(1, len(notes) + 1))
        baseline = [t for t in texts if t.startswith("No finding called for more than")]
        assert len(baseline) <= 1
        paras = [b.text for b in proposal_blocks(proposal)[1:]]
        assert sum("No finding called for more than" in p for p in paras) == len(baseline)
    # On the flat visit: seven elements of each foot keep the standard shell's values for one
    # reason, the arch support and the post each have theirs, and both feet share every number.
    notes, refs = footnotes(propose(visit("flat"), RULES))
    assert len(notes) == 3 and all(n.sides == ("left", "right") for n in notes)
    assert refs[("left", "arch_support")] != refs[("left", "rearfoot_post")]
    assert refs[("left", "rearfoot_post")] == refs[("right", "heel_cup")]
    assert [refs[("left", k)] for k in ELEMENT_KINDS].count(1) == 6


def test_both_feet_quote_their_own_values_in_one_reason():
    from orthofit.proposal.footnotes import footnotes, merge_sides

    assert merge_sides("Peak 740 kPa under the hallux.", "Peak 739 kPa under the hallux.") == \
        "Peak 740 kPa left, 739 kPa right under the hallux."
    notes, _ = footnotes(propose(visit("flat"), RULES))
    left = propose(visit("flat"), RULES).foot("left").elements["arch_support"].reason.text
    arch = next(n.text for n in notes if n.text.startswith("Low arch"))
    ai = re.search(r"arch index (\d\.\d+)", left).group(1)
    assert f"arch index {ai} left, " in arch and " right)" in arch


def test_a_changed_element_keeps_its_own_footnote():
    from orthofit.proposal.footnotes import footnotes

    p = override(propose(visit("flat"), RULES), "left", "rearfoot_post", degrees=6.5)
    notes, refs = footnotes(p)
    changed = notes[refs[("left", "rearfoot_post")] - 1]
    assert changed.sides == ("left",)
    assert changed.text.startswith("Rearfoot post proposed as medial, 5\N{DEGREE SIGN}: ")
    assert changed.text.endswith("Changed by the clinician to medial, 6.5\N{DEGREE SIGN}.")
    assert refs[("right", "rearfoot_post")] != refs[("left", "rearfoot_post")]


def test_override_can_set_a_post_side():
    p = propose(visit("flat"), RULES)
    q = override(p, "left", "rearfoot_post", side="lateral")
    assert q.foot("left").elements["rearfoot_post"].values["side"] == "lateral"
