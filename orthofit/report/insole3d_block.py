"""The printed insoles on the clinician report: height maps and sections, as content.

Built before any drawing (no reportlab): each foot's solid is built by
:mod:`orthofit.insole3d` exactly as ``orthofit insole`` writes it to the STL, and its top is
sampled (:mod:`orthofit.insole3d.views`). When the insoles cannot be built (a foot not
analysed, an element edited past the catalogue's limits, a profile without ``[print3d]``),
the page says why in one line instead.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from orthofit.analysis.pipeline import Analysis
from orthofit.errors import OrthofitError
from orthofit.insole3d.spec import PrintSpec
from orthofit.insole3d.views import HeightMap, Section
from orthofit.proposal.model import Proposal
from orthofit.proposal.wording import format_value

#: Cell of the printed height map (mm): fine enough to show a dome, few enough to print fast.
MAP_CELL_MM = 3.0


@dataclasses.dataclass(frozen=True, eq=False)
class InsoleView:
    """One foot's printed insole: its top, and the sections across heel and arch.

    ``x_sign`` turns the foot frame's ``w`` into the drawing's x (seen from above, toes up; the
    same left-right as seen from behind the heel): -1 for a left foot, +1 for a right one.
    """

    side: str
    x_sign: float
    outline: Any  # the insole's outline (u, w) in mm, cut to the shell
    heights: HeightMap
    heel: Section
    arch: Section | None
    post_text: str
    arch_text: str | None


@dataclasses.dataclass(frozen=True, eq=False)
class InsoleHeights:
    """Both feet's printed insoles; ``base_mm`` is the shell's top, ``top_mm`` the highest."""

    views: tuple[InsoleView, ...]
    base_mm: float
    top_mm: float


def post_words(foot: Any) -> str:
    """The proposed rearfoot post as the section's label: "rearfoot post 5° medial"."""
    el = foot.elements.get("rearfoot_post")
    side = el.values.get("side", "none") if el else "none"
    degrees = float((el.values.get("degrees") if el else 0) or 0)
    if side not in ("medial", "lateral") or not degrees:
        return "no rearfoot post (level)"
    return f"rearfoot post {format_value(degrees, 'deg')} {side}"


def print_spec(rules_name: str | None) -> PrintSpec:
    """The ``[print3d]`` dimensions of an insole profile (shipped name or path)."""
    from orthofit.io.profiles import read_profile

    name = rules_name or "default"
    return PrintSpec.from_dict(read_profile("insoles", name).get("print3d"),
                               source=f"insole profile {name!r}")


def insole_heights_blocks(analysis: Analysis, proposal: Proposal,
                          spec: PrintSpec | None = None, *,
                          rules_name: str | None = None) -> list[Any]:
    """The report's blocks for the printed insoles: a heading, a figure and its caption.

    When they cannot be built, the heading and one line saying why. ``spec`` defaults to the
    ``[print3d]`` section of the profile ``rules_name``.
    """
    from orthofit.insole3d import build_insoles
    from orthofit.insole3d.views import arch_section, heel_section, height_map, top_sampler
    from orthofit.report.content import Heading, Para

    title = Heading("Printed insoles")
    try:
        spec = spec or print_spec(rules_name)
        solids = build_insoles(analysis, proposal, spec)
    except OrthofitError as exc:
        return [title, Para(f"No printed insole is shown: {exc}.".replace("..", "."), "note")]
    views = []
    for solid in solids:
        foot = proposal.foot(solid.side)
        sampler = top_sampler(solid)
        arch = arch_section(solid, sampler)
        height = float((foot.elements["arch_support"].values.get("height_mm") or 0)
                       if "arch_support" in foot.elements else 0)
        views.append(InsoleView(
            solid.side, solid.x_sign, solid.domain, height_map(solid, MAP_CELL_MM, sampler),
            heel_section(solid, spec, sampler), arch, post_words(foot),
            None if arch is None else f"arch support {format_value(height, 'mm')}"))
    if not views:
        return []
    top = max(float(solid.body.bounds[1][2]) for solid in solids)
    block = InsoleHeights(tuple(views), spec.base_thickness_mm, top)
    caption = (
        "The insoles of the proposal below as printed (the solids written to left.stl and "
        "right.stl by 'orthofit insole'), seen from above, toes up: shading gives the height "
        f"of the top above the printer's bed, from the {spec.base_thickness_mm:g} mm shell "
        "(lightest) up, in 2 mm steps. Beside each: sections across the heel seat (A, the "
        "post's slope between the cup's walls) and across the arch support at its apex (B, its "
        "height above the shell, dashed), seen from behind at true scale.")
    return [title, block, Para(caption, "small")]
