"""Report content, built before any rendering (no reportlab here).

A :class:`Document` is a list of blocks (headings, paragraphs, tables, figures) with the
document's metadata. ``clinician_report`` here (and ``patient_report`` in
:mod:`orthofit.report.patient`) build them from an analysis and a proposal; ``render.py`` turns
them into PDF pages. Keeping content apart from layout lets
the tests check what a report says without parsing a PDF, and keeps every number in one place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from orthofit.analysis.classify import INTERVAL_METHOD
from orthofit.analysis.pipeline import Analysis, FootResult
from orthofit.proposal.model import Proposal
from orthofit.report import header, texts
from orthofit.report.blocks import (  # noqa: F401 - re-exported: the report's blocks
    Document,
    Exercise,
    ForceCurves,
    Heading,
    InsoleFigure,
    PageBreak,
    Para,
    Row,
    SignatureLine,
    Stabilogram,
    StepStrip,
    StepStrips,
    Table,
)
from orthofit.report.footmaps import (  # noqa: F401 - re-exported for the desktop
    DIABETIC_PEAK_KPA,
    MAP_KINDS,
    FootLoad,
    FootMap,
    PressureMaps,
    RegionLabel,
    pressure_maps,
)
from orthofit.report.insole_blocks import insole_outlines, proposal_blocks


def _f(value: Any, digits: int = 2, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def _foot(analysis: Analysis, side: str) -> FootResult | None:
    return analysis.foot(side)


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
    """Peak pressure, load share and (walks) pressure-time integral under each region.

    A pressure-time integral grows with the time a foot stands still, so it is given for the
    steps of a walk only: for a 30 s standing trial it would be a large number that means
    nothing.
    """
    from orthofit.proposal.rules import MASK_TITLES

    walk = analysis.mode == "walk"
    header = ["Region", "Peak L / R (kPa)", "Load L / R (%)"]
    if walk:
        header.insert(2, "PTI L / R (kPa s)")
    rows = [tuple(header)]
    left, right = _foot(analysis, "left"), _foot(analysis, "right")
    for name, title in MASK_TITLES.items():
        def cell(key: str, digits: int, name: str = name) -> str:
            vals = []
            for foot in (left, right):
                m = foot.masks.get(name) if foot else None
                vals.append(_f(m[key], digits) if m else "n/a")
            return " / ".join(vals)

        cells = [title, cell("peak_kpa", 0), cell("load_pct", 1)]
        if walk:
            cells.insert(2, cell("pti_kpa_s", 1))
        rows.append(tuple(cells))
    widths = (0.3, 0.23, 0.24, 0.23) if walk else (0.3, 0.35, 0.35)
    return Table(tuple(rows), widths)


def balance_table(analysis: Analysis) -> Table | None:
    """Load shares and sway (standing and balance trials); unknown figures are left out."""
    b = analysis.balance
    if not b:
        return None

    def pair(a: str, c: str, digits: int, unit: str) -> str | None:
        if b.get(a) is None or b.get(c) is None:
            return None
        return f"{_f(b[a], digits)}{unit} / {_f(b[c], digits)}{unit}"

    rows = [("Measure", "Value"),
            ("Load left / right", pair("left_pct", "right_pct", 0, " %")),
            ("Load forefoot / rearfoot", pair("fore_pct", "rear_pct", 0, " %")),
            ("Sway path length", _known(b.get("path_length_mm"), 0, " mm")),
            ("Mean sway velocity", _known(b.get("mean_velocity_mm_s"), 1, " mm/s")),
            ("95 % ellipse area", _known(b.get("ellipse_area_95_mm2"), 0, " mm2")),
            ("Range front-back / side-side", pair("range_ap_mm", "range_ml_mm", 1, " mm")),
            ("Recorded for", _known(b.get("duration_s"), 1, " s"))]
    return Table(tuple(r for r in rows if r[1] is not None), (0.5, 0.5))


def _known(value: Any, digits: int, unit: str) -> str | None:
    """``value`` with its unit, or None when it is not known (the row is then left out)."""
    return None if value is None else _f(value, digits, unit)


#: Gait parameter rows: key of ``analysis.gait[side]``, label, digits, unit.
GAIT_ROWS = (
    ("steps", "Steps", 0, ""),
    ("stance_time_s", "Stance time", 2, " s"),
    ("step_time_s", "Step time", 2, " s"),
    ("step_length_mm", "Step length", 0, " mm"),
    ("stride_time_s", "Stride time", 2, " s"),
    ("stride_length_mm", "Stride length", 0, " mm"),
    ("cadence_steps_min", "Cadence", 0, " steps/min"),
    ("speed_m_s", "Walking speed", 2, " m/s"),
    ("progression_angle_deg", "Foot progression angle (+ toes out)", 1, " deg"),
)


def gait_table(analysis: Analysis) -> Table | None:
    """Gait parameters per foot (walks), from ``analysis.gait``; None when there are none.

    A row that neither foot has (the mat cannot show it) is left out; the analysis's gait
    notes say why.
    """
    gait = getattr(analysis, "gait", None)
    if analysis.mode != "walk" or not gait:
        return None
    rows = [("Parameter", "Left", "Right")]
    for key, label, digits, unit in GAIT_ROWS:
        values = [(gait.get(side) or {}).get(key) for side in ("left", "right")]
        if all(v is None for v in values):
            continue
        rows.append((label, *(_f(float(v) if key != "steps" else v, digits, unit)
                              if v is not None else "n/a" for v in values)))
    return Table(tuple(rows), (0.46, 0.27, 0.27)) if len(rows) > 1 else None


#: Roll-off phases: key, label, De Cock 2005's jogging figure (% of stance).
ROLLOFF_ROWS = (
    ("initial_contact_pct", "Initial contact", 8.2),
    ("forefoot_contact_pct", "Forefoot contact", 11.3),
    ("foot_flat_pct", "Foot flat", 25.3),
    ("push_off_pct", "Forefoot push-off", 55.1),
)


def rolloff(foot: FootResult) -> dict[str, float | None]:
    """A foot's roll-off phases (% of stance): its metrics, else the median of its steps."""
    out: dict[str, float | None] = {}
    for key, _, _ in ROLLOFF_ROWS:
        value = foot.metrics.get(key)
        if value is None:
            vals = [s.phases.get(key) for s in foot.used_steps]
            vals = [float(v) for v in vals if v is not None]
            value = float(np.median(vals)) if vals else None
        out[key] = value
    return out


