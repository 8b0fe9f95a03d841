"""Printable 3D insoles (STL, 3MF) from a scan's analysis and its (edited) insole proposal.

Pure geometry: no Qt, no reportlab, no file system. :func:`build_insoles` gives one closed
solid per foot (mm); :mod:`orthofit.insole3d.export` turns them into file contents.
"""

from orthofit.insole3d.build import InsoleSolid, build_insole
from orthofit.insole3d.pair import build_insoles
from orthofit.insole3d.spec import BuildError, CatalogueError, PrintSpec

__all__ = [
    "BuildError", "CatalogueError", "InsoleSolid", "PrintSpec", "build_insole", "build_insoles",
]
