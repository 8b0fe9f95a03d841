"""A clinic's own calibration of its mats, kept in the user's configuration folder.

One file per mat profile (``<profile>.npz``): the tare map (per-sensel zero counts), the noise
of the empty mat (kPa, measured with the tare) and the scale factor from a body-weight check,
with the date of each. Owner-readable only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from orthofit.io.ofs import write_atomic


def calibration_folder() -> Path:
    """``$ORTHOFIT_CONFIG/calibration`` or ``$XDG_CONFIG_HOME/orthofit/calibration``."""
    base = os.environ.get("ORTHOFIT_CONFIG")
    if base:
        return Path(base) / "calibration"
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(xdg) / "orthofit" / "calibration"


def _path(profile_name: str, folder: Path | None) -> Path:
    return (folder or calibration_folder()) / f"{profile_name}.npz"


def load_mat_calibration(profile_name: str, folder: Path | None = None) -> dict[str, Any]:
    """The stored calibration of a mat: ``zero_map`` (or None), ``scale`` (1.0 if none)."""
    path = _path(profile_name, folder)
    if not path.exists():
        return {"zero_map": None, "scale": 1.0, "info": {}}
    with np.load(path, allow_pickle=False) as z:
        info = json.loads(z["info"].tobytes())
        zero = z["zero_map"] if "zero_map" in z.files else None
    return {"zero_map": zero, "scale": float(info.get("scale", 1.0)), "info": info}


def save_mat_calibration(profile_name: str, *, zero_map: np.ndarray | None = None,
                         scale: float | None = None, noise_kpa: float | None = None,
                         folder: Path | None = None) -> Path:
    """Store a tare map, a scale factor and/or the empty mat's noise (kPa) for a mat.

    What is not given is kept as it was.
    """
    current = load_mat_calibration(profile_name, folder)
    info = dict(current["info"])
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if zero_map is not None:
        current["zero_map"] = np.asarray(zero_map, dtype=np.float32)
        info["zeroed"] = now
    if scale is not None:
        info["scale"] = float(scale)
        info["scaled"] = now
    if noise_kpa is not None:
        info["noise_kpa"] = float(noise_kpa)
    path = _path(profile_name, folder)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    members = {"info": np.frombuffer(json.dumps(info).encode("utf-8"), np.uint8)}
    if current["zero_map"] is not None:
        members["zero_map"] = current["zero_map"]
    return write_atomic(path, lambda fh: np.savez(fh, **members))
