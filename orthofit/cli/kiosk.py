"""``orthofit kiosk``: the full-screen guided scan, or one scan unattended with ``--once``."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any, TextIO

from orthofit.cli.args import (
    UsageError,
    need_screen,
    output_folder,
    ranged,
    screen_size,
    store_location,
    visit_code,
)
from orthofit.errors import OrthofitError


def _read_pin() -> str:
    """The new PIN: asked twice on a terminal, else the first line of standard input."""
    from orthofit.kiosk.pin import MAX_DIGITS, MIN_DIGITS

    if sys.stdin.isatty():
        pin = getpass.getpass(f"New kiosk PIN ({MIN_DIGITS} to {MAX_DIGITS} digits): ")
        if getpass.getpass("The same PIN again: ") != pin:
            raise OrthofitError("the two PINs differ; nothing was changed")
        return pin
    return sys.stdin.readline().strip()


def cmd_kiosk(args: argparse.Namespace, out: TextIO) -> int:
    """Run the kiosk (or one scan, or set its PIN, or draw its screens)."""
    from orthofit.io.profiles import load_mat_profile
    from orthofit.kiosk.access import KioskStore

    screenshot = None
    if args.screenshot:
        screenshot = str(output_folder(args.screenshot, option="--screenshot"))
        if args.store is None:
            raise UsageError("--screenshot draws the screens of a store: give --store DIR (a "
                             "new folder is fine); the user's own store is never used for it")
    folder = store_location(args.store, create=args.create or args.set_pin or bool(screenshot))
    if args.set_pin:
        from orthofit.kiosk.pin import hash_pin
        from orthofit.store import Store

        pin_hash = hash_pin(_read_pin())  # checked before the store is touched
        store = Store(folder)
        try:
            store.set_settings(kiosk_pin=pin_hash)
            store.clear_pin_lockout()  # a new PIN starts with no wrong ones counted
        finally:
            store.close()
        out.write("the kiosk PIN is set\n")
        return 0
    if not args.emulate and not args.mat and not screenshot:
        raise UsageError("choose the mat: --mat PORT --profile NAME, or --emulate")
    # The kiosk process opens no store: the door's helper process does, and only it.
    kiosk = KioskStore(folder)
    try:
        port = None if args.emulate or screenshot else args.mat
        pin = kiosk.pin_state()
        if pin == "change" and not screenshot:
            from orthofit.kiosk.pin import CHANGE_ADVICE

            print(f"orthofit kiosk: warning: {CHANGE_ADVICE}", file=sys.stderr)
        if args.once:
            from orthofit.kiosk.flow import run_once

            result = run_once(kiosk, code=args.code, name=args.name or "", port=port,
                              profile_name=args.profile, foot=args.foot)
            out.write(json.dumps(result.to_dict()) + "\n")
            return 0
        if not screenshot:
            need_screen("the kiosk")
        if pin == "none" and not screenshot:
            raise OrthofitError("no administrator PIN is set, so nobody could leave the kiosk: "
                                "set one with 'orthofit kiosk --set-pin' or in the desktop's "
                                "Settings")
        from orthofit.capture.link import MatLink
        from orthofit.gui.kiosk import run
        from orthofit.kiosk.flow import DEMO_PHASES, patient_script

        profile = load_mat_profile(args.profile)
        frames = patient_script(DEMO_PHASES, foot=args.foot) if port is None else None
        link = MatLink(profile, port, frames_kpa=frames)
        code = run(kiosk, link, fullscreen=not args.windowed, idle_s=args.idle,
                   screenshot=screenshot, size=args.size)
        if screenshot:
            out.write(f"wrote the screens into {screenshot}\n")
        return code
    finally:
        kiosk.close()


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``kiosk`` to the ``orthofit`` parser."""
    p = sub.add_parser("kiosk", parents=[common],
                       help="a guided scan a patient can do alone (full screen)",
                       description="The waiting-room kiosk: the patient is guided through a "
                                   "scan that lands in the clinic store's kiosk queue.")
    p.add_argument("--store", default=None, metavar="DIR|URL",
                   help="the clinic store: a folder (it must exist unless --create) or a "
                        "server's postgresql://kiosk-role@host/db (default: $ORTHOFIT_STORE, "
                        "else the user's data folder)")
    p.add_argument("--create", action="store_true",
                   help="start a new, empty store in the --store folder if there is none")
    p.add_argument("--mat", default=None, help="the mat's port or URL")
    p.add_argument("--profile", default="ofp1-generic", help="the mat's profile")
    p.add_argument("--emulate", action="store_true",
                   help="use the emulated mat (a patient who steps on, stands and walks)")
    p.add_argument("--foot", default="normal", choices=("normal", "flat", "cavus"),
                   help="the emulated patient's foot")
    p.add_argument("--once", action="store_true",
                   help="run one scan unattended, store it and exit")
    p.add_argument("--code", default=None, type=visit_code,
                   help="--once: the six-digit visit code (default: a new one)")
    p.add_argument("--name", default=None, help="--once: the first name")
    p.add_argument("--set-pin", action="store_true",
                   help="set the administrator PIN that leaves the kiosk (asked twice, or "
                        "read from standard input)")
    p.add_argument("--idle", type=ranged("--idle", "s", 5, 3600), default=45.0,
                   help="seconds without a touch before the kiosk clears and starts over "
                        "(5-3600, default 45)")
    p.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    p.add_argument("--size", type=screen_size, default=(1080, 1920),
                   help="window or screenshot size, WIDTHxHEIGHT in pixels (default 1080x1920)")
    p.add_argument("--screenshot", metavar="DIR", default=None,
                   help="write every screen as a PNG into DIR (made if missing) and exit; "
                        "needs --store")
    p.set_defaults(func=cmd_kiosk)
