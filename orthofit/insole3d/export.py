"""The insoles as file contents (bytes): binary STL per foot, one 3MF with named bodies.

trimesh writes both formats; nothing here touches the file system, so the caller writes
all files or none.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from orthofit.insole3d.build import InsoleSolid

#: Gap between the two insoles laid side by side on the 3MF's build plate (mm): a layout
#: choice for the slicer's first view, not a dimension of the insoles.
PLATE_GAP_MM = 20.0


def plate_dx(insole: InsoleSolid, gap_mm: float = PLATE_GAP_MM) -> float:
    """The shift along x (mm) that lays an insole beside the other, ``gap_mm`` apart.

    The left insole goes to -x, the right to +x, each inner edge ``gap_mm / 2`` from x = 0.
    """
    lo, hi = insole.body.bounds[0], insole.body.bounds[1]
    return float(-gap_mm / 2 - hi[0]) if insole.side == "left" else float(gap_mm / 2 - lo[0])


def stl_bytes(insole: InsoleSolid) -> bytes:
    """The insole body (recesses left open) as binary STL, millimetres."""
    return insole.body.export(file_type="stl")


def body_names(insole: InsoleSolid) -> list[str]:
    """Names of the insole's bodies in the 3MF: ``left insole``, ``left fill m1``, ..."""
    return [f"{insole.side} insole"] + [f"{insole.side} fill {n}" for n in insole.fills]


def threemf_bytes(insoles: Sequence[InsoleSolid]) -> bytes:
    """Both insoles in one 3MF (unit millimetre), each body a named object.

    The feet lie side by side on the plate (left at -x, right at +x); each fill keeps its
    insole's placement, so it sits in its recess.
    """
    import trimesh
    from trimesh.exchange.threemf import export_3MF

    scene = trimesh.Scene()
    for insole in insoles:
        shift = np.eye(4)
        shift[0, 3] = plate_dx(insole)
        # One object per foot made of its bodies (3MF components), so a slicer keeps each
        # fill in its recess and can give it its own material or infill.
        scene.graph.update(frame_from=scene.graph.base_frame, frame_to=insole.side,
                           matrix=shift)
        names = body_names(insole)
        for name, mesh in zip(names, [insole.body, *insole.fills.values()], strict=True):
            scene.add_geometry(mesh, geom_name=name, node_name=name,
                               parent_node_name=insole.side)
    # Light compression: the files are a third of their size already, and quick to write.
    return export_3MF(scene, compresslevel=1)
