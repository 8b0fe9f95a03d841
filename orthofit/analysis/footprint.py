"""Footprint geometry of one foot: axis, toe line, thirds, widths and the footprint indices.

Follows Cavanagh & Rodgers (1987): the toes are removed, the foot axis runs from the centre of
the heel to the tip of the second toe, perpendiculars at the back of the heel and at the front
of the toe-less print bound its length, and the arch index is the middle third's share of the
toe-less area. Every sensel's area is split between the thirds by sampling it at ``k x k``
sub-points, so a rotated foot gets the same answer as a straight one up to the pixelation of its
outline (pressuRe splits sensels by exact polygon intersection; sub-points converge to it).

Toe removal looks, in every strip along the axis, for a valley in the peak pressure between the
metatarsal heads and a toe in front of them; a valley is a gap of unloaded sensels or, on
coarse mats where the gap is bridged by a row of partly loaded sensels, a dip that the toe rises
clearly above. A straight toe line fitted through the valleys cuts the toes off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError
from skimage.measure import label

#: Sub-points per sensel along each axis for the area split between thirds and masks.
OVERSAMPLE = 4
#: Refinements of the axis (heel centre to second toe). Each moves it by about half the one
#: before; after three it is within 0.2 degree of where it settles (arch index within 0.001).
AXIS_ITERATIONS = 3
#: Where the second ray ends across the forefoot, as a fraction of its width from the medial
#: edge (an average adult foot; the foot model places its second toe there).
SECOND_RAY = 0.45


@dataclasses.dataclass(frozen=True)
class Footprint:
    """Geometry and indices of one foot's print (lengths in mm, areas in cm^2).

    ``heel_xy_mm``, ``axis`` and ``lateral`` define the foot frame in mat coordinates (x along
    columns, y along rows): ``u`` runs along ``axis`` from the heel centre, ``w`` along
    ``lateral`` (positive toward the little toe).
    """

    side: str
    side_votes: dict
    heel_xy_mm: tuple[float, float]
    axis: tuple[float, float]
    lateral: tuple[float, float]
    u_back_mm: float
    u_front_toeless_mm: float
    u_front_mm: float
    toe_line: ToeLine | None
    contact_area_cm2: float
    toeless_area_cm2: float
    arch_index: float | None
    chippaux_smirak_pct: float | None
    staheli: float | None
    forefoot_width_mm: float
    widths_u_mm: np.ndarray
    widths_mm: np.ndarray
    foot_widths_mm: np.ndarray
    sensel_u_mm: np.ndarray
    sensel_w_mm: np.ndarray
    sensel_is_toe: np.ndarray
    toeless_extent_w_mm: tuple[float, float]

    @property
    def length_mm(self) -> float:
        """Back of the heel to the front of the print including the toes."""
        return self.u_front_mm - self.u_back_mm

    @property
    def toeless_length_mm(self) -> float:
        """Back of the heel to the front of the toe-less print."""
        return self.u_front_toeless_mm - self.u_back_mm

    def to_foot(self, xy_mm: np.ndarray) -> np.ndarray:
        """Map mat points (N, 2) to foot coordinates (N, 2): ``u`` from the heel back, ``w``."""
        d = np.asarray(xy_mm, dtype=float) - np.asarray(self.heel_xy_mm)
        return np.stack([d @ np.asarray(self.axis) - self.u_back_mm, d @ np.asarray(self.lateral)],
                        axis=-1)

    def width_at(self, u_from_back_mm: float) -> float:
        """Print width (mm, toes included) at ``u_from_back_mm`` from the back of the heel."""
        u = u_from_back_mm + self.u_back_mm
        i = int(np.argmin(np.abs(self.widths_u_mm - u)))
        return float(self.widths_mm[i])

    def foot_width_at(self, u_from_back_mm: float) -> float:
        """Width (mm) of the foot at ``u_from_back_mm``: of the print's convex hull there.

        The foot spans its arch even where the arch does not touch the mat: a high arch's print
        at two thirds of its length can be the narrow back edge of the forefoot, while the foot
        there is as wide as its outline.
        """
        u = u_from_back_mm + self.u_back_mm
        return float(np.interp(u, self.widths_u_mm, self.foot_widths_mm))


def _envelope(u: np.ndarray, w: np.ndarray, *, upper: bool, at: np.ndarray) -> np.ndarray:
    """The convex hull's upper (or lower) boundary of points ``(u, w)``, evaluated at ``at``.

    ``u`` is increasing.

    Examples
    --------
    >>> _envelope(np.array([0.0, 1.0, 2.0]), np.array([0.0, -5.0, 0.0]), upper=True,
    ...           at=np.array([1.0])).tolist()
    [0.0]
    """
    sign = 1.0 if upper else -1.0
    if u.size < 3 or np.ptp(u) <= 0:
        return np.interp(at, u, w)
    pts = np.stack([u, sign * w], axis=1)
    try:
        hull = ConvexHull(pts).vertices
    except QhullError:  # all points on a line
        return np.interp(at, u, w)
    # The upper chain: hull vertices from the leftmost to the rightmost point going over the
    # top (qhull lists 2-D vertices counter-clockwise, so that is backwards from the right).
    hu = pts[hull]
    right = int(np.argmax(hu[:, 0] + 1e-9 * hu[:, 1]))
    left = int(np.argmin(hu[:, 0] - 1e-9 * hu[:, 1]))
    idx = np.arange(right, right + ((left - right) % hull.size) + 1) % hull.size
    chain = hu[idx][::-1]
    return sign * np.interp(at, chain[:, 0], chain[:, 1])


def _subpoints(rows: np.ndarray, cols: np.ndarray, pitch: tuple[float, float],
               k: int) -> tuple[np.ndarray, np.ndarray]:
    """Sub-point centres (N*k*k, 2) in mat mm (x, y) and the index of their sensel."""
    offs = (np.arange(k) + 0.5) / k
    oy, ox = np.meshgrid(offs, offs, indexing="ij")
    y = (rows[:, None] + oy.reshape(1, -1)) * pitch[0]
    x = (cols[:, None] + ox.reshape(1, -1)) * pitch[1]
    owner = np.repeat(np.arange(rows.size), k * k)
    return np.stack([x.reshape(-1), y.reshape(-1)], axis=1), owner


def _principal_axis(points: np.ndarray) -> np.ndarray:
    centred = points - points.mean(axis=0)
    _, vecs = np.linalg.eigh(centred.T @ centred)
    return vecs[:, -1]


def _toe_line(peak: np.ndarray, offset: tuple[int, int], pitch: tuple[float, float],
              origin: np.ndarray, axis: np.ndarray, right: np.ndarray, u_lo: float, u_hi: float,
              w_lo: float, w_hi: float, threshold: float) -> ToeLine | None:
    """Find the valleys between forefoot and toes, strip by strip (None: no toes)."""
    h = min(pitch) / 2
    us = np.arange(u_lo, u_hi + h, h)
    ws = np.arange(w_lo, w_hi + h, h)
    uu, ww = np.meshgrid(us, ws, indexing="ij")
    x = origin[0] + uu * axis[0] + ww * right[0]
    y = origin[1] + uu * axis[1] + ww * right[1]
    rr = y / pitch[0] - 0.5 - offset[0]
    cc = x / pitch[1] - 0.5 - offset[1]
    img = ndimage.map_coordinates(peak, [rr, cc], order=1, mode="constant", cval=0.0)
    length = u_hi - u_lo
    head_start = int(np.searchsorted(us, u_lo + 0.50 * length))
    head_end = max(int(np.searchsorted(us, u_lo + 0.80 * length)), head_start + 1)
    n_u = us.size
    idx = np.arange(n_u)[:, None]
    # Per strip across the foot: the metatarsal-head peak, then the running minimum in front of
    # it; a toe is where the pressure rises clearly (by 30 % of its value and by the noise
    # threshold) above that minimum. All strips at once, no Python loop over sensels.
    head = img[head_start:head_end]
    has_head = head.max(axis=0) > threshold
    m = head_start + np.argmax(head, axis=0)
    ahead = np.where(idx >= m[None, :], img, np.inf)
    run_min = np.minimum.accumulate(ahead, axis=0)
    rise = img - run_min
    toe = ((idx > m[None, :]) & (img > threshold)
           & (rise >= np.maximum(threshold, 0.3 * img)) & has_head[None, :])
    found = toe.any(axis=0)
    first = np.argmax(toe, axis=0)
    cols = np.flatnonzero(found)
    pts_w, pts_u = [], []
    for j in cols:
        i = first[j]
        low = run_min[i, j]
        # The valley: the middle of the run of near-minimal values before this toe.
        seg = img[m[j]:i, j]
        run = np.flatnonzero(seg <= low + 0.1 * (img[i, j] - low)) + m[j]
        pts_w.append(ws[j])
        pts_u.append(0.5 * (us[run[0]] + us[run[-1]]))
    if not pts_u:
        return None
    pw, pu = np.asarray(pts_w), np.asarray(pts_u)
    return ToeLine(origin + pu[:, None] * axis + pw[:, None] * right)


@dataclasses.dataclass(frozen=True)
class ToeLine:
    """The gap between the toes and the forefoot: valley points (mat mm), one per strip.

    The cut follows the points (smoothed over three neighbours), so it bends with the gap
    behind the hallux and the smaller toes; beyond the outermost points it runs on along the
    straight line fitted through all of them.
    """

    points_xy: np.ndarray

    def cut_u(self, origin: np.ndarray, axis: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Axial position of the cut (mm, frame ``origin``/``axis``) at cross positions ``w``."""
        return self.cutter(origin, axis)(w)

    def cutter(self, origin: np.ndarray, axis: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """Return ``w -> u`` of the cut in one frame (the frame's work done once)."""
        right = np.array([-axis[1], axis[0]])
        d = self.points_xy - origin
        pu, pw = d @ axis, d @ right
        order = np.argsort(pw)
        pu, pw = pu[order], pw[order]
        if pu.size >= 3:
            # Median of three neighbours: sort the three columns and take the middle one.
            padded = np.concatenate([pu[:1], pu, pu[-1:]])
            a, b, c = padded[:-2], padded[1:-1], padded[2:]
            pu = np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))
        dw = pw - pw.mean()
        spread = float(dw @ dw)
        if pw.size >= 3 and spread > 1e-12:
            # Least-squares slope of the cut across the foot, 35 degrees at most.
            slope = float(np.clip(dw @ (pu - pu.mean()) / spread, -0.7, 0.7))
        else:
            slope = 0.0

        def cut(w: np.ndarray) -> np.ndarray:
            w = np.asarray(w, dtype=float)
            u = np.interp(w, pw, pu)
            u = np.where(w < pw[0], pu[0] + slope * (w - pw[0]), u)
            return np.where(w > pw[-1], pu[-1] + slope * (w - pw[-1]), u)

        return cut


