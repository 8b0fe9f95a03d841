"""Report content, built before any rendering (no reportlab here).

A :class:`Document` is a list of blocks (headings, paragraphs, tables, figures) with the
document's metadata. ``clinician_report`` and ``patient_report`` build them from an analysis
and a proposal; ``render.py`` turns them into PDF pages. Keeping content apart from layout lets
the tests check what a report says without parsing a PDF, and keeps every number in one place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from orthofit.analysis.classify import INTERVAL_METHOD
from orthofit.analysis.gait import frame_durations_s
from orthofit.analysis.masks import assign_masks
from orthofit.analysis.pipeline import Analysis, FootResult
from orthofit.proposal.model import ELEMENT_KINDS, ELEMENT_TITLES, Proposal
from orthofit.proposal.outline import InsoleOutline, insole_outline
from orthofit.report import texts


@dataclasses.dataclass(frozen=True)
class Heading:
    """A section title (level 1) or sub-title (level 2)."""

    text: str
    level: int = 1


@dataclasses.dataclass(frozen=True)
class Para:
    """A paragraph; ``style`` is body, small, note, warning or big."""

    text: str
    style: str = "body"


@dataclasses.dataclass(frozen=True)
class Table:
    """Rows of cells (first row a header); ``widths`` are fractions of the text width."""

    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] | None = None
    flagged: tuple[tuple[int, int], ...] = ()


@dataclasses.dataclass(frozen=True, eq=False)
class FootMap:
    """One foot's peak-pressure picture with the overlays drawn over it (mat mm)."""

    side: str
    peak_kpa: np.ndarray
    origin_mm: tuple[float, float]
    pitch_mm: tuple[float, float]
    heel_xy_mm: tuple[float, float]
    axis: tuple[float, float]
    lateral: tuple[float, float]
    u_back_mm: float
    toeless_length_mm: float
    length_mm: float
    cop_xy_mm: np.ndarray | None
    title: str
    mask_index: np.ndarray | None = None


@dataclasses.dataclass(frozen=True)
class PressureMaps:
    """Both feet side by side on one shared kPa scale."""

    maps: tuple[FootMap, ...]
    vmax_kpa: float
    overlays: bool = True


@dataclasses.dataclass(frozen=True)
class ForceCurves:
    """Force-time curves of the steps, per side (N against s from touch-down)."""

    series: tuple[tuple[str, np.ndarray, np.ndarray], ...]


@dataclasses.dataclass(frozen=True)
class StepStrip:
    """One measure of one foot: every step's value as a dot beside the normal range.

    ``interval`` is the uncertainty of the median (the class is stated when it holds no
    cut-off); ``cuts`` are the classification cut-offs; the axis runs ``lo`` to ``hi``.
    """

    label: str
    values: tuple[float, ...]
    centre: float
    interval: tuple[float, float] | None
    normal: tuple[float, float]
    cuts: tuple[float, ...]
    lo: float
    hi: float
    unit: str
    verdict: str


@dataclasses.dataclass(frozen=True)
class StepStrips:
    """Dot strips of the steps' arch index and CPEI, per foot."""

    strips: tuple[StepStrip, ...]


