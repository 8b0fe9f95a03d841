"""Both insoles of a scan: the proposal's feet matched to the analysed prints."""

from __future__ import annotations

import numpy as np

from orthofit.analysis.footprint import Footprint
from orthofit.analysis.pipeline import Analysis
from orthofit.insole3d.build import InsoleSolid, build_insole
from orthofit.insole3d.spec import BuildError, PrintSpec
from orthofit.proposal.model import Proposal
from orthofit.proposal.outline import insole_outline

#: Adult feet are about 0.35-0.42 times as wide as they are long; a print more than half as
#: wide as it is long is no one foot's (loaded sensels beside the foot, both feet in one print,
#: a seat or in-shoe sensor read as a plate), and an insole cut to it would not fit a shoe.
MAX_WIDTH_RATIO = 0.5


def _not_a_foot(side: str, fp: Footprint) -> BuildError | None:
    """Why a print cannot shape an insole (None: it can)."""
    length = float(np.ptp(fp.sensel_u_mm))
    width = float(np.ptp(fp.sensel_w_mm))
    if width <= MAX_WIDTH_RATIO * length:
        return None
    return BuildError(f"the {side} foot's print is {width:.0f} mm wide for {length:.0f} mm "
                      "long, which is no foot's shape (loaded sensels beside the foot, or both "
                      "feet in one print); an insole cut to it would not fit: look at the scan "
                      "and scan that foot again")


def build_insoles(analysis: Analysis, proposal: Proposal,
                  spec: PrintSpec) -> tuple[InsoleSolid, ...]:
    """One solid per foot the proposal gives (left first), each on that foot's print.

    Raises :class:`BuildError` when the proposal gives a foot that the scan did not measure
    (off the mat, or not on it at all), a print that is no foot's shape, or no foot.
    """
    if not proposal.feet:
        raise BuildError("the proposal has no insole for either foot: "
                         + (" ".join(proposal.notes) or "no foot was analysed"))
    prints = {}
    for foot in analysis.feet:
        # As the proposal engine: a foot without one complete print has no outline to trust.
        step = foot.representative() if any(s.complete for s in foot.steps) else None
        if step is not None:
            prints[foot.side] = step.footprint
    solids = []
    for side in ("left", "right"):
        foot = proposal.foot(side)
        if foot is None:
            continue
        if side not in prints:
            raise BuildError(f"the proposal has a {side} insole but the scan has no complete "
                             f"print of the {side} foot (off the mat or not measured), so its "
                             "outline is unknown; scan that foot again")
        fault = _not_a_foot(side, prints[side])
        if fault is not None:
            raise fault
        outline = insole_outline(prints[side], foot, margin_mm=spec.margin_mm,
                                 shapes=spec.shapes)
        solids.append(build_insole(outline, foot, spec))
    return tuple(solids)
