"""A physically plausible synthetic foot, rendered onto any pressure mat.

The emulator, the sample scans and the tests use it. A foot is described in its own frame:
``u`` (mm) runs along the foot axis from the back of the heel (``u = 0``) to the tip of the
second toe (``u = length_mm``); ``v`` (mm) runs across it, positive toward the lateral (little
toe) side. The heel centre and the second toe tip lie on ``v = 0``, so the model's foot axis is
exactly the axis of Cavanagh & Rodgers (1987), and every index has an exact value
(:func:`exact_arch_index`, :func:`exact_cpei`) that the analysis must reproduce.

The print is a union of simple shapes: a heel ellipse, a lateral midfoot band whose width sets
the arch (``midfoot_fraction``: below 0 the heel and forefoot prints do not touch, as in a
high-arched foot; near 1 the arch is flat), an oblique forefoot ellipse over the metatarsal heads
(the medial side reaches further forward), and five toe ellipses in front of it, separated by a
gap that an optional low-pressure band (``toe_bridge``) can close.

A mat sensel reads the mean pressure over its area, so rendering averages the continuous
pressure over ``k x k`` sub-points of each sensel: partly covered edge sensels read less, as on a
real mat. Walking steps roll off from heel strike through foot flat and heel off to toe off; the
centre of pressure (COP) of every frame is placed exactly on a prescribed path whose lateral bow
is a parameter (an exponential tilt of the pressure field moves its centroid without changing
its support). Forces follow body weight.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
from scipy.spatial import ConvexHull

from orthofit.model import Recording

G_M_S2 = 9.80665

# Positions are fractions of the foot length L (along the axis) and of the forefoot width W
# (across it). The numbers follow typical adult footprints: heel print ~30 % of L, metatarsal
# heads at 63-73 % of L, toes in front with a 10-20 mm gap.
_HEEL_CENTRE_U = 0.15
_FOREFOOT_CENTRE = (0.655, 0.05)  # (u / L, v / W)
_FOREFOOT_SEMI = (0.125, 0.52)  # (along u / L, across v / W)
_FOREFOOT_TILT_DEG = 14.0  # medial metatarsal heads lie further forward than the lateral ones
# Toes: (u centre / L, v centre / W, semi-axis u / L, semi-axis v / W, pressure weight).
_TOES = (
    (0.915, -0.30, 0.055, 0.135, 1.0),  # hallux
    (0.965, 0.0, 0.035, 0.065, 0.45),  # 2nd toe: tip exactly at u = L, v = 0
    (0.935, 0.155, 0.032, 0.062, 0.40),
    (0.900, 0.295, 0.030, 0.058, 0.35),
    (0.860, 0.425, 0.028, 0.055, 0.30),
)
# Metatarsal heads 1-5: (u / L, v / W, relative load).
_MET_HEADS = (
    (0.725, -0.29, 0.85),
    (0.705, -0.07, 1.0),
    (0.683, 0.11, 0.9),
    (0.660, 0.26, 0.7),
    (0.632, 0.40, 0.6),
)
NAMED_FEET = ("cavus", "normal", "planus")


@dataclasses.dataclass(frozen=True)
class FootShape:
    """Geometry and loading pattern of one synthetic foot.

    Parameters
    ----------
    length_mm : float
        Back of the heel to the tip of the second toe.
    forefoot_width_mm : float
        Widest width across the metatarsal heads.
    heel_width_mm : float
        Width of the heel print.
    midfoot_fraction : float
        Narrowest midfoot contact width as a fraction of the full width at that level:
        about 0.3-0.45 for a normal foot, 0.7-1 for a flat foot, below 0 for a high-arched foot
        whose heel and forefoot prints do not touch.
    toes : bool
        Whether the toes touch the mat.
    toe_bridge : bool
        Close the gap between toes and forefoot with a low-pressure band (partly loaded sensels).
    medial_bias : float
        Shift of load toward the medial (positive, pronated) or lateral (negative, supinated)
        side, -1 to 1.
    cop_bow_mm : float
        Lateral bow of the walking COP path at two thirds of the foot length, measured from the
        chord joining its first and last points (this sets the CPEI).
    """

    length_mm: float = 250.0
    forefoot_width_mm: float = 96.0
    heel_width_mm: float = 62.0
    midfoot_fraction: float = 0.38
    toes: bool = True
    toe_bridge: bool = False
    medial_bias: float = 0.0
    cop_bow_mm: float = 17.0

    def scaled(self, length_mm: float) -> FootShape:
        """Return the same foot scaled to another length (widths scale with it)."""
        k = length_mm / self.length_mm
        return dataclasses.replace(
            self,
            length_mm=length_mm,
            forefoot_width_mm=self.forefoot_width_mm * k,
            heel_width_mm=self.heel_width_mm * k,
            cop_bow_mm=self.cop_bow_mm * k,
        )


def named_foot(kind: str, length_mm: float = 250.0) -> FootShape:
    """Return a preset foot: ``"cavus"`` (high arch, supinated), ``"normal"`` or ``"planus"``.

    ``"flat"`` is accepted for planus. The presets land clearly inside their classes with the
    default cut-offs (arch index 0.21 / 0.26, CPEI 14 % / 28 %).
    """
    kind = {"flat": "planus", "high": "cavus", "neutral": "normal"}.get(kind, kind)
    presets = {
        "cavus": FootShape(midfoot_fraction=-0.25, medial_bias=-0.6, cop_bow_mm=33.0),
        "normal": FootShape(),
        "planus": FootShape(
            midfoot_fraction=0.92, forefoot_width_mm=100.0, medial_bias=0.7, cop_bow_mm=7.0
        ),
    }
    if kind not in presets:
        raise ValueError(f"unknown foot {kind!r}; choose one of {', '.join(NAMED_FEET)}")
    return presets[kind].scaled(length_mm)


# --------------------------------------------------------------------------------------------
# The print in foot coordinates
# --------------------------------------------------------------------------------------------


def _ellipse(u: np.ndarray, v: np.ndarray, uc: float, vc: float, a: float, b: float,
             tilt_rad: float = 0.0) -> np.ndarray:
    """Return ``(du/a)^2 + (dv/b)^2`` in the ellipse's own (tilted) frame; inside where <= 1."""
    du, dv = u - uc, v - vc
    if tilt_rad:
        c, s = math.cos(tilt_rad), math.sin(tilt_rad)
        du, dv = du * c + dv * s, -du * s + dv * c
    return (du / a) ** 2 + (dv / b) ** 2


