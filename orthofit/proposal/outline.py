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
from orthofit.proposal.wording import MASK_TITLES, format_value

#: Fractions of the toe-less length where the heel and the midfoot end (as the masks): the
#: foot's regions, not sizes of the insole.
HEEL_END, MIDFOOT_END = 0.375, 0.64


@dataclasses.dataclass(frozen=True)
class ZoneShapes:
    """Where the arch pad, the metatarsal pad and a 3/4 shell's end lie, and how large they are.

    The catalogue's sizes (the ``[print3d]`` section of an insole profile, read and checked by
    :class:`orthofit.insole3d.PrintSpec`, whose ``shapes`` gives them); all practice
    convention. Places along the foot are percentages of the toe-less foot length from the
    back of the heel; widths across are percentages of the insole's width or millimetres.
    The defaults are the shipped catalogue's (``profiles/insoles/default.toml``, a test holds
    them equal), for a drawing made without a profile.
    """

    #: The arch pad starts (front of the heel), is highest (under the navicular) and ends
    #: (just behind the first metatarsal head) here, % of the toe-less length.
    arch_start_pct: float = 27.0
    arch_apex_pct: float = 45.0
    arch_end_pct: float = 66.0
    #: Its width at the apex, % of the insole's width there ...
    arch_width_pct: float = 40.0
    #: ... but at most this % of the way from the medial edge to the foot's axis.
    arch_axis_reach_pct: float = 90.0
    #: Its medial edge this far inside the insole's edge (mm).
    arch_edge_inset_mm: float = 1.5
    #: The metatarsal dome's (or bar's) length along the foot, and the dome's width across
    #: (a bar spans the insole), mm.
    pad_length_mm: float = 20.0
    dome_width_mm: float = 24.0
    #: Where the metatarsal heads are taken to be when the scan shows no target head, %.
    pad_heads_pct: float = 72.0
    #: A 3/4 shell ends here, just behind the metatarsal heads, %.
    shell_three_quarter_pct: float = 72.0
    #: An offloaded region reaches this far beyond its sensels (mm): the recess's margin.
    offload_margin_mm: float = 3.0


@dataclasses.dataclass(frozen=True)
class Zone:
    """A marked area of the insole: ``kind`` (element), a label and a polygon (u, w) in mm.

    ``anchor`` (u, w) is a point inside the zone: where a label's leader line ends.
    """

    kind: str
    label: str
    polygon: np.ndarray
    anchor: tuple[float, float] = (0.0, 0.0)


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
    #: "3/4" when the shell stops short of the toes (the drawings mark where), else "".
    shell_part: str = ""


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


def width_at(poly: np.ndarray, u: float) -> tuple[float, float]:
    """The (medial, lateral) extent ``w`` of a convex polygon across the foot at ``u`` (mm).

    Examples
    --------
    >>> square = np.array([[0, -2], [4, -2], [4, 3], [0, 3]], float)
    >>> width_at(square, 1.0)
    (-2.0, 3.0)
    """
    ws = []
    n = len(poly)
    for i in range(n):
        (ua, wa), (ub, wb) = poly[i], poly[(i + 1) % n]
        if (ua - u) * (ub - u) <= 0 and ua != ub:
            ws.append(wa + (wb - wa) * (u - ua) / (ub - ua))
    if not ws:
        return 0.0, 0.0
    return float(min(ws)), float(max(ws))


def arch_pad(outline: np.ndarray, l0: float, points: int = 24,
             shapes: ZoneShapes | None = None) -> tuple[np.ndarray, tuple]:
    """A medial arch pad: a smooth crescent along the medial midfoot, and its highest point.

    The pad follows the insole's medial edge (``arch_edge_inset_mm`` inside it) from the
    front of the heel (``arch_start_pct`` of the toe-less length ``l0``, mm) to just behind
    the first metatarsal head (``arch_end_pct``); its lateral edge bulges toward the foot's
    axis, widest under the navicular (``arch_apex_pct``), where an arch support is highest,
    and tapers to nothing at both ends (the sizes: ``shapes``, from the catalogue). Returns
    the polygon (u, w) in mm and the anchor (u, w) in the middle of its widest part.
    """
    s = shapes or ZoneShapes()
    u0, u1, u_peak = (s.arch_start_pct / 100 * l0, s.arch_end_pct / 100 * l0,
                      s.arch_apex_pct / 100 * l0)
    med_peak, lat_peak = width_at(outline, u_peak)
    # Widest at the navicular: a share of the insole's width there, never past the axis (a
    # medial edge within 1 mm of the axis still gets a pad, as if 1 mm away).
    reach = min(s.arch_width_pct / 100 * (lat_peak - med_peak),
                s.arch_axis_reach_pct / 100 * max(-med_peak, 1.0))
    t = np.linspace(0.0, 1.0, points)
    u = u0 + t * (u1 - u0)
    # A bump peaking at u_peak: sin(pi * s) of a warped s, smooth and zero at both ends.
    k = np.log(0.5) / np.log((u_peak - u0) / (u1 - u0))
    bump = np.sin(np.pi * t ** k) ** 1.3  # the power tapers both ends to a point
    medial = np.array([width_at(outline, x)[0] + s.arch_edge_inset_mm for x in u])
    inner = medial + reach * bump
    poly = np.concatenate([np.stack([u, medial], axis=1),
                           np.stack([u[::-1], inner[::-1]], axis=1)[1:-1]])
    i = int(np.argmax(bump))
    return poly, (float(u[i]), float(medial[i] + inner[i]) / 2)


