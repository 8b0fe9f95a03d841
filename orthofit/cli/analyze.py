"""``orthofit analyze``, ``import`` and ``samples``: scans from files.

``orthofit analyze PATH... [--pitch-mm R[xC]] [--rate-hz HZ] [--json] [--combine]`` prints a
summary per scan, or one JSON object per scan and line; ``--combine`` analyses the scans as the
trials of one visit (one object for the walks, one for the standing trials). A path that cannot
be read prints an error (a JSON ``{"path", "error"}`` object with ``--json``); the other paths
still run and the exit status is 1 at the end. No traceback reaches the user: expected problems
are explained, and an unexpected one is reported in one line with a pointer to ``--debug``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from orthofit.cli.args import existing_file, output_file, parse_pitch, rate_hz
from orthofit.errors import OrthofitError

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _fmt(value: Any, unit: str = "", digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def _spread(foot: dict[str, Any], key: str, digits: int) -> str:
    """``(IQR a-b, n)`` of a measure over a foot's steps, when it has several."""
    st = (foot.get("stats") or {}).get(key)
    if not st or st.get("n", 0) < 2:
        return ""
    return f" (IQR {st['q1']:.{digits}f}-{st['q3']:.{digits}f}, n {st['n']})"


def _class_text(foot: dict[str, Any], key: str) -> str:
    value = foot.get(key) or "n/a"
    if value == "uncertain" and foot.get(f"{key.split('_')[0]}_reason"):
        return f"uncertain ({foot[key.split('_')[0] + '_reason']})"
    if foot.get(f"{key.split('_')[0]}_borderline"):
        value += " (borderline)"
    return value


def summary_text(path: str, result: dict[str, Any]) -> str:
    """Human-readable summary of one analysis (the JSON's content, in words)."""
    rec = result["recording"]
    trials = result.get("trials") or []
    head = (f"  {rec['frames']} frame(s) of {rec['rows']} x {rec['cols']} sensels, "
            f"pitch {rec['pitch_mm'][0]:g} x {rec['pitch_mm'][1]:g} mm"
            + (f", {rec['rate_hz']:g} Hz" if rec.get("rate_hz") else ""))
    if len(trials) > 1:
        head = f"  {len(trials)} trials analysed together ({', '.join(t['label'] for t in trials)})"
    lines = [f"{path}", head + f"; mode {result['mode']}; noise threshold "
             f"{result['threshold_kpa']:.1f} kPa"]
    if not result["feet"]:
        lines.append("  no foot analysed")
    for foot in result["feet"]:
        pron = _class_text(foot, "pronation")
        basis = {"cpei": "from CPEI", "medial_lateral_balance": "from medial/lateral load"}.get(
            foot.get("pronation_basis") or "", "")
        unit = "step(s)" if result["mode"] == "walk" else "print(s)"
        left_out = foot.get("n_steps_left_out") or 0
        lines += [
            f"  {foot['side'].upper()} foot ({foot['n_steps']} complete {unit}"
            + (f", {left_out} left out" if left_out else "") + ")",
            f"    arch index      {_fmt(foot['arch_index'], digits=3):>8}"
            f"{_spread(foot, 'arch_index', 3)}   arch: {_class_text(foot, 'arch_type')}",
            f"    CPEI            {_fmt(foot['cpei'], ' %', 1):>8}{_spread(foot, 'cpei', 1)}"
            f"   rolling: {pron} {basis}".rstrip(),
            f"    Chippaux-Smirak {_fmt(foot['chippaux_smirak_pct'], ' %', 1):>8}   "
            f"Staheli {_fmt(foot['staheli'], digits=2)}",
            f"    length {_fmt(foot['foot_length_mm'], ' mm', 0)}, width "
            f"{_fmt(foot['foot_width_mm'], ' mm', 0)}, "
            f"contact {_fmt(foot['contact_area_cm2'], ' cm2', 1)}",
            f"    peak {_fmt(foot['peak_pressure_kpa'], ' kPa', 0)}, mean "
            f"{_fmt(foot['mean_pressure_kpa'], ' kPa', 0)}, medial load "
            f"{_fmt(foot['medial_pct'], ' %', 0)}"
            + (f", stance {_fmt(foot['stance_time_s'], ' s', 2)}" if foot.get("stance_time_s")
               else ""),
        ]
        gait = (result.get("gait") or {}).get(foot["side"])
        if gait:
            lines.append(
                f"    gait: cadence {_fmt(gait.get('cadence_steps_min'), ' steps/min', 0)}, "
                f"step {_fmt(gait.get('step_length_mm'), ' mm', 0)} in "
                f"{_fmt(gait.get('step_time_s'), ' s', 2)}, stride "
                f"{_fmt(gait.get('stride_length_mm'), ' mm', 0)}, speed "
                f"{_fmt(gait.get('speed_m_s'), ' m/s', 2)}, progression angle "
                f"{_fmt(gait.get('progression_angle_deg'), ' deg', 1)} (+ toes out)")
        lines += [f"    ! {flag}" for flag in foot["flags"]]
        lines += [f"    note: {note}" for note in foot.get("notes", [])]
    bal = result.get("balance")
    if bal:
        lines.append(
            f"  load left/right {_fmt(bal['left_pct'], ' %', 0)} / "
            f"{_fmt(bal['right_pct'], ' %', 0)}"
            f", fore/rear {_fmt(bal['fore_pct'], ' %', 0)} / {_fmt(bal['rear_pct'], ' %', 0)}"
        )
        lines.append(
            f"  sway path {_fmt(bal['path_length_mm'], ' mm', 0)}, mean velocity "
            f"{_fmt(bal['mean_velocity_mm_s'], ' mm/s', 1)}, 95 % ellipse "
            f"{_fmt(bal['ellipse_area_95_mm2'], ' mm2', 0)}"
        )
    lines += [f"  gait note: {note}" for note in result.get("gait_notes") or []]
    for flag in result["asymmetry"].get("flags", []):
        lines.append(f"  ! {flag}")
    for warning in result["warnings"]:
        lines.append(f"  note: {warning}")
    return "\n".join(lines)


