"""The proposal's blocks of the clinician report: the element table and its numbered reasons."""

from __future__ import annotations

import dataclasses
from typing import Any

from orthofit.analysis.pipeline import Analysis
from orthofit.proposal.footnotes import footnotes
from orthofit.proposal.model import ELEMENT_KINDS, ELEMENT_TITLES, Proposal
from orthofit.proposal.outline import InsoleOutline, ZoneShapes, insole_outline
from orthofit.report.blocks import Para, Table


def proposal_blocks(proposal: Proposal) -> list[Any]:
    """The proposal as a table and its numbered reasons.

    The table gives every element per foot and points to its reason; each distinct reason
    (rule text with the measured values, published source, evidence) is printed once, under
    one number, however many elements and feet it explains.
    """
    notes, refs = footnotes(proposal)
    rows = [("Element", "Left", "Right", "Reason")]
    flagged = []
    for kind in ELEMENT_KINDS:
        cells = [ELEMENT_TITLES[kind]]
        numbers: list[int] = []
        for col, side in ((1, "left"), (2, "right")):
            foot = proposal.foot(side)
            el = foot.elements.get(kind) if foot else None
            if el is None:
                cells.append("-")
                continue
            text = el.describe()
            if el.changed:
                proposed = dataclasses.replace(el, values=el.proposed).describe()
                text = f"{text} (changed by the clinician; proposed: {proposed})"
                flagged.append((len(rows), col))
            cells.append(text)
            if refs[(side, kind)] not in numbers:
                numbers.append(refs[(side, kind)])
        cells.append(" ".join(f"[{n}]" for n in numbers))
        rows.append(tuple(cells))
    out: list[Any] = [Table(tuple(rows), (0.2, 0.3, 0.3, 0.2), tuple(flagged))]
    out += [Para(f"[{n.number}] {n.sides_words}: {n.text}", "small") for n in notes]
    return out


def insole_outlines(analysis: Analysis, proposal: Proposal, *,
                    shapes: ZoneShapes | None = None,
                    margin_mm: float | None = None) -> tuple[InsoleOutline, ...]:
    """The insole of every proposed foot, drawn on that foot's representative print.

    ``shapes`` and ``margin_mm`` (mm) size the zones and the outline as a profile's
    ``[print3d]`` catalogue does (``PrintSpec.shapes``, ``PrintSpec.margin_mm``); by default
    as the shipped catalogue.
    """
    sizes = {"shapes": shapes} if margin_mm is None else {"shapes": shapes,
                                                           "margin_mm": margin_mm}
    out = []
    for foot in analysis.feet:
        step = foot.representative()
        fp_prop = proposal.foot(foot.side)
        if step is not None and fp_prop is not None:
            out.append(insole_outline(step.footprint, fp_prop, **sizes))
    return tuple(out)