@dataclasses.dataclass(frozen=True)
class InsoleFigure:
    """The proposed insoles drawn as outlines with their zones."""

    outlines: tuple[InsoleOutline, ...]


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise: its name, how to do it, how often, and which illustration."""

    name: str
    how: str
    dose: str
    figure: str


@dataclasses.dataclass(frozen=True)
class SignatureLine:
    """Space for notes and a signature."""

    label: str = "Clinician"


@dataclasses.dataclass(frozen=True)
class PageBreak:
    """Start a new page."""


@dataclasses.dataclass
class Document:
    """A report before rendering."""

    title: str
    subject: str
    author: str
    header: str
    blocks: list[Any]
    date: str
    logo: str | None = None


def _f(value: Any, digits: int = 2, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def _foot(analysis: Analysis, side: str) -> FootResult | None:
    return analysis.foot(side)


#: Pictures a foot can be shown as: peak pressure (kPa), mean pressure while loaded (kPa),
#: contact time (s).
MAP_KINDS = ("peak", "mean", "contact")


def _map_image(window: np.ndarray, mask: np.ndarray, kind: str, threshold: float,
               held: np.ndarray | float) -> np.ndarray:
    """One picture of a step; ``held`` is how long each frame stands for (s)."""
    if kind == "peak":
        img = window.max(axis=0)
    else:
        loaded = window > threshold
        if kind == "mean":
            n = loaded.sum(axis=0)
            img = np.where(n > 0, (window * loaded).sum(axis=0) / np.maximum(n, 1), 0.0)
        else:
            weights = np.broadcast_to(np.asarray(held, dtype=np.float64), window.shape[:1])
            img = np.tensordot(weights, loaded, axes=1)
    return np.where(mask, img, 0.0)


def pressure_maps(analysis: Analysis, rec_frames: np.ndarray, pitch: tuple[float, float],
                  *, overlays: bool = True, kind: str = "peak",
                  steps: dict[str, int] | None = None, dt: float = 0.01) -> PressureMaps | None:
    """Pictures of each foot: its representative print, or the step chosen in ``steps``.

    ``kind`` is one of :data:`MAP_KINDS`; ``steps`` maps a side to an index into that foot's
    steps; ``dt`` is the frame interval (s) for contact time, used only when the analysis
    does not keep its recordings (their own timestamps are used otherwise).
    """
    maps = []
    for foot in analysis.feet:
        step = foot.representative()
        if steps and foot.side in steps:
            chosen = [s for s in foot.steps if s.complete]
            step = chosen[min(steps[foot.side], len(chosen) - 1)] if chosen else step
        if step is None:
            continue
        r0, r1, c0, c1 = step.contact.box
        t0, t1 = step.frames
        # A combined analysis keeps each trial's frames; a step is drawn from its own trial.
        source = analysis.frames_of(step)
        source = rec_frames if source is None else source
        held: np.ndarray | float = dt
        if step.trial < len(analysis.recordings):
            held = frame_durations_s(analysis.recordings[step.trial].times_s)[t0:t1]
        peak = _map_image(source[t0:t1, r0:r1, c0:c1], step.contact.mask, kind,
                          analysis.threshold_kpa, held)
        fp = step.footprint
        cop = step.cop_xy_mm[np.isfinite(step.cop_xy_mm).all(axis=1)] if analysis.mode == \
            "walk" else None
        # The anatomical mask of every sensel, as an image (-1 outside the foot).
        mask_img = np.full(step.contact.mask.shape, -1, int)
        rows, cols = np.nonzero(step.contact.mask)
        mask_img[rows, cols] = assign_masks(fp)
        maps.append(FootMap(foot.side, peak, (c0 * pitch[1], r0 * pitch[0]), pitch,
                            fp.heel_xy_mm, fp.axis, fp.lateral, fp.u_back_mm,
                            fp.toeless_length_mm, fp.length_mm, cop,
                            f"{foot.side.capitalize()} foot", mask_img))
    if not maps:
        return None
    vmax = max(float(m.peak_kpa.max()) for m in maps)
    return PressureMaps(tuple(maps), max(vmax, 1.0), overlays)


#: Index rows: key, label, digits, unit, normal range text, (low, high) or None.
INDEX_ROWS = (
    ("arch_index", "Arch index", 3, "", "0.21-0.26 (Cavanagh & Rodgers)", (0.21, 0.26)),
    ("cpei", "CPEI", 1, " %", "14-28 % (provisional)", (14.0, 28.0)),
    ("chippaux_smirak_pct", "Chippaux-Smirak", 1, " %", "0.1-29.9 % (Forriol & Pascual)",
     (0.1, 29.9)),
    ("staheli", "Staheli", 2, "", "no adult norm", None),
    ("medial_pct", "Medial share of load", 0, " %", "40-55 % (provisional)", (40.0, 55.0)),
    ("forefoot_medial_pct", "Forefoot medial (M1+M2)", 0, " %", "-", None),
    ("foot_length_mm", "Foot length", 0, " mm", "-", None),
    ("foot_width_mm", "Forefoot width", 0, " mm", "-", None),
    ("contact_area_cm2", "Contact area", 1, " cm2", "-", None),
    ("peak_pressure_kpa", "Peak pressure", 0, " kPa", "< 700 kPa (diabetic risk)", (0, 700)),
    ("mean_pressure_kpa", "Mean pressure", 0, " kPa", "-", None),
    ("stance_time_s", "Stance time", 2, " s", "-", None),
    ("cop_velocity_mm_s", "COP velocity", 0, " mm/s", "-", None),
)


def index_table(analysis: Analysis) -> Table:
    """Measures of both feet with the normal range beside each; out-of-range cells flagged."""
    left, right = _foot(analysis, "left"), _foot(analysis, "right")
    walk = analysis.mode == "walk"
    rows = [("Measure", "Left", "Right", "Normal range")]
    what = "steps" if walk else "standing trials" if analysis.combined else "print"
    rows.append((f"Figures from ({what})", steps_used(left, analysis),
                 steps_used(right, analysis), "median of the steps" if walk else
                 "mean of the trials" if analysis.combined else "-"))
    flagged = []
    for key, label, digits, unit, norm, bounds in INDEX_ROWS:
        cells = [label]
        for col, foot in ((1, left), (2, right)):
            value = foot.metrics.get(key) if foot else None
            text = _f(value, digits, unit)
            if value is not None and bounds is not None and not bounds[0] <= value <= bounds[1]:
                flagged.append((len(rows), col))
                text += " *"
            n = foot.stats.get(key, {}).get("n") if foot else None
            if value is not None and n is not None and n != len(foot.used_steps):
                text += f" (n {n})"  # fewer steps than the foot's: say how many
            cells.append(text)
        cells.append(norm)
        rows.append(tuple(cells))
    return Table(tuple(rows), (0.34, 0.17, 0.17, 0.32), tuple(flagged))


def steps_used(foot: FootResult | None, analysis: Analysis) -> str:
    """How many steps (or trials) a foot's figures come from, and how many were left out."""
    if foot is None:
        return "-"
    n = len(foot.used_steps)
    out = str(n)
    left_out = sum(s.complete and not s.used for s in foot.steps)
    if analysis.combined:
        out += f" from {len({s.trial for s in foot.used_steps})} trials"
    if left_out:
        out += f", {left_out} left out"
    return out