def _write_result(label: str, result: dict[str, Any], args: argparse.Namespace,
                  out: TextIO, paths: list[str] | None = None) -> None:
    if args.json:
        head: dict[str, Any] = {"path": label}
        if paths is not None:
            head = {"path": label, "paths": paths, "combined": True}
        out.write(json.dumps({**head, **result}, allow_nan=False) + "\n")
    else:
        out.write(summary_text(label, result) + "\n\n")
    out.flush()


def _combine(loaded: list[tuple[str, Any]], thresholds: Any, args: argparse.Namespace,
             out: TextIO) -> None:
    """Analyse the loaded scans as one visit: the walks together, the standing trials together."""
    import orthofit
    from orthofit.analysis import AnalysisError

    groups = [loaded]
    try:
        result = orthofit.analyze_trials([r for _, r in loaded], thresholds=thresholds,
                                         labels=[Path(p).name for p, _ in loaded])
        results = [(loaded, result)]
    except AnalysisError as exc:
        if not exc.modes:
            raise
        walks = [item for item, m in zip(loaded, exc.modes, strict=True) if m == "walk"]
        rest = [item for item, m in zip(loaded, exc.modes, strict=True) if m != "walk"]
        groups = [g for g in (walks, rest) if g]
        results = [(g, orthofit.analyze_trials([r for _, r in g], thresholds=thresholds,
                                               labels=[Path(p).name for p, _ in g]))
                   for g in groups]
    for group, result in results:
        paths = [str(p) for p, _ in group]
        label = " + ".join(paths) if len(paths) <= 3 else f"{paths[0]} and {len(paths) - 1} more"
        _write_result(label, result.to_dict(series=args.series), args, out, paths)


def cmd_analyze(args: argparse.Namespace, out: TextIO) -> int:
    """Analyse every path (or, with --combine, all of them as one visit); non-zero if any failed."""
    import orthofit
    from orthofit.io.profiles import load_thresholds

    try:
        thresholds = load_thresholds(args.thresholds)
    except OrthofitError as exc:
        print(f"orthofit: {exc}", file=sys.stderr)
        return EXIT_USAGE
    failed = False
    loaded = []
    for path in args.paths:
        try:
            rec = orthofit.load(path, pitch_mm=args.pitch_mm, rate_hz=args.rate_hz)
            if args.combine:
                loaded.append((str(path), rec))
                continue
            result = orthofit.analyze(rec, thresholds=thresholds).to_dict(series=args.series)
        except OrthofitError as exc:
            failed = True
            _report_error(path, str(exc), args.json, out)
            continue
        except Exception as exc:  # never a traceback in front of a user
            failed = True
            log.debug("analysis of %s failed", path, exc_info=True)
            _report_error(path, f"unexpected error: {type(exc).__name__}: {exc} "
                          "(run with --debug for details and report it)", args.json, out)
            if args.debug:
                raise
            continue
        _write_result(str(path), result, args, out)
    if loaded:
        _combine(loaded, thresholds, args, out)
    return EXIT_FAILED if failed else EXIT_OK


