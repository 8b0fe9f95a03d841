"""One printable solid per foot from a proposal: the insole body and its offloading fills.

Print coordinates (mm): the bottom lies on the bed at ``z = 0`` (print it that way up), ``y``
runs from the heel toward the toes and ``x`` across, seen from above as the lab drawings show
the insoles: a right foot's lateral side at +x, a left foot's at -x. So a left and a right
insole built from mirrored proposals are mirror images in ``x``.

Offloading regions are recesses of the catalogue depth cut into the top (manifold3d does the
boolean); each recess's fill is a separate body that fits it exactly, to print in a softer
material or infill.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from orthofit.insole3d.mesh import solid
from orthofit.insole3d.spec import BuildError, PrintSpec
from orthofit.insole3d.surface import Surface, top_surface
from orthofit.proposal.model import FootProposal
from orthofit.proposal.outline import InsoleOutline, clip_half_plane
from orthofit.proposal.wording import MASK_TITLES


@dataclasses.dataclass(frozen=True)
class InsoleSolid:
    """One foot's insole in print coordinates (mm).

    ``body`` is a closed trimesh; ``fills`` maps a region's name (a mask name such as
    ``m1``) to the closed body filling its recess. ``domain`` is the outline cut to the shell
    (foot frame, mm) and ``surface`` the top surface z(u, w) before any recess.
    """

    side: str
    body: object
    fills: dict
    domain: np.ndarray
    surface: Surface

    @property
    def x_sign(self) -> float:
        """``x = x_sign * w``: +1 for a right foot, -1 for a left one."""
        return -1.0 if self.side == "left" else 1.0


def _check(foot: FootProposal, spec: PrintSpec) -> None:
    """Refuse elements that no printed insole of this catalogue can have, saying which."""
    side = foot.side

    def value(kind: str, key: str) -> float:
        el = foot.elements.get(kind)
        raw = 0.0 if el is None else el.values.get(key, 0.0)
        try:
            number = float(raw or 0.0)
        except (TypeError, ValueError):
            raise BuildError(f"the {side} {kind.replace('_', ' ')}'s {key} must be a number, "
                             f"not {raw!r}") from None
        if not np.isfinite(number) or number < 0:
            raise BuildError(f"the {side} {kind.replace('_', ' ')}'s {key} must be zero or "
                             f"more, not {raw!r}")
        return number

    limits = (("rearfoot_post", "degrees", "max_post_degrees", "°"),
              ("forefoot_post", "degrees", "max_post_degrees", "°"),
              ("arch_support", "height_mm", "max_arch_height_mm", " mm"),
              ("heel_cup", "depth_mm", "max_heel_cup_mm", " mm"),
              ("metatarsal_pad", "height_mm", "max_pad_height_mm", " mm"),
              ("heel_lift", "height_mm", "max_heel_lift_mm", " mm"))
    for kind, key, limit, unit in limits:
        got, most = value(kind, key), getattr(spec, limit)
        if got > most:
            raise BuildError(
                f"the {side} {kind.replace('_', ' ')} of {got:g}{unit} cannot be printed in an "
                f"insole: the catalogue's limit is {most:g}{unit} ({limit} in [print3d]); "
                "edit the proposal, or put the rest on the shoe")
    for kind in ("rearfoot_post", "forefoot_post"):
        el = foot.elements.get(kind)
        if el is not None and el.values.get("degrees") and \
                el.values.get("side") not in ("medial", "lateral"):
            raise BuildError(f"the {side} {kind.replace('_', ' ')} has "
                             f"{el.values.get('degrees')} degrees but its side is "
                             f"{el.values.get('side')!r}: give 'medial' or 'lateral'")
    pad = foot.elements.get("metatarsal_pad")
    if pad is not None and pad.values.get("type", "none") not in ("none", "dome", "bar"):
        raise BuildError(f"the {side} metatarsal pad's type must be dome, bar or none, not "
                         f"{pad.values.get('type')!r}")


def _to_print(verts: np.ndarray, faces: np.ndarray, side: str, z0: float = 0.0):
    """Foot-frame vertices (u, w, z) to a trimesh in print coordinates (mirrored for a left)."""
    import trimesh

    sign = -1.0 if side == "left" else 1.0
    xyz = np.stack([sign * verts[:, 1], verts[:, 0], verts[:, 2] - z0], axis=1)
    # (u, w) -> (x, y) = (w, u) swaps the axes, a mirror that turns the winding inside out;
    # the left foot's second mirror (x = -w) turns it right again.
    f = faces[:, ::-1] if sign > 0 else faces
    return trimesh.Trimesh(xyz, f, process=False)


def _manifold(mesh):
    import manifold3d

    return manifold3d.Manifold(manifold3d.Mesh(
        vert_properties=np.asarray(mesh.vertices, np.float32),
        tri_verts=np.asarray(mesh.faces, np.uint32)))


def _trimesh(man):
    import trimesh

    out = man.to_mesh()
    # manifold3d's meshes share their vertices already: nothing to merge.
    return trimesh.Trimesh(np.asarray(out.vert_properties)[:, :3], np.asarray(out.tri_verts),
                           process=False)


def build_insole(outline: InsoleOutline, foot: FootProposal, spec: PrintSpec) -> InsoleSolid:
    """The printable insole of one foot (see the module docstring for its coordinates).

    Raises :class:`BuildError` for an element past the catalogue's limits.
    """
    _check(foot, spec)
    side = outline.side
    domain = clip_half_plane(outline.polygon, np.array([1.0, 0.0]), outline.shell_end_u_mm)
    if len(domain) < 3:
        raise BuildError(f"the {side} insole's outline is empty at its shell length")
    surface = top_surface(outline, foot, spec, domain)
    verts, faces = solid(domain, surface, None, spec.mesh_spacing_mm, surface.features)
    body = _to_print(verts, faces, side)
    fills = {}
    cutters = []
    depth = spec.recess_depth_mm
    for zone in (z for z in outline.zones if z.kind == "offloading"):
        region = clip_half_plane(zone.polygon, np.array([1.0, 0.0]), outline.shell_end_u_mm)
        if len(region) < 3 or np.ptp(region[:, 0]) < spec.mesh_spacing_mm:
            continue  # beyond a 3/4 shell: nothing of the insole is under it
        # The fill: the insole's top over the region, recess_depth_mm thick (a height field
        # itself, so it needs no boolean). The cutter reaches one depth above the top so the
        # cut is clean.
        fv, ff = solid(region, surface, lambda u, w: surface(u, w) - depth,
                       spec.mesh_spacing_mm)
        fill = _to_print(fv, ff, side)
        if cutters:
            # Regions may overlap (a head next to the hallux): a fill takes only what the
            # fills before it left, so no two bodies share a place.
            import manifold3d

            fill = _trimesh(manifold3d.Manifold.batch_boolean(
                [_manifold(fill), *cutters], manifold3d.OpType.Subtract))
            if fill.volume <= 0 or len(fill.faces) == 0:
                continue
        fills[_region_name(zone.label)] = fill
        cv, cf = solid(region, lambda u, w: surface(u, w) + depth,
                       lambda u, w: surface(u, w) - depth, spec.mesh_spacing_mm)
        cutters.append(_manifold(_to_print(cv, cf, side)))
    if cutters:
        import manifold3d

        body = _trimesh(manifold3d.Manifold.batch_boolean(
            [_manifold(body), *cutters], manifold3d.OpType.Subtract))
    return InsoleSolid(side, body, fills, domain, surface)


def _region_name(label: str) -> str:
    """The mask name of an offloading zone from its label ("offload 1st metatarsal head")."""
    title = label.removeprefix("offload ").strip()
    names = {v: k for k, v in MASK_TITLES.items()}
    return names.get(title, title)
