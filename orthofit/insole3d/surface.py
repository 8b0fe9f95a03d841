"""The top surface of an insole: the sum of its elements, each a smooth function of (u, w).

Foot frame of the outline (mm): ``u`` from the back of the heel toward the toes, ``w`` across,
positive lateral. Each element is zero outside its region and joins the rest with zero slope
(cosine-squared ramps), so the surface has no step anywhere. The flat shell is ``base``; on it:

* heel lift: a constant rise under the heel, ramping down ahead of it;
* rearfoot/forefoot post: a plane rising toward the posted side at the proposed angle across
  the heel (forefoot), level at the opposite edge, fading out beyond its region;
* heel cup: a rim rising from the heel seat to the proposed depth at the outline's edge;
* arch support: highest along the medial edge under the pad's apex, falling laterally;
* metatarsal dome (or bar): a cosine-squared bump of the proposed height over the pad zone.

Heights stack: a cup or arch sits on the post's plane, so the post angle is the heel seat's.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from orthofit.insole3d.mesh import distance_to_edge, edges_across
from orthofit.insole3d.spec import PrintSpec
from orthofit.proposal.model import FootProposal
from orthofit.proposal.outline import HEEL_END, MIDFOOT_END, InsoleOutline


def ramp_down(x: np.ndarray, start: float, end: float) -> np.ndarray:
    """1 up to ``start``, 0 from ``end`` on, cosine-squared between (zero slope at both ends).

    Examples
    --------
    >>> ramp_down(np.array([0.0, 1.0, 1.5, 2.0, 3.0]), 1.0, 2.0).round(3).tolist()
    [1.0, 1.0, 0.5, 0.0, 0.0]
    """
    if end <= start:
        return (np.asarray(x) <= start).astype(float)
    t = np.clip((np.asarray(x, float) - start) / (end - start), 0.0, 1.0)
    return np.cos(0.5 * np.pi * t) ** 2


@dataclasses.dataclass(frozen=True)
class Surface:
    """The top surface z(u, w) of one insole, and where its features peak (mm)."""

    outline: np.ndarray
    spec: PrintSpec
    base_mm: float
    heel_end_mm: float
    forefoot_start_mm: float
    lift_mm: float = 0.0
    rearfoot: tuple[str, float] = ("none", 0.0)
    forefoot: tuple[str, float] = ("none", 0.0)
    cup_mm: float = 0.0
    #: Arch support: height, pad start/apex/end u and the apex w, the width it falls over.
    arch: tuple[float, float, float, float, float, float] | None = None
    #: Metatarsal pad: type, height, centre (u, w) and semi-axes (u, w).
    pad: tuple[str, float, float, float, float, float] | None = None

    @property
    def features(self) -> list[float]:
        """Rows the mesh must hold exactly (u, mm): the arch's ends and apex, the pad's centre.

        A row at each end of the support makes the printed support begin and end where the
        catalogue puts it, not up to a row's spacing beyond.
        """
        out = []
        if self.arch is not None:
            out += [self.arch[1], self.arch[2], self.arch[3]]
        if self.pad is not None:
            out.append(self.pad[2])
        return out

    def _post(self, u: np.ndarray, w: np.ndarray, post: tuple[str, float],
              weight: np.ndarray, u_lo: float, u_hi: float) -> np.ndarray:
        side, degrees = post
        if side not in ("medial", "lateral") or not degrees:
            return np.zeros_like(u)
        lo, hi = edges_across(self.outline, np.linspace(u_lo, u_hi, 64))
        slope = np.tan(np.radians(degrees))
        # Level at the unposted edge of the region, rising toward the posted side.
        rise = slope * (float(hi.max()) - w) if side == "medial" else \
            slope * (w - float(lo.min()))
        return rise * weight

    def __call__(self, u: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Height of the top surface above the bed (mm) at foot coordinates (mm)."""
        u, w = np.asarray(u, float), np.asarray(w, float)
        s = self.spec
        u_back = float(self.outline[:, 0].min())
        z = np.full(u.shape, self.base_mm)
        rear = ramp_down(u, self.heel_end_mm, self.heel_end_mm + s.post_blend_mm)
        z += self.lift_mm * ramp_down(u, self.heel_end_mm, self.heel_end_mm
                                      + s.heel_lift_blend_mm)
        z += self._post(u, w, self.rearfoot, rear, u_back, self.heel_end_mm)
        front = 1.0 - ramp_down(u, self.forefoot_start_mm - s.post_blend_mm,
                                self.forefoot_start_mm)
        z += self._post(u, w, self.forefoot, front, self.forefoot_start_mm,
                        float(self.outline[:, 0].max()))
        if self.cup_mm:
            along = ramp_down(u, self.heel_end_mm - s.heel_cup_taper_mm, self.heel_end_mm)
            near = along > 0  # the distance to the edge only where the cup reaches
            d = distance_to_edge(self.outline, u[near], w[near])
            z[near] += self.cup_mm * ramp_down(d, 0.0, s.heel_cup_blend_mm) * along[near]
        if self.arch is not None:
            height, u0, u_apex, u1, w_apex, fall = self.arch
            t = np.clip((u - u0) / (u1 - u0), 0.0, 1.0)
            # Warped so the bump peaks at the apex: t**k = 1/2 there.
            k = np.log(0.5) / np.log((u_apex - u0) / (u1 - u0))
            along = np.sin(np.pi * t ** k) ** 2
            z += height * along * ramp_down(w, w_apex, w_apex + fall)
        if self.pad is not None:
            kind, height, uc, wc, au, aw = self.pad
            if kind == "bar":
                r = np.abs(u - uc) / au
            else:
                r = np.hypot((u - uc) / au, (w - wc) / aw)
            z += height * ramp_down(r, 0.0, 1.0)
        return z