def rolloff_table(analysis: Analysis) -> Table | None:
    """Roll-off phases per foot in % of stance (walks), beside De Cock 2005's jogging figures."""
    if analysis.mode != "walk":
        return None
    phases = {f.side: rolloff(f) for f in analysis.feet}
    if not any(v is not None for p in phases.values() for v in p.values()):
        return None
    rows = [("Phase (% of stance)", "Left", "Right", "Jogging, De Cock 2005")]
    for key, label, ref in ROLLOFF_ROWS:
        rows.append((label, *(_f(phases[side].get(key), 0, " %") if side in phases else "-"
                              for side in ("left", "right")), f"{ref:g} %"))
    return Table(tuple(rows), (0.34, 0.2, 0.2, 0.26))


def stabilogram(analysis: Analysis) -> Stabilogram | None:
    """The standing COP and its 95 % ellipse, from ``analysis.balance["stabilogram"]``."""
    data = (analysis.balance or {}).get("stabilogram")
    if not isinstance(data, dict) or not data.get("ellipse"):
        return None
    x = np.asarray(data.get("x_mm") or [], dtype=float)
    y = np.asarray(data.get("y_mm") or [], dtype=float)
    ok = np.isfinite(x) & np.isfinite(y) if x.shape == y.shape else None
    if ok is None or ok.sum() < 2:
        return None
    e = data["ellipse"]
    try:
        return Stabilogram(x[ok], y[ok], (float(e["centre_mm"][0]), float(e["centre_mm"][1])),
                           (float(e["semi_axes_mm"][0]), float(e["semi_axes_mm"][1])),
                           float(e["angle_deg"]), float(e["area_mm2"]))
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def force_curves(analysis: Analysis, weight_kg: float | None) -> ForceCurves | None:
    """Every complete step's force over time, per foot; in % body weight when it is known."""
    if analysis.mode != "walk":
        return None
    per_bw = 100.0 / (weight_kg * G) if weight_kg else None
    series = tuple((f"{f.side} step {i + 1}", s.times_s - s.times_s[0],
                    s.force_n * per_bw if per_bw else s.force_n)
                   for f in analysis.feet for i, s in enumerate(f.steps) if s.complete)
    if not series:
        return None
    return ForceCurves(series, "% body weight" if per_bw else "N")


#: Standard gravity (m/s2): a weight in kg as a force in N.
G = 9.80665


