"""The patient's report: their own feet in plain words, chosen for what the scan found.

The content follows the findings of each foot (:func:`orthofit.report.texts.profile`): a
foot that rolls inwards gets the knee story of the kneecap pulled outwards and hip exercises; a
high-arched foot that rolls outwards gets the story of a stiff foot (shock, ankle, outer knee)
and stretches and ankle work; a normal foot gets a short reassuring text and general
exercises. When the two feet differ, each gets its part. A person with diabetes gets the foot
care they need and no barefoot exercise. No number in kPa reaches the patient.

Like :mod:`orthofit.report.content`, this builds content only; the blocks defined here are
drawn by :mod:`orthofit.report.patient_figures`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from orthofit.analysis.pipeline import Analysis
from orthofit.proposal.model import Proposal
from orthofit.proposal.outline import InsoleOutline
from orthofit.report import texts
from orthofit.report.content import Document, Exercise, Heading, Para, Table
from orthofit.report.footmaps import PressureMaps, pressure_maps
from orthofit.report.insole_blocks import insole_outlines
from orthofit.report.scale import PressureScale


@dataclasses.dataclass(frozen=True)
class Footprints:
    """Both feet's pressure pictures for the patient: light to dark, no numbers."""

    maps: PressureMaps


@dataclasses.dataclass(frozen=True)
class InsoleParts(Table):
    """The proposed insoles drawn beside the list of their parts.

    The rows (a table: number, part, what it does) are what the patient reads; ``outlines``
    are the insoles with each zone labelled by its part's number.
    """

    outlines: tuple[InsoleOutline, ...] = ()
    kinds: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class PlanExercise(Exercise):
    """An exercise of the patient's plan (drawn with the patient report's illustrations)."""


def is_diabetic(info: dict[str, Any], proposal: Proposal | None = None) -> bool:
    """Whether the report is for a person with diabetes.

    The ``diabetic`` flag, "diabetes" among the patient's conditions, or a proposal made for a
    diabetic foot.
    """
    if info.get("diabetic"):
        return True
    conditions = (info.get("patient") or {}).get("conditions") or []
    if isinstance(conditions, str):
        conditions = [conditions]
    if any("diabet" in str(c).lower() for c in conditions):
        return True
    return proposal is not None and any(f.measures.get("diabetic") for f in proposal.feet)


def _numbered(outlines: tuple[InsoleOutline, ...],
              numbers: dict[str, int]) -> tuple[InsoleOutline, ...]:
    """The outlines with each zone labelled by the number of its part in the list.

    The drawing's own words (the shell's end) are left out: the list says where the firm base
    ends, in plain words.
    """
    out = []
    for o in outlines:
        zones = tuple(dataclasses.replace(z, label=str(numbers[z.kind])) for z in o.zones
                      if z.kind in numbers)
        changes: dict[str, Any] = {"zones": zones}
        if hasattr(o, "shell_part"):
            changes["shell_part"] = ""
        out.append(dataclasses.replace(o, **changes))
    return tuple(out)


def insole_parts_block(analysis: Analysis, proposal: Proposal, profiles: dict[str, str], *,
                       diabetic: bool, sizes: dict[str, Any] | None = None
                       ) -> InsoleParts | None:
    """The insole picture and its part list (the parts the proposal actually has).

    ``sizes``: the zones' ``shapes`` and ``margin_mm`` of the clinic's catalogue, so that the
    picture shows the insole that is made (default: the shipped catalogue's).
    """
    parts = texts.insole_parts(proposal, profiles, diabetic=diabetic)
    if not parts:
        return None
    sides = [f.side for f in proposal.feet]
    outlines = insole_outlines(analysis, proposal, **(sizes or {}))
    drawn = {z.kind for o in outlines for z in o.zones}
    # Parts marked on the picture are numbered; the others (the firm base, the heel cup, the
    # top layer) are the whole insole's and get a dot.
    numbers: dict[str, int] = {}
    rows = [("", "Part", "What it does")]
    for kind, name, what, on in parts:
        if kind in drawn:
            numbers.setdefault(kind, len(numbers) + 1)
        mark = str(numbers[kind]) if kind in numbers else "\u2022"
        where = "" if len(on) == len(sides) else f", {texts.sides_phrase(on, sides)} only"
        rows.append((mark, name + where, what))
    return InsoleParts(tuple(rows), (0.06, 0.3, 0.64), outlines=_numbered(outlines, numbers),
                       kinds=tuple(dict.fromkeys(kind for kind, *_ in parts)))


def _profiles(analysis: Analysis) -> dict[str, str]:
    """The profile of each analysed foot, by side."""
    return {f.side: texts.profile(f) for f in analysis.feet}


def _by_profile(profiles: dict[str, str]) -> dict[str, list[str]]:
    """The sides of each profile found, in the order of :data:`texts.PROFILES`."""
    out: dict[str, list[str]] = {}
    for name in texts.PROFILES:
        sides = [s for s, p in profiles.items() if p == name]
        if sides:
            out[name] = sides
    return out


