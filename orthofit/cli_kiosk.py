"""``orthofit kiosk``: the guided scan, unattended with ``--once``."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from orthofit.errors import OrthofitError


def cmd_kiosk(args: argparse.Namespace, out: TextIO) -> int:
    """Run one kiosk scan into the store's kiosk queue and print the result."""
    from orthofit.kiosk.flow import run_once
    from orthofit.store import Store

    if not args.once:
        raise OrthofitError("the full-screen kiosk is not in this version yet; "
                            "'orthofit kiosk --once' runs one guided scan unattended")
    if not args.emulate and not args.mat:
        raise OrthofitError("choose the mat: --mat PORT --profile NAME, or --emulate")
    store = Store(args.store, actor="kiosk")
    try:
        result = run_once(store, code=args.code, port=None if args.emulate else args.mat,
                          profile_name=args.profile, foot=args.foot)
    finally:
        store.close()
    out.write(json.dumps(result.to_dict()) + "\n")
    return 0


def add_parsers(sub: Any) -> None:
    """Add ``kiosk`` to the ``orthofit`` parser."""
    p = sub.add_parser("kiosk", help="a guided scan a patient can do alone")
    p.add_argument("--store", default=None, help="the clinic store's folder")
    p.add_argument("--mat", default=None, help="the mat's port or URL")
    p.add_argument("--profile", default="ofp1-generic", help="the mat's profile")
    p.add_argument("--emulate", action="store_true", help="use the emulated mat")
    p.add_argument("--foot", default="normal", choices=("normal", "flat", "cavus"),
                   help="the emulated patient's foot")
    p.add_argument("--code", default=None, help="the visit code (default: a new one)")
    p.add_argument("--once", action="store_true",
                   help="run one scan unattended, store it and exit")
    p.set_defaults(func=cmd_kiosk)
