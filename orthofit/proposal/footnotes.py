"""The reasons of a proposal as numbered footnotes, each reason once.

Most elements of most insoles keep the standard shell's values for one and the same reason;
printing it beside each of them (up to 18 times for a pair) buries the few reasons that say
something. Here identical reasons share one number, whichever elements and feet they explain,
and the table of elements points to the numbers. The clinician PDF and the GUI's proposal tab
both number reasons this way, so a number means the same on screen and on paper.
"""

from __future__ import annotations

import dataclasses
import re

from orthofit.proposal.model import ELEMENT_KINDS, ELEMENT_TITLES, Element, Proposal
from orthofit.proposal.wording import reason_footnote

SIDES = ("left", "right")
#: A number with its unit, as rule texts quote measures ("0.312", "7.0 %", "740 kPa").
_NUMBER = re.compile(r"(-?\d+(?:\.\d+)?(?: ?(?:%|kPa|mm|s)(?![A-Za-z]))?)")


@dataclasses.dataclass(frozen=True)
class Footnote:
    """One numbered reason and the feet whose elements it explains."""

    number: int
    sides: tuple[str, ...]
    text: str

    @property
    def sides_words(self) -> str:
        """"Left", "Right" or "Left and right"."""
        return " and ".join(self.sides).capitalize()


def element_reason(element: Element) -> str:
    """The footnote text of an element's reason.

    A changed element's reason explains the value the rules proposed: the text says which
    value that was and what the clinician changed it to.
    """
    r = element.reason
    body = reason_footnote(r.text, r.source, r.evidence)
    if element.changed:
        proposed = dataclasses.replace(element, values=element.proposed).describe()
        body = (f"{ELEMENT_TITLES[element.kind]} proposed as {proposed}: {body} Changed by the "
                f"clinician to {element.describe()}.")
    return body


def merge_sides(left: str, right: str) -> str | None:
    """One text for two feet's reasons that differ only in the numbers they quote.

    Returns None when the words differ (two different reasons).

    Examples
    --------
    >>> merge_sides("Low arch (arch index 0.360): support.", "Low arch (arch index 0.361): "
    ...             "support.")
    'Low arch (arch index 0.360 left, 0.361 right): support.'
    >>> merge_sides("Rolls in (CPEI 7.0 %).", "Rolls in (CPEI 9.5 %).")
    'Rolls in (CPEI 7.0 % left, 9.5 % right).'
    >>> merge_sides("Low arch.", "High arch.") is None
    True
    """
    a, b = _NUMBER.split(left), _NUMBER.split(right)
    if len(a) != len(b) or a[0::2] != b[0::2]:
        return None
    out = []
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        out.append(x if i % 2 == 0 or x == y else f"{x} left, {y} right")
    return "".join(out)


def footnotes(proposal: Proposal) -> tuple[list[Footnote], dict[tuple[str, str], int]]:
    """The distinct reasons, numbered in table order (element, then left before right).

    Returns the footnotes and, for each (side, element kind), the number of its reason. The
    same rule found on both feet is one reason quoting both feet's values (unless the
    clinician changed either foot's element).

    Examples
    --------
    >>> from orthofit.proposal.model import FootProposal, Reason
    >>> base = Reason("baseline", "Standard shell.", {}, "practice convention",
    ...               "practice convention")
    >>> feet = tuple(FootProposal(s, {k: Element(k, {}, base) for k in ("shell", "heel_cup")})
    ...              for s in SIDES)
    >>> notes, refs = footnotes(Proposal(feet, "default"))
    >>> len(notes), notes[0].sides_words, sorted(set(refs.values()))
    (1, 'Left and right', [1])
    """
    texts: list[str] = []
    sides: list[list[str]] = []
    refs: dict[tuple[str, str], int] = {}
    for kind in ELEMENT_KINDS:
        elements = {side: foot.elements.get(kind) for side in SIDES
                    if (foot := proposal.foot(side)) is not None}
        bodies = {side: element_reason(el) for side, el in elements.items() if el is not None}
        if len(bodies) == 2 and not any(el.changed for el in elements.values()) and \
                elements["left"].reason.rule == elements["right"].reason.rule:
            merged = merge_sides(bodies["left"], bodies["right"])
            if merged is not None:
                bodies = {side: merged for side in SIDES}
        for side, body in bodies.items():
            if body not in texts:
                texts.append(body)
                sides.append([])
            i = texts.index(body)
            if side not in sides[i]:
                sides[i].append(side)
            refs[(side, kind)] = i + 1
    notes = [Footnote(i + 1, tuple(s for s in SIDES if s in sides[i]), text)
             for i, text in enumerate(texts)]
    return notes, refs
