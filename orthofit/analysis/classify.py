"""Classification of a foot from its indices, with cut-offs from a threshold profile.

The cut-offs are data (``profiles/thresholds/*.toml``); this module only applies them. A value
within the profile's borderline margin of a cut-off is flagged ``borderline``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from orthofit.errors import ProfileError


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """A set of segmentation parameters and classification cut-offs (see the TOML profiles)."""

    name: str = "default"
    noise_floor_kpa: float = 5.0
    force_floor_kpa: float = 2.0
    min_foot_area_cm2: float = 6.0
    join_distance_mm: float = 45.0
    ai_high: float = 0.21
    ai_low: float = 0.26
    ai_borderline: float = 0.01
    ai_source: str = "Cavanagh & Rodgers 1987, J Biomech 20:547"
    cpei_pronated_below: float = 14.0
    cpei_supinated_above: float = 28.0
    cpei_borderline: float = 2.0
    cpei_source: str = "Song et al. 1996, JAPMA 86:16 (cut-offs provisional)"
    cpei_provisional: bool = True
    medial_pronated_above: float = 55.0
    medial_supinated_below: float = 40.0
    medial_borderline: float = 3.0
    balance_source: str = "footscan foot balance (practice convention; cut-offs provisional)"
    sway_lowpass_hz: float = 6.0
    asym_load_share_pct: float = 10.0
    asym_arch_index: float = 0.04
    asym_cpei_pct: float = 6.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Thresholds:
        """Build from the parsed TOML of a threshold profile (missing keys keep defaults)."""
        table = {
            ("segmentation", "noise_floor_kpa"): "noise_floor_kpa",
            ("segmentation", "force_floor_kpa"): "force_floor_kpa",
            ("segmentation", "min_foot_area_cm2"): "min_foot_area_cm2",
            ("segmentation", "join_distance_mm"): "join_distance_mm",
            ("arch_index", "high"): "ai_high",
            ("arch_index", "low"): "ai_low",
            ("arch_index", "borderline"): "ai_borderline",
            ("arch_index", "source"): "ai_source",
            ("cpei", "pronated_below_pct"): "cpei_pronated_below",
            ("cpei", "supinated_above_pct"): "cpei_supinated_above",
            ("cpei", "borderline_pct"): "cpei_borderline",
            ("cpei", "source"): "cpei_source",
            ("cpei", "provisional"): "cpei_provisional",
            ("balance", "pronated_medial_above_pct"): "medial_pronated_above",
            ("balance", "supinated_medial_below_pct"): "medial_supinated_below",
            ("balance", "borderline_pct"): "medial_borderline",
            ("balance", "source"): "balance_source",
            ("sway", "lowpass_hz"): "sway_lowpass_hz",
            ("asymmetry", "load_share_pct"): "asym_load_share_pct",
            ("asymmetry", "arch_index"): "asym_arch_index",
            ("asymmetry", "cpei_pct"): "asym_cpei_pct",
        }
        kwargs: dict[str, Any] = {"name": str(data.get("name", "custom"))}
        defaults = cls()
        for (section, key), field in table.items():
            value = data.get(section, {}).get(key)
            if value is None:
                continue
            expected = type(getattr(defaults, field))
            if expected is float and isinstance(value, int | float) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected):
                raise ProfileError(
                    f"threshold profile {kwargs['name']!r}: [{section}] {key} must be "
                    f"{expected.__name__}, got {value!r}"
                )
            kwargs[field] = value
        th = cls(**kwargs)
        if not th.ai_high < th.ai_low:
            raise ProfileError(f"threshold profile {th.name!r}: arch_index high must be below low")
        if not th.cpei_pronated_below < th.cpei_supinated_above:
            raise ProfileError(
                f"threshold profile {th.name!r}: cpei pronated_below_pct must be below "
                "supinated_above_pct"
            )
        return th


def _near(value: float, cuts: tuple[float, ...], margin: float) -> bool:
    return any(abs(value - c) < margin for c in cuts)


def classify_arch(arch_index: float | None, th: Thresholds) -> tuple[str | None, bool]:
    """Return the arch type ``"high" | "normal" | "low"`` (or None) and a borderline flag.

    Examples
    --------
    >>> classify_arch(0.30, Thresholds())
    ('low', False)
    >>> classify_arch(0.215, Thresholds())
    ('normal', True)
    """
    if arch_index is None:
        return None, False
    if arch_index <= th.ai_high:
        kind = "high"
    elif arch_index >= th.ai_low:
        kind = "low"
    else:
        kind = "normal"
    return kind, _near(arch_index, (th.ai_high, th.ai_low), th.ai_borderline)


def classify_pronation(
    cpei_pct: float | None, medial_pct: float | None, th: Thresholds
) -> tuple[str | None, bool, str | None]:
    """Return ``"pronated" | "neutral" | "supinated"`` (or None), a borderline flag and the basis.

    The CPEI of a walk decides when there is one (Song 1996: low CPEI = pronated); a static
    trial falls back on the medial share of the load.
    """
    if cpei_pct is not None:
        if cpei_pct < th.cpei_pronated_below:
            kind = "pronated"
        elif cpei_pct > th.cpei_supinated_above:
            kind = "supinated"
        else:
            kind = "neutral"
        near = _near(cpei_pct, (th.cpei_pronated_below, th.cpei_supinated_above),
                     th.cpei_borderline)
        return kind, near, "cpei"
    if medial_pct is not None:
        if medial_pct > th.medial_pronated_above:
            kind = "pronated"
        elif medial_pct < th.medial_supinated_below:
            kind = "supinated"
        else:
            kind = "neutral"
        near = _near(medial_pct, (th.medial_pronated_above, th.medial_supinated_below),
                     th.medial_borderline)
        return kind, near, "medial_lateral_balance"
    return None, False, None
