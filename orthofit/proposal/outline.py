"""The outline of an insole scaled to the foot, with its posting and offloading zones.

Pure geometry in the foot frame of :class:`~orthofit.analysis.footprint.Footprint`: ``u``
(mm) from the back of the heel toward the toes, ``w`` (mm) across, positive lateral. The
outline is the convex hull of the whole print (an insole spans the arch the foot does not
touch) grown by a margin; zones are the hull clipped to the part of the foot an element works
on. The report package draws them (PDF, SVG); the GUI redraws them live.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from orthofit.analysis.footprint import Footprint
from orthofit.analysis.masks import MASK_NAMES, assign_masks
from orthofit.proposal.model import FootProposal

#: Fractions of the toe-less length where the heel and the midfoot end (as the masks).
HEEL_END, MIDFOOT_END = 0.375, 0.64


@dataclasses.dataclass(frozen=True)
class Zone:
    """A marked area of the insole: ``kind`` (element), a label and a polygon (u, w) in mm."""

    kind: str
    label: str
    polygon: np.ndarray


@dataclasses.dataclass(frozen=True)
class InsoleOutline:
    """An insole for one foot in foot coordinates (mm)."""

    side: str
    polygon: np.ndarray
    zones: tuple[Zone, ...]
    length_mm: float
    width_mm: float
    toeless_length_mm: float
    shell_end_u_mm: float


def clip_half_plane(poly: np.ndarray, normal: np.ndarray, offset: float) -> np.ndarray:
    """Keep the part of a convex polygon where ``p @ normal <= offset`` (Sutherland-Hodgman).

    Examples
    --------
    >>> square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], float)
    >>> float(clip_half_plane(square, np.array([1.0, 0.0]), 1.0)[:, 0].max())
    1.0
    """
    out = []
    n = len(poly)
    for i in range(n):
        a, b = poly[i], poly[(i + 1) % n]
        da, db = a @ normal - offset, b @ normal - offset
        if da <= 0:
            out.append(a)
        if (da < 0 < db) or (db < 0 < da):
            out.append(a + (b - a) * (da / (da - db)))
    return np.array(out) if out else np.zeros((0, 2))


def _grow(poly: np.ndarray, margin: float, points: int = 72) -> np.ndarray:
    """A convex polygon grown by ``margin`` mm, resampled smoothly by angle around its centre."""
    centre = poly.mean(axis=0)
    angles = np.linspace(0, 2 * np.pi, points, endpoint=False)
    dirs = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    # Support function of the hull: the farthest extent in each direction, plus the margin.
    reach = ((poly - centre) @ dirs.T).max(axis=0) + margin
    # Points on the grown boundary along each ray (good enough for a convex outline).
    radii = np.empty(points)
    for i, d in enumerate(dirs):
        # Distance along d at which every support line is respected.
        cos = dirs @ d
        ok = cos > 1e-6
        radii[i] = np.min(reach[ok] / cos[ok])
    return centre + dirs * radii[:, None]


def _box(u0: float, u1: float, w0: float, w1: float) -> np.ndarray:
    return np.array([[u0, w0], [u1, w0], [u1, w1], [u0, w1]], float)


def _clip_box(poly: np.ndarray, u0: float, u1: float, w0: float, w1: float) -> np.ndarray:
    for normal, off in (((-1, 0), -u0), ((1, 0), u1), ((0, -1), -w0), ((0, 1), w1)):
        poly = clip_half_plane(poly, np.array(normal, float), off)
        if len(poly) == 0:
            break
    return poly


def insole_outline(fp: Footprint, foot: FootProposal | None = None, *,
                   margin_mm: float = 4.0) -> InsoleOutline:
    """The insole outline of a foot's print and, with a proposal, its element zones."""
    # The width profile is sampled every half sensel: that is how far a sensel's corner
    # reaches beyond its centre.
    u_bins = fp.widths_u_mm
    half = float(u_bins[1] - u_bins[0]) if len(u_bins) > 1 else 2.5
    corners = np.concatenate([
        np.stack([fp.sensel_u_mm + du, fp.sensel_w_mm + dw], axis=1)
        for du in (-half, half) for dw in (-half, half)])
    hull = corners[ConvexHull(corners).vertices]
    outline = _grow(hull, margin_mm)
    l0 = fp.toeless_length_mm
    big = 1e3
    zones = []
    shell_end = float(outline[:, 0].max())
    if foot is not None:
        el = foot.elements
        if el["shell"].values.get("length") == "3/4":
            shell_end = MIDFOOT_END * l0 + 0.08 * l0  # just behind the metatarsal heads
        post = el["rearfoot_post"].values
        if post.get("side") in ("medial", "lateral") and post.get("degrees"):
            w0, w1 = (-big, 0.0) if post["side"] == "medial" else (0.0, big)
            zones.append(Zone("rearfoot_post", f"{post['side']} post {post['degrees']:g} deg",
                              _clip_box(outline, -big, HEEL_END * l0, w0, w1)))
        fpost = el["forefoot_post"].values
        if fpost.get("side") in ("medial", "lateral") and fpost.get("degrees"):
            w0, w1 = (-big, 0.0) if fpost["side"] == "medial" else (0.0, big)
            zones.append(Zone("forefoot_post", f"{fpost['side']} forefoot {fpost['degrees']:g} "
                              "deg", _clip_box(outline, MIDFOOT_END * l0, big, w0, w1)))
        arch = el["arch_support"].values.get("height_mm") or 0
        if arch:
            zones.append(Zone("arch_support", f"arch {arch:g} mm",
                              _clip_box(outline, 0.30 * l0, MIDFOOT_END * l0 + 0.04 * l0,
                                        -big, 0.0)))
        pad = el["metatarsal_pad"].values
        if pad.get("type", "none") != "none":
            mask_idx = assign_masks(fp)
            target = pad.get("target") or "m2"
            sel = mask_idx == MASK_NAMES.index(target) if target in MASK_NAMES else \
                np.zeros(mask_idx.size, bool)
            w_c = float(fp.sensel_w_mm[sel].mean()) if sel.any() else 0.0
            u_heads = float(fp.sensel_u_mm[sel].mean()) if sel.any() else 0.72 * l0
            # Just proximal to the heads: the pad's distal edge offset_mm behind their line.
            u_c = u_heads - float(pad.get("offset_mm", 5.0)) - 10.0
            t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
            zones.append(Zone("metatarsal_pad", f"{pad['type']} {pad.get('height_mm', 0):g} mm",
                              np.stack([u_c + 10 * np.cos(t), w_c + 12 * np.sin(t)], axis=1)))
        regions = el["offloading"].values.get("regions") or []
        if regions:
            mask_idx = assign_masks(fp)
            for name in regions:
                if name not in MASK_NAMES:
                    continue
                sel = mask_idx == MASK_NAMES.index(name)
                if sel.sum() < 3:
                    continue
                pts = np.stack([fp.sensel_u_mm[sel], fp.sensel_w_mm[sel]], axis=1)
                try:
                    poly = _grow(pts[ConvexHull(pts).vertices], 3.0, 36)
                except QhullError:  # sensels in a line: a small circle instead
                    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
                    poly = pts.mean(0) + 8 * np.stack([np.cos(t), np.sin(t)], axis=1)
                zones.append(Zone("offloading", f"offload {name}", poly))
        lift = el["heel_lift"].values.get("height_mm") or 0
        if lift:
            zones.append(Zone("heel_lift", f"heel lift {lift:g} mm",
                              _clip_box(outline, -big, HEEL_END * l0, -big, big)))
    return InsoleOutline(
        side=fp.side, polygon=outline, zones=tuple(zones),
        length_mm=float(np.ptp(outline[:, 0])), width_mm=float(np.ptp(outline[:, 1])),
        toeless_length_mm=l0, shell_end_u_mm=float(shell_end),
    )
