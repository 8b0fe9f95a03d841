"""orthofit: open pressure-plate analysis and insole fitting for podiatry.

>>> import orthofit
>>> rec = orthofit.load("sample_scans/walk_normal.ofs")     # doctest: +SKIP
>>> orthofit.analyze(rec).to_dict()["feet"][0]["arch_type"]  # doctest: +SKIP
'normal'
"""

from __future__ import annotations

from pathlib import Path

from orthofit.analysis import Analysis, Thresholds, analyze_recording
from orthofit.errors import OrthofitError, ProfileError, ScanFileError
from orthofit.io.load import load
from orthofit.io.ofs import save_ofs as save
from orthofit.model import Recording, RecordingError

__version__ = "0.1.0"
__all__ = [
    "Analysis", "OrthofitError", "ProfileError", "Recording", "RecordingError", "ScanFileError",
    "Thresholds", "analyze", "load", "save",
]


def analyze(recording: Recording, *, thresholds: Thresholds | str | Path = "default") -> Analysis:
    """Analyse a recording with a threshold profile (a shipped name, a path, or a Thresholds)."""
    if not isinstance(thresholds, Thresholds):
        from orthofit.io.profiles import load_thresholds

        thresholds = load_thresholds(thresholds)
    return analyze_recording(recording, thresholds)
