"""Command-line 3D insoles: ``orthofit insole`` (STL per foot, one 3MF, a note of contents)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from orthofit.cli.args import UsageError, add_analysis_options, existing_file, output_folder
from orthofit.errors import OrthofitError

# Kept under its old name: the benchmark times the write on its own.
from orthofit.io.folder import write_files as _write_all

EXIT_OK = 0


def check_scan_identity(scan: Mapping[str, Any], checksums: Sequence[str],
                        names: Sequence[str], *, source: str) -> str | None:
    """Refuse a proposal made for other scans; return a note when it can only be matched loosely.

    A proposal records the SHA-256 of the scans it was made from (``scan["sha256"]``); one
    without them (written before orthofit recorded them) is matched by the file names.

    Examples
    --------
    >>> check_scan_identity({"sha256": ["ab"]}, ["ab"], ["walk.ofs"], source="p.json") is None
    True
    """
    made_for = str(scan.get("file") or "unnamed scans")
    recorded = scan.get("sha256")
    if recorded:
        if sorted(recorded) != sorted(checksums):
            short = ", ".join(str(c)[:12] for c in recorded)
            raise OrthofitError(
                f"{source} was made for another scan ({made_for}, SHA-256 {short}...), not for "
                f"{', '.join(names)}: give the scans it was made from, or propose again for "
                "these")
        return None
    recorded_names = str(scan.get("file") or "").split(", ")
    # Only file names can be compared (the desktop names a stored scan "scan 12").
    if all(Path(n).suffix for n in recorded_names):
        if sorted(recorded_names) != sorted(names):
            raise OrthofitError(f"{source} was made for {made_for}, not for "
                                f"{', '.join(names)}: give the scans it was made from, or "
                                "propose again for these")
        return (f"{source} records no scan checksum (an older proposal): it was matched to "
                "the scans by file name only")
    return (f"{source} records no scan checksum and names no scan file ({made_for}): check "
            "that it was made for these scans")


def _load_proposal(path: str) -> Any:
    import json

    from orthofit.proposal.model import Proposal, ProposalError

    existing_file(path, what="a proposal")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OrthofitError(f"{path}: cannot read the proposal ({exc})") from exc
    if not isinstance(data, dict):
        raise OrthofitError(f"{path}: not an orthofit insole proposal (not a JSON object)")
    try:
        return Proposal.from_dict(data)
    except ProposalError as exc:
        raise OrthofitError(f"{path}: {exc}") from exc


def cmd_insole(args: argparse.Namespace, out: TextIO) -> int:
    """Build the printable insoles of a scan and write STL, 3MF and a note of contents."""
    from orthofit.analysis.pipeline import analyze_trials
    from orthofit.insole3d import PrintSpec, build_insoles
    from orthofit.insole3d.files import insole_files
    from orthofit.io.checksum import scan_checksums
    from orthofit.io.load import load
    from orthofit.io.profiles import load_insole_rules, load_thresholds, read_profile
    from orthofit.proposal.model import reconcile
    from orthofit.proposal.rules import propose

    for path in args.scans:
        existing_file(path, what="a scan")
    given = _load_proposal(args.proposal) if args.proposal else None
    if Path(args.output).expanduser().is_file():
        raise UsageError(f"-o {args.output}: that is a file, not a folder")
    names = [Path(p).name for p in args.scans]
    checksums = scan_checksums(args.scans)
    notes = []
    if given is not None:
        note = check_scan_identity(given.scan, checksums, names, source=args.proposal)
        if note:
            notes.append(note)
    recs = [load(p, pitch_mm=args.pitch_mm, rate_hz=args.rate_hz) for p in args.scans]
    analysis = analyze_trials(recs, load_thresholds(args.thresholds), labels=names)
    rules = load_insole_rules(args.rules)
    spec = PrintSpec.from_dict(read_profile("insoles", args.rules).get("print3d"),
                               source=f"insole profile {rules.name!r}")
    engine = propose(analysis, rules, diabetic=args.diabetic, knee_oa=args.knee_oa,
                     scan={"file": ", ".join(names), "mode": analysis.mode,
                           "sha256": checksums})
    proposal = engine if given is None else reconcile(given, engine)
    source = args.proposal if given is not None else f"proposed by the rules {rules.name!r}"
    solids = build_insoles(analysis, proposal, spec)
    notes += [n for n in proposal.notes if n not in notes]
    contents = insole_files(solids, proposal, scans=names, checksums=checksums,
                            source=source, notes=notes)
    # The folder is made only now: a refused proposal leaves no trace, not even a folder.
    folder = output_folder(args.output, option="-o")
    for path in _write_all(folder, contents):
        out.write(f"wrote {path}\n")
    for note in notes:
        out.write(f"note: {note}\n")
    return EXIT_OK


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``insole`` to the ``orthofit`` parser."""
    p = sub.add_parser(
        "insole", parents=[common], help="write printable 3D insoles (STL, 3MF) for a scan",
        description="Analyse a scan, propose insoles (or use --proposal) and write into DIR: "
                    "left.stl and right.stl (binary STL, mm), insoles.3mf (both feet and the "
                    "offloading fills as named bodies) and insoles.txt (what each file holds). "
                    "All files are written, or none.")
    p.add_argument("scans", nargs="+", metavar="SCAN",
                   help="a scan (.ofs, .npy with --pitch-mm, vendor export); several trials of "
                        "one visit are analysed together")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="the folder to write into (made if missing)")
    p.add_argument("--proposal", default=None, metavar="EDITED.json",
                   help="a proposal JSON made for these scans (from 'orthofit propose' or the "
                        "desktop, possibly edited); default: the rules' own proposal")
    add_analysis_options(p, rules_help="insole rule set with its [print3d] catalogue: a "
                                       "shipped name or a .toml path")
    p.set_defaults(func=cmd_insole)