def _toe_remnants(mask: np.ndarray, rows: np.ndarray, cols: np.ndarray, is_toe: np.ndarray,
                  u: np.ndarray) -> np.ndarray:
    """Sensels the toe line left on the toe-less side that belong to a toe.

    A straight line cannot follow every toe: the medial edge of the hallux can fall behind it.
    Such a sliver is a small blob of its own in the front of the print, cut off from the sole;
    the heel and forefoot of a high-arched foot are large, so they stay.
    """
    toeless_img = np.zeros(mask.shape, bool)
    keep = ~is_toe
    toeless_img[rows[keep], cols[keep]] = True
    labels = label(toeless_img, connectivity=2)
    if labels.max() <= 1:
        return np.zeros(rows.size, bool)
    lab = labels[rows, cols]
    sizes = np.bincount(lab, minlength=labels.max() + 1)
    front = u.min() + 0.7 * np.ptp(u)
    out = np.zeros(rows.size, bool)
    for k in range(1, labels.max() + 1):
        sel = lab == k
        if sizes[k] < 0.08 * keep.sum() and u[sel].min() > front:
            out |= sel
    return out


def _side_votes(sub_uw: np.ndarray, toeless: np.ndarray, u0: float, u1: float,
                hallux_w: float | None) -> dict[str, float]:
    """Vote +1 or -1 for the side (+w or -w) that is lateral, from cues of the print's shape.

    midfoot: the midfoot contact lies on the lateral side; hallux: the largest toe is medial;
    front: the medial forefoot reaches further forward than the lateral.
    """
    u, w = sub_uw[:, 0], sub_uw[:, 1]
    third = (u1 - u0) / 3
    votes: dict[str, float] = {}
    heel = toeless & (u < u0 + 0.2 * (u1 - u0))
    fore = toeless & (u >= u0 + 2 * third)
    mid = toeless & (u >= u0 + third) & (u < u0 + 2 * third)
    if not (heel.any() and fore.any()):
        return votes
    w_heel, w_fore = w[heel].mean(), w[fore].mean()
    fore_centre = 0.5 * (w[fore].min() + w[fore].max())
    if mid.sum() > 0.08 * toeless.sum():
        t = (u[mid].mean() - u[heel].mean()) / max(u[fore].mean() - u[heel].mean(), 1e-9)
        votes["midfoot"] = float(np.sign(w[mid].mean() - (w_heel + t * (w_fore - w_heel))))
    front_band = fore & (u > u1 - 0.10 * (u1 - u0))
    if front_band.sum() > 4:
        votes["front"] = float(-np.sign(w[front_band].mean() - fore_centre))
    if hallux_w is not None:
        votes["hallux"] = float(-np.sign(hallux_w - fore_centre))
    return votes


