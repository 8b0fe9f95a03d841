"""``orthofit gui``: the podiatrist's desktop application."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from orthofit.cli.args import need_screen, output_file, store_location
from orthofit.errors import OrthofitError
from orthofit.gui import VIEWS


def cmd_gui(args: argparse.Namespace, out: TextIO) -> int:
    """Start the desktop application (or write a screenshot of one view)."""
    screenshot = None
    if args.screenshot:
        screenshot = str(output_file(args.screenshot, option="--screenshot"))
    # A demo or a screenshot may start a store in a new folder; the clinic's must exist.
    # ... and never the clinic's own store from $ORTHOFIT_STORE: a demo fills its store.
    folder = None if (args.demo or screenshot) and args.store is None else \
        store_location(args.store, create=args.create or args.demo or bool(screenshot))
    if not screenshot:
        need_screen("the desktop")
    try:
        from orthofit.gui.app import run
    except ImportError as exc:
        raise OrthofitError(f"the desktop needs PyQt6 and pyqtgraph ({exc}); install them "
                            "with: python -m pip install orthofit") from exc
    code = run(None if folder is None else str(folder), demo=args.demo, screenshot=screenshot,
               view=args.view)
    if screenshot and code == 0:
        out.write(f"wrote {screenshot}\n")
    elif screenshot:
        raise OrthofitError(f"the screenshot could not be written to {screenshot}")
    return code


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``gui`` to the ``orthofit`` parser."""
    p = sub.add_parser("gui", parents=[common], help="the podiatrist's desktop application",
                       description="Patients, capture, analysis, proposals and reports on the "
                                   "clinic store.")
    p.add_argument("--store", default=None, metavar="DIR|URL",
                   help="the clinic store: a folder, or a server's postgresql://user@host/db "
                        "(default: $ORTHOFIT_STORE, else the user's data folder or "
                        "$ORTHOFIT_DATA)")
    p.add_argument("--create", action="store_true",
                   help="start a new, empty store in the --store folder if there is none")
    p.add_argument("--demo", action="store_true",
                   help="a demo store with sample patients and scans (a new temporary folder "
                        "unless --store names one)")
    p.add_argument("--screenshot", default=None, metavar="FILE.png",
                   help="render a view of the demo to a PNG and exit")
    p.add_argument("--view", choices=VIEWS, default="patients",
                   help="the view the screenshot shows (default: patients)")
    p.set_defaults(func=cmd_gui)
