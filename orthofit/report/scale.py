"""The pressure colour scale shared by the desktop and both reports (pure numpy, no Qt).

A clinic compares feet across patients and visits, so by default every map is drawn on one
fixed clinic scale (0 to ``max_kpa``, chosen in the settings); "per trial" scales each trial
to its own peak instead. The clinician's colours run blue - green - yellow - red (CET-R2,
the plate-system convention, perceptually ordered), so a low-pressure midfoot stays visible
against the white page; the patient's run light to dark (CET-L18 without its white end),
labelled "less" to "more" pressure rather than in kPa.
"""

from __future__ import annotations

import dataclasses

import colorcet
import numpy as np

#: Settings value meaning "scale each trial to its own peak".
PER_TRIAL = "per trial"
#: The clinic scale a new store starts with (kPa): above the peaks of most walks.
DEFAULT_MAX_KPA = 800.0
#: What the settings accept for a fixed scale (kPa).
MAX_KPA_RANGE = (50.0, 3000.0)


def _lut(hexes: list[str]) -> np.ndarray:
    return np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in hexes], dtype=np.uint8)


#: Clinician colours (blue - green - yellow - red), 256 x RGB.
CLINICIAN_LUT = _lut(colorcet.CET_R2)
#: Patient colours (light - dark): CET-L18 from a visible pale yellow, 200 x RGB.
PATIENT_LUT = _lut(colorcet.CET_L18)[56:]


@dataclasses.dataclass(frozen=True)
class PressureScale:
    """Where the top colour of a pressure map lies.

    ``max_kpa`` is the fixed clinic maximum (kPa), or None for "per trial".
    """

    max_kpa: float | None = DEFAULT_MAX_KPA

    def vmax(self, data_max_kpa: float) -> float:
        """The pressure (kPa) drawn in the top colour for data peaking at ``data_max_kpa``."""
        if self.max_kpa is not None:
            return float(self.max_kpa)
        return max(float(data_max_kpa), 1.0)

    @property
    def setting(self) -> str:
        """How the scale is written in the clinic settings."""
        return PER_TRIAL if self.max_kpa is None else f"{self.max_kpa:g}"

    def describe(self) -> str:
        """Words for a caption: "clinic scale 0-800 kPa" or "scaled to this trial's peak"."""
        if self.max_kpa is None:
            return "scaled to this trial's peak"
        return f"clinic scale 0-{self.max_kpa:g} kPa"


def parse_scale(text: str | None) -> PressureScale:
    """Read a settings value: "per trial" or a maximum in kPa (50-3000).

    Raises ValueError with what was expected.

    Examples
    --------
    >>> parse_scale("600").max_kpa
    600.0
    >>> parse_scale("per trial").max_kpa is None
    True
    """
    if text is None or not str(text).strip():
        return PressureScale()
    text = str(text).strip().lower().removesuffix("kpa").strip()
    if text == PER_TRIAL:
        return PressureScale(None)
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"pressure scale {text!r}: expected 'per trial' or a maximum in kPa "
                         f"({MAX_KPA_RANGE[0]:g}-{MAX_KPA_RANGE[1]:g})") from None
    if not MAX_KPA_RANGE[0] <= value <= MAX_KPA_RANGE[1]:
        raise ValueError(f"pressure scale {value:g} kPa is not between {MAX_KPA_RANGE[0]:g} and "
                         f"{MAX_KPA_RANGE[1]:g} kPa")
    return PressureScale(value)


def colourise(kpa: np.ndarray, vmax: float, *, patient: bool = False) -> np.ndarray:
    """RGB image (uint8, shape + (3,)) of pressures (kPa) on the scale; unloaded stays white.

    Pressures above ``vmax`` take the top colour.

    Examples
    --------
    >>> colourise(np.array([[0.0, 100.0]]), 100.0)[0, 0].tolist()
    [255, 255, 255]
    """
    lut = PATIENT_LUT if patient else CLINICIAN_LUT
    idx = np.clip(np.round(np.nan_to_num(kpa) / max(vmax, 1e-9) * (len(lut) - 1)),
                  0, len(lut) - 1)
    rgb = lut[idx.astype(int)]
    rgb[~(np.nan_to_num(kpa) > 0)] = 255
    return rgb


def nice_ticks(vmax: float) -> list[float]:
    """Round tick values from 0 to ``vmax`` (at most 6).

    Examples
    --------
    >>> nice_ticks(800)
    [0.0, 200.0, 400.0, 600.0, 800.0]
    """
    step = 10 ** np.floor(np.log10(max(vmax, 1e-9) / 4))
    for m in (1, 2, 2.5, 5, 10):
        if vmax / (m * step) <= 5:
            step *= m
            break
    return [float(v) for v in np.arange(0, vmax + 1e-9, step)]