def _cop_vote(cop_xy_mm: np.ndarray, heel_xy: np.ndarray, axis: np.ndarray,
              right: np.ndarray, u_back: float, u_front: float) -> dict[str, float]:
    """Vote for the lateral side from the end of a step's COP path.

    At toe off the foot pushes off the hallux, so the last tenth of the path lies medial of the
    axis (heel centre to second toe). No vote when the path ends within 3 mm of the axis, or
    before the front fifth of the print (a recording that stops before toe off, or a mat too
    slow to catch it, ends the path under the metatarsal heads, which tells nothing).
    """
    path = cop_xy_mm[np.isfinite(cop_xy_mm).all(axis=1)]
    if path.shape[0] < 5:
        return {}
    tail = path[-max(2, path.shape[0] // 10):]
    u_end = float(((tail - heel_xy) @ axis).mean())
    if u_end < u_back + 0.8 * (u_front - u_back):
        return {}
    w_end = float(((tail - heel_xy) @ right).mean())
    return {"toe_off": float(-np.sign(w_end))} if abs(w_end) > 3.0 else {}


_VOTE_WEIGHTS = {"midfoot": 2.0, "hallux": 1.5, "front": 1.0, "toe_off": 4.0}


def _edge_coverage(peak: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Fraction of each sensel the foot covers: 1 inside, estimated on the outline.

    A sensel reads the mean pressure over its area, so one the outline crosses reads about
    (covered fraction) x (pressure of the sole there). The sole's pressure is taken from the
    highest loaded neighbour. Counting outline sensels whole would widen the print by up to half
    a sensel on every side, which inflates a narrow midfoot most and biases the arch index up.
    """
    footprint3 = np.ones((3, 3), bool)
    interior = ndimage.binary_erosion(mask, footprint3, border_value=0)
    inner = np.where(interior, peak, 0.0)
    # Mean pressure of the interior neighbours: the sole's pressure next to the outline.
    total = ndimage.uniform_filter(inner, size=3, mode="constant") * 9
    count = ndimage.uniform_filter(interior.astype(float), size=3, mode="constant") * 9
    # Outline sensels with no interior neighbour (a sensel the sole's edge barely touches)
    # compare with their highest loaded neighbour instead.
    ring = np.ones((3, 3), bool)
    ring[1, 1] = False
    neighbour_max = ndimage.maximum_filter(np.where(mask, peak, 0.0), footprint=ring,
                                           mode="constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        local = np.where(count > 0.5, total / np.maximum(count, 1e-9),
                         np.where(neighbour_max > 0, neighbour_max, peak))
        frac = np.clip(np.where(local > 0, peak / local, 0.0), 0.0, 1.0)
    return np.where(interior, 1.0, np.where(mask, frac, 0.0))


def _keep_covered(sub_xy: np.ndarray, owner: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                  cover: np.ndarray, mask: np.ndarray, pitch: tuple[float, float],
                  k: int, offset: tuple[int, int]) -> np.ndarray:
    """Keep, in each outline sensel, the covered fraction of its sub-points on the inner side.

    The inner side is toward the neighbouring covered sensels; so the kept sub-points trace
    the outline inside the sensel, and lengths, widths and areas follow the sole, not the grid.
    """
    c = cover[rows, cols]
    weights = ndimage.correlate(cover, np.ones((3, 3)), mode="constant")
    wy = ndimage.correlate(cover, np.array([[-1.0] * 3, [0.0] * 3, [1.0] * 3]), mode="constant")
    wx = ndimage.correlate(cover, np.array([[-1.0, 0, 1]] * 3), mode="constant")
    n_y = (wy / np.maximum(weights, 1e-9))[rows, cols] * pitch[0]
    n_x = (wx / np.maximum(weights, 1e-9))[rows, cols] * pitch[1]
    centres = np.stack([(cols + offset[1] + 0.5) * pitch[1],
                        (rows + offset[0] + 0.5) * pitch[0]], axis=1)
    n = centres.shape[0]
    rel = sub_xy.reshape(n, k * k, 2) - centres[:, None, :]
    proj = rel[..., 0] * n_x[:, None] + rel[..., 1] * n_y[:, None]
    rank = np.argsort(np.argsort(-proj, axis=1), axis=1)  # 0 = most inward
    keep = rank < np.round(c * k * k)[:, None]
    keep[c >= 1.0] = True
    return keep.reshape(-1)


def _toes(toe_mask: np.ndarray, peak: np.ndarray, rows: np.ndarray, cols: np.ndarray,
          w: np.ndarray) -> tuple[np.ndarray, int | None]:
    """Label toe blobs; return the labels and the label of the hallux, if it can be told.

    The hallux sits at one end of the row of toes and carries more pressure than the little
    toe at the other end (toes 2-5 may merge into one larger blob, so size alone misleads).
    """
    labels = label(toe_mask, connectivity=1)
    n = int(labels.max())
    if n < 2:
        return labels, None
    lab = labels[rows, cols]
    values = peak[rows, cols]
    centre_w = np.array([w[lab == k].mean() if (lab == k).any() else np.nan
                         for k in range(1, n + 1)])
    ends = (int(np.nanargmin(centre_w)) + 1, int(np.nanargmax(centre_w)) + 1)
    peaks = [float(values[lab == k].max()) for k in ends]
    if max(peaks) < 1.2 * min(peaks):
        return labels, None
    return labels, ends[int(np.argmax(peaks))]


def footprint(
    peak_kpa: np.ndarray,
    mask: np.ndarray,
    pitch_mm: tuple[float, float],
    *,
    offset: tuple[int, int] = (0, 0),
    direction: tuple[float, float] | np.ndarray | None = None,
    threshold_kpa: float = 5.0,
    side: str | None = None,
    oversample: int = OVERSAMPLE,
    cop_xy_mm: np.ndarray | None = None,
) -> Footprint:
    """Measure one foot's print.

    Parameters
    ----------
    peak_kpa : ndarray, shape (R, C)
        Peak (or mean standing) pressure in a window around the foot, kPa.
    mask : ndarray of bool, shape (R, C)
        The foot's sensels in that window.
    pitch_mm : (float, float)
        Row and column pitch in mm.
    offset : (int, int)
        Mat row and column of the window's first sensel.
    direction : (float, float), optional
        Rough heel-to-toe direction (x, y) in mat coordinates (the walking direction, or the
        way the patient faces). Without it the wider end of the print is taken as the front.
    threshold_kpa : float
        Noise threshold used for the mask (the toe valley must rise above it).
    side : str, optional
        ``"left"`` or ``"right"`` when known from elsewhere (position on the mat); otherwise
        it is read from the print's shape.
    oversample : int
        Sub-points per sensel along each axis.
    cop_xy_mm : ndarray, shape (T, 2), optional
        The step's COP path in mat mm (NaN rows skipped): it ends under the hallux at toe off,
        the strongest cue to which side is medial when the side is not given.

    Returns
    -------
    Footprint

    Examples
    --------
    >>> img = np.zeros((60, 30)); img[5:55, 8:22] = 100.0
    >>> fp = footprint(img, img > 0, (5.0, 5.0), direction=(0, -1))
    >>> f"{fp.arch_index:.3f}", round(fp.toeless_length_mm / 10)
    ('0.335', 25)
    """
    rows, cols = np.nonzero(mask)
    rows_m, cols_m = rows + offset[0], cols + offset[1]
    sub_xy, owner = _subpoints(rows_m, cols_m, pitch_mm, oversample)
    centres = np.stack([(cols_m + 0.5) * pitch_mm[1], (rows_m + 0.5) * pitch_mm[0]], axis=1)
    axis = _principal_axis(centres)
    rough = np.asarray(direction, dtype=float) if direction is not None else None
    if rough is not None and np.hypot(*rough) > 0:
        rough = rough / np.hypot(*rough)
        if axis @ rough < 0:
            axis = -axis
        if axis @ rough < np.cos(np.radians(45)):
            # A print longer across than along (a child's forefoot, a partial print) misleads
            # the principal axis; the walking or facing direction is the better first guess.
            axis = rough
    else:
        # The forefoot (with the toes) is wider than the heel.
        proj = centres @ axis
        lo, hi = np.percentile(proj, [25, 75])
        perp = centres @ np.array([-axis[1], axis[0]])
        if np.ptp(perp[proj >= hi]) < np.ptp(perp[proj <= lo]):
            axis = -axis
    origin = centres.mean(axis=0)
    peak_masked = np.where(mask, peak_kpa, 0.0).astype(np.float64)
    # The toe line is found once, along the first guess of the axis: it is a set of points on
    # the mat, so the refined axis below re-expresses it rather than searching again.
    right = np.array([-axis[1], axis[0]])
    d = sub_xy - origin
    su, sw = d @ axis, d @ right
    toe_line = _toe_line(peak_masked, offset, pitch_mm, origin, axis, right, float(su.min()),
                         float(su.max()), float(sw.min()), float(sw.max()), threshold_kpa)
    heel_xy = origin
    votes: dict[str, float] = {}
    lateral_sign = 1.0
    first = True
    # The axis is refined on a coarser grid of sub-points (2 x 2 a sensel): a tenth of a
    # millimetre in the heel centre does not move it.
    coarse = _subpoints(rows_m, cols_m, pitch_mm, 2)[0]
    for _ in range(AXIS_ITERATIONS):
        right = np.array([-axis[1], axis[0]])
        d = coarse - heel_xy
        su, sw = d @ axis, d @ right
        cut = toe_line.cutter(heel_xy, axis) if toe_line is not None else None
        toeless = su <= cut(sw) if cut is not None else np.ones(su.size, bool)
        if not toeless.any():
            toeless = np.ones(su.size, bool)
            toe_line, cut = None, None
        u0, u1 = float(su[toeless].min()), float(su[toeless].max())
        heel_sel = toeless & (su < u0 + 0.15 * (u1 - u0))
        new_heel = coarse[heel_sel].mean(axis=0)
        if first:
            # Which side is lateral, from the print's shape (and the COP, when given), read
            # once in the first frame: the refinements below move the axis by a few degrees.
            cw = (centres - heel_xy) @ right
            is_toe = (centres - heel_xy) @ axis > cut(cw) if cut is not None else \
                np.zeros(cw.size, bool)
            toe_img = np.zeros(mask.shape, bool)
            toe_img[rows[is_toe], cols[is_toe]] = True
            labels, hallux = _toes(toe_img, peak_masked, rows, cols, cw)
            hallux_w = None if hallux is None else float(cw[labels[rows, cols] == hallux].mean())
            votes = _side_votes(np.stack([su, sw], axis=1), toeless, u0, u1, hallux_w)
            if cop_xy_mm is not None:
                votes.update(_cop_vote(cop_xy_mm, heel_xy, axis, right, u0,
                                       float(su.max())))
            if side is None:
                score = sum(_VOTE_WEIGHTS[k] * v for k, v in votes.items())
                lateral_sign = 1.0 if score >= 0 else -1.0
            else:
                lateral_sign = 1.0 if side == "right" else -1.0
            first = False
        # The second toe's tip. Plate prints rarely show the small toes one by one (they merge,
        # stay off the mat, or are a sensel wide), so which blob is the second toe is a guess
        # that jumps from step to step. Its tip is placed where the second ray ends in an
        # average foot instead: at the front of the print, 45 % of the forefoot's width from its
        # medial edge (the foot model's exact axis to within half a degree; see README).
        fore = toeless & (su >= u0 + 2 * (u1 - u0) / 3)
        w_med = sw[fore].min() if lateral_sign > 0 else sw[fore].max()
        w_lat = sw[fore].max() if lateral_sign > 0 else sw[fore].min()
        tip = heel_xy + axis * float(su.max()) + right * (w_med + SECOND_RAY * (w_lat - w_med))
        new_axis = tip - new_heel
        new_axis /= np.hypot(*new_axis)
        # Settled to a twentieth of a degree and a twentieth of a millimetre.
        converged = float(np.abs(new_axis - axis).max()) < 1e-3 and \
            float(np.abs(new_heel - heel_xy).max()) < 0.05
        axis, heel_xy = new_axis, new_heel
        if converged:
            break
    right = np.array([-axis[1], axis[0]])
    lateral = right * lateral_sign
    d = sub_xy - heel_xy
    su, sw = d @ axis, d @ lateral
    cu, cw = (centres - heel_xy) @ axis, (centres - heel_xy) @ lateral
    if toe_line is not None:
        cut = toe_line.cutter(heel_xy, axis)
        is_toe = cu > cut((centres - heel_xy) @ right)
        is_toe |= _toe_remnants(mask, rows, cols, is_toe, cu)
        toeless = (su <= cut(d @ right)) & ~is_toe[owner]
    if toe_line is None or not toeless.any():
        toe_line = None
        toeless = np.ones(su.size, bool)
        is_toe = np.zeros(cu.size, bool)
    cover = _edge_coverage(peak_masked, mask)
    # A sensel that barely clears the noise threshold is as much noise as contact: its share
    # of the print rises from nothing at the threshold to whole at twice the threshold, so a
    # light lateral midfoot band that touches in one step and not in the next moves the arch
    # index gradually instead of jumping.
    cover = np.minimum(cover, np.clip((peak_masked - threshold_kpa) / max(threshold_kpa, 1e-9),
                                      0.0, 1.0))
    keep = _keep_covered(sub_xy, owner, rows, cols, cover, mask, pitch_mm, oversample, offset)
    sub_xy, owner = sub_xy[keep], owner[keep]
    d = sub_xy - heel_xy
    su, sw = d @ axis, d @ lateral
    if toe_line is not None:
        toeless = (su <= cut(d @ right)) & ~is_toe[owner]
    else:
        toeless = np.ones(su.size, bool)
    cover = np.ones(su.size)
    sub_area = pitch_mm[0] * pitch_mm[1] / oversample**2 / 100.0
    h_sub = min(pitch_mm) / oversample
    u0 = float(su[toeless].min()) - h_sub / 2
    u1 = float(su[toeless].max()) + h_sub / 2
    u_front = float(su.max()) + h_sub / 2
    length0 = u1 - u0
    third = length0 / 3
    in_b = toeless & (su >= u0 + third) & (su < u0 + 2 * third)
    n_toeless = float(cover[toeless].sum())
    arch_index = float(cover[in_b].sum() / n_toeless) if n_toeless else None
    # Widths across the axis, in bins half a sensel long, toes included.
    bin_mm = min(pitch_mm) / 2
    edges = np.arange(u0, u_front + bin_mm, bin_mm)
    idx = np.clip(np.searchsorted(edges, su, side="right") - 1, 0, edges.size - 2)
    wmin = np.full(edges.size - 1, np.inf)
    wmax = np.full(edges.size - 1, -np.inf)
    np.minimum.at(wmin, idx, sw)
    np.maximum.at(wmax, idx, sw)
    widths = np.where(np.isfinite(wmin), wmax - wmin + h_sub, 0.0)
    centres_u = 0.5 * (edges[:-1] + edges[1:])
    filled = np.isfinite(wmin)
    foot_widths = (_envelope(centres_u[filled], wmax[filled], upper=True, at=centres_u)
                   - _envelope(centres_u[filled], wmin[filled], upper=False, at=centres_u)
                   + h_sub)
    # Toe-less widths for the Chippaux-Smirak and Staheli indices.
    wmin0 = np.full(edges.size - 1, np.inf)
    wmax0 = np.full(edges.size - 1, -np.inf)
    np.minimum.at(wmin0, idx[toeless], sw[toeless])
    np.maximum.at(wmax0, idx[toeless], sw[toeless])
    widths0 = np.where(np.isfinite(wmin0), wmax0 - wmin0 + h_sub, 0.0)
    in_b_bins = (centres_u >= u0 + third) & (centres_u < u0 + 2 * third)
    in_a_bins = (centres_u >= u0 + 2 * third) & (centres_u <= u1)
    in_c_bins = centres_u < u0 + third
    fore_w = float(widths0[in_a_bins].max()) if in_a_bins.any() else 0.0
    heel_w = float(widths0[in_c_bins].max()) if in_c_bins.any() else 0.0
    mid_w = float(widths0[in_b_bins].min()) if in_b_bins.any() else 0.0
    csi = 100.0 * mid_w / fore_w if fore_w > 0 else None
    staheli = mid_w / heel_w if heel_w > 0 else None
    side_name = "right" if lateral_sign > 0 else "left"
    return Footprint(
        side=side_name if side is None else side,
        side_votes=votes,
        heel_xy_mm=(float(heel_xy[0]), float(heel_xy[1])),
        axis=(float(axis[0]), float(axis[1])),
        lateral=(float(lateral[0]), float(lateral[1])),
        u_back_mm=u0,
        u_front_toeless_mm=u1,
        u_front_mm=u_front,
        toe_line=toe_line,
        contact_area_cm2=float(rows.size * pitch_mm[0] * pitch_mm[1] / 100.0),
        toeless_area_cm2=float(n_toeless * sub_area),
        arch_index=arch_index,
        chippaux_smirak_pct=csi,
        staheli=staheli,
        forefoot_width_mm=fore_w,
        widths_u_mm=centres_u,
        widths_mm=widths,
        foot_widths_mm=foot_widths,
        sensel_u_mm=cu - u0,
        sensel_w_mm=cw,
        sensel_is_toe=is_toe,
        toeless_extent_w_mm=(float(sw[toeless].min()), float(sw[toeless].max())),
    )