def _whose(sides: list[str], all_sides: list[str]) -> str | None:
    """A sub-heading naming the feet a part is about, or None when it is about all of them."""
    if len(sides) == len(all_sides):
        return None
    return f"Your {sides[0]} foot" if len(sides) == 1 else "Both your feet"


def _per_profile(groups: dict[str, list[str]], all_sides: list[str],
                 words: dict[str, Any]) -> list[Any]:
    """Each profile's text, under a sub-heading naming its foot when the feet differ."""
    out: list[Any] = []
    for name, sides in groups.items():
        title = _whose(sides, all_sides)
        if title:
            out.append(Heading(title, 2))
        feet = "this foot" if title else "your feet" if len(sides) > 1 else "your foot"
        text = words[name]
        out += [Para(t.format(feet=feet)) for t in ((text,) if isinstance(text, str) else text)]
    return out


def patient_report(analysis: Analysis, proposal: Proposal, frames: np.ndarray,
                   pitch: tuple[float, float], *, info: dict[str, Any],
                   sizes: dict[str, Any] | None = None) -> Document:
    """The patient's report: their feet, what it means, the knee, the insole, the plan.

    ``sizes``: the insole zones' sizes of the clinic's catalogue (see
    :func:`insole_parts_block`).
    """
    patient = info.get("patient") or {}
    name = patient.get("name") or info.get("patient_name")
    clinic = info.get("clinic") or "orthofit"
    diabetic = is_diabetic(info, proposal)
    blocks: list[Any] = [Para(f"Your foot scan{', ' + name if name else ''}", "big"),
                         Para(f"{clinic}, {info['date']}", "small")]
    closing = [Heading("This is not a diagnosis"), Para(texts.NOT_A_DIAGNOSIS)]
    ask = texts.contact(info.get("clinic"), info.get("clinic_contact"))
    if ask:
        closing += [Heading("Questions?"), Para(ask)]
    if not analysis.feet or not any(s.complete for f in analysis.feet for s in f.steps):
        blocks += [Para(texts.cannot_analyse_patient(analysis), "warning"), *closing]
        return Document("Your foot scan", "Foot scan explained", clinic, clinic, blocks,
                        info["date"], info.get("clinic_logo"))

    # The patient's picture has no numbers to compare with other visits: it is scaled to its
    # own peak, so the feet fill the light-to-dark range whatever the trial.
    maps = pressure_maps(analysis, frames, pitch, overlays=False, patient=True,
                         scale=PressureScale(None))
    if maps:
        blocks += [Heading("Your feet"), Para(texts.PICTURE), Footprints(maps)]
    blocks.append(Heading("What we found"))
    blocks += [Para(t) for t in texts.findings(analysis.feet)]
    for extra in (texts.hot_spots(proposal, diabetic=diabetic), texts.load_difference(analysis)):
        if extra:
            blocks.append(Para(extra))

    profiles = _profiles(analysis)
    groups = _by_profile(profiles)
    all_sides = list(profiles)
    blocks.append(Heading("What this means"))
    blocks += _per_profile(groups, all_sides, texts.MEANING)
    blocks += [Heading("Why your feet matter for your knees"), Para(texts.KNEE_INTRO)]
    blocks += _per_profile(groups, all_sides, texts.KNEE)

    if diabetic:
        blocks += [Heading("Looking after your feet with diabetes"),
                   Para(texts.FOOT_CARE_INTRO)]
        blocks += [Para(f"\u2022 {line}") for line in texts.FOOT_CARE]

    parts = insole_parts_block(analysis, proposal, profiles, diabetic=diabetic, sizes=sizes)
    if parts is not None:
        # The caption follows the picture: a heading is kept on its page with the block after
        # it, and that must be the picture.
        caption = "The picture shows your insoles seen from above."
        if any(row[0].isdigit() for row in parts.rows[1:]):
            caption += " Each number on it marks where a part of the list sits."
        blocks += [Heading("Your insoles"), parts, Para(caption)]
    blocks.append(Para(texts.WEARING))
    if diabetic:
        blocks.append(Para(texts.WEARING_DIABETIC))
    blocks.append(Para(" ".join(dict.fromkeys(texts.SHOES[p] for p in groups))))

    blocks.append(Heading("Your exercise plan"))
    intro = [texts.PLAN_WHY[p] for p in groups] + [texts.PLAN_SAFETY]
    if diabetic:
        intro.append(texts.PLAN_DIABETIC)
    blocks.append(Para(" ".join(intro)))
    blocks += [PlanExercise(*e) for e in texts.exercise_plan(groups, diabetic=diabetic,
                                                              all_sides=all_sides)]
    blocks += [Heading("When to see a professional"), Para(texts.SEE_A_PROFESSIONAL), *closing]
    return Document("Your foot scan", "Foot scan explained for the patient", clinic, clinic,
                    blocks, info["date"], info.get("clinic_logo"))
