import pytest

import orthofit
from orthofit.analysis.classify import Thresholds, classify_arch, classify_pronation
from orthofit.errors import ProfileError
from orthofit.io.profiles import load_thresholds, profile_names


def test_default_profile_matches_the_published_cut_offs():
    th = load_thresholds("default")
    assert (th.ai_high, th.ai_low) == (0.21, 0.26)  # Cavanagh & Rodgers 1987
    assert (th.cpei_pronated_below, th.cpei_supinated_above) == (14.0, 28.0)
    assert th.cpei_provisional is True
    assert "default" in profile_names("thresholds")


@pytest.mark.parametrize("ai, kind, border", [
    (0.10, "high", False), (0.205, "high", True), (0.21, "high", True), (0.235, "normal", False),
    (0.255, "normal", True), (0.26, "low", True), (0.31, "low", False), (None, None, False),
])
def test_arch_classes(ai, kind, border):
    assert classify_arch(ai, Thresholds()) == (kind, border)


def test_pronation_prefers_cpei_then_balance():
    th = Thresholds()
    assert classify_pronation(10.0, 30.0, th) == ("pronated", False, "cpei")
    assert classify_pronation(29.0, 70.0, th) == ("supinated", True, "cpei")
    assert classify_pronation(None, 60.0, th) == ("pronated", False, "medial_lateral_balance")
    assert classify_pronation(None, None, th) == (None, False, None)


def test_a_clinic_profile_changes_the_answer(tmp_path):
    custom = tmp_path / "buldt.toml"
    custom.write_text('name = "buldt"\n[arch_index]\nhigh = 0.11\nlow = 0.25\n')
    th = load_thresholds(custom)
    assert th.name == "buldt" and th.ai_low == 0.25
    assert classify_arch(0.255, th)[0] == "low"
    assert classify_arch(0.255, Thresholds())[0] == "normal"


@pytest.mark.parametrize("text, message", [
    ("[arch_index]\nhigh = 'x'\n", "must be float"),
    ("[arch_index]\nhigh = 0.3\nlow = 0.2\n", "high must be below low"),
    ("[arch_index\n", "not valid TOML"),
])
def test_bad_profiles_are_explained(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=message):
        load_thresholds(path)


def test_unknown_profile_name_lists_the_shipped_ones():
    with pytest.raises(ProfileError, match="shipped ones: default"):
        orthofit.analyze(orthofit.Recording([[[0.0]]], [0.0], 5.0), thresholds="nope")
