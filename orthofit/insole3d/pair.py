"""Both insoles of a scan: the proposal's feet matched to the analysed prints."""

from __future__ import annotations

from orthofit.analysis.pipeline import Analysis
from orthofit.insole3d.build import InsoleSolid, build_insole
from orthofit.insole3d.spec import BuildError, PrintSpec
from orthofit.proposal.model import Proposal
from orthofit.proposal.outline import insole_outline


def build_insoles(analysis: Analysis, proposal: Proposal,
                  spec: PrintSpec) -> tuple[InsoleSolid, ...]:
    """One solid per foot the proposal gives (left first), each on that foot's print.

    Raises :class:`BuildError` when the proposal gives a foot that the scan did not measure
    (off the mat, or not on it at all), or gives no foot.
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
        outline = insole_outline(prints[side], foot, margin_mm=spec.margin_mm,
                                 shapes=spec.shapes)
        solids.append(build_insole(outline, foot, spec))
    return tuple(solids)