#: The measures shown as dot strips, with their axis range and the classification cut-offs.
STRIP_MEASURES = (("arch_index", "Arch index", "", 0.0, 0.45, "arch_type", "arch"),
                  ("cpei", "CPEI", " %", -5.0, 45.0, "pronation", "pronation"))


def step_strips(analysis: Analysis) -> StepStrips | None:
    """Every used step's arch index and CPEI per foot, beside the normal range (walks)."""
    if analysis.mode != "walk":
        return None
    th = analysis.thresholds
    cuts = {"arch_index": (th.ai_high, th.ai_low),
            "cpei": (th.cpei_pronated_below, th.cpei_supinated_above)}
    strips = []
    for key, label, unit, lo, hi, cls_key, reason_key in STRIP_MEASURES:
        for foot in analysis.feet:
            values = tuple(float(s.metrics[key]) for s in foot.used_steps
                           if s.metrics.get(key) is not None)
            if not values:
                continue
            c = foot.classification
            interval = c.get(f"{reason_key}_interval")
            verdict = c.get(cls_key) or "n/a"
            if verdict == "uncertain" and c.get(f"{reason_key}_reason"):
                verdict = f"uncertain: {c[f'{reason_key}_reason']}"
            strips.append(StepStrip(
                f"{label}, {foot.side}", values, float(foot.metrics[key]),
                tuple(interval) if interval else None, cuts[key], cuts[key],
                min(lo, min(values)), max(hi, max(values)), unit, verdict))
    return StepStrips(tuple(strips)) if strips else None