def _centre(poly: np.ndarray) -> tuple[float, float]:
    """The vertex centre of a convex polygon (inside it)."""
    c = poly.mean(axis=0)
    return float(c[0]), float(c[1])


def insole_outline(fp: Footprint, foot: FootProposal | None = None, *,
                   margin_mm: float = 4.0, shapes: ZoneShapes | None = None) -> InsoleOutline:
    """The insole outline of a foot's print and, with a proposal, its element zones.

    The outline is the print's hull grown by ``margin_mm``; ``shapes`` places and sizes the
    zones (the catalogue's; None: the shipped one's). Zones are listed bottom layer first (a
    heel lift under the whole heel, then posts, the arch pad, a metatarsal pad and offloaded
    regions on top), each with a label that words its values as the reports do ("arch
    support 18 mm", "medial rearfoot post 5°").
    """
    shapes = shapes or ZoneShapes()
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
    shell_part = ""
    if foot is not None:
        el = foot.elements
        if el["shell"].values.get("length") == "3/4":
            shell_end = shapes.shell_three_quarter_pct / 100 * l0  # behind the heads
            shell_part = "3/4"
        lift = el["heel_lift"].values.get("height_mm") or 0
        if lift:
            poly = _clip_box(outline, -big, HEEL_END * l0, -big, big)
            # Pointed to on the lateral half: a medial post may cover the other.
            zones.append(Zone("heel_lift", f"heel lift {format_value(lift, 'mm')}", poly,
                              (float(poly[:, 0].min() + 0.3 * np.ptp(poly[:, 0])),
                               0.5 * float(poly[:, 1].max()))))
        for kind, name, u_lo, u_hi in (("rearfoot_post", "rearfoot post", -big, HEEL_END * l0),
                                       ("forefoot_post", "forefoot post", MIDFOOT_END * l0,
                                        big)):
            post = el[kind].values
            if post.get("side") in ("medial", "lateral") and post.get("degrees"):
                w0, w1 = (-big, 0.0) if post["side"] == "medial" else (0.0, big)
                poly = _clip_box(outline, u_lo, u_hi, w0, w1)
                zones.append(Zone(kind, f"{post['side']} {name} "
                                  f"{format_value(post['degrees'], 'deg')}", poly,
                                  _centre(poly)))
        arch = el["arch_support"].values.get("height_mm") or 0
        if arch:
            poly, anchor = arch_pad(outline, l0, shapes=shapes)
            zones.append(Zone("arch_support", f"arch support {format_value(arch, 'mm')}",
                              poly, anchor))
        pad = el["metatarsal_pad"].values
        if pad.get("type", "none") != "none":
            mask_idx = assign_masks(fp)
            target = pad.get("target") or "m2"
            sel = mask_idx == MASK_NAMES.index(target) if target in MASK_NAMES else \
                np.zeros(mask_idx.size, bool)
            w_c = float(fp.sensel_w_mm[sel].mean()) if sel.any() else 0.0
            u_heads = float(fp.sensel_u_mm[sel].mean()) if sel.any() else \
                shapes.pad_heads_pct / 100 * l0
            # Just proximal to the heads: the pad's distal edge offset_mm behind their line
            # (5 mm, Lee & Menz 2014, when a hand-made proposal gives no offset).
            half_u, half_w = shapes.pad_length_mm / 2, shapes.dome_width_mm / 2
            u_c = u_heads - float(pad.get("offset_mm", 5.0)) - half_u
            t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
            zones.append(Zone("metatarsal_pad", f"metatarsal {pad['type']} "
                              f"{format_value(pad.get('height_mm', 0), 'mm')}",
                              np.stack([u_c + half_u * np.cos(t), w_c + half_w * np.sin(t)],
                                       axis=1), (u_c, w_c)))
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
                    pts = pts[ConvexHull(pts).vertices]
                except QhullError:
                    pass  # sensels in a line: the margin grows the line itself into a zone
                poly = _grow(pts, shapes.offload_margin_mm, 36)
                zones.append(Zone("offloading", f"offload {MASK_TITLES.get(name, name)}", poly,
                                  _centre(poly)))
    return InsoleOutline(
        side=fp.side, polygon=outline, zones=tuple(z for z in zones if len(z.polygon) >= 3),
        length_mm=float(np.ptp(outline[:, 0])), width_mm=float(np.ptp(outline[:, 1])),
        toeless_length_mm=l0, shell_end_u_mm=float(shell_end), shell_part=shell_part,
    )
