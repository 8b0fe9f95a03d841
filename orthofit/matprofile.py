"""Mat profiles: what a pressure mat is, how it talks and how its counts become kPa.

A profile is data (``profiles/mats/*.toml``); this module turns the parsed TOML into checked,
immutable objects. It does no I/O (``orthofit.io.profiles`` reads the files) and knows nothing
of ports or threads (``orthofit.drivers`` builds codecs from ``MatProfile.codec``).

Calibration maps raw counts to kPa: ``linear`` (kPa = scale * (counts - zero)), ``polynomial``
(kPa = sum c_i * (counts - zero)^i) or ``lut`` (piecewise linear through measured points).
Readings at or above ``saturation_counts`` are clipped there and can be flagged. A per-sensel
zero map (tare) and a clinic scale factor (body-weight check) adjust a profile for one mat.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from orthofit.errors import ProfileError

CODEC_KINDS = ("ofp1", "ascii_rows", "ascii_index", "poll", "binary", "rle")
CALIBRATION_KINDS = ("linear", "polynomial", "lut")


@dataclasses.dataclass(frozen=True)
class Calibration:
    """Counts-to-kPa conversion of a mat.

    Parameters
    ----------
    kind : str
        ``"linear"``, ``"polynomial"`` or ``"lut"``.
    scale_kpa_per_count : float
        Linear slope (kPa per count).
    coefficients : tuple of float
        Polynomial coefficients c0, c1, ... (kPa) of (counts - zero).
    lut_counts, lut_kpa : tuple of float
        Measured points of a lookup table (counts ascending).
    zero_offset_counts : float
        Counts read with nothing on the mat.
    saturation_counts : float or None
        Highest count the sensor can report; readings there are saturated.
    calibrated : bool
        False when the numbers are nominal (the kPa values are then only relative).
    clinic_scale : float
        Factor from a body-weight check (1 = none).
    """

    kind: str = "linear"
    scale_kpa_per_count: float = 1.0
    coefficients: tuple[float, ...] = ()
    lut_counts: tuple[float, ...] = ()
    lut_kpa: tuple[float, ...] = ()
    zero_offset_counts: float = 0.0
    saturation_counts: float | None = None
    calibrated: bool = False
    clinic_scale: float = 1.0

    def to_kpa(self, counts: np.ndarray, zero_map: np.ndarray | None = None) -> np.ndarray:
        """Convert counts (any shape) to kPa, float32, never negative.

        Examples
        --------
        >>> Calibration(scale_kpa_per_count=0.5, zero_offset_counts=10).to_kpa(np.array([8, 30]))
        array([ 0., 10.], dtype=float32)
        """
        x = np.asarray(counts, dtype=np.float32)
        if self.saturation_counts is not None:
            x = np.minimum(x, self.saturation_counts)
        x = x - (self.zero_offset_counts if zero_map is None else zero_map)
        if self.kind == "linear":
            kpa = x * self.scale_kpa_per_count
        elif self.kind == "polynomial":
            kpa = np.polynomial.polynomial.polyval(x, self.coefficients).astype(np.float32)
            kpa = np.where(x > 0, kpa, 0.0)
        else:
            kpa = np.interp(x, self.lut_counts, self.lut_kpa).astype(np.float32)
        kpa = np.maximum(kpa * self.clinic_scale, 0.0)
        return kpa.astype(np.float32, copy=False)

    def to_counts(self, kpa: np.ndarray, max_count: int) -> np.ndarray:
        """Counts a mat would send for pressures ``kpa`` (the emulator's side), rounded.

        Exact for linear calibrations; polynomial and lookup calibrations are inverted
        numerically over 0..max_count.
        """
        kpa = np.asarray(kpa, dtype=np.float64) / self.clinic_scale
        if self.kind == "linear":
            x = kpa / self.scale_kpa_per_count
        else:
            grid = np.arange(0, max_count + 1, dtype=np.float64)
            table = Calibration(**{**dataclasses.asdict(self), "clinic_scale": 1.0,
                                   "saturation_counts": None}).to_kpa(grid)
            table = np.maximum.accumulate(table.astype(np.float64))
            x = np.interp(kpa, table, grid)
        counts = np.rint(x + self.zero_offset_counts)
        top = max_count if self.saturation_counts is None else min(max_count,
                                                                    self.saturation_counts)
        return np.clip(counts, 0, top)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for TOML/JSON."""
        return {k: (list(v) if isinstance(v, tuple) else v)
                for k, v in dataclasses.asdict(self).items()}


@dataclasses.dataclass(frozen=True)
class MatProfile:
    """Everything orthofit knows about one kind of mat.

    Attributes
    ----------
    name, description : str
    rows, cols : int
        Sensels; 0 when the stream says (OFP1 ``ofp1-generic``).
    pitch_mm : (float, float)
        Row pitch and column pitch in mm.
    codec : dict
        ``kind`` (one of :data:`CODEC_KINDS`) and the codec's parameters.
    link : dict
        ``baud``, ``usb_ids`` (list of ``"VID:PID"`` hex strings), ``start`` / ``stop``
        commands, ``timeout_s`` (silence that counts as a stalled device).
    calibration : Calibration
    max_count : int
        Largest raw value of the protocol (255 for bytes, 65535 for 16-bit samples).
    notes : str
        Where the numbers come from, what is nominal.
    noise_kpa : float or None
        Standard deviation (kPa) of an empty sensel's reading, when known (measured when the
        mat is zeroed). The analysis sets this mat's noise threshold from it, the same for
        every trial; unknown, it is estimated from each recording.
    rate_hz : float or None
        The mat's nominal frame rate (Hz): how often a host polls it, and the rate assumed for
        a capture too short to measure one (a mat without a clock).
    """

    name: str
    description: str
    rows: int
    cols: int
    pitch_mm: tuple[float, float]
    codec: Mapping[str, Any]
    link: Mapping[str, Any]
    calibration: Calibration
    max_count: int = 65535
    notes: str = ""
    noise_kpa: float | None = None
    rate_hz: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MatProfile:
        """Build and check a profile from parsed TOML; errors name the profile and the key."""
        name = str(data.get("name", "unnamed"))

        def bad(msg: str) -> ProfileError:
            return ProfileError(f"mat profile {name!r}: {msg}")

        try:
            rows, cols = int(data.get("rows", 0)), int(data.get("cols", 0))
            pitch = data.get("pitch_mm")
            pitch = (float(pitch), float(pitch)) if isinstance(pitch, int | float) \
                else tuple(float(v) for v in pitch)
        except (TypeError, ValueError, OverflowError) as exc:  # OverflowError: int(inf)
            raise bad(f"rows, cols and pitch_mm must be numbers ({exc})") from exc
        if len(pitch) != 2 or min(pitch) <= 0:
            raise bad("pitch_mm must be one positive number or [row, column] in mm")
        if rows < 0 or cols < 0 or (rows == 0) != (cols == 0):
            raise bad("rows and cols must both be positive, or both 0 (size from the stream)")
        def section(key: str) -> dict[str, Any]:
            value = data.get(key, {})
            if not isinstance(value, Mapping):
                raise bad(f"[{key}] must be a table of settings, got {str(value)[:40]!r}")
            return dict(value)

        codec = section("codec")
        if codec.get("kind") not in CODEC_KINDS:
            raise bad(f"[codec] kind must be one of {', '.join(CODEC_KINDS)}, "
                      f"got {codec.get('kind')!r}")
        if codec["kind"] != "ofp1" and not rows:
            raise bad(f"a {codec['kind']} mat needs rows and cols")
        cal = section("calibration")
        kind = cal.pop("kind", "linear")
        if kind not in CALIBRATION_KINDS:
            raise bad(f"[calibration] kind must be one of {', '.join(CALIBRATION_KINDS)}")
        allowed = {f.name for f in dataclasses.fields(Calibration)}
        unknown = set(cal) - allowed
        if unknown:
            raise bad(f"[calibration] has unknown keys: {', '.join(sorted(unknown))}")
        def number(key: str, value: Any) -> float:
            # A profile also arrives inside a journal or a scan, which may be damaged: every
            # number is checked here, not where it is first used.
            try:
                number = float(value) if isinstance(value, int | float) \
                    and not isinstance(value, bool) else float("nan")
            except OverflowError:  # an integer beyond any float
                number = float("inf")
            if not abs(number) <= 1e12:
                raise bad(f"[calibration] {key} must hold finite numbers, got {str(value)[:40]}")
            return number

        for key in ("coefficients", "lut_counts", "lut_kpa"):
            if key in cal:
                if not isinstance(cal[key], list | tuple):
                    raise bad(f"[calibration] {key} must be a list of numbers, "
                              f"got {cal[key]!r}")
                cal[key] = tuple(number(key, v) for v in cal[key])
        for key in ("scale_kpa_per_count", "zero_offset_counts", "clinic_scale"):
            if key in cal:
                cal[key] = number(key, cal[key])
        if cal.get("saturation_counts") is not None:
            cal["saturation_counts"] = number("saturation_counts", cal["saturation_counts"])
        if "calibrated" in cal and not isinstance(cal["calibrated"], bool):
            raise bad(f"[calibration] calibrated must be true or false, got {cal['calibrated']!r}")
        max_count = data.get("max_count", 65535)
        if isinstance(max_count, bool) or not isinstance(max_count, int) \
                or not 1 <= max_count <= 2**32:
            raise bad(f"max_count must be a whole number from 1 to 2**32, got {max_count!r}")
        calibration = Calibration(kind=kind, **cal)
        if kind == "lut" and (len(calibration.lut_counts) < 2
                              or len(calibration.lut_counts) != len(calibration.lut_kpa)
                              or np.any(np.diff(calibration.lut_counts) <= 0)):
            raise bad("a lookup calibration needs two or more points, counts ascending")
        if kind == "polynomial" and not calibration.coefficients:
            raise bad("a polynomial calibration needs coefficients")
        noise = data.get("noise_kpa")
        if noise is not None and (isinstance(noise, bool) or not isinstance(noise, int | float)
                                  or not 0 <= noise <= 100):
            raise bad(f"noise_kpa must be a number of kPa from 0 to 100, got {noise!r}")
        rate = data.get("rate_hz")
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int | float)
                                 or not 1 <= rate <= 2000):
            raise bad(f"rate_hz must be a number of Hz from 1 to 2000, got {rate!r}")
        return cls(
            name=name, description=str(data.get("description", "")), rows=rows, cols=cols,
            pitch_mm=pitch, codec=codec, link=section("link"),
            calibration=calibration, max_count=max_count,
            notes=str(data.get("notes", "")),
            noise_kpa=None if noise is None else float(noise),
            rate_hz=None if rate is None else float(rate),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data (stored in every recording made with this profile)."""
        return {
            "name": self.name, "description": self.description, "rows": self.rows,
            "cols": self.cols, "pitch_mm": list(self.pitch_mm), "codec": dict(self.codec),
            "link": dict(self.link), "calibration": self.calibration.to_dict(),
            "max_count": self.max_count, "notes": self.notes, "noise_kpa": self.noise_kpa,
            "rate_hz": self.rate_hz,
        }

    def with_noise(self, noise_kpa: float | None) -> MatProfile:
        """The same profile with a measured noise level (kPa) of its empty sensels."""
        return dataclasses.replace(self, noise_kpa=noise_kpa)

    def with_calibration(self, **changes: Any) -> MatProfile:
        """The same profile with calibration fields changed (tare, clinic scale)."""
        return dataclasses.replace(self, calibration=dataclasses.replace(self.calibration,
                                                                         **changes))

    @property
    def usb_ids(self) -> list[tuple[int, int]]:
        """USB (vendor, product) ids that identify this mat, as integers."""
        out = []
        for text in self.link.get("usb_ids", []):
            vid, _, pid = str(text).partition(":")
            out.append((int(vid, 16), int(pid, 16)))
        return out
