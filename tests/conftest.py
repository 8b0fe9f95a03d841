"""Shared fixtures: sample scans, foot-model trials (cached) and the ../shared folder."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from orthofit import footmodel as fm

# Qt needs no screen in tests; set before any test imports PyQt6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_scans"
SHARED = Path(os.environ.get("ORTHOFIT_SHARED", REPO.parent / "shared"))


@functools.cache
def walk(kind: str = "normal", **kw):
    """A cached foot-model walk (recording, truth); never mutate the result."""
    return fm.walk_trial(kind, **kw)


@functools.cache
def stance(kind: str = "normal", **kw):
    """A cached foot-model static trial (recording, truth)."""
    return fm.static_trial(kind, **kw)


@functools.cache
def visit(kind: str = "normal"):
    """The analysis of a sample visit: the three walk passes of ``kind`` analysed together."""
    import orthofit

    names = [f"walk_{kind}", f"walk_{kind}_2", f"walk_{kind}_3"]
    return orthofit.analyze_trials([orthofit.load(SAMPLES / f"{n}.ofs") for n in names],
                                   labels=[f"{n}.ofs" for n in names])


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is not beside the repository ({SHARED}): no vendor samples")
    return SHARED