def _report_error(path: str, message: str, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps({"path": str(path), "error": message}) + "\n")
    else:
        print(f"orthofit: {message}", file=sys.stderr)


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    """Convert any readable scan into the native format, keeping the source's metadata."""
    import hashlib

    from orthofit.io.load import load
    from orthofit.io.ofs import save_ofs

    existing_file(args.path, what="a scan to import")
    output = output_file(args.output)
    rec = load(args.path, pitch_mm=args.pitch_mm, rate_hz=args.rate_hz)
    source = dict(rec.metadata.get("source", {}))
    source.update(file=Path(args.path).name,
                  sha256=hashlib.sha256(Path(args.path).read_bytes()).hexdigest())
    rec = rec.replace(metadata={**rec.metadata, "source": source},
                      patient_id=args.patient_id or rec.patient_id)
    save_ofs(rec, output)
    out.write(f"imported {args.path}: {rec.n_frames} frame(s) of {rec.shape[0]} x "
              f"{rec.shape[1]} at {rec.rate_hz or 0:g} Hz ({source.get('format', 'native')}) "
              f"-> {output}\n")
    if rec.metadata.get("warning"):
        out.write(f"note: {rec.metadata['warning']}\n")
    return EXIT_OK


def cmd_samples(args: argparse.Namespace, out: TextIO) -> int:
    """List the sample scans shipped with orthofit (their full paths)."""
    folder = resources.files("orthofit.sample_scans")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".ofs"):
            out.write(f"{Path(str(entry))}\n")
    return EXIT_OK


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``analyze``, ``import`` and ``samples`` to the ``orthofit`` parser."""
    p = sub.add_parser(
        "analyze", parents=[common], help="analyse scans and print every measure",
        description="Analyse pressure scans: .ofs (native), .npy (R x C or T x R x C kPa) or a "
                    "vendor export. Prints a summary, or one JSON object per scan with --json.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="scan files")
    p.add_argument("--pitch-mm", type=parse_pitch, default=None, metavar="R[xC]",
                   help="sensel pitch in mm (0.5-50), for plain .npy only (e.g. 5.08 or "
                        "7.62x5.08)")
    p.add_argument("--rate-hz", type=rate_hz, default=None, metavar="HZ",
                   help="frame rate in Hz (1-2000), for multi-frame plain .npy only")
    p.add_argument("--json", action="store_true", help="one JSON object per scan, one per line")
    p.add_argument("--no-series", dest="series", action="store_false",
                   help="leave per-frame force curves and COP paths out of the JSON")
    p.add_argument("--thresholds", default="default", metavar="NAME|FILE",
                   help="threshold profile: a shipped name or a .toml path (default: default)")
    p.add_argument("--combine", action="store_true",
                   help="analyse the scans as the trials of one visit: each foot judged from "
                        "all its steps (walks together, standing trials together)")
    p.set_defaults(func=cmd_analyze)
    p = sub.add_parser(
        "import", parents=[common], help="convert a vendor export (or .npy) into an .ofs scan",
        description="Read a scan in any format orthofit knows and write the native .ofs, "
                    "keeping the source's metadata, its file name and SHA-256. Formats: "
                    "Tekscan .asf and I-Scan .csv, Novel emed .lst, Novel pliance and pedar "
                    ".asc, XSENSOR .csv, RSscan footscan .xls and text roll-off, Zebris text, "
                    "plain NumPy .npy (with --pitch-mm and --rate-hz).")
    p.add_argument("path", help="the file to convert")
    p.add_argument("-o", "--output", required=True, help="the .ofs file to write")
    p.add_argument("--pitch-mm", type=parse_pitch, default=None, metavar="R[xC]",
                   help="sensel pitch in mm (0.5-50), for plain .npy only")
    p.add_argument("--rate-hz", type=rate_hz, default=None, metavar="HZ",
                   help="frame rate in Hz (1-2000), for multi-frame plain .npy only")
    p.add_argument("--patient-id", default=None, help="an id to store with the scan (no names)")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("samples", parents=[common],
                       help="list the sample scans shipped with orthofit",
                       description="Print the full path of every sample scan.")
    p.set_defaults(func=cmd_samples)
