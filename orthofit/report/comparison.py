"""Two visits or two trials of one patient, measure by measure and map by map (pure numpy).

A change is judged against the measure's normal range (the ranges of the index table): a
change that brings the value nearer the range is *better*, one that takes it further away is
*worse*; a value that stays inside the range either way, a change smaller than the last digit
shown, a median that stays among the other visit's steps, or a measure without a range, is
*neutral*. A walk and a standing (static or balance) trial load the foot differently, so only
the measures that do not depend on that (the foot's length and width) are compared across the
two kinds; the others are shown but not judged.

The maps of the two trials are brought onto one grid in the foot's own frame, aligned by the
heel and the foot axis (the back of the heel at the bottom, the axis straight up, as seen from
above), so the difference map (after minus before, kPa) compares the same part of the foot even
when the foot stood elsewhere on the mat, at another angle, or on a mat of another pitch.
No Qt and no reportlab here: the desktop and a report draw the same numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol

import colorcet
import numpy as np

from orthofit.report.content import INDEX_ROWS
from orthofit.report.scale import nice_ticks

#: Verdicts of a change.
BETTER, WORSE, NEUTRAL = "better", "worse", "neutral"

#: Difference colours: blue (less pressure after) - white (no change) - red (more), CET-D1.
DIFFERENCE_LUT = np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in colorcet.CET_D1],
                          dtype=np.uint8)

#: Space kept around the prints on the common grid (mm).
GRID_MARGIN_MM = 10.0


@dataclasses.dataclass(frozen=True)
class Measure:
    """A measure compared: its key in ``foot.metrics``, how it is written, its normal range.

    ``normal`` is ``(low, high)`` in the measure's unit, or None when there is no range to
    judge against; ``words`` names it in a sentence; ``across_kinds`` says whether a walk and
    a standing trial can be compared on it.
    """

    key: str
    label: str
    digits: int
    unit: str
    normal: tuple[float, float] | None
    normal_text: str
    words: str
    across_kinds: bool = False
    #: The smallest change judged better or worse (the measure's unit): less is within what
    #: a median of a few steps moves between visits by chance.
    smallest: float = 0.0


#: The compared measures, their names in a sentence and whether walking and standing compare.
#: Length and width are the print's size, the same standing or walking; the rest (shape
#: indices, load shares, pressures, area, times) depend on how the foot is loaded.
_COMPARED = (("arch_index", "arch index", False), ("cpei", "CPEI", False),
             ("chippaux_smirak_pct", "Chippaux-Smirak index", False),
             ("medial_pct", "medial share of load", False),
             ("peak_pressure_kpa", "peak pressure", False),
             ("mean_pressure_kpa", "mean pressure", False),
             ("contact_area_cm2", "contact area", False), ("stance_time_s", "stance time", False),
             ("foot_length_mm", "foot length", True), ("foot_width_mm", "forefoot width", True))


#: Smallest changes judged, about the standard error of a median of 5 steps (1.25 SD / sqrt 5)
#: from the step-to-step spread of real feet (SpeedPP2D, benchmarks/bench_repeatability.py:
#: within-person SD of one step's CPEI 6.5 points, arch index 0.039): CPEI 3.6, arch index
#: 0.022. The load shares and the peak pressure have no such figure yet: 3 points and 25 kPa
#: are provisional.
SMALLEST_CHANGE = {"arch_index": 0.022, "cpei": 3.6, "chippaux_smirak_pct": 3.0,
                   "medial_pct": 3.0, "peak_pressure_kpa": 25.0}


def _measures() -> tuple[Measure, ...]:
    # Labels, digits, units and normal ranges come from the index table, so the screen's
    # comparison and the table judge against the same ranges.
    rows = {row[0]: row for row in INDEX_ROWS}
    out = []
    for key, words, across in _COMPARED:
        _, label, digits, unit, normal_text, bounds = rows[key][:6]
        out.append(Measure(key, label, digits, unit,
                           None if bounds is None else (float(bounds[0]), float(bounds[1])),
                           normal_text, words, across, SMALLEST_CHANGE.get(key, 0.0)))
    return tuple(out)


#: The compared measures (the peak pressure's range is the diabetic-risk line of the table).
MEASURES: tuple[Measure, ...] = _measures()


class _Foot(Protocol):
    metrics: dict[str, Any]


class _Analysis(Protocol):
    mode: str

    def foot(self, side: str) -> _Foot | None: ...


def trial_kind(mode: str) -> str:
    """"walk", "standing" (static and balance trials) or "unknown".

    Examples
    --------
    >>> trial_kind("balance")
    'standing'
    """
    return "walk" if mode == "walk" else "standing" if mode in ("static", "balance") else \
        "unknown"


def distance_to_range(value: float, normal: tuple[float, float]) -> float:
    """How far ``value`` lies outside ``normal`` (0 inside it), in the value's unit.

    Examples
    --------
    >>> round(distance_to_range(0.30, (0.21, 0.26)), 3)
    0.04
    >>> distance_to_range(0.23, (0.21, 0.26))
    0.0
    """
    low, high = normal
    return max(low - value, value - high, 0.0)


def judge(before: float | None, after: float | None, normal: tuple[float, float] | None,
          digits: int, *, spread_before: tuple[float, float] | None = None,
          spread_after: tuple[float, float] | None = None,
          smallest: float = 0.0) -> str | None:
    """Better, worse or neutral for a change from ``before`` to ``after``; None if one is missing.

    Nearer the range is better, further away worse; a change of the distance smaller than
    half the last digit shown (``digits`` decimals) is neutral, as is any change within the
    range and any measure without a range. ``spread_before`` and ``spread_after`` are the
    lowest and highest step of each median, when it comes from several steps: a median that
    lies among the other visit's steps has not moved beyond what the steps vary by, so that
    change is neutral too; so is a change smaller than ``smallest`` (the measure's unit).

    Examples
    --------
    >>> judge(0.30, 0.27, (0.21, 0.26), 3)
    'better'
    >>> judge(0.22, 0.25, (0.21, 0.26), 3)
    'neutral'
    >>> judge(0.30, 0.27, (0.21, 0.26), 3, spread_before=(0.26, 0.33))
    'neutral'
    >>> judge(0.032, 0.033, (0.21, 0.26), 3, smallest=0.022)
    'neutral'
    """
    if before is None or after is None:
        return None
    if normal is None or abs(after - before) < smallest:
        return NEUTRAL
    for value, spread in ((after, spread_before), (before, spread_after)):
        if spread is not None and spread[0] <= value <= spread[1]:
            return NEUTRAL
    nearer = distance_to_range(before, normal) - distance_to_range(after, normal)
    if abs(nearer) < 0.5 * 10.0 ** -digits:
        return NEUTRAL
    return BETTER if nearer > 0 else WORSE


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


@dataclasses.dataclass(frozen=True)
class Change:
    """One measure of one foot before and after.

    ``verdict`` is better / worse / neutral, or None when the change is not judged (a value
    missing, or trials of different kinds for a measure that cannot be compared across them).
    """

    measure: Measure
    side: str
    before: float | None
    after: float | None
    comparable: bool
    verdict: str | None

    @property
    def change(self) -> float | None:
        """After minus before (the measure's unit), when both exist and can be compared."""
        if self.before is None or self.after is None or not self.comparable:
            return None
        return self.after - self.before

    def text(self, which: str) -> str:
        """The cell for ``which`` = before, after or change, with its unit."""
        m = self.measure
        if which == "change":
            if not self.comparable and self.before is not None and self.after is not None:
                return "not comparable"
            value = self.change
            if value is None:
                return "n/a"
            if round(value, m.digits) == 0:  # no "-0.000": nothing changed at this precision
                return f"{0.0:.{m.digits}f}{m.unit}"
            return f"{value:+.{m.digits}f}{m.unit}"
        value = self.before if which == "before" else self.after
        return "n/a" if value is None else f"{value:.{m.digits}f}{m.unit}"


def compare(before: _Analysis, after: _Analysis,
            measures: Sequence[Measure] = MEASURES) -> list[Change]:
    """Every measure of each foot (left then right, per measure) before and after."""
    same_kind = trial_kind(before.mode) == trial_kind(after.mode)
    out = []
    for m in measures:
        for side in ("left", "right"):
            fb, fa = before.foot(side), after.foot(side)
            vb = _number(fb.metrics.get(m.key)) if fb is not None else None
            va = _number(fa.metrics.get(m.key)) if fa is not None else None
            comparable = same_kind or m.across_kinds
            verdict = judge(vb, va, m.normal, m.digits, spread_before=_spread(fb, m.key),
                            spread_after=_spread(fa, m.key),
                            smallest=m.smallest) if comparable else None
            out.append(Change(m, side, vb, va, comparable, verdict))
    return out


def _spread(foot: _Foot | None, key: str) -> tuple[float, float] | None:
    """The lowest and highest step behind a foot's median (two steps at least), if kept."""
    stats = (getattr(foot, "stats", None) or {}).get(key) if foot is not None else None
    if not stats or (stats.get("n") or 0) < 2 or stats.get("min") is None:
        return None
    return float(stats["min"]), float(stats["max"])


_KIND_WORDS = {"walk": "a walk", "static": "a static (standing) trial",
               "balance": "a balance (standing) trial"}


def kind_warning(mode_before: str, mode_after: str,
                 measures: Sequence[Measure] = MEASURES) -> str | None:
    """A plain warning when a walk is compared with a standing trial; None otherwise.

    Examples
    --------
    >>> kind_warning("static", "balance") is None
    True
    >>> kind_warning("walk", "static").startswith("Before is a walk, after is a static")
    True
    """
    if trial_kind(mode_before) == trial_kind(mode_after):
        return None
    names = [m.words for m in measures if not m.across_kinds]
    kept = [m.words for m in measures if m.across_kinds]
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)
    words = (_KIND_WORDS.get(mode_before, f"a {mode_before} trial"),
             _KIND_WORDS.get(mode_after, f"a {mode_after} trial"))
    return (f"Before is {words[0]}, after is {words[1]}. Walking and standing load the foot "
            f"differently, so the {listed} cannot be compared between them"
            + (f"; only the {' and '.join(kept)} can" if kept else "")
            + ". The maps share one scale, but a walking step presses far harder than "
            "standing: their difference is not a change of the foot.")


@dataclasses.dataclass(frozen=True)
class AlignedMaps:
    """Two pictures of one foot on a common grid in the foot's frame, and their difference.

    Row 0 is the toe end and the last row the back of the heel; columns run across the foot as
    seen from above (a left foot's big toe on the right, a right foot's on the left). Every
    cell is ``pitch_mm`` square. ``difference`` is after minus before (kPa), NaN where neither
    picture is loaded. ``origin_mm`` is where the grid's top-left corner lies in the foot frame
    (``u`` from the back of the heel, ``x`` across as drawn).
    """

    side: str
    before: np.ndarray
    after: np.ndarray
    difference: np.ndarray
    pitch_mm: float
    origin_mm: tuple[float, float]

    @property
    def size_mm(self) -> tuple[float, float]:
        """Width and height of the grid (mm)."""
        rows, cols = self.before.shape
        return cols * self.pitch_mm, rows * self.pitch_mm


def _foot_frame(foot_map: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sensel centres of a map's loaded cells in its foot frame: u, w and their values."""
    rows, cols = np.nonzero(np.nan_to_num(foot_map.peak_kpa) > 0)
    pr, pc = foot_map.pitch_mm
    xy = np.stack([foot_map.origin_mm[0] + (cols + 0.5) * pc,
                   foot_map.origin_mm[1] + (rows + 0.5) * pr], axis=1)
    d = xy - np.asarray(foot_map.heel_xy_mm, float)
    u = d @ np.asarray(foot_map.axis, float) - foot_map.u_back_mm
    w = d @ np.asarray(foot_map.lateral, float)
    return u, w, foot_map.peak_kpa[rows, cols]


def _sample(foot_map: Any, u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The map's value at foot-frame points (nearest sensel; 0 off the picture)."""
    heel = np.asarray(foot_map.heel_xy_mm, float)
    along = (u + foot_map.u_back_mm)[..., None] * np.asarray(foot_map.axis, float)
    xy = heel + along + w[..., None] * np.asarray(foot_map.lateral, float)
    pr, pc = foot_map.pitch_mm
    col = np.floor((xy[..., 0] - foot_map.origin_mm[0]) / pc).astype(int)
    row = np.floor((xy[..., 1] - foot_map.origin_mm[1]) / pr).astype(int)
    img = np.nan_to_num(np.asarray(foot_map.peak_kpa, float))
    inside = (row >= 0) & (row < img.shape[0]) & (col >= 0) & (col < img.shape[1])
    out = np.zeros(u.shape)
    out[inside] = img[row[inside], col[inside]]
    return out


def align(before: Any, after: Any, pitch_mm: float | None = None) -> AlignedMaps:
    """Bring two FootMaps of the same foot onto one grid, aligned by heel and axis.

    ``pitch_mm`` is the grid's cell (default: the finer of the two maps' sensels). The grid's
    cell centres fall on the before map's sensel centres, and values are taken from the
    nearest sensel, so a peak is neither smeared nor lowered.
    """
    if before.side != after.side:
        raise ValueError(f"cannot align a {before.side} foot with a {after.side} foot")
    pitch = float(pitch_mm or min(*before.pitch_mm, *after.pitch_mm))
    # x across as seen from above: w = x for a right foot (its little toe on the right) and
    # w = -x for a left foot.
    sign = -1.0 if before.side == "left" else 1.0
    frames = [_foot_frame(m) for m in (before, after)]
    u_cat = np.concatenate([f[0] for f in frames])
    x_cat = sign * np.concatenate([f[1] for f in frames])
    if u_cat.size == 0:
        u_cat = np.array([0.0, max(before.length_mm, after.length_mm)])
        x_cat = np.array([-50.0, 50.0])
    ref_u, ref_x = float(u_cat[0]), float(x_cat[0])  # a sensel centre the grid runs through
    lo_u, hi_u = u_cat.min() - GRID_MARGIN_MM, u_cat.max() + GRID_MARGIN_MM
    half = float(np.abs(x_cat).max()) + GRID_MARGIN_MM
    u_first = ref_u - np.floor((ref_u - lo_u) / pitch) * pitch
    x_first = ref_x - np.floor((ref_x + half) / pitch) * pitch
    n_rows = int(np.floor((hi_u - u_first) / pitch)) + 1
    n_cols = int(np.floor((half - x_first) / pitch)) + 1
    u = u_first + (n_rows - 1 - np.arange(n_rows)) * pitch  # row 0 at the toe end
    x = x_first + np.arange(n_cols) * pitch
    uu, xx = np.meshgrid(u, x, indexing="ij")
    b = _sample(before, uu, sign * xx)
    a = _sample(after, uu, sign * xx)
    diff = np.where((a > 0) | (b > 0), a - b, np.nan)
    return AlignedMaps(before.side, b, a, diff, pitch,
                       (float(x_first - pitch / 2), float(u[0] + pitch / 2)))


def difference_range(differences: Sequence[np.ndarray], max_kpa: float | None) -> float:
    """The largest difference the diverging colours show (kPa, symmetric about 0).

    With a clinic scale of ``max_kpa`` the difference is drawn on a quarter of it (200 kPa
    for 800), the same for every comparison; "per trial" (None) reaches the largest difference
    found, rounded up to a tick, 20 kPa at least.

    Examples
    --------
    >>> difference_range([], 800.0)
    200.0
    >>> difference_range([np.array([[-130.0, 40.0]])], None)
    150.0
    """
    if max_kpa is not None:
        return max_kpa / 4
    finite = [np.abs(d[np.isfinite(d)]) for d in differences]
    largest = max((float(f.max()) for f in finite if f.size), default=0.0)
    largest = max(largest, 20.0)
    ticks = nice_ticks(largest)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else largest
    return float(np.ceil(largest / step - 1e-9) * step)
