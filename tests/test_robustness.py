"""Whatever the frames hold, the analysis answers with data or a warning, never an exception."""

import json

import numpy as np
import pytest

import orthofit

RNG = np.random.default_rng(0)


def case(name):
    f = np.zeros((4, 60, 60), np.float32)
    if name == "one_pixel":
        f[0, 30, 30] = 100
    elif name == "constant":
        f[:] = 50
    elif name == "tiny_mat":
        f = RNG.random((2, 3, 3)).astype(np.float32) * 100
    elif name == "uniform_noise":
        f = RNG.random((10, 40, 40)).astype(np.float32) * 30
    elif name == "line":
        f[:, 10:50, 30] = 100
    elif name == "block":
        f[0, 10:50, 10:50] = 100
    elif name == "negative":
        f = -RNG.random((3, 30, 30)).astype(np.float32) * 10
    return orthofit.Recording(f, np.arange(f.shape[0]) * 0.01, 5.0)


@pytest.mark.parametrize("name", ["empty", "one_pixel", "constant", "tiny_mat", "uniform_noise",
                                  "line", "block", "negative"])
def test_analysis_never_raises(name):
    result = orthofit.analyze(case(name))
    data = result.to_dict()
    json.dumps(data, allow_nan=False)  # valid JSON: no NaN or inf anywhere
    assert data["feet"] or data["warnings"] or data["unassigned_steps"]


def test_empty_scan_warns_in_words():
    result = orthofit.analyze(case("empty"))
    assert result.feet == []
    assert "no foot was found on the mat" in result.warnings[0]


def test_mat_covered_edge_to_edge_is_not_taken_for_a_foot():
    result = orthofit.analyze(case("constant"))
    assert result.feet == []
    assert any("off the mat" in w for w in result.warnings)


@pytest.mark.parametrize("pitch", [0.5, 50.0, (2.0, 8.0), (8.0, 2.0), (10.28, 5.28)])
def test_analysis_at_the_edges_of_the_plausible_pitch(pitch):
    data = orthofit.analyze(case("block").replace(pitch_mm=pitch)).to_dict()
    json.dumps(data, allow_nan=False)


@pytest.mark.parametrize("pitch, times", [
    (1e6, np.arange(4) * 0.01),   # 10 GB in the footprint's grids before
    ((0.5, 50.0), np.arange(4) * 0.01),  # 5 GB on one large foot
    (5.0, np.arange(4) * 1e-11),  # ns read as s: a LinAlgError deep in the analysis before
])
def test_implausible_recordings_never_reach_the_analysis(pitch, times):
    with pytest.raises(orthofit.RecordingError):
        orthofit.Recording(np.zeros((4, 60, 60), np.float32), times, pitch)
