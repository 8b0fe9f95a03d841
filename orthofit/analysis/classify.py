"""Classification of a foot from its indices, with cut-offs from a threshold profile.

The cut-offs are data (``profiles/thresholds/*.toml``); this module only applies them. A value
within the profile's borderline margin of a cut-off is flagged ``borderline``.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Mapping, Sequence
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


#: Fewest complete steps of a foot from which a class is stated (plate protocols record 3-5).
MIN_STEPS = 3
#: Coverage the interval around a median aims for (reached from 5 steps on).
INTERVAL_COVERAGE = 0.90
#: How the uncertainty of a foot's median is measured, as reports say it.
INTERVAL_METHOD = ("distribution-free interval of the median from order statistics (>= 90 % "
                   "coverage from 5 steps, the full range of 3-4 steps); standing trials: "
                   "the range of the trials widened by the profile's borderline margin")


def median_interval(values: Sequence[float],
                    coverage: float = INTERVAL_COVERAGE) -> tuple[float, float, float]:
    """Distribution-free interval of the median: ``(low, high, coverage)``.

    The interval between the k-th smallest and the k-th largest of n values contains the
    median of the distribution they come from with probability 1 - 2 P(B <= k - 1),
    B ~ Binomial(n, 1/2), whatever that distribution is. The narrowest such interval whose
    coverage reaches ``coverage`` is returned; with fewer values (3 or 4: at most 75 % and
    87.5 %) the full range is.

    Examples
    --------
    >>> median_interval([3.0, 1.0, 2.0])
    (1.0, 3.0, 0.75)
    >>> lo, hi, cov = median_interval(list(range(20)))
    >>> lo, hi, round(cov, 3)
    (5, 14, 0.959)
    """
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        raise ValueError("no values")
    best = 1
    for k in range(1, n // 2 + 1):
        tail = sum(math.comb(n, i) for i in range(k)) / 2.0 ** n
        if 1.0 - 2.0 * tail >= coverage:
            best = k
        else:
            break
    tail = sum(math.comb(n, i) for i in range(best)) / 2.0 ** n
    return xs[best - 1], xs[n - best], 1.0 - 2.0 * tail


#: What each classified measure is called, its unit and digits in a reason.
_MEASURES = {"arch_index": ("arch index", "", 3), "cpei": ("CPEI", " %", 1),
             "medial_pct": ("medial share of the load", " %", 0)}


def _class_of(kind: str, value: float, th: Thresholds) -> tuple[str | None, bool]:
    if kind == "arch_index":
        return classify_arch(value, th)
    if kind == "cpei":
        return classify_pronation(value, None, th)[:2]
    return classify_pronation(None, value, th)[:2]


def _margin(kind: str, th: Thresholds) -> float:
    return {"arch_index": th.ai_borderline, "cpei": th.cpei_borderline,
            "medial_pct": th.medial_borderline}[kind]


def classify_values(kind: str, values: Sequence[float], th: Thresholds, *,
                    standing: bool = False) -> dict[str, Any]:
    """A class for a foot from all its steps (or standing trials), or "uncertain" and why.

    Walking: the class is stated when at least :data:`MIN_STEPS` complete steps put the whole
    interval of their median (:func:`median_interval`) on one side of every cut-off. Standing:
    one print averages seconds of stance, so its uncertainty is the profile's borderline margin
    around it (around the range of the trials, if several); the class is stated when that
    margin holds no cut-off.

    Parameters
    ----------
    kind : str
        ``"arch_index"``, ``"cpei"`` or ``"medial_pct"``.
    values : sequence of float
        One per step (walk) or per standing trial.
    th : Thresholds
    standing : bool

    Returns
    -------
    dict
        ``class`` (a class, ``"uncertain"`` or None without values), ``borderline``,
        ``reason`` (why uncertain, with what to do), ``interval`` ([low, high] or None),
        ``n``.

    Examples
    --------
    >>> classify_values("cpei", [12.0, 31.0, 20.0], Thresholds())["reason"]
    '3 steps, CPEI 12.0-31.0 %: record more steps'
    >>> classify_values("arch_index", [0.30, 0.31, 0.29], Thresholds())["class"]
    'low'
    """
    vals = [float(v) for v in values if v is not None and math.isfinite(v)]
    n = len(vals)
    name, unit, digits = _MEASURES[kind]
    out: dict[str, Any] = {"class": None, "borderline": False, "reason": None,
                           "interval": None, "n": n}
    if n == 0:
        return out
    if standing:
        centre = sum(vals) / n
        margin = _margin(kind, th)
        lo, hi = min(vals) - margin, max(vals) + margin
    else:
        centre = float(statistics.median(vals))
        if n < MIN_STEPS:
            out.update({"class": "uncertain", "reason": (
                f"{n} step{'s' if n != 1 else ''}: at least {MIN_STEPS} are needed; "
                "record more steps")})
            return out
        lo, hi = median_interval(vals)[:2]
    out["interval"] = [lo, hi]
    kind_lo, kind_hi = _class_of(kind, lo, th)[0], _class_of(kind, hi, th)[0]
    if kind_lo == kind_hi:
        out["class"] = kind_lo
        out["borderline"] = _class_of(kind, centre, th)[1]
        return out
    out["class"] = "uncertain"
    if standing and n == 1:
        out["reason"] = (f"standing print, {name} {centre:.{digits}f}{unit} is within "
                         f"{margin:g}{unit} of a cut-off: record a walk or another standing trial")
    elif standing:
        out["reason"] = (f"{n} standing trials, {name} {min(vals):.{digits}f}-"
                         f"{max(vals):.{digits}f}{unit}: record a walk or more trials")
    else:
        out["reason"] = (f"{n} steps, {name} {min(vals):.{digits}f}-{max(vals):.{digits}f}"
                         f"{unit}: record more steps")
    return out
