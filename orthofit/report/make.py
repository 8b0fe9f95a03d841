"""From a scan to reports: analyse, propose (or take a given proposal), build, render."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orthofit.analysis import Analysis, Thresholds
from orthofit.analysis.pipeline import analyze_trials
from orthofit.insole3d.spec import PrintSpec
from orthofit.model import Recording
from orthofit.proposal.model import Proposal, reconcile
from orthofit.proposal.rules import RuleSet, propose
from orthofit.report.content import (
    Document,
    InsoleFigure,
    clinician_report,
    insole_outlines,
    public_document,
)
from orthofit.report.header import complete_info, has_knee_oa
from orthofit.report.insole3d_block import insole_heights_blocks, zone_sizes
from orthofit.report.patient import patient_report
from orthofit.report.render import write_pdf
from orthofit.report.svg import write_insole_svg


@dataclasses.dataclass
class ReportSet:
    """Everything made for one scan."""

    analysis: Analysis
    proposal: Proposal
    clinician: Document
    patient: Document
    insoles: InsoleFigure


def build_reports(rec: Recording | Sequence[Recording], *, thresholds: Thresholds,
                  rules: RuleSet, proposal: Proposal | None = None, info: dict[str, Any],
                  diabetic: bool = False, knee_oa: bool = False,
                  labels: list[str] | None = None,
                  print_spec: PrintSpec | None = None) -> ReportSet:
    """Analyse ``rec`` and build both documents (``proposal`` overrides the rules' one).

    ``rec`` may be several trials of one visit (walks, or standing trials): they are analysed
    together (:func:`orthofit.analysis.analyze_trials`), ``labels`` naming each. ``info`` is
    completed by :func:`~orthofit.report.header.complete_info`: ``diabetic`` (the argument,
    ``info["diabetic"]`` or a condition naming diabetes) applies the offloading rules and
    flags the clinician report. ``print_spec`` gives the printed insoles' dimensions; by
    default the ``[print3d]`` section of the insole profile named as ``rules``.
    """
    recs = [rec] if isinstance(rec, Recording) else list(rec)
    analysis = analyze_trials(recs, thresholds, labels=labels)
    rec = recs[0]
    # A diabetic patient is one flagged so or one whose conditions name diabetes: both the
    # offloading rules and the reports' diabetes flag follow from either.
    info = complete_info(info, diabetic=diabetic)
    diabetic = info["diabetic"]
    scan = {"file": info.get("file"), "mode": analysis.mode,
            **({"sha256": list(info["scan_sha256"])} if info.get("scan_sha256") else {})}
    # Knee osteoarthritis among the conditions offers the lateral wedge, as --knee-oa does.
    knee_oa = knee_oa or has_knee_oa(info["patient"].get("conditions"))
    engine = propose(analysis, rules, diabetic=diabetic, knee_oa=knee_oa, scan=scan)
    # A proposal brought in (possibly edited by hand) is read against the engine's own, so
    # every value changed shows as changed.
    proposal = engine if proposal is None else reconcile(proposal, engine)
    info = {"rules": proposal.rules, **info}
    # The printed insoles as `orthofit insole` writes them (or one line saying why not).
    printed = insole_heights_blocks(analysis, proposal, print_spec, rules_name=rules.name)
    # Every drawing of the insole (the lab's, the patient's) sized as the printed solids are.
    sizes = zone_sizes(printed)
    return ReportSet(
        analysis, proposal,
        clinician_report(analysis, proposal, rec.frames, rec.pitch_mm, info=info,
                         printed=printed, sizes=sizes),
        public_document(patient_report(analysis, proposal, rec.frames, rec.pitch_mm,
                                       info=info, sizes=sizes)),
        InsoleFigure(insole_outlines(analysis, proposal, **sizes)),
    )


def write_reports(reports: ReportSet, out: Path, *, audience: str = "both",
                  page_size: str = "a4") -> list[Path]:
    """Write the PDFs: ``OUT`` for one audience; ``OUT-clinician`` and ``OUT-patient`` for both."""
    out = Path(out)
    if audience == "both":
        stem = out.with_suffix("")
        targets = [(reports.clinician, Path(f"{stem}-clinician.pdf"), False),
                   (reports.patient, Path(f"{stem}-patient.pdf"), True)]
    elif audience == "patient":
        targets = [(reports.patient, out, True)]
    else:
        targets = [(reports.clinician, out, False)]
    return [write_pdf(doc, path, page_size=page_size, patient=patient)
            for doc, path, patient in targets]


def write_lab_files(reports: ReportSet, out_json: Path, out_svg: Path) -> list[Path]:
    """The proposal as JSON and the insole outlines as SVG, for the lab."""
    import json

    from orthofit.io.ofs import write_atomic

    text = json.dumps(reports.proposal.to_dict(), indent=2, sort_keys=True).encode("utf-8")
    return [write_atomic(out_json, lambda fh: fh.write(text)),
            write_insole_svg(reports.insoles, out_svg)]
