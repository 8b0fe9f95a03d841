"""orthofit: open pressure-plate analysis and insole fitting for podiatry.

>>> import orthofit
>>> rec = orthofit.load("sample_scans/walk_normal.ofs")     # doctest: +SKIP
>>> orthofit.analyze(rec).to_dict()["feet"][0]["arch_type"]  # doctest: +SKIP
'normal'

The names below are imported when first used, so ``import orthofit`` (and the command line's
``orthofit --help``) does not pay for numpy, scipy and scikit-image until they are needed.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orthofit.errors import OrthofitError, ProfileError, ScanFileError

if TYPE_CHECKING:  # for readers and type checkers; at run time they come from __getattr__
    from orthofit.analysis import Analysis, Thresholds
    from orthofit.io.load import load
    from orthofit.io.ofs import save_ofs as save
    from orthofit.model import Recording, RecordingError

__version__ = "0.1.0"
__all__ = [
    "Analysis", "OrthofitError", "ProfileError", "Recording", "RecordingError", "ScanFileError",
    "Thresholds", "analyze", "analyze_trials", "load", "save",
]

#: Public names and where they live, imported on first use.
_LAZY = {
    "Analysis": ("orthofit.analysis", "Analysis"),
    "Thresholds": ("orthofit.analysis", "Thresholds"),
    "load": ("orthofit.io.load", "load"),
    "save": ("orthofit.io.ofs", "save_ofs"),
    "Recording": ("orthofit.model", "Recording"),
    "RecordingError": ("orthofit.model", "RecordingError"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'orthofit' has no attribute {name!r}")


def _thresholds(thresholds: Thresholds | str | Path) -> Thresholds:
    from orthofit.analysis import Thresholds

    if isinstance(thresholds, Thresholds):
        return thresholds
    from orthofit.io.profiles import load_thresholds

    return load_thresholds(thresholds)


def analyze(recording: Recording, *, thresholds: Thresholds | str | Path = "default") -> Analysis:
    """Analyse a recording with a threshold profile (a shipped name, a path, or a Thresholds)."""
    from orthofit.analysis import analyze_recording

    return analyze_recording(recording, _thresholds(thresholds))


def analyze_trials(recordings: list[Recording], *, thresholds: Thresholds | str | Path = "default",
                   labels: list[str] | None = None) -> Analysis:
    """Analyse several trials of one visit as one: each foot judged from all its steps.

    See :func:`orthofit.analysis.analyze_trials`.
    """
    from orthofit.analysis import analyze_trials as trials

    return trials(list(recordings), _thresholds(thresholds), labels=labels)