def _value(foot: FootProposal, kind: str, key: str, default: object = 0.0) -> object:
    el = foot.elements.get(kind)
    return default if el is None else el.values.get(key, default)


def top_surface(outline: InsoleOutline, foot: FootProposal, spec: PrintSpec,
                domain: np.ndarray) -> Surface:
    """The top surface for one foot: elements from the proposal, placed by its outline's zones.

    ``domain`` is the insole's outline cut to the shell's length. Zones give where each
    element works (as drawn for the lab); heights and angles come from the proposal.
    """
    l0 = outline.toeless_length_mm
    zones = {z.kind: z for z in outline.zones}
    kw: dict = {}
    kw["lift_mm"] = float(_value(foot, "heel_lift", "height_mm") or 0.0)
    kw["cup_mm"] = float(_value(foot, "heel_cup", "depth_mm") or 0.0)
    for kind in ("rearfoot_post", "forefoot_post"):
        side = str(_value(foot, kind, "side", "none"))
        kw[kind.split("_")[0]] = (side, float(_value(foot, kind, "degrees") or 0.0))
    arch_h = float(_value(foot, "arch_support", "height_mm") or 0.0)
    if arch_h and "arch_support" in zones:
        poly = zones["arch_support"].polygon
        u_apex, w_apex = zones["arch_support"].anchor
        # The pad's lateral reach at the apex, plus the blend, is where the support ends.
        reach = float(poly[:, 1].max()) - w_apex
        kw["arch"] = (arch_h, float(poly[:, 0].min()), float(u_apex), float(poly[:, 0].max()),
                      float(w_apex), max(reach, 0.0) + spec.arch_blend_mm)
    pad_type = str(_value(foot, "metatarsal_pad", "type", "none"))
    pad_h = float(_value(foot, "metatarsal_pad", "height_mm") or 0.0)
    if pad_type != "none" and pad_h and "metatarsal_pad" in zones:
        poly = zones["metatarsal_pad"].polygon
        uc, wc = zones["metatarsal_pad"].anchor
        kw["pad"] = (pad_type, pad_h, float(uc), float(wc), float(np.ptp(poly[:, 0])) / 2,
                     float(np.ptp(poly[:, 1])) / 2)
    return Surface(domain, spec, spec.base_thickness_mm, HEEL_END * l0, MIDFOOT_END * l0,
                   **kw)