def _recorded(value: Any) -> str | None:
    """When the scan was recorded, as a reader writes it (None when unknown)."""
    if value in (None, "", "-"):
        return None
    text = str(value)
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return when.strftime("%Y-%m-%d %H:%M")


def capture_table(info: dict[str, Any], analysis: Analysis) -> Table:
    """Mat, profile, date, frame rate, and what the analysis used (unknown rows left out)."""
    rec = analysis.recording
    trials = analysis.trials
    scans = str(info.get("file") or "")
    if len(trials) > 1:
        scans = ", ".join(f"{t['label']} ({t['steps']} complete)" for t in trials)
    rate = rec.get("rate_hz")
    rows = [("Capture", ""),
            ("Scan file" if len(trials) <= 1 else "Trials", scans or None),
            ("Mat profile", str(rec["profile"]) if rec.get("profile") else None),
            ("Recorded", _recorded(info.get("recorded"))),
            ("Frames", f"{rec['frames']}" + (f" at {rate:.0f} Hz" if rate else "")),
            ("Sensels", f"{rec['rows']} x {rec['cols']}, pitch {rec['pitch_mm'][0]:g} x "
             f"{rec['pitch_mm'][1]:g} mm"),
            ("Trial", analysis.mode),
            ("Noise threshold", f"{analysis.threshold_kpa:.1f} kPa"),
            ("Cut-offs", analysis.thresholds.name),
            ("Insole rules", str(info["rules"]) if info.get("rules") else None)]
    return Table(tuple(r for r in rows if r[1] is not None), (0.3, 0.7))


def header_table(info: dict[str, Any], analysis: Analysis) -> Table:
    """Who and what the report is about: the known facts of the patient, date, trials.

    Two facts a row (label, value, label, value), so a full header stays a few lines tall.
    """
    rows = header.patient_rows(info) or [("Patient", "(no name given)")]
    rows.append(("Report date", str(info["date"])))
    if analysis.combined:
        rows.append(("Trials", f"{len(analysis.trials)} {analysis.mode} trials analysed "
                               "together"))
    else:
        rows.append(("Scan", f"{analysis.mode} trial" + (f", {info['file']}"
                                                        if info.get("file") else "")))
    pairs = [rows[i] + (rows[i + 1] if i + 1 < len(rows) else ("", ""))
             for i in range(0, len(rows), 2)]
    return Table(tuple(pairs), (0.15, 0.35, 0.15, 0.35), labels=True)


def _map_caption(maps: PressureMaps, analysis: Analysis, diabetic: bool) -> str:
    walk = analysis.mode == "walk"
    shown = "a representative step of each foot" if walk else "each standing foot"
    text = (f"Peak pressure of {shown}; colours: {maps.scale_text}. Numbers: the peak "
            "pressure (kPa) in each region. Drawn over each foot: the foot axis (heel centre to "
            "second toe, dashed), the thirds of the arch index (solid lines), the region "
            "outlines (MH/LH medial/lateral heel, MF midfoot, M1-M5 metatarsal heads, H hallux, "
            "T toes 2-5)")
    text += " and the centre-of-pressure path." if walk else "."
    if any(m.load is not None for m in maps.maps):
        text += (" Beside each foot: its share of the body's load, and the shares in front of "
                 "and behind half its length (dotted line); together they make 100 %.")
    if diabetic and maps.mark_kpa is not None:
        high = [f"{m.side} {r.label} {r.value:.0f} kPa" for m in maps.maps for r in m.regions
                if r.value >= maps.mark_kpa]
        text += (f" Diabetes: regions at or above {maps.mark_kpa:.0f} kPa (barefoot ulcer "
                 "risk, Armstrong 1998) are boxed" + (f": {', '.join(high)}." if high else
                                                       "; no region reaches it."))
    return text


def _public_blocks(blocks: list[Any]) -> list[Any]:
    """The blocks with every internal file name taken out of their words."""
    out = []
    for b in blocks:
        if isinstance(b, Para | Heading):
            b = dataclasses.replace(b, text=header.public_text(b.text))
        elif isinstance(b, Table):
            b = dataclasses.replace(b, rows=tuple(tuple(header.public_text(c) for c in row)
                                                  for row in b.rows))
        out.append(b)
    return out


def public_document(doc: Document) -> Document:
    """``doc`` with every internal file name taken out of its words (see ``public_text``)."""
    return dataclasses.replace(doc, blocks=_public_blocks(doc.blocks))