def classification_table(analysis: Analysis) -> Table:
    """Arch type and pronation per foot with borderline flags and the basis."""
    rows = [("Finding", "Left", "Right")]
    for key, border, label in (("arch_type", "arch_borderline", "Arch"),
                               ("pronation", "pronation_borderline", "Rolling")):
        cells = [label]
        for side in ("left", "right"):
            foot = _foot(analysis, side)
            if foot is None:
                cells.append("not analysed")
                continue
            c = foot.classification
            text = c.get(key) or "n/a"
            if c.get(border):
                text += " (borderline)"
            if key == "pronation" and c.get("pronation_basis"):
                text += " - from " + {"cpei": "CPEI", "medial_lateral_balance":
                                      "medial/lateral load"}[c["pronation_basis"]]
            reason = c.get("arch_reason" if key == "arch_type" else "pronation_reason")
            if c.get(key) == "uncertain" and reason:
                text += f" ({reason})"
            cells.append(text)
        rows.append(tuple(cells))
    return Table(tuple(rows), (0.2, 0.4, 0.4))


def mask_table(analysis: Analysis) -> Table:
    """Peak pressure, pressure-time integral and load share under each region."""
    from orthofit.proposal.rules import MASK_TITLES

    rows = [("Region", "Peak L / R (kPa)", "PTI L / R (kPa s)", "Load L / R (%)")]
    left, right = _foot(analysis, "left"), _foot(analysis, "right")
    for name, title in MASK_TITLES.items():
        def cell(key: str, digits: int, name: str = name) -> str:
            vals = []
            for foot in (left, right):
                m = foot.masks.get(name) if foot else None
                vals.append(_f(m[key], digits) if m else "n/a")
            return " / ".join(vals)

        rows.append((title, cell("peak_kpa", 0), cell("pti_kpa_s", 1), cell("load_pct", 1)))
    return Table(tuple(rows), (0.3, 0.23, 0.24, 0.23))


def balance_table(analysis: Analysis) -> Table | None:
    """Load shares and sway (standing and balance trials)."""
    b = analysis.balance
    if not b:
        return None
    rows = (("Measure", "Value"),
            ("Load left / right", f"{_f(b['left_pct'], 0)} % / {_f(b['right_pct'], 0)} %"),
            ("Load forefoot / rearfoot", f"{_f(b['fore_pct'], 0)} % / {_f(b['rear_pct'], 0)} %"),
            ("Sway path length", _f(b["path_length_mm"], 0, " mm")),
            ("Mean sway velocity", _f(b["mean_velocity_mm_s"], 1, " mm/s")),
            ("95 % ellipse area", _f(b["ellipse_area_95_mm2"], 0, " mm2")),
            ("Range front-back / side-side",
             f"{_f(b['range_ap_mm'], 1)} / {_f(b['range_ml_mm'], 1)} mm"),
            ("Recorded", _f(b["duration_s"], 1, " s")))
    return Table(rows, (0.5, 0.5))


def proposal_blocks(proposal: Proposal) -> list[Any]:
    """The proposal as a table and its numbered reasons.

    The table gives every element per foot and points to its reason; each reason (rule text
    with the measured values, source, evidence) is printed once.
    """
    rows = [("Element", "Left", "Right", "Reason")]
    flagged = []
    reasons: list[tuple[str, str]] = []  # (sides, text), numbered in order of appearance
    keys: dict[tuple[str, str], int] = {}
    for kind in ELEMENT_KINDS:
        cells = [ELEMENT_TITLES[kind]]
        refs = []
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
            r = el.reason
            body = f"{r.text} Rule '{r.rule}'; source: {r.source}; evidence: {r.evidence}."
            if el.changed:
                # The reason explains the proposed value; say which, and what is shown now.
                proposed = dataclasses.replace(el, values=el.proposed).describe()
                body = (f"{ELEMENT_TITLES[kind]} proposed as {proposed}: {body} Changed by the "
                        f"clinician to {el.describe()}.")
            key = (r.rule, body)
            if key not in keys:
                keys[key] = len(reasons)
                reasons.append((side, body))
            elif side not in reasons[keys[key]][0]:
                reasons[keys[key]] = ("left and right", body)
            ref = f"[{keys[key] + 1}]"
            if ref not in refs:
                refs.append(ref)
        cells.append(" ".join(refs))
        rows.append(tuple(cells))
    out: list[Any] = [Table(tuple(rows), (0.2, 0.3, 0.3, 0.2), tuple(flagged))]
    out += [Para(f"[{i + 1}] {sides.capitalize()}: {body}", "small")
            for i, (sides, body) in enumerate(reasons)]
    return out


