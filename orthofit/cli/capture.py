"""Command-line capture: ``orthofit record``, ``mats``, ``recover``, ``emulate``, ``calibrate``."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from orthofit.cli.args import (
    UsageError,
    body_mass_kg,
    existing_file,
    output_file,
    ranged,
    rate_hz,
)
from orthofit.errors import OrthofitError

EXIT_OK, EXIT_FAILED = 0, 1

#: Longest recording a command accepts (s): a balance trial is 30 s, a walk a few passes.
MAX_SECONDS = 3600.0


def _profile(name: str) -> Any:
    from orthofit.io.profiles import load_mat_profile

    return load_mat_profile(name)


def _with_clinic_calibration(profile: Any, use: bool) -> tuple[Any, np.ndarray | None, dict]:
    """The profile with the clinic's stored scale, the tare map, and what was applied."""
    if not use:
        return profile, None, {}
    from orthofit.io.matcal import load_mat_calibration

    cal = load_mat_calibration(profile.name)
    applied = {}
    if cal["scale"] != 1.0:
        profile = profile.with_calibration(clinic_scale=cal["scale"])
        applied["scale"] = cal["scale"]
    if cal["zero_map"] is not None:
        applied["zeroed"] = cal["info"].get("zeroed")
    if cal["info"].get("noise_kpa") is not None:
        # The noise measured when the mat was zeroed sets its noise threshold in the analysis.
        profile = profile.with_noise(float(cal["info"]["noise_kpa"]))
        applied["noise_kpa"] = profile.noise_kpa
    return profile, cal["zero_map"], applied


def cmd_record(args: argparse.Namespace, out: TextIO) -> int:
    """Record from a mat into an .ofs file and print the summary."""
    from orthofit.capture.modes import trigger_for
    from orthofit.capture.recorder import capture
    from orthofit.drivers.reader import MatReader

    output = output_file(args.output)
    profile, zero_map, applied = _with_clinic_calibration(_profile(args.profile),
                                                          not args.no_calibration)
    if zero_map is not None and profile.rows and zero_map.shape != (profile.rows, profile.cols):
        zero_map = None
    if args.passes != 1 and args.mode != "walk":
        raise UsageError("--passes counts the passes of a walk: use it with --mode walk")
    trigger = trigger_for(args.mode or "unknown", seconds=args.seconds, frames=args.frames,
                          passes=args.passes)
    if args.wait_s:
        trigger.max_wait_s = args.wait_s
    reader = MatReader(args.port, profile)
    reader.start()
    reader.wait_open()
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        result = capture(reader, output, trigger, mode=args.mode or "unknown",
                         patient_id=args.patient_id, device_id=args.device_id,
                         zero_map=zero_map, stop_event=stop)
    finally:
        signal.signal(signal.SIGINT, previous)
    summary = result.to_dict()
    summary["clinic_calibration"] = applied
    if args.json:
        out.write(json.dumps(summary) + "\n")
    else:
        rate = f"{result.rate_hz:.1f} Hz" if result.rate_hz else "n/a"
        if result.complete:
            out.write(f"capture complete: {result.frames} frame(s) saved to {result.path} "
                      f"({result.received} received, {rate})\n")
        else:
            out.write(f"capture ended early: {result.reason}\n  every frame that arrived "
                      f"({result.frames}) was saved to {result.path} ({rate})\n")
        out.write("  crc errors {crc_errors}, sequence gaps {sequence_gaps} "
                  "({frames_missing} frame(s) missing), bytes skipped {bytes_skipped}, "
                  "bad frames {bad_frames}\n".format(**result.stats))
        for fault in result.faults:
            if fault["message"] != result.reason:  # the one that ended it is said above
                out.write(f"  ! {fault['kind']}: {fault['message']}\n")
    return EXIT_OK if result.complete else EXIT_FAILED


def cmd_recover(args: argparse.Namespace, out: TextIO) -> int:
    """Turn a journal into an .ofs."""
    from orthofit.capture.recorder import recover_journal

    existing_file(args.journal, what="a capture journal")
    output = output_file(args.output)
    frames, contents = recover_journal(args.journal, output)
    out.write(f"recovered {frames} frame(s) from {args.journal} into {output}\n")
    if contents.damaged_tail:
        out.write(f"  the journal's end was damaged ({contents.damaged_tail}); every record "
                  "before it was intact\n")
    if contents.unusable_frames:
        out.write(f"  {contents.unusable_frames} frame(s) held values that are not finite "
                  "numbers and were left out\n")
    for fault in contents.faults:
        out.write(f"  ! {fault['kind']}: {fault['message']}\n")
    return EXIT_OK


