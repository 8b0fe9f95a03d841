"""Command-line reports: ``orthofit report`` (PDFs) and ``orthofit propose`` (lab files)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any, TextIO

from orthofit.cli.args import (
    UsageError,
    add_analysis_options,
    existing_file,
    iso_date,
    output_file,
    ranged,
)
from orthofit.errors import OrthofitError

EXIT_OK = 0

#: A patient's weight as the report takes it (kg).
weight_kg = ranged("--weight-kg", "kg", 20.0, 300.0)


def birth_date(text: str) -> str:
    """A birth date written YYYY-MM-DD, from 1900 to today.

    Examples
    --------
    >>> birth_date("1980-02-29")
    '1980-02-29'
    """
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"give a date as YYYY-MM-DD (e.g. 1980-06-15), not {text!r}") from None
    if day.year < 1900:
        raise argparse.ArgumentTypeError(f"{text} is not a plausible birth date")
    if day > dt.date.today():
        raise argparse.ArgumentTypeError(f"{text} is in the future")
    return day.isoformat()


def pressure_scale(text: str) -> Any:
    """``--pressure-scale``: "per trial" or the top of the clinic scale in kPa (50-3000)."""
    from orthofit.report.scale import MAX_KPA_RANGE, parse_scale

    try:
        return parse_scale(text)
    except ValueError:
        lo, hi = MAX_KPA_RANGE
        raise argparse.ArgumentTypeError(
            f"give 'per trial' or a maximum from {lo:g} to {hi:g} kPa, not {text!r}") from None


def words(option: str, longest: int, *, lines: bool = False) -> Any:
    """An argument type: printable text of at most ``longest`` characters.

    With ``lines``, a backslash followed by n starts a new line (a clinic's address).
    """
    def parse(text: str) -> str:
        value = text.replace("\\n", "\n") if lines else text
        value = "\n".join(line.strip() for line in value.strip().splitlines()) if lines \
            else value.strip()
        if not value:
            raise argparse.ArgumentTypeError("give some text, not an empty string")
        if len(value) > longest:
            raise argparse.ArgumentTypeError(
                f"give at most {longest} characters, not {len(value)}")
        if any(not (c.isprintable() or (lines and c == "\n")) for c in value):
            raise argparse.ArgumentTypeError("give printable text (no control characters)")
        return value

    parse.__name__ = option
    return parse


def _load_proposal(path: str | None) -> Any:
    if not path:
        return None
    from orthofit.proposal.model import Proposal, ProposalError

    existing_file(path, what="a proposal")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OrthofitError(f"{path}: cannot read the proposal ({exc})") from exc
    try:
        return Proposal.from_dict(data)
    except ProposalError as exc:
        raise OrthofitError(f"{path}: {exc}") from exc


def _reports(args: argparse.Namespace) -> Any:
    from orthofit.io.load import load
    from orthofit.io.profiles import load_insole_rules, load_thresholds
    from orthofit.report.make import build_reports

    for path in args.scans:
        existing_file(path, what="a scan")
    recs = [load(path, pitch_mm=args.pitch_mm, rate_hz=args.rate_hz) for path in args.scans]
    rec = recs[0]
    date = args.date or dt.date.today().isoformat()
    recorded = rec.metadata.get("capture", {}).get("started") if isinstance(
        rec.metadata.get("capture"), dict) else None
    names = [Path(p).name for p in args.scans]
    born = getattr(args, "birth_date", None)
    if born and born > date:
        raise UsageError(f"--birth-date {born} is after the report date {date}")
    patient = {"name": args.patient_name, "birth_date": born,
               "sex": getattr(args, "sex", None), "weight_kg": getattr(args, "weight_kg", None),
               "shoe_size": getattr(args, "shoe_size", None),
               "referrer": getattr(args, "referrer", None),
               "conditions": list(getattr(args, "condition", None) or [])}
    from orthofit.io.checksum import scan_checksums

    info = {"date": date, "file": ", ".join(names), "scan_sha256": scan_checksums(args.scans),
            "patient_name": args.patient_name,
            "clinic": args.clinic, "recorded": recorded,
            "patient": {k: v for k, v in patient.items() if v not in (None, [])},
            "clinic_contact": getattr(args, "clinic_contact", None),
            "pressure_scale": getattr(args, "pressure_scale", None)}
    from orthofit.errors import OrthofitError
    from orthofit.io.profiles import read_profile
    from orthofit.report.insole3d_block import print_spec

    # The printed insoles' sizes come from the same profile as the rules (a clinic's .toml
    # path too); a profile without them still gives a report that says so, but a damaged
    # catalogue is said, never replaced by the shipped sizes behind the clinic's back.
    try:
        has_sizes = bool(read_profile("insoles", args.rules or "default").get("print3d"))
    except OrthofitError:
        has_sizes = False  # loading the rules below says what is wrong with the file
    spec = print_spec(args.rules) if has_sizes else None
    return build_reports(recs, thresholds=load_thresholds(args.thresholds),
                         rules=load_insole_rules(args.rules),
                         proposal=_load_proposal(getattr(args, "proposal", None)), info=info,
                         diabetic=args.diabetic, knee_oa=args.knee_oa, labels=names,
                         print_spec=spec)


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    """Write the clinician and/or patient PDF for a scan."""
    from orthofit.report.make import write_reports

    output = output_file(args.output)
    reports = _reports(args)
    paths = write_reports(reports, output, audience=args.audience, page_size=args.page_size)
    for path in paths:
        out.write(f"wrote {path}\n")
    if not reports.analysis.feet:
        out.write("note: no foot could be analysed; the report says so\n")
    return EXIT_OK


def cmd_propose(args: argparse.Namespace, out: TextIO) -> int:
    """Write the proposal JSON (and the insole SVG) for the lab; print it in words."""
    from orthofit.report.make import write_lab_files

    output = output_file(args.output)
    svg = output_file(args.svg, option="--svg") if args.svg else output.with_suffix(".svg")
    reports = _reports(args)
    for path in write_lab_files(reports, output, svg):
        out.write(f"wrote {path}\n")
    for foot in reports.proposal.feet:
        out.write(f"{foot.side}:\n")
        for kind, el in foot.elements.items():
            out.write(f"  {kind:15s} {el.describe():32s} [{el.reason.rule}]\n")
    for note in reports.proposal.notes:
        out.write(f"note: {note}\n")
    return EXIT_OK


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("scans", nargs="+", metavar="SCAN",
                   help="a scan (.ofs, .npy with --pitch-mm, vendor export); several trials of "
                        "one visit (all walks, or all standing) are analysed together")
    p.add_argument("-o", "--output", required=True,
                   help="the file to write (its folder is made if missing)")
    p.add_argument("--patient-name", default=None, help="printed on the reports only")
    p.add_argument("--clinic", default=None, help="clinic name for the report header")
    p.add_argument("--date", type=iso_date, default=None,
                   help="report date, YYYY-MM-DD (default: today)")
    add_analysis_options(p, rules_help="insole rule set: a shipped name or a .toml path")


def _patient_options(p: argparse.ArgumentParser) -> None:
    """What the report's header says about the patient and the clinic, and its colour scale."""
    g = p.add_argument_group("patient and clinic (printed on the reports)")
    g.add_argument("--birth-date", type=birth_date, default=None, metavar="YYYY-MM-DD",
                   help="the patient's birth date: the report gives the age on its date")
    g.add_argument("--sex", choices=("female", "male", "other"), default=None,
                   help="the patient's sex")
    g.add_argument("--weight-kg", type=weight_kg, default=None, metavar="KG",
                   help="body weight in kg (20-300): force curves in %% body weight")
    g.add_argument("--shoe-size", type=words("--shoe-size", 20), default=None,
                   metavar="SIZE", help="shoe size as the clinic writes it (e.g. 'EU 42')")
    g.add_argument("--referrer", type=words("--referrer", 120), default=None,
                   help="who referred the patient")
    g.add_argument("--condition", action="append", type=words("--condition", 80),
                   default=None, metavar="TEXT",
                   help="a condition of the patient (repeat for more); 'diabetes' applies the "
                        "diabetic offloading rules as --diabetic does")
    g.add_argument("--clinic-contact", type=words("--clinic-contact", 300, lines=True),
                   default=None, metavar="TEXT",
                   help="the clinic's address, phone and e-mail; \\n starts a new line")
    g.add_argument("--pressure-scale", type=pressure_scale, default=None,
                   metavar="KPA|'per trial'",
                   help="top of the colour scale of the pressure maps in kPa (50-3000; "
                        "default 800, the clinic scale), or 'per trial' to scale each "
                        "report to its own peak")


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``report`` and ``propose`` to the ``orthofit`` parser."""
    p = sub.add_parser(
        "report", parents=[common], help="write the clinician and patient PDF reports for a scan",
        description="Analyse a scan, propose insoles (or use --proposal) and write PDFs. With "
                    "--audience both (the default) two files are written: OUT-clinician.pdf "
                    "and OUT-patient.pdf (OUT without its .pdf).")
    _common(p)
    p.add_argument("--audience", choices=("clinician", "patient", "both"), default="both",
                   help="which report (default: both)")
    p.add_argument("--proposal", default=None,
                   help="a proposal JSON (from 'orthofit propose' or the desktop, possibly "
                        "edited): the report shows what was proposed and what was changed")
    p.add_argument("--page-size", choices=("a4", "letter"), default="a4",
                   help="paper size (default: a4)")
    _patient_options(p)
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("propose", parents=[common],
                       help="propose insoles: JSON and SVG outlines for the lab",
                       description="Analyse a scan and write the insole proposal (JSON) with a "
                                   "true-size SVG of the insoles.")
    _common(p)
    p.add_argument("--svg", default=None, help="SVG path (default: OUTPUT with .svg)")
    p.set_defaults(func=cmd_propose)