def _midfoot_band(shape: FootShape, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Inside-mask of the lateral midfoot band between heel centre and forefoot centre."""
    length, width = shape.length_mm, shape.forefoot_width_mm
    u0, u1 = _HEEL_CENTRE_U * length, _FOREFOOT_CENTRE[0] * length
    t = np.clip((u - u0) / (u1 - u0), 0.0, 1.0)
    fore_lat = (_FOREFOOT_CENTRE[1] + _FOREFOOT_SEMI[1]) * width
    lat_edge = (1 - t) * shape.heel_width_mm / 2 + t * fore_lat
    full = (1 - t) * shape.heel_width_mm + t * 2 * _FOREFOOT_SEMI[1] * width
    # The arch "bites" into the medial side, most in the middle of the midfoot.
    bite = np.sin(np.pi * t) ** 0.6
    band = full * (1.0 - (1.0 - shape.midfoot_fraction) * bite)
    return (u >= u0) & (u <= u1) & (v <= lat_edge) & (v >= lat_edge - band)


def toeless_mask(shape: FootShape, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Inside-mask of the print without the toes (heel, midfoot band, forefoot)."""
    length, width = shape.length_mm, shape.forefoot_width_mm
    heel = _ellipse(u, v, _HEEL_CENTRE_U * length, 0.0, _HEEL_CENTRE_U * length,
                    shape.heel_width_mm / 2) <= 1
    fore = _ellipse(u, v, _FOREFOOT_CENTRE[0] * length, _FOREFOOT_CENTRE[1] * width,
                    _FOREFOOT_SEMI[0] * length, _FOREFOOT_SEMI[1] * width,
                    math.radians(_FOREFOOT_TILT_DEG)) <= 1
    return heel | fore | _midfoot_band(shape, u, v)


def _toe_masks(shape: FootShape, u: np.ndarray, v: np.ndarray) -> list[np.ndarray]:
    length, width = shape.length_mm, shape.forefoot_width_mm
    return [
        _ellipse(u, v, uc * length, vc * width, a * length, b * width) <= 1
        for uc, vc, a, b, _ in _TOES
    ]


def _bridge_mask(shape: FootShape, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """A strip under the toe sulcus joining the toes to the forefoot (toe_bridge=True)."""
    length, width = shape.length_mm, shape.forefoot_width_mm
    # The strip follows the oblique front of the forefoot: from behind the hallux to toe 5.
    tilt = math.tan(math.radians(_FOREFOOT_TILT_DEG))
    centre_u = (0.815 - tilt * (v / width + 0.30) * 0.42) * length
    return (np.abs(u - centre_u) <= 0.05 * length) & (v >= -0.40 * width) & (v <= 0.45 * width)


def pressure_field(shape: FootShape, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Relative standing pressure at foot coordinates ``(u, v)`` in mm (0 outside the print).

    The scale is arbitrary (renderers scale it to body weight); the pattern has a heel peak,
    metatarsal-head peaks, a light midfoot, toe pads, and a medial/lateral tilt set by
    ``shape.medial_bias``.
    """
    length, width = shape.length_mm, shape.forefoot_width_mm
    inside = toeless_mask(shape, u, v)
    p = np.where(inside, 0.22, 0.0)
    heel = np.exp(-(((u - 0.13 * length) / (0.06 * length)) ** 2)
                  - ((v / (0.28 * shape.heel_width_mm)) ** 2))
    p = p + inside * 1.9 * heel
    for um, vm, load in _MET_HEADS:
        bump = np.exp(-(((u - um * length) / (0.045 * length)) ** 2)
                      - (((v - vm * width) / (0.10 * width)) ** 2))
        p = p + inside * 1.2 * load * bump
    # Flat feet load the midfoot more.
    mid = np.exp(-(((u - 0.45 * length) / (0.1 * length)) ** 2))
    p = p + inside * mid * 0.3 * max(shape.midfoot_fraction, 0.0)
    if shape.toes:
        toes = _toe_masks(shape, u, v)
        for mask, (uc, _vc, a, _b, weight) in zip(toes, _TOES, strict=True):
            pad = np.exp(-(((u - (uc + 0.3 * a) * length) / (a * length)) ** 2))
            p = np.where(mask & ~inside, 0.25 + 0.75 * weight * pad, p)
        if shape.toe_bridge:
            bridge = _bridge_mask(shape, u, v) & ~inside & ~np.any(toes, axis=0)
            p = np.where(bridge, 0.07, p)
    # Medial bias: more load on the medial side (v < 0) for positive bias. The toes keep their
    # own pattern (the hallux stays the most loaded toe even in a supinated foot).
    tilt = np.where(inside, np.exp(-2.5 * shape.medial_bias * v / width), 1.0)
    return p * tilt


def _grid(step_mm: float, shape: FootShape) -> tuple[np.ndarray, np.ndarray]:
    length, width = shape.length_mm, shape.forefoot_width_mm
    u = np.arange(-5.0, length + 5.0, step_mm) + step_mm / 2
    v = np.arange(-0.7 * width, 0.75 * width, step_mm) + step_mm / 2
    return np.meshgrid(u, v, indexing="ij")


def exact_arch_index(shape: FootShape, step_mm: float = 0.1) -> float:
    """Exact Cavanagh & Rodgers arch index of ``shape``'s toe-less print (area B / A+B+C).

    Computed on a fine grid in foot coordinates, where the axis is exact by construction; the
    error of a 0.1 mm grid is below 1e-4.
    """
    uu, vv = _grid(step_mm, shape)
    inside = toeless_mask(shape, uu, vv)
    u_in = uu[inside]
    u0, u1 = u_in.min() - step_mm / 2, u_in.max() + step_mm / 2
    third = (u1 - u0) / 3
    in_b = (u_in >= u0 + third) & (u_in < u0 + 2 * third)
    return float(in_b.sum() / u_in.size)


def width_at(shape: FootShape, u_mm: float, *, toes: bool = True, step_mm: float = 0.05) -> float:
    """Width in mm of the print (medial-most to lateral-most contact) at axial position ``u_mm``."""
    v = np.arange(-0.8 * shape.forefoot_width_mm, 0.8 * shape.forefoot_width_mm, step_mm)
    u = np.full_like(v, u_mm)
    inside = toeless_mask(shape, u, v)
    if toes and shape.toes:
        inside |= np.any(_toe_masks(shape, u, v), axis=0)
    if not inside.any():
        return 0.0
    return float(v[inside].max() - v[inside].min() + step_mm)


def foot_width_at(shape: FootShape, u_mm: float, *, step_mm: float = 0.25) -> float:
    """Width in mm of the foot at ``u_mm``: of the print's convex hull there (toes included).

    The CPEI divides by this width (see :func:`orthofit.analysis.gait.cpei_pct`).
    """
    uu, vv = _grid(step_mm, shape)
    inside = toeless_mask(shape, uu, vv)
    if shape.toes:
        inside |= np.any(_toe_masks(shape, uu, vv), axis=0)
    # Each row of the grid contributes its two ends (the hull of those is the print's hull).
    rows_hit = inside.any(axis=1)
    first = np.argmax(inside, axis=1)
    last = inside.shape[1] - 1 - np.argmax(inside[:, ::-1], axis=1)
    u = uu[rows_hit, 0]
    v_lo = vv[rows_hit, first[rows_hit]] - step_mm / 2
    v_hi = vv[rows_hit, last[rows_hit]] + step_mm / 2
    pts = np.concatenate([np.stack([u, v_lo], axis=1), np.stack([u, v_hi], axis=1)])
    hull = pts[ConvexHull(pts).vertices]
    crossings = []
    for (u0, v0), (u1, v1) in zip(hull, np.roll(hull, -1, axis=0), strict=True):
        if (u0 - u_mm) * (u1 - u_mm) <= 0 and u0 != u1:
            crossings.append(v0 + (u_mm - u0) * (v1 - v0) / (u1 - u0))
    return float(max(crossings) - min(crossings)) if crossings else 0.0


def exact_chippaux_smirak(shape: FootShape, step_mm: float = 0.2) -> float:
    """Exact Chippaux-Smirak index (narrowest midfoot width / widest forefoot width, x100 %)."""
    uu, vv = _grid(step_mm, shape)
    inside = toeless_mask(shape, uu, vv)
    u_in = uu[inside]
    u0, u1 = u_in.min() - step_mm / 2, u_in.max() + step_mm / 2
    third = (u1 - u0) / 3
    widths = []
    for row in range(uu.shape[0]):
        hit = vv[row][inside[row]]
        widths.append(hit.max() - hit.min() + step_mm if hit.size else 0.0)
    widths = np.asarray(widths)
    uc = uu[:, 0]
    mid = widths[(uc >= u0 + third) & (uc < u0 + 2 * third)].min()
    fore = widths[uc >= u0 + 2 * third].max()
    return float(100.0 * mid / fore)


# --------------------------------------------------------------------------------------------
# Walking: roll-off and the COP path
# --------------------------------------------------------------------------------------------


def cop_path_endpoints(shape: FootShape) -> tuple[tuple[float, float], tuple[float, float]]:
    """First and last COP points of a step in foot coordinates ``(u, v)`` mm."""
    length, width = shape.length_mm, shape.forefoot_width_mm
    return (0.075 * length, 0.04 * width), (0.90 * length, -0.20 * width)


def cop_path_v(shape: FootShape, u: np.ndarray) -> np.ndarray:
    """Lateral position ``v`` (mm) of the prescribed walking COP path at axial positions ``u``."""
    (u0, v0), (u1, v1) = cop_path_endpoints(shape)
    t = np.clip((np.asarray(u, dtype=float) - u0) / (u1 - u0), 0.0, 1.0)
    chord = v0 + (v1 - v0) * t
    # A smooth lateral bow that vanishes at both ends and equals cop_bow_mm at u = 2/3 L.
    t23 = (2.0 / 3.0 * shape.length_mm - u0) / (u1 - u0)
    # Little bow under the heel, most through the midfoot and forefoot.
    bump = np.sin(np.pi * t) ** 2.5
    bump23 = math.sin(math.pi * t23) ** 2.5
    return chord + shape.cop_bow_mm * bump / bump23


def exact_cpei(shape: FootShape, path_uv: np.ndarray | None = None) -> float:
    """Exact CPEI (Song 1996) in % of the foot's width at two thirds of the foot length.

    The width is that of the print's convex hull (:func:`foot_width_at`), as the analysis
    measures it.

    With ``path_uv`` (the COP points a step actually went through, foot coordinates), the
    construction line joins its first and last points, as in Song's definition; without it, the
    prescribed path's own end points are used (the excursion is then ``cop_bow_mm``).
    """
    level = 2.0 / 3.0 * shape.length_mm
    width = foot_width_at(shape, level)
    if path_uv is None:
        return float(100.0 * shape.cop_bow_mm / width)
    path_uv = np.asarray(path_uv, dtype=float)
    (u0, v0), (u1, v1) = path_uv[0], path_uv[-1]
    v_chord = v0 + (level - u0) * (v1 - v0) / (u1 - u0)
    u, v = path_uv[:, 0], path_uv[:, 1]
    i = int(np.flatnonzero((u[:-1] - level) * (u[1:] - level) <= 0)[0])
    v_path = v[i] + (level - u[i]) / (u[i + 1] - u[i]) * (v[i + 1] - v[i])
    return float(100.0 * (v_path - v_chord) / width)


def _smoothstep(x: np.ndarray | float) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def stance_force_fraction(tau: np.ndarray) -> np.ndarray:
    """Vertical force of a walking step as a fraction of body weight at stance fraction ``tau``.

    The familiar double hump: ~1.1 BW at loading response and push-off, ~0.75 BW at mid-stance,
    rising from and returning to zero.
    """
    tau = np.clip(np.asarray(tau, dtype=float), 0.0, 1.0)
    valley = 1.0 - 0.45 * np.exp(-(((tau - 0.5) / 0.16) ** 2))
    # Loading and unloading take ~12 % of stance each: no large force on a sliver of contact.
    ramp = _smoothstep(tau / 0.12) * _smoothstep((1.0 - tau) / 0.12)
    return 1.42 * np.sin(np.pi * tau) ** 0.8 * valley * ramp


def _rolloff_window(shape: FootShape, u: np.ndarray, tau: float) -> np.ndarray:
    """Which part of the sole touches at stance fraction ``tau`` (smooth 0..1 weights).

    Heel strike: only the heel; the contact front reaches the toes by ~20 % of stance (foot
    flat); the heel lifts from ~50 % (heel off) and the contact back edge travels to the toes by
    toe off.
    """
    length = shape.length_mm
    front = (0.22 + 0.85 * _smoothstep(tau / 0.22)) * length
    back = (0.90 * _smoothstep((tau - 0.48) / 0.52) ** 1.3) * length - 0.02 * length
    soft = 0.02 * length
    return 1.0 / (1 + np.exp(-(u - back) / soft)) / (1 + np.exp(-(front - u) / soft))


def cop_progression_u(shape: FootShape, tau: np.ndarray | float) -> np.ndarray:
    """Prescribed axial COP position (mm from the heel back) at stance fraction ``tau``.

    Under the heel at touch-down, steadily forward through the midfoot, slowing under the
    forefoot and coming to rest under the hallux at toe off.
    """
    (u0, _), (u1, _) = cop_path_endpoints(shape)
    tau = np.clip(np.asarray(tau, dtype=float), 0.0, 1.0)
    return u0 + (u1 - u0) * (1 - np.cos(np.pi * tau**0.9)) / 2


def _reachable_cop(shape: FootShape, u: np.ndarray, v: np.ndarray, w: np.ndarray,
                   tau: float) -> tuple[float, float]:
    """The COP target of a frame: on the prescribed path, within reach of the contact.

    A shift beyond ~0.8 SD of the loaded region from its natural centroid would pile the load
    onto the rim (a high-arched foot in mid-stance has only heel and forefoot down), so the
    target is held within that reach; the truth records the COP actually placed.
    """
    total = w.sum()
    un, vn = float(u @ w / total), float(v @ w / total)
    reach_u = 0.8 * math.sqrt(float((u - un) ** 2 @ w / total))
    reach_v = 0.8 * math.sqrt(float((v - vn) ** 2 @ w / total))
    ut = un + float(np.clip(float(cop_progression_u(shape, tau)) - un, -reach_u, reach_u))
    vt = vn + float(np.clip(float(cop_path_v(shape, np.array(ut))) - vn, -reach_v, reach_v))
    return ut, vt


def _tilt_to(weights: np.ndarray, u: np.ndarray, v: np.ndarray, target: tuple[float, float],
             iterations: int = 12) -> np.ndarray:
    """Exponentially tilt ``weights`` so their centroid lands on ``target`` (u, v).

    ``w * exp(a*u + b*v)`` keeps the support (no negative pressure) and moves the centroid;
    Newton's method with the weighted covariance as Jacobian converges in a few steps.
    """
    w = weights
    coef = np.zeros(2)
    uv = np.stack([u, v])
    centre = np.array([u.mean(), v.mean()])
    for _ in range(iterations):
        expo = coef @ (uv - centre[:, None])
        tw = w * np.exp(expo - expo.max())
        total = tw.sum()
        mean = uv @ tw / total
        err = np.asarray(target) - mean
        if np.abs(err).max() < 1e-4:
            break
        d = uv - mean[:, None]
        cov = (d * tw) @ d.T / total
        coef = coef + np.linalg.solve(cov + 1e-9 * np.eye(2), err)
    expo = coef @ (uv - centre[:, None])
    return w * np.exp(expo - expo.max())


# --------------------------------------------------------------------------------------------
# Placing feet on a mat and rendering frames
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where a foot stands on the mat.

    Parameters
    ----------
    heel_xy_mm : (float, float)
        Back of the heel in mat coordinates: x along columns, y along rows (mm from the mat's
        row-0 / column-0 corner).
    angle_deg : float
        Direction of the foot axis, heel to toe, in degrees from "facing row 0", positive
        turning toward the patient's right (increasing columns).
    side : str
        ``"left"`` or ``"right"``.
    """

    heel_xy_mm: tuple[float, float]
    angle_deg: float
    side: str

    def frame(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the origin, the unit axis (heel to toe) and the unit lateral vector in x, y."""
        a = math.radians(self.angle_deg)
        axis = np.array([math.sin(a), -math.cos(a)])
        right = np.array([-axis[1], axis[0]])
        lateral = right if self.side == "right" else -right
        return np.asarray(self.heel_xy_mm, dtype=float), axis, lateral

    def to_mat(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map foot coordinates (mm) to mat coordinates ``(x, y)`` (mm)."""
        origin, axis, lateral = self.frame()
        return origin[0] + u * axis[0] + v * lateral[0], origin[1] + u * axis[1] + v * lateral[1]


@dataclasses.dataclass(frozen=True)
class Mat:
    """Geometry of the mat frames are rendered for.

    Parameters
    ----------
    rows, cols : int
        Sensels along y (rows) and x (columns).
    pitch_mm : (float, float)
        Row pitch and column pitch in mm.
    """

    rows: int
    cols: int
    pitch_mm: tuple[float, float] = (5.08, 5.08)

    @property
    def sensel_area_mm2(self) -> float:
        """Area of one sensel in mm^2."""
        return self.pitch_mm[0] * self.pitch_mm[1]


class _FootOnMat:
    """Sub-point sampling of one placed foot: the sensels it can touch and their foot coords."""

    def __init__(self, shape: FootShape, place: Placement, mat: Mat, oversample: int):
        self.shape, self.place, self.mat = shape, place, mat
        pr, pc = mat.pitch_mm
        length, width = shape.length_mm, shape.forefoot_width_mm
        corners_u = np.array([-8, -8, length + 8, length + 8], dtype=float)
        corners_v = np.array([-0.75 * width, 0.8 * width, -0.75 * width, 0.8 * width])
        xs, ys = place.to_mat(corners_u, corners_v)
        c0 = max(int(math.floor(xs.min() / pc)), 0)
        c1 = min(int(math.ceil(xs.max() / pc)), mat.cols)
        r0 = max(int(math.floor(ys.min() / pr)), 0)
        r1 = min(int(math.ceil(ys.max() / pr)), mat.rows)
        self.box = (r0, max(r1, r0), c0, max(c1, c0))
        k = oversample
        offs = (np.arange(k) + 0.5) / k
        rr = (np.arange(r0, max(r1, r0))[:, None] + offs[None, :]).reshape(-1) * pr
        cc = (np.arange(c0, max(c1, c0))[:, None] + offs[None, :]).reshape(-1) * pc
        yy, xx = np.meshgrid(rr, cc, indexing="ij")  # (nr*k, nc*k)
        origin, axis, lateral = place.frame()
        dx, dy = xx - origin[0], yy - origin[1]
        self.u = dx * axis[0] + dy * axis[1]
        self.v = dx * lateral[0] + dy * lateral[1]
        self.k = k
        self.field = pressure_field(shape, self.u, self.v)
        self.support = self.field > 0
        # Sub-points that can ever carry load; Newton tilts run on these only.
        self.idx = np.flatnonzero(self.support)
        self.sub_area_mm2 = mat.sensel_area_mm2 / (k * k)

    def to_sensels(self, sub_kpa: np.ndarray) -> np.ndarray:
        """Average sub-point pressures (flat over ``idx``) into the sensels of the box."""
        r0, r1, c0, c1 = self.box
        full = np.zeros(self.u.size)
        full[self.idx] = sub_kpa
        k = self.k
        return full.reshape(r1 - r0, k, c1 - c0, k).mean(axis=(1, 3))

    def scaled_kpa(self, weights: np.ndarray, force_n: float) -> np.ndarray:
        """Scale sub-point weights so that they integrate to ``force_n`` newtons."""
        total = weights.sum() * self.sub_area_mm2 * 1e-3
        return weights * (force_n / total) if total > 0 else weights * 0.0

    def cop_mat_mm(self, u: float, v: float) -> tuple[float, float]:
        """Mat (x, y) in mm of a point in this foot's coordinates."""
        x, y = self.place.to_mat(np.array(u), np.array(v))
        return float(x), float(y)


def _finish(frames: np.ndarray, rng: np.random.Generator, *, noise_kpa: float,
            dead: Sequence[tuple[int, int]] = (), saturation_kpa: float | None = None,
            quantum_kpa: float = 0.0, specks_per_frame: float = 0.0) -> np.ndarray:
    """Add sensor effects: noise, stray specks, quantisation, saturation, dead sensels.

    Noise is Gaussian on loaded sensels (``noise_kpa`` SD); unloaded sensels read zero, as on
    mats whose firmware subtracts a baseline, except for ``specks_per_frame`` stray sensels a
    frame that read a few ``noise_kpa`` (electrical spikes the analysis must ignore).
    """
    if noise_kpa > 0:
        loaded = frames > 0
        frames[loaded] += rng.normal(0.0, noise_kpa, size=int(loaded.sum())).astype(np.float32)
        np.maximum(frames, 0.0, out=frames)
    if specks_per_frame > 0:
        t, r, c = frames.shape
        count = rng.poisson(specks_per_frame * t)
        idx = (rng.integers(0, t, count), rng.integers(0, r, count), rng.integers(0, c, count))
        frames[idx] += rng.uniform(2.0, 5.0, count).astype(np.float32) * max(noise_kpa, 1.0)
    if quantum_kpa > 0:
        np.round(frames / quantum_kpa, out=frames)
        frames *= quantum_kpa
    if saturation_kpa is not None:
        np.minimum(frames, saturation_kpa, out=frames)
    for r, c in dead:
        frames[:, r, c] = 0.0
    return frames


@dataclasses.dataclass(frozen=True)
class Step:
    """One walking step: a placed foot and its stance interval in s."""

    shape: FootShape
    place: Placement
    t_on_s: float
    stance_s: float = 0.66


def render_walk(
    steps: Sequence[Step],
    mat: Mat,
    *,
    rate_hz: float = 100.0,
    body_mass_kg: float = 70.0,
    duration_s: float | None = None,
    noise_kpa: float = 0.0,
    oversample: int = 5,
    seed: int = 0,
    **sensor: object,
) -> tuple[Recording, dict]:
    """Render walking steps onto ``mat`` and return the recording and the ground truth.

    Each step rolls off from heel strike to toe off with a double-hump vertical force and a COP
    exactly on :func:`cop_path_v`. The truth dict holds, per step, the side, the placement, the
    exact arch index and CPEI, and the COP path (mat mm) of every frame the step is loaded in.
    """
    rng = np.random.default_rng(seed)
    end = max(s.t_on_s + s.stance_s for s in steps)
    duration = duration_s if duration_s is not None else end + 0.1
    times = np.arange(int(round(duration * rate_hz))) / rate_hz
    frames = np.zeros((times.size, mat.rows, mat.cols), np.float32)
    weight_n = body_mass_kg * G_M_S2
    truth_steps = []
    for step in steps:
        fm = _FootOnMat(step.shape, step.place, mat, oversample)
        r0, r1, c0, c1 = fm.box
        u, v = fm.u.reshape(-1)[fm.idx], fm.v.reshape(-1)[fm.idx]
        base = fm.field.reshape(-1)[fm.idx]
        cop_xy, cop_uv = [], []
        in_stance = np.flatnonzero((times > step.t_on_s) & (times < step.t_on_s + step.stance_s))
        for ti in in_stance:
            tau = (times[ti] - step.t_on_s) / step.stance_s
            w = base * _rolloff_window(step.shape, u, tau)
            if w.sum() <= 0:
                continue
            target = _reachable_cop(step.shape, u, v, w, tau)
            w = _tilt_to(w, u, v, target)
            kpa = fm.scaled_kpa(w, weight_n * float(stance_force_fraction(tau)))
            frames[ti, r0:r1, c0:c1] += fm.to_sensels(kpa).astype(np.float32)
            cop_xy.append((float(times[ti]), *fm.cop_mat_mm(*target)))
            cop_uv.append((*target, float(stance_force_fraction(tau))))
        truth_steps.append({
            "side": step.place.side,
            "heel_xy_mm": list(step.place.heel_xy_mm),
            "angle_deg": step.place.angle_deg,
            "arch_index": exact_arch_index(step.shape),
            "cpei": exact_cpei(step.shape, _loaded_path(np.asarray(cop_uv))),
            "chippaux_smirak": exact_chippaux_smirak(step.shape),
            "cop_xy_mm": cop_xy,
            "t_on_s": step.t_on_s,
            "stance_s": step.stance_s,
        })
    frames = _finish(frames, rng, noise_kpa=noise_kpa, **sensor)  # type: ignore[arg-type]
    rec = Recording(frames, times, mat.pitch_mm, profile=_model_profile(mat), mode="walk",
                    device_id="foot-model")
    return rec, {"steps": truth_steps, "body_mass_kg": body_mass_kg}


#: Song's construction line joins the first and last COP of the loaded frames; frames with less
#: than this fraction of the step's peak force are not loaded (same rule as the analysis).
LOADED_FORCE_FRACTION = 0.05


def _loaded_path(path_uvf: np.ndarray) -> np.ndarray:
    """COP points (u, v) of the frames carrying at least 5 % of the step's peak force."""
    force = path_uvf[:, 2]
    return path_uvf[force >= LOADED_FORCE_FRACTION * force.max(), :2]


def _model_profile(mat: Mat) -> dict:
    return {"name": "foot-model", "rows": mat.rows, "cols": mat.cols,
            "pitch_mm": list(mat.pitch_mm), "calibration": "exact kPa (synthetic)"}


def render_stance(
    feet: Sequence[tuple[FootShape, Placement]],
    mat: Mat,
    *,
    rate_hz: float = 50.0,
    duration_s: float = 3.0,
    body_mass_kg: float = 70.0,
    load_share: Sequence[float] | None = None,
    sway_mm: float = 0.0,
    noise_kpa: float = 0.0,
    oversample: int = 5,
    seed: int = 0,
    mode: str = "static",
    **sensor: object,
) -> tuple[Recording, dict]:
    """Render a standing trial: both feet (or one) loaded with body weight, with optional sway.

    Sway is a smooth random COP excursion of about ``sway_mm`` (RMS) in both directions: the
    anterior-posterior part moves each foot's COP along its axis and the medial-lateral part
    shifts weight between the feet. The truth dict holds the whole-body COP of every frame in mat
    mm (exact by construction), the per-foot exact indices and the load shares.
    """
    rng = np.random.default_rng(seed)
    times = np.arange(int(round(duration_s * rate_hz))) / rate_hz
    n = times.size
    shares = np.asarray(load_share if load_share is not None else [1.0 / len(feet)] * len(feet))
    shares = shares / shares.sum()
    weight_n = body_mass_kg * G_M_S2
    frames = np.zeros((n, mat.rows, mat.cols), np.float32)
    ap, ml = _sway(rng, n, rate_hz, sway_mm)
    placed = [_FootOnMat(shape, place, mat, oversample) for shape, place in feet]
    # Medial-lateral sway moves weight between the feet: a shift of `ml` mm of the body COP
    # over a stance width of d mm changes the left/right split by ml / d.
    xs = [fm.cop_mat_mm(*_natural_cop(fm))[0] for fm in placed]
    stance_width = abs(xs[-1] - xs[0]) if len(placed) > 1 else 1.0
    body_cop = np.zeros((n, 2))
    forces = np.zeros((n, len(placed)))
    for fi, fm in enumerate(placed):
        r0, r1, c0, c1 = fm.box
        u, v = fm.u.reshape(-1)[fm.idx], fm.v.reshape(-1)[fm.idx]
        base = fm.field.reshape(-1)[fm.idx]
        u_nat, v_nat = _natural_cop(fm)
        sign = 1.0 if xs[fi] >= np.mean(xs) else -1.0
        for ti in range(n):
            share = shares[fi] + (sign * ml[ti] / stance_width if len(placed) > 1 else 0.0)
            target = (u_nat + ap[ti], v_nat)
            w = _tilt_to(base, u, v, target) if sway_mm > 0 else base
            force = weight_n * share
            frames[ti, r0:r1, c0:c1] += fm.to_sensels(fm.scaled_kpa(w, force)).astype(np.float32)
            x, y = fm.cop_mat_mm(*target)
            body_cop[ti] += force * np.array([x, y])
            forces[ti, fi] = force
    body_cop /= forces.sum(axis=1, keepdims=True)
    frames = _finish(frames, rng, noise_kpa=noise_kpa, **sensor)  # type: ignore[arg-type]
    rec = Recording(frames, times, mat.pitch_mm, profile=_model_profile(mat), mode=mode,
                    device_id="foot-model")
    truth = {
        "feet": [
            {"side": place.side, "heel_xy_mm": list(place.heel_xy_mm),
             "angle_deg": place.angle_deg, "arch_index": exact_arch_index(shape),
             "chippaux_smirak": exact_chippaux_smirak(shape)}
            for shape, place in feet
        ],
        "body_cop_xy_mm": body_cop,
        "forces_n": forces,
        "body_mass_kg": body_mass_kg,
    }
    return rec, truth


def _natural_cop(fm: _FootOnMat) -> tuple[float, float]:
    w = fm.field.reshape(-1)[fm.idx]
    return (float(fm.u.reshape(-1)[fm.idx] @ w / w.sum()),
            float(fm.v.reshape(-1)[fm.idx] @ w / w.sum()))


def _sway(rng: np.random.Generator, n: int, rate_hz: float,
          rms_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Smooth random sway (AP, ML) in mm with the given RMS: low-pass filtered noise (~0.5 Hz)."""
    if rms_mm <= 0 or n < 2:
        return np.zeros(n), np.zeros(n)
    out = []
    alpha = 1 - math.exp(-2 * math.pi * 0.5 / rate_hz)
    for scale in (1.0, 0.6):  # sway is larger front-to-back than side-to-side
        x = rng.normal(size=n)
        y = np.empty(n)
        acc = 0.0
        for _ in range(2):  # two passes of a first-order filter
            for i in range(n):
                acc += alpha * (x[i] - acc)
                y[i] = acc
            x = y.copy()
        y -= y.mean()
        out.append(y / (y.std() + 1e-12) * rms_mm * scale)
    return out[0], out[1]


# --------------------------------------------------------------------------------------------
# Ready-made trials (the sample scans, the emulator and the benchmarks use these)
# --------------------------------------------------------------------------------------------


def standing_placements(shape: FootShape, mat: Mat) -> tuple[Placement, Placement]:
    """Where the left and right foot stand: mid-mat, side by side, toes out 8 degrees."""
    height = mat.rows * mat.pitch_mm[0]
    width = mat.cols * mat.pitch_mm[1]
    heel_y = height / 2 + shape.length_mm / 2
    gap = 0.11 * width
    return (Placement((width / 2 - gap - 0.05 * shape.length_mm, heel_y), -8.0, "left"),
            Placement((width / 2 + gap + 0.05 * shape.length_mm, heel_y), 8.0, "right"))


def static_trial(kind: str = "normal", *, mat: Mat | None = None, duration_s: float = 3.0,
                 rate_hz: float = 50.0, body_mass_kg: float = 70.0, noise_kpa: float = 1.0,
                 sway_mm: float = 2.0, seed: int = 0, mode: str = "static",
                 **sensor: object) -> tuple[Recording, dict]:
    """Two feet standing side by side, toes out 8 degrees, loaded with body weight.

    The default mat is 0.49 x 0.49 m at 5.08 mm (96 x 96 sensels), wide enough for both feet.
    """
    mat = mat or Mat(96, 96, (5.08, 5.08))
    shape = named_foot(kind)
    feet = [(shape, place) for place in standing_placements(shape, mat)]
    return render_stance(feet, mat, rate_hz=rate_hz, duration_s=duration_s,
                         body_mass_kg=body_mass_kg, noise_kpa=noise_kpa, sway_mm=sway_mm,
                         seed=seed, mode=mode, **sensor)


def walk_trial(kind: str = "normal", *, mat: Mat | None = None, rate_hz: float = 100.0,
               n_steps: int = 3, body_mass_kg: float = 70.0, noise_kpa: float = 1.0,
               seed: int = 0, step_length_mm: float = 620.0, first_side: str = "left",
               **sensor: object) -> tuple[Recording, dict]:
    """Walk toward row 0 along a 2 m x 0.56 m plate (394 x 110 sensels at 5.08 mm by default).

    Steps alternate left and right (``first_side`` first), 6 degrees toe-out, about 9 cm apart
    side to side, a step every 0.55 s with 0.66 s of stance, all fully on the plate.
    """
    mat = mat or Mat(394, 110, (5.08, 5.08))
    shape = named_foot(kind)
    height = mat.rows * mat.pitch_mm[0]
    mid_x = mat.cols * mat.pitch_mm[1] / 2
    first_heel_y = height / 2 + (n_steps - 1) * step_length_mm / 2 + shape.length_mm / 2
    steps = []
    other = "right" if first_side == "left" else "left"
    for i in range(n_steps):
        side = first_side if i % 2 == 0 else other
        sgn = -1 if side == "left" else 1
        place = Placement((mid_x + sgn * 45.0, first_heel_y - i * step_length_mm), sgn * 6.0, side)
        steps.append(Step(shape, place, t_on_s=0.05 + 0.55 * i))
    return render_walk(steps, mat, rate_hz=rate_hz, body_mass_kg=body_mass_kg,
                       noise_kpa=noise_kpa, seed=seed, **sensor)
