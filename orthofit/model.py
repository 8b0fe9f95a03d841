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
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from orthofit.errors import OrthofitError

#: Capture modes a recording can have; "unknown" for plain arrays and vendor files that do not say.
CAPTURE_MODES = ("static", "walk", "balance", "unknown")

# Plausible values, checked wherever a recording comes in (files, plain arrays, constructors),
# so a corrupt or crafted file is refused with a message before anything is allocated for it,
# not deep in the analysis (a pitch of 1e6 mm made the footprint grids tens of GB).
#: Sensel pitch (mm): the finest sensors have about 1 mm (Tekscan iScan 1.27 mm, pedar's
#: stand-in 1 mm), coarse home-made mats 50 mm.
PITCH_MM_RANGE = (0.5, 50.0)
#: Longest over shortest side of a sensel: real sensels are square or up to about 2:1
#: (pliance 10.3 x 5.3 mm); the footprint's sampling grids grow with this ratio (100:1 took
#: 5 GB on one foot).
MAX_PITCH_RATIO = 4.0
#: Frame rates a pressure mat can have (Hz); the median frame interval must lie within
#: their inverses (0.5 ms to 1 s).
RATE_HZ_RANGE = (1.0, 2000.0)
FRAME_INTERVAL_S_RANGE = (1.0 / RATE_HZ_RANGE[1], 1.0 / RATE_HZ_RANGE[0])
#: Sensels along a side: large plates have a few hundred, 4096 leaves room for any.
MAX_SENSELS = 4096
#: Values in a recording's frames (T x R x C), whatever memory the computer has.
MAX_VALUES = 2**31
#: Share of the available memory the arrays of one file may take when it is read: analysis
#: needs several times the frames' size on top.
MEMORY_SHARE = 4


class RecordingError(OrthofitError, ValueError):
    """A recording's arrays or fields are inconsistent (shape, time base, pitch)."""


def _is_number(value: object) -> bool:
    """Whether ``value`` is a real number (not a bool, not a string)."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_)


def _as_pitch(
    pitch_mm: float | tuple[float, float] | list[float] | np.ndarray,
) -> tuple[float, float]:
    """Return ``(row_pitch_mm, col_pitch_mm)`` from a scalar or a pair, checked for range."""
    lo, hi = PITCH_MM_RANGE
    expected = (f"pitch_mm must be one number or a (row, column) pair of mm from {lo:g} to "
                f"{hi:g}, got {_short(pitch_mm)}")
    if isinstance(pitch_mm, np.ndarray):
        values = pitch_mm.reshape(-1).tolist() if pitch_mm.size <= 2 else []
    else:
        values = list(pitch_mm) if isinstance(pitch_mm, list | tuple) else [pitch_mm]
    if not 1 <= len(values) <= 2 or not all(_is_number(v) for v in values):
        raise RecordingError(expected)
    arr = np.asarray(values, dtype=float)
    if arr.size == 1:
        arr = np.repeat(arr, 2)
    if not np.all(np.isfinite(arr)) or np.any(arr < lo) or np.any(arr > hi):
        raise RecordingError(expected)
    if arr.max() > MAX_PITCH_RATIO * arr.min():
        raise RecordingError(f"pitch_mm {arr[0]:g} x {arr[1]:g} mm makes sensels more than "
                             f"{MAX_PITCH_RATIO:g} times longer than wide, which no mat has")
    return float(arr[0]), float(arr[1])


def _short(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (a corrupt field can be megabytes)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_pitch(pitch_mm: object) -> tuple[float, float]:
    """Return a sensel pitch as ``(row_mm, col_mm)``, refusing one outside PITCH_MM_RANGE.

    Raises
    ------
    RecordingError
        Not one or two numbers, outside 0.5 to 50 mm, or sides more than MAX_PITCH_RATIO apart.

    Examples
    --------
    >>> check_pitch(5.08)
    (5.08, 5.08)
    """
    return _as_pitch(pitch_mm)  # type: ignore[arg-type]


def check_rate(rate_hz: object) -> float:
    """Return a frame rate in Hz, refusing one outside RATE_HZ_RANGE.

    Examples
    --------
    >>> check_rate(100)
    100.0
    """
    lo, hi = RATE_HZ_RANGE
    if not _is_number(rate_hz) or not lo <= float(rate_hz) <= hi:  # type: ignore[arg-type]
        raise RecordingError(
            f"the frame rate must be a number of Hz from {lo:g} to {hi:g}, got {_short(rate_hz)}")
    return float(rate_hz)  # type: ignore[arg-type]


def check_shape(n_frames: object, rows: object, cols: object) -> tuple[int, int, int]:
    """Check the size of a recording (T frames of R x C) before its arrays are allocated.

    Raises
    ------
    RecordingError
        A count that is not a positive integer, more than MAX_SENSELS rows or columns, or more
        than MAX_VALUES values in all.

    Examples
    --------
    >>> check_shape(191, 394, 110)
    (191, 394, 110)
    """
    for what, value in (("frames", n_frames), ("rows", rows), ("columns", cols)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool | np.bool_):
            raise RecordingError(f"the number of {what} must be an integer, got {_short(value)}")
        if value < 1:
            raise RecordingError(f"the recording is empty (the number of {what} is {value})")
    if rows > MAX_SENSELS or cols > MAX_SENSELS:  # type: ignore[operator]
        raise RecordingError(f"a frame of {rows} x {cols} sensels is larger than any mat "
                             f"(at most {MAX_SENSELS} rows and columns)")
    t, r, c = int(n_frames), int(rows), int(cols)  # type: ignore[call-overload]
    if t * r * c > MAX_VALUES:
        raise RecordingError(f"{t} frames of {r} x {c} sensels are {t * r * c:,} values, more "
                             f"than orthofit handles in one recording ({MAX_VALUES:,}); split "
                             f"the recording")
    return t, r, c


def available_memory_bytes() -> int:
    """Memory the system can give without swapping, in bytes (an estimate where unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:  # Linux: what can really be had
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if os.name == "nt":
        import ctypes

        class _Status(ctypes.Structure):
            _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong),
                        ("total_phys", ctypes.c_ulonglong), ("avail_phys", ctypes.c_ulonglong),
                        ("total_page", ctypes.c_ulonglong), ("avail_page", ctypes.c_ulonglong),
                        ("total_virtual", ctypes.c_ulonglong),
                        ("avail_virtual", ctypes.c_ulonglong),
                        ("avail_extended", ctypes.c_ulonglong)]

        status = _Status()
        status.length = ctypes.sizeof(_Status)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore
            return int(status.avail_phys)
    try:  # other systems: half the physical memory is a fair guess of what is free
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")) // 2
    except (AttributeError, OSError, ValueError):
        return 8 << 30