def cmd_mats(args: argparse.Namespace, out: TextIO) -> int:
    """List attached serial ports, the profiles they match, and every profile."""
    from orthofit.drivers.discovery import list_serial_ports, match_profiles
    from orthofit.io.profiles import load_mat_profile, profile_names

    profiles = [load_mat_profile(n) for n in profile_names("mats")]
    matches = match_profiles(list_serial_ports(), profiles)
    if args.json:
        out.write(json.dumps({
            "ports": [{"device": p.device, "description": p.description, "usb_id": p.usb_id,
                       "profiles": names} for p, names in matches],
            "profiles": [{"name": p.name, "description": p.description,
                          "rows": p.rows, "cols": p.cols, "pitch_mm": list(p.pitch_mm),
                          "codec": p.codec.get("kind"), "usb_ids": p.link.get("usb_ids", []),
                          "calibrated": p.calibration.calibrated} for p in profiles],
        }) + "\n")
        return EXIT_OK
    out.write("attached serial ports:\n")
    if not matches:
        out.write("  none found (plug the mat in; networked mats: --port socket://HOST:PORT)\n")
    for port, names in matches:
        fit = ", ".join(names) if names else "no profile matches its USB id"
        out.write(f"  {port.device:16s} {port.usb_id or '-':10s} {port.description}  -> {fit}\n")
    out.write("mat profiles:\n")
    for p in profiles:
        size = f"{p.rows} x {p.cols}" if p.rows else "size from stream"
        cal = "calibrated" if p.calibration.calibrated else "uncalibrated"
        out.write(f"  {p.name:22s} {size:16s} {p.pitch_mm[0]:g} x {p.pitch_mm[1]:g} mm, "
                  f"{p.codec.get('kind')}, {cal}\n")
    return EXIT_OK


def cmd_emulate(args: argparse.Namespace, out: TextIO) -> int:
    """Serve a mat's bytes over a pty or TCP until stopped."""
    from orthofit.drivers.emulator import FaultSpec, MatEmulator, foot_model_frames
    from orthofit.io.load import load

    profile = _profile(args.profile)
    try:
        faults = FaultSpec.parse(args.faults)
    except ValueError as exc:
        raise OrthofitError(f"--faults: {exc}") from exc
    if args.scan:
        rec = load(existing_file(args.scan, what="a scan to replay"))
        frames = rec.frames
        rate = args.rate_hz or rec.rate_hz or 100.0
    else:
        rate = args.rate_hz or 100.0
        rec = foot_model_frames(profile, args.foot, args.mode, rate_hz=rate)
        frames = rec.frames
    if profile.rows and frames.shape[1:] != (profile.rows, profile.cols):
        raise OrthofitError(
            f"the scan is {frames.shape[1]} x {frames.shape[2]} sensels but the profile "
            f"'{profile.name}' is {profile.rows} x {profile.cols}; choose a matching profile "
            "(ofp1-generic sends any size)")
    emulator = MatEmulator(profile, frames, rate_hz=rate, faults=faults, seed=args.seed,
                           wait_for_start=args.wait_for_start)
    if args.tcp is not None:
        host, port = emulator.start_tcp(args.tcp)
        where = f"socket://{host}:{port}"
    else:
        where = emulator.start_pty()
    out.write(f"{where}\n")
    out.flush()
    sys.stderr.write(f"emulating '{profile.name}' ({frames.shape[1]} x {frames.shape[2]}, "
                     f"{rate:g} Hz) on {where}; it keeps this terminal: record from a second "
                     f"one (orthofit record --port {where} ...); Ctrl-C stops\n")
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    deadline = time.monotonic() + args.seconds if args.seconds else None
    try:
        while not stop.is_set() and not emulator.finished.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                break
            stop.wait(0.1)
    finally:
        signal.signal(signal.SIGINT, previous)
        emulator.stop()
    sys.stderr.write(f"sent {emulator.sent} frame(s)\n")
    return EXIT_OK