def clinician_report(analysis: Analysis, proposal: Proposal, frames: np.ndarray,
                     pitch: tuple[float, float], *, info: dict[str, Any],
                     printed: Sequence[Any] = (),
                     sizes: dict[str, Any] | None = None) -> Document:
    """The clinical report: pictures, indices, gait or balance, classification, the proposal.

    ``info`` is the report dict (see :func:`orthofit.report.header.complete_info`); a diabetic
    patient's report carries the diabetes flag on every page. ``printed`` are the blocks of
    the printed insoles (:func:`orthofit.report.insole3d_block.insole_heights_blocks`), shown
    on the prescription's page between the lab drawing and the table; ``sizes`` the zone sizes
    they were built with (:func:`orthofit.report.insole3d_block.zone_sizes`), so that the lab
    drawing matches them (default: the shipped catalogue's).
    """
    info = header.complete_info(info)
    patient = info.get("patient_name") or "(no name given)"
    clinic = info.get("clinic") or "orthofit"
    diabetic = info["diabetic"]
    flag = header.DIABETES_FLAG if diabetic else None
    blocks: list[Any] = [Para(f"<b>{clinic}</b> - foot pressure assessment", "big")]
    if info.get("clinic_contact"):
        blocks.append(Para(str(info["clinic_contact"]), "small"))
    blocks.append(header_table(info, analysis))

    def document(blocks: list[Any]) -> Document:
        return Document("orthofit clinician report", "Plantar pressure assessment and insole "
                        "prescription", clinic, f"{clinic} - {patient}", _public_blocks(blocks),
                        info["date"], info.get("clinic_logo"), flag)

    if not analysis.feet or not any(s.complete for f in analysis.feet for s in f.steps):
        blocks += [Heading("Result"), Para(texts.cannot_analyse(analysis), "warning"),
                   capture_table(info, analysis), Heading("Notes"), SignatureLine()]
        return document(blocks)
    walk = analysis.mode == "walk"
    maps = pressure_maps(analysis, frames, pitch, scale=info["pressure_scale"],
                         mark_kpa=DIABETIC_PEAK_KPA if diabetic else None)
    if maps:
        blocks += [Heading("Peak pressure"), maps, Para(_map_caption(maps, analysis, diabetic),
                                                        "small")]
    blocks += [Heading("Regions", 2), mask_table(analysis)]
    bal = balance_table(analysis)
    if bal is not None:
        stab = stabilogram(analysis)
        blocks += [Heading("Balance and load"), Row((bal, stab), (0.5, 0.5)) if stab else bal]
        if stab is not None:
            blocks.append(Para("Stabilogram: the body's centre of pressure about its mean "
                               "(right and forwards positive) with its 95 % ellipse "
                               f"({stab.area_mm2:.0f} mm2).", "small"))
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
    for flag_text in analysis.asymmetry.get("flags", []):
        blocks.append(Para(f"Asymmetry: {flag_text}.", "note"))
    if walk:
        gait, phases = gait_table(analysis), rolloff_table(analysis)
        if gait is not None or phases is not None:
            blocks.append(Heading("Gait"))
        if gait is not None:
            blocks.append(gait)
        for note in getattr(analysis, "gait_notes", None) or []:
            blocks.append(Para(f"{note}.".replace("..", "."), "small"))
        if phases is not None:
            blocks += [Heading("Roll-off phases", 2), phases,
                       Para("Median of the steps. The reference figures are from jogging; "
                            "walking differs.", "small")]
        curves = force_curves(analysis, (info["patient"] or {}).get("weight_kg"))
        if curves is not None:
            blocks += [Heading("Force over the step", 2), curves]
    blocks.append(capture_table(info, analysis))
    for warning in analysis.warnings:
        blocks.append(Para(f"Analysis note: {warning}.", "small"))
    # The insole page: the lab drawing, then the printed insoles (compact height maps and
    # sections) before the table, so a page too full pushes the reasons and the signature on,
    # never the table away from the pictures it explains.
    # The drawing's zones sized as the printed solids were (the profile's catalogue).
    blocks += [PageBreak(soft=True), Heading("Proposed insoles"),
               InsoleFigure(insole_outlines(analysis, proposal, **(sizes or {}))), *printed,
               *proposal_blocks(proposal)]
    for note in proposal.notes:
        blocks.append(Para(note, "note"))
    blocks += [Para("Evidence: 'trial evidence' rests on published studies; 'practice "
                    "convention' is common clinical practice without trial support; "
                    "'provisional' marks cut-offs not yet validated.", "small"),
               Heading("Notes"), SignatureLine()]
    return document(blocks)


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
