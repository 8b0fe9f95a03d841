"""What a person sees of a built insole: its top as a height map, and cross-sections of it.

Everything is sampled from the solid itself (the upward-facing triangles of the body the STL
holds, recesses included), not from the proposal's numbers, so a picture shows what will be
printed. Coordinates are the foot frame of the outline (mm): ``u`` from the back of the heel
toward the toes, ``w`` across, positive lateral; ``z`` is the height above the bed (mm).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from orthofit.insole3d.build import InsoleSolid
from orthofit.insole3d.export import PLATE_GAP_MM, plate_dx
from orthofit.insole3d.mesh import distance_to_edge, edges_across
from orthofit.insole3d.spec import PrintSpec

#: Step (mm) between the samples of a cross-section: finer than the mesh, so every facet shows.
SECTION_STEP_MM = 0.5
#: How far inside the outline a section starts and ends (mm): the top's triangulation ends at
#: the outline, and a sample exactly on it may fall just outside.
EDGE_INSET_MM = 0.05


@dataclasses.dataclass(frozen=True)
class HeightMap:
    """The insole's top on a regular grid: ``z_mm[i, j]`` at ``(u_mm[i], w_mm[j])``, NaN outside."""

    side: str
    u_mm: np.ndarray
    w_mm: np.ndarray
    z_mm: np.ndarray
    cell_mm: float


@dataclasses.dataclass(frozen=True)
class PlateMesh:
    """One body as a 3D view draws it: triangles in plate coordinates (mm).

    ``vertices`` (N, 3) float32 and ``faces`` (F, 3) uint32 are the body's own, one for one;
    ``kind`` is ``"insole"`` or ``"fill"`` (an offloading fill, drawn in another colour).
    """

    name: str
    side: str
    kind: str
    vertices: np.ndarray
    faces: np.ndarray


@dataclasses.dataclass(frozen=True)
class Section:
    """The insole's top along a line across the foot at ``u_mm``.

    ``fit_span_mm`` is the part of the line (``w`` from, to) that no heel cup or edge blend
    reaches: there the top is the post's plane (heel) or the support's flat medial part.
    """

    name: str
    u_mm: float
    w_mm: np.ndarray
    z_mm: np.ndarray
    base_mm: float
    fit_span_mm: tuple[float, float]

    def slope_deg(self) -> float:
        """The angle (degrees) of the line fitted to the top inside ``fit_span_mm``.

        Positive when the top rises toward the medial side (smaller ``w``).
        """
        lo, hi = self.fit_span_mm
        sel = (self.w_mm >= lo) & (self.w_mm <= hi) & np.isfinite(self.z_mm)
        if sel.sum() < 2:
            return float("nan")
        slope = np.polyfit(self.w_mm[sel], self.z_mm[sel], 1)[0]
        return float(np.degrees(np.arctan(-slope)))

    def peak_mm(self) -> float:
        """The highest point of the section above the flat shell's top (mm)."""
        return float(np.nanmax(self.z_mm) - self.base_mm)