def check_memory(nbytes: int, what: str) -> None:
    """Refuse to allocate ``nbytes`` for ``what`` when they exceed the reading budget.

    The budget is a quarter of the available memory (MEMORY_SHARE): the analysis needs several
    times the frames' size besides them.

    Raises
    ------
    RecordingError
        ``nbytes`` is over the budget; the message says how much memory it needs.
    """
    budget = available_memory_bytes() // MEMORY_SHARE
    if nbytes > budget:
        raise RecordingError(
            f"{what} need {nbytes / 2**30:.1f} GiB of memory, more than orthofit will take for "
            f"one file on this computer now ({budget / 2**30:.1f} GiB, a quarter of the "
            f"{MEMORY_SHARE * budget / 2**30:.1f} GiB available); close other programs or split "
            f"the recording")


def check_times(times_s: object, n_frames: int | None = None) -> np.ndarray:
    """Return frame times in s as float64, checked: finite, strictly increasing, plausible rate.

    The median interval must lie in FRAME_INTERVAL_S_RANGE (0.5 ms to 1 s): times in the
    wrong unit (ns or ms read as s) are refused here instead of failing in the analysis.

    Examples
    --------
    >>> check_times([0.0, 0.01, 0.02]).tolist()
    [0.0, 0.01, 0.02]
    """
    try:
        times = np.asarray(times_s, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise RecordingError(f"timestamps must be numbers of seconds ({exc})") from exc
    if n_frames is not None and times.shape[0] != n_frames:
        raise RecordingError(f"{n_frames} frames but {times.shape[0]} timestamps: they must match")
    if not np.isfinite(times).all():
        raise RecordingError("timestamps hold values that are not finite numbers")
    if times.size > 1:
        steps = np.diff(times)
        if np.any(steps <= 0):
            first = int(np.flatnonzero(steps <= 0)[0])
            raise RecordingError(
                f"timestamps must be strictly increasing; frame {first + 1} "
                f"({times[first + 1]:.6f} s) does not come after frame {first} "
                f"({times[first]:.6f} s)"
            )
        median = float(np.median(steps))
        lo, hi = FRAME_INTERVAL_S_RANGE
        if not lo * (1 - 1e-9) <= median <= hi * (1 + 1e-9):
            raise RecordingError(
                f"the frames are {median:.3g} s apart (median), which no mat does: timestamps "
                f"must be seconds {lo * 1000:g} ms to {hi:g} s apart ({RATE_HZ_RANGE[0]:g} to "
                f"{RATE_HZ_RANGE[1]:g} Hz); are they in another unit?")
    return times


def _check_identifier(what: str, value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise RecordingError(f"{what} must be text or absent, got {_short(value)}")


def _check_profile(profile: Mapping[str, Any]) -> None:
    """Check the profile keys orthofit reads (absent or None is always accepted)."""
    name = profile.get("name")
    if not isinstance(name, str):
        raise RecordingError(f"the profile's 'name' must be text, got {_short(name)}")

    def bad(key: str, expected: str) -> RecordingError:
        return RecordingError(
            f"the profile's '{key}' must be {expected}, got {_short(profile[key])}")

    for key in ("layout", "description"):
        if profile.get(key) is not None and not isinstance(profile[key], str):
            raise bad(key, "text")
    if profile.get("in_shoe") is not None and not isinstance(profile["in_shoe"], bool):
        raise bad("in_shoe", "true or false")
    sides = profile.get("rows_are")
    if sides is not None and (not isinstance(sides, list | tuple)
                              or not all(isinstance(s, str) for s in sides)):
        raise bad("rows_are", "a list of side names")
    noise = profile.get("noise_kpa")
    if noise is not None and (not _is_number(noise) or not 0 <= noise <= 100):
        raise bad("noise_kpa", "a number of kPa from 0 to 100")
    for key in ("rows", "cols"):
        value = profile.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not 0 <= value <= MAX_SENSELS):
            raise bad(key, f"an integer from 0 to {MAX_SENSELS}")
    if profile.get("pitch_mm") is not None:
        try:
            _as_pitch(profile["pitch_mm"])
        except RecordingError:
            raise bad("pitch_mm", f"one or two numbers of mm from {PITCH_MM_RANGE[0]:g} to "
                      f"{PITCH_MM_RANGE[1]:g}") from None
    rate = profile.get("rate_hz")
    if rate is not None and (not _is_number(rate)
                             or not RATE_HZ_RANGE[0] <= rate <= RATE_HZ_RANGE[1]):
        raise bad("rate_hz", f"a number of Hz from {RATE_HZ_RANGE[0]:g} to {RATE_HZ_RANGE[1]:g}")


#: Metadata keys other parts of orthofit read, and the type each must have when present.
_METADATA_TYPES: dict[str, tuple[type, str]] = {
    "warning": (str, "text"), "source": (dict, "a mapping"), "capture": (dict, "a mapping"),
}


def _check_metadata(metadata: Mapping[str, Any]) -> None:
    for key, (kind, expected) in _METADATA_TYPES.items():
        value = metadata.get(key)
        if value is not None and not isinstance(value, kind):
            raise RecordingError(f"the metadata's '{key}' must be {expected}, got {_short(value)}")


def check_fields(*, pitch_mm: object = 5.0, mode: object = "unknown", patient_id: object = None,
                 device_id: object = None, profile: object = None,
                 metadata: object = None) -> None:
    """Check a recording's fields other than its arrays (as readers find them in files).

    Raises
    ------
    RecordingError
        The first field that has the wrong type or an implausible value, named.
    """
    _as_pitch(pitch_mm)  # type: ignore[arg-type]
    if not isinstance(mode, str) or mode not in CAPTURE_MODES:
        raise RecordingError(f"mode must be one of {', '.join(CAPTURE_MODES)}, got {_short(mode)}")
    _check_identifier("patient_id", patient_id)
    _check_identifier("device_id", device_id)
    if profile is not None:
        if not isinstance(profile, Mapping):
            raise RecordingError(f"the profile must be a mapping, got {_short(profile)}")
        _check_profile({"name": "unknown", **profile})
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise RecordingError(f"the metadata must be a mapping, got {_short(metadata)}")
        _check_metadata(metadata)


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
        # The fields first (cheap), then the size before any conversion allocates memory.
        for what, value in (("profile", self.profile), ("metadata", self.metadata)):
            if value is not None and not isinstance(value, Mapping):
                raise RecordingError(f"the {what} must be a mapping, got {_short(value)}")
        profile = dict(self.profile) if self.profile else {"name": "unknown"}
        profile.setdefault("name", "unknown")
        metadata = self.metadata if self.metadata is not None else {}
        check_fields(pitch_mm=self.pitch_mm, mode=self.mode, patient_id=self.patient_id,
                     device_id=self.device_id, profile=profile, metadata=metadata)
        frames = np.asarray(self.frames)
        if frames.ndim == 2:
            frames = frames[np.newaxis]
        if frames.ndim != 3:
            raise RecordingError(f"frames must be T x R x C, got an array of shape {frames.shape}")
        if frames.dtype.kind not in "biuf":
            raise RecordingError(f"frames must be numbers of kPa, got {frames.dtype} values")
        check_shape(*frames.shape)
        if frames.dtype != np.float32:
            frames = frames.astype(np.float32)
        if not np.isfinite(frames).all():
            raise RecordingError("frames hold values that are not finite numbers (NaN or inf)")
        times = check_times(self.times_s, frames.shape[0])
        raw = self.raw_counts
        if raw is not None:
            raw = np.asarray(raw)
            if raw.ndim == 2:
                raw = raw[np.newaxis]
            if raw.dtype.kind not in "biuf":
                raise RecordingError(f"raw_counts must be numbers, got {raw.dtype} values")
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
        object.__setattr__(self, "frames", frames)
        object.__setattr__(self, "times_s", times)
        object.__setattr__(self, "pitch_mm", _as_pitch(self.pitch_mm))
        object.__setattr__(self, "raw_counts", raw)
        object.__setattr__(self, "valid", valid)
        object.__setattr__(self, "profile", profile)
        object.__setattr__(self, "metadata", copy.deepcopy(dict(metadata)))

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
