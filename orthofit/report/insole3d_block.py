"""The printed insoles on the clinician report: height maps and sections, as content.

Built before any drawing (no reportlab): each foot's solid is built by
:mod:`orthofit.insole3d` exactly as ``orthofit insole`` writes it to the STL, and its top is
sampled (:mod:`orthofit.insole3d.views`). When the insoles cannot be built (a foot not
analysed, an element edited past the catalogue's limits, a profile without ``[print3d]``),
the page says why in one line instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from orthofit.analysis.pipeline import Analysis
from orthofit.errors import OrthofitError
from orthofit.insole3d.spec import PrintSpec
from orthofit.insole3d.views import HeightMap, Section
from orthofit.proposal.model import Proposal
from orthofit.proposal.outline import ZoneShapes
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
    #: The same, short, as the compact strip labels its sections ("post 5° medial").
    post_label: str = ""
    arch_label: str | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class InsoleHeights:
    """Both feet's printed insoles; ``base_mm`` is the shell's top, ``top_mm`` the highest.

    ``shapes`` and ``margin_mm`` are the catalogue's zone sizes and outline margin the solids
    were built with, so the lab drawing on the same page can show the same zones.
    """

    views: tuple[InsoleView, ...]
    base_mm: float
    top_mm: float
    shapes: ZoneShapes | None = None
    margin_mm: float | None = None


def post_words(foot: Any, *, short: bool = False) -> str:
    """The proposed rearfoot post as the section's label: "rearfoot post 5° medial".

    ``short`` leaves out "rearfoot" (the section across the heel can show no other post).
    """
    el = foot.elements.get("rearfoot_post")
    side = el.values.get("side", "none") if el else "none"
    degrees = float((el.values.get("degrees") if el else 0) or 0)
    name = "post" if short else "rearfoot post"
    if side not in ("medial", "lateral") or not degrees:
        return f"no {name} (level)"
    return f"{name} {format_value(degrees, 'deg')} {side}"


def zone_sizes(printed: Sequence[Any]) -> dict[str, Any]:
    """The zone sizes the printed insoles were built with, for every drawing of them.

    ``printed`` is what :func:`insole_heights_blocks` returned; empty when the insoles could not
    be built (the drawings then use the shipped catalogue's sizes).
    """
    built = next((b for b in printed if isinstance(b, InsoleHeights)), None)
    return {} if built is None else {"shapes": built.shapes, "margin_mm": built.margin_mm}


def print_spec(rules_name: str | None) -> PrintSpec:
    """The ``[print3d]`` dimensions of an insole profile (shipped name or path)."""
    from orthofit.io.profiles import read_profile

    name = rules_name or "default"
    return PrintSpec.from_dict(read_profile("insoles", name).get("print3d"),
                               source=f"insole profile {name!r}")


def insole_heights_blocks(analysis: Analysis, proposal: Proposal,
                          spec: PrintSpec | None = None, *,
                          rules_name: str | None = None) -> list[Any]:
    """The report's blocks for the printed insoles: one figure, titled and explained within.

    When they cannot be built, a heading and one line saying why. ``spec`` defaults to the
    ``[print3d]`` section of the profile ``rules_name``.
    """
    from orthofit.insole3d import build_insoles
    from orthofit.insole3d.views import arch_section, heel_section, height_map, top_sampler
    from orthofit.report.content import Heading, Para

    title = Heading("Printed insoles", 2)
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
            None if arch is None else f"arch support {format_value(height, 'mm')}",
            post_words(foot, short=True),
            None if arch is None else f"arch {format_value(height, 'mm')}"))
    if not views:
        return []
    top = max(float(solid.body.bounds[1][2]) for solid in solids)
    # Its title and what it shows are in the drawing itself: it sits on the prescription's
    # page, between the lab drawing and the table, where every line counts.
    return [InsoleHeights(tuple(views), spec.base_thickness_mm, top, spec.shapes,
                          spec.margin_mm)]
