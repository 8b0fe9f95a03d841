"""Pure analysis of pressure recordings (numpy and scikit-image; no file or device I/O).

Entry point: :func:`analyze_recording`. The modules hold one concern each: ``segment`` (feet in
space and time), ``cop`` (force and centre of pressure), ``footprint`` (axis, toe line, arch
index, Chippaux-Smirak, Staheli), ``masks`` (anatomical regions), ``gait`` (CPEI, stance phases),
``spatiotemporal`` (step, stride, cadence, speed, foot progression angle), ``balance`` (sway and
stabilogram), ``classify`` (cut-offs) and ``pipeline`` (all of it together).
"""

from orthofit.analysis.classify import Thresholds
from orthofit.analysis.pipeline import (
    Analysis,
    AnalysisError,
    FootResult,
    StepResult,
    analyze_recording,
    analyze_trials,
)

__all__ = ["Analysis", "AnalysisError", "FootResult", "StepResult", "Thresholds",
           "analyze_recording", "analyze_trials"]