def insole_outlines(analysis: Analysis, proposal: Proposal) -> tuple[InsoleOutline, ...]:
    """The insole of every proposed foot, drawn on that foot's representative print."""
    out = []
    for foot in analysis.feet:
        step = foot.representative()
        fp_prop = proposal.foot(foot.side)
        if step is not None and fp_prop is not None:
            out.append(insole_outline(step.footprint, fp_prop))
    return tuple(out)


def capture_table(info: dict[str, Any], analysis: Analysis) -> Table:
    """Mat, profile, date, frame rate, and what the analysis used."""
    rec = analysis.recording
    trials = analysis.trials
    scans = str(info.get("file", "-"))
    if len(trials) > 1:
        scans = ", ".join(f"{t['label']} ({t['steps']} complete)" for t in trials)
    rows = (("Capture", ""),
            ("Scan file" if len(trials) <= 1 else "Trials", scans),
            ("Mat profile", str(rec.get("profile") or "-")),
            ("Recorded", str(info.get("recorded", "-"))),
            ("Frames", f"{rec['frames']} at {_f(rec.get('rate_hz'), 0, ' Hz')}"),
            ("Sensels", f"{rec['rows']} x {rec['cols']}, pitch {rec['pitch_mm'][0]:g} x "
             f"{rec['pitch_mm'][1]:g} mm"),
            ("Trial", analysis.mode),
            ("Noise threshold", f"{analysis.threshold_kpa:.1f} kPa"),
            ("Cut-offs", analysis.thresholds.name),
            ("Insole rules", info.get("rules", "-")))
    return Table(rows, (0.3, 0.7))


def clinician_report(analysis: Analysis, proposal: Proposal, frames: np.ndarray,
                     pitch: tuple[float, float], *, info: dict[str, Any]) -> Document:
    """The clinical report: pictures, indices, balance, classification, the proposal."""
    patient = info.get("patient_name") or "(no name given)"
    clinic = info.get("clinic") or "orthofit"
    blocks: list[Any] = [
        Para(f"<b>{clinic}</b> - foot pressure assessment", "big"),
        Table((("Patient", patient), ("Date", info["date"]),
               ("Scan", f"{analysis.mode} trial, {info.get('file', '')}" if not
                analysis.combined else f"{len(analysis.trials)} {analysis.mode} trials "
                "analysed together")), (0.25, 0.75)),
    ]
    if not analysis.feet or not any(s.complete for f in analysis.feet for s in f.steps):
        blocks += [Heading("Result"), Para(texts.cannot_analyse(analysis), "warning")]
        blocks += [capture_table(info, analysis), SignatureLine()]
        return Document("orthofit clinician report", "Plantar pressure assessment", clinic,
                        f"{clinic} - {patient}", blocks, info["date"])
    maps = pressure_maps(analysis, frames, pitch)
    blocks += [Heading("Peak pressure"), maps] if maps else []
    blocks.append(Para("Drawn over each foot: the foot axis (heel centre to second toe, dashed), "
                       "the thirds of the arch index (solid lines), the outlines of the regions "
                       "(heel medial/lateral, midfoot, M1-M5, hallux, toes; thin grey) and the "
                       "centre-of-pressure path (walks).", "small"))
    blocks += [Heading("Indices"), index_table(analysis),
               Para("* outside the range shown. Ranges marked provisional are cut-offs of the "
                    "threshold profile, not validated norms.", "small"),
               Heading("Classification"), classification_table(analysis)]
    strips = step_strips(analysis)
    if strips is not None:
        blocks += [Heading("Step by step", 2), strips,
                   Para("Each dot is one step; the bar is the median, the bracket the range "
                        "in which the median lies (" + INTERVAL_METHOD + "); the shaded band is "
                        "the normal range. A class is stated only when at least 3 steps agree "
                        "so well that no cut-off lies inside the bracket.", "small")]
    for foot in analysis.feet:
        for note in foot.notes:
            blocks.append(Para(f"{foot.side.capitalize()} foot: {note}.", "small"))
    for flag in analysis.asymmetry.get("flags", []):
        blocks.append(Para(f"Asymmetry: {flag}.", "note"))
    bal = balance_table(analysis)
    if bal is not None:
        blocks += [Heading("Balance and load"), bal]
    if analysis.mode == "walk":
        series = tuple((f"{f.side} step {i + 1}", s.times_s - s.times_s[0], s.force_n)
                       for f in analysis.feet for i, s in enumerate(f.steps) if s.complete)
        blocks += [Heading("Force over the step"), ForceCurves(series)]
    blocks += [Heading("Regions"), mask_table(analysis)]
    blocks += [PageBreak(), Heading("Proposed insoles"), InsoleFigure(insole_outlines(analysis,
                                                                                 proposal)),
               *proposal_blocks(proposal)]
    for note in proposal.notes:
        blocks.append(Para(note, "note"))
    blocks += [Para("Evidence: 'trial evidence' rests on published studies; 'practice "
                    "convention' is common clinical practice without trial support; "
                    "'provisional' marks cut-offs not yet validated.", "small"),
               Heading("Notes"), SignatureLine(), capture_table(info, analysis)]
    for warning in analysis.warnings:
        blocks.append(Para(f"Analysis note: {warning}.", "small"))
    return Document("orthofit clinician report", "Plantar pressure assessment and insole "
                    "prescription", clinic, f"{clinic} - {patient}", blocks, info["date"],
                    info.get("clinic_logo"))


