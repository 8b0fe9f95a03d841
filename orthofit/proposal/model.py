"""An insole proposal as data: small, versioned, JSON-serialisable, comparable, editable.

A proposal holds, per foot, one :class:`Element` of each kind in :data:`ELEMENT_KINDS`. Every
element carries its :class:`Reason`: the rule that set it, the measured values it looked at,
the rule's source and whether that source is trial evidence or practice convention. A clinician
may override any element; the proposal then keeps both what was proposed and what was changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from orthofit.errors import OrthofitError
from orthofit.proposal.wording import describe_values

FORMAT = "orthofit-insole-proposal"
VERSION = 1

#: Element kinds, their parameters and units (the GUI edits them in these units).
ELEMENT_KINDS: dict[str, dict[str, str]] = {
    "shell": {"product": "", "length": ""},
    "arch_support": {"height_mm": "mm"},
    "rearfoot_post": {"side": "", "degrees": "deg"},
    "forefoot_post": {"side": "", "degrees": "deg"},
    "metatarsal_pad": {"type": "", "height_mm": "mm", "offset_mm": "mm", "target": ""},
    "offloading": {"method": "", "regions": ""},
    "heel_cup": {"depth_mm": "mm"},
    "heel_lift": {"height_mm": "mm"},
    "top_cover": {"cushioning": "", "material": ""},
}
#: Human names of the element kinds (reports, GUI).
ELEMENT_TITLES = {
    "shell": "Shell", "arch_support": "Arch support", "rearfoot_post": "Rearfoot post",
    "forefoot_post": "Forefoot post", "metatarsal_pad": "Metatarsal pad",
    "offloading": "Offloading", "heel_cup": "Heel cup", "heel_lift": "Heel lift",
    "top_cover": "Top cover",
}
EVIDENCE_LEVELS = ("trial evidence", "practice convention", "provisional", "none")


class ProposalError(OrthofitError):
    """A proposal file or an override is not valid (the message says which part)."""


@dataclasses.dataclass(frozen=True)
class Reason:
    """Why an element has its value."""

    rule: str
    text: str
    measured: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    source: str = ""
    evidence: str = "none"

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"rule": self.rule, "text": self.text, "measured": dict(self.measured),
                "source": self.source, "evidence": self.evidence}


@dataclasses.dataclass(frozen=True)
class Element:
    """One element of an insole: its kind, its values, and why.

    ``proposed`` holds the rule's values when a clinician changed them (else None).
    """

    kind: str
    values: Mapping[str, Any]
    reason: Reason
    proposed: Mapping[str, Any] | None = None

    @property
    def changed(self) -> bool:
        """True when the clinician overrode the proposed values."""
        return self.proposed is not None and dict(self.proposed) != dict(self.values)

    @property
    def active(self) -> bool:
        """False for an element set to nothing (no post, no pad, 0 mm, no region)."""
        v = self.values
        if self.kind in ("shell", "top_cover"):
            return True
        if self.kind == "offloading":
            return bool(v.get("regions"))
        if self.kind == "metatarsal_pad":
            return v.get("type", "none") != "none"
        return any(v.get(k) for k in ("height_mm", "degrees", "depth_mm"))

    def describe(self, *, degree_sign: bool = True) -> str:
        """The values in words, e.g. ``medial, 5°`` (``medial, 5 deg`` without the sign)."""
        if not self.active:
            return "none"
        return describe_values(self.kind, dict(self.values), ELEMENT_KINDS.get(self.kind, {}),
                               degree_sign=degree_sign)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        out = {"kind": self.kind, "values": dict(self.values), "reason": self.reason.to_dict()}
        if self.proposed is not None:
            out["proposed"] = dict(self.proposed)
        return out


@dataclasses.dataclass(frozen=True)
class FootProposal:
    """The elements for one foot, in :data:`ELEMENT_KINDS` order."""

    side: str
    elements: Mapping[str, Element]
    measures: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"side": self.side, "measures": dict(self.measures),
                "elements": [self.elements[k].to_dict() for k in ELEMENT_KINDS
                             if k in self.elements]}


@dataclasses.dataclass(frozen=True)
class Proposal:
    """A proposed pair of insoles (feet ordered left, right)."""

    feet: tuple[FootProposal, ...]
    rules: str
    notes: tuple[str, ...] = ()
    scan: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def foot(self, side: str) -> FootProposal | None:
        """The proposal for one side."""
        return next((f for f in self.feet if f.side == side), None)

    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON form (for the lab, the GUI and comparisons)."""
        return {"format": FORMAT, "version": VERSION, "rules": self.rules,
                "scan": dict(self.scan), "notes": list(self.notes),
                "feet": [f.to_dict() for f in self.feet]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Proposal:
        """Read the JSON form back (checks the format, version and element kinds)."""
        if data.get("format") != FORMAT:
            raise ProposalError("not an orthofit insole proposal (its 'format' field is "
                                f"{data.get('format')!r})")
        if not isinstance(data.get("version"), int) or data["version"] > VERSION:
            raise ProposalError(f"proposal version {data.get('version')!r} is newer than this "
                                f"orthofit reads ({VERSION}); update orthofit")
        feet = []
        try:
            for foot in data["feet"]:
                elements = {}
                for e in foot["elements"]:
                    if e["kind"] not in ELEMENT_KINDS:
                        raise ProposalError(f"unknown element kind {e['kind']!r}")
                    elements[e["kind"]] = Element(e["kind"], dict(e["values"]),
                                                  Reason(**e["reason"]), e.get("proposed"))
                feet.append(FootProposal(foot["side"], elements, foot.get("measures", {})))
        except (KeyError, TypeError) as exc:
            raise ProposalError(f"the proposal is incomplete ({type(exc).__name__}: {exc})") \
                from exc
        return cls(tuple(feet), str(data.get("rules", "")), tuple(data.get("notes", [])),
                   data.get("scan", {}))


def override(proposal: Proposal, side: str, kind: str, /, **values: Any) -> Proposal:
    """Return the proposal with one element's values changed by the clinician.

    The rule's own values are kept in ``proposed`` (the first time), so a report can show both.

    Examples
    --------
    >>> r = Reason("test", "because")
    >>> p = Proposal((FootProposal("left", {"heel_lift": Element("heel_lift",
    ...     {"height_mm": 0.0}, r)}),), "default")
    >>> q = override(p, "left", "heel_lift", height_mm=4.0)
    >>> q.foot("left").elements["heel_lift"].changed, q.foot("left").elements["heel_lift"].proposed
    (True, {'height_mm': 0.0})
    """
    if kind not in ELEMENT_KINDS:
        raise ProposalError(f"unknown element {kind!r}; elements: {', '.join(ELEMENT_KINDS)}")
    unknown = set(values) - set(ELEMENT_KINDS[kind])
    if unknown:
        raise ProposalError(f"{kind} has no {', '.join(sorted(unknown))}; it has "
                            f"{', '.join(ELEMENT_KINDS[kind])}")
    feet = []
    found = False
    for foot in proposal.feet:
        if foot.side == side and kind in foot.elements:
            found = True
            old = foot.elements[kind]
            new = dataclasses.replace(old, values={**old.values, **values},
                                      proposed=old.proposed if old.proposed is not None
                                      else dict(old.values))
            foot = dataclasses.replace(foot, elements={**foot.elements, kind: new})
        feet.append(foot)
    if not found:
        raise ProposalError(f"the proposal has no {side} foot with a {kind}")
    return dataclasses.replace(proposal, feet=tuple(feet))


def reset(proposal: Proposal, side: str, kind: str) -> Proposal:
    """Undo a clinician's change: the element goes back to the proposed values."""
    feet = []
    for foot in proposal.feet:
        el = foot.elements.get(kind)
        if foot.side == side and el is not None and el.proposed is not None:
            el = dataclasses.replace(el, values=dict(el.proposed), proposed=None)
            foot = dataclasses.replace(foot, elements={**foot.elements, kind: el})
        feet.append(foot)
    return dataclasses.replace(proposal, feet=tuple(feet))


def reconcile(given: Proposal, engine: Proposal) -> Proposal:
    """A proposal brought from outside (a hand-edited file), checked against the engine's own.

    An element whose values differ from what the engine proposes for the same scan is a
    clinician's change even when the file does not say so (no ``proposed`` values): it gets
    the engine's values and reason as what was proposed, so a report shows both, and the
    reason it prints is the one for the value it calls proposed. Elements the file marks as
    changed keep what the file says was proposed.

    Examples
    --------
    >>> r = Reason("test", "a post of 5 degrees")
    >>> engine = Proposal((FootProposal("left", {"rearfoot_post": Element(
    ...     "rearfoot_post", {"side": "medial", "degrees": 5.0}, r)}),), "default")
    >>> edited = Proposal.from_dict(engine.to_dict())
    >>> edited.feet[0].elements["rearfoot_post"].values["degrees"] = 7.0  # edited by hand
    >>> el = reconcile(edited, engine).foot("left").elements["rearfoot_post"]
    >>> el.changed, el.proposed["degrees"], el.values["degrees"]
    (True, 5.0, 7.0)
    """
    feet = []
    for foot in given.feet:
        ref = engine.foot(foot.side)
        elements = dict(foot.elements)
        for kind, el in foot.elements.items():
            proposed = ref.elements.get(kind) if ref is not None else None
            if el.proposed is None and proposed is not None and \
                    dict(proposed.values) != dict(el.values):
                elements[kind] = dataclasses.replace(el, proposed=dict(proposed.values),
                                                     reason=proposed.reason)
        feet.append(dataclasses.replace(foot, elements=elements))
    return dataclasses.replace(given, feet=tuple(feet))


def differences(a: Proposal, b: Proposal) -> list[tuple[str, str, dict, dict]]:
    """Elements that differ between two proposals: (side, kind, values in a, values in b)."""
    out = []
    for fa in a.feet:
        fb = b.foot(fa.side)
        for kind in ELEMENT_KINDS:
            va = dict(fa.elements[kind].values) if kind in fa.elements else {}
            vb = dict(fb.elements[kind].values) if fb and kind in fb.elements else {}
            if va != vb:
                out.append((fa.side, kind, va, vb))
    return out