def top_sampler(solid: InsoleSolid) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A function z(u, w) (mm) that reads the top of the built body, NaN off the insole.

    The top is the body's upward-facing triangles, linearly interpolated: exact on every
    facet. Where a recess's floor and rim share a place, the rim (the higher) is kept.
    """
    from scipy.interpolate import LinearNDInterpolator

    mesh = solid.body
    up = mesh.face_normals[:, 2] > 0.2
    v = np.asarray(mesh.vertices)[np.unique(mesh.faces[up])]
    u, w = v[:, 1], solid.x_sign * v[:, 0]
    key = np.round(np.stack([u, w], axis=1), 4)
    order = np.lexsort((-v[:, 2], key[:, 1], key[:, 0]))
    _, first = np.unique(key[order], axis=0, return_index=True)
    keep = order[first]
    interp = LinearNDInterpolator(np.stack([u[keep], w[keep]], axis=1), v[keep, 2])

    def z(uu: np.ndarray, ww: np.ndarray) -> np.ndarray:
        return np.asarray(interp(np.asarray(uu, float), np.asarray(ww, float)), float)

    return z


def height_map(solid: InsoleSolid, cell_mm: float,
               sampler: Callable | None = None) -> HeightMap:
    """The top of the insole sampled at the centres of ``cell_mm`` square cells."""
    sampler = sampler or top_sampler(solid)
    dom = solid.domain
    u = np.arange(dom[:, 0].min() + cell_mm / 2, dom[:, 0].max(), cell_mm)
    w = np.arange(dom[:, 1].min() + cell_mm / 2, dom[:, 1].max(), cell_mm)
    uu, ww = np.meshgrid(u, w, indexing="ij")
    return HeightMap(solid.side, u, w, sampler(uu, ww), float(cell_mm))


def _across(solid: InsoleSolid, u: float, sampler: Callable) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = edges_across(solid.domain, np.array([u]))
    w = np.arange(lo[0] + EDGE_INSET_MM, hi[0] - EDGE_INSET_MM, SECTION_STEP_MM)
    w = np.append(w, hi[0] - EDGE_INSET_MM)
    return w, sampler(np.full(w.shape, u), w)


def heel_section(solid: InsoleSolid, spec: PrintSpec,
                 sampler: Callable | None = None) -> Section:
    """A section across the heel seat, where the cup is at full depth (shows the post angle).

    It lies midway between the back of the insole and where the cup starts to taper, behind
    the arch support; ``fit_span_mm`` leaves out the cup's walls.
    """
    sampler = sampler or top_sampler(solid)
    s = solid.surface
    u_back = float(solid.domain[:, 0].min())
    u = u_back + 0.5 * (s.heel_end_mm - spec.heel_cup_taper_mm - u_back)
    w, z = _across(solid, u, sampler)
    d = distance_to_edge(solid.domain, np.full(w.shape, u), w)
    flat = w[d > spec.heel_cup_blend_mm + SECTION_STEP_MM]
    span = (float(flat.min()), float(flat.max())) if len(flat) else (float(w[0]), float(w[0]))
    return Section("heel", float(u), w, z, s.base_mm, span)


def arch_section(solid: InsoleSolid, sampler: Callable | None = None) -> Section | None:
    """A section across the arch support at its apex (shows its height); None without one."""
    s = solid.surface
    if s.arch is None:
        return None
    sampler = sampler or top_sampler(solid)
    _, _, u_apex, _, w_apex, _ = s.arch
    w, z = _across(solid, float(u_apex), sampler)
    return Section("arch", float(u_apex), w, z, s.base_mm, (float(w[0]), float(w_apex)))


def plate_meshes(solids: Sequence[InsoleSolid],
                 gap_mm: float = PLATE_GAP_MM) -> tuple[list[PlateMesh], np.ndarray]:
    """Every body of the insoles laid side by side as on the 3MF's plate, for a 3D view.

    Print coordinates (see :mod:`orthofit.insole3d.build`: seen from above, a left insole is
    the mirror image of a right one in ``x``), the left foot shifted to -x and the right to
    +x, ``gap_mm`` apart; the fills keep their insole's shift, so each sits in its recess.
    Returns the meshes and the centre (x, y, z) of their bounding box (mm), where a camera
    looks.
    """
    out = []
    for solid in sorted(solids, key=lambda s: s.side != "left"):
        dx = plate_dx(solid, gap_mm)
        bodies = [(f"{solid.side} insole", "insole", solid.body)]
        bodies += [(f"{solid.side} fill {n}", "fill", m) for n, m in solid.fills.items()]
        for name, kind, mesh in bodies:
            v = np.asarray(mesh.vertices, np.float32).copy()
            v[:, 0] += np.float32(dx)
            out.append(PlateMesh(name, solid.side, kind, v,
                                 np.asarray(mesh.faces, np.uint32)))
    if not out:
        return out, np.zeros(3)
    every = np.concatenate([m.vertices for m in out])
    return out, (every.min(axis=0) + every.max(axis=0)).astype(float) / 2


def face_light(vertices: np.ndarray, faces: np.ndarray, *, azimuth_deg: float = 225.0,
               altitude_deg: float = 50.0, ambient: float = 0.35) -> np.ndarray:
    """How brightly each triangle is lit, ``ambient`` to 1, by a light fixed to the plate.

    The light comes from ``azimuth_deg`` (anticlockwise from +x; 225 is from the left and
    behind the heels) at ``altitude_deg`` above the bed; a triangle facing it gets
    ``ambient + (1 - ambient) * cos`` of the angle between them, one facing away ``ambient``.
    The winding gives which way a triangle faces (outward, as the solids are wound).

    Examples
    --------
    >>> up = face_light(np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], float),
    ...                 np.array([[0, 1, 2]]), altitude_deg=90.0, ambient=0.0)
    >>> float(up[0])
    1.0
    """
    v = np.asarray(vertices, float)
    f = np.asarray(faces, np.int64)
    normal = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    length = np.linalg.norm(normal, axis=1)
    normal /= np.where(length > 0, length, 1.0)[:, None]
    az, alt = np.radians(azimuth_deg), np.radians(altitude_deg)
    light = np.array([np.cos(alt) * np.cos(az), np.cos(alt) * np.sin(az), np.sin(alt)])
    return ambient + (1.0 - ambient) * np.clip(normal @ light, 0.0, 1.0)


def hillshade(z_mm: np.ndarray, cell_mm: float, *, azimuth_deg: float = 135.0,
              altitude_deg: float = 40.0) -> np.ndarray:
    """How brightly each cell of a height map (rows along ``u``) is lit, 0-1.

    The light comes from ``azimuth_deg`` (anticlockwise from the +column axis; 135 is from the
    upper left as drawn, toes up) at ``altitude_deg`` above the horizon: a slope facing it is
    bright, one facing away dark, so an arch or a cup reads as a shape. NaN cells (off the
    insole) take their neighbours' height, so the edge is not shaded as a cliff.

    Examples
    --------
    >>> flat = np.zeros((3, 3))
    >>> float(hillshade(flat, 1.0, altitude_deg=90.0)[1, 1])
    1.0
    """
    z = np.asarray(z_mm, float)
    if np.isnan(z).any():
        from scipy.ndimage import distance_transform_edt

        idx = distance_transform_edt(np.isnan(z), return_distances=False, return_indices=True)
        z = z[tuple(idx)]
    dz_du, dz_dw = np.gradient(z, cell_mm)
    normal = np.stack([-dz_dw, -dz_du, np.ones_like(z)])
    normal /= np.linalg.norm(normal, axis=0)
    az, alt = np.radians(azimuth_deg), np.radians(altitude_deg)
    light = np.array([np.cos(alt) * np.cos(az), np.cos(alt) * np.sin(az), np.sin(alt)])
    return np.clip(np.tensordot(light, normal, axes=1), 0.0, 1.0)