def cmd_calibrate(args: argparse.Namespace, out: TextIO) -> int:
    """Zero a mat, or check it against a known body weight."""
    from orthofit.capture.calibration import (
        empty_noise_kpa,
        tare_is_plausible,
        tare_map,
        weight_check,
    )
    from orthofit.capture.modes import trigger_for
    from orthofit.capture.recorder import capture
    from orthofit.drivers.reader import MatReader
    from orthofit.io.load import load
    from orthofit.io.matcal import save_mat_calibration

    base = _profile(args.profile)
    profile, zero_map, _ = _with_clinic_calibration(base, args.step == "weight")
    reader = MatReader(args.port, base if args.step == "zero" else profile)
    reader.start()
    reader.wait_open()
    trigger = trigger_for("unknown", seconds=args.seconds)
    with tempfile.TemporaryDirectory(prefix="orthofit-calibration-") as folder:
        scan = Path(folder) / "calibration.ofs"
        capture(reader, scan, trigger, zero_map=zero_map)
        rec = load(scan)
    if args.step == "zero":
        problem = tare_is_plausible(rec.raw_counts, base.max_count)
        if problem:
            raise OrthofitError(problem)
        noise = empty_noise_kpa(rec.raw_counts, base.calibration)
        path = save_mat_calibration(base.name, zero_map=tare_map(rec.raw_counts),
                                    noise_kpa=noise)
        out.write(f"zeroed '{base.name}' from {rec.n_frames} frames (empty-mat noise "
                  f"{noise:g} kPa); saved to {path}\n")
        return EXIT_OK
    if not args.kg:
        raise UsageError("the weight check needs the person's mass: --kg KG")
    try:
        check = weight_check(rec.frames, rec.pitch_mm, args.kg)
    except ValueError as exc:
        raise OrthofitError(str(exc)) from exc
    out.write(f"measured {check['measured_n']:.0f} N for {args.kg:g} kg "
              f"({check['expected_n']:.0f} N expected): {check['error_pct']:+.1f} %\n")
    if args.save:
        scale = check["scale"] * profile.calibration.clinic_scale
        path = save_mat_calibration(base.name, scale=scale)
        out.write(f"scale factor {scale:.4f} saved to {path}\n")
    else:
        out.write("add --save to store the scale factor for this mat\n")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    """Record from the emulated mat through the real driver stack, then analyse it."""
    import orthofit
    from orthofit.capture.link import MatLink
    from orthofit.capture.modes import trigger_for
    from orthofit.capture.recorder import capture
    from orthofit.cli.analyze import summary_text
    from orthofit.io.load import load
    from orthofit.io.profiles import load_thresholds

    profile = _profile("ofp1-generic")
    out.write(f"emulating an OFP1 mat with a {args.foot} foot standing still...\n")
    out.flush()
    link = MatLink(profile, foot=args.foot)
    thresholds = load_thresholds("default")
    try:
        reader = link.open()
        with tempfile.TemporaryDirectory(prefix="orthofit-demo-") as folder:
            scan = output_file(args.output) if args.output else Path(folder) / "demo.ofs"
            trigger = trigger_for("static", seconds=2.0)
            result = capture(reader, scan, trigger, mode="static")
            out.write(f"recorded {result.frames} frames from {link.port} "
                      f"({result.rate_hz or 0:.0f} Hz, crc errors "
                      f"{result.stats['crc_errors']}) into {scan if args.output else 'a scan'}\n\n")
            analysis = orthofit.analyze(load(scan), thresholds=thresholds)
            out.write(summary_text(str(scan.name), analysis.to_dict(series=False)) + "\n\n")
    finally:
        link.close()
    if args.samples:
        from importlib import resources

        from orthofit.sample_scans.make_samples import VISITS

        folder = resources.files("orthofit.sample_scans")
        passes = {name for visit in VISITS.values() for name in visit}
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".ofs") and entry.name[:-4] not in passes:
                result = orthofit.analyze(load(Path(str(entry))), thresholds=thresholds)
                out.write(summary_text(entry.name, result.to_dict(series=False)) + "\n\n")
        # The sample walks are visits of three passes: each foot is judged from all its steps.
        for visit in VISITS.values():
            names = [f"{name}.ofs" for name in visit]
            recs = [load(Path(str(folder.joinpath(name)))) for name in names]
            result = orthofit.analyze_trials(recs, thresholds=thresholds, labels=names)
            out.write(summary_text(" + ".join(names), result.to_dict(series=False)) + "\n\n")
    return EXIT_OK


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the capture commands to the ``orthofit`` parser."""
    p = sub.add_parser("record", parents=[common],
                       help="record a trial from a mat into an .ofs file",
                       description="Record from a mat. Every frame is journalled as it arrives; "
                                   "a pulled cable, a stalled mat or Ctrl-C still leaves an "
                                   ".ofs of everything received.")
    p.add_argument("--port", required=True,
                   help="serial port (/dev/ttyACM0, COM3), or URL (socket://host:port)")
    p.add_argument("--profile", required=True, help="mat profile name or .toml path")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--seconds", type=ranged("--seconds", "s", 0.1, MAX_SECONDS),
                     help=f"record this long from the first frame (0.1-{MAX_SECONDS:g} s)")
    how.add_argument("--frames", type=ranged("--frames", "frames", 1, 10_000_000, integer=True),
                     help="record this many frames (1-10,000,000)")
    how.add_argument("--mode", choices=("static", "walk", "balance"),
                     help="static: 5 s once the stance is steady; walk: first foot down to "
                          "last foot off plus 1 s, one pass (see --passes; 30 s a pass at "
                          "most); balance: 30 s once steady")
    p.add_argument("--passes", type=ranged("--passes", "passes", 1, 20, integer=True),
                   default=1, help="walk: passes over the mat to record (1-20, default 1)")
    p.add_argument("-o", "--output", required=True,
                   help="the .ofs file to write (its folder is made if missing)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument("--patient-id", default=None, help="an id stored with the scan (no names)")
    p.add_argument("--device-id", default=None, help="the mat's id, stored with the scan")
    p.add_argument("--wait-s", type=ranged("--wait-s", "s", 1, MAX_SECONDS), default=None,
                   help="how long static, balance and walk wait for the patient, in s "
                        "(1-3600; default 60)")
    p.add_argument("--no-calibration", action="store_true",
                   help="ignore the clinic's stored zero and scale for this mat")
    p.set_defaults(func=cmd_record)

    p = sub.add_parser("recover", parents=[common],
                       help="turn a capture journal left by a crash into an .ofs",
                       description="Read every intact frame of a journal (.NAME.ofs.journal "
                                   "beside an interrupted capture) into a scan.")
    p.add_argument("journal", help="the journal file")
    p.add_argument("-o", "--output", required=True, help="the .ofs file to write")
    p.set_defaults(func=cmd_recover)

    p = sub.add_parser("mats", parents=[common], help="list attached mats and the mat profiles",
                       description="Serial ports with the profile their USB id matches, and "
                                   "every mat profile.")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=cmd_mats)

    p = sub.add_parser("emulate", parents=[common],
                       help="emulate a mat over a pseudo-terminal or TCP",
                       description="Speak a mat profile's real bytes from a scan or the foot "
                                   "model. Prints the device path (or socket:// URL) first, "
                                   "then keeps the terminal until Ctrl-C: record from a "
                                   "second terminal.")
    p.add_argument("--profile", default="ofp1-generic",
                   help="the mat profile whose bytes to speak (default: ofp1-generic)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--scan", help="replay this scan")
    src.add_argument("--foot", default="normal", choices=("normal", "flat", "cavus"),
                     help="the foot model's foot (default: normal)")
    p.add_argument("--mode", default="static", choices=("static", "walk", "balance"),
                   help="what the foot model does (default: static)")
    p.add_argument("--rate-hz", type=rate_hz, default=None,
                   help="frames per second (1-2000; default: the scan's, else 100)")
    link = p.add_mutually_exclusive_group()
    link.add_argument("--pty", action="store_true", help="a pseudo-terminal (default)")
    link.add_argument("--tcp", type=ranged("--tcp", "", 0, 65535, integer=True),
                      metavar="PORT", default=None,
                      help="listen on 127.0.0.1:PORT (0: any free port)")
    p.add_argument("--faults", default="", help="faults to inject, e.g. garbage=0.01,crc=0.01,"
                   "cut=0.01,drop=0.01,stall=5:2,disconnect=10")
    p.add_argument("--seconds", type=ranged("--seconds", "s", 0.1, 86400), default=None,
                   help="stop after this long (s)")
    p.add_argument("--seed", type=ranged("--seed", "", 0, 2**32 - 1, integer=True), default=0,
                   help="seed of the injected faults and the foot model's noise")
    p.add_argument("--wait-for-start", action="store_true",
                   help="send nothing until the host sends S (OFP1)")
    p.set_defaults(func=cmd_emulate)

    p = sub.add_parser("calibrate", parents=[common],
                       help="zero a mat, or check it with a known body weight",
                       description="zero: with nothing on the mat, store each sensel's zero and "
                                   "the empty mat's noise. weight: a person of known mass "
                                   "stands still; compare the mat's force with the weight.")
    p.add_argument("step", choices=("zero", "weight"), help="which calibration")
    p.add_argument("--port", required=True, help="the mat's port or URL")
    p.add_argument("--profile", required=True, help="the mat's profile")
    p.add_argument("--seconds", type=ranged("--seconds", "s", 0.5, 60), default=3.0,
                   help="how long to record (0.5-60 s, default 3)")
    p.add_argument("--kg", type=body_mass_kg, default=None,
                   help="the person's mass in kg (10-300; weight check)")
    p.add_argument("--save", action="store_true", help="store the scale factor (weight check)")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("demo", parents=[common],
                       help="record from the emulated mat and analyse it, then the sample "
                            "scans (no hardware needed)",
                       description="The main job on the built-in default: the emulated mat "
                                   "through the real driver stack, then every sample scan.")
    p.add_argument("--foot", default="flat", choices=("normal", "flat", "cavus"),
                   help="the emulated patient's foot (default: flat)")
    p.add_argument("-o", "--output", default=None, help="keep the recorded scan here")
    p.add_argument("--no-samples", dest="samples", action="store_false",
                   help="skip the sample scans")
    p.set_defaults(func=cmd_demo)
