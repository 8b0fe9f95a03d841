"""orthofit: open pressure-plate analysis and insole fitting for podiatry.

>>> import orthofit
>>> rec = orthofit.load("sample_scans/walk_normal.ofs")     # doctest: +SKIP
>>> orthofit.analyze(rec).to_dict()["feet"][0]["arch_type"]  # doctest: +SKIP
'normal'
"""

from __future__ import annotations

from pathlib import Path

from orthofit.analysis import Analysis, Thresholds, analyze_recording
from orthofit.analysis import analyze_trials as _analyze_trials
from orthofit.errors import OrthofitError, ProfileError, ScanFileError
from orthofit.io.load import load
from orthofit.io.ofs import save_ofs as save
from orthofit.model import Recording, RecordingError

__version__ = "0.1.0"
__all__ = [
    "Analysis", "OrthofitError", "ProfileError", "Recording", "RecordingError", "ScanFileError",
    "Thresholds", "analyze", "analyze_trials", "load", "save",
]


def _thresholds(thresholds: Thresholds | str | Path) -> Thresholds:
    if isinstance(thresholds, Thresholds):
        return thresholds
    from orthofit.io.profiles import load_thresholds

    return load_thresholds(thresholds)


def analyze(recording: Recording, *, thresholds: Thresholds | str | Path = "default") -> Analysis:
    """Analyse a recording with a threshold profile (a shipped name, a path, or a Thresholds)."""
    return analyze_recording(recording, _thresholds(thresholds))


def analyze_trials(recordings: list[Recording], *, thresholds: Thresholds | str | Path = "default",
                   labels: list[str] | None = None) -> Analysis:
    """Analyse several trials of one visit as one: each foot judged from all its steps.

    See :func:`orthofit.analysis.analyze_trials`.
    """
    return _analyze_trials(list(recordings), _thresholds(thresholds), labels=labels)
