"""What the command line accepts: argument types with their unit and range, and path checks.

Every number is checked where it is parsed, so ``--pitch-mm 1e9`` or ``--frames -3`` stop with
a message naming the option, its unit and the range it takes, before any work starts. Paths the
user names are checked before work starts too (:func:`output_file`, :func:`store_location`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path

from orthofit.errors import OrthofitError
from orthofit.model import MAX_PITCH_RATIO, PITCH_MM_RANGE, RATE_HZ_RANGE


class UsageError(OrthofitError):
    """A command line that cannot be carried out as given (a path, a missing choice)."""


def _number(text: str, what: str, unit: str, lo: float, hi: float, *,
            integer: bool = False) -> float:
    """``text`` as a number of ``unit`` from ``lo`` to ``hi``; argparse names the option."""
    kind = "a whole number" if integer else "a number"
    span = f"{lo:,.0f} to {hi:,.0f}" if integer else f"{lo:g} to {hi:g}"
    unit = f" {unit}" if unit else ""
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give {kind} from {span}{unit}, not {text!r}") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise argparse.ArgumentTypeError(f"give {kind} from {span}{unit}, not {text!r}")
    return value


def ranged(what: str, unit: str, lo: float, hi: float, *,
           integer: bool = False) -> Callable[[str], float]:
    """An argument type: a number of ``unit`` from ``lo`` to ``hi`` (``what`` names it).

    Examples
    --------
    >>> ranged("--kg", "kg", 10, 300)("72")
    72.0
    """
    def parse(text: str) -> float:
        return _number(text, what, unit, lo, hi, integer=integer)

    parse.__name__ = what  # argparse names the type in its own messages
    return parse


#: Plausible sensel pitches (mm) and frame rates (Hz): the recording model's ranges.
PITCH_MM = PITCH_MM_RANGE
RATE_HZ = RATE_HZ_RANGE

rate_hz = ranged("--rate-hz", "Hz", *RATE_HZ)
body_mass_kg = ranged("--kg", "kg", 10.0, 300.0)


def parse_pitch(text: str) -> tuple[float, float]:
    """Parse ``--pitch-mm``: ``5.08`` (square) or ``7.62x5.08`` (row x column), in mm.

    Examples
    --------
    >>> parse_pitch("7.62x5.08")
    (7.62, 5.08)
    """
    parts = text.lower().replace("*", "x").split("x")
    if len(parts) not in (1, 2):
        raise argparse.ArgumentTypeError(
            f"give one or two numbers of mm (e.g. 5.08 or 7.62x5.08), not {text!r}")
    values = [_number(p, "--pitch-mm", "mm", *PITCH_MM) for p in parts]
    if len(values) == 1:
        values *= 2
    if max(values) > MAX_PITCH_RATIO * min(values):
        raise argparse.ArgumentTypeError(
            f"a sensel of {values[0]:g} x {values[1]:g} mm is more than {MAX_PITCH_RATIO:g} times "
            "longer than wide; no mat's are (did you mean another unit?)")
    return values[0], values[1]


def iso_date(text: str) -> str:
    """A calendar date written YYYY-MM-DD (a report's date).

    Examples
    --------
    >>> iso_date("2026-11-21")
    '2026-11-21'
    """
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"give a date as YYYY-MM-DD (e.g. 2026-11-21), not {text!r}") from None
    if not 1900 <= day.year <= 2200:
        raise argparse.ArgumentTypeError(f"{text} is not a plausible report date")
    return day.isoformat()


def visit_code(text: str) -> str:
    """A kiosk visit code: exactly six digits (``--code``), checked as the store checks it."""
    from orthofit.store.store import StoreError
    from orthofit.store.store import visit_code as check

    try:
        return check(text)
    except StoreError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def screen_size(text: str) -> tuple[int, int]:
    """``WIDTHxHEIGHT`` in pixels, 200 to 10000 each."""
    parts = text.lower().split("x")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"give WIDTHxHEIGHT in pixels (e.g. 1080x1920), "
                                         f"not {text!r}")
    w, h = (int(_number(p, "--size", "pixels", 200, 10000, integer=True)) for p in parts)
    return w, h


def output_file(path: str | Path, *, option: str = "-o") -> Path:
    """An output file the command may write: its folder is made if missing.

    Refused clearly when it names a folder, or its folder cannot be made (a file is in the
    way, or no permission).
    """
    out = Path(path).expanduser()
    if out.is_dir():
        raise UsageError(f"{option} {path}: that is a folder; give a file name inside it")
    folder = out.parent
    if not folder.exists():
        try:
            folder.mkdir(parents=True, mode=0o700)
        except OSError as exc:
            raise UsageError(f"{option} {path}: the folder {folder} cannot be made "
                             f"({exc.strerror or exc})") from exc
    elif not folder.is_dir():
        raise UsageError(f"{option} {path}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"{option} {path}: the folder {folder} cannot be written to")
    return out


def output_folder(path: str | Path, *, option: str) -> Path:
    """A folder the command writes into: made if missing, refused if a file is in the way."""
    folder = Path(path).expanduser()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{option} {path}: that is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise UsageError(f"{option} {path}: the folder cannot be made "
                         f"({exc.strerror or exc})") from exc
    return folder


def store_location(text: str | None, *, create: bool = False) -> Path | str | None:
    """The clinic store a command opens: a folder, a PostgreSQL URL, or None (the default).

    ``--store`` wins, then ``$ORTHOFIT_STORE``; None means the user's default folder. A folder
    named must exist unless ``create``: a mistyped ``--store`` would otherwise quietly start a
    new, empty store; a file in its place is refused. A server's URL
    (``postgresql://user@host/database``) is checked here, and a password written into it on the
    command line is refused (every user of the computer can read a command line): libpq takes it
    from ``PGPASSWORD`` or ``~/.pgpass``.
    """
    from orthofit.store.backend import is_url, server_url
    from orthofit.store.files import StoreError

    option = "--store"
    if text is None and os.environ.get("ORTHOFIT_STORE"):
        text, option = os.environ["ORTHOFIT_STORE"], "ORTHOFIT_STORE"
    if text is None:
        return None
    if is_url(text):
        try:
            server_url(text, allow_password=option != "--store")
        except StoreError as exc:
            raise UsageError(f"{option}: {exc}") from None
        return text.strip()
    folder = Path(text).expanduser()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{option} {text}: that is a file; a clinic store is a folder (or a "
                         "postgresql:// address)")
    if not folder.exists() and not create:
        raise UsageError(f"{option} {text}: there is no clinic store there; check the path, or "
                         "add --create to start a new store in that folder")
    return folder


def need_screen(what: str) -> None:
    """Refuse clearly when there is no screen for a window, before Qt aborts the process.

    On Linux a window needs an X or Wayland session; without one Qt prints "Reinstalling the
    application may fix this problem" and aborts, which is neither true nor helpful.
    ``QT_QPA_PLATFORM`` set by the user (``offscreen``, ``vnc``...) is taken as their choice.
    """
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise UsageError(f"{what} needs a screen and this session has none (no DISPLAY or "
                         "WAYLAND_DISPLAY): start it from the computer's desktop, or draw its "
                         "screens to a file with --screenshot")


def existing_file(path: str | Path, *, what: str) -> Path:
    """A file the command reads: refused clearly when missing or a folder."""
    p = Path(path).expanduser()
    if p.is_dir():
        raise UsageError(f"{path}: that is a folder, not {what}")
    if not p.exists():
        raise UsageError(f"{path}: no such file ({what})")
    return p


def add_analysis_options(p: argparse.ArgumentParser, *, rules_help: str) -> None:
    """The options every command that analyses scans and proposes insoles takes."""
    p.add_argument("--thresholds", default="default",
                   help="threshold profile: a shipped name or a .toml path")
    p.add_argument("--rules", default="default", help=rules_help)
    p.add_argument("--diabetic", action="store_true",
                   help="the patient has diabetes: apply the offloading rule")
    p.add_argument("--knee-oa", action="store_true",
                   help="medial knee osteoarthritis: offer the lateral wedge option")
    p.add_argument("--pitch-mm", type=parse_pitch, default=None, metavar="R[xC]",
                   help="sensel pitch in mm (0.5-50), for plain .npy only")
    p.add_argument("--rate-hz", type=rate_hz, default=None, metavar="HZ",
                   help="frame rate in Hz (1-2000), for multi-frame plain .npy only")