def patient_report(analysis: Analysis, proposal: Proposal, frames: np.ndarray,
                   pitch: tuple[float, float], *, info: dict[str, Any]) -> Document:
    """The patient's report: plain words, their own feet, the knee, the plan."""
    name = info.get("patient_name")
    clinic = info.get("clinic") or "orthofit"
    blocks: list[Any] = [Para(f"Your foot scan{', ' + name if name else ''}", "big"),
                         Para(f"{clinic}, {info['date']}", "small")]
    if not analysis.feet or not any(s.complete for f in analysis.feet for s in f.steps):
        blocks += [Para(texts.cannot_analyse_patient(analysis), "warning"),
                   Heading("This is not a diagnosis"), Para(texts.NOT_A_DIAGNOSIS)]
        return Document("Your foot scan", "Foot scan explained", clinic, clinic, blocks,
                        info["date"])
    maps = pressure_maps(analysis, frames, pitch, overlays=False)
    blocks += [Heading("Your feet"), Para(texts.PICTURE), maps] if maps else []
    blocks.append(Heading("What we found"))
    for foot in analysis.feet:
        blocks.append(Para(texts.foot_summary(foot)))
    blocks += [Heading("Why your feet matter for your knees"), Para(texts.KINETIC_CHAIN_1),
               Para(texts.KINETIC_CHAIN_2), Heading("What your insoles do")]
    for line in texts.insole_lines(proposal):
        blocks.append(Para(line))
    blocks += [PageBreak(), Heading("Your exercise plan"), Para(texts.PLAN_INTRO)]
    blocks += [Exercise(*e) for e in texts.EXERCISES]
    blocks += [Heading("When to see a professional"), Para(texts.SEE_A_PROFESSIONAL),
               Heading("This is not a diagnosis"), Para(texts.NOT_A_DIAGNOSIS)]
    return Document("Your foot scan", "Foot scan explained for the patient", clinic, clinic,
                    blocks, info["date"], info.get("clinic_logo"))


def all_text(doc: Document) -> str:
    """Every word a document shows (for tests and search)."""
    out: list[str] = [doc.title]
    for block in doc.blocks:
        if isinstance(block, Heading | Para):
            out.append(block.text)
        elif isinstance(block, Table):
            out += [c for row in block.rows for c in row]
        elif isinstance(block, Exercise):
            out += [block.name, block.how, block.dose]
        elif isinstance(block, StepStrips):
            out += [f"{st.label}: {st.verdict}" for st in block.strips]
    return "\n".join(out)


def sequence(blocks: Sequence[Any], kind: type) -> list[Any]:
    """The blocks of one kind."""
    return [b for b in blocks if isinstance(b, kind)]
