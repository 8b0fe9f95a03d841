"""The data model every other part of orthofit depends on.

A :class:`Recording` is what a pressure mat produced: ``T`` frames of ``R x C`` pressures in
kPa, a timestamp per frame and the sensel pitch. The image convention follows DOMAIN.md: the
image is seen from above, the patient faces row 0 and columns grow toward the patient's right.

This module imports nothing from the rest of orthofit but its error classes (everything else
imports it).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from orthofit.errors import OrthofitError

#: Capture modes a recording can have; "unknown" for plain arrays and vendor files that do not say.
CAPTURE_MODES = ("static", "walk", "balance", "unknown")


class RecordingError(OrthofitError, ValueError):
    """A recording's arrays or fields are inconsistent (shape, time base, pitch)."""


def _as_pitch(
    pitch_mm: float | tuple[float, float] | list[float] | np.ndarray,
) -> tuple[float, float]:
    """Return ``(row_pitch_mm, col_pitch_mm)`` from a scalar or a pair."""
    arr = np.atleast_1d(np.asarray(pitch_mm, dtype=float))
    if arr.size == 1:
        arr = np.repeat(arr, 2)
    if arr.shape != (2,) or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise RecordingError(
            f"pitch_mm must be one positive number or a (row, column) pair in mm, got {pitch_mm!r}"
        )
    return float(arr[0]), float(arr[1])


@dataclasses.dataclass(frozen=True, eq=False)
class Recording:
    """Frames from a pressure mat with their time base and geometry.

    Parameters
    ----------
    frames : ndarray, shape (T, R, C)
        Pressure in kPa, float32. Row 0 is the edge the patient faces.
    times_s : ndarray, shape (T,)
        Time of each frame in seconds, strictly increasing.
    pitch_mm : (float, float)
        Sensel pitch along rows and along columns in mm (sensels need not be square).
    profile : dict
        The mat profile the frames came from (at least ``name``; geometry and calibration
        when known), as plain JSON-serialisable data.
    mode : str
        Capture mode: ``"static"``, ``"walk"``, ``"balance"`` or ``"unknown"``.
    patient_id, device_id : str or None
        Identifiers; never names (those live in the clinic store).
    raw_counts : ndarray, shape (T, R, C), optional
        The mat's raw ADC counts before calibration, when the mat provided them.
    valid : ndarray of bool, shape (R, C), optional
        Sensels that exist on the sensor (vendor files mark trimmed sensels outside the sensor).
        ``None`` means every sensel is valid.
    metadata : dict
        Anything else worth keeping (source file, its checksum, vendor header fields), as plain
        JSON-serialisable data.

    Examples
    --------
    >>> import numpy as np
    >>> rec = Recording(np.zeros((2, 3, 4), np.float32), np.array([0.0, 0.01]), (5.08, 5.08))
    >>> rec.rate_hz
    100.0
    """

    frames: np.ndarray
    times_s: np.ndarray
    pitch_mm: tuple[float, float]
    profile: Mapping[str, Any] = dataclasses.field(default_factory=lambda: {"name": "unknown"})
    mode: str = "unknown"
    patient_id: str | None = None
    device_id: str | None = None
    raw_counts: np.ndarray | None = None
    valid: np.ndarray | None = None
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        frames = np.asarray(self.frames)
        if frames.ndim == 2:
            frames = frames[np.newaxis]
        if frames.ndim != 3:
            raise RecordingError(f"frames must be T x R x C, got an array of shape {frames.shape}")
        if frames.shape[0] == 0 or frames.shape[1] == 0 or frames.shape[2] == 0:
            raise RecordingError(f"the recording is empty (frames of shape {frames.shape})")
        if frames.dtype != np.float32:
            frames = frames.astype(np.float32)
        if not np.isfinite(frames).all():
            raise RecordingError("frames hold values that are not finite numbers (NaN or inf)")
        times = np.asarray(self.times_s, dtype=np.float64).reshape(-1)
        if times.shape[0] != frames.shape[0]:
            raise RecordingError(
                f"{frames.shape[0]} frames but {times.shape[0]} timestamps: they must match"
            )
        if not np.isfinite(times).all():
            raise RecordingError("timestamps hold values that are not finite numbers")
        if times.size > 1 and np.any(np.diff(times) <= 0):
            first = int(np.flatnonzero(np.diff(times) <= 0)[0])
            raise RecordingError(
                f"timestamps must be strictly increasing; frame {first + 1} "
                f"({times[first + 1]:.6f} s) does not come after frame {first} "
                f"({times[first]:.6f} s)"
            )
        if self.mode not in CAPTURE_MODES:
            raise RecordingError(
                f"mode must be one of {', '.join(CAPTURE_MODES)}, got {self.mode!r}"
            )
        raw = self.raw_counts
        if raw is not None:
            raw = np.asarray(raw)
            if raw.ndim == 2:
                raw = raw[np.newaxis]
            if raw.shape != frames.shape:
                raise RecordingError(
                    f"raw_counts has shape {raw.shape} but frames have {frames.shape}"
                )
        valid = self.valid
        if valid is not None:
            valid = np.asarray(valid, dtype=bool)
            if valid.shape != frames.shape[1:]:
                raise RecordingError(
                    f"valid mask has shape {valid.shape} but a frame is {frames.shape[1:]}"
                )
        profile = dict(self.profile) if self.profile else {"name": "unknown"}
        profile.setdefault("name", "unknown")
        object.__setattr__(self, "frames", frames)
        object.__setattr__(self, "times_s", times)
        object.__setattr__(self, "pitch_mm", _as_pitch(self.pitch_mm))
        object.__setattr__(self, "raw_counts", raw)
        object.__setattr__(self, "valid", valid)
        object.__setattr__(self, "profile", profile)
        object.__setattr__(self, "metadata", copy.deepcopy(dict(self.metadata)))

    @property
    def n_frames(self) -> int:
        """Number of frames ``T``."""
        return int(self.frames.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns of one frame."""
        return int(self.frames.shape[1]), int(self.frames.shape[2])

    @property
    def rate_hz(self) -> float | None:
        """Frame rate in Hz from the median frame interval (``None`` for a single frame)."""
        if self.times_s.size < 2:
            return None
        return float(round(1.0 / float(np.median(np.diff(self.times_s))), 6))

    @property
    def duration_s(self) -> float:
        """Time from the first to the last frame plus one frame interval, in s."""
        if self.times_s.size < 2:
            return 0.0
        return float(self.times_s[-1] - self.times_s[0] + np.median(np.diff(self.times_s)))

    @property
    def sensel_area_mm2(self) -> float:
        """Area of one sensel in mm^2 (row pitch x column pitch)."""
        return self.pitch_mm[0] * self.pitch_mm[1]

    @property
    def nbytes(self) -> int:
        """Size of the pressure frames in bytes."""
        return int(self.frames.nbytes)

    def replace(self, **changes: Any) -> Recording:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        t, r, c = self.frames.shape
        rate = f"{self.rate_hz:g} Hz" if self.rate_hz else "single frame"
        return (
            f"Recording({t} x {r} x {c} frames, {rate}, pitch {self.pitch_mm[0]:g} x "
            f"{self.pitch_mm[1]:g} mm, mode={self.mode}, profile={self.profile.get('name')!r})"
        )


def single_frame_times(n_frames: int, rate_hz: float | None) -> np.ndarray:
    """Timestamps in s for ``n_frames`` frames at ``rate_hz`` (1 Hz stand-in when unknown)."""
    step = 1.0 / rate_hz if rate_hz else 1.0
    return np.arange(n_frames, dtype=np.float64) * step
