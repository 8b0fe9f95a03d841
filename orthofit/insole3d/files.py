"""The files of a pair of printed insoles, as bytes: what ``orthofit insole`` and the desktop write.

``left.stl`` and ``right.stl`` (binary STL per foot), ``insoles.3mf`` (both feet, fills as
named bodies) and ``insoles.txt`` (what each file holds and the proposal it came from). Nothing
here touches the file system: the caller writes all of them or none
(:func:`orthofit.io.folder.write_files`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from orthofit.insole3d.build import InsoleSolid
from orthofit.insole3d.export import body_names, stl_bytes, threemf_bytes


def describe(solids: Sequence[InsoleSolid], files: Mapping[str, Sequence[str]], proposal: Any,
             *, scans: Sequence[str], checksums: Sequence[str], source: str,
             notes: Sequence[str]) -> str:
    """The text of ``insoles.txt``: what each file holds and the proposal it came from.

    ``scans`` name the scans and ``checksums`` give their SHA-256, one per scan; a scan that
    was never a file (a capture not stored) has no checksum, and the list may be empty.
    """
    from orthofit import __version__

    lines = [f"3D insoles made by orthofit {__version__} on {dt.date.today().isoformat()}",
             "", "Scans:"]
    if len(scans) == len(checksums):
        lines += [f"  {name}  SHA-256 {digest}" for name, digest in zip(scans, checksums,
                                                                          strict=True)]
    else:
        lines += [f"  {name}" for name in scans] + [f"  SHA-256 {d}" for d in checksums]
        if not checksums:
            lines.append("  (no checksum: the scan was not stored as a file)")
    lines += ["", f"Proposal: {source} (rules {proposal.rules!r})"]
    for solid in solids:
        foot = proposal.foot(solid.side)
        lines.append(f"  {solid.side}:")
        for kind, el in foot.elements.items():
            changed = " (changed by the clinician)" if el.changed else ""
            lines.append(f"    {kind:15s} {el.describe(degree_sign=False)}{changed}")
    lines += ["", "Files (millimetres; print bottom down: z = 0 is the flat underside, y runs "
              "from the heel to the toes):"]
    for name, holds in files.items():
        lines.append(f"  {name}:")
        lines += [f"    {h}" for h in holds]
    if notes:
        lines += ["", "Notes:"] + [f"  {n}" for n in notes]
    return "\n".join(lines) + "\n"


def insole_files(solids: Sequence[InsoleSolid], proposal: Any, *, scans: Sequence[str],
                 checksums: Sequence[str], source: str,
                 notes: Sequence[str] = ()) -> dict[str, bytes]:
    """Every file of the insoles by name: ``left.stl``, ``right.stl``, ``insoles.3mf``, ``.txt``.

    ``source`` says where the proposal came from (a file, or the rules that proposed it);
    ``notes`` are added to ``insoles.txt``.
    """
    contents: dict[str, bytes] = {}
    files: dict[str, list[str]] = {}
    for solid in solids:
        name = f"{solid.side}.stl"
        contents[name] = stl_bytes(solid)
        lo, hi = solid.body.bounds
        size = " x ".join(f"{v:.0f}" for v in hi - lo)
        files[name] = [f"the {solid.side} insole, {size} mm, "
                       f"{solid.body.volume / 1000:.1f} cm3, binary STL"]
        if solid.fills:
            files[name].append(f"its recesses ({', '.join(solid.fills)}) are open: fill them "
                               "with a softer material, or print insoles.3mf")
    contents["insoles.3mf"] = threemf_bytes(solids)
    files["insoles.3mf"] = [f"{len(solids)} insole(s) side by side, each body a named object:"] \
        + [", ".join(body_names(s)) for s in solids] \
        + ["fills are separate bodies: give them a softer material or infill, and keep them "
           "where they are (do not arrange; PrusaSlicer's command line: --dont-arrange)"]
    files["insoles.txt"] = ["this note"]
    contents["insoles.txt"] = describe(solids, files, proposal, scans=scans,
                                       checksums=checksums, source=source,
                                       notes=notes).encode("utf-8")
    return contents
